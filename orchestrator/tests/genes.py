"""Genes shared by the tests, each with its twin written directly in rdx and an input generator.

Every supported construct appears in at least one gene; ``TWINS`` pairs a gene with the rdx text
a person would write for it, and ``INPUTS`` draws valid inputs (loops need bounds).
"""

from __future__ import annotations

import random
from typing import Any, Callable, Dict, List, Tuple

import redoxa as rx

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
SHIFT = 27


@rx.gene
def fib(n: rx.u64, x1: rx.u64, x2: rx.u64):
    if n == 0:
        x1 += 1
        x2 += 1
    else:
        n -= 1
        fib(n, x1, x2)
        x1 += x2
        x1, x2 = x2, x1
    rx.fi(x1 == x2)


@rx.gene
def mix(x: rx.u64, y: rx.u64, z: rx.i64):
    x += y * 3 + 1
    y ^= x >> 7
    z -= (x & 0xFF) - 100
    x *= GOLDEN
    x ^= x >> 31
    y ^= y << SHIFT
    x = rx.rotl(x, 13)
    y = rx.rotr(y, x & 63)
    z = -z
    y = ~y
    x, y = y, x
    z ^= z << 1


@rx.gene
def arrays(a: rx.array(rx.u64, 4), b: rx.array(rx.i64, 3), k: rx.u64):
    a[0] += a[1] ^ k
    a[k & 3] ^= 5
    b[1] -= b[0] * 2
    b[2] = -b[2]
    a[2], a[3] = a[3], a[2]
    a[1] = rx.rotl(a[1], 9)
    a[3] *= 7
    k += len(a) + rx.size(b)


@rx.gene
def branches(x: rx.u64, y: rx.u64):
    if x & 0xF < 8:
        y += x + 1
        if y & 1 == 1:
            y += 2
        else:
            y -= 4
        rx.fi(y & 1 == 1)
    else:
        y ^= x
    rx.fi(x & 0xF < 8 and not (x & 0xF >= 8))


@rx.gene
def sum_to(n: rx.u64, s: rx.u64):
    i = rx.local(rx.u64, 0)
    for _ in rx.loop(entry=i == 0, until=i == n):
        i += 1
        s += i
    rx.delocal(i, n)


@rx.gene
def countdown(n: rx.u64, acc: rx.u64):
    j = rx.local(rx.u64, n)
    for _ in rx.loop(j == n, j == 0):
        acc ^= j * 2654435761
        rx.again()
        j -= 1
    rx.delocal(j, 0)


@rx.gene
def add(a: rx.u64, b: rx.u64):
    a += b


@rx.gene
def calls(x: rx.u64, y: rx.u64):
    add(x, y)
    add(x, y)
    rx.uncall(add, y, x)
    mix_pair(x, y)


@rx.gene
def mix_pair(p: rx.u64, q: rx.u64):
    p ^= q << 3
    q = rx.rotl(q, 5)
    assert q != p or p == q


@rx.gene
def stacks(x: rx.u64, y: rx.u64, s: rx.stack):
    rx.push(x, s)
    rx.push(y, s)
    y += rx.top(s) + rx.size(s)
    rx.pop(x, s)
    x += rx.empty(s)


@rx.gene
def spellings(x: rx.u64, y: rx.u64, a: rx.array(rx.u64, 2)):
    """The bare-statement spellings."""
    rx.swap(x, y)
    rx.rotl(a[0], 3)
    rx.rotr(y, 60)
    a[1] = -a[1]
    x ^= a[1] >> 2
    pass
    ...
    assert x == x


