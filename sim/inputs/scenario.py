"""The ``Scenario``: everything one simulation run varies, as a validated, immutable object.

A scenario names the network year, the demand flows, the changes to legs, nodes and ferry
services, the train and ferry policies, the disruptions, the route choice and the run settings.
Scenario *files* (TOML) are read by :mod:`sim.inputs.scenario_io`; this module is the model itself.

Examples
--------
>>> from sim.inputs.scenario import Scenario, Flow, RunSettings
>>> s = Scenario(name="demo", year=2025,
...              demand=[Flow(origin="Tashkent", destination="Poti", per_week=20)],
...              run=RunSettings(horizon_days=30, warmup_days=0, replications=1))
>>> s.demand[0].unit, s.run.seed
('teu', 20251016)
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from network.schema import Criterion, FerryPolicy, ServedNodeKind, Status, UnitKind
from sim.engine.model import ArrivalProcess, ChoiceMode, TrainServicePolicy
from sim.inputs.limits import (
    MAX_BATCH,
    MAX_DAY,
    MAX_DRAIN_DAYS,
    MAX_HORIZON_DAYS,
    MAX_HOURS,
    MAX_REPLICATIONS,
    MAX_SEED,
    MAX_UNITS_PER_REPLICATION,
    YEARS,
)

Hours = Annotated[float, Field(gt=0, le=MAX_HOURS)]
NonNegHours = Annotated[float, Field(ge=0, le=MAX_HOURS)]
Factor = Annotated[float, Field(gt=0, le=100)]
Fraction = Annotated[float, Field(gt=0, le=1)]


class _Model(BaseModel):
    # strict: no silent coercion ("2025" is not 2025, true is not 1; an integer where a number
    # is expected is fine); every number finite (TOML has inf and nan)
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, strict=True, allow_inf_nan=False
    )


class RunSettings(_Model):
    """Horizon, warm-up, replications and seed of a run."""

    horizon_days: Annotated[float, Field(gt=0, le=MAX_HORIZON_DAYS)] = Field(
        365.0,
        description="Simulated time in which units are released; releases stop at the horizon and "
        f"the run then drains for `drain_days`. More than 0, at most {MAX_HORIZON_DAYS:g} days.",
    )
    warmup_days: Annotated[float, Field(ge=0, le=MAX_HORIZON_DAYS)] = Field(
        30.0,
        description="Units released before this are excluded from statistics. At least 0, less "
        "than `horizon_days`.",
    )
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = Field(
        5, description=f"Independent replications, 1 to {MAX_REPLICATIONS:,}."
    )
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = Field(
        20251016, description="Root seed of every random stream, 0 to 2^63 - 1."
    )
    drain_days: Annotated[float, Field(ge=0, le=MAX_DRAIN_DAYS)] = Field(
        60.0,
        description="Time after the horizon in which units already released may still arrive (nothing new is released); units still moving when it ends are reported with `delivered = false` and their `location`. At most a year: a unit of a stable scenario arrives within weeks, and a longer drain would let a saturated scenario's backlog clear and hide it.",
    )
    overload_reason: str = Field(
        "",
        max_length=2000,
        description="Why this scenario is meant to overload a facility (e.g. to show where demand outgrows "
        "capacity): with a reason, an overload found by the capacity check is reported but does not stop "
        "the run; empty: an overload refuses to run unless --allow-overload is given.",
    )

    @model_validator(mode="after")
    def _warmup_inside(self) -> RunSettings:
        if self.warmup_days >= self.horizon_days:
            raise ValueError(
                f"warmup_days (={self.warmup_days}) must be < horizon_days (={self.horizon_days})"
            )
        return self


class RouteChoice(_Model):
    """How a flow picks its route among the network's alternatives."""

    mode: ChoiceMode = Field(
        "best",
        description="best: the single best route by `by`; shares: split among the k best by `shares`; "
        "adaptive: at release, the route with the least expected time given the queues it sees.",
    )
    by: Criterion = Field(
        "generalised",
        description="Criterion ranking the alternatives: generalised (time valued + tariff + CO2 priced; "
        "the default, as in `corridor routes`), time, cost, co2 or distance.",
    )
    k: Annotated[int, Field(ge=1, le=10)] = Field(
        3, description="Alternatives considered (adaptive, reroute_on_closure), 1 to 10."
    )
    shares: list[Annotated[float, Field(ge=0, le=1e6)]] | None = Field(
        None,
        max_length=10,
        description="One share per alternative (mode shares); at most 10, each 0 to 10^6.",
    )
    avoid: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Countries, modes, leg ids or node names to avoid (at most 100).",
    )
    reroute_on_closure: bool = Field(
        False,
        description="At release, skip routes through a closed leg or node if an open one exists.",
    )

    @model_validator(mode="after")
    def _shares_fit(self) -> RouteChoice:
        if self.mode == "shares":
            if not self.shares:
                raise ValueError("mode 'shares' needs a list `shares`, one number per alternative")
            if sum(self.shares) <= 0:
                raise ValueError(f"shares (={self.shares}) must add up to more than 0")
        return self


