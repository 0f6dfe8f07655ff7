"""Every exception redoxa raises. All of them derive from :class:`RdxError`.

The native module raises these same classes (it imports this module), so ``except rx.RdxError``
catches everything the Rust core can report.
"""

from __future__ import annotations

from typing import List, Optional


class RdxError(Exception):
    """Base class of every redoxa error."""


class Diagnostic:
    """One diagnostic of the rdx front end (checker or parser), as Python data.

    ``line``/``column`` are 1-based positions in the rdx source; ``py_file``/``py_line`` the
    Python statement it came from when the source was translated from a gene.
    """

    __slots__ = ("code", "severity", "message", "line", "column", "py_file", "py_line", "hints")

    def __init__(
        self,
        code: str,
        message: str,
        line: int = 0,
        column: int = 0,
        severity: str = "error",
        hints: Optional[List[str]] = None,
        py_file: Optional[str] = None,
        py_line: Optional[int] = None,
    ) -> None:
        self.code = code
        self.severity = severity
        self.message = message
        self.line = line
        self.column = column
        self.hints = list(hints or [])
        self.py_file = py_file
        self.py_line = py_line

    def __repr__(self) -> str:
        where = f"{self.py_file}:{self.py_line}" if self.py_file else f"{self.line}:{self.column}"
        return f"Diagnostic({self.code} at {where}: {self.message!r})"


class CompileError(RdxError):
    """A program that the translator, parser or checker rejects.

    ``rendered`` is the full human-readable report; ``diagnostics`` the individual findings.
    For a gene written in Python, ``filename`` and ``lineno`` name the Python statement at fault
    (the first error's).
    """

    def __init__(
        self,
        message: str,
        *,
        rendered: Optional[str] = None,
        diagnostics: Optional[List[Diagnostic]] = None,
        filename: Optional[str] = None,
        lineno: Optional[int] = None,
        source: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.rendered = rendered if rendered is not None else message
        self.diagnostics = list(diagnostics or [])
        self.filename = filename
        self.lineno = lineno
        self.source = source

    def __str__(self) -> str:
        return self.rendered


class RdxWarning(UserWarning):
    """A checker warning (``W0301`` …): the program compiles but probably does not do what it
    says. For a gene the warning is reported at the Python line."""


class ValueRangeError(RdxError, ValueError):
    """An input value that does not fit its parameter's type (raised before anything runs)."""


class RunError(RdxError):
    """A run-time error of the program: division by zero, an empty stack, aliasing, fuel, …

    ``code`` is the stable run-time code (``R01xx``), ``gene`` the gene it happened in,
    ``line``/``column`` its place in the rdx source when known, ``rendered`` the full report
    against that source, and ``py_file``/``py_line`` the gene's Python statement.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        gene: Optional[str] = None,
        line: Optional[int] = None,
        column: Optional[int] = None,
        rendered: Optional[str] = None,
        py_file: Optional[str] = None,
        py_line: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.gene = gene
        self.rendered = rendered
        self.line = line
        self.column = column
        self.py_file = py_file
        self.py_line = py_line

    def __str__(self) -> str:
        if self.py_file is not None:
            return f"{self.py_file}:{self.py_line}: {self.message}"
        if self.line:
            return f"line {self.line}:{self.column}: {self.message}"
        return self.message


class ReversibilityError(RunError):
    """A run-time reversibility assertion failed (``fi``, loop entry, ``delocal``, ``assert``)."""


class LoadError(RdxError):
    """A bytecode module that cannot be read or does not verify.

    ``kind`` names the defect: ``"bad_magic"``, ``"unsupported_version"``, ``"bad_header"``,
    ``"truncated"``, ``"bad_section"``, ``"unknown_opcode"``, ``"bad_operand"``,
    ``"not_utf8"`` or ``"invalid"`` (the bytes decode but break a verifier rule); ``offset`` is
    the byte it was found at (0 for the whole module).
    """

    def __init__(self, message: str, *, kind: str = "", offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.offset = offset


class BackendError(RdxError):
    """A backend that does not exist or is not available in this build."""


class StoreError(RdxError):
    """A home's store or ledger cannot do what was asked: no such blob or run, a CID that is
    not hex, a blob whose bytes no longer match its CID, a ledger that cannot be opened."""


class RoundTripError(RdxError):
    """``rx.experiment``: running backward did not give the inputs back."""


__all__ = [
    "BackendError",
    "CompileError",
    "Diagnostic",
    "LoadError",
    "RdxError",
    "RdxWarning",
    "ReversibilityError",
    "RoundTripError",
    "RunError",
    "ValueRangeError",
]
