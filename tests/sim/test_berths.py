"""Port berths shared by ferry lines: exact logs by hand, the switch, and the capacity check."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.analysis.metrics import facilities_frame
from sim.engine.model import (
    FerrySpec,
    FlowSpec,
    LegSpec,
    ModelSpec,
    Segment,
    VesselSpec,
    usable_berths,
)
from sim.engine.world import World
from sim.inputs.capacity import check_capacity

from .specs import model, plan

RAIL = usable_berths(("rail_ferry",))
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _flow(index: int, origin: str, per_hour: float) -> FlowSpec:
    return FlowSpec(
        index, f"f{index}", origin, "q", "AA", "wagon", per_hour, plans=(index,),
        arrival="scheduled",
    )  # fmt: skip


def _two_lines(berths_at_q: int | None, horizon_h: float = 30.0) -> ModelSpec:
    """Two lines landing at q, one vessel each (at p and at r), decks of one wagon: a wagon at
    p at 20 and one at r at 22; load 2 h, unload 3 h; p→q takes 1 h, r→q 0.5 h."""
    ferries = {
        leg: FerrySpec(
            leg, ends, 1, 1.0, load_h=2.0, unload_h=3.0, policy="when_full", berth_types=RAIL
        )
        for leg, ends in (("p-q", ("p", "q")), ("r-q", ("r", "q")))
    }
    plans = tuple(
        replace(plan(Segment("ferry", (o, "q"), (leg,))), index=i)
        for i, (o, leg) in enumerate((("p", "p-q"), ("r", "r-q")))
    )
    return model(
        (_flow(0, "p", 1 / 20), _flow(1, "r", 1 / 22)),
        plans,
        legs={"p-q": LegSpec("p-q", "ferry", 1.0), "r-q": LegSpec("r-q", "ferry", 0.5)},
        ferries=ferries,
        horizon_h=horizon_h,
        berths={} if berths_at_q is None else {"q": {"rail_ferry": berths_at_q}},
    )


def _log(world: World) -> list[tuple[float, str, str, int]]:
    ev = world.recorder.events_frame()
    return [
        (round(t, 9), k, p, u)
        for t, k, p, u in ev[["time_h", "kind", "place", "unit"]].itertuples(index=False)
    ]


def test_second_vessel_waits_at_anchor_until_the_first_leaves_the_berth():
    # by hand: wagon 0 at p at 20, loads 20-22, crosses 22-23, unloads at q's one berth 23-26.
    # Wagon 1 at r at 22, loads 22-24, crosses 24-24.5, anchors at 24.5 until the berth frees
    # at 26, unloads 26-29.
    w = World(_two_lines(1), trace=True)
    w.run()
    assert _log(w) == [
        (20.0, "release", "p", 0),
        (20.0, "join_ferry", "p-q", 0),
        (22.0, "release", "r", 1),  # the release at 22 comes before the sailing at 22
        (22.0, "join_ferry", "r-q", 1),
        (22.0, "sail", "p-q", 0),
        (24.0, "sail", "r-q", 1),
        (24.5, "anchor", "q berths", 1),
        (26.0, "land", "p-q", 0),
        (26.0, "deliver", "q", 0),
        (26.0, "berth", "q berths", 1),
        (29.0, "land", "r-q", 1),
        (29.0, "deliver", "q", 1),
    ]
    arr = w.units.arrays()
    assert arr["ferry_h"].tolist() == [5.0, 6.5]  # load + unload, and 1.5 h at anchor
    stats = {s.name: s for f in w.facilities() for s in f.stats()}
    berth = stats["q rail_ferry berths"]
    assert (berth.kind, berth.servers, berth.customers) == ("berth", 1, 2)
    assert (berth.area_busy, berth.wait_sum, berth.area_queue) == (6.0, 1.5, 1.5)
    assert stats["r-q"].vessel_berth_wait_h == 1.5
    assert stats["p-q"].vessel_berth_wait_h == 0.0


def test_a_second_berth_removes_the_wait_and_no_berth_data_is_todays_engine():
    two = World(_two_lines(2), trace=True)
    two.run()
    assert two.units.arrays()["delivery_h"].tolist() == [26.0, 27.5]
    # without berth data the port limits no one: the log has no anchor events and is the
    # same as with two berths
    free = World(_two_lines(None), trace=True)
    free.run()
    assert _log(free) == _log(two)
    assert all(s.vessel_berth_wait_h is None for f in free.facilities() for s in f.stats())


def test_a_vessel_waits_for_a_berth_to_load_and_loads_what_is_there_when_it_berths():
    # q -> p and q -> r from q's one berth, both vessels at q: the wagon for p at 20 loads
    # 20-22; the wagon for r comes at 21, its vessel waits at anchor for the berth until 22,
    # then loads 22-24 and sails at 24 (the wagon waits the hour on the quay)
    ferries = {
        leg: FerrySpec(
            leg, ("q", far), 1, 1.0, load_h=2.0, unload_h=3.0, policy="when_full",
            berth_types=RAIL,
        )
        for leg, far in (("q-p", "p"), ("q-r", "r"))
    }  # fmt: skip
    plans = tuple(
        replace(plan(Segment("ferry", ("q", far), (leg,))), index=i)
        for i, (far, leg) in enumerate((("p", "q-p"), ("r", "q-r")))
    )
    flows = tuple(
        FlowSpec(i, f"f{i}", "q", far, "AA", "wagon", rate, plans=(i,), arrival="scheduled")
        for i, (far, rate) in enumerate((("p", 1 / 20), ("r", 1 / 21)))
    )
    spec = model(
        flows,
        plans,
        legs={"q-p": LegSpec("q-p", "ferry", 1.0), "q-r": LegSpec("q-r", "ferry", 1.0)},
        ferries=ferries,
        horizon_h=30.0,
        berths={"q": {"rail_ferry": 1}},
    )
    w = World(spec, trace=True)
    w.run()
    sails = [(t, p) for t, k, p, _ in _log(w) if k == "sail"]
    assert sails == [(22.0, "q-p"), (24.0, "q-r")]
    arr = w.units.arrays()
    assert arr["ferry_h"].tolist() == [5.0, 6.0]  # the second waited 1 h on the quay
    stats = {s.name: s for f in w.facilities() for s in f.stats()}
    assert stats["q-r"].vessel_berth_wait_h == 1.0


def test_a_universal_berth_takes_any_ferry_and_other_types_do_not_limit_a_vessel():
    spec = _two_lines(1)
    universal = replace(spec, berths={"q": {"universal_ferry": 1}})
    w = World(universal, trace=True)
    w.run()
    assert w.units.arrays()["delivery_h"].tolist() == [26.0, 29.0]
    # a port whose berths are of a type no vessel of the line uses does not hold it
    container = replace(spec, berths={"q": {"container": 1}})
    w = World(container, trace=True)
    w.run()
    assert w.units.arrays()["delivery_h"].tolist() == [26.0, 27.5]


def test_named_vessels_use_their_own_berth_types():
    spec = _two_lines(1)
    truck = VesselSpec("Ro-Ro", 1.0, berth_types=usable_berths(("ro_ro",)))
    fs = replace(spec.ferries["r-q"], fleet=(truck,))
    mixed = replace(
        spec,
        ferries={**spec.ferries, "r-q": fs},
        berths={"q": {"rail_ferry": 1, "ro_ro": 1}},
    )
    w = World(mixed, trace=True)
    w.run()
    # the Ro-Ro vessel takes the free Ro-Ro berth: no wait
    assert w.units.arrays()["delivery_h"].tolist() == [26.0, 27.5]


def test_capacity_check_names_the_berth_facility_and_counts_its_occupancy():
    # each line: one wagon a week, one vessel call a week at each end with cargo; q's berth is
    # held 3 h per landing (unload) by each line
    weekly = replace(_two_lines(1), flows=tuple(
        replace(f, per_hour=1 / 168.0, arrival="poisson") for f in _two_lines(1).flows
    ))  # fmt: skip
    table = check_capacity(weekly).table.set_index("facility")
    row = table.loc["q berths"]
    assert row["kind"] == "berth"
    assert row["measure"] == "berth-hours/week"
    assert row["capacity"] == pytest.approx(168.0)
    assert row["demand_high"] == pytest.approx(2 * 3.0)
    assert "p" + " berths" not in table.index  # p has no berth data
    # a port whose calls need more berth-hours than it has is an overload: three full decks a
    # week on each line (two vessels each, well within the lines' own capacity), 30 h to
    # unload each: 2 x 3 x 30 = 180 berth-hours a week at q's one berth
    busy = replace(
        weekly,
        flows=tuple(replace(f, per_hour=3 / 168.0) for f in weekly.flows),
        ferries={k: replace(fs, unload_h=30.0, vessels=2) for k, fs in weekly.ferries.items()},
    )
    row = check_capacity(busy).table.set_index("facility").loc["q berths"]
    assert row["status"] == "overload"
    assert row["demand_low"] == pytest.approx(180.0, rel=0.02)
    assert row["rho_low"] == pytest.approx(180.0 / 168.0, rel=0.02)
    assert "berths" in row["relief"]
    # more berths: the same demand over twice the capacity
    more = replace(busy, berths={"q": {"rail_ferry": 2}})
    row2 = check_capacity(more).table.set_index("facility").loc["q berths"]
    assert row2["rho_low"] == pytest.approx(row["rho_low"] / 2)
    assert not math.isnan(row2["rho_high"])


# -- metamorphic: more berths never hurt -----------------------------------------------------
def _busy_lines(berths_at_q: int, seed: int) -> ModelSpec:
    """Two lines into q, two vessels each, decks of 10 wagons, Poisson wagons at p and r
    (a wagon every 3 h each), unloading 8 h: q's one berth is busy, two are not."""
    spec = _two_lines(berths_at_q, horizon_h=2000.0)
    return replace(
        spec,
        flows=tuple(replace(f, per_hour=1 / 3, arrival="poisson") for f in spec.flows),
        ferries={
            k: replace(fs, vessels=2, capacity_slots=10.0, unload_h=8.0)
            for k, fs in spec.ferries.items()
        },
        warmup_h=200.0,
        seed=seed,
    )


