"""Translation of a gene's Python AST into rdx source text.

The decorated function is never executed. Its source is read with :func:`inspect.getsource`,
parsed with :mod:`ast`, and each supported statement becomes one rdx statement (see
``SPELLINGS`` and ``orchestrator/README.md`` for the table). Every generated line remembers the
Python file and line it came from, so a diagnostic of the Rust checker can name the Python
statement at fault. Anything that is not a supported spelling raises :class:`CompileError` at
the Python line, saying what is supported instead.

Names in a gene body are resolved at translation time: parameters and ``rx.local`` variables are
rdx variables; any other name must resolve (closure, module globals, builtins) to an ``int``
(inlined as a literal), to another gene (``call``), or to one of the ``rx.*`` spellings. A
kernel's name (``rx.kernel("fft", z)``) is a string literal or a ``str`` constant resolved the
same way.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import operator
import re
import types
from typing import TYPE_CHECKING, Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

from . import _markers as M, _types as T
from .errors import CompileError, Diagnostic

if TYPE_CHECKING:
    from ._gene import Gene

#: Words the rdx lexer reserves; a Python name equal to one of them cannot be used as-is.
RESERVED = frozenset(
    """gene const if else fi from do loop until call uncall local delocal push pop assert skip
    erase swap neg not undo u64 i64 stack nil error print printf show f64 c64 kernel u8 u16 u32 i8 i16
    i32""".split()
)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

#: One line per supported statement: the Python spelling and the rdx it becomes.
SPELLINGS: Sequence[Tuple[str, str]] = (
    ("x += e / x -= e / x ^= e", "x += e / x -= e / x ^= e"),
    ("a[i] += e (any update on an element)", "a[i] += e"),
    ("x *= c  (c odd constant)", "x *= c"),
    ("x ^= x << c / x ^= x >> c", "x ^= x << c / x ^= x >> c"),
    ("x = rx.rotl(x, e) / x = rx.rotr(x, e)", "x <<<= e / x >>>= e"),
    ("x = -x / x = ~x", "neg x / not x"),
    ("a, b = b, a  (or rx.swap(a, b))", "swap a, b"),
    ("if c: … else: …  then rx.fi(a) on the next line", "if c { … } else { … } fi a"),
    ("for _ in rx.loop(entry=a, until=c): …  [rx.again() …]", "from a do { … } [loop { … }] until c"),
    ("g(x, y)  (g another @rx.gene)", "call g(x, y)"),
    ("rx.uncall(g, x, y)", "uncall g(x, y)"),
    ("t = rx.local(rx.u64, e) … rx.delocal(t, e)", "local t: u64 = e … delocal t = e"),
    ("rx.push(x, s) / rx.pop(x, s)", "push x, s / pop x, s"),
    ("assert e", "assert e"),
    ("pass / ...", "skip"),
    ("(x := e) / rx.assign(a[i], e)  (lossy)", "x := e / a[i] := e"),
    ("rx.erase(x)  (lossy)", "erase x"),
    ('rx.kernel("fft", z) / rx.undo_kernel("fft", z)', "kernel fft(z) / undo kernel fft(z)"),
)


def supported_statements() -> str:
    """The supported statement spellings as an indented list (used in error messages)."""
    return "\n".join(f"  {py:<56} -> {rdx}" for py, rdx in SPELLINGS)


# Binding strength in rdx (C order), higher binds tighter; atoms and unary operators above all.
_ATOM = 100
_UNARY = 11
_BINOPS: Dict[type, Tuple[str, int]] = {
    ast.Mult: ("*", 10),
    ast.FloorDiv: ("/", 10),
    ast.Mod: ("%", 10),
    ast.Add: ("+", 9),
    ast.Sub: ("-", 9),
    ast.LShift: ("<<", 8),
    ast.RShift: (">>", 8),
    ast.BitAnd: ("&", 5),
    ast.BitXor: ("^", 4),
    ast.BitOr: ("|", 3),
}
_CMPOPS: Dict[type, Tuple[str, int]] = {
    ast.Lt: ("<", 7),
    ast.LtE: ("<=", 7),
    ast.Gt: (">", 7),
    ast.GtE: (">=", 7),
    ast.Eq: ("==", 6),
    ast.NotEq: ("!=", 6),
}
_LOGAND = 2
_LOGOR = 1


class ParsedGene:
    """A gene's Python source, parsed once: the ``def`` node and where it sits in its file."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn = inspect.unwrap(fn)
        self.filename = inspect.getsourcefile(fn) or getattr(fn.__code__, "co_filename", "<unknown>")
        try:
            lines, first = inspect.getsourcelines(fn)
        except (OSError, TypeError) as e:
            raise CompileError(
                f"{self.filename}: cannot read the source of {fn.__qualname__} ({e}); a gene must be "
                "defined in a file (or a notebook cell) so its source can be translated",
                filename=self.filename,
                lineno=getattr(fn.__code__, "co_firstlineno", None),
            ) from None
        text, self.col_shifts = _dedent(lines)
        self.first_line = first
        self.file_lines = lines
        try:
            module = ast.parse(text)
        except SyntaxError as e:  # pragma: no cover - Python already compiled this function
            raise CompileError(f"{self.filename}:{first}: cannot parse gene source: {e}") from None
        defs = [n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if not defs:
            raise CompileError(f"{self.filename}:{first}: no function definition found for {fn.__qualname__}")
        self.node = defs[0]

    def line(self, node: ast.AST) -> int:
        """The file line of a node."""
        return self.first_line + getattr(node, "lineno", 1) - 1

    def col(self, node: ast.AST) -> int:
        """The 1-based file column of a node."""
        i = getattr(node, "lineno", 1) - 1
        shift = self.col_shifts[i] if 0 <= i < len(self.col_shifts) else 0
        return getattr(node, "col_offset", 0) + shift + 1

    def text_of_line(self, node: ast.AST) -> str:
        i = getattr(node, "lineno", 1) - 1
        return self.file_lines[i].rstrip("\n") if 0 <= i < len(self.file_lines) else ""

    def place_string(self, tree: ast.AST, string: ast.Constant) -> None:
        """Gives every node of ``tree``, parsed from the text of the string literal ``string``
        (an annotation written as a string), its position in the file. A literal written as
        its plain text between one pair of quotes on one line shifts the nodes into it, so
        an error names the part of the string at fault; any other literal (escapes, prefixes,
        triple quotes, concatenation) makes each node the whole literal."""
        i = getattr(string, "lineno", 1) - 1
        text = self.file_lines[i] if 0 <= i < len(self.file_lines) else ""
        shift = self.col_shifts[i] if 0 <= i < len(self.col_shifts) else 0
        # col_offset counts UTF-8 bytes, as do the offsets parsed from the string.
        written = text[shift:].encode()[string.col_offset : string.end_col_offset or 0]
        plain = string.end_lineno == string.lineno and any(
            written == (q + string.value + q).encode() for q in ('"', "'")
        )
        for n in ast.walk(tree):
            if not hasattr(n, "lineno"):
                continue
            if plain and n.lineno == 1 and n.end_lineno == 1:
                n.lineno = n.end_lineno = string.lineno
                n.col_offset += string.col_offset + 1
                n.end_col_offset = (n.end_col_offset or 0) + string.col_offset + 1
            else:
                ast.copy_location(n, string)


def _dedent(lines: Sequence[str]) -> Tuple[str, List[int]]:
    """The source of a function (its decorators first) moved to column 0, and how many columns
    each line lost. Each line loses the indentation of the first, or as much of it as it has:
    a line indented less (a comment at column 0, a line of a string, a continuation line inside
    brackets) is one whose indentation Python ignores, so the ``def`` parses where it was
    nested. ``textwrap.dedent`` removes only what every line has, nothing then."""
    first = lines[0] if lines else ""
    indent = first[: len(first) - len(first.lstrip(" \t"))]
    out, shifts = [], []
    for line in lines:
        n = 0
        while n < len(indent) and n < len(line) and line[n] == indent[n]:
            n += 1
        out.append(line[n:])
        shifts.append(n)
    return "".join(out), shifts


class Translation:
    """The rdx program generated for a gene and the genes it calls.

    ``origins[i]`` is the ``(python_file, python_line)`` that generated line ``i + 1`` of
    ``source``. ``params`` are the entry gene's parameters in order.
    """

    def __init__(
        self,
        source: str,
        origins: List[Tuple[str, int]],
        entry: str,
        params: List[Tuple[str, T.Type]],
        genes: Dict[str, Gene],
    ) -> None:
        self.source = source
        self.origins = origins
        self.entry = entry
        self.params = params
        self.genes = genes

    def origin(self, line: int) -> Optional[Tuple[str, int]]:
        """The Python ``(file, line)`` of a 1-based rdx line, if the line came from Python."""
        if 1 <= line <= len(self.origins):
            return self.origins[line - 1]
        return None


def translate_program(root: Gene) -> Translation:
    """Translates ``root`` and every gene it calls (transitively) into one rdx program."""
    from ._gene import Gene

    names: Dict[int, str] = {}
    taken: Dict[str, Gene] = {}
    order: List[Gene] = []

    def name_of(g: Gene) -> str:
        key = id(g)
        if key in names:
            return names[key]
        base = g.__name__
        name, k = base, 2
        # `main` is the entry that `rdx run` and `rx.load` pick in a module that does not say
        # which: a called gene of that name would be run in the entry's place once the
        # program is saved, so only the entry gene itself is called `main`.
        while name in taken or (order and name == "main"):
            name, k = f"{base}_{k}", k + 1
        names[key] = name
        taken[name] = g
        order.append(g)
        return name

    name_of(root)
    lines: List[str] = []
    origins: List[Tuple[str, int]] = []
    params: List[Tuple[str, T.Type]] = []
    i = 0
    while i < len(order):
        g = order[i]
        if not isinstance(g, Gene):  # pragma: no cover - name_of only receives genes
            raise TypeError(g)
        tr = _GeneTranslator(g, names[id(g)], name_of)
        tr.translate()
        if i == 0:
            params = tr.params
        else:
            lines.append("")
            origins.append((tr.p.filename, tr.p.line(tr.p.node)))
        lines.extend(tr.lines)
        origins.extend(tr.origins)
        i += 1
    return Translation("\n".join(lines) + "\n", origins, names[id(root)], params, dict(taken))


class _Unresolved(Exception):
    pass


class _GeneTranslator:
    def __init__(self, gene: Gene, name: str, name_of: Callable[[Gene], str]) -> None:
        self.gene = gene
        self.p = parsed = gene._parsed()
        self.fn = parsed.fn
        self.name = name
        self.name_of = name_of
        self.vars: Dict[str, T.Type] = {}
        self.params: List[Tuple[str, T.Type]] = []
        self.lines: List[str] = []
        self.origins: List[Tuple[str, int]] = []
        self.depth = 0
        self._operands: Dict[int, _Operand] = {}
        # While a parameter's annotation is read: Python evaluates it where the `def` stands
        # (the module, or the enclosing function), so the gene's own names do not hide it.
        self._in_annotation = False

    # ---- errors and output -------------------------------------------------------------

    def fail(
        self, node: ast.AST, message: str, hint: str = "", list_supported: bool = False, code: str = ""
    ) -> CompileError:
        line, col = self.p.line(node), self.p.col(node)
        excerpt = self.p.text_of_line(node)
        parts = [f"{self.p.filename}:{line}:{col}: error{f'[{code}]' if code else ''}: {message}"]
        if excerpt:
            gutter = f"{line:>5} | "
            parts.append(gutter + excerpt)
            width = max(1, _node_width(node))
            parts.append(" " * (len(gutter) - 2) + "| " + " " * (col - 1) + "^" * width)
        if hint:
            parts.append(f"hint: {hint}")
        if list_supported:
            parts.append("supported statements in a gene (Python -> rdx):\n" + supported_statements())
        diagnostics = [Diagnostic(code, message, py_file=self.p.filename, py_line=line)] if code else []
        return CompileError(
            message, rendered="\n".join(parts), diagnostics=diagnostics, filename=self.p.filename, lineno=line
        )

    def emit(self, text: str, node: ast.AST) -> None:
        self.lines.append("    " * self.depth + text)
        self.origins.append((self.p.filename, self.p.line(node)))

    # ---- name resolution ---------------------------------------------------------------

    def lookup(self, name: str) -> Any:
        code = self.fn.__code__
        if not self._in_annotation and self.is_function_local(name):
            # Assigned somewhere in the function, so Python makes it local to the function
            # throughout: it never means the global of the same name.
            raise _Unresolved(name)
        closure = self.fn.__closure__ or ()
        for var, cell in zip(code.co_freevars, closure):
            if var == name:
                try:
                    return cell.cell_contents
                except ValueError:
                    raise _Unresolved(name) from None
        g = self.fn.__globals__
        if name in g:
            return g[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        raise _Unresolved(name)

    def is_function_local(self, name: str) -> bool:
        """Whether Python makes ``name`` a local of the gene's function (it is bound in the body,
        by ``rx.local``, ``:=`` or a ``for`` target), whether or not the gene declared it yet."""
        code = self.fn.__code__
        return name in code.co_varnames or name in code.co_cellvars

    def resolve(self, node: ast.AST) -> Any:
        """The Python object a name or dotted name denotes (modules and classes only on the way)."""
        if isinstance(node, ast.Name):
            try:
                return self.lookup(node.id)
            except _Unresolved:
                if node.id == self.fn.__name__:
                    return _SELF
                raise
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if isinstance(base, (types.ModuleType, type)) and hasattr(base, node.attr):
                return getattr(base, node.attr)
            raise _Unresolved(node.attr)
        raise _Unresolved(type(node).__name__)

    def resolve_opt(self, node: ast.AST) -> Any:
        try:
            return self.resolve(node)
        except _Unresolved:
            return None

    def callee(self, call: ast.Call) -> Any:
        """What a call's function denotes: an ``rx.*`` spelling, a gene, or ``None``."""
        from ._gene import Gene

        obj = self.resolve_opt(call.func)
        if obj is _SELF:
            return self.gene_self()
        if isinstance(obj, Gene) or _is_marker(obj) or obj is len:
            return obj
        return None

    def gene_self(self) -> Gene:
        return self.gene

    def check_ident(self, name: str, node: ast.AST, what: str) -> str:
        if not _IDENT.match(name):
            raise self.fail(node, f"{what} `{name}` is not an rdx identifier (ASCII letters, digits, _)")
        if name in RESERVED:
            raise self.fail(node, f"{what} `{name}` is a reserved word in rdx", hint=f"rename `{name}`")
        return name

    # ---- types -------------------------------------------------------------------------

    def type_of(self, node: Optional[ast.AST], where: ast.AST, what: str) -> T.Type:
        if node is None:
            raise self.fail(
                where,
                f"{what} has no type annotation",
                hint="annotate it: `x: rx.u64`, `x: rx.i64`, `xs: rx.array(rx.u64, 8)`, `s: rx.stack` "
                "or a kernel buffer `z: rx.array(rx.c64, 8)`",
            )
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                inner = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                raise self.fail(node, f"cannot parse the annotation {node.value!r}") from None
            self.p.place_string(inner, node)
            node = inner
        try:
            if isinstance(node, ast.Call):
                func = self.resolve(node.func)
                if func is not T.array or node.keywords or len(node.args) != 2:
                    raise _Unresolved("call")
                elem = self.resolve(node.args[0])
                try:
                    length = self.const_int(node.args[1])
                except _Unresolved:
                    raise self.fail(
                        node.args[1],
                        f"the length of {what} must be an int literal or a module constant, "
                        f"not `{ast.unparse(node.args[1])}`",
                        hint="write the number, or name a constant: N = 2 * 2 at module level, then rx.array(rx.u64, N)",
                    ) from None
                if not isinstance(elem, (T.Scalar, T.BufferElem)):
                    raise _Unresolved("elem")
                try:
                    return T.array(elem, length)
                except (TypeError, ValueError) as e:
                    raise self.fail(node, str(e)) from None
            ty = self.resolve(node)
        except _Unresolved:
            ty = None
        if isinstance(ty, T.Type):
            return ty
        if isinstance(ty, T.BufferElem):
            raise self.fail(
                node,
                f"{ty!r} is not a type for {what}: f64 and c64 are kernel buffer element types, "
                "usable only as array elements",
                hint=f"declare a buffer, e.g. rx.array({ty!r}, 8), and transform it with rx.kernel",
            )
        raise self.fail(
            node,
            f"unsupported type for {what}",
            hint="use rx.u64, rx.i64, rx.array(rx.u64, N), rx.array(rx.i64, N), rx.stack, "
            "or a kernel buffer rx.array(rx.f64, N) / rx.array(rx.c64, N)",
        )

    def param_type(self, arg: ast.arg, name: str) -> T.Type:
        """A parameter's type, read from its annotation as Python reads it: in the scope where
        the `def` stands, so a parameter of the same name as a constant (``N: rx.u64, a:
        rx.array(rx.u64, N)``) does not hide it. A name only the enclosing function has (not a
        free variable of the gene) is found in the annotation Python evaluated at the `def`."""
        self._in_annotation = True
        try:
            return self.type_of(arg.annotation, arg, f"parameter `{name}`")
        except CompileError:
            try:
                evaluated = self.fn.__annotations__.get(arg.arg)
            except Exception:  # a deferred annotation (PEP 649) that fails to evaluate
                evaluated = None
            if isinstance(evaluated, T.Type) and not isinstance(arg.annotation, ast.Constant):
                return evaluated
            raise
        finally:
            self._in_annotation = False

    def const_int(self, node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, (ast.Name, ast.Attribute)):
            v = self.resolve_opt(node)
            if isinstance(v, int) and not isinstance(v, bool):
                return int(v)
        raise _Unresolved("int")

    # ---- genes -------------------------------------------------------------------------

    def translate(self) -> None:
        fn = self.p.node
        if isinstance(fn, ast.AsyncFunctionDef):
            raise self.fail(fn, "a gene cannot be `async def`")
        self.check_ident(self.name, fn, "gene name")
        a = fn.args
        if a.vararg or a.kwarg or a.defaults or a.kw_defaults and any(a.kw_defaults):
            raise self.fail(fn, "gene parameters cannot have defaults, *args or **kwargs")
        plist = []
        # Python's order: positional-only, the others, keyword-only (after `*`).
        for arg in list(getattr(a, "posonlyargs", [])) + list(a.args) + list(a.kwonlyargs):
            name = self.check_ident(arg.arg, arg, "parameter")
            ty = self.param_type(arg, name)
            if name in self.vars:
                raise self.fail(arg, f"duplicate parameter `{name}`")  # pragma: no cover
            self.vars[name] = ty
            self.params.append((name, ty))
            plist.append(f"{name}: {ty.rdx}")
        if fn.returns is not None:
            raise self.fail(fn.returns, "a gene returns nothing: its parameters are its results")
        self.emit(f"gene {self.name}({', '.join(plist)}) {{", fn)
        body = list(fn.body)
        if body and _is_docstring(body[0]):
            body = body[1:]
        self.depth += 1
        self.block(body, fn)
        self.depth -= 1
        self.emit("}", body[-1] if body else fn)

    # ---- statements --------------------------------------------------------------------

    def block(self, stmts: List[ast.stmt], owner: ast.AST) -> None:
        if not stmts:
            self.emit("skip", owner)
            return
        i = 0
        while i < len(stmts):
            s = stmts[i]
            if isinstance(s, ast.If):
                nxt = stmts[i + 1] if i + 1 < len(stmts) else None
                fi = self.fi_of(nxt)
                if fi is None:
                    raise self.fail(
                        s,
                        "an `if` needs its exit assertion",
                        hint="write `rx.fi(cond)` on the line right after the if/else: `cond` must hold "
                        "after the then-branch and fail after the else-branch (rdx `fi cond`)",
                    )
                self.nested(self.if_stmt, s, fi)
                i += 2
                continue
            self.nested(self.stmt, s)
            i += 1

    def nested(self, translate: Callable[..., None], s: ast.stmt, *rest: Any) -> None:
        """Translates statement ``s``; an expression too deep for the translator's recursion
        (``x += y + y + …`` with hundreds of terms) is the front end's E0105 at its line, as a
        slightly shallower one is when the rdx parser meets it."""
        try:
            translate(s, *rest)
        except RecursionError:
            raise self.fail(
                s,
                "expression nested too deeply",
                hint="split it over several statements (x += a, then x += b)",
                code="E0105",
            ) from None

    def fi_of(self, node: Optional[ast.stmt]) -> Optional[ast.expr]:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if self.callee(call) is M.fi:
                if len(call.args) != 1 or call.keywords:
                    raise self.fail(call, "rx.fi takes one argument: the exit assertion")
                return call.args[0]
        return None

    def if_stmt(self, s: ast.If, fi: ast.expr) -> None:
        self.emit(f"if {self.cond_text(s.test)} {{", s)
        self.depth += 1
        self.block(s.body, s)
        self.depth -= 1
        if s.orelse:
            first = s.orelse[0]
            if len(s.orelse) == 1 and isinstance(first, ast.If) and self._is_elif(first):
                raise self.fail(
                    first,
                    "`elif` has no place for its own exit assertion",
                    hint="write `else:` and a nested `if` followed by its own `rx.fi(...)`",
                )
            self.emit("} else {", first)
            self.depth += 1
            self.block(s.orelse, s)
            self.depth -= 1
        self.emit(f"}} fi {self.cond_text(fi)}", fi)

    def _is_elif(self, node: ast.If) -> bool:
        text = self.p.text_of_line(node)
        return text[self.p.col(node) - 1 :].startswith("elif")

    def stmt(self, s: ast.stmt) -> None:
        if isinstance(s, ast.Pass):
            self.emit("skip", s)
        elif isinstance(s, ast.Expr):
            self.expr_stmt(s)
        elif isinstance(s, ast.AugAssign):
            self.aug_assign(s)
        elif isinstance(s, ast.Assign):
            self.assign(s)
        elif isinstance(s, ast.For):
            self.for_loop(s)
        elif isinstance(s, ast.Assert):
            if s.msg is not None:
                raise self.fail(s.msg, "an rdx assertion has no message", hint="write `assert cond`")
            self.emit(f"assert {self.cond_text(s.test)}", s)
        elif isinstance(s, ast.While):
            raise self.fail(
                s,
                "`while` is not reversible as written",
                hint="use `for _ in rx.loop(entry=<true only on entry>, until=<exit condition>):` "
                "(rdx `from … do { … } until …`)",
            )
        elif isinstance(s, ast.AnnAssign):
            raise self.fail(
                s,
                "annotated assignment is not supported",
                hint="declare a local as `t = rx.local(rx.u64, 0)`",
            )
        else:
            raise self.fail(
                s, f"`{_stmt_word(s)}` statements are not supported in a gene", list_supported=True
            )

    def expr_stmt(self, s: ast.Expr) -> None:
        v = s.value
        if isinstance(v, ast.Constant) and (v.value is Ellipsis or isinstance(v.value, str)):
            self.emit("skip", s)
            return
        if isinstance(v, ast.NamedExpr):
            self.emit(f"{self.place(v.target)} := {self.expr_text(v.value)}", s)
            return
        if isinstance(v, (ast.Yield, ast.YieldFrom, ast.Lambda)):
            self.expr(v)  # refused there, with the words for it
        if not isinstance(v, ast.Call):
            raise self.fail(v, "an expression on its own does nothing in a gene", list_supported=True)
        from ._gene import Gene

        f = self.callee(v)
        if isinstance(f, Gene):
            self.emit(f"call {self.call_text(f, v.args, v, v.keywords)}", s)
            return
        if f is None:
            raise self.fail(
                v.func,
                "only other genes and the rx.* statements can be called in a gene",
                list_supported=True,
            )
        args = v.args
        if f is M.uncall:
            g = self.callee_gene(args[0] if args else v)
            self.emit(f"uncall {self.call_text(g, args[1:], v, v.keywords)}", s)
            return
        if f is M.loop:
            raise self.fail(
                v,
                "rx.loop(...) is not a statement: it goes only in `for _ in rx.loop(entry=..., until=...):`",
                hint="for _ in rx.loop(entry=i == 0, until=i == n):  "
                "(rdx `from i == 0 do { … } until i == n`)",
            )
        if v.keywords:
            raise self.fail(v, "keyword arguments are not supported here")
        if f is M.delocal:
            self.arity(v, 2, "rx.delocal(var, value)")
            self.emit(f"delocal {self.var(args[0])} = {self.expr_text(args[1])}", s)
        elif f is M.push or f is M.pop:
            self.arity(v, 2, f"rx.{f.__name__}(x, s)")
            self.emit(f"{f.__name__} {self.place(args[0])}, {self.var(args[1])}", s)
        elif f is M.swap:
            self.arity(v, 2, "rx.swap(a, b)")
            self.emit(f"swap {self.place(args[0])}, {self.place(args[1])}", s)
        elif f is M.assign:
            self.arity(v, 2, "rx.assign(x, e)")
            self.emit(f"{self.place(args[0])} := {self.expr_text(args[1])}", s)
        elif f is M.erase:
            self.arity(v, 1, "rx.erase(x)")
            self.emit(f"erase {self.place(args[0])}", s)
        elif f is M.rotl or f is M.rotr:
            self.arity(v, 2, f"rx.{f.__name__}(x, e)")
            op = "<<<=" if f is M.rotl else ">>>="
            self.emit(f"{self.place(args[0])} {op} {self.expr_text(args[1])}", s)
        elif f is M.kernel or f is M.undo_kernel:
            self.kernel(s, v, undo=f is M.undo_kernel)
        elif f is M.fi:
            raise self.fail(v, "rx.fi(...) must come right after an `if` statement")
        elif f is M.again:
            raise self.fail(v, "rx.again() only separates the two parts of an rx.loop body")
        else:
            raise self.fail(v, f"`{ast.unparse(v.func)}(...)` is not a statement", list_supported=True)

    def kernel(self, s: ast.stmt, call: ast.Call, undo: bool) -> None:
        spelling = f'rx.{"undo_kernel" if undo else "kernel"}("fft", z)'
        self.arity(call, 2, f"{spelling}: a kernel name and a buffer")
        name_node, buf = call.args
        name = self.const_str(name_node)
        if name is None:
            raise self.fail(
                name_node,
                "a kernel name must be a string literal or a module-level str constant",
                hint=f"{spelling}  (`rdx kernels` lists the kernels)",
            )
        if not _IDENT.match(name) or name in RESERVED:
            raise self.fail(
                name_node,
                f"kernel name {name!r} is not an rdx identifier "
                "(ASCII letters, digits, _; not a reserved word)",
                hint=f"{spelling}  (`rdx kernels` lists the kernels)",
            )
        if not (isinstance(buf, ast.Name) and buf.id in self.vars):
            raise self.fail(
                buf,
                "a kernel's buffer must be an array parameter or local of this gene, by name",
                hint=f"{spelling} with z: rx.array(rx.c64, 8)",
            )
        if not isinstance(self.vars[buf.id], T.Array):
            raise self.fail(
                buf,
                f"`{buf.id}` is a {self.vars[buf.id].rdx}, not an array: a kernel transforms an array buffer",
                hint="fft takes rx.array(rx.c64, N), wht rx.array(rx.f64, N), haar rx.array(rx.i64, N), "
                "gray rx.array(rx.u64, N)",
            )
        word = "undo kernel" if undo else "kernel"
        self.emit(f"{word} {name}({buf.id})", s)

    def const_str(self, node: ast.AST) -> Optional[str]:
        """A string literal, or a name that resolves to a ``str`` constant; else ``None``."""
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, (ast.Name, ast.Attribute)) and not (
            isinstance(node, ast.Name) and node.id in self.vars
        ):
            v = self.resolve_opt(node)
            if isinstance(v, str):
                return v
        return None

    def arity(self, call: ast.Call, n: int, spelling: str) -> None:
        if len(call.args) != n:
            raise self.fail(call, f"expected {spelling}")

    def callee_gene(self, node: ast.AST) -> Gene:
        from ._gene import Gene

        obj = self.resolve_opt(node)
        if obj is _SELF:
            obj = self.gene_self()
        if not isinstance(obj, Gene):
            raise self.fail(node, "the first argument of rx.uncall must be a gene", hint="rx.uncall(g, x, y)")
        return obj

    def call_text(
        self, g: Gene, args: Sequence[ast.expr], node: ast.AST, keywords: Sequence[ast.keyword] = ()
    ) -> str:
        """The rdx call of ``g``: positional arguments in order, keyword ones (``g(x=a)``) at
        their parameter's position, bound as Python binds them (a positional-only parameter
        by position, a keyword-only one by keyword)."""
        code = g._parsed().fn.__code__
        # co_varnames starts with the parameters: positional ones, then keyword-only ones.
        params = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        if len(args) > code.co_argcount:
            many = f"{len(args)} were given" if len(args) > 1 else "1 was given"
            raise self.fail(
                node,
                f"`{g.fn.__name__}` takes {code.co_argcount} positional argument"
                f"{'s' if code.co_argcount != 1 else ''} but {many}",
                hint=f"pass {', '.join(params[code.co_argcount:])} by keyword" if code.co_kwonlyargcount else "",
            )
        given: List[Optional[ast.expr]] = list(args)
        if keywords:
            given += [None] * max(0, len(params) - len(given))
        for kw in keywords:
            if kw.arg is None:
                raise self.fail(kw.value, "`**` arguments are not supported: pass each variable")
            if kw.arg not in params:
                raise self.fail(
                    kw.value, f"`{g.fn.__name__}` has no parameter `{kw.arg}` (its parameters: {', '.join(params)})"
                )
            k = params.index(kw.arg)
            if k < code.co_posonlyargcount:
                raise self.fail(
                    kw.value,
                    f"parameter `{kw.arg}` of `{g.fn.__name__}` is positional-only (before `/`), "
                    "so Python does not bind it by keyword",
                    hint=f"pass `{kw.arg}` by position",
                )
            if given[k] is not None:
                raise self.fail(kw.value, f"parameter `{kw.arg}` of `{g.fn.__name__}` is given twice")
            given[k] = kw.value
        names = []
        for k, a in enumerate(given):
            if a is None:
                raise self.fail(node, f"no argument for parameter `{params[k]}` of `{g.fn.__name__}`")
            if not (isinstance(a, ast.Name) and a.id in self.vars):
                raise self.fail(
                    a, "gene arguments must be variables (parameters or locals)", hint="pass a variable name"
                )
            names.append(a.id)
        return f"{self.name_of(g)}({', '.join(names)})"

    def aug_assign(self, s: ast.AugAssign) -> None:
        target = self.place(s.target)
        op = type(s.op)
        if (
            op is ast.BitXor
            and isinstance(s.value, ast.BinOp)
            and type(s.value.op) in (ast.LShift, ast.RShift)
        ):
            if _same(s.value.left, s.target):
                sym = "<<" if isinstance(s.value.op, ast.LShift) else ">>"
                ty = self.place_type(s.target)
                if sym == ">>" and isinstance(ty, T.Scalar) and ty.signed:
                    raise self.fail(
                        s,
                        f"`{ast.unparse(s)}` on a signed `{ast.unparse(s.target)}` ({ty.rdx}): rdx's "
                        "xorshift shifts logically (zeros come in at the top) where Python's `>>` on a "
                        "signed value shifts arithmetically (copies of the sign bit), and the arithmetic "
                        "step is not reversible",
                        hint=f"declare `{ast.unparse(s.target)}` unsigned (rx.u64, rx.u32, …) if the bits "
                        "are what count; `x ^= x << c` means the same on signed values",
                    )
                amount = self.expr_text(s.value.right, 9)
                self.check_shift_count(s.value.right)
                self.emit(f"{target} ^= {target} {sym} {amount}", s)
                return
        if op in (ast.Add, ast.Sub, ast.BitXor):
            sym = {ast.Add: "+=", ast.Sub: "-=", ast.BitXor: "^="}[op]
            self.emit(f"{target} {sym} {self.expr_text(s.value)}", s)
        elif op is ast.Mult:
            self.emit(f"{target} *= {self.expr_text(s.value)}", s)
        else:
            raise self.fail(
                s,
                f"`{_AUG_WORDS.get(op, '?')}=` is not reversible",
                hint="reversible updates are +=, -=, ^=, *= odd constant, x ^= x << c, x ^= x >> c",
            )

    def assign(self, s: ast.Assign) -> None:
        if len(s.targets) != 1:
            raise self.fail(s, "chained assignment is not supported")
        tgt, val = s.targets[0], s.value
        if isinstance(tgt, (ast.Tuple, ast.List)):
            if (
                len(tgt.elts) == 2
                and isinstance(val, (ast.Tuple, ast.List))
                and len(val.elts) == 2
                and _same(tgt.elts[0], val.elts[1])
                and _same(tgt.elts[1], val.elts[0])
            ):
                self.emit(f"swap {self.place(tgt.elts[0])}, {self.place(tgt.elts[1])}", s)
                return
            raise self.fail(s, "tuple assignment is only supported as a swap", hint="a, b = b, a")
        if isinstance(val, ast.Lambda):
            raise self.fail(val, "lambdas are not supported in a gene", hint=_NO_LAMBDA)
        if isinstance(val, ast.Call):
            f = self.callee(val)
            if f is M.local:
                self.local(s, tgt, val)
                return
            if f is M.kernel or f is M.undo_kernel:
                raise self.fail(
                    val,
                    f"rx.{f.__name__}(...) is a statement: the kernel transforms its buffer in place",
                    hint=f'write `rx.{f.__name__}("fft", z)` on its own line',
                )
            if f is M.rotl or f is M.rotr:
                self.arity(val, 2, f"x = rx.{f.__name__}(x, e)")
                if not _same(val.args[0], tgt):
                    raise self.fail(val, "a rotation rotates its target in place", hint="x = rx.rotl(x, 3)")
                op = "<<<=" if f is M.rotl else ">>>="
                self.emit(f"{self.place(tgt)} {op} {self.expr_text(val.args[1])}", s)
                return
        if (
            isinstance(val, ast.UnaryOp)
            and isinstance(val.op, (ast.USub, ast.Invert))
            and _same(val.operand, tgt)
        ):
            word = "neg" if isinstance(val.op, ast.USub) else "not"
            self.emit(f"{word} {self.place(tgt)}", s)
            return
        raise self.fail(
            s,
            "plain assignment overwrites a value, which is not reversible",
            hint="update instead (x += e, x ^= e), declare a local (t = rx.local(rx.u64, e)), "
            "or use the lossy (x := e) whose old value goes to the history tape",
        )

    def local(self, s: ast.Assign, tgt: ast.expr, call: ast.Call) -> None:
        if not isinstance(tgt, ast.Name):
            raise self.fail(tgt, "a local must be a plain name", hint="t = rx.local(rx.u64, 0)")
        if len(call.args) != 2 or call.keywords:
            raise self.fail(call, "expected t = rx.local(type, initial value)")
        name = self.check_ident(tgt.id, tgt, "local")
        ty = self.type_of(call.args[0], call, f"local `{name}`")
        init = self.expr_text(call.args[1])
        self.vars[name] = ty
        self.emit(f"local {name}: {ty.rdx} = {init}", s)

    def for_loop(self, s: ast.For) -> None:
        it = s.iter
        if not (isinstance(it, ast.Call) and self.callee(it) is M.loop):
            raise self.fail(
                s,
                "a `for` loop must iterate over rx.loop(entry=..., until=...)",
                hint="for _ in rx.loop(entry=i == 0, until=i == n):  "
                "(rdx `from i == 0 do { … } until i == n`)",
            )
        if not (isinstance(s.target, ast.Name) and s.target.id == "_"):
            raise self.fail(s.target, "the loop variable of rx.loop must be `_`")
        if s.orelse:
            raise self.fail(s.orelse[0], "`for … else` is not supported")
        entry, until = self.loop_args(it)
        body = list(s.body)
        split = next((k for k, b in enumerate(body) if self.is_again(b)), None)
        again: Optional[List[ast.stmt]] = None
        if split is not None:
            body, again = body[:split], body[split + 1 :]
            if any(self.is_again(b) for b in again):
                raise self.fail(s, "rx.again() may appear once in a loop body")
        self.emit(f"from {self.cond_text(entry)} do {{", s)
        self.depth += 1
        self.block(body, s)
        self.depth -= 1
        if again:
            self.emit("} loop {", again[0])
            self.depth += 1
            self.block(again, s)
            self.depth -= 1
        self.emit(f"}} until {self.cond_text(until)}", s)

    def loop_args(self, call: ast.Call) -> Tuple[ast.expr, ast.expr]:
        given: Dict[str, ast.expr] = {}
        names = ["entry", "until"]
        if len(call.args) > 2:
            raise self.fail(call, "rx.loop takes two conditions: entry and until")
        for k, a in enumerate(call.args):
            given[names[k]] = a
        for kw in call.keywords:
            if kw.arg not in names or kw.arg in given:
                raise self.fail(call, f"unexpected argument {kw.arg!r} to rx.loop(entry=..., until=...)")
            given[kw.arg] = kw.value
        if len(given) != 2:
            raise self.fail(
                call, "rx.loop needs both entry= (true only on entry) and until= (exit condition)"
            )
        return given["entry"], given["until"]

    def is_again(self, s: ast.stmt) -> bool:
        return isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and self.callee(s.value) is M.again

    # ---- places and expressions --------------------------------------------------------

    def var(self, node: ast.AST) -> str:
        if isinstance(node, ast.Name) and node.id in self.vars:
            return node.id
        if isinstance(node, ast.Name):
            raise self.fail(node, f"`{node.id}` is not a parameter or local of this gene")
        raise self.fail(node, "expected a variable name")

    def place_type(self, node: ast.AST) -> Optional[Any]:
        """The type of a place (a variable, or an element's type), if it is one."""
        if isinstance(node, ast.Subscript):
            ty = self.vars.get(node.value.id) if isinstance(node.value, ast.Name) else None
            return ty.elem if isinstance(ty, T.Array) else None
        return self.vars.get(node.id) if isinstance(node, ast.Name) else None

    def place(self, node: ast.AST) -> str:
        if isinstance(node, ast.Name):
            return self.var(node)
        if isinstance(node, ast.Subscript):
            base = self.var(node.value)
            idx = node.slice
            if isinstance(idx, ast.Slice) or type(idx).__name__ in ("ExtSlice", "Tuple"):
                raise self.fail(node, "only single-element indexing a[i] is supported")
            if type(idx).__name__ == "Index":  # pragma: no cover - Python 3.8 wrapper
                idx = idx.value  # type: ignore[attr-defined]
            text = self.expr_text(idx)
            self.check_read(idx, f"`{ast.unparse(node)}` indexes with `{ast.unparse(idx)}`")
            return f"{base}[{text}]"
        raise self.fail(node, "expected a variable or an array element a[i]")

    def expr_text(self, node: ast.AST, min_prec: int = 0) -> str:
        text, prec = self.expr(node)
        return f"({text})" if prec < min_prec else text

    def cond_text(self, node: ast.AST) -> str:
        """A condition (``if``, ``rx.fi``, ``rx.loop``'s, ``assert``): only its truth counts, so
        ``and``/``or`` may join values there."""
        return self.expr(node, cond=True)[0]

    def expr(self, node: ast.AST, cond: bool = False) -> Tuple[str, int]:
        """An expression's rdx text and binding strength. ``cond``: only its truth counts."""
        out = self._expr(node, cond)
        if cond:
            self.check_truth(node)
            self.check_read(node, f"a truth test reads `{ast.unparse(node)}`")
        return out

    def _expr(self, node: ast.AST, cond: bool) -> Tuple[str, int]:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                return ("1" if v else "0"), _ATOM
            if isinstance(v, int):
                return self.literal(v, node)
            raise self.fail(node, f"unsupported constant {v!r}: rdx values are 64-bit integers")
        if isinstance(node, ast.Name):
            if node.id in self.vars:
                return node.id, _ATOM
            return self.constant(node)
        if isinstance(node, ast.Attribute):
            return self.constant(node)
        if isinstance(node, ast.Subscript):
            return self.place(node), _ATOM
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.expr(node.operand)
            o = node.operand
            if isinstance(node.op, ast.USub) and isinstance(o, ast.Constant) and type(o.value) is int:
                # A negative literal is one value, checked as one: -2**64 + 1 does not fit.
                return self.literal(-o.value, node)
            sym = {ast.USub: "-", ast.Invert: "~", ast.Not: "!"}[type(node.op)]
            # `not e` is 0 or 1 from e's truth alone, in Python as in rdx.
            inner, p = self.expr(node.operand, cond=isinstance(node.op, ast.Not))
            if p < _UNARY or inner.startswith(("-", "~", "!")):
                inner = f"({inner})"
            return sym + inner, _UNARY
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                hint = "use // for integer division" if isinstance(node.op, ast.Div) else ""
                raise self.fail(
                    node, f"operator `{_BINOP_WORDS.get(type(node.op), '?')}` is not in rdx", hint=hint
                )
            out = self.binary(op[0], op[1], node.left, node.right)
            if isinstance(node.op, (ast.LShift, ast.RShift, ast.FloorDiv, ast.Mod)):
                self.check_signs(node, node.op, node.left, node.right)
                text = ast.unparse(node)
                if not isinstance(node.op, ast.LShift):  # the low 64 bits of `<<` are Python's
                    how = "shifts" if isinstance(node.op, ast.RShift) else "divides"
                    self.check_read(node.left, f"`{text}` {how} `{ast.unparse(node.left)}`")
                how = "shifts by" if isinstance(node.op, (ast.LShift, ast.RShift)) else "divides by"
                self.check_read(node.right, f"`{text}` {how} `{ast.unparse(node.right)}`")
            return out
        if isinstance(node, ast.Compare):
            parts = []
            left = node.left
            for op_node, right in zip(node.ops, node.comparators):
                op = _CMPOPS.get(type(op_node))
                if op is None:
                    raise self.fail(node, "only ==, !=, <, <=, >, >= compare in rdx")
                parts.append(self.binary(op[0], op[1], left, right))
                self.check_signs(node, op_node, left, right)
                for this in (left, right):
                    self.check_read(this, f"`{ast.unparse(node)}` compares `{ast.unparse(this)}`")
                left = right
            return self.chain("&&", _LOGAND, parts)
        if isinstance(node, ast.BoolOp):
            word = "and" if isinstance(node.op, ast.And) else "or"
            if not cond and not _is_truth(node):
                # Python's `a or b` is a itself when a is true, rdx's `a || b` is 1: as a value
                # they differ, as a condition they agree.
                raise self.fail(
                    node,
                    f"`{word}` used as a value: Python gives one of its operands, rdx `"
                    f"{'&&' if word == 'and' else '||'}` gives 0 or 1",
                    hint=f"use `{word}` in conditions only (if, rx.fi, rx.loop, assert), or compare "
                    "its operands (`(a != 0) or (b != 0)` is 0 or 1 in both)",
                )
            sym, prec = ("&&", _LOGAND) if isinstance(node.op, ast.And) else ("||", _LOGOR)
            return self.chain(sym, prec, [self.expr(v, cond=True) for v in node.values])
        if isinstance(node, ast.Call):
            f = self.callee(node)
            if f in (M.empty, M.top, M.size, len):
                if len(node.args) != 1 or node.keywords:
                    raise self.fail(node, "expected one variable argument")
                word = "size" if f is len else f.__name__
                return f"{word}({self.var(node.args[0])})", _ATOM
            raise self.fail(
                node,
                "calls in expressions are limited to rx.empty(s), rx.top(s), rx.size(x) and len(x)",
                hint="call a gene as a statement: g(x, y)",
            )
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            word = "yield from" if isinstance(node, ast.YieldFrom) else "yield"
            raise self.fail(
                node,
                f"`{word}` is not supported in a gene: a gene is not a generator",
                hint="a gene hands its results back in its parameters",
            )
        if isinstance(node, ast.Lambda):
            raise self.fail(node, "lambdas are not supported in a gene", hint=_NO_LAMBDA)
        raise self.fail(node, f"unsupported expression ({type(node).__name__})")

    def binary(self, sym: str, prec: int, left: ast.AST, right: ast.AST) -> Tuple[str, int]:
        lt, lp = self.expr(left)
        rt, rp = self.expr(right)
        if lp < prec:
            lt = f"({lt})"
        if rp <= prec:
            rt = f"({rt})"
        return f"{lt} {sym} {rt}", prec

    def chain(self, sym: str, prec: int, parts: List[Tuple[str, int]]) -> Tuple[str, int]:
        if len(parts) == 1:
            return parts[0]
        texts = [t if p > prec or (k == 0 and p == prec) else f"({t})" for k, (t, p) in enumerate(parts)]
        return f" {sym} ".join(texts), prec

    def literal(self, v: int, node: ast.AST) -> Tuple[str, int]:
        if v > T.U64_MAX or v < T.I64_MIN:
            shown = T.show_int(v)
            what = f"integer {shown}" if shown[-1].isdigit() else shown  # "a 5001-digit integer"
            raise self.fail(node, f"{what} does not fit in 64 bits")
        if v < 0:
            return f"-{-v}", _UNARY
        return str(v), _ATOM

    def constant(self, node: ast.AST) -> Tuple[str, int]:
        if isinstance(node, ast.Name) and self.is_function_local(node.id):
            raise self.fail(
                node,
                f"`{node.id}` is used before its rx.local: Python makes it a local of the whole "
                "function, never the module's name",
                hint=f"declare `{node.id} = rx.local(...)` before this line, or rename one of the two",
            )
        try:
            v = self.resolve(node)
        except _Unresolved:
            name = node.id if isinstance(node, ast.Name) else ast.unparse(node)
            raise self.fail(
                node, f"unknown name `{name}`: not a parameter, local or module constant"
            ) from None
        if isinstance(v, int) and not isinstance(v, bool):
            return self.literal(int(v), node)
        if isinstance(v, bool) or _is_numpy_bool(v):
            return ("1" if v else "0"), _ATOM
        if hasattr(type(v), "__index__"):  # numpy's integers
            try:
                return self.literal(operator.index(v), node)
            except TypeError:
                pass
        raise self.fail(
            node, f"`{ast.unparse(node)}` is a {type(v).__name__}, not a variable or an int constant"
        )

    # ---- Python's meaning of the operations that depend on a sign ----------------------

    def check_signs(self, node: ast.AST, op: ast.AST, left: ast.AST, right: ast.AST) -> None:
        """Refuses a comparison, ``//``, ``%`` or shift whose rdx meaning is not Python's.

        rdx computes a comparison, ``/``, ``%`` and ``>>`` on signed words when an operand is
        signed (an ``i64``/``i8``… variable, an ``i64`` element, or an expression built from
        one) and on unsigned words otherwise, a constant having no sign of its own. Python
        compares and divides the numbers themselves. The two agree unless a negative constant
        meets an unsigned operation (rdx reads -1 as 2**64 - 1), a constant of 2**63 or more a
        signed one, or an unsigned word that may be 2**63 or more (a ``u64``) a signed one
        (read as negative). A negative constant shift count is Python's ``ValueError``. ``==``
        and ``!=`` compare words, so the same cases differ there too.
        """
        lo, ro = self.operand(left), self.operand(right)
        shift = isinstance(op, (ast.LShift, ast.RShift))
        if shift:
            self.check_shift_count(right)
        if isinstance(op, ast.LShift):
            return  # wrapping: the low 64 bits are Python's
        signed = lo.signed or ro.signed
        kind = "signed" if signed else "unsigned"
        if isinstance(op, (ast.Eq, ast.NotEq)):
            how = "compares their 64-bit words"
        elif isinstance(op, ast.cmpop):
            how = f"compares them as {kind} 64-bit words"
        elif shift:
            how = f"shifts `{ast.unparse(left)}` as a{'n' * (not signed)} {kind} 64-bit word"
        else:
            how = f"divides them as {kind} 64-bit words"
        # The amount of `>>` is an unsigned number in rdx and a count in Python: only the
        # shifted value's reading matters (a negative count was refused above).
        sides = [(left, lo, right, ro)] + ([] if shift else [(right, ro, left, lo)])
        pair = node if isinstance(node, ast.BinOp) else ast.Compare(left=left, ops=[op], comparators=[right])
        text = ast.unparse(pair)
        python = "where Python uses the numbers themselves"
        for this, o, other, oo in sides:
            v = o.value
            if signed and o.big:  # then the other operand is the signed one
                equality = isinstance(op, (ast.Eq, ast.NotEq))
                reads = "is the word of a negative one" if equality else "reads as negative"
                raise self.fail(
                    node,
                    f"`{text}` mixes an unsigned operand, {self.describe(this)}, with a signed one, "
                    f"{self.describe(other)}: rdx {how}, so an unsigned value of 2**63 or more "
                    f"{reads}, {python}",
                    hint="give both operands the same signedness (both rx.i64, or both rx.u64), or "
                    "convert one explicitly into a local of the other type: `t = rx.local(rx.i64, n)` "
                    "… `rx.delocal(t, n)` reads n's word as signed, and says so",
                )
            if o.is_const and v is None:
                raise self.fail(
                    node,
                    f"`{text}`: the constant `{ast.unparse(this)}` has no 64-bit value (Python's is "
                    "an error or a number far past 64 bits), so rdx would compute with another",
                    hint="compute the value in Python, or write a constant that fits in 64 bits",
                )
            if not o.is_const or (T.I64_MIN if signed else 0) <= v <= (T.I64_MAX if signed else T.U64_MAX):
                continue
            reading = f"reading {T.show_int(v)} as {_as_signed(v) if signed else v & T.U64_MAX}"
            if not T.I64_MIN <= v <= T.U64_MAX:
                reading = f"wrapping {T.show_int(v)}, which does not fit in 64 bits, to {v & T.U64_MAX}"
            if signed:
                raise self.fail(
                    node,
                    f"`{text}` has a signed operand, {self.describe(other)}, and the constant "
                    f"{T.show_int(v)}: rdx {how}, {reading}, {python}",
                    hint="use a constant in -2**63 ..= 2**63 - 1, or make the operands unsigned (rx.u64)",
                )
            if oo.is_const:
                raise self.fail(
                    node,
                    f"`{text}` has two constant operands, and a constant has no sign in rdx: it {how}, "
                    f"{reading}, {python}",
                    hint="compute the value in Python instead: a module-level constant "
                    f"(C = {text}) is inlined with Python's value",
                )
            raise self.fail(
                node,
                f"`{text}` has an unsigned operand, {self.describe(other)}, and the "
                f"{'negative ' if v < 0 else ''}constant {T.show_int(v)}: a constant has no sign in rdx, "
                f"so it {how}, {reading}, {python}",
                hint="use a constant in 0 ..= 2**64 - 1, declare the other operand signed "
                f"(rx.i64), or write the word {v & T.U64_MAX} if that is what you mean",
            )

    def check_shift_count(self, count: ast.AST) -> None:
        """Refuses a negative constant shift count (translated already): Python's
        ``ValueError``, where rdx would read the count as a 64-bit word."""
        o = self.operand(count)
        if o.is_const and o.value is not None and o.value < 0:
            raise self.fail(
                count,
                f"negative shift count {T.show_int(o.value)}: Python raises ValueError, rdx would shift by "
                f"the word {o.value & T.U64_MAX}",
                hint="shift the other way by a positive amount",
            )

    def check_truth(self, node: ast.AST) -> None:
        """Refuses a constant whose truth rdx would take from another value than Python's: one
        past 64 bits, whose word may be 0 (``not ~0xFFFF_FFFF_FFFF_FFFF``)."""
        o = self.operand(node)
        if o.is_const and (o.value is None or not T.I64_MIN <= o.value <= T.U64_MAX):
            raise self.fail(
                node,
                f"the constant `{ast.unparse(node)}` does not fit in 64 bits, so its truth in rdx "
                "(whether its 64-bit word is 0) is not Python's",
                hint="write a constant that fits in 64 bits",
            )

    def check_read(self, node: ast.AST, reading: str) -> None:
        """Refuses a constant past 64 bits (translated already) in an expression whose number
        counts, not only its 64-bit word: one compared, divided, shifted (or shifting), tested
        for truth or indexing. Arithmetic wraps in rdx, so there rdx takes the constant's word
        (0 for ``1 << 64``), where Python keeps the number: ``(y | 1 << 64) == y`` would be true.
        An update only keeps the low 64 bits of its value, which are Python's (``x += y | 1 << 64``
        adds y), and a negative constant down to -(2**64 - 1) is the word rdx's wrapping gives
        it (as for ``n - 1``; against an unsigned operand :meth:`check_signs` refuses it)."""
        const = self.wide_constant(node)
        if const is None:
            return
        text, v = ast.unparse(const), self.operand(const).value
        if v is None:
            raise self.fail(
                const,
                f"{reading}, which holds the constant `{text}`: it has no 64-bit value (Python's is an "
                "error or a number far past 64 bits), so rdx would compute with another",
                hint="compute the value in Python, or write a constant that fits in 64 bits",
            )
        raise self.fail(
            const,
            f"{reading}, which holds the constant `{text}`, {T.show_int(v)}: that does not fit in 64 "
            f"bits, so rdx computes with its word {v & T.U64_MAX}, where Python uses the numbers themselves",
            hint="write a constant that fits in 64 bits (0 ..= 2**64 - 1); its word, if that is what "
            f"you mean, is {v & T.U64_MAX}",
        )

    def wide_constant(self, node: ast.AST) -> Optional[ast.AST]:
        """A constant past 64 bits whose word the value of ``node`` takes through wrapping
        arithmetic (``+``, ``-``, ``*``, bitwise operators, the shifted side of ``<<``, unary
        ``-`` and ``~``): the constant as a whole (``(1 << 64) - 1`` fits), or ``None``."""
        o = self.operand(node)
        if o.is_const:
            v = o.value
            return node if v is None or not -T.U64_MAX <= v <= T.U64_MAX else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, _WRAPPING):
            return self.wide_constant(node.left) or self.wide_constant(node.right)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.LShift):
            return self.wide_constant(node.left)
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            return self.wide_constant(node.operand)
        return None

    def describe(self, node: ast.AST) -> str:
        """An operand for a message: its text and type."""
        text = ast.unparse(node)
        if isinstance(node, ast.Name) and node.id in self.vars:
            return f"`{text}` ({self.vars[node.id].rdx})"
        base = node.value if isinstance(node, ast.Subscript) else None
        if isinstance(base, ast.Name) and base.id in self.vars:
            return f"`{text}` (an element of {self.vars[base.id].rdx})"
        o = self.operand(node)
        if o.is_const:
            return f"the constant {text}"
        return f"`{text}` ({'signed' if o.signed else 'unsigned'})"

    def operand(self, node: ast.AST) -> _Operand:
        """How rdx reads an expression that was translated already (memoised)."""
        found = self._operands.get(id(node))
        if found is None:
            found = self._operands[id(node)] = self._operand(node)
        return found

    def _operand(self, node: ast.AST) -> _Operand:
        if isinstance(node, ast.Constant):
            return _Operand.const(int(node.value))
        if isinstance(node, ast.Name) and node.id in self.vars:
            return _Operand.of_type(self.vars[node.id])
        if isinstance(node, (ast.Name, ast.Attribute)):
            return _Operand.const(self.const_value(node))
        if isinstance(node, ast.Subscript):
            ty = self.vars.get(node.value.id) if isinstance(node.value, ast.Name) else None
            return _Operand.of_type(ty.elem if isinstance(ty, T.Array) else None)
        if isinstance(node, ast.UnaryOp) and not isinstance(node.op, ast.Not):
            inner = self.operand(node.operand)
            if isinstance(node.op, ast.UAdd):
                return inner
            if inner.is_const:
                v = inner.value
                return _Operand.const(None if v is None else -v if isinstance(node.op, ast.USub) else ~v)
            if inner.signed:
                return _SIGNED
            return _SMALL if self.fixed_width(node) else _BIG
        if isinstance(node, ast.BinOp):
            lo, ro = self.operand(node.left), self.operand(node.right)
            if lo.is_const and ro.is_const:
                return _Operand.const(_fold(node.op, lo.value, ro.value))
            if lo.signed or ro.signed:
                return _SIGNED
            return _SMALL if self.fixed_width(node) or _bounded(node.op, lo, ro) else _BIG
        if isinstance(node, ast.Call) and self.callee(node) is M.top:
            return _BIG
        # Comparisons, `and`/`or`, `not`, len/size/empty: 0, 1 or a length.
        return _SMALL

    def const_value(self, node: ast.AST) -> Optional[int]:
        """The int a constant name (already translated as one) stands for."""
        try:
            v = self.resolve(node)
        except _Unresolved:  # pragma: no cover - translated as a constant already
            return None
        if isinstance(v, (bool, int)) or _is_numpy_bool(v):
            return int(v)
        try:
            return operator.index(v)
        except TypeError:  # pragma: no cover - translated as a constant already
            return None

    def fixed_width(self, node: ast.AST) -> Optional[Tuple[int, bool]]:
        """The fixed width (bits, signed) rdx computes an expression at: the widest of the
        ``u8`` … ``i32`` variables it reads, signed when one is; ``None`` (64-bit words) when
        it reads a ``u64``/``i64``, an element, a built-in or a comparison, or no variable
        (``rdx_lang::types::expr_width``)."""
        widths: List[Tuple[int, bool]] = []
        todo = [node]
        while todo:
            n = todo.pop()
            if isinstance(n, ast.BinOp):
                todo += [n.left, n.right]
            elif isinstance(n, ast.UnaryOp) and not isinstance(n.op, ast.Not):
                todo.append(n.operand)
            elif isinstance(n, ast.Name) and n.id in self.vars:
                ty = self.vars[n.id]
                if not (isinstance(ty, T.Scalar) and ty in T.FIXED):
                    return None
                widths.append(((ty.hi - ty.lo).bit_length(), ty.signed))
            elif not isinstance(n, (ast.Constant, ast.Name, ast.Attribute)):
                return None
        if not widths:
            return None
        return max(b for b, _ in widths), any(sg for _, sg in widths)


