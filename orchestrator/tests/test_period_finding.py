"""The worked example orchestrator/examples/period_finding.py: a gene superposed on an amplitude
vector and composed with the fft kernel finds the multiplicative order; superpose∘fft keeps the
norm (I4) and equals the dense computation."""

from __future__ import annotations

import cmath
import importlib.util
import math
import random
from pathlib import Path

import pytest

import redoxa as rx

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "period_finding.py"
spec = importlib.util.spec_from_file_location("period_finding", EXAMPLE)
assert spec is not None and spec.loader is not None
pf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pf)


@pytest.mark.parametrize(("a", "n"), [(7, 15), (2, 11), (3, 7), (5, 13)])
def test_the_fft_peaks_give_the_multiplicative_order(a: int, n: int) -> None:
    r, found = pf.find_period(a, n)
    assert r == pf.order(a, n)
    assert len(found) == r  # one peak per multiple of 256/r


def test_the_gene_is_modular_exponentiation() -> None:
    perm = rx.assemble(pf.modexp_source(7, 15), entry="modexp").permutation()
    for k in [0, 1, 2, 3, 5, 100, 255]:
        for y in [0, 1, 9]:
            assert perm[k + 256 * y] == k + 256 * (y ^ pow(7, k, 15))


def mulmod_source(a: int, n: int) -> str:
    ai = pow(a, -1, n)
    return (
        f"gene mul(x: u8) {{\n    if x < {n} {{\n        local t: u8 = x * {a} % {n}\n"
        f"        x ^= t * {ai} % {n}\n        swap x, t\n        delocal t = 0\n    }} fi x < {n}\n}}\n"
    )


def test_superpose_then_fft_keeps_the_norm_and_equals_the_dense_product() -> None:
    prog = rx.assemble(mulmod_source(7, 15))
    size = 256
    rng = random.Random(16)
    psi = [complex(rng.gauss(0, 1), rng.gauss(0, 1)) for _ in range(size)]
    scale = math.sqrt(sum(abs(v) ** 2 for v in psi))
    psi = [v / scale for v in psi]
    out = pf.SPECTRUM.run(z=rx.superpose(prog, psi))["z"]
    # I4: the permutation and the unitary DFT keep sum |a|^2.
    assert abs(sum(abs(v) ** 2 for v in out) - 1) < 1e-12
    # Dense: F·P·psi with P from the sparse unitary and F the unitary DFT matrix.
    u = prog.unitary()
    entries = u.items() if isinstance(u, dict) else zip(zip(*u.nonzero()), [1] * u.nnz)
    p_psi = [0j] * size
    for (row, col), v in entries:
        p_psi[row] += v * psi[col]
    w = [cmath.exp(-2j * math.pi * m / size) for m in range(size)]
    dense = [sum(p_psi[k] * w[j * k % size] for k in range(size)) / math.sqrt(size) for j in range(size)]
    assert max(abs(x - y) for x, y in zip(out, dense)) < 1e-10
