//! What a hostile peer says reaches the user's terminal only as printable text: control
//! characters in its error answers are escaped, a long answer is cut with a marker, and an
//! answer that cannot be read through is said so, never "no message". Against fake peers on
//! free loopback ports, each stopped by its test.

mod common;

use common::*;
use rdx_core::Cid;
use rdx_net::{Client, NetError};
use std::time::Duration;

/// The message of fetching a blob from a peer that answers every request with `answer`.
fn fetch_error(answer: Vec<u8>) -> String {
    let fake = Fake::start(move |_| answer.clone());
    let peer = rdx_net::Peer { name: "liar".into(), url: fake.url.clone(), token_file: None };
    let got = Client::new(Duration::from_secs(10)).fetch(&peer, &Cid::of(b"anything"));
    drop(fake);
    match got {
        Err(e @ NetError::Status { .. }) => e.to_string(),
        other => panic!("expected an error status, got {other:?}"),
    }
}

fn answer(status: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

#[test]
fn terminal_escapes_in_an_error_body_are_escaped() {
    let body = b"\x1b]0;PWNED\x07\x1b[2J\x1b[31mred\rover\nfake line\r\n";
    let text = fetch_error(answer("500 Internal Server Error", body));
    assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
    assert!(text.ends_with(r"answered 500: \u{1b}]0;PWNED\u{7}\u{1b}[2J\u{1b}[31mred\rover"), "{text:?}");
    assert!(!text.contains("fake line"), "{text:?}");
    // Printable Unicode is kept as it is; the bidirectional overrides are escaped.
    let text = fetch_error(answer("404 Not Found", "größe ✓ \u{202e}txt.exe".as_bytes()));
    assert!(text.ends_with(r"answered 404: größe ✓ \u{202e}txt.exe"), "{text:?}");
}

#[test]
fn a_long_error_body_is_cut_with_a_marker_not_dropped() {
    let text = fetch_error(answer("500 Internal Server Error", &[b'E'; 100_000]));
    let shown = text.split_once("answered 500: ").map(|(_, b)| b).unwrap_or("");
    assert_eq!(shown, format!("{}…", "E".repeat(4096)), "{text}");
    // Just at the limit: all of it, no marker.
    let text = fetch_error(answer("500 Internal Server Error", &[b'E'; 4096]));
    assert!(text.ends_with(&format!(": {}", "E".repeat(4096))), "{text}");
    // A character cut in two at the limit is dropped whole.
    let mut body = vec![b'E'; 4095];
    body.extend_from_slice("é and more".as_bytes());
    let text = fetch_error(answer("500 Internal Server Error", &body));
    assert!(text.ends_with(&format!(": {}…", "E".repeat(4095))), "{text}");
    // A first line that ends before the limit is whole: no marker.
    let mut body = b"the reason\n".to_vec();
    body.extend_from_slice(&[b'E'; 10_000]);
    let text = fetch_error(answer("500 Internal Server Error", &body));
    assert!(text.ends_with("answered 500: the reason"), "{text}");
}

#[test]
fn an_error_body_that_breaks_off_is_said_so() {
    // Ten bytes of the hundred it announces, then the connection closes.
    let mut cut = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100\r\n\r\n".to_vec();
    cut.extend_from_slice(b"0123456789");
    let text = fetch_error(cut);
    assert!(text.contains("answered 500: 0123456789… (the rest could not be read: "), "{text}");
    let none = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 100\r\n\r\n".to_vec();
    let text = fetch_error(none);
    assert!(text.contains("answered 500: Internal Server Error (its message could not be read: "), "{text}");
}
