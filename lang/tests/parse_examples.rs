//! The brief's example programs parse, print canonically and round-trip.

use rdx_lang::ast::*;
use rdx_lang::parser::parse;
use rdx_lang::print::{print_program, strip_spans};

const FIB_SUM: &str = r#"
// Fibonacci pairs: fib(n) leaves (x1, x2) = (F(n+1), F(n+2)) and n = 0
gene fib(n: u64, x1: u64, x2: u64) {
    if n == 0 {
        x1 += 1
        x2 += 1
    } else {
        n -= 1
        call fib(n, x1, x2)
        x1 += x2
        swap x1, x2
    } fi x1 == x2
}

gene sum_to(n: u64, s: u64) {
    local i: u64 = 0
    from i == 0 do {
        i += 1
        s += i
    } until i == n
    delocal i = n
}
"#;

/// The canonical printing of [`FIB_SUM`], comment dropped.
const FIB_SUM_PRINTED: &str = "gene fib(n: u64, x1: u64, x2: u64) {
    if n == 0 {
        x1 += 1
        x2 += 1
    } else {
        n -= 1
        call fib(n, x1, x2)
        x1 += x2
        swap x1, x2
    } fi x1 == x2
}

gene sum_to(n: u64, s: u64) {
    local i: u64 = 0
    from i == 0 do {
        i += 1
        s += i
    } until i == n
    delocal i = n
}
";

#[test]
fn brief_examples_parse() {
    let p = parse(FIB_SUM).expect("brief examples parse");
    assert_eq!(p.genes.len(), 2);
    assert_eq!(p.genes[0].name.name, "fib");
    assert_eq!(p.genes[0].params.len(), 3);
    assert!(p.genes[0].params.iter().all(|p| p.ty == Type::U64));
    assert!(matches!(p.genes[0].body.stmts[0].kind, StmtKind::If { else_block: Some(_), .. }));
    let sum = &p.genes[1].body.stmts;
    assert!(matches!(sum[0].kind, StmtKind::Local { ty: Type::U64, .. }));
    assert!(matches!(sum[1].kind, StmtKind::From { again: None, .. }));
    assert!(matches!(sum[2].kind, StmtKind::Delocal { ty: None, .. }));
    // Spans are byte offsets into the source.
    let g = &p.genes[1];
    assert_eq!(&FIB_SUM[g.name.span.range()], "sum_to");
    assert!(FIB_SUM[g.span.range()].starts_with("gene sum_to(") && FIB_SUM[g.span.range()].ends_with('}'));
}

#[test]
fn brief_examples_print_canonically_and_round_trip() {
    let mut p = parse(FIB_SUM).expect("parses");
    let printed = print_program(&p);
    assert_eq!(printed, FIB_SUM_PRINTED);
    let mut q = parse(&printed).expect("printed text parses");
    strip_spans(&mut p);
    strip_spans(&mut q);
    assert_eq!(p, q);
}

fn sp() -> Span {
    Span::default()
}
fn id(n: &str) -> Ident {
    Ident { name: n.into(), span: sp() }
}
fn var(n: &str) -> Expr {
    Expr::new(ExprKind::Var(n.into()), sp())
}
fn int(v: u64) -> Expr {
    Expr::new(ExprKind::Int(v), sp())
}
fn eq(l: Expr, r: Expr) -> Expr {
    Expr::new(ExprKind::Binary(BinOp::Eq, Box::new(l), Box::new(r)), sp())
}
fn place(n: &str) -> Place {
    Place { name: id(n), index: None, span: sp() }
}
fn st(kind: StmtKind) -> Stmt {
    Stmt { kind, span: sp() }
}
fn upd(t: &str, op: UpdateOp, v: Expr) -> Stmt {
    st(StmtKind::Update { target: place(t), op, value: v })
}
fn block(stmts: Vec<Stmt>) -> Block {
    Block { stmts, span: sp() }
}
fn gene(name: &str, params: &[&str], body: Vec<Stmt>) -> Gene {
    let params = params.iter().map(|p| Param { name: id(p), ty: Type::U64, ty_span: sp() }).collect();
    Gene { name: id(name), params, body: block(body), span: sp() }
}

/// The tree of [`FIB_SUM`], built by hand.
fn fib_sum_tree() -> Program {
    let fib = gene(
        "fib",
        &["n", "x1", "x2"],
        vec![st(StmtKind::If {
            cond: Box::new(eq(var("n"), int(0))),
            then_block: block(vec![upd("x1", UpdateOp::Add, int(1)), upd("x2", UpdateOp::Add, int(1))]),
            else_block: Some(block(vec![
                upd("n", UpdateOp::Sub, int(1)),
                st(StmtKind::Call {
                    gene: id("fib"),
                    args: vec![id("n"), id("x1"), id("x2")],
                    uncall: false,
                }),
                upd("x1", UpdateOp::Add, var("x2")),
                st(StmtKind::Swap(place("x1"), place("x2"))),
            ])),
            fi: Box::new(eq(var("x1"), var("x2"))),
        })],
    );
    let sum_to = gene(
        "sum_to",
        &["n", "s"],
        vec![
            st(StmtKind::Local { name: id("i"), ty: Type::U64, init: int(0) }),
            st(StmtKind::From {
                entry: Box::new(eq(var("i"), int(0))),
                body: block(vec![upd("i", UpdateOp::Add, int(1)), upd("s", UpdateOp::Add, var("i"))]),
                again: None,
                until: Box::new(eq(var("i"), var("n"))),
            }),
            st(StmtKind::Delocal { name: id("i"), ty: None, value: var("n") }),
        ],
    );
    Program { dialect: Dialect::Rdx, consts: vec![], genes: vec![fib, sum_to] }
}

#[test]
fn brief_examples_give_exactly_the_expected_tree() {
    let mut p = parse(FIB_SUM).expect("parses");
    strip_spans(&mut p);
    assert_eq!(p, fib_sum_tree());
    // And the tree built by hand prints as the canonical text.
    assert_eq!(print_program(&fib_sum_tree()), FIB_SUM_PRINTED);
}

/// Every `.rdx` program of the standard library and the spec parses, and prints as text that
/// parses back to the same tree and prints the same again.
#[test]
fn stdlib_and_spec_examples_round_trip() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seen = 0;
    for dir in ["stdlib", "spec/examples"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "rdx") {
                continue;
            }
            let src = std::fs::read_to_string(&path).expect("readable");
            let mut p = parse(&src).unwrap_or_else(|d| panic!("{}: {d:?}", path.display()));
            let printed = print_program(&p);
            let mut back =
                parse(&printed).unwrap_or_else(|d| panic!("{} printed: {d:?}\n{printed}", path.display()));
            assert_eq!(print_program(&back), printed, "{}", path.display());
            strip_spans(&mut p);
            strip_spans(&mut back);
            assert_eq!(p, back, "{}", path.display());
            seen += 1;
        }
    }
    assert!(seen > 0, "no example programs found under {}", root.display());
}
