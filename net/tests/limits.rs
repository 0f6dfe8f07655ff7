//! Clients that stall, answers that never end, runs that take long: what the server and the
//! client do about each, against servers on free loopback ports (every one stopped).

mod common;

use common::*;
use rdx_core::Cid;
use rdx_net::server::{Config, Handle};
use rdx_net::{Client, NetError};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A server of `dir` with one turn and short timeouts for head, body and answer: short for a
/// stalled client, long enough that a well-behaved one on a busy machine never meets them.
fn strict(dir: &TempDir) -> Handle {
    let mut config = Config::new(dir.0.clone());
    config.max_concurrency = 1;
    config.head_timeout = Duration::from_millis(1500);
    config.body_timeout = Duration::from_millis(1500);
    config.send_timeout = Duration::from_millis(1500);
    Handle::start(loopback(), config).expect("server starts")
}

/// What arrives on `s` until the server closes it (the test's own read timeout is a failure).
fn until_closed(s: &mut TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut got = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return got,
            Err(e) => panic!("the server did not close the connection: {e} after {} bytes", got.len()),
        }
    }
}

#[test]
fn a_client_that_has_not_sent_its_body_holds_no_turn() {
    let dir = TempDir::new("stall-body");
    let small = blob(1, 1000);
    let cid = dir.home().put(&small).unwrap();
    let server = strict(&dir);
    // A PUT that says 1000 bytes and sends 2, then nothing.
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    let head = format!("PUT /blobs/{} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab", "0".repeat(64));
    stalled.write_all(head.as_bytes()).unwrap();
    // The one turn is free: a read is served meanwhile.
    let got = request(server.addr(), "GET", &format!("/blobs/{cid}"), &[], b"");
    assert_eq!((got.status, got.body.len()), (200, small.len()));
    // The stalled body is refused (408) and its connection closed.
    let answer = String::from_utf8_lossy(&until_closed(&mut stalled)).into_owned();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("stalled"), "{answer}");
    server.stop().unwrap();
}

#[test]
fn a_client_that_reads_nothing_of_its_answer_is_dropped_and_health_always_answers() {
    let dir = TempDir::new("stall-send");
    // Far more than the socket buffers on both sides hold.
    let big = blob(2, 24 << 20);
    let big_cid = dir.home().put(&big).unwrap();
    drop(big);
    let small = blob(3, 500);
    let small_cid = dir.home().put(&small).unwrap();
    let server = strict(&dir);
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    stalled.write_all(format!("GET /blobs/{big_cid} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).unwrap();
    // Its only turn is taken, yet /health answers.
    assert_eq!(request(server.addr(), "GET", "/health", &[], b"").status, 200);
    // Once the answer has made no progress for the send timeout, the turn is given back.
    let got = request(server.addr(), "GET", &format!("/blobs/{small_cid}"), &[], b"");
    assert_eq!((got.status, got.body.len()), (200, small.len()));
    let sent = until_closed(&mut stalled);
    assert!(sent.len() < 24 << 20, "the whole blob was sent ({} bytes)", sent.len());
    server.stop().unwrap();
}

#[test]
fn a_head_that_never_ends_is_closed() {
    let dir = TempDir::new("stall-head");
    let server = strict(&dir);
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    stalled.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
    assert!(until_closed(&mut stalled).is_empty(), "no answer to half a head");
    assert_eq!(request(server.addr(), "GET", "/health", &[], b"").status, 200);
    server.stop().unwrap();
}

#[test]
fn a_stop_has_a_deadline_whatever_a_client_does() {
    let dir = TempDir::new("stop-deadline");
    let mut config = Config::new(dir.0.clone());
    config.stop_timeout = Duration::from_millis(200);
    // Long enough that only the stop deadline can end the stall.
    config.head_timeout = Duration::from_secs(600);
    let server = Handle::start(loopback(), config).unwrap();
    let mut stalled = TcpStream::connect(server.addr()).unwrap();
    stalled.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
    assert_eq!(request(server.addr(), "GET", "/health", &[], b"").status, 200);
    let (done, stopped) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(server.stop().is_ok());
    });
    assert_eq!(stopped.recv_timeout(Duration::from_secs(60)), Ok(true), "the server did not stop");
    assert!(until_closed(&mut stalled).is_empty());
}

