"""Named consistency checks of a network folder; each returns every :class:`Problem` it finds.

Checks run on raw string tables (:mod:`network.raw`), so a broken number in one file does not hide
an unknown node in another: :func:`run_checks` collects the problems of all checks at once.

Examples
--------
>>> from network.checks import CHECKS
>>> "unknown_leg_node" in CHECKS and "unreachable_node" in CHECKS
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import networkx as nx

from network.errors import Problem
from network.names import suggest
from network.raw import (
    RawTable,
    default_data_path,
    parse_float,
    parse_int,
    parse_list,
    read_folder,
)
from network.schema import NODE_KINDS, TABLES

__all__ = ["CHECKS", "check_network", "run_checks"]

Tables = Mapping[str, RawTable]
Check = Callable[[Tables], list[Problem]]

# (table, column) -> rule; figures that a negative or zero would make meaningless.
POSITIVE = {
    ("legs", "distance_km"),
    ("legs", "duration_h"),
    ("legs", "speed_kmh"),
    ("legs", "capacity_trains_per_day"),
    ("nodes", "servers"),
    ("ferries", "vessels"),
    ("ferries", "capacity_slots"),
    ("ferries", "max_wait_h"),
    ("ferries", "headway_h"),
    ("units", "payload_t"),
}
NON_NEGATIVE = {
    ("legs", "delay_cv"),
    ("legs", "wait_mean_h"),
    ("legs", "cost_usd_per_teu"),
    ("legs", "co2_kg_per_tkm"),
    ("nodes", "handling_mean_h"),
    ("nodes", "handling_cv"),
    ("ferries", "load_h"),
    ("ferries", "unload_h"),
    ("units", "ferry_slots"),
    ("units", "train_slots"),
}
RANGES = {
    ("nodes", "lat"): (-90.0, 90.0),
    ("nodes", "lon"): (-180.0, 180.0),
    # the random part of a leg's time cannot exceed its mean (the fixed part would be negative)
    ("legs", "delay_cv"): (0.0, 1.0),
}
WATER_MODES = ("ferry", "sea")


def _problem(t: RawTable, line: int | None, key: str, value: object, rule: str, hint: str = ""):
    return Problem(t.file, line, key, value, rule, hint)


def check_files(tables: Tables) -> list[Problem]:
    """Every table's file exists, has every required column and no unknown column."""
    out = []
    for t in tables.values():
        if t.header is None and t.table.optional:
            continue  # an optional table without a file loads empty
        if t.header is None:
            out.append(
                _problem(
                    t,
                    None,
                    "file",
                    t.file,
                    "file not found",
                    "a network folder needs "
                    + ", ".join(sorted(n for n, x in TABLES.items() if not x.optional))
                    + " (.csv)",
                )
            )
            continue
        names = t.table.column_names
        for col in t.table.columns:
            if col.required and col.name not in t.header:
                out.append(
                    _problem(
                        t,
                        1,
                        col.name,
                        "",
                        "required column missing",
                        f"add a '{col.name}' column ({col.description})",
                    )
                )
        for position, name in enumerate(t.header, 1):
            if name == "":
                out.append(
                    _problem(
                        t,
                        1,
                        f"column {position}",
                        "",
                        "column without a name",
                        "every column needs a header from network/schema.py",
                    )
                )
            elif name not in names:
                near = suggest(name, names)
                hint = f"did you mean {near[0]!r}?" if near else "see network/schema.py"
                out.append(_problem(t, 1, name, name, "unknown column", hint))
    return out


def check_required(tables: Tables) -> list[Problem]:
    """Every required column has a value in every row.

    A source column (``*_source``) is required only where one of its figures is given; that is
    checked, with a better message, by :func:`check_source_ids`.
    """
    out = []
    for t in tables.values():
        linked = {c.source_column for c in t.table.columns if c.source_column}
        required = [c for c in t.table.columns if c.required and c.name not in linked]
        for line, row in t.items():
            for col in required:
                if row.get(col.name, "") == "":
                    out.append(
                        _problem(t, line, col.name, "", "missing required value", col.description)
                    )
    return out


