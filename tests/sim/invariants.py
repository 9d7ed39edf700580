"""What must hold in any run, checked from a traced run's event log against the model and the
engine's own state at the end (used by the hypothesis properties and the mutation tests).

:func:`violations` returns one line per broken rule, each starting with the name of the
property it breaks (``conservation``, ``order``, ``route``, ``capacity``, ``closure``,
``causes``, ``fifo``, ``policy``, ``choice``, ``bookkeeping``); an empty list means the run
kept them all. The event log is read raw (``recorder.events`` and ``recorder.consists``), so
the checks see empty vessel voyages as well. Where the engine's state is needed (what is in a
formation, a ferry queue, a server, on a leg at the end) it is read from the facilities and from
the SimPy processes still alive; nothing here calls the engine's own bookkeeping to decide what
is right.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from typing import Any

import simpy
from simpy.events import Event, Process
from simpy.resources.resource import Request

from sim.engine.model import KIND_CAUSE, ModelSpec, Segment, TrainSpec
from sim.engine.records import Cause, EventKind
from sim.engine.world import World

EPS = 1e-6

K = EventKind
#: where each event kind leaves a unit until its next event; ``None`` for the instantaneous ones
#: (a unit whose last event is one of those must be waiting for a line path: the only wait
#: that logs no event of its own)
_PLACE_KIND: dict[int, str | None] = {
    K.RELEASE: None,
    K.JOIN_FORMATION: "formation",
    K.TRAIN_DEPART: None,
    K.QUEUE: "queue",
    K.SERVICE_START: "service",
    K.SERVICE_END: None,
    K.DEPART: "leg",
    K.ARRIVE: None,
    K.JOIN_FERRY: "ferry queue",
    K.SAIL: "aboard",
    K.LAND: None,
}
#: which event may follow which, for one unit
_NEXT: dict[int, set[int]] = {
    K.RELEASE: {K.JOIN_FORMATION, K.JOIN_FERRY, K.DEPART, K.BLOCKED},
    K.JOIN_FORMATION: {K.TRAIN_DEPART},
    K.TRAIN_DEPART: {K.DEPART, K.BLOCKED},
    K.DEPART: {K.ARRIVE},
    K.ARRIVE: {K.QUEUE, K.DEPART, K.BLOCKED, K.DELIVER, K.JOIN_FORMATION, K.JOIN_FERRY},
    K.QUEUE: {K.BLOCKED, K.SERVICE_START},
    K.BLOCKED: {K.UNBLOCKED},
    # held again: a junction's gate then the leg's, or the leg closing during the line wait
    # or a closed junction held units between two segments
    K.UNBLOCKED: {
        K.SERVICE_START,
        K.DEPART,
        K.LAND,
        K.BLOCKED,
        K.JOIN_FORMATION,
        K.JOIN_FERRY,
    },
    K.SERVICE_START: {K.SERVICE_END},
    K.SERVICE_END: {K.DEPART, K.BLOCKED, K.JOIN_FORMATION, K.JOIN_FERRY},
    K.JOIN_FERRY: {K.SAIL},
    K.SAIL: {K.LAND, K.BLOCKED},
    K.LAND: {K.QUEUE, K.DEPART, K.BLOCKED, K.DELIVER, K.JOIN_FORMATION, K.JOIN_FERRY},
    K.DELIVER: set(),
}

Ev = tuple[float, int, int, str]


class _Model:
    """What the model itself says, independently of the engine: plan steps, train specs per
    formation name, facility servers and causes per facility name."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        # per plan, the legs in order with (kind of segment, from node, to node, segment)
        self.steps: list[list[tuple[str, str, str, str, Segment]]] = []
        self.train: dict[str, TrainSpec] = {}
        keys: dict[str, tuple[str, tuple[str, ...], str]] = {}
        for plan in spec.plans:
            steps = []
            for seg in plan.segments:
                for i, leg in enumerate(seg.legs):
                    steps.append((seg.kind, leg, seg.nodes[i], seg.nodes[i + 1], seg))
                if seg.kind == "rail":
                    name = seg.formation_name
                    key = (seg.nodes[0], seg.legs, seg.sync)
                    if keys.setdefault(name, key) != key:
                        raise ValueError(f"two formations named {name!r}: {keys[name]}, {key}")
                    self.train[name] = spec.train_overrides.get((seg.legs, seg.sync), spec.trains)
            self.steps.append(steps)

    def node_of(self, facility: str) -> str:
        return facility.split(" from ")[0].removesuffix(":dedicated")

    def servers(self, facility: str) -> int:
        return self.spec.nodes[self.node_of(facility)].servers

    def cause(self, facility: str) -> Cause:
        return KIND_CAUSE.get(self.spec.nodes[self.node_of(facility)].kind, Cause.PORT)


# -- the engine's state at the end --------------------------------------------------------------
def _processes(world: World) -> Iterator[Process]:
    """Every live process: those waiting on a scheduled event, a gate, a resource or a ferry
    end's signal (that is every wait the engine has)."""
    seen: dict[int, Process] = {}

    def from_event(ev: Event, depth: int = 0) -> None:
        for cb in ev.callbacks or ():
            owner = getattr(cb, "__self__", None)
            if isinstance(owner, Process):
                seen.setdefault(id(owner), owner)
            elif isinstance(owner, Event) and owner is not ev and depth < 3:
                from_event(owner, depth + 1)  # a condition (any_of) waited on by a process

    for item in world.env._queue:  # type: ignore[attr-defined]
        from_event(item[-1])
    for gate in world.gates.values():
        from_event(gate.reopened)
    for res in _resources(world):
        for req in (*res.queue, *res.users):
            if req.proc is not None:
                seen.setdefault(id(req.proc), req.proc)
    for line in world.ferry_lines.values():
        for end in line.ends.values():
            from_event(end.signal)
    # a line path's slot is held after the train that took it has gone (maybe delivered)
    yield from (p for p in seen.values() if p.is_alive)


