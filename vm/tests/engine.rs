//! Interpreter semantics beyond the stdlib: Janus arithmetic, stacks, local arrays, output,
//! limits and API misuse, each run forward and (where it succeeds) backward.

use rdx_lang::ast::Dialect;
use rdx_lang::codes::Code;
use rdx_vm::{Direction, Engine, Interpreter, Limits, Module, RunErrorKind, Value};

fn module(src: &str, dialect: Dialect) -> Module {
    let mut p = rdx_lang::parser::parse(src).unwrap_or_else(|d| panic!("{d:?}"));
    p.dialect = dialect;
    let c = rdx_lang::check::check(&p, &Default::default()).unwrap_or_else(|d| panic!("{d:?}"));
    rdx_vm::compile(&c, "t.rdx", src).unwrap()
}

fn ints(v: &[i64]) -> Vec<Value> {
    v.iter().map(|&x| Value::Int(x as u64)).collect()
}

/// Runs `main` forward, checks the result, then backward and checks the inputs come back.
fn round_trip(m: &Module, input: Vec<Value>, output: Vec<Value>) {
    let mut it = Interpreter::new();
    let g = m.gene_index("main").unwrap();
    let mut s = input.clone();
    it.run(m, g, &mut s, Direction::Forward).unwrap_or_else(|e| panic!("forward: {e}"));
    assert_eq!(s, output, "forward");
    it.run(m, g, &mut s, Direction::Backward).unwrap_or_else(|e| panic!("backward: {e}"));
    assert_eq!(s, input, "backward");
}

fn error(m: &Module, input: Vec<Value>, dir: Direction) -> RunErrorKind {
    let mut s = input;
    Interpreter::new().run(m, m.gene_index("main").unwrap(), &mut s, dir).unwrap_err().kind
}

#[test]
fn rdx_division_truncates_janus_division_floors() {
    let src = "gene main(a: i64, b: i64, q: i64, r: i64) {\n    q += a / b\n    r += a % b\n}\n";
    round_trip(&module(src, Dialect::Rdx), ints(&[-7, 2, 0, 0]), ints(&[-7, 2, -3, -1]));
    round_trip(&module(src, Dialect::Janus), ints(&[-7, 2, 0, 0]), ints(&[-7, 2, -4, 1]));
    round_trip(&module(src, Dialect::Janus), ints(&[7, -2, 0, 0]), ints(&[7, -2, -4, -1]));
    assert_eq!(
        error(&module(src, Dialect::Rdx), ints(&[1, 0, 0, 0]), Direction::Forward),
        RunErrorKind::DivisionByZero
    );
}

#[test]
fn janus_overflow_is_an_error_rdx_wraps() {
    let src = "gene main(a: i64, b: i64) {\n    a += b\n}\n";
    let max = i64::MAX;
    round_trip(&module(src, Dialect::Rdx), ints(&[max, 1]), ints(&[i64::MIN, 1]));
    let k = error(&module(src, Dialect::Janus), ints(&[max, 1]), Direction::Forward);
    assert_eq!(k, RunErrorKind::Overflow);
    assert!(k.message().contains("Janus integers are unbounded; rdx stops at 64 bits"));
    let src = "gene main(a: i64, b: i64, c: i64) {\n    c += a * b\n}\n";
    assert_eq!(
        error(&module(src, Dialect::Janus), ints(&[1 << 40, 1 << 40, 0]), Direction::Forward),
        RunErrorKind::Overflow
    );
}

#[test]
fn shifts_saturate_and_signed_shift_fills() {
    let src = "gene main(x: u64, k: u64, y: i64, a: u64, b: i64) {\n    a += x << k\n    b += y >> k\n}\n";
    let m = module(src, Dialect::Rdx);
    round_trip(&m, ints(&[1, 64, -8, 0, 0]), ints(&[1, 64, -8, 0, -1]));
    round_trip(&m, ints(&[1, 3, -8, 0, 0]), ints(&[1, 3, -8, 8, -1]));
}

