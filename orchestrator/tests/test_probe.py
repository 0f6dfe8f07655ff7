"""rx.probe_local and rx.probe_network: the same Probe record as `rdx probe --json`."""

from __future__ import annotations

import asyncio
import http.server
import socket
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest
import redoxa as rx


def test_probe_local_times_a_command(tmp_path: Path) -> None:
    home = rx.Home(tmp_path)
    p = rx.probe_local("noop.py", [sys.executable, "-c", "pass"], n=3, warmup=0, record=home)
    assert (p.what, p.source, p.target, p.outcome) == ("command", "local", "noop.py", "ok")
    assert p.n == len(p.samples_ns) == 3
    assert p.min_ns == min(p.samples_ns) and p.max_ns == max(p.samples_ns)
    assert p.min_ns <= p.median_ns <= p.max_ns
    assert p.id == 1
    assert home.log(dataframe=False) == [], "probes are ledger records, not runs"


def test_a_failing_command_stops_the_probe() -> None:
    with pytest.raises(RuntimeError, match="no sample"):
        rx.probe_local("fails", [sys.executable, "-c", "raise SystemExit(3)"], n=2, warmup=0)
    with pytest.raises(ValueError):
        rx.probe_local("x", "", n=1)
    with pytest.raises(ValueError):
        rx.probe_local("x", "true", n=0)


@pytest.fixture
def server() -> Iterator[str]:
    body = b"x" * 5000

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/blob"
    finally:
        srv.shutdown()
        srv.server_close()


def test_probe_network_times_a_url(server: str, tmp_path: Path) -> None:
    home = rx.Home(tmp_path)
    p = asyncio.run(rx.probe_network(server, n=4, record=home))
    assert (p.what, p.outcome, p.bytes, p.n) == ("url", "ok", 5000, 4)
    assert p.source.startswith("127.0.0.1:")
    assert p.throughput_bps is not None and p.throughput_bps > 0
    assert p.id == 1


def test_probe_network_reports_a_refused_connection() -> None:
    # A port that was free a moment ago: nothing listens there now.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RuntimeError, match="no sample"):
        asyncio.run(rx.probe_network(f"http://127.0.0.1:{port}/", n=1, warmup=0, timeout=2))
    with pytest.raises(ValueError):
        asyncio.run(rx.probe_network("ftp://x"))


def test_probe_arguments_are_checked_by_name() -> None:
    # bytes were split into their numbers (list(b"true") is [116, 114, 117, 101]), and n=None
    # failed on "'<' not supported".
    with pytest.raises(TypeError, match="not bytes"):
        rx.probe_local("x", b"true", n=1)
    with pytest.raises(TypeError, match="n must be an int"):
        rx.probe_local("x", "true", n=None)
    with pytest.raises(TypeError, match="warmup must be an int"):
        asyncio.run(rx.probe_network("http://127.0.0.1:1/", warmup=None))


@pytest.fixture
def flaky() -> Iterator[str]:
    """A server that answers the first request, then sends what is not HTTP, then a body cut
    short: http.client raises BadStatusLine and IncompleteRead, not an OSError."""
    answers = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
        b"NOT HTTP AT ALL\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nshort",
    ]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve() -> None:
        for answer in answers:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/x"
    finally:
        listener.close()


def test_probe_network_keeps_its_samples_when_the_answer_is_not_http(flaky: str) -> None:
    p = asyncio.run(rx.probe_network(flaky, n=3, warmup=0, timeout=5))
    assert p.n == 1 and p.bytes == 5
    assert p.outcome.startswith("BadStatusLine"), p.outcome
    with pytest.raises(RuntimeError, match="no sample of url .*IncompleteRead"):
        asyncio.run(rx.probe_network(flaky, n=1, warmup=0, timeout=5))
