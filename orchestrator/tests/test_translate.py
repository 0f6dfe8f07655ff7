"""The translator alone: Python gene -> rdx source text, line map, and translation errors."""

from __future__ import annotations

import inspect
import re
import sys
import textwrap

import pytest
import redoxa as rx
from redoxa import _translate

ROUNDS = 7
MASK = 0xFF
NEGATIVE = -3


def body(g: rx.Gene) -> str:
    """The generated body lines of the entry gene, dedented, without the header and closing brace."""
    src = g.source.split("\n\n")[0].strip("\n").splitlines()
    return textwrap.dedent("\n".join(src[1:-1]))


def line_of(fn, marker: str) -> int:
    """The file line of the first source line of ``fn`` containing ``marker``."""
    lines, first = inspect.getsourcelines(fn.__wrapped__ if isinstance(fn, rx.Gene) else fn)
    for k, text in enumerate(lines):
        if marker in text:
            return first + k
    raise AssertionError(marker)


# ---- every construct, one gene each ----------------------------------------------------------


@rx.gene
def updates(x: rx.u64, y: rx.u64, a: rx.array(rx.u64, 4)):
    x += y + 1
    x -= y * 2
    x ^= y
    a[y & 3] += x
    a[0] -= 1
    a[1] ^= x


def test_updates() -> None:
    assert body(updates) == "x += y + 1\nx -= y * 2\nx ^= y\na[y & 3] += x\na[0] -= 1\na[1] ^= x"


@rx.gene
def mirrors(x: rx.u64, y: rx.i64, a: rx.array(rx.u64, 2)):
    x *= 5
    x ^= x << 13
    x ^= x >> 7
    a[1] ^= a[1] << 3
    x = rx.rotl(x, 3)
    x = rx.rotr(x, y & 63)
    rx.rotl(a[0], 1)
    y = -y
    x = ~x
    a[0] = -a[0]


def test_mirror_opcodes() -> None:
    assert body(mirrors) == (
        "x *= 5\nx ^= x << 13\nx ^= x >> 7\na[1] ^= a[1] << 3\nx <<<= 3\nx >>>= y & 63\na[0] <<<= 1\n"
        "neg y\nnot x\nneg a[0]"
    )


@rx.gene
def swaps(x: rx.u64, y: rx.u64, a: rx.array(rx.u64, 4)):
    x, y = y, x
    a[0], a[x & 3] = a[x & 3], a[0]
    rx.swap(x, y)


def test_swap() -> None:
    assert body(swaps) == "swap x, y\nswap a[0], a[x & 3]\nswap x, y"


@rx.gene
def branches(n: rx.u64, x: rx.u64):
    if n == 0:
        x += 1
    else:
        if n > 5:
            x += 2
        rx.fi(x > 5)
    rx.fi(x == 1)
    if x & 1:
        pass
    rx.fi(x & 1)


def test_if_fi() -> None:
    assert body(branches) == textwrap.dedent(
        """\
        if n == 0 {
            x += 1
        } else {
            if n > 5 {
                x += 2
            } fi x > 5
        } fi x == 1
        if x & 1 {
            skip
        } fi x & 1"""
    )


@rx.gene
def loops(n: rx.u64, s: rx.u64):
    i = rx.local(rx.u64, 0)
    for _ in rx.loop(entry=i == 0, until=i == n):
        i += 1
        s += i
    rx.delocal(i, n)
    j = rx.local(rx.u64, n)
    for _ in rx.loop(j == n, j == 0):
        s ^= j
        rx.again()
        j -= 1
    rx.delocal(j, 0)


def test_loop_local() -> None:
    assert body(loops) == textwrap.dedent(
        """\
        local i: u64 = 0
        from i == 0 do {
            i += 1
            s += i
        } until i == n
        delocal i = n
        local j: u64 = n
        from j == n do {
            s ^= j
        } loop {
            j -= 1
        } until j == 0
        delocal j = 0"""
    )


@rx.gene
def inner(a: rx.u64, b: rx.u64):
    a += b


@rx.gene
def outer(x: rx.u64, y: rx.u64):
    inner(x, y)
    rx.uncall(inner, y, x)
    inner(y, x)