/// A fake peer whose every answer is `head` followed by `body` pieces sent for ever.
fn endless(head: &'static str) -> String {
    let listener = std::net::TcpListener::bind(loopback()).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { continue };
            std::thread::spawn(move || {
                let _ = read_head(&mut s);
                if s.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let piece = vec![b'x'; 64 << 10];
                let chunked = head.contains("chunked");
                loop {
                    let sent = if chunked {
                        s.write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                            .and_then(|()| s.write_all(&piece))
                            .and_then(|()| s.write_all(b"\r\n"))
                    } else {
                        s.write_all(&piece)
                    };
                    if sent.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

#[test]
fn an_endless_answer_is_cut_off_and_said_so() {
    let dir = TempDir::new("endless");
    let cid = Cid::of(b"anything");
    let client = Client::new(Duration::from_secs(10)).with_max_body(1 << 20);
    for head in ["HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"] {
        let url = endless(head);
        let peer = peer("endless", &url, &dir, None);
        match client.fetch(&peer, &cid) {
            Err(NetError::Protocol { why, .. }) => {
                assert!(why.contains("went on past 1048576 bytes"), "{why}")
            }
            other => panic!("{head:?}: {other:?}"),
        }
        match client.get_url(&format!("{url}/")) {
            Err(e @ NetError::Url { .. }) => {
                let text = e.to_string();
                assert!(text.contains("went on past") && !text.contains("rdx serve"), "{text}");
            }
            other => panic!("{head:?}: {other:?}"),
        }
    }
}

#[test]
fn redirects_and_empty_errors_are_said_in_words() {
    let dir = TempDir::new("redirect");
    let cid = Cid::of(b"anything");
    let client = Client::new(Duration::from_secs(10));
    let moved = fake_server(|_| {
        b"HTTP/1.1 301 Moved\r\nLocation: http://127.0.0.1:1/x\r\nContent-Length: 0\r\n\r\n".to_vec()
    });
    match client.fetch(&peer("moved", &moved, &dir, None), &cid) {
        Err(NetError::Status { status: 301, body, .. }) => {
            assert!(body.contains("redirect to http://127.0.0.1:1/x"), "{body}")
        }
        other => panic!("{other:?}"),
    }
    let failing =
        fake_server(|_| b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n".to_vec());
    let e = client.fetch(&peer("failing", &failing, &dir, None), &cid).unwrap_err();
    assert!(e.to_string().ends_with("answered 500: Internal Server Error (with no message)"), "{e}");
}

/// A run request (of blobs no one has: for peers that answer anything).
fn any_run() -> rdx_net::remote::RunRequest {
    rdx_net::remote::RunRequest {
        program: "0".repeat(64),
        entry: None,
        direction: "forward".into(),
        input: "0".repeat(64),
        kernels: Vec::new(),
        checked: false,
        max_steps: None,
        max_ms: None,
        engine: None,
    }
}

#[test]
fn a_remote_run_is_awaited_past_the_client_timeout() {
    let dir = TempDir::new("slow-run");
    // A peer that answers a run after longer than the client's timeout.
    let slow = fake_server(|_| {
        std::thread::sleep(Duration::from_millis(1500));
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 11\r\n\r\nslow answer".to_vec()
    });
    let client = Client::new(Duration::from_millis(300));
    match client.run(&peer("slow", &slow, &dir, None), &any_run(), Duration::from_secs(5)) {
        Err(NetError::Status { status: 500, body, .. }) => assert_eq!(body, "slow answer"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_client_learns_the_run_budget_of_a_server() {
    let dir = TempDir::new("budget");
    let mut config = Config::new(dir.0.clone());
    config.budget = rdx_net::remote::Budget { max_steps: 1234, wall: Duration::from_secs(90) };
    let server = Handle::start(loopback(), config).unwrap();
    let budget = Client::default().run_budget(&peer("s", &server.url(), &dir, None)).unwrap();
    assert_eq!((budget.max_steps, budget.wall), (1234, Duration::from_secs(90)));
    server.stop().unwrap();
}

#[test]
fn a_malformed_answer_names_the_request_it_answers() {
    let dir = TempDir::new("malformed");
    let client = Client::new(Duration::from_secs(10));
    // (`Connection: close`: the fake closes each connection after its answer, so the client must
    // not send the next request on it; with a kept connection that request was sometimes reset.)
    let ok = |body: &str| {
        format!("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len())
    };
    // A peer that answers 200 to everything, with a body that is not JSON: reading its run
    // budget fails (a run would not be sent), saying it was the answer to `GET /health`.
    let garbage = Fake::start(move |_| ok("garbage{").into_bytes());
    let p = peer("fbadhealth", &garbage.url, &dir, None);
    for (e, route) in [
        (client.run_budget(&p).unwrap_err(), "GET /health"),
        (client.runs(&p, 3).unwrap_err(), "GET /runs?after=3"),
        (client.run(&p, &any_run(), Duration::from_secs(5)).unwrap_err(), "POST /runs"),
    ] {
        assert_eq!(e.exit_code(), 1, "{e}");
        assert_eq!(
            e.to_string(),
            format!(
                "peer fbadhealth sent a malformed answer: the answer to {route} is not JSON: \
                 expected value at line 1 column 1"
            )
        );
    }
    drop(garbage);
    // JSON, but not what was asked for; a body cut short; a run that is not the one asked for.
    let other = Fake::start(move |head| {
        if head.starts_with("GET /health") {
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 20\r\n\r\n{\"ok\"".as_bytes().to_vec()
        } else {
            ok("{\"ok\":true}").into_bytes()
        }
    });
    let p = peer("odd", &other.url, &dir, None);
    let why = |e: NetError| match e {
        NetError::Protocol { why, .. } => why,
        other => panic!("{other:?}"),
    };
    let health = why(client.health(&p).unwrap_err());
    assert!(health.starts_with("the answer to GET /health: the transfer broke off"), "{health}");
    let runs = why(client.runs(&p, 0).unwrap_err());
    assert!(
        runs.starts_with("the answer to GET /runs?after=0 is not a list of run records: invalid type"),
        "{runs}"
    );
    let run = why(client.run(&p, &any_run(), Duration::from_secs(5)).unwrap_err());
    assert!(run.starts_with("the answer to POST /runs is not the answer of a run: missing field"), "{run}");
}

#[test]
fn a_port_with_a_sign_or_a_leading_zero_is_refused_before_asking() {
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = asked.clone();
    let fake = Fake::start(move |_| {
        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec()
    });
    let port = fake.url.rsplit(':').next().unwrap().to_string();
    let client = Client::default();
    for (typed, says) in [
        (format!("+{port}"), format!("`+{port}` is not a port: a port has no sign")),
        (format!("0{port}"), format!("`0{port}` is not a port: a port has no leading zero (write `{port}`)")),
        ("-0".to_string(), "`-0` is not a port: a port has no sign".to_string()),
    ] {
        let url = format!("http://127.0.0.1:{typed}/");
        match client.get_url(&url) {
            Err(e @ NetError::Usage(_)) => {
                assert_eq!(e.exit_code(), 2);
                assert!(e.to_string().contains(&says), "{url}: {e}");
            }
            other => panic!("{url}: {other:?}"),
        }
        let stored = rdx_net::peers::check_url(&url).unwrap_err().to_string();
        assert!(stored.contains(&says), "{url}: {stored}");
    }
    assert_eq!(client.get_url(&format!("http://127.0.0.1:{port}/")).unwrap(), 2);
    drop(fake);
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1, "only the good URL was asked");
}