#[test]
fn stacks_and_local_stacks() {
    let src = "\
gene main(x: u64, y: u64, s: stack) {
    local t: stack = nil
    push x, t
    push y, t
    pop x, t
    pop y, t
    delocal t = nil
    push x, s
}
";
    let m = module(src, Dialect::Rdx);
    let input = vec![Value::Int(1), Value::Int(2), Value::Stack(vec![9])];
    round_trip(&m, input, vec![Value::Int(0), Value::Int(1), Value::Stack(vec![9, 2])]);
    let k = error(&m, vec![Value::Int(0), Value::Int(0), Value::Stack(vec![])], Direction::Backward);
    assert_eq!(k, RunErrorKind::EmptyStack);
}

#[test]
fn local_arrays() {
    let src = "\
gene main(x: u64) {
    local a: u64[4] = 0
    a[2] += x
    x -= a[2]
    a[2] -= x
    delocal a = 0
}
";
    let m = module(src, Dialect::Rdx);
    let mut s = ints(&[5]);
    let e = Interpreter::new().run(&m, 0, &mut s, Direction::Forward).unwrap_err();
    assert!(matches!(e.kind, RunErrorKind::DelocalMismatch { expected: 0, actual: 5, .. }), "{e:?}");
    let src = "\
gene main(x: u64, y: u64) {
    local a: u64[3] = 7
    y += a[1]
    delocal a = 7
}
";
    round_trip(&module(src, Dialect::Rdx), ints(&[0, 1]), ints(&[0, 8]));
}

#[test]
fn output_statements() {
    let src =
        "gene main(x: i64, a: u64[2]) {\n    show x, a\n    printf \"x=%d\", x\n    print \"done\"\n}\n";
    let Ok(p) = rdx_lang::parser::parse(src) else { return }; // output statements are Janus syntax in some grammars
    let Ok(c) = rdx_lang::check::check(&p, &Default::default()) else { return };
    let m = rdx_vm::compile(&c, "t.rdx", src).unwrap();
    let mut it = Interpreter::new();
    let mut s = vec![Value::Int(-3i64 as u64), Value::Array(vec![1, 2])];
    it.run(&m, 0, &mut s, Direction::Forward).unwrap();
    assert_eq!(String::from_utf8(it.take_output()).unwrap(), "x = -3\na = [1, 2]\nx=-3\ndone\n");
}

#[test]
fn step_limit_stops_endless_loops() {
    let src = "gene main(x: u64) {\n    from x == 0 do {\n        x += 2\n    } until x == 1\n}\n";
    let m = module(src, Dialect::Rdx);
    let mut it = Interpreter::with_limits(Limits { max_steps: 10_000, ..Limits::default() });
    let e = it.run(&m, 0, &mut ints(&[0]), Direction::Forward).unwrap_err();
    assert_eq!(e.kind, RunErrorKind::StepLimit { limit: 10_000 });
    assert_eq!(e.kind.code(), Code::R0117);
}

#[test]
fn a_stop_flag_stops_a_run_from_another_thread() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let src = "gene main(x: u64) {\n    from x == 0 do {\n        x += 2\n    } until x == 1\n}\n";
    let m = module(src, Dialect::Rdx);
    let flag = Arc::new(AtomicBool::new(false));
    let mut it = Interpreter::new();
    it.set_stop(Some(flag.clone()));
    let raiser = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        flag.store(true, Ordering::Relaxed);
    });
    // Endless without the flag; the instruction count shows where it stopped.
    let e = it.run(&m, 0, &mut ints(&[0]), Direction::Forward).unwrap_err();
    raiser.join().unwrap();
    assert_eq!(e.kind, RunErrorKind::Stopped);
    assert_eq!(e.kind.code(), Code::R0119);
    // With the flag gone, a step limit still applies exactly.
    it.set_stop(None);
    it.limits.max_steps = 10_000;
    let e = it.run(&m, 0, &mut ints(&[0]), Direction::Forward).unwrap_err();
    assert_eq!(e.kind, RunErrorKind::StepLimit { limit: 10_000 });
    // A flag that stays down changes nothing: the step limit is still what ends the loop.
    it.set_stop(Some(Arc::new(AtomicBool::new(false))));
    it.limits.max_steps = 3 * rdx_vm::STOP_CHECK_STEPS;
    let e = it.run(&m, 0, &mut ints(&[0]), Direction::Forward).unwrap_err();
    assert_eq!(e.kind, RunErrorKind::StepLimit { limit: 3 * rdx_vm::STOP_CHECK_STEPS });
}

