"""How the corridor really runs, read from the network's operations tables for one scenario.

Beyond its capacities the corridor is shaped by the traffic that shares it (``background.csv``),
storms that close its ports (``weather.csv``), the low water that cuts ferry decks
(``load_limits.csv``) and the way borders work (``border_regimes.csv``). This module reads those
tables for a scenario's year and its :class:`~sim.inputs.scenario.Operations` switches into plain
records; :mod:`sim.inputs.compile` turns them into the engine's specs. Nothing here is tuned: every
number comes from a row of the data, with its source there.

Examples
--------
>>> import network
>>> from sim.inputs.scenario import Operations
>>> net = network.load_network("tests/fixtures/tiny_operations")
>>> [(c.name, c.target, c.months, c.events_per_month) for c in weather_closures(net, {"b_port"})]
[('weather:b_port-12', 'b_port', (12,), 2.0)]
>>> load_factors(net, 2025, {"b-c"})
{'b-c': 0.75}
>>> regime_handling(net, "seamless")
{'d_border': {'handling_mean_h': 1.0, 'handling_cv': 0.5}}
>>> [(b.origin, b.destination, round(b.per_year)) for b in background_flows(net, Operations())]
[('b_port', 'd_border', 800), ('d_border', 'b_port', 200), ('b_port', 'c_port', 1000), \
('c_port', 'b_port', 1000)]
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

import network
from sim.engine.model import ClosureSpec, FrictionSpec, OutageSpec, VesselSpec, usable_berths
from sim.inputs.scenario import Operations, VesselAddition

#: the cargo rows of ``load_limits.csv`` that limit a rail ferry's deck (the unit the engine
#: loads is a railcar or a truck; ``all`` applies to every cargo)
DECK_CARGO = ("all", "railcars", "wagons", "tank_wagons", "vehicles", "trucks")


@dataclass(frozen=True)
class BackgroundFlow:
    """Traffic that shares the corridor in one direction: ``per_year`` units of ``unit`` from
    ``origin`` to ``destination`` over ``legs`` (the nodes in order)."""

    bg_id: str
    origin: str
    destination: str
    nodes: tuple[str, ...]
    legs: tuple[str, ...]
    unit: str
    cargo_class: str
    per_year: float

    @property
    def label(self) -> str:
        """The flow's label in the tables: ``background <id> <origin>→<destination>``."""
        return f"background {self.bg_id} {self.origin}→{self.destination} ({self.unit})"


def weather_closures(net: network.Network, nodes: Collection[str]) -> list[ClosureSpec]:
    """One random closure per row of ``weather.csv`` at a node the scenario uses: storms close
    the port in that month at the row's rate, for an exponential time of the row's mean.

    A closed port holds vessels (no sailing from or landing at it) and the consists at the
    node, as any closure of a node does (:mod:`sim.engine.gates`)."""
    out = []
    for weather_id, row in net.weather.iterrows():
        node = str(row["node_id"])
        if node not in nodes or not row["closures_per_month"] > 0:
            continue
        out.append(
            ClosureSpec(
                f"weather:{weather_id}",
                node,
                events_per_month=float(row["closures_per_month"]),
                months=(int(row["month"]),),
                mean_duration_h=float(row["closure_mean_h"]),
            )
        )
    return out


def load_factors(net: network.Network, year: int, legs: Collection[str]) -> dict[str, float]:
    """Ferry leg -> the share of its deck usable in ``year`` (the smallest factor of the rows of
    ``load_limits.csv`` in force that year for the deck's cargo)."""
    out: dict[str, float] = {}
    for _limit_id, row in net.load_limits.iterrows():
        leg = str(row["leg_id"])
        if leg not in legs or str(row["cargo"]) not in DECK_CARGO:
            continue
        start, end = row["year_from"], row["year_to"]
        if (not blank(start) and year < int(start)) or (not blank(end) and year > int(end)):
            continue
        out[leg] = min(out.get(leg, 1.0), float(row["load_factor"]))
    return out


