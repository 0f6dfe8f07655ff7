"""backend="auto": rdx-core's planner decides (the same as `rdx run --backend auto`), from the
ledger of the home the run is recorded in; its decision is recorded with the run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import redoxa as rx
from genes import fib


def tally(k: int) -> rx.Program:
    """A counting loop of this file's own, `k` making each test's module another: the static
    rule's JIT runs on the interpreter first only while this thread's JIT has not compiled the
    module, and other tests compile theirs on the same thread."""
    return rx.assemble(
        "gene tally(n: u64, s: u64) {\n    local i: u64 = 0\n    from i == 0 do {\n"
        f"        i += 1\n        s += i * {k}\n    }} until i == n\n    delocal i = n\n}}\n"
    )


def test_auto_follows_the_static_rule_on_a_cold_start_and_names_its_decision(tmp_path: Path) -> None:
    home = rx.Home(tmp_path)
    prog = tally(3)
    assert prog.run(n=5, backend="auto", record=home) == prog.run(n=5)
    first = home.log(dataframe=False)[0]
    # tally loops, so the static rule would compile it, but a run of 5 trips ends within the
    # interpreter's budget: nothing is compiled.
    assert first["backend"] == "interp"
    assert first["backend_reason"].startswith("plan (decision 1): cold start")
    assert first["backend_reason"].endswith("so nothing was compiled")


def test_the_static_rule_moves_a_long_run_to_the_jit(tmp_path: Path) -> None:
    home = rx.Home(tmp_path)
    prog = tally(5)
    for n, backend, told in ((100, "interp", "nothing was compiled"), (2_000_000, "jit", "on the JIT")):
        assert prog.run(n=n, backend="static", record=home) == prog.run(n=n)
        newest = home.log(dataframe=False)[0]
        assert newest["backend"] == backend
        assert newest["backend_reason"].startswith("auto: a gene loops or recurses; ")
        assert newest["backend_reason"].endswith(told)
    # This thread's JIT has the code now: a later long run goes to it at once, even a short one.
    for n in (2_000_000, 100):
        assert prog.run(n=n, backend="static", record=home) == prog.run(n=n)
        newest = home.log(dataframe=False)[0]
        assert newest["backend"] == "jit"
        assert newest["backend_reason"].endswith("this thread's JIT has compiled it already")


def test_auto_learns_from_recorded_runs(tmp_path: Path) -> None:
    home = rx.Home(tmp_path)
    prog = fib.compile()
    for backend in ("interp", "jit") * 3:
        prog.run(n=5, backend=backend, record=home)
    assert prog.run(n=6, backend="auto", record=home) == prog.run(n=6)
    newest = home.log(dataframe=False)[0]
    reason = newest["backend_reason"]
    assert reason.startswith("plan (decision ") and "cold" not in reason, reason
    assert newest["backend"] in ("interp", "jit")
    assert f"{newest['backend']} is fastest" in reason


def test_auto_without_a_home_is_the_static_rule(tmp_path: Path) -> None:
    prog = fib.compile()
    assert prog.run(n=7, backend="auto") == prog.run(n=7, backend="interp")
    assert prog.last_record is None


SCRIPT = """
import redoxa as rx

@rx.gene
def count(n: rx.u64, s: rx.u64):
    s += n

prog = count.compile()
for _ in range(3):
    prog.run(n=5)
