//! Networking through the `rdx` command: `rdx serve` on a free loopback port, peers, the
//! fallback of `run`, `store get` and `disasm` to peers, fetch and push, remote runs.

mod common;
use common::{TempHome, stderr};

#[test]
fn a_peer_supplies_what_the_store_lacks() {
    let (a, b) = (TempHome::new("supply-a"), TempHome::new("supply-b"));
    let printed = a.ok(&["run", "stdlib/fib.rdx", "--set", "n=10"]);
    let run = &a.log()[0];
    let program = run["program"].as_str().unwrap().to_string();
    let output = run["output"].as_str().unwrap().to_string();
    let server = a.serve(&[]);
    // Without peers a missing CID is the usual error.
    let out = b.rdx(&["store", "get", &program]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    b.ok(&["peer", "add", "a", &server.url]);
    assert!(b.ok(&["peer", "ls"]).contains(&server.url));
    // A prefix is local only, and the error says so.
    let out = b.rdx(&["run", &program[..12], "--set", "n=10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("prefix works only locally"), "{}", stderr(&out));
    assert_eq!(b.ok(&["run", &program, "--set", "n=10"]), printed);
    assert!(b.ok(&["disasm", &program]).contains("fib"));
    let state = b.ok(&["store", "get", &output]);
    assert!(state.contains("89"), "{state}");
    // Records for sync: ascending ids above `after`.
    let (status, body) = server.get("/runs?after=0");
    assert_eq!(status, 200);
    let runs: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["program"], program.as_str());
    assert_eq!(server.get("/runs?after=1").1.trim(), "[]");
    assert_eq!(server.terminate().code(), Some(0), "SIGTERM stops it cleanly");
}

#[test]
fn fetch_and_push_with_a_token() {
    let (a, b) = (TempHome::new("push-a"), TempHome::new("push-b"));
    std::fs::create_dir_all(&b.0).unwrap();
    let token = b.0.join("token");
    std::fs::write(&token, "  let-me-in  \nignored\n").unwrap();
    let server = a.serve(&["--token-file", token.to_str().unwrap()]);
    let file = b.0.join("note.txt");
    std::fs::write(&file, "a note that travels\n").unwrap();
    let cid = b.ok(&["store", "put", file.to_str().unwrap()]).split_whitespace().next().unwrap().to_string();
    b.ok(&["peer", "add", "open", &server.url]);
    let out = b.rdx(&["push", &cid, "--to", "open"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("401"), "{}", stderr(&out));
    b.ok(&["peer", "rm", "open"]);
    b.ok(&["peer", "add", "a", &server.url, "--token-file", token.to_str().unwrap()]);
    assert_eq!(b.ok(&["push", &cid[..10], "--to", "a"]).trim(), cid);
    assert_eq!(a.ok(&["store", "get", &cid]), "a note that travels\n");
    let c = TempHome::new("push-c");
    c.ok(&["peer", "add", "a", &server.url]);
    // A prefix names a local blob only: unknown here, then known once fetched whole.
    let out = c.rdx(&["fetch", &cid[..10], "--from", "a"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("give all 64 hex digits to fetch it from a peer"), "{}", stderr(&out));
    assert_eq!(c.ok(&["fetch", &cid, "--from", "a"]).trim(), cid);
    assert_eq!(c.ok(&["store", "get", &cid]), "a note that travels\n");
    assert_eq!(c.ok(&["fetch", &cid[..10]]).trim(), cid);
    assert_eq!(c.ok(&["fetch", &cid[..10], "--from", "a"]).trim(), cid);
}

#[test]
fn every_peer_failing_is_one_error_naming_each() {
    let b = TempHome::new("down");
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    b.ok(&["peer", "add", "gone", &dead]);
    let a = TempHome::new("down-a");
    a.ok(&["store", "ls"]);
    let server = a.serve(&[]);
    b.ok(&["peer", "add", "empty", &server.url]);
    let cid = "ab".repeat(32);
    let out = b.rdx(&["fetch", &cid]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("gone: unreachable") && err.contains("empty: does not have it"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn run_on_a_peer_prints_and_records_the_same_run() {
    let (a, b) = (TempHome::new("on-a"), TempHome::new("on-b"));
    let local = b.ok(&["run", "stdlib/fib.rdx", "--set", "n=12", "--no-ledger"]);
    let server = a.serve(&[]);
    b.ok(&["peer", "add", "a", &server.url]);
    let remote = b.ok(&["run", "--on", "a", "stdlib/fib.rdx", "--set", "n=12"]);
    assert_eq!(remote, local);
    let json = b.ok(&["run", "--on", "a", "stdlib/fib.rdx", "--set", "n=12", "--json", "--no-ledger"]);
    assert!(json.trim_start().starts_with('{'), "{json}");
    let (there, here) = (a.log(), b.log());
    assert_eq!((there.len(), here.len()), (2, 1));
    for field in ["program", "input", "output", "entry", "direction"] {
        assert_eq!(there[1][field], here[0][field], "{field}");
    }
    b.ok(&["ledger", "verify"]);
    let cid = here[0]["output"].as_str().unwrap();
    assert!(b.ok(&["store", "get", cid]).contains("233"));
}

#[test]
fn remote_loads_are_probes_and_compare_with_local_ones() {
    let (a, b) = (TempHome::new("probe-a"), TempHome::new("probe-b"));
    std::fs::create_dir_all(&a.0).unwrap();
    let file = a.0.join("blob.bin");
    std::fs::write(&file, vec![9u8; 50_000]).unwrap();
    let cid = a.ok(&["store", "put", file.to_str().unwrap()]).split_whitespace().next().unwrap().to_string();
    let server = a.serve(&[]);
    b.ok(&["peer", "add", "a", &server.url]);
    let json = |out: String| serde_json::from_str::<Vec<serde_json::Value>>(&out).expect("a JSON array");
    let remote = &json(b.ok(&["probe", "--load", &cid, "--from", "a", "-n", "3", "--json"]))[0];
    assert_eq!((remote["what"].as_str(), remote["source"].as_str()), (Some("load"), Some("a")));
    assert_eq!((remote["bytes"].as_u64(), remote["n"].as_u64()), (Some(50_000), Some(3)));
    // Probing a remote load stores nothing; a load through the load path does, and is noted.
    assert_eq!(b.rdx(&["probe", "--load", &cid, "-n", "1"]).status.code(), Some(2));
    b.ok(&["store", "get", &cid]);
    let local = &json(b.ok(&["probe", "--load", &cid, "-n", "3", "--json"]))[0];
    assert_eq!(local["source"], "local");
    let (r, l) = (remote["id"].as_u64().unwrap().to_string(), local["id"].as_u64().unwrap().to_string());
    let cmp = b.ok(&["probe", "--compare", &l, &r]);
    assert!(cmp.contains(&format!("probe {r} (load")) && cmp.contains("95% interval"), "{cmp}");
    assert!(b.ok(&["ledger", "verify"]).starts_with("ok: "));
    assert_eq!(server.terminate().code(), Some(0));
}

/// Writes `text` to `name` in `home`'s directory and gives the path.
fn source(home: &TempHome, name: &str, text: &str) -> String {
    std::fs::create_dir_all(&home.0).unwrap();
    let path = home.0.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_remote_error_renders_as_a_local_one() {
    let (a, b) = (TempHome::new("err-a"), TempHome::new("err-b"));
    let file = source(&b, "fails.rdx", "gene main(x: u64) {\n    x += 1\n    assert x == 5\n}\n");
    let local = b.rdx(&["run", &file, "--set", "x=1", "--no-ledger"]);
    let server = a.serve(&[]);
    b.ok(&["peer", "add", "a", &server.url]);
    let remote = b.rdx(&["run", "--on", "a", &file, "--set", "x=1"]);
    assert_eq!(local.status.code(), Some(1));
    assert_eq!(remote.status.code(), Some(1));
    assert!(
        stderr(&local).contains("R0101") && stderr(&local).contains("assert x == 5"),
        "{}",
        stderr(&local)
    );
    assert_eq!(stderr(&remote), stderr(&local));
    assert_eq!(remote.stdout, local.stdout);
    // Both ledgers hold the failed run.
    assert_eq!(a.log()[0]["code"], "R0101");
    assert_eq!(b.log()[0]["code"], "R0101");
}

#[test]
fn a_remote_run_is_stopped_at_its_time_and_step_budgets() {
    let (a, b) = (TempHome::new("budget-a"), TempHome::new("budget-b"));
    // 2^64 turns of a loop: only a budget ends it.
    let spin = "gene main(i: u64) {\n    from i == 0 do {\n        i += 1\n    } until i == 0\n}\n";
    let file = source(&b, "spin.rdx", spin);
    let server = a.serve(&["--run-ms", "300", "--run-steps", "1000000000000"]);
    b.ok(&["peer", "add", "a", &server.url]);
    let out = b.rdx(&["run", "--on", "a", &file]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("R0119"), "{}", stderr(&out));
    let there = a.log();
    assert_eq!((there[0]["outcome"].as_str(), there[0]["code"].as_str()), (Some("error"), Some("R0119")));
    // The server is still up, and its step budget stops a run too.
    drop(server);
    let server = a.serve(&["--run-steps", "5000"]);
    b.ok(&["peer", "rm", "a"]);
    b.ok(&["peer", "add", "a", &server.url]);
    let out = b.rdx(&["run", "--on", "a", &file]);
    assert!(stderr(&out).contains("R0117"), "{}", stderr(&out));
    assert_eq!(server.get("/health").0, 200);
}

#[test]
fn probe_a_url() {
    let (a, b) = (TempHome::new("url-a"), TempHome::new("url-b"));
    std::fs::create_dir_all(&a.0).unwrap();
    let file = a.0.join("blob.bin");
    std::fs::write(&file, vec![7u8; 30_000]).unwrap();
    let cid = a.ok(&["store", "put", file.to_str().unwrap()]).split_whitespace().next().unwrap().to_string();
    let server = a.serve(&[]);
    let url = format!("{}/blobs/{cid}", server.url);
    let out: Vec<serde_json::Value> =
        serde_json::from_str(&b.ok(&["probe", &url, "-n", "4", "--json"])).unwrap();
    let p = &out[0];
    assert_eq!((p["what"].as_str(), p["target"].as_str()), (Some("url"), Some(url.as_str())));
    assert_eq!((p["n"].as_u64(), p["bytes"].as_u64()), (Some(4), Some(30_000)));
    assert!(p["throughput_bps"].as_f64().unwrap() > 0.0);
    assert!(p["id"].as_u64().is_some(), "recorded");
    // A URL that answers 404 stops the probe with a clear outcome; https is refused in words.
    let missing = b.rdx(&["probe", &format!("{}/blobs/{}", server.url, "0".repeat(64)), "-n", "2"]);
    assert_ne!(missing.status.code(), Some(0));
    assert!(stderr(&missing).contains("404"), "{}", stderr(&missing));
    let tls = b.rdx(&["probe", "https://127.0.0.1:1/", "-n", "1"]);
    assert_eq!(tls.status.code(), Some(2));
}

#[test]
fn peer_sync_copies_run_records_once() {
    let (a, b) = (TempHome::new("sync-a"), TempHome::new("sync-b"));
    a.ok(&["run", "stdlib/fib.rdx", "--set", "n=5"]);
    a.ok(&["run", "stdlib/fib.rdx", "--set", "n=6"]);
    let server = a.serve(&[]);
    b.ok(&["peer", "add", "a", &server.url]);
    let first = b.ok(&["peer", "sync", "a"]);
    assert!(first.starts_with("synced 2 runs from a"), "{first}");
    let again = b.ok(&["peer", "sync", "a"]);
    assert!(again.starts_with("nothing new from a"), "{again}");
    // Foreign records are not local runs.
    assert!(b.log().is_empty());
    // A new run there: only it is copied, with its blobs when asked.
    a.ok(&["run", "stdlib/fib.rdx", "--set", "n=7"]);
    let third = b.ok(&["peer", "sync", "a", "--blobs"]);
    assert!(third.starts_with("synced 1 run from a") && third.contains("fetched"), "{third}");
    let out = a.log()[0]["output"].as_str().unwrap().to_string();
    drop(server);
    assert!(b.ok(&["store", "get", &out]).contains("21"), "the blob was fetched eagerly");
    assert!(b.ok(&["ledger", "verify"]).starts_with("ok: "));
}

/// Bytes that process `pid` has read so far (`rchar` of /proc/PID/io).
#[cfg(target_os = "linux")]
fn bytes_read(pid: u32) -> u64 {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap_or_default();
    io.lines().find_map(|l| l.strip_prefix("rchar:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

#[test]
#[cfg(target_os = "linux")]
fn a_server_killed_mid_transfer_leaves_nothing_in_the_clients_store() {
    use std::process::Stdio;
    let (a, b) = (TempHome::new("kill-a"), TempHome::new("kill-b"));
    // 16 MiB, sent in 1 MiB pieces with a pause between them: the transfer lasts seconds.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let big: Vec<u8> = (0..16 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let path = a.file("big.bin", &big);
    drop(big);
    let cid = a.ok(&["store", "put", &path]).split_whitespace().next().unwrap().to_string();
    let server = a.serve(&["--pace-ms", "250"]);
    b.ok(&["peer", "add", "a", &server.url]);
    let before = bytes_read(server.pid());
    let mut fetch = b
        .cmd()
        .args(["fetch", &cid])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rdx fetch");
    // Kill the server once it has read a few pieces of the blob's file to send (socket
    // traffic is not counted in rchar, file reads are).
    let mut waited = 0;
    while bytes_read(server.pid()) < before + (4 << 20) {
        if fetch.try_wait().unwrap().is_some() {
            let out = fetch.wait_with_output().unwrap();
            panic!("rdx fetch ended before the server was killed: {}", stderr(&out));
        }
        assert!(waited < 60_000, "rdx fetch read no blob within a minute");
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 10;
    }
    assert!(server.kill().code().is_none(), "killed by a signal");
    let out = fetch.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&cid) && err.contains("a: the transfer broke off"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // Nothing of it in the client's store: no blob, no temp file.
    // (The peer is gone too, so asking for it again is an error naming it.)
    let again = b.rdx(&["store", "get", &cid]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("a: unreachable"), "{}", stderr(&again));
    let store = b.0.join("store");
    let blob = store.join("blobs").join(&cid[..2]).join(&cid[2..]);
    assert!(!blob.exists());
    let temps: Vec<_> =
        std::fs::read_dir(store.join("tmp")).map(|d| d.flatten().collect()).unwrap_or_default();
    assert!(temps.is_empty(), "temp files left: {temps:?}");
}

#[test]
fn run_on_a_peer_passes_user_kernels() {
    let (a, b) = (TempHome::new("kernel-a"), TempHome::new("kernel-b"));
    let wat = concat!(env!("CARGO_MANIFEST_DIR"), "/kernels/tests/fixtures/inc.wat");
    let inc = b.file("inc.wasm", wat::parse_file(wat).expect("inc.wat assembles"));
    let prog = b.file("inc.rdx", "gene main(a: u64[3]) {\n    kernel inc(a)\n    kernel inc(a)\n}\n");
    let local = b.ok(&["run", &prog, "--kernel", &inc, "--set", "a=[1,2,3]", "--no-ledger"]);
    assert_eq!(local, "a = [3, 4, 5]\n");
    let server = a.serve(&[]);
    b.ok(&["peer", "add", "a", &server.url]);
    // The peer has never seen the kernel: it is pushed, loaded there, and named by both runs.
    let remote = b.ok(&["run", "--on", "a", &prog, "--kernel", &inc, "--set", "a=[1,2,3]"]);
    assert_eq!(remote, local);
    let back =
        b.ok(&["run", "--on", "a", &prog, "--kernel", &inc, "--checked", "--reverse", "--set", "a=[3,4,5]"]);
    assert_eq!(back, "a = [1, 2, 3]\n");
    let (there, here) = (a.log(), b.log());
    assert_eq!((there.len(), here.len()), (2, 2));
    let kernel_cid = b.ok(&["store", "put", &inc]).split_whitespace().next().unwrap().to_string();
    for (t, h) in there.iter().zip(&here) {
        for field in ["program", "input", "output", "direction", "kernels"] {
            assert_eq!(t[field], h[field], "{field}");
        }
        assert_eq!(t["kernels"][0], kernel_cid.as_str());
    }
    let stored = a.rdx(&["store", "get", &kernel_cid]);
    assert!(stored.status.success(), "{}", stderr(&stored));
    assert_eq!(stored.stdout, std::fs::read(&inc).unwrap(), "the kernel is stored there, whole");
}

/// `HEAD path`: the status line and headers.
fn head(server: &common::Server, path: &str) -> String {
    use std::io::{Read, Write};
    let addr = server.url.strip_prefix("http://").unwrap();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "HEAD {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text
}

#[test]
fn get_and_head_recover_a_state_gc_dropped() {
    let a = TempHome::new("dropped-a");
    a.ok(&["run", "stdlib/fib_loop.rdx", "--set", "n=7"]);
    let input = a.log()[0]["input"].as_str().unwrap().to_string();
    a.ok(&["store", "gc", "--drop-recoverable"]);
    let server = a.serve(&[]);
    let reply = head(&server, &format!("/blobs/{input}"));
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let (status, body) = server.get(&format!("/blobs/{input}"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(rdx_core::Cid::of(body.as_bytes()).to_hex(), input);
    // Another home fetches it, verified.
    let b = TempHome::new("dropped-b");
    b.ok(&["peer", "add", "a", &server.url]);
    assert_eq!(b.ok(&["fetch", &input]).trim(), input);
}

#[test]
fn peer_sync_blobs_fetches_what_earlier_syncs_left_out_and_refuses_this_home() {
    let (a, b) = (TempHome::new("sync-blobs-a"), TempHome::new("sync-blobs-b"));
    a.ok(&["run", "stdlib/fib.rdx", "--set", "n=8"]);
    let output = a.log()[0]["output"].as_str().unwrap().to_string();
    let server = a.serve(&[]);
    b.ok(&["peer", "add", "a", &server.url]);
    assert!(b.ok(&["peer", "sync", "a"]).starts_with("synced 1 run"));
    // Nothing new to copy, but the blobs of the run copied before are fetched now.
    let again = b.ok(&["peer", "sync", "a", "--blobs"]);
    assert!(again.starts_with("nothing new from a"), "{again}");
    assert!(!again.contains("fetched 0 blobs"), "{again}");
    assert!(b.ok(&["peer", "sync", "a", "--blobs"]).contains("fetched 0 blobs"));
    // A home that names itself as a peer is refused.
    a.ok(&["peer", "add", "me", &server.url]);
    let me = a.rdx(&["peer", "sync", "me"]);
    assert_eq!(me.status.code(), Some(2), "{}", stderr(&me));
    assert!(stderr(&me).contains("serves this very home"), "{}", stderr(&me));
    drop(server);
    assert!(b.ok(&["store", "get", &output]).contains("34"), "the blob was fetched by the rerun");
}

#[test]
fn concurrent_peer_adds_lose_no_peer() {
    let home = TempHome::new("peer-race");
    home.ok(&["peer", "ls"]);
    let adds: Vec<_> = (0..16)
        .map(|i| {
            home.cmd()
                .args(["peer", "add", &format!("p{i}"), &format!("http://127.0.0.1:{}", 1000 + i)])
                .spawn()
                .expect("rdx peer add")
        })
        .collect();
    for mut add in adds {
        assert!(add.wait().unwrap().success());
    }
    assert_eq!(home.ok(&["peer", "ls"]).lines().count(), 16);
}

#[test]
fn peer_add_refuses_what_cannot_work() {
    let home = TempHome::new("peer-urls");
    for (name, url, says) in [
        ("a", "http://127.0.0.1:99999", "not a port"),
        ("a", "http://127.0.0.1:abc", "not a port"),
        ("a", "http://127.0.0.1:7370 junk", "space"),
        ("a", "http://127.0.0.1:7370?x=1", "query"),
        ("a", "http://user:pw@127.0.0.1:7370", "credentials"),
        ("", "http://127.0.0.1:7370", "not a peer name"),
    ] {
        let out = home.rdx(&["peer", "add", name, url]);
        assert_eq!(out.status.code(), Some(2), "{url}");
        assert!(stderr(&out).contains(says), "{url}: {}", stderr(&out));
    }
    assert_eq!(home.ok(&["peer", "ls"]), "");
    home.ok(&["peer", "add", "v6", "http://[::1]:7370/prefix"]);
    let token = home.file("token", "\n\n  s3cret\n");
    let out = home.rdx(&["peer", "add", "t", "http://127.0.0.1:7370", "--token-file", &token]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("first line") && stderr(&out).contains("blank"), "{}", stderr(&out));
}

#[test]
fn network_failures_of_probe_exit_1_and_a_url_is_not_a_peer() {
    let home = TempHome::new("probe-net");
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    home.ok(&["peer", "add", "gone", &dead]);
    let cid = "ab".repeat(32);
    let out = home.rdx(&["probe", "--load", &cid, "--from", "gone", "-n", "1", "--warmup", "0"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = home.rdx(&["probe", &format!("{dead}/x"), "-n", "1", "--warmup", "0"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot be reached") && !err.contains("peer") && !err.contains("rdx serve"),
        "{err}"
    );
    // A URL that cannot work is a usage error.
    let out = home.rdx(&["probe", "http://127.0.0.1:99999/", "-n", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// A proxy on a free loopback port in front of `upstream` (an `rdx serve`) that passes every
/// request through and answers as the server did, but applies `edit` to the JSON of each
/// answer of `POST /runs`: a peer that lies about the run it made. Gives its URL.
fn lying_proxy(upstream: &str, edit: fn(&mut serde_json::Value)) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let upstream = upstream.strip_prefix("http://").unwrap().to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut head = String::new();
            let mut len = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(n) = lower.strip_prefix("content-length:") {
                    len = n.trim().parse().unwrap();
                }
                if !lower.starts_with("connection:") {
                    head.push_str(&line);
                }
            }
            if head.is_empty() {
                continue;
            }
            let mut body = vec![0u8; len];
            reader.read_exact(&mut body).unwrap();
            let mut up = std::net::TcpStream::connect(&upstream).unwrap();
            up.write_all(format!("{head}Connection: close\r\n\r\n").as_bytes()).unwrap();
            up.write_all(&body).unwrap();
            let mut answer = Vec::new();
            up.read_to_end(&mut answer).unwrap();
            let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            if head.starts_with("POST /runs ") && answer.starts_with(b"HTTP/1.1 200") {
                let mut reply: serde_json::Value = serde_json::from_slice(&answer[split..]).unwrap();
                edit(&mut reply);
                let text = reply.to_string();
                answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{text}",
                    text.len()
                )
                .into_bytes();
            }
            let _ = conn.write_all(&answer);
        }
    });
    url
}

#[test]
fn a_peer_that_lies_about_the_run_it_made_is_refused_and_nothing_is_recorded() {
    let (a, b) = (TempHome::new("liar-a"), TempHome::new("liar-b"));
    let server = a.serve(&[]);
    // Through an honest proxy the run is made and recorded.
    b.ok(&["peer", "add", "honest", &lying_proxy(&server.url, |_| {})]);
    let local = b.ok(&["run", "stdlib/fib.rdx", "--set", "n=5", "--no-ledger"]);
    assert_eq!(b.ok(&["run", "--on", "honest", "stdlib/fib.rdx", "--set", "n=5"]), local);
    assert_eq!(b.log().len(), 1);
    let flip = |reply: &mut serde_json::Value| {
        let dir = &mut reply["record"]["direction"];
        *dir = if dir == "forward" { "backward" } else { "forward" }.into();
    };
    for (name, edit, says) in [
        ("flips", flip as fn(&mut serde_json::Value), "the direction `backward`"),
        (
            "renames",
            |r: &mut serde_json::Value| r["record"]["entry"] = "main".into(),
            "the entry gene `main`",
        ),
        ("swaps", |r: &mut serde_json::Value| r["record"]["backend"] = "jit".into(), "the engine `jit`"),
        (
            "alters",
            |r: &mut serde_json::Value| r["record"]["wall_ns"] = 1.into(),
            "does not hash to its hash",
        ),
        ("forges", |r: &mut serde_json::Value| r["output"] = "{}".into(), "output state"),
    ] {
        b.ok(&["peer", "add", name, &lying_proxy(&server.url, edit)]);
        let out = b.rdx(&["run", "--on", name, "stdlib/fib.rdx", "--set", "n=5"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(&format!("peer {name} sent a malformed answer")) && err.contains(says), "{err}");
        assert!(out.stdout.is_empty(), "{name}: printed {}", String::from_utf8_lossy(&out.stdout));
    }
    assert_eq!(b.log().len(), 1, "no lie was recorded");
    // So the planner finds no backward run from n=5 to reuse (the flipped forward run would
    // have been one): that run is made here, and fails as it does on the interpreter.
    let back =
        b.rdx(&["run", "stdlib/fib.rdx", "--set", "n=5", "--reverse", "--backend", "auto", "--no-ledger"]);
    let interp =
        b.rdx(&["run", "stdlib/fib.rdx", "--set", "n=5", "--reverse", "--backend", "interp", "--no-ledger"]);
    assert_eq!((back.status.code(), &back.stdout), (Some(1), &interp.stdout), "{}", stderr(&back));
    assert_eq!(interp.status.code(), Some(1));
    b.ok(&["ledger", "verify"]);
}

#[test]
fn a_bad_net_timeout_is_refused_naming_the_variable() {
    let (a, b) = (TempHome::new("timeout-env-a"), TempHome::new("timeout-env-b"));
    let server = a.serve(&[]);
    b.ok(&["peer", "add", "a", &server.url]);
    let note = b.file("note.txt", "held here\n");
    let cid = b.ok(&["store", "put", &note]).split_whitespace().next().unwrap().to_string();
    for value in ["0", "abc", "-5"] {
        for args in [
            vec!["fetch", cid.as_str(), "--from", "a"],
            vec!["fetch", &"ab".repeat(32)],
            vec!["push", cid.as_str(), "--to", "a"],
            vec!["run", "--on", "a", "stdlib/fib.rdx", "--set", "n=5"],
        ] {
            let out = b.cmd().args(&args).env("RDX_NET_TIMEOUT_MS", value).output().unwrap();
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{value} {args:?}: {err}");
            assert!(
                err.starts_with(&format!("error: RDX_NET_TIMEOUT_MS={value} is not a timeout")),
                "{value} {args:?}: {err}"
            );
        }
    }
    let out = b.cmd().args(["push", &cid, "--to", "a"]).env("RDX_NET_TIMEOUT_MS", "5000").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // A load that asks no peer (the blob is held here) does not read the variable.
    let out = b.cmd().args(["fetch", &cid]).env("RDX_NET_TIMEOUT_MS", "abc").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn fetch_from_a_peer_without_a_blob_held_here_does_not_say_it_is_not_held() {
    let (a, b) = (TempHome::new("held-a"), TempHome::new("held-b"));
    a.ok(&["store", "ls"]);
    let server = a.serve(&[]);
    b.ok(&["peer", "add", "a", &server.url]);
    let note = b.file("note.txt", "held here only\n");
    let cid = b.ok(&["store", "put", &note]).split_whitespace().next().unwrap().to_string();
    let out = b.rdx(&["fetch", &cid, "--from", "a"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("not in the store") && err.contains(&format!("no peer gave blob {cid}")), "{err}");
    assert!(err.contains("a: does not have it (404)"), "{err}");
}

/// `rdx serve ARGS…` that must refuse its flags: its exit status and stderr. A server that
/// starts anyway says `listening on …` ([`TempHome::start_serve`]): it is killed, and that is
/// a failure.
fn serve_refused(home: &TempHome, args: &[&str]) -> (Option<i32>, String) {
    let (mut child, line) = home.start_serve(args, std::process::Stdio::piped());
    if !line.is_empty() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("rdx serve {args:?} started instead of refusing its flags: {line}");
    }
    let status = child.wait().expect("rdx serve ends");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    (status.code(), err)
}

#[test]
fn serve_refuses_flags_that_cannot_work_in_one_style() {
    let home = TempHome::new("serve-flags");
    home.ok(&["store", "ls"]);
    for flag in ["--max-body", "--run-steps", "--run-ms", "--head-ms", "--body-ms", "--send-ms"] {
        let (code, err) = serve_refused(&home, &["--addr", "127.0.0.1:0", flag, "0"]);
        assert_eq!(code, Some(2), "{flag} 0: {err}");
        assert!(err.contains(&format!("invalid value '0' for '{flag} ")), "{flag} 0: {err}");
        assert!(err.contains("0 is not in 1.."), "{flag} 0: {err}");
    }
    for n in ["0", "4097"] {
        let (code, err) = serve_refused(&home, &["--addr", "127.0.0.1:0", "--max-concurrency", n]);
        assert_eq!(code, Some(2), "{n}: {err}");
        assert!(err.contains(&format!("{n} is not in 1..=4096")), "{n}: {err}");
    }
    for addr in ["localhost:0", "127.0.0.1:99999", "127.0.0.1"] {
        let (code, err) = serve_refused(&home, &["--addr", addr]);
        assert_eq!(code, Some(2), "{addr}: {err}");
        assert!(err.contains(&format!("invalid value '{addr}' for '--addr <ADDR>'")), "{addr}: {err}");
        assert!(err.contains("give an IP address and a port 0..65535, e.g. 127.0.0.1:8080"), "{addr}: {err}");
    }
    let help = home.ok(&["serve", "--help"]);
    assert!(help.contains("Requests served at once (1 to 4096)"), "{help}");
}
