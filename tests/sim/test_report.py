"""The report: key table from the KPIs, computed reading, files that reference real images."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis import plots, report
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
    expected = s["plan"].isin(new_plans).sum() / s["replication"].nunique()
    [line] = report.route_shift(res, BASE)
    assert line.startswith(
        f"{NEW}: {expected:,.0f} of {len(s) / s['replication'].nunique():,.0f} units"
    )
    assert "take legs that no baseline-2025 route uses" in line


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
