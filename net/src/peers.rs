//! The named peers of a home, kept in `$RDX_HOME/peers.toml` in the order they were added:
//!
//! ```toml
//! [[peer]]
//! name = "lab"
//! url = "http://127.0.0.1:7370"
//! token_file = "/home/me/.rdx-lab-token"   # optional: sent as `Authorization: Bearer`
//! ```

use crate::error::{NetError, printable};
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

    /// Reads the peers of the home at `root` (none when the file is missing). A file that
    /// cannot be read or parsed is an error, and so is a peer [`Peers::add`] would refuse by
    /// its name ([`check_name`], or a name used twice): the file was edited by hand.
    pub fn load(root: &Path) -> Result<Peers, NetError> {
        let path = Self::path(root);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Peers::default()),
            Err(e) => return Err(NetError::Peers { path, why: e.to_string() }),
        };
        let peers: Peers = toml::from_str(&text).map_err(|e| {
            // One line (the error's own text quotes the file over several): where, and what.
            let at = e.span().map_or(String::new(), |span| {
                let before = text.get(..span.start).unwrap_or_default();
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
                format!("line {line}, column {column}: ")
            });
            NetError::Peers { path: path.clone(), why: format!("{at}{}", e.message().trim_end()) }
        })?;
        for (i, peer) in peers.list.iter().enumerate() {
            let why = match check_name(&peer.name) {
                Err(why) => why,
                Ok(()) if peers.list[..i].iter().any(|p| p.name == peer.name) => {
                    format!("there are two peers `{}`", printable(&peer.name))
                }
                Ok(()) => continue,
            };
            return Err(NetError::Peers { path, why: format!("{why}; rename or remove it in the file") });
        }
        Ok(peers)
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

    /// Adds a peer; a name already used or that [`check_name`] refuses, and a URL that cannot
    /// work (see [`check_url`]) are errors.
    pub fn add(&mut self, peer: Peer) -> Result<(), NetError> {
        check_name(&peer.name).map_err(|why| NetError::Usage(format!("{why}; give another (say `lab`)")))?;
        if self.list.iter().any(|p| p.name == peer.name) {
            return Err(NetError::Usage(format!(
                "there is already a peer `{}`: remove it first with `rdx peer rm`",
                peer.name
            )));
        }
        let url = check_url(&peer.url)?;
        self.list.push(Peer { url, ..peer });
        Ok(())
    }

    /// Removes the peer called `name`.
    pub fn remove(&mut self, name: &str) -> Result<Peer, NetError> {
        self.get(name)?;
        let i = self.list.iter().position(|p| p.name == name).expect("found above");
        Ok(self.list.remove(i))
    }
}

/// What is wrong with `name` as a peer's name, if anything: a name is a word (not empty,
/// without spaces or control characters) and not [`rdx_core::planner::LOCAL`] (`local`), the
/// planner's name for this home, beside which each peer is an arm.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{name:?} is not a peer name: a name is a word, without spaces"));
    }
    if name == rdx_core::planner::LOCAL {
        return Err(format!("`{name}` cannot be a peer's name: the planner calls this home `{name}`"));
    }
    Ok(())
}

/// A peer URL is plain `http://HOST[:PORT][/PREFIX]`: a host, a port from 1 to 65535 when
/// one is given (digits, no sign or leading zero), no credentials (writes use a token file), no
/// query or fragment (paths are appended to it), no spaces (see [`check_http_url`]), and every
/// `%` in the prefix starting a percent-escape (`%` and two hex digits). Gives the URL to
/// store: its scheme lower-cased (`HTTP://` will do; schemes are case-insensitive).
pub fn check_url(url: &str) -> Result<String, NetError> {
    let authority = check_http_url(url)?;
    let prefix = &url["http://".len() + authority.len()..];
    if let Some(c) = prefix.chars().find(|c| matches!(c, '?' | '#')) {
        return Err(NetError::Usage(format!(
            "`{url}` is not a peer URL: it has a {} (`{c}`…), and rdx appends paths to a peer's URL; \
             write http://HOST:PORT",
            if c == '?' { "query" } else { "fragment" }
        )));
    }
    for (i, _) in prefix.match_indices('%') {
        let escape = prefix.as_bytes().get(i + 1..i + 3);
        if !escape.is_some_and(|e| e.iter().all(u8::is_ascii_hexdigit)) {
            let shown: String = prefix[i..].chars().take(3).collect();
            return Err(NetError::Usage(format!(
                "`{url}` is not a peer URL: `{shown}` in its path is not a percent-escape (a `%` and \
                 two hex digits; write %25 for a `%`)"
            )));
        }
    }
    Ok(format!("http://{}", &url["http://".len()..]))
}

