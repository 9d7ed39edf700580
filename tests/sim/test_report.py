"""The report: key table from the KPIs, computed reading, files that reference real images."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import sim
import sim.analysis.shift
from sim.analysis import plots, report
from sim.analysis.scenario_diff import (
    TOPICS,
    differs_sentences,
    fmt_value,
    scenario_graphs,
    what_differs,
)
from sim.analysis.shift import shift_table
from sim.inputs.scenario import BorderDefaults, LegChange
from sim.runs.runner import Results

from .specs import without_operations

BASE, NEW = "baseline-2025", "zangezur-2030"


def test_summary_table_matches_kpis(res: Results) -> None:
    t = report.summary_table(res, BASE)
    k = res.kpis()
    assert len(t) == k.groupby(["scenario", "flow"], observed=True).ngroups
    row = t[(t["flow"] == "Tashkent→Kars (teu)") & (t["scenario"] == NEW)].iloc[0]
    part = k[(k["flow"] == "Tashkent→Kars (teu)")]
    assert row["mean_transit_d"] == pytest.approx(
        part[part["scenario"] == NEW]["mean_transit_d"].mean()
    )
    d = (
        part[part["scenario"] == NEW]["mean_transit_d"].to_numpy()
        - part[part["scenario"] == BASE]["mean_transit_d"].to_numpy()
    )
    assert row["diff_mean_transit_d"] == pytest.approx(d.mean())
    assert t.loc[t["scenario"] == BASE, "diff_mean_transit_d"].isna().all()
    # delivery counts beside the means; no target, so no on-time column at all
    assert row["released"] == pytest.approx(part[part["scenario"] == NEW]["released"].mean())
    assert row["delivered_share"] == pytest.approx(row["delivered"] / row["released"])
    assert row["in_transit"] == pytest.approx(row["released"] - row["delivered"])
    assert {"saturated", "growing_queues"} <= set(t) and "on_time" not in t
    assert "On time" not in report.format_summary(t)
    with pytest.raises(ValueError, match="baseline"):
        report.summary_table(res, "nope")


def test_targets_give_on_time_share(res: Results) -> None:
    t = report.summary_table(res, BASE, target_days={"Tashkent→Kars (teu)": 12.5})
    s = res.shipments
    s = s[
        (s["scenario"] == BASE)
        & ~s["in_warmup"]
        & s["delivered"]
        & (s["flow"] == "Tashkent→Kars (teu)")
    ]
    share = s.groupby("replication")["transit_h"].apply(lambda x: (x <= 300).mean()).mean()
    got = t[(t["flow"] == "Tashkent→Kars (teu)") & (t["scenario"] == BASE)]["on_time"].iloc[0]
    assert got == pytest.approx(share)
    assert t[t["flow"] != "Tashkent→Kars (teu)"]["on_time"].isna().all()
    assert "On time" in report.format_summary(t)


def test_reading_is_computed() -> None:
    t = pd.DataFrame(
        {
            "flow": ["A→B", "A→B", "C→D", "C→D"],
            "scenario": ["b", "n", "b", "n"],
            "diff_mean_transit_d": [np.nan, 1.84, np.nan, -0.3],
            "diff_ci_low": [np.nan, 1.2, np.nan, -0.9],
            "diff_ci_high": [np.nan, 2.4, np.nan, 0.2],
        }
    )
    assert report.reading(t, "b") == [
        "n raises mean A→B transit by 1.8 days (95% CI 1.2–2.4).",
        "n: no significant change in mean transit for the other 1 flows.",
    ]
    none = t.assign(diff_ci_low=[np.nan, -1.0, np.nan, -1.0])
    assert report.reading(none, "b") == [
        "n: no significant change in mean transit for any of the 2 flows."
    ]


def test_format_summary_fixed_width(res: Results) -> None:
    t = report.summary_table(res, BASE)
    text = report.format_summary(t)
    lines = text.splitlines()
    assert lines[0].startswith("Flow") and set(lines[1]) <= {"-", " "}
    row = t[t["scenario"] == NEW].iloc[0]
    assert f"{row['diff_mean_transit_d']:+.2f} ({row['diff_ci_low']:+.2f} to " in text
    assert len(lines) == len(t) + 2


def test_write_report(res: Results, tmp_path: Path) -> None:
    figs = tmp_path / "figs"
    figs.mkdir()
    ax = plots.kpi_bars(res.kpis())
    ax.figure.savefig(figs / "kpi.png")
    odd = "<b>&new"
    renamed = Results(
        shipments=res.shipments.replace({"scenario": {NEW: odd}}),
        facilities=res.facilities,
        queues=res.queues,
        closures=res.closures,
        specs={BASE: res.specs[BASE], odd: dataclasses.replace(res.specs[NEW], name=odd)},
    )
    out = tmp_path / "out"
    path = report.write_report(
        renamed,
        out,
        baseline=BASE,
        figures={"Mean transit": figs / "kpi.png"},
        scenarios=[sim.load_scenario("scenarios/baseline_2025.toml")],
    )
    assert path == out / "report.html"
    md = (out / "report.md").read_text(encoding="utf-8")
    page = path.read_text(encoding="utf-8")
    t = report.summary_table(renamed, BASE)
    row = t[t["scenario"] == odd].iloc[0]
    for text in (md, page):
        assert BASE in text and f"{row['mean_transit_d']:.1f}" in text
        assert f"{row['diff_mean_transit_d']:+.2f}" in text
        assert "common random numbers" in text
    assert report.md_text(odd) in md and odd not in md  # literal text, no raw HTML
    assert "&lt;b&gt;&amp;new" in page and odd not in page
    srcs = re.findall(r'<img src="([^"]+)"', page)
    assert srcs == ["kpi.png"] and all((out / s).is_file() for s in srcs)
    assert "2025" in page  # the year, from the Scenario objects


def test_route_shift_counts_units_on_legs_the_baseline_never_uses(res: Results) -> None:
    base_legs = {leg for p in res.specs[BASE].plans for leg in p.legs}
    new_plans = {p.index for p in res.specs[NEW].plans if set(p.legs) - base_legs}
    s = res.shipments[(res.shipments["scenario"] == NEW) & ~res.shipments["in_warmup"]]
    reps = s["replication"].nunique()
    on_new = s["plan"].isin(new_plans).sum()
    [line] = report.route_shift(res, BASE)
    total = report._count(len(s) / reps)
    if on_new:
        assert line.startswith(f"{NEW}: {report._count(on_new / reps)} of {total} units")
        assert f"({report.share_text(on_new / len(s))}) take legs that no {BASE} route" in line
    else:
        assert line.startswith(f"{NEW}: none of its {total} units per replication takes a leg")


def test_tiny_numbers_read_sensibly() -> None:
    """A handful of units among tens of thousands is neither "0" nor "0.00 %"."""
    assert [report._count(x) for x in (2.5, 0.4, 0.034, 3.0, 58210.2)] == [
        "2.5",
        "0.4",
        "0.034",
        "3",
        "58,210",
    ]
    assert report.share_text(2.5 / 58210) == "0.0043 %"
    assert report.share_text(3 / 58210) == "0.0052 %"
    assert report.share_text(0.0) == "0 %" and report.share_text(0.25) == "25 %"
    assert report.share_text(0.047) == "4.7 %" and report.share_text(0.0047) == "0.47 %"


def test_why_sentences_explain_a_ferry_change_from_the_departures(tmp_path: Path) -> None:
    base = sim.load_scenario(Path(__file__).resolve().parents[2] / "scenarios/baseline_2025.toml")
    base = without_operations(base).with_run(horizon_days=60, warmup_days=10, replications=2)
    data = base.model_dump(mode="json", exclude_none=True)
    data["name"] = "three-vessels"
    data["overrides"]["ferries"] = {"turkmenbashi-alat": {"vessels": 3}}
    fewer = sim.Scenario.model_validate(data)
    res = sim.compare([base, fewer], 2)
    why = report.why_sentences(res, base.name)
    lines = [s for s in why if s.startswith("three-vessels: turkmenbashi-alat from ")]
    assert lines, why
    dep = res.departures
    for port in ("turkmenbashi", "alat"):
        line = next((s for s in lines if f"from {port}:" in s), None)
        if line is None:
            continue
        waits = [
            dep[(dep.scenario == n) & (dep.line == "turkmenbashi-alat") & (dep.port == port)][
                "mean_wait_h"
            ].mean()
            for n in (base.name, "three-vessels")
        ]
        assert f"by {abs(waits[1] - waits[0]):.1f} h" in line
        assert f"measured wait {waits[0]:.1f} h" in line and "3 vessels" in line
    out = report.write_report(res, tmp_path, baseline=base.name, figures={})
    assert "What moved, and why" in out.with_suffix(".md").read_text(encoding="utf-8")


# ------------------------------------------------------------ a report that explains (tiny)
TINY = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tiny_network"


def _tiny(name: str, year: int = 2025, **update: object) -> sim.Scenario:
    """Foxtrot→Alpha on its best route; Alpha→Foxtrot choosing among all its routes by
    expected time (4 in 2025, 5 from 2028)."""
    sc = sim.Scenario(
        name=name,
        network=str(TINY),
        year=year,
        demand=[
            sim.Flow(origin="Foxtrot", destination="Alpha", per_week=30),
            sim.Flow(
                origin="Alpha",
                destination="Foxtrot",
                per_week=60,
                route=sim.RouteChoice(mode="adaptive", k=5, by="time"),
            ),
        ],
        run=sim.RunSettings(horizon_days=40, warmup_days=5, replications=2, seed=5),
    )
    return sc.model_copy(update=update)


def _changed() -> sim.Scenario:
    """The 2030 network (leg g-e opens in 2028), borders halved, one vessel fewer on the
    Bravo–Charlie ferry, the Golf–Foxtrot road 40 h instead of 9 (so Alpha→Foxtrot leaves
    it), half as much again Foxtrot→Alpha."""
    base = _tiny("changed", 2030)
    demand = [base.demand[0].model_copy(update={"per_week": 45.0}), base.demand[1]]
    overrides = sim.Overrides(
        node_kinds=[BorderDefaults(kind="border", handling_factor=0.5)],
        ferries={"b-c": sim.FerryService(vessels=2)},
        legs={"g-f": LegChange(duration_h=40.0)},
    )
    return base.model_copy(update={"demand": demand, "overrides": overrides})


@pytest.fixture(scope="module")
def tiny() -> Results:
    return sim.compare([_tiny("base"), _changed()], replications=2)


def test_what_differs_states_the_compiled_values(tiny: Results) -> None:
    a, b = tiny.specs["base"], tiny.specs["changed"]
    scs = [_tiny("base"), _changed()]
    t = what_differs(tiny.specs, "base", graphs=scenario_graphs(scs), scenarios=scs)
    rows = {(r.topic, r.item): (r.before, r.after) for r in t.itertuples()}
    assert rows[("year", "network year")] == ("2025", "2030")
    # the leg opening in 2028, by its display name (nodes.csv names, not ids)
    assert rows[("legs opened", "Golf–Echo Gauge rail")] == ("not open", "open (from 2028)")
    assert not any(topic == "legs closed" for topic, _ in rows)
    # overrides resolved to the values the engine ran, from the compiled specs
    borders = [n for n in ("d_border", "h_border") if n in a.nodes and n in b.nodes]
    assert borders  # a border on routes of both scenarios, so the check compares something
    for node in borders:
        name = {"d_border": "Delta Border", "h_border": "Hotel Border"}[node]
        key = ("facilities", f"border {name}: handling time (h, mean)")
        want = (
            fmt_value(a.nodes[node].handling_mean_h),
            fmt_value(b.nodes[node].handling_mean_h),
        )
        assert rows[key] == want and float(want[1]) == pytest.approx(float(want[0]) / 2)
    assert rows[("ferries", "ferry Bravo–Charlie Port: vessels")] == ("3", "2")
    assert rows[("demand", "Foxtrot→Alpha (teu): units a week")] == ("30", "45")
    # the routes over the new leg join the flow's candidates; none leaves
    ids = [{spec.plans[i].route_id for i in spec.flows[1].plans} for spec in (a, b)]
    added = [p for p in b.plans if p.route_id in ids[1] - ids[0]]
    assert ids[0] < ids[1] and added and all("g-e" in p.legs for p in added)
    item = "Alpha→Foxtrot (teu): candidate routes (those not in both)"
    vias = "; ".join("via " + p.label.split(" via ", 1)[1] for p in added)
    assert rows[("candidate routes", item)] == ("none", vias)
    # nothing else: unchanged legs and nodes are not listed
    assert not any("Alpha→Foxtrot (teu): units a week" in item for _, item in rows)
    assert rows[("legs", "leg Golf–Foxtrôt road: running time (h, mean)")] == ("9", "40")
    assert [item for topic, item in rows if topic == "legs"] == [
        "leg Golf–Foxtrôt road: running time (h, mean)"
    ]
    assert list(t["topic"]) == sorted(t["topic"], key=TOPICS.index)
    lines = differs_sentences(t, "base")
    assert "changed: ferry Bravo–Charlie Port: vessels: 3 → 2" in lines
    assert any(
        x.startswith("changed: 1 leg open that base's network does not have: Golf") for x in lines
    )
    # without the networks, the legs the routes use instead (by id)
    used = what_differs(tiny.specs, "base")
    assert set(used.loc[used["topic"] == "legs used", "item"]) == set(b.legs) ^ set(a.legs)
    # a scenario that compiles to the same model differs in nothing
    same = {"base": a, "again": dataclasses.replace(a, name="again", digest="x")}
    assert what_differs(same, "base").empty
    # a model that differs only where no row looks is never called the same
    other = {"base": a, "slow": dataclasses.replace(a, name="slow", queue_sample_h=1.0)}
    guard = what_differs(other, "base")
    assert list(guard["topic"]) == ["other"] and "differs" in guard["after"].iloc[0]


def test_what_differs_names_frictions_vessels_and_calibration() -> None:
    from sim.engine.model import FrictionSpec, OutageSpec, VesselSpec
    from sim.inputs.scenario import Calibration

    base = sim.compile_scenario(_tiny("base"))
    leg = next(iter(base.ferries))
    fs = base.ferries[leg]
    fleet = (VesselSpec("Ark", fs.capacity_slots), VesselSpec("Bee", fs.capacity_slots))
    docs = {"b_port": (FrictionSpec("docs", 6.0),)}
    a = dataclasses.replace(base, ferries={leg: dataclasses.replace(fs, fleet=fleet)})
    outage = OutageSpec(2.0, FrictionSpec("breakdown", 48.0))
    fleet_b = (dataclasses.replace(fleet[0], outages=(outage,)), fleet[1])
    b = dataclasses.replace(
        base,
        name="b",
        ferries={leg: dataclasses.replace(fs, fleet=fleet_b, call_frictions=docs)},
        origin_frictions={"a_term": (FrictionSpec("dwell", 12.0),)},
    )
    sa = _tiny("base")
    sb = _tiny("b").model_copy(
        update={"calibration": Calibration(parameters={"frictions.mean_h@x": 0.8})}
    )
    t = what_differs({"base": a, "b": b}, "base", scenarios=[sa, sb])
    rows = {(r.topic, r.item): (r.before, r.after) for r in t.itertuples()}
    assert rows[("calibration", "frictions.mean_h@x (quantile of its prior)")] == ("central", "0.8")
    ark = [k for k in rows if k[0] == "ferries" and k[1].endswith(": Ark")]
    assert len(ark) == 1 and "breakdown 2/yr x 48 h" in rows[ark[0]][1]
    assert not any(k[1].endswith(": Bee") for k in rows)  # unchanged vessels are not listed
    calls = [v for k, v in rows.items() if k[1].endswith("delays per call")]
    assert calls == [("none", "b_port: docs 6 h")]
    assert rows[("facilities", "origin terminal dwell")] == ("none", "a_term: dwell 12 h")
    assert "other" not in set(t["topic"])  # named differences: no guard row


def test_shift_table_uses_the_routes_tables_ids_and_names(tiny: Results) -> None:
    t = shift_table(tiny.shipments, "base", "changed", specs=tiny.specs)
    assert not t.empty
    s = tiny.shipments[~tiny.shipments["in_warmup"]]
    routes = tiny.routes().drop_duplicates("route_id").set_index("route_id")["name"]
    for r in t.itertuples():
        assert r.route == routes[r.route_id]
        for scen, share in (("base", r.share_base), ("changed", r.share_new)):
            part = s[(s["scenario"] == scen) & (s["flow"] == r.flow)]
            assert share == pytest.approx((part["route_id"] == r.route_id).mean())
    # only flows whose share on some route changed by at least the threshold
    full = sim.analysis.shift.route_shift(tiny.shipments, "base", "changed")
    moved = full.groupby(level="flow")["share_change"].apply(lambda x: x.abs().max())
    assert set(t["flow"]) == set(moved[moved >= 0.01].index)
    # a threshold no flow reaches leaves the table empty
    assert shift_table(tiny.shipments, "base", "changed", min_change=1.01).empty


def test_summary_table_puts_the_largest_change_first(tiny: Results) -> None:
    t = report.summary_table(tiny, "base")
    flows = list(dict.fromkeys(t["flow"]))
    size = t[t["scenario"] == "changed"].set_index("flow")["diff_mean_transit_d"].abs()
    assert flows == list(size.reindex(flows).sort_values(ascending=False, kind="stable").index)
    # Alpha→Foxtrot, second in the demand, leaves the slowed road: the largest change
    assert flows[0] == "Alpha→Foxtrot (teu)" and size[flows[0]] > size[flows[-1]]
    assert [f.label for f in tiny.specs["base"].flows][1] == flows[0]


def test_summary_sentences_come_from_the_numbers() -> None:
    t = pd.DataFrame(
        {
            "flow": ["A→B", "A→B", "C→D", "C→D", "E→F", "E→F"],
            "scenario": ["b", "n"] * 3,
            "mean_transit_d": [10.0, 8.0, 5.0, 7.0, 3.0, 3.01],
            "diff_mean_transit_d": [np.nan, -2.0, np.nan, 2.04, np.nan, 0.01],
            "diff_ci_low": [np.nan, -2.5, np.nan, 1.5, np.nan, -0.2],
            "diff_ci_high": [np.nan, -1.5, np.nan, 2.6, np.nan, 0.3],
            "delivered_share": [1.0, 1.0, 1.0, 0.9, 1.0, 1.0],
            "growing_queues": "",
            "saturated": [False, False, False, True, False, False],
        }
    )
    differs = pd.DataFrame(
        {
            "scenario": "n",
            "topic": ["year", "legs opened", "legs opened", "ferries"],
            "item": ["network year", "P–Q rail", "Q–R rail", "ferry P–Q: vessels"],
            "before": ["2025", "not open", "not open", "3"],
            "after": ["2030", "open", "open", "2"],
        }
    )
    shifts = {
        "n": pd.DataFrame(
            {
                "flow": ["A→B", "A→B"],
                "route_id": ["r1", "r2"],
                "route": ["A → B via X", "A → B via Y"],
                "share_base": [0.9, 0.1],
                "share_new": [0.4, 0.6],
                "share_change": [-0.5, 0.5],
                "units_base": [9.0, 1.0],
                "units_new": [4.0, 6.0],
                "moved": [0.5, 0.5],
            }
        )
    }
    lines = report.summary_sentences(t, "b", differs=differs, shifts=shifts)
    assert lines == [
        "n differs from b in: network year 2025 → 2030; 2 legs opened; 1 ferry-line parameter "
        "(see What differs).",
        "n against b: faster for 1 of 3 flows: A→B by 2.0 days (95 % CI 1.5–2.5); slower for "
        "1 of 3 flows: C→D by 2.0 days (95 % CI 1.5–2.6) (saturated: delivered units only); no "
        "significant change for the other "
        "1 flow.",
        "n: units change route in 1 flow; most in A→B, where 50 % of its units move, mainly to "
        "A → B via Y (10 % → 60 %).",
        "Saturated in n: 1 of 3 flows, C→D (90 % delivered); see Saturation.",
    ]
    # one sentence per scenario, the least delivered first, the rest counted
    many = t.assign(
        scenario=["b", "n", "b", "n", "b", "n"],
        saturated=[True, True, False, True, True, True],
        delivered_share=[0.95, 0.99, 1.0, 0.9, 1.0, 0.8],
        growing_queues=[None, "q", None, None, "q", None],
    )
    sentences = [x for x in report.summary_sentences(many, "b") if x.startswith("Saturated")]
    assert sentences == [
        "Saturated in b: 2 of 3 flows, A→B (95 % delivered), E→F (queue growing); see Saturation.",
        "Saturated in n: 3 of 3 flows, E→F (80 % delivered), C→D (90 % delivered), A→B (queue "
        "growing); see Saturation.",
    ]
    assert report.summary_sentences(many, "b", top=1)[-1] == (
        "Saturated in n: 3 of 3 flows, E→F (80 % delivered) and 2 more; see Saturation."
    )
    # a change under 0.1 day is said in hours
    small = t.assign(
        diff_mean_transit_d=[np.nan, -0.05, np.nan, 2.04, np.nan, 0.01],
        diff_ci_low=[np.nan, -0.08, np.nan, 1.5, np.nan, -0.2],
        diff_ci_high=[np.nan, -0.02, np.nan, 2.6, np.nan, 0.3],
    )
    assert "A→B by 1.2 hours (95 % CI 0.5–1.9)" in report.summary_sentences(small, "b")[0]
    none = report.summary_sentences(t.assign(saturated=False), "b", shifts={"n": shifts["n"][:0]})
    assert none[-2:] == [
        "n: no flow changes route (by 1.0 % of its units or more).",
        "No flow saturates in any scenario.",
    ]


def test_the_report_opens_with_why(tiny: Results, tmp_path: Path) -> None:
    scs = [_tiny("base"), _changed()]
    report.write_report(tiny, tmp_path, baseline="base", figures={}, scenarios=scs)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    heads = [ln for ln in md.splitlines() if ln.startswith("## ")]
    assert heads[:4] == ["## In brief", "## Scenarios", "## What differs", "## Key results"]
    assert "## Route shift" in heads
    table = report.summary_table(tiny, "base")
    brief = report.summary_sentences(
        table,
        "base",
        differs=what_differs(tiny.specs, "base", graphs=scenario_graphs(scs), scenarios=scs),
        shifts=report.route_shifts(tiny, "base"),
    )
    for line in brief:
        assert f"- {report.md_text(line)}" in md
    for text in (md, page):
        assert "Golf–Echo Gauge rail" in text and "open (from 2028)" in text
    shift = shift_table(tiny.shipments, "base", "changed", specs=tiny.specs)
    for r in shift.itertuples():
        assert report.md_text(r.route_id) in md and html.escape(r.route_id) in page
        assert f"{report.share_text(r.share_base)} | {report.share_text(r.share_new)}" in md
    # a single run: no comparison sections, a summary of its own
    one = Results(
        shipments=tiny.shipments[tiny.shipments["scenario"] == "base"],
        facilities=tiny.facilities[tiny.facilities["scenario"] == "base"],
        queues=tiny.queues[tiny.queues["scenario"] == "base"],
        closures=tiny.closures,
        specs={"base": tiny.specs["base"]},
    )
    report.write_report(one, tmp_path / "one", baseline="base", figures={}, scenarios=scs[:1])
    single = (tmp_path / "one" / "report.md").read_text(encoding="utf-8")
    assert "## What differs" not in single and "## Route shift" not in single
    assert "- base: 2 flows; mean transit from " in single


def test_distributions_show_the_flows_that_changed_most() -> None:
    rows = []
    for flow, (a, b), n in (("big", (10, 10.5), 50), ("small", (5, 9), 5), ("mid", (3, 4), 20)):
        for scen, mean in (("s0", a), ("s1", b)):
            rows += [{"scenario": scen, "flow": flow, "transit_h": 24.0 * mean}] * n
    s = pd.DataFrame(rows).assign(in_warmup=False, delivered=True)
    fig = plots.transit_distributions(s)
    assert [a.get_title() for a in fig.axes] == ["small", "mid", "big"]
    assert "changed most against s0" in " ".join(fig.get_suptitle().split())
    fig = plots.transit_distributions(s, top=2)
    assert [a.get_title() for a in fig.axes if a.get_visible()] == ["small", "mid"]
    assert "the 2 of 3 flows whose mean" in " ".join(fig.get_suptitle().split())
    # one scenario: the largest flows by units delivered, and the title says so
    fig = plots.transit_distributions(s[s["scenario"] == "s0"])
    assert "flows by units delivered" in " ".join(fig.get_suptitle().split())
