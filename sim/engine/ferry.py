"""Ferry lines: vessels shuttling between two ports under a departure policy.

Cargo joins the queue on one end's quay (:meth:`FerryEnd.accept`); a vessel takes it across and
the landing end hands it on through its callback. Statistics: one ``ferry`` record for the line
(its vessels, loaded sailings, units and slots carried) and one ``ferry_queue`` record per quay
(its queue, departures by reason and the cargo still waiting).

Examples
--------
>>> import simpy
>>> from sim.engine.kernel import Kernel
>>> from sim.engine.model import FerrySpec
>>> from sim.engine.records import Recorder
>>> from sim.engine.units import UnitTable
>>> k = Kernel(simpy.Environment(), UnitTable(), Recorder(trace=False), 0.0, 100.0)
>>> landed = []
>>> fs = FerrySpec("p-q", ("p", "q"), vessels=1, capacity_slots=2, load_h=0.0, unload_h=0.0,
...                policy="when_full")
>>> line = FerryLine(k, fs, 5.0, [lambda: 0.0],
...                  {p: lambda units, c: landed.append((k.env.now, units)) for p in "pq"})
>>> line.ends["p"].accept(k.units.add(0, 0, 0.0, 2, 1.0, 1.0), -1)
>>> k.env.run(until=50)
>>> landed, line.stats()[0].sailings
([(5.0, [0, 1])], 1)
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Generator, Mapping, Sequence
from typing import Any

import simpy

from sim.engine.berths import Berth, BerthPool
from sim.engine.hops import HandOn
from sim.engine.kernel import Kernel, Proc
from sim.engine.model import FerrySpec, VesselSpec
from sim.engine.records import Cause, EventKind
from sim.engine.run_record import FacilityStats

#: why a vessel left a port: its deck was full, its oldest cargo had waited the maximum, the
#: far end needed it (cargo there beyond what the vessels there or on their way can lift), or
#: its timetabled slot came
DEPARTURE_REASONS = ("full", "max_wait", "needed", "timetable")


class FerryEnd:
    """One end of a ferry line: the quay where cargo waits and the line's loading turn (its
    ``berth``: one vessel of the line at a time takes the cargo waiting); cargo landing here is
    handed on through ``hand_on``. With berth limits at the port the vessel whose turn it is
    also needs a port berth to load (:class:`~sim.engine.berths.BerthPool`).

    The cargo waits in *lanes*, one per kind of unit on a line whose vessels carry some kinds
    only (one lane for all on other lines), each ordered as cargo is loaded: by the time it
    joined, then by release (unit id). The quay's order is the lanes merged; a vessel loads
    from the lanes of the kinds it carries, so what it can take, and since when, is known
    without a pass over the cargo it cannot.
    """

    def __init__(
        self,
        kernel: Kernel,
        line: FerryLine,
        port: str,
        hand_on: HandOn,
        lanes: Sequence[str | None] = (None,),
    ) -> None:
        self.line = line
        self.port = port
        self.name = f"{line.name}@{port}"
        self.hand_on = hand_on
        #: lane key (a unit kind, or None: every kind) -> its cargo as (joined_h, unit, slots)
        self.lanes: dict[str | None, deque[tuple[float, int, float]]] = {k: deque() for k in lanes}
        #: the slots waiting in each lane, and in all
        self.lane_slots: dict[str | None, float] = dict.fromkeys(lanes, 0.0)
        self.slots = 0.0
        self.count = 0  # units waiting
        self.far = self  # the line's other end (set by the line)
        self.berth = simpy.Resource(kernel.env, capacity=1)  # the vessel whose turn it is
        self.at_berth: VesselSpec | None = None  # ... and which vessel it is
        self.waiting: list[VesselSpec] = []  # vessels queued for the berth
        self.vessels = 0  # vessels here or sailing here
        self.here: list[VesselSpec] = []  # ... which they are
        self.last_slot = -1  # index of the last timetabled slot taken here
        self.signal = kernel.env.event()
        self.monitor = kernel.monitor()
        #: departures (after the warm-up, up to the horizon) by reason, the slots they took,
        #: and their times (the gaps between them set how long cargo arriving at random waits)
        self.departures = dict.fromkeys(DEPARTURE_REASONS, 0)
        self.departed_slots = dict.fromkeys(DEPARTURE_REASONS, 0.0)
        self.departure_times: list[float] = []

    def accept(self, units: list[int], consist: int) -> None:
        """Cargo joins the queue on this quay."""
        self.line.join(units, consist, self.port)

    def put(self, lane: str | None, unit: int, slots: float, now: float) -> None:
        """``unit`` (taking ``slots``) joins ``lane`` at ``now``: after the cargo that joined
        before, and among the cargo joining at the same moment (a train's units handed on
        route by route) in release order."""
        queue = self.lanes[lane]
        item = (now, unit, slots)
        if queue and queue[-1] > item:  # part of the same arrival, released later, is here
            later = []
            while queue and queue[-1] > item:
                later.append(queue.pop())
            queue.append(item)
            queue.extend(reversed(later))
        else:
            queue.append(item)
        self.lane_slots[lane] += slots
        self.slots += slots
        self.count += 1

    def first(self, lanes: Sequence[str | None]) -> float | None:
        """When the oldest cargo in ``lanes`` joined (None: none waiting there)."""
        queues = self.lanes
        if len(lanes) == 1:
            queue = queues[lanes[0]]
            return queue[0][0] if queue else None
        heads = [q[0][0] for k in lanes if (q := queues[k])]
        return min(heads) if heads else None

    def take(
        self, lanes: Sequence[str | None], deck: float
    ) -> tuple[list[int], list[float], float]:
        """Load from ``lanes`` first come, first served up to ``deck`` slots, stopping at the
        first unit that does not fit: the units taken, when each joined, and their slots."""
        units: list[int] = []
        joined: list[float] = []
        load = 0.0
        open_ = [(k, q) for k in lanes if (q := self.lanes[k])]
        while open_:
            i = 0
            for j in range(1, len(open_)):  # the lane whose head joined first (few lanes)
                if open_[j][1][0] < open_[i][1][0]:
                    i = j
            lane, queue = open_[i]
            t, u, s = queue[0]
            if load + s > deck + 1e-9:
                break
            queue.popleft()
            units.append(u)
            joined.append(t)
            load += s
            self.lane_slots[lane] -= s
            if not queue:
                del open_[i]
        self.count -= len(units)
        self.slots -= load
        return units, joined, load

    @property
    def queue(self) -> list[tuple[int, float, float]]:
        """The cargo waiting, in the order it would be loaded, as ``(unit, slots, joined_h)``
        (a copy: for checks and records)."""
        return [(u, s, t) for t, u, s in heapq.merge(*self.lanes.values())]

    def queue_length(self) -> float:
        """Units waiting on the quay now."""
        return self.monitor.queue

    def stats(self) -> list[FacilityStats]:
        return [
            self.monitor.stats(
                self.name,
                "ferry_queue",
                self.port,
                math.nan,
                part_of=self.line.name,
                holding=tuple(u for u, _, _ in self.queue),
                departures=dict(self.departures),
                departed_slots=dict(self.departed_slots),
                departure_times=tuple(self.departure_times),
            )
        ]


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

    ``berths`` (port -> its :class:`~sim.engine.berths.BerthPool`, shared with the other lines
    calling there) limits the vessels loading and unloading at once: a vessel sailing with cargo
    takes a port berth once it is to sail, loads what is waiting when it berths and holds the
    berth for ``load_h`` and the call's delays; a loaded vessel arriving holds one for
    ``unload_h`` and the call's delays. It waits at anchor until one is free; its cargo's wait
    there counts as ferry wait, the vessel's in the berth record and the line's
    ``vessel_berth_wait_h``. An empty vessel takes no berth. A port without a pool limits none.
    """

    def __init__(
        self,
        kernel: Kernel,
        spec: FerrySpec,
        duration_h: float,
        delays: Sequence[Callable[[], float]],
        hand_on: Mapping[str, HandOn],
        frictions: Mapping[str, Callable[[], float]] | None = None,
        unit_kind: Sequence[str] = (),
        outages: Sequence[Sequence[tuple[Callable[[], float], Callable[[], float]]]] = (),
        berths: Mapping[str, BerthPool] | None = None,
    ) -> None:
        self.kernel = kernel
        #: the vessels, and the kind of unit of each flow (by flow index) for those that carry
        #: some kinds only
        self.fleet = spec.vessel_list()
        self.unit_kind = tuple(unit_kind)
        self.restricted = any(v.carries for v in self.fleet)
        if any(v.carries for v in self.fleet) and not self.unit_kind:
            raise ValueError(f"ferry {spec.leg_id}: a fleet with cargo limits needs unit_kind")
        #: port -> the delays of a vessel call there (on top of loading or unloading)
        self.frictions = dict(frictions or {})
        self.spec = spec
        self.name = spec.leg_id
        self.duration_h = duration_h
        self.delays = list(delays)
        if len(self.delays) != spec.vessels:
            raise ValueError(
                f"ferry {spec.leg_id}: {len(self.delays)} delay streams for {spec.vessels} vessels"
            )
        self.capacity = spec.effective_capacity
        #: the quays' lanes: one per kind of unit where vessels carry some kinds only
        lanes: tuple[str | None, ...] = (
            tuple(sorted(set(self.unit_kind))) if self.restricted else (None,)
        )
        #: a vessel's ``carries`` -> the lanes it loads from
        self._lanes: dict[tuple[str, ...], tuple[str | None, ...]] = {
            v.carries: tuple(k for k in lanes if not v.carries or k in v.carries)
            for v in self.fleet
        }
        self._lanes[()] = lanes
        self.ends = {p: FerryEnd(kernel, self, p, hand_on[p], lanes) for p in spec.ends}
        a, b = self.ends.values()
        a.far, b.far = b, a
        self.gate = kernel.gate(spec.leg_id)
        self.sailings = 0
        self.units_carried = 0
        self.slots_carried = 0.0
        self.max_load = 0.0  # largest deck load sailed, in slots (for capacity checks)
        self.monitor = kernel.monitor()  # busy = vessels at sea
        #: per vessel, its outage processes as (gap between events, duration) samplers
        self.outages = [list(o) for o in outages] or [[] for _ in self.fleet]
        self.hours_out = 0.0
        #: the port berths of its ends that limit some of its vessels
        self.berths = {
            p: pool
            for p, pool in (berths or {}).items()
            if p in spec.ends and any(pool.usable(v) for v in self.fleet)
        }
        self.berth_wait_h = 0.0  # vessel-hours at anchor waiting for a berth, in the window
        for i, vessel in enumerate(self.fleet):
            port = spec.ends[i % 2]
            self.ends[port].vessels += 1
            self.ends[port].here.append(vessel)
            kernel.start(self._vessel(port, self.delays[i], vessel, self.outages[i]))

    def _friction(self, port: str, rail: bool) -> float:
        """The delays of a call at ``port`` that moves railcars (``rail``): waiting for the
        shunting locomotives that place wagons on or off the deck. A call that moves none
        (trucks driving on, boxes lifted from a container ship) has none."""
        draw = self.frictions.get(port)
        return draw() if draw is not None and rail else 0.0

    def _rail_and_trucks(self, vessel: VesselSpec, flows: Sequence[int]) -> tuple[bool, int]:
        """Whether ``vessel``, carrying units of ``flows``, moves railcars (a vessel with rail
        decks and a unit other than a truck aboard; without unit kinds every unit counts as
        rail), and how many trucks it carries."""
        kinds = self.unit_kind
        if not kinds:
            return bool(flows) and vessel.takes("wagon"), 0
        trucks = sum(1 for f in flows if kinds[f] == "truck")
        return vessel.takes("wagon") and trucks < len(flows), trucks

    def _berth(
        self, port: str, vessel: VesselSpec, units: list[int], consist: int
    ) -> Generator[simpy.Event, Any, Berth | None]:
        """Take a berth at ``port`` for ``vessel`` (None: berths do not limit it there),
        waiting at anchor for one; ``units`` aboard wait with it (as ferry wait)."""
        pool = self.berths.get(port)
        if pool is None:
            return None
        kernel = self.kernel
        anchor = pool.must_wait(vessel)
        if anchor and units:
            kernel.log.event(kernel.env.now, EventKind.ANCHOR, consist, pool.name)
        berth = yield from pool.take(vessel)
        if anchor and berth is not None:
            lo, hi = max(berth.asked_h, kernel.warmup_h), min(berth.got_h, kernel.horizon_h)
            self.berth_wait_h += max(0.0, hi - lo)
            if units:
                kernel.log.event(berth.got_h, EventKind.BERTH, consist, pool.name)
                kernel.units.wait(units, Cause.FERRY, berth.got_h - berth.asked_h)
        return berth

    def _unberth(self, port: str, berth: Berth | None) -> None:
        if berth is not None:
            self.berths[port].release(berth)

    def other(self, port: str) -> str:
        a, b = self.spec.ends
        return b if port == a else a

    def join(self, units: list[int], consist: int, port: str) -> None:
        """Cargo joins the queue at ``port`` (see :meth:`FerryEnd.accept`)."""
        kernel = self.kernel
        now = kernel.env._now  # the property costs a call: most releases of boxes land here
        if kernel.log.trace:
            kernel.log.event(now, EventKind.JOIN_FERRY, consist, self.name)
        end = self.ends[port]
        table = kernel.units
        if len(units) == 1:  # one box released: no lists
            u = units[0]
            lane = self.unit_kind[table.flow[u]] if self.restricted else None
            end.put(lane, u, float(table.ferry_slots[u]), now)
        else:
            slots = table.slots(units, table.ferry_slots)
            if self.restricted:
                kinds = self.unit_kind
                lanes = [kinds[f] for f in table.flow[units].tolist()]
            else:
                lanes = [None] * len(units)
            for u, s, lane in zip(units, slots, lanes, strict=True):
                end.put(lane, u, s, now)
        end.monitor.change(dqueue=len(units))
        self._poke(end)
        self._poke(end.far)

    def _poke(self, end: FerryEnd) -> None:
        if not end.signal.triggered:
            end.signal.succeed()

    def _next_slot(self, end: FerryEnd) -> float:
        """Time of the next timetabled departure from ``end``: the slot after the last one
        sailed; a vessel up to half a headway late sails at once rather than a slot later."""
        spec, now = self.spec, self.kernel.env.now
        assert spec.headway_h is not None
        h = spec.headway_h
        offset = spec.offset_h + (0.0 if end.port == spec.ends[0] else h / 2)
        # the first slot not yet taken here and not more than half a headway gone
        k = max(end.last_slot + 1, math.ceil((now - h / 2 - offset) / h - 1e-9))
        end.last_slot = k
        return max(offset + k * h, now)

    def lanes(self, vessel: VesselSpec | None) -> tuple[str | None, ...]:
        """The quay lanes ``vessel`` loads from (None: a berth without a vessel, all)."""
        return self._lanes[vessel.carries if vessel is not None else ()]

    def _takes_some(self, vessel: VesselSpec | None, end: FerryEnd) -> bool:
        """Whether ``vessel`` carries any of the cargo waiting at ``end``."""
        queues = end.lanes
        return any(queues[k] for k in self.lanes(vessel))

    def _eligible(self, end: FerryEnd) -> tuple[float, float | None]:
        """The slots waiting at ``end`` that the vessel at its berth carries, and when the
        oldest of them joined (None: none waiting)."""
        vessel = end.at_berth
        if vessel is None or not vessel.carries:
            return end.slots, end.first(self._lanes[()])
        lanes = self._lanes[vessel.carries]
        slots = end.lane_slots
        return sum(slots[k] for k in lanes), end.first(lanes)

    def _deck(self, end: FerryEnd) -> float:
        vessel = end.at_berth
        if vessel is None or not self.spec.fleet:
            return self.capacity
        return vessel.capacity_slots * self.spec.load_factor

    def _ready(self, end: FerryEnd) -> str | None:
        """Why the vessel at ``end``'s berth should sail now (a :data:`DEPARTURE_REASONS`
        entry), or None to keep waiting."""
        spec, now = self.spec, self.kernel.env._now
        slots, first = self._eligible(end)
        if slots >= self._deck(end) - 1e-9:
            return "full"
        # max wait: the oldest cargo here has waited long enough (an idle vessel's own wait
        # does not count)
        if (
            spec.policy == "max_wait"
            and spec.max_wait_h is not None
            and first is not None
            and now - first >= spec.max_wait_h - 1e-9
        ):
            return "max_wait"
        # reposition: the far side has more cargo waiting than the vessels there (or on their
        # way) can lift, so sailing now with whatever is here serves the line better
        other = self.ends[self.other(end.port)]
        if not self.restricted:
            if other.slots > self.capacity * other.vessels + 1e-9:
                return "needed"
        elif other.count and self._takes_some(end.at_berth, other):
            # vessels that carry none of the far side's cargo do not lift it
            lift = sum(
                v.capacity_slots * spec.load_factor
                for v in other.here
                if self._takes_some(v, other)
            )
            if other.slots > lift + 1e-9:
                return "needed"
        return None

    def _wait_for_departure(self, end: FerryEnd) -> Generator[simpy.Event, Any, str]:
        env, spec = self.kernel.env, self.spec
        if spec.policy == "timetable":
            while True:
                yield env.timeout(self._next_slot(end) - env.now)
                if end.count or self.ends[self.other(end.port)].count:
                    return "timetable"
        while (reason := self._ready(end)) is None:
            vessel = end.at_berth
            # a vessel that carries none of the cargo waiting gives way to one queued for the
            # berth behind it that does, rather than hold the berth
            # (here or at the far side, where it could be sent)
            other = self.ends[self.other(end.port)]
            if (
                vessel is not None
                and vessel.carries
                and end.waiting
                and self._eligible(end)[1] is None
                and any(
                    (end.count and self._takes_some(w, end))
                    or (
                        other.count
                        and self._takes_some(w, other)
                        and not self._takes_some(vessel, other)
                    )
                    for w in end.waiting
                )
            ):
                return "give_way"
            if end.signal.triggered:
                end.signal = env.event()
            waits: list[simpy.Event] = [end.signal]
            first = self._eligible(end)[1]
            if spec.policy == "max_wait" and spec.max_wait_h is not None and first is not None:
                left = first + spec.max_wait_h - env.now
                if left > 0:
                    waits.append(env.timeout(left))
            other = self.ends[self.other(end.port)]
            if other.signal is not end.signal:
                if other.signal.triggered:
                    other.signal = env.event()
                waits.append(other.signal)
            yield env.any_of(waits)
        return reason

    def _vessel(
        self,
        port: str,
        delay: Callable[[], float],
        vessel: VesselSpec,
        outages: Sequence[tuple[Callable[[], float], Callable[[], float]]],
    ) -> Proc:
        kernel = self.kernel
        env, log, table, spec = kernel.env, kernel.log, kernel.units, self.spec
        due = [gap() for gap, _ in outages]  # when each outage process next strikes
        book, watch = kernel.book, kernel.book.index
        # when the vessel came into this port and its unloading work there (the logbook's)
        arrived, unload_work = math.nan, 0.0
        while True:
            end = self.ends[port]
            # out of service at this port call for every outage that has come due
            for k, (gap, duration) in enumerate(outages):
                while due[k] <= env.now:
                    hours = duration()
                    start = env.now
                    yield env.timeout(hours)
                    lo, hi = max(start, kernel.warmup_h), min(env.now, kernel.horizon_h)
                    self.hours_out += max(0.0, hi - lo)
                    due[k] += gap()
            with end.berth.request() as req:
                end.waiting.append(vessel)
                self._poke(end)  # a vessel at the berth that carries other cargo may give way
                yield req
                end.waiting.remove(vessel)
                end.at_berth = vessel
                reason = yield from self._wait_for_departure(end)
                if reason == "give_way":
                    end.at_berth = None
                    continue
                # a port berth to load at, when there is cargo this vessel takes
                berth = None
                if port in self.berths and self._eligible(end)[1] is not None:
                    berth = yield from self._berth(port, vessel, [], -1)
                t_ready = env.now
                port_gate = kernel.gate(port)
                while self.gate.closed or port_gate.closed:  # both open at the same moment
                    yield from kernel.pass_gate(self.gate, [], -1)
                    yield from kernel.pass_gate(port_gate, [], -1)
                blocked = env.now - t_ready
                now = env.now
                deck = self._deck(end)
                # first come, first served among the cargo this vessel carries
                units, joined, load = end.take(self.lanes(vessel), deck)
                waits = [now - t for t in joined]
                end.at_berth = None
                self.max_load = max(self.max_load, load)
                if kernel.warmup_h <= now <= kernel.horizon_h:
                    end.departures[reason] += 1
                    end.departed_slots[reason] += load
                    end.departure_times.append(now)
                end.monitor.change(dqueue=-len(units))
                end.monitor.served(len(units), sum(waits))
            dest = self.other(port)
            end.vessels -= 1
            end.here.remove(vessel)
            self.ends[dest].vessels += 1
            self.ends[dest].here.append(vessel)
            consist = log.new_consist(units)
            t_load = env.now
            ids = table.index(units)  # the table's index of the cargo: converted once
            rail, trucks = self._rail_and_trucks(vessel, table.flow[ids].tolist() if units else [])
            if units:
                if blocked > 0:
                    # the part of each wait spent behind the closure is the disruption's
                    held = [min(w, blocked) for w in waits]
                    table.wait_each(ids, Cause.DISRUPTION, held)
                    waits = [w - h for w, h in zip(waits, held, strict=True)]
                table.wait_each(ids, Cause.FERRY, waits)
                yield env.timeout(spec.load_h)
                extra = self._friction(port, rail)
                if extra > 0:
                    yield env.timeout(extra)
                    table.wait(ids, Cause.FRICTION, extra)
            self._unberth(port, berth)
            log.event(env.now, EventKind.SAIL, consist, self.name)
            self.monitor.change(dbusy=1)
            sail = self.duration_h + delay()
            book.voyage(
                self.name,
                port,
                vessel.name,
                arrived,
                unload_work,
                env.now - t_load,
                env.now,
                sail,
                load,
                deck,
                vessel.capacity_slots,
                len(units),
                trucks,
            )
            if units and port in watch:
                book.depart(watch[port], env.now, units)
            yield env.timeout(sail)
            self.monitor.change(dbusy=-1)
            yield from kernel.pass_gate(kernel.gate(dest), units, consist)
            arrived = env.now
            if units:
                if dest in watch:
                    book.arrive(watch[dest], arrived, units)
                berth = yield from self._berth(dest, vessel, units, consist)
                yield env.timeout(spec.unload_h)
                table.wait(ids, Cause.FERRY, spec.load_h + spec.unload_h)
                extra = self._friction(dest, rail)
                if extra > 0:
                    yield env.timeout(extra)
                    table.wait(ids, Cause.FRICTION, extra)
                self._unberth(dest, berth)
                table.ran(ids, sail)
                if kernel.warmup_h <= env.now <= kernel.horizon_h:
                    self.sailings += 1
                    self.units_carried += len(units)
                    self.slots_carried += load
            unload_work = env.now - arrived
            log.event(env.now, EventKind.LAND, consist, self.name)
            if units:
                self.ends[dest].hand_on(units, consist)
            port = dest

    def stats(self) -> list[FacilityStats]:
        """The line's record, then each quay's."""
        spec = self.spec
        line = self.monitor.stats(
            self.name,
            "ferry",
            self.name,
            spec.vessels,
            customers=self.sailings,  # a line's customers are its loaded sailings
            units=self.units_carried,
            waited=self.monitor.units,  # its cargo's waits are its quays'
            sailings=self.sailings,
            slots_carried=self.slots_carried,
            capacity=self.capacity,
            max_load=self.max_load,
            vessel_hours_out=self.hours_out,
            **({"vessel_berth_wait_h": self.berth_wait_h} if self.berths else {}),
        )
        return [line, *(s for end in self.ends.values() for s in end.stats())]


__all__ = ["DEPARTURE_REASONS", "FerryEnd", "FerryLine"]
