"""The model beside the observations: each row computed the way it was observed, or why not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import network
import sim
from sim.analysis import observations
from sim.analysis.observations import compare

ROOT = Path(__file__).resolve().parents[2]
OPS = ROOT / "tests" / "fixtures" / "tiny_operations"


def test_every_observation_gets_a_model_figure_or_a_reason() -> None:
    s = sim.Scenario(
        name="obs",
        network=str(OPS),
        demand=[
            sim.Flow(
                origin="Alpha", destination="Foxtrot", per_week=30, route=sim.RouteChoice(by="co2")
            )
        ],
        run=sim.RunSettings(horizon_days=120, warmup_days=10, replications=1),
    )
    res = sim.run(s)
    net = network.load_network(OPS)
    table = compare(res, net).set_index("obs_id")
    assert list(table.index) == list(net.observations.index)
    wait = table.loc["wait-bc"]
    assert wait["model"].startswith("[") and wait["why_not"] == ""
    # the interquartile range of the waits of the units that crossed b-c, load and unload off
    units = pd.concat([res.shipments, res.background])
    units = units[~units["in_warmup"] & units["delivered"]]
    crossed = [("b-c" in res.specs["obs"].plans[p].legs) for p in units["plan"]]
    fs = res.specs["obs"].ferries["b-c"]
    waits = (units[crossed]["ferry_h"] - fs.load_h - fs.unload_h).clip(lower=0)
    q1, q3 = np.percentile(waits, [25, 75])
    assert wait["model"] == f"[{q1:,.4g}-{q3:,.4g}]"
    assert wait["within"] == bool(q1 <= 72 and q3 >= 24)
    for obs_id in ("dwell-d", "seg-cf", "e2e-af"):
        assert table.loc[obs_id, "model"] == "" and table.loc[obs_id, "why_not"]


def test_agreement_rules() -> None:
    row = pd.Series({"value": 100.0, "low": np.nan, "high": np.nan})
    within = observations._within
    assert within(row, "mean", 120.0) is True and within(row, "mean", 130.0) is False
    ranged = pd.Series({"value": np.nan, "low": 48.0, "high": 72.0})
    assert within(ranged, "typical_range", (60.0, 100.0)) is True
    assert within(ranged, "typical_range", (80.0, 100.0)) is False
    assert within(row, "min", 80.0) is True and within(row, "min", 70.0) is False
    assert within(row, "max", 120.0) is True and within(row, "max", 130.0) is False
    assert within(row, "mean", None) is pd.NA
