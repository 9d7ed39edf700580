"""Fixtures shared by the sim tests."""

from __future__ import annotations

import pytest

import sim
from sim.runs.runner import Results

from .specs import without_operations


@pytest.fixture(scope="session")
def res() -> Results:
    """A short baseline-vs-Zangezur comparison (60 days, 2 replications), run once."""
    # the operations (background traffic, weather...) off: short runs of them start with
    # queues still filling, which the plots' and report's own tests need not see
    a = without_operations(sim.load_scenario("scenarios/baseline_2025.toml"))
    b = without_operations(sim.load_scenario("scenarios/zangezur.toml"))
    return sim.compare(
        [a.with_run(horizon_days=60, warmup_days=10), b.with_run(horizon_days=60, warmup_days=10)],
        replications=2,
    )
