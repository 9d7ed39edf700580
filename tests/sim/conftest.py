"""Fixtures shared by the sim tests."""

from __future__ import annotations

import pytest

import sim
from sim.runs.runner import Results


@pytest.fixture(scope="session")
def res() -> Results:
    """A short baseline-vs-Zangezur comparison (60 days, 2 replications), run once."""
    a = sim.load_scenario("scenarios/baseline_2025.toml")
    b = sim.load_scenario("scenarios/zangezur.toml")
    return sim.compare(
        [a.with_run(horizon_days=60, warmup_days=10), b.with_run(horizon_days=60, warmup_days=10)],
        replications=2,
    )