class Flow(_Model):
    """Demand between an origin and a destination."""

    name: str | None = Field(
        None, max_length=200, description="Label; defaults to 'Origin→Destination (unit)'."
    )
    origin: str
    destination: str
    unit: UnitKind = "teu"
    commodity: str = Field("general", max_length=200)
    per_week: Annotated[float, Field(gt=0, le=1e6)] = Field(
        description="Units released per week (before seasonality and growth); more than 0, at "
        f"most 10^6, and all flows together at most {MAX_UNITS_PER_REPLICATION:,} units in a "
        "replication's horizon (growth and mean seasonality included)."
    )
    arrival: ArrivalProcess = Field(
        "poisson",
        description="poisson: random releases; scheduled: `batch` units every fixed interval.",
    )
    batch: Annotated[int, Field(ge=1, le=MAX_BATCH)] = Field(
        1, description=f"Units per release (a scheduled block train), 1 to {MAX_BATCH:,}."
    )
    seasonality: list[Annotated[float, Field(gt=0, le=12)]] | None = Field(
        None,
        min_length=12,
        max_length=12,
        description="Twelve monthly multipliers of the rate, each more than 0 and at most 12.",
    )
    growth_per_year: Annotated[float, Field(ge=-0.9, le=1)] = Field(
        0.0,
        description="Compound growth a year from base_year to the scenario year, -0.9 to 1 "
        "(-90 % to +100 %).",
    )
    base_year: Annotated[int, Field(ge=YEARS[0], le=YEARS[1])] | None = Field(
        None,
        description=f"Year `per_week` refers to, {YEARS[0]} to {YEARS[1]}; default the scenario "
        "year.",
    )
    target_days: Annotated[float, Field(gt=0, le=MAX_DAY)] | None = Field(
        None, description=f"On-time target for KPIs; more than 0, at most {MAX_DAY:g} days."
    )
    route: RouteChoice = Field(default_factory=RouteChoice)

    @property
    def label(self) -> str:
        return self.name or f"{self.origin}→{self.destination} ({self.unit})"

    def growth_factor(self, year: int) -> float:
        """The rate's multiplier in ``year``: ``(1 + growth_per_year) ** (year - base_year)``.

        >>> Flow(origin="a", destination="b", per_week=1, growth_per_year=0.5,
        ...      base_year=2025).growth_factor(2027)
        2.25
        """
        base = self.base_year if self.base_year is not None else year
        return float((1.0 + self.growth_per_year) ** (year - base))

    def units_per_week(self, year: int) -> float:
        """Units released a week on average in ``year``: growth and mean seasonality included."""
        season = sum(self.seasonality) / 12 if self.seasonality else 1.0
        return self.per_week * self.growth_factor(year) * season


Deck = Annotated[float, Field(gt=0, le=10_000)]


