"""Hops and trips: how a consist moves through node servers, gates, line paths and legs.

A *hop* (:class:`Hop`) is what a consist meets at one node and on the leg after it: the node's
server (a border, port or gauge change) or, at a node without one, the node's gate; then the
:class:`Leg`: its gate, its line path (a rail line admitting one train per headway) and its
running time. A *trip* is the
hops of one segment of a route, resolved once per segment, with what to do at its end; a visit
to a node facility between segments is a trip of one hop without a leg. :meth:`Mover.travel`
runs any trip, so there is exactly one serve path: queue at a server, hold it for a handling
time, record the wait.

Examples
--------
>>> import simpy
>>> from sim.engine.kernel import Kernel
>>> from sim.engine.records import Recorder
>>> from sim.engine.units import UnitTable
>>> k = Kernel(simpy.Environment(), UnitTable(), Recorder(trace=False), 0.0, 100.0)
>>> units = k.units.add(flow=0, plan=0, release_h=0.0, n=2, train_slots=1.0, ferry_slots=1.0)
>>> hop = Hop(None, None, Leg("a-b", k.gate("a-b"), "b", 5.0, lambda: 1.0))
>>> done = []
>>> trip = Trip((hop,), fresh=True, then=lambda units, consist: done.append(k.env.now))
>>> k.start(Mover(k).travel(units, trip, -1))
>>> k.env.run()
>>> done, k.units.arrays()["running_h"].tolist()
([6.0], [6.0, 6.0])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import simpy

from sim.engine.gates import Gate
from sim.engine.kernel import Kernel, Proc
from sim.engine.monitor import Monitor
from sim.engine.records import N_CAUSES, Cause, EventKind

FRICTION = int(Cause.FRICTION)

#: hands units on when a facility (or a trip) is done with them: ``hand_on(units, consist)``
HandOn = Callable[[list[int], int], None]


class Server(Protocol):
    """What :meth:`Mover.travel` uses of a node facility (see
    :class:`sim.engine.servers.NodeFacility`)."""

    name: str
    resource: simpy.Resource
    monitor: Monitor
    handling: Callable[[], float]
    factor: float
    cause: int
    gate: Gate
    #: the delays every consist takes after its handling, holding no server (None: none)
    friction: Callable[[], float] | None


class Path(Protocol):
    """What :meth:`Mover.travel` uses of a line path (see :class:`sim.engine.linepath.LinePath`)."""

    def enter(self, units: list[int]) -> Proc: ...

    def depart(self, req: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class Leg:
    """A leg as a hop runs it: its gate, the node it leads to, its running time (the fastest,
    plus a random delay) and its line path (made on first use; None where trains need none)."""

    name: str
    gate: Gate
    to: str
    base_h: float
    delay: Callable[[], float]
    line: Callable[[], Path] | None = None
    #: the logbook's indices of the node the leg leaves and of the one it leads to when they
    #: are watched (:mod:`sim.engine.logbook`), else -1
    watch_from: int = -1
    watch_to: int = -1


@dataclass(frozen=True, slots=True)
class Hop:
    """What a consist meets at one node and on the leg after it (``leg`` None: a node visit)."""

    #: the node's server, or None at a node without a facility (or the first node of a segment)
    server: Server | None
    #: the node's gate where there is no server (a junction a closure may hold), else None
    node_gate: Gate | None
    leg: Leg | None = None


class Trip:
    """The hops of a segment (or of one node visit) and what follows them.

    ``fresh``: the units set off as a new consist (a train, a truck), numbered in the event log
    when the trip starts and logged with ``start`` at ``origin`` when that is given; otherwise
    they keep the consist they came with (a node visit). ``then(units, consist)`` hands them on
    at the end. A segment's hops may be given as ``build``, resolved when the trip is first
    run (facilities on the way are made then, in the order cargo first reaches them).
    """

    __slots__ = ("build", "causes", "fresh", "hops", "legs", "origin", "start", "then")

    def __init__(
        self,
        hops: tuple[Hop, ...] | None = None,
        *,
        fresh: bool,
        then: HandOn,
        start: EventKind | None = None,
        origin: str = "",
        build: Callable[[], tuple[Hop, ...]] | None = None,
    ) -> None:
        self.fresh = fresh
        self.then = then
        self.start = start
        self.origin = origin
        self.build = build
        self.hops: tuple[Hop, ...] | None = None
        self.causes: tuple[int, ...] = ()
        self.legs = 0
        if hops is not None:
            self._set(hops)

    def _set(self, hops: tuple[Hop, ...]) -> tuple[Hop, ...]:
        self.hops = hops
        #: the causes its servers record, and the legs it runs
        servers = [h.server for h in hops if h.server is not None]
        causes = {s.cause for s in servers}
        if any(s.friction is not None for s in servers):
            causes.add(FRICTION)
        self.causes = tuple(sorted(causes))
        self.legs = sum(1 for h in hops if h.leg is not None)
        return hops

    def resolve(self) -> tuple[Hop, ...]:
        """The hops, built on first use."""
        if self.hops is not None:
            return self.hops
        assert self.build is not None, "a trip needs hops or a way to build them"
        return self._set(self.build())


class Mover:
    """Runs trips (see the module docstring)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def travel(self, units: list[int], trip: Trip, consist: int) -> Proc:
        """Move ``units`` through ``trip``'s hops, then hand them on.

        Times are summed over the trip and credited to the units once, at its end (one pass
        over the consist instead of two per hop); a unit still inside a trip when the run ends
        keeps the times of the trips it finished.
        """
        kernel = self.kernel
        env, log = kernel.env, kernel.log
        trace = log.trace  # event() is a no-op without the log: skip the calls (hot path)
        if trip.fresh:
            consist = -1
            if trace:  # consist ids serve only the event log
                consist = log.new_consist(units)
                if trip.start is not None:
                    log.event(env.now, trip.start, consist, trip.origin)
        hops = trip.hops or trip.resolve()
        n = len(units)
        run_h = 0.0
        dwell = [0.0] * N_CAUSES
        for hop in hops:
            server = hop.server
            if server is not None:
                # the one serve path: a nested generator per server and its resumptions would
                # cost more than the rest of the hop (see sim/runs/bench.py)
                if trace:
                    log.event(env.now, EventKind.QUEUE, consist, server.name)
                if server.gate.closed:
                    yield from kernel.pass_gate(server.gate, units, consist)
                t1 = env._now  # the property costs a call; this is the hot path
                resource = server.resource
                mon = server.monitor
                with resource.request() as req:
                    if len(resource.queue) > mon.max_queue:  # queued: the only moment of a high
                        mon.max_queue = len(resource.queue)
                    yield req
                    t2 = env._now
                    if trace:
                        log.event(t2, EventKind.SERVICE_START, consist, server.name)
                    yield env.timeout(server.handling() * server.factor)
                now = env._now
                if trace:
                    log.event(now, EventKind.SERVICE_END, consist, server.name)
                mon.customer(t1, t2, now, n)
                dwell[server.cause] += now - t1
                if server.friction is not None:
                    extra = server.friction()
                    if extra > 0:
                        yield env.timeout(extra)
                        dwell[FRICTION] += extra
            elif hop.node_gate is not None and hop.node_gate.closed:
                # a node without a facility (a junction) closed: hold the consist there
                yield from kernel.pass_gate(hop.node_gate, units, consist)
            leg = hop.leg
            if leg is None:  # a node visit: no leg after it
                continue
            gate = leg.gate
            if gate.closed:  # inline check: delegating to an open gate costs a generator
                yield from kernel.pass_gate(gate, units, consist)
            if leg.line is not None:
                path = leg.line()
                slot = yield from path.enter(units)
                # the leg (or the junction the train waits at) may have closed while the
                # train waited for its headway slot
                junction = hop.node_gate
                while gate.closed or (junction is not None and junction.closed):
                    if junction is not None:
                        yield from kernel.pass_gate(junction, units, consist)
                    yield from kernel.pass_gate(gate, units, consist)
                path.depart(slot)
            if trace:
                log.event(env.now, EventKind.DEPART, consist, leg.name)
            hours = leg.base_h + leg.delay()
            if leg.watch_from >= 0:
                kernel.book.depart(leg.watch_from, env._now, units)
            if hours > 0:  # a zero-length leg (a yard move, a benchmark's lead-in) takes no event
                yield env.timeout(hours)
            run_h += hours
            if leg.watch_to >= 0:
                kernel.book.arrive(leg.watch_to, env._now, units)
            if trace:
                log.event(env.now, EventKind.ARRIVE, consist, leg.to)
        kernel.units.credit(units, run_h, trip.legs, [(c, dwell[c]) for c in trip.causes])
        trip.then(units, consist)


__all__ = ["HandOn", "Hop", "Leg", "Mover", "Path", "Server", "Trip"]
