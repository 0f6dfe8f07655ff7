"""``rx.Program``: a checked, assembled rdx program, runnable forward and backward.

A thin layer over the native ``Module``: it orders keyword values by the entry gene's
parameters, range-checks them (``ValueRangeError`` before anything runs), and maps run-time and
compile errors back to the gene's Python lines when the program was translated from a gene.
"""

from __future__ import annotations

import json
import operator
import os
import re
import warnings
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import _home, _native, _types as T
from ._translate import Translation
from .errors import (
    BackendError,
    CompileError,
    Diagnostic,
    RdxError,
    RdxWarning,
    RunError,
    ValueRangeError,
)

_ARRAY = re.compile(r"(u64|i64|f64|c64)\[(\d+)\]\Z")
_ELEMS: Dict[str, T.Elem] = {"u64": T.u64, "i64": T.i64, "f64": T.f64, "c64": T.c64}


def _parse_type(text: str) -> T.Type:
    if text == "u64":
        return T.u64
    if text == "i64":
        return T.i64
    if text == "stack":
        return T.stack
    for fixed in T.FIXED:
        if text == fixed.rdx:
            return fixed
    m = _ARRAY.match(text)
    if m:
        return T.Array(_ELEMS[m.group(1)], int(m.group(2)))
    raise RdxError(f"unknown parameter type {text!r} reported by the core")  # pragma: no cover


def backends() -> List[str]:
    """The backends this build can run: ``"interp"`` (the interpreter, the reference) and
    ``"jit"`` (the Cranelift JIT). ``"auto"`` and ``"static"``, which ``run`` also takes, are
    rules that pick one of them per run, not backends."""
    return list(_native.BACKENDS)


class _Session:
    """What ``python -m redoxa`` imposes on every run of a script: a backend (``auto``: the
    planner; ``static``: the static rule, ``--no-ce1``), a home to record in, and the runs
    made (program, values, reverse), for ``hint`` and ``plan``."""

    def __init__(self, backend: Optional[str], home: Optional[_home.Home]) -> None:
        self.backend = backend
        self.home = home
        self.runs: List[Any] = []


_SESSION: Optional[_Session] = None


class _Unset:
    def __repr__(self) -> str:
        return "<not given>"


#: An option of ``plan``/``loop`` not given (None is a value a caller may pass by mistake).
_UNSET: Any = _Unset()

#: The most cycles a loop may be asked for (the native side counts them in a usize).
_USIZE_MAX = (1 << 63) - 1


def _flag(value: Any, what: str) -> bool:
    """A direction option: unset is forward, else a bool (``reverse=1`` is a typo's way in)."""
    if value is _UNSET:
        return False
    if type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_"):
        value = bool(value)
    if not isinstance(value, bool):
        raise TypeError(f"{what} must be True or False, not {type(value).__name__} {T.show(value)}")
    return value


def _backend(name: str) -> str:
    if name in ("auto", "static"):
        # `auto`: decided per run by rdx-core's planner (from the ledger of the home the run
        # is recorded in), else the static rule; `static`: the static rule.
        return name
    if name not in _native.BACKENDS:
        if name == "jit":
            raise BackendError(
                "the jit backend is not available in this build of redoxa; use backend='interp'"
            )
        raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(_native.BACKENDS)} or 'auto'")
    return name


class Invariant:
    """One row of ``Program.check()``: ``id`` (``I1``…``I5``), ``name``, ``status``
    (``holds`` / ``fails`` / ``not applicable``) and ``evidence``."""

    __slots__ = ("id", "name", "status", "evidence")

    def __init__(self, id: str, name: str, status: str, evidence: str) -> None:
        self.id = id
        self.name = name
        self.status = status
        self.evidence = evidence

    @property
    def ok(self) -> bool:
        """True unless the invariant fails."""
        return self.status != "fails"

    def __repr__(self) -> str:
        return f"{self.id} {self.name}: {self.status} ({self.evidence})"


class CheckReport:
    """The five invariants of a program: iterate, index by id (``report["I2"]``), ``.ok``."""

    def __init__(self, rows: Sequence[Invariant], text: str) -> None:
        self.rows = list(rows)
        self.text = text

    @property
    def ok(self) -> bool:
        """True when no invariant fails."""
        return all(r.ok for r in self.rows)

    def __getitem__(self, key: str) -> Invariant:
        for r in self.rows:
            if r.id == key:
                return r
        raise KeyError(key)

    def __iter__(self) -> Iterator[Invariant]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<CheckReport ok={self.ok}: " + "; ".join(f"{r.id} {r.status}" for r in self.rows) + ">"


