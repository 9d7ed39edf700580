"""``corridor plan`` on the tiny network, where the answers are known by hand.

Alpha→Foxtrot crosses the b-c ferry: 3 vessels x 50 slots per 2 x (20 + 6 + 6) h round trip =
393.75 slots a week each way. A TEU takes 0.5 slot, so P TEU a week growing at g a year from
2025 saturate the ferry in the first year y with ``P (1 + g)^(y - 2025) x 0.5 >= 393.75``.
Two levers: a cheap extra lane at the Delta border (not what binds: it leaves the ferry
overloaded) and a dearer fourth vessel (which relieves it); a third, dearest, does the same as
the vessel at a higher cost. The cheapest that keeps P90 under target is the vessel.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.main import main
from sim.inputs.errors import ScenarioError
from sim.inputs.scenario_io import load_scenario
from sim.planning.outputs import timeline_figure
from sim.planning.plan import prepare, run_plan
from sim.planning.years import year_scenario
from sim.runs import provenance as sim_provenance

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny_network"
SLOTS_PER_WEEK = 3 * 50 * 168 / (2 * (20 + 6 + 6))  # 393.75
PER_WEEK, GROWTH = 500.0, 0.10

LEVERS = (
    "lever_id,name,kind,target,amount,max_units,capex_usd,capex_low_usd,capex_high_usd,"
    "opex_usd_per_year,life_years,cost_source,effect_source,note\n"
    """lane,a lane at Delta,servers,d_border,1,1,5e6,4e6,6e6,0,10,fixture-assume,fixture-assume,
vessel,a vessel,vessel,b-c,50,1,30e6,20e6,40e6,1e6,30,fixture-assume,fixture-assume,
big,a dear vessel,vessel,b-c,50,1,90e6,80e6,100e6,1e6,30,fixture-assume,fixture-assume,
"""
)
COMMODITIES = (
    "commodity,unit,net_t_per_unit,tonnes_source,value_usd_per_t,value_low_usd_per_t,"
    "value_high_usd_per_t,value_source,note\n"
    """general,teu,10,fixture-assume,1000,500,2000,fixture-assume,
"""
)


def network_copy(tmp: Path) -> Path:
    net = tmp / "net"
    shutil.copytree(TINY, net)
    (net / "levers.csv").write_text(LEVERS, encoding="utf-8")
    (net / "commodities.csv").write_text(COMMODITIES, encoding="utf-8")
    return net


def scenario_file(tmp: Path, extra: str = "", target: float = 20.0) -> Path:
    net = network_copy(tmp)
    path = tmp / "grow.toml"
    path.write_text(
        f"""
name = "grow"
network = "{net.as_posix()}"
year = 2031

[[demand]]
origin = "Alpha"
destination = "Foxtrot"
per_week = {PER_WEEK}
base_year = 2025
growth_per_year = {GROWTH}
route = {{ by = "co2" }}

[run]
horizon_days = 50
warmup_days = 10
replications = 2
seed = 5
overload_reason = "grows past the ferry's capacity on purpose"

