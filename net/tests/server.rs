//! `rdx serve` as a library: blobs in and out, ranges, tokens, bad paths, limits, corruption
//! and records, each against a real server on a free loopback port.

mod common;

use common::*;
use rdx_core::Cid;
use rdx_net::{Client, NetError};

const TOKEN: &str = "s3cret-token";

#[test]
fn put_get_head_and_ranges() {
    let dir = TempDir::new("roundtrip");
    let server = serve(&dir, Some(TOKEN));
    let peer = peer("a", &server.url(), &dir, Some(TOKEN));
    let client = Client::default();
    for (seed, len) in [(1, 0), (2, 100), (3, 70_000)] {
        let bytes = blob(seed, len);
        let cid = Cid::of(&bytes);
        assert!(!client.has(&peer, &cid).unwrap());
        client.push(&peer, &cid, &bytes).unwrap();
        client.push(&peer, &cid, &bytes).unwrap();
        assert!(client.has(&peer, &cid).unwrap());
        assert_eq!(client.fetch(&peer, &cid).unwrap(), bytes);
        assert_eq!(dir.home().get(&cid).unwrap(), bytes);
    }
    let bytes = blob(3, 70_000);
    let path = format!("/blobs/{}", Cid::of(&bytes));
    let head = request(server.addr(), "HEAD", &path, &[], b"");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length").as_deref(), Some("70000"));
    assert!(head.body.is_empty());
    let part = request(server.addr(), "GET", &path, &["Range: bytes=10-19"], b"");
    assert_eq!(part.status, 206);
    assert_eq!(part.body, &bytes[10..20]);
    assert_eq!(part.header("content-range").as_deref(), Some("bytes 10-19/70000"));
    let tail = request(server.addr(), "GET", &path, &["Range: bytes=-5"], b"");
    assert_eq!((tail.status, &tail.body[..]), (206, &bytes[69_995..]));
    let open = request(server.addr(), "GET", &path, &["Range: bytes=69990-"], b"");
    assert_eq!((open.status, &open.body[..]), (206, &bytes[69_990..]));
    let outside = request(server.addr(), "GET", &path, &["Range: bytes=70000-70010"], b"");
    assert_eq!(outside.status, 416);
    assert_eq!(outside.header("content-range").as_deref(), Some("bytes */70000"));
    let missing = Cid::of(b"never stored");
    match client.fetch(&peer, &missing) {
        Err(NetError::Status { status: 404, .. }) => {}
        other => panic!("expected 404, got {other:?}"),
    }
    let health = client.health(&peer).unwrap();
    assert_eq!(health["ok"], true);
    assert!(health["version"].is_string());
    server.stop().unwrap();
}

#[test]
fn serves_blobs_other_processes_add() {
    let dir = TempDir::new("live");
    let server = serve(&dir, None);
    let peer = peer("a", &server.url(), &dir, None);
    let client = Client::default();
    let (small, big) = (blob(7, 40), blob(8, 9000));
    assert!(!client.has(&peer, &Cid::of(&small)).unwrap());
    // Another writer of the same home: a connection of its own, as another process has.
    let other = dir.home();
    other.put(&small).unwrap();
    other.put(&big).unwrap();
    assert_eq!(client.fetch(&peer, &Cid::of(&small)).unwrap(), small);
    assert_eq!(client.fetch(&peer, &Cid::of(&big)).unwrap(), big);
}

#[test]
fn writes_need_the_token_whatever_the_body() {
    let dir = TempDir::new("auth");
    let server = serve(&dir, Some(TOKEN));
    let bytes = blob(4, 64);
    let path = format!("/blobs/{}", Cid::of(&bytes));
    let wrong_body = format!("/blobs/{}", Cid::of(b"other"));
    let garbage = "/blobs/not-a-cid";
    for p in [&path, &wrong_body, &garbage.to_string()] {
        for headers in [&[][..], &["Authorization: Bearer wrong"][..], &["Authorization: s3cret-token"][..]] {
            let r = request(server.addr(), "PUT", p, headers, &bytes);
            assert_eq!(r.status, 401, "{p} {headers:?}");
        }
    }
    let r = request(server.addr(), "POST", "/runs", &[], b"{not json");
    assert_eq!(r.status, 401);
    assert!(!dir.home().has(&Cid::of(&bytes)).unwrap());
    let auth = format!("Authorization: Bearer {TOKEN}");
    let r = request(server.addr(), "PUT", &wrong_body, &[&auth], &bytes);
    assert_eq!(r.status, 400, "a body hashing to another CID");
    let r = request(server.addr(), "PUT", &path, &[&auth], &bytes);
    assert_eq!(r.status, 201);
    // Reads need no token.
    assert_eq!(request(server.addr(), "GET", &path, &[], b"").status, 200);
    // A peer whose token file holds the wrong token is told so.
    let wrong = peer("w", &server.url(), &dir, Some("nope"));
    match Client::default().push(&wrong, &Cid::of(b"x"), b"x") {
        Err(NetError::Status { status: 401, .. }) => {}
        other => panic!("expected 401, got {other:?}"),
    }
}

