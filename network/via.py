"""What sets a route apart: the short "via" text of ``corridor routes`` and of route labels."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from network.routing import Route

__all__ = ["VIA_ITEMS", "VIA_PRIORITY", "describe_via", "place_name"]

#: the kinds of place a "via" text names, the most telling first
VIA_PRIORITY = {"water": 0, "gauge_change": 1, "border": 2, "port": 3, "terminal": 4, "junction": 5}
#: at most this many places per route
VIA_ITEMS = 4


def describe_via(G: nx.MultiDiGraph, routes: Sequence[Route]) -> list[str]:
    """A short "via" text per route: the places that set it apart from the others.

    Water crossings, gauge changes, borders, ports, terminals and junctions on the route,
    minus those every route shares, at most four, the most telling first, in route order.

    Examples
    --------
    >>> from network import build_graph, load_network
    >>> from network.routing import k_routes
    >>> G = build_graph(load_network("tests/fixtures/tiny_network"), 2025)
    >>> describe_via(G, k_routes(G, "a_city", "f_city", k=3))
    ['Golf', 'Hotel Border', 'Bravo–Charlie Port ferry, Delta Border, Echo Gauge']
    """
    items = [_via_items(G, r) for r in routes]
    common = set.intersection(*(set(i) for i in items)) if len(items) > 1 else set()
    out = []
    for route_items in items:
        own = {k: v for k, v in route_items.items() if k not in common} or route_items
        best = sorted(own, key=lambda k: own[k][0])[:VIA_ITEMS]
        text = ", ".join(k for k in own if k in best)
        out.append(text + (", …" if len(own) > VIA_ITEMS else "") if text else "direct")
    return out


def _via_items(G: nx.MultiDiGraph, route: Route) -> dict[str, tuple[int, int]]:
    """label -> (priority, position), in route order."""
    items: dict[str, tuple[int, int]] = {}
    water_ends = set()
    for i, (u, v, leg) in enumerate(route.hops):
        mode = G.edges[u, v, leg]["mode"]
        if mode in ("ferry", "sea"):
            items[f"{place_name(G, u)}–{place_name(G, v)} {mode}"] = (VIA_PRIORITY["water"], i)
            water_ends |= {u, v}
    for i, node in enumerate(route.nodes[1:-1], 1):
        kind = G.nodes[node].get("kind")
        if kind in VIA_PRIORITY and node not in water_ends:
            items[place_name(G, node)] = (VIA_PRIORITY[kind], i)
    return dict(sorted(items.items(), key=lambda kv: kv[1][1]))


def place_name(G: nx.MultiDiGraph, node: str) -> str:
    """A node's display name without its parenthesised alias."""
    return str(G.nodes[node].get("name") or node).split(" (")[0]
