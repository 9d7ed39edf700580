"""Properties of the engine on random small models (hypothesis), checked from the event log.

Two generators: ``chains`` (one flow along a chain of legs with at most one ferry) and
``corridors`` (a small two-crossing corridor with several competing flows both ways, local
flows sharing formations and ferries, ferries under every policy, scheduled and random closures
of legs, nodes and ferry legs, adaptive and rerouting route choice, and train–ferry
synchronisation). Every generated model is run traced and must keep every rule of
:func:`tests.sim.invariants.violations`: conservation by place against the engine's state,
order and route of each unit's events, capacities (servers, trains, decks, fleets, line
headways), closures, time by cause, FIFO and the departure policies, route choice.

The default run tries ``FAST_EXAMPLES`` models (``PROPERTY_EXAMPLES`` to change it); the
``slow`` copy (run by CI, which runs everything) tries 1,000. Examples are derandomized (see
``tests/conftest.py``), so a failure reproduces; ``HYPOTHESIS_PROFILE=explore`` searches at
random instead.

The checks can fail: each of ``MUTATIONS`` (a one-line change to an engine method, applied in
memory for one test) is caught by the property it names, on a tiny hand-built model (default
run) and among the generated models (slow run). The engine bugs the checks found (a train
leaving into a closure after waiting for its line slot, a vessel sailing on a closed line after
a closed port, a closed junction holding nothing) each keep a minimal example below; a bug found
later may be listed in ``KNOWN_ENGINE_BUGS`` (left out of the property runs) with such an
example marked ``xfail(strict=True)`` until it is fixed.
"""

from __future__ import annotations

import inspect
import itertools
import os
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, event, find, given, settings
from hypothesis import strategies as st

from sim.engine.ferry import FerryEnd, FerryLine
from sim.engine.formation import Formation
from sim.engine.gates import Gate
from sim.engine.hops import Mover
from sim.engine.linepath import LinePath
from sim.engine.model import (
    ClosureSpec,
    FerrySpec,
    FlowSpec,
    LegSpec,
    ModelSpec,
    NodeSpec,
    Plan,
    Segment,
    TrainSpec,
)
from sim.engine.records import EventKind
from sim.engine.routechoice import RouteChooser
from sim.engine.servers import NodeFacility
from sim.engine.world import World

from .invariants import violations
from .specs import UNITS, flow, model, plan, pq_ferry

FAST_EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "80"))
SLOW_EXAMPLES = 1000


@st.composite
def chains(draw):
    """One flow along a chain of 1–4 legs, at most one of them a ferry."""
    n_legs = draw(st.integers(1, 4))
    ferry_at = draw(st.one_of(st.none(), st.integers(0, n_legs - 1)))
    unit = draw(st.sampled_from(["teu", "wagon", "truck"]))
    land_mode = "road" if unit == "truck" else draw(st.sampled_from(["rail", "road"]))
    nodes = [f"n{i}" for i in range(n_legs + 1)]
    legs, modes = {}, []
    for i in range(n_legs):
        mode = "ferry" if i == ferry_at else land_mode
        leg_id = f"{nodes[i]}-{nodes[i + 1]}"
        legs[leg_id] = LegSpec(
            leg_id,
            mode,
            draw(st.floats(0.0, 10.0)),
            delay_cv=draw(st.floats(0, 0.5)),
            headway_h=draw(st.sampled_from([0.0, 0.0, 2.0])) if mode == "rail" else 0.0,
        )
        modes.append(mode)
    segments, i = [], 0
    while i < n_legs:
        j = i + 1
        if modes[i] != "ferry":
            while j < n_legs and modes[j] == modes[i]:
                j += 1
        kind = modes[i]
        segments.append(Segment(kind, tuple(nodes[i : j + 1]), tuple(list(legs)[i:j])))
        i = j
    facilities = {
        n: NodeSpec(
            n,
            draw(st.sampled_from(["border", "port", "gauge_change"])),
            draw(st.integers(1, 3)),
            draw(st.floats(0.1, 6.0)),
            draw(st.floats(0.0, 1.5)),
        )
        for n in nodes[1:-1]
        if draw(st.booleans())
    }
    ferries = {}
    if ferry_at is not None:
        leg_id = list(legs)[ferry_at]
        policy = draw(st.sampled_from(["when_full", "max_wait", "timetable"]))
        ferries[leg_id] = FerrySpec(
            leg_id,
            (nodes[ferry_at], nodes[ferry_at + 1]),
            vessels=draw(st.integers(1, 3)),
            capacity_slots=draw(st.floats(2.0, 30.0)),
            load_h=draw(st.floats(0, 3)),
            unload_h=draw(st.floats(0, 3)),
            policy=policy,
            max_wait_h=draw(st.floats(1, 30)),
            headway_h=draw(st.floats(4, 48)),
            load_factor=draw(st.floats(0.5, 1.0)),
        )
    trains = TrainSpec(
        size_slots=draw(st.floats(1, 20)),
        policy=draw(st.sampled_from(["when_full", "max_wait", "schedule"])),
        max_wait_h=draw(st.floats(1, 24)),
        headway_h=draw(st.floats(2, 24)),
    )
    free_flow = sum(leg.duration_h * (1 - leg.delay_cv) for leg in legs.values())
    return model(
        (
            flow(
                draw(st.floats(0.05, 2.0)),
                unit,
                arrival=draw(st.sampled_from(["poisson", "scheduled"])),
                batch=draw(st.integers(1, 5)),
            ),
        ),
        (plan(*segments, free_flow_h=free_flow),),
        nodes=facilities,
        legs=legs,
        ferries=ferries,
        trains=trains,
        horizon_h=draw(st.floats(20, 300)),
        drain_h=draw(st.floats(0, 400)),
        seed=draw(st.integers(0, 99)),
    )


