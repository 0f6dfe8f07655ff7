//! Unit tests of the Janus front end: the tree it builds, its limits and its error recovery.

use super::parse;
use crate::ast::{BinOp, Dialect, Elem, Expr, ExprKind, Gene, Print, Program, Stmt, StmtKind, Type, UnOp};
use crate::codes::Code;
use crate::print::print_expr;
use proptest::prelude::*;

fn ok(src: &str) -> Program {
    match parse(src) {
        Ok(p) => p,
        Err(d) => panic!("unexpected errors: {d:?}"),
    }
}

fn codes(src: &str) -> Vec<Code> {
    match parse(src) {
        Ok(_) => Vec::new(),
        Err(d) => d.iter().map(|d| d.code).collect(),
    }
}

fn gene<'p>(p: &'p Program, name: &str) -> &'p Gene {
    p.genes.iter().find(|g| g.name.name == name).unwrap_or_else(|| panic!("no gene {name}"))
}

/// The value expression of the first update in `main`.
fn first_value(src: &str) -> Expr {
    let p = ok(src);
    match &gene(&p, "main").body.stmts[0].kind {
        StmtKind::Update { value, .. } => value.clone(),
        other => panic!("not an update: {other:?}"),
    }
}

fn expr_of(e: &str) -> Expr {
    first_value(&format!("procedure main()\n int x int y int z\n x += {e}\n"))
}

#[test]
fn jana_precedence() {
    // & | ^ share one level, below the comparisons.
    assert_eq!(print_expr(&expr_of("8 | 6 & 3")), "(8 | 6) & 3");
    assert_eq!(print_expr(&expr_of("y = 1 || z != 2 && y < z")), "(y == 1 || z != 2) && y < z");
    assert_eq!(print_expr(&expr_of("1 + 2 * 3 - 4 % y")), "1 + 2 * 3 - 4 % y");
    assert_eq!(print_expr(&expr_of("(1 + 2) * 3")), "(1 + 2) * 3");
    assert_eq!(print_expr(&expr_of("10 - 3 - 2")), "10 - 3 - 2");
    let e = expr_of("!false = z");
    assert!(
        matches!(e.kind, ExprKind::Binary(BinOp::Eq, ref l, _) if matches!(l.kind, ExprKind::Unary(UnOp::Not, _)))
    );
}

/// jana's `!`, `&&` and `||` take conditions (`unpackBool`): an integer operand is J0106.
#[test]
fn logical_operators_take_conditions() {
    let prog =
        |e: &str| format!("procedure main()\n int x int y int a[2] stack s\n if {e} then skip fi x = 0\n");
    for good in [
        "!(x = 0)",
        "!true",
        "!(false)",
        "!!(x < y)",
        "!empty(s)",
        "x = 0 && y != 0",
        "(x < y || true) && !(y >= 2)",
        "x",
        "x + 1",
    ] {
        assert_eq!(codes(&prog(good)), Vec::<Code>::new(), "{good}");
    }
    for (bad, n) in [
        ("!5", 1),
        ("!x", 1),
        ("!(x)", 1),
        ("!a[1]", 1),
        ("!(x + y)", 1),
        ("!top(s)", 1),
        ("!size(a)", 1),
        ("!-1", 1),
        ("!!x", 1),
        ("x && y", 2),
        ("x = 0 || y", 1),
        ("1 || false", 1),
    ] {
        assert_eq!(codes(&prog(bad)), vec![Code::J0106; n], "{bad}");
    }
    // The span is the `!` expression: `!` binds tighter than `=`.
    let src = "procedure main()\n int x int y\n if !y = x then skip fi x = 0\n";
    let diags = parse(src).expect_err("`!y` is a type error");
    assert_eq!(&src[diags[0].span.start as usize..diags[0].span.end as usize], "!y");
    assert_eq!(
        diags[0].hints,
        vec!["jana does not read integers as conditions: to test for zero, write `y = 0`"]
    );
}