def test_call_uncall_emits_callee_once() -> None:
    src = outer.source
    assert src == textwrap.dedent(
        """\
        gene outer(x: u64, y: u64) {
            call inner(x, y)
            uncall inner(y, x)
            call inner(y, x)
        }

        gene inner(a: u64, b: u64) {
            a += b
        }
        """
    )


@rx.gene
def stacks(x: rx.u64, s: rx.stack, n: rx.u64):
    rx.push(x, s)
    rx.pop(x, s)
    n += rx.size(s) + len(s)
    assert rx.empty(s) or rx.top(s) > 0
    pass
    ...


def test_stack_and_builtins() -> None:
    assert body(stacks) == (
        "push x, s\npop x, s\nn += size(s) + size(s)\nassert empty(s) || top(s) > 0\nskip\nskip"
    )


@rx.gene
def lossy(x: rx.u64, a: rx.array(rx.i64, 3)):
    (x := x * x)
    rx.assign(a[2], x)
    rx.erase(x)


def test_lossy() -> None:
    assert body(lossy) == "x := x * x\na[2] := x\nerase x"


@rx.gene
def signature(a: rx.u64, b: rx.i64, xs: rx.array(rx.u64, 8), ys: rx.array(rx.i64, 2), s: rx.stack):
    """Docstrings are dropped."""
    pass


def test_signature_types() -> None:
    header = signature.source.splitlines()[0]
    assert header == "gene signature(a: u64, b: i64, xs: u64[8], ys: i64[2], s: stack) {"
    tr = signature.translate()
    assert [n for n, _ in tr.params] == ["a", "b", "xs", "ys", "s"]
    assert tr.params[2][1] == rx.array(rx.u64, 8)
    assert tr.entry == "signature"


# ---- expressions ----------------------------------------------------------------------------


@rx.gene
def exprs(x: rx.u64, y: rx.u64, z: rx.i64):
    x += (y + 1) * 3
    x += y - (z - 1)
    x += y & MASK == 3
    x += y // 2 % 5
    x += -y + ~z + (not y)
    x += 1 < y <= 9
    x += (y or z) and not (y and z)
    x += y << 2 >> 1 | z ^ 4
    x += ROUNDS + NEGATIVE + True
    x += -(-y)
    x += +y
    x += 0xFFFF_FFFF_FFFF_FFFF


def test_expressions_keep_python_meaning_in_c_precedence() -> None:
    assert body(exprs).splitlines() == [
        "x += (y + 1) * 3",
        "x += y - (z - 1)",
        "x += (y & 255) == 3",
        "x += y / 2 % 5",
        "x += -y + ~z + !y",
        "x += 1 < y && y <= 9",
        "x += (y || z) && !(y && z)",
        "x += y << 2 >> 1 | z ^ 4",
        "x += 7 + -3 + 1",
        "x += -(-y)",
        "x += y",
        "x += 18446744073709551615",
    ]


def test_closure_constants_and_nested_genes() -> None:
    k = 11

    @rx.gene
    def local_gene(x: rx.u64):
        x += k
        local_gene2(x)

    @rx.gene
    def local_gene2(x: rx.u64):
        x -= k

    assert local_gene.source == textwrap.dedent(
        """\
        gene local_gene(x: u64) {
            x += 11
            call local_gene2(x)
        }

        gene local_gene2(x: u64) {
            x -= 11
        }
        """
    )


def test_recursion_and_name_clash() -> None:
    def make():
        @rx.gene
        def step(x: rx.u64):
            x += 1

        return step

    s1, s2 = make(), make()

    @rx.gene
    def both(x: rx.u64):
        s1(x)
        s2(x)

    src = both.source
    assert "call step(x)\n    call step_2(x)" in src
    assert "gene step(x: u64)" in src and "gene step_2(x: u64)" in src
    assert sorted(both.translate().genes) == ["both", "step", "step_2"]


@rx.gene
def fib(n: rx.u64, x1: rx.u64, x2: rx.u64):
    if n == 0:
        x1 += 1
        x2 += 1
    else:
        n -= 1
        fib(n, x1, x2)
        x1 += x2
        x1, x2 = x2, x1
    rx.fi(x1 == x2)


