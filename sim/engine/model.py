"""The compiled model: what the engine runs, with no reference to files or the network data
(only the network's vocabularies, :mod:`network.schema`).

:mod:`sim.inputs.compile` turns a :class:`~sim.inputs.scenario.Scenario` and the corridor graph into
a :class:`ModelSpec`; tests and benchmarks may also build one by hand. Times are hours.

Examples
--------
>>> leg = LegSpec("a-b", "rail", duration_h=10.0)
>>> plan = Plan(0, "a→b", (Segment("rail", ("a", "b"), ("a-b",)),), free_flow_h=10.0)
>>> plan.nodes
('a', 'b')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from network.schema import FerryPolicy
from sim.engine.records import Cause

# The engine's vocabularies, defined once (the scenario model imports them)
#: how a segment is run: block trains, trucks one by one, or a ferry line
SegmentKind = Literal["rail", "road", "ferry"]
#: what a scenario may ask of train formation
TrainServicePolicy = Literal["when_full", "max_wait", "schedule"]
#: ... and the two ferry synchronisation adds (see :class:`TrainSpec`)
TrainPolicy = Literal[TrainServicePolicy, "sailing", "after_landing"]
#: how a flow picks its route (see :mod:`sim.engine.routechoice`)
ChoiceMode = Literal["best", "shares", "adaptive"]
#: how a flow releases its units
ArrivalProcess = Literal["poisson", "scheduled"]
#: the distribution of a leg's random delay
DelayDist = Literal["exponential", "uniform"]
#: the distribution of a friction's delay (see :class:`FrictionSpec`)
FrictionDist = Literal["lognormal", "gamma", "exponential", "fixed"]

#: the berth types a vessel may also use beyond those it is listed with (``vessels.csv``
#: ``berth_types``): a universal ferry berth takes rail ferries and Ro-Ro/Ro-Pax vessels alike
#: (Aktau's one ferry berth serves "rail and vehicles", portnews-2023-aktau). The one place the
#: mapping from a vessel's berth types to the berths it can use is defined.
BERTH_ALSO: dict[str, tuple[str, ...]] = {
    "rail_ferry": ("universal_ferry",),
    "ro_ro": ("universal_ferry",),
}
#: the berth type of a ferry line's alike vessels (a line run without named vessels): the
#: lines of ``ferries.csv`` are rail-ferry services (their decks are counted in wagon slots)
ALIKE_BERTH_TYPES: tuple[str, ...] = ("rail_ferry",)


def usable_berths(types: Sequence[str]) -> tuple[str, ...]:
    """The berth types a vessel listed with ``types`` can load or unload at, its own first
    (see :data:`BERTH_ALSO`).

    >>> usable_berths(("rail_ferry", "ro_ro"))
    ('rail_ferry', 'ro_ro', 'universal_ferry')
    >>> usable_berths(("container",))
    ('container',)
    """
    out = list(dict.fromkeys(types))
    for t in types:
        out += [x for x in BERTH_ALSO.get(t, ()) if x not in out]
    return tuple(out)


KIND_CAUSE: dict[str, Cause] = {
    "border": Cause.BORDER,
    "port": Cause.PORT,
    "terminal": Cause.PORT,
    "gauge_change": Cause.GAUGE,
}


@dataclass(frozen=True)
class FrictionSpec:
    """A delay that is not capacity: a named process (document checks, shunting, an origin
    terminal's dwell, waiting for a locomotive) that holds no server; each consist (or vessel
    call) it applies to takes one draw of ``distribution`` with mean ``mean_h`` and ``cv``.

    >>> FrictionSpec("docs-alat", 6.0, 0.8, "lognormal").mean_h
    6.0
    """

    name: str
    mean_h: float
    cv: float = 1.0
    distribution: FrictionDist = "gamma"


@dataclass(frozen=True)
class NodeSpec:
    """A node facility: ``servers`` parallel servers, gamma handling time per consist."""

    node_id: str
    kind: str
    servers: int
    handling_mean_h: float
    handling_cv: float = 1.0
    country: str = ""
    #: origin countries served by a dedicated facility at this node, and its time factor
    dedicated_for: tuple[str, ...] = ()
    dedicated_factor: float = 1.0
    #: delays every consist takes here after its handling, holding no server
    frictions: tuple[FrictionSpec, ...] = ()

    @property
    def cause(self) -> Cause:
        return KIND_CAUSE.get(self.kind, Cause.PORT)


@dataclass(frozen=True)
class LegSpec:
    """A leg as the engine sees it; ``headway_h`` > 0 when the line admits one train per headway.

    ``duration_h`` is the mean running time (the published figure). A run takes
    ``duration_h * (1 - delay_cv)`` — the fastest it can be — plus a random delay of mean
    ``delay_cv * duration_h``, exponential by default or, with ``delay_dist="uniform"``, uniform
    on ``[0, 2 * mean]``.
    """

    leg_id: str
    mode: str
    duration_h: float
    delay_cv: float = 0.0
    distance_km: float = 0.0
    cost_usd_per_teu: float = 0.0
    co2_kg_per_tkm: float = 0.0
    headway_h: float = 0.0
    delay_dist: DelayDist = "exponential"


@dataclass(frozen=True)
class OutageSpec:
    """A way a vessel goes out of service (dry-dock, planned maintenance, breakdown): events at
    ``per_year`` a year at random (a Poisson process; an event that comes at sea waits for the
    next port call), each lasting a draw of ``duration`` (its name is the outage's).

    >>> OutageSpec(0.4, FrictionSpec("dry_dock", 504.0, 0.0, "fixed")).duration.mean_h
    504.0
    """

    per_year: float
    duration: FrictionSpec


@dataclass(frozen=True)
class VesselSpec:
    """One vessel of a ferry line's fleet: its deck in ferry slots and the unit kinds it carries
    (empty: all). A truck-only Ro-Pax carries ``("truck",)``, a container feeder ``("teu",)``.
    ``berth_types`` are the port berths it can load and unload at (:func:`usable_berths` of its
    listed types; empty: it is not held by berth limits).

    >>> VesselSpec("Berkarar", 60.0, ("truck",)).takes("wagon")
    False
    """

    name: str
    capacity_slots: float
    carries: tuple[str, ...] = ()
    outages: tuple[OutageSpec, ...] = ()
    berth_types: tuple[str, ...] = ()

    def takes(self, unit: str) -> bool:
        """Whether the vessel carries units of kind ``unit``."""
        return not self.carries or unit in self.carries


@dataclass(frozen=True)
class FerrySpec:
    """A ferry line shuttling ``vessels`` between ``ends`` over one leg.

    ``fleet``, when given, names the vessels (``vessels`` is then their number and
    ``capacity_slots`` their mean deck); otherwise the line has ``vessels`` alike vessels of
    ``capacity_slots`` that carry everything."""

    leg_id: str
    ends: tuple[str, str]
    vessels: int
    capacity_slots: float
    load_h: float
    unload_h: float
    policy: FerryPolicy
    max_wait_h: float | None = None
    headway_h: float | None = None
    offset_h: float = 0.0
    load_factor: float = 1.0
    #: port -> delays of every vessel call there (shunting the wagons on or off), on top of
    #: ``load_h`` or ``unload_h``
    call_frictions: Mapping[str, tuple[FrictionSpec, ...]] = field(default_factory=dict)
    fleet: tuple[VesselSpec, ...] = ()
    #: the berth types the alike vessels (no ``fleet``) can use (empty: no berth limits)
    berth_types: tuple[str, ...] = ()

    def vessel_list(self) -> tuple[VesselSpec, ...]:
        """The line's vessels: the fleet, or ``vessels`` alike ones."""
        if self.fleet:
            return self.fleet
        return tuple(
            VesselSpec(
                f"{self.leg_id} vessel {i}", self.capacity_slots, berth_types=self.berth_types
            )
            for i in range(self.vessels)
        )

    @property
    def effective_capacity(self) -> float:
        return self.capacity_slots * self.load_factor


@dataclass(frozen=True)
class TrainSpec:
    """How block trains form at the first node of a rail segment.

    Ferry synchronisation adds two policies whose trains leave only at a *slot*, when full or
    when the oldest wagon could not wait for the next slot ``headway_h`` later without passing
    ``max_wait_h``: ``sailing`` (cargo going on to a timetabled ferry; slots at ``offset_h +
    k * headway_h``, timed to reach the port before a sailing) and ``after_landing`` (cargo
    coming off one, which joins in one batch per landing: each landing is a slot, and
    ``max_wait_h`` still applies as a backstop when a landing is late).
    """

    size_slots: float = 57.0
    policy: TrainPolicy = "max_wait"
    max_wait_h: float = 48.0
    headway_h: float = 24.0
    offset_h: float = 0.0


@dataclass(frozen=True)
class Segment:
    """A maximal run of legs of one mode family; ``nodes`` has one more entry than ``legs``.

    ``sync`` says what a rail segment's trains are synchronised with, when the scenario asks
    for it: ``"feeds <ferry leg>"`` (trains timed to reach the sailing they feed) or
    ``"meets ferries at <port>"`` (trains leaving right after a landing of a timetabled ferry).
    Cargo on the same line that feeds or meets no timetabled ferry keeps the common formation
    (``sync == ""``): the formation of a segment is keyed by ``(nodes[0], legs, sync)``.
    """

    kind: SegmentKind
    nodes: tuple[str, ...]
    legs: tuple[str, ...]
    sync: str = ""

    @property
    def formation_name(self) -> str:
        """The name of the train formation at the start of a rail segment: ``"start>end"``,
        with the synchronisation in brackets when there is one.

        >>> Segment("rail", ("a", "b"), ("a-b",), sync="feeds b-c").formation_name
        'a>b (feeds b-c)'
        """
        name = f"{self.nodes[0]}>{self.nodes[-1]}"
        return f"{name} ({self.sync})" if self.sync else name


@dataclass(frozen=True)
class Plan:
    """A route as segments, with its static totals per TEU.

    ``label`` is the route's full readable name and ``route_id`` its stable id, both derived
    from the path alone (:func:`network.via.route_name`, :func:`network.via.route_id`): the
    same path has the same id and name in every scenario. ``via`` names what sets it apart
    from the other candidates of the flow it was compiled for; ``opening_years`` are the
    opening years of its legs that have one.
    """

    index: int
    label: str
    segments: tuple[Segment, ...]
    free_flow_h: float
    expected_h: float = 0.0
    distance_km: float = 0.0
    cost_usd_per_teu: float = 0.0
    co2_kg_per_t: float = 0.0
    legs: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    via: str = ""
    route_id: str = ""
    opening_years: tuple[int, ...] = ()
    #: display names of the first and last node
    end_names: tuple[str, str] = ("", "")

    @property
    def nodes(self) -> tuple[str, ...]:
        out: list[str] = []
        for seg in self.segments:
            out.extend(seg.nodes if not out else seg.nodes[1:])
        return tuple(out)


@dataclass(frozen=True)
class FlowSpec:
    """A demand flow: its arrival process and the plans it may take."""

    index: int
    label: str
    origin: str
    destination: str
    origin_country: str
    unit: str
    per_hour: float
    plans: tuple[int, ...]
    choice: ChoiceMode = "best"
    shares: tuple[float, ...] = ()
    arrival: ArrivalProcess = "poisson"
    batch: int = 1
    seasonality: tuple[float, ...] | None = None
    reroute_on_closure: bool = False
    target_h: float | None = None
    commodity: str = "general"
    #: traffic that shares the corridor (the network's background table), not the scenario's
    #: own demand: it loads the same facilities and is reported apart from the flows' KPIs
    background: bool = False


@dataclass(frozen=True)
class ClosureSpec:
    """A closure of a node or leg: fixed windows, or random events in given months."""

    name: str
    target: str
    windows: tuple[tuple[float, float], ...] = ()
    events_per_month: float = 0.0
    months: tuple[int, ...] = ()
    mean_duration_h: float = 0.0


@dataclass(frozen=True)
class UnitSpec:
    """Room a unit takes and its payload."""

    train_slots: float
    ferry_slots: float
    payload_t: float
    teu_equivalent: float


@dataclass(frozen=True)
class ModelSpec:
    """Everything one replication needs."""

    name: str
    flows: tuple[FlowSpec, ...]
    plans: tuple[Plan, ...]
    nodes: dict[str, NodeSpec]
    legs: dict[str, LegSpec]
    ferries: dict[str, FerrySpec]
    units: dict[str, UnitSpec]
    trains: TrainSpec = field(default_factory=TrainSpec)
    #: per rail segment ``(legs, sync)`` a train policy differing from ``trains`` (ferry
    #: synchronisation, see :class:`Segment`)
    train_overrides: dict[tuple[tuple[str, ...], str], TrainSpec] = field(default_factory=dict)
    closures: tuple[ClosureSpec, ...] = ()
    #: origin node -> delays every release there takes before it sets off (terminal dwell)
    origin_frictions: Mapping[str, tuple[FrictionSpec, ...]] = field(default_factory=dict)
    #: port -> berth type -> berths: every vessel calling there (any line) needs a free berth
    #: of a type it can use to load or unload (:class:`~sim.engine.berths.BerthPool`); a port
    #: not here limits no vessel
    berths: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    horizon_h: float = 365 * 24.0
    warmup_h: float = 30 * 24.0
    drain_h: float = 60 * 24.0
    queue_sample_h: float = 6.0
    #: nodes at which the run records when each unit arrives and departs (the logbook's
    #: passages, :mod:`sim.engine.logbook`): those the network's observations name
    watch_nodes: tuple[str, ...] = ()
    seed: int = 20251016
    digest: str = ""


def undersized_ferries(
    ferries: Mapping[str, FerrySpec], units: Mapping[str, UnitSpec], flows: Sequence[FlowSpec]
) -> list[str]:
    """One problem per ferry whose deck cannot take the largest unit of the demand (such a
    unit would never fit, and the vessels would shuttle empty for ever).

    >>> f = FerrySpec("p-q", ("p", "q"), 1, 1.5, 0.0, 0.0, "when_full", load_factor=0.5)
    >>> flow = FlowSpec(0, "f", "p", "q", "AA", "wagon", 1.0, plans=(0,))
    >>> print(undersized_ferries({"p-q": f}, {"wagon": UnitSpec(1.0, 1.0, 20.0, 2.0)}, [flow])[0])
    ferry p-q: capacity_slots 1.5 x load_factor 0.5 = 0.75 slots cannot take one unit of the \
demand (1 slots); raise capacity_slots or load_factor
    """
    biggest = max((units[f.unit].ferry_slots for f in flows), default=0.0)
    return [
        f"ferry {fs.leg_id}: capacity_slots {fs.capacity_slots:g} x load_factor "
        f"{fs.load_factor:g} = {fs.effective_capacity:g} slots cannot take one unit of the "
        f"demand ({biggest:g} slots); raise capacity_slots or load_factor"
        for fs in ferries.values()
        if fs.effective_capacity < biggest
    ]


__all__ = [
    "ALIKE_BERTH_TYPES",
    "BERTH_ALSO",
    "KIND_CAUSE",
    "ArrivalProcess",
    "ChoiceMode",
    "ClosureSpec",
    "DelayDist",
    "FerrySpec",
    "FlowSpec",
    "FrictionDist",
    "FrictionSpec",
    "LegSpec",
    "ModelSpec",
    "NodeSpec",
    "OutageSpec",
    "Plan",
    "Segment",
    "SegmentKind",
    "TrainPolicy",
    "TrainServicePolicy",
    "TrainSpec",
    "UnitSpec",
    "VesselSpec",
    "undersized_ferries",
    "usable_berths",
]
