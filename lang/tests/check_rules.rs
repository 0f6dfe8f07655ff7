//! The checker on real source: each static rule fires where it should and only there, every
//! error of a file is reported, and the IR has constants folded.

use rdx_lang::ast::{ExprKind, StmtKind, Type};
use rdx_lang::check::{CheckOptions, Checked, check};
use rdx_lang::codes::Code;
use rdx_lang::parser::parse;

fn codes_with(src: &str, strict: bool) -> Vec<Code> {
    let p = parse(src).unwrap_or_else(|d| panic!("parse failed: {d:?}\n{src}"));
    match check(&p, &CheckOptions { strict, ..Default::default() }) {
        Ok(_) => Vec::new(),
        Err(d) => d.iter().map(|d| d.code).collect(),
    }
}

fn codes(src: &str) -> Vec<Code> {
    codes_with(src, false)
}

fn ok(src: &str) -> Checked {
    let p = parse(src).unwrap_or_else(|d| panic!("parse failed: {d:?}"));
    check(&p, &CheckOptions::default()).unwrap_or_else(|d| panic!("check failed: {d:?}\n{src}"))
}

fn gene(body: &str) -> String {
    format!("gene f(x: u64, y: u64, z: i64, a: u64[8], b: u64[8], s: stack, i: u64) {{\n{body}\n}}\n")
}

#[test]
fn the_briefs_examples_check() {
    ok("gene fib(n: u64, x1: u64, x2: u64) {
        if n == 0 { x1 += 1  x2 += 1 } else { n -= 1  call fib(n, x1, x2)  x1 += x2  swap x1, x2 } fi x1 == x2
    }
    gene sum_to(n: u64, s: u64) {
        local i: u64 = 0
        from i == 0 do { i += 1  s += i } until i == n
        delocal i = n
    }");
}

/// A `delocal` value that reads the local itself is E0301, an array's by an element or `size`
/// as a scalar's by name (the compiler computed it after the local was gone: E0999).
#[test]
fn a_delocal_value_does_not_read_the_local() {
    assert_eq!(codes(&gene("local t: u64 = x\ndelocal t = t")), [Code::E0301]);
    for value in ["c[0]", "c[0] + x", "size(c)"] {
        assert_eq!(
            codes(&gene(&format!("local c: u64[4] = 0\ndelocal c = {value}"))),
            [Code::E0301],
            "{value}"
        );
    }
    ok(&gene("local c: u64[4] = 0\ndelocal c = size(a) - 8"));
}

/// A `printf` of numbers has one `%d`/`%u`/`%x` per variable and no other directive (E0208):
/// `printf "%d %d %d", x` printed blanks for the missing two, `%a` of a number itself.
#[test]
fn a_printf_of_numbers_has_a_directive_per_variable() {
    for (body, code) in [
        ("printf \"%d %d %d\", x", Some(Code::E0208)),
        ("printf \"%d\", x, y", Some(Code::E0208)),
        ("printf \"%a\", x", Some(Code::E0208)),
        ("printf \"%d %\", x", Some(Code::E0208)),
        ("printf \"x = %d, y = %u (%x) 100%%\", x, y, z", None),
        ("printf \"%i\", z", None),
        ("printf \"100% %d\"", None),
    ] {
        let got = codes(&gene(body));
        assert_eq!(got, code.into_iter().collect::<Vec<_>>(), "{body}");
    }
}

