"""Fixed-width types, permutations, superposition and circuits from Python."""

import cmath
import inspect
import warnings

import pytest

import redoxa as rx

SRC = """
gene step(x: u8, y: u8) {
    x >>>= 3
    x += y
    x ^= 0x4d
    y <<<= 2
    y ^= x
}
"""


def test_fixed_width_types_wrap_and_check_range():
    @rx.gene
    def add(x: rx.u8, y: rx.u8):
        x += y

    prog = add.compile()
    assert prog.run(x=250, y=10) == {"x": 4, "y": 10}
    assert prog.reverse(x=4, y=10) == {"x": 250, "y": 10}
    with pytest.raises(rx.errors.ValueRangeError):
        prog.run(x=256, y=0)

    @rx.gene
    def dec(s: rx.i8):
        s -= 1

    assert dec.compile().run(s=-128) == {"s": 127}


def step(x, y):
    x = ((x >> 3) | (x << 5)) & 0xFF
    x = ((x + y) & 0xFF) ^ 0x4D
    y = ((y << 2) | (y >> 6)) & 0xFF
    return x, y ^ x


def test_permutation_matches_an_independent_computation():
    prog = rx.assemble(SRC)
    perm = prog.permutation()
    want = []
    for s in range(1 << 16):
        x, y = step(s & 0xFF, s >> 8)
        want.append(x | y << 8)
    assert perm == want
    assert sorted(perm) == list(range(1 << 16))


def test_superpose_keeps_the_norm_exactly():
    prog = rx.assemble(SRC)
    n = 1 << 16
    amps = [cmath.exp(1j * 0.001 * s) / 256 for s in range(n)]
    out = rx.superpose(prog, amps)
    perm = prog.permutation()
    assert all(out[perm[s]] == amps[s] for s in range(n))
    # The same numbers in another order: the norm is the same sum, term for term.
    assert sorted(abs(a) ** 2 for a in out) == sorted(abs(a) ** 2 for a in amps)
    with pytest.raises(rx.errors.ValueRangeError):
        rx.superpose(prog, [1, 0])


def test_superpose_takes_amplitudes_as_run_takes_lists():
    # Text, a dict's keys or a set's items are not a list of amplitudes; nor is a program None.
    prog = rx.assemble("gene g(x: u8) {\n    x += 1\n}\n")
    for text in ("1" * 256, b"\x01" * 256):
        with pytest.raises(rx.errors.ValueRangeError, match="a list of numbers"):
            rx.superpose(prog, text)
    for unordered in ({i: 1 for i in range(256)}, set(range(256))):
        with pytest.raises(TypeError, match="pass a sequence"):
            rx.superpose(prog, unordered)
    with pytest.raises(rx.errors.ValueRangeError, match="amplitude 3 is a str"):
        rx.superpose(prog, [1, 0, 0, "1"] + [0] * 252)
    with pytest.raises(TypeError, match="the first argument is the program"):
        rx.superpose(None, [1])
    assert rx.superpose(prog, [1] + [0] * 255)[1] == 1


def test_superpose_names_the_amplitude_that_is_not_a_number():
    # Each was a bare TypeError from complex() ("only 0-dimensional arrays can be converted",
    # "complex() first argument must be …"), without the amplitude it was about.
    prog = rx.assemble("gene g(x: u8) {\n    x += 1\n}\n")
    flat = "the amplitudes must be a flat sequence of 256 numbers"
    wrong = rx.errors.ValueRangeError
    with pytest.raises(wrong, match="^superpose: amplitude 2 is an object, not a number$"):
        rx.superpose(prog, [0, 0, object()] + [0] * 253)
    with pytest.raises(wrong, match=f"^superpose: amplitude 0 is a list, not a number: {flat}$"):
        rx.superpose(prog, [[1] * 16] * 16)
    with pytest.raises(wrong, match="^superpose: amplitude 1 is a str, not a number$"):
        rx.superpose(prog, [0, "1"] + [0] * 254)


def test_superpose_names_a_2d_numpy_array_or_row():
    np = pytest.importorskip("numpy")
    prog = rx.assemble("gene g(x: u8) {\n    x += 1\n}\n")
    flat = "the amplitudes must be a flat sequence of 256 numbers"
    wrong = rx.errors.ValueRangeError
    with pytest.raises(wrong, match=rf"^superpose: {flat}, got a 2-D ndarray of shape \(16, 16\)$"):
        rx.superpose(prog, np.ones((16, 16)))
    with pytest.raises(wrong, match=f"^superpose: amplitude 0 is a ndarray, not a number: {flat}$"):
        rx.superpose(prog, [np.array([1, 2])] + [0] * 255)
    # numpy's numbers and a flat array are amplitudes.
    assert rx.superpose(prog, np.arange(256) * 1j)[1] == 0j
    assert rx.superpose(prog, [np.float64(2.0)] + [0] * 255)[1] == 2