class VesselAddition(_Model):
    """Vessels added to a ferry line's named fleet (``vessels.csv``), alike to one of its rows.

    The added vessels serve the line from the scenario's year: the type, what they carry, the
    berths they use and their outages are those of the vessel ``like``; its deck unless one is
    given here, in the type's own measure (``railcars`` for rail ferries and Ro-Pax, ``trucks``
    for truck Ro-Pax, ``teu`` for container ships).

    >>> VesselAddition(like="asco-ropax-azerbaijan", count=2).count
    2
    """

    like: str = Field(
        min_length=1,
        max_length=100,
        description="vessel_id of vessels.csv the added vessels are alike to (type, deck, berths, "
        "outages).",
    )
    count: Annotated[int, Field(ge=0, le=50)] = Field(
        1,
        description="Vessels added, 0 to 50 (0: none, e.g. a scenario taking back the vessels "
        "of the scenario it extends).",
    )
    railcars: Deck | None = Field(
        None, description="Deck in railcars (rail ferries, Ro-Pax); more than 0, at most 10,000."
    )
    trucks: Deck | None = Field(
        None, description="Deck in trucks (truck Ro-Pax); more than 0, at most 10,000."
    )
    teu: Deck | None = Field(
        None, description="Deck in TEU (container ships); more than 0, at most 10,000."
    )
    source: str = Field(
        "",
        max_length=2000,
        description="Where the vessels and their deck come from, or ASSUMPTION with its reasoning.",
    )


class AllFerries(_Model):
    """Changes to every ferry line (``overrides.all_ferries``; fields left out keep the
    network's values)."""

    vessels: Annotated[int, Field(ge=1, le=100)] | None = Field(None, description="1 to 100.")
    capacity_slots: Annotated[float, Field(gt=0, le=10_000)] | None = Field(
        None, description="Deck slots a vessel carries; more than 0, at most 10,000."
    )
    load_h: NonNegHours | None = Field(None, description="0 to 8760 h.")
    unload_h: NonNegHours | None = Field(None, description="0 to 8760 h.")
    policy: FerryPolicy | None = None
    max_wait_h: Hours | None = Field(None, description="More than 0, at most 8760 h.")
    headway_h: Annotated[float, Field(ge=1, le=MAX_HOURS)] | None = Field(
        None, description="Interval of timetabled sailings, 1 to 8760 h."
    )
    offset_h: NonNegHours = Field(
        0.0, description="First timetabled departure after time 0; 0 to 8760 h."
    )
    load_factor: Fraction = Field(
        1.0, description="Share of deck capacity usable (cut by low water); more than 0, at most 1."
    )


class FerryService(AllFerries):
    """Changes to one ferry line (fields left out keep the network's values): those
    :class:`AllFerries` makes, and vessels added to the line's named fleet.

    >>> FerryService(add_vessels={"kz": VesselAddition(like="asco-ak-topchubashov")}).vessels
    """

    add_vessels: dict[Annotated[str, Field(min_length=1, max_length=100)], VesselAddition] = Field(
        default_factory=dict,
        max_length=20,
        description="Vessels added to the line's named fleet (vessels.csv), by a name of your "
        "choice (e.g. `[overrides.ferries.kuryk-alat.add_vessels.kazakh-ferries]`); the line keeps "
        "its named vessels. Not with vessels or capacity_slots (those run alike vessels instead).",
    )


class NodeChange(_Model):
    """Changes to one node's facility."""

    servers: Annotated[int, Field(ge=1, le=1000)] | None = Field(None, description="1 to 1000.")
    handling_mean_h: NonNegHours | None = Field(None, description="0 to 8760 h.")
    handling_cv: Annotated[float, Field(ge=0, le=10)] | None = Field(None, description="0 to 10.")
    handling_factor: Factor = Field(
        1.0,
        description="Multiplies the handling time (e.g. 0.5 = halved); more than 0, at most 100.",
    )
    for_origins_in: list[str] | None = Field(
        None,
        max_length=100,
        description="Apply handling_factor only to units whose origin is in these countries (ISO codes); "
        "a dedicated terminal for one country's cargo.",
    )


