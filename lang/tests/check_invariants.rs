//! The invariant report I1–I5: statuses, evidence counts, and I3 computed for real.

use rdx_lang::ast::StmtKind;
use rdx_lang::check::{CheckOptions, Checked, check};
use rdx_lang::invariants::{Status, any_fails, evaluate, evidence, format_report};
use rdx_lang::parser::parse;

const SRC: &str = "gene f(x: u64, a: u64[4], i: u64, s: stack) {
    x += 1
    a[i] += a[0]
    a[1] -= a[2]
    swap a[i], a[3]
    if x == 1 { x *= 3 } else { skip } fi x == 3
    local t: u64 = 0
    from t == 0 do { t += 1 } until t == 4
    delocal t = 4
    x := 7
}
gene g(y: u64, b: u64[4], j: u64, s: stack) {
    call f(y, b, j, s)
}";

fn checked() -> Checked {
    check(&parse(SRC).expect("parses"), &CheckOptions::default()).expect("checks")
}

#[test]
fn evidence_counts_what_the_rules_covered() {
    let ev = evidence(&checked().program);
    assert_eq!(ev.updates, 6, "{ev:?}");
    assert_eq!((ev.conditionals, ev.loops, ev.locals, ev.calls, ev.lossy), (1, 1, 1, 1, 1));
    // a[i] += a[0] and swap a[i], a[3] need the run-time check; a[1] -= a[2] does not.
    assert_eq!(ev.alias_runtime, 2, "{ev:?}");
}

#[test]
fn report_lines() {
    let c = checked();
    let lenient = evaluate(&c, false);
    assert_eq!(lenient.len(), 5);
    assert!(!any_fails(&lenient));
    assert_eq!(lenient[0].status, Status::Holds);
    assert_eq!(lenient[2].evidence, "invert∘invert = id on 2 genes");
    assert_eq!(lenient[3].status, Status::NotApplicable);
    assert_eq!(lenient[4].status, Status::NotApplicable);
    let strict = evaluate(&c, true);
    assert!(any_fails(&strict));
    let text = format_report(&strict, SRC);
    let first = text.lines().next().unwrap();
    assert_eq!(first, "I1 information conservation: fails (1 lossy operation in strict mode: at 10:5)");
    assert!(text.lines().nth(3).unwrap().starts_with("I4 mass conservation: not applicable"));
}

#[test]
fn time_symmetry_is_computed_not_assumed() {
    // A delocal without its type is not canonical IR: inverting twice adds the type, so I3
    // notices the difference.
    let mut c = checked();
    for s in &mut c.program.genes[0].body.stmts {
        if let StmtKind::Delocal { ty, .. } = &mut s.kind {
            *ty = None;
        }
    }
    let report = evaluate(&c, false);
    assert_eq!(report[2].status, Status::Fails);
    assert!(report[2].evidence.contains('f'), "{}", report[2].evidence);
}
