"""Metamorphic tests: responses that go the right way, on shortened shipped scenarios.

Each test runs two scenarios that differ in one thing (a vessel more, a border's dwell halved, a
route opened) on common random numbers and checks the direction of the response with a paired
interval over the replications: the change may help or do nothing, but it must not make things
significantly worse. Flows are on fixed routes (the scenarios' flows routed ``best``), so a
change cannot move cargo to other routes (with adaptive choice a counter-intuitive result can
be real; that is :mod:`sim.analysis.shift`'s business, not these tests').
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import network
import sim
from network.routing import Route
from sim.inputs.compile import scenario_network
from sim.inputs.scenario import BorderDefaults, Scenario

from .specs import without_operations

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
#: one-sided: "significantly worse" means the whole 99 % interval of the paired difference is
#: above zero (several flows are checked at once; a false alarm would be rare and repeatable)
CONFIDENCE = 0.99


def fixed_routes(name: str, *, horizon_days: int = 120, warmup_days: int = 30) -> Scenario:
    """The shipped scenario ``name``, shortened, with only its flows routed ``best`` (each on
    its single best route). Routing the adaptive flows ``best`` as well would put all the
    Aktau cargo on the one-vessel Aktau-Alat line, which the capacity check refuses."""
    sc = sim.load_scenario(SCENARIOS / name).with_run(
        horizon_days=horizon_days, warmup_days=warmup_days
    )
    # without the operations (background traffic, weather, outages...): the few-vessel cases
    # below would overload under the background, and the properties are the engine's
    sc = without_operations(sc)
    return sc.model_copy(update={"demand": [f for f in sc.demand if f.route.mode == "best"]})


def variant(sc: Scenario, name: str, **overrides: object) -> Scenario:
    return sc.model_copy(
        update={"name": name, "overrides": sc.overrides.model_copy(update=overrides)}
    )


def paired_mean_low(diffs: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Mean of paired differences and the lower end of its two-sided t interval."""
    n = len(diffs)
    mean = float(diffs.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * diffs.std(ddof=1) / np.sqrt(n))
    return mean, mean - half


def line_wait(res: sim.Results, leg: str) -> pd.DataFrame:
    """Mean ferry wait per scenario and replication over every unit that sailed on ``leg``
    (both directions pooled, weighted by units), from the ferry-queue monitors."""
    f = res.facilities
    q = f[(f["kind"] == "ferry_queue") & f["facility"].str.startswith(f"{leg}@")]
    q = q.assign(wait_sum=q["mean_wait_h"].fillna(0.0) * q["units"])
    g = q.groupby(["scenario", "replication"])[["wait_sum", "units"]].sum()
    return (g["wait_sum"] / g["units"]).unstack("scenario")


# -- one more vessel ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("leg", "vessels"),
    [
        # the network's fleet: enough vessels, so the extra one mostly waits; a rule that
        # counted the wrong end's vessels when repositioning fails here
        ("turkmenbashi-alat", 7),
        ("kuryk-alat", 2),  # few vessels on a line whose westbound cargo outweighs eastbound
        ("turkmenbashi-alat", 3),  # few vessels: they are busy most of the time
    ],
)
def test_one_more_vessel_never_makes_the_lines_mean_ferry_wait_worse(leg: str, vessels: int):
    """The line's mean wait over both directions. One direction alone may wait longer: where
    eastbound cargo is light, its sailings are mostly vessels sent back because Turkmenbashi
    needs them, and a bigger fleet needs fewer of them (see ``FerryLine`` and
    :func:`sim.analysis.shift.ferry_departures`); the line as a whole must not lose."""
    base = fixed_routes("baseline_2025.toml")
    a = variant(
        base, "n", ferries={**base.overrides.ferries, leg: sim.FerryService(vessels=vessels)}
    )
    b = variant(
        base, "n+1", ferries={**base.overrides.ferries, leg: sim.FerryService(vessels=vessels + 1)}
    )
    res = sim.compare([a, b], replications=6)
    w = line_wait(res, leg)
    mean, low = paired_mean_low((w["n+1"] - w["n"]).to_numpy())
    assert w.notna().all().all() and len(w) == 6
    assert low <= 0.0, (
        f"{leg}: {vessels} -> {vessels + 1} vessels raises the mean ferry wait by {mean:+.2f} h "
        f"(99 % interval from {low:+.2f} h)"
    )


# -- a border's dwell halved ----------------------------------------------------------------------


def _flows_through(res: sim.Results, scenario: str, node: str) -> list[str]:
    spec = res.specs[scenario]
    return [f.label for f in spec.flows if node in spec.plans[f.plans[0]].nodes[1:-1]]


