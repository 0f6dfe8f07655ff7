"""The ``rx.*`` spellings used inside a gene body (``rx.rotl``, ``rx.local``, ``rx.fi``, …).

Gene bodies are never executed: the translator recognises these functions by identity in the
function's AST. Calling one outside a gene is a mistake, so each raises a ``TypeError`` saying so.
"""

from __future__ import annotations

from typing import Any, NoReturn


def _only_in_gene(name: str) -> NoReturn:
    raise TypeError(
        f"rx.{name}(...) only has a meaning inside an @rx.gene function, which is translated to rdx, "
        "never executed as Python"
    )


def rotl(x: Any, amount: Any) -> Any:
    """``x = rx.rotl(x, e)`` is rdx ``x <<<= e`` (rotate left)."""
    _only_in_gene("rotl")


def rotr(x: Any, amount: Any) -> Any:
    """``x = rx.rotr(x, e)`` is rdx ``x >>>= e`` (rotate right)."""
    _only_in_gene("rotr")


def fi(assertion: Any) -> None:
    """``rx.fi(a)`` right after an ``if`` statement is that statement's exit assertion ``fi a``."""
    _only_in_gene("fi")


def loop(entry: Any = None, until: Any = None) -> Any:
    """``for _ in rx.loop(entry=a, until=c):`` is rdx ``from a do { … } until c``."""
    _only_in_gene("loop")


def again() -> None:
    """Inside ``rx.loop``: the statements after ``rx.again()`` are the ``loop { … }`` part."""
    _only_in_gene("again")


def local(ty: Any, init: Any) -> Any:
    """``t = rx.local(rx.u64, e)`` is rdx ``local t: u64 = e``."""
    _only_in_gene("local")


def delocal(var: Any, value: Any) -> None:
    """``rx.delocal(t, e)`` is rdx ``delocal t = e``."""
    _only_in_gene("delocal")


def uncall(gene: Any, *args: Any) -> None:
    """``rx.uncall(g, a, b)`` is rdx ``uncall g(a, b)`` (runs ``g`` backward)."""
    _only_in_gene("uncall")


def push(x: Any, s: Any) -> None:
    """``rx.push(x, s)`` is rdx ``push x, s``."""
    _only_in_gene("push")


def pop(x: Any, s: Any) -> None:
    """``rx.pop(x, s)`` is rdx ``pop x, s``."""
    _only_in_gene("pop")


def swap(a: Any, b: Any) -> None:
    """``rx.swap(a, b)`` is rdx ``swap a, b`` (same as ``a, b = b, a``)."""
    _only_in_gene("swap")


def assign(target: Any, value: Any) -> None:
    """``rx.assign(x, e)`` is the lossy rdx ``x := e`` (the old value goes to the history tape)."""
    _only_in_gene("assign")


def erase(target: Any) -> None:
    """``rx.erase(x)`` is the lossy rdx ``erase x``."""
    _only_in_gene("erase")


def kernel(name: str, buffer: Any) -> None:
    """``rx.kernel("fft", z)`` is rdx ``kernel fft(z)``: the kernel transforms the buffer in
    place; running the gene backward runs the kernel's mirror (``ifft``)."""
    _only_in_gene("kernel")


def undo_kernel(name: str, buffer: Any) -> None:
    """``rx.undo_kernel("fft", z)`` is rdx ``undo kernel fft(z)``: runs the kernel's mirror
    (``ifft``) forward, and ``fft`` backward."""
    _only_in_gene("undo_kernel")


def empty(s: Any) -> Any:
    """``rx.empty(s)`` is rdx ``empty(s)``: 1 if the stack is empty."""
    _only_in_gene("empty")


def top(s: Any) -> Any:
    """``rx.top(s)`` is rdx ``top(s)``: the top of the stack."""
    _only_in_gene("top")


def size(x: Any) -> Any:
    """``rx.size(x)`` (or ``len(x)``) is rdx ``size(x)``."""
    _only_in_gene("size")
