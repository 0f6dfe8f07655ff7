//! Shared by the interpreter's and the JIT's Speck benchmarks and the bulk tests (included with
//! `#[path]`): the rdx program, the native Rust baseline (key schedule; one block encrypted and
//! decrypted in a chain; many independent blocks in a buffer, ECB) and best-of timing.

use rdx_vm::{Direction, Engine, Module, RunReport, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};

pub const KEY_K: u64 = 0x0706050403020100;
pub const KEY_L: u64 = 0x0f0e0d0c0b0a0908;

/// The signature of `encrypt_all` in speck.rdx, whose buffer length `module_with_words` sets.
const BULK_SIGNATURE: &str = "gene encrypt_all(buf: u64[16], rk: u64[32])";

/// speck.rdx with `encrypt_all`'s buffer `words` long (`2 * blocks`; an array length is a literal
/// in rdx, so the benchmark writes the size it measures into the source).
pub fn module_with_words(words: usize) -> Module {
    let file = include_str!("../speck.rdx");
    assert_eq!(file.matches(BULK_SIGNATURE).count(), 1, "speck.rdx: encrypt_all's signature changed");
    assert!(words >= 2 && words.is_multiple_of(2), "encrypt_all needs whole blocks, not {words} words");
    let src = file.replace(BULK_SIGNATURE, &format!("gene encrypt_all(buf: u64[{words}], rk: u64[32])"));
    let prog = rdx_lang::parser::parse(&src).expect("speck.rdx parses");
    let checked = rdx_lang::check::check(&prog, &Default::default()).expect("speck.rdx checks");
    rdx_vm::compile(&checked, "speck.rdx", &src).expect("speck.rdx compiles")
}

pub fn native_keys() -> [u64; 32] {
    let (mut k, mut l) = (KEY_K, KEY_L);
    let mut rk = [0u64; 32];
    for (i, r) in rk.iter_mut().enumerate() {
        *r = k;
        l = (l.rotate_right(8).wrapping_add(k)) ^ i as u64;
        k = k.rotate_left(3) ^ l;
    }
    rk
}

#[inline(never)]
pub fn native_encrypt(mut x: u64, mut y: u64, rk: &[u64; 32], blocks: u64) -> (u64, u64) {
    for _ in 0..blocks {
        for &k in rk {
            x = x.rotate_right(8).wrapping_add(y) ^ k;
            y = y.rotate_left(3) ^ x;
        }
    }
    (x, y)
}

#[inline(never)]
pub fn native_decrypt(mut x: u64, mut y: u64, rk: &[u64; 32], blocks: u64) -> (u64, u64) {
    for _ in 0..blocks {
        for &k in rk.iter().rev() {
            y = (y ^ x).rotate_right(3);
            x = (x ^ k).wrapping_sub(y).rotate_left(8);
        }
    }
    (x, y)
}

/// Encrypts every block of `buf` (block j is `(buf[2j], buf[2j + 1])`) independently, in place.
#[inline(never)]
pub fn native_encrypt_all(buf: &mut [u64], rk: &[u64; 32]) {
    for b in buf.chunks_exact_mut(2) {
        let (mut x, mut y) = (b[0], b[1]);
        for &k in rk {
            x = x.rotate_right(8).wrapping_add(y) ^ k;
            y = y.rotate_left(3) ^ x;
        }
        b[0] = x;
        b[1] = y;
    }
}

/// Decrypts every block of `buf` in place: the inverse of [`native_encrypt_all`].
#[inline(never)]
pub fn native_decrypt_all(buf: &mut [u64], rk: &[u64; 32]) {
    for b in buf.chunks_exact_mut(2) {
        let (mut x, mut y) = (b[0], b[1]);
        for &k in rk.iter().rev() {
            y = (y ^ x).rotate_right(3);
            x = (x ^ k).wrapping_sub(y).rotate_left(8);
        }
        b[0] = x;
        b[1] = y;
    }
}

/// `blocks` plaintext blocks (2 words each), every word different (splitmix64 of its index).
pub fn bulk_plaintext(blocks: usize) -> Vec<u64> {
    (0..2 * blocks as u64)
        .map(|i| {
            let mut z = i.wrapping_add(1).wrapping_mul(0x9e3779b97f4a7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
            z ^ (z >> 31)
        })
        .collect()
}

pub fn best<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..reps {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        out = Some(r);
    }
    (best, out.expect("at least one repetition"))
}

/// Best times of one workload: native and engine, forward (encrypt) and backward (decrypt),
/// with the engine's reports of its last runs.
pub struct Times {
    pub native_fwd: Duration,
    pub native_bwd: Duration,
    pub engine_fwd: Duration,
    pub engine_bwd: Duration,
    pub report_fwd: RunReport,
    pub report_bwd: RunReport,
}

impl Times {
    fn new() -> Times {
        Times {
            native_fwd: Duration::MAX,
            native_bwd: Duration::MAX,
            engine_fwd: Duration::MAX,
            engine_bwd: Duration::MAX,
            report_fwd: RunReport::default(),
            report_bwd: RunReport::default(),
        }
    }

