"""rx.Peer against a real `rdx serve` (the built binary) on a free loopback port."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator, Tuple

import pytest

import redoxa as rx

TOKEN = "py-s3cret"
ROOT = Path(__file__).resolve().parents[2]


def rdx_binary() -> str:
    """`$RDX_BIN` (scripts/test.sh sets it), else the debug build in the target directory."""
    given = os.environ.get("RDX_BIN")
    if given:
        assert Path(given).is_file(), f"RDX_BIN={given} does not exist"
        return given
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for candidate in (target / "debug" / "rdx", target / "release" / "rdx"):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("rdx")
    if found is None:
        pytest.skip("no rdx binary: build it (cargo build) or set RDX_BIN")
    return found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Tuple[str, Path]]:
    """`rdx serve` of a fresh home with a token, on a port the OS picks; stopped after."""
    home = tmp_path / "served"
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    proc = subprocess.Popen(
        [rdx_binary(), "--home", str(home), "serve", "--addr", "127.0.0.1:0", "--token-file", str(token)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://"), line
        yield line.removeprefix("listening on "), home
    finally:
        proc.terminate()
        code = proc.wait(timeout=20)
        if proc.stdout is not None:
            proc.stdout.close()
        assert code == 0, "rdx serve stops cleanly on SIGTERM"


FIB = """
gene fib(n: u64, x1: u64, x2: u64) {
    if n == 0 {
        x1 += 1
        x2 += 1
    } else {
        n -= 1
        call fib(n, x1, x2)
        x1 += x2
        swap x1, x2
    } fi x1 == x2
}
"""


def test_push_fetch_and_has(served: Tuple[str, Path], tmp_path: Path) -> None:
    url, home = served
    peer = rx.Peer(url, token=TOKEN)
    assert peer.health()["ok"] is True
    data = os.urandom(70_000)
    cid = peer.push(data)
    assert peer.has(cid)
    assert peer.fetch(cid) == data
    assert rx.Home(home).get(cid) == data, "the server stored it"
    # A blob of a local home, pushed by its CID; fetched back into another home.
    local = rx.Home(tmp_path / "local")
    small = local.put(b"a small blob")
    assert peer.push(small, home=local) == small
    other = rx.Home(tmp_path / "other")
    assert peer.fetch(small, store=other) == b"a small blob"
    assert other.get(small) == b"a small blob"
    assert not peer.has("0" * 64)
    with pytest.raises(rx.PeerError) as e:
        peer.fetch("0" * 64)
    assert e.value.status == 404
    with pytest.raises(ValueError):
        peer.fetch("abc")


def test_writes_need_the_token(served: Tuple[str, Path]) -> None:
    url, _ = served
    for token in (None, "wrong"):
        with pytest.raises(rx.PeerError) as e:
            rx.Peer(url, token=token).push(b"no entry")
        assert e.value.status == 401
    # Reads need none.
    assert rx.Peer(url).health()["ok"] is True


def test_run_on_the_peer_matches_a_local_run(served: Tuple[str, Path]) -> None:
    url, _ = served
    peer = rx.Peer(url, token=TOKEN)
    prog = rx.assemble(FIB)
    got = peer.run(prog, n=20)
    assert got["values"] == prog.run(n=20)
    rec = got["record"]
    assert (rec["program"], rec["entry"], rec["direction"], rec["outcome"]) == (prog.cid, "fib", "forward", "ok")
    back = peer.run(prog, reverse=True, **got["values"])
    assert back["values"] == {"n": 20, "x1": 0, "x2": 0}
    # A run over its instruction budget fails there, with the engine's code.
    with pytest.raises(rx.PeerError, match="R0117"):
        peer.run(prog, n=60, max_steps=10)
    # Another gene of the program: its values are its own parameters (they were checked
    # against the program's entry gene's).
    two = rx.assemble("gene inc(n: u64) {\n    n += 1\n}\ngene main(a: u64, b: u64) {\n    a += b\n}\n")
    assert peer.run(two, entry="inc", n=1)["values"] == {"n": 2}
    assert peer.run(two, a=1, b=2)["values"] == {"a": 3, "b": 2}
    with pytest.raises(TypeError, match="inc\\(\\) has no parameter 'a'"):
        peer.run(two, entry="inc", a=1)


def test_a_peer_run_gives_a_parameter_named_as_an_option_to_the_gene(served: Tuple[str, Path]) -> None:
    # Each keyword Peer.run takes as an option is the gene's value when the gene has a parameter
    # of that name, as Program.run does with backend=; the option then goes by position. They
    # were options: reverse=5 ran backward, max_steps=5 was a budget, program=1 a TypeError.
    url, _ = served
    peer = rx.Peer(url, token=TOKEN)
    prog = rx.assemble(
        "gene f(x: u64, reverse: u64, entry: u64, max_steps: u64, max_ms: u64, program: u64) {\n"
        "    local i: u64 = 0\n"
        "    from i == 0 do {\n        i += 1\n    } until i == max_steps\n"
        "    delocal i = max_steps\n"
        "    x += reverse + entry + max_steps + max_ms + program\n}\n"
    )
    given = {"x": 1, "reverse": 2, "entry": 3, "max_steps": 4, "max_ms": 5, "program": 6}
    out = peer.run(prog, **given)["values"]
    assert out == prog.run(**given) == {**given, "x": 21}
    back = peer.run(prog, True, "f", 1000, 60_000, **out)
    assert back["values"] == given and back["record"]["direction"] == "backward"
    with pytest.raises(rx.PeerError, match="R0117"):
        peer.run(prog, False, None, 2, None, **given)


def test_peer_calls_check_their_arguments_before_asking_the_peer() -> None:
    # Nothing listens at port 1: each mistake is said before any request.
    peer = rx.Peer("http://127.0.0.1:1", token=TOKEN, timeout=2)
    prog = rx.assemble(FIB)
    for options, kind, said in [
        ({"reverse": "no"}, TypeError, "reverse must be True or False, not str 'no'"),
        ({"reverse": 1}, TypeError, "reverse must be True or False, not int 1"),
        ({"max_steps": 2**70}, ValueError, "max_steps must be in 0..=2**64-1"),
        ({"max_steps": -1}, ValueError, "max_steps must be in 0..=2**64-1"),
        ({"max_steps": "x"}, TypeError, "max_steps must be an int or None, got str 'x'"),
        ({"max_ms": 1.5}, TypeError, "max_ms must be an int, not float 1.5"),
        ({"max_ms": 0}, ValueError, "max_ms must be at least 1, not 0"),
        ({"entry": 3}, TypeError, "entry must be a gene name (a str) or None, not int"),
    ]:
        with pytest.raises(kind, match=re.escape(said)):
            peer.run(prog, n=3, **options)
    with pytest.raises(TypeError, match=re.escape("Peer.run takes an rx.Program")):
        peer.run("fib", n=3)
    with pytest.raises(TypeError, match="^has: cid must be a str of 64 hex digits, not NoneType$"):
        peer.has(None)
    with pytest.raises(TypeError, match="^store= takes True, False or an rx.Home, not a path"):
        peer.fetch("ab" * 32, store="/tmp/blobs")
    with pytest.raises(TypeError, match="^home= takes True, False or an rx.Home, not int"):
        peer.push("ab" * 32, home=5)


def test_a_peer_that_is_down_is_a_clear_error() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(rx.PeerError, match="cannot be reached"):
        rx.Peer(f"http://127.0.0.1:{port}", timeout=2).health()
    with pytest.raises(ValueError):
        rx.Peer("ftp://example.org")


def test_a_peer_that_answers_nonsense_is_a_peer_error() -> None:
    # A fake peer on loopback: a body cut short, a reply that is not HTTP, one that is not
    # JSON, a run reply without its record. Each is a PeerError (they were http.client's
    # IncompleteRead and BadStatusLine, json's JSONDecodeError and a KeyError).
    import socket
    import threading

    found = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    replies = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"ok\"",
        b"SSH-2.0-not-http\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",  # health: the default run budget
        found,  # HEAD of the program: the peer has it
        found,  # and of the input state
        b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{\"ok\": true}",
    ]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def serve() -> None:
        for reply in replies:
            conn, _ = server.accept()
            conn.recv(65536)
            conn.sendall(reply)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    peer = rx.Peer(f"http://127.0.0.1:{server.getsockname()[1]}", timeout=5)
    try:
        for want in ("broken reply", "broken reply", "not JSON"):
            with pytest.raises(rx.PeerError, match=want):
                peer.health()
        with pytest.raises(rx.PeerError, match="without the fields record"):
            peer.run(rx.assemble("gene f(x: u64) {\n    x += 1\n}\n"), x=1)
    finally:
        thread.join(10)
        server.close()


def test_a_backward_run_from_python_replays_from_the_tape_it_used(tmp_path: Path) -> None:
    # The backward run undoes the forward run's `y := x * 3` from the tape the forward run
    # left: its record names that tape (`tape_in`), so `rdx replay` starts from it too (it
    # failed with R0115 on an empty tape, and said the run differs).
    home = rx.Home(tmp_path / "home")
    prog = rx.assemble("gene main(x: u64, y: u64) {\n    y := x * 3\n    x += y\n}\n")
    out = prog.run(x=5, y=7, record=home)
    assert prog.reverse(**out, record=home) == {"x": 5, "y": 7}
    home.flush()
    forward, backward = sorted(home.log(dataframe=False), key=lambda r: r["id"])[-2:]
    assert backward["direction"] == "backward" and backward["tape_in"] == forward["tape"]
    result = subprocess.run(
        [rdx_binary(), "--home", str(tmp_path / "home"), "replay", str(backward["id"])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "the same output" in result.stdout, result.stdout


def test_a_peer_url_rdx_peer_add_refuses_is_refused() -> None:
    # They were taken, and every request went to a URL with the path after its query.
    for url, said in [
        ("http://h:1?x=1", "has a query"),
        ("http://h:1/p#frag", "has a fragment"),
        ("http://h:99999", "`99999` is not a port"),
        ("http://h:0", "`0` is not a port"),
        ("http://h:", "`` is not a port"),
        ("http://user:pw@h:1", "credentials"),
        ("http://h:1/a b", "space"),
        ("http://:1", "names no host"),
        ("http://h%41:1", "percent-escape"),
        ("http://h^:1", "`^` cannot be in a host"),
        ("http://[::1:1", "closing `]`"),
        ("http://[fe80::1%eth0]:1", "not an IPv6 address"),
        ("http://h:1/%zz", "`%zz` in its path is not a percent-escape"),
        ("https://h:1", "TLS is not supported"),
        ("ftp://h:1", "write http://HOST:PORT"),
    ]:
        with pytest.raises(ValueError, match=re.escape(said)):
            rx.Peer(url)
    for url, kept in [
        ("http://127.0.0.1:7370", "http://127.0.0.1:7370"),
        ("HTTP://h:1/", "http://h:1"),
        ("http://[::1]:7370/prefix", "http://[::1]:7370/prefix"),
        ("http://h/a%20b", "http://h/a%20b"),
    ]:
        assert rx.Peer(url).url == kept


class _FakePeer:
    """A peer on a free loopback port whose every answer `answer(method, path, body)` gives
    (status, body, headers); stopped by `close()`."""

    def __init__(self, answer: Any) -> None:
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def reply(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length) if length else b""
                status, data = answer(self.command, self.path, body)
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = do_POST = do_PUT = reply

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def test_a_run_waits_for_the_peers_run_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # The answer of a run is awaited as long as the peer's budget (`run_ms` of its /health)
    # allows, plus its grace (10 s), plus the timeout: it was the timeout + 70 s, whatever the
    # peer allowed. A fake peer answers at once with a failed run; the waits are read off.
    import json
    import urllib.request

    health = {"ok": True, "run_ms": 600_000}

    def answer(method: str, path: str, body: bytes) -> Tuple[int, bytes]:
        if path == "/health":
            return 200, json.dumps(health).encode()
        if method == "POST":
            asked = json.loads(body)
            record = {k: asked[k] for k in ("program", "input", "entry", "direction")}
            record.update(id=1, outcome="error", code="R0119", message="stopped")
            return 200, json.dumps({"record": record, "output": None, "printed": ""}).encode()
        return 200, b""

    waits = []
    real = urllib.request.urlopen

    def urlopen(req: Any, timeout: float) -> Any:
        if req.get_method() == "POST":
            waits.append(timeout)
        return real(req, timeout=timeout)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    fake = _FakePeer(answer)
    try:
        peer = rx.Peer(fake.url, timeout=2)
        prog = rx.assemble("gene f(x: u64) {\n    x += 1\n}\n")
        for run_ms, max_ms, wait in [(600_000, None, 612), (600_000, 5000, 17), (None, None, 72)]:
            health.pop("run_ms", None)
            if run_ms is not None:
                health["run_ms"] = run_ms
            with pytest.raises(rx.PeerError, match="R0119"):
                peer.run(prog, False, None, None, max_ms, x=1)
            assert waits.pop() == wait, (run_ms, max_ms)
    finally:
        fake.close()


def test_a_peer_that_does_not_answer_is_said_to_time_out() -> None:
    # It was "cannot be reached: timed out", as for a peer that is down.
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    try:
        peer = rx.Peer(f"http://127.0.0.1:{server.getsockname()[1]}", timeout=0.3)
        with pytest.raises(rx.PeerError) as e:
            peer.health()
        assert "did not answer within 0.3 s" in str(e.value) and "cannot be reached" not in str(e.value)
    finally:
        server.close()


def test_an_endless_answer_is_cut_off_and_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each answer was read whole into memory, however long: now at most _MAX_BODY bytes, as
    # the CLI reads (lowered here so the test sends little).
    import socket
    import threading

    import redoxa._peer

    monkeypatch.setattr(redoxa._peer, "_MAX_BODY", 1 << 16)
    heads = [
        b"HTTP/1.1 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 70000\r\n\r\n",
    ]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)

    def serve() -> None:
        for head in heads * 2:
            conn, _ = server.accept()
            conn.recv(65536)
            chunked = b"chunked" in head
            try:
                conn.sendall(head)
                for _ in range(10_000):
                    piece = b"x" * 4096
                    conn.sendall(b"1000\r\n" + piece + b"\r\n" if chunked else piece)
            except OSError:
                pass  # the client stopped reading
            finally:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    peer = rx.Peer(f"http://127.0.0.1:{server.getsockname()[1]}", timeout=5)
    try:
        for call in (lambda: peer.fetch("ab" * 32), peer.health):
            for want in ("went on past 65536 bytes", "went on past 65536 bytes", "one of 70000 bytes"):
                with pytest.raises(rx.PeerError, match=want):
                    call()
    finally:
        thread.join(30)
        server.close()


def test_a_run_answer_for_another_run_is_refused() -> None:
    # A peer (or a proxy) that says the run went the other way: its answer was returned as the
    # run's, with the output of another run.
    import json

    def answer(method: str, path: str, body: bytes) -> Tuple[int, bytes]:
        if path == "/health":
            return 200, b'{"ok": true, "run_ms": 1000}'
        if method == "POST":
            asked = json.loads(body)
            record = {k: asked[k] for k in ("program", "input", "entry", "direction")}
            record.update(id=1, outcome="ok", direction="backward")
            return 200, json.dumps({"record": record, "output": "{}", "printed": ""}).encode()
        return 200, b""

    fake = _FakePeer(answer)
    try:
        prog = rx.assemble("gene f(x: u64) {\n    x += 1\n}\n")
        said = "malformed answer: its record says direction 'backward', but the run asked for has 'forward'"
        with pytest.raises(rx.PeerError, match=re.escape(said)):
            rx.Peer(fake.url, timeout=5).run(prog, x=1)
    finally:
        fake.close()
