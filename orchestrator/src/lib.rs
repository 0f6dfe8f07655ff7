//! `redoxa._native`: the thin native half of the `redoxa` Python package.
//!
//! It converts types and errors between Python and the rdx core, nothing else: rdx source goes
//! through [`rdx_lang`] (parse, check, invariants) and the bytecode and interpreter of
//! [`rdx_vm`]; results come back as Python ints and lists, errors as the classes of
//! `redoxa.errors`. All user-facing behaviour (genes, `Program`, experiments) is Python, in
//! `orchestrator/python/redoxa/`.

mod errors;
mod home;
mod module;
mod values;

use pyo3::prelude::*;

/// The native module, imported by the package as `redoxa._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<module::Module>()?;
    m.add_class::<home::Home>()?;
    m.add_function(wrap_pyfunction!(module::assemble, m)?)?;
    m.add_function(wrap_pyfunction!(module::load, m)?)?;
    m.add_function(wrap_pyfunction!(home::probe_summary, m)?)?;
    m.add_function(wrap_pyfunction!(home::cid_of, m)?)?;
    m.add("BACKENDS", module::BACKENDS.to_vec())?;
    Ok(())
}