    /// Prints native and engine ns/block, engine/native and backward/forward, one line each.
    pub fn print(&self, engine: &str, blocks: u64) {
        let per = |t: Duration| t.as_nanos() as f64 / blocks as f64;
        let (nf, nb, ef, eb) =
            (per(self.native_fwd), per(self.native_bwd), per(self.engine_fwd), per(self.engine_bwd));
        println!("  native  forward  {nf:9.2} ns/block");
        println!("  native  backward {nb:9.2} ns/block");
        println!("  {engine:<7} forward  {ef:9.2} ns/block   {:6.3}x native", ef / nf);
        println!("  {engine:<7} backward {eb:9.2} ns/block   {:6.3}x native", eb / nb);
        println!("  backward/forward: {engine} {:.3}, native {:.3}", eb / ef, nb / nf);
    }
}

/// The chained workload: `encrypt` (gene `gene`) turns the block (px, py) into its `blocks`-fold
/// encryption and back, on `engine` and natively. The four measurements are interleaved and each
/// keeps its best of `reps`, so a busy machine disturbs the ratios less; every run's whole state
/// is checked against native. Returns the times and the ciphertext.
pub fn measure_chained<E: Engine>(
    engine: &mut E,
    m: &Module,
    gene: usize,
    rk: &[u64; 32],
    (px, py): (u64, u64),
    blocks: u64,
    reps: usize,
) -> (Times, (u64, u64)) {
    let (cx, cy) = native_encrypt(px, py, rk, blocks);
    let plain = vec![Value::Int(px), Value::Int(py), Value::Array(rk.to_vec()), Value::Int(blocks)];
    let mut cipher = plain.clone();
    cipher[0] = Value::Int(cx);
    cipher[1] = Value::Int(cy);
    let mut times = Times::new();
    for _ in 0..reps {
        let (t, r) =
            best(1, || native_encrypt(black_box(px), black_box(py), black_box(rk), black_box(blocks)));
        assert_eq!(r, (cx, cy));
        times.native_fwd = times.native_fwd.min(t);
        let (t, r) =
            best(1, || native_decrypt(black_box(cx), black_box(cy), black_box(rk), black_box(blocks)));
        assert_eq!(r, (px, py), "native decrypt");
        times.native_bwd = times.native_bwd.min(t);
        let mut a = plain.clone();
        let (t, r) = best(1, || engine.run(m, gene, &mut a, Direction::Forward).expect("encrypt"));
        assert_eq!(a, cipher, "{} and native ciphertexts differ", engine.name());
        times.engine_fwd = times.engine_fwd.min(t);
        times.report_fwd = r;
        let (t, r) = best(1, || engine.run(m, gene, &mut a, Direction::Backward).expect("decrypt"));
        assert_eq!(a, plain, "{} backward run did not decrypt", engine.name());
        times.engine_bwd = times.engine_bwd.min(t);
        times.report_bwd = r;
    }
    (times, (cx, cy))
}

/// The bulk workload: `encrypt_all` (gene `gene`, compiled by [`module_with_words`] for
/// `2 * blocks` words) encrypts `blocks` independent blocks in place and, backward, decrypts them;
/// natively [`native_encrypt_all`] and [`native_decrypt_all`] over the same buffer. Interleaved,
/// best of `reps`; only the runs are timed (the buffers are checked outside the clock: the
/// ciphertexts equal native's, and backward gives the whole plaintext state back).
pub fn measure_bulk<E: Engine>(
    engine: &mut E,
    m: &Module,
    gene: usize,
    rk: &[u64; 32],
    blocks: usize,
    reps: usize,
) -> Times {
    let plain = bulk_plaintext(blocks);
    let mut cipher = plain.clone();
    native_encrypt_all(&mut cipher, rk);
    let mut native = plain.clone();
    let plain_state = vec![Value::Array(plain.clone()), Value::Array(rk.to_vec())];
    let mut state = plain_state.clone();
    let mut times = Times::new();
    for _ in 0..reps {
        let t = Instant::now();
        native_encrypt_all(black_box(&mut native), black_box(rk));
        times.native_fwd = times.native_fwd.min(t.elapsed());
        assert!(native == cipher);
        let t = Instant::now();
        native_decrypt_all(black_box(&mut native), black_box(rk));
        times.native_bwd = times.native_bwd.min(t.elapsed());
        assert!(native == plain, "native decrypt_all");
        let t = Instant::now();
        let r = engine.run(m, gene, &mut state, Direction::Forward).expect("encrypt_all");
        times.engine_fwd = times.engine_fwd.min(t.elapsed());
        times.report_fwd = r;
        assert!(
            matches!(&state[0], Value::Array(b) if *b == cipher),
            "{} and native ciphertexts differ",
            engine.name()
        );
        assert!(state[1] == plain_state[1], "{} changed the round keys", engine.name());
        let t = Instant::now();
        let r = engine.run(m, gene, &mut state, Direction::Backward).expect("decrypt_all");
        times.engine_bwd = times.engine_bwd.min(t.elapsed());
        times.report_bwd = r;
        assert!(state == plain_state, "{} backward run did not decrypt", engine.name());
    }
    times
}
