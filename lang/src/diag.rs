//! Diagnostics: the one error type of the front end.
//!
//! Library code returns [`Diagnostic`]s, never strings; rendering (ariadne) happens only at the
//! edges, through [`crate::report`]. Every diagnostic has a stable [`Code`] from the one table
//! of [`crate::codes`], documented in `spec/`.

use crate::ast::Span;
pub use crate::codes::Code;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A secondary place in the source with a note about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code such as `E0301`; see [`crate::codes`].
    pub code: Code,
    pub severity: Severity,
    /// One line saying what is wrong.
    pub message: String,
    /// The primary location.
    pub span: Span,
    /// Text shown under the primary span (empty: the message is used).
    pub note: String,
    /// Further locations involved.
    pub labels: Vec<Label>,
    /// Suggestions for a fix.
    pub hints: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: Code, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            note: String::new(),
            labels: Vec::new(),
            hints: Vec::new(),
        }
    }

    pub fn warning(code: Code, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message, span) }
    }

    /// Sets the text shown under the primary span.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.note = note.into();
        self
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hints.push(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

impl std::error::Error for Diagnostic {}