/// Checks that `url` is a plain-HTTP URL rdx can ask and gives its authority (`HOST[:PORT]`):
/// the scheme `http` (in any case); a host that is a name (letters, digits and `-._~!$&'()*+,;=`,
/// no percent-escapes) or a bracketed IPv6 address; a port from 1 to 65535 if any, in digits
/// without a sign or a leading zero ([`parse_port`]); no credentials; no spaces or control
/// characters.
pub fn check_http_url(url: &str) -> Result<&str, NetError> {
    let bad = |why: &str| NetError::Usage(format!("`{}` is not a URL rdx can ask: {why}", printable(url)));
    let scheme = |s: &str| url.get(..s.len()).is_some_and(|head| head.eq_ignore_ascii_case(s));
    if !scheme("http://") {
        return Err(if scheme("https://") {
            bad("TLS is not supported: write http://HOST:PORT")
        } else {
            bad("write http://HOST:PORT")
        });
    }
    let rest = &url["http://".len()..];
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
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad(&format!("`[{host}]` is not an IPv6 address (without a zone: no `%`)")));
            }
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
    if !authority.starts_with('[') {
        if host.contains('%') {
            return Err(bad(&format!(
                "its host `{host}` has a percent-escape: write the host as it is (a name or an address)"
            )));
        }
        if let Some(c) = host.chars().find(|c| !c.is_ascii_alphanumeric() && !"-._~!$&'()*+,;=".contains(*c))
        {
            return Err(bad(&format!("`{c}` cannot be in a host (`{host}`)")));
        }
    }
    if let Some(port) = port {
        parse_port(port).map_err(|why| bad(&why))?;
    }
    Ok(authority)
}