# -- corridors ---------------------------------------------------------------------------------
#: the corridor's routes as node paths: two crossings (p1–q1 always, p2–q2 if drawn) and a land
#: bypass b–c (if drawn); flows go a → z, z → a, and locally a → p1 and q1 → z
ROUTES: dict[str, tuple[str, ...]] = {
    "via 1": ("a", "b", "p1", "q1", "c", "z"),
    "via 2": ("a", "b", "p2", "q2", "c", "z"),
    "bypass": ("a", "b", "c", "z"),
    "to p1": ("a", "b", "p1"),
    "from q1": ("q1", "c", "z"),
}
FERRY_LEGS = {frozenset(("p1", "q1")): "p1-q1", frozenset(("p2", "q2")): "p2-q2"}


def _leg_id(x: str, y: str, legs: dict[str, LegSpec]) -> str:
    return f"{x}-{y}" if f"{x}-{y}" in legs else f"{y}-{x}"


def _segments(nodes: tuple[str, ...], legs: dict[str, LegSpec]) -> list[Segment]:
    """Maximal runs of one mode; a ferry crossing is a segment of its own."""
    hops = [(x, y, _leg_id(x, y, legs)) for x, y in itertools.pairwise(nodes)]
    out: list[Segment] = []
    for mode, group in itertools.groupby(hops, key=lambda h: legs[h[2]].mode):
        run = list(group)
        chunks = [[h] for h in run] if mode == "ferry" else [run]
        for chunk in chunks:
            kind = "ferry" if mode == "ferry" else mode
            seg_nodes = (chunk[0][0], *(h[1] for h in chunk))
            out.append(Segment(kind, seg_nodes, tuple(h[2] for h in chunk)))  # type: ignore[arg-type]
    return out


def _synchronise(
    segments: list[Segment], ferries: dict[str, FerrySpec], trains: TrainSpec, draw
) -> tuple[list[Segment], dict[tuple[tuple[str, ...], str], TrainSpec]]:
    """Tag rail segments next to a timetabled ferry as
    :func:`sim.inputs.compile._synchronised_trains` does, with drawn offsets and maximum waits."""
    out, overrides = list(segments), {}

    def timetabled(i: int) -> FerrySpec | None:
        if not 0 <= i < len(segments) or segments[i].kind != "ferry":
            return None
        f = ferries[segments[i].legs[0]]
        return f if f.policy == "timetable" else None

    for i, seg in enumerate(segments):
        if seg.kind != "rail":
            continue
        if (nxt := timetabled(i + 1)) is not None:
            assert nxt.headway_h is not None
            sync = f"feeds {nxt.leg_id}"
            spec = TrainSpec(
                size_slots=trains.size_slots,
                policy="sailing",
                max_wait_h=draw(st.floats(1.0, 3 * nxt.headway_h)),
                headway_h=nxt.headway_h,
                offset_h=draw(st.floats(0.0, nxt.headway_h)),
            )
        elif timetabled(i - 1) is not None:
            port = seg.nodes[0]
            sync = f"meets ferries at {port}"
            landing = min(
                f.headway_h or 0.0
                for f in ferries.values()
                if f.policy == "timetable" and port in f.ends
            )
            spec = TrainSpec(
                size_slots=trains.size_slots,
                policy="after_landing",
                max_wait_h=draw(st.floats(1.0, 3 * landing)),
                headway_h=landing,
            )
        else:
            continue
        out[i] = Segment(seg.kind, seg.nodes, seg.legs, sync=sync)
        overrides[(seg.legs, sync)] = spec
    return out, overrides


