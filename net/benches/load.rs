//! What a load costs over loopback, against a local load.
//!
//! Run with `cargo bench -p rdx-net --bench load` (optionally `-- ROUNDS`, default 21).
//!
//! The machine may be shared: each figure is a median over many rounds, with the fastest
//! round, the load average before and after, and the CPU time the fetch cost (client and
//! server together, from /proc/self/stat), which other processes do not inflate.
//!
//! 1. A 64 MiB blob fetched from a server on 127.0.0.1 and verified into memory: the median
//!    time and MB/s (the target is ≥ 500 MB/s); then the durable write of those bytes into a
//!    fresh store (temp file, fsync, rename), timed on its own.
//! 2. A small blob (1 KiB, inline in the server's ledger; and 16 KiB, a file) fetched and
//!    verified into memory 2,000 times: p50, p90, p99 (the target for p50 is ≤ 300 µs); the
//!    same blobs read from the local store, for the ratio.
//!
//! The server runs in this process on its own runtime (two worker threads), as
//! `rdx serve` runs it.

use rdx_core::{Cid, Home};
use rdx_net::server::{Config, Handle};
use rdx_net::{Client, Peer};
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let rounds = std::env::args().skip(1).find_map(|a| a.parse::<usize>().ok()).unwrap_or(21);
    println!("load average before: {}", load_average());
    let scratch = std::env::temp_dir().join(format!("rdx-bench-net-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let served = scratch.join("served");
    let home = Home::open(Some(&served)).expect("a home");
    let big = bytes(1, 64 << 20);
    let small = bytes(2, 1024);
    let file = bytes(3, 16 << 10);
    for b in [&big, &small, &file] {
        home.put(b).expect("stored");
    }
    let server = Handle::start("127.0.0.1:0".parse().unwrap(), Config::new(served.clone())).expect("serves");
    let peer = Peer { name: "bench".into(), url: server.url(), token_file: None };
    let client = Client::default();

    big_blob(&client, &peer, &big, &scratch, rounds);
    for (what, b) in [("1 KiB (inline)", &small), ("16 KiB (file)", &file)] {
        small_blob(&client, &peer, &home, what, b);
    }
    drop(server);
    drop(home);
    let _ = std::fs::remove_dir_all(&scratch);
    println!("load average after: {}", load_average());
}

/// The 1, 5 and 15 minute load averages (Linux), or `?`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// CPU time of this process so far, all threads, user + system (Linux; 0 elsewhere).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest.split_whitespace().map(|v| v.parse().unwrap_or(0)).collect();
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

fn big_blob(client: &Client, peer: &Peer, big: &[u8], scratch: &Path, rounds: usize) {
    let cid = Cid::of(big);
    let mut fetch = Vec::new();
    drop(client.fetch(peer, &cid).expect("warm-up"));
    let cpu = cpu_time();
    for _ in 0..rounds.max(3) {
        let t = Instant::now();
        let got = client.fetch(peer, &cid).expect("fetched and verified");
        fetch.push(t.elapsed());
        assert_eq!(got.len(), big.len());
    }
    let cpu = (cpu_time() - cpu) / fetch.len() as u32;
    let m = median(&mut fetch);
    let rate = |d: Duration| big.len() as f64 / d.as_secs_f64() / 1e6;
    println!(
        "64 MiB over loopback, fetched and verified into memory: median {:.1} ms = {:.0} MB/s; \
         fastest {:.1} ms = {:.0} MB/s ({} rounds); CPU per fetch {:.1} ms (client + server)",
        ms(m),
        rate(m),
        ms(fetch[0]),
        rate(fetch[0]),
        fetch.len(),
        ms(cpu)
    );
    let mut writes = Vec::new();
    for i in 0..rounds.clamp(3, 7) {
        let home = Home::open(Some(&scratch.join(format!("store-{i}")))).expect("a home");
        let t = Instant::now();
        home.put(big).expect("stored");
        writes.push(t.elapsed());
    }
    let w = median(&mut writes);
    println!(
        "  the durable store write of those 64 MiB (temp file, fsync, rename): median {:.1} ms, {:.0} MB/s",
        ms(w),
        big.len() as f64 / w.as_secs_f64() / 1e6
    );
}

fn small_blob(client: &Client, peer: &Peer, home: &Home, what: &str, b: &[u8]) {
    let cid = Cid::of(b);
    let n = 2000;
    for _ in 0..100 {
        client.fetch(peer, &cid).expect("warm-up");
    }
    let mut remote = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let got = client.fetch(peer, &cid).expect("fetched");
        remote.push(t.elapsed());
        assert_eq!(got.len(), b.len());
    }
    let mut local = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let got = home.get(&cid).expect("read");
        local.push(t.elapsed());
        assert_eq!(got.len(), b.len());
    }
    remote.sort();
    local.sort();
    let q = |v: &[Duration], p: f64| us(v[((v.len() - 1) as f64 * p) as usize]);
    println!(
        "{what}: remote p50 {:.0} µs  p90 {:.0} µs  p99 {:.0} µs | local p50 {:.1} µs  p99 {:.1} µs | \
         remote/local at p50 {:.1}×",
        q(&remote, 0.5),
        q(&remote, 0.9),
        q(&remote, 0.99),
        q(&local, 0.5),
        q(&local, 0.99),
        q(&remote, 0.5) / q(&local, 0.5)
    );
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Some bytes of `len`, different for each `seed` (xorshift).
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}
