"""Imports on demand: the packages, the engine and the command line load no heavy library
until a function needs it, so that ``corridor --help`` starts at once (issue 13).

Each case imports in a fresh interpreter (``sys.modules`` of this test process is shared with
every other test) and lists the heavy libraries it left out. These tests assert what is imported,
never how long it takes: the times are a benchmark (README, speed table).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("matplotlib", "scipy", "pyarrow", "dask", "pandas", "numpy", "networkx", "simpy")


def loaded_after(statement: str) -> set[str]:
    """The :data:`HEAVY` libraries in ``sys.modules`` after ``statement`` in a new interpreter."""
    code = (
        f"import sys, json\n{statement}\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "statement",
    [
        "import sim",
        "import network",
        "import network.schema, network.errors",
        "import sim.cli.main",  # what `corridor --help` and `--version` load
        "import sim.inputs.limits, sim.inputs.errors",
    ],
)
def test_light_imports_load_no_heavy_library(statement: str) -> None:
    assert loaded_after(statement) == set()


def test_the_engine_loads_no_plotting_statistics_graph_or_dask() -> None:
    # the engine needs NumPy and SimPy (and its records pandas, which brings pyarrow)
    loaded = loaded_after("import sim.engine.world")
    assert {"numpy", "simpy"} <= loaded
    assert not loaded & {"matplotlib", "scipy", "dask", "networkx"}


def test_a_run_and_its_tables_need_no_scipy_or_matplotlib() -> None:
    loaded = loaded_after(
        "import sim, sim.analysis.metrics, sim.analysis.saturation, sim.analysis.report\n"
        "s = sim.load_scenario('scenarios/baseline_2025.toml')\n"
        "sim.run(s.with_run(horizon_days=10, warmup_days=2, replications=2))"
    )
    assert "pandas" in loaded  # the probe sees what was imported
    assert not loaded & {"matplotlib", "scipy", "dask"}


def test_the_probe_sees_a_heavy_import() -> None:
    # the other cases would pass vacuously if the probe could not see an import
    assert {"matplotlib", "numpy"} <= loaded_after("import network.draw")


def _corridor(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_version() -> None:
    import sim

    out = _corridor("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"corridor {sim.__version__}"


def test_help_lists_every_command_and_a_deferred_command_keeps_its_own_help() -> None:
    out = _corridor("--help")
    assert out.returncode == 0
    for command in ("network", "routes", "map", "validate", "check", "sweep", "bench", "run"):
        assert command in out.stdout
    bench = _corridor("bench", "--help")
    assert bench.returncode == 0
    assert "--sizes" in bench.stdout


def test_a_deferred_command_is_listed_with_its_own_help_line() -> None:
    import argparse

    from sim.cli.main import DEFERRED, build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    for name, (_, line) in DEFERRED.items():
        assert helps[name] == line
