"""Shared fixtures: the hand-made tiny network and broken copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest

from network import Network, build_graph, load_network

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny_network"
#: the tiny network with a small version of every operations table (vessels, weather...)
TINY_OPS = Path(__file__).resolve().parents[1] / "fixtures" / "tiny_operations"


@pytest.fixture(scope="session")
def tiny_path() -> Path:
    return TINY


@pytest.fixture(scope="session")
def tiny() -> Network:
    return load_network(TINY)


@pytest.fixture(scope="session")
def tiny_ops_path() -> Path:
    return TINY_OPS


@pytest.fixture(scope="session")
def tiny_ops() -> Network:
    return load_network(TINY_OPS)


@pytest.fixture(scope="session")
def g2025(tiny: Network) -> nx.MultiDiGraph:
    return build_graph(tiny, 2025)


@pytest.fixture(scope="session")
def g2030(tiny: Network) -> nx.MultiDiGraph:
    return build_graph(tiny, 2030)


Editor = Callable[[str, str, str], Path]


def _broken(tmp_path: Path, source: Path) -> tuple[Path, Editor]:
    folder = tmp_path / "net"
    shutil.copytree(source, folder)

    def edit(filename: str, old: str, new: str) -> Path:
        path = folder / filename
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur once in {filename}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return path

    return folder, edit


@pytest.fixture
def broken(tmp_path: Path) -> tuple[Path, Editor]:
    """A copy of the tiny network and a function replacing one exact text in one of its files."""
    return _broken(tmp_path, TINY)


@pytest.fixture
def broken_ops(tmp_path: Path) -> tuple[Path, Editor]:
    """The same for the tiny network with its operations tables."""
    return _broken(tmp_path, TINY_OPS)
