//! The benchmark suite's program table, shared (with `#[path]`) by the interpreter's and the
//! JIT's `suite` benchmarks and by the `suite` tests of both crates.
//!
//! Each [`Program`] is one file of `vm/benches/suite/` (rdx or Janus), an entry gene, a workload
//! size for the benchmark and a small one for the tests, and a native Rust twin that does the
//! same work: the same algorithm, operation for operation where the rdx program has to do extra
//! work to stay reversible (the Speck twin also rewinds its key schedule, the fib twin also
//! uncomputes), so that a ratio measures the engine and not a smarter algorithm.
//!
//! [`measure`] times native and engines interleaved, best of k, checking every run's state.

use rdx_lang::ast::Dialect;
use rdx_vm::{Direction, Engine, Module, RunReport, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// One program of the suite.
pub struct Program {
    /// Short name (the table's first column).
    pub name: &'static str,
    /// What shape of computation it is.
    pub shape: &'static str,
    /// File name under `vm/benches/suite/`; `.ja` is Janus.
    pub file: &'static str,
    pub source: &'static str,
    /// The gene run.
    pub entry: &'static str,
    /// What the size counts.
    pub unit: &'static str,
    /// Workload size of the benchmark (a forward run takes a few ms on the interpreter).
    pub bench: u64,
    /// Workload size of the tests (fast in a debug build).
    pub test: u64,
    /// Array lengths that depend on the size: the text just before the length in the source
    /// (`"x: u64["`, every occurrence) and the length at size n. Array lengths are literals in
    /// rdx, so the source is rewritten for each size.
    pub arrays: fn(u64) -> Vec<(&'static str, u64)>,
    /// The entry gene's input state at size n and the native twin starting from it.
    pub case: fn(u64) -> Case,
}

/// A program's input at one size, and its native twin.
pub struct Case {
    pub input: Vec<Value>,
    pub native: Box<dyn Native>,
}

/// The native twin of a program: state kept in native types, run forward.
pub trait Native {
    /// Back to the input state (outside the clock).
    fn reset(&mut self);
    /// One forward run from the current state (the timed part).
    fn run(&mut self);
    /// The current state as the entry gene's parameter values.
    fn state(&self) -> Vec<Value>;
}

struct Twin<S> {
    input: S,
    state: S,
    run: fn(&mut S),
    values: fn(&S) -> Vec<Value>,
}

impl<S: Clone> Native for Twin<S> {
    fn reset(&mut self) {
        self.state.clone_from(&self.input);
    }

    fn run(&mut self) {
        (self.run)(black_box(&mut self.state));
        black_box(&mut self.state);
    }

    fn state(&self) -> Vec<Value> {
        (self.values)(&self.state)
    }
}

fn case<S: Clone + 'static>(input: S, run: fn(&mut S), values: fn(&S) -> Vec<Value>) -> Case {
    let native = Twin { state: input.clone(), input, run, values };
    Case { input: native.state(), native: Box::new(native) }
}

fn int(x: u64) -> Value {
    Value::Int(x)
}

fn signed(xs: &[i64]) -> Value {
    Value::Array(xs.iter().map(|&x| x as u64).collect())
}

fn no_arrays(_: u64) -> Vec<(&'static str, u64)> {
    Vec::new()
}

/// `n` pseudo-random words (splitmix64 from `seed`).
pub fn words(seed: u64, n: usize) -> Vec<u64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9e3779b97f4a7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
            z ^ (z >> 31)
        })
        .collect()
}