[plan]
target_days = {target}
{extra}
""",
        encoding="utf-8",
    )
    return path


def expected_saturation_year() -> int:
    return 2025 + math.ceil(math.log(SLOTS_PER_WEEK / (PER_WEEK * 0.5)) / math.log(1 + GROWTH))


def test_plan_finds_the_saturation_year_and_the_cheapest_lever(tmp_path: Path) -> None:
    s = load_scenario(scenario_file(tmp_path))
    p = prepare(s, list(range(2025, 2032)), source="grow.toml")
    result = run_plan(p, tmp_path / "out", batch=2, max_evaluations=4, figures=False)
    sat = result.saturation
    ferry = sat[sat["facility"] == "b-c@b_port"].iloc[0]
    assert expected_saturation_year() == 2030  # the hand computation: 250 x 1.1^5 / 393.75 = 1.02
    assert ferry["saturates"] == expected_saturation_year()
    assert sat.iloc[0]["facility"] == "b-c@b_port"  # the first to saturate
    cap = result.capacity
    row = cap[(cap["facility"] == "b-c@b_port") & (cap["year"] == 2029)].iloc[0]
    assert row["rho_low"] == pytest.approx(PER_WEEK * 1.1**4 * 0.5 / SLOTS_PER_WEEK)
    # the search, in 2031: the lane is screened out (the ferry stays overloaded), the vessel wins
    search = result.search
    assert search is not None and search.best is not None
    assert search.best.label == "vessel"
    table = search.table.set_index("candidate")
    assert not table.loc["lane", "passes_check"] and "b-c@b_port" in table.loc["lane", "overloaded"]
    assert table.loc["vessel", "cost_usd_per_year"] == pytest.approx(30e6 / 30 + 1e6)
    assert "big" not in table.index or not table.loc["big", "chosen"]
    # every table and the report were written, the report's findings computed from them
    out = tmp_path / "out"
    for name in (
        "capacity_by_year",
        "saturation_years",
        "transit_by_year",
        "candidates",
        "trade_value",
    ):
        assert (out / "tables" / f"{name}.csv").is_file(), name
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "ferry b-c@b_port" in report and "in 2030" in report and "vessel" in report
    transit = pd.read_csv(out / "tables" / "transit_by_year.csv")
    assert set(transit["year"]) == set(range(2025, 2032))
    trade = pd.read_csv(out / "tables" / "trade_value.csv")
    assert (trade["value_usd"] > 0).all()
    # staging: the vessel is first needed in 2030, the year the ferry saturates
    staging = result.staging.set_index("year")
    assert staging.loc[2029, "additions"] == "nothing added"
    assert staging.loc[2030, "additions"] == staging.loc[2031, "additions"] == "vessel"
    assert staging["passes_check"].all() and (out / "tables" / "staging.csv").is_file()
    assert "2030: vessel" in report
    # every year as announced, and the searched year with the vessel: the units its
    # replications delivered, a year
    assert set(trade["additions"]) == {"none", "vessel"}
    mine = trade[trade["additions"] == "vessel"]
    assert set(mine["year"]) == {2031}
    k = search.kpi[(search.kpi["key"] == "vessel") & (search.kpi["flow"] != "(all)")]
    window = (50 - 10) / 365
    assert mine["units_delivered_per_year"].sum() == pytest.approx(
        k.groupby("flow")["delivered"].mean().sum() / window
    )
    # the replications behind the means: each year's P90 is their mean
    kpi = result.extra["kpi"]
    assert set(kpi["year"]) == set(range(2025, 2032)) and set(kpi["replication"]) == {0, 1}
    flow = kpi[kpi["flow"] != "(all)"].groupby(["year", "flow"])["p90_transit_d"].mean()
    mean = result.transit.set_index(["year", "flow"])["p90_transit_d"]
    assert flow.loc[mean.index].to_numpy() == pytest.approx(mean.to_numpy())
    # the timeline's transit axis starts at zero, however wide the intervals of 2 replications
    assert timeline_figure(result).axes[1].get_ylim()[0] == 0


def test_plan_resumes_and_refuses_a_foreign_folder(tmp_path: Path, capsys) -> None:
    path = scenario_file(tmp_path)
    out = tmp_path / "out"
    common = ["--years", "2025-2026", "--no-optimise", "-q", "--workers", "1", "--no-figures"]
    args = ["plan", str(path), "-o", str(out), *common, "--posterior", "none"]
    assert main(args) == 0
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert len(runs) == 4  # 2 years x 2 replications
    stamp = {p: (out / "runs" / p).stat().st_mtime_ns for p in runs}
    assert main(args) == 0  # resumed: nothing simulated again
    assert {p: (out / "runs" / p).stat().st_mtime_ns for p in runs} == stamp
    # more replications: the ones done are kept, only the new ones run
    assert main([*args, "--replications", "3"]) == 0
    now = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    assert len(now) == 6 and {p: now[p] for p in runs} == stamp
    runs = sorted(now)
    stamp = now
    # other network data (or code): not the same plan, its runs are not reused
    legs = tmp_path / "net" / "legs.csv"
    legs.write_text(legs.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    sim_provenance._folder_digest.cache_clear()
    assert main(args) == 2
    assert "not of this plan" in capsys.readouterr().err
    assert {p: (out / "runs" / p).stat().st_mtime_ns for p in runs} == stamp
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("x", encoding="utf-8")
    assert main(["plan", str(path), "-o", str(foreign), *common]) == 2
    assert "mine.txt" in capsys.readouterr().err
    assert sorted(p.name for p in foreign.iterdir()) == ["mine.txt"]


def test_announcements_apply_by_year_and_must_reach_the_scenario(tmp_path: Path) -> None:
    extra = """