#[test]
fn target_in_its_own_expression() {
    assert_eq!(codes(&gene("x += x")), [Code::E0301]);
    assert_eq!(codes(&gene("x -= y * (x + 1)")), [Code::E0301]);
    assert_eq!(codes(&gene("a[i] ^= a[i]")), [Code::E0301]);
    assert_eq!(codes(&gene("a[i + 1] += a[i + 1] & 3")), [Code::E0301]);
    assert_eq!(codes(&gene("x <<<= x")), [Code::E0301]);
    assert_eq!(codes(&gene("a[1] <<<= a[2]")), [Code::E0301]);
    // Different index expressions: legal, aliasing is a run-time check.
    assert_eq!(codes(&gene("a[i] += a[i - 1]")), Vec::<Code>::new());
    assert_eq!(codes(&gene("a[x] += x")), Vec::<Code>::new());
    assert_eq!(codes(&gene("a[i] += b[i]")), Vec::<Code>::new());
    // The target's index must not read the array it changes.
    assert_eq!(codes(&gene("a[a[0]] += 1")), [Code::E0308]);
    assert_eq!(codes(&gene("x += a[x]")), [Code::E0301]);
    assert_eq!(codes(&gene("a[i] += a[a[i]]")), [Code::E0301]);
    assert_eq!(codes(&gene("a[i] += a[b[i]]")), Vec::<Code>::new());
    assert_eq!(codes(&gene("swap a[b[0]], b[1]")), [Code::E0308]);
    assert_eq!(codes(&gene("swap a[y], y")), [Code::E0308]);
    assert_eq!(codes(&gene("local t: u64 = 0\ndelocal t = t + 1")), [Code::E0301]);
}

#[test]
fn swap_and_call_aliasing() {
    assert_eq!(codes(&gene("swap x, x")), [Code::E0302]);
    assert_eq!(codes(&gene("swap a[i], a[i]")), [Code::E0302]);
    assert_eq!(codes(&gene("swap a[i], a[y]")), Vec::<Code>::new());
    let src = "gene add(p: u64, q: u64) { p += q }\ngene m(x: u64) { call add(x, x) }";
    assert_eq!(codes(src), [Code::E0303]);
}

#[test]
fn locals_pair_in_their_block() {
    assert_eq!(codes(&gene("local t: u64 = 0")), [Code::E0304]);
    assert_eq!(codes(&gene("delocal t = 0")), [Code::E0305]);
    assert_eq!(codes(&gene("delocal x = 0")), [Code::E0305]);
    assert_eq!(
        codes(&gene("local t: u64 = 0\nif x == 0 { delocal t = 0 } fi x == 0")),
        [Code::E0304, Code::E0305]
    );
    assert_eq!(
        codes(&gene("local t: u64 = 0\nlocal u: u64 = 0\ndelocal t = 0\ndelocal u = 0")),
        [Code::E0307]
    );
    assert_eq!(codes(&gene("local t: u64 = 0\ndelocal t: i64 = 0")), [Code::E0211]);
    assert_eq!(codes(&gene("local x: u64 = 0\ndelocal x = 0")), [Code::E0204]);
    assert_eq!(codes(&gene("local t: stack = 0\ndelocal t = nil")), [Code::E0212]);
    assert_eq!(codes(&gene("x += nil")), [Code::E0212]);
    // A name may be reused once its local is closed.
    assert_eq!(
        codes(&gene("local t: u64 = 0\ndelocal t = 0\nlocal t: u64 = 1\ndelocal t = 1")),
        Vec::<Code>::new()
    );
}

#[test]
fn names_and_types() {
    assert_eq!(codes(&gene("x += q")), [Code::E0201]);
    assert_eq!(codes(&gene("call nothing(x)")), [Code::E0202]);
    assert_eq!(codes("gene f() { skip }\ngene f() { skip }"), [Code::E0203]);
    assert_eq!(codes("gene f(x: u64, x: u64) { skip }"), [Code::E0204]);
    assert_eq!(codes("const x = 1\ngene f(x: u64) { skip }"), [Code::E0204]);
    assert_eq!(codes("gene g(p: u64) { skip }\ngene f(x: u64) { call g(x, x) }"), [Code::E0205, Code::E0303]);
    assert_eq!(codes("gene g(p: u64) { skip }\ngene f(x: i64) { call g(x) }"), [Code::E0206]);
    assert_eq!(codes("gene g(p: u64[4]) { skip }\ngene f(x: u64[5]) { call g(x) }"), [Code::E0206]);
    assert_eq!(codes(&gene("x += y[0]")), [Code::E0207]);
    assert_eq!(codes(&gene("s[0] += 1")), [Code::E0207]);
    assert_eq!(codes(&gene("x += a")), [Code::E0208]);
    assert_eq!(codes(&gene("a += 1")), [Code::E0208]);
    assert_eq!(codes(&gene("x += s")), [Code::E0208]);
    assert_eq!(codes(&gene("swap a, b")), [Code::E0208, Code::E0208]);
    assert_eq!(codes(&gene("push x, y")), [Code::E0209]);
    assert_eq!(codes(&gene("x += top(a)")), [Code::E0209]);
    assert_eq!(codes(&gene("x += size(y)")), [Code::E0210]);
    assert_eq!(codes(&gene("x += size(a) + size(s) + top(s) + empty(s)")), Vec::<Code>::new());
    assert_eq!(codes("const K = 1\ngene f(x: u64) { K += x }"), [Code::E0213]);
    assert_eq!(codes("const K = 1\ngene g(p: u64) { skip }\ngene f(x: u64) { call g(K) }"), [Code::E0213]);
    // Output statements name variables; rdx's `printf` prints numbers (the compiler has no
    // other form, so these were internal errors when compiling).
    assert_eq!(codes(&gene("printf \"%d %d\", x, y\nshow x, a, s")), Vec::<Code>::new());
    assert_eq!(codes(&gene("printf \"%d\", a")), [Code::E0208]);
    assert_eq!(codes("const K = 1\ngene f(x: u64) { printf \"%d\", K }"), [Code::E0213]);
    assert_eq!(codes("const K = 1\ngene f(x: u64) { show x, K }"), [Code::E0213]);
}