def _steps(n: Optional[int], none: str) -> Optional[int]:
    """``n`` checked as an instruction budget: an int in 0..=2**64-1, or None (meaning ``none``)."""
    if n is None:
        return None
    if isinstance(n, bool) or not hasattr(type(n), "__index__"):
        raise TypeError(f"max_steps must be an int or None, got {type(n).__name__} {T.show(n)}")
    n = operator.index(n)
    if not 0 <= n <= T.U64_MAX:
        raise ValueError(f"max_steps must be in 0..=2**64-1 (or None for {none}), got {T.show_int(n)}")
    return n


class Program:
    """A checked and assembled rdx program with one entry gene.

    Made by ``gene.compile()``, ``rx.assemble(text)`` or ``rx.load(path)``.
    """

    def __init__(
        self,
        module: Any,
        *,
        entry: Optional[str] = None,
        backend: str = "interp",
        strict: bool = False,
        translation: Optional[Translation] = None,
    ) -> None:
        self._module = module
        self._translation = translation
        self._strict = strict
        self.backend = _backend(backend)
        genes = module.genes()
        names = [g for g, _ in genes]
        if entry is None:
            entry = "main" if "main" in names else (names[0] if len(names) == 1 else None)
            if entry is None:
                raise RdxError(f"the program has several genes ({', '.join(names)}); pass entry=NAME")
        if entry not in names:
            raise RdxError(f"no gene named {entry!r} (genes: {', '.join(names)})")
        self.entry: str = entry
        params = dict(genes)[entry]
        self.params: List[Tuple[str, T.Type]] = [(n, _parse_type(t)) for n, t in params]
        self._names = [n for n, _ in self.params]
        self._index = {n: k for k, n in enumerate(self._names)}
        self._zero = [ty.zero() for _, ty in self.params]
        self._instructions = self._lossy_bits = self._max_depth = 0
        self._record: Optional[int] = None
        self._max_steps: Optional[int] = None

    @property
    def max_steps(self) -> Optional[int]:
        """Stop a run with ``RunError`` (code ``R0117``) after this many instructions (``None``:
        no limit). Step-limited runs use the interpreter, the engine that counts them."""
        return self._max_steps

    @max_steps.setter
    def max_steps(self, n: Optional[int]) -> None:
        self._max_steps = _steps(n, "no limit")

    # ---- facts -------------------------------------------------------------------------

    @property
    def source(self) -> Optional[str]:
        """The rdx source the program was assembled from (``None`` for a loaded module)."""
        return self._module.source

    @property
    def cid(self) -> str:
        """The content id: blake3 of the bytecode module, in hex."""
        return self._module.cid

    @property
    def genes(self) -> List[str]:
        """The names of every gene in the program."""
        return [g for g, _ in self._module.genes()]

    @property
    def dialect(self) -> str:
        """The source language: ``"rdx"`` or ``"janus"`` (every Janus integer is signed)."""
        return self._module.dialect

    def disasm(self) -> str:
        """The bytecode listing, as ``rdx disasm`` prints it."""
        return self._module.disasm()

    def to_bytes(self) -> bytes:
        """The bytecode module (``.rdxb``) as bytes."""
        return self._module.to_bytes()

    def save(self, path: Union[str, os.PathLike[str]]) -> str:
        """Writes the bytecode module to ``path`` and returns the CID.

        The module holds every gene but not which one is the entry: ``rx.load`` (like ``rdx
        run``) takes ``entry=``, else the gene named ``main``, else the only gene. Load a
        program whose entry is another gene with ``rx.load(path, entry=prog.entry)``. When a
        gene named ``main`` is not the entry, loading without ``entry=`` would run the wrong
        gene, so saving such a program warns (``rx.RdxWarning``). A gene's translation never
        names a called gene ``main`` (it becomes ``main_2``), so only rdx source can do that.
        """
        with open(path, "wb") as f:
            f.write(self._module.to_bytes())
        if self.entry != "main" and "main" in self.genes:
            warnings.warn(
                f"{os.fspath(path)}: a module does not record its entry gene, and rx.load (like "
                f"rdx run) runs the gene named 'main' unless told: load this one with "
                f"rx.load(path, entry={self.entry!r})",
                RdxWarning,
                stacklevel=2,
            )
        return self.cid

    def check(self, strict: Optional[bool] = None) -> CheckReport:
        """The five invariants (I1–I5) with their evidence."""
        s = self._strict if strict is None else strict
        rows = [Invariant(*r) for r in self._module.invariants(s)]
        return CheckReport(rows, self._module.invariant_report(s))

    def __repr__(self) -> str:
        sig = ", ".join(f"{n}: {t.rdx}" for n, t in self.params)
        return f"<rx.Program {self.entry}({sig}) cid={self.cid[:12]}…>"

    # ---- permutations and circuits ------------------------------------------------------

    def permutation(self, max_steps: Optional[int] = None) -> List[int]:
        """The entry gene as a permutation of its states: ``perm[s]`` is the state that state
        ``s`` goes to. The parameters must be fixed-width (``rx.u8`` … ``rx.i32``, at most 24
        bits in all); a state numbers their values with the first parameter in the lowest bits.
        Raises ``RdxError`` when the gene fails from some state or is not a bijection. Each
        state's run may execute ``max_steps`` instructions (else the program's ``max_steps``,
        else 10,000,000, as ``rdx perm``): a gene that does not finish from some state raises
        ``RdxError`` naming that state instead of running forever."""
        steps = _steps(max_steps, "the program's max_steps") if max_steps is not None else self._max_steps
        return list(self._module.permutation(self.entry, steps))

    def unitary(self) -> Any:
        """The permutation as a sparse unitary: a ``scipy.sparse.csr_matrix`` U with
        ``U[perm[s], s] = 1`` when scipy is installed, else the dict ``{(perm[s], s): 1}``."""
        perm = self.permutation()
        try:
            from scipy.sparse import csr_matrix  # type: ignore[import-not-found]
        except ImportError:
            return {(t, s): 1 for s, t in enumerate(perm)}
        n = len(perm)
        return csr_matrix(([1.0] * n, (perm, list(range(n)))), shape=(n, n), dtype=complex)

    def circuit(self, format: str = "qasm3") -> str:
        """The entry gene as a reversible circuit (``rdx circuit``): OpenQASM 3 text
        (``"qasm3"``) or RevLib ``"real"``. A gene that fails from some state (checked for at
        most 20 bits of state) gets an ``RdxWarning``: its circuit matches it only on the
        states it runs from."""
        text, _report, partial = self._circuit(format, True)
        if partial:
            warnings.warn(partial, RdxWarning, stacklevel=2)
        return text

    def circuit_report(self) -> str:
        """What ``rdx circuit`` prints on stderr: qubits, ancillas, gates by kind, depth."""
        return self._circuit("qasm3", False)[1]

    def _circuit(self, format: str, check: bool) -> Tuple[str, str, Optional[str]]:
        try:
            return self._module.circuit(self.entry, format, check)
        except RdxError as e:
            # A gene written in Python: the statement's Python line, not the generated rdx's.
            line = getattr(e, "line", None)
            origin = self._translation.origin(line) if self._translation is not None and line else None
            if origin is None:
                raise
            message = str(e).split(": ", 1)[-1]
            raise RdxError(f"{origin[0]}:{origin[1]}: {message}") from None

    def to_qiskit(self) -> Any:
        """The circuit as a ``qiskit.QuantumCircuit`` (needs ``qiskit`` and
        ``qiskit-qasm3-import``)."""
        try:
            import qiskit.qasm3  # type: ignore[import-not-found]
        except ImportError as e:
            raise RdxError("to_qiskit needs qiskit: pip install qiskit qiskit-qasm3-import") from e
        return qiskit.qasm3.loads(self.circuit("qasm3"))

    # ---- running -----------------------------------------------------------------------

    def run(self, /, **values: Any) -> Dict[str, Any]:
        """Runs the entry gene forward from ``values`` (unset parameters are 0) and returns
        every parameter's final value. ``backend=`` picks the backend for this call and
        ``record=`` records the run in a home's ledger (``True``: the default home, or an
        ``rx.Home``), each unless the gene has a parameter of that name. What the program
        prints (``show``, ``printf``, ``print``) is written to ``sys.stdout``, as ``rdx run``
        prints it, also when the run fails."""
        return self._exec(values, False)

    def reverse(self, /, **values: Any) -> Dict[str, Any]:
        """Runs the entry gene backward: ``values`` are final values, the result the initial
        ones. ``backend=`` and ``record=`` as for :meth:`run`."""
        return self._exec(values, True)

    def _exec(self, values: Dict[str, Any], reverse: bool) -> Dict[str, Any]:
        session = _SESSION
        be = session.backend if session is not None and session.backend else self.backend
        if "backend" in values and "backend" not in self._index:
            be = _backend(values.pop("backend"))
        home = session.home if session is not None else None
        if "record" in values and "record" not in self._index:
            home = _home.resolve(values.pop("record"))
        # Checked before the session notes the run: a call with values that do not fit raised
        # in the script, and `python -m redoxa hint|plan|loop` replays only calls that ran.
        args = self.values_list(values)
        if session is not None:
            session.runs.append((self, dict(values), reverse))
        return self._call(values, reverse, be, home, defer=False, args=args)

    def _option(self, values: Dict[str, Any], name: str, given: Any) -> Any:
        """An option of ``plan``/``loop``: given by position, else by keyword unless the gene has
        a parameter of that name (then the keyword is the parameter, as for ``run``'s
        ``backend=``), else ``_UNSET``."""
        if given is not _UNSET:
            return given
        if name in values and name not in self._index:
            return values.pop(name)
        return _UNSET

    def _home_option(self, values: Dict[str, Any], given: Any, what: str) -> _home.Home:
        """The home ``plan``/``loop`` need, given as :meth:`_option` says."""
        home = self._option(values, "home", given)
        if home is _UNSET:
            if "home" in self._index:
                how = f"by position, as p.{what}(rx.Home(path), …): the gene's `home` is its parameter"
            else:
                how = f"as p.{what}(rx.Home(path), …) or p.{what}(home=rx.Home(path), …)"
            raise TypeError(f"{what} needs a home: pass an rx.Home, {how}")
        return _home.require(home, what)

    def plan(self, home: Any = _UNSET, reverse: Any = _UNSET, /, **values: Any) -> Dict[str, Any]:
        """What the planner of ``home`` (an ``rx.Home``) predicts and would do for a run on
        ``values`` (as ``rdx hint --json``, with ``backend`` and ``reuse`` as ``rdx plan
        --json``); backward with ``reverse=True``. Runs and records nothing. ``home`` and
        ``reverse`` may be given by keyword unless the gene has a parameter of that name: then
        the keyword is the parameter, and the option is given by position."""
        home = self._home_option(values, home, "plan")
        reverse = _flag(self._option(values, "reverse", reverse), "reverse")
        args = self.values_list(values)
        return json.loads(self._module.plan_json(self.entry, args, reverse, home._native))

    def loop(
        self, home: Any = _UNSET, cycles: Any = _UNSET, seed: Any = _UNSET, reverse: Any = _UNSET, /,
        **values: Any,
    ) -> List[Dict[str, Any]]:
        """``rdx loop``: ``cycles`` cycles (default 10), each measuring the ledger of ``home``,
        picking an engine here by information-directed sampling (seeded with ``seed``, default
        1), recording the decision and then the run. One dict per cycle, as ``rdx loop --json``
        prints them (``arm``, ``wall_ns``, ``regret_ns``, ``confidence``, ...). Never reuses a
        recorded output; no peers. With ``max_steps`` each run stops there (its cycle's
        ``outcome`` says R0117), on the interpreter, which counts instructions. Ctrl-C stops
        the loop between cycles and an interpreter run within its cycle (a JIT run goes to its
        end). The options may be given by keyword unless the gene has a parameter of that name
        (as for :meth:`plan`)."""
        home = self._home_option(values, home, "loop")
        cycles = self._option(values, "cycles", cycles)
        cycles = T.count(10 if cycles is _UNSET else cycles, "cycles", 1, _USIZE_MAX)
        seed = self._option(values, "seed", seed)
        seed = T.count(1 if seed is _UNSET else seed, "seed", 0, T.U64_MAX)
        reverse = _flag(self._option(values, "reverse", reverse), "reverse")
        args = self.values_list(values)
        lines = self._module.loop_json(self.entry, args, reverse, home._native, cycles, seed, self.max_steps)
        return [json.loads(line) for line in lines]

    def _call(
        self,
        values: Dict[str, Any],
        reverse: bool,
        backend: str,
        home: Optional[_home.Home],
        defer: bool = True,
        args: Optional[List[Any]] = None,
    ) -> Dict[str, Any]:
        """One run on ``backend`` (already resolved), recorded in ``home`` when given: right
        away, or with ``defer`` at the home's next flush. ``args`` are ``values`` as
        :meth:`values_list` gives them, when the caller has them already."""
        be = _backend(backend)
        if args is None:
            args = self.values_list(values)
        native_home = None if home is None else home._native
        try:
            out, self._instructions, self._lossy_bits, self._max_depth, self._record = self._module.run(
                self.entry, args, reverse, be, self.max_steps, native_home, defer
            )
        except RunError as e:
            self._record = getattr(e, "record", None)
            self._locate(e)
            raise
        return dict(zip(self._names, out))

    @property
    def last_record(self) -> Optional[int]:
        """The ledger id of the last run recorded with ``record=``, failed runs too (``None``
        when it was not recorded, or waits in a batch). A ``RunError`` of a recorded run also
        carries it as ``e.record``."""
        return self._record

    @property
    def last_run(self) -> Dict[str, int]:
        """What the last successful run did: ``instructions`` executed (0 for engines that do
        not count), ``lossy_bits`` written to the history tape, deepest call nesting
        ``max_depth``."""
        return {
            "instructions": self._instructions,
            "lossy_bits": self._lossy_bits,
            "max_depth": self._max_depth,
        }

    @property
    def history_words(self) -> int:
        """Words on the history tape: values overwritten by lossy operations of forward runs,
        kept so that a following ``reverse`` can restore them. Each Python thread has one tape
        per program, whichever engine runs: a thread's ``reverse`` undoes its own last forward
        run, on any backend, whatever other threads ran meanwhile."""
        return self._module.history_words()

    def clear_history(self) -> None:
        """Forgets the history tape (a later ``reverse`` over a lossy operation then fails)."""
        self._module.clear_history()

    def values_list(self, values: Dict[str, Any]) -> List[Any]:
        """Checks keyword values against the entry gene's parameters, in parameter order."""
        args = list(self._zero)
        index = self._index
        params = self.params
        for name, v in values.items():
            k = index.get(name)
            if k is None:
                raise TypeError(
                    f"{self.entry}() has no parameter {name!r} (parameters: {', '.join(self._names)})"
                )
            args[k] = params[k][1].check(name, v)
        return args

    def _locate(self, e: RunError) -> None:
        if self._translation is not None and e.line:
            origin = self._translation.origin(e.line)
            if origin is not None:
                e.py_file, e.py_line = origin


