//! Counted loops on the JIT against the interpreter. Compiled code leaves out the re-entry
//! checks of simple counted loops and the bounds checks of `a[ctr]` whose counter range fits
//! the array (`rdx_jit::loops`); these properties drive loops through every case around those
//! facts (counter ranges inside, at and past the array's end, wrapping below zero, counters
//! and bounds written in the body, variable bounds) and compare results and errors, both ways.
//! Unrolled loop bodies of random add-rotate-xor rounds (with round keys and constants) check
//! the rotation rewrites too.

use proptest::prelude::*;
use rdx_jit::{Jit, JitOptions};
use rdx_lang::codes::Code;
use rdx_vm::{Direction, Engine, Interpreter, Module, Value};

fn compile(text: &str) -> Module {
    let prog = rdx_lang::parser::parse(text).unwrap_or_else(|e| panic!("parse: {e:?}\n{text}"));
    let checked =
        rdx_lang::check::check(&prog, &Default::default()).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    rdx_vm::compile(&checked, "t.rdx", text).expect("compiles")
}

/// A loop over `a[i]` with the given bounds, step and extra body statement: the body in the
/// do-block (it runs at least once), or in the loop block after an empty do-block (test-first:
/// it runs zero or more times).
fn program(len: u64, s: u64, e: &str, inc: bool, extra: &str, test_first: bool) -> String {
    let step = if inc { "i += 1" } else { "i -= 1" };
    let body = format!("x += a[i]\n a[i] ^= x\n {extra}\n {step}");
    let (first, second) = if test_first { ("", body.as_str()) } else { (body.as_str(), "") };
    format!(
        "gene main(a: u64[{len}], x: u64, i: u64, n: u64) {{
            from i == {s} do {{
                {first}
            }} loop {{
                {second}
            }} until i == {e}
        }}"
    )
}

/// Forward from `start`, then backward from the result (or from `start` when forward fails):
/// both engines give the same results, states and errors.
fn agree(m: &Module, start: &[Value]) -> Result<(), String> {
    if !rdx_jit::trust::trusted(m) {
        return Err("not compiled".into());
    }
    let mut it = Interpreter::new();
    let mut jt = Jit::with_options(JitOptions { verify: true, optimize: true });
    let (mut a, mut b) = (start.to_vec(), start.to_vec());
    let ra = it.run(m, 0, &mut a, Direction::Forward).map(|_| ());
    let rb = jt.run(m, 0, &mut b, Direction::Forward).map(|_| ());
    if ra != rb || (ra.is_ok() && a != b) {
        return Err(format!("forward: interp {ra:?} {a:?}\n  jit {rb:?} {b:?}"));
    }
    let (mut a, mut b) = if ra.is_ok() { (a, b) } else { (start.to_vec(), start.to_vec()) };
    let ra = it.run(m, 0, &mut a, Direction::Backward).map(|_| ());
    let rb = jt.run(m, 0, &mut b, Direction::Backward).map(|_| ());
    if ra != rb || (ra.is_ok() && a != b) {
        return Err(format!("backward: interp {ra:?} {a:?}\n  jit {rb:?} {b:?}"));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn counted_loops_agree_with_the_interpreter(
        len in 1u64..10,
        s in 0u64..12,
        d in 1u64..12,
        inc in any::<bool>(),
        test_first in any::<bool>(),
        kind in 0usize..6,
        i0 in prop_oneof![Just(None), (0u64..14).prop_map(Some)],
        n in 0u64..14,
        seed in prop::collection::vec(any::<u64>(), 10),
    ) {
        // Constant bounds d steps apart (a decrement may wrap below zero), a variable bound,
        // a counter / bound written in the body, or a read of a neighbouring word.
        let e_const = if inc { s + d } else { s.wrapping_sub(d) };
        let (e, extra) = match kind {
            0 => (e_const.to_string(), ""),
            1 => ("n".to_string(), ""),
            2 => (e_const.to_string(), "i += 2\n i -= 2"),
            3 => ("n".to_string(), "n += 0"),
            // Neighbours (`load.off`): past either end, and the word the last trip stored.
            4 => (e_const.to_string(), "x += a[i - 1]"),
            _ => (e_const.to_string(), "x ^= a[i + 1]"),
        };
        let text = program(len, s, &e, inc, extra, test_first);
        let m = compile(&text);
        let start = vec![
            Value::Array(seed[..len as usize].to_vec()),
            Value::Int(seed[9]),
            Value::Int(i0.unwrap_or(s)),
            Value::Int(n),
        ];
        if let Err(msg) = agree(&m, &start) {
            prop_assert!(false, "{}\n{}", msg, text);
        }
    }
}

/// One statement of an add-rotate-xor round over x, y, z.
fn arx(op: u8, a: usize, b: usize, k: u8) -> String {
    let v = ["x", "y", "z"];
    let b = if a == b { (b + 1) % 3 } else { b };
    match op % 8 {
        0 => format!("{} <<<= {}", v[a], 1 + k % 63),
        1 => format!("{} >>>= {}", v[a], 1 + k % 63),
        2 => format!("{} ^= {}", v[a], v[b]),
        3 => format!("{} += {}", v[a], v[b]),
        4 => format!("{} -= {}", v[a], v[b]),
        5 => format!("{} ^= key[i]", v[a]),
        6 => format!("{} ^= {}", v[a], 0x9e37_79b9_u64.wrapping_mul(u64::from(k) + 1)),
        _ => format!("{} ^= {}\n {} >>>= {}", v[a], v[b], v[a], 1 + k % 63),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn arx_rounds_agree_with_the_interpreter(
        body in prop::collection::vec((any::<u8>(), 0usize..3, 0usize..3, any::<u8>()), 1..12),
        trips in 1u64..17,
        xyz in prop::collection::vec(any::<u64>(), 3),
        key in prop::collection::vec(any::<u64>(), 16),
    ) {
        let stmts: Vec<String> = body.iter().map(|&(op, a, b, k)| arx(op, a, b, k)).collect();
        let text = format!(
            "gene main(x: u64, y: u64, z: u64, i: u64, key: u64[16]) {{
                from i == 0 do {{
                    {}
                    i += 1
                }} until i == {trips}
            }}",
            stmts.join("\n")
        );
        let m = compile(&text);
        let start = vec![
            Value::Int(xyz[0]),
            Value::Int(xyz[1]),
            Value::Int(xyz[2]),
            Value::Int(0),
            Value::Array(key),
        ];
        if let Err(msg) = agree(&m, &start) {
            prop_assert!(false, "{}\n{}", msg, text);
        }
    }
}

