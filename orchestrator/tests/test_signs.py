"""Signs and widths: a gene's comparisons, ``//``, ``%`` and shifts mean what Python says, or
the translator refuses them.

rdx compares, divides and shifts right on signed words when an operand is signed and on unsigned
words otherwise (a constant has no sign), and its xorshift ``>>`` is logical. Where that reading
could differ from Python's numbers (a negative constant against an unsigned operand, a ``u64``
against a signed one, a constant of 2**63 or more against a signed one, a constant past 64 bits
in a value compared, divided or shifted, ``x ^= x >> c`` on a signed ``x``, a negative shift
count) the translator raises ``rx.CompileError``. Random expressions over ``i64``, ``u64``,
``u8`` and ``i8`` check the other side: every expression it accepts computes what the README
says, Python's meaning with rdx's wrapping arithmetic (each operation wraps at its expression's
width, ``//`` and ``%`` truncate on signed values).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import random
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
import redoxa as rx

M64 = (1 << 64) - 1
NEG_SHIFT = -1
BIG = 1 << 63
PYTHON = "where Python uses the numbers themselves"


def refused(g: rx.Gene, *fragments: str) -> rx.CompileError:
    with pytest.raises(rx.CompileError) as info:
        g.compile()
    e = info.value
    assert e.lineno is not None and e.filename == __file__, e.rendered
    for f in fragments:
        assert f in e.rendered, e.rendered
    return e


# ---- the xorshift `>>` on a signed variable --------------------------------------------------


def test_a_signed_xorshift_right_is_refused() -> None:
    @rx.gene
    def wide(x: rx.i64):
        x ^= x >> 3

    @rx.gene
    def narrow(x: rx.i16):
        x ^= x >> 3

    @rx.gene
    def element(xs: rx.array(rx.i64, 2)):
        xs[1] ^= xs[1] >> 7

    refused(wide, "`x ^= x >> 3` on a signed `x` (i64)", "shifts logically", "declare `x` unsigned")
    refused(narrow, "on a signed `x` (i16)")
    refused(element, "on a signed `xs[1]` (i64)")

    # Unsigned, or shifting left, the xorshift means what Python's expression means.
    @rx.gene
    def fine(x: rx.i64, u: rx.u64, b: rx.u8):
        x ^= x << 3
        u ^= u >> 3
        b ^= b >> 3

    out = fine.compile().run(x=-1, u=M64, b=255)
    assert out == {"x": (-1 ^ (-1 << 3)), "u": M64 ^ (M64 >> 3), "b": 255 ^ (255 >> 3)}


# ---- a negative constant against an unsigned operand ----------------------------------------


def test_a_negative_constant_against_an_unsigned_operand_is_refused() -> None:
    @rx.gene
    def compare(n: rx.u64, y: rx.u64):
        if n < -1:
            y += 1
        rx.fi(y == 1)

    @rx.gene
    def divide(y: rx.u64, z: rx.u64):
        z += y // -1

    @rx.gene
    def remainder(y: rx.u8, z: rx.u64):
        z += y % -3

    @rx.gene
    def shifted(n: rx.u64, z: rx.u64):
        z += -8 >> n

    @rx.gene
    def equal(n: rx.u64, z: rx.u64):
        z += n == -1

    @rx.gene
    def constants(z: rx.u64):
        z += -7 // 2

    e = refused(compare, "`n < -1` has an unsigned operand, `n` (u64), and the negative constant -1", PYTHON)
    assert "reading -1 as 18446744073709551615" in e.rendered
    refused(divide, "`y // -1`", "divides them as unsigned 64-bit words", PYTHON)
    refused(remainder, "`y % -3`", PYTHON)
    refused(shifted, "`-8 >> n`", "shifts `-8` as an unsigned 64-bit word", PYTHON)
    refused(equal, "`n == -1`", "compares their 64-bit words", PYTHON)
    refused(constants, "`-7 // 2` has two constant operands", "module-level constant")

    # Against a signed operand a negative constant means itself.
    @rx.gene
    def signed(x: rx.i64, z: rx.u64, q: rx.i64):
        z += x < -1
        q += x // -2

    assert signed.compile().run(x=-5) == {"x": -5, "z": 1, "q": 2}  # truncating: -5 / -2 = 2


# ---- signed against unsigned -----------------------------------------------------------------


def test_mixed_signed_and_unsigned_operands_are_refused() -> None:
    @rx.gene
    def compare(x: rx.i64, n: rx.u64, y: rx.u64):
        if x < n:
            y += 1
        rx.fi(y == 1)

    @rx.gene
    def divide(u: rx.u64, i: rx.i64, z: rx.u64):
        z += u // i

    @rx.gene
    def shift(u: rx.u64, i: rx.i64, z: rx.u64):
        z += u >> i

    @rx.gene
    def element(xs: rx.array(rx.u64, 2), i: rx.i64, z: rx.u64):
        z += xs[1] == i

    @rx.gene
    def big_constant(i: rx.i64, z: rx.u64):
        z += i < BIG

    e = refused(compare, "`x < n` mixes an unsigned operand, `n` (u64), with a signed one, `x` (i64)")
    assert "compares them as signed 64-bit words" in e.rendered and "rx.local(rx.i64, n)" in e.rendered
    refused(divide, "`u // i` mixes", "divides them as signed 64-bit words")
    refused(shift, "`u >> i` mixes", "shifts `u` as a signed 64-bit word")
    refused(element, "`xs[1] == i` mixes an unsigned operand, `xs[1]` (an element of u64[2])")
    refused(big_constant, "constant 9223372036854775808", f"reading {BIG} as {-BIG}")

    # Unsigned operands below 2**63 read the same signed: narrow unsigned variables, lengths,
    # masked or shifted words; and a signed value shifted by an unsigned amount.
    @rx.gene
    def fine(i: rx.i64, n: rx.u64, a: rx.u8, xs: rx.array(rx.u64, 3), z: rx.u64, q: rx.i64):
        z += i < a
        z += i < len(xs)
        z += (n & 7) > i
        z += (n >> 1) > i
        q += i // a
        q += i >> n

    assert fine.compile().run(i=-7, n=M64, a=2) == {
        "i": -7, "n": M64, "a": 2, "xs": [0, 0, 0], "z": 4, "q": -3 + -1,
    }


# ---- shift counts ----------------------------------------------------------------------------


def test_a_negative_shift_count_is_refused() -> None:
    @rx.gene
    def left(x: rx.u64, y: rx.u64):
        x += y << -1

    @rx.gene
    def right(x: rx.i64, y: rx.i64):
        x += y >> NEG_SHIFT

    refused(left, "negative shift count -1: Python raises ValueError", "shift the other way")
    refused(right, "negative shift count -1")


# ---- constants past 64 bits ------------------------------------------------------------------


def refused_at(g: rx.Gene, constant: str, *fragments: str) -> None:
    """``g`` is refused at ``constant``, written on its line marked ``# here``."""
    e = refused(g, *fragments)
    lines, first = inspect.getsourcelines(g.__wrapped__)
    k = next(k for k, text in enumerate(lines) if "# here" in text)
    col = lines[k].index(constant) + 1
    assert e.lineno == first + k, e.rendered
    assert e.rendered.startswith(f"{__file__}:{first + k}:{col}: error: "), e.rendered
    assert "| " + " " * (col - 1) + "^" * len(constant) + "\n" in e.rendered, e.rendered


