//! Leaf calls translated in place in the interpreter's plain streams (`vm/src/module/inline.rs`):
//! a run gives exactly what the same module gives on its genes' own streams — final state,
//! instruction count, depth, and every error with its call stack — forward and backward, and
//! under every step, depth and memory limit around the calls.

use rdx_lang::ast::Dialect;
use rdx_vm::ops::Op;
use rdx_vm::{Direction, Engine, Interpreter, Limits, Module, Value};

const SRC: &str = "
gene round(x: u16, y: u16, k: u16) {
    x >>>= 7
    x += y
    x ^= k
    y <<<= 2
    y ^= x
}

// A local, and a delocal that holds only when b == a on entry.
gene check(a: u64, b: u64) {
    local t: u64 = a * 3
    b += t / 3
    delocal t = (b - a) * 3
}

// A loop and a stack parameter.
gene digits(v: u64, s: stack, len: u64) {
    from len == 0 do {
    } loop {
        local d: u64 = v % 10
        v -= d
        local q: u64 = v / 10
        swap q, v
        delocal q = v * 10
        push d, s
        delocal d = 0
        len += 1
    } until v == 0
}

// A branch whose exit assertion holds for some inputs only.
gene halve(m: u64, h: u64) {
    if (m & 1) == 0 {
        h += m / 2
    } else {
        h += m
    } fi (h & 2) == 0
}

// Calls translated in place inside a callee translated in place: a round of the key, and
// `check` twice around a local of its own.
gene step(k: u16, l0: u16, l1: u16) {
    call round(l0, k, l1)
    swap l0, l1
}

gene twice(a: u64, b: u64) {
    local u: u64 = a + 1
    call check(a, b)
    uncall check(a, b)
    delocal u = a + 1
}

// An array parameter, read and written through its elements in a loop.
gene fold(v: u64[4], acc: u64) {
    local i: u64 = 0
    from i == 0 do {
        acc += v[i]
        v[i] ^= acc
        i += 1
    } until i == size(v)
    delocal i = size(v)
}

// A wide frame: called first, it grows the memory past the deeper calls' frames, so those
// find their words in place and must still check the depth and memory limits.
gene wide(a: u64) {
    local t: u64[24] = 0
    t[23] += a
    t[23] -= a
    delocal t = 0
}

gene main(x: u16, y: u16, k: u16, n: u64, a: u64, b: u64) {
    call wide(a)
    local w: u64[4] = 0
    w[2] += b
    call fold(w, a)
    uncall fold(w, a)
    w[2] -= b
    delocal w = 0
    call step(k, x, y)
    call twice(a, b)
    local s: stack = nil
    local len: u64 = 0
    call digits(a, s, len)
    uncall digits(a, s, len)
    delocal len = 0
    delocal s = nil
    local i: u64 = 0
    from i == 0 do {
        call round(x, y, k)
        uncall round(y, x, k)
        call round(k, y, x)
        i += 1
    } until i == n
    delocal i = n
    call check(a, b)
    uncall check(a, b)
    call check(b, a)
    call halve(b, a)
}
";

fn module(dialect: Dialect, src: &str) -> Module {
    let mut p = rdx_lang::parser::parse(src).unwrap_or_else(|d| panic!("{d:?}"));
    p.dialect = dialect;
    let c = rdx_lang::check::check(&p, &Default::default()).unwrap_or_else(|d| panic!("{d:?}"));
    rdx_vm::compile(&c, "t.rdx", src).unwrap()
}

/// The module with every gene on its own streams (nothing translated in place).
fn own_streams(m: &Module) -> Module {
    let mut m = m.clone();
    for g in &mut m.genes {
        g.plain = Default::default();
    }
    m
}

/// One run: the final state and the report, or the error (kind and call stack) as text.
fn run(m: &Module, limits: Limits, input: &[Value], dir: Direction) -> (Vec<Value>, String) {
    let mut it = Interpreter::with_limits(limits);
    let mut s = input.to_vec();
    let r = it.run(m, m.gene_index("main").unwrap(), &mut s, dir);
    let r = match r {
        Ok(rep) => format!("ok: {} instructions, depth {}", rep.instructions, rep.max_depth),
        Err(e) => format!("{:?} {:?}", e.kind, e.stack),
    };
    (s, r)
}

fn ints(v: &[u64]) -> Vec<Value> {
    v.iter().map(|&x| Value::Int(x)).collect()
}

