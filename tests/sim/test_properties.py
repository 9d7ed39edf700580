"""Properties of the engine on random small models (hypothesis)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import FerrySpec, LegSpec, NodeSpec, Segment, TrainSpec
from sim.records import Cause, EventKind
from sim.world import World

from .specs import flow, model, plan


@st.composite
def chains(draw):
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_engine_invariants(spec):
    w = World(spec, trace=True)
    w.run()
    arr = w.recorder.unit_arrays()
    n = len(arr["release_h"])
    n_legs = len(spec.plans[0].legs)
    delivered = ~np.isnan(arr["delivery_h"])
    # no unit lost: every released unit is delivered or still on its way, never both
    released_units = [
        u for (_, k, c, _) in w.recorder.events if k == 0 for u in w.recorder.consists[c]
    ]
    assert sorted(released_units) == list(range(n))
    assert int(delivered.sum()) + int((~delivered).sum()) == n
    assert (arr["legs_done"][delivered] == n_legs).all()
    assert (arr["legs_done"][~delivered] <= n_legs).all()
    # times: transit = running + every dwell, and never shorter than the free-flow time
    transit = arr["delivery_h"][delivered] - arr["release_h"][delivered]
    dwell = sum(arr[f"{c.name.lower()}_h"][delivered] for c in Cause)
    assert np.allclose(transit, arr["running_h"][delivered] + dwell, atol=1e-6)
    assert (transit >= spec.plans[0].free_flow_h - 1e-6).all()
    for c in Cause:
        assert (arr[f"{c.name.lower()}_h"] >= -1e-9).all()
    # event times never decrease for a unit
    last: dict[int, float] = defaultdict(float)
    for t, _k, c, _p in w.recorder.events:
        for u in w.recorder.consists[c]:
            assert t >= last[u] - 1e-9
            last[u] = t
    # capacity never exceeded
    # from the event log, independently of the facilities' own bookkeeping
    servers = {fac.name: fac.spec.servers for fac in w.node_fac.values()}
    busy: dict[str, int] = defaultdict(int)
    for _t, kind, _c, place in w.recorder.events:
        if kind == EventKind.SERVICE_START:
            busy[place] += 1
            assert busy[place] <= servers[place]
        elif kind == EventKind.SERVICE_END:
            busy[place] -= 1
    for line in w.ferry_lines.values():
        assert line.max_load <= line.capacity + 1e-9
    for form in w.formations.values():
        assert form.max_load <= max(form.spec.size_slots, 1.0) + 1e-9
    for path in w.paths.values():
        assert path.monitor.max_busy <= 1