#[test]
fn the_checks_left_out_are_exactly_those_that_cannot_fail() {
    use rdx_jit::loops::counted_loops;
    // Inside the array: a range; past it, the same range (the bounds check stays: only the
    // translator compares it with the length).
    let m = compile(&program(8, 0, "8", true, "", false));
    let l = counted_loops(&m.genes[0]);
    assert_eq!(l.iter().map(|l| l.range).collect::<Vec<_>>(), [Some((0, 7))]);
    let m = compile(&program(8, 9, "2", false, "", false));
    assert_eq!(counted_loops(&m.genes[0]).iter().map(|l| l.range).collect::<Vec<_>>(), [Some((3, 9))]);
    // Wrapping below zero: simple, but no range.
    let m = compile(&program(8, 1, "5", false, "", false));
    assert_eq!(counted_loops(&m.genes[0]).iter().map(|l| l.range).collect::<Vec<_>>(), [None]);
    let start = vec![Value::Array(vec![1; 8]), Value::Int(0), Value::Int(1), Value::Int(0)];
    agree(&m, &start).unwrap();
    // A counter or bound written in the body: not simple.
    assert!(counted_loops(&compile(&program(8, 0, "8", true, "i += 2\n i -= 2", false)).genes[0]).is_empty());
    assert!(counted_loops(&compile(&program(8, 0, "n", true, "n += 0", false)).genes[0]).is_empty());
    // Past the end: the compiled loop still stops with the interpreter's error.
    let m = compile(&program(8, 0, "9", true, "", false));
    let start = vec![Value::Array(vec![1; 8]), Value::Int(0), Value::Int(0), Value::Int(0)];
    agree(&m, &start).unwrap();
    let mut s = start.clone();
    let err = Jit::new().run(&m, 0, &mut s, Direction::Forward).unwrap_err();
    assert_eq!(err.kind.code(), Code::R0109, "{err:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    /// `a[i ± k]` in counted loops: compiled code drops the bounds check when the counter's
    /// range shifted by k lies inside the array, and must still stop with the interpreter's
    /// error when it does not (at either end).
    #[test]
    fn offset_indexes_agree_with_the_interpreter(
        len in 1u64..10,
        s in 0u64..6,
        d in 1u64..10,
        k in 0u64..4,
        minus in any::<bool>(),
        seed in prop::collection::vec(any::<u64>(), 10),
    ) {
        let index = if minus { format!("i - {k}") } else { format!("i + {k}") };
        let text = format!(
            "gene main(a: u64[{len}], x: u64, i: u64) {{
                from i == {s} do {{
                    x += a[{index}]
                    a[{index}] ^= x
                    i += 1
                }} until i == {e}
            }}",
            e = s + d
        );
        let m = compile(&text);
        let start = vec![Value::Array(seed[..len as usize].to_vec()), Value::Int(seed[9]), Value::Int(s)];
        if let Err(msg) = agree(&m, &start) {
            prop_assert!(false, "{}\n{}", msg, text);
        }
    }
}