#[test]
fn a_stop_check_is_asked_between_slices_of_a_loop_on_the_running_thread() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let src = "gene main(x: u64) {\n    from x == 0 do {\n        x += 2\n    } until x == 1\n}\n";
    let m = module(src, Dialect::Rdx);
    let asked = Arc::new(AtomicU64::new(0));
    let mut it = Interpreter::new();
    let count = asked.clone();
    // Says stop at the third question: the endless loop ends there.
    it.set_stop_check(Some(Box::new(move || count.fetch_add(1, Ordering::Relaxed) == 2)));
    let e = it.run(&m, 0, &mut ints(&[0]), Direction::Forward).unwrap_err();
    assert_eq!(e.kind, RunErrorKind::Stopped);
    assert_eq!(asked.load(Ordering::Relaxed), 3);
    // Calls are not asked: a recursion without loops runs to its end.
    let rec = "gene main(n: u64, k: u64) {\n    if n == 0 {\n        skip\n    } else {\n        n -= 1\n        k += 1\n        call main(n, k)\n        n += 1\n    } fi n == 0\n}\n";
    let m = module(rec, Dialect::Rdx);
    asked.store(0, Ordering::Relaxed);
    let count = asked.clone();
    it.set_stop_check(Some(Box::new(move || {
        count.fetch_add(1, Ordering::Relaxed);
        true
    })));
    let mut v = ints(&[1000, 0]);
    it.run(&m, 0, &mut v, Direction::Forward).unwrap();
    assert_eq!(v, ints(&[1000, 1000]));
    assert_eq!(asked.load(Ordering::Relaxed), 0);
}

#[test]
fn recursion_limit_and_call_stack() {
    let src = "gene main(n: u64) {\n    n += 1\n    call main(n)\n}\n";
    let m = module(src, Dialect::Rdx);
    let mut it = Interpreter::with_limits(Limits { max_depth: 1000, ..Limits::default() });
    let e = it.run(&m, 0, &mut ints(&[0]), Direction::Forward).unwrap_err();
    assert_eq!(e.kind, RunErrorKind::RecursionLimit { limit: 1000 });
    assert_eq!(e.stack.len(), 1000);
    let d = e.to_diagnostic();
    assert_eq!(d.code, Code::R0112);
    assert!(d.hints.iter().any(|h| h.contains("call stack: main ← main")), "{d:?}");
}

#[test]
fn bad_arguments_are_reported_not_panicked() {
    let m = module("gene main(x: u64, a: u64[2]) {\n    a[0] += x\n}\n", Dialect::Rdx);
    let mut it = Interpreter::new();
    for mut args in [
        vec![Value::Int(1)],
        vec![Value::Int(1), Value::Array(vec![1])],
        vec![Value::Array(vec![1, 2]), Value::Int(1)],
    ] {
        let e = it.run(&m, 0, &mut args, Direction::Forward).unwrap_err();
        assert!(matches!(e.kind, RunErrorKind::BadArguments(_)), "{e:?}");
    }
    assert!(it.run(&m, 7, &mut [], Direction::Forward).is_err());
}

#[test]
fn uncall_runs_the_callee_backward() {
    let src = "\
gene main(x: u64, y: u64) {
    call step(x, y)
    call step(x, y)
    uncall step(x, y)
}
gene step(a: u64, b: u64) {
    a += 1
    b += a
    b <<<= 7
}
";
    let m = module(src, Dialect::Rdx);
    round_trip(&m, ints(&[1, 2]), ints(&[2, (2u64 + 2).rotate_left(7) as i64]));
}

