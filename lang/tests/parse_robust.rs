//! No input makes the lexer or parser panic or overflow the stack: random bytes, mutated
//! programs, truncated programs, and very deep nesting all give errors (or trees), never crashes.

use proptest::prelude::*;
use rdx_lang::codes::Code;
use rdx_lang::generate::arb_program;
use rdx_lang::lexer::{Lexer, lex};
use rdx_lang::parser::{MAX_DEPTH, MAX_ERRORS, MAX_RECOVERIES, expr_depth, parse};
use rdx_lang::print::print_program;

const FIB: &str = "gene fib(n: u64, x1: u64, x2: u64) {
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
";

fn codes(src: &str) -> Vec<Code> {
    match parse(src) {
        Ok(_) => Vec::new(),
        Err(d) => d.iter().map(|d| d.code).collect(),
    }
}

/// Parsing either succeeds or reports errors whose spans lie inside the text.
fn parse_is_sane(src: &str) -> Result<(), TestCaseError> {
    let _ = Lexer::new(src).count();
    match parse(src) {
        Ok(p) => {
            // Accepted trees are shallow enough for recursive passes.
            for c in &p.consts {
                prop_assert!(expr_depth(&c.value) <= MAX_DEPTH as usize);
            }
            let _ = print_program(&p);
        }
        Err(diags) => {
            prop_assert!(!diags.is_empty());
            for d in &diags {
                prop_assert!(
                    d.span.start <= d.span.end && d.span.end as usize <= src.len(),
                    "{:?} {}",
                    d,
                    src.len()
                );
                prop_assert!(d.code.as_str().starts_with("E01"), "{}", d.code);
            }
        }
    }
    Ok(())
}

/// Text made of rdx tokens and fragments, more likely to get deep into the grammar than bytes.
fn arb_tokenish() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "gene",
        "const",
        "f",
        "x",
        "a",
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        ";",
        "=",
        "u64",
        "i64",
        "stack",
        "+=",
        "-=",
        "^=",
        "*=",
        "<<<=",
        ">>>=",
        ":=",
        "+",
        "-",
        "*",
        "/",
        "<<",
        ">>",
        "==",
        "!",
        "~",
        "&&",
        "||",
        "if",
        "else",
        "fi",
        "from",
        "do",
        "loop",
        "until",
        "call",
        "uncall",
        "local",
        "delocal",
        "push",
        "pop",
        "assert",
        "skip",
        "erase",
        "undo",
        "neg",
        "not",
        "swap",
        "nil",
        "size",
        "top",
        "empty",
        "print",
        "printf",
        "show",
        "error",
        "\"s\"",
        "\"",
        "0",
        "1",
        "0x",
        "0xFF",
        "0b2",
        "99999999999999999999",
        "/*",
        "*/",
        "//",
        "\n",
        " ",
        "#",
        "é",
        "\u{0}",
    ]);
    prop::collection::vec(piece, 0..60).prop_map(|v| v.join(" "))
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, String),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn arb_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..8).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), prop_oneof![arb_tokenish(), ".{0,3}"]).prop_map(|(a, s)| Mutation::Insert(a, s)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..20).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
    ]
}

