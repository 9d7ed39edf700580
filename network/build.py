"""Network tables -> a ``networkx.MultiDiGraph`` of the legs usable in a given year.

Every leg becomes two directed edges (u->v and v->u) keyed by ``leg_id``, so a rail and a ferry
leg between the same two nodes stay distinct and a route can name the leg it uses.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pandas as pd

from network.io import Network

__all__ = ["EDGE_ATTRIBUTES", "build_graph", "is_usable"]

EDGE_ATTRIBUTES = (
    "leg_id",
    "mode",
    "distance_km",
    "duration_h",
    "delay_cv",
    "wait_mean_h",
    "gauge",
    "status",
    "opening_year",
    "countries",
    "corridors",
    "cost_usd_per_teu",
    "co2_kg_per_tkm",
    "capacity_trains_per_day",
)


def is_usable(status: str, opening_year: int | None, year: int) -> bool:
    """Whether a leg of this status and opening year carries traffic in ``year``.

    A closed leg never does; a leg whose opening year is after ``year`` does not, whatever its
    status says; a leg under construction or planned with no opening year is not counted on.

    Examples
    --------
    >>> is_usable("open", None, 2025), is_usable("planned", 2028, 2030)
    (True, True)
    >>> is_usable("under_construction", 2028, 2025), is_usable("planned", None, 2040)
    (False, False)
    """
    if status == "closed":
        return False
    if opening_year is not None and opening_year > year:
        return False
    return status == "open" or opening_year is not None


def build_graph(net: Network, year: int) -> nx.MultiDiGraph:
    """The legs usable in ``year`` as a directed multigraph, with node and leg attributes.

    Parameters
    ----------
    net : Network
        From :func:`network.load_network`.
    year : int
        Calendar year; see :func:`is_usable` for which legs are present.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes: every node of ``net`` (also those left isolated this year) with every nodes.csv
        column as attribute (blank numbers are ``None``). Edges: two per leg, ``u -> v`` and
        ``v -> u``, key ``leg_id``, attributes :data:`EDGE_ATTRIBUTES` (``countries`` in the
        direction of travel). ``G.graph`` holds ``year``, ``teu_payload_t`` and ``leg_ids``
        (every leg of the network, also those absent this year).

    Examples
    --------
    >>> from network import load_network
    >>> net = load_network("tests/fixtures/tiny_network")
    >>> G = build_graph(net, 2025)
    >>> G.has_edge("g_junction", "e_gauge")
    False
    >>> build_graph(net, 2030).has_edge("e_gauge", "g_junction")
    True
    >>> G["b_port"]["c_port"]["b-c"]["mode"], G.graph["teu_payload_t"]
    ('ferry', 10.0)
    """
    graph = nx.MultiDiGraph(
        year=int(year), teu_payload_t=net.teu_payload_t, leg_ids=tuple(net.legs.index)
    )
    for node_id, row in net.nodes.iterrows():
        graph.add_node(node_id, node_id=node_id, **{str(k): _py(v) for k, v in row.items()})
    for leg_id, row in net.legs.iterrows():
        opening = _py(row["opening_year"])
        if not is_usable(str(row["status"]), opening, year):
            continue
        attrs = {name: _py(row[name]) for name in EDGE_ATTRIBUTES if name != "leg_id"}
        attrs["leg_id"] = leg_id
        u, v = row["from_node"], row["to_node"]
        graph.add_edge(u, v, key=leg_id, **attrs)
        back = dict(attrs, countries=tuple(reversed(attrs["countries"])))
        graph.add_edge(v, u, key=leg_id, **back)
    return graph


def _py(value: Any) -> Any:
    """Plain Python values on the graph: None for blanks, int/float instead of numpy scalars."""
    if value is pd.NA or value is None:
        return None
    if isinstance(value, tuple | str):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