#[test]
fn literals() {
    let minus_five = ExprKind::Unary(UnOp::Neg, Box::new(Expr::new(ExprKind::Int(5), Default::default())));
    assert_eq!(expr_of("-5").kind.kind_without_spans(), minus_five);
    assert_eq!(expr_of("- 5").kind.kind_without_spans(), minus_five);
    assert_eq!(expr_of("-9223372036854775808").kind, ExprKind::Int(1 << 63));
    assert_eq!(
        expr_of("0x10 + 0o10 + 0b10").kind.kind_without_spans(),
        expr_of("16 + 8 + 2").kind.kind_without_spans()
    );
    assert_eq!(expr_of("+7").kind, ExprKind::Int(7));
    assert_eq!(expr_of("true").kind, ExprKind::Int(1));
    assert_eq!(expr_of("false").kind, ExprKind::Int(0));
    assert_eq!(codes("procedure main()\n int x\n x += 9223372036854775808\n"), vec![Code::E0104]);
    assert_eq!(codes("procedure main()\n int x\n x += 99999999999999999999\n"), vec![Code::E0104]);
}

trait WithoutSpans {
    fn kind_without_spans(&self) -> ExprKind;
}

impl WithoutSpans for ExprKind {
    fn kind_without_spans(&self) -> ExprKind {
        let mut e = Expr::new(self.clone(), Default::default());
        crate::print::strip_expr(&mut e);
        e.kind
    }
}

#[test]
fn main_declarations_and_globals_become_parameters() {
    let p = ok("int g\nstack s\nprocedure main()\n int a[4] = {1, 2}\n int x = 3\n skip\n");
    assert_eq!(p.dialect, Dialect::Janus);
    let main = gene(&p, "main");
    let params: Vec<(&str, Type)> = main.params.iter().map(|q| (q.name.name.as_str(), q.ty)).collect();
    assert_eq!(
        params,
        vec![("g", Type::I64), ("s", Type::Stack), ("a", Type::Array(Elem::I64, 4)), ("x", Type::I64)]
    );
    // a[0] += 1, a[1] += 2 (a[2], a[3] stay 0, as in jana), x += 3, skip
    assert_eq!(main.body.stmts.len(), 4);
}

#[test]
fn procedures_get_the_globals_they_use() {
    let src = "int g\nint h\nprocedure inner()\n h += 1\nprocedure outer(int g)\n g += 1\n call inner()\n\
               procedure uses_g()\n g += 2\n call outer(g)\nprocedure main()\n call uses_g()\n";
    let p = ok(src);
    let names = |g: &Gene| g.params.iter().map(|q| q.name.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(gene(&p, "inner")), vec!["h"]);
    assert_eq!(names(gene(&p, "outer")), vec!["g", "h"]);
    assert_eq!(names(gene(&p, "uses_g")), vec!["g", "h"]);
    // A procedure declaring the global's name gets the global under another name.
    let p = ok(
        "int g\nprocedure p(int g)\n g += 1\n call q()\nprocedure q()\n g += 1\nprocedure main()\n int x\n call p(x)\n",
    );
    assert_eq!(names(gene(&p, "p")), vec!["g", "_g_g"]);
    let StmtKind::Call { args, .. } = &gene(&p, "p").body.stmts[1].kind else { panic!() };
    assert_eq!(args[0].name, "_g_g");
}

#[test]
fn array_parameters_take_the_length_passed() {
    let src = "procedure z(int a[], int b[2])\n a[0] += b[1]\n\
               procedure main()\n int x[3] int y[5] int w[2]\n call z(x, w)\n call z(y, w)\n uncall z(x, w)\n";
    let p = ok(src);
    let genes: Vec<&str> = p.genes.iter().map(|g| g.name.name.as_str()).collect();
    assert_eq!(genes, vec!["z_3", "z_5", "main"]);
    assert_eq!(gene(&p, "z_5").params[0].ty, Type::Array(Elem::I64, 5));
    // Instance names never clash with procedures.
    let p = ok(
        "procedure z_3()\n skip\nprocedure z(int a[])\n a[0] += 1\nprocedure main()\n int x[3]\n call z(x)\n",
    );
    assert!(p.genes.iter().any(|g| g.name.name == "z_3_"));
}