def check_numeric(tables: Tables) -> list[Problem]:
    """Numeric columns hold numbers (int columns whole numbers)."""
    out = []
    for t in tables.values():
        for col in t.table.columns:
            if col.dtype not in ("int", "float"):
                continue
            parse = parse_int if col.dtype == "int" else parse_float
            for line, row in t.items():
                try:
                    parse(row.get(col.name, ""))
                except ValueError:
                    kind = "a whole number" if col.dtype == "int" else "a number"
                    unit = f" in {col.unit}" if col.unit else ""
                    out.append(
                        _problem(
                            t,
                            line,
                            col.name,
                            row[col.name],
                            f"must be {kind}",
                            f"write a plain number{unit}, e.g. 12.5",
                        )
                    )
    return out


def check_sign(tables: Tables) -> list[Problem]:
    """Distances, durations, speeds, fleets are > 0; costs, waits, handling are >= 0."""
    out = []
    for t in tables.values():
        for col in t.table.columns:
            key = (t.table.name, col.name)
            strict = key in POSITIVE
            if not strict and key not in NON_NEGATIVE and key not in RANGES:
                continue
            for line, row in t.items():
                value = _number(row.get(col.name, ""))
                if value is None:
                    continue
                if key in RANGES:
                    lo, hi = RANGES[key]
                    if not lo <= value <= hi:
                        out.append(
                            _problem(
                                t,
                                line,
                                col.name,
                                row[col.name],
                                f"must be between {lo:g} and {hi:g}",
                                "decimal degrees, WGS84; are lat and lon swapped?",
                            )
                        )
                elif (value <= 0) if strict else (value < 0):
                    rule = "must be > 0" if strict else "must be >= 0"
                    out.append(_problem(t, line, col.name, row[col.name], rule, col.description))
    return out


def check_choices(tables: Tables) -> list[Problem]:
    """Columns with a fixed vocabulary (mode, status, kind, gauge, policy, unit) use it."""
    out = []
    for t in tables.values():
        for col in t.table.columns:
            if not col.choices:
                continue
            for line, row in t.items():
                cell = row.get(col.name, "")
                if cell == "" and ("" in col.choices or not col.required):
                    continue
                values = parse_list(cell) if col.dtype == "list" else (cell,)
                for value in values or ("",):
                    if value in col.choices:
                        continue
                    allowed = ", ".join(repr(c) for c in col.choices if c)
                    near = suggest(value, [c for c in col.choices if c], n=1)
                    hint = f"did you mean {near[0]!r}? " if near else ""
                    out.append(
                        _problem(
                            t,
                            line,
                            col.name,
                            value,
                            f"must be one of {allowed}",
                            f"{hint}choices are fixed in network/schema.py".strip(),
                        )
                    )
    return out


def check_duplicate_ids(tables: Tables) -> list[Problem]:
    """Key columns are unique in every table."""
    out = []
    for t in tables.values():
        first: dict[str, int | None] = {}
        for line, row in t.items():
            key = row.get(t.table.key, "")
            if not key:
                continue
            if key in first:
                out.append(
                    _problem(
                        t,
                        line,
                        t.table.key,
                        key,
                        "duplicate id",
                        f"first defined on line {first[key]}",
                    )
                )
            else:
                first[key] = line
    return out


def check_unknown_leg_node(tables: Tables) -> list[Problem]:
    """Legs join nodes that exist in nodes.csv, and not a node to itself."""
    out = []
    legs, node_ids = tables["legs"], tables["nodes"].ids()
    for line, row in legs.items():
        for end in ("from_node", "to_node"):
            value = row.get(end, "")
            if value and value not in node_ids:
                near = suggest(value, node_ids)
                hint = (
                    f"did you mean {' or '.join(map(repr, near))}?"
                    if near
                    else ("add the node to nodes.csv")
                )
                out.append(_problem(legs, line, end, value, "unknown node", hint))
        if row.get("from_node") and row.get("from_node") == row.get("to_node"):
            out.append(
                _problem(
                    legs,
                    line,
                    "to_node",
                    row["to_node"],
                    "leg joins a node to itself",
                    "check from_node and to_node",
                )
            )
    return out


def check_leg_time(tables: Tables) -> list[Problem]:
    """Every leg gives duration_h or speed_kmh, so its running time is known."""
    legs = tables["legs"]
    return [
        _problem(
            legs,
            line,
            "duration_h",
            "",
            "give duration_h or speed_kmh",
            "the running time of the leg is otherwise unknown",
        )
        for line, row in legs.items()
        if row.get("duration_h", "") == "" and row.get("speed_kmh", "") == ""
    ]