def _transit(res: sim.Results) -> pd.DataFrame:
    k = res.kpis()
    return k.pivot_table(
        index=["flow", "replication"], columns="scenario", values="mean_transit_d", observed=True
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("node", "label"),
    [
        ("khodjadavlet", "Khodjadavlet"),  # UZ-TM, on every Uzbek flow through Turkmenbashi
        ("boyuk_kesik", "Boyuk Kesik"),  # AZ-GE, to the Georgian ports
    ],
)
def test_halving_a_borders_dwell_never_makes_flows_through_it_slower(node: str, label: str):
    base = fixed_routes("baseline_2025.toml")
    half = variant(
        base, "halved", nodes={**base.overrides.nodes, label: sim.NodeChange(handling_factor=0.5)}
    )
    res = sim.compare([base, half], replications=6)
    flows = _flows_through(res, base.name, node)
    assert len(flows) >= 3
    t = _transit(res)
    worse = []
    for flow in flows:
        d = (t.loc[flow, "halved"] - t.loc[flow, base.name]).to_numpy() * 24
        mean, low = paired_mean_low(d)
        if low > 0:
            worse.append(f"{flow}: {mean:+.1f} h (99 % interval from {low:+.1f} h)")
    assert not worse, f"halving {label} makes flows through it slower: {worse}"


@pytest.mark.slow
def test_halving_every_border_never_makes_a_fixed_route_flow_slower():
    base = fixed_routes("baseline_2025.toml", horizon_days=240)
    half = variant(
        base,
        "halved",
        node_kinds=[*base.overrides.node_kinds, BorderDefaults(kind="border", handling_factor=0.5)],
    )
    res = sim.compare([base, half], replications=8)
    t = _transit(res)
    worse = []
    for flow in t.index.get_level_values("flow").unique():
        d = (t.loc[flow, "halved"] - t.loc[flow, base.name]).to_numpy() * 24
        mean, low = paired_mean_low(d)
        if low > 0:
            worse.append(f"{flow}: {mean:+.1f} h (99 % interval from {low:+.1f} h)")
    assert not worse, f"halving every border makes flows slower: {worse}"


# -- a route opened -------------------------------------------------------------------------------

ZANGEZUR_BORDERS = ("Aghband", "Ordubad", "Sadarak")


def _by_time(sc: Scenario) -> Scenario:
    demand = [
        f.model_copy(update={"route": f.route.model_copy(update={"mode": "best", "by": "time"})})
        for f in sc.demand
    ]
    return sc.model_copy(update={"demand": demand})


def _static_times(sc: Scenario) -> pd.DataFrame:
    """Per flow: the compiled plan's free-flow time and its static time (running + published
    waits + handling, the quantity ``best`` by time minimises), valued on the scenario's graph."""
    spec = sim.compile_scenario(sc)
    G: nx.MultiDiGraph = network.build_graph(scenario_network(sc), sc.year)
    rows = []
    for f in spec.flows:
        plan = spec.plans[f.plans[0]]
        route = Route.from_path(G, plan.nodes, plan.legs)
        rows.append(
            {
                "flow": f.label,
                "free_flow_h": plan.free_flow_h,
                "time_h": route.time_h,
                "via": plan.via,
                "zangezur": "aghband-meghri" in plan.legs,
            }
        )
    return pd.DataFrame(rows).set_index("flow")


@pytest.mark.parametrize("seamless", [False, True])
def test_opening_a_route_never_makes_a_best_routed_flow_slower(seamless: bool):
    """The 2030 network (Zangezur legs open) against the same scenario with the first Zangezur
    leg closed; with ``seamless`` the Zangezur borders take no time, so the new route wins for
    the Kars-bound flows (the case that can go wrong)."""
    opened = _by_time(sim.load_scenario(SCENARIOS / "zangezur.toml"))
    if seamless:
        nodes = {n: sim.NodeChange(handling_mean_h=0.0) for n in ZANGEZUR_BORDERS}
        opened = variant(opened, "opened", nodes={**opened.overrides.nodes, **nodes})
    closed = variant(
        opened,
        "closed",
        legs={**opened.overrides.legs, "aghband-meghri": sim.LegChange(status="closed")},
    )
    before, after = _static_times(closed), _static_times(opened)
    assert not before["zangezur"].any()
    moved = after.index[after["via"] != before["via"]]
    # only the opened leg changes routes, and only towards it
    assert after.loc[moved, "zangezur"].all()
    if seamless:  # the test has teeth: some flows do take the opened route
        assert len(moved) >= 2
    slower = after["time_h"] > before["time_h"] + 1e-9
    assert not slower.any(), after[slower].join(before, rsuffix="_before")
    # free flow: a flow changes route only for a quicker one, so where the running time
    # (free flow) rises, the handling and waits saved must outweigh it
    ff_up = after["free_flow_h"] > before["free_flow_h"] + 1e-9
    saved = (before["time_h"] - before["free_flow_h"]) - (after["time_h"] - after["free_flow_h"])
    gained = after["free_flow_h"] - before["free_flow_h"]
    assert (saved[ff_up] >= gained[ff_up] - 1e-9).all()
    # flows that keep their route keep their free-flow time exactly
    same = after.index.difference(moved)
    assert np.allclose(after.loc[same, "free_flow_h"], before.loc[same, "free_flow_h"])