class _Operand(NamedTuple):
    """An expression as rdx reads it where a sign matters: ``signed`` (an operation on it is
    signed), ``big`` (unsigned and possibly 2**63 or more), or a constant of Python value
    ``value`` (``None`` if not computed)."""

    signed: bool
    big: bool
    is_const: bool
    value: Optional[int]

    @staticmethod
    def const(value: Optional[int]) -> _Operand:
        return _Operand(False, False, True, value)

    @staticmethod
    def of_type(ty: Any) -> _Operand:
        if isinstance(ty, T.Scalar) and ty.signed:
            return _SIGNED
        return _SMALL if ty in T.FIXED else _BIG


#: The operators whose result's low 64 bits are those of their operands' words.
_WRAPPING = (ast.Add, ast.Sub, ast.Mult, ast.BitAnd, ast.BitOr, ast.BitXor)

_SIGNED = _Operand(True, False, False, None)
_BIG = _Operand(False, True, False, None)
_SMALL = _Operand(False, False, False, None)

#: The most bits a constant expression is folded to (beyond, it is left uncomputed).
_FOLD_BITS = 4096


def _fold(op: ast.operator, a: Optional[int], b: Optional[int]) -> Optional[int]:
    """Python's value of ``a op b`` for constants, or ``None`` (unknown, an error, huge)."""
    if a is None or b is None:
        return None
    fn = _FOLD.get(type(op))
    if fn is None or (isinstance(op, (ast.LShift, ast.RShift)) and b < 0):
        return None
    if isinstance(op, ast.LShift) and b > _FOLD_BITS:
        return 0 if a == 0 else None
    try:
        v = fn(a, b)
    except ZeroDivisionError:
        return None
    return v if v.bit_length() <= _FOLD_BITS else None


