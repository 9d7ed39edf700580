"""What drives a run from outside the facilities: demand sources, closures and queue sampling.

Closures and sampling are generators run as SimPy processes by :class:`~sim.engine.world.World`;
demand sources draw their releases for the whole horizon at once and run them from the clock's
calendar (:class:`Source`). They touch the run through the :class:`~sim.engine.kernel.Kernel`
and the callbacks they are given.

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

import math
from collections.abc import Callable, Iterable

import numpy as np

from sim.engine.gates import Gate
from sim.engine.hops import HandOn
from sim.engine.kernel import Clock, Kernel, Proc
from sim.engine.model import ClosureSpec, FlowSpec, ModelSpec, Segment
from sim.engine.randomness import BLOCK, Streams
from sim.engine.records import EventKind

HOURS_PER_MONTH = 365 * 24 / 12


def flow_key(flow: FlowSpec) -> str:
    """The part of ``flow``'s random stream names that identifies it (its label, ends and
    unit): ``arrivals:<key>``, ``thinning:<key>``, ``choice:<key>``."""
    return f"{flow.label}|{flow.origin}|{flow.destination}|{flow.unit}"


def release_times(
    flow: FlowSpec, streams: Streams, horizon_h: float
) -> tuple[np.ndarray, np.ndarray | None]:
    """All of ``flow``'s candidate releases before ``horizon_h``, drawn at once, and which of
    them release (None: all).

    Poisson: gaps exponential at the peak rate over ``flow.batch`` (a release carries ``batch``
    units), summed; with a seasonality each candidate releases with probability the month's
    rate over the peak (thinning). Scheduled: one release every ``batch / rate`` hours at the
    month's rate. The numbers are those one draw at a time gives (blocks of the same streams,
    summed in the same order), so the times are exactly a timeout-per-release source's.

    >>> from sim.engine.model import FlowSpec
    >>> f = FlowSpec(0, "f", "a", "b", "AA", "truck", per_hour=0.5, plans=(0,),
    ...              arrival="scheduled")
    >>> release_times(f, Streams(1, 0), 9.0)
    (array([2., 4., 6., 8.]), None)
    """
    key = flow_key(flow)
    season = flow.seasonality or (1.0,) * 12
    peak = flow.per_hour * max(season)
    if flow.arrival == "scheduled":
        times: list[float] = []
        t = 0.0
        while True:
            t += flow.batch / (flow.per_hour * season[int(t // HOURS_PER_MONTH) % 12])
            if t >= horizon_h:
                return np.array(times), None
            times.append(t)
    gaps = streams.exponential(f"arrivals:{key}", flow.batch / peak)
    expected = horizon_h * peak / flow.batch
    drawn = gaps.blocks(max(1, math.ceil((expected + 6 * math.sqrt(expected) + 64) / BLOCK)))
    t_all = np.cumsum(drawn)  # sequential sums: t += gap one at a time
    while t_all[-1] < horizon_h:  # rare: more than the generous first estimate
        drawn = np.concatenate([drawn, gaps.blocks(1)])
        t_all = np.cumsum(drawn)
    cand = t_all[: int(np.searchsorted(t_all, horizon_h, side="left"))]
    if not flow.seasonality:
        return cand, None
    thin = streams.uniform(f"thinning:{key}", 0.0, 1.0).blocks(math.ceil(cand.size / BLOCK))
    month = (cand // HOURS_PER_MONTH).astype(np.int64) % 12
    rate = flow.per_hour * np.asarray(season, dtype=float)[month]
    return cand, thin[: cand.size] * peak < rate


def clock_times(times: np.ndarray) -> np.ndarray:
    """The times at which a process waking at each of ``times`` in turn (from 0) with
    ``timeout(t - now)`` wakes: ``now + (t - now)``, which rounding may move by an ulp from
    ``t``. Kept so that releases fall exactly where one timeout per release put them.

    >>> clock_times(np.array([0.1, 0.7, 3.0])).tolist() == [0.1, 0.1 + (0.7 - 0.1), 3.0]
    True
    """
    if times.size == 0:
        return times
    out = times.copy()
    for _ in range(64):  # a fixed point: each pass settles one more link of a chain of ulps
        prev = np.concatenate(([0.0], out[:-1]))
        new = prev + (times - prev)
        if np.array_equal(new, out):
            return out
        out = new
    now = 0.0  # pragma: no cover - never seen: a chain of 64 moved times
    for i, t in enumerate(times.tolist()):  # pragma: no cover
        now = out[i] = now + (t - now)
    return out  # pragma: no cover


class Source:
    """A flow's demand: its releases for the horizon drawn at once (:func:`release_times`) and
    run from the clock's calendar (:meth:`~sim.engine.kernel.Clock.plan`), one planned action
    per candidate release, in order. Each release is ``flow.batch`` units on the plan
    ``choose`` gives, handed to what takes units at the start of the plan's first segment,
    ``entrance(segment)`` (asked on the plan's first release, then kept).

    Compared with a process waking once per release, a release costs no SimPy event, yet runs
    at the same time and in the same order among the other events.
    """

    __slots__ = (
        "_first",
        "batch",
        "choices",
        "choose",
        "clock",
        "entered",
        "entrance",
        "flow",
        "i",
        "j",
        "kernel",
        "next",
        "releases",
        "slots",
        "times",
    )

    def __init__(
        self,
        kernel: Kernel,
        spec: ModelSpec,
        flow: FlowSpec,
        streams: Streams,
        choose: Callable[[FlowSpec, float], int],
        entrance: Callable[[Segment], HandOn],
    ) -> None:
        clock = kernel.env
        if not isinstance(clock, Clock):
            raise TypeError("a Source runs on a Clock (sim.engine.kernel.Clock)")
        self.clock = clock
        self.kernel = kernel
        self.flow = flow
        self.choose = choose
        self.entrance = entrance
        self.batch = flow.batch
        unit = spec.units[flow.unit]
        self.slots = (unit.train_slots, unit.ferry_slots)
        cand, accept = release_times(flow, streams, spec.horizon_h)
        self.times: list[float] = clock_times(cand).tolist()
        self.releases: list[bool] | None = None if accept is None else accept.tolist()
        n = len(self.times) if accept is None else int(accept.sum())
        self.choices: list[float] | None = None
        if len(flow.plans) > 1 and n:  # no choice to make: the choice stream is not drawn
            u = streams.uniform(f"choice:{flow_key(flow)}", 0.0, 1.0)
            self.choices = u.blocks(math.ceil(n / BLOCK))[:n].tolist()
        #: where each plan's units enter, once a release has entered it (facilities are made
        #: when cargo first reaches them)
        self.entered: dict[int, HandOn] = {}
        self._first = {p: spec.plans[p].segments[0] for p in flow.plans}
        self.i = 0  # next candidate
        self.j = 0  # next release (choice draw)
        self.next = self._release  # bound once

    def start(self) -> None:
        """Plan the first release (at the start of the run)."""
        if self.times:
            self.clock.plan(self.times[0], self.next)

    def _release(self) -> None:
        i = self.i
        self.i = i + 1
        if self.releases is None or self.releases[i]:
            flow, kernel = self.flow, self.kernel
            choices = self.choices
            if choices is None:
                plan = flow.plans[0]
            else:
                plan = self.choose(flow, choices[self.j])
                self.j += 1
            now = self.clock._now
            train, ferry = self.slots
            units = kernel.units.add(flow.index, plan, now, self.batch, train, ferry)
            consist = -1
            log = kernel.log
            if log.trace:  # consist ids serve only the event log
                consist = log.new_consist(units)
                log.event(now, EventKind.RELEASE, consist, flow.origin)
            enter = self.entered.get(plan)
            if enter is None:
                enter = self.entered[plan] = self.entrance(self._first[plan])
            enter(units, consist)
        if i + 1 < len(self.times):
            self.clock.plan(self.times[i + 1], self.next)


def start_sources(kernel: Kernel, sources: Iterable[Source]) -> None:
    """Start ``sources`` in order at the beginning of the run, as one process (the first
    release of each is planned where a process per source would have planned it)."""
    kernel.start(_starting(tuple(sources)))


def _starting(sources: tuple[Source, ...]) -> Proc:
    for s in sources:
        s.start()
    return
    yield  # a generator: started as a process, it ends in its first step


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


__all__ = [
    "HOURS_PER_MONTH",
    "Source",
    "clock_times",
    "closed_for",
    "closure",
    "flow_key",
    "release_times",
    "sample_queues",
    "start_sources",
]
