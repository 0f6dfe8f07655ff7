//! `rdx serve`: an HTTP/1.1 server over a home.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET`/`HEAD /blobs/{cid}` | the blob, verified (HEAD too); `Range: bytes=a-b` gives 206; each GET a probe |
//! | `PUT /blobs/{cid}` | stores the body if it hashes to `cid` (write) |
//! | `GET /runs?after=ID` | run records with ids above `ID`, oldest first, as `rdx log --json` |
//! | `POST /runs` | runs a stored program on a stored state, records and returns it (write) |
//! | `GET /health` | `{"ok":true,"version":…}` |
//!
//! Writes need `Authorization: Bearer TOKEN` when the server has a token, checked before
//! anything else. Bodies are capped at [`Config::max_body`] (default
//! [`MAX_BODY`](crate::MAX_BODY)) and read whole before a request takes one of the
//! [`Config::max_concurrency`] turns (held until its answer's body is sent); `/health` takes
//! none. A client that stalls is dropped: its head, its body, an answer it takes nothing of
//! each have a timeout, and a stop waits for the requests in flight only so long. Each
//! request's store work runs on a blocking thread with a home of its own (a small pool of
//! [`Home`]s, one SQLite connection each), so blobs other processes add while the server runs
//! are served.

use crate::MAX_BODY;
use crate::error::printable;
use crate::remote;
use crate::served::{Queue, Served, Tracked};
use axum::Extension;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path as UrlPath, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rdx_core::store::BlobSource;
use rdx_core::{Cid, CoreError, Home};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Requests handled at once by default; more wait their turn.
pub const MAX_CONCURRENCY: usize = 64;

/// Homes kept open between requests.
const POOL_SIZE: usize = 16;

/// How a server runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The home it serves.
    pub home: PathBuf,
    /// The token writes must carry, if any.
    pub token: Option<String>,
    /// A pause before each answer (for tests of timeouts only).
    pub delay: Duration,
    /// A pause between the pieces of a streamed blob (for tests of broken transfers only).
    pub pace: Duration,
    /// Requests handled at once (more wait for a turn).
    pub max_concurrency: usize,
    /// The largest request body, in bytes (a bigger one is 413).
    pub max_body: usize,
    /// The budget of a remote run.
    pub budget: remote::Budget,
    /// How long a client may take to send a request's head, and how long an idle
    /// connection is kept open: then it is closed.
    pub head_timeout: Duration,
    /// How long a request's body may go without a byte arriving: then the answer is 408.
    pub body_timeout: Duration,
    /// How long an answer may go without the client taking a byte of it: then the
    /// connection is dropped (and its turn given back).
    pub send_timeout: Duration,
    /// How long the requests in flight may take once a stop is asked (SIGINT, SIGTERM):
    /// then the server stops anyway, whatever still runs.
    pub stop_timeout: Duration,
}

/// The default [`Config::head_timeout`].
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// The default [`Config::body_timeout`].
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default [`Config::send_timeout`].
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// The default [`Config::stop_timeout`].
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

impl Config {
    /// A server of the home at `home`, with no token, no delay and the default limits.
    pub fn new(home: PathBuf) -> Config {
        Config {
            home,
            token: None,
            delay: Duration::ZERO,
            pace: Duration::ZERO,
            max_concurrency: MAX_CONCURRENCY,
            max_body: MAX_BODY,
            budget: remote::Budget::default(),
            head_timeout: HEAD_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
            send_timeout: SEND_TIMEOUT,
            stop_timeout: STOP_TIMEOUT,
        }
    }
}

/// What every handler shares.
pub(crate) struct Shared {
    pub(crate) config: Config,
    limit: Arc<Semaphore>,
    /// Bodies being read at once (as many as turns): what bounds the memory of bodies read
    /// whole before their turn, without letting a slow sender hold a turn.
    uploads: Arc<Semaphore>,
    pool: Mutex<Vec<Home>>,
    /// Served blobs waiting to be recorded as probes.
    pub(crate) served: crate::served::Queue,
    /// Blob files this server has read whole and found to hash to their CIDs, with the file's
    /// stamp then: what lets `HEAD` answer without reading the file again.
    verified: Mutex<HashMap<Cid, Stamp>>,
}

/// Verified blobs remembered at most (the index is emptied when full).
const VERIFIED_MAX: usize = 1 << 16;

/// What identifies one version of a file: a write to it changes its size, mtime or ctime,
/// and replacing it changes its inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    ctime: (i64, i64),
    #[cfg(unix)]
    inode: (u64, u64),
}

