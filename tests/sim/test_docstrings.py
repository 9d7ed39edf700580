"""The docstring examples of the ``sim`` modules run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import sim

MODULES = sorted(m.name for m in pkgutil.iter_modules(sim.__path__) if m.name not in ("__main__",))


@pytest.mark.parametrize("module", ["__init__", *MODULES])
def test_docstring_examples_run(module: str, monkeypatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    mod = importlib.import_module("sim" if module == "__init__" else f"sim.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