def _resources(world: World) -> Iterator[simpy.Resource]:
    for fac in (*world.node_fac.values(), *world.dedicated_fac.values()):
        yield fac.resource
    for path in world.paths.values():
        yield path.resource
    for line in world.ferry_lines.values():
        for end in line.ends.values():
            yield end.berth


def _place_of(
    world: World, proc: Process, facilities: dict[int, str]
) -> tuple[tuple[str, ...] | None, list[int]]:
    """Where the units a live process carries are, read from its generator's frames."""
    gen: Any = proc._generator  # type: ignore[attr-defined]
    name = gen.gi_code.co_name
    if name not in ("travel", "_vessel"):
        return None, []
    inner = gen
    while inner.gi_yieldfrom is not None:
        inner = inner.gi_yieldfrom
    local = gen.gi_frame.f_locals
    units = list(local.get("units") or ())
    if inner.gi_code.co_name == "pass_gate":
        held = list(inner.gi_frame.f_locals["units"])
        return ("blocked", inner.gi_frame.f_locals["gate"].name), held
    target = proc.target
    if name == "_vessel":
        # waiting for its berth or for a departure it holds nothing (``units`` is the last
        # voyage's); past the gates, it holds its load: loading, at sea or unloading
        if isinstance(target, Request) or inner.gi_code.co_name == "_wait_for_departure":
            return None, []
        return ("aboard", local["self"].name), units
    if isinstance(target, Request):
        res = target.resource
        if id(res) in facilities:
            return ("queue", facilities[id(res)]), units
        return ("path",), units
    for f in (*world.node_fac.values(), *world.dedicated_fac.values()):
        if any(req.proc is proc for req in f.resource.users):
            return ("service", facilities[id(f.resource)]), units
    if name == "travel" and local["hop"].leg is not None:
        return ("leg", local["hop"].leg.name), units
    return ("unknown", name), units


def engine_places(
    world: World,
) -> tuple[dict[int, tuple[str, ...]], list[str], list[tuple[str, list[int]]]]:
    """Where the engine holds each unit at the end of the run, any unit held twice, and the
    load of each vessel under way (ferry leg, units)."""
    out: dict[int, tuple[str, ...]] = {}
    twice: list[str] = []
    aboard: list[tuple[str, list[int]]] = []

    def put(units: Iterable[int], where: tuple[str, ...]) -> None:
        for u in units:
            if u in out:
                twice.append(f"conservation: unit {u} is in {out[u]} and in {where}")
            out[u] = where

    for form in world.formations.values():
        put((u for u, _, _ in form.queue), ("formation", form.name))
    for line in world.ferry_lines.values():
        for port, end in line.ends.items():
            put((u for u, _, _ in end.queue), ("ferry queue", f"{line.name}@{port}"))
    facilities = {
        id(f.resource): f.name for f in (*world.node_fac.values(), *world.dedicated_fac.values())
    }
    for proc in _processes(world):
        where, units = _place_of(world, proc, facilities)
        if where is not None:
            put(units, where)
            if where[0] == "aboard" and units:
                aboard.append((where[1], units))
    return out, twice, aboard


def _closures_in_force(world: World) -> list[tuple[str, float]]:
    """``(target, start)`` of the closures still in force when the run ended."""
    out = []
    for proc in _processes(world):
        gen: Any = proc._generator  # type: ignore[attr-defined]
        while gen.gi_yieldfrom is not None:  # scheduled windows run inside _closure
            gen = gen.gi_yieldfrom
        if gen.gi_code.co_name == "closed_for":
            local = gen.gi_frame.f_locals
            out.append((local["closure"].target, local["start"]))
    return out


# -- closures -----------------------------------------------------------------------------------
class _Windows:
    """Closed intervals per gate (unions of overlapping closures)."""

    def __init__(self, intervals: Iterable[tuple[str, float, float]]) -> None:
        per: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for target, s, e in intervals:
            per[target].append((s, e))
        self.merged: dict[str, list[tuple[float, float]]] = {}
        for target, spans in per.items():
            spans.sort()
            out: list[list[float]] = []
            for s, e in spans:
                if out and s <= out[-1][1] + EPS:
                    out[-1][1] = max(out[-1][1], e)
                else:
                    out.append([s, e])
            self.merged[target] = [(s, e) for s, e in out]

    def inside(self, target: str, t: float) -> bool:
        """Strictly inside a closure of ``target`` (a boundary instant is not)."""
        return any(s + EPS < t < e - EPS for s, e in self.merged.get(target, ()))

    def around(self, target: str, t: float) -> tuple[float, float] | None:
        for s, e in self.merged.get(target, ()):
            if s - EPS <= t <= e + EPS:
                return s, e
        return None

    def reopens(self, target: str, t: float) -> bool:
        return any(abs(t - e) <= EPS for _, e in self.merged.get(target, ()))

    def near_edge(self, targets: Iterable[str], t: float) -> bool:
        return any(
            abs(t - x) <= EPS for g in targets for span in self.merged.get(g, ()) for x in span
        )


# -- the checks ---------------------------------------------------------------------------------
def violations(world: World, limit: int = 50) -> list[str]:
    """Every broken rule of a finished traced run (``World(spec, trace=True).run()``)."""
    return _Checker(world).run()[:limit]


