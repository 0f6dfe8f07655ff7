//! Core errors as Python exceptions.
//!
//! Every exception class lives in the Python module `redoxa.errors` (the one exceptions module
//! of the package); this file only builds instances of those classes from the core's typed
//! errors. Rendering of diagnostics (ariadne) happens here, at the edge.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rdx_lang::diag::{Diagnostic, Severity};
use rdx_vm::{RunError, RunErrorKind};

/// Instantiates `redoxa.errors.<class>(message, **kwargs)` as a `PyErr`.
pub fn make(py: Python<'_>, class: &str, message: &str, kwargs: Option<&Bound<'_, PyDict>>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("redoxa.errors")?.getattr(class)?;
        let value = cls.call((message,), kwargs)?;
        Ok(PyErr::from_value(value))
    };
    build().unwrap_or_else(|e| e)
}

/// The diagnostics as a list of `redoxa.errors.Diagnostic` (positions against `src`).
pub fn diagnostics<'py>(py: Python<'py>, diags: &[Diagnostic], src: &str) -> PyResult<Bound<'py, PyList>> {
    let diag_cls = py.import("redoxa.errors")?.getattr("Diagnostic")?;
    let list = PyList::empty(py);
    for d in diags {
        let (line, col) = rdx_lang::report::line_col(src, d.span.start);
        let kw = PyDict::new(py);
        kw.set_item("line", line)?;
        kw.set_item("column", col)?;
        kw.set_item("severity", severity(d.severity))?;
        kw.set_item("hints", d.hints.clone())?;
        list.append(diag_cls.call((d.code.as_str(), d.message.as_str()), Some(&kw))?)?;
    }
    Ok(list)
}

/// A `LoadError` with the defect's kind (`"truncated"`, `"bad_magic"`, …) and byte offset.
pub fn load_error(py: Python<'_>, e: &rdx_vm::LoadError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let kw = PyDict::new(py);
        kw.set_item("kind", e.kind.as_str())?;
        kw.set_item("offset", e.offset)?;
        Ok(make(py, "LoadError", &e.to_string(), Some(&kw)))
    };
    build().unwrap_or_else(|err| err)
}

/// A `CompileError` carrying every diagnostic, rendered against `src` under the name `file`.
pub fn compile_error(py: Python<'_>, diags: &[Diagnostic], file: &str, src: &str) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let first = diags.iter().find(|d| d.is_error()).or(diags.first());
        let message =
            first.map_or_else(|| "compile error".to_string(), |d| format!("[{}] {}", d.code, d.message));
        let kw = PyDict::new(py);
        kw.set_item("rendered", rdx_lang::report::render(diags, file, src, false))?;
        kw.set_item("diagnostics", diagnostics(py, diags, src)?)?;
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

/// A run-time error as `ReversibilityError` (a failed reversibility assertion) or `RunError`,
/// with its code, its rdx line and column (from the module's debug info) and the rendered
/// diagnostic.
pub fn run_error(py: Python<'_>, e: &RunError, module: &rdx_vm::Module) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let class = match e.kind {
            RunErrorKind::BadArguments(_) => "ValueRangeError",
            _ if is_reversibility(&e.kind) => "ReversibilityError",
            _ => "RunError",
        };
        let message = format!("[{}] {}", e.kind.code(), e.kind.message());
        if class == "ValueRangeError" {
            return Ok(make(py, class, &message, None));
        }
        let kw = PyDict::new(py);
        kw.set_item("code", e.kind.code().as_str())?;
        if let Some(frame) = e.stack.first() {
            kw.set_item("gene", frame.gene.as_str())?;
        }
        if let (Some(span), Some(debug)) = (e.span(), module.debug.as_ref()) {
            let (line, col) = rdx_lang::report::line_col(&debug.source, span.start);
            kw.set_item("line", line)?;
            kw.set_item("column", col)?;
            let rendered = rdx_lang::report::render(&[e.to_diagnostic()], &debug.file, &debug.source, false);
            kw.set_item("rendered", rendered)?;
        }
        Ok(make(py, class, &message, Some(&kw)))
    };
    build().unwrap_or_else(|err| err)
}

/// The errors that mean "this state is not one a reversible run can be in": failed
/// assertions of `assert`, `fi`, `if` (backward), `from`, `until` (backward), `delocal` and
/// `pop` (a zero target, and for a fixed-width one a value of its type on top of the stack).
fn is_reversibility(kind: &RunErrorKind) -> bool {
    use RunErrorKind::*;
    matches!(
        kind,
        AssertFailed
            | FiFailed { .. }
            | IfFailed { .. }
            | FromEntryFailed
            | FromReentryFailed
            | UntilExitFailed
            | UntilReentryFailed
            | DelocalMismatch { .. }
            | StackNotEmpty { .. }
            | PopNonZero { .. }
            | PopOutOfRange { .. }
    )
}
