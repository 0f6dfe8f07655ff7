"""rx.experiment: every input forward and back on each backend, verified and timed."""

from __future__ import annotations

import io
from typing import Any, Dict, List

import pytest
import redoxa as rx
from genes import TWINS, cases, fib
from redoxa import _experiment


def rows_of(result: Any) -> List[Dict[str, Any]]:
    if isinstance(result, list):
        return result
    return result.to_dict("records")  # pandas


def test_rows_verify_and_time_every_input() -> None:
    prog = TWINS["mix"][0].compile()
    inputs = cases("mix", 25)
    rows = rx.experiment(prog, inputs=inputs, backends=["interp"], dataframe=False)
    assert isinstance(rows, list) and len(rows) == 25
    for case, row in zip(inputs, rows):
        assert row["input"] == case
        assert row["backend"] == "interp"
        assert row["output"] == prog.run(**case)
        assert row["roundtrip"] is True
        assert row["error"] is None
        assert row["forward_s"] > 0 and row["backward_s"] > 0
        assert row["instructions"] > 0 and row["lossy_bits"] == 0
    # One backend may be named alone (it was read as the backends "i", "n", "t", …).
    alone = rx.experiment(prog, inputs=inputs[:2], backends="interp", dataframe=False)
    assert [(r["backend"], r["output"]) for r in alone] == [(r["backend"], r["output"]) for r in rows[:2]]


def test_accepts_a_gene_and_defaults_to_its_backend() -> None:
    rows = rows_of(rx.experiment(fib, inputs=[{"n": k} for k in range(10)]))
    assert [r["output"]["x2"] for r in rows] == [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]
    assert all(r["roundtrip"] and r["backend"] == "interp" for r in rows)


def test_every_backend_gets_every_input() -> None:
    backends = rx.backends()
    rows = rows_of(rx.experiment(fib, inputs=[{"n": 3}, {"n": 4}], backends=backends * 2))
    assert len(rows) == 2 * 2 * len(backends)


def test_dataframe_when_pandas_is_installed() -> None:
    result = rx.experiment(fib, inputs=[{"n": 2}])
    try:
        import pandas  # noqa: F401
    except ImportError:
        assert isinstance(result, list)
    else:  # pragma: no cover - depends on the environment
        assert list(result.columns)[:3] == ["input", "backend", "output"]


def test_run_errors_are_recorded_not_raised() -> None:
    prog = rx.assemble("gene f(x: u64, y: u64) { x += 100 / y }")
    rows = rows_of(rx.experiment(prog, inputs=[{"x": 1, "y": 5}, {"x": 1, "y": 0}], dataframe=False))
    assert rows[0]["roundtrip"] is True and rows[0]["output"] == {"x": 21, "y": 5}
    assert rows[1]["roundtrip"] is None and "division by zero" in rows[1]["error"]


def test_a_broken_round_trip_raises_or_is_reported() -> None:
    prog = TWINS["calls"][0].compile()
    real = prog._call
    # Every backward run comes back wrong.
    prog._call = lambda values, reverse, *a, **k: (  # type: ignore[method-assign]
        {"x": 0, "y": 0} if reverse else real(values, reverse, *a, **k)
    )
    inputs = [{"x": 3, "y": 4}, {"x": 0, "y": 0}]
    with pytest.raises(rx.RoundTripError, match="1 of 2 runs"):
        rx.experiment(prog, inputs=inputs)
    rows = rows_of(rx.experiment(prog, inputs=inputs, strict=False, dataframe=False))
    assert [r["roundtrip"] for r in rows] == [False, True]


def test_progress_only_for_long_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    quiet = io.StringIO()
    rx.experiment(fib, inputs=[{"n": 5}] * 5, progress=quiet)
    assert quiet.getvalue() == ""
    monkeypatch.setattr(_experiment, "PROGRESS_AFTER", 0.0)
    loud = io.StringIO()
    rx.experiment(fib, inputs=[{"n": 5}] * 5, progress=loud)
    assert "experiment: 5/5 runs" in loud.getvalue()
    assert loud.getvalue().endswith("\n")


def test_bad_arguments() -> None:
    with pytest.raises(TypeError):
        rx.experiment(42, inputs=[])
    with pytest.raises(ValueError):
        rx.experiment(fib, inputs=[{"n": 1}], repeat=0)
    with pytest.raises(rx.ValueRangeError):
        rx.experiment(fib, inputs=[{"n": -1}])
    if "jit" not in rx.backends():
        with pytest.raises(rx.BackendError):
            rx.experiment(fib, inputs=[{"n": 1}], backends=["jit"])