class _Checker:
    def __init__(self, world: World) -> None:
        if not world.recorder.trace:
            raise ValueError("the checks read the event log: run the world with trace=True")
        self.w = world
        self.spec = world.spec
        self.m = _Model(world.spec)
        self.rec = world.recorder
        self.arr = world.units.arrays()
        self.n_units = len(self.arr["release_h"])
        #: room each unit takes on a train and on a vessel
        self.train_slots: list[float] = self.arr["train_slots"].tolist()
        self.ferry_slots: list[float] = self.arr["ferry_slots"].tolist()
        self.out: list[str] = []
        self.aboard: list[tuple[str, list[int]]] = []
        self.chain: list[list[Ev]] = [[] for _ in range(self.n_units)]
        for ev in self.rec.events:
            for u in self.rec.consists[ev[2]]:
                if 0 <= u < len(self.chain):
                    self.chain[u].append(ev)
                else:
                    self.bad("conservation", f"event {ev} names unit {u}, never released")
        self.end_h = self.spec.horizon_h + self.spec.drain_h
        in_force = _closures_in_force(world)
        self.windows = _Windows(
            [(tgt, s, e) for _, tgt, s, e in world.closure_log]
            + [(tgt, s, math.inf) for tgt, s in in_force]
        )
        self.in_force = in_force

    def bad(self, prop: str, text: str) -> None:
        self.out.append(f"{prop}: {text}")

    def run(self) -> list[str]:
        self.units_and_routes()
        self.conservation()
        self.capacity()
        self.closures()
        self.causes()
        self.formations()
        self.ferries()
        self.choices()
        return self.out

    # -- per unit: one release, one path through its plan, times in order --------------------
    def units_and_routes(self) -> None:
        spec, m, arr = self.spec, self.m, self.arr
        for u, chain in enumerate(self.chain):
            plan = spec.plans[arr["plan"][u]]
            steps = m.steps[plan.index]
            if not chain or chain[0][1] != K.RELEASE:
                self.bad("order", f"unit {u}: first event is not its release: {chain[:1]}")
                continue
            t0 = chain[0][0]
            if t0 != arr["release_h"][u] or not 0 <= t0 < spec.horizon_h:
                self.bad("order", f"unit {u}: released at {t0}, recorded {arr['release_h'][u]}")
            origin = spec.flows[arr["flow"][u]].origin
            if chain[0][3] != origin:
                self.bad(
                    "route", f"unit {u}: released at {chain[0][3]}, its flow's origin {origin}"
                )
            step = 0  # next leg of the plan
            here, came_from = plan.nodes[0], ""
            served: list[str] = []
            last_queue = on_ferry = ""
            for prev, ev in itertools.pairwise(chain):
                t, k, _c, place = ev
                if t < prev[0] - 1e-9 or t > self.end_h + 1e-9:
                    self.bad(
                        "order",
                        f"unit {u}: {K(k).name} at {t} after {K(prev[1]).name} at {prev[0]}",
                    )
                if k not in _NEXT[prev[1]]:
                    self.bad("order", f"unit {u}: {K(k).name} after {K(prev[1]).name} at {t}")
                    break
                nxt = steps[step] if step < len(steps) else None
                if k in (K.DEPART, K.JOIN_FERRY, K.JOIN_FORMATION) and nxt is None:
                    self.bad("route", f"unit {u}: {K(k).name} {place} past the end of its plan")
                    break
                if k == K.DEPART:
                    assert nxt is not None
                    if place != nxt[1] or nxt[0] == "ferry":
                        self.bad("route", f"unit {u}: departs on {place}, plan says {nxt[1]}")
                        break
                elif k == K.ARRIVE:
                    assert nxt is not None
                    if place != nxt[3]:
                        self.bad("route", f"unit {u}: arrives at {place}, plan says {nxt[3]}")
                        break
                    if t - prev[0] < self.w.base_h[nxt[1]] - 1e-9:
                        self.bad(
                            "order", f"unit {u}: ran {nxt[1]} in {t - prev[0]} h < its fastest"
                        )
                    came_from, here, step = here, place, step + 1
                elif k == K.JOIN_FERRY:
                    assert nxt is not None
                    on_ferry = place
                    if place != nxt[1] or nxt[0] != "ferry" or here != nxt[2]:
                        self.bad(
                            "route", f"unit {u}: joins ferry {place} at {here}, plan says {nxt[:3]}"
                        )
                        break
                elif k == K.LAND:
                    assert nxt is not None
                    came_from, here, step = here, nxt[3], step + 1
                elif k == K.JOIN_FORMATION:
                    assert nxt is not None
                    seg = nxt[4]
                    if nxt[0] != "rail" or place != seg.formation_name or here != seg.nodes[0]:
                        self.bad(
                            "route", f"unit {u}: joins formation {place} at {here}, plan {nxt[:3]}"
                        )
                        break
                elif k == K.TRAIN_DEPART:
                    if place != here:
                        self.bad("route", f"unit {u}: train departs {place}, unit is at {here}")
                elif k == K.QUEUE:
                    last_queue = place
                    allowed = {here, f"{here} from {came_from}", f"{here}:dedicated"}
                    if place not in allowed:
                        self.bad("route", f"unit {u}: queues at {place}, unit is at {here}")
                    served.append(here)
                elif k == K.SERVICE_START and place != last_queue:
                    self.bad("route", f"unit {u}: served at {place}, queued at {last_queue}")
                elif k in (K.SERVICE_END, K.UNBLOCKED, K.SAIL) and place != prev[3]:
                    self.bad("route", f"unit {u}: {K(k).name} at {place} after {prev[3]}")
                elif k == K.LAND and place != on_ferry:
                    self.bad("route", f"unit {u}: lands from {place}, joined {on_ferry}")
                elif k == K.BLOCKED:
                    if prev[1] == K.QUEUE:
                        gate = self.m.node_of(prev[3])  # the facility's node
                    elif prev[1] == K.SAIL:
                        gate = nxt[3] if nxt else ""  # the port the vessel makes for
                    else:
                        gate = nxt[1] if nxt else ""  # the next leg
                    ns = spec.nodes.get(here)
                    # a closed node without a facility holds the consist before its next leg:
                    # on arrival or landing there, again after a hold at the leg's gate (the
                    # line's wait), or when a train formed there departs (a node visit is a hop
                    # like any other)
                    junction = prev[1] in (K.ARRIVE, K.LAND, K.UNBLOCKED, K.TRAIN_DEPART) and (
                        ns is None or ns.servers <= 0
                    )
                    if place != gate and not (junction and place == here):
                        self.bad(
                            "route",
                            f"unit {u}: held at {place} after {K(prev[1]).name}, expected {gate}",
                        )
                elif k == K.DELIVER:
                    if place != plan.nodes[-1] or step != len(steps):
                        self.bad("route", f"unit {u}: delivered at {place} after {step} legs")
                    if t != arr["delivery_h"][u]:
                        self.bad(
                            "order", f"unit {u}: delivered at {t}, recorded {arr['delivery_h'][u]}"
                        )
                    if arr["legs_done"][u] != len(steps):
                        self.bad(
                            "causes",
                            f"unit {u}: {arr['legs_done'][u]} legs counted of {len(steps)}",
                        )
                    should = [
                        n for n in plan.nodes[1:-1] if n in spec.nodes and spec.nodes[n].servers > 0
                    ]
                    if served != should:
                        self.bad(
                            "route", f"unit {u}: served at {served}, plan's facilities {should}"
                        )
            delivered = chain[-1][1] == K.DELIVER
            if delivered == math.isnan(arr["delivery_h"][u]):
                self.bad(
                    "conservation",
                    f"unit {u}: log delivered={delivered}, recorder {arr['delivery_h'][u]}",
                )

    def log_place(self, u: int) -> tuple[str, ...] | None:
        """Where the log leaves unit ``u``: None once delivered."""
        where: tuple[str, ...] | None = ("path",)
        before: tuple[str, ...] | None = None
        for _t, k, _c, place in self.chain[u]:
            if k == K.DELIVER:
                return None
            if k == K.BLOCKED:
                before, where = where, ("blocked", place)
            elif k == K.UNBLOCKED:
                where = before
            elif k == K.JOIN_FERRY:  # on the quay of the port the unit's plan sails from
                steps = self.m.steps[self.arr["plan"][u]]
                port = next((s[2] for s in steps if s[1] == place), "")
                where = ("ferry queue", f"{place}@{port}")
            else:
                kind = _PLACE_KIND[k]
                where = (kind, place) if kind else ("path",)
        return where

    # -- released = delivered + in transit, by place ------------------------------------------
    def conservation(self) -> None:
        w = self.w
        engine, twice, self.aboard = engine_places(w)
        self.out += twice
        per_log: dict[tuple[str, ...], int] = defaultdict(int)
        per_engine: dict[tuple[str, ...], int] = defaultdict(int)
        for u in range(self.n_units):
            log = self.log_place(u) if self.chain[u] else ("never released",)
            eng = engine.get(u)
            if log and log[0] == "ferry queue" and eng == ("aboard", log[1].split("@")[0]):
                eng = log  # popped from the queue, loading: the log's next event is the sailing
            if log is not None:
                per_log[log] += 1
            if eng is not None:
                per_engine[eng] += 1
            if log == eng:
                continue
            if log is None:
                self.bad("conservation", f"unit {u}: delivered, yet the engine holds it in {eng}")
            elif eng is None:
                self.bad("conservation", f"unit {u}: last seen {log}, the engine has it nowhere")
            else:
                self.bad("conservation", f"unit {u}: the log leaves it in {log}, the engine {eng}")
        for where in sorted(per_log.keys() | per_engine.keys()):
            if per_log[where] != per_engine[where]:
                n_log, n_eng = per_log[where], per_engine[where]
                self.bad(
                    "conservation", f"{where}: {n_log} units per the log, {n_eng} in the engine"
                )
        n_delivered = sum(1 for c in self.chain if c and c[-1][1] == K.DELIVER)
        if n_delivered + sum(per_log.values()) != self.n_units:
            self.bad(
                "conservation", f"{n_delivered} delivered + {sum(per_log.values())} in transit"
            )
        # the engine's own counters agree with what it holds
        slots = self.train_slots
        for form in w.formations.values():
            held = sum(slots[u] for u, _, _ in form.queue)
            if not math.isclose(form.slots, held, abs_tol=1e-6) or form.monitor.queue != len(
                form.queue
            ):
                self.bad(
                    "conservation",
                    f"formation {form.name}: {form.slots} slots, {len(form.queue)} queued",
                )
        for line in w.ferry_lines.values():
            for port, end in line.ends.items():
                held = sum(self.ferry_slots[u] for u, _, _ in end.queue)
                if not math.isclose(end.slots, held, abs_tol=1e-6) or end.monitor.queue != len(
                    end.queue
                ):
                    self.bad(
                        "conservation",
                        f"ferry {line.name}@{port}: {end.slots} slots, {len(end.queue)} queued",
                    )
            if sum(e.vessels for e in line.ends.values()) != line.spec.vessels:
                self.bad(
                    "conservation",
                    f"ferry {line.name}: vessels {[e.vessels for e in line.ends.values()]}",
                )

    # -- capacity: servers, trains, vessels, line headways -------------------------------------
    def capacity(self) -> None:
        w, m, rec, spec = self.w, self.m, self.rec, self.spec
        busy: dict[str, int] = defaultdict(int)
        at_sea: dict[str, list[tuple[float, int]]] = defaultdict(list)
        line_departs: dict[tuple[str, str], list[float]] = defaultdict(list)
        for t, k, c, place in rec.events:
            units = rec.consists[c]
            if k == K.SERVICE_START:
                busy[place] += 1
                if busy[place] > m.servers(place):
                    self.bad(
                        "capacity",
                        f"{place}: {busy[place]} in service at {t}, {m.servers(place)} servers",
                    )
            elif k == K.SERVICE_END:
                busy[place] -= 1
            elif k == K.SAIL:
                fs = spec.ferries[place]
                load = sum(self.ferry_slots[u] for u in units)
                if load > fs.effective_capacity + 1e-9:
                    self.bad(
                        "capacity",
                        f"ferry {place} sailed at {t} with {load} slots > {fs.effective_capacity}",
                    )
                # loading began load_h earlier (rounding may put it a hair before a landing)
                start = t - fs.load_h + EPS if units else t
                at_sea[place].append((start, +1))
            elif k == K.LAND:
                at_sea[place].append((t, -1))
            elif k == K.DEPART and units:
                steps = m.steps[self.arr["plan"][units[0]]]
                step = next((s for s in steps if s[1] == place), None)
                if step and step[0] == "rail" and spec.legs[place].headway_h > 0:
                    line_departs[(place, step[3])].append(t)
        for place, changes in at_sea.items():
            n, fleet = 0, spec.ferries[place].vessels
            for t, d in sorted(changes, key=lambda x: (x[0], x[1])):
                n += d
                if n > fleet:
                    self.bad(
                        "capacity",
                        f"ferry {place}: {n} vessels under way at {t}, fleet {fleet}",
                    )
                    break
        for (leg, toward), times in line_departs.items():
            h = spec.legs[leg].headway_h
            for a, b in itertools.pairwise(times):
                if b - a < h - 1e-9:
                    self.bad(
                        "capacity",
                        f"line {leg} toward {toward}: trains at {a} and {b}, headway {h}",
                    )
        for fac in (*w.node_fac.values(), *w.dedicated_fac.values()):
            n_log, n_engine = busy.get(fac.name, 0), len(fac.resource.users)
            if n_log != n_engine:
                self.bad("conservation", f"{fac.name}: {n_log} in service per the log, {n_engine}")

    # -- closures: nothing passes a closed gate; a blocked consist waits exactly to the reopening
    def closures(self) -> None:
        w, win, spec = self.w, self.windows, self.spec
        for c in spec.closures:  # scheduled windows are kept as given
            for s, e in c.windows:
                if e <= self.end_h - EPS and not any(
                    n == c.name and g == c.target and abs(a - s) < EPS and abs(b - e) < EPS
                    for n, g, a, b in w.closure_log
                ):
                    self.bad("closure", f"{c.name}: window {(s, e)} on {c.target} never applied")
        for target, gate in w.gates.items():
            n = sum(1 for g, _ in self.in_force if g == target)
            if gate.closed != n:
                self.bad(
                    "closure", f"gate {target}: closed count {gate.closed}, {n} closures in force"
                )
        seen: set[tuple[int, int, float]] = set()  # one report per consist and event
        for u, chain in enumerate(self.chain):
            for i, (t, k, c, place) in enumerate(chain):
                if (c, k, t) in seen:
                    continue
                seen.add((c, k, t))
                prev_t = chain[i - 1][0] if i else t
                nxt = chain[i + 1] if i + 1 < len(chain) else None
                if k == K.DEPART:
                    # passing through a closed node that has no facility (nothing to hold it)
                    node = chain[i - 1][3]
                    ns = spec.nodes.get(node)
                    if (
                        chain[i - 1][1] == K.ARRIVE
                        and (ns is None or ns.servers <= 0)
                        and win.inside(node, t)
                    ):
                        self.bad(
                            "closure (node without facility)",
                            f"unit {u}: passes closed {node} at {t}, onto {place}",
                        )
                    if win.inside(place, prev_t):
                        self.bad("closure", f"unit {u}: passed the gate of {place} at {prev_t}")
                    elif win.inside(place, t):
                        # the gate was open when passed, but the train then waited for the
                        # line's headway and left into the closure
                        self.bad(
                            "closure (line wait)",
                            f"unit {u}: departs on {place} at {t} while closed, having passed "
                            f"its gate at {prev_t} and waited for the line",
                        )
                elif k == K.QUEUE:
                    node = self.m.node_of(place)
                    held = nxt and nxt[1] == K.BLOCKED and nxt[3] == node and nxt[0] == t
                    if win.inside(node, t) and not held:
                        self.bad("closure", f"unit {u}: queues at closed {place} at {t}, not held")
                elif k == K.BLOCKED:
                    span = win.around(place, t)
                    if span is None:
                        self.bad("closure", f"unit {u}: held at {place} at {t}, open")
                    elif nxt is not None and abs(nxt[0] - span[1]) > EPS:
                        self.bad(
                            "closure",
                            f"unit {u}: held at {place} from {t} to {nxt[0]}, closed {span}",
                        )
        for t, k, c, place in self.rec.events:  # once per voyage, empty ones too
            if k not in (K.SAIL, K.LAND):
                continue
            fs, units = spec.ferries[place], self.rec.consists[c]
            steps = self.m.steps[self.arr["plan"][units[0]]] if units else []
            if k == K.LAND:  # unloading began once the vessel had passed the port's gate
                port = next((s[3] for s in steps if s[1] == place), "")
                if units and win.inside(port, t - fs.unload_h):
                    self.bad("closure", f"ferry {place}: unloaded at closed {port} at {t}")
                continue
            if units:  # loading began once the vessel had passed the line's and port's gates
                ports = [next((s[2] for s in steps if s[1] == place), "")]
                ts = t - fs.load_h
            else:  # an empty vessel: from one end or the other
                ports, ts = [], t
            closed = [g for g in (place, *ports) if win.inside(g, ts)]
            if closed:
                # a vessel that waited at one gate and then passed the other without looking
                # again: one of them reopened at that very instant
                waited = [g for g in (place, *fs.ends) if win.reopens(g, ts)]
                label = "closure (gates in turn)" if waited else "closure"
                self.bad(label, f"ferry {place}: a vessel left at {ts} with {closed} closed")

    # -- each unit's time by cause, recomputed from its events -------------------------------
    def causes(self) -> None:
        arr, spec = self.arr, self.spec
        for u, chain in enumerate(self.chain):
            if not chain or chain[-1][1] != K.DELIVER:
                continue
            got = dict.fromkeys(("formation", "line", "border", "port", "gauge", "running"), 0.0)
            ferry_disr = blocked = 0.0
            join = queued = sailed = 0.0
            block_start = 0.0
            dest_block = 0.0
            crossings = 0
            ready = chain[0][0]  # the last event that is not a gate's hold
            held = 0.0  # hours held at gates since ``ready``
            for i, (t, k, _c, place) in enumerate(chain):
                prev = chain[i - 1] if i else chain[0]
                if k == K.UNBLOCKED:
                    held += t - block_start
                elif k != K.BLOCKED:
                    if k == K.DEPART:
                        # the line's wait: from ready to depart, less any hold at a gate before
                        # or after the train's headway slot
                        got["line"] += t - ready - held
                    ready, held = t, 0.0
                if k == K.JOIN_FORMATION:
                    join = t
                elif k == K.TRAIN_DEPART:
                    got["formation"] += t - join
                elif k == K.ARRIVE:
                    got["running"] += t - prev[0]
                elif k == K.QUEUE:
                    queued = t
                elif k == K.BLOCKED:
                    block_start = t
                elif k == K.UNBLOCKED:
                    blocked += t - block_start
                    if chain[i - 2][1] == K.QUEUE:
                        queued = t  # the facility's time starts once its gate is passed
                    elif chain[i - 2][1] == K.SAIL:
                        dest_block = t - block_start
                elif k == K.SERVICE_END:
                    got[self.m.cause(place).name.lower()] += t - queued
                elif k == K.JOIN_FERRY:
                    join, dest_block = t, 0.0
                elif k == K.SAIL:
                    sailed = t
                    ferry_disr += t - join
                elif k == K.LAND:
                    unload = spec.ferries[place].unload_h
                    got["running"] += t - sailed - unload - dest_block
                    ferry_disr += unload
                    crossings += 1
            ferry_disr += blocked
            for name, value in got.items():
                if not math.isclose(arr[f"{name}_h"][u], value, rel_tol=1e-9, abs_tol=1e-6):
                    self.bad(
                        "causes", f"unit {u}: {name}_h {arr[f'{name}_h'][u]}, the log gives {value}"
                    )
            both = arr["ferry_h"][u] + arr["disruption_h"][u]
            if not math.isclose(both, ferry_disr, rel_tol=1e-9, abs_tol=1e-6):
                self.bad(
                    "causes", f"unit {u}: ferry_h + disruption_h {both}, the log gives {ferry_disr}"
                )
            if arr["disruption_h"][u] < blocked - 1e-6 or (
                not crossings and abs(arr["disruption_h"][u] - blocked) > 1e-6
            ):
                self.bad(
                    "causes", f"unit {u}: disruption_h {arr['disruption_h'][u]}, held {blocked} h"
                )
            total = arr["running_h"][u] + sum(arr[f"{c.name.lower()}_h"][u] for c in Cause)
            transit = arr["delivery_h"][u] - arr["release_h"][u]
            if not math.isclose(total, transit, rel_tol=1e-9, abs_tol=1e-6):
                self.bad("causes", f"unit {u}: times add up to {total}, transit {transit}")
            if transit < spec.plans[arr["plan"][u]].free_flow_h - 1e-6:
                self.bad("causes", f"unit {u}: transit {transit} < free flow")
            if min(arr[f"{c.name.lower()}_h"][u] for c in Cause) < -1e-9:
                self.bad("causes", f"unit {u}: a negative time")

    # -- formations: FIFO, trains filled in order, leaving when their policy says ------------
    def formations(self) -> None:
        w, rec, m = self.w, self.rec, self.m
        queues: dict[str, deque[tuple[int, float, float]]] = defaultdict(deque)
        joined_at: dict[str, set[float]] = defaultdict(set)
        where: dict[int, str] = {}
        biggest: dict[str, float] = defaultdict(float)
        for t, k, c, place in rec.events:
            units = rec.consists[c]
            if k == K.JOIN_FORMATION:
                for u in units:
                    queues[place].append((u, self.train_slots[u], t))
                    where[u] = place
                joined_at[place].add(t)
            elif k == K.TRAIN_DEPART:
                names = {where.get(u) for u in units}
                if len(names) != 1 or None in names:
                    self.bad(
                        "fifo", f"train at {t} from {place} carries units of formations {names}"
                    )
                    continue
                name = names.pop()
                assert name is not None
                q, train = queues[name], m.train[name]
                head = [q[i][0] for i in range(min(len(units), len(q)))]
                if head != list(units):
                    self.bad(
                        "fifo", f"{name}: train at {t} takes {list(units)}, first in line {head}"
                    )
                    for u in units:
                        for i, item in enumerate(q):
                            if item[0] == u:
                                del q[i]
                                break
                    continue
                taken = [q.popleft() for _ in units]
                load = sum(s for _, s, _ in taken)
                biggest[name] = max(biggest[name], load)
                oldest = taken[0][2]
                if load > train.size_slots + 1e-9 and len(units) > 1:
                    self.bad(
                        "capacity", f"{name}: train at {t} of {load} slots > {train.size_slots}"
                    )
                if q and q[0][2] < t - EPS and load + q[0][1] <= train.size_slots - 1e-9:
                    self.bad(
                        "fifo",
                        f"{name}: train at {t} leaves unit {q[0][0]} behind with room for it",
                    )
                waiting = load + sum(s for _, s, j in q if j <= t + EPS)
                full = waiting >= train.size_slots - 1e-6
                mw, h = train.max_wait_h, train.headway_h
                timer = abs(t - (oldest + mw)) <= EPS
                on_slot = (
                    abs(((t - train.offset_h) / h) - round((t - train.offset_h) / h)) * h <= EPS
                )
                due = full or t - oldest + h >= mw - EPS
                at_join = t in joined_at[name]
                ok = {
                    "when_full": full and at_join,
                    "max_wait": (full and at_join) or timer,
                    "schedule": on_slot,
                    "sailing": on_slot and due,
                    "after_landing": (at_join and due) or timer,
                }[train.policy]
                if not ok:
                    self.bad(
                        "policy",
                        f"{name} ({train.policy}): train at {t}, oldest wagon from {oldest}, "
                        f"{waiting} slots waiting",
                    )
                if train.policy in ("max_wait", "after_landing") and any(
                    t - j > mw + EPS for *_, j in taken
                ):
                    self.bad("policy", f"{name}: a wagon waited {t - oldest} h > max wait {mw}")
        for form in w.formations.values():
            if not math.isclose(form.max_load, biggest[form.name], abs_tol=1e-9):
                self.bad(
                    "bookkeeping",
                    f"{form.name}: largest train {form.max_load}, per the log {biggest[form.name]}",
                )

    # -- ferries: FIFO per port, loaded in order, timetabled vessels at their slots ----------
    def ferries(self) -> None:
        w, rec, spec, m = self.w, self.rec, self.spec, self.m
        queues: dict[tuple[str, str], deque[tuple[int, float, float]]] = defaultdict(deque)
        port_of: dict[tuple[int, str], str] = {}
        biggest: dict[str, float] = defaultdict(float)
        carried: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        load_of: dict[int, int] = {}
        warm, horizon = spec.warmup_h, spec.horizon_h
        for t, k, c, place in rec.events:
            units = rec.consists[c]
            if k == K.JOIN_FERRY:
                for u in units:
                    steps = m.steps[self.arr["plan"][u]]
                    port = next((s[2] for s in steps if s[1] == place), "")
                    port_of[(u, place)] = port
                    q = queues[(place, port)]
                    # units on the quay at the same instant line up in release order, however
                    # many consists they came in (FerryLine.join)
                    same = [(u, self.ferry_slots[u], t)]
                    while q and q[-1][2] == t:
                        same.append(q.pop())
                    q.extend(sorted(same))
            elif k == K.SAIL and units:
                fs = spec.ferries[place]
                ports = {port_of.get((u, place)) for u in units}
                if len(ports) != 1 or None in ports:
                    self.bad("fifo", f"ferry {place} at {t} loads units from {ports}")
                    continue
                port = ports.pop()
                assert port is not None
                q = queues[(place, port)]
                head = [q[i][0] for i in range(min(len(units), len(q)))]
                # cargo joining at the instant of sailing (units a port's closure released
                # together) may join after the vessel took its load: such same-instant joiners
                # left behind step aside, the rest of the line must still be loaded in order,
                # and they queue again after it
                late: list[tuple[int, float, float]] = []
                if head != list(units):
                    on_board = set(units)
                    behind = [item for item in q if item[2] == t and item[0] not in on_board]
                    kept = [item for item in q if not (item[2] == t and item[0] not in on_board)]
                    if behind and [x[0] for x in kept[: len(units)]] == list(units):
                        late = behind
                        q.clear()
                        q.extend(kept)
                        head = list(units)
                if head != list(units):
                    self.bad(
                        "fifo",
                        f"ferry {place}@{port} at {t} loads {list(units)}, first in line {head}",
                    )
                    continue
                taken = [q.popleft() for _ in units]
                load = sum(s for _, s, _ in taken)
                biggest[place] = max(biggest[place], load)
                load_of[c] = len(units)
                ts = t - fs.load_h
                if q and q[0][2] < ts - EPS and load + q[0][1] <= fs.effective_capacity - 1e-9:
                    self.bad(
                        "fifo",
                        f"ferry {place}@{port} at {t} leaves unit {q[0][0]} behind with room",
                    )
                if fs.policy == "timetable" and fs.headway_h:
                    h = fs.headway_h
                    off = fs.offset_h + (0.0 if port == fs.ends[0] else h / 2)
                    lag = (ts - off) % h
                    gates = (place, port)
                    held = any(self.windows.merged.get(g) for g in gates)
                    if not held and EPS < lag < h - EPS and lag > h / 2 + EPS:
                        self.bad(
                            "policy", f"ferry {place}@{port}: loaded at {ts}, {lag} h after a slot"
                        )
                q.extend(late)
            elif k == K.LAND and c in load_of and warm <= t <= horizon:
                carried[place][0] += 1
                carried[place][1] += load_of[c]
        for name, units in self.aboard:  # vessels loading when the run ended: not sailed yet
            if all((self.log_place(u) or ("",))[0] == "ferry queue" for u in units):
                biggest[name] = max(biggest[name], sum(self.ferry_slots[u] for u in units))
        for name, line in w.ferry_lines.items():
            if not math.isclose(line.max_load, biggest[name], abs_tol=1e-9):
                self.bad(
                    "bookkeeping",
                    f"ferry {name}: largest load {line.max_load}, the log gives {biggest[name]}",
                )
            if [line.sailings, line.units_carried] != carried[name]:
                self.bad(
                    "bookkeeping",
                    f"ferry {name}: {line.sailings} sailings, {line.units_carried} units; "
                    f"the log gives {carried[name]}",
                )

    # -- route choice: a plan of the flow; rerouting avoids a closed plan when one is open;
    # adaptive choice takes the least expected time given the queues the log shows then ------
    def choices(self) -> None:
        spec, arr, rec = self.spec, self.arr, self.rec
        # consists in each facility (queued, not held at its gate, or in service) and slots
        # waiting at each ferry end, replayed in log order; a vessel takes its load off the
        # quay load_h before it sails (no event of its own: a choice at that instant is skipped)
        present: dict[str, int] = defaultdict(int)
        held_at: dict[int, str] = {}
        last: dict[int, tuple[int, str]] = {}
        slots: dict[tuple[str, str], float] = defaultdict(float)
        pops: list[tuple[float, tuple[str, str], float]] = []
        for t, k, c, place in rec.events:
            units = rec.consists[c]
            if k == K.SAIL and units:
                steps = self.m.steps[arr["plan"][units[0]]]
                port = next((s[2] for s in steps if s[1] == place), "")
                load = sum(self.ferry_slots[u] for u in units)
                pops.append((t - spec.ferries[place].load_h, (place, port), load))
        pops.sort(key=lambda x: x[0])
        i_pop = 0
        for t, k, c, place in rec.events:
            while i_pop < len(pops) and pops[i_pop][0] < t - EPS:
                slots[pops[i_pop][1]] -= pops[i_pop][2]
                i_pop += 1
            units = rec.consists[c]
            if k == K.QUEUE:
                present[place] += 1
            elif k == K.BLOCKED and last.get(c, (-1, ""))[0] == K.QUEUE:
                held_at[c] = last[c][1]
                present[held_at[c]] -= 1
            elif k == K.UNBLOCKED and c in held_at:
                present[held_at.pop(c)] += 1
            elif k == K.SERVICE_END:
                present[place] -= 1
            elif k == K.JOIN_FERRY:
                for u in units:
                    steps = self.m.steps[arr["plan"][u]]
                    port = next((s[2] for s in steps if s[1] == place), "")
                    slots[(place, port)] += self.ferry_slots[u]
            last[c] = (k, place)
            if k == K.RELEASE and units:
                popping = i_pop < len(pops) and pops[i_pop][0] <= t + EPS
                self.choice(units[0], t, present, slots, popping)

    def choice(
        self,
        u: int,
        t: float,
        present: dict[str, int],
        slots: dict[tuple[str, str], float],
        popping: bool,
    ) -> None:
        spec, win = self.spec, self.windows
        flow = spec.flows[self.arr["flow"][u]]
        p = int(self.arr["plan"][u])
        if p not in flow.plans:
            self.bad("choice", f"unit {u} of {flow.label}: plan {p} not among {flow.plans}")
            return
        plans = flow.plans
        if flow.reroute_on_closure and len(plans) > 1:
            gates = {q: (*spec.plans[q].legs, *spec.plans[q].nodes[1:-1]) for q in plans}
            if win.near_edge((g for gs in gates.values() for g in gs), t):
                return  # a closure begins or ends at this very instant: either is right
            open_ = tuple(q for q in plans if not any(win.inside(g, t) for g in gates[q]))
            if open_ and p not in open_:
                self.bad("choice", f"unit {u} of {flow.label}: took closed plan {p} at {t}")
                return
            plans = open_ or plans
        if len(plans) == 1 or flow.choice == "best":
            if p != plans[0]:
                self.bad("choice", f"unit {u} of {flow.label}: took {p} at {t}, best {plans[0]}")
        elif flow.choice == "adaptive" and not popping:
            expected = {q: self.expected_h(q, present, slots) for q in plans}
            best = min(expected.values())
            if expected[p] > best + 1e-9 * max(1.0, abs(best)):
                self.bad(
                    "choice",
                    f"unit {u} of {flow.label}: took {p} at {t} expecting {expected[p]} h, "
                    f"the queues then gave {expected}",
                )

    def expected_h(
        self, q: int, present: dict[str, int], slots: dict[tuple[str, str], float]
    ) -> float:
        """A plan's static time plus the queues it meets: per facility on the way, the consists
        ahead beyond the servers, each a mean handling time shared by the servers; per ferry,
        the slots waiting on the quay as a share of a deck, each deck a cycle of the fleet."""
        spec = self.spec
        plan = spec.plans[q]
        out = plan.expected_h
        for prev, node in itertools.pairwise(plan.nodes[:-1]):
            ns = spec.nodes.get(node)
            if ns is None or ns.servers <= 0:
                continue
            key = f"{node} from {prev}" if ns.kind == "border" else node
            ahead = present[key] - ns.servers + 1
            if ahead > 0:
                out += ahead * ns.handling_mean_h / ns.servers
        for seg in plan.segments:
            if seg.kind == "ferry":
                fs = spec.ferries[seg.legs[0]]
                cycle = 2 * (self.w.base_h[fs.leg_id] + fs.load_h + fs.unload_h) / fs.vessels
                out += slots[(fs.leg_id, seg.nodes[0])] / fs.effective_capacity * cycle
        return out
