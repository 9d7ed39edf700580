"""The one schema of the network data: every table, column, type, unit and rule.

A network folder holds five CSV tables (``sources.csv``, ``nodes.csv``, ``legs.csv``,
``ferries.csv``, ``units.csv``). Each figure column has a companion ``*_source`` column holding a
``source_id`` from ``sources.csv``; a source of kind ``assumption`` carries its reasoning, so a
figure that no publication gives is visibly an assumption, never silently invented.

Examples
--------
>>> from network.schema import TABLES
>>> sorted(TABLES)
['ferries', 'legs', 'nodes', 'sources', 'units']
>>> TABLES["legs"].column("distance_km").unit
'km'
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


@dataclass(frozen=True)
class Table:
    """One CSV table of a network folder."""

    name: str
    key: str
    description: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

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

FERRIES = Table(
    "ferries",
    key="leg_id",
    description="Ferry or sea services operating a leg of mode ferry or sea.",
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

TABLES: dict[str, Table] = {t.name: t for t in (SOURCES, NODES, LEGS, FERRIES, UNITS)}

__all__ = [
    "CRITERIA",
    "FERRIES",
    "FERRY_POLICIES",
    "GAUGES",
    "LEGS",
    "MODES",
    "NODES",
    "NODE_KINDS",
    "SOURCES",
    "SOURCE_KINDS",
    "STATUSES",
    "TABLES",
    "UNITS",
    "UNIT_KINDS",
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
