"""Dotted keys into a scenario's nested tables: ``overrides.nodes.alat.servers``.

A plan's announcements (:mod:`sim.planning.years`) and levers set scenario keys by such paths;
the scenario checks (:func:`sim.inputs.scenario_io.network_problems`) apply them to see what an
announcement makes.

Examples
--------
>>> d = {"overrides": {"nodes": {"alat": {"servers": 4}}}}
>>> get_path(d, "overrides.nodes.alat.servers")
4
>>> drop_path(d, "overrides.nodes.alat.servers"); d
{'overrides': {'nodes': {'alat': {}}}}
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["MISSING", "addition_key", "drop_path", "get_path", "set_path"]

#: what :func:`get_path` gives for a path that is not there
MISSING: Any = object()


def get_path(data: Any, path: str) -> Any:
    """The value at dotted ``path`` in nested dicts/lists, or :data:`MISSING`.

    >>> get_path({"a": {"b": [1, 2]}}, "a.b.1")
    2
    """
    node = data
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return MISSING
    return node


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set dotted ``path`` (tables created on the way; list items by number).

    >>> d: dict = {}
    >>> set_path(d, "overrides.nodes.alat.servers", 5); d
    {'overrides': {'nodes': {'alat': {'servers': 5}}}}
    """
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        else:
            nxt = node.get(part)
            if not isinstance(nxt, dict | list):
                nxt = node[part] = {}
            node = nxt
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = copy.deepcopy(value)
    else:
        node[last] = copy.deepcopy(value)


def drop_path(data: dict[str, Any], path: str) -> None:
    """Remove dotted ``path`` from nested dicts, if it is there."""
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(parts[-1], None)


def addition_key(key: str) -> str | None:
    """For a key inside the vessels added to a ferry line, the whole addition's key; else None.

    >>> addition_key("overrides.ferries.kuryk-alat.add_vessels.kz.count")
    'overrides.ferries.kuryk-alat.add_vessels.kz'
    >>> addition_key("overrides.ferries.kuryk-alat.add_vessels.kz") is None
    True
    """
    parts = key.split(".")
    if len(parts) > 5 and parts[:2] == ["overrides", "ferries"] and parts[3] == "add_vessels":
        return ".".join(parts[:5])
    return None
