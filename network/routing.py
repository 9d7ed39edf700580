"""Routes on a year's graph: fastest, cheapest, greenest, shortest or generalised-cost, and k
loopless alternatives.

Node dwell (border clearance, port handling, gauge change: ``handling_mean_h``) counts in the
optimisation: half of each node's handling is put on each edge touching it, so a path through an
intermediate node pays its full handling, while the origin and destination add the same constant
(half their handling) to every candidate path and so do not change which path wins. The totals of
a :class:`Route` are then recomputed exactly from its legs and intermediate nodes.

Parallel legs (e.g. rail and road between the same two nodes) are collapsed per criterion to the
best one, remembering its ``leg_id``, because ``nx.shortest_simple_paths`` refuses multigraphs and
``nx.path_weight`` would not say which parallel leg it took.
"""

from __future__ import annotations

import itertools
import math
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx

from network.errors import NoRouteError, UnknownNameError
from network.names import NameResolver, suggest
from network.schema import CRITERIA, MODES, Criterion

__all__ = [
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "Criterion",
    "Route",
    "graph_resolver",
    "k_routes",
    "route_between",
]

#: Default weights of the generalised cost, in USD per unit of each criterion, per TEU.
#: ``time``: about 1 USD per TEU-hour, the capital and depreciation cost of ~50 000 USD of cargo
#: at ~15 %/year (50 000 x 0.15 / 8760 h = 0.86); ``cost``: the tariff itself; ``co2``: 0.1 USD
#: per kg, i.e. 100 USD/t CO2, of the order of the EU ETS price.
DEFAULT_WEIGHTS: dict[str, float] = {"time": 1.0, "cost": 1.0, "co2": 0.1}