/// The suite, in table order.
pub fn programs() -> Vec<Program> {
    vec![
        Program {
            name: "speck",
            shape: "block cipher, key schedule inline",
            file: "speck.rdx",
            source: include_str!("../suite/speck.rdx"),
            entry: "encrypt",
            unit: "blocks",
            bench: 1_500,
            test: 3,
            arrays: no_arrays,
            case: |n| {
                case(
                    (SPECK_PLAIN.0, SPECK_PLAIN.1, SPECK_KEY.0, SPECK_KEY.1, n),
                    |s| (s.0, s.1) = speck_encrypt((s.0, s.1), (s.2, s.3), s.4),
                    |s| vec![int(s.0), int(s.1), int(s.2), int(s.3), int(s.4)],
                )
            },
        },
        Program {
            name: "xtea",
            shape: "Feistel cipher, 32-bit words in 64",
            file: "xtea.rdx",
            source: include_str!("../suite/xtea.rdx"),
            entry: "xtea",
            unit: "blocks",
            bench: 400,
            test: 3,
            arrays: no_arrays,
            case: xtea_case,
        },
        Program {
            name: "xtea32",
            shape: "Feistel cipher on u32 variables",
            file: "xtea32.rdx",
            source: include_str!("../suite/xtea32.rdx"),
            entry: "xtea32",
            unit: "blocks",
            bench: 400,
            test: 3,
            arrays: no_arrays,
            case: xtea_case,
        },
        Program {
            name: "xorshift*",
            shape: "PRNG steps, xorshift mirror ops",
            file: "xorshift.rdx",
            source: include_str!("../suite/xorshift.rdx"),
            entry: "xorshift_star",
            unit: "steps",
            bench: 80_000,
            test: 100,
            arrays: no_arrays,
            case: |n| {
                case(
                    (0x0123456789abcdefu64, 0u64, n),
                    |s| (s.0, s.1) = xorshift_star(s.0, s.1, s.2),
                    |s| vec![int(s.0), int(s.1), int(s.2)],
                )
            },
        },
        Program {
            name: "crc32",
            shape: "bitwise checksum, nested bit loop",
            file: "crc32.rdx",
            source: include_str!("../suite/crc32.rdx"),
            entry: "crc32",
            unit: "words",
            bench: 768,
            test: 4,
            arrays: |n| vec![("data: u64[", n)],
            case: |n| {
                case(
                    (words(1, n as usize), 0u64),
                    |s| s.1 = crc32_words(&s.0, s.1),
                    |s| vec![Value::Array(s.0.clone()), int(s.1)],
                )
            },
        },
        Program {
            name: "sort",
            shape: "odd-even transposition sort, swap bits",
            file: "sort.rdx",
            source: include_str!("../suite/sort.rdx"),
            entry: "oets",
            unit: "elements",
            bench: 224,
            test: 16,
            arrays: |n| vec![("a: u64[", n), ("bits: u64[", sort_record_words(n))],
            case: |n| {
                // Values below n, so equal elements occur.
                let a: Vec<u64> = words(2, n as usize).iter().map(|w| w % n).collect();
                case(
                    (a, vec![0u64; sort_record_words(n) as usize]),
                    |s| oets(&mut s.0, &mut s.1),
                    |s| vec![Value::Array(s.0.clone()), Value::Array(s.1.clone())],
                )
            },
        },
        Program {
            name: "perm_code",
            shape: "Janus perm-to-code, O(n²) if/fi",
            file: "perm_code.rdx",
            source: include_str!("../suite/perm_code.rdx"),
            entry: "perm_code",
            unit: "elements",
            bench: 320,
            test: 12,
            arrays: |n| vec![("x: u64[", n)],
            case: |n| case(permutation(3, n as usize), |x| perm_code(x), |x| vec![Value::Array(x.clone())]),
        },
        Program {
            name: "fib",
            shape: "recursion: call + uncall fib(90)",
            file: "fib.rdx",
            source: include_str!("../suite/fib.rdx"),
            entry: "fibs",
            unit: "repetitions",
            bench: 200,
            test: 3,
            arrays: no_arrays,
            case: |n| {
                case((90u64, n, 0u64), |s| s.2 = fibs(s.0, s.1, s.2), |s| vec![int(s.0), int(s.1), int(s.2)])
            },
        },
        Program {
            name: "rle",
            shape: "Janus stack run-length encoding",
            file: "rle.ja",
            source: include_str!("../suite/rle.ja"),
            entry: "encode",
            unit: "symbols",
            bench: 40_000,
            test: 40,
            arrays: no_arrays,
            case: |n| {
                case(
                    (rle_text(4, n as usize), Vec::new()),
                    |s| rle_encode(&mut s.0, &mut s.1),
                    |s| vec![Value::Stack(s.0.clone()), Value::Stack(s.1.clone())],
                )
            },
        },
        Program {
            name: "sums",
            shape: "Janus loop, checked arithmetic",
            file: "sums.ja",
            source: include_str!("../suite/sums.ja"),
            entry: "sums",
            unit: "steps",
            bench: 80_000,
            test: 100,
            arrays: no_arrays,
            case: |n| {
                case(
                    (n as i64, 0i64, 0i64),
                    |s| (s.1, s.2) = sums_checked(s.0, s.1, s.2),
                    |s| vec![int(s.0 as u64), int(s.1 as u64), int(s.2 as u64)],
                )
            },
        },
        Program {
            name: "count",
            shape: "Janus loop, checked, `&&` exit test",
            file: "count.ja",
            source: include_str!("../suite/count.ja"),
            entry: "count",
            unit: "steps",
            bench: 80_000,
            test: 100,
            arrays: no_arrays,
            case: |n| {
                case(
                    (n as i64, 0i64),
                    |s| s.1 = count_checked(s.0, s.1),
                    |s| vec![int(s.0 as u64), int(s.1 as u64)],
                )
            },
        },
        Program {
            name: "fmix",
            shape: "hash chain, multiply + xorshift",
            file: "fmix.rdx",
            source: include_str!("../suite/fmix.rdx"),
            entry: "fmix_chain",
            unit: "steps",
            bench: 80_000,
            test: 100,
            arrays: no_arrays,
            case: |n| case((1u64, n), |s| s.0 = fmix_chain(s.0, s.1), |s| vec![int(s.0), int(s.1)]),
        },
        Program {
            name: "prefix",
            shape: "array prefix sum, one loop",
            file: "prefix.rdx",
            source: include_str!("../suite/prefix.rdx"),
            entry: "prefix",
            unit: "words",
            bench: 1 << 16,
            test: 64,
            arrays: |n| vec![("a: u64[", n)],
            case: |n| case(words(5, n as usize), |a| prefix(a), |a| vec![Value::Array(a.clone())]),
        },
        Program {
            name: "haar",
            shape: "two-array lifting loop, i64",
            file: "lifting.rdx",
            source: include_str!("../suite/lifting.rdx"),
            entry: "haar",
            unit: "pairs",
            bench: 1 << 16,
            test: 64,
            arrays: |n| vec![("x: i64[", n), ("y: i64[", n)],
            case: |n| {
                let w = |seed| words(seed, n as usize).iter().map(|&w| w as i64 >> 16).collect::<Vec<i64>>();
                case((w(6), w(7)), |s| haar(&mut s.0, &mut s.1), |s| vec![signed(&s.0), signed(&s.1)])
            },
        },
        Program {
            name: "stencil",
            shape: "3-point stencil, a[i - 1] and a[i + 1], loop counting down",
            file: "stencil.rdx",
            source: include_str!("../suite/stencil.rdx"),
            entry: "stencil",
            unit: "words",
            bench: 1 << 16,
            test: 64,
            arrays: |n| vec![("a: u64[", n), ("b: u64[", n)],
            case: |n| {
                case(
                    (words(8, n as usize), words(9, n as usize)),
                    |s| stencil(&s.0, &mut s.1),
                    |s| vec![Value::Array(s.0.clone()), Value::Array(s.1.clone())],
                )
            },
        },
        Program {
            name: "matvec",
            shape: "matrix-vector product, nested loops",
            file: "matvec.rdx",
            source: include_str!("../suite/matvec.rdx"),
            entry: "matvec",
            unit: "rows",
            bench: 160,
            test: 4,
            arrays: |n| vec![("a: u64[", n * n), ("x: u64[", n), ("y: u64[", n)],
            case: |n| {
                let n = n as usize;
                case(
                    (words(8, n * n), words(9, n), words(10, n)),
                    |s| matvec(&s.0, &s.1, &mut s.2),
                    |s| vec![Value::Array(s.0.clone()), Value::Array(s.1.clone()), Value::Array(s.2.clone())],
                )
            },
        },
        Program {
            name: "histogram",
            shape: "data-dependent index, general from-loop",
            file: "histogram.rdx",
            source: include_str!("../suite/histogram.rdx"),
            entry: "histogram",
            unit: "words",
            bench: 1 << 16,
            test: 64,
            arrays: |n| vec![("x: u64[", n)],
            case: |n| {
                case(
                    (words(10, n as usize), vec![0u64; 16]),
                    |s| histogram(&s.0, &mut s.1),
                    |s| vec![Value::Array(s.0.clone()), Value::Array(s.1.clone())],
                )
            },
        },
        Program {
            name: "filter",
            shape: "if with two updates on random data (count and sum above a threshold)",
            file: "filter.rdx",
            source: include_str!("../suite/filter.rdx"),
            entry: "filter",
            unit: "words",
            bench: 1 << 16,
            test: 64,
            arrays: |n| vec![("x: u64[", n)],
            case: |n| {
                case(
                    (words(14, n as usize), [1u64 << 63, 0, 0]),
                    |s| filter(&s.0, &mut s.1),
                    |s| vec![Value::Array(s.0.clone()), int(s.1[0]), int(s.1[1]), int(s.1[2])],
                )
            },
        },
        Program {
            name: "walk",
            shape: "if/else with an update each way on random data (LCG random walk)",
            file: "walk.rdx",
            source: include_str!("../suite/walk.rdx"),
            entry: "walk",
            unit: "steps",
            bench: 80_000,
            test: 100,
            arrays: no_arrays,
            case: |n| {
                case([0x0123456789abcdefu64, 1 << 40, 0, n], walk, |s| s.iter().map(|&v| int(v)).collect())
            },
        },
        Program {
            name: "siprounds",
            shape: "calls of a small gene in a loop (SipHash rounds)",
            file: "siprounds.rdx",
            source: include_str!("../suite/siprounds.rdx"),
            entry: "sip",
            unit: "words",
            bench: 1 << 14,
            test: 16,
            arrays: |n| vec![("m: u64[", n)],
            case: |n| {
                case(
                    (words(13, n as usize), SIP_INIT),
                    |s| sip(&s.0, &mut s.1),
                    |s| {
                        let [v0, v1, v2, v3] = s.1;
                        vec![Value::Array(s.0.clone()), int(v0), int(v1), int(v2), int(v3)]
                    },
                )
            },
        },
        Program {
            name: "rev",
            shape: "recursion with an array argument",
            file: "rev.rdx",
            source: include_str!("../suite/rev.rdx"),
            entry: "revs",
            unit: "reversals of 64",
            bench: 800,
            test: 3,
            arrays: |_| vec![("a: u64[", 64)],
            case: |n| {
                case(
                    (words(11, 64), n),
                    |s| revs(&mut s.0, s.1),
                    |s| vec![Value::Array(s.0.clone()), int(s.1)],
                )
            },
        },
        Program {
            name: "collatz",
            shape: "data-dependent branches, a stack trail, call + uncall",
            file: "collatz.rdx",
            source: include_str!("../suite/collatz.rdx"),
            entry: "walks",
            unit: "starts",
            bench: 1_000,
            test: 12,
            arrays: no_arrays,
            case: |n| case((n, 0u64), |s| s.1 = collatz_walks(s.0, s.1), |s| vec![int(s.0), int(s.1)]),
        },
        Program {
            name: "transpose",
            shape: "nested loops, 2-D computed indices, swaps",
            file: "transpose.rdx",
            source: include_str!("../suite/transpose.rdx"),
            entry: "transpose",
            unit: "64×64 transpositions",
            bench: 100,
            test: 1,
            arrays: no_arrays,
            case: |n| {
                case(
                    (words(15, 4096), n),
                    |s| transpose(&mut s.0, s.1),
                    |s| vec![Value::Array(s.0.clone()), int(s.1)],
                )
            },
        },
        Program {
            name: "speck32",
            shape: "16-bit cipher through calls of small genes",
            file: "speck32.rdx",
            source: include_str!("../suite/speck32.rdx"),
            entry: "speck32",
            unit: "blocks",
            bench: 1_500,
            test: 2,
            arrays: no_arrays,
            case: |n| {
                case(
                    (SPECK32_PLAIN, SPECK32_KEY, n),
                    |s| s.0 = speck32_encrypt(s.0, s.1, s.2),
                    |s| {
                        let ((x, y), [k, l0, l1, l2]) = (s.0, s.1);
                        [x, y, k, l0, l1, l2].map(|w| int(w.into())).into_iter().chain([int(s.2)]).collect()
                    },
                )
            },
        },
        Program {
            name: "digits",
            shape: "division by a constant, stack push and pop",
            file: "digits.rdx",
            source: include_str!("../suite/digits.rdx"),
            entry: "count_digits",
            unit: "words",
            bench: 2_000,
            test: 8,
            arrays: |n| vec![("x: u64[", n)],
            case: |n| {
                case(
                    (words(16, n as usize), 0u64),
                    |s| s.1 = count_digits(&s.0, s.1),
                    |s| vec![Value::Array(s.0.clone()), int(s.1)],
                )
            },
        },
    ]
}

