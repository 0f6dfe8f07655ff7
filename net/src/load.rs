//! The load path: a blob from the local store, else from each peer in order. A remote blob is
//! stored only once its bytes hash to its CID; a peer that is down, slow or sends bad bytes
//! is skipped, and when none is left the error says what each peer said.

use crate::client::Client;
use crate::error::NetError;
use crate::peers::Peer;
use rdx_core::{Cid, CoreError, Home};

/// Blob `cid`: from `home`'s store, else fetched from `peers` in order (and stored) by a
/// client of `$RDX_NET_TIMEOUT_MS` ([`Client::from_env`], read only when a peer is asked).
pub fn load(home: &Home, peers: &[Peer], cid: &Cid) -> Result<Vec<u8>, NetError> {
    match local(home, cid)? {
        Some(bytes) => Ok(bytes),
        None => fetch_from(&Client::from_env()?, home, peers, cid),
    }
}

/// [`load`] with a given client.
pub fn load_with(client: &Client, home: &Home, peers: &[Peer], cid: &Cid) -> Result<Vec<u8>, NetError> {
    match local(home, cid)? {
        Some(bytes) => Ok(bytes),
        None => fetch_from(client, home, peers, cid),
    }
}

/// Blob `cid` from `home`'s store (or recovered there), None when it is not there.
fn local(home: &Home, cid: &Cid) -> Result<Option<Vec<u8>>, NetError> {
    match rdx_core::replay::get_or_recover(home, cid) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(CoreError::NotFound { .. } | CoreError::Dropped { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Blob `cid` from the first of `peers` that has it, stored in `home` once verified.
pub fn fetch_from(client: &Client, home: &Home, peers: &[Peer], cid: &Cid) -> Result<Vec<u8>, NetError> {
    let mut tried = Vec::new();
    for peer in peers {
        // Every remote load is a probe too (noted, recorded with the next commit).
        let clock = std::time::Instant::now();
        let got = client.fetch(peer, cid);
        let ns = u64::try_from(clock.elapsed().as_nanos()).unwrap_or(u64::MAX);
        match got {
            Ok(bytes) => {
                home.note_load(&peer.name, cid, Some(bytes.len() as u64), ns, "ok");
                home.put(&bytes)?;
                return Ok(bytes);
            }
            Err(e) => {
                let why = short(&e);
                home.note_load(&peer.name, cid, None, ns, &why);
                tried.push((peer.name.clone(), why));
            }
        }
    }
    Err(NetError::Unavailable { cid: cid.to_hex(), tried })
}

/// What a peer said, without repeating its name.
fn short(e: &NetError) -> String {
    match e {
        NetError::Unreachable { why, .. } => format!("unreachable ({why})"),
        NetError::Timeout { why, .. } => format!("timed out ({why})"),
        NetError::Status { status: 404, .. } => "does not have it (404)".into(),
        NetError::Status { status, body, .. } => format!("answered {status}: {body}"),
        NetError::BadBytes { len, actual, .. } => {
            format!("sent {len} bytes hashing to {actual} (rejected, not stored)")
        }
        NetError::Protocol { why, .. } => why.clone(),
        other => other.to_string(),
    }
}