_FOLD: Dict[type, Callable[[int, int], int]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}


def _bounded(op: ast.operator, a: _Operand, b: _Operand) -> bool:
    """Whether an unsigned word operation on ``a``, ``b`` stays below 2**63."""

    def fits(o: _Operand) -> bool:
        return not o.big and (not o.is_const or (o.value is not None and 0 <= o.value <= T.I64_MAX))

    if isinstance(op, ast.BitAnd):
        return fits(a) or fits(b)
    if isinstance(op, (ast.BitOr, ast.BitXor)):
        return fits(a) and fits(b)
    if isinstance(op, ast.Mod):
        return fits(b)
    if isinstance(op, (ast.RShift, ast.FloorDiv)):
        least = 1 if isinstance(op, ast.RShift) else 2
        return b.is_const and b.value is not None and b.value >= least
    return False


def _is_numpy_bool(v: object) -> bool:
    """Whether ``v`` is numpy's bool (``np.True_``): a constant of 0 or 1 as Python's ``True``
    and ``False`` are, though it has no ``__index__`` as numpy's integers have."""
    kind = type(v)
    return kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_")


def _as_signed(v: int) -> int:
    """A 64-bit word read as a signed number."""
    return v - (1 << 64) if v > T.I64_MAX else v


class _Self:
    """Stands for a gene's own name when it is not bound anywhere the translator can see."""