impl Program {
    /// The source with the size-dependent array lengths set for size n.
    pub fn source_at(&self, n: u64) -> String {
        let mut src = self.source.to_string();
        for (before, len) in (self.arrays)(n) {
            let mut out = String::with_capacity(src.len());
            let mut rest = src.as_str();
            let mut found = 0;
            while let Some(at) = rest.find(before) {
                let digits = &rest[at + before.len()..];
                let end = digits.find(']').unwrap_or(0);
                assert!(end > 0, "{}: `{before}` is not followed by a length", self.file);
                out.push_str(&rest[..at + before.len()]);
                out.push_str(&len.to_string());
                rest = &digits[end..];
                found += 1;
            }
            out.push_str(rest);
            assert!(found > 0, "{}: no `{before}` in the source", self.file);
            src = out;
        }
        src
    }

    /// The program compiled at size n (parse in the file's dialect, check, compile).
    pub fn module(&self, n: u64) -> Module {
        let src = self.source_at(n);
        let dialect = if self.file.ends_with(".ja") { Dialect::Janus } else { Dialect::Rdx };
        let prog = rdx_lang::parse(&src, dialect).unwrap_or_else(|e| panic!("{}: {e:?}", self.file));
        let checked = rdx_lang::check::check(&prog, &Default::default())
            .unwrap_or_else(|e| panic!("{}: {e:?}", self.file));
        rdx_vm::compile(&checked, self.file, &src).unwrap_or_else(|e| panic!("{}: {e:?}", self.file))
    }

