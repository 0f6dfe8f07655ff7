"""Overhead of the Python layer: ``prog.run`` on a one-statement gene, ``compile()`` of a
200-statement gene.

    python orchestrator/bench/bench_overhead.py [--json]

Targets (issue 6): at most 5 µs per call, at most 50 ms per compile. Prints the best of several
timing rounds (the minimum is the least noisy estimate of the cost itself); exits 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict

import redoxa as rx

CALL_TARGET_US = 5.0
COMPILE_TARGET_MS = 50.0


@rx.gene
def one(x: rx.u64):
    x += 1


def best_of(rounds: int, number: int, fn: Callable[[], Any]) -> float:
    """Best time per call in seconds over ``rounds`` rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def big_gene_module(n: int) -> Any:
    """Writes a module with one gene of ``n`` statements (a mix of every simple update) and
    imports it; genes need a source file to be translated."""
    forms = [
        "a += b + {k}",
        "b ^= a >> 3",
        "c -= a & {k}",
        "a *= {odd}",
        "b ^= b << 5",
        "c = rx.rotl(c, {r})",
        "a, b = b, a",
        "c = ~c",
    ]
    lines = ["import redoxa as rx", "", "", "@rx.gene", "def big(a: rx.u64, b: rx.u64, c: rx.u64):"]
    for k in range(n):
        form = forms[k % len(forms)]
        lines.append("    " + form.format(k=k, odd=2 * k + 1, r=k % 63 + 1))
    path = Path(tempfile.mkdtemp(prefix="rdx_bench_")) / "big_gene.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location("big_gene", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def measure() -> Dict[str, float]:
    prog = one.compile()
    assert prog.run(x=41) == {"x": 42}
    call_s = best_of(7, 20000, lambda: prog.run(x=41))
    rev_s = best_of(7, 20000, lambda: prog.reverse(x=42))
    extra = {}
    if "jit" in rx.backends():
        jit = one.compile(backend="jit")
        assert jit.run(x=41) == {"x": 42}  # compiles the module in this thread
        extra["jit_run_call_us"] = best_of(7, 20000, lambda: jit.run(x=41)) * 1e6
    big = big_gene_module(200).big
    assert big.source.count("\n") >= 200
    compile_s = best_of(5, 10, big.compile)
    translate_s = best_of(5, 10, big.translate)
    return {
        "run_call_us": call_s * 1e6,
        "reverse_call_us": rev_s * 1e6,
        "compile_200_ms": compile_s * 1e3,
        "translate_200_ms": translate_s * 1e3,
        **extra,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    r = measure()
    ok = r["run_call_us"] <= CALL_TARGET_US and r["compile_200_ms"] <= COMPILE_TARGET_MS
    if args.json:
        print(json.dumps({**r, "ok": ok}))
    else:
        print(
            f"prog.run, one-statement gene:   {r['run_call_us']:.2f} µs/call   (target ≤ {CALL_TARGET_US} µs)"
        )
        print(f"prog.reverse, same gene:        {r['reverse_call_us']:.2f} µs/call")
        if "jit_run_call_us" in r:
            print(f"prog.run on the jit backend:    {r['jit_run_call_us']:.2f} µs/call")
        print(
            f"compile(), 200-statement gene:  {r['compile_200_ms']:.2f} ms"
            f"        (target ≤ {COMPILE_TARGET_MS} ms)"
        )
        print(f"  of which translation:         {r['translate_200_ms']:.2f} ms")
        print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
