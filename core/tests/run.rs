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
