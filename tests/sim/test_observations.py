"""The model beside the observations: each row computed the way it was observed, or why not."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import network
import sim
from sim.analysis import observations
from sim.analysis.observations import compare
from sim.runs.runner import run_spec

ROOT = Path(__file__).resolve().parents[2]
OPS = ROOT / "tests" / "fixtures" / "tiny_operations"


@pytest.fixture(scope="module")
def tiny() -> sim.Results:
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
    return sim.run(s)


@pytest.fixture(scope="module")
def net() -> network.Network:
    return network.load_network(OPS)


def _units(res: sim.Results) -> pd.DataFrame:
    units = pd.concat([res.shipments, res.background], ignore_index=True)
    return units[~units["in_warmup"]]


def test_every_observation_gets_a_model_figure(tiny: sim.Results, net: network.Network) -> None:
    table = compare(tiny, net).set_index("obs_id")
    assert list(table.index) == list(net.observations.index)
    assert list(table.reset_index().columns) == observations.COLUMNS
    wait = table.loc["wait-bc"]
    assert wait["model"].startswith("[") and wait["why_not"] == ""
    # the interquartile range of the waits of the units that crossed b-c, load and unload off
    units = _units(tiny)
    units = units[units["delivered"]]
    crossed = [("b-c" in tiny.specs["obs"].plans[p].legs) for p in units["plan"]]
    fs = tiny.specs["obs"].ferries["b-c"]
    waits = (units[crossed]["ferry_h"] - fs.load_h - fs.unload_h).clip(lower=0)
    q1, med, q3 = np.percentile(waits, [25, 50, 75])
    assert wait["model"] == f"[{q1:,.4g}-{q3:,.4g}]"
    assert wait["within"] == bool(q1 <= 72 and q3 >= 24)
    assert (wait["model_value"], wait["model_low"], wait["model_high"]) == (med, q1, q3)
    assert wait["n"] == len(waits)
    # a blank value is observed as the midpoint of its range
    assert (wait["observed_value"], wait["observed_low"], wait["observed_high"]) == (48, 24, 72)
    for obs_id in ("dwell-d", "seg-cf", "e2e-af"):
        row = table.loc[obs_id]
        assert row["why_not"] == "" and math.isfinite(row["model_value"]) and row["n"] > 0


def test_border_dwell_is_the_units_border_time(tiny: sim.Results, net: network.Network) -> None:
    """On a route with one border, no friction there and no line path after it, a consist's
    dwell at the border (departure less arrival) is its units' border time, exactly."""
    spec = tiny.specs["obs"]
    units = _units(tiny)
    through = [
        "d_border" in spec.plans[p].nodes[1:-1] and spec.plans[p].nodes.count("d_border") == 1
        for p in units["plan"]
    ]
    units = units[through & units["delivered"].to_numpy()]
    borders = [n for n in spec.plans[int(units["plan"].iloc[0])].nodes if n in spec.nodes]
    assert [spec.nodes[n].kind for n in borders].count("border") == 1
    p = tiny.passages[tiny.passages["node"] == "d_border"]
    arrive = p[~p["departs"]].set_index("unit")["time_h"]
    depart = p[p["departs"]].set_index("unit")
    ids = units["unit_id"].to_numpy()
    dwell = depart.loc[ids, "time_h"].to_numpy() - arrive.loc[ids].to_numpy()
    assert np.array_equal(dwell, units["border_h"].to_numpy())
    # the model's figure is the mean over consists (trains), not over units
    per_train = pd.Series(dwell).groupby(depart.loc[ids, "passage"].to_numpy()).mean()
    row = compare(tiny, net).set_index("obs_id").loc["dwell-d"]
    assert row["model_value"] == pytest.approx(per_train.mean(), rel=1e-12)
    assert row["n"] == len(per_train)


def test_segment_time_is_running_plus_border(tiny: sim.Results, net: network.Network) -> None:
    """c_port > d_border > e_gauge: legs c-d (4 h) and d-e (3 h) run without delay, so each
    unit's time between leaving c_port and reaching e_gauge is 7 h plus its border time."""
    spec = tiny.specs["obs"]
    assert spec.legs["c-d"].delay_cv == 0 and spec.legs["d-e"].delay_cv == 0
    assert (spec.legs["c-d"].duration_h, spec.legs["d-e"].duration_h) == (4.0, 3.0)
    units = _units(tiny)
    on = [spec.plans[p].nodes[2:5] == ("c_port", "d_border", "e_gauge") for p in units["plan"]]
    units = units[on & units["delivered"].to_numpy()]
    row = compare(tiny, net).set_index("obs_id").loc["seg-cf"]
    assert row["n"] == len(units)
    assert row["model_value"] == pytest.approx((7.0 + units["border_h"]).mean(), rel=1e-12)
    # transit (check only) is the delivered units' end-to-end time on a_city > f_city routes
    e2e = compare(tiny, net).set_index("obs_id").loc["e2e-af"]
    assert e2e["model_value"] == pytest.approx(units["transit_h"].median(), rel=1e-12)


