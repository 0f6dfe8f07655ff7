//! Errors of the network layer: each names the peer (or file) involved and what to do.

use rdx_core::CoreError;
use std::path::PathBuf;

/// An error talking to a peer, or about the peers file.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// An error of the local home.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The peer could not be reached: connection refused, unknown host, reset.
    #[error("peer {peer} ({url}) cannot be reached: {why} (is `rdx serve` running there, at that address?)")]
    Unreachable { peer: String, url: String, why: String },
    /// The peer did not answer within the client's timeout.
    #[error("peer {peer} ({url}) timed out: {why}")]
    Timeout { peer: String, url: String, why: String },
    /// The peer answered with an error status.
    #[error("peer {peer} answered {status}: {body}")]
    Status { peer: String, status: u16, body: String },
    /// The peer sent bytes that do not hash to the CID asked for (corrupt or truncated).
    #[error("peer {peer} sent bad bytes for {cid}: {len} bytes hashing to {actual} (rejected, not stored)")]
    BadBytes { peer: String, cid: String, len: usize, actual: String },
    /// The peer sent something that is not what the protocol says.
    #[error("peer {peer} sent a malformed answer: {why}")]
    Protocol { peer: String, why: String },
    /// No peer asked for the blob gave it: what each one said. (The load path asks the peers
    /// only for a blob the store lacks; `rdx fetch --from` asks one even for a blob it holds.)
    #[error("{}", unavailable(.cid, .tried))]
    Unavailable { cid: String, tried: Vec<(String, String)> },
    /// The peers file cannot be read or written.
    #[error("the peers file {path}: {why}")]
    Peers { path: PathBuf, why: String },
    /// `GET URL` of any URL (not a peer) failed: what happened.
    #[error("GET {url}: {why}")]
    Url { url: String, why: String },
    /// A mistake of the user's, said in words.
    #[error("{0}")]
    Usage(String),
}

/// Text a peer sent, made safe to put in a message for a terminal: control characters (ESC,
/// BEL, CR, …) and the bidirectional-text controls, which would let a peer recolour, retitle
/// or rewrite the user's terminal or reorder what it shows, are escaped as Rust writes them
/// (`\u{1b}`, `\r`, `\u{202e}`); all other text, Unicode included, is kept as it is.
/// Escaping twice changes nothing.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

fn unavailable(cid: &str, tried: &[(String, String)]) -> String {
    if tried.is_empty() {
        return format!(
            "blob {cid} is not in the store, and no peers are configured (add one with `rdx peer \
             add NAME URL`)"
        );
    }
    let list: String = tried.iter().map(|(peer, why)| format!("\n  {peer}: {why}")).collect();
    format!("no peer gave blob {cid}:{list}")
}

impl NetError {
    /// The process exit code: 2 for what the user typed wrong, 1 for what went wrong on the way.
    pub fn exit_code(&self) -> u8 {
        match self {
            NetError::Core(e) => e.exit_code(),
            NetError::Usage(_) => 2,
            NetError::Unavailable { .. }
            | NetError::Unreachable { .. }
            | NetError::Timeout { .. }
            | NetError::Status { .. }
            | NetError::BadBytes { .. }
            | NetError::Protocol { .. }
            | NetError::Url { .. }
            | NetError::Peers { .. } => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn printable_escapes_controls_and_keeps_text() {
        assert_eq!(printable("\x1b[31mred\x07\r\t"), r"\u{1b}[31mred\u{7}\r\t");
        assert_eq!(printable("\u{202e}exe.txt\u{2066}"), r"\u{202e}exe.txt\u{2066}");
        let plain = "größe ✓ \"quoted\" 'it' back\\slash";
        assert_eq!(printable(plain), plain);
        let once = printable("\x1b]0;x\x07");
        assert_eq!(printable(&once), once);
    }
}