_SELF = _Self()

_MARKERS = frozenset(
    (
        M.rotl,
        M.rotr,
        M.fi,
        M.loop,
        M.again,
        M.local,
        M.delocal,
        M.uncall,
        M.push,
        M.pop,
        M.swap,
        M.assign,
        M.erase,
        M.kernel,
        M.undo_kernel,
        M.empty,
        M.top,
        M.size,
    )
)


def _is_marker(obj: object) -> bool:
    try:
        return obj in _MARKERS
    except TypeError:  # unhashable
        return False


_AUG_WORDS = {
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.MatMult: "@",
}
_BINOP_WORDS = {ast.Div: "/", ast.Pow: "**", ast.MatMult: "@"}
_NO_LAMBDA = "define the function as another @rx.gene and call it as a statement: g(x, y)"


def _is_truth(node: ast.AST) -> bool:
    """Whether an expression is 0 or 1 in Python as in rdx: a comparison, `not`, a bool, or
    `and`/`or` that can only give such a value. Python's `a and b` is a when a is false (0),
    else b, so it is 0 or 1 when b is; `a or b` is the first true operand itself, so it is
    when every operand is."""
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return True
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        return _is_truth(node.values[-1])
    if isinstance(node, ast.BoolOp):
        return all(_is_truth(v) for v in node.values)
    return False


def _same(a: ast.AST, b: ast.AST) -> bool:
    """Whether two expressions are the same place (load and store contexts aside)."""
    return ast.unparse(a) == ast.unparse(b)


def _is_docstring(s: ast.stmt) -> bool:
    return isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)


def _node_width(node: ast.AST) -> int:
    if getattr(node, "end_lineno", None) == getattr(node, "lineno", None):
        return int(getattr(node, "end_col_offset", 0) - getattr(node, "col_offset", 0))
    return 1


def _stmt_word(s: ast.stmt) -> str:
    words = {
        ast.Return: "return",
        ast.Delete: "del",
        ast.Raise: "raise",
        ast.Try: "try",
        ast.With: "with",
        ast.Import: "import",
        ast.ImportFrom: "from … import",
        ast.Global: "global",
        ast.Nonlocal: "nonlocal",
        ast.FunctionDef: "def",
        ast.ClassDef: "class",
        ast.Break: "break",
        ast.Continue: "continue",
    }
    # Statements of later Pythons, by their Python words: `match`, `try … except*`, `type X = …`.
    later = {"Match": "match", "TryStar": "try … except*", "TypeAlias": "type"}
    return words.get(type(s), later.get(type(s).__name__, type(s).__name__))