#[test]
fn lossy_history_is_checked_per_statement() {
    let src =
        "gene main(x: u64, y: u64) {\n    x := 1\n    uncall g(y)\n}\n\ngene g(y: u64) {\n    y := 2\n}\n";
    let m = module(src, Dialect::Rdx);
    let e = error(&m, ints(&[5, 6]), Direction::Forward);
    assert!(matches!(e, RunErrorKind::HistoryMismatch { written_at: Some(_) }), "{e:?}");
    assert_eq!(e.code(), Code::R0115);
    // A forward run has its tape: the help speaks of the order, not of a missing tape.
    let d =
        Interpreter::new().run(&m, 0, &mut ints(&[5, 6]), Direction::Forward).unwrap_err().to_diagnostic();
    assert!(d.hints.iter().any(|h| h.contains("in the reverse order they ran")), "{d:?}");
    assert!(!d.hints.iter().any(|h| h.contains("started on its own")), "{d:?}");
}

/// `a[K] := e; undo a[K] := e` where e computes the constant index too (`b[1] := 1`, `b[z % 4]
/// := z % 4`): the `:=` shared the index's slot with the value, its `undo` did not, so the two
/// tagged differently and a valid program stopped with R0115.
#[test]
fn an_element_write_whose_value_repeats_its_index_is_undone() {
    for stmt in ["b[1] := 1", "b[0] := 0", "b[3] := 3 % z", "b[z % 4] := z % 4", "b[z & 3] := (z & 3) * 5"] {
        let src = format!("gene main(b: u64[4], z: u64) {{\n    {stmt}\n    undo {stmt}\n}}\n");
        let m = module(&src, Dialect::Rdx);
        let s = vec![Value::Array(vec![5, 6, 7, 8]), Value::Int(7)];
        let mut it = Interpreter::new();
        let mut t = s.clone();
        it.run(&m, 0, &mut t, Direction::Forward).unwrap_or_else(|e| panic!("{stmt}: {e}"));
        assert_eq!(t, s, "{stmt}");
    }
}

#[test]
fn undoing_a_write_checks_the_location_still_holds_what_it_wrote() {
    // `uncall g(y)` would undo `x := 5`'s history on y, which never held 5: an error, not a
    // silently wrong value.
    let src =
        "gene main(x: u64, y: u64) {\n    call g(x)\n    uncall g(y)\n}\n\ngene g(x: u64) {\n    x := 5\n}\n";
    let m = module(src, Dialect::Rdx);
    let e = error(&m, ints(&[1, 2]), Direction::Forward);
    assert_eq!(e, RunErrorKind::UndoMismatch { wrote: 5, found: 2, signed: false });
    assert_eq!(e.code(), Code::R0115);
    // With y holding what the write left, the same undo restores the overwritten value.
    round_trip(&m, ints(&[1, 5]), ints(&[5, 1]));
}

#[test]
fn inverse_program_restores_from_the_forward_runs_tape() {
    let src = "gene main(x: u64, y: u64) {\n    y += x\n    x := 7\n    erase y\n}\n";
    let m = module(src, Dialect::Rdx);
    let p = rdx_lang::parser::parse(src).unwrap();
    let c = rdx_lang::check::check(&p, &Default::default()).unwrap();
    let inv = rdx_lang::invert::invert_program(&c.program);
    let inv = rdx_lang::check::check(&inv, &Default::default()).unwrap();
    let inv = rdx_vm::compile(&inv, "t.rdx", src).unwrap();
    let mut it = Interpreter::new();
    let mut s = ints(&[3, 4]);
    let rep = it.run(&m, 0, &mut s, Direction::Forward).unwrap();
    assert_eq!((s.clone(), rep.lossy_bits), (ints(&[7, 0]), 128));
    it.run(&inv, 0, &mut s, Direction::Forward).unwrap();
    assert_eq!(s, ints(&[3, 4]));
    assert_eq!(it.tape_len(), 0);
}

