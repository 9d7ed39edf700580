"""The ``Scenario``: everything one simulation run varies, as a validated, immutable object.

A scenario names the network year, the demand flows, the changes to legs, nodes and ferry
services, the train and ferry policies, the disruptions, the route choice and the run settings.
Scenario *files* (TOML) are read by :mod:`sim.scenario_io`; this module is the model itself.

Examples
--------
>>> from sim.scenario import Scenario, Flow, RunSettings
>>> s = Scenario(name="demo", year=2025,
...              demand=[Flow(origin="Tashkent", destination="Poti", per_week=20)],
...              run=RunSettings(horizon_days=30, warmup_days=0, replications=1))
>>> s.demand[0].unit, s.run.seed
('teu', 20251016)
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegFloat = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(gt=0, le=1)]
Criterion = Literal["time", "cost", "co2", "distance", "generalised"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class RunSettings(_Model):
    """Horizon, warm-up, replications and seed of a run."""

    horizon_days: PositiveFloat = Field(
        365.0,
        description="Simulated time in which units are released; releases stop at the horizon and the run then drains for `drain_days`.",
    )
    warmup_days: NonNegFloat = Field(
        30.0, description="Units released before this are excluded from statistics."
    )
    replications: Annotated[int, Field(ge=1, le=10_000)] = Field(
        5, description="Independent replications."
    )
    seed: Annotated[int, Field(ge=0)] = Field(
        20251016, description="Root seed of every random stream."
    )
    drain_days: Annotated[float, Field(ge=0, le=365)] = Field(
        60.0,
        description="Time after the horizon in which units already released may still arrive (nothing new is released); units still moving when it ends are reported with `delivered = false` and their `location`. At most a year: a unit of a stable scenario arrives within weeks, and a longer drain would let a saturated scenario's backlog clear and hide it.",
    )
    overload_reason: str = Field(
        "",
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

    mode: Literal["best", "shares", "adaptive"] = Field(
        "best",
        description="best: the single best route by `by`; shares: split among the k best by `shares`; "
        "adaptive: at release, the route with the least expected time given the queues it sees.",
    )
    by: Criterion = Field(
        "generalised",
        description="Criterion ranking the alternatives: generalised (time valued + tariff + CO2 priced; "
        "the default, as in `corridor routes`), time, cost, co2 or distance.",
    )
    k: Annotated[int, Field(ge=1, le=10)] = 3
    shares: list[NonNegFloat] | None = Field(
        None, description="One share per alternative (mode shares)."
    )
    avoid: list[str] = Field(
        default_factory=list, description="Countries, modes, leg ids or node names to avoid."
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

    name: str | None = Field(None, description="Label; defaults to 'Origin→Destination (unit)'.")
    origin: str
    destination: str
    unit: Literal["teu", "wagon", "truck"] = "teu"
    commodity: str = "general"
    per_week: PositiveFloat = Field(
        description="Units released per week (before seasonality and growth)."
    )
    arrival: Literal["poisson", "scheduled"] = Field(
        "poisson",
        description="poisson: random releases; scheduled: `batch` units every fixed interval.",
    )
    batch: Annotated[int, Field(ge=1)] = Field(
        1, description="Units per release (a scheduled block train)."
    )
    seasonality: list[PositiveFloat] | None = Field(
        None, min_length=12, max_length=12, description="Twelve monthly multipliers of the rate."
    )
    growth_per_year: Annotated[float, Field(gt=-1)] = Field(
        0.0, description="Compound growth from base_year."
    )
    base_year: int | None = Field(
        None, description="Year `per_week` refers to; default the scenario year."
    )
    target_days: PositiveFloat | None = Field(None, description="On-time target for KPIs.")
    route: RouteChoice = Field(default_factory=RouteChoice)

    @property
    def label(self) -> str:
        return self.name or f"{self.origin}→{self.destination} ({self.unit})"


class FerryService(_Model):
    """Changes to one ferry line (fields left out keep the network's values)."""

    vessels: Annotated[int, Field(ge=1)] | None = None
    capacity_slots: PositiveFloat | None = None
    load_h: NonNegFloat | None = None
    unload_h: NonNegFloat | None = None
    policy: Literal["when_full", "max_wait", "timetable"] | None = None
    max_wait_h: PositiveFloat | None = None
    headway_h: PositiveFloat | None = None
    offset_h: NonNegFloat = Field(0.0, description="First timetabled departure after time 0.")
    load_factor: Fraction = Field(
        1.0, description="Share of deck capacity usable (cut by low water)."
    )


class NodeChange(_Model):
    """Changes to one node's facility."""

    servers: Annotated[int, Field(ge=1)] | None = None
    handling_mean_h: NonNegFloat | None = None
    handling_cv: NonNegFloat | None = None
    handling_factor: PositiveFloat = Field(
        1.0, description="Multiplies the handling time (e.g. 0.5 = halved)."
    )
    for_origins_in: list[str] | None = Field(
        None,
        description="Apply handling_factor only to units whose origin is in these countries (ISO codes); "
        "a dedicated terminal for one country's cargo.",
    )


class LegChange(_Model):
    """Changes to one leg."""

    status: Literal["open", "under_construction", "planned", "closed"] | None = None
    opening_year: int | None = None
    duration_h: PositiveFloat | None = None
    delay_cv: Annotated[float, Field(ge=0, le=1)] | None = None
    cost_usd_per_teu: NonNegFloat | None = None
    capacity_trains_per_day: PositiveFloat | None = None


class BorderDefaults(_Model):
    """A change applied to every node of a kind (e.g. all borders go digital)."""

    kind: Literal["border", "port", "gauge_change", "terminal"]
    handling_factor: PositiveFloat
    countries: list[str] | None = Field(
        None, description="Only nodes in these countries; default all."
    )


class Trains(_Model):
    """How block trains form at the start of each rail run."""

    size_wagons: PositiveFloat = Field(57.0, description="Wagons (train slots) that fill a train.")
    policy: Literal["when_full", "max_wait", "schedule"] = "max_wait"
    max_wait_h: PositiveFloat = Field(
        48.0, description="Longest a first wagon waits before the train leaves."
    )
    headway_h: PositiveFloat = Field(
        24.0, description="Interval of scheduled departures (policy schedule)."
    )
    offset_h: NonNegFloat = 0.0
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

    name: str | None = None
    target: str = Field(description="A leg id or a node name; a ferry leg closes its sailings.")
    start_day: NonNegFloat | None = Field(None, description="Scheduled: first day of the closure.")
    duration_days: PositiveFloat | None = Field(
        None, description="Scheduled: length of the closure."
    )
    events_per_month: PositiveFloat | None = Field(
        None, description="Random: mean closures per month."
    )
    months: list[Annotated[int, Field(ge=1, le=12)]] | None = Field(
        None, description="Random: months in which closures occur (1-12); default all."
    )
    mean_duration_days: PositiveFloat | None = Field(
        None, description="Random: mean closure length."
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
    all_ferries: FerryService | None = Field(None, description="Applied to every ferry line first.")
    node_kinds: list[BorderDefaults] = Field(default_factory=list)


class Scenario(_Model):
    """One scenario: network year, demand, overrides, policies, disruptions and run settings."""

    name: str
    description: str = ""
    sources: list[str] = Field(default_factory=list, description="Where the parameters come from.")
    year: Annotated[int, Field(ge=2000, le=2100)] = 2025
    network: str | None = Field(
        None, description="Path of a network folder; default the shipped data."
    )
    demand: list[Flow] = Field(min_length=1)
    overrides: Overrides = Field(default_factory=Overrides)
    trains: Trains = Field(default_factory=Trains)
    disruptions: list[Disruption] = Field(default_factory=list)
    run: RunSettings = Field(default_factory=RunSettings)

    def digest(self) -> str:
        """A short stable hash of the whole scenario (for manifests and caches).

        >>> len(Scenario(name="a", demand=[Flow(origin="x", destination="y", per_week=1)]).digest())
        16
        """
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def with_run(self, **changes: object) -> Scenario:
        """A copy with run settings changed (e.g. fewer replications for a quick look)."""
        run = self.run.model_copy(update=changes)
        return self.model_copy(update={"run": RunSettings.model_validate(run.model_dump())})


__all__ = [
    "BorderDefaults",
    "Disruption",
    "FerryService",
    "Flow",
    "LegChange",
    "NodeChange",
    "Overrides",
    "RouteChoice",
    "RunSettings",
    "Scenario",
    "Trains",
]
