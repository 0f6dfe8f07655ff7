"""backend="auto": rdx-core's planner decides (the same as `rdx run --backend auto`), from the
ledger of the home the run is recorded in; its decision is recorded with the run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import redoxa as rx
from genes import fib


def test_auto_follows_the_static_rule_on_a_cold_start_and_names_its_decision(tmp_path: Path) -> None:
    home = rx.Home(tmp_path)
    prog = fib.compile()
    assert prog.run(n=5, backend="auto", record=home) == prog.run(n=5)
    first = home.log(dataframe=False)[0]
    assert first["backend"] == "jit", "fib recurses: the static rule compiles it"
    assert first["backend_reason"].startswith("plan (decision 1): cold start")


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
