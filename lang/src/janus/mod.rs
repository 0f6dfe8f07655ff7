//! The Janus front end: programs in jana 1.0's syntax (the reference Janus interpreter) become
//! the same rdx syntax tree the rdx parser builds, with `Dialect::Janus`, so every rdx check,
//! the inverter, the interpreter and the JIT apply to them.
//!
//! Source text goes through [`lexer`] (tokens), [`parser`] (a Janus surface tree,
//! [`syntax`]) and [`lower`] (globals made explicit, array parameters given their lengths,
//! argument expressions turned into temporaries). `spec/janus.md` describes the accepted
//! language and every difference from jana.

pub mod lexer;
pub mod lower;
pub mod parser;
pub mod syntax;

use crate::ast::{Program, Span};
use crate::diag::Diagnostic;

/// The deepest nesting accepted: of statements, parentheses and prefix operators, and of an
/// expression tree (the same limit as the rdx parser).
pub const MAX_DEPTH: u32 = 256;

/// The program has no `main` procedure.
pub const J_NO_MAIN: &str = "J0101";
/// `main` is declared with parameters.
pub const J_MAIN_PARAMS: &str = "J0102";
/// A construct of later jana versions that jana 1.0 (and rdx) does not have.
pub const J_UNSUPPORTED: &str = "J0103";
/// A declaration in the wrong place or without a length.
pub const J_DECL: &str = "J0104";
/// `call main` / `uncall main`.
pub const J_CALL_MAIN: &str = "J0105";

/// Parses Janus (jana 1.0 syntax) into the rdx syntax tree with `Dialect::Janus`.
///
/// Every syntax error of the file is reported (sorted by position), not only the first. Name,
/// type and reversibility rules are the shared checker's ([`crate::check::check`]).
pub fn parse(src: &str) -> Result<Program, Vec<Diagnostic>> {
    if u32::try_from(src.len()).is_err() {
        return Err(vec![Diagnostic::error("E0103", "source file is larger than 4 GiB", Span::default())]);
    }
    let (tokens, lex_diags) = lexer::lex(src);
    let mut p = parser::Parser::new(tokens, lex_diags);
    let surface = p.program();
    let mut diags = p.diags;
    if !diags.iter().any(Diagnostic::is_error) {
        let program = lower::lower(&surface, &mut diags);
        if !diags.iter().any(Diagnostic::is_error) {
            return Ok(program);
        }
    }
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    diags.dedup_by(|a, b| a.code == b.code && a.span == b.span);
    Err(diags)
}