def test_a_constant_past_64_bits_in_a_value_compared_shifted_or_divided_is_refused() -> None:
    # rdx computed with the constant's word, 0 for 1 << 64, where Python keeps the number: the
    # first gave 1 (Python 0), the second 2 for y = 5 (Python 2**63 + 2), the third 0 (Python 1).
    @rx.gene
    def cmp64(x: rx.u64, y: rx.u64):
        x += (y | (1 << 64)) == y  # here

    @rx.gene
    def big(x: rx.u64, y: rx.u64):
        x += ((1 << 64) | y) >> 1  # here

    @rx.gene
    def cmp64b(x: rx.u64, y: rx.u64):
        x += (y + (1 << 64)) > y  # here

    @rx.gene
    def nested(x: rx.u64, y: rx.u64):
        x += ((y ^ 3 << 70) * 3 - 1) // 7  # here

    @rx.gene
    def remainder(x: rx.u64, y: rx.u64):
        x += 10 % (y - ~0xFFFF_FFFF_FFFF_FFFF)  # here

    @rx.gene
    def count(x: rx.u64, y: rx.u64, z: rx.u64):
        x += y >> (z | 1 << 64)  # here

    @rx.gene
    def truth(x: rx.u64, y: rx.u64):
        if y & 1 << 64:  # here
            x += 1
        rx.fi(x == 1)

    @rx.gene
    def index(x: rx.u64, y: rx.u64, a: rx.array(rx.u64, 4)):
        x += a[(y + (1 << 64)) & 3]  # here

    @rx.gene
    def huge(x: rx.u64, y: rx.u64):
        x += (y | 1 << 5000) != 0  # here

    word = "does not fit in 64 bits, so rdx computes with its word 0"
    refused_at(cmp64, "1 << 64", "`y | 1 << 64 == y` compares `y | 1 << 64`", word, PYTHON)
    refused_at(big, "1 << 64", "`(1 << 64 | y) >> 1` shifts `1 << 64 | y`", word, PYTHON)
    refused_at(cmp64b, "1 << 64", "`y + (1 << 64) > y` compares `y + (1 << 64)`", word, PYTHON)
    refused_at(nested, "3 << 70", "divides `(y ^ 3 << 70) * 3 - 1`", str(3 << 70))
    refused_at(remainder, "~0xFFFF_FFFF_FFFF_FFFF", "divides by", str(-(1 << 64)), word)
    refused_at(count, "1 << 64", "`y >> (z | 1 << 64)` shifts by `z | 1 << 64`", word)
    refused_at(truth, "1 << 64", "a truth test reads `y & 1 << 64`", word)
    refused_at(index, "1 << 64", "`a[y + (1 << 64) & 3]` indexes with", word)
    refused_at(huge, "1 << 5000", "has no 64-bit value")


