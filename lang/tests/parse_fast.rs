//! The parser's fast path against the grammar: `parse_fast(src)` is `parse_reference(src).ok()`
//! for every input, so the fast path gives the grammar's tree (spans included) exactly when the
//! grammar path reports nothing, and never accepts what the grammar rejects.
//!
//! Inputs: every `.rdx` file of the repository, generated programs (printed), and broken text
//! (token soup, mutated programs, deep nesting).

use proptest::prelude::*;
use rdx_lang::generate::{arb_expr, arb_program, arb_valid_program};
use rdx_lang::parser::{MAX_DEPTH, parse_fast, parse_reference};
use rdx_lang::print::{print_expr, print_program};
use std::path::{Path, PathBuf};

fn agree(src: &str) -> Result<(), TestCaseError> {
    let fast = parse_fast(src);
    let reference = parse_reference(src);
    match (&fast, &reference) {
        (Some(f), Ok(r)) => prop_assert_eq!(f, r, "the two trees differ for:\n{}", src),
        (None, Err(_)) => {}
        (Some(_), Err(d)) => {
            return Err(TestCaseError::fail(format!(
                "the fast path accepts, the grammar reports {d:?}:\n{src}"
            )));
        }
        (None, Ok(_)) => {
            return Err(TestCaseError::fail(format!("the fast path gives up on well-formed source:\n{src}")));
        }
    }
    Ok(())
}

fn rdx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name();
        if path.is_dir() && name != "target" && name != ".git" {
            rdx_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rdx") {
            out.push(path);
        }
    }
}

#[test]
fn every_rdx_file_of_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rdx_files(&root, &mut files);
    assert!(files.len() > 40, "found only {} .rdx files", files.len());
    let mut accepted = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).expect("read");
        if let Err(e) = agree(&src) {
            panic!("{}: {e}", f.display());
        }
        accepted += usize::from(parse_fast(&src).is_some());
    }
    assert!(accepted > 30, "only {accepted} files take the fast path");
}

#[test]
fn spans_and_shapes_of_every_form() {
    let src = "const A = -(1 + 2) * ~3 % 4 << 1 >> 2 < 3 <= 4 > 5 >= 6 == 7 != 8 & 9 ^ 10 | 11 && 12 || !13
const B = ((A))
gene g(x: u64, y: i64, a: u64[4], b: i64[2], f: f64[8], c: c64[4], s: stack,) {
    x += y; x -= a[x + 1]; x ^= x << 3; x ^= (x << 3); a[0] ^= a[1] >> 2
    x *= 3; x <<<= 7; y >>>= x; x := 5; neg x; not a[2]; swap x, a[1]; swap a[0], a[1]
    if x == 0 { skip } fi x == 0
    if size(a) { x += top(s) } else { y += empty(s) } fi x
    from x == 0 do { x += 1 } loop { ; } until x == 10
    call g(x, y, a, b, f, c, s,) uncall g(x, y, a, b, f, c, s) call h()
    local t: u64 = 0 delocal t = 0 local u: i64[3] = 0 delocal u: i64[3] = 0
    local st: stack = nil delocal st = nil
    push x, s pop a[1], s assert x == y
    kernel fft(c) undo kernel fft(c) undo x ^= x >> 5 undo x := 1 undo erase a[0] erase x
    error \"no\" print \"p\" printf \"%d %d\", x, y printf \"plain\" show x, y, a
}
gene h() {}
";
    agree(src).unwrap();
    assert!(parse_fast(src).is_some());
}