@st.composite
def corridors(draw) -> ModelSpec:
    """A small corridor with several competing flows, ferries, closures, route choice and
    (if drawn) train–ferry synchronisation; sized so that a run takes milliseconds."""
    second, bypass = draw(st.booleans()), draw(st.booleans())
    # the scenario asks for train–ferry synchronisation: then the first crossing is timetabled
    # and the lines to and from it are mostly rail, so that synchronised trains run
    sync = draw(st.integers(0, 2)) > 0
    all_road = draw(st.integers(0, 4)) == 0  # then trucks may travel
    pairs = [("a", "b"), ("b", "p1"), ("q1", "c"), ("c", "z")]
    pairs += [("b", "p2"), ("q2", "c")] if second else []
    pairs += [("b", "c")] if bypass else []
    legs: dict[str, LegSpec] = {}
    for x, y in pairs:
        near_port = {x, y} & {"p1", "q1"}
        rail = not all_road and draw(st.integers(0, 4)) < (4 if sync and near_port else 2)
        legs[f"{x}-{y}"] = LegSpec(
            f"{x}-{y}",
            "rail" if rail else "road",
            draw(st.floats(0.0, 12.0)),
            delay_cv=draw(st.sampled_from([0.0, 0.2, 0.6])),
            headway_h=draw(st.sampled_from([0.0, 1.0, 4.0])) if rail else 0.0,
            delay_dist=draw(st.sampled_from(["exponential", "uniform"])),
        )
    ferries: dict[str, FerrySpec] = {}
    for p, q in [("p1", "q1")] + ([("p2", "q2")] if second else []):
        leg_id = f"{p}-{q}"
        legs[leg_id] = LegSpec(leg_id, "ferry", draw(st.floats(1.0, 30.0)), delay_cv=0.2)
        headway = draw(st.floats(4.0, 48.0))
        ferries[leg_id] = FerrySpec(
            leg_id,
            (p, q),
            vessels=draw(st.integers(1, 3)),
            capacity_slots=draw(st.floats(2.0, 30.0)),
            load_h=draw(st.sampled_from([0.0, 1.0, 2.5])),
            unload_h=draw(st.sampled_from([0.0, 1.0, 2.5])),
            policy="timetable"
            if sync and p == "p1"
            else draw(st.sampled_from(["when_full", "max_wait", "timetable"])),
            max_wait_h=draw(st.floats(1.0, 30.0)),
            headway_h=headway,
            offset_h=draw(st.floats(0.0, headway)),
            load_factor=draw(st.sampled_from([0.5, 0.8, 1.0])),
        )
    present = (
        {n for pair in pairs for n in pair} | {"p1", "q1"} | ({"p2", "q2"} if second else set())
    )
    nodes: dict[str, NodeSpec] = {}
    for n in sorted(present - {"a", "z"}):
        if draw(st.integers(0, 2)) == 0:
            continue
        kind = "port" if n[0] in "pq" else draw(st.sampled_from(["border", "gauge_change"]))
        dedicated = draw(st.booleans()) and kind != "gauge_change"
        nodes[n] = NodeSpec(
            n,
            kind,
            draw(st.integers(1, 3)),
            draw(st.floats(0.1, 5.0)),
            draw(st.sampled_from([0.0, 0.5, 1.0, 1.5])),
            dedicated_for=("AA",) if dedicated else (),
            dedicated_factor=0.5,
        )
    trains = TrainSpec(
        size_slots=draw(st.sampled_from([0.7, 2.0, 4.0, 10.0, 20.0])),
        policy=draw(st.sampled_from(["when_full", "max_wait", "max_wait", "schedule"])),
        max_wait_h=draw(st.floats(1.0, 24.0)),
        headway_h=draw(st.floats(2.0, 24.0)),
        offset_h=draw(st.floats(0.0, 2.0)),
    )
    # plans: every route present, both ways for the through ones
    routes = [r for r in ("via 1", "via 2", "bypass") if r != "via 2" or second]
    routes = [r for r in routes if r != "bypass" or bypass] + ["to p1", "from q1"]
    plans: list[Plan] = []
    plan_of: dict[tuple[str, bool], int] = {}
    overrides: dict[tuple[tuple[str, ...], str], TrainSpec] = {}
    for route in routes:
        for back in (False, True) if route.startswith(("via", "bypass")) else (False,):
            path = ROUTES[route][::-1] if back else ROUTES[route]
            segs = _segments(path, legs)
            if sync:
                segs, more = _synchronise(segs, ferries, trains, draw)
                overrides.update(more)
            plan_legs = tuple(leg for s in segs for leg in s.legs)
            base = sum(
                legs[leg].duration_h * (1 - min(legs[leg].delay_cv, 1.0)) for leg in plan_legs
            )
            handling = sum(nodes[n].handling_mean_h for n in path[1:-1] if n in nodes)
            plan_of[(route, back)] = len(plans)
            plans.append(
                Plan(
                    len(plans),
                    f"{path[0]}→{path[-1]} {route}",
                    tuple(segs),
                    free_flow_h=base,
                    expected_h=sum(legs[leg].duration_h for leg in plan_legs) + handling,
                    legs=plan_legs,
                )
            )
    # flows: one to four, drawn from the through flows both ways and the local ones
    menu = [("a→z", False), ("z→a", True), ("a→p1", False), ("q1→z", False)]
    picked = draw(st.lists(st.sampled_from(menu), min_size=1, max_size=4))
    flows: list[FlowSpec] = []
    for i, (label, back) in enumerate(picked):
        if label in ("a→z", "z→a"):
            through = [r for r in routes if r.startswith(("via", "bypass"))]
            order = draw(st.permutations(through))
            chosen = order[: draw(st.sampled_from([1, 2, len(order), len(order)]))]
            candidates = tuple(plan_of[(r, back)] for r in chosen)
        else:
            candidates = (plan_of[("to p1" if label == "a→p1" else "from q1", False)],)
        kinds = {s.kind for p in candidates for s in plans[p].segments}
        unit = draw(st.sampled_from(["teu", "wagon"] + (["truck"] if "rail" not in kinds else [])))
        choice = draw(st.sampled_from(["best", "shares", "adaptive", "adaptive"]))
        shares = tuple(draw(st.floats(0.1, 1.0)) for _ in candidates) if choice == "shares" else ()
        first = plans[candidates[0]].nodes
        flows.append(
            FlowSpec(
                i,
                f"{label}#{i}",
                first[0],
                first[-1],
                draw(st.sampled_from(["AA", "BB"])),
                unit,
                per_hour=draw(st.floats(0.02, 0.6)),
                plans=candidates,
                choice=choice,
                shares=shares,
                arrival=draw(st.sampled_from(["poisson", "scheduled"])),
                batch=draw(st.integers(1, 4)),
                reroute_on_closure=draw(st.booleans()),
            )
        )
    horizon = draw(st.floats(20.0, 150.0))
    drain = draw(st.floats(0.0, 250.0))
    # closures mostly where the flows go: their legs, ferry legs, facilities and ports
    used = sorted(
        {g for f in flows for p in f.plans for g in (*plans[p].legs, *plans[p].nodes[1:-1])}
    )
    ports = sorted({n for f in ferries.values() for n in f.ends})
    targets = draw(st.lists(st.sampled_from(used + sorted(legs) + ports * 2), max_size=4))
    if targets and draw(st.integers(0, 3)) == 0:
        targets.append(targets[0])  # two closures of one gate may overlap
    closures: list[ClosureSpec] = []
    for i, target in enumerate(targets):
        if draw(st.booleans()):
            starts = sorted(draw(st.lists(st.floats(0.0, horizon + 50.0), min_size=1, max_size=3)))
            windows, last = [], -1.0
            for s in starts:
                s = max(s, last + 1.0)  # windows in order, apart
                windows.append((s, s + draw(st.floats(0.5, 60.0))))
                last = windows[-1][1]
            closures.append(ClosureSpec(f"closure {i}", target, windows=tuple(windows)))
        else:
            closures.append(
                ClosureSpec(
                    f"storms {i}",
                    target,
                    events_per_month=draw(st.floats(5.0, 80.0)),
                    mean_duration_h=draw(st.floats(1.0, 40.0)),
                )
            )
    return ModelSpec(
        name="corridor",
        flows=tuple(flows),
        plans=tuple(plans),
        nodes=nodes,
        legs=legs,
        ferries=ferries,
        units=UNITS,
        trains=trains,
        train_overrides=overrides,
        closures=tuple(closures),
        horizon_h=horizon,
        warmup_h=draw(st.floats(0.0, horizon / 2)),
        drain_h=drain,
        queue_sample_h=0.0,
        seed=draw(st.integers(0, 999)),
    )


