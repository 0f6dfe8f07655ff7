"""Kernels from Python: f64/c64 buffers, rx.kernel / rx.undo_kernel, their errors and results.

The fft is compared against a pure-Python unitary DFT (no numpy); the exact kernels bit for bit.
"""

from __future__ import annotations

import cmath
import importlib.util
import inspect
import math
import re
import textwrap
from pathlib import Path
from typing import List, Sequence

import pytest
import redoxa as rx

FFT = "fft"
NOT_A_NAME = "f f t"
NOT_A_STR = 7
BACKENDS = ["interp", "jit"]


def body(g: rx.Gene) -> str:
    """The generated body lines of the entry gene, dedented, without the header and closing brace."""
    src = g.source.split("\n\n")[0].strip("\n").splitlines()
    return textwrap.dedent("\n".join(src[1:-1]))


def header(g: rx.Gene) -> str:
    return g.source.splitlines()[0]


def line_of(g: rx.Gene, marker: str) -> int:
    lines, first = inspect.getsourcelines(g.__wrapped__)
    for k, text in enumerate(lines):
        if marker in text:
            return first + k
    raise AssertionError(marker)


def dft(z: Sequence[complex]) -> List[complex]:
    """The unitary DFT: X[k] = Σ z[n]·e^{-2πikn/N} / √N."""
    n = len(z)
    return [
        sum(z[j] * cmath.exp(-2j * math.pi * k * j / n) for j in range(n)) / math.sqrt(n) for k in range(n)
    ]


def wht(x: Sequence[float]) -> List[float]:
    """The orthonormal Walsh–Hadamard transform (natural order): H[k] = Σ (-1)^popcount(k&n) x[n] / √N."""
    n = len(x)
    return [sum(x[j] * (-1) ** bin(k & j).count("1") for j in range(n)) / math.sqrt(n) for k in range(n)]