class LegChange(_Model):
    """Changes to one leg."""

    status: Status | None = None
    opening_year: Annotated[int, Field(ge=1800, le=YEARS[1])] | None = Field(
        None, description=f"1800 to {YEARS[1]}."
    )
    duration_h: Hours | None = Field(None, description="More than 0, at most 8760 h.")
    delay_cv: Annotated[float, Field(ge=0, le=1)] | None = Field(None, description="0 to 1.")
    cost_usd_per_teu: Annotated[float, Field(ge=0, le=1e6)] | None = Field(
        None, description="0 to 10^6 USD."
    )
    capacity_trains_per_day: Annotated[float, Field(ge=0.1, le=1000)] | None = Field(
        None, description="0.1 to 1000 trains a day."
    )


class BorderDefaults(_Model):
    """A change applied to every node of a kind (e.g. all borders go digital)."""

    kind: ServedNodeKind
    handling_factor: Factor = Field(
        description="Multiplies the handling time; more than 0, at most 100."
    )
    countries: list[str] | None = Field(
        None, max_length=100, description="Only nodes in these countries; default all."
    )


class Trains(_Model):
    """How block trains form at the start of each rail run."""

    size_wagons: Annotated[float, Field(ge=1, le=500)] = Field(
        57.0, description="Wagons (train slots) that fill a train, 1 to 500."
    )
    policy: TrainServicePolicy = "max_wait"
    max_wait_h: Hours = Field(
        48.0,
        description="Longest a first wagon waits before the train leaves; more than 0, at most "
        "8760 h.",
    )
    headway_h: Annotated[float, Field(ge=0.5, le=MAX_HOURS)] = Field(
        24.0, description="Interval of scheduled departures (policy schedule), 0.5 to 8760 h."
    )
    offset_h: NonNegHours = Field(0.0, description="First scheduled departure; 0 to 8760 h.")
    sync_with_ferries: bool = Field(
        False,
        description="Synchronise trains with timetabled ferries: cargo going on to a timetabled ferry gets its own scheduled trains timed to reach the port before a sailing; cargo coming off one leaves on a train as soon as the landing has cleared the port. Other cargo on the same lines keeps the common formation.",
    )
    sync_reliability: float = Field(
        0.9,
        ge=0.5,
        le=0.999,
        description="Share of synchronised trains planned to make their sailing: the buffer before a sailing is this quantile of the run's random delay (assumption: 9 in 10).",
    )