#: a model and a replication; corridors three times as often as chains
MODELS = st.tuples(st.one_of(chains(), corridors(), corridors(), corridors()), st.integers(0, 3))


#: engine bugs known and not yet fixed (none now): their violations are reported by their own
#: xfail tests, not by every property run; drop an entry once its test passes
KNOWN_ENGINE_BUGS: tuple[str, ...] = ()


def _run(spec: ModelSpec, replication: int = 0) -> World:
    world = World(spec, replication, trace=True)
    world.run()
    return world


def _tally(world: World) -> None:
    """What the model exercised, for ``--hypothesis-show-statistics``."""
    arr, kinds = world.units.arrays(), {k for _, k, _, _ in world.recorder.events}
    event("corridor" if world.spec.name == "corridor" else "chain")
    if EventKind.BLOCKED in kinds:
        event("a closure held cargo")
    if any(
        f.max_load > 0 and f.spec.policy in ("sailing", "after_landing")
        for f in world.formations.values()
    ):
        event("synchronised trains ran")
    if any(line.units_carried for line in world.ferry_lines.values()):
        event("a ferry carried cargo")
    several = {(int(f), int(p)) for f, p in zip(arr["flow"], arr["plan"], strict=True)}
    if len(several) > len({f for f, _ in several}):
        event("a flow took several plans")
    if any(np.isnan(arr["delivery_h"])):
        event("cargo still moving at the end")


