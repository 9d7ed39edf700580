"""One replication: the SimPy environment, its facilities, random streams and processes.

A :class:`World` runs a :class:`~sim.model.ModelSpec`. Units are data (ids in the recorder's
arrays); the processes are the things that move — block trains, vessels, trucks — carrying
lists of unit ids, so a year of corridor traffic is tens of thousands of events, not millions,
while each unit's times stay exact.

Examples
--------
>>> from sim.model import ModelSpec, FlowSpec, Plan, Segment, LegSpec, UnitSpec
>>> plan = Plan(0, "a→b", (Segment("road", ("a", "b"), ("a-b",)),), free_flow_h=5.0)
>>> spec = ModelSpec(
...     name="demo",
...     flows=(FlowSpec(0, "a→b", "a", "b", "AA", "truck", per_hour=0.5, plans=(0,)),),
...     plans=(plan,), nodes={}, legs={"a-b": LegSpec("a-b", "road", 5.0)}, ferries={},
...     units={"truck": UnitSpec(0.0, 1.0, 20.0, 1.0)},
...     horizon_h=100.0, warmup_h=0.0, drain_h=10.0)
>>> w = World(spec, replication=0)
>>> w.run()
>>> bool((w.recorder.unit_arrays()["running_h"][:3] == 5.0).all())
True
"""

from __future__ import annotations

import itertools
from collections.abc import Generator
from functools import partial
from typing import Any

import simpy

from sim.facilities import FerryLine, Formation, Gate, LinePath, Monitor, NodeFacility
from sim.model import ClosureSpec, FlowSpec, LegSpec, ModelSpec, Plan, Segment
from sim.randomness import GammaSampler, Streams, UniformSampler
from sim.records import N_CAUSES, Cause, EventKind, Recorder

Proc = Generator[simpy.Event, Any, Any]

HOURS_PER_MONTH = 365 * 24 / 12


