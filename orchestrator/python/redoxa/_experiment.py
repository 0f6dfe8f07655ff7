"""``rx.experiment``: run many inputs forward and back on several backends, verify, time.

Each row is one (input, backend) pair: the input, the forward result, whether running backward
from that result gave the input back, and the time of each direction. Progress is shown on
stderr only when the whole experiment has run for more than a second.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, TextIO

from . import _home, _program, _types as T
from ._program import Program
from .errors import BackendError, RdxError, RoundTripError

#: The columns of a row, in order (also those of an experiment with no rows).
COLUMNS = (
    "input",
    "backend",
    "output",
    "back",
    "roundtrip",
    "forward_s",
    "backward_s",
    "instructions",
    "lossy_bits",
    "error",
)

#: Seconds before progress starts being shown.
PROGRESS_AFTER = 1.0


class _Progress:
    def __init__(self, total: int, stream: Optional[TextIO]) -> None:
        self.total = total
        self.stream = stream
        self.start = time.perf_counter()
        self.shown = False
        self.last = 0.0

    def update(self, done: int) -> None:
        if self.stream is None:
            return
        now = time.perf_counter()
        if now - self.start < PROGRESS_AFTER or (now - self.last < 0.2 and done < self.total):
            return
        self.last = now
        self.shown = True
        elapsed = now - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else 0.0
        self.stream.write(f"\rexperiment: {done}/{self.total} runs, {elapsed:.1f} s, ~{eta:.1f} s left   ")
        self.stream.flush()

    def close(self) -> None:
        if self.shown and self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()


def experiment(
    program: Any,
    inputs: Iterable[Mapping[str, Any]],
    backends: Optional[Sequence[str]] = None,
    *,
    repeat: int = 1,
    strict: bool = True,
    progress: Optional[TextIO] = None,
    dataframe: Optional[bool] = None,
    record: Any = None,
) -> Any:
    """Runs every input forward then backward on each backend and checks the round trip.

    ``program`` is an ``rx.Program`` or a gene (compiled first). ``repeat`` runs each direction
    that many times and keeps the best time. With ``strict`` (the default) a round trip that
    does not give the input back raises :class:`RoundTripError` after all rows are collected;
    otherwise the ``roundtrip`` column says so. A run-time error in either direction is recorded
    in the ``error`` column. Returns a pandas DataFrame when pandas is importable (and
    ``dataframe`` is not False), else a list of dicts with the columns ``input``, ``backend``,
    ``output``, ``back`` (the backward result), ``roundtrip``, ``forward_s``, ``backward_s``,
    ``instructions`` and ``lossy_bits`` (of the forward run) and ``error``.

    ``record`` (``True`` for the default home, or an ``rx.Home``) records every run, forward
    and backward, in the home's ledger, batched: one transaction per ``batch_size`` runs and
    one at the end; ``False`` records nothing.

    Under ``python -m redoxa`` the runs go through its session, as ``Program.run`` does: the
    backend is the session's (``auto``: the planner) unless ``backends`` names some, and the
    runs are recorded in the session's home unless ``record`` says otherwise.

    Every input is checked against the gene's parameters before anything runs; one that does
    not fit raises, naming the input by its position.
    """
    session = _program._SESSION
    home = session.home if record is None and session is not None else _home.resolve(record)
    if not isinstance(program, Program):
        compile_ = getattr(program, "compile", None)
        if compile_ is None:
            raise TypeError(f"rx.experiment takes an rx.Program or a gene, not {type(program).__name__}")
        program = compile_()
    repeat = T.count(repeat, "repeat", 1)
    cases = _cases(inputs)
    if isinstance(backends, (bytes, bytearray)):
        raise TypeError("backends takes a backend name or a list of names, not bytes")
    if backends is None:
        default = session.backend if session is not None and session.backend else program.backend
        names = [default]
    else:
        # One name alone is one backend (list("jit") would be three).
        names = [backends] if isinstance(backends, str) else list(backends)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"a backend is named by a str, not {type(name).__name__} {name!r}")
        _program._backend(name)
    expected = [_expected(program, k, case) for k, case in enumerate(cases)]
    stream = sys.stderr if progress is None else progress
    rows: List[Dict[str, Any]] = []
    bar = _Progress(len(cases) * len(names), stream)
    failures = 0
    try:
        for be in names:
            for case, want in zip(cases, expected):
                rows.append(_one(program, case, want, be, repeat, home, session))
                if rows[-1]["roundtrip"] is False:
                    failures += 1
                bar.update(len(rows))
    finally:
        bar.close()
        if home is not None:
            home.flush()
    if strict and failures:
        bad = next(r for r in rows if r["roundtrip"] is False)
        raise RoundTripError(
            f"{failures} of {len(rows)} runs did not reverse to their input; first: backend "
            f"{bad['backend']}, input {bad['input']}, output {bad['output']}, back {bad['back']}"
        )
    return _table(rows, dataframe)


def _cases(inputs: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Each input as a dict of parameter values; anything but a mapping is a ``TypeError``
    naming its position."""
    if isinstance(inputs, Mapping):
        raise TypeError(
            "inputs is a list of inputs, each a mapping of parameter values: wrap a single input "
            "in a list, as in inputs=[{'x': 1}]"
        )
    if isinstance(inputs, (str, bytes, bytearray)) or not hasattr(inputs, "__iter__"):
        raise TypeError(
            f"inputs must be a list of mappings of parameter values, not {type(inputs).__name__}"
        )
    cases = []
    for k, case in enumerate(inputs):
        # The mapping protocol (keys and items), as dict() reads it; not a list of pairs or a
        # str, whose dict() would be a different input or an error about sequence elements.
        if not callable(getattr(case, "keys", None)):
            raise TypeError(
                f"input {k} {T.show(case)}: each input must be a mapping of parameter values, such as "
                f"{{'x': 1}}, not {type(case).__name__}"
            )
        cases.append(dict(case))
    return cases