def _check(case: tuple[ModelSpec, int]) -> None:
    world = _run(*case)
    _tally(world)
    found = [v for v in violations(world) if not v.startswith(KNOWN_ENGINE_BUGS)]
    assert not found, "\n".join(found[:20])


@settings(max_examples=FAST_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(MODELS)
def test_engine_keeps_its_invariants(case):
    _check(case)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(MODELS)
def test_engine_keeps_its_invariants_on_a_thousand_models(case):
    _check(case)


# -- engine bugs the checks found: minimal examples --------------------------------------------
def _line_wait_into_closure() -> ModelSpec:
    """Wagons at 1 and 2 h on a line admitting one train per 4 h; the line closes 2.5–10 h."""
    return model(
        (flow(1.0, "wagon", arrival="scheduled"),),
        (plan(Segment("rail", ("a", "z"), ("a-z",)), free_flow_h=1.0),),
        legs={"a-z": LegSpec("a-z", "rail", 1.0, headway_h=4.0)},
        trains=TrainSpec(size_slots=1, policy="when_full"),
        closures=(ClosureSpec("works", "a-z", windows=((2.5, 10.0),)),),
        horizon_h=2.5,
    )


def test_a_train_waiting_for_the_line_does_not_leave_into_a_closure():
    world = _run(_line_wait_into_closure())
    ev = world.recorder.events_frame()
    departs = ev.loc[(ev["unit"] == 1) & (ev["kind"] == "depart"), "time_h"].tolist()
    assert departs == [10.0]  # held to the reopening, with the line long free
    assert not violations(world)


def _port_then_line_closed() -> ModelSpec:
    """A wagon at 3 h for a one-vessel ferry p–q; port p closed 2–10 h, the line 5–20 h."""
    return model(
        (flow(1 / 3, "wagon", arrival="scheduled"),),
        (plan(Segment("ferry", ("p", "q"), ("p-q",)), free_flow_h=5.0),),
        legs={"p-q": LegSpec("p-q", "ferry", 5.0)},
        ferries=pq_ferry(capacity_slots=1, policy="when_full"),
        closures=(
            ClosureSpec("port works", "p", windows=((2.0, 10.0),)),
            ClosureSpec("storm", "p-q", windows=((5.0, 20.0),)),
        ),
        horizon_h=4.0,
    )


def test_a_vessel_held_at_a_closed_port_does_not_sail_on_a_closed_line():
    world = _run(_port_then_line_closed())
    ev = world.recorder.events_frame()
    assert ev.loc[ev["kind"] == "sail", "time_h"].tolist() == [20.0]
    assert not violations(world)


# -- the checks can fail: deliberate mutations of the engine -----------------------------------
@dataclass(frozen=True)
class Mutation:
    """A one-line change to an engine method (``old`` source text replaced by ``new``) and the
    property that should catch it."""

    name: str
    owner: type
    method: str
    old: str
    new: str
    catches: str


MUTATIONS = (
    Mutation(
        "ferry loads one slot beyond its deck",
        FerryEnd,
        "take",
        "if load + s > deck + 1e-9:",
        "if load + s > deck + 1.0 + 1e-9:",
        "capacity",
    ),
    Mutation(
        "handoff drops a unit",
        World,
        "handoff",
        "last, table, log = self._last_seg",
        "units = units[:-1] if len(units) > 1 else units\n    last, table, log = self._last_seg",
        "conservation",
    ),
    Mutation(
        "trains ignore closed legs",
        Mover,
        "travel",
        "if gate.closed:",
        "if gate.closed and trip.start is not EventKind.TRAIN_DEPART:",
        "closure",
    ),
    Mutation(
        "ferries ignore a closed line",
        FerryLine,
        "_vessel",
        "while self.gate.closed or port_gate.closed:",
        "while port_gate.closed:",
        "closure",
    ),
    Mutation(
        "vessels land at a closed port",
        FerryLine,
        "_vessel",
        "yield from kernel.pass_gate(kernel.gate(dest), units, consist)",
        "pass",
        "closure",
    ),
    Mutation(
        "facilities ignore closed nodes",
        Mover,
        "travel",
        "if server.gate.closed:",
        "if False:",
        "closure",
    ),
    Mutation(
        "a gate reopens at the end of the first of overlapping closures",
        Gate,
        "open",
        "self.closed -= 1",
        "self.closed = 0",
        "closure",
    ),
    Mutation(
        "one server more than the node has",
        NodeFacility,
        "__init__",
        "capacity=spec.servers",
        "capacity=spec.servers + 1",
        "capacity",
    ),
    Mutation(
        "line admits trains at half the headway",
        LinePath,
        "_hold",
        "timeout(self.headway_h)",
        "timeout(self.headway_h / 2)",
        "capacity",
    ),
    Mutation(
        "train takes a wagon beyond its size",
        Formation,
        "_depart",
        "load + self.queue[0][1] <= self.spec.size_slots + 1e-9",
        "load + self.queue[0][1] <= self.spec.size_slots + 1.0 + 1e-9",
        "capacity",
    ),
    Mutation(
        "one vessel more than the fleet",
        FerryLine,
        "__init__",
        "kernel.start(self._vessel(port, self.delays[i], vessel, self.outages[i]))",
        "kernel.start(self._vessel(port, self.delays[i], vessel, self.outages[i]))\n"
        "        self.ends[port].here.append(vessel)\n"
        "        kernel.start(self._vessel(port, self.delays[i], vessel, self.outages[i]))",
        "capacity",
    ),
    Mutation(
        "train departure loses a wagon",
        Formation,
        "_depart",
        "self.hand_on(units, -1)",
        "self.hand_on(units[1:] if len(units) > 1 else units, -1)",
        "conservation",
    ),
    Mutation(
        "delivery time not recorded",
        World,
        "handoff",
        "table.deliver(done, self.env._now)",
        "pass",
        "conservation",
    ),
    Mutation(
        "formation sends the newest wagon first",
        Formation,
        "_depart",
        "u, s, joined = self.queue.popleft()\n        units.append(u)",
        "u, s, joined = self.queue.pop()\n        units.append(u)",
        "fifo",
    ),
    Mutation(
        "trains wait twice their max wait",
        Formation,
        "_arm",
        "self.queue[0][2] + self.spec.max_wait_h",
        "self.queue[0][2] + 2 * self.spec.max_wait_h",
        "policy",
    ),
    Mutation(
        "scheduled trains ignore their offset",
        Formation,
        "_timetable",
        "(spec.offset_h - env.now) % spec.headway_h",
        "0.0",
        "policy",
    ),
    Mutation(
        "trains meeting landings do not wait for one",
        Formation,
        "accept",
        'policy == "after_landing" and queue and self._due(now)',
        'policy == "after_landing" and queue',
        "policy",
    ),
    Mutation(
        "timetabled ferry sails both ways at the same slots",
        FerryLine,
        "_next_slot",
        "offset = spec.offset_h + (0.0 if end.port == spec.ends[0] else h / 2)",
        "offset = spec.offset_h",
        "policy",
    ),
    Mutation(
        "unloading time not counted as ferry time",
        FerryLine,
        "_vessel",
        "spec.load_h + spec.unload_h)",
        "spec.load_h)",
        "causes",
    ),
    Mutation(
        "line wait not counted",
        LinePath,
        "enter",
        "kernel.units.wait(units, Cause.LINE, env.now - t0)",
        "pass",
        "causes",
    ),
    Mutation(
        "adaptive choice ignores the ferry queues",
        RouteChooser,
        "expected_time",
        "extra += (end.slots / capacity) * cycle",
        "extra += 0.0",
        "choice",
    ),
    Mutation(
        "adaptive choice ignores the queues at facilities",
        RouteChooser,
        "expected_time",
        "extra += waiting * mean_h / n_servers",
        "extra += 0.0",
        "choice",
    ),
    Mutation(
        "rerouting ignores closures",
        RouteChooser,
        "choose",
        "plans = open_ or plans",
        "plans = plans",
        "choice",
    ),
)


@contextmanager
def mutant(m: Mutation) -> Iterator[None]:
    """The engine with ``m`` applied, for the duration of the block: the method's source with
    ``m.old`` replaced by ``m.new``, compiled in the method's own module."""
    original = getattr(m.owner, m.method)
    source = textwrap.dedent(inspect.getsource(original))
    assert source.count(m.old) == 1, f"{m.name}: {m.old!r} not found once in {m.method}"
    namespace: dict[str, object] = {}
    module = sys.modules[original.__module__]
    code = compile(source.replace(m.old, m.new), f"<mutant: {m.name}>", "exec")
    exec(code, module.__dict__, namespace)
    setattr(m.owner, m.method, namespace[m.method])
    try:
        yield
    finally:
        setattr(m.owner, m.method, original)


def _closed_junction() -> ModelSpec:
    """A truck at 10 h through junction b, which has no facility; b is closed 5–20 h."""
    return model(
        (flow(0.1, "truck", arrival="scheduled"),),
        (plan(Segment("road", ("a", "b", "z"), ("a-b", "b-z")), free_flow_h=2.0),),
        legs={"a-b": LegSpec("a-b", "road", 1.0), "b-z": LegSpec("b-z", "road", 1.0)},
        closures=(ClosureSpec("closed", "b", windows=((5.0, 20.0),)),),
        horizon_h=15.0,
    )


def test_a_closed_node_without_a_facility_holds_the_cargo_passing_it():
    world = _run(_closed_junction())
    ev = world.recorder.events_frame()
    assert ev.loc[ev["kind"] == "depart", "time_h"].tolist() == [10.0, 20.0]
    assert not violations(world)


# the checker catches each mutation on a hand-built model the unmutated engine runs cleanly
def _ferry_overload() -> ModelSpec:
    """Three wagons at 3 h for a two-slot deck."""
    return model(
        (flow(1.0, "wagon", arrival="scheduled", batch=3),),
        (plan(Segment("ferry", ("p", "q"), ("p-q",)), free_flow_h=5.0),),
        legs={"p-q": LegSpec("p-q", "ferry", 5.0)},
        ferries=pq_ferry(capacity_slots=2, policy="when_full"),
        horizon_h=4.0,
    )


def _train_then_road() -> ModelSpec:
    """Trains of two wagons a → b, then by road to z."""
    return model(
        (flow(1.0, "wagon", arrival="scheduled", batch=3),),
        (
            plan(
                Segment("rail", ("a", "b"), ("a-b",)),
                Segment("road", ("b", "z"), ("b-z",)),
                free_flow_h=3.0,
            ),
        ),
        legs={"a-b": LegSpec("a-b", "rail", 2.0), "b-z": LegSpec("b-z", "road", 1.0)},
        trains=TrainSpec(size_slots=2, policy="max_wait", max_wait_h=4.0),
        horizon_h=6.0,
    )


def _port_closed_on_arrival() -> ModelSpec:
    """A wagon sails p → q at 1 h (5 h crossing); q is closed 3–20 h."""
    return model(
        (flow(1.0, "wagon", arrival="scheduled"),),
        (plan(Segment("ferry", ("p", "q"), ("p-q",)), free_flow_h=5.0),),
        legs={"p-q": LegSpec("p-q", "ferry", 5.0)},
        ferries=pq_ferry(capacity_slots=1, policy="when_full"),
        closures=(ClosureSpec("storm", "q", windows=((3.0, 20.0),)),),
        horizon_h=1.5,
    )


def _adaptive_ferry_or_road() -> ModelSpec:
    """A wagon an hour, adaptively by a weekly-ish ferry (10 h) or by road (15 h): once enough
    cargo waits on the quay, the road is quicker."""
    ferry = Plan(0, "by sea", (Segment("ferry", ("a", "z"), ("a-z",)),), 8.0, expected_h=10.0)
    road = Plan(1, "by road", (Segment("road", ("a", "z"), ("a~z",)),), 15.0, expected_h=15.0)
    return model(
        (flow(1.0, "wagon", arrival="scheduled", plans=(0, 1), choice="adaptive"),),
        (ferry, road),
        legs={
            "a-z": LegSpec("a-z", "ferry", 10.0, delay_cv=0.2),
            "a~z": LegSpec("a~z", "road", 15.0),
        },
        ferries={
            "a-z": FerrySpec(
                "a-z", ("a", "z"), 1, 50.0, 0.0, 0.0, "timetable", headway_h=100.0, offset_h=50.0
            )
        },
        horizon_h=40.0,
    )


def _adaptive_border_or_road() -> ModelSpec:
    """A truck an hour, adaptively through a one-lane border (10 h a truck) or round it by road
    (15 h): once trucks queue at the border, the road is quicker."""
    border = Plan(
        0, "via b", (Segment("road", ("a", "b", "z"), ("a-b", "b-z")),), 2.0, expected_h=12.0
    )
    road = Plan(1, "by road", (Segment("road", ("a", "z"), ("a~z",)),), 15.0, expected_h=15.0)
    return model(
        (flow(1.0, "truck", arrival="scheduled", plans=(0, 1), choice="adaptive"),),
        (border, road),
        legs={
            "a-b": LegSpec("a-b", "road", 1.0),
            "b-z": LegSpec("b-z", "road", 1.0),
            "a~z": LegSpec("a~z", "road", 15.0),
        },
        nodes={"b": NodeSpec("b", "border", 1, 10.0, handling_cv=0.1)},
        horizon_h=40.0,
    )


HAND_BUILT = {
    "adaptive choice ignores the queues at facilities": _adaptive_border_or_road,
    "ferry loads one slot beyond its deck": _ferry_overload,
    "train takes a wagon beyond its size": _train_then_road,
    "handoff drops a unit": _train_then_road,
    "vessels land at a closed port": _port_closed_on_arrival,
    "adaptive choice ignores the ferry queues": _adaptive_ferry_or_road,
}


@pytest.mark.parametrize("name", sorted(HAND_BUILT))
def test_the_checks_catch_a_mutated_engine_on_a_tiny_model(name):
    m = next(m for m in MUTATIONS if m.name == name)
    spec = HAND_BUILT[name]()
    assert not violations(_run(spec))
    with mutant(m):
        found = violations(_run(spec))
    assert any(v.startswith(f"{m.catches}:") for v in found), found


#: found by the search when this file runs alone, but not in every full-suite run (not yet
#: explained); caught deterministically by its hand-built model above
SEARCH_UNRELIABLE = {"adaptive choice ignores the queues at facilities"}


@pytest.mark.slow
@pytest.mark.parametrize(
    "m", [m for m in MUTATIONS if m.name not in SEARCH_UNRELIABLE], ids=lambda m: m.name
)
def test_the_properties_find_a_model_that_a_mutated_engine_breaks(m):
    """Among the property's generated models (no more than the slow run tries), one breaks the
    property ``m.catches`` once the engine is mutated."""

    def broken(case: tuple[ModelSpec, int]) -> bool:
        found = violations(_run(*case), limit=10**6)
        return any(v.startswith(f"{m.catches}:") for v in found)

    search = settings(
        max_examples=SLOW_EXAMPLES,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    with mutant(m):
        find(MODELS, broken, settings=search)
