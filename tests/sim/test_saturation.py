"""Saturation after a run: the trend test, delivered shares, where stuck units are, and the
flags in KPIs, summary, report and CLI."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis import report
from sim.analysis.metrics import kpis, paired_differences
from sim.analysis.saturation import (
    MIN_DELIVERED_SHARE,
    closed_share,
    facility_flows,
    format_share,
    mann_kendall,
    pooled_kendall,
    queue_trends,
)
from sim.cli.main import main
from sim.engine.model import LegSpec, ModelSpec, NodeSpec, Segment, TrainSpec
from sim.engine.world import World
from sim.runs.runner import Results, run_spec

from .specs import flow, model, plan, pq_ferry

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny_network"


# ------------------------------------------------------------------------ the Mann–Kendall test
def test_kendall_s_and_variance_are_the_textbook_ones() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(size=25)
    r = mann_kendall(y)
    tau = stats.kendalltau(np.arange(25), y).statistic
    assert r.s == pytest.approx(tau * 25 * 24 / 2)
    assert r.var_s == pytest.approx(25 * 24 * 55 / 18)
    # ties: groups of 2 and 3 take 2*1*9 and 3*2*11 off n(n-1)(2n+5)
    tied = mann_kendall([1.0, 1.0, 2.0, 2.0, 2.0, 3.0])
    assert tied.var_s == pytest.approx((6 * 5 * 17 - 18 - 66) / 18)
    assert tied.s == 11.0  # of the 15 pairs 4 are tied, 11 rise, none falls
    # Sen's slope of y = 3 t + noise-free is 3, on any time scale
    assert mann_kendall([0.0, 3.0, 6.0, 9.0], x=[0.0, 1.0, 2.0, 3.0]).slope == 3.0
    assert mann_kendall([0.0, 3.0, 6.0, 9.0], x=[0.0, 2.0, 4.0, 6.0]).slope == 1.5


@pytest.mark.parametrize("series", [1, 3])
def test_false_alarm_rate_is_alpha_without_trend(series: int) -> None:
    # i.i.d. noise has no trend: "p < 0.05" must happen about 5 % of the time, pooled or not
    rng = np.random.default_rng(11)
    trials = 3000
    hits = sum(
        pooled_kendall(list(rng.normal(size=(series, 12)))).p_increase < 0.05 for _ in range(trials)
    )
    # binomial(3000, 0.05): sd 12; the normal approximation with continuity correction is
    # slightly conservative at n = 12
    assert 0.035 * trials < hits < 0.06 * trials


def test_pooling_adds_statistics_and_keeps_slopes_within_series() -> None:
    a, b = [0.0, 1.0, 2.0, 3.0], [100.0, 102.0, 104.0, 106.0]
    pooled = pooled_kendall([a, b])
    ra, rb = mann_kendall(a), mann_kendall(b)
    assert pooled.s == ra.s + rb.s and pooled.var_s == ra.var_s + rb.var_s
    # slopes 1 and 2 within the series; across them (100 apart) would be huge
    assert pooled.slope == 1.5
    assert mann_kendall([5.0] * 10).p_increase == 1.0


# -------------------------------------------------------------------- the trend on queue series
WARM, END, STEP = 720.0, 8760.0, 6.0


def _series(values: dict[str, np.ndarray], reps: int = 3) -> pd.DataFrame:
    t = np.arange(0.0, END + 1e-9, STEP)
    rows = []
    for name, make in values.items():
        for r in range(reps):
            rows.append(
                pd.DataFrame(
                    {
                        "scenario": "s",
                        "replication": r,
                        "time_h": t,
                        "facility": name,
                        "kind": "ferry",
                        "queue": make(t, np.random.default_rng([r, *map(ord, name)])),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _ar1(t: np.ndarray, rng: np.random.Generator, phi: float = 0.95, sd: float = 3.0) -> np.ndarray:
    e = rng.normal(0.0, sd, len(t))
    x = np.empty(len(t))
    x[0] = e[0] / np.sqrt(1 - phi**2)
    for i in range(1, len(t)):
        x[i] = phi * x[i - 1] + e[i]
    return x


def _growth_then_drain(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    peak = WARM + 0.6 * (END - WARM)
    up = 0.5 * (t - WARM)
    down = 0.5 * (peak - WARM) * (END - t) / (END - peak)
    return np.maximum(np.where(t < peak, up, down), 0) + rng.normal(0, 5, len(t))


SHAPES = {
    "flat": lambda t, rng: 50 + rng.normal(0, 5, len(t)),
    # a stable queue: strongly autocorrelated (the correlation time is days) but no trend
    "autocorrelated": lambda t, rng: np.maximum(60 + _ar1(t, rng), 0),
    "linear": lambda t, rng: 0.5 * t + rng.normal(0, 5, len(t)),
    "grows then drains": _growth_then_drain,
    "grows then flat": lambda t, rng: np.minimum(0.5 * t, 1000) + rng.normal(0, 5, len(t)),
    "slow drift": lambda t, rng: 50 + 0.002 * t + rng.normal(0, 1, len(t)),
}


def test_trend_flags_only_a_queue_still_growing_at_the_end() -> None:
    q = _series(SHAPES)
    rate = dict.fromkeys(SHAPES, 2.0)  # each serves 2 units an hour
    tr = queue_trends(q, warmup_h=WARM, throughput=rate).set_index("facility")
    assert tr["growing"].to_dict() == {
        "flat": False,
        "autocorrelated": False,
        "linear": True,
        "grows then drains": False,
        "grows then flat": False,
        "slow drift": False,
    }
    assert tr.loc["linear", "slope_per_h"] == pytest.approx(0.5, rel=0.02)
    assert tr.loc["linear", "excess"] == pytest.approx(0.25, rel=0.02)
    assert (tr["replications"] == 3).all()
    # the tested window is the second half of warm-up..horizon
    assert tr.loc["linear", "window_start_h"] == pytest.approx(WARM + 0.5 * (END - WARM))
    # the slow drift is real (significant) but 0.1 % of the throughput: only the floor spares it
    assert tr.loc["slow drift", "p_value"] < 0.01
    bare = queue_trends(q, warmup_h=WARM).set_index("facility")
    assert bare.loc["slow drift", "growing"]
    assert not bare.loc["autocorrelated", "growing"]
    # growth that starts late, in the last quarter of the window, is caught
    late = SHAPES["flat"]
    q2 = _series(
        {"late": lambda t, rng: late(t, rng) + 0.5 * np.maximum(t - (END - 0.25 * (END - WARM)), 0)}
    )
    assert queue_trends(q2, warmup_h=WARM, throughput={"late": 2.0})["growing"].all()


def test_autocorrelated_stable_queues_rarely_pass_for_growing() -> None:
    # 40 stable, autocorrelated queues without the practical floor: the block means keep the
    # false alarms near alpha (1 %); on raw 6-hourly samples they would be frequent
    q = _series({f"q{i}": SHAPES["autocorrelated"] for i in range(40)}, reps=1)
    assert queue_trends(q, warmup_h=WARM)["growing"].sum() <= 2
    raw = queue_trends(q, warmup_h=WARM, blocks=1336 // 2)
    assert raw["growing"].sum() > 4


def test_queue_trends_rejects_bad_windows() -> None:
    q = _series({"x": SHAPES["flat"]}, reps=1)
    with pytest.raises(ValueError, match="tail"):
        queue_trends(q, warmup_h=WARM, tail=0.0)
    with pytest.raises(ValueError, match="blocks"):
        queue_trends(q, warmup_h=WARM, blocks=2)


def test_closed_share_merges_overlaps_clips_to_the_window_and_averages_replications() -> None:
    c = pd.DataFrame(
        {
            "scenario": "s",
            "replication": [0, 0, 0, 1, 1],
            "disruption": "storm",
            "target": ["f-g", "f", "f-g", "g", "f-g"],
            "start_h": [40.0, 45.0, 90.0, 0.0, 70.0],
            "end_h": [60.0, 55.0, 130.0, 200.0, 80.0],
        }
    )
    # window 50-100: rep 0 closed 50-60 and 90-100 (20 h), rep 1 70-80 (10 h; g is the other port)
    assert closed_share(c, "s", "f-g@f", 50.0, 100.0) == pytest.approx(30 / 100)
    assert closed_share(c, "s", "f-g@g", 50.0, 100.0) == pytest.approx((20 + 50) / 100)
    assert closed_share(c, "s", "h from f", 50.0, 100.0) == 0.0
    assert closed_share(c, "other", "f-g@f", 50.0, 100.0) == 0.0


def test_format_share_never_rounds_a_shortfall_away() -> None:
    assert format_share(0.9949) == "99.4 %"
    assert format_share(0.999) == "99.9 %"
    assert format_share(0.0) == "0 %"
    assert format_share(0.6251) == "62 %"


# --------------------------------------------------------------------- tiny engine models
def _sampled(spec: ModelSpec) -> ModelSpec:
    return dataclasses.replace(spec, queue_sample_h=6.0)


def _runs(spec: ModelSpec, reps: int = 3) -> Results:
    return Results.concat(run_spec(spec, r) for r in range(reps))


def _ferry_model(per_hour: float) -> ModelSpec:
    """Trucks a→p by road, ferry p→q (one vessel, 10 trucks, 10 h each way: 0.5 trucks an
    hour), road q→z."""
    return _sampled(
        model(
            (flow(per_hour, "truck", label="a→z"),),
            (
                plan(
                    Segment("road", ("a", "p"), ("a-p",)),
                    Segment("ferry", ("p", "q"), ("p-q",)),
                    Segment("road", ("q", "z"), ("q-z",)),
                ),
            ),
            legs={
                "a-p": LegSpec("a-p", "road", 1.0),
                "p-q": LegSpec("p-q", "ferry", 10.0),
                "q-z": LegSpec("q-z", "road", 1.0),
            },
            ferries=pq_ferry(capacity_slots=10.0, policy="max_wait", max_wait_h=30.0),
            horizon_h=3000.0,
            warmup_h=300.0,
            drain_h=300.0,
        )
    )


def _server_model(per_hour: float) -> ModelSpec:
    """Trucks a→m→z by road through a one-berth port at m handling one truck in 2 h on
    average (0.5 an hour)."""
    return _sampled(
        model(
            (flow(per_hour, "truck", label="a→z"),),
            (plan(Segment("road", ("a", "m", "z"), ("a-m", "m-z"))),),
            nodes={"m": NodeSpec("m", "port", servers=1, handling_mean_h=2.0, handling_cv=1.0)},
            legs={"a-m": LegSpec("a-m", "road", 1.0), "m-z": LegSpec("m-z", "road", 1.0)},
            horizon_h=3000.0,
            warmup_h=300.0,
            drain_h=300.0,
        )
    )


@pytest.mark.parametrize(
    ("make", "queue"), [(_ferry_model, "p-q@p"), (_server_model, "m")], ids=["ferry", "server"]
)
def test_overloaded_facility_is_flagged_and_stable_one_is_not(make, queue) -> None:
    over = _runs(make(0.7)).saturation()  # offered load 1.4
    row = over.queues.set_index("facility").loc[queue]
    assert row["growing"] and row["p_value"] < 0.01
    # the queue grows at about arrivals minus capacity, 0.2 an hour (0.4 of what it serves)
    assert 0.12 < row["slope_per_h"] < 0.28
    [f] = over.flows.to_dict("records")
    assert f["short"] and f["saturated"] and f["delivered_share"] < MIN_DELIVERED_SHARE
    assert f["growing_queues"] == queue
    assert f["released"] == f["delivered"] + f["in_transit"]

    stable = _runs(make(0.3)).saturation()  # offered load 0.6
    assert not stable.queues["growing"].any()
    [g] = stable.flows.to_dict("records")
    assert not g["saturated"] and g["delivered_share"] >= MIN_DELIVERED_SHARE
    assert not stable and over


def test_kpis_carry_delivery_counts_and_the_flags() -> None:
    over = _runs(_ferry_model(0.7), reps=2)
    k = over.kpis()
    assert {"released", "delivered", "in_transit", "delivered_share", "saturated"} <= set(k)
    assert "on_time" not in k  # no target: the metric is absent, not NaN
    assert (k["released"] == k["delivered"] + k["in_transit"]).all()
    assert np.allclose(k["delivered_share"], k["delivered"] / k["released"])
    assert k["saturated"].all() and (k["growing_queues"] == "p-q@p").all()
    with_target = over.shipments.assign(
        target_h=100.0, on_time=(over.shipments["transit_h"] <= 100).astype(float)
    )
    assert "on_time" in kpis(with_target)


def test_differences_have_no_undefined_rows_and_carry_the_flag() -> None:
    base, over = _runs(_ferry_model(0.3), 2), _runs(_ferry_model(0.7), 2)
    over.shipments["scenario"] = "over"
    both = Results.concat([base, over])
    d = paired_differences(both.kpis(), baseline="test")
    assert set(d["metric"]) == {
        "mean_transit_d",
        "p95_transit_d",
        "cost_usd_per_unit",
        "co2_kg_per_unit",
    }
    assert d["difference"].notna().all() and (d["pairs"] == 2).all()
    assert d["saturated"].all()
    # a flow that delivers nothing has no transit difference at all
    none = both.kpis()
    none.loc[none["scenario"] == "over", ["mean_transit_d", "p95_transit_d"]] = np.nan
    assert "mean_transit_d" not in set(paired_differences(none, "test")["metric"])


# ------------------------------------------------------------------------ the honest horizon
@pytest.mark.parametrize("drain_h", [0.0, 5.0, 30.0])
def test_releases_stop_at_the_horizon_and_the_drain_bounds_the_run(drain_h: float) -> None:
    # trucks every 2 h on a 9.5-hour road: those released in the last 9.5 h before the
    # horizon arrive only if the drain lasts long enough
    spec = model(
        (flow(0.5, "truck", arrival="scheduled", label="a→z"),),
        (plan(Segment("road", ("a", "z"), ("a-z",))),),
        legs={"a-z": LegSpec("a-z", "road", 9.5)},
        horizon_h=100.0,
        drain_h=drain_h,
    )
    world = World(spec)
    record = world.run()
    from sim.analysis.metrics import shipments_frame

    sh = shipments_frame(record)
    assert sh["release_h"].tolist() == [2.0 * k for k in range(1, 50)]  # none at or after 100
    assert world.env.now == 100.0 + drain_h
    late = sh["release_h"] + 9.5 > 100.0 + drain_h
    assert (sh["delivered"] == ~late).all()
    assert (sh.loc[late, "location"] == "on road a→z").all()
    assert sh.loc[~late, "location"].isna().all()


def test_drain_is_bounded_and_documented() -> None:
    from pydantic import ValidationError

    from sim.inputs.scenario import RunSettings

    assert RunSettings(drain_days=365).drain_days == 365
    with pytest.raises(ValidationError, match="drain_days"):
        RunSettings(drain_days=366)
    doc = RunSettings.model_fields["drain_days"].description or ""
    assert "location" in doc and "delivered = false" in doc
    assert "drain" in (RunSettings.model_fields["horizon_days"].description or "")


# ----------------------------------------------------------------------- where units are
def _mixed_model() -> ModelSpec:
    """Wagons a→p by rail (trains of 10 leave after 12 h at most), ferry p→q (one vessel of 20,
    a day per round trip), a one-berth port at q (30 h per vessel load), rail q→b→z with a
    border at b; overloaded, and at the end (410 h, no drain) units are in every kind of place."""
    return model(
        (flow(1.2, "wagon", label="a→z"),),
        (
            plan(
                Segment("rail", ("a", "p"), ("a-p",)),
                Segment("ferry", ("p", "q"), ("p-q",)),
                Segment("rail", ("q", "b", "z"), ("q-b", "b-z")),
            ),
        ),
        nodes={
            "q": NodeSpec("q", "port", servers=1, handling_mean_h=30.0, handling_cv=0.5),
            "b": NodeSpec("b", "border", servers=1, handling_mean_h=8.0, handling_cv=0.5),
        },
        legs={
            "a-p": LegSpec("a-p", "rail", 5.0),
            "p-q": LegSpec("p-q", "ferry", 12.0),
            "q-b": LegSpec("q-b", "rail", 3.0),
            "b-z": LegSpec("b-z", "rail", 3.0),
        },
        ferries=pq_ferry(capacity_slots=20.0, policy="max_wait", max_wait_h=20.0),
        trains=TrainSpec(size_slots=10.0, policy="max_wait", max_wait_h=12.0),
        horizon_h=410.0,
        drain_h=0.0,
    )


def _expected_location(kind: str, place: str) -> str:
    """What a unit's last logged event says about where it is (an independent reading)."""
    if kind == "join_formation":
        return f"train formation at {place.split('>')[0]} ({place.replace('>', '→')})"
    if kind == "join_ferry":
        return "ferry queue p-q at p"
    if kind in ("sail", "blocked"):
        return "on ferry p-q (p→q)"
    if kind in ("queue", "service_start") and place == "q":
        return "at port q"
    if place.startswith("b from") or kind in ("train_depart", "depart", "arrive", "service_end"):
        return "on rail a→p" if place in ("a", "a-p") else "on rail q→z"
    raise AssertionError(f"unexpected last event {kind} at {place}")


