"""The engine against queueing theory: M/M/c (Erlang C) and batch-service ferries."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.model import LegSpec, NodeSpec, Segment
from sim.engine.world import World
from sim.runs.bench import erlang_c_wait  # the one Erlang C (the benchmark checks against it too)

from .specs import flow, model, plan, pq_ferry


def test_erlang_c_reference_value():
    # M/M/1: Wq = rho / (mu - lam)
    assert erlang_c_wait(0.5, 1.0, 1) == pytest.approx(1.0)
    # M/M/2 with a = 1: P(wait) = 1/3, Wq = 1/3 / (2 - 1) = 1/3
    assert erlang_c_wait(1.0, 1.0, 2) == pytest.approx(1 / 3)


@pytest.mark.parametrize(("lam", "c"), [(0.7, 1), (2.1, 3)])
def test_border_matches_erlang_c(lam: float, c: int):
    """Poisson trucks through one border with c lanes and exponential clearance (mean 1 h).

    Tolerance: 5 % on the mean time at the border (W = Wq + 1), 2 % on utilisation, 12 % on
    the time-weighted queue, with ~100 000 trucks (standard error of W about 1 %).
    """
    mu = 1.0
    horizon = 100_000 / lam
    spec = model(
        (flow(lam, "truck"),),
        (plan(Segment("road", ("a", "b", "z"), ("a-b", "b-z"))),),
        nodes={"b": NodeSpec("b", "border", servers=c, handling_mean_h=1 / mu, handling_cv=1.0)},
        legs={"a-b": LegSpec("a-b", "road", 0.5), "b-z": LegSpec("b-z", "road", 0.5)},
        horizon_h=horizon,
        warmup_h=500.0,
        seed=7,
    )
    w = World(spec)
    w.run()
    arr = w.units.arrays()
    keep = (arr["release_h"] >= 500.0) & ~np.isnan(arr["delivery_h"])
    wq = erlang_c_wait(lam, mu, c)
    assert arr["border_h"][keep].mean() == pytest.approx(wq + 1 / mu, rel=0.05)
    mon = w.facility("b", "a").monitor
    span = horizon - 500.0  # the monitor integrates from the warm-up to the horizon
    assert mon.area_busy / span / c == pytest.approx(lam / mu / c, rel=0.02)
    assert mon.area_queue / span == pytest.approx(lam * wq, rel=0.12)


def _ferry_model(policy: str, *, capacity: float, lam: float, headway: float | None = None):
    return model(
        (flow(lam, "wagon"),),
        (plan(Segment("ferry", ("p", "q"), ("p-q",))),),
        legs={"p-q": LegSpec("p-q", "ferry", 1.0)},
        ferries=pq_ferry(
            vessels=4000 if policy == "when_full" else 4,
            capacity_slots=capacity,
            policy=policy,
            headway_h=headway,
        ),
        horizon_h=60_000 / lam,
        warmup_h=200.0,
        seed=11,
    )


def test_ferry_leave_when_full_matches_batch_formula():
    """A vessel always waiting and leaving when its K slots are full: the j-th of K units waits
    K - j inter-arrival times, so the mean wait is (K - 1) / (2 lambda)."""
    K, lam = 20, 0.5
    w = World(_ferry_model("when_full", capacity=K, lam=lam))
    w.run()
    arr = w.units.arrays()
    keep = (arr["release_h"] >= 200.0) & ~np.isnan(arr["delivery_h"])
    assert arr["ferry_h"][keep].mean() == pytest.approx((K - 1) / (2 * lam), rel=0.03)
    assert w.ferry_lines["p-q"].max_load <= K


def test_ferry_timetable_mean_wait_is_half_the_headway():
    """Poisson arrivals to a timetabled line with room for all: mean wait H / 2."""
    H = 24.0
    w = World(_ferry_model("timetable", capacity=1e9, lam=0.5, headway=H))
    w.run()
    arr = w.units.arrays()
    keep = (arr["release_h"] >= 200.0) & ~np.isnan(arr["delivery_h"])
    assert arr["ferry_h"][keep].mean() == pytest.approx(H / 2, rel=0.03)
    # every unit sails: transit = wait + 1 h sailing exactly
    transit = arr["delivery_h"][keep] - arr["release_h"][keep]
    assert np.allclose(transit, arr["ferry_h"][keep] + 1.0)


def test_ferry_timetable_with_limited_room_carries_at_most_capacity():
    """Room for 10 per sailing, 12 arrivals per headway on average: queues build, every deck is
    within capacity, and the line carries no more than 10 per sailing."""
    w = World(_ferry_model("timetable", capacity=10, lam=0.5, headway=24.0))
    w.run()
    line = w.ferry_lines["p-q"]
    assert line.max_load <= 10
    assert line.units_carried <= 10 * line.sailings
