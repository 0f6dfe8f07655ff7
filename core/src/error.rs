//! Errors of ring 0. Each kind says what went wrong and what to do; the CLI maps them to exit
//! codes with [`CoreError::exit_code`], the Python package to exception classes.

use std::path::PathBuf;

/// An error of the store, the ledger or the run path.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Text that cannot name a CID.
    #[error("`{text}` is not a CID: {why}")]
    BadCid { text: String, why: String },
    /// No blob has this CID (or prefix).
    #[error("no blob {cid} in the store")]
    NotFound { cid: String },
    /// A prefix that names several blobs.
    #[error("the prefix {prefix} names {count} blobs: give more digits")]
    Ambiguous { prefix: String, count: usize },
    /// A blob that `gc --drop-recoverable` deleted because rewinding a lossless run recomputes it.
    #[error(
        "blob {cid} was dropped by `rdx store gc --drop-recoverable`: recover it with `rdx rewind {run}`"
    )]
    Dropped { cid: String, run: u64 },
    /// A blob whose bytes no longer hash to its name.
    #[error("blob {cid} is corrupt: its bytes hash to {actual} (the store was changed on disk)")]
    Corrupt { cid: String, actual: String },
    /// No run has this id.
    #[error("no run {id} in the ledger")]
    NoSuchRun { id: String },
    /// The record with this id is of another kind (a probe, a decision, a peer's run).
    #[error(
        "record {id} is a `{kind}` record, not a run: only runs are replayed or rewound (`rdx show {id}` shows it)"
    )]
    NotARun { id: u64, kind: String },
    /// The ledger database cannot be opened or read.
    #[error("the ledger {path} cannot be used: {why}")]
    Ledger { path: PathBuf, why: String },
    /// A file or directory of the home that cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Anything else that is the user's to fix (a bad state, a bad option), said in words.
    #[error("{0}")]
    Usage(String),
}

impl CoreError {
    /// The process exit code for this error: 2 for what the user typed wrong (a bad CID, an
    /// unknown run), 1 for what the home holds (corruption, an unusable ledger, I/O).
    pub fn exit_code(&self) -> u8 {
        match self {
            CoreError::BadCid { .. }
            | CoreError::NotFound { .. }
            | CoreError::Dropped { .. }
            | CoreError::Ambiguous { .. }
            | CoreError::NoSuchRun { .. }
            | CoreError::NotARun { .. }
            | CoreError::Usage(_) => 2,
            CoreError::Corrupt { .. } | CoreError::Ledger { .. } | CoreError::Io { .. } => 1,
        }
    }

    /// An I/O error at `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> CoreError {
        CoreError::Io { path: path.into(), source }
    }
}