class Disruption(_Model):
    """A closure of a leg or node: scheduled (start/duration) or random (events in months)."""

    name: str | None = Field(None, max_length=200)
    target: str = Field(description="A leg id or a node name; a ferry leg closes its sailings.")
    start_day: Annotated[float, Field(ge=0, le=MAX_DAY)] | None = Field(
        None, description=f"Scheduled: first day of the closure, 0 to {MAX_DAY:g}."
    )
    duration_days: Annotated[float, Field(gt=0, le=MAX_DAY)] | None = Field(
        None, description=f"Scheduled: length of the closure; more than 0, at most {MAX_DAY:g}."
    )
    events_per_month: Annotated[float, Field(gt=0, le=100)] | None = Field(
        None, description="Random: mean closures per month; more than 0, at most 100."
    )
    months: list[Annotated[int, Field(ge=1, le=12)]] | None = Field(
        None,
        max_length=12,
        description="Random: months in which closures occur (1-12); default all.",
    )
    mean_duration_days: Annotated[float, Field(gt=0, le=MAX_DRAIN_DAYS)] | None = Field(
        None, description="Random: mean closure length; more than 0, at most 365 days."
    )
    repeat_yearly: bool = Field(
        True, description="Scheduled: repeat every 365 days within the horizon."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Disruption:
        scheduled = self.start_day is not None or self.duration_days is not None
        random_ = self.events_per_month is not None or self.mean_duration_days is not None
        if scheduled == random_:
            raise ValueError(
                "give either start_day and duration_days (scheduled) or events_per_month and "
                "mean_duration_days (random), not both or neither"
            )
        if scheduled and (self.start_day is None or self.duration_days is None):
            raise ValueError("a scheduled disruption needs both start_day and duration_days")
        if random_ and (self.events_per_month is None or self.mean_duration_days is None):
            raise ValueError(
                "a random disruption needs both events_per_month and mean_duration_days"
            )
        return self


class Overrides(_Model):
    """Changes to the network's data for this scenario."""

    legs: dict[str, LegChange] = Field(default_factory=dict)
    nodes: dict[str, NodeChange] = Field(default_factory=dict)
    ferries: dict[str, FerryService] = Field(default_factory=dict)
    all_ferries: AllFerries | None = Field(None, description="Applied to every ferry line first.")
    node_kinds: list[BorderDefaults] = Field(default_factory=list, max_length=100)

    def runs_alike(self, leg: str) -> bool:
        """Whether ferry line ``leg`` runs alike vessels: it or ``all_ferries`` sets its
        ``vessels`` or ``capacity_slots`` (which replace the named fleet).

        >>> Overrides(ferries={"a-b": FerryService(vessels=3)}).runs_alike("a-b")
        True
        >>> Overrides().runs_alike("a-b")
        False
        """
        return any(
            fs is not None and (fs.vessels is not None or fs.capacity_slots is not None)
            for fs in (self.ferries.get(leg), self.all_ferries)
        )


class Operations(_Model):
    """Which of the network's operations tables the run uses: how the corridor really runs
    beyond its capacities (``network/data``: background, weather, load limits, border regimes).

    Each is on by default; switch one off to see what it costs (a with/without comparison)."""

    background: bool = Field(
        True,
        description="Run the traffic that shares the corridor (background.csv: tank wagons, "
        "Ro-Pax trucks, other origins), reported apart from the scenario's own flows.",
    )
    background_factor: Annotated[float, Field(ge=0, le=20)] = Field(
        1.0,
        description="Multiplies every background volume (e.g. growth to a later year); 0 to 20.",
    )
    weather: bool = Field(
        True, description="Close ports for storms by month (weather.csv), at random."
    )
    load_limits: bool = Field(
        True,
        description="Cut ferry decks for low water in the years the data gives (load_limits.csv); "
        "a line's own load_factor in overrides.ferries wins.",
    )
    fleet: bool = Field(
        True,
        description="Run each Caspian line with its named vessels (vessels.csv: decks, what "
        "they carry, spare vessels deployed by the operator's rule); a line whose vessels or "
        "capacity_slots the scenario sets runs alike vessels instead.",
    )
    vessel_availability: bool = Field(
        True,
        description="Take vessels out of service for dry-dock, maintenance and breakdowns "
        "(vessel_availability.csv), at random; needs the fleet.",
    )
    frictions: bool = Field(
        True,
        description="Add the delays that are not capacity (frictions.csv: document checks, "
        "shunting per vessel call, an origin terminal's dwell, waiting for a locomotive).",
    )
    #: off by default, unlike the other switches: with the shipped data the Caspian traffic
    #: (the flows and the background sized to ASCO's published railcars and vehicles, on decks
    #: loaded to 70-75 %) needs more berth-hours than the two rail-ferry berths of Turkmenbashi
    #: and Alat offer, so the capacity check would refuse the shipped scenarios (see
    #: network/data/README.md)
    berths: bool = Field(
        False,
        description="Limit the vessels loading and unloading at once at each port to its "
        "berths (berths.csv: per berth type, shared by every line calling there); a vessel "
        "waits at anchor for a free berth of a type it can use. Ports without berth rows are "
        "not limited. Off by default: with the shipped data the Caspian load overloads the "
        "rail-ferry berths of Alat and Turkmenbashi.",
    )
    border_regime: str | None = Field(
        None,
        max_length=100,
        description="A border regime of border_regimes.csv (e.g. 'conventional', 'seamless') "
        "setting the handling at the borders it lists; default the nodes' own figures.",
    )


class Calibration(_Model):
    """What calibration estimated for the scenario's uncertain parameters
    (:mod:`sim.inputs.parameters`): point values, and the posterior that ``run`` and ``compare``
    draw each replication's parameters from."""

    parameters: dict[
        Annotated[str, Field(min_length=1, max_length=200)],
        Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)],
    ] = Field(
        default_factory=dict,
        max_length=1000,
        description="Parameter name (`corridor parameters` lists them) -> quantile of its prior "
        "range, 0 to 1 (0 low, 0.5 the data's central value, 1 high); used when no posterior "
        "is drawn from.",
    )
    posterior: str | None = Field(
        None,
        min_length=1,
        max_length=1000,
        description="CSV of posterior samples (`corridor calibrate` writes posterior.csv), "
        "relative to this file: run and compare draw each replication's parameters from it "
        "(the same draw for replication r in every compared scenario).",
    )


