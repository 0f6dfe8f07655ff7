//! Constant operands: `k1 op k2` folded at compile time and `x op k` / `k op x` as immediates
//! give what the same operation on variables gives (same value, or the same run-time error),
//! for every binary operator, signed and unsigned, and for `&&`/`||` chains of comparisons.

use proptest::prelude::*;
use rdx_vm::{Direction, Engine, Interpreter, RunErrorKind, Value};

const OPS: &[&str] = &["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "==", "!=", "<", "<=", ">", ">="];

fn run(src: &str, a: u64, b: u64) -> Option<Result<u64, RunErrorKind>> {
    let prog = rdx_lang::parser::parse(src).ok()?;
    let checked = rdx_lang::check::check(&prog, &Default::default()).ok()?;
    let m = rdx_vm::compile(&checked, "f.rdx", src).expect("compiles");
    let mut args = vec![Value::Int(0), Value::Int(a), Value::Int(b)];
    let r = Interpreter::new().run(&m, 0, &mut args, Direction::Forward);
    Some(
        r.map(|_| match args[0] {
            Value::Int(x) => x,
            _ => unreachable!(),
        })
        .map_err(|e| e.kind),
    )
}

fn value() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..70, Just(u64::MAX), Just(1 << 63), Just((1 << 63) - 1), any::<u64>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn constants_compute_what_variables_compute(
        op in prop::sample::select(OPS),
        signed in any::<bool>(),
        k1 in value(),
        k2 in value(),
    ) {
        let ty = if signed { "i64" } else { "u64" };
        let gene = |e: &str| format!("gene f(x: {ty}, a: {ty}, b: {ty}) {{ x ^= {e} }}");
        let lit = |k: u64| if signed && (k as i64) < 0 { format!("(0 - {})", (k as i64).unsigned_abs()) } else { k.to_string() };
        let reference = run(&gene(&format!("a {op} b")), k1, k2).expect("variables compile");
        // Literals alone are unsigned, so the folded form is compared on u64 only.
        let folded = (!signed).then(|| format!("{} {op} {}", lit(k1), lit(k2)));
        for e in folded.into_iter().chain([format!("a {op} {}", lit(k2)), format!("{} {op} b", lit(k1))]) {
            if let Some(r) = run(&gene(&e), k1, k2) {
                prop_assert_eq!(&r, &reference, "{} with a={}, b={}", e, k1, k2);
            }
        }
    }

    #[test]
    fn comparison_chains_compute_what_variables_compute(
        ops in prop::collection::vec(prop::sample::select(&["<", "==", ">=", "!="][..]), 3),
        logic in prop::collection::vec(prop::sample::select(&["&&", "||"][..]), 2),
        k in 0u64..4,
        a in 0u64..4,
        b in 0u64..4,
    ) {
        let chain = |rhs: &str| format!("a {} {rhs} {} b {} a {} (b {} {rhs})", ops[0], logic[0], ops[1], logic[1], ops[2]);
        let gene = |e: &str| format!("gene f(x: u64, a: u64, b: u64) {{ local k: u64 = {k}\n x += {e}\n delocal k = {k} }}");
        let with_var = run(&gene(&chain("k")), a, b).expect("compiles");
        let with_imm = run(&gene(&chain(&k.to_string())), a, b).expect("compiles");
        prop_assert_eq!(with_imm, with_var);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Fused branch conditions (`if a < b`, `if a >= 5`, `if 5 < a`, signed and unsigned) take
    /// the branch that the comparison computed as a value takes.
    #[test]
    fn fused_conditions_branch_as_values_do(
        op in prop::sample::select(&["<", "<=", ">", ">=", "==", "!="][..]),
        signed in any::<bool>(),
        k in 0u64..6,
        a in prop_oneof![0u64..8, Just(u64::MAX), Just(1 << 63)],
        b in 0u64..8,
    ) {
        let ty = if signed { "i64" } else { "u64" };
        let gene = |c: &str| format!("gene f(x: {ty}, a: {ty}, b: {ty}) {{ if {c} {{ x += 1 }} fi x == 1 }}");
        for (fused, value) in [
            (format!("a {op} b"), format!("(a {op} b) != 0")),
            (format!("a {op} {k}"), format!("(a {op} {k}) != 0")),
            (format!("{k} {op} a"), format!("({k} {op} a) != 0")),
        ] {
            let r = run(&gene(&fused), a, b).expect("compiles");
            prop_assert_eq!(r, run(&gene(&value), a, b).expect("compiles"), "{}", fused);
        }
    }
}

/// Runs gene 0 of `src` on `args` in `dir`: the final state, or the error kind.
fn run_all(src: &str, args: &[Value], dir: Direction) -> (rdx_vm::Module, Result<Vec<Value>, RunErrorKind>) {
    let prog = rdx_lang::parser::parse(src).unwrap_or_else(|d| panic!("{d:?}\n{src}"));
    let checked =
        rdx_lang::check::check(&prog, &Default::default()).unwrap_or_else(|d| panic!("{d:?}\n{src}"));
    let m = rdx_vm::compile(&checked, "f.rdx", src).expect("compiles");
    let mut a = args.to_vec();
    let r = Interpreter::new().run(&m, 0, &mut a, dir).map(|_| a).map_err(|e| e.kind);
    (m, r)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Loop bounds written as constant expressions (`size(a) - 2`, `2 * size(a) - 3`) make a
    /// counted loop (`from.c … loop.inc`/`loop.dec`), which runs as the same loop with its
    /// bounds in variables does, forward and backward (errors included: reads past the end).
    #[test]
    fn constant_loop_bounds_run_as_variable_bounds(
        n in 1u64..6,
        lo in 0u64..6,
        span in 1u64..6,
        down in any::<bool>(),
        seed in prop::collection::vec(any::<u64>(), 6),
    ) {
        let hi = lo + span;
        let (first, last, step) = if down { (hi, lo, "-=") } else { (lo, hi, "+=") };
        // `first` and `last` as constant expressions over size(a) = n.
        let k = |v: u64| format!("2 * size(a) - {}", 2 * n - v.min(2 * n));
        let (kf, kl) = (k(first), k(last));
        prop_assume!(first <= 2 * n && last <= 2 * n);
        let body = |f: &str, l: &str| format!(
            "    local i: u64 = {f}\n    from i == {f} do {{\n        s += a[i] + i\n        i {step} 1\n    }} until i == {l}\n    delocal i = {l}\n"
        );
        let constant = format!("gene g(a: u64[{n}], s: u64, f: u64, l: u64) {{\n{}}}", body(&kf, &kl));
        let variable = format!("gene g(a: u64[{n}], s: u64, f: u64, l: u64) {{\n{}}}", body("f", "l"));
        let args = vec![
            Value::Array(seed[..n as usize].to_vec()),
            Value::Int(seed[5]),
            Value::Int(first),
            Value::Int(last),
        ];
        for dir in [Direction::Forward, Direction::Backward] {
            let (m, rc) = run_all(&constant, &args, dir);
            let (_, rv) = run_all(&variable, &args, dir);
            prop_assert!(
                m.genes[0].code.iter().any(|o| matches!(o, rdx_vm::ops::Op::FromC { .. })),
                "not a counted loop:\n{constant}"
            );
            prop_assert_eq!(rc, rv, "{:?}\n{}", dir, constant);
        }
    }
}