TWINS: Dict[str, Tuple[rx.Gene, str]] = {
    "fib": (
        fib,
        """
        gene fib(n: u64, x1: u64, x2: u64) {
            if n == 0 { x1 += 1  x2 += 1 }
            else { n -= 1  call fib(n, x1, x2)  x1 += x2  swap x1, x2 }
            fi x1 == x2
        }
        """,
    ),
    "mix": (
        mix,
        f"""
        gene mix(x: u64, y: u64, z: i64) {{
            x += y * 3 + 1
            y ^= x >> 7
            z -= (x & 0xFF) - 100
            x *= {GOLDEN}
            x ^= x >> 31
            y ^= y << 27
            x <<<= 13
            y >>>= x & 63
            neg z
            not y
            swap x, y
            z ^= z << 1
        }}
        """,
    ),
    "arrays": (
        arrays,
        """
        gene arrays(a: u64[4], b: i64[3], k: u64) {
            a[0] += a[1] ^ k
            a[k & 3] ^= 5
            b[1] -= b[0] * 2
            neg b[2]
            swap a[2], a[3]
            a[1] <<<= 9
            a[3] *= 7
            k += size(a) + size(b)
        }
        """,
    ),
    "branches": (
        branches,
        """
        gene branches(x: u64, y: u64) {
            if (x & 15) < 8 {
                y += x + 1
                if (y & 1) == 1 { y += 2 } else { y -= 4 } fi (y & 1) == 1
            } else {
                y ^= x
            } fi (x & 15) < 8 && !((x & 15) >= 8)
        }
        """,
    ),
    "sum_to": (
        sum_to,
        """
        gene sum_to(n: u64, s: u64) {
            local i: u64 = 0
            from i == 0 do { i += 1  s += i } until i == n
            delocal i = n
        }
        """,
    ),
    "countdown": (
        countdown,
        """
        gene countdown(n: u64, acc: u64) {
            local j: u64 = n
            from j == n do { acc ^= j * 2654435761 } loop { j -= 1 } until j == 0
            delocal j = 0
        }
        """,
    ),
    "calls": (
        calls,
        """
        gene calls(x: u64, y: u64) {
            call add(x, y)
            call add(x, y)
            uncall add(y, x)
            call mix_pair(x, y)
        }
        gene add(a: u64, b: u64) { a += b }
        gene mix_pair(p: u64, q: u64) { p ^= q << 3  q <<<= 5  assert q != p || p == q }
        """,
    ),
    "stacks": (
        stacks,
        """
        gene stacks(x: u64, y: u64, s: stack) {
            push x, s
            push y, s
            y += top(s) + size(s)
            pop x, s
            x += empty(s)
        }
        """,
    ),
    "spellings": (
        spellings,
        """
        gene spellings(x: u64, y: u64, a: u64[2]) {
            swap x, y
            a[0] <<<= 3
            y >>>= 60
            neg a[1]
            x ^= a[1] >> 2
            skip
            skip
            assert x == x
        }
        """,
    ),
}


def _u(r: random.Random) -> int:
    return r.choice([0, 1, 2, M64, M64 - 1, 1 << 63, r.getrandbits(64), r.getrandbits(8)])


def _i(r: random.Random) -> int:
    return r.choice(
        [0, -1, 1, -(1 << 63), (1 << 63) - 1, r.getrandbits(64) - (1 << 63), r.randint(-300, 300)]
    )


INPUTS: Dict[str, Callable[[random.Random], Dict[str, Any]]] = {
    "fib": lambda r: {"n": r.randint(0, 60)},
    "mix": lambda r: {"x": _u(r), "y": _u(r), "z": _i(r)},
    "arrays": lambda r: {"a": [_u(r) for _ in range(4)], "b": [_i(r) for _ in range(3)], "k": _u(r)},
    "branches": lambda r: {"x": _u(r), "y": _u(r)},
    "sum_to": lambda r: {"n": r.randint(1, 40), "s": _u(r)},
    "countdown": lambda r: {"n": r.randint(0, 40), "acc": _u(r)},
    "calls": lambda r: {"x": _u(r), "y": _u(r)},
    "stacks": lambda r: {"x": _u(r), "y": _u(r), "s": [_u(r) for _ in range(r.randint(0, 3))]},
    "spellings": lambda r: {"x": _u(r), "y": _u(r), "a": [_u(r), _u(r)]},
}


def cases(name: str, n: int, seed: int = 0) -> List[Dict[str, Any]]:
    """``n`` valid inputs for the named gene, reproducible from ``seed``."""
    r = random.Random(f"{name}:{seed}")
    return [INPUTS[name](r) for _ in range(n)]
