"""Errors: checker diagnostics mapped to Python lines, rdx source errors, the exception tree."""

from __future__ import annotations

import inspect

import pytest
import redoxa as rx


def line_of(g: rx.Gene, marker: str) -> int:
    lines, first = inspect.getsourcelines(g.__wrapped__)
    for k, text in enumerate(lines):
        if marker in text:
            return first + k
    raise AssertionError(marker)


def compile_error(g: rx.Gene, **kw: object) -> rx.CompileError:
    with pytest.raises(rx.CompileError) as info:
        g.compile(**kw)  # type: ignore[arg-type]
    return info.value


def expect_at(g: rx.Gene, marker: str, code: str) -> rx.CompileError:
    e = compile_error(g)
    assert e.lineno == line_of(g, marker), e.rendered
    assert e.filename == inspect.getsourcefile(g.__wrapped__)
    assert any(d.code == code for d in e.diagnostics), e.rendered
    assert f"{e.filename}:{e.lineno}: error[{code}]" in str(e)
    assert "in the generated rdx:" in e.rendered
    assert e.source is not None and e.source.startswith("gene ")
    return e


def test_self_reading_update_points_at_python_line() -> None:
    @rx.gene
    def g(x: rx.u64, y: rx.u64):
        y += 1
        x += x + y  # here

    e = expect_at(g, "# here", "E0301")
    assert "x += x + y  # here" in e.rendered  # the Python line is quoted


def test_even_multiplier() -> None:
    @rx.gene
    def g(x: rx.u64):
        x += 1
        x *= 4  # here

    expect_at(g, "# here", "E0402")


def test_shift_out_of_range() -> None:
    @rx.gene
    def g(x: rx.u64):
        x ^= x << 64  # here

    expect_at(g, "# here", "E0404")


def test_wrong_number_of_arguments_in_call() -> None:
    @rx.gene
    def two(a: rx.u64, b: rx.u64):
        a += b

    @rx.gene
    def g(x: rx.u64):
        two(x)  # here

    expect_at(g, "# here", "E0205")


def test_argument_passed_twice() -> None:
    @rx.gene
    def two(a: rx.u64, b: rx.u64):
        a += b

    @rx.gene
    def g(x: rx.u64):
        two(x, x)  # here

    expect_at(g, "# here", "E0303")


def test_a_push_whose_index_reads_the_stack_is_refused() -> None:
    # The element is taken before the stack grows and zeroed after: a[size(s)] would name two
    # elements, and the run would not go back (E0308, as for `a[a[0]] += 1`).
    @rx.gene
    def g(a: rx.array(rx.u64, 4), s: rx.stack):
        rx.push(a[rx.size(s)], s)  # here

    expect_at(g, "# here", "E0308")


def test_local_without_delocal() -> None:
    @rx.gene
    def g(x: rx.u64):
        t = rx.local(rx.u64, 1)  # here
        x += t

    expect_at(g, "# here", "E0304")


def test_lossy_rejected_in_strict_mode() -> None:
    @rx.gene
    def g(x: rx.u64):
        x += 1
        rx.erase(x)  # here

    g.compile()  # allowed outside strict mode
    e = compile_error(g, strict=True)
    assert e.lineno == line_of(g, "# here")
    assert e.diagnostics[0].code == "E0306"


def test_error_in_a_callee_names_the_callee_line() -> None:
    @rx.gene
    def callee(a: rx.u64, b: rx.u64):
        a -= a  # here

    @rx.gene
    def caller(x: rx.u64, y: rx.u64):
        callee(x, y)

    e = compile_error(caller)
    assert e.lineno == line_of(callee, "# here")


def test_several_errors_are_all_reported_with_python_lines() -> None:
    @rx.gene
    def g(x: rx.u64, y: rx.u64):
        x += x  # first
        y *= 2  # second

    e = compile_error(g)
    lines = sorted(d.py_line for d in e.diagnostics if d.py_line is not None)
    assert lines == [line_of(g, "# first"), line_of(g, "# second")]


def test_assemble_reports_rdx_positions() -> None:
    with pytest.raises(rx.CompileError) as info:
        rx.assemble("gene f(x: u64) {\n    x += y\n}\n", file="f.rdx")
    e = info.value
    assert e.filename is None and e.lineno is None
    (d,) = e.diagnostics
    assert (d.code, d.line, d.column) == ("E0201", 2, 10)
    assert "f.rdx:2:10" in e.rendered


def test_syntax_error() -> None:
    with pytest.raises(rx.CompileError) as info:
        rx.assemble("gene f(x: u64) { x += }")
    assert info.value.diagnostics[0].code.startswith("E01")


def test_exception_tree() -> None:
    for cls in (
        rx.CompileError,
        rx.RunError,
        rx.ReversibilityError,
        rx.ValueRangeError,
        rx.LoadError,
        rx.BackendError,
        rx.RoundTripError,
    ):
        assert issubclass(cls, rx.RdxError)
    assert issubclass(rx.ReversibilityError, rx.RunError)
    assert issubclass(rx.ValueRangeError, ValueError)