def test_repeat_keeps_the_best_time() -> None:
    rows = rows_of(rx.experiment(fib, inputs=[{"n": 20}], repeat=5, dataframe=False))
    assert rows[0]["roundtrip"] and rows[0]["forward_s"] > 0


def test_nan_or_inf_where_the_input_had_numbers_is_not_a_round_trip() -> None:
    # An infinity made the tolerance infinite and NaN compared False to nothing: both passed.
    same = _experiment._same_values
    inf, nan = float("inf"), float("nan")
    assert same({"z": [1.0, 2.0]}, {"z": [1.0, 2.0 + 1e-15]})
    assert not same({"z": [nan, 2.0]}, {"z": [1.0, 2.0]})
    assert not same({"z": [nan, 0.0]}, {"z": [inf, 0.0]})
    assert not same({"z": [complex(nan, nan), 0j]}, {"z": [complex(inf, 0), 0j]})
    assert not same({"z": [inf, 1.0]}, {"z": [inf, 2.0]})
    assert same({"z": [inf, nan, 1.0]}, {"z": [inf, nan, 1.0]})
    assert same({"z": [complex(1, inf)]}, {"z": [complex(1, inf)]})
    # A real run: the inverse DFT of infinities gives NaN back.
    prog = rx.assemble("gene f(z: c64[4]) { kernel fft(z) }")
    rows = rx.experiment(prog, [{"z": [inf, 0, 0, 0]}, {"z": [1, 2, 3, 4]}], strict=False, dataframe=False)
    assert [r["roundtrip"] for r in rows] == [False, True], rows
    with pytest.raises(rx.RoundTripError, match="1 of 2 runs"):
        rx.experiment(prog, [{"z": [inf, 0, 0, 0]}, {"z": [1, 2, 3, 4]}], dataframe=False)


def test_an_experiment_without_rows_keeps_its_columns() -> None:
    pd = pytest.importorskip("pandas")
    df = rx.experiment(fib, inputs=[])
    assert isinstance(df, pd.DataFrame) and list(df.columns) == list(_experiment.COLUMNS)
    assert df["roundtrip"].tolist() == []
    assert list(rx.experiment(fib, inputs=[{"n": 1}], backends=[]).columns) == list(_experiment.COLUMNS)


def test_options_are_checked_by_name() -> None:
    for repeat in (None, "2", 1.5, True):
        with pytest.raises(TypeError, match="repeat must be an int"):
            rx.experiment(fib, inputs=[{"n": 1}], repeat=repeat)
    with pytest.raises(TypeError, match="not bytes"):
        rx.experiment(fib, inputs=[{"n": 1}], backends=b"jit")
    with pytest.raises(TypeError, match="named by a str"):
        rx.experiment(fib, inputs=[{"n": 1}], backends=[None])


def test_an_input_that_does_not_fit_is_named_before_anything_runs(tmp_path) -> None:
    home = rx.Home(tmp_path)
    with pytest.raises(rx.ValueRangeError, match=r"input 1 \{'n': -5\}: n = -5 is out of range"):
        rx.experiment(fib, inputs=[{"n": 1}, {"n": -5}, {"n": 3}], record=home)
    with pytest.raises(TypeError, match=r"input 0 \{'m': 1\}: fib\(\) has no parameter 'm'"):
        rx.experiment(fib, inputs=[{"m": 1}])
    assert home.log(dataframe=False) == [], "nothing ran"


def test_an_input_that_is_not_a_mapping_is_named() -> None:
    prog = rx.assemble("gene f(x: u64) { x += 1 }")
    with pytest.raises(TypeError, match=r"^input 1 'x': each input must be a mapping of parameter values"):
        rx.experiment(prog, [{"x": 1}, "x"])
    with pytest.raises(TypeError, match=r"^input 0 5: each input must be a mapping .*not int"):
        rx.experiment(prog, [5])
    with pytest.raises(TypeError, match=r"^input 0 \('x', 1\): .*not tuple"):
        rx.experiment(prog, [("x", 1)])
    with pytest.raises(TypeError, match="wrap a single input in a list"):
        rx.experiment(prog, {"x": 1})
    with pytest.raises(TypeError, match="inputs must be a list of mappings"):
        rx.experiment(prog, 5)  # type: ignore[arg-type]