#[test]
fn leaf_calls_run_in_place() {
    let m = module(Dialect::Rdx, SRC);
    let main = m.gene_index("main").unwrap();
    for d in 0..2 {
        let depth = |k: u8| {
            m.genes[main].plain.code[d]
                .iter()
                .filter(|o| matches!(o, Op::CallIn { depth, .. } if depth.0 == k))
                .count()
        };
        assert_eq!(depth(1), 13, "direction {d}: the thirteen calls of main are translated in place");
        assert_eq!(depth(2), 3, "direction {d}: and the three calls inside step and twice");
    }
}

#[test]
fn in_place_calls_run_as_real_calls_do() {
    let m = module(Dialect::Rdx, SRC);
    let reference = own_streams(&m);
    let inputs = [
        ints(&[0x6574, 0x694c, 0x0100, 3, 7, 7]),
        ints(&[1, 2, 3, 1, 5, 5]),
        // b != a: the delocal in `check` fails, inside a call translated in place.
        ints(&[1, 2, 3, 2, 5, 6]),
        ints(&[0xffff, 0, 0x8000, 1, 0, 1]),
        ints(&[1, 2, 3, 1, 8, 8]),
        // The `fi` of `halve` fails (it went the else way and h = 9).
        ints(&[1, 2, 3, 1, 3, 3]),
    ];
    for input in &inputs {
        for dir in [Direction::Forward, Direction::Backward] {
            let want = run(&reference, Limits::default(), input, dir);
            assert_eq!(run(&m, Limits::default(), input, dir), want, "{input:?} {dir:?}");
            // Every step limit up to the run's length (the fault lands on the same instruction),
            // every depth and memory limit around the calls.
            let limits = (0..400u64)
                .map(|max_steps| Limits { max_steps, ..Limits::default() })
                .chain((0..4).map(|max_depth| Limits { max_depth, ..Limits::default() }))
                .chain((0..64).map(|max_words| Limits { max_words, ..Limits::default() }));
            for l in limits {
                assert_eq!(run(&m, l, input, dir), run(&reference, l, input, dir), "{input:?} {dir:?} {l:?}");
            }
        }
    }
    // The failing delocal names the callee's own variable, in the callee's frame.
    let (_, err) = run(&m, Limits::default(), &inputs[2], Direction::Forward);
    assert!(err.contains("Delocal") && err.contains("\"t\"") && err.contains("check"), "{err}");
    // … above `twice` and `main`: the call stack of the real calls.
    let frames: Vec<&str> = err.match_indices("gene: \"").map(|(i, _)| &err[i + 7..i + 12]).collect();
    assert_eq!(frames, ["check", "twice", "main\""], "{err}");
    let (_, err) = run(&m, Limits::default(), &inputs[5], Direction::Forward);
    assert!(err.starts_with("FiFailed") && err.contains("halve"), "{err}");
    let (_, ok) = run(&m, Limits::default(), &inputs[4], Direction::Forward);
    assert!(ok.starts_with("ok"), "{ok}");
}

#[test]
fn janus_procedures_with_checked_arithmetic_run_in_place() {
    // Janus's checked `+=` faults inside the callee (overflow) at the same place either way.
    let src = "gene bump(x: i64, y: i64) {\n    x += y\n    y += 1\n}\n\ngene main(a: i64, b: i64, n: i64) {\n    from n == 0 do {\n        call bump(a, b)\n        n += 1\n    } until n == 5\n}\n";
    let m = module(Dialect::Janus, src);
    let reference = own_streams(&m);
    let main = m.gene_index("main").unwrap();
    assert!(m.genes[main].plain.code[0].iter().any(|o| matches!(o, Op::CallIn { .. })));
    let big = i64::MAX as u64 - 3;
    let (_, err) = run(&m, Limits::default(), &ints(&[big, 1, 0]), Direction::Forward);
    assert!(!err.starts_with("ok") && err.contains("bump"), "{err}");
    for input in [ints(&[0, 0, 0]), ints(&[big, 1, 0]), ints(&[7, big, 0])] {
        for dir in [Direction::Forward, Direction::Backward] {
            assert_eq!(
                run(&m, Limits::default(), &input, dir),
                run(&reference, Limits::default(), &input, dir)
            );
        }
    }
}

