//! One test per statement form and per syntax error code, plus printer details.

use rdx_lang::ast::*;
use rdx_lang::codes::Code;
use rdx_lang::diag::Diagnostic;
use rdx_lang::parser::parse;
use rdx_lang::print::{print_expr, print_program, print_stmt, strip_spans};

/// Parses `body` as the statements of one gene and returns them, spans stripped.
fn stmts(body: &str) -> Vec<Stmt> {
    let src = format!("gene g(x: u64, y: u64, a: u64[4], s: stack) {{\n{body}\n}}");
    let mut p = parse(&src).unwrap_or_else(|d| panic!("{body:?}: {d:?}"));
    strip_spans(&mut p);
    p.genes.remove(0).body.stmts
}

fn one(body: &str) -> StmtKind {
    let mut s = stmts(body);
    assert_eq!(s.len(), 1, "{body}");
    s.remove(0).kind
}

fn errors(src: &str) -> Vec<Diagnostic> {
    parse(src).expect_err(src)
}

fn codes(src: &str) -> Vec<Code> {
    errors(src).iter().map(|d| d.code).collect()
}

fn x() -> Expr {
    Expr::new(ExprKind::Var("x".into()), Span::default())
}
fn y() -> Expr {
    Expr::new(ExprKind::Var("y".into()), Span::default())
}
fn int(n: u64) -> Expr {
    Expr::new(ExprKind::Int(n), Span::default())
}
fn id(n: &str) -> Ident {
    Ident { name: n.into(), span: Span::default() }
}
fn var(n: &str) -> Place {
    Place { name: id(n), index: None, span: Span::default() }
}
fn elem(n: &str, i: u64) -> Place {
    Place { name: id(n), index: Some(Box::new(int(i))), span: Span::default() }
}
fn bin(op: BinOp, l: Expr, r: Expr) -> Expr {
    Expr::new(ExprKind::Binary(op, Box::new(l), Box::new(r)), Span::default())
}

/// The statement prints back exactly as written (the inputs below are canonical).
fn canonical(body: &str) {
    let s = stmts(body);
    let printed: Vec<String> = s.iter().map(print_stmt).collect();
    assert_eq!(printed.join("\n"), body);
}

#[test]
fn updates() {
    assert_eq!(one("x += y"), StmtKind::Update { target: var("x"), op: UpdateOp::Add, value: y() });
    assert_eq!(one("x -= 1"), StmtKind::Update { target: var("x"), op: UpdateOp::Sub, value: int(1) });
    assert_eq!(one("a[2] ^= y"), StmtKind::Update { target: elem("a", 2), op: UpdateOp::Xor, value: y() });
    canonical("x += y\nx -= 1\na[2] ^= y * 3");
}

#[test]
fn mirror_opcodes() {
    assert_eq!(one("x *= 3"), StmtKind::Mul { target: var("x"), factor: int(3) });
    assert_eq!(one("x <<<= 5"), StmtKind::Rotate { target: var("x"), dir: Dir::Left, amount: int(5) });
    assert_eq!(one("x >>>= y"), StmtKind::Rotate { target: var("x"), dir: Dir::Right, amount: y() });
    assert_eq!(one("neg x"), StmtKind::Neg(var("x")));
    assert_eq!(one("not a[1]"), StmtKind::Not(elem("a", 1)));
    assert_eq!(one("swap x, a[0]"), StmtKind::Swap(var("x"), elem("a", 0)));
    canonical("x *= 3\nx <<<= 5\nx >>>= y\nneg x\nnot a[1]\nswap x, a[0]");
}