def _source_columns(t: RawTable) -> list[str]:
    linked = {c.source_column for c in t.table.columns if c.source_column}
    return [
        c.name
        for c in t.table.columns
        if c.name in linked or (c.name.endswith("_source") and c.name != t.table.key)
    ]


def check_source_ids(tables: Tables) -> list[Problem]:
    """Every figure has a source, and every *_source value is a source_id of sources.csv."""
    out = []
    known = tables["sources"].ids()
    for t in tables.values():
        if t.table.name == "sources":
            continue
        figures = [c for c in t.table.columns if c.source_column]
        for line, row in t.items():
            for col in figures:
                src = col.source_column or ""
                if row.get(col.name, "") != "" and row.get(src, "") == "":
                    out.append(
                        _problem(
                            t,
                            line,
                            src,
                            "",
                            f"{col.name} has no source",
                            "give a source_id from sources.csv (an assumption "
                            "source with its reasoning if no publication gives it)",
                        )
                    )
            for src in _source_columns(t):
                value = row.get(src, "")
                if value and value not in known:
                    near = suggest(value, known)
                    hint = (
                        f"did you mean {' or '.join(map(repr, near))}?"
                        if near
                        else "add it to sources.csv"
                    )
                    out.append(_problem(t, line, src, value, "source_id not in sources.csv", hint))
    return out


def check_source_notes(tables: Tables) -> list[Problem]:
    """Assumptions and computed figures say how they were reached, in the note column."""
    src = tables["sources"]
    return [
        _problem(
            src,
            line,
            "note",
            "",
            f"a source of kind {row['kind']!r} needs a note",
            "give the reasoning or the computation",
        )
        for line, row in src.items()
        if row.get("kind") in ("assumption", "computed") and row.get("note", "") == ""
    ]


def check_opening_year(tables: Tables) -> list[Problem]:
    """A leg that is not open says from which year it is (or was to be) usable."""
    legs = tables["legs"]
    return [
        _problem(
            legs,
            line,
            "opening_year",
            "",
            f"status {row['status']!r} needs an opening_year",
            "the first year the leg can be used (planned date if not built)",
        )
        for line, row in legs.items()
        if row.get("status", "open") not in ("open", "") and row.get("opening_year", "") == ""
    ]


def check_ferries(tables: Tables) -> list[Problem]:
    """Ferry rows belong to ferry/sea legs, every ferry/sea leg has one, policies are complete."""
    out = []
    legs, ferries = tables["legs"], tables["ferries"]
    mode = {row["leg_id"]: row.get("mode", "") for row in legs.rows if row.get("leg_id")}
    for line, row in ferries.items():
        leg_id = row.get("leg_id", "")
        if leg_id and leg_id not in mode:
            near = suggest(leg_id, mode)
            hint = f"did you mean {' or '.join(map(repr, near))}?" if near else "see legs.csv"
            out.append(_problem(ferries, line, "leg_id", leg_id, "unknown leg", hint))
        elif leg_id and mode[leg_id] not in WATER_MODES:
            out.append(
                _problem(
                    ferries,
                    line,
                    "leg_id",
                    leg_id,
                    f"leg is of mode {mode[leg_id]!r}, not ferry or sea",
                    "ferry rows describe ferry or sea services only",
                )
            )
        policy = row.get("policy", "")
        needs = {"max_wait": "max_wait_h", "timetable": "headway_h"}.get(policy)
        if needs and row.get(needs, "") == "":
            out.append(
                _problem(
                    ferries,
                    line,
                    needs,
                    "",
                    f"policy {policy!r} needs {needs}",
                    TABLES["ferries"].column(needs).description,
                )
            )
    served = ferries.ids()
    for line, row in legs.items():
        if row.get("mode") in WATER_MODES and row.get("leg_id") and row["leg_id"] not in served:
            out.append(
                _problem(
                    legs,
                    line,
                    "leg_id",
                    row["leg_id"],
                    f"{row['mode']} leg has no row in ferries.csv",
                    "add its fleet, capacity, loading times and policy",
                )
            )
    return out