/// The compiler's own failures have their own codes: a gene beyond the bytecode's limits is
/// E0902, and a tree that breaks a checker guarantee (compiled without the checker) is an
/// internal compiler error, E0999.
#[test]
fn compiler_failures_have_their_own_codes() {
    let unchecked = |src: &str| {
        let p = rdx_lang::parser::parse(src).unwrap_or_else(|d| panic!("{d:?}"));
        rdx_vm::compile::compile_program(&p, "t.rdx", src).expect_err("the compiler refuses it")
    };
    let d = unchecked("gene main(x: u64) {\n    x += y\n}\n");
    assert_eq!(d[0].code, Code::E0999);
    assert!(d[0].message.starts_with("internal error: unknown name `y`"), "{}", d[0].message);
    let d = unchecked("gene main(x: u64) {\n    x *= 2\n}\n");
    assert_eq!(d[0].code, Code::E0999);

    let locals: String = (1..=9).map(|i| format!("    local a{i}: c64[16777216] = 0\n")).collect();
    let delocals: String = (1..=9).rev().map(|i| format!("    delocal a{i} = 0\n")).collect();
    let src = format!("gene main(x: u64) {{\n{locals}{delocals}}}\n");
    let p = rdx_lang::parser::parse(&src).unwrap_or_else(|d| panic!("{d:?}"));
    let c = rdx_lang::check::check(&p, &Default::default()).unwrap_or_else(|d| panic!("{d:?}"));
    let d = rdx_vm::compile(&c, "t.rdx", &src).expect_err("beyond the frame limit");
    assert_eq!(d[0].code, Code::E0902);
}

/// The lowering's mechanisms (fused comparisons of any operands, `size(a)` as a constant, one
/// computation of a repeated subexpression, no `noalias` between `a[i]` and `a[i ± k]`) leave
/// fewer instructions and the same results both ways, also across short-circuit code.
#[test]
fn lowering_shares_and_fuses_without_changing_results() {
    let src = "gene main(a: u64[6], x: u64, y: u64) {\n    local i: u64 = 1\n    from i == 1 do {\n    } loop {\n        a[i] += a[i - 1]\n        i += 1\n    } until i == size(a)\n    delocal i = size(a)\n    x += (y >> 3) ^ ((y >> 3) + 1)\n    if (y == 0 || y + 1 == 9) && y + 1 != 0 {\n        x += 100\n    } fi (y == 0 || y + 1 == 9) && y + 1 != 0\n    if a[0] > a[1] - 1 {\n        x += 1\n    } fi a[0] > a[1] - 2\n    if a[y & 3] >= 3 && a[y & 3] <= 7 {\n        x += 1000\n    } fi a[y & 3] >= 3 && a[y & 3] <= 7\n}\n";
    let m = module(src, Dialect::Rdx);
    let code = &m.genes[m.gene_index("main").unwrap()].code;
    let count = |f: &dyn Fn(&rdx_vm::ops::Op) -> bool| code.iter().filter(|o| f(o)).count();
    use rdx_vm::ops::Op;
    assert_eq!(count(&|o| matches!(o, Op::Noalias { .. })), 0, "a[i] and a[i - 1] never alias");
    assert_eq!(count(&|o| matches!(o, Op::Eq { .. } | Op::Ltu { .. } | Op::Leu { .. })), 0, "fused");
    assert_eq!(count(&|o| matches!(o, Op::ShruImm { .. })), 1, "y >> 3 once");
    // `&&`'s right side uses what its left side computed: a[y & 3] once per condition.
    assert_eq!(
        count(&|o| matches!(o, Op::Load { .. })),
        3,
        "a[i - 1], then a[y & 3] once in the if and the fi"
    );
    let arr = |v: &[u64]| Value::Array(v.to_vec());
    // x = (y >> 3) ^ ((y >> 3) + 1), plus 100 when y is 0 or 8, plus 1000 when a[y & 3] (of
    // the prefix sums below) is in 3 ..= 7.
    for (y, x) in [(8u64, 3 + 100), (5, 1 + 1000), (0, 1 + 100), (6, 1 + 1000), (7, 1)] {
        // a = 1..6 becomes its prefix sums 1, 3, 6, 10, 15, 21: a[0] > a[1] - 1 is false.
        round_trip(
            &m,
            vec![arr(&[1, 2, 3, 4, 5, 6]), Value::Int(0), Value::Int(y)],
            vec![arr(&[1, 3, 6, 10, 15, 21]), Value::Int(x), Value::Int(y)],
        );
    }
}

