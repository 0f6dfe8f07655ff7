"""The typed interface (``__init__.pyi``) and the docs say what the package has and does: every
public name and method is in the stub with the runtime's parameters, and the docstrings and the
README describe the current behaviour."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import redoxa as rx

ORCH = Path(__file__).resolve().parent.parent
STUB = ast.parse((ORCH / "python" / "redoxa" / "__init__.pyi").read_text())
README = (ORCH / "README.md").read_text()


def stub_params(fn: ast.FunctionDef) -> List[Tuple[str, str]]:
    a = fn.args
    out = [(x.arg, "POSITIONAL_ONLY") for x in a.posonlyargs]
    out += [(x.arg, "POSITIONAL_OR_KEYWORD") for x in a.args]
    if a.vararg:
        out.append((a.vararg.arg, "VAR_POSITIONAL"))
    out += [(x.arg, "KEYWORD_ONLY") for x in a.kwonlyargs]
    if a.kwarg:
        out.append((a.kwarg.arg, "VAR_KEYWORD"))
    return out


def runtime_params(obj: Any) -> List[Tuple[str, str]]:
    return [(p.name, p.kind.name) for p in inspect.signature(obj).parameters.values()]


def stub_names(body: List[ast.stmt]) -> Dict[str, ast.stmt]:
    names: Dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                names[alias.asname or alias.name] = node
    return names


def test_every_public_name_is_in_the_stub_with_its_parameters() -> None:
    names = stub_names(STUB.body)
    assert sorted(set(rx.__all__) - set(names)) == []
    for name, node in names.items():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assert stub_params(node) == runtime_params(getattr(rx, name)), name


@pytest.mark.parametrize(
    "cls", [n for n in STUB.body if isinstance(n, ast.ClassDef) and callable(getattr(rx, n.name, None))],
    ids=lambda n: n.name,
)
def test_every_public_method_is_in_the_stub_with_its_parameters(cls: ast.ClassDef) -> None:
    runtime = getattr(rx, cls.name)
    members = stub_names(cls.body)
    for name, value in vars(runtime).items():
        if name.startswith("_") or not (inspect.isfunction(value) or isinstance(value, property)):
            continue
        assert name in members, f"{cls.name}.{name} is missing from __init__.pyi"
        node = members[name]
        if inspect.isfunction(value):
            assert isinstance(node, ast.FunctionDef), f"{cls.name}.{name}"
            assert stub_params(node) == runtime_params(value), f"{cls.name}.{name}"


def test_backends_says_what_this_build_has() -> None:
    doc = rx.backends.__doc__ or ""
    assert all(f'"{b}"' in doc for b in rx.backends()) and "once it exists" not in doc


def test_the_readme_says_a_kernel_length_is_checked_at_compile_time() -> None:
    # The length is in the buffer's type: `fft` on 6 elements is E0216 before anything runs.
    @rx.gene
    def six(z: rx.array(rx.c64, 6)):
        rx.kernel("fft", z)

    with pytest.raises(rx.CompileError) as info:
        six.compile()
    assert [d.code for d in info.value.diagnostics] == ["E0216"]
    bullet = next(p for p in README.split("\n- ") if p.startswith("**Running.**")).split("\n\n")[0]
    running = " ".join(bullet.split())
    assert "`rx.CompileError` `E0216`" in running and "`R0118`" in running, running