PlanScalar = (
    Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)]
    | Annotated[float, Field(ge=-1e9, le=1e9)]
    | Annotated[str, Field(max_length=1000)]
    | bool
)
#: a value an announcement sets: a number, text or flag, or a table of them (e.g. the vessels
#: added to a line, ``add_vessels.<name> = { like = ..., count = 2 }``)
PlanValue = (
    PlanScalar
    | Annotated[
        dict[Annotated[str, Field(min_length=1, max_length=100)], PlanScalar],
        Field(min_length=1, max_length=20),
    ]
)


class Announcement(_Model):
    """A capacity addition announced for a year: the scenario keys it sets from that year on
    (``corridor plan``, :mod:`sim.planning.years`)."""

    name: str = Field(
        min_length=1, max_length=200, description="What is added, 1 to 200 characters."
    )
    year: Annotated[int, Field(ge=YEARS[0], le=YEARS[1])] = Field(
        description=f"First year in service, {YEARS[0]} to {YEARS[1]}."
    )
    source: str = Field(
        min_length=1,
        max_length=2000,
        description="Where the year and the figures come from, or ASSUMPTION with its reasoning.",
    )
    set: dict[Annotated[str, Field(min_length=1, max_length=300)], PlanValue] = Field(
        min_length=1,
        max_length=100,
        description="Dotted scenario key -> value from this year on (e.g. "
        "`overrides.ferries.kuryk-alat.vessels = 9`); before the first announcement that sets a "
        "key, the key is left out (the network's own figure).",
    )


class PlanSettings(_Model):
    """How ``corridor plan`` grows the scenario year by year and what keeps it reliable."""

    announced: list[Announcement] = Field(
        default_factory=list,
        max_length=100,
        description="Capacity additions announced, each with its first year in service; applied "
        "in year order. Applied up to the scenario's own year they must give the scenario's own "
        "values (checked by `corridor plan`).",
    )
    levers: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        None,
        max_length=100,
        description="Lever ids (the network's levers.csv) the optimiser may add; default every "
        "lever whose ferry line or node the scenario's network has.",
    )
    target_days: Annotated[float, Field(gt=0, le=MAX_DAY)] | None = Field(
        None,
        description="P90 transit target (days) of every flow without its own `target_days`; "
        f"more than 0, at most {MAX_DAY:g}. Flows without either are not constrained.",
    )
    target_reason: str = Field(
        "", max_length=2000, description="Where the target comes from, or why it is assumed."
    )