#[test]
fn a_module_file_cannot_hold_call_in() {
    let mut m = module(Dialect::Rdx, SRC);
    let main = m.gene_index("main").unwrap();
    let code = &mut m.genes[main].code;
    let pos = code.iter().position(|o| matches!(o, Op::Call { .. })).unwrap();
    if let Op::Call { gene, .. } = code[pos] {
        code[pos] = Op::CallIn {
            gene,
            at: rdx_vm::ops::Word(8),
            depth: rdx_vm::ops::Amt(1),
            ret: rdx_vm::ops::Amt(0),
        };
    }
    let e = Module::decode(&m.encode()).unwrap_err();
    assert!(e.to_string().contains("call.in") && e.to_string().contains("not read from a module"), "{e}");
}

/// Passing `x` for two parameters: copying in and out (the last copy back wins) is not the
/// same as renaming both to `x`, and no source program does it (E0303): the verifier refuses
/// the module (`spec/bytecode.md` §5), so no plain stream runs such a call in place. (The
/// inliner still keeps such a call a call.)
#[test]
fn aliased_arguments_in_a_hand_written_module_are_refused() {
    let mut m = module(Dialect::Rdx, SRC);
    let (main, round) = (m.gene_index("main").unwrap(), m.gene_index("round").unwrap() as u32);
    let g = &mut m.genes[main];
    let Some(Op::Call { args, .. }) =
        g.code.iter().find(|o| matches!(o, Op::Call { gene, .. } if gene.0 == round))
    else {
        panic!("main calls round");
    };
    let start = args.start as usize;
    g.args[start + 1] = g.args[start];
    let e = Module::decode(&m.encode()).expect_err("x passed twice");
    assert!(e.message.contains("arguments 0 and 1 share slot") && e.message.contains("passed twice"), "{e}");
}

/// Counted loops: up to an array's size, down from a constant around an inner loop up to a
/// parameter, and one whose body writes its counter, whose re-entry assertion fails when d = 1.
const LOOPS: &str = "
gene main(a: u64[6], n: u64, s: u64, d: u64, e: u64) {
    local i: u64 = 0
    from i == 0 do {
        s += a[i]
        i += 1
    } until i == size(a)
    delocal i = size(a)
    local k: u64 = 6
    from k == 6 do {
        local j: u64 = 0
        from j == 0 do {
            a[k - 1] += j
            j += 1
        } until j == n
        delocal j = n
        k -= 1
    } until k == 0
    delocal k = 0
    local m: u64 = 0
    from m == 0 do {
        m -= d
        m += 1
    } until m == 3
    delocal m = 3
    // Test-first: zero or more trips (n of them), its loop.back's entry assertion quiet.
    local j: u64 = 0
    from j == 0 do {
    } loop {
        s += a[j % 6]
        j += 1
    } until j == n
    delocal j = n
    // rdx's step-first loop: an unchecked step by one, then the body.
    local r: u64 = 0
    from r == 0 do {
        r += 1
        s += r
    } until r == n
    delocal r = n
    // A constant stride in the middle of the do-block, to a bound above u32 (five trips):
    // XTEA's `s += DELTA`.
    local x: u64 = 0
    from x == 0 do {
        s += x
        x += 0x100000001
        s ^= x
    } until x == 0x500000005
    delocal x = 0x500000005
    // Test-first, its body writes its counter: the re-entry assertion fails when e = 1.
    local q: u64 = 0
    from q == 0 do {
    } loop {
        q += 1
        q -= e
    } until q == 2
    delocal q = 2
}
";

