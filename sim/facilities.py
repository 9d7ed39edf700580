"""Facilities: node servers (borders, ports, gauge changes), line paths, train formation, ferry
lines, and the gates that disruptions close.

Each facility keeps a :class:`Monitor` that integrates its queue length and busy servers over
time after the warm-up, so utilisation and time-weighted queues are exact, not sampled.
Facilities know nothing about routes: they take consists (lists of unit ids) and hand them back
through a callback of the :class:`~sim.world.World`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

import simpy

from sim.model import FerrySpec, NodeSpec, TrainSpec
from sim.randomness import GammaSampler
from sim.records import Cause, EventKind

if TYPE_CHECKING:
    from sim.world import World

Proc = Generator[simpy.Event, Any, Any]


class Monitor:
    """Time integrals of queue length and busy servers between ``start_h`` (the warm-up) and
    ``end_h`` (the horizon), plus the customers served in that window.

    Servers (borders, ports) account each finished customer once (:meth:`customer`; the
    engine's hot path adds a customer wholly inside the window itself, the same way); the
    other facilities (ferries, formations, line paths) record state changes (:meth:`change`).

    >>> import simpy
    >>> mon = Monitor(simpy.Environment(), start_h=1.0, end_h=10.0)
    >>> mon.customer(0.0, 2.0, 5.0, 3)  # queued 0-2 h (1-2 h in the window), served 2-5 h
    >>> mon.area_queue, mon.area_busy, mon.customers, mon.units, mon.wait_sum
    (1.0, 3.0, 1, 3, 6.0)
    """

    __slots__ = (
        "area_busy",
        "area_queue",
        "busy",
        "customers",
        "end_h",
        "env",
        "last",
        "max_busy",
        "max_queue",
        "queue",
        "start_h",
        "units",
        "wait_sum",
    )

    def __init__(self, env: simpy.Environment, start_h: float, end_h: float = math.inf) -> None:
        self.env = env
        self.start_h = start_h
        self.end_h = end_h
        self.last = 0.0
        self.queue = 0.0
        self.busy = 0.0
        self.area_queue = 0.0
        self.area_busy = 0.0
        self.max_queue = 0.0
        self.max_busy = 0.0
        self.customers = 0
        self.units = 0
        self.wait_sum = 0.0

    def _advance(self) -> None:
        now = self.env.now
        lo = self.last if self.last > self.start_h else self.start_h
        hi = now if now < self.end_h else self.end_h
        if hi > lo:
            self.area_queue += self.queue * (hi - lo)
            self.area_busy += self.busy * (hi - lo)
        self.last = now

    def change(self, dqueue: float = 0.0, dbusy: float = 0.0) -> None:
        self._advance()
        self.queue += dqueue
        self.busy += dbusy
        if self.queue > self.max_queue:
            self.max_queue = self.queue
        if self.busy > self.max_busy:
            self.max_busy = self.busy

    def customer(self, t_arrive: float, t_start: float, t_end: float, units: int) -> None:
        """Account one finished customer of a server: its queue and service intervals.

        The time integral of the queue (or of busy servers) is the sum over customers of the
        time each spent queued (or served), so one call per customer replaces the three state
        changes a server would otherwise record — the hot path of every border and port.
        Customers still unfinished when the run ends (after the drain) are not counted.
        ``World._run_segment`` does the same for a customer wholly inside the window without
        the call; a change here must be made there too.
        """
        s, e = self.start_h, self.end_h
        lo = t_arrive if t_arrive > s else s
        hi = t_start if t_start < e else e
        if hi > lo:
            self.area_queue += hi - lo
        lo = t_start if t_start > s else s
        hi = t_end if t_end < e else e
        if hi > lo:
            self.area_busy += hi - lo
        if s <= t_end <= e:
            self.customers += 1
            self.units += units
            self.wait_sum += (t_start - t_arrive) * units

    def served(self, units: int, total_wait_h: float) -> None:
        """A departure of ``units`` that waited ``total_wait_h`` unit-hours in all."""
        if units and self.start_h <= self.env.now <= self.end_h:
            self.customers += 1
            self.units += units
            self.wait_sum += total_wait_h

    def close(self) -> None:
        self._advance()


class Gate:
    """Open or closed; a closed gate makes consists wait until it reopens."""

    def __init__(self, env: simpy.Environment, name: str) -> None:
        self.env = env
        self.name = name
        self.closed = 0  # a count: overlapping closures nest
        self._reopened = env.event()

    def close(self) -> None:
        self.closed += 1

    def open(self) -> None:
        self.closed -= 1
        if self.closed == 0:
            old, self._reopened = self._reopened, self.env.event()
            old.succeed()

    @property
    def reopened(self) -> simpy.Event:
        return self._reopened


class NodeFacility:
    """``servers`` parallel servers with gamma handling time; a consist is one customer."""

    def __init__(
        self,
        world: World,
        spec: NodeSpec,
        sampler: GammaSampler,
        factor: float = 1.0,
        tag: str = "",
    ) -> None:
        self.world = world
        self.spec = spec
        self.name = spec.node_id + tag
        self.cause = spec.cause
        self.factor = factor
        self.resource = simpy.Resource(world.env, capacity=spec.servers)
        self.sampler = sampler
        self.monitor = world.monitor()
        self.gate = world.gate(spec.node_id)

    def serve(self, units: list[int], consist: int) -> Proc:
        """Queue for a server, hold it for one handling time; record the dwell of ``units``.

        ``World._run_segment`` carries an inlined copy of this for facilities inside a segment
        (the hot path); a change here must be made there too (the exact-log tests cover both).
        """
        world = self.world
        env, rec, mon = world.env, world.recorder, self.monitor
        trace = rec.trace  # event() is a no-op without the log: skip the calls (hot path)
        if trace:
            rec.event(env.now, EventKind.QUEUE, consist, self.name)
        if self.gate.closed:  # inline check: delegating to an open gate costs a generator
            yield from world.pass_gate(self.gate, units, consist)
        t1 = env.now
        queue = self.resource.queue
        with self.resource.request() as req:
            if len(queue) > mon.max_queue:  # queued: the only moment of a new high
                mon.max_queue = len(queue)
            yield req
            t2 = env.now
            if trace:
                rec.event(t2, EventKind.SERVICE_START, consist, self.name)
            yield env.timeout(self.sampler() * self.factor)
        now = env.now
        if trace:
            rec.event(now, EventKind.SERVICE_END, consist, self.name)
        mon.customer(t1, t2, now, len(units))
        rec.dwell(units, self.cause, now - t1)


class LinePath:
    """A line that admits one train per ``headway_h`` in each direction."""

    def __init__(self, world: World, name: str, headway_h: float) -> None:
        self.world = world
        self.name = name
        self.headway_h = headway_h
        self.resource = simpy.Resource(world.env, capacity=1)
        self.monitor = world.monitor()

    def enter(self, units: list[int]) -> Proc:
        """Wait for the line's slot; the wait is the units' line time. Returns the slot, which
        the train holds until :meth:`depart` (a train held at a closed leg keeps its slot, so
        the next one cannot leave within a headway of its real departure)."""
        env, mon = self.world.env, self.monitor
        t0 = env.now
        mon.change(dqueue=1)
        req = self.resource.request()
        yield req
        mon.change(dqueue=-1, dbusy=1)
        mon.served(len(units), (env.now - t0) * len(units))
        self.world.recorder.dwell(units, Cause.LINE, env.now - t0)
        return req

    def depart(self, req: simpy.resources.resource.Request) -> None:
        """The train holding ``req`` departs now: the slot frees a headway later."""
        self.world.env.process(self._hold(req))

    def _hold(self, req: simpy.resources.resource.Request) -> Proc:
        yield self.world.env.timeout(self.headway_h)
        self.monitor.change(dbusy=-1)
        self.resource.release(req)


class Formation:
    """Wagons waiting at the start of a rail segment until a block train leaves."""

    def __init__(
        self,
        world: World,
        name: str,
        spec: TrainSpec,
        dispatch: Callable[[list[int]], None],
    ) -> None:
        self.world = world
        self.name = name
        self.spec = spec
        self.dispatch_fn = dispatch
        self.queue: deque[tuple[int, float, float]] = deque()  # (unit, slots, joined_h)
        self.slots = 0.0
        self.max_load = 0.0  # largest train formed, in slots (for capacity checks)
        self._token = 0
        self.monitor = world.monitor()
        if spec.policy in ("schedule", "sailing"):
            world.env.process(self._timetable())

    def join(self, units: list[int], consist: int) -> None:
        now = self.world.env.now
        if self.world.recorder.trace:
            self.world.recorder.event(now, EventKind.JOIN_FORMATION, consist, self.name)
        was_empty = not self.queue
        slots_of = self.world.train_slots
        for u in units:
            s = slots_of[u]
            self.queue.append((u, s, now))
            self.slots += s
        self.monitor.change(dqueue=len(units))
        if self.spec.policy in ("schedule", "sailing"):
            return
        while self.slots >= self.spec.size_slots - 1e-9:
            self._depart()
        if self.spec.policy == "after_landing" and self.queue and self._due(now):
            self._depart()  # cargo joins right after a landing: the landing is the slot
        if self.spec.policy != "when_full" and self.queue and (was_empty or self._token < 0):
            self._arm()  # max wait (after_landing: a backstop when a landing is missed)

    def _arm(self) -> None:
        self._token = abs(self._token) + 1
        # the clock is the oldest waiting wagon's: one left behind by a full train does not
        # start its max wait again
        left = self.queue[0][2] + self.spec.max_wait_h - self.world.env.now
        self.world.env.process(self._timer(self._token, max(left, 0.0)))

    def _timer(self, token: int, hours: float) -> Proc:
        yield self.world.env.timeout(hours)
        if token == self._token and self.queue:
            self._depart()

    def _timetable(self) -> Proc:
        env, spec = self.world.env, self.spec
        sailing = spec.policy == "sailing"
        # slots are at offset_h + k * headway_h on the clock, whenever the formation was made
        # (on its first wagon): the first one is the next slot from now, or now
        yield env.timeout((spec.offset_h - env.now) % spec.headway_h)
        while True:
            if self.queue and (not sailing or self._due(env.now)):
                self._depart()
            yield env.timeout(spec.headway_h)

    def _due(self, now: float) -> bool:
        """Synchronised trains (``sailing``, ``after_landing``) leave at a slot (a sailing they
        feed, a landing they meet) when full, or when the oldest wagon would otherwise wait past
        ``max_wait_h`` for the next slot, ``headway_h`` later."""
        spec = self.spec
        return (
            self.slots >= spec.size_slots - 1e-9
            or now - self.queue[0][2] + spec.headway_h >= spec.max_wait_h - 1e-9
        )

    def _depart(self) -> None:
        now = self.world.env.now
        units: list[int] = []
        waits: list[float] = []
        load = 0.0
        while self.queue and load + self.queue[0][1] <= self.spec.size_slots + 1e-9:
            u, s, joined = self.queue.popleft()
            units.append(u)
            waits.append(now - joined)
            load += s
        if not units:  # a unit larger than a whole train still travels, alone
            u, s, joined = self.queue.popleft()
            units, waits, load = [u], [now - joined], s
        self.slots -= load
        self.max_load = max(self.max_load, load)
        self.monitor.change(dqueue=-len(units))
        self.monitor.served(len(units), sum(waits))
        self.world.recorder.dwell_each(units, Cause.FORMATION, waits)
        self._token = -abs(self._token)
        if self.spec.policy in ("max_wait", "after_landing") and self.queue:
            self._arm()
        self.dispatch_fn(units)


#: why a vessel left a port: its deck was full, its oldest cargo had waited the maximum, the
#: far end needed it (cargo there beyond what the vessels there or on their way can lift), or
#: its timetabled slot came
DEPARTURE_REASONS = ("full", "max_wait", "needed", "timetable")


class _FerryEnd:
    def __init__(self, world: World, port: str) -> None:
        self.port = port
        self.queue: deque[tuple[int, float, float]] = deque()  # (unit, slots, joined_h)
        self.slots = 0.0
        self.berth = simpy.Resource(world.env, capacity=1)  # the vessel now taking cargo
        self.vessels = 0  # vessels here or sailing here
        self.last_slot = -1  # index of the last timetabled slot taken here
        self.signal = world.env.event()
        self.monitor = world.monitor()
        #: departures (after the warm-up, up to the horizon) by reason, the slots they took,
        #: and their times (the gaps between them set how long cargo arriving at random waits)
        self.departures = dict.fromkeys(DEPARTURE_REASONS, 0)
        self.departed_slots = dict.fromkeys(DEPARTURE_REASONS, 0.0)
        self.departure_times: list[float] = []


class FerryLine:
    """Vessels shuttling between two ports under a departure policy.

    One vessel at a time takes cargo at each end (the berth); the others wait behind it.
    ``when_full`` waits for a full deck, or sails at once when the far side has more cargo
    waiting than the vessels there (or on their way) can lift; ``max_wait`` also leaves once its
    oldest cargo has waited ``max_wait_h``;
    ``timetable`` leaves at ``offset_h + k * headway_h`` from each end with what is waiting.
    Units that do not fit wait for the next sailing; cargo is loaded first come, first served,
    and units that reach the quay at the same moment (one train) in the order they were released.

    ``delays`` gives each vessel its own stream of crossing delays (vessel ``i`` draws from
    ``delays[i]``), so two scenarios that differ in the fleet give vessel ``i`` the same
    crossings' weather whatever the others do (common random numbers).
    """

    def __init__(
        self,
        world: World,
        spec: FerrySpec,
        duration_h: float,
        delays: Sequence[Callable[[], float]],
    ) -> None:
        self.world = world
        self.spec = spec
        self.name = spec.leg_id
        self.duration_h = duration_h
        self.delays = list(delays)
        if len(self.delays) != spec.vessels:
            raise ValueError(
                f"ferry {spec.leg_id}: {len(self.delays)} delay streams for {spec.vessels} vessels"
            )
        self.capacity = spec.effective_capacity
        self.ends = {p: _FerryEnd(world, p) for p in spec.ends}
        self.gate = world.gate(spec.leg_id)
        self.sailings = 0
        self.units_carried = 0
        self.slots_carried = 0.0
        self.max_load = 0.0  # largest deck load sailed, in slots (for capacity checks)
        self.monitor = world.monitor()  # busy = vessels at sea
        for i in range(spec.vessels):
            port = spec.ends[i % 2]
            self.ends[port].vessels += 1
            world.env.process(self._vessel(port, self.delays[i]))

    def other(self, port: str) -> str:
        a, b = self.spec.ends
        return b if port == a else a

    def join(self, units: list[int], consist: int, port: str) -> None:
        now = self.world.env.now
        self.world.recorder.event(now, EventKind.JOIN_FERRY, consist, self.name)
        end = self.ends[port]
        slots_of = self.world.ferry_slots
        queue = end.queue
        if queue and queue[-1][2] == now:
            # another part of the same arrival (a train's units for other routes, handed on
            # route by route) is already on the quay: merge so that the whole arrival is
            # loaded in release order, not one route's units after the other's
            same: list[tuple[int, float, float]] = []
            while queue and queue[-1][2] == now:
                same.append(queue.pop())
            same += [(u, slots_of[u], now) for u in units]
            same.sort()
            queue.extend(same)
            end.slots += sum(slots_of[u] for u in units)
        else:
            for u in units:
                s = slots_of[u]
                queue.append((u, s, now))
                end.slots += s
        end.monitor.change(dqueue=len(units))
        self._poke(end)
        self._poke(self.ends[self.other(port)])

    def _poke(self, end: _FerryEnd) -> None:
        if not end.signal.triggered:
            end.signal.succeed()

    def _next_slot(self, end: _FerryEnd) -> float:
        """Time of the next timetabled departure from ``end``: the slot after the last one
        sailed; a vessel up to half a headway late sails at once rather than a slot later."""
        spec, now = self.spec, self.world.env.now
        assert spec.headway_h is not None
        h = spec.headway_h
        offset = spec.offset_h + (0.0 if end.port == spec.ends[0] else h / 2)
        # the first slot not yet taken here and not more than half a headway gone
        k = max(end.last_slot + 1, math.ceil((now - h / 2 - offset) / h - 1e-9))
        end.last_slot = k
        return max(offset + k * h, now)

    def _ready(self, end: _FerryEnd) -> str | None:
        """Why the vessel at ``end``'s berth should sail now (a :data:`DEPARTURE_REASONS`
        entry), or None to keep waiting."""
        spec, now = self.spec, self.world.env.now
        if end.slots >= self.capacity - 1e-9:
            return "full"
        # max wait: the oldest cargo here has waited long enough (an idle vessel's own wait
        # does not count)
        if (
            spec.policy == "max_wait"
            and spec.max_wait_h is not None
            and end.queue
            and now - end.queue[0][2] >= spec.max_wait_h - 1e-9
        ):
            return "max_wait"
        # reposition: the far side has more cargo waiting than the vessels there (or on their
        # way) can lift, so sailing now with whatever is here serves the line better
        other = self.ends[self.other(end.port)]
        if other.slots > self.capacity * other.vessels + 1e-9:
            return "needed"
        return None

    def _wait_for_departure(self, end: _FerryEnd) -> Generator[simpy.Event, Any, str]:
        env, spec = self.world.env, self.spec
        if spec.policy == "timetable":
            while True:
                yield env.timeout(self._next_slot(end) - env.now)
                if end.queue or self.ends[self.other(end.port)].queue:
                    return "timetable"
        while (reason := self._ready(end)) is None:
            if end.signal.triggered:
                end.signal = env.event()
            waits: list[simpy.Event] = [end.signal]
            if spec.policy == "max_wait" and spec.max_wait_h is not None and end.queue:
                left = end.queue[0][2] + spec.max_wait_h - env.now
                if left > 0:
                    waits.append(env.timeout(left))
            other = self.ends[self.other(end.port)]
            if other.signal is not end.signal:
                if other.signal.triggered:
                    other.signal = env.event()
                waits.append(other.signal)
            yield env.any_of(waits)
        return reason

    def _vessel(self, port: str, delay: Callable[[], float]) -> Proc:
        world = self.world
        env, rec, spec = world.env, world.recorder, self.spec
        while True:
            end = self.ends[port]
            with end.berth.request() as req:
                yield req
                reason = yield from self._wait_for_departure(end)
                t_ready = env.now
                port_gate = world.gate(port)
                while self.gate.closed or port_gate.closed:  # both open at the same moment
                    yield from world.pass_gate(self.gate, [], -1)
                    yield from world.pass_gate(port_gate, [], -1)
                blocked = env.now - t_ready
                units: list[int] = []
                waits: list[float] = []
                load = 0.0
                now = env.now
                while end.queue and load + end.queue[0][1] <= self.capacity + 1e-9:
                    u, s, joined = end.queue.popleft()
                    units.append(u)
                    waits.append(now - joined)
                    load += s
                end.slots -= load
                self.max_load = max(self.max_load, load)
                if world.spec.warmup_h <= now <= world.spec.horizon_h:
                    end.departures[reason] += 1
                    end.departed_slots[reason] += load
                    end.departure_times.append(now)
                end.monitor.change(dqueue=-len(units))
                end.monitor.served(len(units), sum(waits))
            dest = self.other(port)
            end.vessels -= 1
            self.ends[dest].vessels += 1
            consist = rec.new_consist(units)
            if units:
                if blocked > 0:
                    # the part of each wait spent behind the closure is the disruption's
                    held = [min(w, blocked) for w in waits]
                    rec.dwell_each(units, Cause.DISRUPTION, held)
                    waits = [w - h for w, h in zip(waits, held, strict=True)]
                rec.dwell_each(units, Cause.FERRY, waits)
                yield env.timeout(spec.load_h)
            rec.event(env.now, EventKind.SAIL, consist, self.name)
            self.monitor.change(dbusy=1)
            sail = self.duration_h + delay()
            yield env.timeout(sail)
            self.monitor.change(dbusy=-1)
            yield from world.pass_gate(world.gate(dest), units, consist)
            if units:
                yield env.timeout(spec.unload_h)
                rec.dwell(units, Cause.FERRY, spec.load_h + spec.unload_h)
                rec.running(units, sail)
                if world.spec.warmup_h <= env.now <= world.spec.horizon_h:
                    self.sailings += 1
                    self.units_carried += len(units)
                    self.slots_carried += load
            rec.event(env.now, EventKind.LAND, consist, self.name)
            if units:
                world.handoff(units, dest, consist, port)
            port = dest


__all__ = [
    "DEPARTURE_REASONS",
    "FerryLine",
    "Formation",
    "Gate",
    "LinePath",
    "Monitor",
    "NodeFacility",
]
