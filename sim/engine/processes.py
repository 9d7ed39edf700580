"""The processes that drive a run from outside the facilities: demand sources, closures and
queue sampling.

Each is a generator run as a SimPy process by :class:`~sim.engine.world.World`; they touch the run
through the :class:`~sim.engine.kernel.Kernel` and the callbacks they are given.

Examples
--------
>>> import simpy
>>> from sim.engine.kernel import Kernel
>>> from sim.engine.model import ClosureSpec
>>> from sim.engine.records import Recorder
>>> from sim.engine.units import UnitTable
>>> k = Kernel(simpy.Environment(), UnitTable(), Recorder(trace=False), 0.0, 100.0)
>>> log = []
>>> k.start(closure(k, ClosureSpec("works", "a-b", windows=((5.0, 8.0),)), None, 100.0, log))
>>> k.env.run()
>>> log
[('works', 'a-b', 5.0, 8.0)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from sim.engine.gates import Gate
from sim.engine.kernel import Kernel, Proc
from sim.engine.model import ClosureSpec, FlowSpec, ModelSpec, Segment
from sim.engine.randomness import Streams
from sim.engine.records import EventKind

HOURS_PER_MONTH = 365 * 24 / 12


def source(
    kernel: Kernel,
    spec: ModelSpec,
    flow: FlowSpec,
    streams: Streams,
    choose: Callable[[FlowSpec, float], int],
    enter: Callable[[list[int], Segment, int], None],
) -> Proc:
    """Release ``flow``'s units until the horizon: Poisson (thinned by the seasonality) or
    scheduled, ``flow.batch`` units a release, each release on the plan ``choose`` gives, put
    at the start of the plan's first segment by ``enter``."""
    env, log, table = kernel.env, kernel.log, kernel.units
    key = f"{flow.label}|{flow.origin}|{flow.destination}|{flow.unit}"
    # drawn in blocks (a numpy call per draw would cost more than the release itself);
    # uniform on [0, 1) in blocks gives the very draws of Generator.random() one at a time
    choice = streams.uniform(f"choice:{key}", 0.0, 1.0).draw
    season = flow.seasonality or (1.0,) * 12
    peak = flow.per_hour * max(season)
    # seasonal rates thin a Poisson stream at the peak rate; a release carries ``batch``
    # units, so releases come at per_hour / batch (as scheduled ones do)
    gap = streams.exponential(f"arrivals:{key}", flow.batch / peak).draw
    thin = streams.uniform(f"thinning:{key}", 0.0, 1.0) if flow.seasonality else None
    unit = spec.units[flow.unit]
    batch = flow.batch
    single = len(flow.plans) == 1  # no choice to make: the choice stream is not drawn
    trace = log.trace
    t = 0.0
    while True:
        if flow.arrival == "poisson":
            t += gap()
            accept = (
                thin is None
                or thin() * peak < flow.per_hour * season[int(t // HOURS_PER_MONTH) % 12]
            )
        else:
            month = int(t // HOURS_PER_MONTH) % 12
            t += batch / (flow.per_hour * season[month])
            accept = True
        if t >= spec.horizon_h:
            return
        yield env.timeout(t - env._now)
        if not accept:
            continue
        plan = flow.plans[0] if single else choose(flow, choice())
        now = env._now
        units = table.add(flow.index, plan, now, batch, unit.train_slots, unit.ferry_slots)
        consist = -1
        if trace:  # consist ids serve only the event log
            consist = log.new_consist(units)
            log.event(now, EventKind.RELEASE, consist, flow.origin)
        enter(units, spec.plans[plan].segments[0], consist)


def closure(
    kernel: Kernel,
    spec: ClosureSpec,
    rng: np.random.Generator | None,
    end_h: float,
    out: list[tuple[str, str, float, float]],
) -> Proc:
    """Close ``spec.target`` in its fixed windows, or at random (``rng``) until ``end_h``;
    each closure that ends is appended to ``out`` as ``(name, target, start_h, end_h)``."""
    env = kernel.env
    gate = kernel.gate(spec.target)
    if spec.windows:
        for start, stop in spec.windows:
            yield env.timeout(max(start - env.now, 0.0))
            yield from closed_for(kernel, spec, gate, stop - start, out)
        return
    assert rng is not None, "random closures need their stream"
    months = set(spec.months or range(1, 13))
    rate = spec.events_per_month / HOURS_PER_MONTH
    while env.now < end_h:
        yield env.timeout(rng.exponential(1.0 / rate))
        month = int(env.now // HOURS_PER_MONTH) % 12 + 1
        if month in months:
            # each event runs on its own, so events keep arriving during a closure (the
            # stated rate holds) and overlapping closures nest through the gate's count
            hours = rng.exponential(spec.mean_duration_h)
            kernel.start(closed_for(kernel, spec, gate, hours, out))


def closed_for(
    kernel: Kernel,
    closure: ClosureSpec,
    gate: Gate,
    hours: float,
    out: list[tuple[str, str, float, float]],
) -> Proc:
    """Keep ``gate`` closed for ``hours`` from now."""
    start = kernel.env.now
    gate.close()
    yield kernel.env.timeout(hours)
    gate.open()
    out.append((closure.name, closure.target, start, kernel.env.now))


def sample_queues(
    kernel: Kernel,
    step_h: float,
    queues: Callable[[], Iterable[tuple[str, str, float]]],
    out: list[tuple[float, str, str, float]],
) -> Proc:
    """Every ``step_h`` up to the horizon, append ``(time_h, facility, kind, queue)`` to
    ``out`` for each of ``queues()``."""
    env, end_h = kernel.env, kernel.horizon_h
    while env.now <= end_h:
        now = env.now
        out.extend((now, name, kind, length) for name, kind, length in queues())
        yield env.timeout(step_h)


__all__ = ["HOURS_PER_MONTH", "closed_for", "closure", "sample_queues", "source"]
