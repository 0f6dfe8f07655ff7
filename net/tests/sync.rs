//! `rdx peer sync` as a library: a peer's runs copied into a home as `foreign_run` records,
//! against a real server on a free loopback port.

mod common;

use common::*;
use rdx_core::Cid;
use rdx_core::ledger::NewRun;
use rdx_net::Client;
use rdx_net::sync::{FOREIGN_RUN, sync};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};

/// A successful run of `program` on `input`, as any engine would record it.
fn sample_run(program: &Cid, input: &Cid) -> NewRun {
    NewRun {
        started: "2026-12-03T21:28:07.000000000Z".into(),
        ended: "2026-12-03T21:28:07.000000001Z".into(),
        program: program.to_hex(),
        entry: "main".into(),
        direction: "forward".into(),
        backend: "interp".into(),
        backend_reason: None,
        input: input.to_hex(),
        output: Some(input.to_hex()),
        tape: None,
        erased_bits: 0,
        landauer_joules: 0.0,
        instructions: None,
        wall_ns: 1,
        outcome: "ok".into(),
        code: None,
        message: None,
        rdx_version: "0.1.0".into(),
        host: "testhost".into(),
        parent: None,
        kernels: vec![],
        flags: vec![],
        printed: None,
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
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(k) => buf.extend_from_slice(&chunk[..k]),
                }
            }
            let head = String::from_utf8_lossy(&buf).into_owned();
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
    let home_a = a.home();
    let program = home_a.put(b"gene main() {}").unwrap();
    for i in 0..RUNS {
        let input = home_a.put(&blob(i, 16)).unwrap();
        home_a.record_run(&sample_run(&program, &input)).unwrap();
    }
    drop(home_a);
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
