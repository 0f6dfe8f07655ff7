#!/usr/bin/env python3
"""The planner against fixed policies, measured (not part of .ci/run).

    python3 -m venv .venv && .venv/bin/pip install matplotlib
    cargo build            # or --release, then pass --rdx target/release/rdx
    .venv/bin/python benches/planner/bench.py [--rdx target/debug/rdx] [--runs 300] [--seed 1] [--rules ids,thompson]

Workloads: program/input pairs whose best arm differs (short runs where the JIT's compile time
loses, long runs where the JIT wins). Arms: interp and jit here, and interp and jit on a peer
(`rdx serve --delay-ms D` on loopback: a peer with added latency).

For each of N draws (pairs in random order):
  * the planner acts: `rdx hint --json` (its prediction, for calibration), then `rdx loop -n 1`
    (measure the ledger, pick an arm by information-directed sampling, run it, record run and
    decision) in the planner's own home; its time is what loop reports (for the peer: the wait,
    pushing and network included);
  * the earlier rule acts too, in a home of its own: `rdx loop -n 1 --rule thompson` (Thompson
    sampling), so both rules meet the same draws under the same load (with --rules ids, only
    the planner);
  * every arm is also run once, live, in a separate home (same draw, so all policies see the
    same machine state): always-interp, always-JIT, the static rule (JIT when a gene loops or
    recurses), epsilon-greedy (epsilon 0.1, over the four arms, per pair) and the oracle (the
    arm with the least median time per pair, from all draws) take their times from these runs,
    and so does the planner ("planner": the time of the arm it picked, in these same-draw runs;
    "planner, own runs": the times its own runs took, a second, noisier stream).

Writes table.md, results.json and PNG plots (cumulative regret, total time, confidence and
calibration over cycles) into --out.
"""

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (label, file, entry, sets, static rule picks jit)
PAIRS = [
    ("fib n=5", "stdlib/fib.rdx", "fib", ["n=5"], True),
    ("fib n=20", "stdlib/fib.rdx", "fib", ["n=20"], True),
    ("fib_loop n=10", "stdlib/fib_loop.rdx", "fib_loop", ["n=10"], True),
    ("fib_loop n=90", "stdlib/fib_loop.rdx", "fib_loop", ["n=90"], True),
    ("xorshift64", "stdlib/xorshift.rdx", "xorshift64", ["x=88172645463325252"], False),
    ("fmix64", "stdlib/hash.rdx", "fmix64", ["k=1"], False),
    ("collatz n=27", "stdlib/collatz.rdx", "collatz", ["n=27"], True),
    ("sum_to n=1e3", "stdlib/sum.rdx", "sum_to", ["n=1000"], True),
    ("sum_to n=1e5", "stdlib/sum.rdx", "sum_to", ["n=100000"], True),
    ("sum_to n=1e6", "stdlib/sum.rdx", "sum_to", ["n=1000000"], True),
    ("sum_to n=2e6", "stdlib/sum.rdx", "sum_to", ["n=2000000"], True),
    ("sum_to n=4e6", "stdlib/sum.rdx", "sum_to", ["n=4000000"], True),
]

ARMS = ["interp", "jit", "peer", "peer-jit"]


def target(pair):
    _, file, entry, sets, _ = pair
    args = [file, "--entry", entry]
    for s in sets:
        args += ["--set", s]
    return args


class Rdx:
    def __init__(self, exe, home):
        self.exe, self.home = exe, home

    def __call__(self, *args, check=True):
        out = subprocess.run([self.exe, "--home", self.home, *args], cwd=ROOT, capture_output=True, text=True)
        if check and out.returncode != 0:
            sys.exit(f"rdx {' '.join(args)} failed: {out.stderr}")
        return out.stdout

    def last(self, kind):
        db = sqlite3.connect(os.path.join(self.home, "ledger.sqlite"))
        try:
            row = db.execute("SELECT body FROM records WHERE kind = ? ORDER BY id DESC LIMIT 1", (kind,)).fetchone()
        finally:
            db.close()
        return json.loads(row[0])