def compile_translation(tr: Translation, *, backend: str = "interp", strict: bool = False) -> Program:
    """Assembles a gene translation; a compile error names the gene's Python file and line."""
    try:
        module = _native.assemble(tr.source, f"<gene {tr.entry}>", strict)
    except CompileError as e:
        raise _map_compile_error(e, tr) from None
    found, _ = module.warnings()
    for d in found:
        origin = tr.origin(d.line)
        d.py_file, d.py_line = origin if origin is not None else (None, None)
        hint = "".join(f" ({h})" for h in d.hints[:1])
        if origin is not None:
            warnings.warn_explicit(f"[{d.code}] {d.message}{hint}", RdxWarning, origin[0], origin[1])
        else:  # pragma: no cover - every generated line has an origin
            warnings.warn(f"[{d.code}] {d.message}{hint}", RdxWarning, stacklevel=3)
    return Program(module, entry=tr.entry, backend=backend, strict=strict, translation=tr)


def _map_compile_error(e: CompileError, tr: Translation) -> CompileError:
    diags: List[Diagnostic] = list(e.diagnostics)
    for d in diags:
        origin = tr.origin(d.line)
        if origin is not None:
            d.py_file, d.py_line = origin
    first = next((d for d in diags if d.severity == "error" and d.py_file), None)
    head = []
    for d in diags:
        if d.py_file is None or d.severity != "error":
            continue
        head.append(f"{d.py_file}:{d.py_line}: error[{d.code}]: {d.message}")
        text = _python_line(d.py_file, d.py_line)
        if text:
            head.append(f"  {d.py_line:>5} | {text}")
    rendered = "\n".join(head + ["", "in the generated rdx:", e.rendered.rstrip()])
    return CompileError(
        e.message,
        rendered=rendered,
        diagnostics=diags,
        filename=first.py_file if first else None,
        lineno=first.py_line if first else None,
        source=tr.source,
    )


