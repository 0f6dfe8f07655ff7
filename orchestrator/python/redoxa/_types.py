"""Gene parameter types (``rx.u64``, ``rx.i64``, ``rx.array``, ``rx.stack``) and value checks.

A type here is only a description: it says how the parameter is spelled in rdx source and which
Python values fit it. Every integer crosses into the Rust core as a 64-bit word; the type says
whether that word is read as signed.

``rx.f64`` and ``rx.c64`` are element types of kernel buffers only (``rx.array(rx.c64, 8)`` is
rdx ``c64[8]``): their values are Python ``float`` and ``complex`` numbers, which rdx passes to
kernels (``rx.kernel("fft", z)``) and genes but never computes with itself.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Set as AbstractSet
from typing import Any, List, Optional, Union

from .errors import ValueRangeError

U64_MAX = (1 << 64) - 1
I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1

#: The largest array length a parameter may declare (the Rust core's limit is larger; this keeps
#: a typo such as ``rx.array(rx.u64, 10**12)`` from allocating before the checker runs).
MAX_ARRAY_LEN = 1 << 24


def show_int(n: int) -> str:
    """``n`` for a message: its digits, or past 128 bits its length ("a 5001-digit integer").
    Python refuses to print an int of more than 4300 digits (``sys.get_int_max_str_digits``),
    and a message that tries raises a plain ``ValueError`` in place of the one meant."""
    if n.bit_length() <= 128:
        return str(n)
    size = abs(n)
    digits = int(math.log10(size)) + 1
    # log10 of a float near a power of ten may land on either side of it.
    if 10 ** (digits - 1) > size:
        digits -= 1
    elif 10**digits <= size:
        digits += 1
    return f"a {'negative ' if n < 0 else ''}{digits}-digit integer"


def show(value: Any) -> str:
    """``repr(value)`` for a message, with every int past 128 bits in it (in a list, tuple or
    dict too) given by its length, as :func:`show_int` does."""
    if isinstance(value, int) and not isinstance(value, bool):
        return show_int(value)
    if not _holds_big_int(value):
        try:
            return repr(value)
        except ValueError:
            pass
    if isinstance(value, dict):
        return "{" + ", ".join(f"{show(k)}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(show(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' * (len(value) == 1)})"
    return f"<{type(value).__name__} that cannot be printed>"


def _holds_big_int(value: Any, depth: int = 0) -> bool:
    """Whether a list, tuple or dict ``value`` holds an int past 128 bits (looked for 8 levels
    deep, which also ends the walk of a container that holds itself)."""
    if depth > 8:
        return False
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() > 128
    if isinstance(value, dict):
        return any(_holds_big_int(k, depth + 1) or _holds_big_int(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_holds_big_int(v, depth + 1) for v in value)
    return False


def count(value: Any, what: str, least: int = 0, most: Optional[int] = U64_MAX) -> int:
    """``value`` as an int option in ``least..=most`` (a repeat, a batch size, a number of
    cycles): an int or an integer-like (numpy's), never a bool, a float, a string or None."""
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise TypeError(f"{what} must be an int, not {type(value).__name__} {show(value)}")
    n = operator.index(value)
    if n < least:
        raise ValueError(f"{what} must be at least {least}, not {show_int(n)}")
    if most is not None and n > most:
        raise ValueError(f"{what} must be at most {most}, not {show_int(n)}")
    return n


class Type:
    """Base class of the gene parameter types."""

    #: The type as written in rdx source.
    rdx: str = ""

    def __repr__(self) -> str:
        return f"rx.{self.rdx}"

    def zero(self) -> Any:
        """The value an unset parameter starts with."""
        raise NotImplementedError

    def check(self, name: str, value: Any) -> Any:
        """Returns ``value`` normalised (ints, lists of ints), or raises ``ValueRangeError``."""
        raise NotImplementedError


class Scalar(Type):
    """``u64``/``i64`` (one 64-bit word, unsigned or signed) or a fixed-width ``u8 … i32``."""

    def __init__(self, rdx: str, lo: int, hi: int) -> None:
        self.rdx = rdx
        self.lo = lo
        self.hi = hi

    @property
    def signed(self) -> bool:
        return self.lo < 0

    def zero(self) -> int:
        return 0

    def check(self, name: str, value: Any) -> int:
        return _check_int(name, value, self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and other.rdx == self.rdx

    def __hash__(self) -> int:
        return hash(self.rdx)


def _check_int(name: str, value: Any, ty: Scalar) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        wrong = ValueRangeError(
            f"{name}: expected an integer for {ty.rdx}, got {type(value).__name__} {show(value)}"
        )
        if not hasattr(value, "__index__") or isinstance(value, bool):
            raise wrong
        try:  # numpy's integers; not its arrays (a row of a 2-D array has __index__ and refuses)
            value = operator.index(value)
        except TypeError:
            raise wrong from None
    if not ty.lo <= value <= ty.hi:
        raise ValueRangeError(
            f"{name} = {show_int(value)} is out of range for {ty.rdx} ({ty.lo}..={ty.hi})"
        )
    return int(value)


u64 = Scalar("u64", 0, U64_MAX)
"""Unsigned 64-bit integer: Python values ``0 ..= 2**64 - 1``."""

i64 = Scalar("i64", I64_MIN, I64_MAX)
"""Signed 64-bit integer: Python values ``-2**63 ..= 2**63 - 1``."""

u8 = Scalar("u8", 0, (1 << 8) - 1)
"""Unsigned 8-bit integer: every update wraps modulo 2**8."""
u16 = Scalar("u16", 0, (1 << 16) - 1)
"""Unsigned 16-bit integer: every update wraps modulo 2**16."""
u32 = Scalar("u32", 0, (1 << 32) - 1)
"""Unsigned 32-bit integer: every update wraps modulo 2**32."""
i8 = Scalar("i8", -(1 << 7), (1 << 7) - 1)
"""Signed 8-bit integer (two's complement): every update wraps modulo 2**8."""
i16 = Scalar("i16", -(1 << 15), (1 << 15) - 1)
"""Signed 16-bit integer (two's complement): every update wraps modulo 2**16."""
i32 = Scalar("i32", -(1 << 31), (1 << 31) - 1)
"""Signed 32-bit integer (two's complement): every update wraps modulo 2**32."""

#: The fixed-width scalar types (no arrays of them).
FIXED = (u8, u16, u32, i8, i16, i32)


class BufferElem:
    """``f64`` or ``c64``: the element type of a kernel buffer (``rx.array(rx.f64, N)``).

    Not a parameter type by itself: rdx has no float scalars, only buffers that kernels
    transform in place.
    """

    def __init__(self, rdx: str, complex_: bool) -> None:
        self.rdx = rdx
        self.complex = complex_

    def __repr__(self) -> str:
        return f"rx.{self.rdx}"

    def zero(self) -> Union[float, complex]:
        """An element's value in a buffer nobody set: ``0.0`` or ``0j``."""
        return 0j if self.complex else 0.0

    def check(self, name: str, value: Any) -> Union[float, complex]:
        """Returns ``value`` as a ``float`` (``f64``) or ``complex`` (``c64``), or raises
        ``ValueRangeError``. ``f64`` takes ints and floats; ``c64`` also complex numbers."""
        if isinstance(value, (bool, str, bytes)):
            raise self._wrong(name, value)
        kind = type(value)
        try:
            if isinstance(value, complex) or (self.complex and hasattr(kind, "__complex__")):
                if not self.complex:
                    raise self._wrong(name, value)
                return complex(value)
            if isinstance(value, (int, float)) or hasattr(kind, "__float__"):
                number = float(value)
            elif hasattr(kind, "__index__"):
                number = float(operator.index(value))
            else:
                raise self._wrong(name, value)
        except OverflowError:
            raise ValueRangeError(f"{name} = {show(value)} is too large for {self.rdx}") from None
        except (TypeError, ValueError):
            raise self._wrong(name, value) from None
        return complex(number) if self.complex else number

    def _wrong(self, name: str, value: Any) -> ValueRangeError:
        kinds = "a complex, float or int" if self.complex else "a float or int"
        return ValueRangeError(
            f"{name}: expected {kinds} for {self.rdx}, got {type(value).__name__} {show(value)}"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BufferElem) and other.rdx == self.rdx

    def __hash__(self) -> int:
        return hash(self.rdx)


f64 = BufferElem("f64", False)
"""Kernel buffer element: a double (``float``). Only as ``rx.array(rx.f64, N)``."""

c64 = BufferElem("c64", True)
"""Kernel buffer element: a complex double (``complex``). Only as ``rx.array(rx.c64, N)``."""

#: An element type of ``rx.array``.
Elem = Union[Scalar, BufferElem]


def _items(value: Any, expected: str) -> List[Any]:
    """The items of a list value; a string or bytes (iterable, but never meant as a list of
    numbers) or a non-iterable is a ``ValueRangeError`` saying what was ``expected``. A dict or
    a set is a ``TypeError``: iterating gives a dict's keys and a set's items in no order of
    the caller's, never the sequence of values meant."""
    if isinstance(value, (str, bytes, bytearray)):
        raise ValueRangeError(f"{expected}, got {type(value).__name__}")
    if isinstance(value, (Mapping, AbstractSet)):
        what = "its keys" if isinstance(value, Mapping) else "its items in no set order"
        raise TypeError(
            f"{expected}, got {type(value).__name__} (iterating it gives {what}): pass a sequence, "
            "such as a list"
        )
    try:
        return list(value)
    except TypeError:
        raise ValueRangeError(f"{expected}, got {type(value).__name__}") from None


class Array(Type):
    """``u64[N]`` / ``i64[N]`` / ``f64[N]`` / ``c64[N]``: a fixed-length array; Python values are
    lists of length N (ints, or floats and complex numbers for the kernel buffers)."""

    def __init__(self, elem: Elem, length: int) -> None:
        self.elem = elem
        self.length = length
        self.rdx = f"{elem.rdx}[{length}]"

    def __repr__(self) -> str:
        return f"rx.array(rx.{self.elem.rdx}, {self.length})"

    @property
    def buffer(self) -> bool:
        """Whether this is a float buffer (``f64[N]`` / ``c64[N]``)."""
        return isinstance(self.elem, BufferElem)

    def zero(self) -> List[Any]:
        return [self.elem.zero()] * self.length

    def check(self, name: str, value: Any) -> List[Any]:
        elem = self.elem
        what = {"f64": "floats", "c64": "complex numbers"}.get(elem.rdx, "integers")
        items = _items(value, f"{name}: expected a list of {self.length} {what} for {self.rdx}")
        if len(items) != self.length:
            raise ValueRangeError(f"{name}: expected {self.length} elements for {self.rdx}, got {len(items)}")
        if isinstance(elem, BufferElem):
            return [elem.check(f"{name}[{i}]", v) for i, v in enumerate(items)]
        # Plain ints in range, checked at C speed (a list of 10**6 in milliseconds); anything
        # else goes element by element, for the error that names the element.
        if set(map(type, items)) <= {int} and (not items or elem.lo <= min(items) and max(items) <= elem.hi):
            return items
        return [_check_int(f"{name}[{i}]", v, elem) for i, v in enumerate(items)]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Array) and (other.elem, other.length) == (self.elem, self.length)

    def __hash__(self) -> int:
        return hash((self.elem.rdx, self.length))


def array(elem: Elem, length: int) -> Array:
    """The type of a fixed array: ``rx.array(rx.u64, 8)`` is rdx ``u64[8]``, and
    ``rx.array(rx.c64, 8)`` a kernel buffer ``c64[8]``."""
    if elem in FIXED:
        raise TypeError(f"rx.array: arrays of {elem.rdx} are not supported; use rx.u64 or rx.i64 elements")
    if not isinstance(elem, (Scalar, BufferElem)):
        raise TypeError(f"rx.array: element type must be rx.u64, rx.i64, rx.f64 or rx.c64, got {elem!r}")
    if isinstance(length, bool) or not isinstance(length, int):
        raise TypeError(f"rx.array: length must be an int, got {type(length).__name__}")
    if not 1 <= length <= MAX_ARRAY_LEN:
        raise ValueError(f"rx.array: length must be in 1..={MAX_ARRAY_LEN}, got {show_int(length)}")
    return Array(elem, length)


class Stack(Type):
    """``stack``: a LIFO of 64-bit words; Python values are lists, bottom first."""

    rdx = "stack"

    def zero(self) -> List[int]:
        return []

    def check(self, name: str, value: Any) -> List[int]:
        items = _items(value, f"{name}: expected a list of integers for stack")
        # Stack entries are untyped words: accept both spellings, give back the unsigned one
        # (the form runs return). Plain ints in range at C speed, as for arrays.
        if set(map(type, items)) <= {int} and (not items or I64_MIN <= min(items) and max(items) <= U64_MAX):
            return items if not items or min(items) >= 0 else [v & U64_MAX for v in items]
        # One at a time (numpy's integers too, signed or not), with the range of either spelling.
        return [_check_int(f"{name}[{i}]", v, _STACK_WORD) & U64_MAX for i, v in enumerate(items)]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Stack)

    def __hash__(self) -> int:
        return hash("stack")


_STACK_WORD = Scalar("a stack word", I64_MIN, U64_MAX)
"""A stack entry's range: a word, given unsigned or with a sign."""

stack = Stack()
"""A stack parameter (for Janus-style programs): a list of integers, bottom first."""

Value = Union[int, List[int], List[float], List[complex]]