def check_units(tables: Tables) -> list[Problem]:
    """units.csv has a 'teu' row: routes report cost and CO2 per TEU."""
    units = tables["units"]
    if units.header is None or "teu" in units.ids():
        return []
    return [_problem(units, None, "unit", "teu", "missing row", "add the 'teu' unit")]


def _leg_graph(tables: Tables) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(tables["nodes"].ids())
    for row in tables["legs"].rows:
        u, v = row.get("from_node", ""), row.get("to_node", "")
        if u in graph and v in graph and u != v:
            graph.add_edge(u, v)
    return graph


def check_isolated_node(tables: Tables) -> list[Problem]:
    """Every node is the end of at least one leg."""
    nodes, graph = tables["nodes"], _leg_graph(tables)
    return [
        _problem(
            nodes,
            line,
            "node_id",
            row["node_id"],
            "no leg touches this node",
            "add its legs to legs.csv or remove the node",
        )
        for line, row in nodes.items()
        if row.get("node_id") in graph and graph.degree(row["node_id"]) == 0
    ]


def check_unreachable_node(tables: Tables) -> list[Problem]:
    """With every leg built, all nodes form one network (one connected component)."""
    nodes, graph = tables["nodes"], _leg_graph(tables)
    graph.remove_nodes_from([n for n in list(graph) if graph.degree(n) == 0])
    parts = sorted(nx.connected_components(graph), key=lambda c: (-len(c), sorted(c)))
    stranded = {n: part for part in parts[1:] for n in part}
    return [
        _problem(
            nodes,
            line,
            "node_id",
            row["node_id"],
            "unreachable from the main network",
            "its component is "
            + ", ".join(sorted(stranded[row["node_id"]]))
            + "; add a leg joining it to the rest",
        )
        for line, row in nodes.items()
        if row.get("node_id") in stranded
    ]


def _ids_hint(value: str, ids: set[str], where: str) -> str:
    near = suggest(value, ids)
    return f"did you mean {' or '.join(map(repr, near))}?" if near else f"see {where}"


def _rows_of(tables: Tables, name: str) -> list[tuple[int | None, dict[str, str]]]:
    t = tables.get(name)
    return list(t.items()) if t is not None else []


def check_bool(tables: Tables) -> list[Problem]:
    """Yes/no columns hold true or false."""
    out = []
    for t in tables.values():
        for col in t.table.columns:
            if col.dtype != "bool":
                continue
            for line, row in t.items():
                value = row.get(col.name, "")
                if value and value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    out.append(
                        _problem(t, line, col.name, value, "must be true or false", col.description)
                    )
    return out


def check_bounds(tables: Tables) -> list[Problem]:
    """Numbers of columns with declared bounds lie within them (months 1–12, shares 0–1, ...)."""
    out = []
    for t in tables.values():
        for col in t.table.columns:
            if col.bounds is None:
                continue
            lo, hi = col.bounds
            for line, row in t.items():
                value = _number(row.get(col.name, ""))
                if value is not None and not lo <= value <= hi:
                    unit = f" {col.unit}" if col.unit else ""
                    out.append(
                        _problem(
                            t,
                            line,
                            col.name,
                            row[col.name],
                            f"must be between {lo:g} and {hi:g}{unit}",
                            col.description or "see network/schema.py",
                        )
                    )
    return out


def check_refs(tables: Tables) -> list[Problem]:
    """Every id a column refers to (node, leg, ferry line) exists in its table."""
    out = []
    for t in tables.values():
        for col in t.table.columns:
            if col.refs is None or col.refs not in tables:
                continue
            target = tables[col.refs]
            ids = target.ids()
            for line, row in t.items():
                cell = row.get(col.name, "")
                values = parse_list(cell) if col.dtype == "list" else ((cell,) if cell else ())
                for value in values:
                    if value not in ids:
                        out.append(
                            _problem(
                                t,
                                line,
                                col.name,
                                value,
                                f"unknown {target.table.key} (not in {target.file})",
                                _ids_hint(value, ids, target.file),
                            )
                        )
    return out


def _source_kind(tables: Tables) -> dict[str, str]:
    return {row.get("source_id", ""): row.get("kind", "") for row in tables["sources"].rows}