#[test]
fn simple_counted_loops_skip_their_re_entry_check() {
    let m = module(Dialect::Rdx, LOOPS);
    let main = m.gene_index("main").unwrap();
    let quiet = |d: usize| {
        m.genes[main].plain.code[d]
            .iter()
            .filter(|o| {
                matches!(
                    o,
                    Op::LoopIncQ { .. }
                        | Op::LoopDecQ { .. }
                        | Op::LoopTestDecQ { .. }
                        | Op::LoopTestIncQ { .. }
                )
            })
            .count()
    };
    // The three simple loops each way; the loop whose body writes its counter keeps its check.
    assert_eq!((quiet(0), quiet(1)), (3, 3));
    // The simple test-first, step-first and stride loops' `loop.back` each way (backward its
    // condition is `x != x`); the other keeps its check.
    let back =
        |d: usize| m.genes[main].plain.code[d].iter().filter(|o| matches!(o, Op::LoopBackQ { .. })).count();
    assert_eq!((back(0), back(1)), (3, 3));
    // A gene with counted loops only: backward, its stream holds no other loop instruction.
    let one = module(
        Dialect::Rdx,
        "gene main(a: u64[4], s: u64) {\n    local i: u64 = 0\n    from i == 0 do {\n        s += a[i]\n        i += 1\n    } until i == 4\n    delocal i = 4\n}\n",
    );
    let latches = |d: usize| {
        one.genes[0].plain.code[d]
            .iter()
            .filter(|o| matches!(o, Op::LoopIncQ { .. } | Op::LoopTestDecQ { .. }))
            .count()
    };
    assert_eq!((latches(0), latches(1)), (1, 1));

    let reference = own_streams(&m);
    let arr = |v: [u64; 6]| Value::Array(v.to_vec());
    let inputs = [
        vec![arr([1, 2, 3, 4, 5, 6]), Value::Int(3), Value::Int(0), Value::Int(0), Value::Int(0)],
        vec![arr([u64::MAX, 0, 7, 0, 0, 1]), Value::Int(1), Value::Int(9), Value::Int(0), Value::Int(0)],
        // d = 1: the counted loop's re-entry assertion fails.
        vec![arr([1, 2, 3, 4, 5, 6]), Value::Int(2), Value::Int(0), Value::Int(1), Value::Int(0)],
        // e = 1: the last test-first loop's re-entry assertion fails.
        vec![arr([1, 2, 3, 4, 5, 6]), Value::Int(2), Value::Int(0), Value::Int(0), Value::Int(1)],
    ];
    same_runs(&m, &reference, &inputs, (0..260u64).chain([u64::MAX]));
    reentry_fails(&m, &inputs[0], &[&inputs[2], &inputs[3]]);
}

/// Runs `m` (plain streams) and `reference` (the genes' own) on each input both ways under each
/// step limit: the same final state, count and error.
fn same_runs(
    m: &Module,
    reference: &Module,
    inputs: &[Vec<Value>],
    limits: impl Iterator<Item = u64> + Clone,
) {
    for input in inputs {
        for dir in [Direction::Forward, Direction::Backward] {
            for max_steps in limits.clone() {
                let l = Limits { max_steps, ..Limits::default() };
                assert_eq!(run(m, l, input, dir), run(reference, l, input, dir), "{input:?} {dir:?} {l:?}");
            }
        }
    }
}

/// `good` runs through forward; each of `bad` fails a loop's re-entry assertion.
fn reentry_fails(m: &Module, good: &[Value], bad: &[&Vec<Value>]) {
    for bad in bad {
        let (_, err) = run(m, Limits::default(), bad, Direction::Forward);
        assert!(err.starts_with("FromReentry"), "{err}");
    }
    let (_, ok) = run(m, Limits::default(), good, Direction::Forward);
    assert!(ok.starts_with("ok"), "{ok}");
}

/// `if`s whose `fi` repeats the test (settled exit assertions and ones that can fail).
const SETTLED: &str = include_str!("settled.rdx");

#[test]
fn exit_assertions_that_cannot_fail_are_passed_over() {
    let m = module(Dialect::Rdx, SETTLED);
    let main = m.gene_index("main").unwrap();
    let skips =
        |d: usize| m.genes[main].plain.code[d].iter().filter(|o| matches!(o, Op::Skip { .. })).count();
    assert_eq!((skips(0), skips(1)), (10, 10));
    // The last `if`'s else path goes on at its `fi.else`, both ways.
    let to_fi = |d: usize| {
        let code = &m.genes[main].plain.code[d];
        code.iter()
            .filter(|o| matches!(o, Op::Skip { to, .. } if matches!(code[to.0 as usize], Op::FiElse { .. })))
            .count()
    };
    assert_eq!((to_fi(0), to_fi(1)), (1, 1));
    let reference = own_streams(&m);
    let arr = |v: [u64; 4]| Value::Array(v.to_vec());
    let inputs = [
        vec![arr([5, 9, 2, 14]), Value::Int(6), Value::Int(0), Value::Int(0), Value::Int(2), Value::Int(1)],
        vec![arr([1, 3, 5, 7]), Value::Int(0), Value::Int(9), Value::Int(4), Value::Int(6), Value::Int(0)],
        // Odd m: the second if's exit assertion fails.
        vec![arr([3, 8, 8, 8]), Value::Int(4), Value::Int(1), Value::Int(1), Value::Int(5), Value::Int(1)],
        // c = 2 after the loop: the last exit assertion fails.
        vec![arr([9, 9, 0, 0]), Value::Int(4), Value::Int(0), Value::Int(0), Value::Int(2), Value::Int(1)],
        vec![
            arr([u64::MAX, 0, u64::MAX, 2]),
            Value::Int(u64::MAX - 1),
            Value::Int(3),
            Value::Int(u64::MAX),
            Value::Int(0),
            Value::Int(7),
        ],
    ];
    let mut outcomes = Vec::new();
    for input in &inputs {
        for dir in [Direction::Forward, Direction::Backward] {
            for max_steps in (0..160u64).chain([u64::MAX]) {
                let l = Limits { max_steps, ..Limits::default() };
                assert_eq!(run(&m, l, input, dir), run(&reference, l, input, dir), "{input:?} {dir:?} {l:?}");
            }
            outcomes.push(run(&m, Limits::default(), input, dir).1);
        }
    }
    // Both kinds of end were reached: runs through and failed exit assertions.
    assert!(outcomes.iter().any(|o| o.starts_with("ok")), "{outcomes:?}");
    assert!(outcomes.iter().any(|o| o.starts_with("FiFailed")), "{outcomes:?}");
}

