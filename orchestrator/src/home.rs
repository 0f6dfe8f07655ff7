//! `Home`: a home (content-addressed store + ledger) as a Python object, and the recording of
//! runs made from Python.
//!
//! A run recorded right away is one transaction (one fsync). Runs recorded with `defer` wait
//! in memory, already hashed ([`rdx_core::run::Prepared`]), until `flush` writes them all in
//! one transaction, or until `batch_size` of them are waiting: that is how `rx.experiment`
//! records thousands of runs per second.

use crate::errors;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rdx_core::CoreError;
use rdx_core::run::Prepared;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

/// A home: the store and the ledger of `$RDX_HOME` (default `~/.rdx`) or of `path`.
#[pyclass(module = "redoxa._native", frozen)]
pub struct Home {
    inner: Mutex<rdx_core::Home>,
    pending: Mutex<Vec<Prepared>>,
    path: String,
    batch_size: usize,
}

/// A core error as `redoxa.errors.StoreError`.
pub fn store_error(py: Python<'_>, e: &CoreError) -> PyErr {
    errors::make(py, "StoreError", &e.to_string(), None)
}

#[pymethods]
impl Home {
    #[new]
    #[pyo3(signature = (path = None, batch_size = 1000))]
    fn new(py: Python<'_>, path: Option<PathBuf>, batch_size: usize) -> PyResult<Home> {
        let home = py.detach(|| rdx_core::Home::open(path.as_deref())).map_err(|e| store_error(py, &e))?;
        let path = home.root().display().to_string();
        Ok(Home {
            inner: Mutex::new(home),
            pending: Mutex::new(Vec::new()),
            path,
            batch_size: batch_size.max(1),
        })
    }

    /// The home's directory.
    #[getter]
    fn path(&self) -> &str {
        &self.path
    }

    /// Stores `data`; returns its CID.
    fn put(&self, py: Python<'_>, data: &[u8]) -> PyResult<String> {
        py.detach(|| self.lock().put(data)).map(|c| c.to_hex()).map_err(|e| store_error(py, &e))
    }

    /// The bytes stored under `cid` (or a unique prefix of at least 8 hex digits), verified;
    /// a state that gc dropped as recoverable is recovered by rewinding its run.
    fn get<'py>(&self, py: Python<'py>, cid: &str) -> PyResult<Bound<'py, PyBytes>> {
        let (_, bytes) =
            py.detach(|| rdx_core::replay::fetch(&self.lock(), cid)).map_err(|e| store_error(py, &e))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The newest `n` run records (all when None), newest first, as one JSON array.
    #[pyo3(signature = (n = None))]
    fn log_json(&self, py: Python<'_>, n: Option<usize>) -> PyResult<String> {
        self.flush(py)?;
        let runs = py.detach(|| self.lock().runs(n, None)).map_err(|e| store_error(py, &e))?;
        serde_json::to_string(&runs).map_err(|e| errors::make(py, "StoreError", &e.to_string(), None))
    }

    /// The planner's state (`rdx status --json`): its contexts and arms, as JSON text.
    fn status_json(&self, py: Python<'_>) -> PyResult<String> {
        self.flush(py)?;
        let planner =
            py.detach(|| rdx_core::planner::Planner::load(&self.lock())).map_err(|e| store_error(py, &e))?;
        let value = serde_json::json!({ "runs": planner.run_count(), "contexts": planner.status() });
        Ok(value.to_string())
    }

    /// Writes the deferred records in one transaction; returns how many.
    fn flush(&self, py: Python<'_>) -> PyResult<usize> {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        if pending.is_empty() {
            return Ok(0);
        }
        py.detach(|| write_all(&self.lock(), &pending)).map_err(|e| store_error(py, &e))?;
        Ok(pending.len())
    }

    /// Appends a probe (the JSON of `probe_summary`) to the ledger; returns its record id.
    fn record_probe(&self, py: Python<'_>, probe_json: &str) -> PyResult<u64> {
        let probe: rdx_core::probe::Probe = serde_json::from_str(probe_json)
            .map_err(|e| errors::make(py, "RdxError", &format!("not a probe: {e}"), None))?;
        py.detach(|| self.lock().record_probe(&probe)).map_err(|e| store_error(py, &e))
    }

    /// Records waiting for `flush`.
    fn pending(&self) -> usize {
        self.pending.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Writes prepared records in one batch (one commit, one fsync).
fn write_all(home: &rdx_core::Home, records: &[Prepared]) -> Result<(), CoreError> {
    let batch = home.batch()?;
    let mut seen = std::collections::HashSet::new();
    for p in records {
        rdx_core::run::write_in(&batch, p, &mut seen)?;
    }
    batch.commit()
}

impl Home {
    fn lock(&self) -> MutexGuard<'_, rdx_core::Home> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Calls `f` with the home (runs deferred to the next flush are not in it yet).
    pub fn with<T>(&self, f: impl FnOnce(&rdx_core::Home) -> T) -> T {
        f(&self.lock())
    }

    /// Records one run: now (returning its id), or with `defer` when the next flush does
    /// (None); a full batch is flushed right away.
    pub fn record(&self, py: Python<'_>, prepared: Prepared, defer: bool) -> PyResult<Option<u64>> {
        if !defer {
            let rec = py
                .detach(|| rdx_core::run::write(&self.lock(), &prepared))
                .map_err(|e| store_error(py, &e))?;
            return Ok(Some(rec.id));
        }
        let full = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending.push(prepared);
            pending.len() >= self.batch_size
        };
        if full {
            self.flush(py)?;
        }
        Ok(None)
    }
}

/// The CID of `data`: its blake3 as 64 hex digits (how `rx.Peer` checks what it fetched).
#[pyfunction]
pub fn cid_of(data: &[u8]) -> String {
    rdx_core::Cid::of(data).to_hex()
}

/// The summary of timed samples as a probe record (JSON text, the fields of
/// `rdx probe --json`), for `rx.probe_local` and `rx.probe_network`.
#[pyfunction]
#[pyo3(signature = (what, source, target, warmup, samples_ns, bytes = None, outcome = "ok"))]
#[allow(clippy::too_many_arguments)]
pub fn probe_summary(
    py: Python<'_>,
    what: &str,
    source: &str,
    target: &str,
    warmup: usize,
    samples_ns: Vec<u64>,
    bytes: Option<u64>,
    outcome: &str,
) -> PyResult<String> {
    let subject = rdx_core::probe::Subject { kind: what, source, target };
    let probe = rdx_core::probe::Probe::new(
        subject,
        warmup,
        samples_ns,
        bytes,
        outcome,
        std::time::SystemTime::now(),
    )
    .ok_or_else(|| errors::make(py, "RdxError", "a probe needs at least one sample", None))?;
    serde_json::to_string(&probe).map_err(|e| errors::make(py, "RdxError", &e.to_string(), None))
}