def _python_line(path: Optional[str], line: Optional[int]) -> str:
    if not path or not line:
        return ""
    import linecache

    return linecache.getline(path, line).rstrip()


def assemble(
    text: str,
    *,
    entry: Optional[str] = None,
    backend: str = "interp",
    strict: bool = False,
    file: str = "<rdx>",
    janus: bool = False,
) -> Program:
    """Compiles rdx source text (Janus source with ``janus=True``) into a :class:`Program`.

    The entry gene is ``entry=``, else ``main``, else the only gene. ``file`` is the name
    diagnostics show; ``strict`` rejects the lossy ``:=`` and ``erase``.
    """
    module = _native.assemble(text, file, strict, janus)
    found, rendered = module.warnings()
    if found:
        warnings.warn(rendered.rstrip() or found[0].message, RdxWarning, stacklevel=2)
    return Program(module, entry=entry, backend=backend, strict=strict)


def load(
    path: Union[str, os.PathLike[str]], *, entry: Optional[str] = None, backend: str = "interp"
) -> Program:
    """Loads a program from a file, as ``rdx run`` reads one: a bytecode module (``.rdxb``,
    written by ``Program.save`` or ``rdx asm``), or rdx (``.rdx``) or Janus (``.ja``) source,
    compiled as :func:`assemble` does (its diagnostics name the file)."""
    with open(path, "rb") as f:
        data = f.read()
    name = os.fspath(path)
    if not data.startswith(b"RDXB") and name.endswith((".rdx", ".ja")):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(f"{name}: source is not UTF-8 text ({e.reason} at byte {e.start})") from None
        return assemble(text, entry=entry, backend=backend, file=name, janus=name.endswith(".ja"))
    return Program(_native.load(data), entry=entry, backend=backend)


