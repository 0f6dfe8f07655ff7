//! Helpers of the network tests: temporary homes, servers on free loopback ports, raw HTTP.

#![allow(dead_code)]

use rdx_net::Peer;
use rdx_net::server::{Config, Handle};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;

/// A temporary directory, deleted on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("rdx-net-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn home(&self) -> rdx_core::Home {
        rdx_core::Home::open(Some(&self.0)).expect("home opens")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A server of `dir`'s home on a free loopback port.
pub fn serve(dir: &TempDir, token: Option<&str>) -> Handle {
    let mut config = Config::new(dir.0.clone());
    config.token = token.map(str::to_string);
    Handle::start(loopback(), config).expect("server starts")
}

/// A peer named `name` at `url`, with a token file in `dir` when `token` is given.
pub fn peer(name: &str, url: &str, dir: &TempDir, token: Option<&str>) -> Peer {
    let token_file = token.map(|t| {
        let path = dir.0.join(format!("{name}.token"));
        std::fs::write(&path, format!("{t}\n")).unwrap();
        path
    });
    Peer { name: name.into(), url: url.into(), token_file }
}

/// An answer read off the wire.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

/// Sends `request` as written (the path is not normalized) and reads the whole answer
/// (`Connection: close` is expected in `request`).
pub fn raw(addr: SocketAddr, request: &[u8]) -> Raw {
    let mut s = TcpStream::connect(addr).expect("connects");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    s.write_all(request).expect("sends");
    // Read the head, then as many body bytes as it announces (the server may keep the
    // connection open while it drains a body it refused).
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut split = None;
    loop {
        if split.is_none() {
            split = buf.windows(4).position(|w| w == b"\r\n\r\n");
        }
        if let Some(at) = split {
            let head = String::from_utf8_lossy(&buf[..at]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse::<usize>().unwrap());
            let is_head = request.starts_with(b"HEAD ");
            if is_head || len.is_some_and(|n| buf.len() >= at + 4 + n) {
                break;
            }
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let split = split.expect("a head");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let body = buf[split + 4..].to_vec();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status");
    Raw { status, head, body }
}

/// `METHOD path` with extra header lines and a body.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[&str], body: &[u8]) -> Raw {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes)
}

/// Some bytes of `len`, different for each `seed`.
pub fn blob(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// A request's head as it arrives on `s`: up to the blank line (or the end of the stream).
pub fn read_head(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A one-shot fake server: answers each connection with `answer(request_head)` (raw bytes),
/// then closes it. Runs until the process ends.
pub fn fake_server(answer: impl Fn(&str) -> Vec<u8> + Send + 'static) -> String {
    let listener = std::net::TcpListener::bind(loopback()).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { continue };
            let head = read_head(&mut s);
            let _ = s.write_all(&answer(&head));
            let _ = s.flush();
        }
    });
    url
}

/// A loopback URL where nothing listens.
pub fn dead_url() -> String {
    let l = std::net::TcpListener::bind(loopback()).unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

/// A fake server like [`fake_server`] (each connection answered with `answer(request_head)`,
/// then closed), stopped and its thread joined when dropped.
pub struct Fake {
    pub url: String,
    addr: SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Fake {
    pub fn start(answer: impl Fn(&str) -> Vec<u8> + Send + 'static) -> Fake {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind(loopback()).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut s) = conn else { continue };
                let head = read_head(&mut s);
                let _ = s.write_all(&answer(&head));
                let _ = s.flush();
            }
        });
        Fake { url: format!("http://{addr}"), addr, stop, thread: Some(thread) }
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wakes the thread from `accept`, so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