/// How long a file must have been left alone before its stamp vouches for its bytes: file
/// times are coarse (a clock tick, or a second on some filesystems), so a write just after a
/// file was stamped could leave the stamp unchanged.
const SETTLED: Duration = Duration::from_secs(1);

impl Stamp {
    /// Whether the file was last changed at least [`SETTLED`] before `at`.
    fn settled(&self, at: std::time::SystemTime) -> bool {
        let Some(limit) = at.checked_sub(SETTLED) else { return false };
        #[cfg(unix)]
        let changed = u64::try_from(self.ctime.0).ok().and_then(|s| {
            std::time::UNIX_EPOCH.checked_add(Duration::new(s, u32::try_from(self.ctime.1).unwrap_or(0)))
        });
        #[cfg(not(unix))]
        let changed = self.modified;
        self.modified.is_some_and(|m| m <= limit) && changed.is_some_and(|c| c <= limit)
    }

    fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            ctime: (meta.ctime(), meta.ctime_nsec()),
            #[cfg(unix)]
            inode: (meta.dev(), meta.ino()),
        }
    }
}

impl Shared {
    /// Notes that the file of `cid`, as `stamp` says it was, hashed to `cid` when read from
    /// `at` on; only a file left alone for a while before is remembered (see [`SETTLED`]).
    fn note_verified(&self, cid: Cid, stamp: Stamp, at: std::time::SystemTime) {
        if !stamp.settled(at) {
            return;
        }
        if let Ok(mut v) = self.verified.lock() {
            if v.len() >= VERIFIED_MAX {
                v.clear();
            }
            v.insert(cid, stamp);
        }
    }

    /// Whether the file of `cid` was verified by this server and has not changed since.
    fn is_verified(&self, cid: &Cid, stamp: &Stamp) -> bool {
        self.verified.lock().is_ok_and(|v| v.get(cid) == Some(stamp))
    }

    fn forget_verified(&self, cid: &Cid) {
        if let Ok(mut v) = self.verified.lock() {
            v.remove(cid);
        }
    }
}

impl Shared {
    /// Runs `f` on a blocking thread with a home of the pool (or a fresh one).
    pub(crate) async fn with_home<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Home) -> T + Send + 'static,
    ) -> Result<T, Response> {
        let shared = self.clone();
        let job = tokio::task::spawn_blocking(move || {
            let pooled = shared.pool.lock().ok().and_then(|mut p| p.pop());
            let home = match pooled {
                Some(h) => h,
                None => Home::open(Some(&shared.config.home))?,
            };
            let out = f(&home);
            if let Ok(mut pool) = shared.pool.lock()
                && pool.len() < POOL_SIZE
            {
                pool.push(home);
            }
            Ok::<T, CoreError>(out)
        });
        match job.await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(core_error(&e)),
            Err(_) => Err(text(StatusCode::INTERNAL_SERVER_ERROR, "internal error: a worker failed")),
        }
    }
}

/// The router of a server with `config`. Served blobs are recorded as probes when a batch of
/// them is full; [`serve`] also records them every second and when it stops.
pub fn router(config: Config) -> Router {
    app(config).0
}

fn app(config: Config) -> (Router, Arc<Shared>) {
    let limit = Arc::new(Semaphore::new(config.max_concurrency.max(1)));
    let uploads = Arc::new(Semaphore::new(config.max_concurrency.max(1)));
    let max_body = config.max_body;
    let shared = Arc::new(Shared {
        config,
        limit,
        uploads,
        pool: Mutex::new(Vec::new()),
        served: crate::served::Queue::default(),
        verified: Mutex::new(HashMap::new()),
    });
    let router = Router::new()
        .route("/health", get(health))
        .route("/blobs/{cid}", get(get_blob).put(put_blob))
        .route("/runs", get(list_runs).post(remote::post_run))
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared.clone());
    (router, shared)
}

/// Serves `config` on `listener` until `shutdown` completes, then finishes the requests in
/// flight (for at most [`Config::stop_timeout`]: then they are dropped) and records the last
/// served blobs.
///
/// Each connection is HTTP/1.1 with the timeouts of `config`: its head within
/// [`Config::head_timeout`] (an idle connection is closed after as long), and an answer
/// that the client takes nothing of for [`Config::send_timeout`] is dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (router, shared) = app(config);
    let timer = tokio::spawn(crate::served::Queue::every_second(shared.clone()));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) if is_connection_error(&e) => continue,
                Err(_) => {
                    // Out of file descriptors, say: wait for some to be released.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        connections.spawn(connection(stream, addr, router.clone(), shared.clone(), stopping.clone()));
    }
    drop(listener);
    let _ = stop.send(true);
    let finished = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(shared.config.stop_timeout, finished).await.is_err() {
        eprintln!(
            "warning: stopping with {} connection(s) still busy after {} ms",
            connections.len(),
            shared.config.stop_timeout.as_millis()
        );
        connections.shutdown().await;
    }
    timer.abort();
    crate::served::Queue::drain(&shared).await;
    Ok(())
}

