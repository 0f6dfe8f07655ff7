"""Random expressions: Python's parse tree, translated to rdx, evaluates as the tree says.
``and``/``or`` appear with truth values as operands (elsewhere as values they are refused).

Expressions are random trees printed by ``ast.unparse`` (so with Python's minimal parentheses,
where Python and C precedence differ: ``a & b == c``, ``not a == b``, ``a + b << 2``, chained
comparisons). Each becomes ``r[k] += <expr>`` in one generated gene; the VM's result must equal
an evaluation of the same tree with rdx's 64-bit semantics. A tree where a constant part with a
negative Python value (or one past 64 bits) is compared, divided or shifted right (``~0 >> 46``:
Python's -1 >> 46 is -1, rdx's unsigned word gives 2**18 - 1) is refused by the translator, so
none is generated here (``test_signs.py`` tests those).
"""

from __future__ import annotations

import ast
import importlib.util
import operator
import random
from pathlib import Path
from typing import Dict, List, Optional

import redoxa as rx

M64 = (1 << 64) - 1
VARS = ["a", "b", "c"]


def rand_expr(r: random.Random, depth: int) -> ast.expr:
    if depth <= 0 or r.random() < 0.2:
        if r.random() < 0.6:
            return ast.Name(id=r.choice(VARS), ctx=ast.Load())
        return ast.Constant(value=r.choice([0, 1, 2, 3, 7, 255, M64, 1 << 63, r.getrandbits(64)]))
    kind = r.choice(["bin", "bin", "bin", "shift", "div", "unary", "cmp", "bool"])
    sub = lambda: rand_expr(r, depth - 1)  # noqa: E731
    if kind == "bin":
        op = r.choice([ast.Add(), ast.Sub(), ast.Mult(), ast.BitAnd(), ast.BitOr(), ast.BitXor()])
        return ast.BinOp(left=sub(), op=op, right=sub())
    if kind == "shift":
        op = r.choice([ast.LShift(), ast.RShift()])
        return ast.BinOp(left=sub(), op=op, right=ast.Constant(value=r.randint(0, 63)))
    if kind == "div":
        op = r.choice([ast.FloorDiv(), ast.Mod()])
        return ast.BinOp(left=sub(), op=op, right=ast.Constant(value=r.randint(1, 1000)))
    if kind == "unary":
        return ast.UnaryOp(op=r.choice([ast.USub(), ast.Invert(), ast.Not()]), operand=sub())
    if kind == "cmp":
        n = r.choice([1, 1, 2])
        ops = [r.choice([ast.Lt(), ast.LtE(), ast.Gt(), ast.GtE(), ast.Eq(), ast.NotEq()]) for _ in range(n)]
        return ast.Compare(left=sub(), ops=ops, comparators=[sub() for _ in range(n)])
    # As a value, `and`/`or` must be 0 or 1 in Python too (Python's `a or b` is a itself), so
    # their operands are truth values; under `not` any operand goes (only its truth counts).
    values = [truth(r, sub()) for _ in range(r.choice([2, 3]))]
    return ast.BoolOp(op=r.choice([ast.And(), ast.Or()]), values=values)


def truth(r: random.Random, e: ast.expr) -> ast.expr:
    """``e`` if it is 0 or 1 in Python already, else ``e != 0`` or ``not e``."""
    if isinstance(e, (ast.Compare, ast.BoolOp)) or isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
        return e
    if r.random() < 0.5:
        return ast.Compare(left=e, ops=[ast.NotEq()], comparators=[ast.Constant(value=0)])
    return ast.UnaryOp(op=ast.Not(), operand=e)


def constant_value(e: ast.expr) -> Optional[int]:
    """Python's value of a tree without variables, else None."""
    if isinstance(e, ast.Constant):
        return int(e.value)
    if isinstance(e, ast.UnaryOp) and not isinstance(e.op, ast.Not):
        v = constant_value(e.operand)
        return None if v is None else -v if isinstance(e.op, ast.USub) else ~v
    if isinstance(e, ast.BinOp):
        x, y = constant_value(e.left), constant_value(e.right)
        if x is None or y is None:
            return None
        return PYTHON_OPS[type(e.op)](x, y)
    return None