fn at(k: i64) -> String {
    if k < 0 { format!("i - {}", -k) } else { format!("i + {k}") }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    /// Loops whose one store `a[i + cs]` feeds a read `a[i + cs - step]` of the next trip
    /// (compiled code carries that word in a register): reads before and after the store, at
    /// every offset around it, counting up and down, inside the array and past its ends, in
    /// counted and test-first loops (whose bounds checks and re-entry checks are left out too).
    #[test]
    fn carried_words_agree_with_the_interpreter(
        len in 2u64..10,
        s in 0u64..8,
        d in 1u64..9,
        inc in any::<bool>(),
        cs in -1i64..2,
        k1 in -2i64..3,
        k2 in -2i64..3,
        test_first in any::<bool>(),
        seed in prop::collection::vec(any::<u64>(), 10),
    ) {
        let (step, e) = if inc { ("i += 1", s + d) } else { ("i -= 1", s.saturating_sub(d)) };
        prop_assume!(e != s);
        // A counted loop (body, step, exit test) or a test-first one (exit test, body, step).
        let (open, close) = if test_first { ("} loop {", "") } else { ("", "") };
        let text = format!(
            "gene main(a: u64[{len}], b: u64[{len}], x: u64, i: u64) {{
                from i == {s} do {{ {open}
                    x += a[{r1}]
                    a[{w}] += b[{r1}] ^ (x >> 3)
                    x ^= a[{r2}]
                    {step} {close}
                }} until i == {e}
            }}",
            r1 = at(k1),
            w = at(cs),
            r2 = at(k2),
        );
        let m = compile(&text);
        let start = vec![
            Value::Array(seed[..len as usize].to_vec()),
            Value::Array(seed[1..=len as usize].to_vec()),
            Value::Int(seed[9]),
            Value::Int(s),
        ];
        if let Err(msg) = agree(&m, &start) {
            prop_assert!(false, "{}\n{}", msg, text);
        }
    }
}

#[test]
fn a_prefix_sum_carries_its_word() {
    use rdx_jit::loops::{carried_store, counted_loops};
    let m = compile(
        "gene prefix(a: u64[8], i: u64) {
            from i == 1 do { a[i] += a[i - 1]  i += 1 } until i == 8
        }",
    );
    let g = &m.genes[0];
    let l = counted_loops(g);
    let c = carried_store(g, &l[0]).expect("one store at the counter");
    assert_eq!(c.offset, 0);
    let start = vec![Value::Array((1..=8).collect()), Value::Int(1)];
    agree(&m, &start).unwrap();
    // The test-first form is recognised too, with the body's range.
    let m = compile(
        "gene prefix(a: u64[8], i: u64) {
            from i == 1 do { } loop { a[i] += a[i - 1]  i += 1 } until i == 8
        }",
    );
    let g = &m.genes[0];
    let l = counted_loops(g);
    assert_eq!(l.iter().map(|l| l.range).collect::<Vec<_>>(), [Some((1, 7))]);
    assert!(carried_store(g, &l[0]).is_some());
    agree(&m, &start).unwrap();
    // Two stores: nothing is carried.
    let m = compile(
        "gene f(a: u64[8], b: u64[8], i: u64) {
            from i == 1 do { a[i] += a[i - 1]  b[i] += 1  i += 1 } until i == 8
        }",
    );
    let g = &m.genes[0];
    assert_eq!(carried_store(g, &counted_loops(g)[0]), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Loops stepping their counter by a constant in the middle of the do-block, to a bound the
    /// counter meets after `j` trips (strides even and odd, above u32 too, up and down): their
    /// re-entry checks are left out (`rdx_vm::loops`, constant strides), and both engines give
    /// the same states both ways; with an `if` in the do-block they are kept.
    #[test]
    fn constant_strides_agree_with_the_interpreter(
        s in 0u64..40,
        k in prop_oneof![1u64..9, Just(0x9e37_79b9u64), Just(0x1_0000_0002u64), Just(u64::MAX - 3)],
        j in 1u64..7,
        down in any::<bool>(),
        branch in any::<bool>(),
        x in any::<u64>(),
        y in any::<u64>(),
    ) {
        let (step, e) = if down {
            (format!("i -= {k}"), s.wrapping_sub(j.wrapping_mul(k)))
        } else {
            (format!("i += {k}"), s.wrapping_add(j.wrapping_mul(k)))
        };
        let extra = if branch { "if (x & 1) == 0 { y += 1 } fi (x & 1) == 0" } else { "y ^= x" };
        let text = format!(
            "gene main(x: u64, y: u64) {{
                local i: u64 = {s}
                from i == {s} do {{
                    x += i
                    {step}
                    {extra}
                    x <<<= 3
                }} until i == {e}
                delocal i = {e}
            }}"
        );
        let m = compile(&text);
        let simple = rdx_vm::loops::counted_loops(&m.genes[0]).len();
        prop_assert_eq!(simple, usize::from(!branch), "{}", text);
        agree(&m, &[Value::Int(x), Value::Int(y)]).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    }
}
