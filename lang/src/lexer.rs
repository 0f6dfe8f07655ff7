//! The adapter between the logos lexer and the lalrpop parser.
//!
//! [`Lexer`] turns logos output into the `(start, token, end)` triples lalrpop expects.
//! [`lex`] runs it over a whole file, turning every lexical error into a [`Diagnostic`] and
//! keeping going: a bad literal becomes a placeholder token, so the parser still sees a
//! sensible token stream and can report further errors in the same run.

use crate::ast::Span;
use crate::codes::Code::*;
use crate::diag::Diagnostic;
use crate::token::{LexError, Token};
use logos::Logos;

/// A token with its byte range, in the form lalrpop consumes.
pub type Spanned<'s> = (usize, Token<'s>, usize);

/// Iterator of `Ok((start, token, end))` or `Err((error, span))`, in source order.
pub struct Lexer<'s> {
    inner: logos::Lexer<'s, Token<'s>>,
}

impl<'s> Lexer<'s> {
    /// Starts lexing `src` from its first byte.
    pub fn new(src: &'s str) -> Lexer<'s> {
        Lexer { inner: Token::lexer(src) }
    }
}

impl<'s> Iterator for Lexer<'s> {
    type Item = Result<Spanned<'s>, (LexError, Span)>;

    fn next(&mut self) -> Option<Self::Item> {
        let tok = self.inner.next()?;
        let range = self.inner.span();
        Some(match tok {
            Ok(t) => Ok((range.start, t, range.end)),
            Err(e) => Err((e, span(range.start, range.end))),
        })
    }
}

/// A span from `usize` offsets (sources longer than 4 GiB are rejected before lexing).
pub fn span(start: usize, end: usize) -> Span {
    Span::new(u32::try_from(start).unwrap_or(u32::MAX), u32::try_from(end).unwrap_or(u32::MAX))
}

/// Lexes a whole file: every token, plus one diagnostic per lexical error.
///
/// Error recovery: an invalid character or an unterminated comment is dropped; a bad integer
/// becomes `Int(0)` and an unterminated or badly escaped string becomes a string token, so the
/// parser does not report a second error for the same text.
///
/// A run of adjacent invalid characters is one diagnostic, and after [`MAX_LEX_ERRORS`]
/// diagnostics the rest are dropped (the last one says so), so binary garbage stays cheap.
pub fn lex(src: &str) -> (Vec<Spanned<'_>>, Vec<Diagnostic>) {
    let mut tokens = Vec::new();
    let mut diags: Vec<Diagnostic> = Vec::new();
    let mut dropped = 0usize;
    for item in Lexer::new(src) {
        match item {
            Ok(t) => tokens.push(t),
            Err((err, sp)) => {
                if let Some(t) = placeholder(&err) {
                    tokens.push((sp.start as usize, t, sp.end as usize));
                }
                if err == LexError::Invalid
                    && let Some(last) = diags.last_mut()
                    && last.code == E0103
                    && last.span.end == sp.start
                    && last.message.starts_with("invalid character")
                {
                    last.span.end = sp.end;
                    last.message = "invalid characters".to_string();
                    last.note = "no rdx token starts with these characters".to_string();
                    continue;
                }
                if diags.len() >= MAX_LEX_ERRORS {
                    dropped += 1;
                    continue;
                }
                let text = src.get(sp.range()).unwrap_or("");
                diags.push(lex_diagnostic(err, text, sp));
            }
        }
    }
    if dropped > 0
        && let Some(last) = diags.last_mut()
    {
        last.hints.push(format!("{dropped} more lexical errors after this one are not shown"));
    }
    (tokens, diags)
}

/// At most this many lexical errors are reported.
pub const MAX_LEX_ERRORS: usize = 100;

fn placeholder<'s>(err: &LexError) -> Option<Token<'s>> {
    match err {
        LexError::IntOverflow | LexError::MalformedInt(_) => Some(Token::Int(0)),
        LexError::UnterminatedString(s) => Some(Token::Str(s.clone())),
        LexError::BadEscape(_) => Some(Token::Str(String::new())),
        LexError::Invalid | LexError::UnterminatedComment => None,
    }
}

/// The diagnostic for one lexical error; `text` is the source text it covers.
pub fn lex_diagnostic(err: LexError, text: &str, sp: Span) -> Diagnostic {
    match err {
        LexError::Invalid => {
            let shown: String = text.chars().take(1).flat_map(char::escape_debug).collect();
            let d = Diagnostic::error(E0103, format!("invalid character `{shown}`"), sp)
                .note("no rdx token starts with this character");
            if text.starts_with('\'') {
                d.hint("strings use double quotes: \"…\"")
            } else if text.starts_with('#') {
                d.hint("comments start with `//` or are enclosed in `/* … */`")
            } else {
                d
            }
        }
        LexError::IntOverflow => {
            Diagnostic::error(E0104, "integer literal out of range", sp)
                .note("this does not fit in 64 bits")
                .hint(format!("the largest integer is {} (0x{:X})", u64::MAX, u64::MAX))
        }
        LexError::MalformedInt(why) => Diagnostic::error(E0107, format!("malformed integer literal: {why}"), sp)
            .hint("integers are decimal (`42`), hexadecimal (`0x2A`) or binary (`0b101010`), with optional `_` separators"),
        LexError::UnterminatedComment => {
            let start = Span::new(sp.start, sp.start.saturating_add(2));
            Diagnostic::error(E0106, "unterminated block comment", start)
                .note("this `/*` has no matching `*/`")
                .hint("close the comment with `*/` (block comments do not nest)")
        }
        LexError::UnterminatedString(_) => {
            let start = Span::new(sp.start, sp.start.saturating_add(1));
            Diagnostic::error(E0106, "unterminated string", start)
                .note("this string has no closing `\"`")
        }
        LexError::BadEscape(why) => Diagnostic::error(E0103, why, sp)
            .hint("the escapes are \\\\ \\\" \\n \\t \\r \\0 and \\u{…}"),
    }
}