/// `empty(s)` is 0 or 1 already: as either side of `&&`/`||` it is computed straight into the
/// result (no `bool`), and both ways of each short circuit give the same results both ways.
#[test]
fn empty_in_short_circuits_needs_no_bool() {
    let src = "gene main(s: stack, x: u64, r: u64) {\n    if empty(s) || top(s) != x {\n        r += 1\n    } fi empty(s) || top(s) != x\n    if x == 3 && empty(s) {\n        r += 10\n    } fi x == 3 && empty(s)\n}\n";
    let m = module(src, Dialect::Rdx);
    let code = &m.genes[m.gene_index("main").unwrap()].code;
    assert!(!code.iter().any(|o| matches!(o, rdx_vm::ops::Op::Bool { .. })), "{code:?}");
    for (s, x, r) in [(vec![], 3, 11), (vec![], 0, 1), (vec![5], 5, 0), (vec![5], 3, 1), (vec![1, 3], 3, 0)] {
        round_trip(
            &m,
            vec![Value::Stack(s.clone()), Value::Int(x), Value::Int(7)],
            vec![Value::Stack(s), Value::Int(x), Value::Int(7 + r)],
        );
    }
}

/// A simple loop's exit test can never hold again going backward (its counter moves away from
/// the bound by checked steps), so the backward stream leaves that re-entry assertion out with
/// its expression code: Janus's `until s > 0 && i == n` is three instructions less a trip, and
/// the run gives the input back. Where that code can fault (a division), it stays: a backward
/// run from a state whose trips reach `s = 0` still stops there.
#[test]
fn backward_streams_leave_out_assertions_that_cannot_fire() {
    use rdx_vm::ops::{Cond, Op};
    let loop_with = |test: &str| {
        format!(
            "gene main(n: i64, s: i64) {{\n    local i: i64 = 0\n    from i == 0 do {{\n        i += 1\n        s += i\n    }} until {test} && i == n\n    delocal i = n\n}}\n"
        )
    };
    let never = |m: &Module| {
        m.genes[0]
            .backward
            .code
            .iter()
            .any(|o| matches!(o, Op::LoopBack { cond: Cond::Ne(a, b), .. } if a == b))
    };
    let m = module(&loop_with("s > 0"), Dialect::Janus);
    assert!(never(&m), "{:?}", m.genes[0].backward.code);
    let mut it = Interpreter::new();
    let mut s = ints(&[100, 0]);
    let fwd = it.run(&m, 0, &mut s, Direction::Forward).unwrap();
    assert_eq!(s, ints(&[100, 5050]));
    let bwd = it.run(&m, 0, &mut s, Direction::Backward).unwrap();
    assert_eq!(s, ints(&[100, 0]));
    assert!(bwd.instructions + 3 * 99 <= fwd.instructions, "{} vs {}", bwd.instructions, fwd.instructions);

    let m = module(&loop_with("100 / s >= 0"), Dialect::Janus);
    assert!(!never(&m), "{:?}", m.genes[0].backward.code);
    round_trip(&m, ints(&[3, 1]), ints(&[3, 7]));
    // Backward from n = 3, s = 5: s goes 5 → 2 → 0 with i = 1 left, and the re-entry test divides.
    assert_eq!(error(&m, ints(&[3, 5]), Direction::Backward), RunErrorKind::DivisionByZero);
}

