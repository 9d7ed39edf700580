"""The engine's fast paths do what the plain code they replaced did.

- A release's terminal dwell at its origin runs from the clock's calendar; the event log and
  the units' times are those of a process per dwell (the code it replaced, kept here as the
  reference), on a model full of ties (fixed times, simultaneous releases).
- A ferry quay keeps its cargo in lanes per unit kind; what a vessel can load, since when, and
  what it loads are those of a first-come-first-served pass over the whole quay.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from typing import Any

import numpy as np
import pytest
import simpy

from sim.engine.ferry import FerryLine
from sim.engine.hops import HandOn
from sim.engine.kernel import Clock, Kernel
from sim.engine.model import FerrySpec, FrictionSpec, LegSpec, NodeSpec, Segment, VesselSpec
from sim.engine.records import Cause, Recorder
from sim.engine.units import UnitTable
from sim.engine.world import World

from .specs import flow, model, plan

# -- origin dwell -------------------------------------------------------------------------------


def _process_dwell(world: World, seg: Segment) -> HandOn:
    """The release entrance as it was: a SimPy process per dwell."""
    enter = world.entrance(seg)
    dwell = world.origin_friction.get(seg.nodes[0])
    if dwell is None:
        return enter

    def after_dwell(units: list[int], consist: int) -> None:
        world.kernel.start(_dwell(world, dwell(), units, enter, consist))

    return after_dwell


def _dwell(
    world: World, hours: float, units: list[int], enter: HandOn, consist: int
) -> Generator[simpy.Event, Any, None]:
    if hours > 0:
        yield world.kernel.env.timeout(hours)
        world.units.wait(units, Cause.FRICTION, hours)
    enter(units, consist)


def _dwell_model(hours: float, distribution: str = "fixed"):
    """Two flows releasing a truck at every whole hour from a, a fixed (or random) dwell
    there, then a border of one lane with a fixed half-hour clearance: many ties (a dwell
    ending as a release or a clearance does), ordered by the events' ids."""
    f = flow(1.0, "truck", arrival="scheduled")
    g = dataclasses.replace(flow(1.0, "truck", arrival="scheduled", label="g"), index=1)
    return model(
        (f, g),
        (plan(Segment("road", ("a", "b", "z"), ("a-b", "b-z"))),),
        nodes={"b": NodeSpec("b", "border", servers=1, handling_mean_h=0.5, handling_cv=0.0)},
        legs={"a-b": LegSpec("a-b", "road", 1.0), "b-z": LegSpec("b-z", "road", 1.0)},
        horizon_h=30.0,
        origin_frictions={"a": (FrictionSpec("dwell", hours, 0.6, distribution),)},
    )


def _events(world: World) -> list[tuple[float, str, int, str]]:
    ev = world.recorder.events_frame()
    return list(ev[["time_h", "kind", "unit", "place"]].itertuples(index=False, name=None))


#: a dwell as long as the gap between releases ends exactly when the next release comes
@pytest.mark.parametrize(
    ("hours", "distribution"), [(1.0, "fixed"), (2.0, "fixed"), (0.0, "fixed"), (3.0, "gamma")]
)
def test_a_dwell_from_the_calendar_runs_as_a_process_per_dwell_did(
    monkeypatch: pytest.MonkeyPatch, hours: float, distribution: str
) -> None:
    spec = _dwell_model(hours, distribution)
    fast = World(spec, trace=True)
    fast.run()
    with monkeypatch.context() as m:
        m.setattr(World, "_release_entrance", _process_dwell)
        slow = World(spec, trace=True)
        slow.run()
    assert len(_events(fast)) > 200
    assert _events(fast) == _events(slow)
    a, b = fast.units.arrays(), slow.units.arrays()
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    if hours > 0:
        assert (a["friction_h"] > 0).all()
        # and it costs no SimPy event: the process per dwell took three
        assert slow.env.scheduled() - fast.env.scheduled() == 3 * fast.units.n