def regime_handling(net: network.Network, regime: str) -> dict[str, dict[str, float]]:
    """Node -> the handling of ``regime`` (``border_regimes.csv``) at the borders it lists.

    Raises
    ------
    ValueError
        The data has no such regime (the message names those it has).
    """
    rows = net.border_regimes[net.border_regimes["regime"] == regime]
    if rows.empty:
        known = sorted(set(net.border_regimes["regime"]))
        raise ValueError(
            f"operations.border_regime: no regime {regime!r} in the network's border_regimes "
            f"table; it has {', '.join(map(repr, known)) or 'none'}"
        )
    out: dict[str, dict[str, float]] = {}
    for _regime_id, row in rows.iterrows():
        change = {"handling_mean_h": float(row["handling_mean_h"])}
        if not blank(row["handling_cv"]):
            change["handling_cv"] = float(row["handling_cv"])
        out[str(row["node_id"])] = change
    return out


def background_flows(net: network.Network, ops: Operations) -> list[BackgroundFlow]:
    """Both directions of every row of ``background.csv``, scaled by
    ``ops.background_factor`` (none when ``ops.background`` is off).

    A row's ``units_per_year`` is the traffic beyond the model's own flows (its note and source
    say how it was sized); ``share_forward`` of it runs origin→destination, the rest back."""
    if not ops.background or ops.background_factor == 0:
        return []
    out = []
    for bg_id, row in net.background.iterrows():
        legs = tuple(str(leg) for leg in row["via_legs"])
        nodes = _path(net, str(row["origin"]), legs)
        total = float(row["units_per_year"]) * ops.background_factor
        share = number(row["share_forward"], 0.5)
        for way, per_year in ((1, total * share), (-1, total * (1.0 - share))):
            if per_year <= 0:
                continue
            ns, ls = (nodes, legs) if way == 1 else (nodes[::-1], legs[::-1])
            out.append(
                BackgroundFlow(
                    str(bg_id), ns[0], ns[-1], ns, ls, str(row["unit"]),
                    str(row["cargo_class"]), per_year,
                )
            )  # fmt: skip
    return out


@dataclass(frozen=True)
class Frictions:
    """The frictions of ``frictions.csv`` that add delay (role ``add``), by where they act:
    ``nodes`` every consist passing (or released at) a node, ``calls`` every vessel call at a
    port. Rows of role ``included`` document delays already in other figures and add nothing."""

    nodes: dict[str, tuple[FrictionSpec, ...]]
    calls: dict[str, tuple[FrictionSpec, ...]]


def frictions(net: network.Network, ops: Operations) -> Frictions:
    """The frictions that add delay (none when ``ops.frictions`` is off); a row of scope
    ``node_kind`` applies at every node of that kind.

    >>> f = frictions(network.load_network("tests/fixtures/tiny_operations"), Operations())
    >>> f.nodes["b_port"][0].name, f.nodes["e_gauge"][0].name, f.calls
    ('docs-b', 'loco-e', {})
    """
    nodes: dict[str, list[FrictionSpec]] = {}
    calls: dict[str, list[FrictionSpec]] = {}
    if ops.frictions:
        kinds = net.nodes["kind"]
        for friction_id, row in net.frictions.iterrows():
            if str(row["role"]) != "add":
                continue
            spec = FrictionSpec(
                str(friction_id),
                float(row["mean_h"]),
                number(row["cv"], 1.0),
                str(row["distribution"]),  # type: ignore[arg-type]
            )
            scope, target = str(row["scope"]), str(row["applies_to"])
            if scope == "node":
                where = [target]
            elif scope == "node_kind":
                where = [str(n) for n in kinds.index[kinds == target]]
            else:
                raise ValueError(
                    f"frictions.csv row {friction_id!r}: a friction that adds delay applies to a "
                    f"node or a node kind, not to a {scope} (the engine has no such friction)"
                )
            into = calls if str(row["per"]) == "vessel_call" else nodes
            for node in where:
                into.setdefault(node, []).append(spec)
    return Frictions(
        {k: tuple(v) for k, v in nodes.items()}, {k: tuple(v) for k, v in calls.items()}
    )