/// Whether an error of `accept` concerns only the connection it was accepting.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset)
}

/// Serves one connection until the client closes it, a timeout ends it, or the server stops
/// (then the request in progress is finished and the connection closed).
async fn connection(
    stream: tokio::net::TcpStream,
    addr: SocketAddr,
    router: Router,
    shared: Arc<Shared>,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    use tower_service::Service;
    let _ = stream.set_nodelay(true);
    let io = hyper_util::rt::TokioIo::new(Stalls::new(stream, shared.config.send_timeout));
    let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectInfo(addr));
        let mut router = router.clone();
        async move { router.call(req.map(Body::new)).await }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(shared.config.head_timeout);
    let conn = http.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stopping.wait_for(|stop| *stop) => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// A connection whose writes fail once one has made no progress for a while: the client
/// takes nothing of its answer. (Reads need no such bound here: the head has its own timeout,
/// and a body is read under [`Config::body_timeout`].)
struct Stalls<T> {
    io: T,
    limit: Duration,
    /// Armed when a write waits, disarmed when one goes through.
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<T> Stalls<T> {
    fn new(io: T, limit: Duration) -> Stalls<T> {
        Stalls { io, limit, stalled: None }
    }

    /// What a write that is waiting gives: still waiting, or an error once it waited too long.
    fn waiting<R>(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<R>> {
        let limit = self.limit;
        let timer = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match timer.as_mut().poll(cx) {
            std::task::Poll::Ready(()) => std::task::Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the client took nothing of the answer for {} ms", limit.as_millis()),
            ))),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    }

