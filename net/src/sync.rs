//! Sync: a peer's run records, copied into the local ledger as *foreign* records.
//!
//! `GET /runs?after=ID` gives the peer's runs in id order. Each one is appended here as a
//! record of kind [`FOREIGN_RUN`] whose body names the peer and the run as the peer recorded
//! it (its id and hash there, and its fields):
//!
//! ```json
//! {"peer":"lab","url":"http://…","remote_id":7,"remote_hash":"…","run":{"started":…}}
//! ```
//!
//! They join the local hash chain like any record, but are not local runs: `rdx log`, replay,
//! gc and the planner's run history read only records of kind `run`. A rerun appends only
//! what is new: it asks from the highest id already copied from that peer (checking that
//! record's hash, so a peer whose ledger was replaced is read from the start), and skips any
//! record whose hash is already here, so nothing is copied twice.
//!
//! Syncs may run at once (two `rdx peer sync` of one home): the fetch runs without the ledger's
//! write lock, and what is already here is read again once the batch holds it, so each of the
//! peer's records is appended by exactly one of them and the others skip it.
//!
//! Blobs are fetched lazily: the records name program, input, output and tape CIDs, and the
//! load path fetches (and verifies) each from the peers when something first needs it. With
//! `eager`, sync fetches now every blob that the records copied from that peer name and the
//! home lacks (of this sync and of earlier ones, so a rerun completes a fetch that failed).

use crate::client::Client;
use crate::error::NetError;
use crate::peers::Peer;
use rdx_core::{Cid, Home};
use std::collections::HashSet;

/// The record kind of a run copied from a peer.
pub const FOREIGN_RUN: &str = "foreign_run";

/// What a sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Records appended, in the peer's order: (local id, the peer's id).
    pub added: Vec<(u64, u64)>,
    /// Records the peer sent that were already here.
    pub skipped: usize,
    /// Blobs fetched (eager sync only).
    pub blobs: usize,
}

/// Copies `peer`'s run records that `home` lacks into its ledger (one transaction), and with
/// `eager` the blobs they name.
///
/// The peer is asked without holding the ledger's write lock; which records are new is decided
/// under it, so syncs running at once copy each record once.
pub fn sync(client: &Client, home: &Home, peer: &Peer, eager: bool) -> Result<SyncReport, NetError> {
    let (after, known) = copied(home, peer)?;
    // Ask from the last record copied, to see it is still the peer's.
    let mut runs = client.runs(peer, after.saturating_sub(1))?;
    let same_ledger = runs.first().is_some_and(|r| r.id == after && known.contains(&r.hash));
    if after > 0 && !same_ledger {
        // The peer's ledger is not the one synced before: look at all of it (hashes already
        // here are skipped).
        runs = client.runs(peer, 0)?;
    }
    if let Some(first) = runs.first()
        && home.run_record(first.id).is_ok_and(|mine| mine.hash == first.hash)
    {
        return Err(NetError::Usage(format!(
            "peer {} ({}) serves this very home: its run {} is this ledger's run {} (same hash); \
             there is nothing to sync",
            peer.name, peer.url, first.id, first.id
        )));
    }
    // A record is copied as the peer's ledger holds it, so its hash must be that of its fields:
    // an altered one would join this chain (and hide the true record of that hash) otherwise.
    if let Some(bad) = runs.iter().find(|r| !r.hash_matches()) {
        return Err(NetError::Protocol {
            peer: peer.name.clone(),
            why: format!(
                "its run {} does not hash to the hash it sent (altered in its ledger, or on the way); \
                 nothing was copied",
                bad.id
            ),
        });
    }
    let mut report = SyncReport::default();
    let batch = home.batch()?;
    // Read again under the lock: another sync may have copied some of `runs` meanwhile.
    let (_, mut known) = copied(home, peer)?;
    for rec in &runs {
        if !known.insert(rec.hash.clone()) {
            report.skipped += 1;
            continue;
        }
        let body = serde_json::json!({
            "peer": peer.name,
            "url": peer.url,
            "remote_id": rec.id,
            "remote_hash": rec.hash,
            "run": rec.run,
        });
        let id = batch.append_record(FOREIGN_RUN, &body)?;
        report.added.push((id, rec.id));
    }
    batch.commit()?;
    if eager {
        report.blobs = fetch_missing(client, home, peer)?;
    }
    Ok(report)
}

/// Fetches from `peer` every blob that the runs copied from it name and `home` lacks: those of
/// earlier syncs too, so a rerun after a failed fetch completes what it left. Gives the number
/// fetched; the first blob that cannot be fetched is the error (what was fetched is kept).
fn fetch_missing(client: &Client, home: &Home, peer: &Peer) -> Result<usize, NetError> {
    let mut seen = HashSet::new();
    let mut fetched = 0;
    for (_, body) in home.records_of_kind(FOREIGN_RUN)? {
        if !from(&body, peer) {
            continue;
        }
        let run: rdx_core::ledger::NewRun = match serde_json::from_value(body["run"].clone()) {
            Ok(r) => r,
            Err(e) => {
                return Err(NetError::Protocol {
                    peer: peer.name.clone(),
                    why: format!("a run copied from it cannot be read: {e}"),
                });
            }
        };
        for text in run.blob_cids() {
            let cid = Cid::parse(text)?;
            if seen.insert(cid) && !home.has(&cid)? {
                crate::load::fetch_from(client, home, std::slice::from_ref(peer), &cid)?;
                fetched += 1;
            }
        }
    }
    Ok(fetched)
}

/// Whether the foreign record `body` was copied from `peer` (by name or URL).
fn from(body: &serde_json::Value, peer: &Peer) -> bool {
    body["peer"] == peer.name.as_str() || body["url"] == peer.url.as_str()
}

/// What `home` already holds of peers' runs: the highest id copied from `peer` (by name or
/// URL), and the hashes of every foreign run, whichever peer it came from.
fn copied(home: &Home, peer: &Peer) -> Result<(u64, HashSet<String>), NetError> {
    let mut after = 0u64;
    let mut known = HashSet::new();
    for (_, body) in home.records_of_kind(FOREIGN_RUN)? {
        if from(&body, peer) {
            after = after.max(body["remote_id"].as_u64().unwrap_or(0));
        }
        if let Some(h) = body["remote_hash"].as_str() {
            known.insert(h.to_string());
        }
    }
    Ok((after, known))
}
