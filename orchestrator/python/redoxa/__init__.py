"""redoxa: write reversible programs ("genes") in Python, run them forward and backward.

    import redoxa as rx

    @rx.gene
    def mix(x: rx.u64, y: rx.u64):
        x += y
        x = rx.rotl(x, 13)
        y ^= x

    prog = mix.compile()                 # translated to rdx, checked and assembled in Rust
    out = prog.run(x=1, y=2)             # {"x": ..., "y": ...}
    prog.reverse(**out)                  # {"x": 1, "y": 2}

Gene bodies are translated from their Python AST into rdx source (``prog.source``), never
executed as Python. ``rx.assemble(text)`` compiles rdx source directly and ``rx.load(path)`` a
saved ``.rdxb`` module. Every error is an ``rx.RdxError``.

Kernel buffers (``z: rx.array(rx.c64, 8)``, ``x: rx.array(rx.f64, 8)``) are lists of complex
numbers and floats, transformed in place by the sandboxed rdx kernels: ``rx.kernel("fft", z)``
is rdx ``kernel fft(z)``, and running the gene backward runs the mirror kernel (``ifft``).
"""

from __future__ import annotations

from ._experiment import experiment
from ._gene import Gene, gene
from ._home import Home
from ._peer import Peer, PeerError
from ._probe import Probe, probe_local, probe_network
from ._markers import (
    again,
    assign,
    delocal,
    empty,
    erase,
    fi,
    kernel,
    local,
    loop,
    pop,
    push,
    rotl,
    rotr,
    size,
    swap,
    top,
    uncall,
    undo_kernel,
)
from ._program import CheckReport, Invariant, Program, assemble, backends, load, superpose
from ._translate import SPELLINGS, Translation
from ._types import (
    Array,
    BufferElem,
    Scalar,
    Stack,
    Type,
    array,
    c64,
    f64,
    i8,
    i16,
    i32,
    i64,
    stack,
    u8,
    u16,
    u32,
    u64,
)
from .errors import (
    BackendError,
    CompileError,
    Diagnostic,
    LoadError,
    RdxError,
    RdxWarning,
    ReversibilityError,
    RoundTripError,
    RunError,
    StoreError,
    ValueRangeError,
)

__all__ = [
    "SPELLINGS",
    "Array",
    "BackendError",
    "BufferElem",
    "CheckReport",
    "CompileError",
    "Diagnostic",
    "Gene",
    "Home",
    "Invariant",
    "LoadError",
    "Probe",
    "Program",
    "RdxError",
    "RdxWarning",
    "ReversibilityError",
    "RoundTripError",
    "RunError",
    "Scalar",
    "Stack",
    "StoreError",
    "Translation",
    "Type",
    "ValueRangeError",
    "again",
    "array",
    "assemble",
    "assign",
    "backends",
    "c64",
    "delocal",
    "empty",
    "erase",
    "experiment",
    "f64",
    "fi",
    "gene",
    "i8",
    "i16",
    "i32",
    "i64",
    "kernel",
    "load",
    "Peer",
    "PeerError",
    "probe_local",
    "probe_network",
    "local",
    "loop",
    "pop",
    "push",
    "rotl",
    "rotr",
    "size",
    "stack",
    "superpose",
    "swap",
    "top",
    "u8",
    "u16",
    "u32",
    "u64",
    "uncall",
    "undo_kernel",
]