def test_voyages_carry_what_the_units_took(tiny: sim.Results) -> None:
    """The slots the vessels loaded are the ferry slots of the units that crossed; every
    crossing lasts at least the fastest run of the leg; a load fits the vessel's deck."""
    spec = tiny.specs["obs"]
    v = tiny.voyages
    units = pd.concat([tiny.shipments, tiny.background], ignore_index=True)
    on_line = np.array(["b-c" in spec.plans[p].legs for p in units["plan"]])
    slots = units["unit"].map({k: u.ferry_slots for k, u in spec.units.items()}).to_numpy()
    # every delivered unit of the line crossed once; no unit off the line is on a vessel
    delivered = on_line & units["delivered"].to_numpy()
    assert delivered.sum() <= v["units"].sum() <= on_line.sum()
    assert slots[delivered].sum() - 1e-6 <= v["slots"].sum() <= slots[on_line].sum() + 1e-6
    assert (v["slots"] <= v["deck_slots"] + 1e-9).all()
    leg = spec.legs["b-c"]
    assert (v["crossing_h"] >= leg.duration_h * (1 - leg.delay_cv) - 1e-9).all()
    # unloading work at a port is the line's unload time (+ frictions) when cargo landed
    landed = v[v["arrived_h"].notna() & (v["unload_h"] > 0)]
    assert (landed["unload_h"] >= spec.ferries["b-c"].unload_h - 1e-9).all()


def _with_obs(net: network.Network, **row: object) -> network.Network:
    base = {c: np.nan for c in net.observations.columns}
    base.update({"use": "check", "grade": "B", "year": 2024, "source_id": "fixture-pub"})
    base.update(row)
    obs = pd.DataFrame([base], index=pd.Index(["x"], name=net.observations.index.name))
    return dataclasses.replace(net, observations=obs)


def test_load_factor_and_calls_from_the_voyages(tiny: sim.Results, net: network.Network) -> None:
    v = tiny.voyages
    spec = tiny.specs["obs"]
    v = v[(v["sail_h"] >= spec.warmup_h) & (v["sail_h"] <= spec.horizon_h)]
    loaded = v[v["units"] > 0]
    years = (spec.horizon_h - spec.warmup_h) / (365 * 24)
    lf = _with_obs(
        net,
        what="fill",
        metric="load_factor",
        target_kind="ferry_line",
        target="b-c",
        statistic="mean",
        value=0.7,
        unit="share",
    )
    row = compare(tiny, lf).iloc[0]
    assert row["model_value"] == pytest.approx((loaded["slots"] / loaded["capacity_slots"]).mean())
    assert row["n"] == len(loaded)
    calls = _with_obs(
        net,
        what="calls",
        metric="vessel_calls_per_year",
        target_kind="node",
        target="c_port",
        statistic="total",
        value=100,
        unit="calls/year",
    )
    row = compare(tiny, calls).iloc[0]
    assert row["model_value"] == pytest.approx((v["port"] == "b_port").sum() / years)
    sail = _with_obs(
        net,
        what="crossing",
        metric="sailing_h",
        target_kind="leg",
        target="b-c",
        statistic="max",
        value=30,
        unit="h",
    )
    row = compare(tiny, sail).iloc[0]
    assert row["model_value"] == pytest.approx(np.percentile(v["crossing_h"], 95))


def test_closure_share_in_the_named_months(tiny: sim.Results, net: network.Network) -> None:
    """Two overlapping closures and one outside the months: the share counts their union in
    the months the observation names, over those months' hours in the window."""
    month = observations.HOURS_PER_MONTH
    spec = dataclasses.replace(
        tiny.specs["obs"], warmup_h=0.0, horizon_h=3 * month
    )  # January to March
    closures = pd.DataFrame(
        {
            "scenario": "obs",
            "replication": 0,
            "disruption": "w",
            "target": "b_port",
            "start_h": [month + 10.0, month + 20.0, 5.0],
            "end_h": [month + 30.0, month + 40.0, 15.0],
        }
    )
    res = dataclasses.replace(tiny, closures=closures, specs={"obs": spec})
    obs = _with_obs(
        net,
        what="closed in Feb",
        metric="closure_share",
        target_kind="node",
        target="b_port",
        statistic="share",
        value=0.1,
        unit="share",
    )
    row = compare(res, obs).iloc[0]
    assert row["model_value"] == pytest.approx(30.0 / month)
    whole = _with_obs(
        net,
        what="closed",
        metric="closure_share",
        target_kind="node",
        target="b_port",
        statistic="share",
        value=0.1,
        unit="share",
    )
    assert compare(res, whole).iloc[0]["model_value"] == pytest.approx(40.0 / (3 * month))
    assert observations._months("Nov–Dec") == {11, 12}
    assert observations._months("in December and March") == {12, 3}