def test_superpose_gives_a_big_amplitude_by_its_length():
    # 10**400 fits in a message but was printed whole; the translator says "a 401-digit integer".
    prog = rx.assemble("gene g(x: u8) {\n    x += 1\n}\n")
    with pytest.raises(rx.errors.ValueRangeError) as e:
        rx.superpose(prog, [0, 10**400] + [0] * 254)
    assert str(e.value) == "superpose: amplitude 1 = a 401-digit integer is too large for a complex number"


def test_circuit_text_and_report():
    prog = rx.assemble(SRC)
    q = prog.circuit("qasm3")
    assert q.startswith("OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[8] x_;\nqubit[8] y_;\n")
    assert prog.circuit("real").startswith(".version 2.0")
    assert "qubits" in prog.circuit_report()


def test_a_partial_genes_circuit_comes_with_a_warning():
    # The fi fails from x = y = 0 (the else branch makes x < y): the circuit matches the gene
    # only where it runs, and says so; a total gene's circuit comes with no warning (-W error).
    # The report alone (its counts) is not the circuit: it says nothing, and runs no state.
    partial = rx.assemble(
        "gene g(x: u8, y: u8) {\n    if x < y {\n        x <<<= 3\n    } else {\n        y += 1\n    } fi x < y\n}\n"
    )
    with pytest.warns(rx.RdxWarning, match=r"gene `g` is partial: it fails from state 0"):
        partial.circuit()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "qubits" in partial.circuit_report()
    rx.assemble(SRC).circuit()


def test_qiskit_agrees_on_basis_states():
    qiskit = pytest.importorskip("qiskit")
    pytest.importorskip("qiskit_qasm3_import")
    from qiskit.quantum_info import Statevector

    prog = rx.assemble("gene g(a: u8, b: u8) {\n    a += b\n    b ^= a & 0x0f\n}\n")
    qc = prog.to_qiskit()
    perm = prog.permutation()
    nq = qc.num_qubits
    for s in [0, 1, 0x0102, 0xFFFF, 0x8001, 0x3C5A]:
        sv = Statevector.from_int(s, 2**nq).evolve(qc)
        out = int(max(range(2**nq), key=lambda k: abs(sv.data[k])))
        assert out == perm[s], (s, out, perm[s])
    assert isinstance(qc, qiskit.QuantumCircuit)


def test_a_python_genes_circuit_error_names_the_python_line() -> None:
    @rx.gene
    def g(x: rx.u8, y: rx.u8):
        x += 1
        x += y * y  # here

    with pytest.raises(rx.RdxError) as info:
        g.compile().circuit()
    here = next(i for i, t in enumerate(inspect.getsourcelines(g.__wrapped__)[0]) if "# here" in t)
    line = inspect.getsourcelines(g.__wrapped__)[1] + here
    assert str(info.value).startswith(f"{inspect.getsourcefile(g.__wrapped__)}:{line}: "), str(info.value)
    assert "line 3" not in str(info.value)


# From x = 0 (2**63 rounds before i comes back to 0) and from an odd x the loop never stops.
NEVER_STOPS = (
    "gene g(x: u8) {\n    local i: u64 = 0\n    from i == 0 do {\n        i += 2\n    }"
    " until i == x\n    delocal i = x\n}\n"
)


def test_permutation_stops_a_state_that_runs_past_its_step_budget() -> None:
    prog = rx.assemble(NEVER_STOPS)
    with pytest.raises(rx.RdxError) as info:
        prog.permutation(max_steps=1000)
    msg = str(info.value)
    assert 'did not finish from state 0 {"x":0} within 1000 instructions (max_steps)' in msg, msg
    # The program's own budget is the default; the budget is per state (256 runs of a few
    # hundred instructions each pass 1000 in all).
    prog.max_steps = 500
    with pytest.raises(rx.RdxError, match="within 500 instructions"):
        prog.permutation()
    slow = rx.assemble(
        "gene g(x: u8) {\n    local i: u8 = 0\n    from i == 0 do {\n        i += 1\n"
        "        x += 1\n    } until i == 100\n    delocal i = 100\n}\n"
    )
    assert slow.permutation(max_steps=1000) == [(s + 100) % 256 for s in range(256)]
    # Without a budget asked for, rdx perm's default stops it too.
    with pytest.raises(rx.RdxError, match="within 10000000 instructions"):
        rx.assemble(NEVER_STOPS).permutation()
    for bad, kind in [(-1, ValueError), (2**64, ValueError), (True, TypeError), (1.5, TypeError)]:
        with pytest.raises(kind, match="max_steps"):
            prog.permutation(max_steps=bad)  # type: ignore[arg-type]
