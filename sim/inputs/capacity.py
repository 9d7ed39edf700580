"""The capacity check: offered load against capacity at every facility, before a run.

A scenario that asks a facility for more than it can do in the long run does not settle into a
steady state: its queue grows for as long as the run lasts, and the run's averages describe
nothing but the horizon. :func:`check_capacity` catches this from the compiled model alone,
without simulating: for every facility it sets the load the demand offers (flows x routes)
against what the facility can serve, as the utilisation ``rho = demand / capacity``.

Facilities and what is counted
------------------------------
ferry (per direction, ``<leg>@<port>``), *ferry slots/week*
    Demand: units of the flows whose routes cross, times the unit's ``ferry_slots``.
    Capacity: sailings a week x ``capacity_slots x load_factor``, the sailings limited by the
    vessel cycle ``2 (crossing + load_h + unload_h) / vessels`` (mean crossing time) and, for a
    timetable, by ``168 / headway_h``. The cycle counts loading and unloading on both
    crossings, as when both directions carry cargo; a vessel returning empty is quicker, so a
    line loaded one way only can carry somewhat more than this.
formation (per rail segment, ``<start>><end>``), *train slots/week*
    Demand: units x ``train_slots``. Only trains at fixed slots have a finite capacity, one
    train of ``size_slots`` per ``headway_h``: a ``schedule``, and the ``sailing`` trains
    synchronised to the timetabled ferry they feed (``sync = "feeds <leg>"``); ``max_wait``,
    ``when_full`` and ``after_landing`` trains leave when they fill, so their capacity is
    unbounded (reported as ``inf``). A formation is per start node, legs and ``sync``.
port, terminal, gauge change, border (borders per direction, ``<node> from <previous>``),
*consists/week*
    Capacity: ``servers x 168 / handling_mean_h`` (a dedicated facility's time is multiplied
    by its factor). A customer is a consist: a train passing or arriving, a vessel load landed
    and handed on, a truck. Units delivered at a node are not served there.
line (per leg and direction, ``<leg>><next node>``), *trains/week*
    Capacity ``168 / headway_h`` of a leg with ``capacity_trains_per_day``; demand the trains
    of every formation whose segment runs over the leg.
berth (per port with berth limits, ``<port> berths``), *berth-hours/week*
    Demand: vessel calls x port time per call, over every line calling there: each loaded
    sailing from the port holds a berth ``load_h`` plus the mean delays of a call there
    (shunting), each loaded landing ``unload_h`` plus the same (empty vessels take no berth).
    A line's calls are shared equally among its vessels, each counted at the berth types it
    can use. Capacity: berths x 168 h. Berths of several types are checked as the set of types
    that binds: for every set of types, the calls of the vessels that can use no other type
    against the berths of the set; the row shows the set of the largest ``rho`` (``place``).

Closures reduce a capacity by the expected share of time they close it: a random closure
``1 - exp(-events_per_month x mean_duration_h / 730 h)`` in each of its months (the share of
time at least one event of a Poisson stream of closures is running), a scheduled window the
hours it covers, several closures of one target combined as independent, and a ferry closed
whenever its leg or either port is.

Offered load
------------
A flow releases ``per_hour x 168`` units a week in releases of ``batch`` units, growth included,
seasonality averaged over the year; the peak month is reported on its own (``peak_month``,
``peak_month_demand``, ``rho_peak``). ``best`` routing puts the flow on its first plan and
``shares`` splits it by its shares, exactly. ``adaptive`` choice gives a range: ``demand_low``
counts only the flows every candidate plan of which uses the facility (load no choice can avoid),
``demand_high`` every flow with a candidate that uses it. Where the customers are trains or vessel
loads, whose number depends on how full they run, the low end counts the consists of each
formation's or crossing's own unavoidable load: a flow that must pass a node but may come on
different trains is left out of it, so it is a lower bound (trucks are counted exactly). Rerouting
during closures (``reroute_on_closure``) is a transient and is not counted.

Consists are estimated, not counted (this is the approximation of the check):

* trains a week of a ``max_wait`` formation: ``168 / cycle`` with
  ``cycle = min(size_slots / lambda_slots, max_wait_h + 1 / lambda_joins)`` — a train leaves
  full, or ``max_wait_h`` after the first arrival, which comes after ``1 / lambda_joins`` (the
  rate at which consists join the formation: releases, trains and vessel loads handed on);
  ``when_full``: ``lambda_slots x 168 / size_slots``; ``schedule``: one train per headway in
  which something arrived, ``(168 / headway_h)(1 - exp(-joins per headway))``, at least the
  full trains the load needs; ``sailing``: at most one train a slot, the first wagon leaving
  at the first slot ``max(max_wait_h - headway_h, 0)`` after it came (half a headway later on
  average), ``cycle = max(headway_h, min(fill, 1 / lambda_joins + max(max_wait_h - headway_h,
  0)) + headway_h / 2)``; ``after_landing``: full trains at once and the rest after a landing,
  ``cycle = min(fill, 1 / lambda_joins + max(max_wait_h - headway_h, 0))``;
* vessel loads a week: the sailings (as for the capacity, and for ``max_wait`` the rule above
  per end, the busier end setting the pace of the line) that carry anything,
  ``sailings x (1 - exp(-joins per sailing))``, at least the full vessel loads the demand
  needs;
* consists handed on at a segment's end: the consists carrying at least one unit that goes on,
  ``consists x (1 - exp(-units going on per consist))`` (units mixed at random over consists);
  a truck is one consist.

Status: ``overload`` when ``rho_low >= 1`` (the unavoidable load cannot be served: the run
would not reach a steady state), ``warn`` when ``rho_high >= 0.85`` or ``rho_peak >= 1``,
else ``ok``.

Examples
--------
>>> from sim.engine.model import LegSpec, FlowSpec, ModelSpec, NodeSpec, Plan, Segment, UnitSpec
>>> seg = Segment("road", ("a", "b", "c"), ("a-b", "b-c"))
>>> spec = ModelSpec(
...     name="demo",
...     flows=(FlowSpec(0, "a→c", "a", "c", "AA", "truck", per_hour=1.0, plans=(0,)),),
...     plans=(Plan(0, "a→c", (seg,), free_flow_h=2.0),),
...     nodes={"b": NodeSpec("b", "border", servers=2, handling_mean_h=1.6)},
...     legs={"a-b": LegSpec("a-b", "road", 1.0), "b-c": LegSpec("b-c", "road", 1.0)},
...     ferries={}, units={"truck": UnitSpec(0.0, 1.0, 20.0, 1.0)})
>>> check = check_capacity(spec)
>>> row = check.table.iloc[0]
>>> row.facility, row.measure, row.status
('b from a', 'consists/week', 'ok')
>>> float(row.demand_low), float(row.capacity), round(float(row.rho_low), 2)
(168.0, 210.0, 0.8)
"""