/// The port of a URL, written exactly: 1 to 5 ASCII digits, without a sign or a leading zero,
/// from 1 to 65535 (`u16::from_str` alone takes `+7370` and `07370`). What is wrong with it,
/// in words, when it is not one.
pub fn parse_port(text: &str) -> Result<u16, String> {
    const RANGE: &str = "a number from 1 to 65535";
    let shown = printable(text);
    // What to write instead, when all that is wrong is a sign or leading zeros.
    let instead = |rest: &str| match parse_port(rest) {
        Ok(port) => format!(" (write `{port}`)"),
        Err(_) => String::new(),
    };
    if text.is_empty() {
        return Err(format!("there is no port after its `:` (give {RANGE}, or no `:`)"));
    }
    if let Some(rest) = text.strip_prefix(['+', '-']) {
        return Err(format!("`{shown}` is not a port: a port has no sign, it is {RANGE}{}", instead(rest)));
    }
    if let Some(c) = text.chars().find(|c| !c.is_ascii_digit()) {
        return Err(format!(
            "`{shown}` is not a port: `{}` is not a decimal digit (a port is {RANGE})",
            printable(&c.to_string())
        ));
    }
    let digits = text.trim_start_matches('0');
    if digits.len() < text.len() && !digits.is_empty() {
        return Err(format!("`{shown}` is not a port: a port has no leading zero{}", instead(digits)));
    }
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("`{shown}` is not a port ({RANGE})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> String {
        match check_url(url) {
            Err(e @ NetError::Usage(_)) => {
                assert_eq!(e.exit_code(), 2);
                e.to_string()
            }
            other => panic!("{url:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn urls_are_checked_when_added() {
        for (url, says) in [
            ("http://x%00y", "percent-escape"),
            ("http://x%41y:7370", "percent-escape"),
            ("http://x:1/%zz", "`%zz` in its path is not a percent-escape"),
            ("http://x:1/a%2", "`%2` in its path"),
            ("http://x:1/a%", "`%` in its path"),
            ("http://a:b:80", "`:` cannot be in a host"),
            ("http://caf\u{e9}:80", "cannot be in a host"),
            ("http://[fe80::1%25eth0]:7370", "not an IPv6 address"),
            ("http://[nonsense]:7370", "not an IPv6 address"),
            ("http://x:0", "not a port"),
            ("http://x:65536", "not a port"),
            (
                "http://127.0.0.1:+33193",
                "`+33193` is not a port: a port has no sign, it is a number from 1 to 65535 (write `33193`)",
            ),
            ("http://127.0.0.1:033193", "`033193` is not a port: a port has no leading zero (write `33193`)"),
            ("http://x:-0", "`-0` is not a port: a port has no sign"),
            ("http://x:00", "`00` is not a port (a number from 1 to 65535)"),
            ("http://x:0065536", "`0065536` is not a port: a port has no leading zero"),
            ("http://x:123456", "`123456` is not a port (a number from 1 to 65535)"),
            ("http://x:7\u{202e}0", r"`\u{202e}` is not a decimal digit"),
            ("http://x:", "there is no port after its `:`"),
            ("http://[::1]:+7370", "a port has no sign"),
            ("http://[::1]:07370/p", "a port has no leading zero (write `7370`)"),
            ("http://x\u{1b}[31m:1", r"\u{1b}"),
            ("HTTPS://x", "TLS"),
            ("ftp://x", "write http://HOST:PORT"),
        ] {
            let why = refused(url);
            assert!(why.contains(says), "{url:?}: {why}");
            assert!(!why.contains('\u{1b}'), "{url:?}: {why:?}");
        }
        for (url, stored) in [
            ("HTTP://127.0.0.1:7370", "http://127.0.0.1:7370"),
            ("Http://lab.example:65535/pre%2Ffix", "http://lab.example:65535/pre%2Ffix"),
            ("http://[::1]:7370/prefix", "http://[::1]:7370/prefix"),
            ("http://my_host-1.local", "http://my_host-1.local"),
            ("http://x:1", "http://x:1"),
            ("http://x:10/a", "http://x:10/a"),
        ] {
            assert_eq!(check_url(url).unwrap(), stored, "{url}");
        }
        let mut peers = Peers::default();
        peers
            .add(Peer { name: "lab".into(), url: "HTTP://127.0.0.1:7370".into(), token_file: None })
            .unwrap();
        assert_eq!(peers.get("lab").unwrap().url, "http://127.0.0.1:7370");
        let bad = Peer { name: "p".into(), url: "http://x%00y".into(), token_file: None };
        assert_eq!(peers.add(bad).map_err(|e| e.exit_code()), Err(2));
        assert_eq!(peers.list.len(), 1);
    }

    #[test]
    fn the_planner_s_name_for_here_is_no_peer_s_name() {
        let mut peers = Peers::default();
        let local = Peer { name: "local".into(), url: "http://127.0.0.1:7370".into(), token_file: None };
        let e = peers.add(local).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("`local` cannot be a peer's name"), "{e}");
        assert!(peers.list.is_empty());
        // A file edited by hand: such a peer, or a name used twice, is refused as it is read.
        let root = std::env::temp_dir().join(format!("rdx-peers-names-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let peer = |name: &str| format!("[[peer]]\nname = \"{name}\"\nurl = \"http://127.0.0.1:1\"\n\n");
        for (file, says) in [
            (peer("lab") + &peer("local"), "`local` cannot be a peer's name"),
            (peer("lab") + &peer("lab"), "there are two peers `lab`"),
            (peer("a b"), "is not a peer name"),
        ] {
            std::fs::write(Peers::path(&root), file).unwrap();
            let e = Peers::load(&root).unwrap_err();
            assert_eq!(e.exit_code(), 1);
            let why = e.to_string();
            assert!(why.contains(says) && why.contains(PEERS_FILE) && why.contains("in the file"), "{why}");
        }
        std::fs::write(Peers::path(&root), "garbage = [\n").unwrap();
        let why = Peers::load(&root).unwrap_err().to_string();
        assert!(why.contains("line 1, column 12: ") && !why.contains('\n'), "{why}");
        std::fs::write(Peers::path(&root), peer("lab")).unwrap();
        assert_eq!(Peers::load(&root).unwrap().list.len(), 1);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
