"""``python -m redoxa run|hint|plan|loop|status``: a script's genes through rdx-core's planner.

    python -m redoxa run SCRIPT [--no-ce1] [--home DIR]   run SCRIPT; every gene run goes
        through the planner (backend "auto") and is recorded in the home's ledger with its
        decision; --no-ce1 (alias --no-plan) applies the static rule instead
    python -m redoxa hint SCRIPT [--home DIR]   run SCRIPT unrecorded on the interpreter to see
        which genes it runs on which inputs, then print the planner's prediction for each
    python -m redoxa plan SCRIPT [--home DIR]   the same, with the action and why
    python -m redoxa loop SCRIPT [-n K] [--seed S] [--json] [--home DIR]   the same, then K
        cycles of `rdx loop` for each gene run: measure the ledger, pick an engine by
        information-directed sampling, record the decision, run and record; one line per cycle (arm, time,
        regret estimate, confidence), or one JSON object per line with --json
    python -m redoxa status [--home DIR]        the planner's contexts (`rdx status --json`)

The home is --home, else $RDX_HOME, else ~/.rdx, as for `rdx`. Arguments that are not
redoxa's, and every argument after `--`, go to the script, which sees them in sys.argv
(`python -m redoxa run script.py --size 8 -- --home x`: the script gets `--size 8 --home x`).
A script that raises prints its traceback; `run` then exits with 1, and hint, plan and loop
go on with the runs it made until then, as after a sys.exit().
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import sys
import traceback
from typing import Any, Dict, List, Optional, Tuple

from . import _program
from ._home import Home
from .errors import RdxError

_PROG = "python -m redoxa"


class _ScriptFailed(Exception):
    """The script raised (its traceback is printed already): `run` exits with 1."""


def _ns(ns: float) -> str:
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.0f} ns"


def _run_script(
    script: str, argv: List[str], session: _program._Session, *, past_exit: bool = False
) -> None:
    """Runs ``script`` with ``sys.argv`` ``[script, *argv]`` in ``session``. With ``past_exit``
    (hint, plan, loop: the runs it made are what is looked at), a ``sys.exit()`` or an
    exception in the script ends the script, not the command; otherwise an exception raises
    ``_ScriptFailed`` once its traceback is printed."""
    _program._SESSION = session
    saved = sys.argv
    sys.argv = [script, *argv]
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        if not past_exit:
            raise
        if e.code not in (None, 0):
            print(f"{_PROG}: {script} exited with {e.code!r}; its runs until then follow", file=sys.stderr)
    except Exception as e:
        _print_script_traceback(script, e)
        if not past_exit:
            raise _ScriptFailed() from None
        print(f"{_PROG}: {script} raised {type(e).__name__}; its runs until then follow", file=sys.stderr)
    finally:
        sys.argv = saved
        _program._SESSION = None


def _print_script_traceback(script: str, e: BaseException) -> None:
    """The traceback Python prints for ``python SCRIPT``: from the script's frame on, without
    redoxa's and runpy's frames above it."""
    tb = e.__traceback__
    path = os.path.abspath(script)
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != path:
        tb = tb.tb_next
    traceback.print_exception(type(e), e, tb if tb is not None else e.__traceback__, file=sys.stderr)


def main(argv: Optional[List[str]] = None) -> int:
    try:
        return _main(sys.argv[1:] if argv is None else list(argv))
    except _ScriptFailed:
        return 1
    except (RdxError, OSError) as e:
        # A home that cannot be opened or read, a ledger that is not one: one line, as `rdx`.
        print(f"{_PROG}: error: {e}", file=sys.stderr)
        return 1


def _main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog=_PROG, description=__doc__.split("\n\n")[0], allow_abbrev=False)
    ap.add_argument("command", choices=["run", "hint", "plan", "loop", "status"])
    ap.add_argument("script", nargs="?")
    ap.add_argument("--no-ce1", "--no-plan", dest="no_plan", action="store_true",
                    help="run: the static rule, not the planner")
    ap.add_argument("--home", help="the home (default: $RDX_HOME, else ~/.rdx)")
    ap.add_argument("-n", type=int, default=10, metavar="K", help="loop: cycles per gene run (default 10)")
    ap.add_argument("--seed", type=int, default=1, metavar="S", help="loop: the seed of the sampling")
    ap.add_argument("--json", action="store_true", help="loop: one JSON object per cycle")
    # The script's own arguments: what redoxa does not know, and everything after `--`.
    cut = argv.index("--") if "--" in argv else len(argv)
    # (Intermixed: `loop -n 4 SCRIPT` takes SCRIPT as the script, not as one of its arguments.)
    args, script_argv = ap.parse_known_intermixed_args(argv[:cut])
    script_argv += argv[cut + 1 :]
    if args.n < 1:
        ap.error("-n must be at least 1")
    if not 0 <= args.seed < 1 << 64:
        ap.error("--seed must be in 0..=2**64-1")
    if args.command == "status" and script_argv:
        ap.error(f"unrecognized arguments: {' '.join(script_argv)}")
    if args.command != "status":
        if not args.script:
            ap.error(f"{args.command} needs a SCRIPT")
        if not os.path.isfile(args.script):
            # As `python SCRIPT` says it.
            what = "No such file or directory" if not os.path.exists(args.script) else "Not a file"
            print(f"{_PROG}: can't open file {os.path.abspath(args.script)!r}: {what}", file=sys.stderr)
            return 2
    home = Home(args.home)
    if args.command == "status":
        print(json.dumps(json.loads(home._native.status_json()), indent=1))
        return 0
    if args.command == "run":
        _run_script(args.script, script_argv, _program._Session("static" if args.no_plan else "auto", home))
        return 0
    session = _program._Session("interp", None)
    _run_script(args.script, script_argv, session, past_exit=True)
    seen: Dict[Tuple[str, str, bool], Tuple[Any, Dict[str, Any], bool]] = {}
    for prog, values, reverse in session.runs:
        seen.setdefault((prog.cid, json.dumps(values, sort_keys=True, default=str), reverse), (prog, values, reverse))
    for prog, values, reverse in seen.values():
        call = f"{prog.entry}({', '.join(f'{k}={v}' for k, v in values.items())}){' reversed' if reverse else ''}"
        if args.command == "loop":
            if not args.json:
                print(call)
            # The options by position: a gene parameter may be named `cycles` or `reverse`.
            for line in prog.loop(home, args.n, args.seed, reverse, **values):
                if args.json:
                    print(json.dumps({"call": call, **line}))
                    continue
                outcome = "" if line["outcome"] == "ok" else f"  {line['outcome']}"
                print(f"  cycle {line['cycle']:>3}  {line['arm']:<6}  {_ns(line['wall_ns']):>10}  "
                      f"regret ~{_ns(line['regret_ns']):>10}  confidence {line['confidence']:.2f}  "
                      f"run {line['run']}{outcome}")
            continue
        p = prog.plan(home, reverse, **values)
        if args.command == "plan":
            action = "reuse a recorded output" if p["reuse"] else f"run on {p['backend']}"
            print(f"{call}: {action}\n  why: {p['why']}")
        else:
            print(f"{call}: confidence {p['confidence']:.2f}{' (cold start)' if p['cold'] else ''}")
            for a in p["arms"]:
                lo, hi = a["interval_ns"]
                print(f"  {a['arm']:<7}{a['runs']:>5} runs  {_ns(a['predicted_ns']):>10}  "
                      f"[{_ns(lo)}, {_ns(hi)}]  P(fastest) {a['p_fastest']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
