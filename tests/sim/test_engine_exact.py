"""Exact event logs of single units on tiny hand-built models."""

from __future__ import annotations

import math

import pytest

from sim.engine.model import LegSpec, NodeSpec, Plan, Segment, TrainSpec
from sim.engine.records import EventKind
from sim.engine.world import World

from .specs import flow, model, plan, pq_ferry


def _log(world: World) -> list[tuple[float, str, str]]:
    ev = world.recorder.events_frame()
    return [
        (round(t, 9), k, p) for t, k, p in ev[["time_h", "kind", "place"]].itertuples(index=False)
    ]


def test_one_truck_one_border_exact_log():
    # one truck released at t=10 (scheduled, one per 10 h, horizon 15 h)
    spec = model(
        (flow(0.1, "truck", arrival="scheduled"),),
        (plan(Segment("road", ("a", "b", "z"), ("a-b", "b-z")), free_flow_h=3.0),),
        nodes={"b": NodeSpec("b", "border", servers=1, handling_mean_h=3.0, handling_cv=0.0)},
        legs={"a-b": LegSpec("a-b", "road", 2.0), "b-z": LegSpec("b-z", "road", 1.0)},
        horizon_h=15.0,
    )
    w = World(spec, trace=True)
    w.run()
    assert _log(w) == [
        (10.0, "release", "a"),
        (10.0, "depart", "a-b"),
        (12.0, "arrive", "b"),
        (12.0, "queue", "b from a"),
        (12.0, "service_start", "b from a"),
        (15.0, "service_end", "b from a"),
        (15.0, "depart", "b-z"),
        (16.0, "arrive", "z"),
        (16.0, "deliver", "z"),
    ]
    arr = w.units.arrays()
    assert arr["border_h"].tolist() == [3.0]
    assert arr["running_h"].tolist() == [3.0]
    assert arr["delivery_h"].tolist() == [16.0]


def test_two_trucks_queue_at_single_lane_border():
    # trucks at t=10 and t=20; handling 15 h on one lane: the second waits 5 h
    spec = model(
        (flow(0.1, "truck", arrival="scheduled"),),
        (plan(Segment("road", ("a", "b", "z"), ("a-b", "b-z"))),),
        nodes={"b": NodeSpec("b", "border", servers=1, handling_mean_h=15.0, handling_cv=0.0)},
        legs={"a-b": LegSpec("a-b", "road", 0.0), "b-z": LegSpec("b-z", "road", 0.0)},
        horizon_h=25.0,
    )
    w = World(spec, trace=True)
    w.run()
    arr = w.units.arrays()
    assert arr["border_h"].tolist() == [15.0, 20.0]
    assert arr["delivery_h"].tolist() == [25.0, 40.0]
    mon = w.facility("b", "a").monitor
    # within the statistics window [0, 25]: truck 1 served 10-25, truck 2 queued 20-25
    assert (mon.area_busy, mon.area_queue, mon.customers, mon.max_queue) == (15.0, 5.0, 1, 1)


def test_one_wagon_train_ferry_port_train_exact_log():
    # wagon released at t=1; train leaves after max wait 5 h; timetabled ferry at t=24;
    # load 2, sail 10, unload 3; port q handles 4 h; second train after 5 h; 6 h to z
    spec = model(
        (flow(1.0, "wagon", arrival="scheduled"),),
        (
            plan(
                Segment("rail", ("a", "p"), ("a-p",)),
                Segment("ferry", ("p", "q"), ("p-q",)),
                Segment("rail", ("q", "z"), ("q-z",)),
                free_flow_h=19.0,
            ),
        ),
        nodes={"q": NodeSpec("q", "port", servers=1, handling_mean_h=4.0, handling_cv=0.0)},
        legs={
            "a-p": LegSpec("a-p", "rail", 3.0),
            "p-q": LegSpec("p-q", "ferry", 10.0),
            "q-z": LegSpec("q-z", "rail", 6.0),
        },
        ferries=pq_ferry(
            capacity_slots=50, load_h=2.0, unload_h=3.0, policy="timetable", headway_h=24.0
        ),
        trains=TrainSpec(size_slots=57, policy="max_wait", max_wait_h=5.0),
        horizon_h=1.5,
    )
    w = World(spec, trace=True)
    w.run()
    assert _log(w) == [
        (1.0, "release", "a"),
        (1.0, "join_formation", "a>p"),
        (6.0, "train_depart", "a"),
        (6.0, "depart", "a-p"),
        (9.0, "arrive", "p"),
        (9.0, "join_ferry", "p-q"),
        (26.0, "sail", "p-q"),
        (39.0, "land", "p-q"),
        (39.0, "queue", "q"),
        (39.0, "service_start", "q"),
        (43.0, "service_end", "q"),
        (43.0, "join_formation", "q>z"),
        (48.0, "train_depart", "q"),
        (48.0, "depart", "q-z"),
        (54.0, "arrive", "z"),
        (54.0, "deliver", "z"),
    ]
    arr = w.units.arrays()
    assert arr["formation_h"][0] == pytest.approx(10.0)
    assert arr["ferry_h"][0] == pytest.approx(15.0 + 2.0 + 3.0)
    assert arr["port_h"][0] == pytest.approx(4.0)
    assert arr["running_h"][0] == pytest.approx(19.0)
    assert arr["delivery_h"][0] == pytest.approx(54.0)


