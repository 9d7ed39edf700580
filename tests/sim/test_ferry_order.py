"""Ferry queues: a train's units are loaded in release order whatever their routes; each vessel
has its own stream of crossing delays; departures are counted by reason."""

from __future__ import annotations

import dataclasses

import numpy as np

from sim.engine.model import LegSpec, Segment, TrainSpec
from sim.engine.world import World

from .specs import flow, model, plan, pq_ferry


def test_a_trains_units_board_in_release_order_not_route_by_route():
    # units 0 (route 0, t=2), 1 (route 1, t=3), 2 (route 0, t=4) leave in one train at 7 (max
    # wait 5 h from the first) and reach the quay at 8 together; the deck takes two: units 0
    # and 1 sail at once, unit 2 takes the next sailing (the vessel, sent back because cargo
    # waits at p, is there at 28 and leaves at once: its oldest cargo has waited the 20 h
    # maximum). Handed on route by route, units 0 and 2 would have sailed first.
    rail = Segment("rail", ("a", "p"), ("a-p",))
    ferry = Segment("ferry", ("p", "q"), ("p-q",))
    to_q = plan(rail, ferry)
    to_y = dataclasses.replace(plan(rail, ferry, Segment("rail", ("q", "y"), ("q-y",))), index=1)
    f0 = flow(0.5, "wagon", arrival="scheduled")
    f1 = dataclasses.replace(
        flow(1 / 3, "wagon", arrival="scheduled", label="g"), index=1, plans=(1,)
    )

    spec = model(
        (f0, f1),
        (to_q, to_y),
        legs={
            "a-p": LegSpec("a-p", "rail", 1.0),
            "p-q": LegSpec("p-q", "ferry", 10.0),
            "q-y": LegSpec("q-y", "rail", 1.0),
        },
        ferries=pq_ferry(capacity_slots=2, policy="max_wait", max_wait_h=20.0),
        trains=TrainSpec(size_slots=57, policy="max_wait", max_wait_h=5.0),
        horizon_h=4.5,
    )
    w = World(spec)
    w.run()
    arr = w.units.arrays()
    assert arr["release_h"].tolist() == [2.0, 3.0, 4.0]
    assert arr["ferry_h"].tolist() == [0.0, 0.0, 20.0]
    assert arr["delivery_h"].tolist() == [18.0, 24.0, 38.0]  # unit 1: train q-y at 23


def test_each_vessel_draws_its_own_crossing_delays_whatever_the_fleet():
    def delays(vessels: int) -> list[list[float]]:
        spec = model(
            (flow(0.1, "wagon"),),
            (plan(Segment("ferry", ("p", "q"), ("p-q",))),),
            legs={"p-q": LegSpec("p-q", "ferry", 10.0, delay_cv=0.3)},
            ferries=pq_ferry(vessels=vessels, capacity_slots=5, policy="when_full"),
            horizon_h=10.0,
        )
        line = World(spec).ferry_lines["p-q"]
        return [[d() for _ in range(5)] for d in line.delays]

    one, three = delays(1), delays(3)
    assert one[0] == three[0]  # vessel 0 meets the same weather with or without the others
    assert three[0] != three[1] != three[2]
    assert np.mean(three) > 0


def test_departures_are_counted_by_reason():
    # one vessel, 4 wagon slots, a wagon every hour at p: the vessel leaves p full at 4, 8, ...
    # 96 (24 departures of 4 slots) and q empty at once each time because cargo waits at p
    spec = model(
        (flow(1.0, "wagon", arrival="scheduled"),),
        (plan(Segment("ferry", ("p", "q"), ("p-q",))),),
        legs={"p-q": LegSpec("p-q", "ferry", 0.5)},
        ferries=pq_ferry(capacity_slots=4, policy="when_full"),
        horizon_h=100.0,
    )
    w = World(spec)
    w.run()
    p, q = w.ferry_lines["p-q"].ends["p"], w.ferry_lines["p-q"].ends["q"]
    assert p.departures == {"full": 24, "max_wait": 0, "needed": 0, "timetable": 0}
    assert p.departed_slots["full"] == 96.0
    assert q.departures == {"full": 0, "max_wait": 0, "needed": 24, "timetable": 0}
    assert q.departed_slots["needed"] == 0.0


def test_a_landings_units_fill_trains_in_release_order_not_route_by_route():
    # units 0 (route 0, t=2), 1 (route 1, t=3), 2 (route 0, t=4) fill the 3-slot vessel at 4,
    # land at q at 14 and enter the q>z formation together (both routes take the same rail
    # segment q-z; route 1 goes on by road to y). Trains of two wagons: units 0 and 1 leave at
    # once, unit 2 after its 5 h maximum wait. Handed on route by route, route 0's units 0 and
    # 2 would have filled the first train and unit 1 waited.
    ferry = Segment("ferry", ("p", "q"), ("p-q",))
    rail = Segment("rail", ("q", "z"), ("q-z",))
    to_z = plan(ferry, rail)
    to_y = dataclasses.replace(plan(ferry, rail, Segment("road", ("z", "y"), ("z-y",))), index=1)
    f0 = flow(0.5, "wagon", arrival="scheduled")
    f1 = dataclasses.replace(
        flow(1 / 3, "wagon", arrival="scheduled", label="g"), index=1, plans=(1,)
    )
    spec = model(
        (f0, f1),
        (to_z, to_y),
        legs={
            "p-q": LegSpec("p-q", "ferry", 10.0),
            "q-z": LegSpec("q-z", "rail", 1.0),
            "z-y": LegSpec("z-y", "road", 1.0),
        },
        ferries=pq_ferry(capacity_slots=3, policy="when_full"),
        trains=TrainSpec(size_slots=2, policy="max_wait", max_wait_h=5.0),
        horizon_h=4.5,
    )
    w = World(spec)
    w.run()
    arr = w.units.arrays()
    assert arr["release_h"].tolist() == [2.0, 3.0, 4.0]
    assert arr["delivery_h"].tolist() == [15.0, 16.0, 20.0]
    assert arr["formation_h"].tolist() == [0.0, 0.0, 5.0]