    /// The entry gene's index in `m`.
    pub fn gene(&self, m: &Module) -> usize {
        m.gene_index(self.entry).unwrap_or_else(|| panic!("{}: no gene {}", self.file, self.entry))
    }
}

// ---- The native twins ----

/// Speck128/128's key (k, l) and plaintext (x, y) of the published test vector.
pub const SPECK_KEY: (u64, u64) = (0x0706050403020100, 0x0f0e0d0c0b0a0908);
pub const SPECK_PLAIN: (u64, u64) = (0x6c61766975716520, 0x7469206564616d20);

/// speck.rdx: `blocks` chained encryptions; per block the rounds with the key schedule inline,
/// then the key schedule rewound.
#[inline(never)]
pub fn speck_encrypt((mut x, mut y): (u64, u64), (mut k, mut l): (u64, u64), blocks: u64) -> (u64, u64) {
    for _ in 0..blocks {
        for i in 0..32 {
            x = x.rotate_right(8).wrapping_add(y) ^ k;
            y = y.rotate_left(3) ^ x;
            l = l.rotate_right(8).wrapping_add(k) ^ i;
            k = k.rotate_left(3) ^ l;
        }
        for i in (0..32).rev() {
            k = (k ^ l).rotate_right(3);
            l = (l ^ i).wrapping_sub(k).rotate_left(8);
        }
    }
    (x, y)
}