def test_location_of_every_unit_in_transit_agrees_with_the_event_log() -> None:
    spec = _mixed_model()
    world = World(spec, trace=True)
    record = world.run()
    from sim.analysis.metrics import shipments_frame

    sh = shipments_frame(record)
    assert sh["location"].isna().to_numpy().tolist() == sh["delivered"].to_numpy().tolist()
    events = world.recorder.events_frame()
    last = events.groupby("unit").tail(1).set_index("unit")
    stuck = sh[~sh["delivered"]]
    expected = [_expected_location(*last.loc[u, ["kind", "place"]]) for u in stuck["unit_id"]]
    assert stuck["location"].tolist() == expected
    # the run ends with units in every kind of place, so each branch was checked
    kinds = {loc.split(" ")[0] + " " + loc.split(" ")[1] for loc in expected}
    assert kinds == {"train formation", "ferry queue", "on ferry", "at port", "on rail"}
    # the queues' lengths are the units placed in them
    assert (stuck["location"] == "ferry queue p-q at p").sum() == len(
        world.ferry_lines["p-q"].ends["p"].queue
    )


def test_in_transit_sentence_counts_places_per_replication() -> None:
    res = Results.concat(run_spec(_mixed_model(), r) for r in range(2))
    s = res.shipments[~res.shipments["in_warmup"] & ~res.shipments["delivered"]]
    [line] = report.in_transit(res.shipments)
    top = s["location"].value_counts()
    assert line.startswith(f"test: {len(s) / 2:,.0f} units per replication still in transit")
    assert f"{top.iloc[0] / 2:,.0f} in {top.index[0]}" in line.replace(" on ", " in on ")