class Scenario(_Model):
    """One scenario: network year, demand, overrides, policies, disruptions and run settings."""

    name: str = Field(min_length=1, max_length=200, description="1 to 200 characters.")
    description: str = Field("", max_length=10_000)
    sources: list[str] = Field(
        default_factory=list, max_length=1000, description="Where the parameters come from."
    )
    year: Annotated[int, Field(ge=YEARS[0], le=YEARS[1])] = Field(
        2025, description=f"Network year, {YEARS[0]} to {YEARS[1]}."
    )
    network: str | None = Field(
        None, description="Path of a network folder; default the shipped data."
    )
    demand: list[Flow] = Field(min_length=1, max_length=1000, description="1 to 1000 flows.")
    overrides: Overrides = Field(default_factory=Overrides)
    trains: Trains = Field(default_factory=Trains)
    disruptions: list[Disruption] = Field(default_factory=list, max_length=1000)
    operations: Operations = Field(default_factory=Operations)
    calibration: Calibration = Field(default_factory=Calibration)
    run: RunSettings = Field(default_factory=RunSettings)
    plan: PlanSettings = Field(default_factory=PlanSettings)

    @model_validator(mode="after")
    def _units_bounded(self) -> Scenario:
        weeks = self.run.horizon_days / 7
        units = [f.units_per_week(self.year) * weeks for f in self.demand]
        total = math.fsum(units)
        if not total <= MAX_UNITS_PER_REPLICATION:
            i = max(range(len(units)), key=units.__getitem__)
            flow = self.demand[i]
            growth = flow.growth_factor(self.year)
            raise ValueError(
                f"demand[{i}].per_week: the flows would release about {total:.3g} units in a "
                f"replication of run.horizon_days = {self.run.horizon_days:g}, more than the "
                f"limit of {MAX_UNITS_PER_REPLICATION:,}; the most is {flow.label!r} with "
                f"per_week = {flow.per_week:g} x growth {growth:.3g} (growth_per_year = "
                f"{flow.growth_per_year:g} from base_year {flow.base_year or self.year} to year "
                f"{self.year}); lower per_week or run.horizon_days"
            )
        return self

    def digest(self) -> str:
        """A short stable hash of the whole scenario (for manifests and caches).

        >>> len(Scenario(name="a", demand=[Flow(origin="x", destination="y", per_week=1)]).digest())
        16
        """
        # what was set, not the defaults filled in: a value set to its default can differ from
        # one left out (a ferry line's load_factor left out takes the low-water limits)
        payload = json.dumps(self.model_dump(mode="json", exclude_unset=True), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def with_run(self, **changes: object) -> Scenario:
        """A copy with run settings changed (e.g. fewer replications for a quick look),
        validated as a whole (a longer horizon must keep the demand within its limit).

        >>> s = Scenario(name="a", demand=[Flow(origin="x", destination="y", per_week=1)])
        >>> s.with_run(horizon_days=30, warmup_days=0).run.horizon_days
        30.0
        """
        # only what was set, so that a default stays a default (a ferry line's load_factor
        # left out is replaced by the low-water limits; set, it is the scenario's choice)
        data = self.model_dump(exclude_unset=True)
        data.setdefault("run", {}).update(changes)
        return Scenario.model_validate(data)

    def with_parameters(self, values: Mapping[str, float]) -> Scenario:
        """A copy whose uncertain parameters are ``values`` (quantiles of their prior ranges,
        see :mod:`sim.inputs.parameters`), replacing the ``[calibration] parameters``.

        >>> s = Scenario(name="a", demand=[Flow(origin="x", destination="y", per_week=1)])
        >>> s.with_parameters({"frictions.mean_h@asm-port-docs": 0.25}).calibration.parameters
        {'frictions.mean_h@asm-port-docs': 0.25}
        """
        data = self.model_dump(exclude_unset=True)  # a default stays a default (with_run)
        data.setdefault("calibration", {})["parameters"] = {
            str(k): float(v) for k, v in values.items()
        }
        return Scenario.model_validate(data)


__all__ = [
    "MAX_BATCH",
    "MAX_DRAIN_DAYS",
    "MAX_HORIZON_DAYS",
    "MAX_REPLICATIONS",
    "MAX_SEED",
    "MAX_UNITS_PER_REPLICATION",
    "YEARS",
    "AllFerries",
    "Announcement",
    "BorderDefaults",
    "Calibration",
    "Disruption",
    "FerryService",
    "Flow",
    "LegChange",
    "NodeChange",
    "Overrides",
    "PlanSettings",
    "RouteChoice",
    "RunSettings",
    "Scenario",
    "Trains",
    "VesselAddition",
]