    fn progress<R>(
        &mut self,
        polled: std::task::Poll<std::io::Result<R>>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<R>> {
        match polled {
            std::task::Poll::Pending => self.waiting(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Stalls<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Stalls<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_write(cx, buf);
        self.progress(polled, cx)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.progress(polled, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_flush(cx);
        self.progress(polled, cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.io).poll_shutdown(cx);
        self.progress(polled, cx)
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Runs a server until SIGINT or SIGTERM: binds exactly `addr`, calls `bound` with the
/// address bound (the port chosen when `addr` says 0), then serves.
pub fn run(addr: SocketAddr, config: Config, bound: impl FnOnce(SocketAddr)) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let served = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        bound(listener.local_addr()?);
        serve(listener, config, shutdown_signal()).await
    });
    // A blocking thread may still run (compiled code cannot be stopped): leave it behind.
    rt.shutdown_timeout(LEAVE_BEHIND);
    served
}

/// How long a stopped server waits for its blocking threads before it leaves them behind.
const LEAVE_BEHIND: Duration = Duration::from_millis(100);

/// A server on a thread of its own, stopped (gracefully) when dropped. For tests and embedders.
pub struct Handle {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

impl Handle {
    /// Starts a server of `config` on `addr` (port 0: any free port).
    pub fn start(addr: SocketAddr, config: Config) -> std::io::Result<Handle> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let listener = rt.block_on(tokio::net::TcpListener::bind(addr))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let served = rt.block_on(serve(listener, config, async {
                let _ = stopped.await;
            }));
            rt.shutdown_timeout(LEAVE_BEHIND);
            served
        });
        Ok(Handle { addr, stop: Some(stop), thread: Some(thread) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops it, waiting for the requests in flight.
    pub fn stop(mut self) -> std::io::Result<()> {
        self.shut()
    }

    fn shut(&mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(std::io::Error::other("the server thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.shut();
    }
}

/// Every request passes here first: the token of a write and its declared length, then its
/// body is read whole (under [`Config::body_timeout`], at most [`Config::max_concurrency`]
/// bodies at once), and only then a concurrency permit is taken, so a client slow to send its
/// body holds no turn. The permit is released when the
/// answer's body ends. `/health` needs no turn: it answers however busy the server is.
async fn gate(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if req.uri().path() == "/health" {
        return next.run(req).await;
    }
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if write
        && let Some(token) = &shared.config.token
        && !authorized(req.headers(), token)
    {
        let mut resp = text(StatusCode::UNAUTHORIZED, "writes need `Authorization: Bearer TOKEN`");
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return resp;
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let max = shared.config.max_body;
    if declared.is_some_and(|n| n > max as u64) {
        // Refused before a byte of it is read; a body without a length is capped as it streams.
        return text_resp(StatusCode::PAYLOAD_TOO_LARGE, &format!("a body is at most {max} bytes"));
    }
    let req = if write {
        let Ok(_reading) = shared.uploads.clone().acquire_owned().await else {
            return text(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down");
        };
        let (parts, body) = req.into_parts();
        match read_body(body, declared, max, shared.config.body_timeout).await {
            Ok(bytes) => Request::from_parts(parts, Body::from(bytes)),
            Err(resp) => return *resp,
        }
    } else {
        req
    };
    let Ok(permit) = shared.limit.clone().acquire_owned().await else {
        return text(StatusCode::SERVICE_UNAVAILABLE, "the server is shutting down");
    };
    if !shared.config.delay.is_zero() {
        tokio::time::sleep(shared.config.delay).await;
    }
    // The permit is held until the body is sent, not only until the head is ready.
    next.run(req).await.map(|body| Body::new(Held { body, _permit: permit }))
}

/// A request's body, whole: at most `max` bytes, each piece arriving within `wait` of the
/// one before. An error answer otherwise (413, or 408 and the connection closed).
async fn read_body(
    body: Body,
    declared: Option<u64>,
    max: usize,
    wait: Duration,
) -> Result<Bytes, Box<Response>> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    // Room for what the client says it sends, up to a little: a length alone reserves no memory.
    let room = declared.map_or(0, |n| usize::try_from(n).unwrap_or(max).min(max).min(1 << 20));
    let mut buf = Vec::with_capacity(room);
    let mut single: Option<Bytes> = None;
    loop {
        let piece = match tokio::time::timeout(wait, stream.next()).await {
            Err(_) => {
                let why = format!(
                    "the request's body stalled: no byte for {} ms ({} received)",
                    wait.as_millis(),
                    buf.len() + single.as_ref().map_or(0, Bytes::len)
                );
                let mut resp = text_resp(StatusCode::REQUEST_TIMEOUT, &why);
                resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                return Err(Box::new(resp));
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                let why = format!("the request's body could not be read: {e}");
                let mut resp = text_resp(StatusCode::BAD_REQUEST, &why);
                resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                return Err(Box::new(resp));
            }
            Ok(Some(Ok(piece))) => piece,
        };
        let had = buf.len() + single.as_ref().map_or(0, Bytes::len);
        if had + piece.len() > max {
            let mut resp =
                text_resp(StatusCode::PAYLOAD_TOO_LARGE, &format!("a body is at most {max} bytes"));
            resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            return Err(Box::new(resp));
        }
        // One piece is kept as it is (no copy); more are gathered in `buf`.
        match single.take() {
            None if buf.is_empty() => single = Some(piece),
            None => buf.extend_from_slice(&piece),
            Some(first) => {
                buf.extend_from_slice(&first);
                buf.extend_from_slice(&piece);
            }
        }
    }
    Ok(single.unwrap_or_else(|| Bytes::from(buf)))
}

/// A body that holds a concurrency permit until it is sent or dropped.
struct Held {
    body: Body,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl http_body::Body for Held {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Whether the headers carry `Bearer token`, compared in constant time (as blake3 hashes,
/// whose equality is constant-time). The scheme is case-insensitive (RFC 7235: `bearer`
/// will do); the token is compared as it is.
fn authorized(headers: &HeaderMap, token: &str) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, given)| given.trim());
    match given {
        Some(given) => blake3::hash(given.as_bytes()) == blake3::hash(token.as_bytes()),
        None => false,
    }
}

/// `{"ok":true,"version":…,"run_ms":…,"run_steps":…}`: the budget of a remote run here, so a
/// client knows how long one may take.
async fn health(State(shared): State<Arc<Shared>>) -> Response {
    let budget = shared.config.budget;
    let body = serde_json::json!({
        "ok": true,
        "version": env!("CARGO_PKG_VERSION"),
        "run_ms": u64::try_from(budget.wall.as_millis()).unwrap_or(u64::MAX),
        "run_steps": budget.max_steps,
    });
    json(StatusCode::OK, body.to_string())
}

async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/blobs") {
        return text(StatusCode::BAD_REQUEST, "a blob is named /blobs/CID, with a CID of 64 hex digits");
    }
    text(StatusCode::NOT_FOUND, "no such endpoint (see /health, /blobs/CID, /runs)")
}

/// The header that carries the reason of an error answer to `HEAD` (which has no body).
pub const ERROR_HEADER: &str = "x-rdx-error";

/// The CID of a request path; 400 for anything but 64 hex digits.
fn path_cid(text: &str) -> Result<Cid, Box<Response>> {
    Cid::parse(text).map_err(|e| Box::new(text_resp(StatusCode::BAD_REQUEST, &e.to_string())))
}

/// Blobs up to this size (and every range request) are read whole and verified before the
/// answer starts, so a corrupt one is a clean 500; bigger ones stream (see [`stream_file`]).
pub const STREAM_MIN: u64 = 1 << 20;

/// The size of each piece of a streamed blob.
const STREAM_CHUNK: usize = 1 << 20;

async fn get_blob(
    State(shared): State<Arc<Shared>>,
    UrlPath(cid): UrlPath<String>,
    method: Method,
    headers: HeaderMap,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    let start = Instant::now();
    let cid = match path_cid(&cid) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let head = method == Method::HEAD;
    let answer = blob_answer(&shared, cid, head, &headers).await;
    if head {
        // An answer to HEAD has no body: the reason of an error goes in a header.
        return answer.unwrap_or_else(|(mut resp, why)| {
            if let Ok(v) = HeaderValue::from_str(&why) {
                resp.headers_mut().insert(ERROR_HEADER, v);
            }
            resp
        });
    }
    // Every blob served (or refused) is a probe in this server's ledger.
    let client = peer.map_or_else(|| "serve".to_string(), |Extension(ConnectInfo(a))| a.ip().to_string());
    match answer {
        Ok(resp) => {
            let len = resp
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            resp.map(|body| Body::new(Tracked::new(body, len, shared, client, cid, start)))
        }
        Err((resp, why)) => {
            let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            let at = std::time::SystemTime::now();
            Queue::push(&shared, Served { client, cid, bytes: None, ns, outcome: why, at });
            resp
        }
    }
}

/// The answer for blob `cid`, or an error answer with what went wrong in words.
async fn blob_answer(
    shared: &Arc<Shared>,
    cid: Cid,
    head: bool,
    headers: &HeaderMap,
) -> Result<Response, (Response, String)> {
    let failed = |e: CoreError| (core_error(&e), e.to_string());
    let worker = || {
        (text(StatusCode::INTERNAL_SERVER_ERROR, "internal error: a worker failed"), "a worker failed".into())
    };
    // A state gc dropped is recovered (by rewinding the run it was the input of), as the load
    // path does: what `POST /runs` can use, `GET` can serve.
    let opened = shared
        .with_home(move |home| match home.open_blob(&cid) {
            Err(CoreError::Dropped { .. }) => {
                rdx_core::replay::get_or_recover(home, &cid).map(BlobSource::Inline)
            }
            other => other,
        })
        .await;
    let source = match opened {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(failed(e)),
        Err(r) => return Err((r, "the home could not be opened".into())),
    };
    let (file, len) = match source {
        BlobSource::Inline(bytes) => return whole(Bytes::from(bytes), headers).map_err(|e| *e),
        BlobSource::File { file, len } => (file, len),
    };
    let read_at = std::time::SystemTime::now();
    let stamp = match file.metadata() {
        Ok(meta) => Stamp::of(&meta),
        Err(e) => return Err(failed(CoreError::io(cid.to_hex(), e))),
    };
    let ranged = headers.contains_key(header::RANGE);
    if head && !ranged {
        // HEAD promises what GET does: 200 only for bytes that hash to the CID. A file this
        // server verified before, unchanged since, is not read again.
        if !shared.is_verified(&cid, &stamp) {
            match tokio::task::spawn_blocking(move || hash_file(file, &cid)).await {
                Ok(Ok(())) => shared.note_verified(cid, stamp, read_at),
                Ok(Err(e)) => {
                    shared.forget_verified(&cid);
                    return Err(failed(e));
                }
                Err(_) => return Err(worker()),
            }
        }
        return Ok(blob_response(StatusCode::OK, Body::empty(), len, None));
    }
    if ranged || len <= STREAM_MIN {
        let read = tokio::task::spawn_blocking(move || read_verified(file, len, &cid)).await;
        return match read {
            Ok(Ok(bytes)) => {
                shared.note_verified(cid, stamp, read_at);
                whole(bytes, headers).map_err(|e| *e)
            }
            Ok(Err(e)) => {
                shared.forget_verified(&cid);
                Err(failed(e))
            }
            Err(_) => Err(worker()),
        };
    }
    let body = stream_file(file, len, cid, shared.clone(), (stamp, read_at));
    Ok(blob_response(StatusCode::OK, body, len, None))
}

/// Reads a blob file through and checks that it hashes to `cid` (for `HEAD`).
fn hash_file(mut file: std::fs::File, cid: &Cid) -> Result<(), CoreError> {
    let mut hasher = blake3::Hasher::new();
    let mut piece = vec![0u8; STREAM_CHUNK];
    loop {
        use std::io::Read;
        let n = match file.read(&mut piece) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CoreError::io(cid.to_hex(), e)),
        };
        hasher.update(&piece[..n]);
    }
    let actual = Cid(*hasher.finalize().as_bytes());
    if actual != *cid {
        return Err(CoreError::Corrupt { cid: cid.to_hex(), actual: actual.to_hex() });
    }
    Ok(())
}

/// A whole blob file read into one buffer and checked against `cid`.
fn read_verified(mut file: std::fs::File, len: u64, cid: &Cid) -> Result<Bytes, CoreError> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_end(&mut bytes).map_err(|e| CoreError::io(cid.to_hex(), e))?;
    let actual = Cid::of(&bytes);
    if actual != *cid {
        return Err(CoreError::Corrupt { cid: cid.to_hex(), actual: actual.to_hex() });
    }
    Ok(Bytes::from(bytes))
}

/// A blob file as a body of `len` bytes, read in pieces on a blocking thread and hashed as it
/// goes. The last piece is sent only once the whole file hashes to `cid`: when it does not
/// (the file was corrupted on disk, or changed length), the body ends short of its
/// `Content-Length` and the connection is dropped, so no client can take the bytes as whole.
fn stream_file(
    mut file: std::fs::File,
    len: u64,
    cid: Cid,
    shared: Arc<Shared>,
    (stamp, read_at): (Stamp, std::time::SystemTime),
) -> Body {
    use std::io::Read;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    let pace = shared.config.pace;
    tokio::task::spawn_blocking(move || {
        let mut hasher = blake3::Hasher::new();
        let mut sent = 0u64;
        loop {
            let want = usize::try_from((len - sent).min(STREAM_CHUNK as u64)).unwrap_or(STREAM_CHUNK);
            // Read into spare capacity: no zeroing of memory the read overwrites anyway.
            let mut piece = Vec::with_capacity(want);
            match (&mut file).take(want as u64).read_to_end(&mut piece) {
                Ok(n) if n == want => {}
                Ok(_) => {
                    let why = format!("blob {cid} is shorter on disk than when it was opened");
                    let _ = tx.blocking_send(Err(std::io::Error::other(why)));
                    return;
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
            hasher.update(&piece);
            sent += want as u64;
            if sent == len {
                let mut extra = [0u8; 1];
                let longer = !matches!(file.read(&mut extra), Ok(0));
                if longer || Cid(*hasher.finalize().as_bytes()) != cid {
                    shared.forget_verified(&cid);
                    let why = format!("blob {cid} is corrupt on disk: its bytes no longer hash to its name");
                    let _ = tx.blocking_send(Err(std::io::Error::other(why)));
                    return;
                }
                shared.note_verified(cid, stamp, read_at);
                let _ = tx.blocking_send(Ok(Bytes::from(piece)));
                return;
            }
            if tx.blocking_send(Ok(Bytes::from(piece))).is_err() {
                return; // the client went away
            }
            if !pace.is_zero() {
                std::thread::sleep(pace);
            }
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Body::from_stream(stream)
}

/// The answer for a blob held whole: all of it, or the range the headers ask for; a range
/// outside the blob is an error answer (416), with what went wrong in words.
fn whole(bytes: Bytes, headers: &HeaderMap) -> Result<Response, Box<(Response, String)>> {
    let len = bytes.len() as u64;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(|r| parse_range(r, len));
    match range {
        None | Some(Range::Ignored) => Ok(blob_response(StatusCode::OK, Body::from(bytes), len, None)),
        Some(Range::Unsatisfiable) => {
            let mut resp = text(StatusCode::RANGE_NOT_SATISFIABLE, "the range is outside the blob");
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            let asked = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let why = format!("the range `{}` is outside the blob ({len} bytes)", printable(asked.trim()));
            Err(Box::new((resp, why)))
        }
        Some(Range::Bytes(a, b)) => {
            let part = bytes.slice(a as usize..=b as usize);
            let n = part.len() as u64;
            Ok(blob_response(
                StatusCode::PARTIAL_CONTENT,
                Body::from(part),
                n,
                Some(format!("bytes {a}-{b}/{len}")),
            ))
        }
    }
}

fn blob_response(status: StatusCode, body: Body, len: u64, content_range: Option<String>) -> Response {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Some(v) = content_range.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(header::CONTENT_RANGE, v);
    }
    resp
}

/// A `Range` header against a blob of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Range {
    /// Bytes `a..=b`.
    Bytes(u64, u64),
    /// A range outside the blob: 416.
    Unsatisfiable,
    /// Not a single byte range this server understands: the whole blob (RFC 9110 allows it).
    Ignored,
}

fn parse_range(text: &str, len: u64) -> Range {
    let Some(spec) = text.trim().strip_prefix("bytes=") else { return Range::Ignored };
    if spec.contains(',') {
        return Range::Ignored;
    }
    let Some((a, b)) = spec.split_once('-') else { return Range::Ignored };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| s.parse::<u64>().ok();
    let (start, end) = match (a.is_empty(), b.is_empty()) {
        // bytes=-n: the last n bytes.
        (true, false) => match num(b) {
            Some(0) => return Range::Unsatisfiable,
            Some(n) => (len.saturating_sub(n), len.saturating_sub(1)),
            None => return Range::Ignored,
        },
        (false, true) => match num(a) {
            Some(a) => (a, len.saturating_sub(1)),
            None => return Range::Ignored,
        },
        (false, false) => match (num(a), num(b)) {
            (Some(a), Some(b)) if a <= b => (a, b.min(len.saturating_sub(1))),
            _ => return Range::Ignored,
        },
        (true, true) => return Range::Ignored,
    };
    if len == 0 || start >= len { Range::Unsatisfiable } else { Range::Bytes(start, end) }
}

async fn put_blob(State(shared): State<Arc<Shared>>, UrlPath(cid): UrlPath<String>, body: Bytes) -> Response {
    let cid = match path_cid(&cid) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let actual = Cid::of(&body);
    if actual != cid {
        return text_resp(
            StatusCode::BAD_REQUEST,
            &format!("the body ({} bytes) hashes to {actual}, not {cid}", body.len()),
        );
    }
    let stored = shared
        .with_home(move |home| {
            let had = home.has(&cid)?;
            home.put(&body).map(|_| had)
        })
        .await;
    match stored {
        Ok(Ok(true)) => text(StatusCode::OK, "already stored"),
        Ok(Ok(false)) => text(StatusCode::CREATED, "stored"),
        Ok(Err(e)) => core_error(&e),
        Err(r) => r,
    }
}

async fn list_runs(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let after = match runs_after(query.as_deref().unwrap_or("")) {
        Ok(after) => after,
        Err(why) => return text_resp(StatusCode::BAD_REQUEST, &why),
    };
    let runs = shared
        .with_home(move |home| {
            home.runs(None, None).map(|mut runs| {
                runs.retain(|r| r.id > after);
                runs.reverse();
                runs
            })
        })
        .await;
    match runs {
        Ok(Ok(runs)) => match serde_json::to_string(&runs) {
            Ok(body) => json(StatusCode::OK, body),
            Err(e) => text_resp(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        Ok(Err(e)) => core_error(&e),
        Err(r) => r,
    }
}

/// The run id of the query of `GET /runs` (`after=ID`; 0 when absent): its names and values
/// percent-decoded as a form's are (`+` is a space), `ID` decimal digits. An unknown name, a
/// name given twice, a bad escape, another `ID` or one past `u64::MAX` is an error saying which.
fn runs_after(query: &str) -> Result<u64, String> {
    let mut after = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (form_decode(name)?, form_decode(value)?);
        if name != "after" {
            return Err(format!("unknown query `{}` (use after=ID)", printable(&name)));
        }
        if after.is_some() {
            return Err("`after` is given twice: give it once (after=ID)".to_string());
        }
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{}` is not a run id (after=ID takes decimal digits)", printable(&value)));
        }
        match value.parse::<u64>() {
            Ok(id) => after = Some(id),
            Err(_) => {
                return Err(format!(
                    "`{value}` is out of range: a run id is at most {} (after=ID)",
                    u64::MAX
                ));
            }
        }
    }
    Ok(after.unwrap_or(0))
}

/// A name or value of a query, decoded as `application/x-www-form-urlencoded` says: `+` is a
/// space and `%XX` the byte of hex `XX`; the bytes must be UTF-8. A `%` not followed by two
/// hex digits is an error.
fn form_decode(text: &str) -> Result<String, String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'+' => bytes.push(b' '),
            b'%' => match (rest.first().and_then(hex_digit), rest.get(1).and_then(hex_digit)) {
                (Some(high), Some(low)) => {
                    bytes.push(high << 4 | low);
                    rest = &rest[2..];
                }
                _ => {
                    return Err(format!(
                        "`{}` has a `%` without two hex digits after it (write %25 for a `%`)",
                        printable(text)
                    ));
                }
            },
            _ => bytes.push(b),
        }
    }
    String::from_utf8(bytes).map_err(|_| format!("`{}` does not decode to UTF-8 text", printable(text)))
}

fn hex_digit(b: &u8) -> Option<u8> {
    char::from(*b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// A plain-text answer (one line).
pub(crate) fn text(status: StatusCode, msg: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{msg}\n")).into_response()
}

/// A plain-text answer (one line) of an owned message.
pub(crate) fn text_resp(status: StatusCode, msg: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{msg}\n")).into_response()
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The answer for an error of the home: 404 for what is not there, 400 for what was asked
/// wrong, 500 (naming the blob) for a corrupt store or an unusable ledger.
pub(crate) fn core_error(e: &CoreError) -> Response {
    let status = match e {
        CoreError::NotFound { .. }
        | CoreError::Dropped { .. }
        | CoreError::NoSuchRun { .. }
        | CoreError::NotARun { .. } => StatusCode::NOT_FOUND,
        CoreError::BadCid { .. } | CoreError::Ambiguous { .. } | CoreError::Usage(_) => {
            StatusCode::BAD_REQUEST
        }
        CoreError::Corrupt { .. } | CoreError::Ledger { .. } | CoreError::Io { .. } => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    text_resp(status, &e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-3", 10), Range::Bytes(0, 3));
        assert_eq!(parse_range("bytes=5-", 10), Range::Bytes(5, 9));
        assert_eq!(parse_range("bytes=-3", 10), Range::Bytes(7, 9));
        assert_eq!(parse_range("bytes=-30", 10), Range::Bytes(0, 9));
        assert_eq!(parse_range("bytes=8-100", 10), Range::Bytes(8, 9));
        assert_eq!(parse_range("bytes=10-12", 10), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 10), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-0", 0), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=3-1", 10), Range::Ignored);
        assert_eq!(parse_range("bytes=0-1,3-4", 10), Range::Ignored);
        assert_eq!(parse_range("items=0-1", 10), Range::Ignored);
        assert_eq!(parse_range("bytes=x-1", 10), Range::Ignored);
    }

    #[test]
    fn tokens() {
        let mut h = HeaderMap::new();
        assert!(!authorized(&h, "s3cret"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer s3cret"));
        assert!(authorized(&h, "s3cret"));
        assert!(!authorized(&h, "s3cre"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic s3cret"));
        assert!(!authorized(&h, "s3cret"));
        // The scheme in any case (RFC 7235); the token exactly.
        for given in ["bearer s3cret", "BEARER s3cret", "bEaReR  s3cret"] {
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(given));
            assert!(authorized(&h, "s3cret"), "{given}");
        }
        for given in ["bearer S3CRET", "Bearers3cret", "bearer", "Bearer s3cret2"] {
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(given));
            assert!(!authorized(&h, "s3cret"), "{given}");
        }
    }

    #[test]
    fn runs_queries() {
        for (query, after) in [
            ("", 0),
            ("after=5", 5),
            ("after=%31", 1),
            ("%61fter=%32%30", 20),
            ("after=007", 7),
            ("&after=3&", 3),
        ] {
            assert_eq!(runs_after(query), Ok(after), "{query}");
        }
        for (query, says) in [
            ("after=0&after=5", "`after` is given twice"),
            ("after=+1", "is not a run id"),
            ("after=%2B1", "`+1` is not a run id"),
            ("after=-1", "is not a run id"),
            ("after=1+", "is not a run id"),
            ("after=", "`` is not a run id"),
            ("after", "`` is not a run id"),
            ("after=99999999999999999999", "`99999999999999999999` is out of range: a run id is at most"),
            ("after=%zz", "without two hex digits"),
            ("after=%3", "without two hex digits"),
            ("after=%ff", "UTF-8"),
            ("before=1", "unknown query `before`"),
            ("after=%1b[2J", r"`\u{1b}[2J` is not a run id"),
        ] {
            match runs_after(query) {
                Err(why) => assert!(why.contains(says), "{query}: {why}"),
                Ok(n) => panic!("{query} gave {n}"),
            }
        }
    }
}
