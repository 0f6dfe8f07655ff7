//! A blocking client of `rdx serve` (ureq, plain HTTP). Every blob it fetches is checked
//! against its CID before it is returned: bytes that are corrupt or cut short are an error
//! naming the peer, never data.

use crate::MAX_BODY;
use crate::error::{NetError, printable};
use crate::peers::Peer;
use rdx_core::Cid;
use rdx_core::ledger::RunRecord;
use std::time::Duration;
use ureq::http::Response;

/// The default timeout for connecting and for each wait on a peer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The bytes read from a connection at a time.
const INPUT_BUFFER: usize = 1 << 20;

/// The environment variable that overrides [`DEFAULT_TIMEOUT`], in milliseconds.
pub const TIMEOUT_ENV: &str = "RDX_NET_TIMEOUT_MS";

/// A connection pool and its timeouts; cheap to clone and shared across threads.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    timeout: Duration,
    /// The most bytes read of one answer's body.
    max_body: usize,
}

impl Default for Client {
    fn default() -> Self {
        Client::new(DEFAULT_TIMEOUT)
    }
}

impl Client {
    /// A client that gives up on a peer after `timeout` without progress: to connect, to get
    /// the answer's head, and for each read of its body.
    pub fn new(timeout: Duration) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A redirect is an answer like any other, said in words: never followed silently.
            .max_redirects(0)
            .timeout_connect(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_per_read(Some(timeout))
            .timeout_per_write(Some(timeout))
            // Big reads from the socket: fewer calls for a large blob.
            .input_buffer_size(INPUT_BUFFER)
            .build();
        Client { agent: ureq::Agent::new_with_config(config), timeout, max_body: MAX_BODY }
    }

    /// This client, reading at most `max_body` bytes of an answer (default [`MAX_BODY`]): a
    /// blob said to be longer is refused before it is read, and a body without a length
    /// (or an endless one) is an error once it goes past it.
    pub fn with_max_body(mut self, max_body: usize) -> Client {
        self.max_body = max_body;
        self
    }

    /// A client with the timeout of `$RDX_NET_TIMEOUT_MS`, else [`DEFAULT_TIMEOUT`]; a usage
    /// error when the variable is set to something else than a number of milliseconds from 1
    /// (see [`timeout_from_env`]).
    pub fn from_env() -> Result<Client, NetError> {
        Ok(Client::new(timeout_from_env()?.unwrap_or(DEFAULT_TIMEOUT)))
    }

    /// The timeout of this client.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Blob `cid` from `peer`, verified: its blake3 must equal `cid`.
    ///
    /// The body is read into a buffer sized from its `Content-Length` and hashed as it
    /// arrives, so the check costs no second pass over the bytes.
    pub fn fetch(&self, peer: &Peer, cid: &Cid) -> Result<Vec<u8>, NetError> {
        let url = blob_url(peer, cid);
        let mut resp = self.agent.get(&url).call().map_err(|e| transport(peer, e))?;
        let resp_status = resp.status().as_u16();
        if resp_status != 200 {
            return Err(status(peer, &mut resp));
        }
        let declared = resp.body().content_length();
        let max = self.max_body;
        if declared.is_some_and(|n| n > max as u64) {
            return Err(protocol(
                peer,
                format!("a blob of {} bytes (the most rdx fetches is {max})", declared.unwrap_or(0)),
            ));
        }
        let (bytes, actual) = read_hashed(peer, &mut resp, declared, max)?;
        if actual != *cid {
            return Err(NetError::BadBytes {
                peer: peer.name.clone(),
                cid: cid.to_hex(),
                len: bytes.len(),
                actual: actual.to_hex(),
            });
        }
        Ok(bytes)
    }

    /// `GET url`, any URL (what `rdx probe URL` times): the number of body bytes read, which
    /// are not kept, at most [`MAX_BODY`]. A status other than 2xx (a redirect too) is an
    /// error, and so is a longer body.
    pub fn get_url(&self, url: &str) -> Result<u64, NetError> {
        crate::peers::check_http_url(url)?;
        // The scheme in lower case (it may be written in any).
        let url = &format!("http://{}", &url["http://".len()..]);
        let site = Peer { name: url.to_string(), url: url.to_string(), token_file: None };
        let got = (|| {
            let mut resp = self.agent.get(url).call().map_err(|e| transport(&site, e))?;
            if !resp.status().is_success() {
                return Err(status(&site, &mut resp));
            }
            let mut reader = resp.body_mut().with_config().limit(self.max_body as u64).reader();
            std::io::copy(&mut reader, &mut std::io::sink()).map_err(|e| io_error(&site, e))
        })();
        got.map_err(|e| {
            let why = match e {
                NetError::Unreachable { why, .. } => format!("cannot be reached: {why}"),
                NetError::Timeout { why, .. } => format!("timed out: {why}"),
                NetError::Status { status, body, .. } => format!("answered {status}: {body}"),
                NetError::Protocol { why, .. } => why,
                other => return other,
            };
            NetError::Url { url: url.to_string(), why }
        })
    }

