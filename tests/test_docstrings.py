"""Every library module shows how it is used: a runnable docstring example.

The examples themselves run under ``--doctest-modules`` (``pyproject.toml``); this test keeps them
from disappearing: a module without one fails here, naming it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: modules without an example, and why
EXEMPT = {
    "sim/__main__.py": "runs the command line on import",
    "sim/runs/output.py": "writes output folders; its functions run in tests/sim/test_cli_run.py",
}
MODULES = sorted(
    str(f.relative_to(ROOT))
    for package in ("network", "sim")
    for f in (ROOT / package).rglob("*.py")
    if f.name != "__init__.py" or f.parent.name in ("network", "sim")
)


def _is_cli(path: str) -> bool:
    return path.startswith("sim/cli/") or path in ("network/cli.py", "sim/_entry.py")


@pytest.mark.parametrize("path", [m for m in MODULES if not _is_cli(m) and m not in EXEMPT])
def test_library_module_has_a_runnable_example(path: str) -> None:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    docs = [
        ast.get_docstring(node) or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
    ]
    assert any(">>>" in d for d in docs), f"{path}: no docstring example (>>>)"


def test_the_exemptions_exist() -> None:
    assert all((ROOT / p).is_file() for p in EXEMPT)
