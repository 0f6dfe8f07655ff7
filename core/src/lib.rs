//! `rdx-core`: ring 0 of rdx, the services around a run.
//!
//! - [`run`]: the one run path. A program is loaded (a source path, a `.rdxb` file or a CID),
//!   checked, compiled, its arguments bound, run on an engine with its kernels, and recorded.
//!   The `rdx` command and the Python package are thin layers over it.
//! - [`store`]: the content-addressed store of a [`Home`]: blobs named by the blake3 of their
//!   bytes, verified on every read.
//! - [`ledger`]: the shadow ledger, one hash-chained SQLite record per run.
//! - [`probe`]: repeated timings, summarised and recorded, for the planner to learn from.
//! - [`circuit`]: a gene over fixed-width state as a reversible circuit (`rdx circuit`).
//! - [`perm`]: a gene over fixed-width state as a permutation of its states (`rdx perm`).
//! - [`planner`]: which engine should run a gene on an input, learned from the ledger.
//! - [`state`]: a gene's parameters as one canonical JSON object, so equal states have equal
//!   CIDs.
//!
//! Engines stay free of I/O: everything here happens before and after `Engine::run`.

pub mod build;
pub mod cid;
pub mod circuit;
pub mod error;
pub mod home;
pub mod kernels;
pub mod ledger;
pub mod perm;
pub mod planner;
pub mod probe;
pub mod replay;
pub mod run;
pub mod state;
pub mod store;

pub use cid::Cid;
pub use error::CoreError;
pub use home::Home;
