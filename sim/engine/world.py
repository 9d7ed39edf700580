"""One replication: the wiring of facilities, trips and processes around one SimPy clock.

A :class:`World` runs a :class:`~sim.engine.model.ModelSpec`. Units are rows of the units table
(:mod:`sim.engine.units`); the processes are the things that move — block trains, vessels, trucks —
carrying lists of unit ids, so a year of corridor traffic is tens of thousands of events, not
millions, while each unit's times stay exact. The world makes the facilities (see
:mod:`sim.engine.facility` for what they share), resolves each segment of a route into a trip
(:mod:`sim.engine.hops`), starts the demand sources, closures and queue sampling
(:mod:`sim.engine.processes`), and passes units from one segment to the next; route choice is
:mod:`sim.engine.routechoice`. :meth:`World.run` returns a
:class:`~sim.engine.run_record.RunRecord`.

Examples
--------
>>> from sim.engine.model import ModelSpec, FlowSpec, Plan, Segment, LegSpec, UnitSpec
>>> plan = Plan(0, "a→b", (Segment("road", ("a", "b"), ("a-b",)),), free_flow_h=5.0)
>>> spec = ModelSpec(
...     name="demo",
...     flows=(FlowSpec(0, "a→b", "a", "b", "AA", "truck", per_hour=0.5, plans=(0,)),),
...     plans=(plan,), nodes={}, legs={"a-b": LegSpec("a-b", "road", 5.0)}, ferries={},
...     units={"truck": UnitSpec(0.0, 1.0, 20.0, 1.0)},
...     horizon_h=100.0, warmup_h=0.0, drain_h=10.0)
>>> record = World(spec, replication=0).run()
>>> bool((record.units["running_h"][:3] == 5.0).all())
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import numpy as np

from sim.engine import frictions
from sim.engine.berths import BerthPool
from sim.engine.facility import Accepting, Facility
from sim.engine.ferry import FerryLine
from sim.engine.formation import Formation
from sim.engine.gates import Gate
from sim.engine.hops import HandOn, Hop, Leg, Mover, Trip
from sim.engine.kernel import Clock, Kernel
from sim.engine.linepath import LinePath
from sim.engine.logbook import Logbook
from sim.engine.model import LegSpec, ModelSpec, NodeSpec, Segment, undersized_ferries
from sim.engine.processes import Source, closure, sample_queues, start_sources
from sim.engine.randomness import GammaSampler, Streams, UniformSampler
from sim.engine.records import Cause, EventKind, Recorder
from sim.engine.routechoice import RouteChooser
from sim.engine.run_record import RunRecord
from sim.engine.servers import NodeFacility, facility_key
from sim.engine.units import UnitTable


class World:
    """The wiring of one replication of a model (see the module docstring)."""

    def __init__(self, spec: ModelSpec, replication: int = 0, *, trace: bool = False) -> None:
        self.spec = spec
        self.replication = replication
        self.env = Clock()
        self.streams = Streams(spec.seed, replication)
        self.units = UnitTable()
        self.recorder = Recorder(trace=trace)
        self.book = Logbook(spec.watch_nodes)
        self.kernel = Kernel(
            self.env, self.units, self.recorder, spec.warmup_h, spec.horizon_h, self.book
        )
        self.mover = Mover(self.kernel)
        self.closure_log: list[tuple[str, str, float, float]] = []
        self.queue_samples: list[tuple[float, str, str, float]] = []
        self._trips: dict[int, Trip] = {}
        self._last_seg = [len(plan.segments) - 1 for plan in spec.plans]
        self._last_arr = np.array(self._last_seg, dtype=np.int32)
        self._country = [flow.origin_country for flow in spec.flows]
        self._build_facilities()
        #: origin -> the delays a release there takes before it sets off
        self.origin_friction = {
            node: draw
            for node, specs in spec.origin_frictions.items()
            if (draw := frictions.sampler(self.streams, node, specs)) is not None
        }
        self.chooser = RouteChooser(spec, self.kernel.gates, self.node_fac, self.ferry_lines)
        self._start_processes()

    # -- construction ---------------------------------------------------------------------------
    @property
    def gates(self) -> dict[str, Gate]:
        """Gates of nodes and legs, by name (made on first use)."""
        return self.kernel.gates

    def gate(self, name: str) -> Gate:
        return self.kernel.gate(name)

    def _build_facilities(self) -> None:
        spec, streams, kernel = self.spec, self.streams, self.kernel
        self.node_fac: dict[str, NodeFacility] = {}
        self.dedicated_fac: dict[str, NodeFacility] = {}
        for node_id, ns in spec.nodes.items():
            if ns.servers <= 0 or ns.kind == "border":  # borders: per direction, on first use
                continue
            sampler = streams.gamma(f"handling:{node_id}", ns.handling_mean_h, ns.handling_cv)
            self.node_fac[node_id] = self._server(ns, sampler.draw)
            if ns.dedicated_for:
                sampler = streams.gamma(
                    f"handling:{node_id}:dedicated", ns.handling_mean_h, ns.handling_cv
                )
                self.dedicated_fac[node_id] = self._server(
                    ns, sampler.draw, factor=ns.dedicated_factor, tag=":dedicated"
                )
        # a leg takes base_h plus a random delay of mean delay_cv x duration, so its mean
        # running time is the published duration_h and base_h is the fastest it can be run
        self.base_h: dict[str, float] = {
            leg_id: leg.duration_h * max(0.0, 1.0 - leg.delay_cv)
            for leg_id, leg in spec.legs.items()
        }
        self.delays: dict[str, GammaSampler | UniformSampler] = {
            leg_id: self._delay_stream(f"delay:{leg_id}", leg) for leg_id, leg in spec.legs.items()
        }
        self.paths: dict[tuple[str, str], LinePath] = {}
        self.ferry_lines: dict[str, FerryLine] = {}
        problems = undersized_ferries(spec.ferries, spec.units, spec.flows)
        if problems:
            raise ValueError("\n".join(problems))
        unit_kind = [f.unit for f in spec.flows]
        #: each port's berths, shared by every line calling there
        self.berth_pools: dict[str, BerthPool] = {
            port: BerthPool(kernel, port, berths) for port, berths in spec.berths.items()
        }
        for leg_id, fs in spec.ferries.items():
            leg = spec.legs[leg_id]
            # a stream per vessel: a scenario with one vessel more or less gives the others
            # the same crossings (common random numbers), which a stream shared by the fleet
            # in order of sailing would not
            delays = [
                self._delay_stream(f"delay:{leg_id}:vessel {i}", leg).draw
                for i in range(fs.vessels)
            ]
            a, b = fs.ends
            landings = {a: partial(self.handoff, a, b), b: partial(self.handoff, b, a)}
            calls = {
                port: draw
                for port, specs in fs.call_frictions.items()
                if (draw := frictions.sampler(streams, f"{leg_id}@{port}", specs)) is not None
            }
            # each vessel's outages: the gaps between events and their durations, each from
            # its own stream (named after the vessel and the outage)
            outages = [
                [
                    (
                        streams.exponential(
                            f"outage:{leg_id}:{v.name}:{o.duration.name}", 8760.0 / o.per_year
                        ).draw,
                        frictions.draws(streams, f"{leg_id}:{v.name}", o.duration),
                    )
                    for o in v.outages
                    if o.per_year > 0
                ]
                for v in fs.vessel_list()
            ]
            self.ferry_lines[leg_id] = FerryLine(
                kernel,
                fs,
                self.base_h[leg_id],
                delays,
                landings,
                calls,
                unit_kind,
                outages,
                self.berth_pools,
            )
        self.formations: dict[tuple[str, tuple[str, ...], str], Formation] = {}
        #: the facilities by type, in the order of the facilities table (registration: a new
        #: facility type adds its mapping here; see sim.engine.facility)
        self.groups: dict[str, Mapping[Any, Facility]] = {
            "node": self.node_fac,
            "dedicated": self.dedicated_fac,
            "formation": self.formations,
            "line": self.paths,
            "ferry": self.ferry_lines,
            "berth": self.berth_pools,
        }
        #: what takes units at the start of a segment, by segment kind (road: none, each truck
        #: sets off at once)
        self.entries: dict[str, Callable[[Segment], Accepting]] = {
            "rail": self._formation,
            "ferry": self._quay,
        }

    def _server(
        self, ns: NodeSpec, handling: Callable[[], float], factor: float = 1.0, tag: str = ""
    ) -> NodeFacility:
        friction = frictions.sampler(self.streams, ns.node_id + tag, ns.frictions)
        return NodeFacility(
            self.kernel,
            self.mover,
            ns,
            handling,
            self._advance,
            factor=factor,
            tag=tag,
            friction=friction,
        )

    def _delay_stream(self, name: str, leg: LegSpec) -> GammaSampler | UniformSampler:
        """Random delays of a run over ``leg``: mean ``delay_cv x duration_h``, exponential or
        uniform on ``[0, 2 x mean]`` (see :class:`~sim.engine.model.LegSpec`)."""
        mean = min(leg.delay_cv, 1.0) * leg.duration_h
        if leg.delay_dist == "uniform":
            return self.streams.uniform(name, 0.0, 2 * mean)
        return self.streams.gamma(name, mean, 1.0)

    def _start_processes(self) -> None:
        spec, kernel = self.spec, self.kernel
        start_sources(
            kernel,
            (
                Source(
                    kernel, spec, flow, self.streams, self.chooser.choose, self._release_entrance
                )
                for flow in spec.flows
            ),
        )
        end_h = spec.horizon_h + spec.drain_h
        for c in spec.closures:
            rng = None if c.windows else self.streams.generator(f"closure:{c.name}:{c.target}")
            kernel.start(closure(kernel, c, rng, end_h, self.closure_log))
        if spec.queue_sample_h > 0:
            kernel.start(
                sample_queues(kernel, spec.queue_sample_h, self._queues, self.queue_samples)
            )

    def facility(self, node: str, came_from: str | None = None) -> NodeFacility | None:
        """The facility serving cargo at ``node`` (arriving from ``came_from``), or None.

        Borders have their lanes or tracks per direction, so each direction is a facility of
        its own (``"<node> from <came_from>"``); ports, terminals and gauge changes are shared.
        """
        ns = self.spec.nodes.get(node)
        if ns is None or ns.servers <= 0:
            return None
        key = facility_key(ns, node, came_from)
        fac = self.node_fac.get(key)
        if fac is None and ns.kind == "border":
            sampler = self.streams.gamma(f"handling:{key}", ns.handling_mean_h, ns.handling_cv)
            fac = self.node_fac[key] = self._server(ns, sampler.draw, tag=f" from {came_from}")
        return fac

    def _path(self, leg_id: str, direction: str) -> LinePath:
        key = (leg_id, direction)
        path = self.paths.get(key)
        if path is None:
            headway = self.spec.legs[leg_id].headway_h
            path = self.paths[key] = LinePath(self.kernel, f"{leg_id}>{direction}", headway)
        return path

    def _quay(self, seg: Segment) -> Accepting:
        return self.ferry_lines[seg.legs[0]].ends[seg.nodes[0]]

    def _formation(self, seg: Segment) -> Formation:
        key = (seg.nodes[0], seg.legs, seg.sync)
        form = self.formations.get(key)
        if form is None:
            train = self.spec.train_overrides.get((seg.legs, seg.sync), self.spec.trains)
            trip = self._trip(seg, EventKind.TRAIN_DEPART)
            form = Formation(
                self.kernel, seg.formation_name, train, partial(self._set_off, trip), seg.nodes[0]
            )
            self.formations[key] = form
        return form

    # -- trips ----------------------------------------------------------------------------------
    def _trip(self, seg: Segment, start: EventKind | None = None) -> Trip:
        """The trip of ``seg`` (its hops resolved when it first runs), ending in a hand-off at
        its last node; cached per segment (keyed by id: the spec lives as long as the world)."""
        trip = self._trips.get(id(seg))
        if trip is None:
            trip = self._trips[id(seg)] = Trip(
                fresh=True,
                then=partial(self.handoff, seg.nodes[-1], seg.nodes[-2]),
                start=start,
                origin=seg.nodes[0],
                build=partial(self._hops, seg),
            )
        return trip

    def _hops(self, seg: Segment) -> tuple[Hop, ...]:
        """Per leg of ``seg``, what a consist meets (see :class:`~sim.engine.hops.Hop`)."""
        hops = []
        for i, leg_id in enumerate(seg.legs):
            leg = self.spec.legs[leg_id]
            server = self.facility(seg.nodes[i], seg.nodes[i - 1]) if i > 0 else None
            # no facility: only the node's gate (a closure of a junction holds cargo too)
            junction = self.gate(seg.nodes[i]) if server is None and i > 0 else None
            line = seg.kind == "rail" and leg.headway_h > 0
            to = seg.nodes[i + 1]
            watch = self.book.index
            hops.append(
                Hop(
                    server,
                    junction,
                    Leg(
                        leg_id,
                        self.gate(leg_id),
                        to,
                        self.base_h[leg_id],
                        self.delays[leg_id].draw,
                        partial(self._path, leg_id, to) if line else None,
                        watch.get(seg.nodes[i], -1),
                        watch.get(to, -1),
                    ),
                )
            )
        return tuple(hops)

    def _set_off(self, trip: Trip, units: list[int], consist: int) -> None:
        self.kernel.start(self.mover.travel(units, trip, consist))

    # -- moving between segments ----------------------------------------------------------------
    def _release_entrance(self, seg: Segment) -> HandOn:
        """Where units released at the start of ``seg`` go: its entrance, after the origin's
        frictions (a terminal's dwell) where it has any.

        A dwell runs from the clock's calendar, not as a process: its start runs where a
        process's first step would (:meth:`~sim.engine.kernel.Clock.after`, once the release
        is done) and plans its end as that process's timeout would, so the units enter at the
        same time and in the same order among the other events, without a process and its
        three events per release.
        """
        enter = self.entrance(seg)
        dwell = self.origin_friction.get(seg.nodes[0])
        if dwell is None:
            return enter
        clock = self.env

        def after_dwell(units: list[int], consist: int) -> None:
            clock.after(partial(self._dwell, dwell(), units, enter, consist))

        return after_dwell

    def _dwell(self, hours: float, units: list[int], enter: HandOn, consist: int) -> None:
        """The start of a dwell of ``hours`` at the origin: ``units`` enter when it ends."""
        if hours > 0:
            clock = self.env
            clock.plan(clock._now + hours, partial(self._dwelt, hours, units, enter, consist))
        else:
            enter(units, consist)

    def _dwelt(self, hours: float, units: list[int], enter: HandOn, consist: int) -> None:
        self.units.wait(units, Cause.FRICTION, hours)
        enter(units, consist)

    def _enter(self, units: list[int], seg: Segment, consist: int) -> None:
        """Put units at the start of a segment: a train formation, a ferry quay or the road."""
        self.entrance(seg)(units, consist)

    def entrance(self, seg: Segment) -> HandOn:
        """What takes units at the start of ``seg`` (made on first use): a train formation's or a
        ferry quay's ``accept``, or on the road one truck's trip per unit."""
        entry = self.entries.get(seg.kind)
        if entry is not None:
            return entry(seg).accept
        return partial(self._by_road, self._trip(seg))

    def _by_road(self, trip: Trip, units: list[int], consist: int) -> None:
        for u in units:
            self._set_off(trip, [u], consist)

    def handoff(self, node: str, came_from: str, units: list[int], consist: int) -> None:
        """Units reach ``node`` (from ``came_from``) at the end of a segment: deliver them or
        pass them on through the node's facility to their next segment."""
        last, table, log = self._last_seg, self.units, self.recorder
        useg, plan_of = table.seg, table.plan
        if len(units) == 1:  # a truck: scalar reads, not a fancy index
            u = units[0]
            done = units if useg[u] == last[plan_of[u]] else []
        else:  # a consist: which units end here, read at once
            ids = table.index(units)
            ends = (useg[ids] == self._last_arr[plan_of[ids]]).tolist()
            done = [u for u, e in zip(units, ends, strict=True) if e]
        if done:
            c = consist if len(done) == len(units) else log.new_consist(done)
            if log.trace:
                log.event(self.env._now, EventKind.DELIVER, c, node)
            table.deliver(done, self.env._now)
            if len(done) == len(units):
                return
            units = [u for u, e in zip(units, ends, strict=True) if not e]
            consist = log.new_consist(units)
        fac = self.facility(node, came_from)
        if fac is None:
            gate = self.kernel.gates.get(node)
            if gate is not None and gate.closed:
                # a closed junction holds what changes segments there, as it holds what passes
                held = Trip((Hop(None, gate),), fresh=False, then=self._advance)
                self.kernel.start(self.mover.travel(units, held, consist))
            else:
                self._advance(units, consist)
            return
        dedicated = self.dedicated_fac.get(node)
        if dedicated is not None:
            mine, country, flow = set(fac.spec.dedicated_for), self._country, table.flow
            own = [u for u in units if country[flow[u]] in mine]
            if own:
                rest = [u for u in units if country[flow[u]] not in mine]
                dedicated.accept(own, log.new_consist(own))
                if not rest:
                    return
                units, consist = rest, log.new_consist(rest)
        fac.accept(units, consist)

    def _advance(self, units: list[int], consist: int = -1) -> None:
        """Pass units on to their next segments: units of different routes whose next
        segment is the same (same legs and synchronisation: the same formation, ferry queue or
        road) enter it together, in release order, so that one route's units do not board or
        fill a train ahead of another's that arrived with them."""
        plans, useg, plan_of = self.spec.plans, self.units.seg, self.units.plan
        if len(units) == 1:  # scalar reads, not an index array
            u = units[0]
            useg[u] += 1
            self._enter(
                units, plans[plan_of[u]].segments[useg[u]], self.recorder.new_consist(units)
            )
            return
        groups: dict[tuple[tuple[str, ...], str], tuple[Segment, list[int]]] = {}
        ids = np.sort(self.units.index(units))
        useg[ids] += 1  # each unit on to its next segment, read with its plan at once
        for u, p, k in zip(ids.tolist(), plan_of[ids].tolist(), useg[ids].tolist(), strict=True):
            seg = plans[p].segments[k]
            entry = groups.get((seg.legs, seg.sync))
            if entry is None:
                groups[(seg.legs, seg.sync)] = (seg, [u])
            else:
                entry[1].append(u)
        for seg, group in groups.values():
            c = self.recorder.new_consist(group)
            self._enter(group, seg, c)

    # -- sampling and results -------------------------------------------------------------------
    def _queues(self) -> Iterator[tuple[str, str, float]]:
        """What the queue sampling reads: ports and borders, ferry quays, train formations."""
        for name, fac in self.node_fac.items():
            if fac.spec.kind in ("port", "border"):
                yield name, fac.spec.kind, fac.queue_length()
        for name, line in self.ferry_lines.items():
            for port, end in line.ends.items():
                yield f"{name}@{port}", "ferry", end.queue_length()
        for form in self.formations.values():  # wagons waiting for a train
            yield form.name, "formation", form.queue_length()

    def facilities(self) -> list[Facility]:
        """Every facility, in the order of the facilities table (:attr:`groups`)."""
        return [f for group in self.groups.values() for f in group.values()]

    def run(self) -> RunRecord:
        """Run to the horizon plus the drain time; the run's record."""
        self.env.run(until=self.spec.horizon_h + self.spec.drain_h)
        return RunRecord(
            spec=self.spec,
            replication=self.replication,
            end_h=self.env.now,
            units=self.units.arrays(),
            facilities=tuple(s for f in self.facilities() for s in f.stats()),
            queue_samples=self.queue_samples,
            closures=self.closure_log,
            passages=self.book.passage_arrays(),
            voyages=self.book.voyages,
            events=self.recorder.events_frame() if self.recorder.trace else None,
        )


__all__ = ["World"]