#[test]
fn expressions_as_operands_use_temporaries() {
    let p = ok(
        "procedure f(int a)\n skip\nprocedure main()\n int x\n stack s\n call f(x + 1)\n push(x * 2, s)\n pop(x - 1, s)\n",
    );
    let kinds: Vec<&str> = gene(&p, "main")
        .body
        .stmts
        .iter()
        .map(|s: &Stmt| match &s.kind {
            StmtKind::Local { .. } => "local",
            StmtKind::Delocal { .. } => "delocal",
            StmtKind::Call { .. } => "call",
            StmtKind::Push { .. } => "push",
            StmtKind::Pop { .. } => "pop",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        vec!["local", "call", "delocal", "local", "push", "delocal", "local", "pop", "delocal"]
    );
}

#[test]
fn several_locals_close_in_reverse() {
    let p = ok(
        "procedure main()\n int x\n local int a = 1, stack s = nil\n x += a\n delocal int a = 1, stack s = nil\n",
    );
    let order: Vec<String> = gene(&p, "main")
        .body
        .stmts
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Local { name, .. } => Some(format!("+{}", name.name)),
            StmtKind::Delocal { name, .. } => Some(format!("-{}", name.name)),
            _ => None,
        })
        .collect();
    assert_eq!(order, vec!["+a", "+s", "-s", "-a"]);
}

#[test]
fn several_errors_in_one_run() {
    let src = "procedure main()\n int x\n x + = 1\n x -= (1 + ]\n skip\n call 5\n skip\n";
    let c = codes(src);
    assert!(c.len() >= 3, "{c:?}");
    assert!(c.iter().all(|c| *c == Code::E0101), "{c:?}");
}

#[test]
fn janus_specific_errors() {
    assert_eq!(codes("procedure p()\n skip\n"), vec![Code::J0101]);
    assert_eq!(codes("procedure main(int x)\n x += 1\n"), vec![Code::J0102]);
    assert_eq!(codes("procedure main()\n int x\n x *= 2\n"), vec![Code::J0103]);
    assert_eq!(
        codes("procedure main()\n int x\n if x == 0 then skip fi x == 0\n"),
        vec![Code::E0101, Code::E0101]
    );
    assert_eq!(codes("procedure main()\n int x\n int y\n y += x ** y\n"), vec![Code::J0103]);
    assert_eq!(codes("procedure main()\n int x\n int y\n y += x ** 65\n"), vec![Code::J0103]);
    assert!(codes("procedure main()\n int x[2][2]\n x[1][0] += 1\n").is_empty());
    assert_eq!(codes("procedure main()\n int x[2][]\n skip\n"), vec![Code::J0104]);
    assert_eq!(codes("procedure main()\n int x[2]\n x[1][0] += 1\n"), vec![Code::J0104]);
    assert_eq!(codes("procedure main()\n int x[1][2] = {{1, 2, 3}}\n skip\n").first(), Some(&Code::J0104));
    assert_eq!(codes("procedure main()\n int x[1][2] = {{1}, {2}}\n skip\n").first(), Some(&Code::J0104));
    assert_eq!(codes("procedure main()\n int x[65536][65536] = {{1}}\n skip\n").first(), Some(&Code::J0104));
    assert_eq!(codes("procedure main()\n int x[65536][65536]\n skip\n").first(), Some(&Code::J0104));
    assert_eq!(codes("procedure p(int x)\n int y\n skip\nprocedure main()\n skip\n"), vec![Code::J0104]);
    assert_eq!(codes("procedure main()\n int a[]\n skip\n"), vec![Code::J0104]);
    let local = |decl: &str| format!("procedure main()\n local {decl}\n skip\n delocal {decl}\n");
    assert_eq!(codes(&local("int a[0] = {1}")).first(), Some(&Code::J0104));
    assert_eq!(codes(&local("int a[100000] = {1}")).first(), Some(&Code::J0104));
    assert_eq!(codes(&local("int a[2][2] = {1}")).first(), Some(&Code::J0103));
    assert!(codes(&local("int a[] = {1, 2}")).is_empty());
    assert_eq!(codes(&local("int a[1] = {1, 2}")).first(), Some(&Code::J0104));
    // A long `**` chain stops at the nesting limit instead of exhausting the stack.
    let chain = format!("procedure main()\n int x\n x += 1{}\n", " ** 1".repeat(100_000));
    assert_eq!(codes(&chain), vec![Code::E0105]);
    assert_eq!(codes("procedure main()\n int x\n iterate int i = 0 to 3\n x += i\n"), vec![Code::E0101]);
    assert_eq!(
        codes("procedure main()\n int x\n iterate int i = 0 until 3\n x += i\n end\n").first(),
        Some(&Code::E0101)
    );
    assert!(codes("procedure main()\n int iterate\n iterate += 1\n").is_empty());
    let big = "procedure main()\n int x\n int y\n y += (((x ** 64) ** 64) ** 64) ** 64\n";
    assert_eq!(codes(big), vec![Code::J0103]);
    for src in [
        "procedure main()\n local int a[] = {}\n",
        "procedure main()\n int x\n x += x **",
        "procedure main()\n local int a[3] =",
    ] {
        assert!(!codes(src).is_empty(), "{src}");
    }
    assert_eq!(codes("procedure main()\n int a[1] = {1, 2}\n skip\n"), vec![Code::J0104]);
    assert_eq!(codes("procedure p()\n call main()\nprocedure main()\n skip\n"), vec![Code::J0105]);
}