#[test]
fn errors_take_the_grammar_path() {
    for src in [
        "gene g(x: u64) { x = 1 }",
        "gene g(x: u64) { from x == 0 { x += 1 } until x == 1 }",
        "gene g(x: u64) { x += foo(x) }",
        "gene g(x: u64) { undo x += 1 }",
        "gene g(x: u64) { undo undo x := 1 }",
        "gene g(x: f64) {}",
        "gene g(x: stack[2]) {}",
        "gene g(x: u64) { show x, }",
        "gene g(x: u64) { x += 1 ",
        "gene g(x: u64) { x += 1 } }",
        "gene g(x: u64) { x += 0x }",
        "gene g(x: u64) { x += 1 # }",
        "gene g(x: u64) { x += \"s\" }",
        "gene g(x: u64) /* open",
        "const c = 1 +",
        "x += 1",
    ] {
        assert!(parse_fast(src).is_none(), "{src}");
        agree(src).unwrap();
    }
}

#[test]
fn depth_limits_match() {
    let n = MAX_DEPTH as usize;
    for k in [n - 2, n - 1, n, n + 1, n + 2] {
        for src in [
            format!("const c = {}1{}", "(".repeat(k), ")".repeat(k)),
            format!("const c = {}1", "-".repeat(k)),
            format!("const c = {}1", "1+".repeat(k)),
            format!("const c = {}1", "1 + 2 * ".repeat(k / 2)),
            format!("gene g(a: u64[2]) {{ a[0] += {}0{} }}", "a[".repeat(k), "]".repeat(k)),
            format!("gene g(x: u64) {{ {} x += 1 {} }}", "if x {".repeat(k), "} fi x".repeat(k)),
            // Every precedence tier open at each level of parentheses: the deepest recursion.
            format!(
                "const c = {}1{}",
                "1 || 1 && 1 | 1 ^ 1 & 1 == 1 < 1 << 1 + 1 * (".repeat(k),
                ")".repeat(k)
            ),
        ] {
            agree(&src).unwrap();
        }
    }
}

/// Text made of rdx tokens, likely to get deep into both parsers.
fn arb_tokenish() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "gene",
        "const",
        "g",
        "x",
        "a",
        "s",
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
        "f64",
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
        "%",
        "<<",
        ">>",
        "&",
        "^",
        "|",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
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
        "kernel",
        "print",
        "printf",
        "show",
        "error",
        "\"s\"",
        "0",
        "1",
        "7",
        "0xFF",
        "0b101",
        "1_000",
        "/* c */",
        "// c\n",
        "\u{FEFF}",
        "\t",
        "\r\n",
        "\"a\\n\\u{e9}b\"",
        "é",
        "#",
        "12ab",
    ]);
    prop::collection::vec(piece, 0..40).prop_map(|v| v.join(" "))
}

/// A well-formed gene with `body` as its statements, so token soup lands inside a block.
fn in_gene(body: &str) -> String {
    format!("gene g(x: u64, a: u64[4], s: stack) {{\n{body}\n}}\n")
}

fn splice(text: &str, at: usize, len: usize, insert: &str) -> String {
    let mut a = at % (text.len() + 1);
    while !text.is_char_boundary(a) {
        a -= 1;
    }
    let mut b = (a + len).min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    format!("{}{}{}", &text[..a], insert, &text[b..])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn token_soup(s in arb_tokenish()) {
        agree(&s)?;
        agree(&in_gene(&s))?;
    }

    #[test]
    fn random_text(s in ".{0,120}") {
        agree(&s)?;
        agree(&in_gene(&format!("x += {s}")))?;
    }

    #[test]
    fn expressions(x in arb_expr()) {
        agree(&format!("const c = {}", print_expr(&x)))?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_programs(p in arb_program()) {
        let text = print_program(&p);
        agree(&text)?;
        prop_assert!(parse_fast(&text).is_some(), "the fast path gives up on:\n{}", text);
    }

    #[test]
    fn valid_programs(p in arb_valid_program(true)) {
        agree(&print_program(&p))?;
    }

    #[test]
    fn mutated_programs(p in arb_program(), at in any::<usize>(), len in 0usize..6, insert in arb_tokenish()) {
        agree(&splice(&print_program(&p), at, len, &insert))?;
    }
}