from __future__ import annotations

import html
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.model import FerrySpec, FlowSpec, ModelSpec, Segment, TrainSpec
from sim.inputs.errors import CapacityError

__all__ = [
    "COLUMNS",
    "WARN_RHO",
    "CapacityCheck",
    "CapacityError",
    "capacity_frame",
    "check_capacity",
    "format_check",
    "html_lines",
    "overload_problems",
    "report_section",
    "require_capacity",
    "warning_lines",
]

HOURS_PER_WEEK = 168.0
HOURS_PER_MONTH = 365 * 24 / 12
HOURS_PER_YEAR = 365 * 24.0
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: utilisation from which a facility is reported as a warning
WARN_RHO = 0.85

#: the table's columns, in order
COLUMNS = (
    "facility",
    "kind",
    "place",
    "measure",
    "demand_low",
    "demand_high",
    "peak_month",
    "peak_month_demand",
    "capacity",
    "rho_low",
    "rho_high",
    "rho_peak",
    "headroom",
    "status",
    "flows",
    "relief",
)

Key = tuple[Any, ...]
Feature = tuple[Any, ...]


@dataclass(frozen=True)
class CapacityCheck:
    """The check of one compiled model: one row per facility (see :data:`COLUMNS`)."""

    scenario: str
    table: pd.DataFrame

    @property
    def overloads(self) -> pd.DataFrame:
        """The rows whose unavoidable load is at or above capacity."""
        return self.table[self.table["status"] == "overload"]

    @property
    def warnings(self) -> pd.DataFrame:
        """The rows at warning level (``rho_high >= 0.85`` or a peak month at capacity)."""
        return self.table[self.table["status"] == "warn"]

    @property
    def ok(self) -> bool:
        """True when no facility is overloaded."""
        return self.overloads.empty


# -- the structure of the model: carriers and what each flow does on them --------------------------
def _train(spec: ModelSpec, seg: Segment) -> TrainSpec:
    """The train policy of a rail segment (the engine's lookup)."""
    return spec.train_overrides.get((seg.legs, seg.sync), spec.trains)


def _carrier(seg: Segment) -> Key:
    """What carries units over a segment: a train formation, a ferry direction, or trucks."""
    if seg.kind == "rail":
        return ("formation", seg.nodes[0], seg.legs, seg.sync)
    if seg.kind == "ferry":
        return ("ferry", seg.legs[0], seg.nodes[0])
    return ("road", seg.nodes[0], seg.legs)


def _fractions(flow: FlowSpec, having: Sequence[int]) -> tuple[float, float]:
    """(low, high) share of ``flow``'s units on its plans in ``having``."""
    plans = flow.plans
    hit = set(having).__contains__
    if flow.choice == "best" or len(plans) == 1:
        x = float(hit(plans[0]))
        return x, x
    if flow.choice == "shares":
        weights = list(zip(plans, flow.shares, strict=False))
        total = sum(w for _, w in weights)
        x = sum(w for p, w in weights if hit(p)) / total if total > 0 else 0.0
        return x, x
    hits = [hit(p) for p in plans]
    return float(all(hits)), float(any(hits))


def _feature_shares(
    flow: FlowSpec, per_plan: Mapping[int, set[Feature]]
) -> dict[Feature, tuple[float, float]]:
    """Feature -> (low, high) share of the flow's units on plans that have it."""
    every: set[Feature] = set().union(*per_plan.values())
    return {feat: _fractions(flow, [p for p in per_plan if feat in per_plan[p]]) for feat in every}


@dataclass
class _Structure:
    segments: dict[Key, Segment]
    #: per flow: feature -> (low, high) share of its units
    shares: list[dict[Feature, tuple[float, float]]]
    #: (facility key, carrier) pairs: consists passing a node inside a segment
    through: set[tuple[str, Key]]
    #: facility key -> node id, for the node facilities
    node_of: dict[str, str]
    #: (leg, next node) -> formations running over it
    lines: dict[tuple[str, str], set[Key]]
    depth: int


def _facility_key(spec: ModelSpec, node: str, came_from: str) -> str | None:
    ns = spec.nodes.get(node)
    if ns is None or ns.servers <= 0:
        return None
    return f"{node} from {came_from}" if ns.kind == "border" else node