#[test]
fn constants_and_mirror_operands() {
    assert_eq!(codes(&gene("x *= y")), [Code::E0401]);
    assert_eq!(codes(&gene("x *= 4")), [Code::E0402]);
    assert_eq!(codes(&gene("x ^= x << y")), [Code::E0403]);
    assert_eq!(codes(&gene("x ^= x >> 0")), [Code::E0404]);
    assert_eq!(codes(&gene("x ^= x << 64")), [Code::E0404]);
    assert_eq!(codes("const A = 1 << 70\ngene f() { skip }"), [Code::E0405]);
    assert_eq!(codes("const A = B\nconst B = 1\ngene f() { skip }"), [Code::E0406]);
    assert_eq!(codes("const A = 1 / (2 - 2)\ngene f() { skip }"), [Code::E0407]);
    assert_eq!(codes("gene f(a: u64[0]) { skip }"), [Code::E0408]);
    assert_eq!(codes("gene f(a: u64[99999999]) { skip }"), [Code::E0901]);
    // A constant that failed is reported once, not again at each use.
    assert_eq!(codes("const A = 1 / 0\ngene f(x: u64) { x += A\nx *= A }"), [Code::E0407]);
}

#[test]
fn strict_mode_rejects_lossy_operations() {
    let src = gene("x := 1\nerase y");
    assert_eq!(codes_with(&src, true), [Code::E0306, Code::E0306]);
    let c = ok(&src);
    assert_eq!(c.lossy.len(), 2);
}

#[test]
fn every_error_of_a_file_is_reported_in_order() {
    let src = gene("x += x\nq += 1\nx *= 2\nswap y, y\nlocal t: u64 = 0");
    assert_eq!(codes(&src), [Code::E0301, Code::E0201, Code::E0402, Code::E0302, Code::E0304]);
}

#[test]
fn ir_has_constants_folded() {
    let c = ok("const K = 5\nconst M = K * 2 + 1\ngene f(x: u64, a: u64[4]) {
        x += K
        a[K - 4] -= M
        x *= M
        x ^= x << K
        x <<<= K + 1
        local t: u64 = M
        delocal t = 11
    }");
    let body = &c.program.genes[0].body.stmts;
    let int = |e: &rdx_lang::ast::Expr| match e.kind {
        ExprKind::Int(v) => v,
        ref k => panic!("not folded: {k:?}"),
    };
    match &body[0].kind {
        StmtKind::Update { value, .. } => assert_eq!(int(value), 5),
        k => panic!("{k:?}"),
    }
    match &body[1].kind {
        StmtKind::Update { target, value, .. } => {
            assert_eq!(int(value), 11);
            assert!(matches!(target.index.as_deref().map(|e| &e.kind), Some(ExprKind::Binary(..))));
        }
        k => panic!("{k:?}"),
    }
    match &body[2].kind {
        StmtKind::Mul { factor, .. } => assert_eq!(int(factor), 11),
        k => panic!("{k:?}"),
    }
    match &body[3].kind {
        StmtKind::XorShift { amount, .. } => assert_eq!(int(amount), 5),
        k => panic!("{k:?}"),
    }
    match &body[4].kind {
        StmtKind::Rotate { amount, .. } => assert_eq!(int(amount), 6),
        k => panic!("{k:?}"),
    }
    match &body[6].kind {
        StmtKind::Delocal { ty, .. } => assert_eq!(*ty, Some(Type::U64)),
        k => panic!("{k:?}"),
    }
    // Constant definitions stay as written.
    assert!(matches!(c.program.consts[1].value.kind, ExprKind::Binary(..)));
}

