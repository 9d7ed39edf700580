"""The import graph of ``network`` and ``sim``: no circles, and library code never imports the
command line.

Every ``import`` counts, also those inside functions (an import deferred to call time still ties
the two modules together); only imports under ``if TYPE_CHECKING:`` are left out.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("network", "sim")
#: the command-line modules (``sim.cli.*`` and these): they may import anything, nothing else
#: may import them
CLI_EXTRA = {"network.cli", "sim._entry", "sim.__main__"}
#: the layers of ``sim``, lowest first: a module may import its own layer and those below it
LAYERS = ("engine", "inputs", "analysis", "runs", "calibration", "planning", "cli")


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for file in (ROOT / package).rglob("*.py"):
            parts = file.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts).removesuffix(".__init__")] = file
    return out


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


@functools.cache
def import_graph() -> nx.DiGraph:
    """Module -> the project modules it imports (``from a import b`` counts ``a`` and ``a.b``)."""
    modules = _modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, file in modules.items():
        tree = ast.parse(file.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            graph.add_edges_from((name, t) for t in targets if t in modules and t != name)
    return graph


def test_the_import_graph_sees_known_edges() -> None:
    graph = import_graph()
    assert graph.has_edge("sim.cli.main", "sim.cli.run")
    assert graph.has_edge("sim.runs.runner", "sim.engine.world")
    assert graph.has_edge("network.io", "network.checks")
    assert graph.number_of_nodes() > 40


def test_no_import_circles() -> None:
    graph = import_graph()
    # a package's __init__ re-exports its modules; a module importing its own package's name
    # (``from sim import __version__``) is not a circle through a module
    graph.remove_nodes_from(PACKAGES)
    cycles = [c for c in nx.simple_cycles(graph) if len(c) < 12][:10]
    assert not cycles, f"import circles: {cycles}"


def _is_cli(module: str) -> bool:
    return module in CLI_EXTRA or module == "sim.cli" or module.startswith("sim.cli.")


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "sim" and len(parts) > 2 and parts[1] in LAYERS else None


CLI = sorted(m for m in _modules() if _is_cli(m))


def test_every_sim_module_is_in_a_layer() -> None:
    loose = sorted(
        m for m in _modules() if m.startswith("sim.") and _layer(m) is None and m != "sim._entry"
    )
    # sim.__main__ and sim._entry are the console script; sim.<layer> are the layer packages
    assert set(loose) <= {"sim.__main__", *(f"sim.{layer}" for layer in LAYERS)}, loose


def test_layers_import_only_downwards() -> None:
    graph = import_graph()
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    upward = [
        (a, b)
        for a, b in graph.edges
        if _layer(a) and _layer(b) and rank[_layer(b)] > rank[_layer(a)]  # type: ignore[index]
    ]
    assert not upward, f"imports from a lower layer into a higher one: {upward}"


@pytest.mark.parametrize("cli", CLI)
def test_library_code_never_imports_the_command_line(cli: str) -> None:
    graph = import_graph()
    importers = sorted(m for m in graph.predecessors(cli) if not _is_cli(m))
    assert not importers, f"{cli} is imported by library modules {importers}"


def test_network_never_imports_sim() -> None:
    graph = import_graph()
    bad = [(a, b) for a, b in graph.edges if a.startswith("network") and b.startswith("sim")]
    assert not bad