def test_train_leaves_when_full_before_max_wait():
    # 4 wagons per hour, trains of 4: each train leaves at its 4th wagon
    spec = model(
        (flow(4.0, "wagon", arrival="scheduled", batch=4),),
        (plan(Segment("rail", ("a", "z"), ("a-z",))),),
        legs={"a-z": LegSpec("a-z", "rail", 1.0)},
        trains=TrainSpec(size_slots=4, policy="max_wait", max_wait_h=100.0),
        horizon_h=2.5,
    )
    w = World(spec, trace=True)
    w.run()
    arr = w.units.arrays()
    assert arr["delivery_h"].tolist() == [2.0] * 4 + [3.0] * 4
    assert arr["formation_h"].tolist() == [0.0] * 8


def test_closed_border_holds_then_releases_and_counts_disruption():
    from sim.engine.model import ClosureSpec

    spec = model(
        (flow(0.1, "truck", arrival="scheduled"),),
        (plan(Segment("road", ("a", "b", "z"), ("a-b", "b-z"))),),
        nodes={"b": NodeSpec("b", "border", servers=1, handling_mean_h=1.0, handling_cv=0.0)},
        legs={"a-b": LegSpec("a-b", "road", 1.0), "b-z": LegSpec("b-z", "road", 1.0)},
        closures=(ClosureSpec("storm", "b", windows=((5.0, 30.0),)),),
        horizon_h=15.0,
    )
    w = World(spec, trace=True)
    w.run()
    arr = w.units.arrays()
    # released 10, reaches b at 11, waits to 30, served to 31, arrives 32
    assert arr["disruption_h"].tolist() == [19.0]
    assert arr["delivery_h"].tolist() == [32.0]
    kinds = [k for _, k, _ in _log(w)]
    assert "blocked" in kinds and "unblocked" in kinds
    assert w.closure_log == [("storm", "b", 5.0, 30.0)]


def test_unit_still_moving_at_end_is_reported_not_dropped():
    spec = model(
        (flow(0.1, "truck", arrival="scheduled"),),
        (plan(Segment("road", ("a", "z"), ("a-z",))),),
        legs={"a-z": LegSpec("a-z", "road", 500.0)},
        horizon_h=25.0,
        drain_h=10.0,
    )
    w = World(spec)
    w.run()
    arr = w.units.arrays()
    assert len(arr["release_h"]) == 2
    assert all(v != v for v in arr["delivery_h"])  # NaN: in transit


def test_event_kinds_are_an_enum():
    assert EventKind.SAIL.name == "SAIL"


def test_ferry_too_small_for_a_unit_is_refused():
    spec = model(
        (flow(1.0, "wagon"),),
        (plan(Segment("ferry", ("p", "q"), ("p-q",))),),
        legs={"p-q": LegSpec("p-q", "ferry", 1.0)},
        ferries=pq_ferry(capacity_slots=1.5, policy="when_full", load_factor=0.5),
        horizon_h=10.0,
    )
    with pytest.raises(
        ValueError, match=r"= 0.75 slots cannot take one unit of the demand \(1 slots\)"
    ):
        World(spec)


