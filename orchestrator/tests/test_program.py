"""Programs: genes run forward and backward, agree with the same program written in rdx, and the
Program API (source, cid, save/load, check, backends, values)."""

from __future__ import annotations

import inspect
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import redoxa as rx
from genes import INPUTS, TWINS, cases, fib

try:  # hypothesis when installed, plain random otherwise
    from hypothesis import given, settings, strategies as st

    HAVE_HYPOTHESIS = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_HYPOTHESIS = False


@pytest.fixture(scope="module")
def compiled() -> dict:
    return {name: (g.compile(), rx.assemble(twin, entry=name)) for name, (g, twin) in TWINS.items()}


def test_fib_as_in_the_brief() -> None:
    prog = fib.compile()
    assert prog.run(n=30) == {"n": 0, "x1": 1346269, "x2": 2178309}
    assert prog.reverse(n=0, x1=1346269, x2=2178309) == {"n": 30, "x1": 0, "x2": 0}
    assert prog.run(n=10) == {"n": 0, "x1": 89, "x2": 144}


@pytest.mark.parametrize("backend", rx.backends())
@pytest.mark.parametrize("name", sorted(TWINS))
def test_every_construct_both_ways_and_same_as_rdx(name: str, backend: str, compiled: dict) -> None:
    prog, twin = compiled[name]
    for case in cases(name, 40):
        out = prog.run(backend=backend, **case)
        assert out == twin.run(**case), case
        back = prog.reverse(backend=backend, **out)
        assert back == dict(zip(prog._names, prog.values_list(case))), (case, out)
        assert twin.reverse(**out) == back


@pytest.mark.parametrize("name", sorted(TWINS))
def test_same_bytecode_as_rdx_twin_semantics_random(name: str, compiled: dict) -> None:
    """A second, larger random sweep (plain random; hypothesis below when installed)."""
    prog, twin = compiled[name]
    r = random.Random(name)
    for _ in range(100):
        case = INPUTS[name](r)
        out = prog.run(**case)
        assert twin.run(**case) == out
        assert prog.reverse(**out) == dict(zip(prog._names, prog.values_list(case)))


if HAVE_HYPOTHESIS:

    @settings(max_examples=200, deadline=None)
    @given(
        st.integers(0, (1 << 64) - 1), st.integers(0, (1 << 64) - 1), st.integers(-(1 << 63), (1 << 63) - 1)
    )
    def test_hypothesis_round_trip_mix(x: int, y: int, z: int) -> None:
        prog = TWINS["mix"][0].compile()
        out = prog.run(x=x, y=y, z=z)
        assert prog.reverse(**out) == {"x": x, "y": y, "z": z}

    @settings(max_examples=100, deadline=None)
    @given(
        st.lists(st.integers(0, (1 << 64) - 1), min_size=4, max_size=4),
        st.lists(st.integers(-(1 << 63), (1 << 63) - 1), min_size=3, max_size=3),
        st.integers(0, (1 << 64) - 1),
    )
    def test_hypothesis_round_trip_arrays(a: list, b: list, k: int) -> None:
        prog = TWINS["arrays"][0].compile()
        out = prog.run(a=a, b=b, k=k)
        assert prog.reverse(**out) == {"a": a, "b": b, "k": k}


def test_unset_parameters_are_zero_and_types_come_back() -> None:
    prog = TWINS["arrays"][0].compile()
    out = prog.run()
    assert set(out) == {"a", "b", "k"}
    assert isinstance(out["a"], list) and len(out["a"]) == 4
    assert out["k"] == 4 + 3
    prog = TWINS["mix"][0].compile()
    out = prog.run(z=-5)
    assert all(isinstance(v, int) for v in out.values())
    assert -(1 << 63) <= out["z"] < (1 << 63)
    assert 0 <= out["x"] <= (1 << 64) - 1


def test_signed_values_round_trip() -> None:
    prog = rx.assemble("gene f(a: i64, b: u64) { a -= 10  b -= 1 }")
    assert prog.run(a=3, b=0) == {"a": -7, "b": (1 << 64) - 1}
    assert prog.reverse(a=-7, b=(1 << 64) - 1) == {"a": 3, "b": 0}


