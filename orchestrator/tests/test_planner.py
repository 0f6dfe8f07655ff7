"""backend="auto": rdx-core's planner decides (the same as `rdx run --backend auto`), from the
ledger of the home the run is recorded in; its decision is recorded with the run."""

from __future__ import annotations

from pathlib import Path

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