def test_a_constant_within_64_bits_or_only_added_keeps_python_meaning() -> None:
    @rx.gene
    def fits(x: rx.u64, y: rx.u64, q: rx.u64, h: rx.u64, w: rx.u64, s: rx.u64):
        x += (y | 0xFFFF_FFFF_FFFF_FFFF) == y
        q += (y & (1 << 64) - 1) >> 1
        h += (y & ~(1 << 63)) < 1 << 63
        s += (y + (5 >> 5000)) == y
        # An update keeps the low 64 bits of its value, which are Python's: this adds y.
        w += y | 1 << 64

    prog = fits.compile()
    for y in (5, M64, BIG + 1):
        out = prog.run(y=y)
        assert out == {
            "x": int((y | M64) == y), "y": y, "q": (y & M64) >> 1, "h": int((y & ~BIG) < BIG),
            "w": (y | 1 << 64) & M64, "s": 1,
        }


# ---- random expressions: what is accepted means what the README says -------------------------

VARS: Dict[str, rx.Scalar] = {"x": rx.i64, "n": rx.u64, "a": rx.u8, "b": rx.i8}
CONSTS = [0, 1, 2, 3, 7, 200, 255, -1, -3, -200, 1 << 63, M64, (1 << 63) - 1, -(1 << 63)]


def rand_expr(r: random.Random, depth: int) -> ast.expr:
    if depth <= 0 or r.random() < 0.25:
        if r.random() < 0.6:
            return ast.Name(id=r.choice(list(VARS)), ctx=ast.Load())
        return ast.Constant(value=r.choice(CONSTS + [r.getrandbits(64)]))
    sub = lambda: rand_expr(r, depth - 1)  # noqa: E731
    kind = r.choice(["arith", "arith", "shift", "div", "unary", "cmp", "cmp"])
    if kind == "arith":
        op = r.choice([ast.Add(), ast.Sub(), ast.Mult(), ast.BitAnd(), ast.BitOr(), ast.BitXor()])
        return ast.BinOp(left=sub(), op=op, right=sub())
    if kind == "shift":
        amount = ast.Constant(value=r.randint(-1, 70)) if r.random() < 0.7 else sub()
        return ast.BinOp(left=sub(), op=r.choice([ast.LShift(), ast.RShift()]), right=amount)
    if kind == "div":
        return ast.BinOp(left=sub(), op=r.choice([ast.FloorDiv(), ast.Mod()]), right=sub())
    if kind == "unary":
        return ast.UnaryOp(op=r.choice([ast.USub(), ast.Invert(), ast.Not()]), operand=sub())
    op = r.choice([ast.Lt(), ast.LtE(), ast.Gt(), ast.GtE(), ast.Eq(), ast.NotEq()])
    return ast.Compare(left=sub(), ops=[op], comparators=[sub()])


class Undefined(Exception):
    """Python raises here (a division by zero, a negative shift count): nothing to compare."""


def signed(e: ast.expr) -> bool:
    """rdx's rule: an operation is signed when an operand is (constants have no sign)."""
    if isinstance(e, ast.Name):
        return VARS[e.id].signed
    if isinstance(e, ast.UnaryOp):
        return not isinstance(e.op, ast.Not) and signed(e.operand)
    if isinstance(e, ast.BinOp):
        return signed(e.left) or signed(e.right)
    return False


def width(e: ast.expr) -> Optional[Tuple[int, bool]]:
    """rdx's rule: the widest fixed-width variable the expression reads, signed when one is;
    None (64-bit words) when it reads a u64/i64 or a comparison, or no variable."""
    found: List[Tuple[int, bool]] = []
    for node in ast.walk(e):
        if isinstance(node, ast.Name):
            ty = VARS[node.id]
            if ty in (rx.u64, rx.i64):
                return None
            found.append(((ty.hi - ty.lo).bit_length(), ty.signed))
        elif isinstance(node, ast.Compare) or isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return None
    if not found:
        return None
    return max(b for b, _ in found), any(s for _, s in found)


