//! `rdx peer sync` as a library: a peer's runs copied into a home as `foreign_run` records,
//! against a real server on a free loopback port.

mod common;

use common::*;
use rdx_core::run::{self, Backend, Program, Request};
use rdx_lang::ast::Dialect;
use rdx_net::Client;
use rdx_net::sync::{FOREIGN_RUN, sync};
use rdx_vm::{Direction, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::net::{SocketAddr, TcpListener};

/// Records `n` real runs (distinct inputs) of a small program in `home`.
fn record_runs(home: &rdx_core::Home, n: u64) {
    let source = "gene main(x: u64) {\n    x += 1\n}\n";
    let program = Program::from_source(source.into(), "t.rdx".into(), Dialect::Rdx, false, &[]).unwrap();
    for x in 0..n {
        let args = vec![Value::Int(x)];
        let outcome = run::run(Request::new(&program, 0, args, Direction::Forward, Backend::Interp)).unwrap();
        run::record(home, &outcome.facts(&program, 0, &[], &[], None), &outcome.exec).unwrap();
    }
}

/// A loopback gate in front of `server`: it takes `n` requests and answers none until it holds
/// all of them, then passes each to `server` and its answer back. Everyone who asks has done
/// whatever came before asking, before anyone hears back.
fn gate(server: SocketAddr, n: usize) -> String {
    let listener = TcpListener::bind(loopback()).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut waiting = Vec::new();
        for conn in listener.incoming().take(n) {
            let mut s = conn.unwrap();
            let head = read_head(&mut s);
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            waiting.push((s, path));
        }
        for (mut s, path) in waiting {
            let answer = request(server, "GET", &path, &[], b"");
            let _ = s.write_all(answer.head.as_bytes());
            let _ = s.write_all(b"\r\n\r\n");
            let _ = s.write_all(&answer.body);
        }
    });
    url
}

/// The foreign runs in the home at `dir`: how many records hold each of the peer's run ids.
fn copies(dir: &TempDir) -> BTreeMap<u64, usize> {
    let mut copies = BTreeMap::new();
    for (_, body) in dir.home().records_of_kind(FOREIGN_RUN).unwrap() {
        *copies.entry(body["remote_id"].as_u64().unwrap()).or_default() += 1;
    }
    copies
}

#[test]
fn concurrent_syncs_copy_each_run_once() {
    const RUNS: u64 = 6;
    const SYNCS: usize = 4;
    let (a, b) = (TempDir::new("sync-a"), TempDir::new("sync-b"));
    record_runs(&a.home(), RUNS);
    let server = serve(&a, None);
    // Every sync reads what is already here and asks the peer before any of them hears back:
    // they all see nothing copied, and all fetch the same runs.
    let gated = peer("a", &gate(server.addr(), SYNCS), &b, None);
    let threads: Vec<_> = (0..SYNCS)
        .map(|_| {
            let (dir, peer) = (b.0.clone(), gated.clone());
            std::thread::spawn(move || {
                let home = rdx_core::Home::open(Some(&dir)).unwrap();
                sync(&Client::default(), &home, &peer, false).unwrap()
            })
        })
        .collect();
    let reports: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let added: usize = reports.iter().map(|r| r.added.len()).sum();
    let skipped: usize = reports.iter().map(|r| r.skipped).sum();
    let want: BTreeMap<u64, usize> = (1..=RUNS).map(|id| (id, 1)).collect();
    assert_eq!(copies(&b), want, "{reports:?}");
    assert_eq!((added, skipped), (RUNS as usize, (SYNCS - 1) * RUNS as usize), "{reports:?}");
    // A rerun, straight to the server, finds nothing new.
    let direct = peer("a", &server.url(), &b, None);
    let again = sync(&Client::default(), &b.home(), &direct, false).unwrap();
    assert!(again.added.is_empty(), "{again:?}");
    assert_eq!(copies(&b), want);
    assert!(b.home().verify_ledger().is_ok());
    server.stop().unwrap();
}

/// A loopback proxy in front of `server` that alters the first run of every answer (its
/// `erased_bits` 0 becomes 1, the length kept), as a peer whose ledger was edited would send it.
fn tampering(server: SocketAddr) -> String {
    let listener = TcpListener::bind(loopback()).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { return };
            let head = read_head(&mut s);
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            let answer = request(server, "GET", &path, &[], b"");
            let body =
                String::from_utf8_lossy(&answer.body).replacen("\"erased_bits\":0", "\"erased_bits\":1", 1);
            let _ = s.write_all(answer.head.as_bytes());
            let _ = s.write_all(b"\r\n\r\n");
            let _ = s.write_all(body.as_bytes());
        }
    });
    url
}

#[test]
fn a_run_that_does_not_hash_to_its_hash_is_not_copied() {
    let (a, b) = (TempDir::new("sync-tampered-a"), TempDir::new("sync-tampered-b"));
    record_runs(&a.home(), 3);
    let server = serve(&a, None);
    let altered = peer("a", &tampering(server.addr()), &b, None);
    let e = sync(&Client::default(), &b.home(), &altered, false).unwrap_err().to_string();
    assert!(
        e.contains(
            "does not hash to the hash it sent (altered in its ledger, or on the way); nothing was copied"
        ),
        "{e}"
    );
    assert!(copies(&b).is_empty(), "nothing copied");
    // The same peer's true answer is copied whole.
    let direct = peer("a", &server.url(), &b, None);
    let report = sync(&Client::default(), &b.home(), &direct, false).unwrap();
    assert_eq!(report.added.len(), 3, "{report:?}");
    server.stop().unwrap();
}
