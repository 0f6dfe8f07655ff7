//! (being written by the Janus work; the signature is the contract)
use crate::ast::{Program, Span};
use crate::diag::Diagnostic;

/// Parses Janus (jana 1.0 syntax) into the rdx syntax tree with `Dialect::Janus`.
pub fn parse(_src: &str) -> Result<Program, Vec<Diagnostic>> {
    Err(vec![Diagnostic::error("E0101", "Janus parser not written yet", Span::default())])
}