def test_value_range_errors_before_running() -> None:
    with pytest.raises(rx.ValueRangeError, match="out of range for u64"):
        rx.u64.check("x", -1)
    with pytest.raises(rx.ValueRangeError, match="out of range for i64"):
        rx.i64.check("x", 1 << 63)
    with pytest.raises(rx.ValueRangeError, match="expected an integer"):
        rx.u64.check("x", 1.5)
    with pytest.raises(rx.ValueRangeError, match="expected an integer"):
        rx.u64.check("x", True)
    with pytest.raises(rx.ValueRangeError, match="expected 3 elements"):
        rx.array(rx.u64, 3).check("a", [1, 2])
    with pytest.raises(rx.ValueRangeError, match=r"a\[1\]"):
        rx.array(rx.i64, 2).check("a", [1, 1 << 63])
    assert rx.i64.check("x", -(1 << 63)) == -(1 << 63)
    assert rx.u64.check("x", (1 << 64) - 1) == (1 << 64) - 1
    assert rx.stack.check("s", [1, -1]) == [1, (1 << 64) - 1]


def test_array_and_stack_values_at_their_bounds() -> None:
    # Long lists of plain ints are checked in bulk; anything else element by element, so the
    # error names the element either way.
    n = 1001
    top = [0] * (n - 1) + [(1 << 64) - 1]
    assert rx.array(rx.u64, n).check("a", top) == top
    with pytest.raises(rx.ValueRangeError, match=r"a\[1000\] = 18446744073709551616 is out of range for u64"):
        rx.array(rx.u64, n).check("a", [0] * (n - 1) + [1 << 64])
    with pytest.raises(rx.ValueRangeError, match=r"a\[0\] = -1 is out of range for u64"):
        rx.array(rx.u64, 2).check("a", [-1, 0])
    with pytest.raises(rx.ValueRangeError, match=r"a\[2\]: expected an integer for u64, got bool"):
        rx.array(rx.u64, 3).check("a", [1, 2, True])
    ends = [-(1 << 63), (1 << 63) - 1]
    assert rx.array(rx.i64, 2).check("a", ends) == ends
    with pytest.raises(rx.ValueRangeError, match=r"a\[1\] = 9223372036854775808"):
        rx.array(rx.i64, 2).check("a", [0, 1 << 63])

    class Index:
        def __index__(self) -> int:
            return 5

    assert rx.array(rx.u64, 2).check("a", [Index(), 1]) == [5, 1]
    assert rx.stack.check("s", [-(1 << 63), (1 << 64) - 1, 3]) == [1 << 63, (1 << 64) - 1, 3]
    assert rx.stack.check("s", []) == []
    with pytest.raises(rx.ValueRangeError, match=r"s\[1\] = 18446744073709551616"):
        rx.stack.check("s", [1, 1 << 64])
    class Word:  # like numpy's np.int64(-1)
        def __init__(self, v: int) -> None:
            self.v = v

        def __index__(self) -> int:
            return self.v

    # Integers that are not ints (numpy's) take the same range, a sign included.
    assert rx.stack.check("s", [Index(), Word(-1)]) == [5, (1 << 64) - 1]
    with pytest.raises(rx.ValueRangeError, match=r"s\[0\] = -9223372036854775809 is out of range for a stack word"):
        rx.stack.check("s", [-(1 << 63) - 1])


#: More digits than Python prints (4300, sys.get_int_max_str_digits()).
HUGE = 10**5000


def test_an_integer_too_long_to_print_is_named_by_its_length() -> None:
    # Each error below was Python's own ValueError ("Exceeds the limit (4300 digits) for integer
    # string conversion"), raised while the message was built.
    prog = rx.assemble("gene f(x: u64, y: i8, xs: u64[2], s: stack, z: f64[1]) {\n    x += 1\n}\n")
    for values, said in [
        ({"x": HUGE}, "x = a 5001-digit integer is out of range for u64"),
        ({"y": -HUGE}, "y = a negative 5001-digit integer is out of range for i8"),
        ({"xs": [HUGE, 0]}, r"xs\[0\] = a 5001-digit integer is out of range for u64"),
        ({"s": [1, HUGE]}, r"s\[1\] = a 5001-digit integer is out of range for a stack word"),
        ({"z": [HUGE]}, r"z\[0\] = a 5001-digit integer is too large for f64"),
        ({"x": [HUGE]}, r"x: expected an integer for u64, got list \[a 5001-digit integer\]"),
    ]:
        with pytest.raises(rx.ValueRangeError, match=f"^{said}"):
            prog.run(**values)
    with pytest.raises(rx.ValueRangeError, match=r"^input 0 \{'x': a 5001-digit integer\}: x = a 5001-digit"):
        rx.experiment(prog, [{"x": HUGE}])
    with pytest.raises(ValueError, match=r"^max_steps must be in 0..=2\*\*64-1 .* got a 5001-digit integer$"):
        prog.max_steps = HUGE
    with pytest.raises(rx.ValueRangeError, match="^superpose: amplitude 0 = a 5001-digit integer is too"):
        rx.superpose(rx.assemble("gene f(x: u8) {\n    x += 1\n}\n"), [HUGE] * 256)

    @rx.gene
    def g(x: rx.u64):
        x += HUGE  # here

    e = compile_error(g)
    assert e.lineno == line_of(g, "# here") and "a 5001-digit integer does not fit in 64 bits" in str(e)


