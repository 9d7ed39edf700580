"""Sort what a user asks to avoid (``--avoid``, a flow's ``route.avoid``) into countries,
modes, legs and nodes, as :func:`network.routing.route_between` takes them."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from network.errors import NetworkError, UnknownNameError
from network.names import suggest
from network.routing import graph_resolver
from network.schema import MODES

__all__ = ["classify_avoid"]


def classify_avoid(G: nx.MultiDiGraph, items: Sequence[str]) -> dict[str, list[str]]:
    """Sort ``--avoid`` items into countries, modes, legs and nodes (as route_between takes them).

    An item that could be two things (e.g. a node named like a mode) is refused, and an item that
    is nothing known gets a "did you mean".

    Examples
    --------
    >>> from network import build_graph, load_network
    >>> G = build_graph(load_network("tests/fixtures/tiny_network"), 2025)
    >>> avoid = classify_avoid(G, ["yy", "road", "a-h", "Golf"])
    >>> avoid["avoid_countries"], avoid["avoid_modes"], avoid["avoid_legs"], avoid["avoid_nodes"]
    (['YY'], ['road'], ['a-h'], ['g_junction'])
    """
    countries = {str(d.get("country")) for _, d in G.nodes(data=True)}
    countries |= {c for _, _, cs in G.edges(data="countries") for c in cs}
    legs = set(G.graph.get("leg_ids", ())) | {k for _, _, k in G.edges(keys=True)}
    resolver = graph_resolver(G)
    out: dict[str, list[str]] = {
        "avoid_countries": [],
        "avoid_modes": [],
        "avoid_legs": [],
        "avoid_nodes": [],
    }
    for item in items:
        matches: list[tuple[str, str]] = []
        if len(item) == 2 and item.upper() in countries:
            matches.append(("avoid_countries", item.upper()))
        if item in MODES:
            matches.append(("avoid_modes", item))
        if item in legs:
            matches.append(("avoid_legs", item))
        if item in resolver:
            matches.append(("avoid_nodes", resolver.resolve(item)))
        if not matches:
            names = [
                *countries,
                *MODES,
                *legs,
                *G.nodes,
                *(d.get("name") or "" for _, d in G.nodes(data=True)),
            ]
            raise UnknownNameError(
                "--avoid item (country, mode, leg or node)",
                item,
                suggest(item, [n for n in names if n]),
            )
        if len(matches) > 1:
            kinds = " and ".join(f"{k.removeprefix('avoid_')[:-1]} {v!r}" for k, v in matches)
            raise NetworkError(
                f"--avoid {item!r} is ambiguous: it names the {kinds}; use the "
                "node id or leg id to be precise"
            )
        kind, value = matches[0]
        out[kind].append(value)
    return out
