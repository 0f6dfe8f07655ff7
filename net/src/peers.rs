//! The named peers of a home, kept in `$RDX_HOME/peers.toml` in the order they were added:
//!
//! ```toml
//! [[peer]]
//! name = "lab"
//! url = "http://127.0.0.1:7370"
//! token_file = "/home/me/.rdx-lab-token"   # optional: sent as `Authorization: Bearer`
//! ```

use crate::error::NetError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The peers file's name inside a home.
pub const PEERS_FILE: &str = "peers.toml";

/// One peer: a name, the base URL of its `rdx serve`, and where its write token is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    pub name: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_file: Option<PathBuf>,
}

impl Peer {
    /// The token to send for writes: the token file's first line, trimmed.
    pub fn token(&self) -> Result<Option<String>, NetError> {
        match &self.token_file {
            None => Ok(None),
            Some(path) => read_token(path).map(Some),
        }
    }
}

/// The first line of a token file, whitespace trimmed; an empty token, or one over
/// [`MAX_TOKEN`] bytes, is an error.
pub fn read_token(path: &Path) -> Result<String, NetError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| NetError::Usage(format!("cannot read the token file {}: {e}", path.display())))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.is_empty() {
        let why = if text.trim().is_empty() {
            format!("the token file {} is empty", path.display())
        } else {
            format!(
                "the first line of the token file {} is blank: the token is the first line \
                 (remove the blank lines before it)",
                path.display()
            )
        };
        return Err(NetError::Usage(why));
    }
    if token.len() > MAX_TOKEN {
        return Err(NetError::Usage(format!(
            "the token in {} is {} bytes long, over the limit of {MAX_TOKEN}: it is sent in an HTTP \
             header, so use a shorter one (32 random bytes in hex are plenty)",
            path.display(),
            token.len()
        )));
    }
    Ok(token)
}

/// The longest token [`read_token`] accepts, in bytes: it travels in a request's head.
pub const MAX_TOKEN: usize = 4096;

/// The peers of a home, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peers {
    #[serde(default, rename = "peer")]
    pub list: Vec<Peer>,
}

impl Peers {
    /// The peers file of the home at `root`.
    pub fn path(root: &Path) -> PathBuf {
        root.join(PEERS_FILE)
    }

    /// Reads the peers of the home at `root` (none when the file is missing).
    pub fn load(root: &Path) -> Result<Peers, NetError> {
        let path = Self::path(root);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Peers::default()),
            Err(e) => return Err(NetError::Peers { path, why: e.to_string() }),
        };
        toml::from_str(&text).map_err(|e| NetError::Peers { path, why: e.to_string() })
    }

    /// Changes the peers of the home at `root` with `change`, as one step: under an exclusive
    /// lock (of `peers.toml.lock`), the file is read, changed and written back, so commands
    /// that change it at once (two `rdx peer add`) lose nothing. Nothing is written when
    /// `change` fails.
    pub fn update<T>(
        root: &Path,
        change: impl FnOnce(&mut Peers) -> Result<T, NetError>,
    ) -> Result<T, NetError> {
        let lock_path = root.join(format!("{PEERS_FILE}.lock"));
        let fail = |why: String| NetError::Peers { path: lock_path.clone(), why };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| fail(e.to_string()))?;
        lock.lock().map_err(|e| fail(format!("cannot be locked: {e}")))?;
        let mut peers = Peers::load(root)?;
        let out = change(&mut peers)?;
        peers.save(root)?;
        drop(lock);
        Ok(out)
    }

    /// Writes the peers of the home at `root` (to a temp file, then renamed into place). A
    /// change of what is there should go through [`Peers::update`], which holds the lock.
    pub fn save(&self, root: &Path) -> Result<(), NetError> {
        let path = Self::path(root);
        let fail = |why: String| NetError::Peers { path: path.clone(), why };
        let text = toml::to_string(self).map_err(|e| fail(e.to_string()))?;
        let tmp = root.join(format!("{PEERS_FILE}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, text).map_err(|e| fail(e.to_string()))?;
        std::fs::rename(&tmp, &path).map_err(|e| fail(e.to_string()))
    }

    /// The peer called `name`.
    pub fn get(&self, name: &str) -> Result<&Peer, NetError> {
        self.list.iter().find(|p| p.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.list.iter().map(|p| p.name.as_str()).collect();
            NetError::Usage(format!(
                "no peer `{name}` (the peers are: {})",
                if names.is_empty() { "none".to_string() } else { names.join(", ") }
            ))
        })
    }

    /// Adds a peer; a name already used, an empty one or one with spaces, and a URL that
    /// cannot work (see [`check_url`]) are errors.
    pub fn add(&mut self, peer: Peer) -> Result<(), NetError> {
        if peer.name.is_empty() || peer.name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(NetError::Usage(format!(
                "{:?} is not a peer name: give a word, without spaces (say `lab`)",
                peer.name
            )));
        }
        if self.list.iter().any(|p| p.name == peer.name) {
            return Err(NetError::Usage(format!(
                "there is already a peer `{}`: remove it first with `rdx peer rm`",
                peer.name
            )));
        }
        check_url(&peer.url)?;
        self.list.push(peer);
        Ok(())
    }

    /// Removes the peer called `name`.
    pub fn remove(&mut self, name: &str) -> Result<Peer, NetError> {
        self.get(name)?;
        let i = self.list.iter().position(|p| p.name == name).expect("found above");
        Ok(self.list.remove(i))
    }
}

/// A peer URL is plain `http://HOST[:PORT][/PREFIX]`: a host, a port from 1 to 65535 when
/// one is given, no credentials (writes use a token file), no query or fragment (paths are
/// appended to it), no spaces.
pub fn check_url(url: &str) -> Result<(), NetError> {
    let authority = check_http_url(url)?;
    if let Some(c) = url["http://".len() + authority.len()..].chars().find(|c| matches!(c, '?' | '#')) {
        return Err(NetError::Usage(format!(
            "`{url}` is not a peer URL: it has a {} (`{c}`…), and rdx appends paths to a peer's URL; \
             write http://HOST:PORT",
            if c == '?' { "query" } else { "fragment" }
        )));
    }
    Ok(())
}

/// Checks that `url` is a plain-HTTP URL rdx can ask (a host, a valid port if any, no
/// credentials, no spaces) and gives its authority (`HOST[:PORT]`).
pub fn check_http_url(url: &str) -> Result<&str, NetError> {
    let bad = |why: &str| NetError::Usage(format!("`{url}` is not a URL rdx can ask: {why}"));
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        if url.starts_with("https://") {
            bad("TLS is not supported: write http://HOST:PORT")
        } else {
            bad("write http://HOST:PORT")
        }
    })?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it has a space or a control character in it"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(bad("it carries credentials (`user:password@`), which rdx would store and print: \
             leave them out (writes to a peer use `--token-file`)"));
    }
    let (host, port) = match authority.strip_prefix('[') {
        // [IPv6]:port
        Some(v6) => {
            let (host, tail) =
                v6.split_once(']').ok_or_else(|| bad("an IPv6 address needs its closing `]`"))?;
            match tail {
                "" => (host, None),
                _ => (host, Some(tail.strip_prefix(':').ok_or_else(|| bad("write [IPv6]:PORT"))?)),
            }
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err(bad("it names no host"));
    }
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return Err(bad(&format!("`{port}` is not a port (a number from 1 to 65535)")));
    }
    Ok(authority)
}