#[test]
fn xorshift_is_recognised_only_on_the_target() {
    assert_eq!(one("x ^= x << 3"), StmtKind::XorShift { target: var("x"), dir: Dir::Left, amount: int(3) });
    assert_eq!(
        one("a[1] ^= a[1] >> 7"),
        StmtKind::XorShift { target: elem("a", 1), dir: Dir::Right, amount: int(7) }
    );
    // The shift amount takes the whole additive expression, as precedence says.
    assert_eq!(
        one("x ^= x << 3 + 1"),
        StmtKind::XorShift { target: var("x"), dir: Dir::Left, amount: bin(BinOp::Add, int(3), int(1)) }
    );
    // Another place, another element, or a shift that is not the whole right side: an update.
    assert!(matches!(one("x ^= y << 3"), StmtKind::Update { op: UpdateOp::Xor, .. }));
    assert!(matches!(one("a[1] ^= a[2] << 3"), StmtKind::Update { op: UpdateOp::Xor, .. }));
    assert!(matches!(one("x ^= x << 3 | 1"), StmtKind::Update { op: UpdateOp::Xor, .. }));
    assert!(matches!(one("x += x << 3"), StmtKind::Update { op: UpdateOp::Add, .. }));
    // Parentheses keep it an ordinary update, and the printer keeps them.
    let k = one("x ^= (x << 3)");
    assert_eq!(
        k,
        StmtKind::Update { target: var("x"), op: UpdateOp::Xor, value: bin(BinOp::Shl, x(), int(3)) }
    );
    assert_eq!(print_stmt(&Stmt { kind: k, span: Span::default() }), "x ^= (x << 3)");
    canonical("x ^= x << 3\na[1] ^= a[1] >> 7\nx ^= (x << 3)\nx ^= (x >> y + 1)\nx ^= x << (y << 1)");
}

#[test]
fn control_flow() {
    let k = one("if x == 0 {\n    y += 1\n} else {\n    y -= 1\n} fi y == 1");
    let StmtKind::If { cond, then_block, else_block, fi } = k else { panic!() };
    assert_eq!(cond, Box::new(bin(BinOp::Eq, x(), int(0))));
    assert_eq!(then_block.stmts.len(), 1);
    assert_eq!(else_block.map(|b| b.stmts.len()), Some(1));
    assert_eq!(fi, Box::new(bin(BinOp::Eq, y(), int(1))));
    assert!(matches!(one("if x { } fi x"), StmtKind::If { else_block: None, .. }));
    let k = one("from x == 0 do { x += 1 } loop { y += 1 } until x == 10");
    assert!(matches!(k, StmtKind::From { again: Some(_), .. }));
    assert!(matches!(one("from x == 0 do { x += 1 } until x == 10"), StmtKind::From { again: None, .. }));
    canonical(
        "if x == 0 {\n    y += 1\n} else {\n    if y {\n        skip\n    } fi y\n} fi y == 1\n\
         from x == 0 do {\n    x += 1\n} loop {\n    y += 1\n} until x == 10\n\
         from x == 0 do {\n} until x == 10",
    );
}

#[test]
fn calls_locals_stacks() {
    assert_eq!(
        one("call f(x, y)"),
        StmtKind::Call { gene: id("f"), args: vec![id("x"), id("y")], uncall: false }
    );
    assert_eq!(one("uncall f()"), StmtKind::Call { gene: id("f"), args: vec![], uncall: true });
    assert_eq!(one("call f(x,)"), one("call f(x)"));
    assert_eq!(one("local t: i64 = 5"), StmtKind::Local { name: id("t"), ty: Type::I64, init: int(5) });
    assert_eq!(one("delocal t = 5"), StmtKind::Delocal { name: id("t"), ty: None, value: int(5) });
    assert_eq!(
        one("delocal t: u64[3] = 5"),
        StmtKind::Delocal { name: id("t"), ty: Some(Type::Array(Elem::U64, 3)), value: int(5) }
    );
    assert!(matches!(one("local q: stack = nil"), StmtKind::Local { ty: Type::Stack, .. }));
    assert_eq!(one("push x, s"), StmtKind::Push { value: var("x"), stack: id("s") });
    assert_eq!(one("pop a[0], s"), StmtKind::Pop { target: elem("a", 0), stack: id("s") });
    canonical(
        "call f(x, y)\nuncall f()\nlocal t: i64 = 5\ndelocal t = 5\ndelocal q: stack = nil\npush x, s\npop a[0], s",
    );
}