def serve(exe, home, delay_ms):
    proc = subprocess.Popen(
        [exe, "--home", home, "serve", "--addr", "127.0.0.1:0", "--delay-ms", str(delay_ms)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("listening on "), line
    return proc, line[len("listening on "):]


def arm_of(line):
    """The bench's name of the arm a `rdx loop --json` line ran on."""
    return line["arm"] if line["where"] == "local" else {"interp": "peer", "jit": "peer-jit"}[line["arm"]]


def measure(rdx, pair, arm):
    """One live run of `arm` on `pair` in the measuring home: its time in ns."""
    if arm in ("peer", "peer-jit"):
        rdx("run", "--on", "far", "--backend", "jit" if arm == "peer-jit" else "interp", *target(pair))
        return rdx.last("probe")["samples_ns"][0]
    rdx("run", "--backend", arm, *target(pair))
    return rdx.last("run")["wall_ns"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rdx", default=os.path.join(ROOT, "target/debug/rdx"))
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--delay-ms", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=50, help="draws left out of the totals")
    ap.add_argument("--out", default=os.path.join(ROOT, "benches/planner/out"))
    ap.add_argument("--rules", default="ids,thompson",
                    help="loop's rules: the first is the planner's, the others run beside it in homes of their own")
    ap.add_argument("--report", metavar="RESULTS_JSON", help="only report (table, plots) on an earlier run")
    args = ap.parse_args()
    if args.report:
        with open(args.report) as f:
            os.makedirs(args.out, exist_ok=True)
            report(json.load(f)["rows"], args)
        return
    exe = os.path.abspath(args.rdx)
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="rdx-bench-planner-")
    server = None
    try:
        server, url = serve(exe, os.path.join(tmp, "peer"), args.delay_ms)
        rules = args.rules.split(",")
        planners = {rule: Rdx(exe, os.path.join(tmp, f"planner-{rule}")) for rule in rules}
        planner = planners[rules[0]]
        meter = Rdx(exe, os.path.join(tmp, "meter"))
        for r in (*planners.values(), meter):
            r("peer", "add", "far", url)
        rng = random.Random(args.seed)
        order = random.Random(args.seed + 13)
        draws = [rng.randrange(len(PAIRS)) for _ in range(args.runs)]
        rows = []
        started = time.time()
        for i, p in enumerate(draws):
            pair = PAIRS[p]
            hint = json.loads(planner("hint", "--json", *target(pair)))
            lines = {}
            for rule in order.sample(rules, len(rules)):
                seed = str(args.seed * 100000 + i)
                lines[rule] = json.loads(planners[rule](
                    "loop", "-n", "1", "--seed", seed, "--rule", rule, "--json", *target(pair)))
            line = lines[rules[0]]
            view = next(a for a in hint["arms"] if a["arm"] == line["arm"] and a["where"] == line["where"])
            low, high = (x if x is not None else float("inf") for x in view["interval_ns"])  # null: overflowed
            inside = low <= line["wall_ns"] <= high
            times = {a: measure(meter, pair, a) for a in rng.sample(ARMS, len(ARMS))}
            rows.append({
                "draw": i, "pair": p, "planner_arm": arm_of(line), "planner_ns": line["wall_ns"],
                "confidence": line["confidence"], "in_interval": inside, "times": times,
                "rules": {rule: {"arm": arm_of(lines[rule]), "ns": lines[rule]["wall_ns"]} for rule in rules[1:]},
            })
            if (i + 1) % 25 == 0:
                print(f"{i + 1}/{len(draws)} draws, {time.time() - started:.0f} s", file=sys.stderr)
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    report(rows, args)


def report(rows, args):
    n_pairs = len(PAIRS)
    med = {(p, a): statistics.median([r["times"][a] for r in rows if r["pair"] == p] or [0]) for p in range(n_pairs) for a in ARMS}
    best = {p: min(ARMS, key=lambda a: med[(p, a)]) for p in range(n_pairs)}
    # epsilon-greedy over the measured same-draw times, per pair
    erng = random.Random(args.seed + 7)
    seen = {}
    eps_ns = []
    for r in rows:
        stats = seen.setdefault(r["pair"], {a: [] for a in ARMS})
        untried = [a for a in ARMS if not stats[a]]
        if untried:
            a = untried[0]
        elif erng.random() < 0.1:
            a = erng.choice(ARMS)
        else:
            a = min(ARMS, key=lambda a: statistics.fmean(stats[a]))
        stats[a].append(r["times"][a])
        eps_ns.append(r["times"][a])
    policies = {
        "oracle": [r["times"][best[r["pair"]]] for r in rows],
        "planner": [r["times"][r["planner_arm"]] for r in rows],
        "planner, own runs": [r["planner_ns"] for r in rows],
        **{f"loop --rule {rule}": [r["times"][r["rules"][rule]["arm"]] for r in rows]
           for rule in rows[0].get("rules", {})},
        "always-interp": [r["times"]["interp"] for r in rows],
        "always-JIT": [r["times"]["jit"] for r in rows],
        "static rule": [r["times"]["jit" if PAIRS[r["pair"]][4] else "interp"] for r in rows],
        "epsilon-greedy": eps_ns,
    }
    others = list(rows[0].get("rules", {}))
    w = args.warmup
    oracle_after = sum(policies["oracle"][w:])
    lines = [
        f"{len(rows)} draws over {n_pairs} program/input pairs, seed {args.seed}, peer delay "
        f"{args.delay_ms} ms per answer; totals over draws {w + 1}..{len(rows)}; the planner is "
        f"`rdx loop --rule {args.rules.split(',')[0]}`",
        "",
        "| policy | total after warm-up (s) | × oracle | total, all draws (s) |",
        "|---|---|---|---|",
    ]
    for name, ns in policies.items():
        after = sum(ns[w:])
        lines.append(f"| {name} | {after / 1e9:.3f} | {after / oracle_after:.2f} | {sum(ns) / 1e9:.3f} |")
    calib_all = sum(r["in_interval"] for r in rows) / len(rows)
    calib_after = sum(r["in_interval"] for r in rows[w:]) / max(1, len(rows) - w)
    lines += [
        "",
        f"hint's 90% interval held the measured time in {calib_after:.1%} of draws after warm-up "
        f"({calib_all:.1%} of all draws)",
        "",
        "| pair | best arm (median) | " + " | ".join(ARMS) + " | planner's picks after warm-up |"
        + "".join(f" --rule {rule}'s picks |" for rule in others),
        "|---|---|" + "---|" * len(ARMS) + "---|" * (1 + len(others)),
    ]

    def counts(picks):
        return ", ".join(f"{a} {picks.count(a)}" for a in ARMS if picks.count(a))

    for p in range(n_pairs):
        mine = [r for r in rows[w:] if r["pair"] == p]
        lines.append(
            f"| {PAIRS[p][0]} | {best[p]} | " + " | ".join(f"{med[(p, a)] / 1e6:.3f} ms" for a in ARMS)
            + f" | {counts([r['planner_arm'] for r in mine])} |"
            + "".join(f" {counts([r['rules'][rule]['arm'] for r in mine])} |" for rule in others)
        )
    table = "\n".join(lines) + "\n"
    print(table)
    with open(os.path.join(args.out, "table.md"), "w") as f:
        f.write(table)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"rows": rows, "pairs": [p[0] for p in PAIRS], "best": best}, f)
    plot(rows, policies, args)