def check_priors(tables: Tables) -> list[Problem]:
    """Prior ranges are ordered (low <= central <= high) and an assumed central value has one.

    A friction of role ``included`` only documents a figure carried (and given its reasoning)
    elsewhere, so it needs no prior of its own.
    """
    out = []
    kinds = _source_kind(tables)
    for t in tables.values():
        for low, central, high in t.table.priors:
            src = t.table.column(central).source_column or ""
            for line, row in t.items():
                lo, mid, hi = (_number(row.get(c, "")) for c in (low, central, high))
                if lo is not None and hi is not None and lo > hi:
                    out.append(
                        _problem(
                            t, line, low, row[low], f"must be <= {high} ({row[high]})", "swap them?"
                        )
                    )
                    continue
                if mid is not None and lo is not None and mid < lo:
                    out.append(
                        _problem(
                            t,
                            line,
                            central,
                            row[central],
                            f"must be >= {low} ({row[low]})",
                            "the central value lies inside its prior range",
                        )
                    )
                if mid is not None and hi is not None and mid > hi:
                    out.append(
                        _problem(
                            t,
                            line,
                            central,
                            row[central],
                            f"must be <= {high} ({row[high]})",
                            "the central value lies inside its prior range",
                        )
                    )
                if (lo is None) != (hi is None):
                    missing = high if hi is None else low
                    out.append(
                        _problem(
                            t,
                            line,
                            missing,
                            "",
                            f"a prior range needs both {low} and {high}",
                            "give both ends or neither",
                        )
                    )
                elif (
                    mid is not None
                    and lo is None
                    and row.get("role") != "included"
                    and src
                    and kinds.get(row.get(src, "")) == "assumption"
                ):
                    out.append(
                        _problem(
                            t,
                            line,
                            low,
                            "",
                            f"assumed {central} needs a prior range ({low}, {high})",
                            f"source {row[src]!r} is an assumption: give the range it may "
                            "take and the reasoning in its note",
                        )
                    )
    return out


def check_unique_together(tables: Tables) -> list[Problem]:
    """Combinations that must occur once (a port's month, a regime at a node) do."""
    out = []
    for t in tables.values():
        for columns in t.table.unique:
            first: dict[tuple[str, ...], int | None] = {}
            for line, row in t.items():
                key = tuple(row.get(c, "") for c in columns)
                if "" in key:
                    continue
                if key in first:
                    out.append(
                        _problem(
                            t,
                            line,
                            "+".join(columns),
                            "/".join(key),
                            "duplicate combination",
                            f"first given on line {first[key]}",
                        )
                    )
                else:
                    first[key] = line
    return out


def _node_kinds(tables: Tables) -> dict[str, str]:
    return {r.get("node_id", ""): r.get("kind", "") for r in tables["nodes"].rows}


def _kind_rule(
    tables: Tables, name: str, column: str, kinds: tuple[str, ...], what: str
) -> list[Problem]:
    t, known = tables[name], _node_kinds(tables)
    return [
        _problem(
            t,
            line,
            column,
            row[column],
            f"node is of kind {known[row[column]]!r}, not {' or '.join(kinds)}",
            what,
        )
        for line, row in t.items()
        if row.get(column, "") in known and known[row[column]] not in kinds
    ]


def _ordered_years(t: RawTable, first: str, last: str) -> list[Problem]:
    out = []
    for line, row in t.items():
        a, b = _number(row.get(first, "")), _number(row.get(last, ""))
        if a is not None and b is not None and b < a:
            out.append(_problem(t, line, last, row[last], f"must be >= {first} ({row[first]})", ""))
    return out


def check_vessels(tables: Tables) -> list[Problem]:
    """A vessel carries something, its home line is one of its lines, its years are ordered."""
    t = tables["vessels"]
    out = _ordered_years(t, "service_from", "service_to")
    for line, row in t.items():
        home, lines = row.get("home_line", ""), parse_list(row.get("lines", ""))
        if home and home not in lines:
            out.append(
                _problem(
                    t,
                    line,
                    "home_line",
                    home,
                    "must be one of the vessel's lines",
                    "add it to lines",
                )
            )
        sizes = [_number(row.get(c, "")) for c in ("railcars", "trucks", "teu")]
        if not any(v for v in sizes if v is not None):
            out.append(
                _problem(
                    t,
                    line,
                    "railcars",
                    row.get("railcars", ""),
                    "vessel carries nothing",
                    "give railcars, trucks or teu > 0",
                )
            )
    return out


