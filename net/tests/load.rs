//! The load path against peers that are down, slow, lying or cut short, and under load.

mod common;

use common::*;
use rdx_core::Cid;
use rdx_net::load::load_with;
use rdx_net::server::{Config, Handle};
use rdx_net::{Client, NetError};
use std::time::Duration;

/// A server of a home holding `bytes`.
fn holding(dir: &TempDir, bytes: &[u8]) -> Handle {
    dir.home().put(bytes).unwrap();
    serve(dir, None)
}

#[test]
fn local_first_then_peers_in_order_skipping_a_dead_one() {
    let (remote, local) = (TempDir::new("order-remote"), TempDir::new("order-local"));
    let bytes = blob(11, 5000);
    let cid = Cid::of(&bytes);
    let server = holding(&remote, &bytes);
    let peers = [peer("down", &dead_url(), &local, None), peer("up", &server.url(), &local, None)];
    let home = local.home();
    assert_eq!(load_with(&Client::default(), &home, &peers, &cid).unwrap(), bytes);
    assert_eq!(home.get(&cid).unwrap(), bytes, "stored once verified");
    drop(server);
    // Now local: no peer is asked.
    assert_eq!(load_with(&Client::default(), &home, &peers[..1], &cid).unwrap(), bytes);
}

#[test]
fn a_slow_peer_times_out_and_the_next_is_asked() {
    let (slow_dir, good_dir, local) =
        (TempDir::new("slow"), TempDir::new("slow-good"), TempDir::new("slow-local"));
    let bytes = blob(12, 300);
    let cid = Cid::of(&bytes);
    slow_dir.home().put(&bytes).unwrap();
    let mut config = Config::new(slow_dir.0.clone());
    config.delay = Duration::from_millis(3000);
    let slow = Handle::start(loopback(), config).unwrap();
    let good = holding(&good_dir, &bytes);
    let client = Client::new(Duration::from_millis(300));
    let home = local.home();
    let only_slow = [peer("slow", &slow.url(), &local, None)];
    match load_with(&client, &home, &only_slow, &cid) {
        Err(NetError::Unavailable { tried, .. }) => {
            assert_eq!(tried.len(), 1);
            assert!(tried[0].1.contains("timed out"), "{tried:?}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(!home.has(&cid).unwrap());
    let both = [only_slow[0].clone(), peer("good", &good.url(), &local, None)];
    assert_eq!(load_with(&client, &home, &both, &cid).unwrap(), bytes);
}

#[test]
fn corrupt_and_truncated_bytes_are_rejected_and_never_stored() {
    let (good_dir, local) = (TempDir::new("bad-good"), TempDir::new("bad-local"));
    let bytes = blob(13, 20_000);
    let cid = Cid::of(&bytes);
    let mut flipped = bytes.clone();
    flipped[100] ^= 0x40;
    let corrupt = fake_server(move |_| {
        let mut r =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", flipped.len())
                .into_bytes();
        r.extend_from_slice(&flipped);
        r
    });
    let half = bytes[..bytes.len() / 2].to_vec();
    let full_len = bytes.len();
    // Announces the whole blob, sends half, then dies: a server killed mid-transfer.
    let truncated = fake_server(move |_| {
        let mut r = format!("HTTP/1.1 200 OK\r\nContent-Length: {full_len}\r\nConnection: close\r\n\r\n")
            .into_bytes();
        r.extend_from_slice(&half);
        r
    });
    // Sends a short body that says it is whole.
    let short = bytes[..1000].to_vec();
    let lying = fake_server(move |_| {
        let mut r =
            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", short.len())
                .into_bytes();
        r.extend_from_slice(&short);
        r
    });
    let home = local.home();
    let bad = [
        peer("corrupt", &corrupt, &local, None),
        peer("truncated", &truncated, &local, None),
        peer("lying", &lying, &local, None),
    ];
    match load_with(&Client::default(), &home, &bad, &cid) {
        Err(NetError::Unavailable { tried, .. }) => {
            let names: Vec<&str> = tried.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, ["corrupt", "truncated", "lying"]);
            assert!(tried[0].1.contains("rejected"), "{tried:?}");
            assert!(tried[2].1.contains("rejected"), "{tried:?}");
        }
        other => panic!("expected every peer refused, got {other:?}"),
    }
    assert!(!home.has(&cid).unwrap(), "nothing partial or wrong is stored");
    assert!(home.list().unwrap().is_empty());
    let tmp: Vec<_> = std::fs::read_dir(local.0.join("store/tmp")).unwrap().collect();
    assert!(tmp.is_empty(), "no temp file left");
    let good = holding(&good_dir, &bytes);
    let mut all = bad.to_vec();
    all.push(peer("good", &good.url(), &local, None));
    assert_eq!(load_with(&Client::default(), &home, &all, &cid).unwrap(), bytes);
    match Client::default().fetch(&bad[0], &cid) {
        Err(e @ NetError::BadBytes { .. }) => assert!(e.to_string().contains("corrupt")),
        other => panic!("expected bad bytes, got {other:?}"),
    }
}

#[test]
fn thirty_two_clients_times_a_hundred_loads() {
    let dir = TempDir::new("many");
    let blobs: Vec<Vec<u8>> = (0..20).map(|i| blob(100 + i, 100 + 700 * i as usize)).collect();
    let home = dir.home();
    for b in &blobs {
        home.put(b).unwrap();
    }
    let server = serve(&dir, None);
    let p = peer("a", &server.url(), &dir, None);
    let round = || -> usize {
        let client = Client::default();
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..32)
                .map(|t| {
                    let (client, p, blobs) = (client.clone(), p.clone(), &blobs);
                    s.spawn(move || {
                        let mut ok = 0;
                        for i in 0..100 {
                            let b = &blobs[(t * 7 + i) % blobs.len()];
                            if client.fetch(&p, &Cid::of(b)).unwrap() == *b {
                                ok += 1;
                            }
                        }
                        ok
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).sum()
        })
    };
    assert_eq!(round(), 3200);
    // No descriptor leaks: a second round of 3,200 loads (new clients, new connections)
    // leaves no more sockets open than the first did, and the process (clients and server
    // both) holds a bounded number of descriptors: a few per pooled home (SQLite keeps a
    // closed connection's file open while another holds a lock, and reuses it), none per
    // load. The server notices closed connections asynchronously: give it a moment.
    let settle = |limit: usize| {
        let mut n = sockets();
        for _ in 0..100 {
            if n <= limit {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            n = sockets();
        }
        n
    };
    let after_one = settle(1);
    assert_eq!(round(), 3200);
    let after_two = settle(after_one);
    assert!(after_two <= after_one, "{after_one} sockets after 3,200 loads, {after_two} after 6,400");
    let total: usize = fd_kinds().values().sum();
    assert!(total < 200, "{total} descriptors after 6,400 loads: {:?}", fd_kinds());
    assert_eq!(Client::default().health(&p).unwrap()["ok"], true);
}

/// The sockets this process holds open.
fn sockets() -> usize {
    fd_kinds().get("socket").copied().unwrap_or(0)
}

/// The descriptors this process holds, by kind (`socket`, a file's name, …).
fn fd_kinds() -> std::collections::BTreeMap<String, usize> {
    let mut kinds = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir("/proc/self/fd").into_iter().flatten().flatten() {
        let target = std::fs::read_link(entry.path()).map(|p| p.display().to_string()).unwrap_or_default();
        let kind = match target.split_once(':') {
            Some((k, _)) if !target.starts_with('/') => k.to_string(),
            _ => target.rsplit('/').next().unwrap_or("").to_string(),
        };
        *kinds.entry(kind).or_insert(0) += 1;
    }
    kinds
}
