"""rx.Home: the store and the ledger from Python; runs recorded with record=."""

from __future__ import annotations

from pathlib import Path

import pytest
import redoxa as rx
from genes import fib


FIELDS = (
    "id started ended program entry direction backend backend_reason input output tape "
    "erased_bits landauer_joules instructions wall_ns outcome code message rdx_version host "
    "parent kernels flags prev hash"
).split()


def test_put_and_get_round_trip(tmp_path: Path) -> None:
    home = rx.Home(tmp_path)
    assert home.path == str(tmp_path)
    small, big = b"hello", bytes(range(256)) * 40
    for data in (small, big, b""):
        cid = home.put(data)
        assert len(cid) == 64 and all(c in "0123456789abcdef" for c in cid)
        assert home.get(cid) == data
        assert home.get(cid[:8].upper()) == data
        assert home.put(data) == cid
    assert home.get(home.put(bytearray(b"ab"))) == b"ab"
    # bytes(5) is five zero bytes and bytes([1, 2]) a list's: refused, not stored.
    for bad in (5, [1, 2], "text"):
        with pytest.raises(TypeError, match="put takes bytes"):
            home.put(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["xyz", "abc", "0" * 64, "g" * 64])
def test_bad_and_missing_cids_raise_store_error(tmp_path: Path, bad: str) -> None:
    home = rx.Home(tmp_path)
    with pytest.raises(rx.StoreError):
        home.get(bad)


def test_a_recorded_run_names_its_program_and_states(tmp_path: Path) -> None:
    home = rx.Home(tmp_path)
    prog = fib.compile()
    out = prog.run(n=10, record=home)
    assert prog.last_record == 1
    assert out == prog.run(n=10), "recording changes no result"
    assert prog.last_record is None
    back = prog.reverse(record=home, **out)
    assert back == {"n": 10, "x1": 0, "x2": 0}
    assert prog.last_record == 2
    log = home.log(dataframe=False)
    assert [r["id"] for r in log] == [2, 1]
    assert list(log[0]) == FIELDS
    fwd, bwd = log[1], log[0]
    assert (fwd["direction"], bwd["direction"]) == ("forward", "backward")
    assert fwd["program"] == prog.cid == bwd["program"]
    assert home.get(fwd["input"]) == b'{"n":10,"x1":0,"x2":0}'
    assert fwd["output"] == bwd["input"] and bwd["output"] == fwd["input"]
    assert bwd["prev"] == fwd["hash"]
    assert home.get(prog.cid) == prog.to_bytes()
    assert home.log(1, dataframe=False) == log[:1]


def test_failed_runs_are_recorded_and_still_raise(tmp_path: Path) -> None:
    home = rx.Home(tmp_path)
    prog = fib.compile()
    with pytest.raises(rx.RunError) as info:
        prog.reverse(x1=5, x2=3, record=home)
    assert info.value.record == 1 == prog.last_record
    (rec,) = home.log(dataframe=False)
    assert rec["outcome"] == "error" and rec["code"].startswith("R") and rec["output"] is None


def test_record_is_a_parameter_when_the_gene_has_one(tmp_path: Path) -> None:
    prog = rx.assemble("gene g(record: u64) { record += 1 }")
    assert prog.run(record=4) == {"record": 5}
    assert prog.last_record is None


def test_record_takes_only_homes_and_bools() -> None:
    with pytest.raises(TypeError):
        fib.compile().run(n=1, record="yes")


def test_experiment_records_every_run_in_batches(tmp_path: Path) -> None:
    home = rx.Home(tmp_path, batch_size=7)
    inputs = [{"n": k} for k in range(20)]
    rx.experiment(fib, inputs=inputs, dataframe=False, record=home)
    assert home.pending == 0
    log = home.log(dataframe=False)
    assert len(log) == 40, "forward and backward of each input"
    assert sorted(r["direction"] for r in log).count("forward") == 20
    for r in log:
        assert r["outcome"] == "ok"
        assert r["parent"] is None


def test_deferred_records_wait_for_a_full_batch(tmp_path: Path) -> None:
    home = rx.Home(tmp_path, batch_size=10)
    prog = fib.compile()
    for k in range(25):
        prog._call({"n": k}, False, "interp", home, defer=True)
    assert home.pending == 5, "two batches of 10 written, 5 waiting"
    assert home.flush() == 5
    assert len(home.log(dataframe=False)) == 25
    with home:
        prog._call({"n": 1}, False, "interp", home, defer=True)
    assert home.pending == 0


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc")
def test_a_dropped_home_writes_what_waits_and_lets_its_files_go(tmp_path: Path) -> None:
    import gc

    prog = fib.compile()
    home = rx.Home(tmp_path, batch_size=10)
    prog._call({"n": 3}, False, "interp", home, defer=True)
    assert home.pending == 1
    del home
    gc.collect()
    assert len(rx.Home(tmp_path).log(dataframe=False)) == 1, "the waiting record was written"
    gc.collect()
    open_files = lambda: len(list(Path("/proc/self/fd").iterdir()))  # noqa: E731
    before = open_files()
    for n in range(40):
        prog.run(n=n, record=rx.Home(tmp_path))
    gc.collect()
    # Each home held its ledger open until the process ended (two files each).
    assert open_files() - before < 10, (before, open_files())


def test_log_is_a_dataframe_with_pandas(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    home = rx.Home(tmp_path)
    fib.compile().run(n=3, record=home)
    df = home.log()
    assert isinstance(df, pd.DataFrame) and list(df.columns) == FIELDS and len(df) == 1


def test_a_ledger_of_garbage_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "ledger.sqlite").write_bytes(bytes(range(256)) * 100)
    with pytest.raises(rx.StoreError):
        rx.Home(tmp_path).log()


def test_home_options_are_checked_by_name(tmp_path: Path) -> None:
    # `batch_size=None` and `log('3')` failed on "'<' not supported", `log(True)` was one
    # record, and a batch size past 2**64 an OverflowError from the native side.
    for bad in (None, "5", 1.5, True):
        with pytest.raises(TypeError, match="batch_size must be an int"):
            rx.Home(tmp_path, batch_size=bad)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        rx.Home(tmp_path, batch_size=0)
    home = rx.Home(tmp_path, batch_size=2**70)
    rx.assemble("gene f(x: u64) { x += 1 }").run(x=1, record=home)
    for bad in ("3", True, 1.5):
        with pytest.raises(TypeError, match="n must be an int"):
            home.log(bad)
    with pytest.raises(ValueError, match="n must be at least 0"):
        home.log(-1)
    assert len(home.log(2**70, dataframe=False)) == 1
