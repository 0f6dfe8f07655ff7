"""The period of a modular multiplication, found through the FFT (Shor's order finding, simulated).

A reversible gene over fixed-width state is a permutation of its states, so it acts on an
amplitude vector by moving amplitudes: ``rx.superpose`` applies it, keeping the norm exactly
(I4). Composed with the ``fft`` kernel this is the classical skeleton of Shor's algorithm:

1. ``modexp(k, y)`` does ``y ^= a**k mod N``: a bijection on (k, y), k: u8, y: u8, 2**16
   states. It multiplies by ``a**(2**j) mod N`` for each set bit j of k, each step an in-place
   modular multiplication (``mulmod``), then copies the product into y and uncomputes it.
2. Superpose it on the uniform superposition over k with y = 0: the amplitude of
   ``(k, a**k mod N)`` is 1/16.
3. "Measure" y and see 1 (y = a**0): what is left on k is a comb, the multiples of the order
   r of a modulo N (the least r > 0 with a**r = 1 mod N), renormalised.
4. The ``fft`` kernel turns the comb into peaks near the multiples of 256/r.
5. Each peak j is close to m/r for some m: ``Fraction(j, 256).limit_denominator(N - 1)``
   recovers m/r in lowest terms, and the least common multiple of the denominators is r.

Run it: ``python orchestrator/examples/period_finding.py`` prints the order found for a few
(a, N) next to the true one. ``orchestrator/tests/test_period_finding.py`` checks it.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import List, Tuple

import redoxa as rx

K_BITS = 8
SIZE = 1 << K_BITS  # the k register: 256 states, the length of the FFT


def modexp_source(a: int, n: int) -> str:
    """The rdx source of ``modexp(k: u8, y: u8)``: ``y ^= a**k mod n`` (n at most 255,
    gcd(a, n) = 1: every factor has an inverse mod n, so each multiplication is a bijection)."""
    if not 1 < n < 256 or math.gcd(a, n) != 1:
        raise ValueError(f"need 1 < N < 256 and gcd(a, N) = 1, got a={a}, N={n}")
    steps = []
    for j in range(K_BITS):
        c = pow(a, 1 << j, n)
        ci = pow(c, -1, n)
        bit = f"(k & {1 << j}) != 0"
        steps.append(
            f"    local c{j}: u16 = {c}\n"
            f"    local i{j}: u16 = {ci}\n"
            f"    if {bit} {{ call mulmod(p, c{j}, i{j}) }} fi {bit}\n"
            f"    delocal i{j} = {ci}\n"
            f"    delocal c{j} = {c}\n"
        )
    return (
        f"const N = {n}\n\n"
        "// p := p * c mod N for p < N, where c * ci = 1 mod N: t gets the product, p is\n"
        "// cleared by multiplying t back by the inverse, and the two are swapped.\n"
        "gene mulmod(p: u16, c: u16, ci: u16) {\n"
        "    local t: u16 = p * c % N\n"
        "    p ^= t * ci % N\n"
        "    swap p, t\n"
        "    delocal t = 0\n"
        "}\n\n"
        "// p := p * a^k mod N, one conditional multiplication per bit of k.\n"
        "gene power(k: u8, p: u16) {\n" + "".join(steps) + "}\n\n"
        "// y ^= a^k mod N: the product computed, copied into y, and uncomputed.\n"
        "gene modexp(k: u8, y: u8) {\n"
        "    local p: u16 = 1\n"
        "    call power(k, p)\n"
        "    y ^= p\n"
        "    uncall power(k, p)\n"
        "    delocal p = 1\n"
        "}\n"
    )


SPECTRUM = rx.assemble(f"gene spectrum(z: c64[{SIZE}]) {{\n    kernel fft(z)\n}}\n")


def comb(a: int, n: int, seen: int = 1) -> List[complex]:
    """Steps 1–3: the k register after ``modexp`` on the uniform superposition over k, with
    y measured as ``seen`` (renormalised)."""
    prog = rx.assemble(modexp_source(a, n), entry="modexp")
    amps = [0j] * (SIZE * 256)
    for k in range(SIZE):
        amps[k] = complex(1 / math.sqrt(SIZE))  # state k + 256·y with y = 0
    out = rx.superpose(prog, amps)
    kept = [out[k + SIZE * seen] for k in range(SIZE)]
    norm = math.sqrt(sum(abs(v) ** 2 for v in kept))
    return [v / norm for v in kept]


def peaks(probs: List[float]) -> List[int]:
    """The local maxima of the spectrum that reach 30% of the highest one."""
    top = max(probs)
    n = len(probs)
    return [
        j
        for j in range(n)
        if probs[j] >= 0.3 * top and probs[j] >= probs[j - 1] and probs[j] >= probs[(j + 1) % n]
    ]


def find_period(a: int, n: int) -> Tuple[int, List[int]]:
    """The order of a modulo n read off the FFT peaks, and the peaks."""
    z = SPECTRUM.run(z=comb(a, n))["z"]
    probs = [abs(v) ** 2 for v in z]
    found = peaks(probs)
    r = 1
    for j in found:
        r = math.lcm(r, Fraction(j, SIZE).limit_denominator(n - 1).denominator)
    return r, found


def order(a: int, n: int) -> int:
    """The multiplicative order of a modulo n, by repeated multiplication (the check)."""
    r, x = 1, a % n
    while x != 1:
        x, r = x * a % n, r + 1
    return r


if __name__ == "__main__":
    for a, n in [(7, 15), (2, 11), (3, 7), (2, 13), (5, 13), (2, 9)]:
        r, found = find_period(a, n)
        print(f"a={a:2} N={n:2}: order from the FFT peaks {r:2} (true {order(a, n):2}); peaks at {found}")