#[test]
fn checking_the_ir_again_is_the_identity() {
    let c = ok("const K = 3\ngene f(x: u64) { x *= K\nundo x ^= x << 2\nlocal t: u64 = K\ndelocal t = 3 }");
    let again = check(&c.program, &CheckOptions::default()).expect("IR checks");
    assert_eq!(again.program, c.program);
}

#[test]
fn loop_entry_assertion_warning() {
    let warns = |body: &str| {
        let p = parse(&gene(body)).expect("parses");
        check(&p, &CheckOptions::default())
            .expect("checks")
            .warnings
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>()
    };
    assert_eq!(warns("from x == 0 do { y += 1 } until y == 3"), [Code::W0301]);
    assert_eq!(warns("from 1 do { y += 1 } until y == 3"), [Code::W0301]);
    assert_eq!(warns("from x == 0 do { x += 1 } until x == 3"), Vec::<Code>::new());
    assert_eq!(warns("from x == 0 do { skip } loop { swap x, y } until y == 3"), Vec::<Code>::new());
    assert_eq!(warns("from empty(s) do { skip } loop { push x, s } until x == 3"), Vec::<Code>::new());
    assert_eq!(warns("from a[0] == 0 do { a[i] += 1 } until i == 3"), Vec::<Code>::new());
}

/// The same rules in a gene with more names in scope than the checker scans (it keeps an
/// index of them past 32): a clash with an early parameter, a name reused once its local is
/// closed, a local closed out of order, a closed local no longer known, blocks closing theirs.
#[test]
fn names_in_a_gene_of_many_variables() {
    let params: Vec<String> = (0..40).map(|k| format!("p{k}: u64")).collect();
    let locals: String = (0..30).map(|k| format!("local l{k}: u64 = p{k}\n")).collect();
    let closes: String = (0..30).rev().map(|k| format!("delocal l{k} = p{k}\n")).collect();
    let gene = |body: &str| format!("gene f({}) {{\n{locals}{body}\n{closes}}}\n", params.join(", "));
    assert_eq!(codes(&gene("p39 += l3")), Vec::<Code>::new());
    assert_eq!(codes(&gene("local p1: u64 = 0\ndelocal p1 = 0")), [Code::E0204]);
    assert_eq!(codes(&gene("local l29: u64 = 0\ndelocal l29 = 0")), [Code::E0204]);
    assert_eq!(
        codes(&gene("local t: u64 = 0\ndelocal t = 0\nlocal t: u64 = 1\ndelocal t = 1")),
        Vec::<Code>::new()
    );
    // `u` closed before `t`, which was opened first: E0307, and both names known to the end.
    assert_eq!(
        codes(&gene("local t: u64 = 0\nlocal u: u64 = 0\ndelocal t = 0\np0 += u\ndelocal u = 0")),
        [Code::E0307]
    );
    assert_eq!(codes(&gene("local t: u64 = 0\ndelocal t = 0\np0 += t")), [Code::E0201]);
    assert_eq!(
        codes(&gene("if p0 == 0 {\nlocal t: u64 = 0\ndelocal t = 0\n} fi p0 == 0\np1 += t")),
        [Code::E0201]
    );
    assert_eq!(codes(&gene("p0 += l0 + p40")), [Code::E0201]);
    // A local left open in a block is closed with it.
    assert_eq!(
        codes(&gene("if p0 == 0 {\nlocal t: u64 = 0\n} fi p0 == 0\np1 += t")),
        [Code::E0304, Code::E0201]
    );
}