#[test]
fn deep_nesting_is_one_error() {
    for (open, close) in [("(", ")"), ("!", ""), ("-(", ")")] {
        let src =
            format!("procedure main()\n int x\n x += {}1{}\n", open.repeat(10_000), close.repeat(10_000));
        assert_eq!(codes(&src), vec![Code::E0105]);
    }
    let src = format!(
        "procedure main()\n int x\n{} skip\n{}",
        "if x = 0 then\n".repeat(5_000),
        "fi x = 0\n".repeat(5_000)
    );
    assert_eq!(codes(&src), vec![Code::E0105]);
    let src = format!("procedure main()\n int x\n x += 1{}\n", " + 1".repeat(100_000));
    assert_eq!(codes(&src), vec![Code::E0105]);
    let src = format!("procedure main()\n int a[2]\n a[0] += {}0{}\n", "a[".repeat(1000), "]".repeat(1000));
    assert_eq!(codes(&src), vec![Code::E0105]);
    // Just under the limit is fine.
    let src = format!("procedure main()\n int x\n x += {}1{}\n", "(".repeat(250), ")".repeat(250));
    ok(&src);
}

#[test]
fn lexical_errors() {
    assert_eq!(codes("procedure main()\n int x\n x += 1 @\n"), vec![Code::E0103]);
    assert_eq!(codes("procedure main()\n print(\"abc\n"), vec![Code::E0106, Code::E0102]);
    assert_eq!(codes("/* open\nprocedure main()\n skip\n"), vec![Code::E0106]);
    assert_eq!(codes(""), vec![Code::J0101]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse(&text);
    }

    #[test]
    fn token_soup_never_panics(words in proptest::collection::vec(prop::sample::select(vec![
        "procedure", "main", "(", ")", "int", "stack", "x", "a", "[", "]", "3", "-", "+=", "-=", "^=",
        "<=>", "if", "then", "else", "fi", "from", "do", "loop", "until", "local", "delocal", "=",
        "call", "uncall", "push", "pop", ",", "top", "empty", "size", "nil", "!", "&&", "*", "/",
        "error", "\"s\"", "print", "show", "skip", "{", "}",
    ]), 0..60)) {
        let _ = parse(&words.join(" "));
    }

    #[test]
    fn truncated_programs_never_panic(cut in 0usize..400) {
        let src = include_str!("../../../tests/janus/factor.ja");
        let cut = cut.min(src.len());
        if src.is_char_boundary(cut) {
            let _ = parse(&src[..cut]);
        }
    }
}