#[test]
fn bad_paths_are_400_never_a_panic() {
    let dir = TempDir::new("paths");
    let server = serve(&dir, None);
    let hex = Cid::of(b"x").to_hex();
    for path in [
        "/blobs/../x".to_string(),
        "/blobs/..%2Fx".to_string(),
        "/blobs/%2e%2e%2fledger.sqlite".to_string(),
        "/blobs/xyz".to_string(),
        format!("/blobs/{}", &hex[..63]),
        format!("/blobs/{hex}0"),
        format!("/blobs/{}g", &hex[..63]),
        format!("/blobs/{hex}/x"),
        "/blobs/".to_string(),
        "/blobs/%ff%fe".to_string(),
    ] {
        let r = request(server.addr(), "GET", &path, &[], b"");
        assert_eq!(r.status, 400, "{path}: {}", String::from_utf8_lossy(&r.body));
    }
    assert_eq!(request(server.addr(), "GET", "/runs?after=x", &[], b"").status, 400);
    assert_eq!(request(server.addr(), "GET", "/nothing", &[], b"").status, 404);
    assert_eq!(request(server.addr(), "GET", "/health", &[], b"").status, 200);
}

#[test]
fn runs_queries_are_decoded_and_the_auth_scheme_is_any_case() {
    let dir = TempDir::new("query");
    let server = serve(&dir, Some(TOKEN));
    let decoded = request(server.addr(), "GET", "/runs?after=%31", &[], b"");
    assert_eq!((decoded.status, String::from_utf8_lossy(&decoded.body).trim()), (200, "[]"));
    let twice = request(server.addr(), "GET", "/runs?after=0&after=5", &[], b"");
    assert_eq!(twice.status, 400);
    assert!(String::from_utf8_lossy(&twice.body).contains("`after` is given twice"));
    assert_eq!(request(server.addr(), "GET", "/runs?after=+1", &[], b"").status, 400);
    let bytes = blob(9, 64);
    let path = format!("/blobs/{}", Cid::of(&bytes));
    let auth = format!("Authorization: bearer {TOKEN}");
    assert_eq!(request(server.addr(), "PUT", &path, &[&auth], &bytes).status, 201);
    let upper = format!("Authorization: bearer {}", TOKEN.to_uppercase());
    assert_eq!(request(server.addr(), "PUT", &path, &[&upper], &bytes).status, 401);
    server.stop().unwrap();
}

#[test]
fn oversized_bodies_are_413() {
    let dir = TempDir::new("big");
    let server = serve(&dir, None);
    let path = format!("/blobs/{}", Cid::of(b"x"));
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        rdx_net::MAX_BODY + 1
    );
    let r = raw(server.addr(), head.as_bytes());
    assert_eq!(r.status, 413);
    assert_eq!(request(server.addr(), "GET", "/health", &[], b"").status, 200);
}

#[test]
fn a_corrupt_blob_is_500_naming_it_and_never_served() {
    let dir = TempDir::new("corrupt");
    let server = serve(&dir, None);
    let bytes = blob(5, 10_000);
    let cid = dir.home().put(&bytes).unwrap();
    let hex = cid.to_hex();
    let file = dir.0.join("store/blobs").join(&hex[..2]).join(&hex[2..]);
    let mut bad = bytes.clone();
    bad[17] ^= 1;
    std::fs::write(&file, &bad).unwrap();
    let r = request(server.addr(), "GET", &format!("/blobs/{hex}"), &[], b"");
    assert_eq!(r.status, 500);
    let body = String::from_utf8_lossy(&r.body);
    assert!(body.contains(&hex) && body.contains("corrupt"), "{body}");
    assert!(!r.body.windows(64).any(|w| w == &bad[..64]));
}