def check_load_limits(tables: Tables) -> list[Problem]:
    """Load limits cover an ordered span of years."""
    return _ordered_years(tables["load_limits"], "year_from", "year_to")


def check_weather(tables: Tables) -> list[Problem]:
    """Weather closes ports, and a month's expected closed hours fit in the month."""
    out = _kind_rule(tables, "weather", "node_id", ("port",), "weather closures apply to ports")
    t = tables["weather"]
    for line, row in t.items():
        n, h = _number(row.get("closures_per_month", "")), _number(row.get("closure_mean_h", ""))
        if n is not None and h is not None and n * h > 744:
            out.append(
                _problem(
                    t,
                    line,
                    "closure_mean_h",
                    row["closure_mean_h"],
                    f"closures_per_month x closure_mean_h = {n * h:g} h exceeds a month (744 h)",
                    "fewer or shorter closures",
                )
            )
    return out


def check_berths(tables: Tables) -> list[Problem]:
    """Berths belong to ports."""
    return _kind_rule(tables, "berths", "node_id", ("port",), "berths are counted at ports")


def check_border_regimes(tables: Tables) -> list[Problem]:
    """Border regimes apply to border or gauge-change nodes."""
    return _kind_rule(
        tables,
        "border_regimes",
        "node_id",
        ("border", "gauge_change"),
        "a border regime sets the dwell of a crossing",
    )


def _leg_ends(tables: Tables) -> dict[str, tuple[str, str]]:
    return {
        r["leg_id"]: (r.get("from_node", ""), r.get("to_node", ""))
        for r in tables["legs"].rows
        if r.get("leg_id")
    }


def check_background(tables: Tables) -> list[Problem]:
    """Background rows add up (published − modelled) and their legs run origin → destination."""
    out = []
    t, ends = tables["background"], _leg_ends(tables)
    for line, row in t.items():
        units = _number(row.get("units_per_year", ""))
        pub = _number(row.get("published_per_year", ""))
        mod = _number(row.get("modelled_per_year", ""))
        if (
            units is not None
            and pub is not None
            and mod is not None
            and abs(pub - mod - units) > max(1.0, 0.005 * pub)
        ):
            out.append(
                _problem(
                    t,
                    line,
                    "units_per_year",
                    row["units_per_year"],
                    f"must equal published_per_year − modelled_per_year = {pub - mod:g}",
                    "background + the modelled flows reproduce the published throughput",
                )
            )
        legs = parse_list(row.get("via_legs", ""))
        if not legs or any(leg not in ends for leg in legs):
            continue  # unknown legs are reported by check_refs
        at = row.get("origin", "")
        for leg in legs:
            a, b = ends[leg]
            if at not in (a, b):
                out.append(
                    _problem(
                        t,
                        line,
                        "via_legs",
                        leg,
                        f"leg does not start at {at!r}",
                        "list the legs in order from origin to destination",
                    )
                )
                break
            at = b if at == a else a
        else:
            if at != row.get("destination", ""):
                out.append(
                    _problem(
                        t,
                        line,
                        "via_legs",
                        row["via_legs"],
                        f"legs end at {at!r}, not at destination {row.get('destination')!r}",
                        "list the legs in order from origin to destination",
                    )
                )
    return out


def _table_column_names() -> set[str]:
    return {f"{t.name}.{c.name}" for t in TABLES.values() for c in t.columns}


def check_frictions(tables: Tables) -> list[Problem]:
    """A friction names what it applies to, and an 'included' one says where it is counted."""
    out = []
    t = tables["frictions"]
    ids = {
        "node": tables["nodes"].ids(),
        "node_kind": set(NODE_KINDS),
        "leg": tables["legs"].ids(),
        "ferry_line": tables["ferries"].ids(),
    }
    where = {
        "node": "nodes.csv",
        "node_kind": "network/schema.py",
        "leg": "legs.csv",
        "ferry_line": "ferries.csv",
    }
    names = _table_column_names()
    for line, row in t.items():
        scope, target = row.get("scope", ""), row.get("applies_to", "")
        if scope in ids and target and target not in ids[scope]:
            out.append(
                _problem(
                    t,
                    line,
                    "applies_to",
                    target,
                    f"unknown {scope.replace('_', ' ')}",
                    _ids_hint(target, ids[scope], where[scope]),
                )
            )
        inc = row.get("included_in", "")
        if row.get("role") == "included" and not inc:
            out.append(
                _problem(
                    t,
                    line,
                    "included_in",
                    "",
                    "role 'included' needs included_in",
                    "name the 'table.column' that already carries this time",
                )
            )
        elif inc and inc not in names:
            out.append(
                _problem(
                    t,
                    line,
                    "included_in",
                    inc,
                    "not a table.column of network/schema.py",
                    _ids_hint(inc, names, "network/schema.py"),
                )
            )
    return out