def test_what_a_run_prints_goes_to_stdout_both_ways(capsys: pytest.CaptureFixture[str]) -> None:
    """`show`/`printf`/`print` print as `rdx run` prints them: backward in reverse order of
    statements, a `show` of several variables in source order both ways, and what a failing
    run printed before its error."""
    prog = rx.assemble(
        'gene main(x: u64, y: i64, a: u64[2]) {\n    x += 1\n    show x, y, a\n    printf "x=%d", x\n}\n'
    )
    for backend in ("interp", "jit"):
        out = prog.run(x=1, y=-2, a=[3, 4], backend=backend)
        assert capsys.readouterr().out == "x = 2\ny = -2\na = [3, 4]\nx=2\n", backend
        assert prog.reverse(**out, backend=backend) == {"x": 1, "y": -2, "a": [3, 4]}
        # Backward the statements come in reverse order, each `show`'s lines in its own.
        assert capsys.readouterr().out == "x=2\nx = 2\ny = -2\na = [3, 4]\n", backend
    fails = rx.assemble('gene main(x: u64) {\n    print "before"\n    assert x == 1\n}\n')
    with pytest.raises(rx.RdxError):
        fails.run(x=2)
    assert capsys.readouterr().out == "before\n"


def test_stack_values_bottom_first() -> None:
    prog = TWINS["stacks"][0].compile()
    out = prog.run(x=5, y=7, s=[1, 2])
    assert out == {"x": 7, "y": 11, "s": [1, 2, 5]}
    assert prog.reverse(**out) == {"x": 5, "y": 7, "s": [1, 2]}