#: what each vessel type of ``vessels.csv`` carries (empty: every unit kind). Rail ferries carry
#: trucks on the rail deck as well: ASCO moved about 37,800 vehicles a year on its ferries and
#: Ro-Pax (9M 2025 x 4/3, Trend 2025-10-07) while its Ro-Pax "Azerbaijan" carried about 5,100 a
#: year (10,178 in two years, Trend 2023-03-01), so most vehicles crossed on the rail ferries.
CARRIES: dict[str, tuple[str, ...]] = {
    "rail_ferry": (),
    "ro_pax": (),
    "truck_ro_pax": ("truck",),
    "container_feeder": ("teu",),
}


#: the column of ``vessels.csv`` that gives a vessel type's deck (its own measure)
DECK_COLUMN: dict[str, str] = {
    "rail_ferry": "railcars",
    "ro_pax": "railcars",
    "truck_ro_pax": "trucks",
    "container_feeder": "teu",
}
#: the unit (``units.csv``) a deck column counts, whose ``ferry_slots`` turn it into slots
DECK_UNIT: dict[str, str] = {"railcars": "wagon", "trucks": "truck", "teu": "teu"}


def named_vessels(net: network.Network, leg: str) -> list[str]:
    """The ``vessel_id`` of every vessel of ``vessels.csv`` that may serve ferry line ``leg``.

    >>> named_vessels(network.load_network("tests/fixtures/tiny_operations"), "b-c")
    ['rail-1', 'pax-1', 'spare-1']
    """
    return [str(i) for i, lines in net.vessels["lines"].items() if leg in lines]


def fleets(
    net: network.Network,
    year: int,
    legs: Collection[str],
    offered: dict[str, float],
    ops: Operations,
    added: Mapping[str, Mapping[str, VesselAddition]] | None = None,
) -> dict[str, tuple[VesselSpec, ...]]:
    """Ferry leg -> its vessels in ``year`` (``vessels.csv``; none when ``ops.fleet`` is off).

    A vessel with a home line serves it; so do the vessels a scenario adds to a line
    (``added``: leg -> name -> :class:`~sim.inputs.scenario.VesselAddition`, each alike to a
    row of ``vessels.csv`` whatever that row's years); a spare one (no home line) is deployed by
    the operator's rule: in turn, each goes to the line among those it may serve whose fleet has
    the least deck per slot of cargo offered (``offered``: leg -> ferry slots an hour). A
    vessel's deck is in ferry slots: railcars for rail ferries and Ro-Pax, trucks or TEU times
    their slots (``units.csv``) for truck Ro-Pax and container ships.

    >>> net = network.load_network("tests/fixtures/tiny_operations")
    >>> [(v.name, v.capacity_slots, v.carries) for v in fleets(
    ...     net, 2025, {"b-c"}, {"b-c": 1.0}, Operations())["b-c"]]
    [('Railer One', 30.0, ()), ('Paxer', 50.0, ()), ('(unnamed spare)', 30.0, ())]
    >>> from sim.inputs.scenario import VesselAddition
    >>> more = {"b-c": {"big": VesselAddition(like="pax-1", count=2, railcars=60)}}
    >>> [(v.name, v.capacity_slots) for v in fleets(
    ...     net, 2025, {"b-c"}, {"b-c": 1.0}, Operations(), more)["b-c"]][-3:]
    [('big 1', 60.0), ('big 2', 60.0), ('(unnamed spare)', 30.0)]
    """
    if not ops.fleet or net.vessels.empty:
        return {}
    slot = {str(u): number(net.units.at[u, "ferry_slots"]) for u in net.units.index}
    outages: dict[str, list[OutageSpec]] = {}
    if ops.vessel_availability:
        for _availability_id, row in net.vessel_availability.iterrows():
            duration = FrictionSpec(
                str(row["process"]),
                number(row["duration_mean_h"]),
                number(row["cv"], 1.0),
                str(row["distribution"]),  # type: ignore[arg-type]
            )
            outages.setdefault(str(row["vessel_type"]), []).append(
                OutageSpec(number(row["events_per_year"]), duration)
            )

    def vessel(row: Any, name: str, deck_given: float | None = None) -> VesselSpec | None:
        kind = str(row["type"])
        carries = CARRIES.get(kind, ())
        column = DECK_COLUMN.get(kind, "railcars")
        own = number(row[column]) if deck_given is None else deck_given
        deck = own * slot.get(DECK_UNIT[column], 0.5 if column == "teu" else 1.0)
        if deck <= 0:
            return None
        return VesselSpec(
            name,
            deck,
            carries,
            tuple(outages.get(kind, ())),
            usable_berths([str(t) for t in row["berth_types"]]),
        )

    out: dict[str, list[VesselSpec]] = {}
    spare: list[tuple[VesselSpec, list[str]]] = []
    for _vessel_id, row in net.vessels.iterrows():
        start, end = row["service_from"], row["service_to"]
        if (not blank(start) and year < int(start)) or (not blank(end) and year > int(end)):
            continue
        named = vessel(row, str(row["name"]))
        if named is None:
            continue
        lines = [str(x) for x in row["lines"] if str(x) in legs]
        home = str(row["home_line"]) if not blank(row["home_line"]) else ""
        if home:
            if home in legs:
                out.setdefault(home, []).append(named)
        elif lines:
            spare.append((named, lines))
    for leg, additions in (added or {}).items():
        if leg not in legs:
            continue
        for label, add in additions.items():
            like: Any = net.vessels.loc[add.like]
            deck = getattr(add, DECK_COLUMN.get(str(like["type"]), "railcars"))
            for i in range(add.count):
                name = f"{label} {i + 1}" if add.count > 1 else label
                extra = vessel(like, name, deck)
                if extra is not None:
                    out.setdefault(leg, []).append(extra)
    for ship, lines in spare:

        def deck_per_offer(leg: str) -> float:
            deck = sum(v.capacity_slots for v in out.get(leg, []))
            return deck / offered[leg] if offered.get(leg, 0) > 0 else float("inf")

        best = min(lines, key=lambda leg: (deck_per_offer(leg), lines.index(leg)))
        out.setdefault(best, []).append(ship)
    return {leg: tuple(vs) for leg, vs in out.items()}


