//! Whatever the text, parse → check → invariants → invert → render never panics, and a
//! rendered report always shows the code of every diagnostic.

use proptest::prelude::*;
use rdx_lang::check::{CheckOptions, check};
use rdx_lang::invariants::{evaluate, format_report};
use rdx_lang::invert::invert_program;
use rdx_lang::parser::parse;
use rdx_lang::report::render;

const TOKENS: &[&str] = &[
    "gene",
    "f",
    "g",
    "x",
    "y",
    "a",
    "s",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "u64",
    "i64",
    "u64[4]",
    "stack",
    "+=",
    "-=",
    "^=",
    "*=",
    "<<<=",
    ">>>=",
    "x ^= x << 3",
    "swap",
    "neg",
    "not",
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
    ":=",
    "erase",
    "undo",
    "const",
    "K",
    "=",
    "==",
    "0",
    "1",
    "3",
    "64",
    "0x10",
    "nil",
    "size",
    "top",
    "empty",
    "+",
    "-",
    "*",
    "/",
    "<<",
    ">>",
    "&&",
    "\n",
];

const GOOD: &str = "const K = 3
gene f(x: u64, y: u64, a: u64[4], s: stack) {
    x += y * K
    a[y & 3] ^= x
    x *= K
    if x == 0 { y += 1 } else { swap x, y } fi y == 1
    local t: u64 = 0
    from t == 0 do { t += 1 } until t == 3
    delocal t = 3
    push x, s
    pop x, s
}
gene g(x: u64, y: u64, a: u64[4], s: stack) { call f(x, y, a, s) }
";

fn everything(src: &str) {
    for strict in [false, true] {
        let diags = match parse(src) {
            Err(d) => d,
            Ok(p) => match check(&p, &CheckOptions { strict, ..Default::default() }) {
                Err(d) => d,
                Ok(c) => {
                    let _ = format_report(&evaluate(&c, strict), src);
                    let _ = invert_program(&c.program);
                    c.warnings
                }
            },
        };
        let text = render(&diags, "t.rdx", src, false);
        for d in &diags {
            assert!(text.contains(&format!("[{}]", d.code)), "{text}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn token_soup(words in prop::collection::vec(prop::sample::select(TOKENS), 0..60)) {
        everything(&words.join(" "));
    }

    #[test]
    fn mutated_program(cut in 0..GOOD.len(), len in 0usize..12, insert in prop::sample::select(TOKENS)) {
        let end = (cut + len).min(GOOD.len());
        if GOOD.is_char_boundary(cut) && GOOD.is_char_boundary(end) {
            let src = format!("{}{}{}", &GOOD[..cut], insert, &GOOD[end..]);
            everything(&src);
        }
    }
}

#[test]
fn the_unmutated_program_checks() {
    let p = parse(GOOD).expect("parses");
    check(&p, &CheckOptions::default()).expect("checks");
}