def test_fib_matches_the_brief() -> None:
    assert fib.source == textwrap.dedent(
        """\
        gene fib(n: u64, x1: u64, x2: u64) {
            if n == 0 {
                x1 += 1
                x2 += 1
            } else {
                n -= 1
                call fib(n, x1, x2)
                x1 += x2
                swap x1, x2
            } fi x1 == x2
        }
        """
    )


def test_line_map_points_at_python_lines() -> None:
    tr = fib.translate()
    lines = tr.source.splitlines()
    file = inspect.getsourcefile(fib.__wrapped__)
    for k, text in enumerate(lines, start=1):
        origin = tr.origin(k)
        assert origin is not None and origin[0] == file
    assert tr.origin(lines.index("        call fib(n, x1, x2)") + 1)[1] == line_of(fib, "fib(n, x1, x2)")
    assert tr.origin(lines.index("    } fi x1 == x2") + 1)[1] == line_of(fib, "rx.fi(x1 == x2)")
    assert tr.origin(0) is None and tr.origin(len(lines) + 1) is None


# ---- errors ---------------------------------------------------------------------------------


def translate_error(g: rx.Gene) -> rx.CompileError:
    with pytest.raises(rx.CompileError) as info:
        g.translate()
    return info.value


def check_error(g: rx.Gene, marker: str, fragment: str) -> None:
    e = translate_error(g)
    assert e.lineno == line_of(g, marker), e.rendered
    assert e.filename == inspect.getsourcefile(g.__wrapped__)
    said = "\n".join(line for line in e.rendered.splitlines() if not re.match(r"\s*\d* \| ", line))
    assert fragment in said, e.rendered  # in the message, hint or list, not just the quoted line
    assert f"{e.filename}:{e.lineno}:" in str(e)


def test_error_missing_fi() -> None:
    @rx.gene
    def g(x: rx.u64):
        x += 1
        if x == 1:  # here
            x += 1
        x += 2

    check_error(g, "# here", "needs its exit assertion")


def test_error_while() -> None:
    @rx.gene
    def g(x: rx.u64):
        while x > 0:  # here
            x -= 1

    check_error(g, "# here", "rx.loop")


def test_error_plain_assignment() -> None:
    @rx.gene
    def g(x: rx.u64):
        x = 3  # here

    check_error(g, "# here", "plain assignment")


def test_error_irreversible_update() -> None:
    @rx.gene
    def g(x: rx.u64):
        x |= 3  # here

    check_error(g, "# here", "`|=` is not reversible")


def test_error_unknown_name() -> None:
    @rx.gene
    def g(x: rx.u64):
        x += y  # here  # noqa: F821

    check_error(g, "# here", "unknown name `y`")


def test_error_not_a_constant() -> None:
    text = "abc"

    @rx.gene
    def g(x: rx.u64):
        x += text  # here

    check_error(g, "# here", "is a str")


def test_error_unsupported_statement_lists_spellings() -> None:
    @rx.gene
    def g(x: rx.u64):
        return  # here

    check_error(g, "# here", "supported statements in a gene")


def test_error_missing_annotation() -> None:
    @rx.gene
    def g(x: rx.u64, y):  # here
        x += 1

    check_error(g, "# here", "parameter `y` has no type annotation")


def test_error_bad_annotation() -> None:
    @rx.gene
    def g(x: int):  # here
        x += 1

    check_error(g, "# here", "unsupported type")


def test_error_reserved_word() -> None:
    @rx.gene
    def g(loop: rx.u64):  # here
        loop += 1

    check_error(g, "# here", "reserved word")


def test_error_elif() -> None:
    @rx.gene
    def g(x: rx.u64):
        if x == 0:
            x += 1
        elif x == 1:  # here
            x += 2
        rx.fi(x == 1)

    check_error(g, "# here", "`elif` has no place for its own exit assertion")


def test_error_fi_without_if() -> None:
    @rx.gene
    def g(x: rx.u64):
        rx.fi(x == 1)  # here

    check_error(g, "# here", "must come right after an `if`")


def test_error_call_argument_not_variable() -> None:
    @rx.gene
    def g(x: rx.u64):
        inner(x, 3)  # here

    check_error(g, "# here", "must be variables")