/// The Janus test programs, for mutation.
const PROGRAMS: &[&str] = &[
    include_str!("../../../tests/janus/factor.ja"),
    include_str!("../../../tests/janus/globals.ja"),
    include_str!("../../../tests/janus/locals.ja"),
    include_str!("../../../tests/janus/arrays.ja"),
    include_str!("../../../tests/janus/rle.ja"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Programs with a token's worth of text deleted, duplicated or replaced go through the parser
    /// and, when they parse, the checker, without panicking.
    #[test]
    fn mutated_programs_never_panic(
        which in 0..PROGRAMS.len(),
        at in 0usize..2000,
        len in 0usize..12,
        insert in prop::sample::select(vec!["", "x", "a[", "]", "(", ")", "call main()", "local int", "delocal int q = 0", "fi", "until", "nil", "-", "<=>", "int g", "procedure", "9223372036854775807"]),
    ) {
        let src = PROGRAMS[which];
        let at = at.min(src.len());
        let end = (at + len).min(src.len());
        if src.is_char_boundary(at) && src.is_char_boundary(end) {
            let mutated = format!("{}{}{}", &src[..at], insert, &src[end..]);
            if let Ok(p) = parse(&mutated) {
                let _ = crate::check::check(&p, &Default::default());
            }
        }
    }
}

/// `stack s = nil` (later jana versions) is a stack declared empty; any other value is refused.
#[test]
fn a_stack_may_be_declared_nil() {
    let p = ok("procedure main()\n    stack s = nil\n    int x\n    push(x, s)\n    pop(x, s)\n");
    assert_eq!(gene(&p, "main").params.len(), 2);
    assert_eq!(codes("procedure main()\n    stack s = 3\n    skip\n"), [Code::E0101]);
}

/// Output statements are lowered to the form rdx source prints the same way: a `printf`
/// without variables is its text, a `show` is the `printf` of its line, and a `printf` jana
/// refuses is jana's run-time error.
#[test]
fn output_is_lowered_to_forms_rdx_prints_alike() {
    let p = ok(
        "procedure main()\n    int x\n    int a[2]\n    stack s\n    printf(\"100%% %d\")\n    show(x, a, s)\n    printf(\"%d%%\", x)\n    printf(\"a=%a\", a)\n",
    );
    let kinds: Vec<&StmtKind> = gene(&p, "main").body.stmts.iter().map(|s| &s.kind).collect();
    assert_eq!(kinds[0], &StmtKind::Print(Print::Text("100%% %d".into())));
    let StmtKind::Print(Print::Format(f, args)) = kinds[1] else { panic!("{:?}", kinds[1]) };
    assert_eq!((f.as_str(), args.len()), ("x = %d, a[2] = %a, s = %t", 3));
    let StmtKind::Error(e) = kinds[2] else { panic!("{:?}", kinds[2]) };
    assert!(e.starts_with("printf: a `%%` after the last variable (jana refuses"), "{e}");
    assert!(matches!(kinds[3], StmtKind::Print(Print::Format(f, _)) if f == "a=%a"));
}

/// `e ** 0` evaluates `e` (jana's `^` is strict in its base): its reads count for the
/// reversibility rules and its faults at run time, so it is `e * 0 + 1`; a literal's is 1.
#[test]
fn power_zero_evaluates_its_base() {
    assert_eq!(print_expr(&expr_of("(1 / y) ** 0")), "1 / y * 0 + 1");
    assert_eq!(print_expr(&expr_of("y ** 0 ** 0")), "y");
    assert_eq!(expr_of("7 ** 0").kind, ExprKind::Int(1));
    assert_eq!(expr_of("2 ** 3 ** 0").kind, ExprKind::Int(2));
    let checked = |e: &str| {
        let src = format!("procedure main()\n int x\n int a[2]\n x += {e}\n");
        crate::check::check_owned(ok(&src), &Default::default())
            .map(|_| ())
            .map_err(|d| d.iter().map(|d| d.code).collect::<Vec<_>>())
    };
    assert_eq!(checked("x ** 0"), Err(vec![Code::E0301]));
    assert_eq!(checked("(x * 0) ** 1"), Err(vec![Code::E0301]));
    assert_eq!(checked("a[1] ** 0"), Ok(()));
}

/// An expression of literals whose meaning depends on their sign (a comparison, `/`, `%`,
/// `>>`) is replaced by its Janus value, so the printed inverse, where rdx reads literals as
/// unsigned, means the same; faults and overflows are left to run time.
#[test]
fn signed_literal_expressions_are_their_values() {
    assert_eq!(print_expr(&expr_of("-7 / 2")), "-4");
    assert_eq!(print_expr(&expr_of("(0 - 7) % 3")), "2");
    assert_eq!(print_expr(&expr_of("-8 >> 1")), "-4");
    assert_eq!(print_expr(&expr_of("-1 < 0")), "1");
    assert_eq!(print_expr(&expr_of("y < -1 + 0")), "y < -1 + 0");
    assert_eq!(print_expr(&expr_of("(1 + 2) * 3")), "(1 + 2) * 3");
    assert_eq!(print_expr(&expr_of("-9223372036854775807 - 1 < 0")), "1");
    assert_eq!(print_expr(&expr_of("(-9223372036854775807 - 1) / -1")), "(-9223372036854775807 - 1) / -1");
    assert_eq!(print_expr(&expr_of("1 / 0")), "1 / 0");
    assert_eq!(print_expr(&expr_of("-1 >> 64")), "-1 >> 64");
    assert_eq!(expr_of("(-9223372036854775807 - 1) / 1").kind, ExprKind::Int(1 << 63));
}

/// A bad declaration in a `local` is one error: the block is still read to its `delocal`, which
/// is not reported again as a statement out of place; a trailing comma in a parameter list is
/// reported where it is.
#[test]
fn bad_declarations_are_one_error_each() {
    let local = |decl: &str| {
        format!("procedure main()\n int x\n local {decl}\n x += 1\n delocal int t[1] = {{0}}\n x += 2\n")
    };
    assert_eq!(codes(&local("int t[0] = {0}")), [Code::J0104]);
    assert_eq!(codes(&local("int t[70000] = {0}")), [Code::J0104]);
    assert_eq!(codes(&local("int t[2][2] = {1}")), [Code::J0103]);
    assert_eq!(codes(&local("int t[x] = {0}")), [Code::E0101]);
    assert_eq!(codes(&local("int t[] = {}")), [Code::E0101]);
    assert_eq!(codes(&local("int t[x] = {0}, int u = 1")), [Code::E0101]);
    // A number for an array is refused (jana: an array size error), once per declaration.
    assert_eq!(codes(&local("int t[1] = 5")), [Code::E0101]);
    let trailing = parse("procedure f(int a,)\n    a += 1\n\nprocedure main()\n    int x\n    call f(x)\n");
    let diags = trailing.expect_err("refused");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(
        (diags[0].span.start, diags[0].message.as_str()),
        (18, "expected a parameter (`int x`, `int a[]` or `stack s`), found `)`")
    );
}

/// Initialisers are lowered like every expression of `main`: one may read a multi-dimensional
/// array declared before it, and a value of signed literals is its Janus value.
#[test]
fn initialisers_are_lowered_expressions() {
    let p =
        ok("procedure main()\n int m[2][2] = {{1, 2}, {3, 4}}\n int y = m[1][1]\n int z = -7 / 2\n skip\n");
    let values: Vec<String> = gene(&p, "main")
        .body
        .stmts
        .iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Update { value, .. } => Some(print_expr(value)),
            _ => None,
        })
        .collect();
    assert_eq!(values.last().map(String::as_str), Some("-4"));
    assert!(values.iter().all(|v| !v.contains('#')), "{values:?}");
}