def _structure(spec: ModelSpec) -> _Structure:
    segments: dict[Key, Segment] = {}
    through: set[tuple[str, Key]] = set()
    node_of: dict[str, str] = {}
    lines: dict[tuple[str, str], set[Key]] = defaultdict(set)
    plan_features: dict[int, set[Feature]] = {}
    # what each plan does, except the features that depend on the flow (dedicated facilities)
    ends: dict[int, list[tuple[Key, str, str]]] = {}  # plan -> (carrier, end node, came from)
    for plan in spec.plans:
        feats: set[Feature] = set()
        plan_ends: list[tuple[Key, str, str]] = []
        prev: Key | None = None
        for i, seg in enumerate(plan.segments):
            c = _carrier(seg)
            segments.setdefault(c, seg)
            feats |= {("carry", c), ("join", prev, c)}
            for j in range(1, len(seg.nodes) - 1):
                key = _facility_key(spec, seg.nodes[j], seg.nodes[j - 1])
                if key is not None:
                    node_of[key] = seg.nodes[j]
                    feats.add(("node", key))
                    if c[0] == "road":  # each truck is a customer: counted per unit, exactly
                        feats.add(("truck", key))
                    else:
                        through.add((key, c))
            if seg.kind == "rail":
                for leg, nxt in zip(seg.legs, seg.nodes[1:], strict=True):
                    if spec.legs[leg].headway_h > 0:
                        lines[(leg, nxt)].add(c)
                        feats.add(("line", leg, nxt))
            if i < len(plan.segments) - 1:
                feats.add(("cont", c))
                plan_ends.append((c, seg.nodes[-1], seg.nodes[-2]))
            prev = c
        plan_features[plan.index] = feats
        ends[plan.index] = plan_ends
    shares: list[dict[Feature, tuple[float, float]]] = []
    for flow in spec.flows:
        per_plan: dict[int, set[Feature]] = {}
        for p in flow.plans:
            feats = set(plan_features[p])
            for c, node, came_from in ends[p]:
                key = _facility_key(spec, node, came_from)
                if key is None:
                    continue
                ns = spec.nodes[node]
                if ns.dedicated_for and flow.origin_country in ns.dedicated_for:
                    key = f"{node}:dedicated"
                node_of[key] = node
                feats |= {("truck" if c[0] == "road" else "end", c, key), ("node", key)}
            per_plan[p] = feats
        shares.append(_feature_shares(flow, per_plan))
    depth = max((len(p.segments) for p in spec.plans), default=1)
    return _Structure(segments, shares, through, node_of, dict(lines), depth)


# -- loads ---------------------------------------------------------------------------------------
def _thin(consists: float, units: float) -> float:
    """Consists carrying at least one of ``units`` spread at random over ``consists``."""
    if consists <= 0 or units <= 0:
        return 0.0
    return consists * -math.expm1(-units / consists)


def _vessel_round_h(
    spec: ModelSpec, fs: FerrySpec, rail: Mapping[str, float] | None = None
) -> float:
    """A vessel's round trip loaded both ways, as the engine runs it: two crossings, loading
    and unloading at each end, and the mean delays of those calls (waiting for shunting).

    Only a call that moves railcars waits for shunting: a call of a vessel with rail decks
    (the fleet's share of them), weighted by ``rail`` — per port, the share of rail units
    (anything but trucks) in the cargo leaving it, 1 where not given: loading at a port moves
    the cargo leaving it, unloading there the cargo leaving the other end. The share is an
    estimate of how many such calls move a railcar, not a probability: the engine shunts when
    any railcar is aboard, but a vessel loads a lane of one kind at a time far more than a
    random mix would (on the shipped baseline's Turkmenbashi-Alat, 72 % of the rail-deck calls
    loading at Turkmenbashi shunted against a rail share of 61 %; the engine-checked tests in
    ``tests/sim/test_capacity.py`` hold one kind per direction).
    """
    fleet = fs.vessel_list()
    decks = sum(v.takes("wagon") for v in fleet) / len(fleet) if fleet else 1.0
    share = rail or {}
    a, b = fs.ends
    calls = 0.0
    for port, other in ((a, b), (b, a)):
        delay = sum(f.mean_h for f in fs.call_frictions.get(port, ()))
        calls += delay * (share.get(port, 1.0) + share.get(other, 1.0))
    return 2 * (spec.legs[fs.leg_id].duration_h + fs.load_h + fs.unload_h) + decks * calls


def _in_service(fs: FerrySpec) -> float:
    """The mean share of the year a vessel of the line is in service (not in dry-dock, planned
    maintenance or broken down: each outage's events a year times its mean duration)."""
    fleet = fs.vessel_list()
    if not fleet:
        return 1.0
    out = [
        min(sum(o.per_year * o.duration.mean_h for o in v.outages) / HOURS_PER_YEAR, 1.0)
        for v in fleet
    ]
    return 1.0 - sum(out) / len(out)


def _sailings_max(spec: ModelSpec, fs: FerrySpec, rail: Mapping[str, float] | None = None) -> float:
    """Sailings a week per direction the line can make (vessel cycle while in service,
    timetable); ``rail`` as for :func:`_vessel_round_h`."""
    cycle = _vessel_round_h(spec, fs, rail)
    n = HOURS_PER_WEEK * fs.vessels * _in_service(fs) / cycle if cycle > 0 else math.inf
    if fs.policy == "timetable" and fs.headway_h:
        n = min(n, HOURS_PER_WEEK / fs.headway_h)
    return n


def _trains(train: TrainSpec, slots: float, joins: float) -> float:
    """Trains a week leaving a formation offered ``slots`` and ``joins`` consists a week."""
    if slots <= 0:
        return 0.0
    size, headway, max_wait = train.size_slots, train.headway_h, train.max_wait_h
    full = slots / size
    fill_h = size / slots * HOURS_PER_WEEK  # time to fill a train
    gap_h = HOURS_PER_WEEK / joins if joins > 0 else math.inf  # time to the first arrival
    if train.policy == "when_full":
        return full
    if train.policy == "schedule":
        per_headway = HOURS_PER_WEEK / headway
        return min(per_headway, max(full, per_headway * -math.expm1(-joins / per_headway)))
    if train.policy == "max_wait":
        return HOURS_PER_WEEK / min(fill_h, max_wait + gap_h)
    if train.policy == "sailing":
        # at a slot, when full or when the oldest wagon could not wait for the next one: the
        # first wagon leaves at the first slot max_wait - headway after it came (half a
        # headway later on average), one train a slot at most
        cycle = max(headway, min(fill_h, gap_h + max(max_wait - headway, 0.0)) + headway / 2)
        return min(HOURS_PER_WEEK / headway, max(full, HOURS_PER_WEEK / cycle))
    # after_landing: full trains at once, the rest after a landing once the oldest wagon could
    # not wait for the next landing (a headway later) within max_wait
    cycle = min(fill_h, gap_h + max(max_wait - headway, 0.0))
    return max(full, HOURS_PER_WEEK / cycle)