def test_gene_calls_take_keyword_arguments_by_parameter_name() -> None:
    @rx.gene
    def add(x: rx.u64, y: rx.u64):
        x += y

    @rx.gene
    def g(a: rx.u64, b: rx.u64):
        add(y=b, x=a)
        add(a, y=b)
        rx.uncall(add, x=a, y=b)

    assert "call add(a, b)\n" in g.source.replace("    ", "")
    assert g.compile().run(a=5, b=3) == {"a": 8, "b": 3}

    @rx.gene
    def unknown(a: rx.u64, b: rx.u64):
        add(a, z=b)  # here

    check_error(unknown, "# here", "`add` has no parameter `z` (its parameters: x, y)")

    @rx.gene
    def twice(a: rx.u64, b: rx.u64):
        add(a, x=b)  # here

    check_error(twice, "# here", "parameter `x` of `add` is given twice")

    @rx.gene
    def missing(a: rx.u64, b: rx.u64):
        add(y=b)  # here

    check_error(missing, "# here", "no argument for parameter `x` of `add`")


class _Int:
    """Like a numpy integer: an int by __index__, not a subclass of int."""

    def __index__(self) -> int:
        return 7


SEVEN = _Int()


def test_messages_name_what_was_written() -> None:
    @rx.gene
    def bare_len(a: rx.array(rx.u64, 2)):
        len(a)  # here

    check_error(bare_len, "# here", "`len(...)` is not a statement")

    @rx.gene
    def length(a: rx.array(rx.u64, 2 * 2)):  # here
        a[0] += 1

    check_error(length, "# here", "must be an int literal or a module constant, not `2 * 2`")

    @rx.gene
    def integer_like(x: rx.u64):
        x += SEVEN

    assert integer_like.compile().run(x=1) == {"x": 8}


