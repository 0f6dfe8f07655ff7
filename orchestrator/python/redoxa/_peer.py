"""``rx.Peer``: another home served by ``rdx serve``, spoken to with Python's own HTTP client.

A peer is a URL (``http://HOST:PORT``) and, for writes, a bearer token. ``fetch`` checks what
it gets against the CID asked for (blake3, computed by the rdx core), so bytes that are corrupt
or cut short raise ``PeerError`` and are never returned. ``push`` stores bytes (or a blob of a
local home) on the peer; ``run`` runs a program there, pushing what the peer lacks, and returns
the output values with the run's ledger record. The extension carries no HTTP stack: requests
go through ``urllib``.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Union

from . import _home, _native, _types as T
from ._program import _UNSET, Program, _flag, _steps
from .errors import RdxError

_CID = re.compile(r"[0-9a-fA-F]{64}")

#: The most bytes ``rx.Peer`` reads of one answer (``rdx_net::MAX_BODY``, as the CLI): an
#: answer said to be longer is refused unread, and one that goes on past it is cut off.
_MAX_BODY = 256 << 20
#: The most bytes of an error answer read for its message (as the CLI).
_ERROR_BODY = 4096
#: A peer's run budget when its ``/health`` does not say (``run_ms``), in seconds.
_RUN_BUDGET = 60.0
#: How long past its budget a stopped run may take to be recorded before the server answers
#: 503 (``rdx_net::remote::GRACE``), in seconds.
_GRACE = 10.0
#: What a host may be written with (``rdx peer add`` allows the same).
_HOST = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=]+")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class PeerError(RdxError):
    """A peer could not be reached, answered with an error, or sent bad bytes.

    ``status`` is the HTTP status when the peer answered (``None`` otherwise)."""

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


class Peer:
    """A home served by ``rdx serve`` at ``url`` (``http://HOST:PORT``).

    ``token`` is sent as ``Authorization: Bearer TOKEN`` with writes (``push``, ``run``);
    ``timeout`` (seconds) bounds connecting and each read.
    """

    def __init__(self, url: str, token: Optional[str] = None, *, timeout: float = 10.0) -> None:
        self.url = _peer_url(url).rstrip("/")
        self.token = token.strip() if token is not None else None
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"<rx.Peer {self.url}{' (token)' if self.token else ''}>"

    # ---- HTTP ---------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        body: Optional[bytes] = None,
        *,
        write: bool = False,
        content_type: str = "application/octet-stream",
        timeout: Optional[float] = None,
    ) -> "tuple[int, bytes, Dict[str, str]]":
        headers = {}
        if body is not None:
            headers["Content-Type"] = content_type
        if write and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        wait = timeout or self.timeout
        try:
            with urllib.request.urlopen(req, timeout=wait) as resp:
                data = b"" if method == "HEAD" else self._read(resp)
                return resp.status, data, dict(resp.headers)
        except urllib.error.HTTPError as e:
            text = e.read(_ERROR_BODY).decode("utf-8", "replace").strip().splitlines()
            why = text[0] if text else e.reason
            raise PeerError(f"peer {self.url} answered {e.code}: {why}", e.code) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            if isinstance(reason, (TimeoutError, socket.timeout)):
                raise PeerError(
                    f"peer {self.url} did not answer within {wait:g} s (is it busy? a slow peer "
                    "needs a larger timeout=)"
                ) from None
            raise PeerError(f"peer {self.url} cannot be reached: {reason}") from None
        except http.client.HTTPException as e:
            # A reply cut short (IncompleteRead) or not HTTP at all (BadStatusLine).
            raise PeerError(f"peer {self.url} sent a broken reply: {type(e).__name__}: {e}") from None

    def _read(self, resp: http.client.HTTPResponse) -> bytes:
        """The body of ``resp``, at most ``_MAX_BODY`` bytes: a longer one is ``PeerError``,
        one shorter than its ``Content-Length`` ``IncompleteRead``."""
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > _MAX_BODY:
            raise PeerError(
                f"peer {self.url} sent a malformed answer: one of {int(declared)} bytes (the most "
                f"rx.Peer reads of one is {_MAX_BODY}; not read)"
            )
        chunks = []
        got = 0
        while True:
            chunk = resp.read(min(1 << 20, _MAX_BODY + 1 - got))
            if not chunk:
                data = b"".join(chunks)
                if declared.isdigit() and got < int(declared):
                    # A body cut short (read(n) returns what came; read() would raise this).
                    raise http.client.IncompleteRead(data, int(declared) - got)
                return data
            chunks.append(chunk)
            got += len(chunk)
            if got > _MAX_BODY:
                raise PeerError(
                    f"peer {self.url} sent a malformed answer: the answer went on past {_MAX_BODY} "
                    "bytes, the most rx.Peer reads of one, without ending (stopped reading it)"
                )

    def _json(self, body: bytes, what: str, *keys: str) -> Dict[str, Any]:
        """The JSON object of a reply, with ``keys`` present; else ``PeerError``."""
        try:
            value = json.loads(body)
        except (ValueError, UnicodeDecodeError) as e:
            raise PeerError(f"peer {self.url} sent {what} that is not JSON: {e}") from None
        if not isinstance(value, dict) or any(k not in value for k in keys):
            raise PeerError(f"peer {self.url} sent {what} without the fields {', '.join(keys)}")
        return value

    # ---- blobs --------------------------------------------------------------------------

    def health(self) -> Dict[str, Any]:
        """``GET /health``: ``{"ok": True, "version": …}``."""
        _, body, _ = self._request("GET", "/health")
        return self._json(body, "a health reply")

    def has(self, cid: str) -> bool:
        """Whether the peer holds blob ``cid`` (a ``HEAD`` request)."""
        try:
            self._request("HEAD", f"/blobs/{_whole(cid, 'has')}")
        except PeerError as e:
            if e.status == 404:
                return False
            raise
        return True

    def fetch(self, cid: str, *, store: Any = None) -> bytes:
        """Blob ``cid`` (all 64 hex digits) from the peer, verified: bytes that do not hash to
        ``cid`` raise ``PeerError`` (nothing is stored). With ``store=`` (``True``: the
        default home, or an ``rx.Home``) the verified blob is also kept there."""
        cid = _whole(cid, "fetch")
        home = _home.resolve(store, "store")
        _, data, _ = self._request("GET", f"/blobs/{cid}")
        actual = _native.cid_of(data)
        if actual != cid:
            raise PeerError(
                f"peer {self.url} sent bad bytes for {cid}: {len(data)} bytes hashing to {actual} "
                "(rejected, not stored)"
            )
        if home is not None:
            home.put(data)
        return data

    def push(self, data: Union[bytes, bytearray, memoryview, str], *, home: Any = True) -> str:
        """Stores a blob on the peer and returns its CID: ``data`` is the bytes, or the CID
        (or unique prefix) of a blob of ``home`` (``True``: the default home)."""
        if isinstance(data, str):
            local = _home.resolve(home, "home")
            if local is None:
                raise ValueError("push(cid) needs a home to read the blob from")
            data = local.get(data)
        blob = _home.as_bytes(data, "push")
        cid = _native.cid_of(blob)
        self._request("PUT", f"/blobs/{cid}", blob, write=True)
        return cid

    # ---- runs ---------------------------------------------------------------------------

    def run(
        self,
        program: Any,
        reverse: Any = _UNSET,
        entry: Any = _UNSET,
        max_steps: Any = _UNSET,
        max_ms: Any = _UNSET,
        /,
        **values: Any,
    ) -> Dict[str, Any]:
        """Runs ``program`` (an ``rx.Program``) on the peer from ``values`` (unset
        parameters are 0), pushing the program and the input state if the peer lacks them,
        and returns ``{"values": {...}, "record": {...}, "printed": "..."}``: the output
        values, the run as the peer's ledger recorded it (the fields of ``rdx log --json``)
        and what it printed. A failed run raises ``PeerError`` naming its error code; the
        peer's ledger holds it either way.

        ``reverse=True`` runs backward; ``entry=`` names another gene of the program to run;
        ``max_steps`` / ``max_ms`` ask for a smaller budget than the peer's own. Each may be
        given by keyword unless the gene has a parameter of that name (``entry``: the
        program's entry gene): then the keyword is the parameter, as for ``Program.run``'s
        ``backend=``, and the option is given by position, as for ``Program.plan``:
        ``peer.run(prog, True, None, 1000, None, reverse=5)``."""
        if not isinstance(program, Program):
            raise TypeError(f"Peer.run takes an rx.Program (gene.compile()), not {type(program).__name__}")
        entry = program._option(values, "entry", entry)
        if entry is not _UNSET and entry is not None:
            if not isinstance(entry, str):
                raise TypeError(f"entry must be a gene name (a str) or None, not {type(entry).__name__}")
            if entry != program.entry:
                # The values are the other gene's: checked against its parameters.
                program = Program(program._module, entry=entry)
        gene = program.entry
        reverse = _flag(program._option(values, "reverse", reverse), "reverse")
        max_steps = program._option(values, "max_steps", max_steps)
        max_steps = _steps(None if max_steps is _UNSET else max_steps, "the peer's budget")
        max_ms = program._option(values, "max_ms", max_ms)
        max_ms = None if max_ms is _UNSET or max_ms is None else T.count(max_ms, "max_ms", 1, T.U64_MAX)
        module = program._module
        code = module.to_bytes()
        state = module.encode_state(gene, program.values_list(values))
        # The run may take as long as the peer's budget (`rdx serve --run-ms`) allows.
        wait = self._run_wait(max_ms)
        for blob in (code, state):
            if not self.has(_native.cid_of(blob)):
                self.push(blob)
        request: Dict[str, Any] = {
            "program": _native.cid_of(code),
            "entry": gene,
            "direction": "backward" if reverse else "forward",
            "input": _native.cid_of(state),
        }
        if max_steps is not None:
            request["max_steps"] = max_steps
        if max_ms is not None:
            request["max_ms"] = max_ms
        _, body, _ = self._request(
            "POST", "/runs", json.dumps(request).encode(), write=True, content_type="application/json", timeout=wait
        )
        reply = self._json(body, "a run reply", "record")
        record = reply["record"]
        if not isinstance(record, dict):
            raise PeerError(f"peer {self.url} sent a run reply whose record is not an object")
        for field in ("program", "input", "entry", "direction"):
            if record.get(field) != request[field]:
                raise PeerError(
                    f"peer {self.url} sent a malformed answer: its record says {field} "
                    f"{record.get(field)!r}, but the run asked for has {request[field]!r}"
                )
        if record.get("outcome") != "ok" or reply.get("output") is None:
            raise PeerError(
                f"the run failed on {self.url}: error[{record.get('code')}]: {record.get('message')} "
                f"(run {record.get('id')})"
            )
        output = reply["output"].encode()
        if _native.cid_of(output) != record.get("output"):
            raise PeerError(f"peer {self.url} sent an output that does not hash to its record's")
        names = [n for n, _ in program.params]
        out = module.decode_state(gene, output)
        return {"values": dict(zip(names, out)), "record": record, "printed": reply.get("printed", "")}

    def _run_wait(self, max_ms: Optional[int]) -> float:
        """How long to wait for the answer of a run, in seconds: the peer's run budget
        (``run_ms`` of its ``/health``, 60 s when it does not say; ``max_ms`` when that is
        less, as the peer lowers its budget to it), plus the peer's grace for a run that does
        not stop (10 s), plus this peer's ``timeout``: as ``rdx run --on`` waits."""
        run_ms = self.health().get("run_ms")
        said = isinstance(run_ms, int) and not isinstance(run_ms, bool) and run_ms >= 0
        budget = run_ms / 1000 if said else _RUN_BUDGET
        if max_ms is not None:
            budget = min(budget, max_ms / 1000)
        # A socket waits at most ~11 days.
        return min(budget, 1e6) + _GRACE + self.timeout


def _peer_url(url: Any) -> str:
    """``url`` if it is a peer URL ``rdx peer add`` takes (``http://HOST[:PORT][/PREFIX]``:
    a host, a port from 1 to 65535, no credentials, no query or fragment, no spaces, every
    ``%`` of the prefix an escape), its scheme lower-cased; else ``ValueError`` saying why."""
    if not isinstance(url, str):
        raise TypeError(f"a peer URL is a str (http://HOST:PORT), not {type(url).__name__}")

    def bad(why: str) -> ValueError:
        return ValueError(f"{url!r} is not a peer URL: {why}")

    head = url[:8].lower()
    if not head.startswith("http://"):
        tls = head == "https://"
        raise bad("TLS is not supported: write http://HOST:PORT" if tls else "write http://HOST:PORT")
    if any(c.isspace() or ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in url):
        raise bad("it has a space or a control character in it")
    rest = url[len("http://") :]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if "@" in authority:
        raise bad("it carries credentials (`user:password@`): leave them out (writes use token=)")
    if authority.startswith("["):
        host, close, tail = authority[1:].partition("]")
        if not close:
            raise bad("an IPv6 address needs its closing `]`")
        try:
            if "%" in host:
                raise ValueError(host)
            ipaddress.IPv6Address(host)
        except ValueError:
            raise bad(f"`[{host}]` is not an IPv6 address (without a zone: no `%`)") from None
        if tail and not tail.startswith(":"):
            raise bad("write [IPv6]:PORT")
        port = tail[1:] if tail else None
    else:
        host, colon, port_text = authority.rpartition(":")
        host, port = (host, port_text) if colon else (authority, None)
        if host and "%" in host:
            raise bad(f"its host `{host}` has a percent-escape: write the host as it is (a name or address)")
        if host and not _HOST.fullmatch(host):
            c = next(c for c in host if not _HOST.fullmatch(c))
            raise bad(f"`{c}` cannot be in a host (`{host}`)")
    if not host:
        raise bad("it names no host")
    if port is not None and not (port.isascii() and port.isdigit() and 0 < int(port) <= 65535):
        raise bad(f"`{port}` is not a port (a number from 1 to 65535)")
    prefix = rest[len(authority) :]
    extra = re.search(r"[?#]", prefix)
    if extra:
        c = extra.group()
        what = "query" if c == "?" else "fragment"
        raise bad(f"it has a {what} (`{c}`…), but rdx appends paths to it: write http://HOST:PORT")
    escape = _ESCAPE.search(prefix)
    if escape:
        shown = prefix[escape.start() : escape.start() + 3]
        raise bad(f"`{shown}` in its path is not a percent-escape (a `%` and two hex digits; %25 is a `%`)")
    return "http://" + rest


def _whole(cid: str, what: str) -> str:
    if not isinstance(cid, str):
        raise TypeError(f"{what}: cid must be a str of 64 hex digits, not {type(cid).__name__}")
    text = cid.strip()
    if not _CID.fullmatch(text):
        raise ValueError(f"{cid!r} is not a whole CID (64 hex digits)")
    return text.lower()
