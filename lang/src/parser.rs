//! (being written by the parser work; the signature is the contract)
use crate::ast::{Program, Span};
use crate::diag::Diagnostic;

/// Parses rdx source text into a syntax tree, reporting every syntax error found.
pub fn parse(_src: &str) -> Result<Program, Vec<Diagnostic>> {
    Err(vec![Diagnostic::error("E0101", "parser not written yet", Span::default())])
}