[[plan.announced]]
name = "fourth vessel"
year = 2028
source = "fixture"
[plan.announced.set]
"overrides.ferries.b-c.vessels" = 4
"""
    path = scenario_file(tmp_path, extra)
    s = load_scenario(path)
    assert year_scenario(s, 2027).overrides.ferries == {}
    assert year_scenario(s, 2028).overrides.ferries["b-c"].vessels == 4
    # the scenario does not have the vessel the plan announces: one problem, naming both
    with pytest.raises(ScenarioError) as exc:
        prepare(s, [2025, 2031], source="grow.toml", optimise=False)
    (problem,) = exc.value.problems
    assert "overrides.ferries.b-c.vessels" in problem and "plan.announced[0]" in problem


def test_bad_plan_input_gives_every_problem_at_once(tmp_path: Path, capsys) -> None:
    path = scenario_file(tmp_path, 'levers = ["vessel", "nope"]\n')
    (tmp_path / "net" / "commodities.csv").write_text(
        COMMODITIES.replace("1000,500,2000", "1000,1500,2000"), encoding="utf-8"
    )
    out = tmp_path / "out"
    assert main(["plan", str(path), "--years", "2026-2025", "-o", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "--years: '2026-2025' runs backwards" in err
    assert "plan.levers: 'nope' is not a lever" in err
    assert "value_usd_per_t: must lie from the low to the high value" in err
    assert "Traceback" not in err and not out.exists()


def test_trade_2030_plan_years_run_the_named_fleet_and_vessel_levers_join_it() -> None:
    """The plan of trade_2030 starts from the baseline's fleet (the same named vessels in 2025),
    adds the announced vessels in their years, and a vessel lever adds a vessel alike to its
    ``like`` to the named ones (the line does not turn into alike vessels)."""
    from sim.inputs.compile import compile_scenario, load_base_network
    from sim.planning.levers import apply_levers, load_levers

    scenarios = ROOT / "scenarios"
    trade = load_scenario(scenarios / "trade_2030.toml")
    base = compile_scenario(load_scenario(scenarios / "baseline_2025.toml"), scenarios)

    def fleet(spec, leg):  # type: ignore[no-untyped-def]
        return [(v.name, v.capacity_slots) for v in spec.ferries[leg].fleet]

    y2025 = compile_scenario(year_scenario(trade, 2025), scenarios)
    for leg in ("turkmenbashi-alat", "kuryk-alat", "aktau-alat"):
        assert fleet(y2025, leg) == fleet(base, leg)
    y2030 = compile_scenario(year_scenario(trade, 2030), scenarios)
    kuryk = fleet(y2030, "kuryk-alat")
    assert kuryk[: len(fleet(base, "kuryk-alat"))] == fleet(base, "kuryk-alat")
    assert kuryk[-2:] == [("kazakh-ferries 1", 54.0), ("kazakh-ferries 2", 54.0)]
    assert ("(third ASCO Ro-Pax, name not reported)", 56.0) in fleet(y2030, "turkmenbashi-alat")

    levers = {lv.lever_id: lv for lv in load_levers(load_base_network(trade, scenarios))}
    ropax = levers["ropax-turkmenbashi"]
    more = apply_levers(year_scenario(trade, 2025), [ropax], [2], base_dir=scenarios)
    spec = compile_scenario(more, scenarios)
    added = [("ropax-turkmenbashi 1", 56.0), ("ropax-turkmenbashi 2", 56.0)]
    assert set(added) <= set(fleet(spec, "turkmenbashi-alat"))
    # every named vessel still sails (the spares by the operator's rule, which may now send
    # one to the other line): the Caspian fleet is the baseline's and the two added
    caspian = ("turkmenbashi-alat", "kuryk-alat", "aktau-alat")
    assert sorted(v for leg in caspian for v in fleet(spec, leg)) == sorted(
        [v for leg in caspian for v in fleet(base, leg)] + added
    )


def test_one_replication_has_no_interval_to_quote(tmp_path: Path) -> None:
    """With one replication a P90 has no interval: the report says so, and quotes no upper
    end (there is none)."""
    s = load_scenario(scenario_file(tmp_path))
    p = prepare(s, [2025, 2031], replications=1, source="grow.toml")
    result = run_plan(p, tmp_path / "out", batch=2, max_evaluations=4, figures=False)
    assert result.search is not None and result.search.best is not None
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "with one replication there is no interval" in report
    assert "inf" not in report


def test_every_lever_kind_sets_its_scenario_key(tmp_path: Path) -> None:
    """Each kind of lever changes the scenario as levers.csv documents: servers added at a
    node, border clearance multiplied (all borders or some countries'), a train's or a
    vessel's longest wait, a timetable's offset, and a vessel on a line of alike vessels (the
    mean deck re-averaged)."""
    from sim.planning.levers import Lever, apply_levers

    s = load_scenario(scenario_file(tmp_path))

    def lever(kind: str, target: str, amount: float) -> Lever:
        return Lever(kind, kind, kind, target, amount, 1, 1, 1, 1, 0, 1, "s", "s", "")

    levers = [
        lever("servers", "d_border", 2),
        lever("border_handling", "all", 0.5),
        lever("train_max_wait", "", 24),
        lever("ferry_max_wait", "b-c", 12),
        lever("timetable_offset", "b-c", 6),
        lever("vessel", "b-c", 70),
    ]
    out = apply_levers(s, levers, [1] * len(levers), base_dir=tmp_path)
    ov = out.overrides
    assert ov.nodes["d_border"].servers == 3 + 2  # the tiny border has three servers
    assert ov.node_kinds[-1].kind == "border" and ov.node_kinds[-1].handling_factor == 0.5
    assert out.trains.max_wait_h == 24
    assert (ov.ferries["b-c"].max_wait_h, ov.ferries["b-c"].offset_h) == (12, 6)
    assert ov.ferries["b-c"].vessels == 4
    assert ov.ferries["b-c"].capacity_slots == pytest.approx((3 * 50 + 70) / 4)
    some = apply_levers(s, [lever("border_handling", "YY;ZZ", 0.5)], [1], base_dir=tmp_path)
    assert some.overrides.node_kinds[-1].countries == ["YY", "ZZ"]
