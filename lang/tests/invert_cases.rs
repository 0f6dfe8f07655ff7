//! The inverter statement by statement, written as source → expected inverse source.

use rdx_lang::check::{CheckOptions, check};
use rdx_lang::invert::{invert_program, invert_stmt, mul_inverse};
use rdx_lang::parser::parse;
use rdx_lang::print::{print_program, print_stmt};

fn inverse_text(src: &str) -> String {
    let p = parse(src).unwrap_or_else(|d| panic!("{d:?}"));
    let c = check(&p, &CheckOptions::default()).unwrap_or_else(|d| panic!("{d:?}"));
    print_program(&invert_program(&c.program))
}

/// The printed inverse of `body` inside `gene f(x, y, s, a)`, as trimmed lines of the body.
fn body_inverse(body: &str) -> Vec<String> {
    let src =
        format!("gene g(p: u64) {{ p += 1 }}\ngene f(x: u64, y: u64, s: stack, a: u64[4]) {{\n{body}\n}}\n");
    let text = inverse_text(&src);
    let start = text.find("gene f(").expect("gene f printed");
    text[start..]
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "}")
        .map(String::from)
        .collect()
}

#[test]
fn updates_mirror_and_order_reverses() {
    assert_eq!(body_inverse("x += y\nx -= 3\ny ^= x"), ["y ^= x", "x += 3", "x -= y"]);
}

#[test]
fn multiply_by_the_inverse() {
    let inv3 = mul_inverse(3).unwrap();
    assert_eq!(body_inverse("x *= 3"), [format!("x *= {inv3}")]);
    assert_eq!(3u64.wrapping_mul(inv3), 1);
}

#[test]
fn mirror_opcodes() {
    assert_eq!(body_inverse("x <<<= 5\ny >>>= x"), ["y <<<= x", "x >>>= 5"]);
    assert_eq!(body_inverse("neg x\nnot y\nswap x, y"), ["swap x, y", "not y", "neg x"]);
    assert_eq!(body_inverse("x ^= x << 13"), ["undo x ^= x << 13"]);
    assert_eq!(body_inverse("undo x ^= x >> 7"), ["x ^= x >> 7"]);
    assert_eq!(body_inverse("x := 4\nerase y"), ["undo erase y", "undo x := 4"]);
    assert_eq!(body_inverse("push x, s\npop y, s"), ["push y, s", "pop x, s"]);
    assert_eq!(body_inverse("assert x == 1\nskip"), ["skip", "assert x == 1"]);
}

#[test]
fn conditionals_and_loops_exchange_their_assertions() {
    assert_eq!(
        body_inverse("if x == 0 { y += 1 } else { y -= 1 } fi y == 1"),
        ["if y == 1 {", "y -= 1", "} else {", "y += 1", "} fi x == 0"]
    );
    assert_eq!(
        body_inverse("from x == 0 do { x += 1 } loop { y += x } until x == 5"),
        ["from x == 5 do {", "x -= 1", "} loop {", "y -= x", "} until x == 0"]
    );
}

#[test]
fn locals_become_delocals() {
    assert_eq!(
        body_inverse("local t: u64 = 2\nx += t\ndelocal t = 2"),
        ["local t: u64 = 2", "x -= t", "delocal t: u64 = 2"]
    );
}

#[test]
fn calls_stay_calls_in_the_inverted_program() {
    // Every gene is inverted, so `call g` in the inverse already runs g backward.
    assert_eq!(body_inverse("call g(x)\nuncall g(y)"), ["uncall g(y)", "call g(x)"]);
}

#[test]
fn a_single_statement_inverts_relative_to_the_same_genes() {
    let p = parse("gene g(p: u64) { p += 1 }\ngene f(x: u64) { call g(x) }").unwrap();
    let s = &p.genes[1].body.stmts[0];
    assert_eq!(print_stmt(&invert_stmt(s)).trim(), "uncall g(x)");
    assert_eq!(invert_stmt(&invert_stmt(s)), *s);
}