def _sailings(fs: FerrySpec, n_max: float, slots: float, joins: float) -> float:
    """Sailings a week the load of one end would ask for on its own (before the line's cap)."""
    if slots <= 0:
        return 0.0
    cap = fs.effective_capacity
    if fs.policy == "timetable":
        return n_max
    if fs.policy == "when_full" or fs.max_wait_h is None:
        return slots / cap
    fill_h = cap / slots * HOURS_PER_WEEK
    wait_h = fs.max_wait_h + (HOURS_PER_WEEK / joins if joins > 0 else math.inf)
    return HOURS_PER_WEEK / min(fill_h, wait_h)


@dataclass
class _Loads:
    units: dict[Key, float]
    slots: dict[Key, float]
    consists: dict[Key, float]
    nodes: dict[str, float]
    lines: dict[tuple[str, str], float]
    #: (port, berth types) -> berth-hours a week of the calls that can use only those types
    berths: dict[tuple[str, frozenset[str]], float] = field(default_factory=dict)
    #: line -> port -> the share of rail units in the cargo leaving the port
    rail: dict[str, dict[str, float]] = field(default_factory=dict)


def _call_h(fs: FerrySpec, port: str, hours: float, rail: float = 1.0) -> float:
    """Berth-hours of one loaded call of ``fs`` at ``port``: ``hours`` (loading or unloading)
    and the mean delays of a call there times ``rail``, the weight of calls that move railcars
    (0 for a vessel without rail decks; see :func:`_vessel_round_h`)."""
    return hours + rail * sum(f.mean_h for f in fs.call_frictions.get(port, ()))


def _berth_users(
    spec: ModelSpec,
) -> dict[str, list[tuple[FerrySpec, float, frozenset[str], bool]]]:
    """Port -> (line, share of the line's calls, berth types usable there, whether the vessel
    has rail decks) per vessel limited by the port's berths."""
    out: dict[str, list[tuple[FerrySpec, float, frozenset[str], bool]]] = {}
    for port, berths in spec.berths.items():
        for fs in spec.ferries.values():
            if port not in fs.ends:
                continue
            vessels = fs.vessel_list()
            for v in vessels:
                usable = frozenset(t for t in v.berth_types if t in berths)
                if usable:
                    out.setdefault(port, []).append(
                        (fs, 1.0 / len(vessels), usable, v.takes("wagon"))
                    )
    return out


def _type_sets(types: Sequence[str]) -> list[frozenset[str]]:
    """Every non-empty set of ``types``."""
    return [
        frozenset(t for i, t in enumerate(types) if mask >> i & 1)
        for mask in range(1, 2 ** len(types))
    ]


def _loads(spec: ModelSpec, st: _Structure, bound: int, mult: Sequence[float]) -> _Loads:
    """Weekly loads with each flow's rate times ``mult`` (bound 0 = low, 1 = high)."""
    units: dict[Key, float] = defaultdict(float)
    rail_units: dict[Key, float] = defaultdict(float)
    slots: dict[Key, float] = defaultdict(float)
    releases: dict[Key, float] = defaultdict(float)
    handed: dict[tuple[Key, Key], float] = defaultdict(float)
    going_on: dict[tuple[Key, str], float] = defaultdict(float)
    nodes: dict[str, float] = defaultdict(float)
    for flow, shares, m in zip(spec.flows, st.shares, mult, strict=True):
        rate = flow.per_hour * m * HOURS_PER_WEEK  # units a week
        rel = rate / flow.batch  # releases a week
        unit = spec.units[flow.unit]
        for feat, share in shares.items():
            x = share[bound]
            if x <= 0:
                continue
            if feat[0] == "carry":
                c = feat[1]
                units[c] += rate * x
                if flow.unit != "truck":
                    rail_units[c] += rate * x
                slots[c] += rate * x * (unit.ferry_slots if c[0] == "ferry" else unit.train_slots)
            elif feat[0] == "join":
                if feat[1] is None:
                    releases[feat[2]] += rel * x
                else:
                    handed[(feat[1], feat[2])] += rate * x
            elif feat[0] == "end":
                going_on[(feat[1], feat[2])] += rate * x
            elif feat[0] == "truck":
                nodes[feat[-1]] += rate * x
    consists: dict[Key, float] = {c: 0.0 for c in st.segments}
    lines_of: dict[str, list[Key]] = defaultdict(list)
    for c in st.segments:
        if c[0] == "ferry":
            lines_of[c[1]].append(c)
    # per line and port, the share of rail units in the cargo leaving it (0: none leaves)
    rail: dict[str, dict[str, float]] = {
        leg: {
            port: rail_units[key] / units[key] if units.get(key, 0.0) > 0 else 0.0
            for port in fs.ends
            for key in [("ferry", leg, port)]
        }
        for leg, fs in spec.ferries.items()
    }
    # consists depend on arrivals from upstream carriers: settle them in as many passes as the
    # longest plan has segments (exact for routes that do not loop through a carrier)
    for _ in range(st.depth):
        joins: dict[Key, float] = defaultdict(float, releases)
        for (up, c), n in handed.items():
            joins[c] += n if up[0] == "road" else _thin(consists[up], n)
        for c, seg in st.segments.items():
            if c[0] == "road":
                consists[c] = units[c]
            elif c[0] == "formation":
                consists[c] = _trains(_train(spec, seg), slots[c], joins[c])
        for leg, dirs in lines_of.items():
            fs = spec.ferries[leg]
            n_max = _sailings_max(spec, fs, rail[leg])
            n = min(n_max, max(_sailings(fs, n_max, slots[c], joins[c]) for c in dirs))
            for c in dirs:
                full = slots[c] / fs.effective_capacity
                loaded = max(full, n * -math.expm1(-joins[c] / n)) if n > 0 else 0.0
                consists[c] = min(n, loaded) if slots[c] > 0 else 0.0
    for key, c in st.through:
        nodes[key] += consists[c]
    for (c, key), n in going_on.items():
        nodes[key] += _thin(consists[c], n)
    lines = {line: sum(consists[c] for c in formations) for line, formations in st.lines.items()}
    berths: dict[tuple[str, frozenset[str]], float] = {}
    for port, users in _berth_users(spec).items():
        for types in _type_sets(sorted(spec.berths[port])):
            hours = 0.0
            for fs, part, usable, decks in users:
                if usable <= types:
                    other = fs.ends[1] if fs.ends[0] == port else fs.ends[0]
                    hours += part * (
                        consists.get(("ferry", fs.leg_id, port), 0.0)
                        * _call_h(fs, port, fs.load_h, decks * rail[fs.leg_id][port])
                        + consists.get(("ferry", fs.leg_id, other), 0.0)
                        * _call_h(fs, port, fs.unload_h, decks * rail[fs.leg_id][other])
                    )
            berths[(port, types)] = hours
    return _Loads(dict(units), dict(slots), consists, dict(nodes), lines, berths, rail)