def _mean_ferry_wait(spec: ModelSpec) -> float:
    w = World(spec)
    w.run()
    arr = w.units.arrays()
    done = ~np.isnan(arr["delivery_h"])
    return float(arr["ferry_h"][done].mean())


@pytest.mark.parametrize("fewer", [1, 2])
def test_one_more_berth_never_makes_the_mean_ferry_time_worse(fewer: int):
    diffs = np.array(
        [
            _mean_ferry_wait(_busy_lines(fewer + 1, seed))
            - _mean_ferry_wait(_busy_lines(fewer, seed))
            for seed in range(1, 9)
        ]
    )
    half = stats.t.ppf(0.995, len(diffs) - 1) * diffs.std(ddof=1) / np.sqrt(len(diffs))
    assert diffs.mean() - half <= 0.0, diffs
    if fewer == 1:  # one berth is the bottleneck: the second must help clearly
        assert diffs.mean() + half < 0.0, diffs


# -- the switch --------------------------------------------------------------------------------
@pytest.mark.slow
def test_switch_off_runs_the_engine_without_berths_and_on_changes_the_run():
    """The shipped baseline, shortened: ``berths = false`` compiles to no berth limits, and its
    run equals the run of the berths-on model with its berth table emptied (the berth code is
    idle without limits); with the berths the Caspian run differs."""
    shipped = sim.load_scenario(SCENARIOS / "baseline_2025.toml").with_run(
        horizon_days=40, warmup_days=10
    )
    assert not shipped.operations.berths  # off by default (the shipped data overload them)
    base, off = (
        shipped.model_copy(
            update={"operations": shipped.operations.model_copy(update={"berths": on})}
        )
        for on in (True, False)
    )
    spec_on = sim.compile_scenario(base, SCENARIOS)
    spec_off = sim.compile_scenario(off, SCENARIOS)
    assert spec_off.berths == {} and set(spec_on.berths) == {
        "alat", "kuryk", "turkmenbashi", "aktau"
    }  # fmt: skip

    def run(spec: ModelSpec) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
        w = World(spec)
        record = w.run()
        return w.units.arrays(), facilities_frame(record, "s")

    units_off, fac_off = run(spec_off)
    units_emptied, fac_emptied = run(replace(spec_on, berths={}, digest=spec_off.digest))
    pd.testing.assert_frame_equal(fac_off, fac_emptied, check_exact=True)
    for col, values in units_off.items():
        np.testing.assert_array_equal(values, units_emptied[col], err_msg=col)
    units_on, fac_on = run(spec_on)
    assert (fac_on["kind"] == "berth").any() and "vessel_berth_wait_h" in fac_on
    assert "vessel_berth_wait_h" not in fac_off
    assert not np.array_equal(units_on["ferry_h"], units_off["ferry_h"], equal_nan=True)


def test_the_shipped_baseline_with_berths_overloads_alats_rail_ferry_berths():
    """Why the switch is off by default (network/data/README.md): the check catches it."""
    s = sim.load_scenario(SCENARIOS / "baseline_2025.toml")
    on = s.model_copy(update={"operations": s.operations.model_copy(update={"berths": True})})
    table = check_capacity(sim.compile_scenario(on, SCENARIOS)).table.set_index("facility")
    alat = table.loc["alat berths"]
    assert alat["status"] == "overload" and alat["place"] == "alat (rail_ferry)"
    assert "alat berths" not in check_capacity(sim.compile_scenario(s, SCENARIOS)).table.values