fn boundary(s: &str, at: usize) -> usize {
    let mut i = if s.is_empty() { 0 } else { at % (s.len() + 1) };
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(mut s: String, muts: &[Mutation]) -> String {
    for m in muts {
        match m {
            Mutation::Delete(a, n) => {
                let a = boundary(&s, *a);
                let b = boundary(&s, a + n);
                if b >= a {
                    s.replace_range(a..b, "");
                }
            }
            Mutation::Insert(a, t) => {
                let a = boundary(&s, *a);
                s.insert_str(a, t);
            }
            Mutation::Truncate(a) => {
                let a = boundary(&s, *a);
                s.truncate(a);
            }
            Mutation::Duplicate(a, n) => {
                let a = boundary(&s, *a);
                let b = boundary(&s, a + n);
                if b >= a {
                    let piece = s[a..b].to_string();
                    s.insert_str(b, &piece);
                }
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        parse_is_sane(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn random_text_never_panics(s in ".{0,200}") {
        parse_is_sane(&s)?;
    }

    #[test]
    fn token_soup_never_panics(s in arb_tokenish()) {
        parse_is_sane(&s)?;
    }

    #[test]
    fn mutated_fib_never_panics(muts in prop::collection::vec(arb_mutation(), 1..6)) {
        parse_is_sane(&mutate(FIB.to_string(), &muts))?;
    }

    /// Every proper prefix of a program that ends inside a gene is an error, not a crash.
    #[test]
    fn truncated_programs_are_errors(cut in 1usize..FIB.len() - 2) {
        let cut = boundary(FIB, cut);
        let text = &FIB[..cut];
        parse_is_sane(text)?;
        prop_assert!(parse(text).is_err(), "{:?} parsed", text);
    }
}

proptest! {
    // Generating whole programs is the slow part: fewer cases.
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_programs_never_panic(p in arb_program(), muts in prop::collection::vec(arb_mutation(), 1..4)) {
        let text = mutate(print_program(&p), &muts);
        parse_is_sane(&text)?;
    }
}

#[test]
fn empty_and_blank_files_are_empty_programs() {
    for src in ["", "   \n\t\r\n", "// only a comment", "/* block */", "/**/ // x\n", "\u{FEFF}"] {
        let p = parse(src).expect("empty program");
        assert!(p.consts.is_empty() && p.genes.is_empty(), "{src:?}");
    }
}

#[test]
fn ten_thousand_nested_blocks_are_an_error() {
    let n = 10_000;
    let src = format!("gene f(x: u64) {}{}", "{".repeat(n), "}".repeat(n));
    assert_eq!(codes(&src), [Code::E0105]);
    let src = format!("gene f(x: u64) {{ {} }}", "if x { ".repeat(n) + &"} fi x ".repeat(n));
    assert_eq!(codes(&src), [Code::E0105]);
}

#[test]
fn deep_parentheses_and_brackets_are_an_error() {
    let n = 100_000;
    let src = format!("const c = {}1{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(codes(&src), [Code::E0105]);
    let src = format!("gene f(a: u64[4]) {{ a[0] += {}0{} }}", "a[".repeat(n), "]".repeat(n));
    assert_eq!(codes(&src), [Code::E0105]);
    // Unbalanced openers only: still stopped by the pre-pass.
    assert_eq!(codes(&"(".repeat(n)), [Code::E0105]);
}

#[test]
fn nesting_at_the_limit_is_accepted() {
    let depth = MAX_DEPTH as usize - 1; // one level is the gene's own block
    let inner = format!("{}x += 1{}", "if x {\n".repeat(depth), "\n} fi x".repeat(depth));
    let src = format!("gene f(x: u64) {{\n{inner}\n}}");
    let mut p = parse(&src).expect("256 levels are allowed");
    assert_eq!(p.genes.len(), 1);
    // The recursive passes (printing, comparing, dropping) cope with the deepest accepted tree.
    let mut back = parse(&print_program(&p)).expect("printed text parses");
    rdx_lang::print::strip_spans(&mut p);
    rdx_lang::print::strip_spans(&mut back);
    assert_eq!(p, back);
    let src = format!(
        "gene f(x: u64) {{\n{}x += 1{}\n}}",
        "if x {\n".repeat(depth + 1),
        "\n} fi x".repeat(depth + 1)
    );
    assert_eq!(codes(&src), [Code::E0105]);
}

#[test]
fn long_operator_chains_are_an_error_not_a_crash() {
    for op in ["+", "-", "*", "<<", "&&", "|", "=="] {
        let chain = vec!["1"; 100_000].join(op);
        let src = format!("gene f(x: u64) {{ x += {chain} }}");
        assert_eq!(codes(&src), [Code::E0105], "{op}");
    }
    let src = format!("gene f(x: u64) {{ x += {}1 }}", "-".repeat(100_000));
    assert_eq!(codes(&src), [Code::E0105]);
    let src = format!("gene f(x: u64) {{ x += {}1 }}", "!~-".repeat(50_000));
    assert_eq!(codes(&src), [Code::E0105]);
    // A long chain inside an unfinished program: the depth error and the syntax error both show.
    let src = format!("gene f(x: u64) {{ x += {} +", vec!["1"; 100_000].join("+"));
    assert_eq!(codes(&src), [Code::E0105, Code::E0102]);
}

#[test]
fn chains_at_the_limit_are_accepted() {
    // A chain of n terms is n - 1 operators deep plus one for the leaves.
    let ok = vec!["y"; MAX_DEPTH as usize].join(" + ");
    let p = parse(&format!("gene f(x: u64, y: u64) {{ x += {ok} }}")).expect("depth 256 is fine");
    let rdx_lang::ast::StmtKind::Update { value, .. } = &p.genes[0].body.stmts[0].kind else { panic!() };
    assert_eq!(expr_depth(value), MAX_DEPTH as usize);
    let printed = print_program(&p);
    assert!(parse(&printed).is_ok(), "printed deepest expression parses");
    // Right-nested, the printer needs parentheses, and they count toward nesting, not depth.
    let right = format!("{}y{}", "y - (".repeat(127), ")".repeat(127));
    let p = parse(&format!("gene f(x: u64, y: u64) {{ x += {right} }}")).expect("depth 255");
    assert!(parse(&print_program(&p)).is_ok());
    let too_deep = vec!["y"; MAX_DEPTH as usize + 1].join(" + ");
    assert_eq!(codes(&format!("gene f(x: u64, y: u64) {{ x += {too_deep} }}")), [Code::E0105]);
}

#[test]
fn huge_garbage_is_bounded() {
    let garbage: String =
        (0..200_000u32).map(|i| char::from(b"}{)(][+=x;#\"/*"[(i * 7 % 14) as usize])).collect();
    let d = parse(&garbage).unwrap_err();
    assert!(d.len() <= MAX_ERRORS, "{} diagnostics", d.len());
    let many_errors = "gene f(x: u64) { ".to_string() + &"x = 1\n".repeat(20_000) + "}";
    let d = parse(&many_errors).unwrap_err();
    assert!(d.iter().all(|d| d.code == Code::E0101));
    assert_eq!(d.len(), MAX_ERRORS);
    let hints = d[MAX_ERRORS - 1].hints.join("\n");
    assert!(hints.contains("900 more syntax errors after this one"), "{hints}");
    assert!(hints.contains(&format!("parsing stopped after {MAX_RECOVERIES} syntax errors")), "{hints}");
    // Long runs of tokens that each start a new error are cut short too.
    for junk in ["undo ", "neg ", "gene ", "local "] {
        let src = format!("gene f(x: u64) {{ {} }}", junk.repeat(100_000));
        let d = parse(&src).unwrap_err();
        assert!(d.len() <= MAX_ERRORS, "{junk:?}: {} diagnostics", d.len());
    }
}

#[test]
fn lexer_reports_and_continues() {
    let (tokens, diags) = lex("x # y 0x 99999999999999999999 \"abc");
    let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::E0103, Code::E0107, Code::E0104, Code::E0106]);
    // x, y, two placeholder integers and the string read so far.
    assert_eq!(tokens.len(), 5);
}

#[test]
fn runs_of_invalid_characters_are_one_error() {
    let (_, diags) = lex("\u{0}\u{1}\u{2}x\u{7f}é");
    let found: Vec<_> = diags.iter().map(|d| (d.code, d.span.start, d.span.end)).collect();
    assert_eq!(found, [(Code::E0103, 0, 3), (Code::E0103, 4, 7)]);
    assert_eq!(diags[0].message, "invalid characters");
    // Scattered garbage is capped, with a count of what was left out.
    let garbage = "x @ ".repeat(100_000);
    let (_, diags) = lex(&garbage);
    assert_eq!(diags.len(), rdx_lang::lexer::MAX_LEX_ERRORS);
    assert!(diags[diags.len() - 1].hints.iter().any(|h| h.starts_with("99900 more lexical errors")));
}
