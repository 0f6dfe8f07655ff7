//! The Janus lexer: source text to a vector of tokens with byte spans, hand-written so that every
//! malformed piece of text (a stray byte, an unterminated comment or string, a literal too large
//! for 64 bits) becomes a diagnostic and lexing carries on after it.
//!
//! The token set is jana's: identifiers are a (Unicode) letter followed by letters, digits, `_`
//! or `'`;
//! comments are `// …` and `/* … */` (not nested); integer literals are decimal, `0x…`, `0o…` or
//! `0b…` (a leading `-` is handled by the parser); strings use Haskell's common escapes.

use crate::ast::Span;
use crate::codes::Code::*;
use crate::diag::Diagnostic;
use std::sync::LazyLock;

/// One Janus token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    /// An integer literal's magnitude; `None` if it does not fit in 64 bits (already reported).
    Int(Option<u64>),
    Str(String),
    Kw(Kw),
    Sym(Sym),
    Eof,
}

/// Reserved words of jana 1.0 (plus `assert`, `true` and `false` from later jana versions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kw {
    Procedure,
    Int,
    Stack,
    If,
    Then,
    Else,
    Fi,
    From,
    Do,
    Loop,
    Until,
    Push,
    Pop,
    Local,
    Delocal,
    Call,
    Uncall,
    Error,
    Skip,
    Empty,
    Top,
    Size,
    Show,
    Print,
    Printf,
    Nil,
    Assert,
    True,
    False,
}

const KEYWORDS: &[(&str, Kw)] = &[
    ("procedure", Kw::Procedure),
    ("int", Kw::Int),
    ("stack", Kw::Stack),
    ("if", Kw::If),
    ("then", Kw::Then),
    ("else", Kw::Else),
    ("fi", Kw::Fi),
    ("from", Kw::From),
    ("do", Kw::Do),
    ("loop", Kw::Loop),
    ("until", Kw::Until),
    ("push", Kw::Push),
    ("pop", Kw::Pop),
    ("local", Kw::Local),
    ("delocal", Kw::Delocal),
    ("call", Kw::Call),
    ("uncall", Kw::Uncall),
    ("error", Kw::Error),
    ("skip", Kw::Skip),
    ("empty", Kw::Empty),
    ("top", Kw::Top),
    ("size", Kw::Size),
    ("show", Kw::Show),
    ("print", Kw::Print),
    ("printf", Kw::Printf),
    ("nil", Kw::Nil),
    ("assert", Kw::Assert),
    ("true", Kw::True),
    ("false", Kw::False),
];

impl Kw {
    /// The keyword as written.
    pub fn text(self) -> &'static str {
        KEYWORDS.iter().find(|(_, k)| *k == self).map_or("?", |(t, _)| t)
    }
}

/// Punctuation and operators. Longer symbols win (`<=>` over `<=` over `<`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sym {
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    PlusEq,
    MinusEq,
    CaretEq,
    /// `*=` and `/=` (later jana versions): recognised only to be rejected clearly.
    StarEq,
    SlashEq,
    Swap,
    Assign,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    /// `**` (later jana versions): recognised only to be rejected clearly.
    StarStar,
    /// `==` (not Janus, whose equality is `=`): recognised only to be rejected clearly.
    EqEq,
    Slash,
    Percent,
    Amp,
    Pipe,
    Caret,
    AndAnd,
    OrOr,
    Bang,
    Tilde,
    Shl,
    Shr,
}

