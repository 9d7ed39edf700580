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
from network.raw import RawTable, default_data_path, parse_float, parse_int, read_folder
from network.schema import TABLES

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
        if t.header is None:
            out.append(
                _problem(
                    t,
                    None,
                    "file",
                    t.file,
                    "file not found",
                    f"a network folder needs {', '.join(sorted(TABLES))} (.csv)",
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
                value = row.get(col.name, "")
                if value == "" and ("" in col.choices or not col.required):
                    continue
                if value not in col.choices:
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