def test_the_clock_binds_simpys_event_classes_to_itself() -> None:
    clock = Clock()
    assert {"timeout", "event", "process", "any_of", "all_of"} <= vars(clock).keys()
    assert clock.timeout(1.0).env is clock


# -- ferry quay lanes ---------------------------------------------------------------------------

KINDS = ("teu", "wagon", "truck")
SLOTS = {"teu": 0.5, "wagon": 1.0, "truck": 1.12}
VESSELS = (
    VesselSpec("trucks only", 7.0, ("truck",)),
    VesselSpec("rail ferry", 6.0, ("wagon", "teu")),
    VesselSpec("anything", 5.0),
)


def _quay(seed: int) -> tuple[FerryLine, list[tuple[int, float, float]]]:
    """A line whose vessels carry some kinds only (none sails: timetabled far ahead), with
    cargo of three kinds joining quay p at random times, often several groups at the same
    moment in any order; and the quay as a first-come-first-served list, by hand."""
    rng = np.random.default_rng(seed)
    clock = Clock()
    kernel = Kernel(clock, UnitTable(), Recorder(trace=False), 0.0, 1e9)
    spec = FerrySpec(
        "p-q",
        ("p", "q"),
        vessels=len(VESSELS),
        capacity_slots=6.0,
        load_h=0.0,
        unload_h=0.0,
        policy="timetable",
        headway_h=1e6,
        offset_h=1e5,
        fleet=VESSELS,
    )
    ends: dict[str, HandOn] = {p: lambda units, consist: None for p in "pq"}
    line = FerryLine(kernel, spec, 5.0, [lambda: 0.0] * len(VESSELS), ends, unit_kind=KINDS)
    units = kernel.units
    expected: list[tuple[int, float, float]] = []
    for t in np.cumsum(rng.choice([0.0, 0.5, 1.25], size=12)):
        groups = []
        for _ in range(int(rng.integers(1, 4))):
            f = int(rng.integers(0, 3))
            slots = SLOTS[KINDS[f]]
            groups.append(units.add(f, 0, float(t), int(rng.integers(1, 4)), 1.0, slots))
        rng.shuffle(groups)  # groups of the same arrival join in any order
        clock.plan(float(t), lambda gs=groups: [line.join(g, -1, "p") for g in gs])
        expected += [(u, float(units.ferry_slots[u]), float(t)) for g in groups for u in g]
    clock.run(until=1000.0)
    expected.sort(key=lambda x: (x[2], x[0]))  # by arrival, then in release order
    return line, expected


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("vessel", range(len(VESSELS)))
def test_a_vessel_loads_from_the_lanes_what_a_pass_over_the_quay_gives(
    seed: int, vessel: int
) -> None:
    line, quay = _quay(seed)
    end = line.ends["p"]
    assert end.queue == quay
    assert end.count == len(quay) and end.slots == pytest.approx(sum(s for _, s, _ in quay))
    v = VESSELS[vessel]
    flow_of = line.kernel.units.flow
    mine = [(u, s, t) for u, s, t in quay if v.takes(KINDS[flow_of[u]])]
    end.at_berth = v
    slots, first = line._eligible(end)
    assert slots == pytest.approx(sum(s for _, s, _ in mine))
    assert first == (mine[0][2] if mine else None)
    deck = v.capacity_slots
    loaded: list[int] = []
    load = 0.0
    for u, s, _ in mine:  # first come, first served; the first that does not fit stops it
        if load + s > deck + 1e-9:
            break
        loaded.append(u)
        load += s
    units, joined, took = end.take(line.lanes(v), deck)
    assert units == loaded and took == pytest.approx(load)
    assert joined == [t for u, _, t in quay if u in set(loaded)]
    assert end.queue == [x for x in quay if x[0] not in set(loaded)]
    assert end.count == len(quay) - len(loaded)
