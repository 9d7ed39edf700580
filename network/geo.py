"""GeoJSON of the network: a Point per node and a LineString per leg, with their attributes.

A leg can also carry the units a simulation moved on it (:func:`run_leg_flows` reads them from
a run's or a comparison's output folder), for QGIS or kepler.gl.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from network.build import EDGE_ATTRIBUTES, _py, build_graph
from network.errors import NetworkError, Problem
from network.io import Network

__all__ = [
    "FLOW_PROPERTY",
    "RunFlows",
    "geojson_text",
    "iter_legs",
    "run_leg_flows",
    "to_geojson",
    "write_geojson",
]

#: the LineString property that carries a run's flow
FLOW_PROPERTY = "units_per_replication"


def iter_legs(obj: nx.MultiDiGraph | Network) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """``(leg_id, from_node, to_node, attributes)`` once per leg of a graph or network.

    For a graph, only the legs present in its year; for a network, every leg of the table.
    """
    if isinstance(obj, Network):
        for leg_id, row in obj.legs.iterrows():
            attrs = {str(k): _py(v) for k, v in row.items()}
            yield str(leg_id), attrs["from_node"], attrs["to_node"], dict(attrs, leg_id=leg_id)
        return
    seen: set[str] = set()
    for u, v, key, data in obj.edges(keys=True, data=True):
        # Both directions carry the same leg; the first one met gives its drawing direction.
        if key not in seen:
            seen.add(key)
            yield key, u, v, {k: data.get(k) for k in EDGE_ATTRIBUTES}


def _nodes(obj: nx.MultiDiGraph | Network) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(obj, Network):
        for node_id, row in obj.nodes.iterrows():
            yield str(node_id), {"node_id": node_id, **{str(k): _py(v) for k, v in row.items()}}
    else:
        yield from obj.nodes(data=True)


def to_geojson(
    obj: nx.MultiDiGraph | Network,
    year: int | None = None,
    *,
    flows: RunFlows | None = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of nodes (Points) and legs (LineStrings).

    Parameters
    ----------
    obj : networkx.MultiDiGraph or Network
        A year's graph, or a network (then every leg, whatever its status, unless ``year``).
    year : int, optional
        With a network: only the legs usable in that year (:func:`network.build_graph`).
    flows : RunFlows, optional
        A run's units per leg (:func:`run_leg_flows`): every leg gets the property
        :data:`FLOW_PROPERTY` (0 where no unit passed) and the collection's properties say
        where the flows come from.

    Raises
    ------
    NetworkError
        A leg of ``flows`` is not in the exported network (another year or network folder).

    Examples
    --------
    >>> from network import load_network
    >>> net = load_network("tests/fixtures/tiny_network")
    >>> fc = to_geojson(net, year=2025)
    >>> sum(f["geometry"]["type"] == "LineString" for f in fc["features"])
    10
    >>> fc["features"][0]["geometry"]
    {'type': 'Point', 'coordinates': [69.3, 41.3]}
    """
    if isinstance(obj, Network) and year is not None:
        obj = build_graph(obj, year)
    coords: dict[str, list[float]] = {}
    features: list[dict[str, Any]] = []
    for node_id, attrs in _nodes(obj):
        coords[node_id] = [float(attrs["lon"]), float(attrs["lat"])]
        features.append(_feature("Point", coords[node_id], {"node_id": node_id, **attrs}))
    exported = set()
    for leg_id, u, v, attrs in iter_legs(obj):
        props = {"leg_id": leg_id, "from_node": u, "to_node": v, **attrs}
        if flows is not None:
            props[FLOW_PROPERTY] = float(flows.units.get(leg_id, 0.0))
        exported.add(leg_id)
        features.append(_feature("LineString", [coords[u], coords[v]], props))
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    graph_year = year if isinstance(obj, Network) else obj.graph.get("year")
    properties: dict[str, Any] = {} if graph_year is None else {"year": graph_year}
    if flows is not None:
        missing = sorted(leg for leg, n in flows.units.items() if n and leg not in exported)
        if missing:
            raise NetworkError(
                f"{flows.source}: scenario {flows.scenario!r} moved units on "
                f"{len(missing)} leg(s) the exported network does not have: "
                f"{', '.join(missing[:8])}{' ...' if len(missing) > 8 else ''} (hint: export "
                f"the scenario's year{f' (--year {flows.year})' if flows.year else ''} and its "
                "network folder (--data))"
            )
        properties["flows"] = {
            "property": FLOW_PROPERTY,
            "scenario": flows.scenario,
            "scenario_year": flows.year,
            "source": flows.source,
            "what": "units released after the warm-up on a route through the leg, "
            "per replication (the scenario's own flows, not the background traffic)",
        }
    if properties:
        collection["properties"] = properties
    return collection


@dataclass(frozen=True)
class RunFlows:
    """The units per replication a scenario of an output folder moved on each leg."""

    scenario: str
    year: int | None
    source: str
    units: dict[str, float] = field(default_factory=dict)