/// XTEA's key and plaintext of the usual test vector (big-endian words).
pub const XTEA_KEY: [u64; 4] = [0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f];
pub const XTEA_PLAIN: (u64, u64) = (0x41424344, 0x45464748);

/// The input of xtea.rdx and xtea32.rdx at n blocks, and their twin.
fn xtea_case(n: u64) -> Case {
    case(
        (XTEA_PLAIN.0, XTEA_PLAIN.1, XTEA_KEY, n),
        |s| (s.0, s.1) = xtea_encrypt((s.0, s.1), &s.2, s.3),
        |s| vec![int(s.0), int(s.1), Value::Array(s.2.to_vec()), int(s.3)],
    )
}

/// xtea.rdx and xtea32.rdx: `blocks` chained XTEA encryptions (words below 2^32).
#[inline(never)]
pub fn xtea_encrypt((v0, v1): (u64, u64), key: &[u64; 4], blocks: u64) -> (u64, u64) {
    const DELTA: u32 = 0x9e3779b9;
    let (mut v0, mut v1) = (v0 as u32, v1 as u32);
    let key = key.map(|k| k as u32);
    for _ in 0..blocks {
        let mut sum = 0u32;
        for _ in 0..32 {
            v0 = v0.wrapping_add(
                ((v1 << 4) ^ (v1 >> 5)).wrapping_add(v1) ^ sum.wrapping_add(key[(sum & 3) as usize]),
            );
            sum = sum.wrapping_add(DELTA);
            v1 = v1.wrapping_add(
                ((v0 << 4) ^ (v0 >> 5)).wrapping_add(v0) ^ sum.wrapping_add(key[((sum >> 11) & 3) as usize]),
            );
        }
    }
    (v0 as u64, v1 as u64)
}

/// xorshift.rdx: n steps of xorshift64*, the outputs added into acc.
#[inline(never)]
pub fn xorshift_star(mut x: u64, mut acc: u64, n: u64) -> (u64, u64) {
    for _ in 0..n {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        acc = acc.wrapping_add(x.wrapping_mul(0x2545f4914f6cdd1d));
    }
    (x, acc)
}

/// crc32.rdx: the bitwise CRC-32 of the words' bytes (little-endian), register `crc`.
#[inline(never)]
pub fn crc32_words(data: &[u64], mut crc: u64) -> u64 {
    crc ^= 0xffffffff;
    for &w in data {
        for half in [w & 0xffffffff, w >> 32] {
            crc ^= half;
            for _ in 0..32 {
                let b = crc & 1;
                crc = (crc >> 1) ^ (b * 0xedb88320);
            }
        }
    }
    crc ^ 0xffffffff
}

/// Words of sort.rdx's swap record for n elements: one bit per comparator.
pub fn sort_record_words(n: u64) -> u64 {
    (n * (n - 1) / 2).div_ceil(64).max(1)
}

/// sort.rdx: odd-even transposition sort of `a` (even length), bit p of `bits` set when
/// comparator p swapped.
#[inline(never)]
pub fn oets(a: &mut [u64], bits: &mut [u64]) {
    let n = a.len();
    let mut p = 0;
    for r in 0..n {
        let mut j = r & 1;
        while j + 1 < n {
            if a[j] > a[j + 1] {
                a.swap(j, j + 1);
                bits[p >> 6] ^= 1 << (p & 63);
            }
            p += 1;
            j += 2;
        }
    }
}

/// A pseudo-random permutation of 0 .. n (Fisher–Yates).
pub fn permutation(seed: u64, n: usize) -> Vec<u64> {
    let mut x: Vec<u64> = (0..n as u64).collect();
    for (i, w) in words(seed, n).into_iter().enumerate().rev() {
        x.swap(i, (w % (i as u64 + 1)) as usize);
    }
    x
}

/// perm_code.rdx: a permutation becomes its inversion code, in place.
#[inline(never)]
pub fn perm_code(x: &mut [u64]) {
    for k in (0..x.len()).rev() {
        for j in 0..k {
            if x[j] > x[k] {
                x[j] -= 1;
            }
        }
    }
}

/// fib.rdx's `fib`: (x1, x2) = (F(n + 1), F(n + 2)) and n = 0, recursively.
pub fn fib(n: &mut u64, x1: &mut u64, x2: &mut u64) {
    if *n == 0 {
        *x1 += 1;
        *x2 += 1;
    } else {
        *n -= 1;
        fib(n, x1, x2);
        *x1 = x1.wrapping_add(*x2);
        std::mem::swap(x1, x2);
    }
}

