"""Probes from Python: ``rx.probe_local`` times a command, ``rx.probe_network`` a URL.

Both return the same :class:`Probe` record as ``rdx probe --json``: what was timed, the samples
and their summary (n, min, median, mean ± sd, p90, p99, max, outliers by the modified z-score,
RFC 3550 jitter and the mean |Δ| of consecutive samples, throughput when bytes moved). The
summary is computed by the rdx core, so Python and ``rdx probe`` agree. With ``record=`` the
probe is appended to a home's ledger and ``Probe.id`` is its record id.

``probe_network`` speaks HTTP with Python's own client (``urllib`` in a worker thread), so the
extension carries no network stack.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import shlex
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

from . import _home, _native, _types as T


@dataclass
class Probe:
    """One probe: what was timed, its samples (ns) and their summary."""

    what: str
    source: str
    target: str
    warmup: int
    samples_ns: List[int]
    bytes: Optional[int]
    outcome: str
    started: str
    host: str
    n: int
    min_ns: float
    median_ns: float
    mean_ns: float
    sd_ns: float
    p90_ns: float
    p99_ns: float
    max_ns: float
    outliers: int
    jitter_rfc3550_ns: float
    jitter_mean_delta_ns: float
    throughput_bps: Optional[float]
    #: The ledger record id, when the probe was recorded.
    id: Optional[int] = field(default=None)

    def __repr__(self) -> str:
        return (
            f"<rx.Probe {self.what} {self.target!r} from {self.source}: n={self.n}, "
            f"median {self.median_ns / 1e6:.3f} ms, jitter {self.jitter_rfc3550_ns / 1e6:.3f} ms>"
        )


def _summarise(
    what: str,
    source: str,
    target: str,
    warmup: int,
    samples: Sequence[int],
    nbytes: Optional[int],
    outcome: str,
    record: Any,
) -> Probe:
    if not samples:
        raise RuntimeError(f"no sample of {what} {target!r}: {outcome}")
    fields = json.loads(_native.probe_summary(what, source, target, warmup, list(samples), nbytes, outcome))
    probe = Probe(**fields)
    home = _home.resolve(record)
    if home is not None:
        probe.id = home._native.record_probe(json.dumps(fields))
    return probe


def _counts(n: Any, warmup: Any) -> Tuple[int, int]:
    return T.count(n, "n", 1, None), T.count(warmup, "warmup", 0, None)


def _sample(n: int, warmup: int, once: Callable[[], int]) -> "tuple[List[int], str]":
    samples: List[int] = []
    try:
        for _ in range(warmup):
            once()
        for _ in range(n):
            samples.append(once())
    # A failure stops the probe and keeps the samples so far: a command that cannot start or
    # fails, a connection refused or timed out (OSError), an answer that is not HTTP or ends
    # early (http.client's BadStatusLine, IncompleteRead, …).
    except (OSError, subprocess.SubprocessError, RuntimeError, http.client.HTTPException) as e:
        return samples, f"{type(e).__name__}: {e}"
    return samples, "ok"


def probe_local(
    name: str,
    command: Union[str, Sequence[str]],
    *,
    n: int = 10,
    warmup: int = 1,
    record: Any = False,
) -> Probe:
    """Times ``command`` (a string, split as a shell would, or an argument list) ``n`` times
    after ``warmup`` untimed runs, its output discarded; ``name`` labels it (the probe's
    target). A failing command stops the probe: its ``outcome`` says why, and a probe without
    any sample raises ``RuntimeError``."""
    if isinstance(command, (bytes, bytearray)):
        raise TypeError("the command is a string or a list of arguments, not bytes")
    n, warmup = _counts(n, warmup)
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if not argv:
        raise ValueError("the command is empty")

    def once() -> int:
        t0 = time.perf_counter_ns()
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter_ns() - t0
        if done.returncode != 0:
            raise RuntimeError(f"{name} exited with {done.returncode}")
        return elapsed

    samples, outcome = _sample(n, warmup, once)
    return _summarise("command", "local", name, warmup, samples, None, outcome, record)


async def probe_network(
    url: str,
    *,
    n: int = 10,
    warmup: int = 1,
    timeout: float = 10.0,
    record: Any = False,
) -> Probe:
    """Times ``n`` GET requests of ``url`` (after ``warmup`` untimed ones), each read to its
    end; the probe's ``bytes`` is the body's size, so it reports throughput. Runs the requests
    in a worker thread, so the event loop stays free."""
    n, warmup = _counts(n, warmup)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    size: List[int] = [0]

    def once() -> int:
        t0 = time.perf_counter_ns()
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
        size[0] = len(body)
        return time.perf_counter_ns() - t0

    samples, outcome = await asyncio.to_thread(_sample, n, warmup, once)
    return _summarise("url", parts.netloc, url, warmup, samples, size[0], outcome, record)
