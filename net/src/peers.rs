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

/// The first line of a token file, whitespace trimmed; an empty token is an error.
pub fn read_token(path: &Path) -> Result<String, NetError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| NetError::Usage(format!("cannot read the token file {}: {e}", path.display())))?;
    let token = text.lines().next().unwrap_or("").trim().to_string();
    if token.is_empty() {
        return Err(NetError::Usage(format!("the token file {} is empty", path.display())));
    }
    Ok(token)
}

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

    /// Writes the peers of the home at `root` (to a temp file, then renamed into place).
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

    /// Adds a peer; a name already used is an error.
    pub fn add(&mut self, peer: Peer) -> Result<(), NetError> {
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

/// A peer URL is plain `http://host:port` (an optional path prefix is kept).
pub fn check_url(url: &str) -> Result<(), NetError> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        NetError::Usage(format!("`{url}` is not a peer URL: write http://HOST:PORT (TLS is not supported)"))
    })?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(NetError::Usage(format!("`{url}` names no host")));
    }
    Ok(())
}