/// The inverse of [`fib`] (fib.rdx's `uncall fib`).
pub fn unfib(n: &mut u64, x1: &mut u64, x2: &mut u64) {
    if *x1 == *x2 {
        *x1 -= 1;
        *x2 -= 1;
    } else {
        std::mem::swap(x1, x2);
        *x1 = x1.wrapping_sub(*x2);
        unfib(n, x1, x2);
        *n += 1;
    }
}

/// fib.rdx's `fibs`: reps times, fib computed from a copy of n, F(n + 2) added to acc, and
/// uncomputed.
#[inline(never)]
pub fn fibs(n: u64, reps: u64, mut acc: u64) -> u64 {
    for _ in 0..reps {
        let (mut m, mut x1, mut x2) = (black_box(n), 0, 0);
        fib(&mut m, &mut x1, &mut x2);
        acc = acc.wrapping_add(x2);
        unfib(&mut m, &mut x1, &mut x2);
        assert!(m == n && x1 == 0 && x2 == 0);
    }
    acc
}

/// rle.ja's input: n symbols 1 ..= 3 in runs of 1 ..= 4 (bottom of the stack first).
pub fn rle_text(seed: u64, n: usize) -> Vec<u64> {
    let mut text = Vec::with_capacity(n);
    for w in words(seed, n) {
        if text.len() == n {
            break;
        }
        let run = (w & 3) as usize + 1;
        text.extend(std::iter::repeat_n((w >> 2) % 3 + 1, run.min(n - text.len())));
    }
    text
}

/// rle.ja's `encode`: the symbols of `text` (top first) become (symbol, count) pairs on `arc`.
#[inline(never)]
pub fn rle_encode(text: &mut Vec<u64>, arc: &mut Vec<u64>) {
    while let Some(&sym) = text.last() {
        let mut count = 0;
        while text.last() == Some(&sym) {
            text.pop();
            count += 1;
        }
        arc.push(sym);
        arc.push(count);
    }
}

/// sums.ja with Janus's checked arithmetic: 1 + … + n into s, 1² + … + n² into q.
#[inline(never)]
pub fn sums_checked(n: i64, mut s: i64, mut q: i64) -> (i64, i64) {
    let mut i = 0i64;
    loop {
        i = i.checked_add(1).expect("overflow");
        s = s.checked_add(i).expect("overflow");
        q = q.checked_add(i.checked_mul(i).expect("overflow")).expect("overflow");
        if i == n {
            return (s, q);
        }
    }
}

/// count.ja with Janus's checked arithmetic: 1 + … + n into s, until s > 0 and i = n.
#[inline(never)]
pub fn count_checked(n: i64, mut s: i64) -> i64 {
    let mut i = 0i64;
    loop {
        i = i.checked_add(1).expect("overflow");
        s = s.checked_add(i).expect("overflow");
        if s > 0 && i == n {
            return s;
        }
    }
}

/// MurmurHash3's fmix64.
pub fn fmix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

/// fmix.rdx: fmix64 applied n times.
#[inline(never)]
pub fn fmix_chain(mut x: u64, n: u64) -> u64 {
    for _ in 0..n {
        x = fmix64(x);
    }
    x
}

/// prefix.rdx: in-place wrapping prefix sums.
#[inline(never)]
pub fn prefix(a: &mut [u64]) {
    for i in 1..a.len() {
        a[i] = a[i].wrapping_add(a[i - 1]);
    }
}

/// lifting.rdx: the integer Haar (S-) transform of the pairs (x[i], y[i]).
#[inline(never)]
pub fn haar(x: &mut [i64], y: &mut [i64]) {
    for (x, y) in x.iter_mut().zip(y.iter_mut()) {
        *y = y.wrapping_sub(*x);
        *x = x.wrapping_add(*y >> 1);
    }
}

/// stencil.rdx: b[i] += (a[i - 1] ^ (a[i + 1] >> 3)) * 5 for i from N - 2 down to 1.
#[inline(never)]
pub fn stencil(a: &[u64], b: &mut [u64]) {
    for i in (1..a.len() - 1).rev() {
        b[i] = b[i].wrapping_add((a[i - 1] ^ (a[i + 1] >> 3)).wrapping_mul(5));
    }
}

/// histogram.rdx: each word's high bits added to the bin of its low four bits.
#[inline(never)]
pub fn histogram(x: &[u64], h: &mut [u64]) {
    for &v in x {
        let bin = (v & 15) as usize;
        h[bin] = h[bin].wrapping_add(v >> 4);
    }
}

/// filter.rdx: `c` counts and `s` sums (wrapping) the words above `t` (state `[t, c, s]`).
#[inline(never)]
pub fn filter(x: &[u64], st: &mut [u64; 3]) {
    let [t, mut c, mut s] = *st;
    for &v in x {
        if v > t {
            c += 1;
            s = s.wrapping_add(v);
        }
    }
    *st = [t, c, s];
}