def superpose(prog: "Program", amplitudes: Any) -> List[complex]:
    """Applies the entry gene of ``prog`` to an amplitude vector over its states (length
    ``2**n``, n the bits of its fixed-width parameters): amplitude ``a[s]`` moves to state
    ``perm[s]``. A permutation moves amplitudes without changing them, so the norm
    ``sum(|a|**2)`` is kept exactly (I4). The result is a list of complex numbers, ready for a
    ``c64[N]`` buffer and the kernels (``fft``)."""
    if not isinstance(prog, Program):
        raise TypeError(
            f"superpose: the first argument is the program (rx.load or rx.assemble), "
            f"got {type(prog).__name__}"
        )
    perm = prog.permutation()
    flat = f"the amplitudes must be a flat sequence of {len(perm)} numbers"
    ndim = getattr(amplitudes, "ndim", 1)
    if isinstance(ndim, int) and ndim != 1:  # a numpy array of 0 or several dimensions
        shape = getattr(amplitudes, "shape", None)
        raise ValueRangeError(
            f"superpose: {flat}, got a {ndim}-D {type(amplitudes).__name__}"
            + (f" of shape {shape}" if isinstance(shape, tuple) else "")
        )
    amps = []
    for k, a in enumerate(T._items(amplitudes, "superpose: the amplitudes are a list of numbers")):
        text = isinstance(a, (str, bytes, bytearray))
        try:
            if text:
                raise TypeError
            amps.append(complex(a))
        except OverflowError:
            shown = T.show_int(a) if isinstance(a, int) else T.show(a)
            raise ValueRangeError(
                f"superpose: amplitude {k} = {shown} is too large for a complex number"
            ) from None
        except (TypeError, ValueError):
            kind = type(a).__name__
            what = f"superpose: amplitude {k} is a{'n' * (kind[:1] in 'aeiou')} {kind}, not a number"
            if not text and (hasattr(a, "__len__") or hasattr(a, "__iter__")):
                what += f": {flat}"  # a row of a 2-D list or array
            raise ValueRangeError(what) from None
    if len(amps) != len(perm):
        raise ValueRangeError(
            f"superpose: {len(amps)} amplitudes for a gene over {len(perm)} states (2**n needed)"
        )
    out = [0j] * len(perm)
    for s, t in enumerate(perm):
        out[t] = amps[s]
    return out