def test_values_out_of_range_raise_before_running() -> None:
    prog = TWINS["mix"][0].compile()
    with pytest.raises(rx.ValueRangeError):
        prog.run(x=-1)
    with pytest.raises(ValueError):
        prog.run(z=1 << 63)
    with pytest.raises(rx.ValueRangeError):
        TWINS["arrays"][0].compile().run(a=[1, 2, 3])
    with pytest.raises(TypeError, match="no parameter 'w'"):
        prog.run(w=1)

    class Row:  # like a row of a 2-D numpy array: has __index__, and refuses it
        def __index__(self) -> int:
            raise TypeError("only integer scalar arrays can be converted to a scalar index")

    class Word:  # like a numpy integer
        def __index__(self) -> int:
            return 7

    arr = rx.assemble("gene f(a: u64[3]) { a[0] += 1 }")
    with pytest.raises(rx.ValueRangeError, match=r"a\[1\]: expected an integer for u64, got Row"):
        arr.run(a=[1, Row(), 3])
    assert arr.run(a=[Word(), 0, 0]) == {"a": [8, 0, 0]}


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_stops_an_interpreter_run_with_keyboard_interrupt() -> None:
    # A run that would never end, in a child Python; SIGINT (Ctrl-C) once it is running must
    # come back as KeyboardInterrupt (the interpreter polls Python's signals between slices).
    child = textwrap.dedent(
        """
        import sys, redoxa as rx
        prog = rx.assemble("gene f(i: u64) { from i == 0 do { i += 2 } until i == 1 }")
        try:
            print("running", flush=True)
            prog.run(i=0)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "running\n"
        time.sleep(0.3)  # into the run (earlier, the interrupt comes as well: from Python)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)  # a safety net for the hang this test is about
    finally:
        proc.kill()
    assert (proc.returncode, out) == (3, "interrupted\n")


def test_source_cid_save_load(tmp_path: Path) -> None:
    prog = fib.compile()
    assert prog.source == fib.source
    cid = prog.cid
    assert len(cid) == 64 and int(cid, 16) >= 0
    assert fib.compile().cid == cid  # deterministic
    assert rx.assemble(prog.source, file="<gene fib>").cid == cid  # the name is in the debug info
    path = tmp_path / "fib.rdxb"
    assert prog.save(path) == cid
    loaded = rx.load(path)
    assert loaded.cid == cid
    assert loaded.to_bytes() == path.read_bytes() == prog.to_bytes()
    assert loaded.run(n=12) == prog.run(n=12)
    assert loaded.reverse(n=0, x1=233, x2=377) == {"n": 12, "x1": 0, "x2": 0}
    assert loaded.params == prog.params
    assert loaded.source == prog.source  # from the module's debug info
    assert [r.status for r in loaded.check()] == [r.status for r in prog.check()]
    with pytest.raises(rx.ReversibilityError) as info:
        loaded.reverse(n=5, x1=1, x2=1)  # not a state fib can end in (n is 0 at the end)
    assert info.value.line is not None and info.value.py_line is None


def test_load_reads_source_files_as_rdx_run_does(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    prog = rx.load(root / "stdlib" / "fib.rdx")
    assert prog.run(n=12) == {"n": 0, "x1": 233, "x2": 377}
    janus = tmp_path / "double.ja"
    janus.write_text("procedure main()\n    int x\n    int y\n    x += 21\n    y += x * 2\n")
    assert rx.load(janus).run() == {"x": 21, "y": 42}
    assert rx.load(janus).dialect == "janus"
    broken = tmp_path / "broken.rdx"
    broken.write_text("gene g(x: u64) {\n    x += \n}\n")
    with pytest.raises(rx.CompileError) as info:
        rx.load(broken)
    assert str(broken) in str(info.value)
    empty = tmp_path / "empty.rdx"
    empty.write_text("const K = 3\n")
    with pytest.raises(rx.CompileError, match="declares no gene"):
        rx.load(empty)  # was an internal error: the verifier refused the empty module
    latin = tmp_path / "latin.rdx"
    latin.write_bytes(b"gene g(x: u64) { x += 1 } // caf\xe9\n")
    with pytest.raises(ValueError, match="not UTF-8"):
        rx.load(latin)


def test_load_rejects_bad_bytes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rdxb"
    bad.write_bytes(b"RDXB\x01\x00garbage")
    with pytest.raises(rx.LoadError):
        rx.load(bad)
    good = fib.compile().to_bytes()
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(rx.LoadError) as info:
        rx.load(bad)
    assert info.value.kind == "truncated" and info.value.offset > 0
    bad.write_bytes(b"ELF\x7f" + good[4:])
    with pytest.raises(rx.LoadError) as info:
        rx.load(bad)
    assert (info.value.kind, info.value.offset) == ("bad_magic", 0)
    assert "not an rdx module" in str(info.value)


def test_check_reports_five_invariants() -> None:
    report = fib.compile().check()
    assert [r.id for r in report] == ["I1", "I2", "I3", "I4", "I5"]
    assert report.ok and len(report) == 5
    assert report["I2"].status == "holds"
    assert report["I4"].status == "not applicable"
    assert "I1" in str(report)


def test_check_strict_fails_on_lossy() -> None:
    @rx.gene
    def lossy(x: rx.u64, y: rx.u64):
        (x := y + 1)

    prog = lossy.compile()
    assert prog.check().ok
    report = prog.check(strict=True)
    assert not report.ok and report["I1"].status == "fails"


def test_lossy_runs_both_ways_through_the_history_tape() -> None:
    @rx.gene
    def lossy(x: rx.u64, y: rx.u64):
        (x := y + 1)
        rx.erase(y)  # erase

    prog = lossy.compile()
    out = prog.run(x=5, y=9)
    assert out == {"x": 10, "y": 0}
    assert prog.reverse(**out) == {"x": 5, "y": 9}  # undone from the forward run's tape
    with pytest.raises(rx.RunError) as info:
        prog.reverse(**out)  # the tape is used up: no history left
    assert info.value.code == "R0115"
    lines, first = inspect.getsourcelines(lossy.__wrapped__)
    assert info.value.py_line == first + next(k for k, t in enumerate(lines) if "# erase" in t)


def test_jit_agrees_with_the_interpreter_on_errors() -> None:
    if "jit" not in rx.backends():
        pytest.skip("no jit in this build")
    prog = fib.compile(backend="jit")
    assert prog.backend == "jit"
    with pytest.raises(rx.ReversibilityError) as jit_err:
        prog.reverse(n=5, x1=1, x2=1)  # n is 0 when fib ends
    with pytest.raises(rx.ReversibilityError) as interp_err:
        prog.reverse(n=5, x1=1, x2=1, backend="interp")
    assert (jit_err.value.code, jit_err.value.py_line) == (interp_err.value.code, interp_err.value.py_line)


def test_backends() -> None:
    assert "interp" in rx.backends()
    prog = fib.compile()
    assert prog.run(n=5, backend="interp") == prog.run(n=5)
    assert prog.run(n=5, backend="auto") == prog.run(n=5)
    if "jit" not in rx.backends():
        with pytest.raises(rx.BackendError, match="jit"):
            fib.compile(backend="jit")
        with pytest.raises(rx.BackendError):
            prog.run(n=5, backend="jit")
    with pytest.raises(rx.BackendError, match="unknown backend"):
        prog.run(n=5, backend="gpu")


def test_entry_selection() -> None:
    two = "gene a(x: u64) { x += 1 }\ngene b(x: u64) { call a(x) call a(x) }\n"
    with pytest.raises(rx.RdxError, match="entry="):
        rx.assemble(two)
    assert rx.assemble(two, entry="b").run(x=1) == {"x": 3}
    with pytest.raises(rx.RdxError, match="no gene named"):
        rx.assemble(two, entry="c")
    main = two + "gene main(y: u64) { call b(y) }\n"
    assert rx.assemble(main).entry == "main"


def test_save_warns_when_load_would_run_another_gene(tmp_path: Path) -> None:
    prog = rx.assemble("gene main(x: u64) { x += 5 }\ngene ent(y: u64) { call main(y)  y += 1 }", entry="ent")
    path = tmp_path / "ent.rdxb"
    with pytest.warns(rx.RdxWarning, match=r"rx.load\(path, entry='ent'\)"):
        prog.save(path)
    assert rx.load(path).entry == "main"
    assert rx.load(path, entry="ent").run(y=0) == {"y": 6}
    # The entry is the one load picks: nothing to say.
    rx.assemble("gene main(x: u64) { x += 5 }\ngene ent(y: u64) { call main(y) }").save(tmp_path / "m.rdxb")


def test_calling_a_gene_binds_arguments_as_python_does() -> None:
    @rx.gene
    def kw(n: rx.u64, *, m: rx.u64):
        m += n

    @rx.gene
    def po(n: rx.u64, /, m: rx.u64):
        m += n

    assert kw(1, m=2) == {"n": 1, "m": 3}
    assert kw(m=2) == {"n": 0, "m": 2}  # an unset parameter is 0
    with pytest.raises(TypeError, match=r"^kw\(\): too many positional arguments"):
        kw(1, 2)  # m is keyword-only
    assert po(1, 2) == po(1, m=2) == {"n": 1, "m": 3}
    with pytest.raises(TypeError, match=r"^po\(\): 'n' parameter is positional only"):
        po(n=1, m=2)
    with pytest.raises(TypeError, match="multiple values for argument 'm'"):
        po(1, 2, m=3)
    assert po(1, 2, backend="jit") == {"n": 1, "m": 3}


def test_gene_call_shortcut() -> None:
    assert fib(n=6) == {"n": 0, "x1": 13, "x2": 21}
    assert fib(6) == fib(n=6)
    with pytest.raises(TypeError):
        fib(1, 2, 3, 4)


def test_reversibility_error_names_the_python_line() -> None:
    @rx.gene
    def wrong(x: rx.u64, y: rx.u64):
        if x == 0:
            y += 1
        else:
            y += 2
        rx.fi(y == 1)  # fi

    prog = wrong.compile()
    assert prog.run(x=0, y=0) == {"x": 0, "y": 1}
    with pytest.raises(rx.ReversibilityError) as info:
        prog.run(x=5, y=(1 << 64) - 1)  # else-branch leaves y == 1: the fi assertion lies
    e = info.value
    lines, first = inspect.getsourcelines(wrong.__wrapped__)
    if_line = first + next(k for k, t in enumerate(lines) if "if x == 0" in t)
    fi_line = first + next(k for k, t in enumerate(lines) if "# fi" in t)
    assert e.py_file == inspect.getsourcefile(wrong.__wrapped__)
    assert if_line <= e.py_line <= fi_line
    assert f":{e.py_line}:" in str(e)


def test_delocal_mismatch_and_assert_are_reversibility_errors() -> None:
    @rx.gene
    def g(x: rx.u64):
        t = rx.local(rx.u64, 0)
        t += x
        rx.delocal(t, 0)  # here

    with pytest.raises(rx.ReversibilityError) as info:
        g.compile().run(x=3)
    lines, first = inspect.getsourcelines(g.__wrapped__)
    assert info.value.py_line == first + next(k for k, t in enumerate(lines) if "# here" in t)

    with pytest.raises(rx.ReversibilityError):
        rx.assemble("gene f(x: u64) { assert x == 1 }").run(x=2)


def test_other_run_errors() -> None:
    with pytest.raises(rx.RunError) as info:
        rx.assemble("gene f(x: u64, y: u64) { x += 10 / y }").run(x=1, y=0)
    assert not isinstance(info.value, rx.ReversibilityError)
    assert info.value.code == "R0110"
    with pytest.raises(rx.RunError):
        rx.assemble("gene f(x: u64, s: stack) { pop x, s }").run()


def test_deep_nesting_from_a_small_stack_thread() -> None:
    """The front end runs on its own large stack, whatever stack the calling thread has."""
    import threading

    depth = 250
    src = "gene f(x: u64) {\n" + "if x == 0 {\n" * depth + "x += 1\n" + "} fi x == 1\n" * depth + "}\n"
    results: list = []
    old = threading.stack_size(256 * 1024)
    try:
        t = threading.Thread(target=lambda: results.append(rx.assemble(src)))
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    (prog,) = results
    assert prog.check().ok
    assert prog.run(x=0) == {"x": 1}
    assert prog.reverse(x=1) == {"x": 0}


def test_a_parameter_called_backend_is_a_parameter() -> None:
    prog = rx.assemble("gene f(backend: u64) { backend += 1 }")
    assert prog.run(backend=4) == {"backend": 5}
    assert prog.reverse(backend=5) == {"backend": 4}


JANUS_FIB = """
procedure fib(int x1, int x2, int n)
    if n = 0 then
        x1 += 1
        x2 += 1
    else
        n -= 1
        call fib(x1, x2, n)
        x1 += x2
        x1 <=> x2
    fi x1 = x2

procedure main()
    int x1
    int x2
    int n
    n += 10
    call fib(x1, x2, n)
"""


def test_janus_source_and_signed_values() -> None:
    prog = rx.assemble(JANUS_FIB, janus=True)
    assert prog.dialect == "janus" and prog.entry == "main"
    assert [t for _, t in prog.params] == [rx.i64, rx.i64, rx.i64]
    out = prog.run()
    assert out == {"x1": 89, "x2": 144, "n": 0}
    assert prog.reverse(**out) == {"x1": 0, "x2": 0, "n": 0}
    assert prog.check().ok
    sub = rx.assemble("procedure main()\n    int x\n    x -= 5\n", janus=True)
    assert sub.run() == {"x": -5}


def test_disasm_lists_every_gene() -> None:
    prog = TWINS["calls"][0].compile()
    listing = prog.disasm()
    assert prog.cid in listing
    for g in ("calls", "add", "mix_pair"):
        assert f"gene {g}(" in listing
    assert prog.dialect == "rdx"


def test_last_run_and_history_tape() -> None:
    @rx.gene
    def lossy(x: rx.u64, y: rx.u64):
        (x := y)
        y += 1

    prog = lossy.compile()
    assert prog.last_run == {"instructions": 0, "lossy_bits": 0, "max_depth": 0}
    out = prog.run(x=7, y=2)
    assert prog.last_run["lossy_bits"] == 64 and prog.last_run["max_depth"] == 1
    assert prog.last_run["instructions"] > 0
    assert prog.history_words >= 1
    prog.run(x=8, y=3)
    assert prog.reverse(x=3, y=4) == {"x": 8, "y": 3}  # the tape is last in, first out
    assert prog.reverse(**out) == {"x": 7, "y": 2}
    assert prog.history_words == 0
    prog.run(x=1, y=1)
    prog.clear_history()
    assert prog.history_words == 0
    with pytest.raises(rx.RunError):
        prog.reverse(x=1, y=2)


def test_a_failed_run_discards_its_partial_history() -> None:
    prog = rx.assemble("gene f(x: u64, y: u64) { x := 5  y += 10 / x  assert y != 12 }")
    prog.run(x=1, y=0)  # x := 5 leaves one word on the tape
    assert prog.history_words == 1
    with pytest.raises(rx.ReversibilityError):
        prog.run(x=1, y=10)  # y == 12: fails after another x := 5
    assert prog.history_words == 0


def test_one_program_from_many_threads() -> None:
    import threading

    prog = TWINS["sum_to"][0].compile()
    errors: list = []

    def work(k: int) -> None:
        try:
            for n in range(1, 60):
                out = prog.run(n=n, s=k)
                assert out == {"n": n, "s": k + n * (n + 1) // 2}
                assert prog.reverse(**out) == {"n": n, "s": k}
        except Exception as e:  # collected and re-raised in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_each_thread_undoes_its_own_lossy_run() -> None:
    # `x := y` keeps the overwritten x on the history tape. Thread A runs forward, then thread
    # B, then A runs backward: A must get its own x back (the interpreter's tape is kept per
    # thread, as the JIT's is), and B its own after.
    import threading

    prog = rx.assemble("gene f(x: u64, y: u64) { x := y }")
    for backend in rx.backends():
        prog.backend = backend
        a_ran, b_ran = threading.Event(), threading.Event()
        got: dict = {}

        def a() -> None:
            try:
                out = prog.run(backend=backend, x=1, y=7)
            finally:
                a_ran.set()
            b_ran.wait(60)  # (a failure in b sets it too: no test waits for ever)
            got["a"] = prog.reverse(backend=backend, **out)["x"]

        def b() -> None:
            a_ran.wait(60)
            try:
                out = prog.run(backend=backend, x=2, y=7)
                got["words"] = prog.history_words
            finally:
                b_ran.set()
            got["b"] = prog.reverse(backend=backend, **out)["x"]

        threads = [threading.Thread(target=a), threading.Thread(target=b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert (got.get("a"), got.get("b"), got.get("words")) == (1, 2, 1), backend
        assert prog.history_words == 0


def test_a_reverse_undoes_the_last_forward_run_whichever_engines_ran() -> None:
    # One history tape per program and thread, whichever engine runs: a forward run on one
    # engine is undone by a reverse on any. Each engine kept its own tape: a JIT run's history
    # was the JIT's only, so a reverse on the interpreter failed (R0115), and once this thread's
    # JIT had compiled the module, a `static` reverse ran there and undid an older run (wrong
    # input, no error).
    prog = rx.assemble(
        "gene f(n: u64, w: u64, a: u64) {\n    local i: u64 = 0\n"
        "    from i == 0 do {\n        i += 1\n        w := a + i\n    } until i == n\n"
        "    delocal i = n\n}\n"
    )
    engines = [*rx.backends(), "auto", "static"]
    for forward in engines:
        for backward in engines:
            prog.clear_history()
            out = prog.run(backend=forward, n=3, w=5, a=20)
            assert prog.history_words == 3, (forward, backward)
            assert prog.reverse(backend=backward, **out) == {"n": 3, "w": 5, "a": 20}, (forward, backward)
            assert prog.history_words == 0
    prog.run(backend="jit", n=3, w=111, a=20)  # the JIT has compiled the module
    out = prog.run(backend="interp", n=3, w=222, a=20)
    assert prog.reverse(backend="static", **out)["w"] == 222
    assert prog.reverse(backend="jit", **out)["w"] == 111
    # Two programs on this thread's one JIT engine: each its own tape.
    other = rx.assemble("gene g(x: u64, y: u64) {\n    x := y + 1\n}\n")
    mine = prog.run(backend="jit", n=2, w=7, a=1)
    theirs = other.run(backend="jit", x=4, y=9)
    assert prog.reverse(backend="jit", **mine) == {"n": 2, "w": 7, "a": 1}
    assert other.reverse(backend="jit", **theirs) == {"x": 4, "y": 9}


class Counter:
    @rx.gene
    def step(self: rx.u64, n: rx.u64):
        self += n


def test_a_gene_parameter_named_self_is_a_value_like_any_other() -> None:
    # It compiled, but run, reverse and calling the gene took `self=` as their own first
    # argument: "got multiple values for argument 'self'".
    prog = Counter.step.compile()
    assert prog.run(self=1, n=2) == {"self": 3, "n": 2}
    assert prog.reverse(self=3, n=2) == {"self": 1, "n": 2}
    assert Counter.step(self=1, n=2) == {"self": 3, "n": 2}
    assert Counter.step(1, 2) == {"self": 3, "n": 2}


def test_step_limit_stops_a_run_that_would_not_end() -> None:
    @rx.gene
    def endless(i: rx.u64):
        for _ in rx.loop(entry=i == 0, until=i == 1):  # i stays even: never 1
            i += 2

    prog = endless.compile()
    for backend in rx.backends():
        prog.backend = backend
        prog.max_steps = 10_000
        with pytest.raises(rx.RunError) as info:
            prog.run(i=0)
        assert info.value.code == "R0117"
    prog.max_steps = None
    assert rx.assemble("gene f(x: u64) { x += 1 }").run(x=1) == {"x": 2}
    # A bad limit is refused where it is set, by name.
    for bad, kind in ((-1, ValueError), (2**64, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(kind, match="max_steps"):
            prog.max_steps = bad
    assert prog.max_steps is None