const SYMBOLS: &[(&str, Sym)] = &[
    ("<=>", Sym::Swap),
    ("+=", Sym::PlusEq),
    ("-=", Sym::MinusEq),
    ("^=", Sym::CaretEq),
    ("**", Sym::StarStar),
    ("*=", Sym::StarEq),
    ("/=", Sym::SlashEq),
    ("!=", Sym::Ne),
    ("==", Sym::EqEq),
    ("<=", Sym::Le),
    (">=", Sym::Ge),
    ("<<", Sym::Shl),
    (">>", Sym::Shr),
    ("&&", Sym::AndAnd),
    ("||", Sym::OrOr),
    ("(", Sym::LParen),
    (")", Sym::RParen),
    ("[", Sym::LBracket),
    ("]", Sym::RBracket),
    ("{", Sym::LBrace),
    ("}", Sym::RBrace),
    (",", Sym::Comma),
    ("=", Sym::Assign),
    ("<", Sym::Lt),
    (">", Sym::Gt),
    ("+", Sym::Plus),
    ("-", Sym::Minus),
    ("*", Sym::Star),
    ("/", Sym::Slash),
    ("%", Sym::Percent),
    ("&", Sym::Amp),
    ("|", Sym::Pipe),
    ("^", Sym::Caret),
    ("!", Sym::Bang),
    ("~", Sym::Tilde),
];

impl Sym {
    /// The symbol as written.
    pub fn text(self) -> &'static str {
        SYMBOLS.iter().find(|(_, s)| *s == self).map_or("?", |(t, _)| t)
    }
}

impl Tok {
    /// How the token is named in "expected …, found …" messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(name) => format!("identifier `{name}`"),
            Tok::Int(_) => "integer literal".to_string(),
            Tok::Str(_) => "string literal".to_string(),
            Tok::Kw(k) => format!("keyword `{}`", k.text()),
            Tok::Sym(s) => format!("`{}`", s.text()),
            Tok::Eof => "end of file".to_string(),
        }
    }
}

/// A token with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

fn span(start: usize, end: usize) -> Span {
    // The caller checked that the source is shorter than 4 GiB.
    Span::new(start as u32, end as u32)
}

/// The positions in `table` of the entries that start with each byte, in the table's order:
/// a lexer looks at only those (at most five) rather than scanning the whole table for each
/// token.
fn by_first<T>(table: &[(&str, T)]) -> Vec<Vec<u8>> {
    let mut by = vec![Vec::new(); 256];
    for (i, (text, _)) in table.iter().enumerate() {
        by[usize::from(text.as_bytes()[0])].push(i as u8);
    }
    by
}

static KEYWORDS_BY_FIRST: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| by_first(KEYWORDS));
static SYMBOLS_BY_FIRST: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| by_first(SYMBOLS));

/// The keyword spelled `text`, if it is one.
fn keyword(text: &str) -> Option<Kw> {
    let first = *text.as_bytes().first()?;
    KEYWORDS_BY_FIRST[usize::from(first)]
        .iter()
        .map(|&i| &KEYWORDS[usize::from(i)])
        .find(|(k, _)| *k == text)
        .map(|(_, kw)| *kw)
}

/// The longest symbol `rest` starts with, with its text (the table lists longer symbols
/// first).
fn symbol(rest: &[u8]) -> Option<&'static (&'static str, Sym)> {
    let first = *rest.first()?;
    SYMBOLS_BY_FIRST[usize::from(first)]
        .iter()
        .map(|&i| &SYMBOLS[usize::from(i)])
        .find(|(t, _)| rest.starts_with(t.as_bytes()))
}