class World:
    """The state of one replication of a model."""

    def __init__(self, spec: ModelSpec, replication: int = 0, *, trace: bool = False) -> None:
        self.spec = spec
        self.replication = replication
        self.env = simpy.Environment()
        self.streams = Streams(spec.seed, replication)
        self.recorder = Recorder(trace=trace)
        self.gates: dict[str, Gate] = {}
        self._seg_hops: dict[int, tuple[list[tuple[Any, ...]], tuple[int, ...]]] = {}
        self._last_seg = [len(plan.segments) - 1 for plan in spec.plans]
        self._probes: dict[int, tuple[tuple[str, ...], tuple[Any, ...], tuple[Any, ...]]] = {}
        self.closure_log: list[tuple[str, str, float, float]] = []
        self.queue_samples: list[tuple[float, str, str, float]] = []
        self.unit_seg: list[int] = []
        self.train_slots: list[float] = []
        self.ferry_slots: list[float] = []
        self.unit_country: list[str] = []
        self._build_facilities()
        for flow in spec.flows:
            self.env.process(self._source(flow))
        for closure in spec.closures:
            self.env.process(self._closure(closure))
        if spec.queue_sample_h > 0:
            self.env.process(self._sample_queues())

    # -- construction ---------------------------------------------------------------------------
    def monitor(self) -> Monitor:
        """A monitor integrating over the statistics window (warm-up to horizon)."""
        return Monitor(self.env, self.spec.warmup_h, self.spec.horizon_h)

    def gate(self, name: str) -> Gate:
        gate = self.gates.get(name)
        if gate is None:
            gate = self.gates[name] = Gate(self.env, name)
        return gate

    def _build_facilities(self) -> None:
        spec, streams = self.spec, self.streams
        self.node_fac: dict[str, NodeFacility] = {}
        self.dedicated_fac: dict[str, NodeFacility] = {}
        for node_id, ns in spec.nodes.items():
            if ns.servers <= 0 or ns.kind == "border":  # borders: per direction, on first use
                continue
            sampler = streams.gamma(f"handling:{node_id}", ns.handling_mean_h, ns.handling_cv)
            self.node_fac[node_id] = NodeFacility(self, ns, sampler)
            if ns.dedicated_for:
                sampler = streams.gamma(
                    f"handling:{node_id}:dedicated", ns.handling_mean_h, ns.handling_cv
                )
                self.dedicated_fac[node_id] = NodeFacility(
                    self, ns, sampler, factor=ns.dedicated_factor, tag=":dedicated"
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
        biggest = max((spec.units[f.unit].ferry_slots for f in spec.flows), default=0.0)
        for leg_id, fs in spec.ferries.items():
            if fs.effective_capacity < biggest:
                # such a unit would never fit and the vessels would shuttle empty for ever
                raise ValueError(
                    f"ferry {leg_id}: deck capacity {fs.capacity_slots:g} slots x load factor "
                    f"{fs.load_factor:g} = {fs.effective_capacity:g} is less than one unit "
                    f"({biggest:g} slots); raise capacity_slots or load_factor"
                )
            leg = spec.legs[leg_id]
            # a stream per vessel: a scenario with one vessel more or less gives the others
            # the same crossings (common random numbers), which a stream shared by the fleet
            # in order of sailing would not
            delays = [
                self._delay_stream(f"delay:{leg_id}:vessel {i}", leg).draw
                for i in range(fs.vessels)
            ]
            self.ferry_lines[leg_id] = FerryLine(self, fs, self.base_h[leg_id], delays)
        self.formations: dict[tuple[str, tuple[str, ...], str], Formation] = {}

    def _delay_stream(self, name: str, leg: LegSpec) -> GammaSampler | UniformSampler:
        """Random delays of a run over ``leg``: mean ``delay_cv x duration_h``, exponential or
        uniform on ``[0, 2 x mean]`` (see :class:`~sim.model.LegSpec`)."""
        mean = min(leg.delay_cv, 1.0) * leg.duration_h
        if leg.delay_dist == "uniform":
            return self.streams.uniform(name, 0.0, 2 * mean)
        return self.streams.gamma(name, mean, 1.0)

    def facility(self, node: str, came_from: str | None = None) -> NodeFacility | None:
        """The facility serving cargo at ``node`` (arriving from ``came_from``), or None.

        Borders have their lanes or tracks per direction, so each direction is a facility of
        its own (``"<node> from <came_from>"``); ports, terminals and gauge changes are shared.
        """
        ns = self.spec.nodes.get(node)
        if ns is None or ns.servers <= 0:
            return None
        key = self._facility_key(node, came_from)
        fac = self.node_fac.get(key)
        if fac is None and ns.kind == "border":
            sampler = self.streams.gamma(f"handling:{key}", ns.handling_mean_h, ns.handling_cv)
            fac = self.node_fac[key] = NodeFacility(self, ns, sampler, tag=f" from {came_from}")
        return fac

    def _facility_key(self, node: str, came_from: str | None) -> str:
        ns = self.spec.nodes.get(node)
        return f"{node} from {came_from}" if ns is not None and ns.kind == "border" else node

    def _path(self, leg_id: str, direction: str) -> LinePath | None:
        leg = self.spec.legs[leg_id]
        if leg.headway_h <= 0:
            return None
        key = (leg_id, direction)
        path = self.paths.get(key)
        if path is None:
            path = self.paths[key] = LinePath(self, f"{leg_id}>{direction}", leg.headway_h)
        return path

    def _formation(self, seg: Segment) -> Formation:
        key = (seg.nodes[0], seg.legs, seg.sync)
        form = self.formations.get(key)
        if form is None:
            train = self.spec.train_overrides.get((seg.legs, seg.sync), self.spec.trains)
            form = Formation(
                self,
                seg.formation_name,
                train,
                partial(self._train_departs, seg),
            )
            self.formations[key] = form
        return form

    def _train_departs(self, seg: Segment, units: list[int]) -> None:
        self._start(self._run_segment(units, seg, EventKind.TRAIN_DEPART))

    def _start(self, gen: Proc) -> None:
        self.env.process(gen)

    # -- moving ---------------------------------------------------------------------------------
    def pass_gate(self, gate: Gate, units: list[int], consist: int) -> Proc:
        """Wait while ``gate`` is closed; the wait counts as disruption for ``units``."""
        if not gate.closed:
            return
        t0 = self.env.now
        if units:
            self.recorder.event(t0, EventKind.BLOCKED, consist, gate.name)
        while gate.closed:
            yield gate.reopened
        if units:
            self.recorder.event(self.env.now, EventKind.UNBLOCKED, consist, gate.name)
            self.recorder.dwell(units, Cause.DISRUPTION, self.env.now - t0)

    def _enter(self, units: list[int], seg: Segment, consist: int) -> None:
        """Put units at the start of a segment: a train formation, a ferry queue or the road."""
        if seg.kind == "rail":
            self._formation(seg).join(units, consist)
        elif seg.kind == "ferry":
            self.ferry_lines[seg.legs[0]].join(units, consist, seg.nodes[0])
        else:
            for u in units:
                self.env.process(self._run_segment([u], seg, None))

    def _hops(self, seg: Segment) -> tuple[list[tuple[Any, ...]], tuple[int, ...]]:
        """Per leg of ``seg``, what a consist meets, resolved once per segment (not per hop):
        ``(facility before the leg or None, its monitor, resource, resource queue, handling
        draw, gate, delay cause index, time factor, leg gate, leg id, next node, fixed running
        time, delay draw, needs a line path)``; and the delay causes the segment's facilities
        record. Cached in ``_seg_hops`` (looked up by the caller, on the hot path)."""
        hops = []
        for i, leg_id in enumerate(seg.legs):
            leg = self.spec.legs[leg_id]
            fac = self.facility(seg.nodes[i], seg.nodes[i - 1]) if i > 0 else None
            line = seg.kind == "rail" and leg.headway_h > 0
            parts = (
                (
                    fac.monitor,
                    fac.resource,
                    fac.resource.queue,
                    fac.sampler.draw,
                    fac.gate,
                    int(fac.cause),
                    fac.factor,
                )
                if fac
                # no facility: only the node's gate (a closure of a junction holds cargo too)
                else (None, None, None, None, self.gate(seg.nodes[i]) if i > 0 else None, 0, 1.0)
            )
            hops.append(
                (
                    fac,
                    *parts,
                    self.gate(leg_id),
                    leg_id,
                    seg.nodes[i + 1],
                    self.base_h[leg_id],
                    self.delays[leg_id].draw,
                    line,
                )
            )
        causes = tuple(sorted({hop[6] for hop in hops if hop[0] is not None}))
        # keyed by id: the spec (and so the segment) lives as long as the world
        self._seg_hops[id(seg)] = (hops, causes)
        return hops, causes

    def _run_segment(self, units: list[int], seg: Segment, start_kind: EventKind | None) -> Proc:
        env, rec = self.env, self.recorder
        trace = rec.trace  # event() is a no-op without the log: skip the calls (hot path)
        consist = -1
        if trace:  # consist ids serve only the event log
            consist = rec.new_consist(units)
            if start_kind is not None:
                rec.event(env.now, start_kind, consist, seg.nodes[0])
        hops, causes = self._seg_hops.get(id(seg)) or self._hops(seg)
        warm, end = self.spec.warmup_h, self.spec.horizon_h  # every monitor's window
        n = len(units)
        # times are summed over the segment and credited to the units once, at its end (one
        # pass over the consist instead of two per hop); a unit still inside a segment when the
        # run ends keeps the times of the segments it finished
        run_h = 0.0
        dwell = [0.0] * N_CAUSES
        for (
            fac,
            mon,
            resource,
            queue,
            sampler,
            fac_gate,
            cause,
            factor,
            gate,
            leg_id,
            next_node,
            duration_h,
            delay,
            line,
        ) in hops:
            if fac is not None:
                # NodeFacility.serve, inlined: a nested generator per facility and its three
                # resumptions cost more than the rest of the hop (see sim/bench.py)
                if trace:
                    rec.event(env.now, EventKind.QUEUE, consist, fac.name)
                if fac_gate.closed:
                    yield from self.pass_gate(fac_gate, units, consist)
                t1 = env._now  # the property costs a call; this is the hot path
                with resource.request() as req:
                    if len(queue) > mon.max_queue:  # queued: the only moment of a new high
                        mon.max_queue = len(queue)
                    yield req
                    t2 = env._now
                    if trace:
                        rec.event(t2, EventKind.SERVICE_START, consist, fac.name)
                    yield env.timeout(sampler() * factor)
                now = env._now
                if trace:
                    rec.event(now, EventKind.SERVICE_END, consist, fac.name)
                if t1 >= warm and now <= end:
                    # Monitor.customer, inlined for a customer wholly inside the statistics
                    # window (the call costs twice as much as these updates)
                    wait = t2 - t1
                    mon.area_queue += wait
                    mon.area_busy += now - t2
                    mon.customers += 1
                    mon.units += n
                    mon.wait_sum += wait * n
                else:
                    mon.customer(t1, t2, now, n)
                dwell[cause] += now - t1
            elif fac_gate is not None and fac_gate.closed:
                # a node without a facility (a junction) closed: hold the consist there
                yield from self.pass_gate(fac_gate, units, consist)
            if gate.closed:  # inline check: delegating to an open gate costs a generator
                yield from self.pass_gate(gate, units, consist)
            if line:
                path = self._path(leg_id, next_node)
                if path is not None:
                    slot = yield from path.enter(units)
                    # the leg (or the junction the train waits at) may have closed while the
                    # train waited for its headway slot
                    junction = fac_gate if fac is None else None
                    while gate.closed or (junction is not None and junction.closed):
                        if junction is not None:
                            yield from self.pass_gate(junction, units, consist)
                        yield from self.pass_gate(gate, units, consist)
                    path.depart(slot)
            if trace:
                rec.event(env.now, EventKind.DEPART, consist, leg_id)
            hours = duration_h + delay()
            if hours > 0:  # a zero-length leg (a yard move, a benchmark's lead-in) takes no event
                yield env.timeout(hours)
            run_h += hours
            if trace:
                rec.event(env.now, EventKind.ARRIVE, consist, next_node)
        rec.running(units, run_h, legs=len(hops))
        for cause in causes:
            rec.dwell(units, cause, dwell[cause])  # type: ignore[arg-type]
        self.handoff(units, seg.nodes[-1], consist, seg.nodes[-2])

    def handoff(self, units: list[int], node: str, consist: int, came_from: str) -> None:
        """Units reach ``node`` (from ``came_from``) at the end of a segment: deliver them or
        pass them on through the node's facility to their next segment."""
        last, useg, rec = self._last_seg, self.unit_seg, self.recorder
        plan_of = rec.unit_plan
        done = [u for u in units if useg[u] == last[plan_of[u]]]
        if done:
            c = consist if len(done) == len(units) else rec.new_consist(done)
            if rec.trace:
                rec.event(self.env._now, EventKind.DELIVER, c, node)
            rec.deliver(done, self.env._now)
            if len(done) == len(units):
                return
            units = [u for u in units if useg[u] != last[plan_of[u]]]
            consist = rec.new_consist(units)
        fac = self.facility(node, came_from)
        if fac is None:
            gate = self.gates.get(node)
            if gate is not None and gate.closed:
                # a closed junction holds what changes segments there, as it holds what passes
                self._start(self._held(gate, units, consist))
            else:
                self._advance(units)
            return
        dedicated = self.dedicated_fac.get(node)
        if dedicated is not None:
            mine = set(fac.spec.dedicated_for)
            own = [u for u in units if self.unit_country[u] in mine]
            if own:
                rest = [u for u in units if self.unit_country[u] not in mine]
                self._start(self._through(dedicated, own, self.recorder.new_consist(own)))
                if not rest:
                    return
                units, consist = rest, self.recorder.new_consist(rest)
        self._start(self._through(fac, units, consist))

    def _held(self, gate: Gate, units: list[int], consist: int) -> Proc:
        yield from self.pass_gate(gate, units, consist)
        self._advance(units)

    def _through(self, fac: NodeFacility, units: list[int], consist: int) -> Proc:
        yield from fac.serve(units, consist)
        self._advance(units)

    def _advance(self, units: list[int]) -> None:
        """Pass units on to their next segments: units of different routes whose next
        segment is the same (same legs and synchronisation: the same formation, ferry queue or
        road) enter it together, in release order, so that one route's units do not board or
        fill a train ahead of another's that arrived with them."""
        plans, useg, plan_of = self.spec.plans, self.unit_seg, self.recorder.unit_plan
        groups: dict[tuple[tuple[str, ...], str], tuple[Segment, list[int]]] = {}
        for u in sorted(units):
            useg[u] += 1
            seg = plans[plan_of[u]].segments[useg[u]]
            entry = groups.get((seg.legs, seg.sync))
            if entry is None:
                groups[(seg.legs, seg.sync)] = (seg, [u])
            else:
                entry[1].append(u)
        for seg, group in groups.values():
            c = self.recorder.new_consist(group)
            self._enter(group, seg, c)

    # -- demand ---------------------------------------------------------------------------------
    def _source(self, flow: FlowSpec) -> Proc:
        env, spec, rec = self.env, self.spec, self.recorder
        key = f"{flow.label}|{flow.origin}|{flow.destination}|{flow.unit}"
        # drawn in blocks (a numpy call per draw would cost more than the release itself);
        # uniform on [0, 1) in blocks gives the very draws of Generator.random() one at a time
        choice = self.streams.uniform(f"choice:{key}", 0.0, 1.0).draw
        season = flow.seasonality or (1.0,) * 12
        peak = flow.per_hour * max(season)
        # seasonal rates thin a Poisson stream at the peak rate; a release carries ``batch``
        # units, so releases come at per_hour / batch (as scheduled ones do)
        gap = self.streams.exponential(f"arrivals:{key}", flow.batch / peak).draw
        thin = self.streams.uniform(f"thinning:{key}", 0.0, 1.0) if flow.seasonality else None
        unit = spec.units[flow.unit]
        batch = flow.batch
        seg0, train0, ferry0 = [0] * batch, [unit.train_slots] * batch, [unit.ferry_slots] * batch
        country0 = [flow.origin_country] * batch
        single = len(flow.plans) == 1  # no choice to make: the choice stream is not drawn
        trace = rec.trace
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
            plan = flow.plans[0] if single else self._choose(flow, choice())
            now = env._now
            units = rec.new_units(flow.index, plan, now, batch)
            self.unit_seg += seg0
            self.train_slots += train0
            self.ferry_slots += ferry0
            self.unit_country += country0
            consist = -1
            if trace:  # consist ids serve only the event log
                consist = rec.new_consist(units)
                rec.event(now, EventKind.RELEASE, consist, flow.origin)
            self._enter(units, spec.plans[plan].segments[0], consist)

    def _choose(self, flow: FlowSpec, draw: float) -> int:
        plans = flow.plans
        if flow.reroute_on_closure and len(plans) > 1:
            open_ = tuple(p for p in plans if not self._closed(self.spec.plans[p]))
            plans = open_ or plans
        if len(plans) == 1 or flow.choice == "best":
            return plans[0]
        if flow.choice == "shares":
            weights = [flow.shares[flow.plans.index(p)] for p in plans]
            total = sum(weights)
            acc = 0.0
            for p, w in zip(plans, weights, strict=True):
                acc += w / total
                if draw < acc:
                    return p
            return plans[-1]
        return min(plans, key=lambda p: self.expected_time(self.spec.plans[p]))

    def _closed(self, plan: Plan) -> bool:
        gates = self.gates
        return any((g := gates.get(name)) is not None and g.closed for name in self._probe(plan)[0])

    def _probe(self, plan: Plan) -> tuple[tuple[str, ...], tuple[Any, ...], tuple[Any, ...]]:
        """What route choice looks at on ``plan``, resolved once: the names of its gates,
        ``(facility key, mean handling hours, servers)`` of its intermediate nodes, and
        ``(ferry end, line capacity, cycle hours)`` of its crossings."""
        probe = self._probes.get(plan.index)
        if probe is None:
            nodes = plan.nodes
            servers = []
            for prev, node in itertools.pairwise(nodes[:-1]):
                ns = self.spec.nodes.get(node)
                if ns is not None and ns.servers > 0:
                    key = self._facility_key(node, prev)
                    servers.append((key, ns.handling_mean_h, ns.servers))
            ferries = []
            for seg in plan.segments:
                if seg.kind == "ferry":
                    line = self.ferry_lines[seg.legs[0]]
                    cycle = (
                        2
                        * (line.duration_h + line.spec.load_h + line.spec.unload_h)
                        / line.spec.vessels
                    )
                    ferries.append((line.ends[seg.nodes[0]], max(line.capacity, 1e-9), cycle))
            probe = ((*plan.legs, *nodes[1:-1]), tuple(servers), tuple(ferries))
            self._probes[plan.index] = probe
        return probe

    def expected_time(self, plan: Plan) -> float:
        """Static time of a plan plus the queues it would meet now (for adaptive choice)."""
        _, servers, ferries = self._probe(plan)
        node_fac = self.node_fac
        extra = 0.0
        for key, mean_h, n_servers in servers:
            # get, not facility(): one not created yet has had nobody queue there
            fac = node_fac.get(key)
            if fac is not None:
                res = fac.resource
                waiting = len(res.queue) + len(res.users) - n_servers + 1
                if waiting > 0:
                    extra += waiting * mean_h / n_servers
        for end, capacity, cycle in ferries:
            extra += (end.slots / capacity) * cycle
        return plan.expected_h + extra

    # -- disruptions and sampling ---------------------------------------------------------------
    def _closure(self, closure: ClosureSpec) -> Proc:
        env = self.env
        gate = self.gate(closure.target)
        end_h = self.spec.horizon_h + self.spec.drain_h
        if closure.windows:
            for start, stop in closure.windows:
                yield env.timeout(max(start - env.now, 0.0))
                yield from self._closed_for(closure, gate, stop - start)
            return
        rng = self.streams.generator(f"closure:{closure.name}:{closure.target}")
        months = set(closure.months or range(1, 13))
        rate = closure.events_per_month / HOURS_PER_MONTH
        while env.now < end_h:
            yield env.timeout(rng.exponential(1.0 / rate))
            month = int(env.now // HOURS_PER_MONTH) % 12 + 1
            if month in months:
                # each event runs on its own, so events keep arriving during a closure (the
                # stated rate holds) and overlapping closures nest through the gate's count
                hours = rng.exponential(closure.mean_duration_h)
                env.process(self._closed_for(closure, gate, hours))

    def _closed_for(self, closure: ClosureSpec, gate: Gate, hours: float) -> Proc:
        start = self.env.now
        gate.close()
        yield self.env.timeout(hours)
        gate.open()
        self.closure_log.append((closure.name, closure.target, start, self.env.now))

    def _sample_queues(self) -> Proc:
        env, step = self.env, self.spec.queue_sample_h
        end_h = self.spec.horizon_h
        samples = self.queue_samples
        while env.now <= end_h:
            now = env.now
            for name, fac in self.node_fac.items():
                if fac.spec.kind in ("port", "border"):
                    samples.append((now, name, fac.spec.kind, len(fac.resource.queue)))
            for name, line in self.ferry_lines.items():
                for port, end in line.ends.items():
                    samples.append((now, f"{name}@{port}", "ferry", end.monitor.queue))
            for form in self.formations.values():  # wagons waiting for a train
                samples.append((now, form.name, "formation", len(form.queue)))
            yield env.timeout(step)

    def run(self) -> None:
        """Run to the horizon plus the drain time."""
        self.env.run(until=self.spec.horizon_h + self.spec.drain_h)
        for mon in self.monitors():
            mon.close()

    def monitors(self) -> list[Any]:
        out: list[Any] = [f.monitor for f in self.node_fac.values()]
        out += [f.monitor for f in self.dedicated_fac.values()]
        out += [p.monitor for p in self.paths.values()]
        out += [f.monitor for f in self.formations.values()]
        for line in self.ferry_lines.values():
            out.append(line.monitor)
            out += [e.monitor for e in line.ends.values()]
        return out


__all__ = ["World"]