def test_numpy_bool_constants_are_0_and_1_as_python_bools_are() -> None:
    # numpy's bool has no __index__ (numpy's integers have one); it was refused as
    # "`T` is a bool, not a variable or an int constant", while Python's True is 1.
    np = pytest.importorskip("numpy")
    yes, no = np.True_, np.False_
    py_yes, py_no = True, False

    @rx.gene
    def numpy_bools(x: rx.u64, y: rx.i64, z: rx.u8):
        x += yes
        x ^= x << yes
        y -= np.True_
        z += (y < no) + (x // yes) % 7

    @rx.gene
    def python_bools(x: rx.u64, y: rx.i64, z: rx.u8):
        x += py_yes
        x ^= x << py_yes
        y -= True
        z += (y < py_no) + (x // py_yes) % 7

    assert body(numpy_bools) == body(python_bools)
    assert body(numpy_bools).splitlines()[0] == "x += 1"
    want = {"x": 6, "y": -4, "z": 7}
    assert numpy_bools.compile().run(x=1, y=-3, z=0) == python_bools.compile().run(x=1, y=-3, z=0) == want


def test_keyword_only_parameters_keep_their_place_and_are_passed_by_keyword() -> None:
    # Parameters are in Python's order: `z` after `*` is the third, as `f(x, y, z=…)` says.
    @rx.gene
    def f(x: rx.u64, y: rx.u64, *, z: rx.u64):
        x += y * 2 + z

    assert "gene f(x: u64, y: u64, z: u64)" in f.source
    assert f(0, 10, z=1) == {"x": 21, "y": 10, "z": 1}

    @rx.gene
    def g(a: rx.u64, b: rx.u64, c: rx.u64):
        f(a, b, z=c)

    assert g.compile().run(a=0, b=10, c=1) == {"a": 21, "b": 10, "c": 1}

    @rx.gene
    def positional(a: rx.u64, b: rx.u64, c: rx.u64):
        f(a, b, c)  # here

    check_error(positional, "# here", "`f` takes 2 positional arguments but 3 were given")
    check_error(positional, "# here", "pass z by keyword")


def test_error_true_division_and_pow() -> None:
    @rx.gene
    def g(x: rx.u64, y: rx.u64):
        x += y / 2  # here

    check_error(g, "# here", "use // for integer division")

    @rx.gene
    def h(x: rx.u64, y: rx.u64):
        x += y**2  # here

    check_error(h, "# here", "`**` is not in rdx")


def test_error_literal_too_large() -> None:
    @rx.gene
    def h(x: rx.u64):
        x += 18446744073709551616  # here

    check_error(h, "# here", "does not fit in 64 bits")

    # A negative literal is checked as one value: -(2**64 - 1) is not the u64 1.
    @rx.gene
    def negative(x: rx.u64, hits: rx.u64):
        hits += x > -18446744073709551615  # here

    check_error(negative, "# here", "integer -18446744073709551615 does not fit in 64 bits")

    @rx.gene
    def lowest(x: rx.i64, hits: rx.u64):
        hits += x > -9223372036854775808

    assert lowest.compile().run(x=0) == {"x": 0, "hits": 1}


def test_error_in_callee_names_the_callee_line() -> None:
    @rx.gene
    def bad(x: rx.u64):
        x //= 2  # here

    @rx.gene
    def good(x: rx.u64):
        bad(x)

    check_error(bad, "# here", "`//=` is not reversible")
    e = translate_error(good)
    assert e.lineno == line_of(bad, "# here")


def test_a_nested_gene_with_lines_less_indented_than_its_def() -> None:
    # A comment at column 0, a docstring's next line, a parameter on a continuation line: lines
    # whose indentation Python ignores. textwrap.dedent then removed nothing, and each gene
    # failed with "cannot parse gene source: unexpected indent".
    @rx.gene
    def commented(x: rx.u64):
        x += 1
#       x += 2
        x += 3

    @rx.gene
    def documented(x: rx.u64):
        """A docstring whose next line
starts at column 0."""
        x += 1

    @rx.gene
    def continued(x: rx.u64,
y: rx.u64):
        x += y

    @rx.gene
    def wrong(x: rx.u64,
y: rx.u64):
        x //= y  # here

    assert commented(x=1) == {"x": 5}
    assert documented(x=1) == {"x": 2}
    assert continued(x=1, y=2) == {"x": 3, "y": 2}
    check_error(wrong, "# here", "`//=` is not reversible")
    # The column is the file's: the statement's own indentation, not the dedented text's.
    assert f":{line_of(wrong, '# here')}:9: error" in str(translate_error(wrong))


def test_error_loop_shapes() -> None:
    @rx.gene
    def g(x: rx.u64):
        for i in rx.loop(entry=x == 0, until=x == 3):  # here
            x += 1

    check_error(g, "# here", "must be `_`")

    @rx.gene
    def h(x: rx.u64):
        for _ in range(3):  # here
            x += 1

    check_error(h, "# here", "rx.loop(entry=..., until=...)")

    @rx.gene
    def k(x: rx.u64):
        for _ in rx.loop(entry=x == 0):  # here
            x += 1

    check_error(k, "# here", "needs both")


def test_error_assert_message_and_rotation_target() -> None:
    @rx.gene
    def g(x: rx.u64):
        assert x, "x is zero"  # here

    check_error(g, "# here", "no message")

    @rx.gene
    def h(x: rx.u64, y: rx.u64):
        x = rx.rotl(y, 1)  # here

    check_error(h, "# here", "rotates its target in place")


def test_markers_refuse_to_run_as_python() -> None:
    for f, args in [(rx.rotl, (1, 2)), (rx.fi, (1,)), (rx.local, (rx.u64, 0)), (rx.loop, ())]:
        with pytest.raises(TypeError, match="only has a meaning inside an @rx.gene"):
            f(*args)


def test_gene_decorator_rejects_non_functions() -> None:
    with pytest.raises(TypeError):
        rx.gene(3)  # type: ignore[arg-type]
    # A lambda is a function, but its body is one expression: say so, not "no definition".
    with pytest.raises(TypeError, match="a lambda cannot be a gene .*define the gene with `def`"):
        rx.gene(lambda x: x)


def test_a_positional_only_parameter_is_passed_by_position() -> None:
    @rx.gene
    def posonly(n: rx.u64, /, m: rx.u64):
        m += n

    @rx.gene
    def by_position(a: rx.u64, b: rx.u64):
        posonly(a, m=b)

    assert by_position.compile().run(a=2, b=3) == {"a": 2, "b": 5}

    @rx.gene
    def by_keyword(a: rx.u64, b: rx.u64):
        posonly(n=a, m=b)  # here

    check_error(by_keyword, "# here", "parameter `n` of `posonly` is positional-only (before `/`)")
    check_error(by_keyword, "# here", "pass `n` by position")


def test_a_called_gene_named_main_is_not_main_in_rdx(tmp_path) -> None:
    # `main` is the gene rx.load and `rdx run` pick in a module: only the entry is called so.
    @rx.gene
    def main(x: rx.u64):
        x += 5

    @rx.gene
    def ent(y: rx.u64):
        main(y)
        y += 1

    prog = ent.compile()
    assert prog.genes == ["ent", "main_2"] and "call main_2(y)" in prog.source
    assert prog.run(y=0) == {"y": 6}
    path = tmp_path / "ent.rdxb"
    prog.save(path)  # no warning: no gene of the module is called main
    with pytest.raises(rx.RdxError, match="pass entry=NAME"):
        rx.load(path)  # never the callee in the entry's place
    assert rx.load(path, entry="ent").run(y=0) == {"y": 6}
    assert main.compile().genes == ["main"]


def test_spellings_table_covers_every_statement() -> None:
    words = " ".join(r for _, r in _translate.SPELLINGS)
    for w in [
        "+=",
        "*=",
        "<<<=",
        "neg",
        "not",
        "swap",
        "fi",
        "from",
        "call",
        "uncall",
        "local",
        "delocal",
        "push",
        "pop",
        "assert",
        "skip",
        ":=",
        "erase",
    ]:
        assert w in words


# ---- decorators, values of `and`/`or`, long expressions, names before their local ----------

SCALE = 3


def _traced_from_elsewhere():
    """A ``functools.wraps`` decorator defined in another module, whose globals have a
    ``SCALE`` of their own and whose wrapper takes ``*args, **kwargs``."""
    import types

    module = types.ModuleType("decorators_elsewhere")
    exec(
        "import functools\nSCALE = 1000\n"
        "def traced(f):\n    @functools.wraps(f)\n    def wrapper(*a, **k):\n        return f(*a, **k)\n"
        "    return wrapper\n",
        module.__dict__,
    )
    return module.traced


traced = _traced_from_elsewhere()


@rx.gene
@traced
def scaled(x: rx.u64):
    x += SCALE


@rx.gene
@traced
def added(a: rx.u64, b: rx.u64):
    a += b


@rx.gene
def calls_added(a: rx.u64, b: rx.u64):
    added(a, b)
    added(b=b, a=a)


def test_a_gene_under_functools_wraps_is_its_inner_function() -> None:
    # The source came from __wrapped__, but names, parameters and globals from the wrapper:
    # SCALE was the decorator module's 1000, and a call of `added` had no parameters.
    assert body(scaled) == "x += 3"
    assert scaled.compile().run(x=0) == {"x": 3}
    assert calls_added.compile().run(a=1, b=2) == {"a": 5, "b": 2}
    assert scaled.fn.__code__.co_filename == __file__


def test_and_or_as_values_are_refused_where_python_means_something_else() -> None:
    # Python's `a or b` is a itself when a is true, rdx's `a || b` is 1: 9 or 2 gave 1, not 9.
    @rx.gene
    def or_value(x: rx.u64, a: rx.u64, b: rx.u64):
        x += (a or b) * 3  # here

    check_error(or_value, "# here", "`or` used as a value")

    @rx.gene
    def and_value(x: rx.u64, a: rx.u64, b: rx.u64):
        x += a and b  # here

    check_error(and_value, "# here", "`and` used as a value")

    # In conditions only truth counts; over comparisons the value is 0 or 1 in both.
    @rx.gene
    def agree(x: rx.u64, a: rx.u64, b: rx.u64):
        if a or b:
            x += (a < b) or (b < a)
            x += a and (b > 1)
        rx.fi(a or b)
        assert (a or b) or x == 0
        x += not (a or b)

    prog = agree.compile()
    for a, b in [(9, 2), (0, 0), (0, 5), (3, 3)]:
        x = (1 if a or b else 0) and (int((a < b) or (b < a)) + int(bool(a and (b > 1))))
        assert prog.run(a=a, b=b) == {"x": x + int(not (a or b)), "a": a, "b": b}, (a, b)


def test_a_very_long_expression_is_e0105_not_a_recursion_error(tmp_path) -> None:
    import importlib.util

    path = tmp_path / "long_gene.py"
    terms = " + ".join(["y"] * 2000)
    path.write_text(f"import redoxa as rx\n@rx.gene\ndef g(x: rx.u64, y: rx.u64):\n    x += {terms}\n")
    spec = importlib.util.spec_from_file_location("long_gene", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(rx.CompileError) as info:
        module.g.compile()
    e = info.value
    assert (e.filename, e.lineno) == (str(path), 4), e.rendered
    assert [d.code for d in e.diagnostics] == ["E0105"] and "error[E0105]" in str(e), e.rendered


t = 1000


def test_a_name_used_before_its_local_is_not_the_global() -> None:
    # Python makes `t` local to the whole function; the gene added the module's t = 1000.
    @rx.gene
    def shadow(x: rx.u64):
        x += t  # here  # noqa: F823
        t = rx.local(rx.u64, 0)  # noqa: F841
        rx.delocal(t, 0)

    check_error(shadow, "# here", "`t` is used before its rx.local")


# ---- annotations: where their names resolve, where their errors point ----------------------


def _load_module(tmp_path, name: str, text: str):
    """Imports ``text`` as a module of its own file (no ``from __future__ import annotations``)."""
    import importlib.util

    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, str(path)


def test_an_error_inside_a_string_annotation_points_into_the_string(tmp_path) -> None:
    # Each error named the `@rx.gene` line, at the column of the annotation's text in the string.
    module, path = _load_module(
        tmp_path,
        "string_annotations",
        """\
        import redoxa as rx


        @rx.gene
        def unknown(x: rx.u64,
              a: "rx.array(rx.u64, M)"):
            x += 1


        @rx.gene
        def negative(x: rx.u64,
              a: 'rx.array(rx.u64, -1)'):
            x += 1


        @rx.gene
        def huge(x: rx.u64,
              a: "rx.array(rx.u64, 2**70)"):
            x += 1


        @rx.gene
        def escaped(x: rx.u64,
              a: "rx.array(rx.u64,\\x20M)"):
            x += 1
        """,
    )
    for g, line, col, text in [
        (module.unknown, 6, 28, "`M`"),
        (module.negative, 12, 28, "`-1`"),
        (module.huge, 18, 28, "`2 ** 70`"),
        # Not the plain text between quotes: the whole string literal is what is pointed at.
        (module.escaped, 24, 10, "`M`"),
    ]:
        e = translate_error(g)
        assert (e.filename, e.lineno) == (path, line), e.rendered
        assert f"{path}:{line}:{col}: error: the length of parameter `a` must be an int literal" in str(e)
        assert f"not {text}" in str(e), e.rendered


def test_an_annotation_reads_the_scope_of_the_def_not_the_parameters() -> None:
    # Python evaluates `rx.array(rx.u64, ROUNDS)` where the def stands: ROUNDS is the module's 7
    # there, even with a parameter of that name. The gene was refused ("must be an int literal
    # or a module constant, not `ROUNDS`"), and `rx: rx.u64` was "unsupported type".
    @rx.gene
    def shadowed(ROUNDS: rx.u64, a: rx.array(rx.u64, ROUNDS)):
        a[0] += ROUNDS

    assert shadowed.translate().params[1][1] == rx.array(rx.u64, 7)
    assert shadowed(ROUNDS=3, a=[1, 0, 0, 0, 0, 0, 0]) == {"ROUNDS": 3, "a": [4, 0, 0, 0, 0, 0, 0]}

    @rx.gene
    def named_rx(rx: rx.u64, y: rx.u64):
        y += rx

    assert body(named_rx) == "y += rx"
    # In the body the parameter is the name, as in Python.
    assert named_rx(rx=2, y=1) == {"rx": 2, "y": 3}


def test_an_annotation_reads_a_name_of_the_enclosing_function(tmp_path) -> None:
    # `K` is the enclosing function's, and not a free variable of the gene (only its annotation
    # reads it): the translator looked for it in the module only.
    module, _ = _load_module(
        tmp_path,
        "closure_annotations",
        """\
        import redoxa as rx


        def make(k):
            K = k + 1

            @rx.gene
            def sized(x: rx.u64, a: rx.array(rx.u64, K)):
                a[0] += x

            return sized
        """,
    )
    assert module.make(2).translate().params == [("x", rx.u64), ("a", rx.array(rx.u64, 3))]
    assert module.make(4)(x=5) == {"x": 5, "a": [5, 0, 0, 0, 0]}


CHANGING = 1


def test_calling_a_gene_keeps_the_program_of_its_first_call() -> None:
    global CHANGING

    @rx.gene
    def reads(x: rx.u64):
        x += CHANGING

    try:
        assert reads(x=0) == {"x": 1}
        CHANGING = 100
        assert reads(x=0) == {"x": 1}  # as the docstring says: compiled at the first call
        assert reads.compile().run(x=0) == {"x": 100}
    finally:
        CHANGING = 1
    doc = " ".join((rx.Gene.__call__.__doc__ or "").split())
    assert "compiled once, at the first call" in doc and "shortcut" not in (rx.Gene.__doc__ or "")


# ---- spellings outside the subset say what they are --------------------------------------


def test_a_negative_xorshift_count_is_pythons_value_error() -> None:
    # The xorshift statement showed the count as a word: "shift amount 18446744073709551615".
    @rx.gene
    def left(x: rx.u64):
        x ^= x << -1  # here

    check_error(left, "# here", "negative shift count -1: Python raises ValueError")

    @rx.gene
    def right(a: rx.array(rx.u64, 2)):
        a[1] ^= a[1] >> -3  # here

    check_error(right, "# here", "negative shift count -3: Python raises ValueError")


def test_spellings_outside_the_subset_are_named_in_python_words() -> None:
    @rx.gene
    def loop_alone(x: rx.u64):
        rx.loop(entry=x == 0, until=x == 3)  # here

    check_error(loop_alone, "# here", "rx.loop(...) is not a statement: it goes only in `for _ in rx.loop(")

    @rx.gene
    def generator(x: rx.u64):
        yield x  # here

    check_error(generator, "# here", "`yield` is not supported in a gene")

    @rx.gene
    def generator_from(x: rx.u64):
        x += 1
        yield from ()  # here

    check_error(generator_from, "# here", "`yield from` is not supported in a gene")

    @rx.gene
    def with_lambda(x: rx.u64):
        f = lambda y: y  # here  # noqa: E731, F841

    check_error(with_lambda, "# here", "lambdas are not supported in a gene")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="`except*` is Python 3.11's")
def test_match_and_try_star_are_named_in_python_words(tmp_path) -> None:
    # They were "`Match` statements" and "`TryStar` statements", the names of their AST classes.
    module, path = _load_module(
        tmp_path,
        "later_statements",
        """\
        import redoxa as rx


        @rx.gene
        def matched(x: rx.u64):
            match x:
                case 1:
                    x += 1


        @rx.gene
        def tried(x: rx.u64):
            try:
                pass
            except* ValueError:
                pass
        """,
    )
    for g, line, text in [
        (module.matched, 6, "`match` statements are not supported in a gene"),
        (module.tried, 13, "`try … except*` statements are not supported in a gene"),
    ]:
        e = translate_error(g)
        assert (e.filename, e.lineno) == (path, line) and text in str(e), e.rendered


def test_a_list_swap_is_a_swap() -> None:
    # `[x, y] = [y, x]` is the same swap as `x, y = y, x` in Python; it was "plain assignment".
    @rx.gene
    def list_swap(x: rx.u64, y: rx.u64, a: rx.array(rx.u64, 2)):
        [x, y] = [y, x]
        [a[0], a[1]] = a[1], a[0]

    assert body(list_swap) == "swap x, y\nswap a[0], a[1]"
    assert list_swap(x=1, y=2, a=[3, 4]) == {"x": 2, "y": 1, "a": [4, 3]}

    @rx.gene
    def not_a_swap(x: rx.u64, y: rx.u64):
        [x, y] = [y, y]  # here

    check_error(not_a_swap, "# here", "tuple assignment is only supported as a swap")