/// Splits `src` into tokens, ending with one `Tok::Eof`. Lexical errors are returned beside the
/// tokens; the offending text is skipped.
pub fn lex(src: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let bytes = src.as_bytes();
    // About one token per four bytes of typical source: one allocation instead of a doubling
    // series of copies.
    let mut toks = Vec::with_capacity(src.len() / 4 + 1);
    let mut diags = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if src[i..].starts_with("//") {
            i = src[i..].find('\n').map_or(bytes.len(), |n| i + n);
        } else if src[i..].starts_with("/*") {
            match src[i + 2..].find("*/") {
                Some(n) => i = i + 2 + n + 2,
                None => {
                    diags.push(
                        Diagnostic::error(E0106, "unterminated comment", span(i, i + 2))
                            .note("this comment is never closed")
                            .hint("close it with `*/` (comments do not nest)"),
                    );
                    i = bytes.len();
                }
            }
        } else if c.is_ascii_alphabetic()
            || (c >= 0x80 && src[i..].chars().next().is_some_and(char::is_alphabetic))
        {
            // Letters as Haskell (and so jana) sees them: Unicode letters too (ASCII bytes are
            // read as bytes, the rest as characters).
            let start = i;
            while let Some(&b) = bytes.get(i) {
                if b.is_ascii_alphanumeric() || b == b'_' || b == b'\'' {
                    i += 1;
                } else if b >= 0x80
                    && let Some(ch) = src[i..].chars().next().filter(|ch| ch.is_alphanumeric())
                {
                    i += ch.len_utf8();
                } else {
                    break;
                }
            }
            let text = &src[start..i];
            let tok = match keyword(text) {
                Some(kw) => Tok::Kw(kw),
                None => Tok::Ident(text.to_string()),
            };
            toks.push(Token { tok, span: span(start, i) });
        } else if c.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let value = int_literal(&src[start..i], span(start, i), &mut diags);
            toks.push(Token { tok: Tok::Int(value), span: span(start, i) });
        } else if c == b'"' {
            let (tok, end) = string_literal(src, i, &mut diags);
            toks.push(Token { tok, span: span(i, end) });
            i = end;
        } else if let Some((text, sym)) = symbol(&bytes[i..]) {
            toks.push(Token { tok: Tok::Sym(*sym), span: span(i, i + text.len()) });
            i += text.len();
        } else {
            let ch = src[i..].chars().next().unwrap_or('\u{fffd}');
            let end = i + ch.len_utf8();
            diags.push(
                Diagnostic::error(E0103, format!("invalid character {ch:?}"), span(i, end))
                    .note("no Janus token starts with this character"),
            );
            i = end;
        }
    }
    toks.push(Token { tok: Tok::Eof, span: span(bytes.len(), bytes.len()) });
    (toks, diags)
}

/// Decodes a decimal, `0x`, `0o` or `0b` literal.
fn int_literal(text: &str, sp: Span, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    // `is_digit` and `from_str_radix` take either case, so the text is not lowercased.
    let (digits, radix) = match text.as_bytes() {
        [b'0', b'x' | b'X', ..] => (&text[2..], 16),
        [b'0', b'o' | b'O', ..] => (&text[2..], 8),
        [b'0', b'b' | b'B', ..] => (&text[2..], 2),
        _ => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|d| d.is_digit(radix)) {
        diags.push(
            Diagnostic::error(E0107, format!("malformed integer literal `{text}`"), sp)
                .note("not a number")
                .hint("integer literals are decimal, or hexadecimal `0x…`, octal `0o…`, binary `0b…`"),
        );
        return Some(0);
    }
    match u64::from_str_radix(digits, radix) {
        Ok(v) => Some(v),
        Err(_) => {
            diags.push(
                Diagnostic::error(E0104, "integer literal out of range", sp)
                    .note("this does not fit in a signed 64-bit integer")
                    .hint("rdx runs Janus on 64-bit integers: literals lie in -2^63 ..= 2^63-1"),
            );
            None
        }
    }
}

