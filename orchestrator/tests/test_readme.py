"""The README's Python examples run, and print what their comments say.

Every ```python block of orchestrator/README.md that defines a gene or calls rx.assemble is
written to a file (genes need a source file) and run; a statement followed by a comment that
is a Python literal (``prog.run(n=30)  # {'n': 0, …}``) becomes an assertion of that value.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
from pathlib import Path
from typing import List

import pytest

ORCH = Path(__file__).resolve().parent.parent
README = ORCH / "README.md"
JANUS_FIB = ORCH.parent / "tests" / "janus" / "fib.ja"


def blocks() -> List[str]:
    text = README.read_text()
    found = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    return [b for b in found if "@rx.gene" in b or "rx.assemble" in b]


def with_assertions(code: str) -> str:
    out = []
    for line in code.splitlines():
        m = re.match(r"^(\S.*?)\s+#\s*(.+)$", line)
        if m:
            stmt, comment = m.groups()
            try:
                ast.literal_eval(comment)
                ast.parse(stmt, mode="eval")
            except (ValueError, SyntaxError):
                out.append(line)
                continue
            out.append(f"assert ({stmt}) == {comment}, {stmt!r}")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("index", range(len(blocks())))
def test_readme_example_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = "import redoxa as rx\n" + with_assertions(blocks()[index])
    if "fib.ja" in code:
        shutil.copy(JANUS_FIB, tmp_path / "fib.ja")
    path = tmp_path / f"readme_example_{index}.py"
    path.write_text(code)
    monkeypatch.chdir(tmp_path)
    spec = importlib.util.spec_from_file_location(f"readme_example_{index}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert os.getcwd() == str(tmp_path)


def test_readme_has_examples() -> None:
    assert len(blocks()) >= 2
    assert "assert" in with_assertions(blocks()[0])
