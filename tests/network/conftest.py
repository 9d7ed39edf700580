"""Shared fixtures: the hand-made tiny network and broken copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest

from network import Network, build_graph, load_network

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny_network"


@pytest.fixture(scope="session")
def tiny_path() -> Path:
    return TINY


@pytest.fixture(scope="session")
def tiny() -> Network:
    return load_network(TINY)


@pytest.fixture(scope="session")
def g2025(tiny: Network) -> nx.MultiDiGraph:
    return build_graph(tiny, 2025)


@pytest.fixture(scope="session")
def g2030(tiny: Network) -> nx.MultiDiGraph:
    return build_graph(tiny, 2030)


Editor = Callable[[str, str, str], Path]


@pytest.fixture
def broken(tmp_path: Path) -> tuple[Path, Editor]:
    """A copy of the tiny network and a function replacing one exact text in one of its files."""
    folder = tmp_path / "net"
    shutil.copytree(TINY, folder)

    def edit(filename: str, old: str, new: str) -> Path:
        path = folder / filename
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur once in {filename}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return path

    return folder, edit