"""


def test_python_m_redoxa_runs_a_script_through_the_planner(tmp_path: Path) -> None:
    from redoxa.__main__ import main

    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    home = tmp_path / "home"
    assert main(["run", str(script), "--home", str(home)]) == 0
    runs = rx.Home(home).log(dataframe=False)
    assert len(runs) == 3
    assert all(r["backend_reason"].startswith("plan (decision ") for r in runs), runs
    assert main(["run", str(script), "--home", str(home), "--no-ce1"]) == 0
    newest = rx.Home(home).log(dataframe=False)[0]
    assert newest["backend_reason"].startswith("auto: "), newest
    assert len(rx.Home(home).log(dataframe=False)) == 6


def test_python_m_redoxa_hint_plan_and_status(tmp_path: Path, capsys: Any) -> None:
    from redoxa.__main__ import main

    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    home = tmp_path / "home"
    main(["run", str(script), "--home", str(home)])
    capsys.readouterr()
    assert main(["plan", str(script), "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "count(n=5): reuse a recorded output" in out, out
    assert main(["hint", str(script), "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "P(fastest)" in out and "interp" in out, out
    assert len(rx.Home(home).log(dataframe=False)) == 3, "hint and plan record nothing"
    assert main(["status", "--home", str(home)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["runs"] == 3 and status["contexts"][0]["entry"] == "count"
    # A script that ends with sys.exit() is looked at up to there (it printed nothing).
    exits = tmp_path / "exits.py"
    exits.write_text(SCRIPT + "\nimport sys\nsys.exit(3)\n")
    assert main(["plan", str(exits), "--home", str(home)]) == 0
    captured = capsys.readouterr()
    assert "count(n=5): reuse a recorded output" in captured.out, captured
    assert "exited with 3" in captured.err, captured


def test_python_m_redoxa_looks_only_at_the_calls_whose_values_fit(tmp_path: Path, capsys: Any) -> None:
    # A call with a value out of range or an unknown parameter raises in the script, which may
    # catch it; it was noted as a run all the same, and hint, plan and loop exited with 1 when
    # they came to it.
    from redoxa.__main__ import main

    script = tmp_path / "caught.py"
    script.write_text(
        textwrap.dedent(
            """
            import redoxa as rx
            prog = rx.assemble("gene g(a: u8, b: u64) {\\n    a += b\\n}\\n")
            prog.run(a=1, b=2)
            for bad in ({"a": -1}, {"zz": 3}, {"a": 1, "backend": "nope"}):
                try:
                    prog.run(**bad)
                except (rx.ValueRangeError, rx.BackendError, TypeError) as e:
                    print("caught", type(e).__name__)
            prog.reverse(a=3, b=2)
            """
        )
    )
    home = tmp_path / "home"
    for command in (["hint"], ["plan"], ["loop"]):
        assert main([*command, str(script), "-n", "1", "--home", str(home)]) == 0, command
        captured = capsys.readouterr()
        assert captured.out.count("caught") == 3, captured
        assert "g(a=1, b=2)" in captured.out and "g(a=3, b=2) reversed" in captured.out, captured
        assert "-1" not in captured.out and "zz" not in captured.out and captured.err == "", captured


def test_python_m_redoxa_loop_explores_and_records_every_cycle(tmp_path: Path, capsys: Any) -> None:
    from redoxa.__main__ import main

    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    home = tmp_path / "home"
    assert main(["loop", str(script), "--home", str(home), "-n", "4", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["cycle"] for line in lines] == [1, 2, 3, 4], lines
    assert all(line["call"] == "count(n=5)" and line["where"] == "local" for line in lines)
    assert all(line["arm"] in ("interp", "jit") and line["outcome"] == "ok" for line in lines)
    runs = rx.Home(home).log(dataframe=False)
    assert len(runs) == 4, "one run per cycle, and the script's own runs are not recorded"
    # Each run names the decision of its cycle and was made on the arm that decision picked.
    for line, run in zip(lines, reversed(runs)):
        assert run["id"] == line["run"] and run["backend"] == line["arm"]
        assert run["backend_reason"].startswith(
            f"loop (decision {line['decision']}): information-directed sampling"
        )
    assert lines[-1]["cumulative_regret_ns"] == sum(line["regret_ns"] for line in lines)
    # The text form: the call, then one line per cycle; a later loop learns from the ledger.
    # (Options before the script too.)
    assert main(["loop", "-n", "2", "--seed", "7", str(script), "--home", str(home)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "count(n=5)" and out[1].startswith("  cycle   1  ") and "confidence" in out[2], out
    assert len(rx.Home(home).log(dataframe=False)) == 6


def test_program_loop_needs_a_cycle(tmp_path: Path) -> None:
    prog = fib.compile()
    home = rx.Home(tmp_path)
    try:
        prog.loop(home, cycles=0, n=1)
    except ValueError as e:
        assert "at least 1" in str(e)
    else:
        raise AssertionError("n=0 is refused")
    lines = prog.loop(home, cycles=2, n=3)
    assert [line["cycle"] for line in lines] == [1, 2]


def test_loop_keeps_the_step_limit(tmp_path: Path) -> None:
    # A gene that never ends: with max_steps each cycle's run stops there (it hung before).
    endless = rx.assemble("gene f(x: u64) {\n    from x == 0 do {\n        x += 1\n    } until x == 0\n}\n")
    endless.max_steps = 1000
    lines = endless.loop(rx.Home(tmp_path / "home"), cycles=2)
    assert [line["outcome"] for line in lines] == ["error R0117", "error R0117"], lines


def test_python_m_redoxa_run_plans_and_records_an_experiments_runs(tmp_path: Path) -> None:
    # rx.experiment ran its programs around the session: nothing was planned or recorded.
    from redoxa.__main__ import main

    script = tmp_path / "script.py"
    script.write_text(
        SCRIPT.replace("for _ in range(3):\n    prog.run(n=5)\n", "")
        + "rows = rx.experiment(prog, [{'n': 5}, {'n': 6}], dataframe=False)\n"
        + "assert [r['backend'] for r in rows] == ['auto', 'auto'], rows\n"
    )
    home = tmp_path / "home"
    assert main(["run", str(script), "--home", str(home)]) == 0
    runs = rx.Home(home).log(dataframe=False)
    assert len(runs) == 4, "two inputs, each forward and backward"
    assert sorted(r["direction"] for r in runs) == ["backward", "backward", "forward", "forward"]
    assert all(r["backend_reason"].startswith("plan (decision ") for r in runs), runs


def test_plan_and_loop_options_leave_gene_parameters_of_their_names_alone(tmp_path: Path) -> None:
    # `home`, `reverse`, `cycles` and `seed` were the options: the gene's parameters could not
    # be given (TypeError: multiple values), as `backend` and `record` can be for run().
    prog = rx.assemble("gene clash(home: u64, reverse: u64, cycles: u64, seed: u64) { home += reverse }")
    home = rx.Home(tmp_path)
    plan = prog.plan(home, home=1, reverse=2)
    assert plan["backend"] == "interp" and plan["cold"]
    lines = prog.loop(home, 2, 7, home=1, reverse=2, cycles=3, seed=4)
    assert [line["cycle"] for line in lines] == [1, 2]
    runs = home.log(dataframe=False)
    assert len(runs) == 2 and all(r["direction"] == "forward" for r in runs)
    assert rx.Home(tmp_path).get(runs[0]["input"]) == b'{"home":1,"reverse":2,"cycles":3,"seed":4}'
    # Without such parameters the options go by keyword as before.
    other = tally(5)
    assert other.plan(home=home, reverse=True, n=3, s=0)["backend"] in ("interp", "jit")
    assert len(other.loop(home=home, cycles=1, seed=3, reverse=True, n=3, s=6)) == 1
    assert home.log(1, dataframe=False)[0]["direction"] == "backward"


def test_plan_and_loop_check_their_options(tmp_path: Path) -> None:
    prog = tally(6)
    home = rx.Home(tmp_path)
    for bad in (None, str(tmp_path), home._native):
        with pytest.raises(TypeError, match="rx.Home"):
            prog.plan(bad, n=1)
        with pytest.raises(TypeError, match="rx.Home"):
            prog.loop(bad, 1, n=1)
    with pytest.raises(TypeError, match="cycles must be an int"):
        prog.loop(home, None, n=1)
    with pytest.raises(ValueError, match="cycles must be at most"):
        prog.loop(home, 2**70, n=1)
    with pytest.raises(ValueError, match="seed must be at least 0"):
        prog.loop(home, 1, -1, n=1)
    with pytest.raises(TypeError, match="reverse must be True or False"):
        prog.plan(home, "yes", n=1)
    assert home.log(dataframe=False) == []


def test_plan_and_loop_without_a_home_say_how_to_pass_one() -> None:
    # The message named the placeholder of an option not given: "plan needs a home: an
    # rx.Home, not redoxa._program._Unset".
    prog = tally(7)
    for call, what in ((prog.plan, "plan"), (prog.loop, "loop")):
        with pytest.raises(TypeError) as info:
            call(n=1)
        assert str(info.value) == (
            f"{what} needs a home: pass an rx.Home, as p.{what}(rx.Home(path), …) or "
            f"p.{what}(home=rx.Home(path), …)"
        )
        with pytest.raises(TypeError, match=f"^{what} needs a home: an rx.Home, not builtins.int$"):
            call(3, n=1)
    clash = rx.assemble("gene clash(home: u64) { home += 1 }")
    with pytest.raises(TypeError) as info:
        clash.plan(home=1)
    assert "by position, as p.plan(rx.Home(path), …): the gene's `home` is its parameter" in str(info.value)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_stops_a_loop(tmp_path: Path) -> None:
    # Each cycle ran on a fresh engine inside rdx-core, which no signal reached: a loop of a
    # gene that never ends (here a step limit far beyond any test) took Ctrl-C for nothing.
    child = textwrap.dedent(
        f"""
        import sys, redoxa as rx
        prog = rx.assemble("gene f(i: u64) {{ from i == 0 do {{ i += 2 }} until i == 1 }}")
        prog.max_steps = 10**15
        try:
            print("running", flush=True)
            prog.loop(rx.Home({str(tmp_path)!r}), 3, i=0)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "running\n"
        time.sleep(0.5)  # into the first cycle's run
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=120)  # a safety net for the hang this test is about
    finally:
        proc.kill()
    assert (proc.returncode, out) == (3, "interrupted\n")
    assert rx.Home(tmp_path).log(dataframe=False) == [], "an interrupted run is not recorded"