/// walk.rdx: n LCG steps of x, y moving 3 up (counted in up) or 5 down by each step's top bit
/// (state `[x, y, up, n]`).
#[inline(never)]
pub fn walk(st: &mut [u64; 4]) {
    let [mut x, mut y, mut up, n] = *st;
    for _ in 0..n {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        if x >> 63 == 1 {
            y = y.wrapping_add(3);
            up += 1;
        } else {
            y = y.wrapping_sub(5);
        }
    }
    *st = [x, y, up, n];
}

/// matvec.rdx: y += A x (wrapping), A n × n row by row.
#[inline(never)]
pub fn matvec(a: &[u64], x: &[u64], y: &mut [u64]) {
    let n = x.len();
    for i in 0..n {
        for j in 0..n {
            y[i] = y[i].wrapping_add(a[i * n + j].wrapping_mul(x[j]));
        }
    }
}

/// SipHash's initial state for the key (0, 0): its four constants.
const SIP_INIT: [u64; 4] = [0x736f6d6570736575, 0x646f72616e646f6d, 0x6c7967656e657261, 0x7465646279746573];

/// SipHash's round on its four state words.
#[inline(always)]
fn sipround(v: &mut [u64; 4]) {
    v[0] = v[0].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(13) ^ v[0];
    v[0] = v[0].rotate_left(32);
    v[2] = v[2].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(16) ^ v[2];
    v[0] = v[0].wrapping_add(v[3]);
    v[3] = v[3].rotate_left(21) ^ v[0];
    v[2] = v[2].wrapping_add(v[1]);
    v[1] = v[1].rotate_left(17) ^ v[2];
    v[2] = v[2].rotate_left(32);
}

/// siprounds.rdx's `sip`: each word xored in around two rounds.
#[inline(never)]
pub fn sip(m: &[u64], v: &mut [u64; 4]) {
    for &w in m {
        v[3] ^= w;
        sipround(v);
        sipround(v);
        v[0] ^= w;
    }
}

/// rev.rdx's `rev`: a[lo ..= hi] reversed, one recursive call per pair.
pub fn rev(a: &mut [u64], lo: usize, hi: usize) {
    if lo < hi {
        a.swap(lo, hi);
        rev(a, lo + 1, hi - 1);
    }
}

/// rev.rdx's `revs`: the whole array reversed `reps` times.
#[inline(never)]
pub fn revs(a: &mut [u64], reps: u64) {
    for _ in 0..reps {
        let hi = black_box(a.len() - 1);
        rev(a, 0, hi);
    }
}

// ---- Measuring ----

/// Best times of one program: native forward, and per engine forward and backward with the
/// engine's report of its forward run.
pub struct Times {
    pub native: Duration,
    pub engines: Vec<EngineTimes>,
}

pub struct EngineTimes {
    pub fwd: Duration,
    pub bwd: Duration,
    /// The report of a forward run.
    pub report: RunReport,
    /// The report of a backward run.
    pub report_bwd: RunReport,
}

/// Runs the native twin and every engine (forward, then backward) `reps` times, interleaved
/// so a busy machine disturbs the ratios less, and keeps the best time of each. Every engine
/// run is checked: forward it must leave the native twin's state, backward the input.
pub fn measure(
    engines: &mut [&mut dyn Engine],
    m: &Module,
    gene: usize,
    case: &mut Case,
    reps: usize,
) -> Times {
    let native = &mut case.native;
    native.reset();
    native.run();
    let expected = native.state();
    let mut times = Times {
        native: Duration::MAX,
        engines: engines
            .iter()
            .map(|_| EngineTimes {
                fwd: Duration::MAX,
                bwd: Duration::MAX,
                report: RunReport::default(),
                report_bwd: RunReport::default(),
            })
            .collect(),
    };
    let mut state = case.input.clone();
    for _ in 0..reps {
        native.reset();
        let t = Instant::now();
        native.run();
        times.native = times.native.min(t.elapsed());
        for (e, best) in engines.iter_mut().zip(&mut times.engines) {
            let t = Instant::now();
            let r = e.run(m, gene, &mut state, Direction::Forward);
            let took = t.elapsed();
            best.report = r.unwrap_or_else(|err| panic!("{} forward: {err:?}", e.name()));
            best.fwd = best.fwd.min(took);
            assert!(state == expected, "{} forward differs from native", e.name());
            let t = Instant::now();
            let r = e.run(m, gene, &mut state, Direction::Backward);
            let took = t.elapsed();
            best.report_bwd = r.unwrap_or_else(|err| panic!("{} backward: {err:?}", e.name()));
            best.bwd = best.bwd.min(took);
            assert!(state == case.input, "{} backward did not give the input back", e.name());
        }
    }
    times
}

/// The geometric mean.
pub fn geomean(xs: &[f64]) -> f64 {
    (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len() as f64).exp()
}