def test_facility_flows_names_match_the_sampled_queues(res: Results) -> None:
    tiny = _runs(_ferry_model(0.3), reps=1)
    names = facility_flows(tiny.specs["test"])
    # the return direction carries nobody
    assert set(tiny.queues["facility"]) - set(names) == {"p-q@q"}
    assert names["p-q@p"] == {"a→z"}
    # on the shipped baseline and Zangezur runs, every queue that ever held anything is on
    # the route of some flow, under the very name the engine samples it by
    for name, part in res.queues.groupby("scenario"):
        used = set(part.loc[part["queue"] > 0, "facility"])
        assert used and used <= set(facility_flows(res.specs[str(name)]))


# ----------------------------------------------------------------- summary, report and CLI
@pytest.fixture(scope="module")
def compared() -> Results:
    base, over = _runs(_ferry_model(0.3), 2), _runs(_ferry_model(0.7), 2)
    spec = dataclasses.replace(over.specs["test"], name="over")
    for frame in (over.shipments, over.facilities, over.queues):
        frame["scenario"] = "over"
    over.specs = {"over": spec}
    return Results.concat([base, over])


def test_summary_marks_the_saturated_mean(compared: Results) -> None:
    t = report.summary_table(compared, "test")
    row = t.set_index("scenario").loc["over"]
    assert row["saturated"] and row["growing_queues"] == "p-q@p"
    assert row["delivered_share"] == pytest.approx(row["delivered"] / row["released"])
    assert "on_time" not in t
    text = report.format_summary(t)
    mark = f"{row['mean_transit_d']:.1f} ({format_share(row['delivered_share'])} delivered)"
    assert mark in text
    base_line = next(ln for ln in text.splitlines() if " test " in f" {ln} ")
    assert "delivered)" not in base_line and "100 %" in base_line
    assert "Marked means" in text
    # the reading names the saturation beside a significant difference
    sentences = report.reading(t, "test")
    assert any("saturated" in s and "over" in s for s in sentences)


