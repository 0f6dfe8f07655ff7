//! (being written by the checker work; the signature is the contract)
use crate::diag::Diagnostic;

/// Renders diagnostics with ariadne: `file:line:col` headers, colour only when asked.
pub fn render(diags: &[Diagnostic], file: &str, _src: &str, _color: bool) -> String {
    diags.iter().map(|d| format!("{file}: {d}\n")).collect()
}