def run_leg_flows(out_dir: str | Path, scenario: str | None = None) -> RunFlows:
    r"""Units per replication on each leg for one scenario of a run's or comparison's output.

    Read from the folder's ``manifest.json`` (its scenarios and their years) and
    ``tables/routes.csv`` (each route's legs and the units per replication released on it
    after the warm-up): a unit counts on every leg of its route, as on the flow map.

    Parameters
    ----------
    out_dir : path
        A folder written by ``corridor run`` or ``corridor compare``.
    scenario : str, optional
        Which scenario; needed when the folder holds more than one.

    Raises
    ------
    NetworkError
        Listing every problem: no such folder, no manifest or routes table, an unknown or
        ambiguous scenario.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> _ = (out / "manifest.json").write_text(
    ...     '{"scenarios": [{"name": "base", "year": 2025}]}', encoding="utf-8")
    >>> (out / "tables").mkdir()
    >>> _ = (out / "tables" / "routes.csv").write_text(
    ...     "scenario,route_id,legs,units_per_replication\n"
    ...     "base,r1,a-b > b-c,10.0\nbase,r2,a-b > b-d,2.5\n", encoding="utf-8")
    >>> flows = run_leg_flows(out)
    >>> flows.scenario, flows.year, flows.units
    ('base', 2025, {'a-b': 12.5, 'b-c': 10.0, 'b-d': 2.5})
    """
    import pandas as pd

    folder = Path(out_dir)
    shown = str(out_dir)
    manifest_path = folder / "manifest.json"
    if not folder.is_dir():
        raise NetworkError(
            f"{shown}: not a folder (hint: give the output folder of corridor run or compare)"
        )
    problems: list[Problem] = []
    scenarios: dict[str, int | None] = {}
    try:
        head = json.loads(manifest_path.read_text(encoding="utf-8"))
        for item in head["scenarios"]:
            year = item.get("year")
            scenarios[str(item["name"])] = int(year) if year is not None else None
    except FileNotFoundError:
        problems.append(
            Problem(
                str(manifest_path),
                None,
                "file",
                "(none)",
                "missing: not an output folder of the tool",
                "give the folder corridor run or compare wrote (-o DIR)",
            )
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        problems.append(Problem(str(manifest_path), None, "scenarios", "?", f"unreadable ({exc})"))
    routes_path = folder / "tables" / "routes.csv"
    routes = None
    needed = ["scenario", "route_id", "legs", "units_per_replication"]
    try:
        routes = pd.read_csv(routes_path, dtype={"scenario": str, "legs": str})
    except FileNotFoundError:
        problems.append(
            Problem(
                str(routes_path),
                None,
                "file",
                "(none)",
                "missing",
                "the routes table is written by every run and comparison; rerun it",
            )
        )
    except (OSError, ValueError) as exc:
        problems.append(Problem(str(routes_path), None, "file", "?", f"unreadable ({exc})"))
    if routes is not None:
        absent = [c for c in needed if c not in routes.columns]
        if absent:
            problems.append(Problem(str(routes_path), 1, "columns", ", ".join(absent), "missing"))
            routes = None
    chosen = scenario
    if scenarios:
        names = list(scenarios)
        if scenario is None and len(names) > 1:
            problems.append(
                Problem(
                    str(manifest_path),
                    None,
                    "scenarios",
                    ", ".join(names),
                    f"the folder holds {len(names)} scenarios",
                    "choose one with --scenario NAME",
                )
            )
        elif scenario is None:
            chosen = names[0]
        elif scenario not in scenarios:
            close = difflib.get_close_matches(scenario, names, n=1)
            problems.append(
                Problem(
                    str(manifest_path),
                    None,
                    "scenario",
                    scenario,
                    f"not in this folder (it holds {', '.join(names)})",
                    f"did you mean {close[0]!r}?" if close else "",
                )
            )
    if problems:
        lines = "\n".join(f"  {p}" for p in problems)
        raise NetworkError(f"cannot read the flows of {shown}: {len(problems)} problem(s)\n{lines}")
    assert routes is not None and chosen is not None
    mine = routes[routes["scenario"] == chosen].drop_duplicates("route_id")
    units: dict[str, float] = {}
    for legs, n in zip(mine["legs"], mine["units_per_replication"], strict=True):
        if pd.isna(n) or not n or pd.isna(legs):
            continue
        for leg in str(legs).split(" > "):
            units[leg] = units.get(leg, 0.0) + float(n)
    return RunFlows(chosen, scenarios[chosen], shown, dict(sorted(units.items())))


def write_geojson(obj: dict[str, Any] | nx.MultiDiGraph | Network, path: str | Path) -> Path:
    """Write a FeatureCollection (or the GeoJSON of a graph or network) to ``path``.

    The text is produced before the file is opened, so a failure leaves no partial file.
    """
    text = geojson_text(obj)
    out = Path(path)
    out.write_text(text, encoding="utf-8")
    return out


def geojson_text(obj: dict[str, Any] | nx.MultiDiGraph | Network) -> str:
    """The GeoJSON text of a FeatureCollection (or of a graph or network), newline-terminated."""
    collection = obj if isinstance(obj, dict) else to_geojson(obj)
    try:
        text = json.dumps(collection, ensure_ascii=False, allow_nan=False, indent=1)
    except (TypeError, ValueError) as exc:
        raise NetworkError(f"cannot write GeoJSON: {exc}") from exc
    return text + "\n"


def _feature(kind: str, coordinates: list[Any], props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": kind, "coordinates": coordinates},
        "properties": {k: _json(v) for k, v in props.items()},
    }


def _json(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