def test_report_has_a_saturation_section_from_the_numbers(
    compared: Results, tmp_path: Path
) -> None:
    report.write_report(compared, tmp_path, baseline="test", figures={})
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    sat = compared.saturation()
    f = sat.flows.set_index("scenario").loc["over"]
    for text in (md, page):
        assert "Saturation" in text
        assert f"a→z {format_share(f['delivered_share'])} ({f['delivered']:,} of" in text
        assert "the queue at p-q@p (ferry) was still growing" in text
        assert "test: no sign of saturation" in text
        assert "units per replication still in transit" in text


def _tiny_file(folder: Path, name: str, extra: str = "") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\nnetwork = "{TINY}"\nyear = 2025\n'
        '[[demand]]\norigin = "Alpha"\ndestination = "Foxtrot"\nper_week = 150\n'
        'route = { by = "co2" }\n'  # over the b-c ferry
        f"{extra}[run]\nhorizon_days = 40\nwarmup_days = 5\nreplications = 1\nseed = 3\n",
        encoding="utf-8",
    )
    return path


def test_cli_prints_the_saturation_verdict(tmp_path: Path, capsys) -> None:
    ok = _tiny_file(tmp_path, "s")
    assert main(["run", str(ok), "-o", str(tmp_path / "out"), "-q", "--no-figures"]) == 0
    printed = capsys.readouterr().out
    assert "s: no sign of saturation" in printed
    k = pd.read_csv(tmp_path / "out" / "tables" / "kpis.csv")
    assert {"delivered_share", "saturated", "in_transit"} <= set(k) and "on_time" not in k
    trends = pd.read_csv(tmp_path / "out" / "tables" / "queue_trends.csv")
    assert {"facility", "p_value", "growing"} <= set(trends)
    # one small vessel on the crossing: 10 slots a 64-hour round trip for 150 TEU a week
    over = _tiny_file(
        tmp_path, "over", "[overrides.ferries.b-c]\nvessels = 1\ncapacity_slots = 10\n"
    )
    out = tmp_path / "out-over"
    args = ["run", str(over), "-o", str(out), "-q", "--no-figures", "--allow-overload"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    k = pd.read_csv(out / "tables" / "kpis.csv").iloc[0]
    assert k["saturated"] and k["delivered_share"] < MIN_DELIVERED_SHARE
    assert f"({format_share(k['delivered_share'])} delivered)" in printed
    assert "over: SATURATED" in printed and "the queue at b-c@b_port (ferry)" in printed
