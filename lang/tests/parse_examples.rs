//! The brief's example programs parse, print canonically and round-trip.

use rdx_lang::ast::{StmtKind, Type};
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