/// A test-first loop `from i == a do { } loop { …; i += 1 } until i == c` with constants
/// a ≠ c never meets its exit test before the first trip, so it compiles to the counted form
/// (`from.c … loop.inc`); with a == c it runs no trip and keeps its form. Both give the
/// results of the loop as written, both ways.
#[test]
fn test_first_loops_with_constant_bounds_are_counted() {
    use rdx_vm::ops::Op;
    let src = |a: u64, c: u64| {
        format!(
            "gene main(x: u64, i: u64) {{\n    from i == {a} do {{\n    }} loop {{\n        x += i * i\n        i += 1\n    }} until i == {c}\n}}\n"
        )
    };
    let counted = |m: &Module| m.genes[0].code.iter().any(|o| matches!(o, Op::LoopInc { .. }));
    let m = module(&src(2, 6), Dialect::Rdx);
    assert!(counted(&m), "{:?}", m.genes[0].code);
    round_trip(&m, ints(&[1, 2]), ints(&[1 + 4 + 9 + 16 + 25, 6]));
    let m = module(&src(3, 3), Dialect::Rdx);
    assert!(!counted(&m), "{:?}", m.genes[0].code);
    round_trip(&m, ints(&[7, 3]), ints(&[7, 3]));
    // A variable bound may equal the start: the loop stays test-first.
    let m = module(
        "gene main(x: u64, i: u64, n: u64) {\n    from i == 0 do {\n    } loop {\n        x += 1\n        i += 1\n    } until i == n\n}\n",
        Dialect::Rdx,
    );
    assert!(!counted(&m), "{:?}", m.genes[0].code);
    round_trip(&m, ints(&[5, 0, 0]), ints(&[5, 0, 0]));
    round_trip(&m, ints(&[5, 0, 4]), ints(&[9, 4, 4]));
}

/// A Janus loop between constants (`iterate int i = 0 to 4095`, and `from i = a … until i =
/// c`) is counted too: its checked step cannot overflow from a to c. One that another
/// statement steps, or whose bound is a variable, keeps the checked step. All run as written,
/// both ways.
#[test]
fn janus_loops_between_constants_are_counted() {
    use rdx_vm::ops::Op;
    let janus = |body: &str| {
        let text = format!("int x\nint n\nprocedure main()\n{body}");
        let p = rdx_lang::janus::parse(&text).unwrap_or_else(|d| panic!("{d:?}"));
        let c = rdx_lang::check::check(&p, &Default::default()).unwrap_or_else(|d| panic!("{d:?}"));
        rdx_vm::compile(&c, "t.ja", &text).unwrap()
    };
    let counted = |m: &Module| {
        let main = m.gene_index("main").unwrap();
        m.genes[main].code.iter().any(|o| matches!(o, Op::LoopInc { .. } | Op::LoopDec { .. }))
    };
    let m = janus("    iterate int i = 2 to 5\n        x += i * i\n    end\n");
    assert!(counted(&m));
    round_trip(&m, ints(&[1, 0]), ints(&[1 + 4 + 9 + 16 + 25, 0]));
    let m = janus("    iterate int i = 5 by -1 to 2\n        x += i\n    end\n");
    assert!(counted(&m));
    round_trip(&m, ints(&[0, 0]), ints(&[14, 0]));
    // Up to the largest integer: the step past it overflows, on every form of the loop.
    let m =
        janus("    iterate int i = 9223372036854775805 to 9223372036854775807\n        x += 1\n    end\n");
    assert_eq!(error(&m, ints(&[0, 0]), Direction::Forward), RunErrorKind::Overflow);
    for body in [
        "    iterate int i = 0 to n\n        x += i\n    end\n",
        "    local int i = 0\n    from i = 0 do\n        x += i\n        i += 2\n        i -= 1\n    until i = 4\n    delocal int i = 4\n",
    ] {
        let m = janus(body);
        assert!(!counted(&m), "{body}");
        round_trip(&m, ints(&[0, 3]), ints(&[6, 3]));
    }
}