/// A duration for the tables: µs below a millisecond, else ms.
pub fn ms(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-3 { format!("{:.1} µs", s * 1e6) } else { format!("{:.2} ms", s * 1e3) }
}

/// `a / b` of two durations.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// Benchmark arguments: `--reps K`, and program names to run only those.
pub struct Args {
    pub reps: usize,
    pub only: Vec<String>,
    /// Print each program's bytecode (both streams) instead of timing it.
    pub disasm: bool,
}

impl Args {
    pub fn parse(default_reps: usize) -> Args {
        let mut args = Args { reps: default_reps, only: Vec::new(), disasm: false };
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            match a.as_str() {
                "--reps" => {
                    args.reps = it.next().and_then(|k| k.parse().ok()).filter(|&k| k > 0).expect("--reps K")
                }
                "--disasm" => args.disasm = true,
                // What cargo bench passes to every harness.
                "--bench" => {}
                _ => args.only.push(a),
            }
        }
        args
    }

    pub fn wants(&self, p: &Program) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| o == p.name)
    }
}

/// collatz.rdx: the Collatz walk of every start 1 ..= n, its rule bits pushed onto a trail, the
/// steps added to acc, and the walk undone from the trail.
#[inline(never)]
pub fn collatz_walks(n: u64, mut acc: u64) -> u64 {
    // 3 · INV3 = 1 (mod 2^64): undoes m = 3m + 1.
    const INV3: u64 = 0xaaaaaaaaaaaaaaab;
    let mut trail = Vec::new();
    for k in 1..=n {
        let (mut m, mut steps) = (black_box(k), 0u64);
        while m != 1 {
            let b = m & 1;
            m = if b == 1 { m.wrapping_mul(3).wrapping_add(1) } else { m / 2 };
            trail.push(b);
            steps += 1;
        }
        acc = acc.wrapping_add(steps);
        while let Some(b) = trail.pop() {
            m = if b == 1 { m.wrapping_sub(1).wrapping_mul(INV3) } else { m * 2 };
            steps -= 1;
        }
        assert!(m == k && steps == 0);
    }
    acc
}

/// transpose.rdx: the 64 × 64 matrix `a` (by rows) transposed in place `reps` times.
#[inline(never)]
pub fn transpose(a: &mut [u64], reps: u64) {
    for _ in 0..reps {
        for i in 0..63 {
            for j in i + 1..64 {
                a.swap(i * 64 + j, j * 64 + i);
            }
        }
    }
}

/// Speck32/64's key (k, l0, l1, l2) and plaintext (x, y) of the published test vector.
pub const SPECK32_KEY: [u16; 4] = [0x0100, 0x0908, 0x1110, 0x1918];
pub const SPECK32_PLAIN: (u16, u16) = (0x6574, 0x694c);

/// speck32.rdx's `round`: (x, y) through one Speck32 round with key k.
fn speck32_round(x: &mut u16, y: &mut u16, k: u16) {
    *x = x.rotate_right(7).wrapping_add(*y) ^ k;
    *y = y.rotate_left(2) ^ *x;
}

/// The inverse of [`speck32_round`].
fn speck32_unround(x: &mut u16, y: &mut u16, k: u16) {
    *y = (*y ^ *x).rotate_right(2);
    *x = (*x ^ k).wrapping_sub(*y).rotate_left(7);
}

/// speck32.rdx: `blocks` chained Speck32/64 encryptions; per block 22 rounds with the key
/// schedule stepped beside them, then the schedule rewound.
#[inline(never)]
pub fn speck32_encrypt((mut x, mut y): (u16, u16), key: [u16; 4], blocks: u64) -> (u16, u16) {
    let [mut k, mut l0, mut l1, mut l2] = key;
    for _ in 0..blocks {
        for i in 0..22 {
            speck32_round(&mut x, &mut y, k);
            speck32_round(&mut l0, &mut k, i);
            (l0, l1, l2) = (l1, l2, l0);
        }
        // (Opaque to the optimiser: else it cancels the rewind against the steps, operation by
        // operation, and hoists the whole key schedule out of the block loop.)
        (k, l0, l1, l2) = black_box((k, l0, l1, l2));
        for i in (0..22).rev() {
            (l0, l1, l2) = (l2, l0, l1);
            speck32_unround(&mut l0, &mut k, i);
        }
    }
    (x, y)
}

/// digits.rdx: the decimal digits of each word split off onto a stack, counted into acc, and
/// the word put back together from them.
#[inline(never)]
pub fn count_digits(x: &[u64], mut acc: u64) -> u64 {
    let mut s = Vec::new();
    for &w in x {
        let (mut v, mut len) = (black_box(w), 0u64);
        while v != 0 {
            let d = v % 10;
            v = (v - d) / 10;
            s.push(d);
            len += 1;
        }
        acc = acc.wrapping_add(len);
        while let Some(d) = s.pop() {
            v = v * 10 + d;
            len -= 1;
        }
        assert!(v == w && len == 0);
    }
    acc
}