/// Loops whose counters go to calls, and counters narrower than a word (`called.rdx`).
const CALLED: &str = include_str!("called.rdx");

#[test]
fn loops_passing_their_counter_to_calls_that_only_read_it_stay_simple() {
    let m = module(Dialect::Rdx, CALLED);
    let main = m.gene_index("main").unwrap();
    let count = |d: usize, f: fn(&Op) -> bool| m.genes[main].plain.code[d].iter().filter(|o| f(o)).count();
    let latch = |o: &Op| {
        matches!(
            o,
            Op::LoopIncQ { .. } | Op::LoopDecQ { .. } | Op::LoopTestDecQ { .. } | Op::LoopTestIncQ { .. }
        )
    };
    let back = |o: &Op| matches!(o, Op::LoopBackQ { .. });
    // Quiet: the u64 counter passed to `peek`, the u16 counters up (after the body and
    // test-first) and down (step first), the constant stride. Checked: the counter `maybe` may
    // change, and the u8 counter that never meets 300.
    assert_eq!((count(0, latch), count(1, latch)), (3, 3));
    assert_eq!((count(0, back), count(1, back)), (2, 2));
    let checked = |o: &Op| matches!(o, Op::LoopInc { .. } | Op::LoopBack { .. } | Op::LoopTest { .. });
    assert_eq!(count(0, checked), 2);

    let reference = own_streams(&m);
    let inputs = [ints(&[0, 3, 0]), ints(&[9, 0, 0]), ints(&[5, 2, 1]), ints(&[1, 1, 2])];
    // (n = 0 never meets the first loop's bound: bounded step limits only.)
    same_runs(&m, &reference, &inputs, (0..200u64).chain([5_000, 1_000_000]));
    // d = 1: `maybe` changes the counter through `dec`; d = 2: the u8 counter comes round to 0.
    reentry_fails(&m, &inputs[0], &[&inputs[2], &inputs[3]]);
}

/// Divisions and remainders by constants, some in a gene called in place.
const DIVISIONS: &str = "
gene split(v: u64, q: u64, r: u64, t: u64) {
    q += v / 10
    r += v % 10
    t += v / 0x10000000001 + v % 7 + v % 65535 + v % 65536 + v % 65537 + v / 3 + v / 6
}

gene main(v: u64, q: u64, r: u64, t: u64, n: u64) {
    local i: u64 = 0
    from i == 0 do {
        call split(v, q, r, t)
        t -= v / 1000 + v % 1000
        v += 0x9e3779b97f4a7c15
        i += 1
    } until i == n
    delocal i = n
}
";

#[test]
fn divisions_by_a_constant_run_as_multiplications() {
    let m = module(Dialect::Rdx, DIVISIONS);
    let main = m.gene_index("main").unwrap();
    for d in 0..2 {
        let code = &m.genes[main].plain.code[d];
        let count = |f: fn(&Op) -> bool| code.iter().filter(|o| f(o)).count();
        assert!(count(|o| matches!(o, Op::DivuM { .. })) >= 5, "direction {d}: {code:?}");
        assert!(count(|o| matches!(o, Op::RemuM { .. })) >= 4, "direction {d}: {code:?}");
        // A remainder by 65537 keeps the machine's division (its divisor is not below 2^16).
        assert!(code.iter().any(|o| matches!(o, Op::RemuImm { imm, .. } if imm.0 == 65537)), "direction {d}");
    }
    let reference = own_streams(&m);
    let inputs: Vec<Vec<Value>> =
        [0u64, 9, 10, 65534, 65535, 0x1_0000_0000, 0u64.wrapping_sub(0x9e3779b97f4a7c15), u64::MAX]
            .iter()
            .map(|&v| ints(&[v, 0, 0, 0, 3]))
            .collect();
    same_runs(&m, &reference, &inputs, (0..120u64).chain([u64::MAX]));
    // The interpreter's forms are never read from a module file.
    let mut m = m.clone();
    let divu_m = m.genes[main].plain.code[0].iter().copied().find(|o| matches!(o, Op::DivuM { .. })).unwrap();
    let code = &mut m.genes[main].code;
    let pos = code.iter().position(|o| matches!(o, Op::DivuImm { .. })).unwrap();
    code[pos] = divu_m;
    let e = Module::decode(&m.encode()).unwrap_err();
    assert!(e.to_string().contains("divu.m") && e.to_string().contains("not read from a module"), "{e}");
}