#[test]
fn assertions_lossy_and_undo() {
    assert_eq!(one("assert x < y"), StmtKind::Assert(bin(BinOp::Lt, x(), y())));
    assert_eq!(one("skip"), StmtKind::Skip);
    assert_eq!(one("x := y"), StmtKind::Assign { target: var("x"), value: y() });
    assert_eq!(one("erase a[3]"), StmtKind::Erase(elem("a", 3)));
    let StmtKind::Undo(inner) = one("undo x ^= x << 3") else { panic!() };
    assert!(matches!(inner.kind, StmtKind::XorShift { .. }));
    assert!(matches!(one("undo x := 1"), StmtKind::Undo(_)));
    assert!(matches!(one("undo erase x"), StmtKind::Undo(_)));
    canonical("assert x < y\nskip\nx := y\nerase a[3]\nundo x ^= x << 3\nundo x := 1\nundo erase x");
}

#[test]
fn janus_output_statements() {
    assert_eq!(one(r#"error "bad \"state\"\n""#), StmtKind::Error("bad \"state\"\n".into()));
    assert_eq!(one(r#"print "hi""#), StmtKind::Print(Print::Text("hi".into())));
    assert_eq!(
        one(r#"printf "%d %d", x, y"#),
        StmtKind::Print(Print::Format("%d %d".into(), vec![id("x"), id("y")]))
    );
    assert_eq!(one("show x, y"), StmtKind::Print(Print::Show(vec![id("x"), id("y")])));
    assert_eq!(one(r#"print "\u{e9}\t\\""#), StmtKind::Print(Print::Text("é\t\\".into())));
    canonical(
        "error \"bad \\\"state\\\"\\n\"\nprint \"hi\"\nprintf \"%d %d\", x, y\nshow x, y\nprint \"\\u{7}é\"",
    );
}

#[test]
fn separators_and_comments() {
    assert_eq!(stmts("x += 1; y += 2;; ; skip").len(), 3);
    assert_eq!(stmts("x += 1 y += 2 skip").len(), 3);
    assert_eq!(stmts("x += 1 // comment\n/* block\n comment */ y += 2").len(), 2);
    assert_eq!(stmts("x += y\n-1").len(), 1); // an operator continues the expression
}

#[test]
fn expressions_and_precedence() {
    let e = |src: &str| {
        let mut p = parse(&format!("const c = {src}")).unwrap_or_else(|d| panic!("{src}: {d:?}"));
        strip_spans(&mut p);
        p.consts.remove(0).value
    };
    assert_eq!(e("1 + 2 * 3"), bin(BinOp::Add, int(1), bin(BinOp::Mul, int(2), int(3))));
    assert_eq!(e("1 - 2 - 3"), bin(BinOp::Sub, bin(BinOp::Sub, int(1), int(2)), int(3)));
    assert_eq!(e("x << 1 + 2"), bin(BinOp::Shl, x(), bin(BinOp::Add, int(1), int(2))));
    assert_eq!(e("x & 1 == 1"), bin(BinOp::And, x(), bin(BinOp::Eq, int(1), int(1))));
    assert_eq!(e("x || y && x"), bin(BinOp::LogOr, x(), bin(BinOp::LogAnd, y(), x())));
    assert_eq!(e("x | y ^ x & y"), bin(BinOp::Or, x(), bin(BinOp::Xor, y(), bin(BinOp::And, x(), y()))));
    assert_eq!(e("x < y == y > x"), bin(BinOp::Eq, bin(BinOp::Lt, x(), y()), bin(BinOp::Gt, y(), x())));
    assert_eq!(
        e("-x * 2"),
        bin(BinOp::Mul, Expr::new(ExprKind::Unary(UnOp::Neg, Box::new(x())), Span::default()), int(2))
    );
    assert_eq!(e("0x_ff + 0b1010 + 1_000"), bin(BinOp::Add, bin(BinOp::Add, int(255), int(10)), int(1000)));
    assert_eq!(e("18446744073709551615"), int(u64::MAX));
    assert_eq!(e("0xFFFF_FFFF_FFFF_FFFF"), int(u64::MAX));
    assert_eq!(e("size(a) + top(s) + empty(s)").span, Span::default());
    assert!(matches!(e("nil").kind, ExprKind::Nil));
    assert!(matches!(e("a[x + 1]").kind, ExprKind::Index(..)));
    // The built-in names are ordinary names when not called.
    assert_eq!(
        e("size + top"),
        bin(
            BinOp::Add,
            Expr::new(ExprKind::Var("size".into()), Span::default()),
            Expr::new(ExprKind::Var("top".into()), Span::default())
        )
    );
    for src in [
        "(1 + 2) * 3",
        "1 - (2 - 3)",
        "-(x + 1)",
        "!(x == y)",
        "~-x",
        "x - -1",
        "x << 1 << 2",
        "x << (1 << 2)",
        "size(a) + top(s) * empty(s)",
        "a[a[0] + 1]",
        "x || y && (x || y)",
    ] {
        assert_eq!(print_expr(&e(src)), src, "minimal parentheses");
    }
}

#[test]
fn declarations() {
    let mut p =
        parse("const N = 10\nconst M = N * 2\ngene f(a: u64[10], b: i64[0x10], c: stack, d: i64,) { skip }")
            .unwrap();
    strip_spans(&mut p);
    assert_eq!(p.consts.len(), 2);
    let tys: Vec<Type> = p.genes[0].params.iter().map(|p| p.ty).collect();
    assert_eq!(tys, [Type::Array(Elem::U64, 10), Type::Array(Elem::I64, 16), Type::Stack, Type::I64]);
    assert_eq!(
        print_program(&p),
        "const N = 10\nconst M = N * 2\n\ngene f(a: u64[10], b: i64[16], c: stack, d: i64) {\n    skip\n}\n"
    );
}

#[test]
fn spans_are_byte_offsets() {
    let src = "gene f(x: u64) {\n    x += 1 + y\n}";
    let p = parse(src).unwrap();
    let s = &p.genes[0].body.stmts[0];
    assert_eq!(&src[s.span.range()], "x += 1 + y");
    let StmtKind::Update { target, value, .. } = &s.kind else { panic!() };
    assert_eq!(&src[target.span.range()], "x");
    assert_eq!(&src[value.span.range()], "1 + y");
    assert_eq!(&src[p.genes[0].params[0].ty_span.range()], "u64");
    assert_eq!(&src[p.genes[0].body.span.range()], "{\n    x += 1 + y\n}");
}

#[test]
fn prints_janus_trees_as_rdx() {
    let mut p = parse("gene f(s: stack) { local q: stack = nil\n delocal q: stack = nil }").unwrap();
    p.dialect = Dialect::Janus;
    let text = print_program(&p);
    let mut back = parse(&text).unwrap();
    back.dialect = Dialect::Janus;
    strip_spans(&mut back);
    strip_spans(&mut p);
    assert_eq!(back, p);
}

// ---------------------------------------------------------------- error codes

#[test]
fn e0101_unexpected_token_says_what_was_expected_in_words() {
    let d = errors("gene f(x: u64) { x = 1 }");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::E0101);
    assert!(d[0].message.contains("unexpected `=`"), "{}", d[0].message);
    assert!(d[0].message.contains("update operator"), "{}", d[0].message);
    assert!(!d[0].message.contains("\"+=\""), "raw token names leak: {}", d[0].message);
    assert!(!d[0].hints.is_empty());
    let d = errors("gene f(x: u64) { x += }");
    assert!(d[0].message.ends_with("expected an expression"), "{}", d[0].message);
    let d = errors("gene f(x: u64) { if x { x += 1 } }");
    assert!(d[0].message.contains("`else` or `fi`"), "{}", d[0].message);
    let d = errors("gene f(x) {}");
    assert!(d[0].message.contains("expected `:`"), "{}", d[0].message);
    let d = errors("procedure f() {}");
    assert!(d[0].hints.iter().any(|h| h.contains("gene")), "{:?}", d[0].hints);
    let d = errors("gene f(x: u64) { x += f(x) }");
    assert!(d[0].message.contains("unknown function `f`"));
    let d = errors("gene f(x: u64) { x += 1 } }");
    assert!(d[0].message.contains("`}`"));
}

#[test]
fn e0101_undo_takes_only_lossy_or_xorshift() {
    for bad in ["undo x += 1", "undo swap x, y", "undo skip", "undo x ^= y << 1", "undo x ^= (x << 1)"] {
        let d = errors(&format!("gene f(x: u64, y: u64) {{ {bad} }}"));
        assert_eq!(d.len(), 1, "{bad}");
        assert_eq!(d[0].code, Code::E0101);
        assert!(d[0].message.contains("cannot follow `undo`"), "{}", d[0].message);
        assert!(!d[0].hints.is_empty());
    }
    assert_eq!(codes("gene f(x: u64) { undo undo x := 1 }"), [Code::E0101]);
    assert_eq!(codes("gene f(x: u64) { undo if x {} fi x }"), [Code::E0101]);
}

#[test]
fn several_errors_in_one_run() {
    let src = "gene f(x: u64) {\n    x = 1\n    x += 2\n    y +=\n    z += 3\n}\ngene g( {\n}\ngene h(x: u64) { x += 1 }";
    let d = errors(src);
    assert!(d.len() >= 3, "{d:?}");
    assert!(d.windows(2).all(|w| w[0].span.start <= w[1].span.start), "sorted");
    // The errors are on lines 2, 4 and 7.
    let line = |off: u32| src[..off as usize].matches('\n').count() + 1;
    let lines: Vec<usize> = d.iter().map(|d| line(d.span.start)).collect();
    assert!(lines.contains(&2) && lines.contains(&5) && lines.contains(&7), "{lines:?} {d:?}");
}

#[test]
fn e0102_unexpected_end_of_file() {
    let d = errors("gene f(x: u64) {\n    if x {\n        x += 1");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::E0102);
    assert_eq!(d[0].span.start as usize, "gene f(x: u64) {\n    if x {\n        x += 1".len());
    assert!(d[0].message.contains("expected"), "{}", d[0].message);
    assert_eq!(d[0].labels.len(), 2, "both open braces are pointed at");
    assert_eq!(codes("gene"), [Code::E0102]);
    assert_eq!(codes("const N ="), [Code::E0102]);
    assert_eq!(codes("gene f(x: u64) { x += 1 } gene g("), [Code::E0102]);
}

#[test]
fn e0103_invalid_character() {
    let d = errors("gene f(x: u64) { x += 1 @ }");
    assert_eq!(d[0].code, Code::E0103);
    assert_eq!(d[0].span, Span::new(24, 25));
    assert_eq!(codes("gene f() { x += 'a' }")[0], Code::E0103);
    assert_eq!(codes("\u{0}"), [Code::E0103]);
    assert_eq!(codes("gene f() { print \"\\q\" }"), [Code::E0103]);
    // A bad character does not hide later syntax errors.
    assert_eq!(codes("gene f(x: u64) { x += 1 § \n x = 2 }"), [Code::E0103, Code::E0101]);
}

#[test]
fn e0104_integer_out_of_range() {
    let d = errors("const N = 18446744073709551616");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::E0104);
    assert_eq!(d[0].span, Span::new(10, 30));
    assert_eq!(codes("const N = 0x1_0000_0000_0000_0000"), [Code::E0104]);
    assert!(parse(&format!("const N = 0b1{}", "0".repeat(63))).is_ok(), "2^63 fits");
    assert_eq!(codes(&format!("const N = 0b1{}", "0".repeat(64))), [Code::E0104]);
}

#[test]
fn e0105_nesting_too_deep() {
    let src = format!("gene f(x: u64) {{ x += {}1{} }}", "(".repeat(300), ")".repeat(300));
    let d = errors(&src);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::E0105);
    assert!(!d[0].hints.is_empty());
}

#[test]
fn e0106_unterminated_comment_or_string() {
    let d = errors("gene f() { skip } /* never closed");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, Code::E0106);
    assert_eq!(d[0].span, Span::new(18, 20));
    // The early end of file is not reported again.
    assert_eq!(codes("gene f(x: u64) {\n    x += 1 /* the rest of the file\n}\n"), [Code::E0106]);
    let d = errors("gene f() { print \"no end }");
    assert_eq!(d[0].code, Code::E0106);
    assert_eq!(d[0].span, Span::new(17, 18));
}

#[test]
fn e0107_malformed_integer() {
    for bad in ["0x", "0b", "0b102", "12ab", "0xfg", "1__x"] {
        let d = errors(&format!("const N = {bad}"));
        assert_eq!(d.len(), 1, "{bad}: {d:?}");
        assert_eq!(d[0].code, Code::E0107, "{bad}");
        assert_eq!(d[0].span, Span::new(10, 10 + bad.len() as u32));
    }
}

#[test]
fn the_catalogue_has_the_syntax_codes() {
    let syntax: Vec<Code> = Code::ALL.iter().copied().filter(|c| c.as_str().starts_with("E01")).collect();
    assert_eq!(
        syntax,
        [Code::E0101, Code::E0102, Code::E0103, Code::E0104, Code::E0105, Code::E0106, Code::E0107]
    );
}

#[test]
fn recovery_does_not_report_its_own_confusion() {
    // A forgotten `do` is one error, and the rest of the gene is still checked.
    let d = errors("gene f(x: u64) {\n    from x == 0 {\n        x += 1\n    } until x == 3\n    y = 2\n}");
    let found: Vec<_> = d.iter().map(|d| (d.code, d.message.as_str())).collect();
    assert_eq!(found.len(), 2, "{d:?}");
    assert!(found[0].1.contains("expected `do`") && found[1].1.contains("unexpected `=`"), "{found:?}");
    // `then` is taken for a statement, its `{` is skipped by recovery, and the gene's `}` comes
    // too early: the `fi` then seen between genes is a consequence, not a second mistake.
    let d = errors(
        "gene f(x: u64) {\n    if x == 1 then {\n        x += 1\n    } fi x == 2\n}\ngene g() { y = 1 }",
    );
    // Nor is the `{` right after `then`, where recovery resumed.
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d[0].message.contains("unexpected name `then`"), "{d:?}");
    assert!(d[1].message.contains("unexpected `=`"), "{d:?}");
    // A real stray `}` is reported.
    let d = errors("gene f(x: u64) { x += 1 } }\ngene g() { skip }");
    assert_eq!(d.len(), 1);
    assert!(d[0].message.contains("`}`"));
}

#[test]
fn hints_for_common_mistakes() {
    let hints = |src: &str| errors(src).into_iter().flat_map(|d| d.hints).collect::<Vec<_>>().join("\n");
    assert!(hints("gene f(x: u64) { x++ }").contains("x += 1"));
    assert!(hints("gene f(x: u64) { if x { } else if x { } fi x fi x }").contains("else if"));
    assert!(hints("gene f(x: u64, y: u64) { x +=\n y += 1 }").contains("continues across lines"));
    assert!(hints("gene f(x: u64) { if x { } }").contains("fi"));
    assert!(hints("gene f(x: u64) { from x do { } }").contains("until"));
}

#[test]
fn recovery_resumes_at_the_next_statement() {
    // Errors before a `)` must not make recovery unwind to an enclosing list: each of these
    // reports its own mistake and the `y = 2` of the next line.
    for (src, first) in [
        ("gene f(x: u64) {\n    x += (1 + )\n    y = 2\n}\n", "expected an expression"),
        ("gene f(x: u64) {\n    call g(x, 1)\n    y = 2\n}\n", "unexpected integer `1`"),
        ("gene f(x: u64) {\n    x += a[1 + ]\n    y = 2\n}\n", "expected an expression"),
    ] {
        let d = errors(src);
        assert_eq!(d.len(), 2, "{src}: {d:?}");
        assert!(d[0].message.contains(first), "{}", d[0].message);
        assert!(d[1].message.contains("unexpected `=`"), "{}", d[1].message);
    }
}