# -- closures ------------------------------------------------------------------------------------
def _closed_share(spec: ModelSpec) -> dict[str, np.ndarray]:
    """Target -> expected share of each month (1-12) it is closed."""
    open_: dict[str, np.ndarray] = {}
    for closure in spec.closures:
        share = np.zeros(12)
        if closure.windows:
            hours = np.zeros(12)
            for start, stop in closure.windows:
                if start >= HOURS_PER_YEAR:
                    continue  # later years repeat the first
                stop = min(stop, start + HOURS_PER_YEAR)
                b = int(start // HOURS_PER_MONTH)
                while b * HOURS_PER_MONTH < stop:
                    lo = max(start, b * HOURS_PER_MONTH)
                    hi = min(stop, (b + 1) * HOURS_PER_MONTH)
                    hours[b % 12] += max(hi - lo, 0.0)
                    b += 1
            share = np.minimum(hours / HOURS_PER_MONTH, 1.0)
        elif closure.events_per_month > 0 and closure.mean_duration_h > 0:
            p = -math.expm1(-closure.events_per_month * closure.mean_duration_h / HOURS_PER_MONTH)
            for month in closure.months or range(1, 13):
                share[month - 1] = p
        open_[closure.target] = open_.get(closure.target, np.ones(12)) * (1.0 - share)
    return {target: 1.0 - o for target, o in open_.items()}


def _closed(closed: Mapping[str, np.ndarray], *targets: str) -> np.ndarray:
    open_ = np.ones(12)
    for t in targets:
        if t in closed:
            open_ = open_ * (1.0 - closed[t])
    return 1.0 - open_


# -- the check -----------------------------------------------------------------------------------
@dataclass
class _Facility:
    facility: str
    kind: str
    place: str
    measure: str
    capacity: float  # before closures
    closed: np.ndarray  # share of each month closed
    #: which load it reads: ("slots", carrier), ("nodes", facility key) or ("lines", leg)
    source: tuple[str, Any]
    features: tuple[Feature, ...]  # a flow loads the facility if it has one of them
    relief: str


def _demand(fac: _Facility, loads: _Loads) -> float:
    table: Mapping[Any, float] = getattr(loads, fac.source[0])
    return table.get(fac.source[1], 0.0)


def _rho(demand: float, capacity: float) -> float:
    if demand <= 0:
        return 0.0
    return demand / capacity if capacity > 0 else math.inf


def _names(spec: ModelSpec, st: _Structure) -> dict[Key, str]:
    """Formation names as the engine's (``start>end``), made unique where routes differ."""
    out: dict[Key, str] = {}
    used: set[str] = set()
    for c, seg in st.segments.items():
        if c[0] != "formation":
            continue
        name = seg.formation_name
        if name in used:
            name += f" via {seg.legs[0]}"
        used.add(name)
        out[c] = name
    return out


def _facilities(spec: ModelSpec, st: _Structure, loads: _Loads) -> list[_Facility]:
    closed = _closed_share(spec)
    out: list[_Facility] = []
    no_closure = np.zeros(12)
    for port, users in _berth_users(spec).items():
        berths = spec.berths[port]

        def rho(types: frozenset[str], port: str = port) -> float:
            capacity = sum(spec.berths[port][t] for t in types) * HOURS_PER_WEEK
            return loads.berths.get((port, types), 0.0) / capacity

        types = max(_type_sets(sorted(berths)), key=lambda ts: (rho(ts), len(ts)))
        lines = sorted({fs.leg_id for fs, _, _, _ in users})
        shut = _closed(closed, port)
        now = ", ".join(f"{berths[t]} {t}" for t in sorted(types))
        relief = (
            f"more berths at {port} (berths.csv; now {now}), a shorter port time per call "
            f"(load_h, unload_h, the call's frictions) or fewer, fuller sailings of "
            f"{', '.join(lines)}"
        )
        if shut.mean() >= 0.01:
            relief += f"; closures take {shut.mean():.0%} of its time over the year"
        out.append(
            _Facility(
                f"{port} berths",
                "berth",
                f"{port} ({', '.join(sorted(types))})",
                "berth-hours/week",
                sum(berths[t] for t in types) * HOURS_PER_WEEK,
                shut,
                ("berths", (port, types)),
                tuple(
                    ("carry", c)
                    for c in st.segments
                    if c[0] == "ferry" and c[1] in lines and port in spec.ferries[c[1]].ends
                ),
                relief,
            )
        )
    for c, seg in st.segments.items():
        if c[0] != "ferry":
            continue
        fs = spec.ferries[c[1]]
        port, other = seg.nodes[0], seg.nodes[-1]
        rail = loads.rail.get(fs.leg_id)
        n_max = _sailings_max(spec, fs, rail)
        cycle = _vessel_round_h(spec, fs, rail)
        by_vessels = (
            HOURS_PER_WEEK * fs.vessels * _in_service(fs) / cycle if cycle > 0 else math.inf
        )
        shut = _closed(closed, fs.leg_id, port, other)
        if fs.policy == "timetable" and fs.headway_h and n_max < by_vessels - 1e-9:
            relief = (
                f"more sailings: a shorter overrides.ferries.{fs.leg_id}.headway_h (the "
                f"timetable allows {n_max:.1f} a week; its {fs.vessels} vessel(s) could make "
                f"{by_vessels:.1f}, more vessels beyond), or a higher load_factor "
                f"(now {fs.load_factor:g})"
            )
        else:
            relief = (
                f"more vessels (now {fs.vessels}) or a higher load_factor (now "
                f"{fs.load_factor:g}) on overrides.ferries.{fs.leg_id}"
            )
        if shut.mean() >= 0.01:
            relief += f"; closures take {shut.mean():.0%} of its time over the year"
        out.append(
            _Facility(
                f"{fs.leg_id}@{port}",
                "ferry",
                f"{port} → {other}",
                "ferry slots/week",
                n_max * fs.effective_capacity,
                shut,
                ("slots", c),
                (("carry", c),),
                relief,
            )
        )
    names = _names(spec, st)
    for c, seg in st.segments.items():
        if c[0] != "formation":
            continue
        train = _train(spec, seg)
        capacity = math.inf
        relief = "none needed: trains leave when they fill"
        if train.policy in ("schedule", "sailing"):
            capacity = HOURS_PER_WEEK / train.headway_h * train.size_slots
            if seg.sync.startswith("feeds "):
                leg = seg.sync.removeprefix("feeds ")
                relief = (
                    f"these trains feed the {leg} sailings (one train a sailing, every "
                    f"{train.headway_h:g} h): a shorter overrides.ferries.{leg}.headway_h, a "
                    f"larger trains.size_wagons (now {train.size_slots:g}) or "
                    f"trains.sync_with_ferries = false"
                )
            elif train is spec.trains:
                relief = (
                    f"trains.headway_h (now {train.headway_h:g} h) or trains.size_wagons "
                    f"(now {train.size_slots:g})"
                )
            else:
                relief = (
                    f"these trains are timed to a ferry timetable (one every "
                    f"{train.headway_h:g} h): a shorter headway_h of that ferry, a larger "
                    f"trains.size_wagons (now {train.size_slots:g}) or "
                    f"trains.sync_with_ferries = false"
                )
        out.append(
            _Facility(
                names[c],
                "formation",
                f"{seg.nodes[0]} → {seg.nodes[-1]}",
                "train slots/week",
                capacity,
                no_closure,
                ("slots", c),
                (("carry", c),),
                relief,
            )
        )
    for key in sorted(st.node_of):
        node = st.node_of[key]
        ns = spec.nodes[node]
        factor = ns.dedicated_factor if key.endswith(":dedicated") else 1.0
        mean_h = ns.handling_mean_h * factor
        place = node if key in (node, f"{node}:dedicated") else f"{node} ({key[len(node) + 1 :]})"
        relief = (
            f"overrides.nodes.{node}.servers (now {ns.servers}) or a shorter handling time "
            f"(overrides.nodes.{node}.handling_factor; mean now {mean_h:g} h)"
        )
        shut = _closed(closed, node)
        if shut.mean() >= 0.01:
            relief += f"; closures take {shut.mean():.0%} of its time over the year"
        out.append(
            _Facility(
                key,
                ns.kind,
                place,
                "consists/week",
                ns.servers * HOURS_PER_WEEK / mean_h if mean_h > 0 else math.inf,
                shut,
                ("nodes", key),
                (("node", key),),
                relief,
            )
        )
    for leg, nxt in sorted(st.lines):
        headway = spec.legs[leg].headway_h
        shut = _closed(closed, leg)
        start = next(
            seg.nodes[seg.legs.index(leg)] for c in st.lines[(leg, nxt)] for seg in [st.segments[c]]
        )
        relief = (
            f"overrides.legs.{leg}.capacity_trains_per_day (now {24 / headway:g}) or fewer, "
            f"fuller trains (trains.size_wagons, trains.max_wait_h)"
        )
        if shut.mean() >= 0.01:
            relief += f"; closures take {shut.mean():.0%} of its time over the year"
        out.append(
            _Facility(
                f"{leg}>{nxt}",
                "line",
                f"{start} → {nxt}",
                "trains/week",
                HOURS_PER_WEEK / headway,
                shut,
                ("lines", (leg, nxt)),
                (("line", leg, nxt),),
                relief,
            )
        )
    return out


def _flows(spec: ModelSpec, st: _Structure, features: tuple[Feature, ...]) -> str:
    always: list[str] = []
    maybe: list[str] = []
    for flow, shares in zip(spec.flows, st.shares, strict=True):
        low = max((shares.get(f, (0.0, 0.0))[0] for f in features), default=0.0)
        high = max((shares.get(f, (0.0, 0.0))[1] for f in features), default=0.0)
        if low > 0:
            always.append(flow.label)
        elif high > 0:
            maybe.append(flow.label)
    return "; ".join([*always, *(f"{label} (adaptive)" for label in maybe)])


#: the checks of the models checked last, by identity (a ModelSpec is immutable; it is kept
#: here so that its id is not reused)
_CHECKED: dict[int, tuple[ModelSpec, CapacityCheck]] = {}
_CHECKED_MAX = 32


def check_capacity(spec: ModelSpec) -> CapacityCheck:
    """Offered load against capacity at every facility of a compiled model.

    Computed once per model: the command line, the runner and the output folder ask for the
    check of the same model (its table is not to be changed).

    Parameters
    ----------
    spec : ModelSpec
        The compiled model (:func:`sim.inputs.compile.compile_scenario`, or built by hand).

    Returns
    -------
    CapacityCheck
        Its ``table`` has one row per facility with the columns of :data:`COLUMNS`, sorted by
        ``rho_high`` (largest first); see the module docstring for what is counted and how.
    """
    hit = _CHECKED.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    check = _check(spec)
    if len(_CHECKED) >= _CHECKED_MAX:
        del _CHECKED[next(iter(_CHECKED))]
    _CHECKED[id(spec)] = (spec, check)
    return check


def _check(spec: ModelSpec) -> CapacityCheck:
    st = _structure(spec)
    season = [np.asarray(f.seasonality or (1.0,) * 12, dtype=float) for f in spec.flows]
    mean = [float(s.mean()) for s in season]
    year = [_loads(spec, st, b, mean) for b in (0, 1)]
    facilities = _facilities(spec, st, year[1])
    months = [_loads(spec, st, 1, [float(s[m]) for s in season]) for m in range(12)]
    rows: list[dict[str, Any]] = []
    for fac in facilities:
        capacity = fac.capacity * (1.0 - float(fac.closed.mean()))
        low, high = _demand(fac, year[0]), _demand(fac, year[1])
        monthly = [
            _rho(_demand(fac, months[m]), fac.capacity * (1.0 - fac.closed[m])) for m in range(12)
        ]
        peak = int(np.argmax(monthly))
        rho_low, rho_high = _rho(low, capacity), _rho(high, capacity)
        status = "ok"
        if rho_low >= 1.0:
            status = "overload"
        elif rho_high >= WARN_RHO or monthly[peak] >= 1.0:
            status = "warn"
        rows.append(
            {
                "facility": fac.facility,
                "kind": fac.kind,
                "place": fac.place,
                "measure": fac.measure,
                "demand_low": low,
                "demand_high": high,
                "peak_month": peak + 1,
                "peak_month_demand": _demand(fac, months[peak]),
                "capacity": capacity,
                "rho_low": rho_low,
                "rho_high": rho_high,
                "rho_peak": monthly[peak],
                "headroom": capacity - high,
                "status": status,
                "flows": _flows(spec, st, fac.features),
                "relief": fac.relief,
            }
        )
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if len(table):
        rank = table["status"].map({"overload": 0, "warn": 1, "ok": 2})
        table = (
            table.assign(_rank=rank)
            .sort_values(["_rank", "rho_high", "facility"], ascending=[True, False, True])
            .drop(columns="_rank")
            .reset_index(drop=True)
        )
    return CapacityCheck(spec.name, table)


# -- messages ------------------------------------------------------------------------------------
def _num(x: float) -> str:
    if math.isinf(x):
        return "unbounded"
    return f"{x:,.1f}" if abs(x) < 1000 else f"{x:,.0f}"


def _rho_text(row: Mapping[Any, Any]) -> str:
    lo, hi = row["rho_low"], row["rho_high"]
    return f"{lo:.2f}" if hi - lo < 0.005 else f"{lo:.2f}–{hi:.2f}"


def overload_problems(check: CapacityCheck, source: str, hint: str = "") -> list[str]:
    """One message per overloaded facility: where, rho, demand, flows and relief."""
    out = []
    for row in check.overloads.to_dict("records"):
        demand = _num(row["demand_low"])
        if row["demand_high"] - row["demand_low"] > 0.05:
            demand += f" to {_num(row['demand_high'])}"
        out.append(
            f"{source}: capacity: {row['kind']} {row['facility']} ({row['place']}) is "
            f"overloaded: rho = {_rho_text(row)}, {demand} {row['measure']} offered for "
            f"{_num(row['capacity'])}; loaded by {row['flows']}; relief: {row['relief']}"
            + (f"; {hint}" if hint else "")
        )
    return out


def _peak(row: Mapping[Any, Any]) -> str:
    """The peak month and its rho, where it is above the year's (seasons, closures)."""
    if row["rho_peak"] <= row["rho_high"] + 0.005:
        return ""
    return f"{MONTHS[int(row['peak_month']) - 1]} {row['rho_peak']:.2f}"


def warning_lines(check: CapacityCheck, source: str) -> list[str]:
    """One line per facility at warning level."""
    out = []
    for row in check.warnings.to_dict("records"):
        peak = f", peak month {_peak(row)}" if _peak(row) else ""
        if row["rho_high"] >= 1.0:
            state = "could be overloaded if the adaptive flows that may use it do"
        elif row["rho_high"] >= WARN_RHO:
            state = "is near capacity"
        else:
            state = "is overloaded in its peak month"
        out.append(
            f"{source}: capacity: {row['kind']} {row['facility']} ({row['place']}) {state}: "
            f"rho = {_rho_text(row)}{peak} ({_num(row['demand_high'])} of "
            f"{_num(row['capacity'])} {row['measure']}); relief: {row['relief']}"
        )
    return out


def require_capacity(
    spec: ModelSpec,
    *,
    source: str,
    allow_overload: bool = False,
    reason: str = "",
    hint: str = "pass allow_overload=True or say why in [run] overload_reason",
) -> CapacityCheck:
    """Check ``spec``; raise :class:`CapacityError` on an overload not allowed or explained.

    ``source`` names the scenario in the messages (its file, or its name); ``reason`` is the
    scenario's ``run.overload_reason``: a scenario that says why it overloads is run.
    """
    check = check_capacity(spec)
    if not check.ok and not allow_overload and not reason:
        raise CapacityError(overload_problems(check, source, hint), [check])
    return check


def capacity_frame(specs: Mapping[str, ModelSpec]) -> pd.DataFrame:
    """The checks of several compiled models as one table with a ``scenario`` column."""
    frames = []
    for name, spec in specs.items():
        table = check_capacity(spec).table.copy()
        table.insert(0, "scenario", name)
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=["scenario", *COLUMNS])
    return pd.concat(frames, ignore_index=True)