/// Reads a string literal starting at the `"` at `start`; returns the token and the end offset.
fn string_literal(src: &str, start: usize, diags: &mut Vec<Diagnostic>) -> (Tok, usize) {
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, ch)) = chars.next() {
        let at = start + 1 + off;
        match ch {
            '"' => return (Tok::Str(out), at + 1),
            '\n' => break,
            '\\' => {
                let Some((_, esc)) = chars.next() else { break };
                match esc {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '0' => out.push('\0'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    other => diags.push(
                        Diagnostic::error(
                            E0103,
                            format!("unknown escape `\\{other}` in a string"),
                            span(at, at + 1 + other.len_utf8()),
                        )
                        .hint("known escapes: \\n \\t \\r \\0 \\\\ \\\" \\'"),
                    ),
                }
            }
            other => out.push(other),
        }
    }
    let end = src[start..].find('\n').map_or(src.len(), |n| start + n);
    diags.push(
        Diagnostic::error(E0106, "unterminated string", span(start, start + 1))
            .note("this string is not closed on its line")
            .hint("close it with `\"`"),
    );
    (Tok::Str(out), end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        let (toks, diags) = lex(src);
        assert!(diags.is_empty(), "{diags:?}");
        toks.into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn longest_symbol_wins() {
        assert_eq!(
            kinds("a <=> b <= c < d != e"),
            vec![
                Tok::Ident("a".into()),
                Tok::Sym(Sym::Swap),
                Tok::Ident("b".into()),
                Tok::Sym(Sym::Le),
                Tok::Ident("c".into()),
                Tok::Sym(Sym::Lt),
                Tok::Ident("d".into()),
                Tok::Sym(Sym::Ne),
                Tok::Ident("e".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn identifiers_keywords_and_literals() {
        assert_eq!(
            kinds("x' try_2 sø procedure 0x1F 0o17 0b101 42 // c\n /* c */ \"a\\nb\""),
            vec![
                Tok::Ident("x'".into()),
                Tok::Ident("try_2".into()),
                Tok::Ident("sø".into()),
                Tok::Kw(Kw::Procedure),
                Tok::Int(Some(31)),
                Tok::Int(Some(15)),
                Tok::Int(Some(5)),
                Tok::Int(Some(42)),
                Tok::Str("a\nb".into()),
                Tok::Eof
            ]
        );
    }

    /// The lookups by first byte find what a scan of the whole table finds: every keyword and
    /// symbol, every string of up to three bytes over the symbols' bytes, and names that are not
    /// keywords.
    #[test]
    fn lookups_by_first_byte_agree_with_the_tables() {
        let scan_symbol =
            |rest: &[u8]| SYMBOLS.iter().find(|(t, _)| rest.starts_with(t.as_bytes())).map(|(t, s)| (*t, *s));
        let scan_keyword = |text: &str| KEYWORDS.iter().find(|(k, _)| *k == text).map(|(_, kw)| *kw);
        let mut bytes: Vec<u8> = SYMBOLS.iter().flat_map(|(t, _)| t.bytes()).collect();
        bytes.extend(b"a0 _\n\"");
        bytes.sort_unstable();
        bytes.dedup();
        let mut strings: Vec<Vec<u8>> = vec![vec![]];
        for len in 1..=3 {
            let shorter: Vec<Vec<u8>> = strings.iter().filter(|s| s.len() == len - 1).cloned().collect();
            for s in shorter {
                for &b in &bytes {
                    strings.push([s.as_slice(), &[b]].concat());
                }
            }
        }
        for s in &strings {
            assert_eq!(symbol(s).map(|(t, y)| (*t, *y)), scan_symbol(s), "{:?}", String::from_utf8_lossy(s));
        }
        for (text, kw) in KEYWORDS {
            assert_eq!(keyword(text), Some(*kw));
            for other in [&text[1..], &text[..text.len() - 1], &format!("{text}x"), &format!("x{text}")] {
                assert_eq!(keyword(other), scan_keyword(other), "{other}");
            }
        }
        for (text, sym) in SYMBOLS {
            assert_eq!(symbol(text.as_bytes()), Some(&(*text, *sym)));
        }
    }

    #[test]
    fn errors_are_reported_and_skipped() {
        let (toks, diags) = lex("x @ 99999999999999999999 \"abc\n/* open");
        let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![E0103, E0104, E0106, E0106]);
        assert_eq!(toks.last().map(|t| &t.tok), Some(&Tok::Eof));
    }
}