/// Each plain stream of `m`'s `main` (forward and backward) holds `n` instructions that `is`.
fn plain_has(m: &Module, n: usize, is: impl Fn(&Op) -> bool) {
    let main = m.gene_index("main").unwrap();
    for d in 0..2 {
        let code = &m.genes[main].plain.code[d];
        assert_eq!(code.iter().filter(|o| is(o)).count(), n, "direction {d}: {code:?}");
    }
}

/// A fixed-width `x *= c` (`mul.imm`, `fix`) runs as one `mul.fix` in the plain streams, both
/// ways, and gives what the genes' own streams give (the `fix` passed over still counts).
#[test]
fn fixed_width_multiplications_run_in_one_dispatch() {
    let text = "gene main(a: u32, b: i16, c: u8, n: u64) {
    local i: u64 = 0
    from i == 0 do {
        a *= 0xcc9e2d51
        a <<<= 15
        b *= -3
        b += a
        c *= 5
        c ^= b
        i += 1
    } until i == n
    delocal i = n
}
";
    let m = module(Dialect::Rdx, text);
    plain_has(&m, 3, |o| matches!(o, Op::MulFix { .. }));
    let reference = own_streams(&m);
    let inputs: Vec<Vec<Value>> = [(0u64, 0i64, 0u64), (u32::MAX as u64, -32768, 255), (0x1234_5678, 77, 3)]
        .iter()
        .map(|&(a, b, c)| vec![Value::Int(a), Value::Int(b as u64), Value::Int(c), Value::Int(5)])
        .collect();
    same_runs(&m, &reference, &inputs, (0..60u64).chain([u64::MAX]));
}

/// An element updated by a value just loaded (`x[i] += y[j]`, `y[k] -= x[i + 1]`, `x[i] ^= y[i]`)
/// runs as one `load.add.elem`, `load.sub.elem` or `load.xor.elem` in the plain streams, both
/// ways, and gives what the genes' own streams give: results, the instructions counted at every
/// step limit (the update passed over still counts), and the faults of an index out of bounds
/// in the load and in the update, each at its own instruction.
#[test]
fn element_updates_by_a_loaded_value_run_in_one_dispatch() {
    let text = "gene main(x: u64[4], y: u64[4], j: u64, k: u64, n: u64) {
    local i: u64 = 0
    from i == 0 do {
        x[i] += y[j]
        y[k] -= x[i + 1]
        x[i] ^= y[i]
        i += 1
    } until i == n
    delocal i = n
}
";
    let m = module(Dialect::Rdx, text);
    plain_has(&m, 3, |o| {
        matches!(o, Op::LoadAddElem { .. } | Op::LoadSubElem { .. } | Op::LoadXorElem { .. })
    });
    let reference = own_streams(&m);
    let arrays = || vec![Value::Array(vec![1, 2, 3, 4]), Value::Array(vec![u64::MAX, 7, 0, 9])];
    let inputs: Vec<Vec<Value>> = [(1u64, 2u64, 3u64), (5, 2, 3), (1, 9, 2), (0, 3, 4), (3, 0, 1)]
        .iter()
        .map(|&(j, k, n)| [arrays(), ints(&[j, k, n])].concat())
        .collect();
    same_runs(&m, &reference, &inputs, (0..40u64).chain([u64::MAX]));
    // The plain listing shows the offset signed.
    let prefix = module(Dialect::Rdx, "gene main(a: u64[4], i: u64) {\n    a[i] += a[i - 1]\n}\n");
    let listing = rdx_vm::disasm::disassemble_plain(&prefix, Direction::Forward);
    assert!(listing.contains("load.add.elem %3, %0:a[], %2:i, off=-1, %0:a[], %2:i"), "{listing}");
}
