//! Core errors as Python exceptions.
//!
//! Every exception class lives in the Python module `redoxa.errors` (the one exceptions module
//! of the package); this file only builds instances of those classes from the core's typed
//! errors. Rendering of diagnostics (ariadne) happens here, at the edge.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rdx_lang::diag::{Diagnostic, Severity};

/// Instantiates `redoxa.errors.<class>(message, **kwargs)` as a `PyErr`.
pub fn make(py: Python<'_>, class: &str, message: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("redoxa.errors")?.getattr(class)?;
        let value = cls.call((message,), kwargs)?;
        Ok(PyErr::from_value(value))
    };
    build().unwrap_or_else(|e| e)
}

/// A `CompileError` carrying every diagnostic, rendered against `src` under the name `file`.
pub fn compile_error(py: Python<'_>, diags: &[Diagnostic], file: &str, src: &str) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let errors = py.import("redoxa.errors")?;
        let diag_cls = errors.getattr("Diagnostic")?;
        let list = PyList::empty(py);
        for d in diags {
            let (line, col) = rdx_lang::report::line_col(src, d.span.start);
            let kw = PyDict::new(py);
            kw.set_item("line", line)?;
            kw.set_item("column", col)?;
            kw.set_item("severity", severity(d.severity))?;
            kw.set_item("hints", d.hints.clone())?;
            list.append(diag_cls.call((d.code, d.message.as_str()), Some(&kw))?)?;
        }
        let first = diags.iter().find(|d| d.is_error()).or(diags.first());
        let message = first.map_or_else(|| "compile error".to_string(), |d| format!("[{}] {}", d.code, d.message));
        let kw = PyDict::new(py);
        kw.set_item("rendered", rdx_lang::report::render(diags, file, src, false))?;
        kw.set_item("diagnostics", list)?;
        kw.set_item("source", src)?;
        Ok(make(py, "CompileError", &message, Some(&kw)))
    };
    build().unwrap_or_else(|e| e)
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}