def test_late_timetabled_vessel_sails_at_once_instead_of_a_slot_later():
    # slots every 24 h: at p from 0, at q from 12. One vessel at p sails at 24 for cargo waiting
    # at q, takes 13 h, so it reaches q an hour after q's slot of 36: it sails back at once (37)
    spec = model(
        (flow(1.0, "wagon", arrival="scheduled"),),
        (plan(Segment("ferry", ("q", "p"), ("p-q",))),),
        legs={"p-q": LegSpec("p-q", "ferry", 13.0)},
        ferries=pq_ferry(capacity_slots=10, policy="timetable", headway_h=24.0),
        horizon_h=1.5,
    )
    w = World(spec)
    w.run()
    assert w.units.arrays()["delivery_h"].tolist() == [50.0]


def test_ferry_max_wait_counts_from_the_oldest_cargo_not_the_idle_vessel():
    # the vessel has idled since 0; the only unit arrives at 100 and waits its 10 h
    spec = model(
        (flow(0.01, "wagon", arrival="scheduled"),),
        (plan(Segment("ferry", ("p", "q"), ("p-q",))),),
        legs={"p-q": LegSpec("p-q", "ferry", 5.0)},
        ferries=pq_ferry(capacity_slots=50, policy="max_wait", max_wait_h=10.0),
        horizon_h=150.0,
    )
    w = World(spec)
    w.run()
    arr = w.units.arrays()
    assert arr["ferry_h"].tolist() == [10.0]
    assert arr["delivery_h"].tolist() == [115.0]


def test_random_closures_keep_their_rate_while_one_is_in_force():
    # 7 closures a month of mean 3 days, independent: closed 1 - exp(-7 x 3 / 30.4) = 50 % of
    # the time (the share of time at least one is in force), over 30 simulated years
    from sim.engine.model import ClosureSpec

    hours = 30 * 8760.0
    spec = model(
        (),
        (),
        legs={},
        closures=(ClosureSpec("storms", "p-q", events_per_month=7.0, mean_duration_h=72.0),),
        horizon_h=hours,
        drain_h=0.0,
    )
    w = World(spec)
    w.run()
    intervals = sorted((s, e) for _n, _t, s, e in w.closure_log)
    closed, end = 0.0, 0.0
    for s, e in intervals:  # length of the union of the closures
        s, e = max(s, end), min(e, hours)
        if e > s:
            closed += e - s
        end = max(end, e)
    expected = 1 - math.exp(-7 * 72 / (365 * 24 / 12))
    assert closed / hours == pytest.approx(expected, abs=0.02)


def test_server_statistics_equal_what_the_event_log_gives():
    """A busy border with a warm-up: the monitor's integrals and counts (kept inline on the hot
    path for customers wholly inside the window, by Monitor.customer otherwise) equal those
    recomputed from every truck's queue, service-start and service-end times."""
    warm, horizon = 40.0, 200.0
    spec = model(
        (flow(0.6, "truck"),),
        (plan(Segment("road", ("a", "b", "z"), ("a-b", "b-z"))),),
        nodes={"b": NodeSpec("b", "border", servers=2, handling_mean_h=3.0, handling_cv=0.5)},
        legs={"a-b": LegSpec("a-b", "road", 1.0), "b-z": LegSpec("b-z", "road", 1.0)},
        horizon_h=horizon,
        warmup_h=warm,
        drain_h=500.0,
    )
    w = World(spec, replication=3, trace=True)
    w.run()
    ev = w.recorder.events_frame()
    at_b = ev[ev["place"] == "b from a"].pivot(index="unit", columns="kind", values="time_h")
    t1, t2, t3 = at_b["queue"], at_b["service_start"], at_b["service_end"]
    inside = (t1 >= warm) & (t3 <= horizon)
    assert inside.sum() > 50 and (~inside).sum() > 5  # both ways of accounting are exercised
    queued = (t2.clip(upper=horizon) - t1.clip(lower=warm)).clip(lower=0).sum()
    served = (t3.clip(upper=horizon) - t2.clip(lower=warm)).clip(lower=0).sum()
    counted = (t3 >= warm) & (t3 <= horizon)
    mon = w.facility("b", "a").monitor
    assert mon.area_queue == pytest.approx(queued, rel=1e-12)
    assert mon.area_busy == pytest.approx(served, rel=1e-12)
    assert mon.customers == mon.units == counted.sum()
    assert mon.wait_sum == pytest.approx((t2 - t1)[counted].sum(), rel=1e-12)
    assert mon.area_queue > 0


