"""The package list of pyproject.toml names every package folder of network/ and sim/."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_folder_is_listed_and_only_those() -> None:
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["packages"]
    folders = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("network", "sim")
        for p in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    shipped = {"sim._scenarios", "sim._scenarios.sweeps"}  # scenarios/ (package-dir)
    assert set(listed) == folders | shipped