def test_python_m_redoxa_says_what_is_wrong_in_one_line(tmp_path: Path, capsys: Any) -> None:
    from redoxa.__main__ import main

    assert main(["plan", str(tmp_path / "missing.py")]) == 2
    err = capsys.readouterr().err
    missing = str(tmp_path / "missing.py")
    assert err == f"python -m redoxa: can't open file {missing!r}: No such file or directory\n"
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    not_a_home = tmp_path / "file"
    not_a_home.write_text("x")
    assert main(["run", str(script), "--home", str(not_a_home)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("python -m redoxa: error: ") and err.count("\n") == 1, err
    # A script that raises: its own traceback (no redoxa or runpy frame), then exit 1 for run;
    # the runs it made until then are kept, and hint/plan/loop look at them.
    raises = tmp_path / "raises.py"
    raises.write_text(SCRIPT + "raise ValueError('late')\n")
    home = tmp_path / "home"
    assert main(["run", str(raises), "--home", str(home)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):\n") and "ValueError: late" in err, err
    assert "runpy" not in err and "__main__.py" not in err, err
    assert len(rx.Home(home).log(dataframe=False)) == 3
    assert main(["plan", str(raises), "--home", str(home)]) == 0
    captured = capsys.readouterr()
    assert "raised ValueError; its runs until then follow" in captured.err
    assert "count(n=5): reuse a recorded output" in captured.out, captured


def test_python_m_redoxa_passes_the_scripts_arguments(tmp_path: Path, capsys: Any) -> None:
    from redoxa.__main__ import main

    script = tmp_path / "args.py"
    script.write_text("import sys\nprint(sys.argv[1:])\n")
    before = list(sys.argv)
    argv = ["run", str(script), "extra", "--size", "8", "--home", str(tmp_path / "h"), "--", "--home", "x"]
    assert main(argv) == 0
    assert capsys.readouterr().out == "['extra', '--size', '8', '--home', 'x']\n"
    assert sys.argv == before


def test_a_cold_start_plan_says_the_run_starts_on_the_interpreter(tmp_path: Path) -> None:
    # As `rdx plan --json`: the static rule picks the JIT for a gene that loops, but the run
    # starts on the interpreter and moves to the JIT only past its step budget.
    plan = tally(3).plan(rx.Home(tmp_path), n=5)
    assert plan["cold"] is True
    assert (plan["backend"], plan["tiered"]) == ("interp", True), plan