def plot(rows, policies, args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    oracle = policies["oracle"]
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, ns in policies.items():
        if name in ("oracle", "planner, own runs"):
            continue
        acc, total = [], 0.0
        for x, o in zip(ns, oracle):
            total += (x - o) / 1e9
            acc.append(total)
        ax.plot(range(1, len(acc) + 1), acc, label=name)
    ax.axvline(args.warmup, color="grey", linestyle=":", label="warm-up")
    ax.set_xlabel("draw")
    ax.set_ylabel("cumulative regret against the oracle (s)")
    ax.set_title("The planner against fixed policies")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "regret.png"), dpi=110)

    fig, ax = plt.subplots(figsize=(8, 4))
    names = list(policies)
    ax.bar(names, [sum(policies[n][args.warmup:]) / 1e9 for n in names])
    ax.axhline(1.1 * sum(policies["oracle"][args.warmup:]) / 1e9, color="grey", linestyle=":", label="1.1 × oracle")
    ax.legend()
    ax.set_ylabel(f"total time after draw {args.warmup} (s)")
    plt.setp(ax.get_xticklabels(), rotation=20)
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "totals.png"), dpi=110)

    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot([r["confidence"] for r in rows], ".", markersize=3, label="confidence before the pick")
    k = 25
    hits = [r["in_interval"] for r in rows]
    rolling = [sum(hits[max(0, i - k + 1): i + 1]) / len(hits[max(0, i - k + 1): i + 1]) for i in range(len(hits))]
    ax.plot(rolling, label=f"hint's 90% interval held the time (last {k})")
    ax.axhline(0.85, color="grey", linestyle=":")
    ax.set_xlabel("draw")
    ax.set_ylim(0, 1.05)
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "confidence.png"), dpi=110)


if __name__ == "__main__":
    main()