#[test]
fn a_big_blob_streams_whole_and_a_corrupt_one_is_cut_short() {
    let dir = TempDir::new("stream");
    let server = serve(&dir, None);
    let peer = peer("a", &server.url(), &dir, None);
    let len = rdx_net::server::STREAM_MIN as usize * 3 + 12_345;
    let bytes = blob(21, len);
    let cid = dir.home().put(&bytes).unwrap();
    let client = Client::default();
    assert_eq!(client.fetch(&peer, &cid).unwrap(), bytes);
    let path = format!("/blobs/{cid}");
    let head = request(server.addr(), "HEAD", &path, &[], b"");
    assert_eq!((head.status, head.header("content-length")), (200, Some(len.to_string())));
    let part = request(server.addr(), "GET", &path, &["Range: bytes=2000000-2000009"], b"");
    assert_eq!((part.status, &part.body[..]), (206, &bytes[2_000_000..2_000_010]));
    // Corrupt the file on disk, past the first piece: the answer starts (200), but its body
    // stops short of its Content-Length, so no client can take it as whole.
    let hex = cid.to_hex();
    let file = dir.0.join("store/blobs").join(&hex[..2]).join(&hex[2..]);
    let mut bad = bytes.clone();
    bad[len - 10] ^= 1;
    std::fs::write(&file, &bad).unwrap();
    let r = request(server.addr(), "GET", &path, &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some(len.to_string()));
    assert!(r.body.len() < len, "the last piece is withheld: got {} of {len}", r.body.len());
    match client.fetch(&peer, &cid) {
        Err(NetError::Protocol { why, .. }) => assert!(why.contains("broke off"), "{why}"),
        other => panic!("expected a broken transfer, got {other:?}"),
    }
    // A range of it is read whole first, so it is a clean 500.
    let part = request(server.addr(), "GET", &path, &["Range: bytes=0-9"], b"");
    assert_eq!(part.status, 500);
    assert_eq!(request(server.addr(), "GET", "/health", &[], b"").status, 200);
}

#[test]
fn head_answers_200_only_for_bytes_that_hash_to_the_cid() {
    let dir = TempDir::new("head");
    let server = serve(&dir, None);
    let peer = peer("a", &server.url(), &dir, None);
    let client = Client::default();
    let len = rdx_net::server::STREAM_MIN as usize * 2 + 777;
    let bytes = blob(31, len);
    let cid = dir.home().put(&bytes).unwrap();
    let hex = cid.to_hex();
    let path = format!("/blobs/{hex}");
    let file = dir.0.join("store/blobs").join(&hex[..2]).join(&hex[2..]);
    // Corrupt before the first HEAD: nothing vouches for the file, so HEAD reads it.
    let mut bad = bytes.clone();
    bad[len / 2] ^= 0x40;
    std::fs::write(&file, &bad).unwrap();
    let head = request(server.addr(), "HEAD", &path, &[], b"");
    assert_eq!(head.status, 500, "{}", head.head);
    match client.has(&peer, &cid) {
        Err(NetError::Status { status: 500, body, .. }) => assert!(body.contains(&hex), "{body}"),
        other => panic!("expected a 500 naming the blob, got {other:?}"),
    }
    // Repaired: 200 with the length, and no body.
    std::fs::write(&file, &bytes).unwrap();
    let head = request(server.addr(), "HEAD", &path, &[], b"");
    assert_eq!((head.status, head.header("content-length")), (200, Some(len.to_string())));
    assert!(head.body.is_empty());
    assert!(client.has(&peer, &cid).unwrap());
    // Corrupted again after a HEAD said 200 (same length): the next HEAD sees it.
    std::fs::write(&file, &bad).unwrap();
    assert_eq!(request(server.addr(), "HEAD", &path, &[], b"").status, 500);
    // A missing blob is 404, a small one is verified as well.
    assert_eq!(request(server.addr(), "HEAD", &format!("/blobs/{}", "0".repeat(64)), &[], b"").status, 404);
    let small = blob(32, 5000);
    let small_cid = dir.home().put(&small).unwrap().to_hex();
    let small_file = dir.0.join("store/blobs").join(&small_cid[..2]).join(&small_cid[2..]);
    let mut bad_small = small.clone();
    bad_small[0] ^= 1;
    std::fs::write(&small_file, &bad_small).unwrap();
    assert_eq!(request(server.addr(), "HEAD", &format!("/blobs/{small_cid}"), &[], b"").status, 500);
}

/// The `serve` probes in the ledger of the home at `dir`: (source, target, bytes, outcome).
fn served(dir: &TempDir) -> Vec<(String, String, Option<u64>, String)> {
    let records = dir.home().records_of_kind("probe").unwrap();
    records
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| p["what"] == "serve")
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            (s("source"), s("target"), p["bytes"].as_u64(), s("outcome"))
        })
        .collect()
}

