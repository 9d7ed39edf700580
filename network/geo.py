"""GeoJSON of the network: a Point per node and a LineString per leg, with their attributes."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx

from network.build import EDGE_ATTRIBUTES, _py, build_graph
from network.errors import NetworkError
from network.io import Network

__all__ = ["geojson_text", "iter_legs", "to_geojson", "write_geojson"]


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


def to_geojson(obj: nx.MultiDiGraph | Network, year: int | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of nodes (Points) and legs (LineStrings).

    Parameters
    ----------
    obj : networkx.MultiDiGraph or Network
        A year's graph, or a network (then every leg, whatever its status, unless ``year``).
    year : int, optional
        With a network: only the legs usable in that year (:func:`network.build_graph`).

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
    for leg_id, u, v, attrs in iter_legs(obj):
        props = {"leg_id": leg_id, "from_node": u, "to_node": v, **attrs}
        features.append(_feature("LineString", [coords[u], coords[v]], props))
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    graph_year = year if isinstance(obj, Network) else obj.graph.get("year")
    if graph_year is not None:
        collection["properties"] = {"year": graph_year}
    return collection


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