def is_constant(e: ast.expr) -> bool:
    """Arithmetic on constants only: a comparison's 0 or 1 is an unsigned value, as a variable's."""
    return not any(
        isinstance(n, (ast.Name, ast.Compare)) or isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not)
        for n in ast.walk(e)
    )


def wrap(v: int, bits: int, is_signed: bool) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if is_signed and v >> (bits - 1) else v


def evaluate(e: ast.expr, env: Dict[str, int]) -> int:
    """The README's meaning: Python's operations on the values, each arithmetic result wrapped
    at its expression's width (64 bits when it reads a word), `//` and `%` truncating toward
    zero when signed; a constant part keeps its Python value."""
    if isinstance(e, ast.Name):
        return env[e.id]
    if isinstance(e, ast.Constant):
        return int(e.value)
    if isinstance(e, ast.Compare):
        x, y = evaluate(e.left, env), evaluate(e.comparators[0], env)
        ops = {ast.Lt: x < y, ast.LtE: x <= y, ast.Gt: x > y, ast.GtE: x >= y}
        ops.update({ast.Eq: x == y, ast.NotEq: x != y})
        return int(ops[type(e.ops[0])])
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
        return int(evaluate(e.operand, env) == 0)
    if isinstance(e, ast.UnaryOp):
        x = evaluate(e.operand, env)
        v = -x if isinstance(e.op, ast.USub) else ~x
    else:
        assert isinstance(e, ast.BinOp)
        x, y = evaluate(e.left, env), evaluate(e.right, env)
        op = type(e.op)
        if op in (ast.LShift, ast.RShift):
            if y < 0:
                raise Undefined
            y = min(y, 200)  # past 64 bits every count gives the same word
            v = x << y if op is ast.LShift else x >> y
        elif op in (ast.FloorDiv, ast.Mod):
            if y == 0:
                raise Undefined
            # Signed: toward zero. Unsigned (constants too): the operands are not negative
            # (or the translator refused them), so Python's floor is the same.
            q = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1) if signed(e) else x // y
            v = q if op is ast.FloorDiv else x - y * q
        else:
            v = {ast.Add: x + y, ast.Sub: x - y, ast.Mult: x * y, ast.BitAnd: x & y,
                 ast.BitOr: x | y, ast.BitXor: x ^ y}[op]
    if is_constant(e):
        return v
    w = width(e)
    return wrap(v, *w) if w else wrap(v, 64, signed(e))


def test_random_expressions_are_refused_or_mean_what_the_readme_says(tmp_path: Path) -> None:
    r = random.Random(2027)
    exprs = [rand_expr(r, r.randint(1, 4)) for _ in range(160)]
    lines = ["import redoxa as rx", ""]
    for k, e in enumerate(exprs):
        lines += [
            "",
            "@rx.gene",
            f"def e{k}(x: rx.i64, n: rx.u64, a: rx.u8, b: rx.i8, z: rx.u64):",
            f"    z += {ast.unparse(e)}",
        ]
    path = tmp_path / "sign_exprs.py"
    path.write_text("\n".join(lines) + "\n")
    spec = importlib.util.spec_from_file_location("sign_exprs", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    envs = [{"x": -1, "n": M64, "a": 255, "b": -128}, {"x": 0, "n": 0, "a": 0, "b": 0}]
    envs += [
        {
            "x": r.choice([r.randrange(-(1 << 63), 1 << 63), r.randrange(-300, 300)]),
            "n": r.choice([r.getrandbits(64), r.randrange(300), (1 << 63) + r.randrange(9)]),
            "a": r.randrange(256),
            "b": r.randrange(-128, 128),
        }
        for _ in range(25)
    ]
    accepted = refusals = 0
    for k, e in enumerate(exprs):
        try:
            prog = getattr(mod, f"e{k}").compile()
        except rx.CompileError as err:
            said = ("negative shift count", "does not fit in 64 bits", "has no 64-bit value")
            assert PYTHON in err.rendered or any(m in err.rendered for m in said), err.rendered
            refusals += 1
            continue
        accepted += 1
        for env in envs:
            try:
                want = evaluate(e, env) & M64
            except Undefined:
                continue
            backend = rx.backends()[(k + env["a"]) % len(rx.backends())]
            try:
                out = prog.run(backend=backend, **env)
            except rx.RunError as err:
                raise AssertionError((ast.unparse(e), env, str(err))) from None
            assert out["z"] == want, (ast.unparse(e), prog.source.splitlines()[1], env, out["z"], want)
    assert accepted > 60 and refusals > 20, (accepted, refusals)
