"""The one schema of the network data: every table, column, type, unit and rule.

A network folder holds five core CSV tables (``sources.csv``, ``nodes.csv``, ``legs.csv``,
``ferries.csv``, ``units.csv``) and nine optional operations tables that describe how the Caspian
crossing really runs (``vessels.csv``, ``vessel_availability.csv``, ``load_limits.csv``,
``weather.csv``, ``berths.csv``, ``background.csv``, ``frictions.csv``, ``observations.csv``,
``border_regimes.csv``); a folder without an optional table loads it empty. Each figure column has
a companion ``*_source`` column holding a ``source_id`` from ``sources.csv``; a source of kind
``assumption`` carries its reasoning, so a figure that no publication gives is visibly an
assumption, never silently invented. An uncertain parameter carries a prior range: a
``(low, central, high)`` triple of columns listed in :attr:`Table.priors`.

Examples
--------
>>> from network.schema import TABLES
>>> [name for name, t in TABLES.items() if not t.optional]
['sources', 'nodes', 'legs', 'ferries', 'units']
>>> TABLES["legs"].column("distance_km").unit
'km'
>>> TABLES["weather"].column("month").bounds
(1.0, 12.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

DType = Literal["str", "int", "float", "bool", "list"]

# The vocabularies of the data, defined once: each as a type (for pydantic and mypy) and as the
# tuple of its values (for checks and messages). ``sim`` imports them from here.
Mode = Literal["rail", "ferry", "sea", "road"]
Status = Literal["open", "under_construction", "planned", "closed"]
#: node kinds where cargo is handled (a junction only joins lines)
ServedNodeKind = Literal["terminal", "port", "border", "gauge_change"]
NodeKind = Literal[ServedNodeKind, "junction"]
UnitKind = Literal["teu", "wagon", "truck"]
FerryPolicy = Literal["when_full", "max_wait", "timetable"]
#: what a route is best by (:mod:`network.routing`)
Criterion = Literal["time", "cost", "co2", "distance", "generalised"]

MODES: tuple[str, ...] = get_args(Mode)
STATUSES: tuple[str, ...] = get_args(Status)
NODE_KINDS: tuple[str, ...] = get_args(NodeKind)
SOURCE_KINDS = ("published", "computed", "assumption")
GAUGES = ("1520", "1435", "")
UNIT_KINDS: tuple[str, ...] = get_args(UnitKind)
FERRY_POLICIES: tuple[str, ...] = get_args(FerryPolicy)
CRITERIA: tuple[str, ...] = get_args(Criterion)

# Vocabularies of the operations tables.
VESSEL_TYPES = ("rail_ferry", "ro_pax", "truck_ro_pax", "container_feeder")
BERTH_TYPES = ("rail_ferry", "ro_ro", "universal_ferry", "container")
#: classes of cargo that vessels, load limits and background flows distinguish
CARGO_CLASSES = ("tank_wagon", "wagon", "container_wagon", "truck", "teu", "all")
AVAILABILITY_PROCESSES = ("dry_dock", "planned_maintenance", "breakdown")
DISTRIBUTIONS = ("fixed", "exponential", "lognormal", "gamma", "triangular", "uniform")
#: what a friction applies to: one node, every node of a kind, one leg, or one ferry line
FRICTION_SCOPES = ("node", "node_kind", "leg", "ferry_line")
#: how often a friction is met
FRICTION_PER = ("train", "consist", "vessel", "unit", "vessel_call")
#: ``add``: the engine must add this delay; ``included``: documented only, the figure is already
#: inside the column named in ``included_in`` (so it is never counted twice)
FRICTION_ROLES = ("add", "included")
#: the model metrics an observation maps to (one vocabulary for the calibration)
METRICS = (
    "ferry_wait_h",
    "ferry_headway_h",
    "vessel_port_time_h",
    "sailing_h",
    "node_dwell_h",
    "segment_time_h",
    "transit_time_h",
    "throughput_per_year",
    "vessel_calls_per_year",
    "queue_units",
    "load_factor",
    "closure_share",
)
#: what an observation's ``target`` names; ``route`` is a chain of node ids joined by ``>``
TARGET_KINDS = ("node", "leg", "ferry_line", "route", "network")
STATISTICS = ("mean", "median", "typical_range", "min", "max", "total", "share", "snapshot")
OBSERVATION_USES = ("fit", "check")
GRADES = ("A", "B", "C")
BORDER_REGIMES = ("conventional", "seamless")


@dataclass(frozen=True)
class Column:
    """One column: its name, type, unit, whether it is required and what it means."""

    name: str
    dtype: DType
    unit: str = ""
    required: bool = True
    description: str = ""
    choices: tuple[str, ...] = ()
    source_column: str | None = None  # name of the column holding this figure's source_id
    #: closed range a number must lie in (checked for the operations tables' columns)
    bounds: tuple[float, float] | None = None
    #: the table whose key every value (every item of a list) must be
    refs: str | None = None


@dataclass(frozen=True)
class Table:
    """One CSV table of a network folder.

    ``optional`` tables load empty when their file is missing; ``priors`` lists
    ``(low, central, high)`` column triples that must be ordered; ``unique`` lists column tuples
    whose combined values may occur only once.
    """

    name: str
    key: str
    description: str
    columns: tuple[Column, ...] = field(default_factory=tuple)
    optional: bool = False
    priors: tuple[tuple[str, str, str], ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _src(name: str, what: str) -> Column:
    return Column(name, "str", description=f"source_id (sources.csv) of {what}")


SOURCES = Table(
    "sources",
    key="source_id",
    description="Every publication, computation or assumption that a figure rests on.",
    columns=(
        Column("source_id", "str", description="Short unique id, e.g. 'adb-cpmm-2022-uz'."),
        Column(
            "kind", "str", choices=SOURCE_KINDS, description="published, computed or assumption."
        ),
        Column("citation", "str", description="Who published it, where (outlet, title, table)."),
        Column(
            "date",
            "str",
            description="Date of the figure or publication (YYYY, YYYY-MM or YYYY-MM-DD).",
        ),
        Column(
            "grade", "str", required=False, description="Authority: A, B, C (see corridor facts)."
        ),
        Column(
            "note",
            "str",
            required=False,
            description=(
                "For assumptions: the reasoning. Required for kind=assumption and computed."
            ),
        ),
    ),
)

NODES = Table(
    "nodes",
    key="node_id",
    description="Cities, terminals, ports, border crossings, gauge-change stations and junctions.",
    columns=(
        Column("node_id", "str", description="Unique slug, lower case, e.g. 'alat'."),
        Column("name", "str", description="Display name, e.g. 'Alat (Port of Baku)'."),
        Column(
            "aliases",
            "list",
            required=False,
            description="';'-separated other names users may type.",
        ),
        Column(
            "country",
            "str",
            description=(
                "ISO 3166-1 alpha-2 code; a border node takes the country of its first side."
            ),
        ),
        Column("kind", "str", choices=NODE_KINDS, description="What happens to cargo here."),
        Column(
            "lat", "float", unit="deg", description="Latitude, WGS84.", source_column="coord_source"
        ),
        Column(
            "lon",
            "float",
            unit="deg",
            description="Longitude, WGS84.",
            source_column="coord_source",
        ),
        _src("coord_source", "lat/lon"),
        Column(
            "servers",
            "int",
            required=False,
            description=(
                "Parallel servers: border lanes or tracks per direction, berths, "
                "gauge-change tracks. Blank: no queue (junction)."
            ),
            source_column="servers_source",
        ),
        Column(
            "handling_mean_h",
            "float",
            unit="h",
            required=False,
            description="Mean clearance or handling time per train, truck or vessel load.",
            source_column="handling_source",
        ),
        Column(
            "handling_cv",
            "float",
            required=False,
            description="Coefficient of variation of handling time (std/mean); 1 = exponential.",
            source_column="handling_source",
        ),
        _src("servers_source", "servers"),
        _src("handling_source", "handling_mean_h and handling_cv"),
        Column("note", "str", required=False),
    ),
)

LEGS = Table(
    "legs",
    key="leg_id",
    description="Rail, ferry, sea and road legs; each is usable in both directions.",
    columns=(
        Column(
            "leg_id",
            "str",
            description="Unique slug 'from-to' or 'from-to-mode'; the graph's edge key.",
        ),
        Column("from_node", "str", description="node_id of one end."),
        Column("to_node", "str", description="node_id of the other end."),
        Column("mode", "str", choices=MODES),
        Column(
            "distance_km",
            "float",
            unit="km",
            description="Length along the line or sea route; > 0.",
            source_column="distance_source",
        ),
        _src("distance_source", "distance_km"),
        Column(
            "duration_h",
            "float",
            unit="h",
            required=False,
            description="Mean running or sailing time; give this or speed_kmh.",
            source_column="time_source",
        ),
        Column(
            "speed_kmh",
            "float",
            unit="km/h",
            required=False,
            description="Commercial speed incl. stops; used when duration_h is blank.",
            source_column="time_source",
        ),
        Column(
            "delay_cv",
            "float",
            required=False,
            description=(
                "Random part of the running time, as a fraction of duration_h (0 = none, at most "
                "1): a run takes duration_h x (1 - delay_cv) plus an exponential delay of mean "
                "delay_cv x duration_h, so duration_h stays the mean."
            ),
            source_column="time_source",
        ),
        Column(
            "wait_mean_h",
            "float",
            unit="h",
            required=False,
            description=(
                "Published typical wait for a departure (ferries without timetables); used by "
                "static routing only, the simulation computes waits."
            ),
            source_column="time_source",
        ),
        _src("time_source", "duration_h / speed_kmh / delay_cv / wait_mean_h"),
        Column(
            "gauge",
            "str",
            required=False,
            choices=GAUGES,
            description="1520 or 1435 for rail; blank otherwise.",
        ),
        Column("status", "str", choices=STATUSES, source_column="status_source"),
        Column(
            "opening_year",
            "int",
            required=False,
            description="First year the leg is usable; required unless status is open.",
            source_column="status_source",
        ),
        _src("status_source", "status and opening_year"),
        Column("countries", "list", description="';'-separated ISO codes the leg runs through."),
        Column(
            "corridors",
            "list",
            required=False,
            description="';'-separated tags: middle, btk, zangezur, iran, north, cku, black_sea.",
        ),
        Column(
            "cost_usd_per_teu",
            "float",
            unit="USD/TEU",
            description="Tariff or cost of the leg for one TEU.",
            source_column="cost_source",
        ),
        _src("cost_source", "cost_usd_per_teu"),
        Column(
            "co2_kg_per_tkm",
            "float",
            unit="kg CO2e/tkm",
            description="Emission factor of the mode on this leg.",
            source_column="co2_source",
        ),
        _src("co2_source", "co2_kg_per_tkm"),
        Column(
            "capacity_trains_per_day",
            "float",
            unit="trains/day",
            required=False,
            description="Line capacity per direction where a source gives it.",
            source_column="capacity_source",
        ),
        Column(
            "capacity_source",
            "str",
            required=False,
            description="source_id of capacity_trains_per_day.",
        ),
        Column("note", "str", required=False),
    ),
)


def _num(
    name: str,
    bounds: tuple[float, float],
    *,
    unit: str = "",
    dtype: DType = "float",
    required: bool = False,
    description: str = "",
    source: str | None = None,
) -> Column:
    return Column(
        name,
        dtype,
        unit=unit,
        required=required,
        description=description,
        source_column=source,
        bounds=bounds,
    )


def _prior(name: str, bounds: tuple[float, float], unit: str, what: str) -> tuple[Column, ...]:
    """The ``<name>_low`` and ``<name>_high`` columns of a prior range (no source of their own:
    they share the central value's source, whose note gives the reasoning)."""
    return (
        _num(f"{name}_low", bounds, unit=unit, description=f"Prior low of {what}."),
        _num(f"{name}_high", bounds, unit=unit, description=f"Prior high of {what}."),
    )


FERRIES = Table(
    "ferries",
    key="leg_id",
    description="Ferry or sea services operating a leg of mode ferry or sea.",
    priors=(("max_wait_h_low", "max_wait_h", "max_wait_h_high"),),
    columns=(
        Column("leg_id", "str", description="leg_id of a ferry or sea leg in legs.csv."),
        Column("operator", "str", required=False),
        Column(
            "vessels",
            "int",
            description="Vessels deployed on the line (both directions).",
            source_column="fleet_source",
        ),
        Column(
            "capacity_slots",
            "float",
            unit="wagon-equivalents",
            description="Deck capacity per vessel in wagon slots (see units.csv).",
            source_column="fleet_source",
        ),
        _src("fleet_source", "vessels and capacity_slots"),
        Column(
            "load_h",
            "float",
            unit="h",
            description="Loading time of one vessel at the berth.",
            source_column="handling_source",
        ),
        Column(
            "unload_h",
            "float",
            unit="h",
            description="Unloading time of one vessel.",
            source_column="handling_source",
        ),
        _src("handling_source", "load_h and unload_h"),
        Column(
            "policy",
            "str",
            choices=FERRY_POLICIES,
            description="Default departure policy.",
            source_column="policy_source",
        ),
        Column(
            "max_wait_h",
            "float",
            unit="h",
            required=False,
            description="Longest a loading vessel waits for cargo (policy max_wait).",
            source_column="policy_source",
        ),
        *_prior("max_wait_h", (0.0, 1000.0), "h", "max_wait_h"),
        Column(
            "headway_h",
            "float",
            unit="h",
            required=False,
            description="Interval between timetabled departures per direction (policy timetable).",
            source_column="policy_source",
        ),
        _src("policy_source", "policy, max_wait_h, headway_h"),
        Column("note", "str", required=False),
    ),
)

UNITS = Table(
    "units",
    key="unit",
    description="Freight units: payload for CO2, and the room each takes on a train or ferry.",
    columns=(
        Column("unit", "str", choices=UNIT_KINDS),
        Column(
            "payload_t",
            "float",
            unit="t",
            description="Average gross cargo mass, for CO2 = factor x t x km.",
            source_column="source_id",
        ),
        Column(
            "ferry_slots",
            "float",
            unit="wagon-equivalents",
            description="Room taken on a ferry deck.",
            source_column="source_id",
        ),
        Column(
            "train_slots",
            "float",
            unit="wagons",
            description="Wagons taken in a block train (0 for trucks).",
            source_column="source_id",
        ),
        Column("source_id", "str", description="source_id of the row's figures."),
        Column("note", "str", required=False),
    ),
)


# ------------------------------------------------------------------------ operations tables
# How the Caspian crossing really runs. Every numeric column is bounded (``bounds``); every
# uncertain parameter has a prior range.

YEARS_RANGE = (1950.0, 2100.0)


VESSELS = Table(
    "vessels",
    key="vessel_id",
    description="The Caspian fleet as named vessels (placeholders where counts exceed names).",
    optional=True,
    columns=(
        Column("vessel_id", "str", description="Unique slug, e.g. 'asco-ropax-azerbaijan'."),
        Column("name", "str", description="Vessel name, or '(unnamed …)' for a placeholder."),
        Column("operator", "str", description="Owner/operator, e.g. 'ASCO'."),
        Column("type", "str", choices=VESSEL_TYPES, description="Vessel type."),
        Column(
            "placeholder",
            "bool",
            description="true when the vessel is not named in a source but stands for a counted "
            "vessel (an assumption; see its capacity_source).",
        ),
        _num(
            "railcars",
            (0.0, 100.0),
            unit="wagons",
            description="Deck capacity in wagon slots (0 = carries no railcars).",
            source="capacity_source",
        ),
        _num(
            "trucks",
            (0.0, 200.0),
            unit="trucks",
            description="Truck / semi-trailer capacity (blank = not known).",
            source="capacity_source",
        ),
        _num(
            "teu",
            (0.0, 2000.0),
            unit="TEU",
            description="Container capacity where known (container feeders).",
            source="capacity_source",
        ),
        _num(
            "draught_m",
            (0.5, 15.0),
            unit="m",
            description="Design draught where known.",
            source="capacity_source",
        ),
        _src("capacity_source", "railcars, trucks, teu and draught_m"),
        Column(
            "lines",
            "list",
            refs="ferries",
            description="';'-separated leg ids of ferries.csv the vessel may serve.",
        ),
        Column(
            "home_line",
            "str",
            required=False,
            refs="ferries",
            description="Line of the published deployment (one of lines); blank: none published.",
        ),
        Column(
            "berth_types",
            "list",
            choices=BERTH_TYPES,
            description="';'-separated berth types (berths.csv) the vessel can load at.",
        ),
        _num(
            "service_from",
            YEARS_RANGE,
            dtype="int",
            required=True,
            description="First year in service.",
            source="service_source",
        ),
        _num(
            "service_to",
            YEARS_RANGE,
            dtype="int",
            description="Last year in service (blank: still in service).",
            source="service_source",
        ),
        _src("service_source", "service_from and service_to"),
        Column("note", "str", required=False),
    ),
)

VESSEL_AVAILABILITY = Table(
    "vessel_availability",
    key="availability_id",
    description="Planned maintenance, dry-dock and breakdowns per vessel type (per vessel-year).",
    optional=True,
    priors=(
        ("events_per_year_low", "events_per_year", "events_per_year_high"),
        ("duration_mean_h_low", "duration_mean_h", "duration_mean_h_high"),
    ),
    unique=(("vessel_type", "process"),),
    columns=(
        Column("availability_id", "str", description="Unique slug."),
        Column("vessel_type", "str", choices=VESSEL_TYPES),
        Column("process", "str", choices=AVAILABILITY_PROCESSES),
        _num(
            "events_per_year",
            (0.0, 52.0),
            required=True,
            unit="1/vessel-year",
            description="Expected events per vessel and year.",
            source="availability_source",
        ),
        *_prior("events_per_year", (0.0, 52.0), "1/vessel-year", "events_per_year"),
        _num(
            "duration_mean_h",
            (0.0, 8760.0),
            required=True,
            unit="h",
            description="Mean out-of-service time per event.",
            source="availability_source",
        ),
        *_prior("duration_mean_h", (0.0, 8760.0), "h", "duration_mean_h"),
        Column(
            "distribution",
            "str",
            choices=DISTRIBUTIONS,
            description="Distribution of the duration.",
        ),
        _num("cv", (0.0, 3.0), description="Coefficient of variation of the duration."),
        _src("availability_source", "events and durations"),
        Column("note", "str", required=False),
    ),
)

LOAD_LIMITS = Table(
    "load_limits",
    key="limit_id",
    description="Share of nominal deck capacity usable per voyage (low water, draught limits).",
    optional=True,
    priors=(("factor_low", "load_factor", "factor_high"),),
    columns=(
        Column("limit_id", "str", description="Unique slug."),
        Column("leg_id", "str", refs="ferries", description="Ferry line (leg id of ferries.csv)."),
        Column(
            "vessel_type",
            "str",
            required=False,
            choices=VESSEL_TYPES,
            description="Vessel type the limit applies to (blank: every type).",
        ),
        Column("cargo", "str", choices=CARGO_CLASSES, description="Cargo class ('all': any)."),
        _num(
            "year_from",
            YEARS_RANGE,
            dtype="int",
            required=True,
            description="First year the limit applies.",
            source="factor_source",
        ),
        _num(
            "year_to",
            YEARS_RANGE,
            dtype="int",
            description="Last year (blank: until further notice).",
            source="factor_source",
        ),
        _num(
            "load_factor",
            (0.01, 1.0),
            required=True,
            description="Usable share of nominal capacity for this cargo class, 0–1.",
            source="factor_source",
        ),
        *_prior("factor", (0.01, 1.0), "", "load_factor"),
        _src("factor_source", "load_factor and its years"),
        Column("note", "str", required=False),
    ),
)

WEATHER = Table(
    "weather",
    key="weather_id",
    description="Storm closures of ports by month: expected closures and their mean duration.",
    optional=True,
    priors=(
        ("closures_low", "closures_per_month", "closures_high"),
        ("closure_h_low", "closure_mean_h", "closure_h_high"),
    ),
    unique=(("node_id", "month"),),
    columns=(
        Column("weather_id", "str", description="Unique slug, e.g. 'kuryk-11'."),
        Column("node_id", "str", refs="nodes", description="Port node closed by the weather."),
        _num("month", (1.0, 12.0), dtype="int", required=True, description="Month, 1–12."),
        _num(
            "closures_per_month",
            (0.0, 31.0),
            required=True,
            unit="1/month",
            description="Expected closure events starting in the month.",
            source="weather_source",
        ),
        *_prior("closures", (0.0, 31.0), "1/month", "closures_per_month"),
        _num(
            "closure_mean_h",
            (0.0, 744.0),
            required=True,
            unit="h",
            description="Mean duration of one closure (exponential unless noted).",
            source="weather_source",
        ),
        *_prior("closure_h", (0.0, 744.0), "h", "closure_mean_h"),
        _src("weather_source", "closures_per_month and closure_mean_h"),
        Column("note", "str", required=False),
    ),
)

BERTHS = Table(
    "berths",
    key="berth_id",
    description="Ferry berths per port and type: how many vessels can load at once.",
    optional=True,
    unique=(("node_id", "berth_type"),),
    columns=(
        Column("berth_id", "str", description="Unique slug, e.g. 'alat-rail'."),
        Column("node_id", "str", refs="nodes", description="Port node."),
        Column("berth_type", "str", choices=BERTH_TYPES),
        _num(
            "berths",
            (1.0, 50.0),
            dtype="int",
            required=True,
            description="Berths of this type usable at once.",
            source="berths_source",
        ),
        _src("berths_source", "berths"),
        Column("note", "str", required=False),
    ),
)

BACKGROUND = Table(
    "background",
    key="bg_id",
    description=(
        "Traffic that shares the corridor with the modelled flows, sized so that background + "
        "the baseline's own flows reproduce the published throughput."
    ),
    optional=True,
    priors=(("share_forward_low", "share_forward", "share_forward_high"),),
    columns=(
        Column("bg_id", "str", description="Unique slug."),
        Column("origin", "str", refs="nodes", description="Node where the flow enters."),
        Column("destination", "str", refs="nodes", description="Node where it leaves."),
        Column(
            "via_legs",
            "list",
            required=False,
            refs="legs",
            description="';'-separated legs it loads, in order from origin to destination "
            "(blank: the engine routes it).",
        ),
        Column("unit", "str", choices=UNIT_KINDS, description="teu, wagon or truck."),
        Column("cargo_class", "str", choices=CARGO_CLASSES),
        _num(
            "units_per_year",
            (0.0, 10_000_000.0),
            required=True,
            unit="units/year",
            description="Background units per year, both directions together.",
            source="volume_source",
        ),
        _num(
            "published_per_year",
            (0.0, 10_000_000.0),
            unit="units/year",
            description="The published throughput (annualised) the row is sized from.",
            source="volume_source",
        ),
        _num(
            "modelled_per_year",
            (0.0, 10_000_000.0),
            unit="units/year",
            description="What scenarios/baseline_2025.toml already sends through the same "
            "place (units_per_year = published − modelled).",
            source="volume_source",
        ),
        _num(
            "year",
            YEARS_RANGE,
            dtype="int",
            required=True,
            description="Year of the published figure.",
            source="volume_source",
        ),
        _src("volume_source", "units_per_year, published/modelled and year"),
        _num(
            "share_forward",
            (0.0, 1.0),
            required=True,
            description="Share travelling origin → destination (the rest goes back).",
            source="direction_source",
        ),
        *_prior("share_forward", (0.0, 1.0), "", "share_forward"),
        _src("direction_source", "share_forward"),
        Column("note", "str", required=False, description="The arithmetic."),
    ),
)

FRICTIONS = Table(
    "frictions",
    key="friction_id",
    description="Named delays that are not capacity: documents, customs, shunting, locomotives.",
    optional=True,
    priors=(("mean_h_low", "mean_h", "mean_h_high"),),
    columns=(
        Column("friction_id", "str", description="Unique slug."),
        Column("process", "str", description="What happens, e.g. 'customs clearance of a vessel'."),
        Column("scope", "str", choices=FRICTION_SCOPES),
        Column(
            "applies_to",
            "str",
            description="node id (scope node), node kind (node_kind), leg id (leg) or leg id of "
            "ferries.csv (ferry_line).",
        ),
        Column("per", "str", choices=FRICTION_PER, description="What meets the delay once."),
        Column("distribution", "str", choices=DISTRIBUTIONS),
        _num(
            "mean_h",
            (0.0, 2000.0),
            required=True,
            unit="h",
            description="Central value of the mean delay.",
            source="friction_source",
        ),
        *_prior("mean_h", (0.0, 2000.0), "h", "mean_h"),
        _num(
            "cv",
            (0.0, 5.0),
            description="Coefficient of variation (std/mean) of the delay.",
            source="friction_source",
        ),
        Column("role", "str", choices=FRICTION_ROLES),
        Column(
            "included_in",
            "str",
            required=False,
            description="For role included: 'table.column' that already carries this time.",
        ),
        _src("friction_source", "mean_h and cv"),
        Column("note", "str", required=False, description="Reasoning."),
    ),
)

OBSERVATIONS = Table(
    "observations",
    key="obs_id",
    description="Published component-level figures to calibrate (use fit) and check (use check).",
    optional=True,
    priors=(("low", "value", "high"),),
    columns=(
        Column("obs_id", "str", description="Unique slug."),
        Column("what", "str", description="The figure in words."),
        Column("metric", "str", choices=METRICS, description="Model metric it maps to."),
        Column("target_kind", "str", choices=TARGET_KINDS),
        Column(
            "target",
            "str",
            required=False,
            description="node id, leg id, ferry leg id, 'a>b>c' node chain, or blank (network).",
        ),
        Column("statistic", "str", choices=STATISTICS),
        _num(
            "value",
            (0.0, 100_000_000.0),
            description="Central value (blank when only a range is published).",
            source="source_id",
        ),
        _num("low", (0.0, 100_000_000.0), description="Low end of a range.", source="source_id"),
        _num("high", (0.0, 100_000_000.0), description="High end of a range.", source="source_id"),
        Column("unit", "str", description="Unit of value/low/high, e.g. h, wagons/year."),
        _num(
            "year",
            YEARS_RANGE,
            dtype="int",
            required=True,
            description="Year the figure describes.",
            source="source_id",
        ),
        Column("source_id", "str", description="source_id (sources.csv) of the figure."),
        Column("grade", "str", choices=GRADES, description="Authority A, B or C."),
        Column("use", "str", choices=OBSERVATION_USES, description="fit or check."),
        Column("note", "str", required=False),
    ),
)

BORDER_REGIMES_TABLE = Table(
    "border_regimes",
    key="regime_id",
    description="Dwell at the Zangezur-route crossings under each border regime.",
    optional=True,
    priors=(("handling_low", "handling_mean_h", "handling_high"),),
    unique=(("regime", "node_id"),),
    columns=(
        Column("regime_id", "str", description="Unique slug, e.g. 'seamless-aghband'."),
        Column("regime", "str", choices=BORDER_REGIMES),
        Column("node_id", "str", refs="nodes", description="Border or gauge-change node."),
        _num(
            "handling_mean_h",
            (0.0, 500.0),
            required=True,
            unit="h",
            description="Mean dwell per train under the regime (replaces nodes.handling_mean_h).",
            source="regime_source",
        ),
        *_prior("handling", (0.0, 500.0), "h", "handling_mean_h"),
        _num(
            "handling_cv",
            (0.0, 3.0),
            required=True,
            description="Coefficient of variation of the dwell.",
            source="regime_source",
        ),
        _src("regime_source", "handling_mean_h, its prior and handling_cv"),
        Column("note", "str", required=False),
    ),
)

OPERATIONS_TABLES = (
    VESSELS,
    VESSEL_AVAILABILITY,
    LOAD_LIMITS,
    WEATHER,
    BERTHS,
    BACKGROUND,
    FRICTIONS,
    OBSERVATIONS,
    BORDER_REGIMES_TABLE,
)

TABLES: dict[str, Table] = {
    t.name: t for t in (SOURCES, NODES, LEGS, FERRIES, UNITS, *OPERATIONS_TABLES)
}

__all__ = [
    "AVAILABILITY_PROCESSES",
    "BACKGROUND",
    "BERTHS",
    "BERTH_TYPES",
    "BORDER_REGIMES",
    "BORDER_REGIMES_TABLE",
    "CARGO_CLASSES",
    "CRITERIA",
    "DISTRIBUTIONS",
    "FERRIES",
    "FERRY_POLICIES",
    "FRICTIONS",
    "FRICTION_PER",
    "FRICTION_ROLES",
    "FRICTION_SCOPES",
    "GAUGES",
    "GRADES",
    "LEGS",
    "LOAD_LIMITS",
    "METRICS",
    "MODES",
    "NODES",
    "NODE_KINDS",
    "OBSERVATIONS",
    "OBSERVATION_USES",
    "OPERATIONS_TABLES",
    "SOURCES",
    "SOURCE_KINDS",
    "STATISTICS",
    "STATUSES",
    "TABLES",
    "TARGET_KINDS",
    "UNITS",
    "UNIT_KINDS",
    "VESSELS",
    "VESSEL_AVAILABILITY",
    "VESSEL_TYPES",
    "WEATHER",
    "Column",
    "Criterion",
    "FerryPolicy",
    "Mode",
    "NodeKind",
    "ServedNodeKind",
    "Status",
    "Table",
    "UnitKind",
]