def berths(
    net: network.Network, ports: Collection[str], ops: Operations
) -> dict[str, dict[str, int]]:
    """Port -> berth type -> berths (``berths.csv``) at the ``ports`` given (none when
    ``ops.berths`` is off); a port without rows is not in it (its berths limit no vessel).

    >>> net = network.load_network("tests/fixtures/tiny_operations")
    >>> berths(net, {"b_port"}, Operations(berths=True)), berths(net, {"b_port"}, Operations())
    ({'b_port': {'rail_ferry': 1}}, {})
    """
    out: dict[str, dict[str, int]] = {}
    if not ops.berths:
        return out
    for _berth_id, row in net.berths.iterrows():
        port = str(row["node_id"])
        if port in ports:
            out.setdefault(port, {})[str(row["berth_type"])] = int(row["berths"])
    return out


def number(value: object, default: float = 0.0) -> float:
    """A table's number, or ``default`` where the cell is blank (None, NaN, NA).

    >>> number(float("nan"), 1.0), number(2)
    (1.0, 2.0)
    """
    return default if blank(value) else float(value)  # type: ignore[arg-type]


def _path(net: network.Network, origin: str, legs: tuple[str, ...]) -> tuple[str, ...]:
    """The nodes a chain of legs visits from ``origin`` (legs run either way)."""
    nodes = [origin]
    for leg in legs:
        a, b = str(net.legs.at[leg, "from_node"]), str(net.legs.at[leg, "to_node"])
        here = nodes[-1]
        if here == a:
            nodes.append(b)
        elif here == b:
            nodes.append(a)
        else:
            raise ValueError(f"background: leg {leg!r} does not start at {here!r}")
    return tuple(nodes)


def blank(value: object) -> bool:
    """Whether a table's cell is blank (None, NaN or NA)."""
    return value is None or bool(pd.isna(value))  # type: ignore[call-overload]


__all__ = [
    "CARRIES",
    "DECK_CARGO",
    "DECK_COLUMN",
    "DECK_UNIT",
    "BackgroundFlow",
    "Frictions",
    "background_flows",
    "berths",
    "blank",
    "fleets",
    "frictions",
    "load_factors",
    "named_vessels",
    "number",
    "regime_handling",
    "weather_closures",
]