def format_check(check: CapacityCheck, *, show_unbounded: bool = False) -> str:
    """The table as compact fixed-width text (what ``corridor check`` prints)."""
    table = check.table
    hidden = 0
    if not show_unbounded:
        finite = np.isfinite(table["capacity"].to_numpy(dtype=float))
        hidden = int((~finite).sum())
        table = table[finite]
    head = ["status", "facility", "place", "measure", "demand", "capacity", "rho", "peak month"]
    rows = []
    for row in table.to_dict("records"):
        demand = _num(row["demand_low"])
        if row["demand_high"] - row["demand_low"] > 0.05:
            demand += f"–{_num(row['demand_high'])}"
        peak = _peak(row)
        rows.append(
            [
                row["status"].upper() if row["status"] != "ok" else "ok",
                row["facility"],
                row["place"],
                row["measure"],
                demand,
                _num(row["capacity"]),
                _rho_text(row),
                peak,
            ]
        )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    right = {4, 5, 6, 7}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines = [line(head), *map(line, rows)]
    counts = check.table["status"].value_counts()
    lines.append(
        f"{len(check.table)} facilities: {counts.get('overload', 0)} overloaded, "
        f"{counts.get('warn', 0)} at warning level"
        + (f" ({hidden} train formations without a capacity limit not shown)" if hidden else "")
    )
    return "\n".join(lines)


