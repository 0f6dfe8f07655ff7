//! `Module`: one checked rdx program as a Python object.

use crate::errors;
use pyo3::prelude::*;
use rdx_lang::ast::Program;
use rdx_lang::check::{CheckOptions, Checked};
use rdx_lang::invariants::{self, Status};

/// Backends this build can run.
pub const BACKENDS: &[&str] = &["interp"];

/// A checked rdx program (and its source text, when it came from source).
#[pyclass(module = "redoxa._native", frozen)]
pub struct Module {
    checked: Checked,
    source: Option<String>,
}

/// Parses and checks rdx source. `file` is the name diagnostics show; `strict` rejects the
/// lossy `:=` and `erase`. Raises `redoxa.errors.CompileError`.
#[pyfunction]
#[pyo3(signature = (source, file = "<rdx>", strict = false))]
pub fn assemble(py: Python<'_>, source: &str, file: &str, strict: bool) -> PyResult<Module> {
    let opts = CheckOptions { strict };
    let checked = rdx_lang::parser::parse(source)
        .and_then(|p| rdx_lang::check::check(&p, &opts))
        .map_err(|diags| errors::compile_error(py, &diags, file, source))?;
    Ok(Module { checked, source: Some(source.to_string()) })
}

#[pymethods]
impl Module {
    /// The source text the module was assembled from (`None` for a loaded `.rdxb`).
    #[getter]
    fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// Every gene: `(name, [(param, type), …])` with types spelled as in rdx (`u64[8]`).
    fn genes(&self) -> Vec<(String, Vec<(String, String)>)> {
        genes(&self.checked.program)
    }

    /// One row per invariant: `(id, name, status, evidence)`, status `holds` / `fails` /
    /// `not applicable`.
    #[pyo3(signature = (strict = false))]
    fn invariants(&self, strict: bool) -> Vec<(&'static str, &'static str, &'static str, String)> {
        invariants::evaluate(&self.checked, strict)
            .into_iter()
            .map(|inv| (inv.id, inv.name, status(inv.status), inv.evidence))
            .collect()
    }

    /// The invariant report as `rdx check` prints it.
    #[pyo3(signature = (strict = false))]
    fn invariant_report(&self, strict: bool) -> String {
        let rows = invariants::evaluate(&self.checked, strict);
        invariants::format_report(&rows, self.source.as_deref().unwrap_or(""))
    }
}

fn genes(p: &Program) -> Vec<(String, Vec<(String, String)>)> {
    p.genes
        .iter()
        .map(|g| {
            let params = g.params.iter().map(|p| (p.name.name.clone(), p.ty.to_string())).collect();
            (g.name.name.clone(), params)
        })
        .collect()
}

fn status(s: Status) -> &'static str {
    s.as_str()
}