#[test]
fn every_blob_served_is_a_probe_in_the_servers_ledger() {
    let dir = TempDir::new("served");
    let server = serve(&dir, None);
    let peer = peer("a", &server.url(), &dir, None);
    let client = Client::default();
    let small = blob(41, 900);
    let big = blob(42, rdx_net::server::STREAM_MIN as usize + 5);
    let (small_cid, big_cid) = (dir.home().put(&small).unwrap(), dir.home().put(&big).unwrap());
    let missing = Cid::of(b"not here");
    assert_eq!(client.fetch(&peer, &small_cid).unwrap(), small);
    assert_eq!(client.fetch(&peer, &big_cid).unwrap(), big);
    assert!(client.fetch(&peer, &missing).is_err());
    let part = request(server.addr(), "GET", &format!("/blobs/{big_cid}"), &["Range: bytes=0-99"], b"");
    assert_eq!(part.status, 206);
    // HEAD and health send no blob: no probe.
    assert!(client.has(&peer, &big_cid).unwrap());
    client.health(&peer).unwrap();
    server.stop().unwrap();
    let mut got = served(&dir);
    got.sort_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
    let mut want = vec![
        ("127.0.0.1".to_string(), small_cid.to_hex(), Some(900), "ok".to_string()),
        ("127.0.0.1".to_string(), big_cid.to_hex(), Some(100), "ok".to_string()),
        ("127.0.0.1".to_string(), big_cid.to_hex(), Some(big.len() as u64), "ok".to_string()),
    ];
    want.sort_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
    let refused: Vec<_> = got.iter().filter(|p| p.1 == missing.to_hex()).cloned().collect();
    assert_eq!(refused.len(), 1, "{got:?}");
    assert_eq!(refused[0].2, None);
    assert!(refused[0].3.contains("no blob"), "{:?}", refused[0]);
    got.retain(|p| p.1 != missing.to_hex());
    assert_eq!(got, want);
    assert!(dir.home().verify_ledger().is_ok());
}

#[test]
fn an_empty_blob_served_whole_is_an_ok_probe() {
    let dir = TempDir::new("served-empty");
    let server = serve(&dir, None);
    let cid = dir.home().put(b"").unwrap();
    let got = request(server.addr(), "GET", &format!("/blobs/{cid}"), &[], b"");
    assert_eq!((got.status, got.body.len()), (200, 0));
    assert_eq!(got.header("content-length").as_deref(), Some("0"));
    server.stop().unwrap();
    assert_eq!(served(&dir), vec![("127.0.0.1".to_string(), cid.to_hex(), Some(0), "ok".to_string())]);
}

#[test]
fn a_range_outside_the_blob_is_an_error_probe_with_no_bytes() {
    let dir = TempDir::new("served-416");
    let server = serve(&dir, None);
    let bytes = blob(43, 22);
    let cid = dir.home().put(&bytes).unwrap();
    let path = format!("/blobs/{cid}");
    let ranges = ["bytes=50-60", "bytes=22-", "bytes=-0"];
    for range in ranges {
        let got = request(server.addr(), "GET", &path, &[&format!("Range: {range}")], b"");
        assert_eq!(got.status, 416, "{range}");
        assert_eq!(got.header("content-range").as_deref(), Some("bytes */22"), "{range}");
    }
    // HEAD is no probe; its reason is in the header.
    let head = request(server.addr(), "HEAD", &path, &["Range: bytes=50-60"], b"");
    assert_eq!(head.status, 416);
    assert!(head.header(rdx_net::server::ERROR_HEADER).is_some_and(|e| e.contains("outside the blob")));
    server.stop().unwrap();
    let mut got = served(&dir);
    got.sort();
    let mut want: Vec<_> = ranges
        .iter()
        .map(|r| {
            let why = format!("the range `{r}` is outside the blob (22 bytes)");
            ("127.0.0.1".to_string(), cid.to_hex(), None, why)
        })
        .collect();
    want.sort();
    assert_eq!(got, want);
}

/// A broken peers file in the served home, or one naming `local`, is the server's own fault:
/// `POST /runs` answers 500 with the file's message, not 502 (a peer's fault).
#[test]
fn a_broken_peers_file_of_the_server_is_its_own_fault() {
    let dir = TempDir::new("runs-peers");
    let server = serve(&dir, None);
    let body = format!(r#"{{"program":"{0}","input":"{0}","direction":"forward"}}"#, "ab".repeat(32));
    let named_local = "[[peer]]\nname = \"local\"\nurl = \"http://127.0.0.1:1\"\n";
    for (peers, says) in [("garbage\n", "the peers file"), (named_local, "`local` cannot be a peer's name")] {
        std::fs::write(dir.0.join("peers.toml"), peers).unwrap();
        let got = request(server.addr(), "POST", "/runs", &[], body.as_bytes());
        let text = String::from_utf8_lossy(&got.body).into_owned();
        assert_eq!(got.status, 500, "{peers}: {text}");
        assert!(text.contains(says) && text.contains("peers.toml"), "{peers}: {text}");
    }
    server.stop().unwrap();
}