def _expected(program: Program, k: int, case: Dict[str, Any]) -> Dict[str, Any]:
    """Every parameter's value for input number ``k``: what a round trip must give back."""
    try:
        return dict(zip(program._names, program.values_list(case)))
    except (TypeError, ValueError) as e:
        raise type(e)(f"input {k} {T.show(case)}: {e}") from None


def _one(
    program: Program,
    case: Dict[str, Any],
    expected: Dict[str, Any],
    backend: str,
    repeat: int,
    home: Optional[_home.Home],
    session: Optional[_program._Session],
) -> Dict[str, Any]:
    row: Dict[str, Any] = dict.fromkeys(COLUMNS)
    row["input"], row["backend"] = case, backend
    try:
        if session is not None:
            session.runs.append((program, dict(case), False))
        fwd = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = program._call(case, False, backend, home)
            fwd = min(fwd, time.perf_counter() - t0)
        row["output"], row["forward_s"] = out, fwd
        run = program.last_run
        row["instructions"], row["lossy_bits"] = run["instructions"], run["lossy_bits"]
        if session is not None:
            session.runs.append((program, dict(out), True))
        bwd = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            back = program._call(out, True, backend, home)
            bwd = min(bwd, time.perf_counter() - t0)
        row["back"], row["backward_s"] = back, bwd
        row["roundtrip"] = _same_values(back, expected)
    except BackendError:
        raise
    except RdxError as e:
        row["error"] = f"{type(e).__name__}: {e}"
    return row


#: Relative tolerance of a float buffer's round trip (kernels round; integers compare exactly).
FLOAT_RTOL = 1e-12


def _same_values(back: Dict[str, Any], expected: Dict[str, Any]) -> bool:
    """Whether a backward run gave the input back: integers exactly, a float or complex buffer
    within ``FLOAT_RTOL`` of the buffer's largest finite magnitude. A NaN or an infinity (of
    a real or an imaginary part) comes back only as itself: NaN where the input had a number,
    or NaN for an infinity, is not a round trip."""
    if back.keys() != expected.keys():
        return False
    for name, want in expected.items():
        got = back[name]
        if isinstance(want, list) and want and isinstance(want[0], (float, complex)):
            if not isinstance(got, list) or len(got) != len(want):
                return False
            parts = [p for x in want + got for p in _parts(x) if math.isfinite(p)]
            tol = FLOAT_RTOL * max([abs(p) for p in parts] + [1e-300])
            if not all(_close(g, w, tol) for g, w in zip(got, want)):
                return False
        elif got != want:
            return False
    return True


def _parts(x: Any) -> List[float]:
    """A float, or a complex number's real and imaginary parts."""
    return [x.real, x.imag] if isinstance(x, complex) else [float(x)]


def _close(got: Any, want: Any, tol: float) -> bool:
    for g, w in zip(_parts(complex(got) if isinstance(want, complex) else got), _parts(want)):
        if math.isnan(g) or math.isnan(w):
            if not (math.isnan(g) and math.isnan(w)):
                return False
        elif math.isinf(g) or math.isinf(w):
            if g != w:
                return False
        elif abs(g - w) > tol:
            return False
    return True


def _table(rows: List[Dict[str, Any]], dataframe: Optional[bool]) -> Any:
    if dataframe is False:
        return rows
    try:
        import pandas as pd
    except ImportError:
        if dataframe:
            raise
        return rows
    # Named columns, so an experiment without rows still has `df["roundtrip"]`.
    return pd.DataFrame(rows, columns=list(COLUMNS))