def check_observations(tables: Tables) -> list[Problem]:
    """Observations name a real target, give a value or a range, and keep transit times aside."""
    out = []
    t = tables["observations"]
    ids = {
        "node": tables["nodes"].ids(),
        "leg": tables["legs"].ids(),
        "ferry_line": tables["ferries"].ids(),
    }
    nodes = ids["node"]
    for line, row in t.items():
        kind, target = row.get("target_kind", ""), row.get("target", "")
        if kind in ids and target not in ids[kind]:
            out.append(
                _problem(
                    t,
                    line,
                    "target",
                    target,
                    f"unknown {kind.replace('_', ' ')}",
                    _ids_hint(target, ids[kind], "the network tables"),
                )
            )
        elif kind == "route":
            chain = [p.strip() for p in target.split(">")]
            bad = [n for n in chain if n not in nodes]
            if len(chain) < 2 or bad:
                out.append(
                    _problem(
                        t,
                        line,
                        "target",
                        target,
                        "a route is two or more node ids joined by '>'",
                        _ids_hint(bad[0], nodes, "nodes.csv") if bad else "e.g. 'alat>kars'",
                    )
                )
        elif kind == "network" and target:
            out.append(
                _problem(
                    t, line, "target", target, "target_kind network takes no target", "leave blank"
                )
            )
        given = [row.get(c, "") != "" for c in ("value", "low", "high")]
        if not given[0] and not (given[1] and given[2]):
            out.append(
                _problem(
                    t,
                    line,
                    "value",
                    "",
                    "give a value, or low and high",
                    "the published figure or its range",
                )
            )
        if row.get("metric") == "transit_time_h" and row.get("use") == "fit":
            out.append(
                _problem(
                    t,
                    line,
                    "use",
                    "fit",
                    "end-to-end transit times are not fitted",
                    "use 'check': origin→destination times must come out of the model",
                )
            )
    return out


CHECKS: dict[str, Check] = {
    "files": check_files,
    "required": check_required,
    "numeric": check_numeric,
    "sign_and_range": check_sign,
    "choices": check_choices,
    "duplicate_id": check_duplicate_ids,
    "unknown_leg_node": check_unknown_leg_node,
    "leg_time": check_leg_time,
    "source_id": check_source_ids,
    "source_note": check_source_notes,
    "opening_year": check_opening_year,
    "ferries": check_ferries,
    "units": check_units,
    "isolated_node": check_isolated_node,
    "unreachable_node": check_unreachable_node,
    "bool": check_bool,
    "bounds": check_bounds,
    "refs": check_refs,
    "priors": check_priors,
    "unique_together": check_unique_together,
    "vessels": check_vessels,
    "load_limits": check_load_limits,
    "weather": check_weather,
    "berths": check_berths,
    "border_regimes": check_border_regimes,
    "background": check_background,
    "frictions": check_frictions,
    "observations": check_observations,
}


def run_checks(tables: Tables) -> list[Problem]:
    """Run every check of :data:`CHECKS`; problems sorted by file (schema order) and line."""
    problems = [p for check in CHECKS.values() for p in check(tables)]
    order = {t.filename: i for i, t in enumerate(TABLES.values())}
    return sorted(problems, key=lambda p: (order.get(p.file, 99), p.row or 0))


def check_network(path: str | Path | None = None) -> list[Problem]:
    """Every problem of the network folder ``path`` (default: the shipped data); [] if none.

    Examples
    --------
    >>> from network import check_network
    >>> check_network("tests/fixtures/tiny_network")
    []
    """

    folder = Path(path) if path is not None else default_data_path()
    return run_checks(read_folder(folder))


def _number(text: str) -> float | None:
    try:
        return parse_float(text)
    except ValueError:
        return None
