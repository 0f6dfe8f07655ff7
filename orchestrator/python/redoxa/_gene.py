"""``@rx.gene``: a Python function whose body is rdx written in Python syntax.

Decorating never runs or translates anything; the body is translated on first use
(``gene.source``, ``gene.compile()``), so genes may call genes defined later in the file.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from ._translate import ParsedGene, Translation, translate_program

if TYPE_CHECKING:
    from ._program import Program


class Gene:
    """A reversible procedure written as a decorated Python function.

    ``gene.source`` is the generated rdx program (this gene first, then every gene it calls);
    ``gene.compile()`` checks and assembles it into an :class:`rx.Program`. Calling the gene,
    ``g(n=5)``, runs the program compiled at its first call, kept for the later ones: the
    module constants it reads are the values they had then (``g.compile()`` reads them anew).
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        # Under decorators that keep ``__wrapped__`` (``functools.wraps``), the gene is the
        # innermost function: its source, parameters, globals and file, all from one function.
        inner = inspect.unwrap(fn) if callable(fn) else fn
        if not callable(inner) or not hasattr(inner, "__code__"):
            raise TypeError(f"@rx.gene decorates a function, not {type(fn).__name__}")
        if inner.__name__ == "<lambda>":
            raise TypeError(
                "rx.gene: a lambda cannot be a gene (its body is one expression, a gene's is "
                "statements); define the gene with `def`"
            )
        fn = inner
        #: The function whose body is the gene (the innermost one under ``functools.wraps``).
        self.fn = fn
        self.__name__: str = fn.__name__
        self.__qualname__: str = getattr(fn, "__qualname__", fn.__name__)
        self.__module__ = fn.__module__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn
        self._parsed_cache: Optional[ParsedGene] = None
        self._program: Optional[Program] = None
        self._signature: Optional[inspect.Signature] = None

    def __repr__(self) -> str:
        return f"<rx.gene {self.__qualname__}>"

    def _parsed(self) -> ParsedGene:
        if self._parsed_cache is None:
            self._parsed_cache = ParsedGene(self.fn)
        return self._parsed_cache

    def translate(self) -> Translation:
        """Translates this gene and its callees into rdx source, with the Python line map."""
        return translate_program(self)

    @property
    def source(self) -> str:
        """The rdx program generated for this gene (and the genes it calls)."""
        return self.translate().source

    def compile(self, backend: str = "interp", strict: bool = False) -> Program:
        """Translates, checks and assembles this gene into a runnable :class:`rx.Program`.

        ``backend`` is the default for ``run``/``reverse`` (``"interp"`` or ``"jit"``);
        ``strict=True`` rejects the lossy ``:=`` and ``erase``. Raises :class:`rx.CompileError`
        naming the Python file and line of the first offending statement.
        """
        from ._program import compile_translation

        return compile_translation(self.translate(), backend=backend, strict=strict)

    def __call__(self, /, *args: Any, **values: Any) -> Dict[str, Any]:
        """``g(5, m=2)``: runs the gene with the arguments bound to the function's parameters
        as Python binds them (a positional-only parameter by position, a keyword-only one by
        keyword, none twice); an unset parameter is 0. ``backend=`` and ``record=`` go to
        ``run`` unless the gene has a parameter of that name.

        The program is compiled once, at the first call, and kept: the constants it inlines
        (module or closure names) are read then, so a later change to one is not seen by
        ``g(...)``. Call ``g.compile().run(...)`` to translate with the current values."""
        if self._program is None or self._signature is None:
            self._program, self._signature = self.compile(), inspect.signature(self.fn)
        sig = self._signature
        given = {k: v for k, v in values.items() if k in sig.parameters}
        options = {k: v for k, v in values.items() if k not in sig.parameters}
        try:
            bound = sig.bind_partial(*args, **given)
        except TypeError as e:
            raise TypeError(f"{self.__name__}(): {e}") from None
        return self._program.run(**bound.arguments, **options)


def gene(fn: Callable[..., Any]) -> Gene:
    """Decorator: ``@rx.gene`` turns a function written in the gene subset of Python into a gene."""
    g = Gene(fn)
    functools.update_wrapper(
        g, fn, assigned=("__module__", "__name__", "__qualname__", "__doc__"), updated=()
    )
    return g