@dataclass(frozen=True)
class Route:
    """One route on the network, with exact totals per TEU.

    Attributes
    ----------
    nodes : tuple of str
        Node ids from origin to destination.
    legs : tuple of str
        Leg id of each hop (``len(nodes) - 1``).
    modes : tuple of str
        Mode of each leg.
    distance_km : float
    running_h : float
        Sum of legs' ``duration_h`` (free-flow time).
    wait_h : float
        Sum of legs' ``wait_mean_h`` (published typical waits for a departure).
    dwell_h : float
        Sum of ``handling_mean_h`` at the intermediate nodes (origin and destination excluded).
    time_h : float
        ``running_h + wait_h + dwell_h``.
    cost_usd : float
        Sum of legs' ``cost_usd_per_teu``.
    co2_kg : float
        Sum over legs of ``co2_kg_per_tkm x teu payload_t x distance_km``.
    countries : tuple of str
        Countries crossed, in order, each once.
    end_names : tuple of str
        Display names of the origin and destination (``name`` of the nodes; blank when the
        route was built without a graph), what :meth:`summary` prints.
    """

    nodes: tuple[str, ...]
    legs: tuple[str, ...]
    modes: tuple[str, ...]
    distance_km: float
    running_h: float
    wait_h: float
    dwell_h: float
    time_h: float = field(init=False)
    cost_usd: float = 0.0
    co2_kg: float = 0.0
    countries: tuple[str, ...] = ()
    end_names: tuple[str, str] = field(default=("", ""), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "time_h", self.running_h + self.wait_h + self.dwell_h)

    @classmethod
    def from_path(cls, G: nx.MultiDiGraph, nodes: Iterable[str], legs: Iterable[str]) -> Route:
        """Build the route following ``nodes`` over the given ``legs``, totals from ``G``."""
        nodes, legs = tuple(nodes), tuple(legs)
        if len(legs) != len(nodes) - 1:
            raise ValueError(f"{len(nodes)} nodes need {len(nodes) - 1} legs, got {len(legs)}")
        hops = [G.edges[u, v, key] for u, v, key in zip(nodes, nodes[1:], legs, strict=False)]
        payload = float(G.graph["teu_payload_t"])
        countries: dict[str, None] = {}
        for hop in hops:
            countries.update(dict.fromkeys(hop["countries"]))
        return cls(
            nodes=nodes,
            legs=legs,
            modes=tuple(h["mode"] for h in hops),
            distance_km=math.fsum(h["distance_km"] for h in hops),
            running_h=math.fsum(h["duration_h"] for h in hops),
            wait_h=math.fsum(h["wait_mean_h"] or 0.0 for h in hops),
            dwell_h=math.fsum(_handling(G, n) for n in nodes[1:-1]),
            cost_usd=math.fsum(h["cost_usd_per_teu"] for h in hops),
            co2_kg=math.fsum(h["co2_kg_per_tkm"] * payload * h["distance_km"] for h in hops),
            countries=tuple(countries),
            end_names=(_name(G, nodes[0]), _name(G, nodes[-1])),
        )

    @property
    def origin(self) -> str:
        return self.nodes[0]

    @property
    def destination(self) -> str:
        return self.nodes[-1]

    @property
    def hops(self) -> list[tuple[str, str, str]]:
        """``(u, v, leg_id)`` of each hop, in order."""
        return list(zip(self.nodes, self.nodes[1:], self.legs, strict=False))

    def value(self, by: str, weights: Mapping[str, float] | None = None) -> float:
        """The route's total under criterion ``by`` (generalised: USD per TEU)."""
        if by == "generalised":
            w = _weights(weights)
            return w["time"] * self.time_h + w["cost"] * self.cost_usd + w["co2"] * self.co2_kg
        return float(
            {
                "time": self.time_h,
                "cost": self.cost_usd,
                "co2": self.co2_kg,
                "distance": self.distance_km,
            }[_criterion(by)]
        )

    def summary(self) -> str:
        """One line: ends (display names), km, time and its parts, cost, CO2 and countries."""
        origin = self.end_names[0] or self.origin
        destination = self.end_names[1] or self.destination
        return (
            f"{origin} → {destination}: {self.distance_km:,.0f} km, "
            f"{self.time_h:,.1f} h ({self.time_h / 24:.1f} d: {self.running_h:,.1f} running "
            f"+ {self.wait_h:,.1f} wait + {self.dwell_h:,.1f} dwell), "
            f"{self.cost_usd:,.0f} USD/TEU, {self.co2_kg:,.0f} kg CO2/TEU, "
            f"{len(self.legs)} legs via {'-'.join(self.countries)}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every field (tuples as lists), ready for JSON."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


def _name(G: nx.MultiDiGraph, node: str) -> str:
    """A node's display name (its id when it has none)."""
    return str(G.nodes[node].get("name") or node)


def graph_resolver(G: nx.MultiDiGraph) -> NameResolver:
    """The name resolver of ``G``'s nodes (ids, ``name`` and ``aliases`` attributes).

    Built once per graph and its nodes (every route search and ``--avoid`` resolves names on
    the same graph); a graph whose nodes change gets a new one.
    """
    nodes = tuple(
        (n, str(d.get("name") or n), tuple(d.get("aliases") or ())) for n, d in G.nodes(data=True)
    )
    hit = _GRAPH_RESOLVERS.get(G)
    if hit is not None and hit[0] == nodes:
        return hit[1]
    resolver = NameResolver({n: (name, aliases) for n, name, aliases in nodes})
    _GRAPH_RESOLVERS[G] = (nodes, resolver)
    return resolver


#: each graph's node names and their resolver (see :func:`graph_resolver`)
_GRAPH_RESOLVERS: weakref.WeakKeyDictionary[
    nx.MultiDiGraph, tuple[tuple[tuple[str, str, tuple[str, ...]], ...], NameResolver]
] = weakref.WeakKeyDictionary()


def route_between(
    G: nx.MultiDiGraph,
    origin: str,
    destination: str,
    *,
    by: Criterion | str = "time",
    avoid_countries: Iterable[str] = (),
    avoid_modes: Iterable[str] = (),
    avoid_legs: Iterable[str] = (),
    avoid_nodes: Iterable[str] = (),
    weights: Mapping[str, float] | None = None,
) -> Route:
    """The best route from ``origin`` to ``destination`` under criterion ``by``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        From :func:`network.build_graph`.
    origin, destination : str
        Node ids, names or aliases (any case, accents optional).
    by : {"time", "cost", "co2", "distance", "generalised"}
        What to minimise. ``time`` counts running, wait and intermediate dwell; ``generalised``
        is ``weights["time"] * time_h + weights["cost"] * cost_usd + weights["co2"] * co2_kg``
        (defaults :data:`DEFAULT_WEIGHTS`).
    avoid_countries, avoid_modes, avoid_legs, avoid_nodes : iterable of str
        Legs running through an avoided country, of an avoided mode or avoided by id, and nodes
        avoided by id or name, are not used.
    weights : mapping, optional
        Overrides of :data:`DEFAULT_WEIGHTS` for ``by="generalised"``.

    Raises
    ------
    NoRouteError
        If no route exists in ``G``'s year under these constraints.
    UnknownNameError
        For an unknown node, mode, leg, criterion or weight name.

    Examples
    --------
    >>> from network import build_graph, load_network
    >>> G = build_graph(load_network("tests/fixtures/tiny_network"), 2025)
    >>> r = route_between(G, "Alpha", "Foxtrot", by="cost")
    >>> r.nodes, r.cost_usd
    (('a_city', 'h_border', 'f_city'), 600.0)
    >>> route_between(G, "Alpha", "Foxtrot", by="co2").modes
    ('rail', 'ferry', 'rail', 'rail', 'rail')
    """
    return k_routes(
        G,
        origin,
        destination,
        k=1,
        by=by,
        avoid_countries=avoid_countries,
        avoid_modes=avoid_modes,
        avoid_legs=avoid_legs,
        avoid_nodes=avoid_nodes,
        weights=weights,
    )[0]


def k_routes(
    G: nx.MultiDiGraph,
    origin: str,
    destination: str,
    k: int = 3,
    *,
    by: Criterion | str = "time",
    avoid_countries: Iterable[str] = (),
    avoid_modes: Iterable[str] = (),
    avoid_legs: Iterable[str] = (),
    avoid_nodes: Iterable[str] = (),
    weights: Mapping[str, float] | None = None,
) -> list[Route]:
    """Up to ``k`` loopless routes, best first, with distinct node sequences.

    Parameters are those of :func:`route_between`. Fewer than ``k`` routes are returned when
    fewer exist; :class:`NoRouteError` is raised when none does.

    Examples
    --------
    >>> from network import build_graph, load_network
    >>> G = build_graph(load_network("tests/fixtures/tiny_network"), 2025)
    >>> [r.time_h for r in k_routes(G, "a_city", "f_city", k=3)]
    [19.0, 43.0, 74.0]
    """
    if k < 1:
        raise ValueError(f"k (={k}) must be >= 1")
    by = _criterion(by)
    w = _weights(weights)
    resolver = graph_resolver(G)
    source, target = resolver.resolve(origin), resolver.resolve(destination)
    countries = {c.strip().upper() for c in avoid_countries}
    modes = set(avoid_modes)
    if modes - set(MODES):
        mode = sorted(modes - set(MODES))[0]
        raise UnknownNameError("mode", mode, suggest(mode, MODES))
    legs = set(avoid_legs)
    known_legs = set(G.graph.get("leg_ids", ())) | {key for _, _, key in G.edges(keys=True)}
    if legs - known_legs:
        leg = sorted(legs - known_legs)[0]
        raise UnknownNameError("leg", leg, suggest(leg, known_legs))
    nodes = {resolver.resolve(n) for n in avoid_nodes}

    def why() -> str:
        parts = [
            f"countries {', '.join(sorted(countries))}" if countries else "",
            f"modes {', '.join(sorted(modes))}" if modes else "",
            f"legs {', '.join(sorted(legs))}" if legs else "",
            f"nodes {', '.join(sorted(nodes))}" if nodes else "",
        ]
        avoided = "; ".join(p for p in parts if p)
        return (
            f"no route from {origin!r} ({source}) to {destination!r} ({target}) in "
            f"{G.graph.get('year', '?')}" + (f" avoiding {avoided}" if avoided else "")
        )

    if source == target:
        raise NoRouteError(why() + ": origin and destination are the same node")
    if {source, target} & nodes:
        raise NoRouteError(why() + ": the origin or destination itself is avoided")

    def excluded(data: Mapping[str, Any]) -> bool:
        return (
            data["mode"] in modes
            or data["leg_id"] in legs
            or bool(countries.intersection(data["countries"]))
        )

    D = _collapse(G, by, w, excluded, nodes)
    try:
        paths = list(itertools.islice(nx.shortest_simple_paths(D, source, target, "weight"), k))
    except nx.NetworkXNoPath:
        raise NoRouteError(why()) from None
    return [
        Route.from_path(G, p, [D.edges[u, v]["leg_id"] for u, v in itertools.pairwise(p)])
        for p in paths
    ]


def _collapse(G, by, weights, excluded, avoid_nodes) -> nx.DiGraph:
    """A DiGraph with, per (u, v), the best usable parallel leg under ``by`` and its leg_id."""
    payload = float(G.graph["teu_payload_t"])
    D = nx.DiGraph()
    D.add_nodes_from(n for n in G if n not in avoid_nodes)
    for u, v, key, data in G.edges(keys=True, data=True):
        if u in avoid_nodes or v in avoid_nodes or excluded(data):
            continue
        w = _edge_weight(G, u, v, data, by, weights, payload)
        best = D.get_edge_data(u, v)
        # Ties go to the smaller leg id, so results do not depend on CSV row order.
        if best is None or (w, key) < (best["weight"], best["leg_id"]):
            D.add_edge(u, v, weight=w, leg_id=key)
    return D


def _edge_weight(G, u, v, data, by, weights, payload) -> float:
    time = (
        data["duration_h"]
        + (data["wait_mean_h"] or 0.0)
        + 0.5 * (_handling(G, u) + _handling(G, v))
    )
    cost = data["cost_usd_per_teu"]
    co2 = data["co2_kg_per_tkm"] * payload * data["distance_km"]
    if by == "time":
        return time
    if by == "cost":
        return cost
    if by == "co2":
        return co2
    if by == "distance":
        return data["distance_km"]
    return weights["time"] * time + weights["cost"] * cost + weights["co2"] * co2


def _handling(G: nx.MultiDiGraph, node: str) -> float:
    value = G.nodes[node].get("handling_mean_h")
    return 0.0 if value is None or value != value else float(value)


def _criterion(by: str) -> str:
    if by not in CRITERIA:
        raise UnknownNameError("criterion 'by'", by, suggest(by, CRITERIA))
    return by


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    merged = dict(DEFAULT_WEIGHTS)
    for name, value in (weights or {}).items():
        if name not in DEFAULT_WEIGHTS:
            raise UnknownNameError("weight", name, suggest(name, DEFAULT_WEIGHTS))
        merged[name] = float(value)
    return merged