def _sync_model(meets_max_wait_h: float, *, horizon_h: float = 1.5):
    """A wagon a -> p (rail, trains timed to the p-q sailings), p -> q timetabled ferry
    (every 24 h), q -> z (rail, trains meeting the landings); a second flow a -> p only."""
    feeds = Segment("rail", ("a", "p"), ("a-p",), sync="feeds p-q")
    meets = Segment("rail", ("q", "z"), ("q-z",), sync="meets ferries at q")
    through = plan(feeds, Segment("ferry", ("p", "q"), ("p-q",)), meets)
    local = Plan(1, "a→p", (Segment("rail", ("a", "p"), ("a-p",)),), free_flow_h=3.0)
    return model(
        (
            flow(1.0, "wagon", arrival="scheduled"),
            flow(1.0, "wagon", arrival="scheduled", plans=(1,), label="local"),
        ),
        (through, local),
        nodes={"q": NodeSpec("q", "port", servers=1, handling_mean_h=4.0, handling_cv=0.0)},
        legs={
            "a-p": LegSpec("a-p", "rail", 3.0),
            "p-q": LegSpec("p-q", "ferry", 10.0),
            "q-z": LegSpec("q-z", "rail", 6.0),
        },
        ferries=pq_ferry(
            capacity_slots=50, load_h=2.0, unload_h=3.0, policy="timetable", headway_h=24.0
        ),
        trains=TrainSpec(size_slots=57, policy="max_wait", max_wait_h=5.0),
        train_overrides={
            (("a-p",), "feeds p-q"): TrainSpec(
                size_slots=57, policy="sailing", max_wait_h=30.0, headway_h=24.0, offset_h=5.0
            ),
            (("q-z",), "meets ferries at q"): TrainSpec(
                size_slots=57, policy="after_landing", max_wait_h=meets_max_wait_h, headway_h=24.0
            ),
        },
        horizon_h=horizon_h,
    )


def test_synchronised_trains_leave_at_the_sailing_slot_and_right_after_the_landing():
    # feeding train: slots at 5, 29, 53 …; at 5 the wagon (joined at 1) could still wait for
    # the next slot (4 + 24 < 30 h), at 29 it could not (28 + 24 >= 30): it leaves at 29,
    # reaches p at 32 and sails at the 48 h slot (+2 h loading). Landed and cleared at q by
    # 67, it meets a train at once: waiting 24 h for the next landing would pass 20 h.
    w = World(_sync_model(meets_max_wait_h=20.0), trace=True)
    w.run()
    ev = w.recorder.events_frame()
    through = [
        (round(t, 9), k, p)
        for t, k, p in ev.loc[ev["unit"] == 0, ["time_h", "kind", "place"]].itertuples(index=False)
    ]
    assert through == [
        (1.0, "release", "a"),
        (1.0, "join_formation", "a>p (feeds p-q)"),
        (29.0, "train_depart", "a"),
        (29.0, "depart", "a-p"),
        (32.0, "arrive", "p"),
        (32.0, "join_ferry", "p-q"),
        (50.0, "sail", "p-q"),
        (63.0, "land", "p-q"),
        (63.0, "queue", "q"),
        (63.0, "service_start", "q"),
        (67.0, "service_end", "q"),
        (67.0, "join_formation", "q>z (meets ferries at q)"),
        (67.0, "train_depart", "q"),
        (67.0, "depart", "q-z"),
        (73.0, "arrive", "z"),
        (73.0, "deliver", "z"),
    ]
    # the wagon that only goes a -> p keeps the common formation (max wait 5 h)
    arr = w.units.arrays()
    assert arr["delivery_h"].tolist() == [73.0, 9.0]
    assert sorted(k[2] for k in w.formations) == ["", "feeds p-q", "meets ferries at q"]


def test_train_meeting_landings_waits_for_the_next_landing_within_its_max_wait():
    # with a 30 h maximum the landed wagon (joined at 67) can wait for the next landing (67 +
    # 24 = 91 h); none comes, so the backstop sends it when its 30 h run out, at 97 h
    w = World(_sync_model(meets_max_wait_h=30.0), trace=True)
    w.run()
    departs = [t for t, k, p in _log(w) if k == "train_depart" and p == "q"]
    assert departs == [97.0]
    assert w.units.arrays()["formation_h"][0] == pytest.approx(28.0 + 30.0)