def test_queue_counts_the_units_waiting_to_leave(tiny: sim.Results, net: network.Network) -> None:
    obs = _with_obs(
        net,
        what="trucks at Bravo",
        metric="queue_units",
        target_kind="node",
        target="b_port",
        statistic="snapshot",
        value=10,
        unit="trucks",
    )
    spec = tiny.specs["obs"]
    assert "b_port" not in spec.watch_nodes
    unwatched = compare(tiny, obs).iloc[0]
    assert math.isnan(unwatched["model_value"]) and "no passages" in unwatched["why_not"]
    # watching one more node records its passages and changes nothing else
    spec = dataclasses.replace(spec, watch_nodes=(*spec.watch_nodes, "b_port"))
    res = run_spec(spec, 0)
    for t in ("shipments", "background", "facilities", "queues", "closures", "departures"):
        pd.testing.assert_frame_equal(getattr(res, t), getattr(tiny, t))
    pd.testing.assert_frame_equal(res.voyages, tiny.voyages)
    row = compare(res, obs).iloc[0]
    # by hand: trucks released at b_port (their origin) and still there at each sample time
    units = pd.concat([res.shipments, res.background], ignore_index=True)
    starts = np.array([spec.plans[p].nodes[0] == "b_port" for p in units["plan"]])
    trucks = units[(units["unit"] == "truck").to_numpy() & starts]
    p = res.passages[(res.passages["node"] == "b_port") & res.passages["departs"]]
    left = p.set_index("unit")["time_h"].reindex(trucks["unit_id"]).fillna(np.inf).to_numpy()
    times = np.unique(res.queues["time_h"])
    times = times[(times >= spec.warmup_h) & (times <= spec.horizon_h)]
    counts = [int(((trucks["release_h"].to_numpy() <= t) & (left > t)).sum()) for t in times]
    assert row["n"] == len(times)
    assert row["model_value"] == np.percentile(counts, 95)
    assert (row["model_low"], row["model_high"]) == tuple(np.percentile(counts, [25, 75]))
    # a queue reported in a named month is counted in that month only
    feb = dataclasses.replace(net, observations=obs.observations.assign(note="seen in February"))
    in_feb = (times // (365 * 24 / 12)).astype(int) % 12 + 1 == 2
    row = compare(res, feb).iloc[0]
    assert row["n"] == in_feb.sum() > 0
    assert row["model_value"] == np.percentile(np.array(counts)[in_feb], 95)
    dec = dataclasses.replace(net, observations=obs.observations.assign(note="(Dec 2024)"))
    row = compare(res, dec).iloc[0]
    assert math.isnan(row["model_value"]) and "covers none of Dec" in row["why_not"]


def test_statistics_of_a_distribution() -> None:
    """min is the 5th percentile, max the 95th, a range the median with the quartiles: a swap
    of any two fails here."""
    fig = observations._Figure(sample=np.arange(101.0))
    got = {s: observations._summarise(fig, s)[:3] for s in ("min", "max", "typical_range")}
    assert got["min"] == (5.0, 25.0, 75.0)
    assert got["max"] == (95.0, 25.0, 75.0)
    assert got["typical_range"] == (50.0, 25.0, 75.0)
    assert observations._summarise(fig, "snapshot")[0] == 95.0
    assert observations._summarise(fig, "mean")[0] == 50.0
    skewed = observations._Figure(sample=np.array([0.0, 0.0, 0.0, 10.0]))
    assert observations._summarise(skewed, "mean")[0] == 2.5
    assert observations._summarise(skewed, "median")[0] == 0.0
    v, lo, hi, n, why = observations._summarise(observations._Figure(value=3.0, n=7), "total")
    assert (v, n, why) == (3.0, 7, "") and math.isnan(lo) and math.isnan(hi)
    assert observations._summarise(observations._Figure(why="no"), "mean")[4] == "no"


def test_side_of_a_border_node() -> None:
    obs = pd.DataFrame(
        {
            "target": ["k", "k"],
            "what": ["KZ time", "UZ time"],
            "note": ["KZ side only; the k node = UZ 6.8 + KZ 78.0.", "UZ side only."],
        }
    )
    kz = observations._side_share(obs, obs.iloc[0], "k")
    uz = observations._side_share(obs, obs.iloc[1], "k")
    assert kz == (pytest.approx(78.0 / 84.8), "") and uz == (pytest.approx(6.8 / 84.8), "")
    alone = obs.assign(note=["TM side only.", ""])
    share, why = observations._side_share(alone, alone.iloc[0], "k")
    assert math.isnan(share) and "no published split" in why


@pytest.mark.slow
def test_every_fit_row_of_the_shipped_observations_has_a_number() -> None:
    """In a year's run (the Kuryk truck queue is December's, as reported), as the shipped
    calibration runs it."""
    s = sim.load_scenario(ROOT / "scenarios" / "baseline_2025.toml").with_run(
        horizon_days=365, warmup_days=30, replications=1
    )
    table = compare(sim.run(s), network.load_network())
    fit = table[table["use"] == "fit"]
    assert fit["model_value"].notna().all(), fit.loc[fit["model_value"].isna(), "why_not"]
    assert (fit["why_not"] == "").all() and (fit["n"] > 0).all()
    assert table["observed_value"].notna().all()


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


def test_railcars_and_vehicles_by_sea_come_from_the_voyages(
    tiny: sim.Results, net: network.Network
) -> None:
    """A port's or a vessel's railcars and vehicles are counted on the voyages, as ports and
    shipping lines count them: vehicles the trucks aboard, railcars the other slots (a box
    half a railcar); a ``what`` naming a vessel counts that vessel's voyages only."""
    spec = tiny.specs["obs"]
    units = pd.concat([tiny.shipments, tiny.background], ignore_index=True)
    on_line = np.array(["b-c" in spec.plans[p].legs for p in units["plan"]])
    trucks = on_line & (units["unit"] == "truck").to_numpy()
    v = tiny.voyages
    # every truck that crossed is counted once aboard its voyage
    assert (trucks & units["delivered"].to_numpy()).sum() <= v["trucks"].sum() <= trucks.sum()
    assert v["trucks"].sum() > 0
    v = v[(v["sail_h"] >= spec.warmup_h) & (v["sail_h"] <= spec.horizon_h)]
    years = (spec.horizon_h - spec.warmup_h) / (365 * 24)
    truck = spec.units["truck"].ferry_slots

    def figure(what: str, unit: str, kind: str = "node", target: str = "c_port") -> float:
        obs = _with_obs(
            net,
            what=what,
            metric="throughput_per_year",
            target_kind=kind,
            target=target,
            statistic="total",
            value=1000,
            unit=unit,
        )
        return float(compare(tiny, obs).iloc[0]["model_value"])

    rail = (v["slots"] - v["trucks"] * truck).sum()
    assert figure("port wagons", "wagons/year") == pytest.approx(rail / years)
    assert figure("port vehicles", "vehicles/year") == pytest.approx(v["trucks"].sum() / years)
    paxer = v[v["vessel"] == "Paxer"]
    assert 0 < paxer["trucks"].sum() < v["trucks"].sum()
    assert figure("Paxer vehicles", "vehicles/year", "ferry_line", "b-c") == pytest.approx(
        paxer["trucks"].sum() / years
    )


def test_port_time_adds_the_handling_only_where_the_data_puts_it_in_the_vessel_time(
    tiny: sim.Results, net: network.Network
) -> None:
    """A vessel's time at a port is its loading and unloading there; the port's handling of a
    consist is added only where a vessel-call row of frictions.csv says the port's published
    vessel time includes it (as the Port of Baku's 20.1 h does)."""
    spec = tiny.specs["obs"]
    v = tiny.voyages
    v = v[(v["sail_h"] >= spec.warmup_h) & (v["sail_h"] <= spec.horizon_h)]
    v = v[
        (v["port"] == "c_port") & v["arrived_h"].notna() & ((v["unload_h"] > 0) | (v["units"] > 0))
    ]
    work = (v["unload_h"] + v["load_h"]).mean()
    obs = dict(
        what="vessel time",
        metric="vessel_port_time_h",
        target_kind="node",
        target="c_port",
        statistic="mean",
        value=10,
        unit="h",
    )
    plain = compare(tiny, _with_obs(net, **obs)).iloc[0]["model_value"]
    assert plain == pytest.approx(work)
    call = pd.DataFrame(
        [
            {
                **net.frictions.iloc[0].to_dict(),
                "applies_to": "c_port",
                "per": "vessel_call",
                "role": "included",
                "included_in": "nodes.handling_mean_h",
            }
        ],
        index=pd.Index(["in-vessel-time"], name=net.frictions.index.name),
    )
    split = dataclasses.replace(net, frictions=pd.concat([net.frictions, call]))
    with_handling = compare(tiny, _with_obs(split, **obs)).iloc[0]["model_value"]
    fac = tiny.facilities
    port = fac[(fac["place"] == "c_port") & fac["kind"].isin(["port", "terminal"])]
    assert len(port) and with_handling > plain + 1.0
