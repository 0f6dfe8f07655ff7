//! `run::run` and the state text it reads: what a request asks for is what it gets.

use rdx_core::run::{Backend, Program, Request, parse_state, run};
use rdx_lang::ast::Dialect;
use rdx_vm::Direction;
use std::borrow::Cow;

const SOURCE: &str = "gene main(a: u64[4], x: u64) {\n    x += a[1]\n    a[0] ^= x\n}\n";

/// A run that is only printed skips the state encodings; its result is the same.
#[test]
fn states_are_encoded_only_when_asked() {
    let program =
        Program::from_source(SOURCE.into(), "t.rdx".into(), Dialect::Rdx, false, &[]).expect("compiles");
    let args = program.bind(0, &["a=[1,2,3,4]".into(), "x=5".into()]).expect("binds");
    let with =
        run(Request::new(&program, 0, args.clone(), Direction::Forward, Backend::Interp)).expect("runs");
    let without = run(Request {
        states: false,
        ..Request::new(&program, 0, args, Direction::Forward, Backend::Interp)
    })
    .expect("runs");
    assert_eq!(with.values, without.values);
    assert_eq!(String::from_utf8(with.input).unwrap(), r#"{"a":[1,2,3,4],"x":5}"#);
    assert_eq!(with.output.as_deref(), Some(&br#"{"a":[6,2,3,4],"x":7}"#[..]));
    assert!(without.input.is_empty() && without.output.is_none());
}

/// A JSON state's long values are borrowed from its text, not copied; other values (the
/// strings `rdx run --json` writes for non-finite floats) are rewritten.
#[test]
fn json_state_values_borrow_the_text() {
    let text = r#"{"a": [1, 2, 3], "f": "inf", "x": 7}"#;
    let pairs = parse_state(text, "test").expect("parses");
    let get = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v).expect("present");
    assert!(matches!(get("a"), Cow::Borrowed("[1, 2, 3]")));
    assert!(matches!(get("x"), Cow::Borrowed("7")));
    assert!(matches!(get("f"), Cow::Owned(s) if s == "inf"));
}

/// A loop that prints now and then and overwrites `t` (a lossy write, on the history tape)
/// every trip.
const LONG: &str = "gene main(n: u64, s: u64, t: u64) {
    local i: u64 = 0
    from i == 0 do {
    } loop {
        i += 1
        s += i
        if i % 4096 == 0 {
            printf \"i = %d\", i
        } fi i % 4096 == 0
        t := s
    } until i == n
    delocal i = n
}
";

/// `--backend auto`'s static rule on a module that loops: a short run ends on the
/// interpreter and compiles nothing; a run past the interpreter's budget starts over on the
/// JIT from the same input and history tape. Either way it gives, prints and writes on the
/// tape what the interpreter alone does, both ways.
#[test]
fn the_static_rule_moves_a_long_run_from_the_interpreter_to_the_jit() {
    let program =
        Program::from_source(LONG.into(), "long.rdx".into(), Dialect::Rdx, false, &[]).expect("compiles");
    let budget = rdx_core::run::tier_budget(&program.module);
    for (n, expected) in [(10, Backend::Interp), (budget, Backend::Jit)] {
        let args = program.bind(0, &[format!("n={n}"), "t=7".into()]).expect("binds");
        let on =
            |backend, dir, args, tape| run(Request { tape, ..Request::new(&program, 0, args, dir, backend) });
        let auto = on(Backend::Auto, Direction::Forward, args.clone(), Vec::new()).expect("runs");
        let interp = on(Backend::Interp, Direction::Forward, args.clone(), Vec::new()).expect("runs");
        assert_eq!(auto.backend, expected, "n = {n}: {:?}", auto.backend_reason);
        let tier = auto.tier.as_deref().unwrap_or_default();
        let told = if expected == Backend::Jit { "started over on the JIT" } else { "nothing was compiled" };
        assert!(tier.contains(told) && tier.contains(&budget.to_string()), "{tier}");
        assert_eq!(auto.values, interp.values, "n = {n}");
        assert!(auto.exec.result.is_ok());
        assert_eq!(auto.exec.printed, interp.exec.printed, "n = {n}: printed once, as one engine prints");
        assert_eq!(auto.exec.tape, interp.exec.tape, "n = {n}");
        assert_eq!(auto.exec.tape.len() as u64, n);
        // Backward from the final state with the forward run's tape: the input again.
        let (end, tape) = (auto.values.clone(), auto.exec.tape.clone());
        let back = on(Backend::Auto, Direction::Backward, end.clone(), tape.clone()).expect("runs");
        let interp_back = on(Backend::Interp, Direction::Backward, end, tape).expect("runs");
        assert_eq!(back.backend, expected);
        assert!(back.exec.result.is_ok(), "{:?}", back.exec.result.err());
        assert_eq!(back.values, args, "n = {n}: backward gives the input back");
        assert_eq!(back.exec.printed, interp_back.exec.printed);
    }
}
