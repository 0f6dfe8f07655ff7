"""Random genes: sequences of reversible statements written in Python go forward and come back.

Each gene is generated as Python source (updates, mirror opcodes, swaps, rotations, negations,
nested if/fi with a branch-preserving assertion, locals), written to a file, translated,
checked and assembled; running it backward from its forward result must give the input back.
"""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from typing import List

import redoxa as rx

M64 = (1 << 64) - 1
SCALARS = ["a", "b", "c", "d"]


def operand(r: random.Random, avoid: str) -> str:
    choices = [v for v in SCALARS if v != avoid] + [str(r.getrandbits(r.choice([3, 16, 64])))]
    choices.append(f"xs[{r.randint(0, 3)}]")
    return r.choice(choices)


def expr(r: random.Random, avoid: str, depth: int = 2) -> str:
    if depth == 0 or r.random() < 0.4:
        return operand(r, avoid)
    op = r.choice(["+", "-", "*", "&", "|", "^", "<<", ">>"])
    right = str(r.randint(0, 63)) if op in ("<<", ">>") else expr(r, avoid, depth - 1)
    return f"({expr(r, avoid, depth - 1)} {op} {right})"


def statements(r: random.Random, n: int, indent: str, depth: int, targets: List[str]) -> List[str]:
    """``n`` statements that change only the scalars in ``targets`` (and ``xs``)."""
    out: List[str] = []
    for _ in range(n):
        t = r.choice(targets)
        kind = r.randint(0, 11)
        if kind <= 2:
            out.append(f"{indent}{t} {r.choice(['+=', '-=', '^='])} {expr(r, t)}")
        elif kind == 3:
            out.append(f"{indent}{t} *= {r.getrandbits(63) * 2 + 1}")
        elif kind == 4:
            out.append(f"{indent}{t} ^= {t} {r.choice(['<<', '>>'])} {r.randint(1, 63)}")
        elif kind == 5:
            out.append(f"{indent}{t} = rx.{r.choice(['rotl', 'rotr'])}({t}, {expr(r, t, 1)})")
        elif kind == 6:
            out.append(f"{indent}{t} = {r.choice(['-', '~'])}{t}")
        elif kind == 7:
            u = r.choice([v for v in targets if v != t] or [t])
            if u == t:
                continue
            out.append(f"{indent}{t}, {u} = {u}, {t}")
        elif kind == 8:
            i, j = r.sample(range(4), 2)
            out.append(f"{indent}xs[{i}] += xs[{j}] ^ {r.choice(SCALARS)}")
        elif kind == 9 and depth < 2:
            # The condition reads only a variable the branches leave alone, so `fi` repeats it.
            keep = r.choice(targets)
            inner = [v for v in targets if v != keep]
            if not inner:
                continue
            cond = f"{keep} & {r.randint(1, 255)} > {r.randint(0, 100)}"
            out.append(f"{indent}if {cond}:")
            out.extend(statements(r, 2, indent + "    ", depth + 1, inner) or [f"{indent}    pass"])
            out.append(f"{indent}else:")
            out.extend(statements(r, 2, indent + "    ", depth + 1, inner) or [f"{indent}    pass"])
            out.append(f"{indent}rx.fi({cond})")
        elif kind == 10:
            name = f"t{r.randint(0, 10**9)}"
            init = expr(r, t, 1)
            out.append(f"{indent}{name} = rx.local(rx.u64, {init})")
            out.append(f"{indent}{t} += {name}")
            out.append(f"{indent}rx.delocal({name}, {init})")
        else:
            out.append(f"{indent}pass")
    return out


def test_random_genes_reverse_to_their_input(tmp_path: Path) -> None:
    r = random.Random(7)
    genes = []
    lines = ["import redoxa as rx", ""]
    for g in range(30):
        body = statements(r, 25, "    ", 0, SCALARS)
        lines += [
            "",
            "@rx.gene",
            f"def g{g}(a: rx.u64, b: rx.u64, c: rx.u64, d: rx.u64, xs: rx.array(rx.u64, 4)):",
        ]
        lines += body
        genes.append(f"g{g}")
    path = tmp_path / "random_genes.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location("random_genes", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name in genes:
        prog = getattr(mod, name).compile()
        assert prog.check().ok
        for _ in range(10):
            state = {v: r.choice([0, 1, M64, r.getrandbits(64)]) for v in SCALARS}
            state["xs"] = [r.getrandbits(64) for _ in range(4)]
            out = prog.run(**state)
            assert prog.reverse(**out) == state, (name, state)
            for backend in rx.backends():  # every engine agrees with the interpreter
                assert prog.run(backend=backend, **state) == out, (name, backend, state)
                assert prog.reverse(backend=backend, **out) == state, (name, backend, state)
