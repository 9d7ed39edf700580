"""What sets a route apart: the short "via" text of ``corridor routes`` and of route labels; a
route's full readable name and its stable id (:func:`route_name`, :func:`route_id`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import networkx as nx

from network.routing import Route

__all__ = [
    "NAME_PRIORITY",
    "VIA_ITEMS",
    "VIA_PRIORITY",
    "describe_via",
    "place_name",
    "route_id",
    "route_name",
    "route_places",
]

#: the kinds of place a "via" text names, the most telling first
VIA_PRIORITY = {"water": 0, "gauge_change": 1, "border": 2, "port": 3, "terminal": 4, "junction": 5}
#: at most this many places per route
VIA_ITEMS = 4


def describe_via(
    G: nx.MultiDiGraph, routes: Sequence[Route], limit: int | None = VIA_ITEMS
) -> list[str]:
    """A short "via" text per route: the places that set it apart from the others.

    Water crossings, gauge changes, borders, ports, terminals and junctions on the route,
    minus those every route shares, at most ``limit`` (the most telling first, in route order,
    then ", …"; ``None``: all of them, for data that must not be cut short).

    Examples
    --------
    >>> from network import build_graph, load_network
    >>> from network.routing import k_routes
    >>> G = build_graph(load_network("tests/fixtures/tiny_network"), 2025)
    >>> describe_via(G, k_routes(G, "a_city", "f_city", k=3))
    ['Golf', 'Hotel Border', 'Bravo–Charlie Port ferry, Delta Border, Echo Gauge']
    >>> describe_via(G, k_routes(G, "a_city", "f_city", k=3), limit=1)[2]
    'Bravo–Charlie Port ferry, …'
    """
    items = [_via_items(G, r) for r in routes]
    common = set.intersection(*(set(i) for i in items)) if len(items) > 1 else set()
    out = []
    for route_items in items:
        own = {k: v for k, v in route_items.items() if k not in common} or route_items
        keep = len(own) if limit is None else limit
        best = sorted(own, key=lambda k: own[k][0])[:keep]
        text = ", ".join(k for k in own if k in best)
        out.append(text + (", …" if len(own) > keep else "") if text else "direct")
    return out


#: the kinds of place a route's name lists: what a route is told by
NAME_PRIORITY = VIA_PRIORITY["border"]


def route_places(G: nx.MultiDiGraph, route: Route, upto: int = NAME_PRIORITY) -> list[str]:
    """The places of a route in route order whose kind ranks at most ``upto`` in
    :data:`VIA_PRIORITY`: by default its water crossings (a port at either end of one is named
    by the crossing), gauge changes and borders."""
    return [k for k, (prio, _) in _via_items(G, route).items() if prio <= upto]


def route_name(G: nx.MultiDiGraph, route: Route) -> str:
    """A route's readable name: its ends and every water crossing, gauge change and border
    on it (:func:`route_places`; a route with none of them: its other named places), never cut
    short. It depends on the route alone (not on the other candidates), so the same path has
    the same name in every scenario whose network names its places alike.

    Examples
    --------
    >>> from network import build_graph, load_network
    >>> from network.routing import k_routes
    >>> G = build_graph(load_network("tests/fixtures/tiny_network"), 2025)
    >>> for r in k_routes(G, "a_city", "f_city", k=3)[::2]:
    ...     print(route_name(G, r))
    Alpha → Foxtrôt via Golf
    Alpha → Foxtrôt via Bravo–Charlie Port ferry, Delta Border, Echo Gauge
    """
    ends = " → ".join(place_name(G, n) for n in (route.nodes[0], route.nodes[-1]))
    # a route with no crossing, gauge change or border: its ports, terminals and junctions
    places = route_places(G, route) or route_places(G, route, upto=max(VIA_PRIORITY.values()))
    return f"{ends} via {', '.join(places)}" if places else f"{ends} direct"


def route_id(nodes: Sequence[str], legs: Sequence[str]) -> str:
    """A route's stable id, derived from its path: ``"<first node>><last node>:<hash>"``, the
    hash over its legs in order. The same path has the same id in every scenario and year; the
    opposite direction has another.

    Examples
    --------
    >>> route_id(["a_city", "b_port", "c_port"], ["a-b", "b-c"])
    'a_city>c_port:902857a9'
    >>> route_id(["c_port", "b_port", "a_city"], ["b-c", "a-b"]) != route_id(
    ...     ["a_city", "b_port", "c_port"], ["a-b", "b-c"])
    True
    """
    digest = hashlib.sha1(" ".join(legs).encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"{nodes[0]}>{nodes[-1]}:{digest[:8]}"


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
