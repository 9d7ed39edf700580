"""Compiling scenarios, running replications, common random numbers, shipped scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis.metrics import DWELL_COLUMNS, paired_differences
from sim.inputs.compile import compile_scenario
from sim.inputs.scenario import Flow, RouteChoice, RunSettings, Scenario

ROOT = Path(__file__).resolve().parents[2]
TINY = str(ROOT / "tests" / "fixtures" / "tiny_network")
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


def tiny(**changes) -> Scenario:
    base = dict(
        name="tiny",
        year=2025,
        network=TINY,
        demand=[
            Flow(origin="Alpha", destination="Foxtrot", per_week=150, route=RouteChoice(by="cost")),
            Flow(origin="Alpha", destination="Foxtrot", unit="truck", per_week=40),
        ],
        run=RunSettings(horizon_days=120, warmup_days=10, replications=3, seed=5),
    )
    base.update(changes)
    return Scenario(**base)


def test_compile_tiny_routes_and_segments():
    spec = compile_scenario(tiny())
    by_cost, trucks = spec.flows
    # cheapest for TEU: rail a-h-f (300 + 300 USD); trucks may not use rail: road a-g-f
    assert spec.plans[by_cost.plans[0]].legs == ("a-h", "h-f")
    assert [s.kind for s in spec.plans[by_cost.plans[0]].segments] == ["rail"]
    assert spec.plans[trucks.plans[0]].legs == ("a-g", "g-f")
    assert by_cost.per_hour == pytest.approx(150 / 168)
    assert spec.plans[by_cost.plans[0]].free_flow_h == pytest.approx(60.0)


def test_compile_segments_split_at_ferry():
    s = tiny(
        demand=[
            Flow(origin="Alpha", destination="Foxtrot", per_week=10, route=RouteChoice(by="co2"))
        ]
    )
    spec = compile_scenario(s)
    plan = spec.plans[spec.flows[0].plans[0]]
    assert [(seg.kind, seg.legs) for seg in plan.segments] == [
        ("rail", ("a-b",)),
        ("ferry", ("b-c",)),
        ("rail", ("c-d", "d-e", "e-f")),
    ]
    assert set(spec.ferries) == {"b-c"}
    # node facilities only where cargo passes between origin and destination
    assert set(spec.nodes) == {"b_port", "c_port", "d_border", "e_gauge"}


def test_same_seed_identical_results():
    a = sim.run(tiny(), 1)
    b = sim.run(tiny(), 1)
    pd.testing.assert_frame_equal(a.shipments, b.shipments)
    pd.testing.assert_frame_equal(a.facilities, b.facilities)
    c = sim.run(tiny(), 2)
    assert not np.array_equal(
        a.shipments["release_h"].to_numpy()[:50], c.shipments["release_h"].to_numpy()[:50]
    )


def test_common_random_numbers_share_arrivals_between_scenarios():
    base = tiny()
    # the second scenario changes border handling and adds a flow: shared flows keep their arrivals
    other = tiny(
        name="other",
        demand=[*base.demand, Flow(origin="Alpha", destination="Echo Gauge", per_week=30)],
        overrides={"nodes": {"Hotel Border": {"handling_factor": 0.5}}},
    )
    res = sim.compare([base, other], replications=2)
    sh = res.shipments
    for flow in ("Alpha→Foxtrot (teu)", "Alpha→Foxtrot (truck)"):
        for rep in (0, 1):
            rel = [
                sh[(sh.scenario == s) & (sh.flow == flow) & (sh.replication == rep)][
                    "release_h"
                ].to_numpy()
                for s in ("tiny", "other")
            ]
            assert len(rel[0]) > 100
            np.testing.assert_array_equal(rel[0], rel[1])


def test_run_many_replications_and_kpis():
    res = sim.run_many(tiny())
    sh = res.shipments
    assert sorted(sh.replication.unique()) == [0, 1, 2]
    delivered = sh[sh.delivered]
    np.testing.assert_allclose(
        delivered.transit_h, delivered.running_h + delivered[DWELL_COLUMNS].sum(axis=1), atol=1e-6
    )
    k = res.kpis()
    assert set(k.columns) >= {
        "mean_transit_d",
        "p95_transit_d",
        "released",
        "in_transit",
        "cost_usd_per_unit",
    }
    row = k[(k.flow == "Alpha→Foxtrot (truck)") & (k.replication == 0)].iloc[0]
    expect = sh[
        (sh.flow == "Alpha→Foxtrot (truck)") & (sh.replication == 0) & ~sh.in_warmup & sh.delivered
    ]
    assert row.mean_transit_d == pytest.approx(expect.transit_h.mean() / 24)
    assert (
        row.released
        == ((sh.flow == "Alpha→Foxtrot (truck)") & (sh.replication == 0) & ~sh.in_warmup).sum()
    )
    assert row.delivered == len(expect) and row.in_transit == row.released - row.delivered
    assert row.delivered_share == pytest.approx(row.delivered / row.released)
    assert row.saturated == (row.delivered_share < 0.99 or row.growing_queues != "")
    assert "on_time" not in k  # the tiny flows have no target: undefined, so absent
    # trucks pay the road tariff 1200 + 1000 USD/TEU x 2 TEU-equivalents (20 t / 10 t)
    assert row.cost_usd_per_unit == pytest.approx(4400.0)


def test_paired_differences_detect_faster_border():
    base = tiny()
    fast = tiny(
        name="fast-border", overrides={"nodes": {"Hotel Border": {"handling_factor": 0.25}}}
    )
    res = sim.compare([base, fast], replications=4)
    diffs = paired_differences(res.kpis(), baseline="tiny")
    row = diffs[(diffs.flow == "Alpha→Foxtrot (teu)") & (diffs.metric == "mean_transit_d")].iloc[0]
    # the border takes 4 h on average (cv 0.8, little queueing): a quarter saves about 3 h
    assert -0.2 < row.difference < -0.08
    assert row.ci_low < row.difference < row.ci_high < 0
    assert row.pairs == 4


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_runs_shortened(path: Path):
    s = sim.load_scenario(path).with_run(horizon_days=45, warmup_days=5)
    res = sim.run(s, 0)
    sh = res.shipments
    assert len(sh) > 500
    assert sh.delivered.mean() > 0.5
    d = sh[sh.delivered]
    assert (d.transit_h >= d.free_flow_h - 1e-6).all()
    assert set(res.facilities.kind) >= {"ferry", "port", "border"}


def test_compare_gives_the_same_tables_whatever_the_workers():
    # replication r draws the same numbers in a worker process as here; the tables (and what
    # is computed from them) do not depend on how the replications are spread
    a = tiny()
    b = tiny(name="tiny-faster", overrides={"nodes": {"Golf": {"handling_factor": 0.5}}})
    one = sim.compare([a, b], 3, workers=1)
    two = sim.compare([a, b], 3, workers=2)
    for name in ("shipments", "facilities", "queues", "closures", "departures"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), check_exact=True)
    pd.testing.assert_frame_equal(one.kpis(), two.kpis(), check_exact=True)
    assert len(one.shipments["scenario"].unique()) == 2
