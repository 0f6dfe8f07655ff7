//! Every blob a server sends is a probe in its ledger: what `serve`d, to which client, how
//! many bytes, how long from the request to the last byte, and how it ended. Probes queue in
//! memory and are written in batches (one ledger transaction for many), so serving stays
//! cheap: when [`BATCH`] are waiting, every [`FLUSH_EVERY`], and when the server stops.

use crate::server::Shared;
use axum::body::{Body, Bytes};
use rdx_core::Cid;
use rdx_core::probe::{Probe, Subject};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

/// What served probes are (`what` in the record): the time to serve a blob.
pub const KIND: &str = "serve";

/// Probes waiting before a batch is written without waiting for the timer.
pub const BATCH: usize = 256;

/// How often waiting probes are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// One blob served, not yet in the ledger.
pub(crate) struct Served {
    /// The client's address (its IP), or `serve` when the server does not know it.
    pub(crate) client: String,
    pub(crate) cid: Cid,
    /// The bytes sent; `None` when the answer was an error.
    pub(crate) bytes: Option<u64>,
    pub(crate) ns: u64,
    pub(crate) outcome: String,
    pub(crate) at: SystemTime,
}

/// The queue of served probes and the flag of a flush in progress.
#[derive(Default)]
pub(crate) struct Queue {
    waiting: std::sync::Mutex<Vec<Served>>,
    flushing: AtomicBool,
}

impl Queue {
    /// Queues `served`; starts a flush when a batch is full.
    pub(crate) fn push(shared: &Arc<Shared>, served: Served) {
        let full = match shared.served.waiting.lock() {
            Ok(mut q) => {
                q.push(served);
                q.len() >= BATCH
            }
            Err(_) => false,
        };
        if full && let Ok(rt) = tokio::runtime::Handle::try_current() {
            let shared = shared.clone();
            rt.spawn(async move { Queue::flush(&shared).await });
        }
    }

    /// Writes what is waiting, in one transaction (unless a flush is already running).
    pub(crate) async fn flush(shared: &Arc<Shared>) {
        if shared.served.flushing.swap(true, Ordering::AcqRel) {
            return;
        }
        let batch = shared.served.waiting.lock().map(|mut q| std::mem::take(&mut *q)).unwrap_or_default();
        if !batch.is_empty() {
            let n = batch.len();
            let written = shared.with_home(move |home| record(home, &batch)).await;
            let failed = match written {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e.to_string()),
                Err(_) => Some("the home could not be opened".to_string()),
            };
            if let Some(why) = failed {
                eprintln!("warning: {n} served load(s) were not recorded in the ledger: {why}");
            }
        }
        shared.served.flushing.store(false, Ordering::Release);
    }

    /// Writes waiting probes every [`FLUSH_EVERY`], until the server's task ends.
    pub(crate) async fn every_second(shared: Arc<Shared>) {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if shared.served.waiting.lock().is_ok_and(|q| !q.is_empty()) {
                Queue::flush(&shared).await;
            }
        }
    }

    /// The last flush, when the server stops: waits for one in progress, then writes the rest.
    pub(crate) async fn drain(shared: &Arc<Shared>) {
        while shared.served.flushing.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Queue::flush(shared).await;
    }
}

fn record(home: &rdx_core::Home, batch: &[Served]) -> Result<(), rdx_core::CoreError> {
    let tx = home.batch()?;
    for s in batch {
        let target = s.cid.to_hex();
        let subject = Subject { kind: KIND, source: &s.client, target: &target };
        if let Some(p) = Probe::new(subject, 0, vec![s.ns], s.bytes, &s.outcome, s.at) {
            home.record_probe(&p)?;
        }
    }
    tx.commit()
}

/// A blob's body that queues its probe when it ends: `ok` once its last byte is handed to
/// the connection, else what cut it short (an error reading the file, the client leaving).
pub(crate) struct Tracked {
    body: Body,
    /// The length the answer announced.
    len: u64,
    shared: Arc<Shared>,
    client: String,
    cid: Cid,
    start: Instant,
    at: SystemTime,
    sent: u64,
    done: bool,
}

impl Tracked {
    pub(crate) fn new(
        body: Body,
        len: u64,
        shared: Arc<Shared>,
        client: String,
        cid: Cid,
        start: Instant,
    ) -> Tracked {
        Tracked { body, len, shared, client, cid, start, at: SystemTime::now(), sent: 0, done: false }
    }

    fn finish(&mut self, outcome: String) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let served = Served {
            client: std::mem::take(&mut self.client),
            cid: self.cid,
            bytes: Some(self.sent),
            ns: u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX),
            outcome,
            at: self.at,
        };
        Queue::push(&self.shared, served);
    }
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                self.sent += frame.data_ref().map_or(0, |d| d.len() as u64);
                if self.sent >= self.len || self.body.is_end_stream() {
                    self.finish("ok".into());
                }
            }
            Poll::Ready(Some(Err(e))) => self.finish(e.to_string()),
            Poll::Ready(None) => self.finish("ok".into()),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Tracked {
    /// A body dropped before its end was cut short; one dropped at its end with every byte
    /// sent was served whole. (The connection drops an empty body, the answer to an empty
    /// blob, without polling it: its end is in the head.)
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if self.sent >= self.len && http_body::Body::is_end_stream(&self.body) {
            self.finish("ok".into());
        } else {
            let why = format!("the client went away after {} of {} bytes", self.sent, self.len);
            self.finish(why);
        }
    }
}