def assert_close(got: Sequence[complex], want: Sequence[complex], rtol: float = 1e-12) -> None:
    assert len(got) == len(want)
    scale = max(abs(w) for w in want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert abs(g - w) <= rtol * scale, (k, g, w)


SIGNAL = [1 + 2j, 3 - 4j, 0.5, -1 + 1j, 2, 0, -3.25 + 0.5j, 7j]


# ---- genes ----------------------------------------------------------------------------------


@rx.gene
def spectrum(z: rx.array(rx.c64, 8)):
    rx.kernel("fft", z)


@rx.gene
def inverse_spectrum(z: rx.array(rx.c64, 8)):
    rx.undo_kernel(FFT, z)


@rx.gene
def there_and_back(z: rx.array(rx.c64, 8), x: rx.array(rx.f64, 4)):
    rx.kernel(FFT, z)
    rx.kernel("wht", x)
    rx.undo_kernel("fft", z)


@rx.gene
def hadamard(x: rx.array(rx.f64, 8)):
    rx.kernel("wht", x)


@rx.gene
def exact(a: rx.array(rx.i64, 4), g: rx.array(rx.u64, 4)):
    rx.kernel("haar", a)
    rx.kernel("gray", g)


@rx.gene
def scrambled(z: rx.array(rx.c64, 8)):
    t = rx.local(rx.array(rx.c64, 8), 0)
    rx.kernel("fft", z)
    rx.kernel("bitrev", z)
    rx.kernel("bitrev", t)
    rx.delocal(t, 0)


@rx.gene
def outer(z: rx.array(rx.c64, 8), n: rx.u64):
    n += 1
    spectrum(z)
    rx.uncall(spectrum, z)
    spectrum(z)


# ---- translation ----------------------------------------------------------------------------


def test_translation() -> None:
    assert header(spectrum) == "gene spectrum(z: c64[8]) {"
    assert body(spectrum) == "kernel fft(z)"
    assert body(inverse_spectrum) == "undo kernel fft(z)"
    assert header(there_and_back) == "gene there_and_back(z: c64[8], x: f64[4]) {"
    assert body(there_and_back) == "kernel fft(z)\nkernel wht(x)\nundo kernel fft(z)"
    assert body(exact) == "kernel haar(a)\nkernel gray(g)"
    assert body(scrambled) == (
        "local t: c64[8] = 0\nkernel fft(z)\nkernel bitrev(z)\nkernel bitrev(t)\ndelocal t = 0"
    )


def test_line_map() -> None:
    tr = there_and_back.translate()
    lines = tr.source.splitlines()
    k = lines.index("    kernel wht(x)") + 1
    assert tr.origin(k) == (
        inspect.getsourcefile(there_and_back.__wrapped__),
        line_of(there_and_back, '"wht"'),
    )


def test_types() -> None:
    assert rx.array(rx.c64, 8).rdx == "c64[8]"
    assert rx.array(rx.f64, 2).rdx == "f64[2]"
    assert repr(rx.array(rx.f64, 2)) == "rx.array(rx.f64, 2)"
    assert rx.array(rx.c64, 3).zero() == [0j, 0j, 0j]
    assert rx.array(rx.f64, 2).zero() == [0.0, 0.0]
    assert rx.array(rx.c64, 3).check("z", [1, 2.5, 1 - 2j]) == [1 + 0j, 2.5 + 0j, 1 - 2j]
    assert all(type(v) is complex for v in rx.array(rx.c64, 3).check("z", [1, 2.5, 1j]))
    assert rx.array(rx.f64, 2).check("x", [1, -0.5]) == [1.0, -0.5]
    assert all(type(v) is float for v in rx.array(rx.f64, 2).check("x", [1, 2]))
    assert rx.array(rx.c64, 1) == rx.array(rx.c64, 1) != rx.array(rx.f64, 1)
    assert rx.array(rx.c64, 1) != rx.array(rx.u64, 1)


@pytest.mark.parametrize(
    ("ty", "value", "fragment"),
    [
        (rx.array(rx.c64, 2), [1, "a"], "z[1]: expected a complex, float or int for c64, got str"),
        (rx.array(rx.c64, 2), [True, 0], "z[0]: expected a complex, float or int for c64, got bool"),
        (rx.array(rx.f64, 2), [1j, 0], "z[0]: expected a float or int for f64, got complex"),
        (rx.array(rx.f64, 2), [None, 0], "z[0]: expected a float or int for f64, got NoneType"),
        (rx.array(rx.f64, 2), [10**400, 0], "too large for f64"),
        (rx.array(rx.f64, 2), [1.0], "expected 2 elements for f64[2], got 1"),
        (rx.array(rx.c64, 2), "ab", "expected a list of 2 complex numbers for c64[2]"),
        (rx.array(rx.f64, 2), 3.0, "expected a list of 2 floats for f64[2], got float"),
    ],
)
def test_value_checks(ty: rx.Array, value: object, fragment: str) -> None:
    with pytest.raises(rx.ValueRangeError) as info:
        ty.check("z", value)
    assert fragment in str(info.value)


# ---- translation errors at the Python line --------------------------------------------------


def translate_error(g: rx.Gene, marker: str, fragment: str) -> rx.CompileError:
    with pytest.raises(rx.CompileError) as info:
        g.translate()
    e = info.value
    assert e.lineno == line_of(g, marker), e.rendered
    assert e.filename == inspect.getsourcefile(g.__wrapped__)
    said = "\n".join(line for line in e.rendered.splitlines() if not re.match(r"\s*\d* \| ", line))
    assert fragment in said, e.rendered
    return e


def test_error_scalar_f64_parameter() -> None:
    @rx.gene
    def g(
        n: rx.u64,
        x: rx.f64,  # here
    ):
        n += 1

    translate_error(g, "# here", "f64 and c64 are kernel buffer element types")


def test_error_scalar_c64_local() -> None:
    @rx.gene
    def g(n: rx.u64):
        t = rx.local(rx.c64, 0)  # here
        rx.delocal(t, 0)

    translate_error(g, "# here", "f64 and c64 are kernel buffer element types")


def test_error_kernel_name_not_a_string() -> None:
    @rx.gene
    def g(z: rx.array(rx.c64, 8), n: rx.u64):
        n += 1
        rx.kernel(fft, z)  # here  # noqa: F821

    translate_error(g, "# here", "a kernel name must be a string literal or a module-level str constant")

    @rx.gene
    def h(z: rx.array(rx.c64, 8), n: rx.u64):
        rx.kernel(NOT_A_STR, z)  # here

    translate_error(h, "# here", "a kernel name must be a string literal")

    @rx.gene
    def k(z: rx.array(rx.c64, 8), n: rx.u64):
        rx.undo_kernel(n, z)  # here

    translate_error(k, "# here", "a kernel name must be a string literal")

    @rx.gene
    def m(z: rx.array(rx.c64, 8), n: rx.u64):
        rx.kernel("f" + "ft", z)  # here

    translate_error(m, "# here", "a kernel name must be a string literal")


def test_error_kernel_name_not_an_identifier() -> None:
    @rx.gene
    def g(z: rx.array(rx.c64, 8)):
        rx.kernel(NOT_A_NAME, z)  # here

    translate_error(g, "# here", "kernel name 'f f t' is not an rdx identifier")

    @rx.gene
    def h(z: rx.array(rx.c64, 8)):
        rx.kernel("kernel", z)  # here

    translate_error(h, "# here", "is not an rdx identifier")


def test_error_kernel_buffer() -> None:
    @rx.gene
    def g(z: rx.array(rx.c64, 8)):
        rx.kernel("fft", z[0])  # here

    translate_error(g, "# here", "a kernel's buffer must be an array parameter or local")

    @rx.gene
    def h(z: rx.array(rx.c64, 8), n: rx.u64):
        rx.kernel("fft", n)  # here

    translate_error(h, "# here", "`n` is a u64, not an array")

    @rx.gene
    def k(z: rx.array(rx.c64, 8)):
        rx.kernel("fft", w)  # here  # noqa: F821

    translate_error(k, "# here", "a kernel's buffer must be an array parameter or local")


def test_error_kernel_shapes() -> None:
    @rx.gene
    def g(z: rx.array(rx.c64, 8)):
        rx.kernel("fft")  # here

    translate_error(g, "# here", 'expected rx.kernel("fft", z)')

    @rx.gene
    def h(z: rx.array(rx.c64, 8)):
        rx.undo_kernel("fft", z, z)  # here

    translate_error(h, "# here", 'expected rx.undo_kernel("fft", z)')

    @rx.gene
    def k(z: rx.array(rx.c64, 8)):
        rx.kernel(name="fft", buffer=z)  # here

    translate_error(k, "# here", "keyword arguments are not supported")

    @rx.gene
    def m(z: rx.array(rx.c64, 8)):
        z = rx.kernel("fft", z)  # here

    translate_error(m, "# here", "rx.kernel(...) is a statement")


def test_markers_refuse_to_run_as_python() -> None:
    for f in (rx.kernel, rx.undo_kernel):
        with pytest.raises(TypeError, match="only has a meaning inside an @rx.gene"):
            f("fft", [0j])


def test_array_rejects_other_elements() -> None:
    with pytest.raises(TypeError, match="rx.u64, rx.i64, rx.f64 or rx.c64"):
        rx.array(float, 4)  # type: ignore[arg-type]


def test_spellings_table_has_kernels() -> None:
    rdx = " ".join(r for _, r in rx.SPELLINGS)
    py = " ".join(p for p, _ in rx.SPELLINGS)
    assert "kernel fft(z)" in rdx and "undo kernel fft(z)" in rdx
    assert 'rx.kernel("fft", z)' in py and 'rx.undo_kernel("fft", z)' in py


# ---- running (both backends) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def spectrum_prog() -> rx.Program:
    return spectrum.compile()


def test_compiled_signature(spectrum_prog: rx.Program) -> None:
    assert spectrum_prog.params == [("z", rx.array(rx.c64, 8))]
    assert there_and_back.compile().params == [("z", rx.array(rx.c64, 8)), ("x", rx.array(rx.f64, 4))]


@pytest.mark.parametrize("backend", BACKENDS)
def test_fft_forward_matches_dft(spectrum_prog: rx.Program, backend: str) -> None:
    out = spectrum_prog.run(z=SIGNAL, backend=backend)["z"]
    assert all(type(v) is complex for v in out)
    assert_close(out, dft(SIGNAL))
    # A real, integer signal is accepted as is.
    ramp = list(range(1, 9))
    assert_close(spectrum_prog.run(z=ramp, backend=backend)["z"], dft(ramp))


@pytest.mark.parametrize("backend", BACKENDS)
def test_fft_backward_gives_the_input_back(spectrum_prog: rx.Program, backend: str) -> None:
    out = spectrum_prog.run(z=SIGNAL, backend=backend)["z"]
    back = spectrum_prog.reverse(z=out, backend=backend)["z"]
    assert_close(back, SIGNAL)
    # Backward alone is the inverse DFT: reverse(dft(x)) = x.
    assert_close(spectrum_prog.reverse(z=dft(SIGNAL), backend=backend)["z"], SIGNAL)


@pytest.mark.parametrize("backend", BACKENDS)
def test_undo_kernel_runs_the_mirror(backend: str) -> None:
    prog = inverse_spectrum.compile()
    spec = dft(SIGNAL)
    assert_close(prog.run(z=spec, backend=backend)["z"], SIGNAL)
    assert_close(prog.reverse(z=SIGNAL, backend=backend)["z"], spec)
    out = there_and_back.compile().run(z=SIGNAL, x=[3, 1, 3, 1], backend=backend)
    assert_close(out["z"], SIGNAL)
    assert_close(out["x"], [4.0, 2.0, 0.0, 0.0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_wht_on_f64(backend: str) -> None:
    prog = hadamard.compile()
    x = [1.0, -2.5, 3, 0.25, 8, -1, 0, 2]
    out = prog.run(x=x, backend=backend)["x"]
    assert all(type(v) is float for v in out)
    assert_close(out, wht(x))
    assert_close(prog.run(x=out, backend=backend)["x"], x)  # its own mirror
    assert_close(prog.reverse(x=out, backend=backend)["x"], x)


@pytest.mark.parametrize("backend", BACKENDS)
def test_exact_kernels_bit_for_bit(backend: str) -> None:
    prog = exact.compile()
    out = prog.run(a=[5, 7, 3, 1], g=[1, 2, 3, 4], backend=backend)
    assert out == {"a": [4, -4, 2, -2], "g": [1, 3, 2, 6]}
    big = {"a": [-(1 << 63), (1 << 63) - 1, 12345678901234567, -42], "g": [(1 << 64) - 1, 0, 1 << 63, 977]}
    fwd = prog.run(backend=backend, **big)
    assert prog.reverse(backend=backend, **fwd) == big
    assert fwd["g"] == [v ^ (v >> 1) for v in big["g"]]


@pytest.mark.parametrize("backend", BACKENDS)
def test_local_buffer_and_calls(backend: str) -> None:
    prog = scrambled.compile()
    out = prog.run(z=list(range(1, 9)), backend=backend)["z"]
    spec = dft(list(range(1, 9)))
    assert_close(out, [spec[int(f"{k:03b}"[::-1], 2)] for k in range(8)])
    got = outer.compile().run(z=SIGNAL, n=1, backend=backend)
    assert got["n"] == 2
    assert_close(got["z"], dft(SIGNAL))


def test_unset_buffer_is_zero(spectrum_prog: rx.Program) -> None:
    assert spectrum_prog.run()["z"] == [0j] * 8


def test_experiment_round_trips_float_buffers() -> None:
    rows = rx.experiment(spectrum, [{"z": SIGNAL}, {"z": [1] * 8}], BACKENDS, dataframe=False)
    assert [r["roundtrip"] for r in rows] == [True] * 4


def test_wrong_value_kind_raises_value_error(spectrum_prog: rx.Program) -> None:
    with pytest.raises(
        rx.ValueRangeError, match=r"z\[3\]: expected a complex, float or int for c64, got str"
    ):
        spectrum_prog.run(z=[0, 0, 0, "1", 0, 0, 0, 0])
    with pytest.raises(ValueError):
        hadamard.compile().run(x=[0j] * 8)
    with pytest.raises(rx.ValueRangeError, match="expected 8 elements"):
        spectrum_prog.run(z=[0] * 4)


# ---- checker errors at the Python line ------------------------------------------------------


def checker_error(g: rx.Gene, marker: str, code: str) -> rx.CompileError:
    with pytest.raises(rx.CompileError) as info:
        g.compile()
    e = info.value
    assert e.lineno == line_of(g, marker), e.rendered
    assert any(d.code == code for d in e.diagnostics), e.rendered
    return e


def test_error_unknown_kernel() -> None:
    @rx.gene
    def g(z: rx.array(rx.c64, 8), n: rx.u64):
        n += 1
        rx.kernel("nosuch", z)  # here

    checker_error(g, "# here", "E0215")


def test_error_buffer_of_the_wrong_type() -> None:
    @rx.gene
    def g(x: rx.array(rx.f64, 8), n: rx.u64):
        n += 1
        rx.kernel("fft", x)  # here

    checker_error(g, "# here", "E0216")

    @rx.gene
    def h(a: rx.array(rx.u64, 4)):
        rx.undo_kernel("haar", a)  # here

    checker_error(h, "# here", "E0216")


def test_error_float_buffer_used_as_a_number() -> None:
    @rx.gene
    def g(x: rx.array(rx.f64, 8), n: rx.u64):
        n += 1
        x[0] += n  # here

    checker_error(g, "# here", "E0214")


def test_kernel_call_on_a_length_it_never_takes_is_a_compile_error() -> None:
    # The length is in the buffer's type, so the checker refuses what failed every run (R0118).
    @rx.gene
    def g(z: rx.array(rx.c64, 6)):
        rx.kernel("fft", z)  # here: fft needs a power-of-two length

    e = checker_error(g, "# here", "E0216")
    assert "power of two" in e.rendered, e.rendered


def test_root_readme_example_runs(tmp_path: Path) -> None:
    """The fft example in the Python section of the repository's README runs as written."""
    readme = Path(__file__).resolve().parent.parent.parent / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), flags=re.S)
    code = next(b for b in blocks if "rx.kernel" in b)
    path = tmp_path / "root_readme_kernels.py"
    path.write_text("import redoxa as rx\n" + code)
    spec = importlib.util.spec_from_file_location("root_readme_kernels", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert_close(module.spec, dft(list(range(1, 9))))
    assert_close(module.prog.reverse(z=module.spec)["z"], list(range(1, 9)))


def test_check_reports_kernel_invariants() -> None:
    report = there_and_back.compile().check()
    assert report.ok
    assert report["I4"].status == "holds" and "fft (unitary, order 4)" in report["I4"].evidence
    assert report["I5"].status == "holds" and "wht" in report["I5"].evidence
