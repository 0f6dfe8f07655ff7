//! What the command-line tests share: a temporary home to run `rdx` in, and `rdx serve` on a
//! free loopback port. Each test binary uses part of it (`mod common;`).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};

/// A temporary home, deleted on drop. Tests may put files in it beside the store and ledger.
pub struct TempHome(pub PathBuf);

impl TempHome {
    /// A fresh (not yet created) home named after the test binary's `tag` and this process.
    pub fn new(tag: &str) -> TempHome {
        let dir = std::env::temp_dir().join(format!("rdx-test-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempHome(dir)
    }

    /// `rdx --home HOME` run from the repository root, with no ledger switch or home inherited
    /// from the environment and a network timeout short enough for tests.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rdx"));
        c.current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("RDX_NO_LEDGER")
            .env_remove("RDX_HOME")
            .env("RDX_NET_TIMEOUT_MS", "5000")
            .arg("--home")
            .arg(&self.0);
        c
    }

    pub fn rdx(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("rdx runs")
    }

    /// Runs `rdx args…`, asserts success and gives its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.rdx(args);
        assert!(out.status.success(), "rdx {args:?} failed: {}", stderr(&out));
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// Runs `rdx args…`, asserts success and parses its stdout as JSON.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let text = self.ok(args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("rdx {args:?} gave no JSON ({e}): {text}"))
    }

    /// Runs `rdx args…`, asserts success and parses its stdout as a JSON array.
    pub fn json_list(&self, args: &[&str]) -> Vec<serde_json::Value> {
        serde_json::from_value(self.json(args))
            .unwrap_or_else(|e| panic!("rdx {args:?} gave no JSON array: {e}"))
    }

    /// The ledger's records, `rdx log --json`.
    pub fn log(&self) -> Vec<serde_json::Value> {
        self.json_list(&["log", "--json"])
    }

    /// Writes a file in the home (creating it) and gives its path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        std::fs::create_dir_all(&self.0).expect("a temporary folder");
        let path = self.0.join(name);
        std::fs::write(&path, contents).expect("a file in the home");
        path.to_string_lossy().into_owned()
    }

    /// `rdx serve` over this home on a free loopback port.
    pub fn serve(&self, extra: &[&str]) -> Server {
        let (child, line) = self.start_serve(&[&["--addr", "127.0.0.1:0"], extra].concat(), Stdio::inherit());
        let url = line.trim().strip_prefix("listening on ").expect("the first line names the address");
        assert!(url.starts_with("http://127.0.0.1:"), "{line}");
        Server { child, url: url.to_string() }
    }

    /// `rdx serve ARGS…` over this home, its stderr to `stderr`, and the first line it writes
    /// on stdout: `listening on …` once it serves, empty when it ends without (a refusal of its
    /// flags closes stdout with no line: no clock needed to tell the two apart).
    pub fn start_serve(&self, args: &[&str], stderr: Stdio) -> (Child, String) {
        let mut child = self
            .cmd()
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("rdx serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("read rdx serve's stdout");
        (child, line)
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `rdx serve`, killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        self.child.wait().unwrap()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL (no chance to finish anything), then the exit status.
    pub fn kill(mut self) -> ExitStatus {
        self.child.kill().expect("the server is killed");
        self.child.wait().unwrap()
    }

    /// `GET path`: status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let addr = self.url.strip_prefix("http://").unwrap();
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.split_whitespace().nth(1).unwrap().parse().unwrap(), body.to_string())
    }

    /// `POST path` with a JSON body and no token: status and body.
    pub fn post(&self, path: &str, body: &str) -> (u16, String) {
        let addr = self.url.strip_prefix("http://").unwrap();
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        (head.split_whitespace().nth(1).unwrap().parse().unwrap(), body.to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A user kernel over f64 buffers named `name` (its own mirror, unitary, order 2) that negates
/// each element, as a `.wasm` module's bytes.
pub fn negating_kernel(name: &str) -> Vec<u8> {
    let wat = format!(
        r#"(module
  (@custom "rdx.kernel" "abi=1\nname={name}\nmirror={name}\nelem=f64\nkind=unitary\norder=2\n")
  (memory (export "memory") 1)
  (func $neg (export "forward") (param $p i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (f64.store (local.get $p) (f64.neg (f64.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $next))))
  (export "inverse" (func $neg)))"#
    );
    wat::parse_str(wat).expect("the negating kernel assembles")
}
