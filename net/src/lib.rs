//! `rdx-net`: networking for rdx, as I/O around a home. Nothing here runs inside an engine.
//!
//! - [`server`]: `rdx serve`, an HTTP/1.1 server over a home: blobs by CID (verified on every
//!   read, ranges), run records for sync, health, and remote runs.
//! - [`served`]: every blob a server sends, a probe in its ledger (batched).
//! - [`peers`]: the named peers of a home (`$RDX_HOME/peers.toml`).
//! - [`client`]: a blocking client of such a server; every blob fetched is verified against
//!   its CID before anyone sees it.
//! - [`load`]: a blob from the local store, else from each peer in turn, stored only once
//!   verified.
//!
//! The heavy server stack (tokio, axum) lives in this one leaf crate: the `rdx` command
//! depends on it, the Python extension does not.

pub mod client;
pub mod error;
pub mod load;
pub mod peers;
pub mod remote;
pub mod served;
pub mod server;
pub mod sync;

pub use client::Client;
pub use error::NetError;
pub use load::load;
pub use peers::{Peer, Peers};

/// The largest request or response body, in bytes: a bigger PUT is refused with 413, a bigger
/// blob is not fetched.
pub const MAX_BODY: usize = 256 << 20;
