"""Route shifts between two scenarios and ferry departures by reason: the tables add up and the
sentences say what the tables say."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import sim
import sim.analysis.shift
from sim.analysis.shift import (
    describe_ferry_departures,
    describe_shift,
    ferry_departures_frame,
    flow_shift,
    route_shift,
)
from sim.engine.world import World
from sim.inputs.compile import compile_scenario
from sim.inputs.scenario import BorderDefaults

from .specs import without_operations


@pytest.fixture(scope="module")
def halved() -> sim.Results:
    """Baseline against every border halved, 150 days, 2 replications: cargo to Türkiye moves
    to the Kazakh route, whose long Keles border gains most from the halving."""
    base = without_operations(sim.load_scenario("scenarios/baseline_2025.toml")).with_run(
        horizon_days=150, warmup_days=30
    )
    rule = BorderDefaults(kind="border", handling_factor=0.5)
    half = base.model_copy(
        update={
            "name": "halved",
            "overrides": base.overrides.model_copy(update={"node_kinds": [rule]}),
        }
    )
    return sim.compare([base, half], replications=2)


def test_flow_shift_is_an_exact_decomposition(halved: sim.Results):
    s = halved.shipments
    f = flow_shift(s, "baseline-2025", "halved")
    assert np.allclose(f["change_h"], f["route_mix_h"] + f["same_routes_h"])
    assert np.allclose(f["change_h"], f["new_h"] - f["base_h"])
    kept = s[~s["in_warmup"] & s["delivered"]]
    for scen, col in (("baseline-2025", "base_h"), ("halved", "new_h")):
        means = kept[kept["scenario"] == scen].groupby("flow", observed=True)["transit_h"].mean()
        got = f.xs("transit_h", level="column")[col]
        assert np.allclose(got, means.reindex(got.index))
    # a flow on a single fixed route has no route mix
    fixed = f.loc[("Tashkent→Poti (teu)", "transit_h")]
    assert fixed["moved"] == 0.0 and fixed["route_mix_h"] == 0.0


def test_route_shift_shares_add_up_and_name_the_move(halved: sim.Results):
    t = route_shift(halved.shipments, "baseline-2025", "halved", specs=halved.specs)
    sums = t.groupby(level="flow")[["share_base", "share_new"]].sum()
    assert np.allclose(sums, 1.0)
    ist = t.loc["Tashkent→Istanbul (teu)"]
    # the Kazakh route (Keles border, 84.8 h before halving) takes most of the flow
    kuryk = ist[ist["via"].str.contains("Keles")]
    assert kuryk["share_new"].sum() > 0.5 > kuryk["share_base"].sum()
    assert (kuryk["expected_h_new"] < kuryk["expected_h_base"] - 40).all()


def test_describe_shift_states_the_tables_numbers(halved: sim.Results):
    s = halved.shipments
    lines = describe_shift(s, "baseline-2025", "halved", specs=halved.specs)
    f = flow_shift(s, "baseline-2025", "halved")
    text = {line.split(":")[0]: line for line in lines}
    assert "Tashkent→Istanbul (teu)" in text and "Tashkent→Poti (teu)" not in text
    line = text["Tashkent→Istanbul (teu)"]
    row = f.loc[("Tashkent→Istanbul (teu)", "transit_h")]
    assert f"{abs(row['change_h']):.1f} h ({row['route_mix_h']:+.1f} h from the move" in line
    assert f"border {f.loc[('Tashkent→Istanbul (teu)', 'border_h'), 'change_h']:+.1f} h" in line
    moved = float(re.match(r".*?: (\d+) % of its units changed route", line).group(1))  # type: ignore[union-attr]
    t = route_shift(s, "baseline-2025", "halved").loc["Tashkent→Istanbul (teu)"]
    assert moved == round(100 * t["share_change"].clip(lower=0).sum())


def test_ferry_departures_add_up_and_explain_the_light_directions_wait():
    """Turkmenbashi-Alat with 3 and 5 vessels: as many sailings leave Alat (the light,
    eastbound end) either way, nearly all because Turkmenbashi needs the vessel, but with 5 they
    follow Turkmenbashi's trains and come less regularly, so eastbound cargo waits longer; the
    residual-time formula from the gaps gives the measured wait within a few hours."""
    base = without_operations(sim.load_scenario("scenarios/baseline_2025.toml")).with_run(
        horizon_days=200, warmup_days=30
    )
    frames = []
    for n in (3, 5):
        ferries = {**base.overrides.ferries, "turkmenbashi-alat": sim.FerryService(vessels=n)}
        sc = base.model_copy(
            update={
                "name": f"v{n}",
                "overrides": base.overrides.model_copy(update={"ferries": ferries}),
            }
        )
        record = World(compile_scenario(sc), 0).run()
        frames.append(ferry_departures_frame(record, sc.name))
        quays = [f for f in record.facilities if f.part_of == "turkmenbashi-alat"]
        assert sorted(f.place for f in quays) == ["alat", "turkmenbashi"]
        for end in quays:
            assert end.departures is not None
            assert sum(end.departures.values()) == len(end.departure_times)

    frame = pd.concat(frames, ignore_index=True)
    alat = frame[(frame["line"] == "turkmenbashi-alat") & (frame["port"] == "alat")].set_index(
        "scenario"
    )
    assert (alat["needed_departures"] / alat["departures"] > 0.9).all()
    assert alat.loc["v5", "gap_cv"] > alat.loc["v3", "gap_cv"]
    assert alat.loc["v5", "mean_wait_h"] > alat.loc["v3", "mean_wait_h"]
    assert np.allclose(alat["residual_wait_h"], alat["mean_wait_h"], atol=3.0)
    lines = describe_ferry_departures(frame, "v3", "v5", lines=["turkmenbashi-alat"])
    alat_line = next(x for x in lines if x.startswith("turkmenbashi-alat from alat"))
    change = alat.loc["v5", "mean_wait_h"] - alat.loc["v3", "mean_wait_h"]
    assert f"rose by {change:.1f} h" in alat_line
    assert f"CV {alat.loc['v5', 'gap_cv']:.2f}" in alat_line