def report_section(
    specs: Mapping[str, ModelSpec], scenarios: Sequence[Any] | None = None, *, limit: int = 8
) -> list[str]:
    """The report's "Capacity check" section as markdown lines, computed from the checks.

    Per scenario: how many facilities were checked, which are overloaded or near capacity
    (with the reason a scenario gives for an overload), and the busiest facilities with a
    capacity limit (at most ``limit`` besides those flagged); the full table is
    ``tables/capacity.csv``.
    """
    reasons = {
        getattr(s, "name", ""): getattr(getattr(s, "run", None), "overload_reason", "")
        for s in scenarios or ()
    }
    md = [
        "## Capacity check",
        "",
        "Offered load (demand × routes; adaptive flows as a range over their candidate routes) "
        f"against capacity at every facility, before the run: rho ≥ 1 for the unavoidable load "
        f"is an overload, rho ≥ {WARN_RHO:g} (or a peak month at capacity) a warning. Full "
        "table: `tables/capacity.csv`.",
        "",
    ]
    for name, spec in specs.items():
        check = check_capacity(spec)
        t = check.table
        finite = t[np.isfinite(t["capacity"].to_numpy(dtype=float))]
        flagged = finite[finite["status"] != "ok"]
        n_over, n_warn = len(check.overloads), len(check.warnings)
        line = (
            f"**{name}**: {len(t)} facilities checked ({len(finite)} with a capacity limit); "
            f"{n_over} overloaded, {n_warn} at warning level."
        )
        if len(finite):
            top = finite.iloc[0]
            line += f" Busiest: {top['kind']} {top['facility']} at rho {_rho_text(top.to_dict())}."
        md += [line, ""]
        if n_over and reasons.get(name):
            md += [f"The scenario says why it overloads: {reasons[name]}", ""]
        elif n_over:
            md += [
                "It ran although overloaded (--allow-overload): the queue of an overloaded "
                "facility grows for as long as the run lasts, so its results describe this "
                "horizon, not a steady state.",
                "",
            ]
        shown = pd.concat([flagged, finite[finite["status"] == "ok"].head(limit)])
        if shown.empty:
            continue
        md += [
            "| Status | Facility | Place | Measure | Demand | Capacity | rho | Peak month | "
            "Relief |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in shown.to_dict("records"):
            demand = _num(row["demand_low"])
            if row["demand_high"] - row["demand_low"] > 0.05:
                demand += f"–{_num(row['demand_high'])}"
            relief = row["relief"] if row["status"] != "ok" else ""
            cells = [row["status"], row["facility"], row["place"], row["measure"], demand]
            cells += [_num(row["capacity"]), _rho_text(row), _peak(row), relief]
            md.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        md.append("")
    return md


def _cell(text: object) -> str:
    """A table cell's text with its pipes escaped, so a name holding ``|`` stays one cell."""
    return str(text).replace("|", "\\|")


_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _inline(text: str) -> str:
    out = html.escape(text.replace("\\|", "|"))
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def html_lines(markdown: Sequence[str]) -> list[str]:
    r"""The lines of :func:`report_section` as HTML (headings, paragraphs, tables).

    >>> for line in html_lines(["## A", "", "**x** < 1", "", "| a |", "|---|", "| 1 \\| 2 |"]):
    ...     print(line)
    <h2>A</h2>
    <p><strong>x</strong> &lt; 1</p>
    <table class="num">
    <tr><th>a</th></tr>
    <tr><td>1 | 2</td></tr>
    </table>
    """
    out: list[str] = []
    in_table = False
    for line in markdown:
        if line.startswith("|"):
            cells = [c.strip() for c in _CELL_SPLIT.split(line.strip()[1:-1])]
            if all(set(c) <= {"-", ":"} for c in cells):
                continue
            tag = "td" if in_table else "th"
            if not in_table:
                out.append('<table class="num">')
                in_table = True
            out.append("<tr>" + "".join(f"<{tag}>{_inline(c)}</{tag}>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table>")
            in_table = False
        if line.startswith("## "):
            out.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    if in_table:
        out.append("</table>")
    return out
