//! The Janus front end: programs in jana 1.0's syntax (the reference Janus interpreter) become
//! the same rdx syntax tree the rdx parser builds, with `Dialect::Janus`, so every rdx check,
//! the inverter, the interpreter and the JIT apply to them.
//!
//! Source text goes through [`lexer`] (tokens), [`parser`] (a Janus surface tree,
//! [`syntax`]) and [`lower`] (globals made explicit, array parameters given their lengths,
//! argument expressions turned into temporaries). `spec/janus.md` describes the accepted
//! language and every difference from jana.
//!
//! Besides the shared E01xx syntax codes (and the checker's), the front end has its own codes,
//! J01xx ([`crate::codes::Family::Janus`]); `spec/janus.md` has one section per code and
//! `tests/janus/` one failing program per code.

pub mod lexer;
pub mod lower;
pub mod parser;
pub mod printf;
pub mod syntax;

use crate::ast::{Program, Span};
use crate::codes::Code::*;
use crate::diag::Diagnostic;

#[cfg(test)]
mod tests;

/// The deepest nesting accepted: of statements, parentheses and prefix operators, and of an
/// expression tree (the same limit as the rdx parser).
pub const MAX_DEPTH: u32 = 256;

/// Stack for the recursive descent: [`MAX_DEPTH`] nested statements each take a handful of
/// frames, more than a small thread stack holds in unoptimised builds.
const PARSER_STACK: usize = 64 << 20;

/// Runs `f` on a helper thread with [`PARSER_STACK`] bytes of stack (or here, if no thread can
/// be started), so parsing never depends on the caller's stack size.
fn with_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let mut f = Some(f);
    let spawned = std::thread::scope(|s| {
        let job = f.take()?;
        std::thread::Builder::new().stack_size(PARSER_STACK).spawn_scoped(s, job).ok().map(|h| h.join())
    });
    match spawned {
        Some(Ok(v)) => v,
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        None => match f.take() {
            Some(f) => f(),
            None => unreachable!("the job ran on the helper thread or is still here"),
        },
    }
}

/// Parses Janus (jana 1.0 syntax) into the rdx syntax tree with `Dialect::Janus`.
///
/// Every syntax error of the file is reported (sorted by position), not only the first. Name,
/// type and reversibility rules are the shared checker's ([`crate::check::check`]).
pub fn parse(src: &str) -> Result<Program, Vec<Diagnostic>> {
    if u32::try_from(src.len()).is_err() {
        return Err(vec![Diagnostic::error(E0103, "source file is larger than 4 GiB", Span::default())]);
    }
    let (tokens, lex_diags) = lexer::lex(src);
    let mut p = parser::Parser::new(tokens, lex_diags);
    let surface = with_stack(|| p.program());
    // The tokens go now, so lowering reuses their memory rather than asking for fresh pages.
    let mut diags = p.finish();
    if !diags.iter().any(Diagnostic::is_error) {
        let program = lower::lower(&surface, src, &mut diags);
        if !diags.iter().any(Diagnostic::is_error) {
            return Ok(program);
        }
    }
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    diags.dedup_by(|a, b| a.code == b.code && a.span == b.span);
    Err(diags)
}