PYTHON_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}


def keeps_python_meaning(e: ast.expr) -> bool:
    """Whether no comparison, ``//``, ``%`` or ``>>`` in ``e`` has a constant operand outside
    0 ..= 2**64 - 1 (on unsigned words rdx reads -1 as 2**64 - 1, Python keeps -1)."""
    for node in ast.walk(e):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.FloorDiv, ast.Mod, ast.RShift)):
            operands = [node.left, node.right]
        else:
            continue
        if any((v := constant_value(x)) is not None and not 0 <= v <= M64 for x in operands):
            return False
    return True


def evaluate(e: ast.expr, env: Dict[str, int]) -> int:
    """rdx semantics on unsigned 64-bit words: wrapping arithmetic, 0/1 for truth values."""
    if isinstance(e, ast.Name):
        return env[e.id]
    if isinstance(e, ast.Constant):
        return int(e.value) & M64
    if isinstance(e, ast.BinOp):
        x, y = evaluate(e.left, env), evaluate(e.right, env)
        ops = {
            ast.Add: lambda: x + y,
            ast.Sub: lambda: x - y,
            ast.Mult: lambda: x * y,
            ast.BitAnd: lambda: x & y,
            ast.BitOr: lambda: x | y,
            ast.BitXor: lambda: x ^ y,
            ast.LShift: lambda: x << y,
            ast.RShift: lambda: x >> y,
            ast.FloorDiv: lambda: x // y,
            ast.Mod: lambda: x % y,
        }
        return ops[type(e.op)]() & M64
    if isinstance(e, ast.UnaryOp):
        x = evaluate(e.operand, env)
        if isinstance(e.op, ast.USub):
            return -x & M64
        if isinstance(e.op, ast.Invert):
            return ~x & M64
        return int(x == 0)
    if isinstance(e, ast.Compare):
        left = evaluate(e.left, env)
        for op, right_e in zip(e.ops, e.comparators):
            right = evaluate(right_e, env)
            test = {
                ast.Lt: left < right,
                ast.LtE: left <= right,
                ast.Gt: left > right,
                ast.GtE: left >= right,
                ast.Eq: left == right,
                ast.NotEq: left != right,
            }[type(op)]
            if not test:
                return 0
            left = right
        return 1
    if isinstance(e, ast.BoolOp):
        truth = [evaluate(v, env) != 0 for v in e.values]
        return int(all(truth)) if isinstance(e.op, ast.And) else int(any(truth))
    raise AssertionError(e)


def test_random_expressions_match_python_tree(tmp_path: Path) -> None:
    r = random.Random(2026)
    n = 150
    exprs: List[ast.expr] = []
    while len(exprs) < n:
        e = rand_expr(r, r.randint(1, 5))
        if keeps_python_meaning(e):
            exprs.append(e)
    lines = [
        "import redoxa as rx",
        "",
        "",
        "@rx.gene",
        f"def exprs(a: rx.u64, b: rx.u64, c: rx.u64, r: rx.array(rx.u64, {n})):",
    ]
    lines += [f"    r[{k}] += {ast.unparse(e)}" for k, e in enumerate(exprs)]
    path = tmp_path / "random_exprs.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location("random_exprs", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    prog = mod.exprs.compile()
    for k in range(20):
        backend = rx.backends()[k % len(rx.backends())]
        env = {v: r.choice([0, 1, 5, M64, 1 << 63, r.getrandbits(64), r.getrandbits(4)]) for v in VARS}
        out = prog.run(backend=backend, **env)
        for k, e in enumerate(exprs):
            assert out["r"][k] == evaluate(e, env), (ast.unparse(e), prog.source.splitlines()[k + 1], env)
        assert prog.reverse(**out) == {**env, "r": [0] * n}
