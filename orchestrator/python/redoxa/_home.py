"""``rx.Home``: the content-addressed store and the ledger of runs, shared with ``rdx``.

A home is a directory (``$RDX_HOME``, default ``~/.rdx``): blobs named by the blake3 hash of
their bytes, and a hash-chained SQLite ledger with one record per run (spec/ledger.md). The
``rdx`` command and Python share it, also at the same time.

    home = rx.Home()                       # or rx.Home("/tmp/h")
    cid = home.put(b"bytes")               # the blake3 CID, 64 hex digits
    home.get(cid[:8])                      # the bytes back, verified
    prog.run(n=10, record=home)            # recorded (record=True: the default home)
    rx.experiment(prog, inputs, record=home)   # every run recorded, in batches
    home.log(5)                            # the newest records (a DataFrame with pandas)
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import weakref
from typing import Any, Dict, List, Optional, Union

from . import _native, _types as T

_DEFAULT: Optional["Home"] = None

#: The homes alive, flushed at exit. Weak: a home that is dropped flushes then (``__del__``)
#: and lets its ledger's files go (a strong reference from ``atexit`` kept every home, and two
#: open file descriptors each, until the process ended).
_LIVE: "weakref.WeakSet[Home]" = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    for home in list(_LIVE):
        home._flush_quietly()


def as_bytes(data: Any, what: str) -> bytes:
    """``data`` as bytes, if it is bytes-like: ``bytes(5)`` would be five zero bytes, and
    ``bytes([1, 2])`` a list's, so an int, a list or a string is refused by name."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what} takes bytes (or bytearray, memoryview), not {type(data).__name__}")
    return bytes(data)


class Home:
    """A home: its store (``put``/``get``) and its ledger (``log``).

    ``path`` defaults to ``$RDX_HOME``, else ``~/.rdx``. Runs recorded in a batch (as
    ``rx.experiment(..., record=...)`` does) wait in memory until ``flush()``, or until
    ``batch_size`` of them are waiting, and are then written in one transaction. Use the home
    as a context manager to flush on exit.
    """

    def __init__(self, path: Union[str, "os.PathLike[str]", None] = None, *, batch_size: int = 1000) -> None:
        # More than fits in memory is "flush only when asked"; the native side counts in a usize.
        batch_size = min(T.count(batch_size, "batch_size", 1, None), 1 << 62)
        self._native = _native.Home(None if path is None else os.fspath(path), batch_size)
        _LIVE.add(self)

    def _flush_quietly(self) -> None:
        # At exit or collection nobody can catch an error: it is said on stderr, and the
        # records stay unwritten, as a failed flush() leaves them.
        try:
            self._native.flush()
        except Exception as e:
            sys.stderr.write(f"redoxa: the records waiting for {self.path} were not written: {e}\n")

    def __del__(self) -> None:
        native = getattr(self, "_native", None)
        if native is not None and native.pending():
            self._flush_quietly()

    @property
    def path(self) -> str:
        """The home's directory."""
        return self._native.path

    def put(self, data: bytes) -> str:
        """Stores ``data``; returns its CID (blake3, 64 lowercase hex digits)."""
        return self._native.put(as_bytes(data, "put"))

    def get(self, cid: str) -> bytes:
        """The bytes stored under ``cid`` (or a unique prefix of at least 8 hex digits),
        verified; a state that ``rdx store gc --drop-recoverable`` deleted is recovered by
        rewinding its run. Raises ``StoreError`` when there is no such blob or its bytes no
        longer match it."""
        return self._native.get(cid)

    def log(self, n: Optional[int] = None, *, dataframe: Optional[bool] = None) -> Any:
        """The newest ``n`` run records (all when ``None``), newest first: one dict per run
        with the fields of ``rdx log --json``. A pandas DataFrame when pandas is importable
        (and ``dataframe`` is not False). Deferred records are flushed first."""
        if n is not None:
            n = min(T.count(n, "n", 0, None), 1 << 62)
        records: List[Dict[str, Any]] = json.loads(self._native.log_json(n))
        if dataframe is False:
            return records
        try:
            import pandas as pd
        except ImportError:
            if dataframe:
                raise
            return records
        return pd.DataFrame(records)

    def flush(self) -> int:
        """Writes the records waiting in this process in one transaction; returns how many."""
        return self._native.flush()

    @property
    def pending(self) -> int:
        """Records waiting for ``flush``."""
        return self._native.pending()

    def __enter__(self) -> "Home":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.flush()

    def __repr__(self) -> str:
        return f"<rx.Home {self.path}>"


def default_home() -> Home:
    """The home of ``record=True``: ``$RDX_HOME`` or ``~/.rdx``, opened once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Home()
    return _DEFAULT


def require(home: Any, what: str) -> Home:
    """The home an option that needs one names: an ``rx.Home`` (a path is not opened
    implicitly, as ``record=`` does not either)."""
    if isinstance(home, Home):
        return home
    if isinstance(home, (str, bytes, os.PathLike)):
        raise TypeError(f"{what} takes an rx.Home, not a path: pass rx.Home({home!r})")
    kind = type(home)
    raise TypeError(f"{what} needs a home: an rx.Home, not {kind.__module__}.{kind.__qualname__}")


def resolve(record: Any, what: str = "record") -> Optional[Home]:
    """The home a ``record=`` option (or another, named ``what``) names: None/False for none,
    True for the default home, or a ``Home``."""
    if record is None or record is False:
        return None
    if record is True:
        return default_home()
    if isinstance(record, Home):
        return record
    if isinstance(record, (str, bytes, os.PathLike)):
        raise TypeError(f"{what}= takes True, False or an rx.Home, not a path: pass rx.Home({record!r})")
    raise TypeError(f"{what}= takes True, False or an rx.Home, not {type(record).__name__}")