def test_an_integer_past_128_bits_is_named_by_its_length_in_every_message() -> None:
    # Past 128 bits a message gives an integer's length, not its digits, also where Python
    # could print them (10**50 has 51 digits, 167 bits): `show` printed them all but past 4300.
    prog = rx.assemble("gene f(x: u64, xs: u64[2]) {\n    x += 1\n}\n")
    for values, said in [
        ({"x": 10**50}, "x = a 51-digit integer is out of range for u64"),
        ({"x": [2**200]}, r"x: expected an integer for u64, got list \[a 61-digit integer\]"),
        ({"x": 2**128 - 1}, "x = 340282366920938463463374607431768211455 is out of range for u64"),
    ]:
        with pytest.raises(rx.ValueRangeError, match=f"^{said}"):
            prog.run(**values)


def test_text_is_not_a_list_of_numbers() -> None:
    # A string or bytes is iterable, but never meant as an array's or a stack's words: each is
    # refused by its own type name (bytes used to pass as a stack of its byte values).
    for value, kind in [("abc", "str"), (b"abc", "bytes"), (bytearray(b"abc"), "bytearray"), (3, "int")]:
        with pytest.raises(rx.ValueRangeError, match=rf"^a: expected a list of 3 integers for u64\[3\], got {kind}$"):
            rx.array(rx.u64, 3).check("a", value)
        with pytest.raises(rx.ValueRangeError, match=rf"^s: expected a list of integers for stack, got {kind}$"):
            rx.stack.check("s", value)
    assert rx.stack.check("s", (1, 2)) == [1, 2]


def test_a_dict_or_a_set_is_not_a_list_of_values() -> None:
    # Iterating gives a dict's keys and a set's items in no order of the caller's.
    prog = rx.assemble("gene f(a: u64[3], s: stack) { skip }")
    for value in ({1: 2, 3: 4, 5: 6}, {1, 2, 3}, frozenset({1, 2, 3}), {1: 0, 2: 0, 3: 0}.keys()):
        with pytest.raises(TypeError, match=r"^a: expected a list of 3 integers .*pass a sequence"):
            prog.run(a=value)
        with pytest.raises(TypeError, match=r"^s: expected a list of integers for stack"):
            prog.run(s=value)
    assert prog.run(a=(1, 2, 3), s=iter([4])) == {"a": [1, 2, 3], "s": [4]}
    assert prog.run(a={1: 5, 2: 6, 3: 7}.values()) == {"a": [5, 6, 7], "s": []}


def test_array_type_constructor_rejects_bad_shapes() -> None:
    with pytest.raises(TypeError):
        rx.array(rx.stack, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        rx.array(rx.u64, 0)
    with pytest.raises(TypeError):
        rx.array(rx.u64, 2.0)  # type: ignore[arg-type]


def test_checker_warnings_point_at_the_python_line() -> None:
    @rx.gene
    def g(n: rx.u64, s: rx.u64):
        i = rx.local(rx.u64, 0)
        for _ in rx.loop(entry=n == 0, until=i == n):  # here
            i += 1
            s += i
        rx.delocal(i, n)

    with pytest.warns(rx.RdxWarning, match="W0301") as record:
        g.compile()
    (w,) = record.list
    assert w.filename == inspect.getsourcefile(g.__wrapped__)
    assert w.lineno == line_of(g, "# here")


def test_a_negative_index_is_not_the_last_element_and_says_so() -> None:
    # rdx indices are unsigned words: a[-1] is no element (W0302 at compile time, R0109 if run).
    @rx.gene
    def g(a: rx.array(rx.u64, 4)):
        a[-1] += 1  # here

    with pytest.warns(rx.RdxWarning, match=r"W0302.*index -1 is outside `a` \(4 elements\)") as record:
        prog = g.compile()
    assert record.list[0].lineno == line_of(g, "# here")
    with pytest.raises(rx.RunError) as info:
        prog.run(a=[1, 2, 3, 4])
    assert info.value.code == "R0109"


def test_assemble_warnings() -> None:
    src = "gene f(n: u64, i: u64) { from n == 0 do { i += 1 } until i == n }"
    with pytest.warns(rx.RdxWarning, match="W0301"):
        rx.assemble(src)