    /// Whether `peer` has blob `cid` (a HEAD request).
    pub fn has(&self, peer: &Peer, cid: &Cid) -> Result<bool, NetError> {
        let mut resp = self.agent.head(blob_url(peer, cid)).call().map_err(|e| transport(peer, e))?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(status(peer, &mut resp)),
        }
    }

    /// Stores `bytes` on `peer` under `cid`, with the peer's token if it has one.
    pub fn push(&self, peer: &Peer, cid: &Cid, bytes: &[u8]) -> Result<(), NetError> {
        let mut req = self.agent.put(blob_url(peer, cid));
        if let Some(token) = peer.token()? {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        let mut resp = req.send(bytes).map_err(|e| transport(peer, e))?;
        match resp.status().as_u16() {
            200 | 201 => Ok(()),
            _ => Err(status(peer, &mut resp)),
        }
    }

    /// `GET /health`: the peer's JSON answer. An answer that is not JSON is malformed, and
    /// said to be the answer to `GET /health`.
    pub fn health(&self, peer: &Peer) -> Result<serde_json::Value, NetError> {
        const ROUTE: &str = "GET /health";
        let url = format!("{}/health", base(peer));
        let mut resp = self.agent.get(&url).call().map_err(|e| transport(peer, e))?;
        if resp.status().as_u16() != 200 {
            return Err(status(peer, &mut resp));
        }
        let body = read_body(peer, &mut resp).map_err(|e| answer_to(ROUTE, e))?;
        from_json(peer, ROUTE, &body, "a health check")
    }

    /// `GET /runs?after=ID`: the peer's runs with ids above `after`, oldest first.
    pub fn runs(&self, peer: &Peer, after: u64) -> Result<Vec<RunRecord>, NetError> {
        let route = format!("GET /runs?after={after}");
        let url = format!("{}/runs?after={after}", base(peer));
        let mut resp = self.agent.get(&url).call().map_err(|e| transport(peer, e))?;
        if resp.status().as_u16() != 200 {
            return Err(status(peer, &mut resp));
        }
        let body = read_body(peer, &mut resp).map_err(|e| answer_to(&route, e))?;
        from_json(peer, &route, &body, "a list of run records")
    }

    /// The budget of a remote run on `peer`, as its `/health` says (`run_ms`, `run_steps`);
    /// the default budget for a server that does not say. A `/health` answer that cannot be
    /// read is an error (see [`Client::health`]): the run is not sent to such a peer.
    pub fn run_budget(&self, peer: &Peer) -> Result<crate::remote::Budget, NetError> {
        let health = self.health(peer)?;
        let default = crate::remote::Budget::default();
        Ok(crate::remote::Budget {
            max_steps: health["run_steps"].as_u64().unwrap_or(default.max_steps),
            wall: health["run_ms"].as_u64().map_or(default.wall, Duration::from_millis),
        })
    }

    /// `POST /runs`: runs `request` on `peer`, whose runs may take `budget`: the answer is
    /// awaited that long, plus the server's grace for a run that does not stop
    /// ([`GRACE`](crate::remote::GRACE)), plus this client's timeout. An answer that is not
    /// the run asked for, as recorded, is malformed ([`RunReply::check`](crate::remote::RunReply::check)),
    /// and said to be the answer to `POST /runs`.
    pub fn run(
        &self,
        peer: &Peer,
        request: &crate::remote::RunRequest,
        budget: Duration,
    ) -> Result<crate::remote::RunReply, NetError> {
        let url = format!("{}/runs", base(peer));
        let body = serde_json::to_vec(request).map_err(|e| NetError::Usage(e.to_string()))?;
        let wait = self.timeout.saturating_add(budget).saturating_add(crate::remote::GRACE);
        // Waiting for the answer's head is one read of the socket: both bounds must allow it.
        let mut req = self
            .agent
            .post(&url)
            .config()
            .timeout_recv_response(Some(wait))
            .timeout_per_read(Some(wait))
            .build()
            .header("Content-Type", "application/json");
        if let Some(token) = peer.token()? {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        let mut resp = req.send(&body[..]).map_err(|e| transport(peer, e))?;
        if resp.status().as_u16() != 200 {
            return Err(status(peer, &mut resp));
        }
        let route = crate::remote::RUNS_ROUTE;
        let body = read_body(peer, &mut resp).map_err(|e| answer_to(route, e))?;
        let reply: crate::remote::RunReply = from_json(peer, route, &body, "the answer of a run")?;
        reply.check(peer, request).map_err(|e| answer_to(route, e))?;
        Ok(reply)
    }
}

/// The timeout `$RDX_NET_TIMEOUT_MS` sets: none when it is unset (or empty); a usage error
/// naming it when it is not a whole number of milliseconds from 1 (0 would fail every request
/// at once).
pub fn timeout_from_env() -> Result<Option<Duration>, NetError> {
    let Some(value) = std::env::var_os(TIMEOUT_ENV) else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    if text.trim().is_empty() {
        return Ok(None);
    }
    match text.trim().parse::<u64>() {
        Ok(ms) if ms > 0 => Ok(Some(Duration::from_millis(ms))),
        _ => Err(NetError::Usage(format!(
            "{TIMEOUT_ENV}={} is not a timeout: give it in milliseconds, a whole number from 1 \
             (or unset it for the default of {} ms)",
            printable(&text),
            DEFAULT_TIMEOUT.as_millis()
        ))),
    }
}

fn base(peer: &Peer) -> &str {
    peer.url.trim_end_matches('/')
}

fn blob_url(peer: &Peer, cid: &Cid) -> String {
    format!("{}/blobs/{}", base(peer), cid.to_hex())
}

/// Bytes hashed at least this many at a time (blake3 is fastest on long runs).
const HASH_STEP: usize = 256 << 10;

/// A whole body, with its blake3, hashed while it is read.
fn read_hashed(
    peer: &Peer,
    resp: &mut Response<ureq::Body>,
    declared: Option<u64>,
    max: usize,
) -> Result<(Vec<u8>, Cid), NetError> {
    use std::io::Read;
    // `buf[..filled]` holds the body so far; `buf` beyond it is zeroed room, made once.
    let first = declared.map_or(64 << 10, |n| usize::try_from(n).unwrap_or(0).max(1)).min(max.max(1));
    let mut buf: Vec<u8> = vec![0; first];
    let mut filled = 0;
    let mut reader = resp.body_mut().with_config().limit(max as u64).reader();
    let mut hasher = blake3::Hasher::new();
    let mut hashed = 0;
    loop {
        let n = if filled < buf.len() {
            reader.read(&mut buf[filled..]).map_err(|e| io_error(peer, e))?
        } else {
            // The buffer is full: the end of the body, or more than it said (then grow).
            let mut more = [0u8; 8192];
            let n = reader.read(&mut more).map_err(|e| io_error(peer, e))?;
            if n > 0 {
                // Doubling, but never past the most a body may be (the reader stops there).
                buf.resize((buf.len() * 2 + n).min(max).max(filled + n), 0);
                buf[filled..filled + n].copy_from_slice(&more[..n]);
            }
            n
        };
        filled += n;
        if n == 0 || filled - hashed >= HASH_STEP {
            hasher.update(&buf[hashed..filled]);
            hashed = filled;
        }
        if n == 0 {
            break;
        }
    }
    buf.truncate(filled);
    Ok((buf, Cid(*hasher.finalize().as_bytes())))
}

fn read_body(peer: &Peer, resp: &mut Response<ureq::Body>) -> Result<Vec<u8>, NetError> {
    resp.body_mut().with_config().limit(MAX_BODY as u64).read_to_vec().map_err(|e| transport(peer, e))
}

/// The most bytes of an error answer's body read for its message.
const ERROR_BODY: usize = 4096;

/// An answer with an error status, with the first line of its body (or what the status means
/// when it has none; where a redirect points). What the peer sent is made printable
/// ([`printable`]): it goes to the user's terminal.
fn status(peer: &Peer, resp: &mut Response<ureq::Body>) -> NetError {
    let code = resp.status().as_u16();
    if resp.status().is_redirection() {
        let to = resp.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("nowhere said");
        let body = format!("a redirect to {} (rdx follows no redirects: ask that URL)", printable(to));
        return NetError::Status { peer: peer.name.clone(), status: code, body };
    }
    let (mut body, unread) = error_body(resp);
    if body.is_empty()
        && let Some(why) = resp.headers().get(crate::server::ERROR_HEADER).and_then(|v| v.to_str().ok())
    {
        body = printable(why.trim());
    }
    if body.is_empty() {
        let reason = resp.status().canonical_reason().unwrap_or("an error");
        body = match unread {
            Some(why) => format!("{reason} (its message could not be read: {why})"),
            None => format!("{reason} (with no message)"),
        };
    }
    if code == 401 {
        body.push_str(&match &peer.token_file {
            Some(f) => format!(" (the token in {} is not the one this server was given)", f.display()),
            None => format!(
                " (this peer has no token file: `rdx peer rm {0}`, then `rdx peer add {0} {1} \
                 --token-file FILE` with the token of its `rdx serve --token-file`)",
                peer.name, peer.url
            ),
        });
    }
    NetError::Status { peer: peer.name.clone(), status: code, body }
}

/// The first line of an error answer's body, printable, and why the body could not be read
/// through if it could not. At most [`ERROR_BODY`] bytes are read: a first line cut there ends
/// in `…`, and so does one cut where the body broke off (with why).
fn error_body(resp: &mut Response<ureq::Body>) -> (String, Option<String>) {
    use std::io::Read;
    let mut bytes = Vec::new();
    // One byte past the most kept tells a longer body from one of just that length.
    let read = resp.body_mut().as_reader().take(ERROR_BODY as u64 + 1).read_to_end(&mut bytes);
    let unread = read.err().map(|e| printable(&e.to_string()));
    let cut = bytes.len() > ERROR_BODY || unread.is_some();
    bytes.truncate(ERROR_BODY);
    if cut
        && let Err(e) = std::str::from_utf8(&bytes)
        && e.error_len().is_none()
    {
        // A character cut in two is dropped, not shown as a replacement character.
        bytes.truncate(e.valid_up_to());
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut line = printable(text.lines().next().unwrap_or("").trim());
    if cut && !text.contains('\n') && !line.is_empty() {
        line.push('…');
        if let Some(why) = &unread {
            line.push_str(&format!(" (the rest could not be read: {why})"));
        }
    }
    (line, unread)
}

fn protocol(peer: &Peer, e: impl std::fmt::Display) -> NetError {
    NetError::Protocol { peer: peer.name.clone(), why: printable(&e.to_string()) }
}

/// A malformed answer ([`NetError::Protocol`]) said to be the answer to `route` (`GET /health`,
/// `POST /runs`), since one command may send several requests; other errors as they are.
pub(crate) fn answer_to(route: &str, e: NetError) -> NetError {
    match e {
        NetError::Protocol { peer, why } => {
            NetError::Protocol { peer, why: format!("the answer to {route}: {why}") }
        }
        other => other,
    }
}

/// The JSON body of the answer to `route`, read as `what` (`a health check`); malformed when it
/// is not JSON, or not that.
fn from_json<T: serde::de::DeserializeOwned>(
    peer: &Peer,
    route: &str,
    body: &[u8],
    what: &str,
) -> Result<T, NetError> {
    serde_json::from_slice(body).map_err(|e| {
        let is = match e.classify() {
            serde_json::error::Category::Data => what,
            _ => "JSON",
        };
        protocol(peer, format!("the answer to {route} is not {is}: {e}"))
    })
}

/// An error reading a body: ureq's own error when it is one (a limit, a timeout), else the
/// I/O error.
fn io_error(peer: &Peer, e: std::io::Error) -> NetError {
    if e.get_ref().is_some_and(|inner| inner.is::<ureq::Error>()) {
        if let Some(Ok(inner)) = e.into_inner().map(|b| b.downcast::<ureq::Error>()) {
            return transport(peer, *inner);
        }
        return NetError::Protocol { peer: peer.name.clone(), why: "a body could not be read".into() };
    }
    transport(peer, ureq::Error::Io(e))
}

/// An error of the connection, in words (made printable: an error may quote what the peer
/// sent).
fn transport(peer: &Peer, e: ureq::Error) -> NetError {
    let (name, url) = (peer.name.clone(), peer.url.clone());
    match e {
        ureq::Error::Timeout(t) => NetError::Timeout { peer: name, url, why: printable(&t.to_string()) },
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            NetError::Timeout { peer: name, url, why: printable(&io.to_string()) }
        }
        ureq::Error::BodyExceedsLimit(n) => protocol(
            peer,
            format!(
                "the answer went on past {n} bytes, the most rdx reads of one, without ending \
                 (stopped reading it)"
            ),
        ),
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
            ) =>
        {
            protocol(peer, format!("the transfer broke off: {io}"))
        }
        other => NetError::Unreachable { peer: name, url, why: printable(&other.to_string()) },
    }
}