#[test]
fn an_array_argument_past_the_callers_slots_is_refused() {
    // A hand-written module passes main's last slot as an array argument, whose length slot
    // would be past main's slots. That slot holds no array (rule 19): the loader refuses it
    // (the call's own check, "invalid array", was the last line of defence).
    let src = "gene f(a: u64[2]) {\n    print \"f\"\n    a[0] += 1\n}\n\
               gene main(a: u64[2], x: u64) {\n    call f(a)\n    call f(a)\n    x += 1\n}\n";
    let mut m = module(src, Dialect::Rdx);
    let main = m.gene_index("main").unwrap();
    let g = &mut m.genes[main];
    let second = g
        .code
        .iter()
        .filter_map(|o| match o {
            rdx_vm::ops::Op::Call { args, .. } => Some(args.start as usize),
            _ => None,
        })
        .nth(1)
        .expect("main calls f twice");
    // (A slot past the parameters, which the verifier does not know the type of: one more.)
    g.slots += 1;
    g.words += 1;
    g.args[second] = rdx_vm::ops::Slot(g.slots - 1);
    let e = Module::decode(&m.encode()).expect_err("a number passed for an array");
    assert!(e.message.contains("which holds a number, as argument 0, of type u64[2]"), "{e}");
    assert!(e.message.contains("(rule 19)"), "{e}");
}

/// A stack argument longer than the word limit is refused before the run, as an array that
/// does not fit is.
#[test]
fn a_stack_argument_past_the_word_limit_is_refused() {
    let text = "gene main(s: stack, x: u64) {\n    x += 1\n}\n";
    let prog = rdx_lang::parser::parse(text).expect("parses");
    let checked = rdx_lang::check::check(&prog, &Default::default()).expect("checks");
    let m = rdx_vm::compile(&checked, "t.rdx", text).expect("compiles");
    let limits = rdx_vm::engine::Limits { max_words: 8, ..Default::default() };
    let mut interp = rdx_vm::Interpreter::with_limits(limits);
    for (n, ok) in [(8, true), (9, false)] {
        let mut args = vec![rdx_vm::Value::Stack((0..n).collect()), rdx_vm::Value::Int(0)];
        let r = rdx_vm::Engine::run(&mut interp, &m, 0, &mut args, rdx_vm::Direction::Forward);
        match r {
            Ok(_) => assert!(ok, "{n} elements ran"),
            Err(e) => {
                assert!(!ok, "{n} elements: {e:?}");
                assert!(
                    matches!(&e.kind, rdx_vm::RunErrorKind::BadArguments(m) if m.contains("memory limit")),
                    "{e:?}"
                );
            }
        }
    }
}

/// Names longer than seven bytes that share their first seven bytes and their length have one
/// symbol-table key: the compiler tells them apart by the whole name, and a name declared
/// again after its `delocal` is a new variable.
#[test]
fn names_that_share_a_key_are_told_apart() {
    let text = "gene main(counter_a: u64, counter_b: u64, out: u64) {
    local counter_c: u64 = counter_a
    local counter_d: u64 = counter_b
    out += counter_c * 1000 + counter_d
    delocal counter_d = counter_b
    local counter_d: u64 = 7
    out += counter_d * 1000000
    delocal counter_d = 7
    delocal counter_c = counter_a
}
";
    let prog = rdx_lang::parser::parse(text).expect("parses");
    let checked = rdx_lang::check::check(&prog, &Default::default()).expect("checks");
    let m = rdx_vm::compile(&checked, "t.rdx", text).expect("compiles");
    let mut args = vec![rdx_vm::Value::Int(3), rdx_vm::Value::Int(5), rdx_vm::Value::Int(0)];
    let mut interp = rdx_vm::Interpreter::new();
    rdx_vm::Engine::run(&mut interp, &m, 0, &mut args, rdx_vm::Direction::Forward).expect("runs");
    assert_eq!(args[2], rdx_vm::Value::Int(7_003_005));
}
