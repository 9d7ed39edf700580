"""Levers: candidate capacity additions with their costs, as data (``levers.csv`` of a network
folder), and how each changes a scenario.

Each row is one lever a plan may add up to ``max_units`` times:

``kind`` (what ``target`` and ``amount`` mean)
    ``vessel``: one more vessel of ``amount`` deck slots (ferry slots) on ferry line
    ``target``. On a line that runs its named vessels (``vessels.csv``) the vessel joins them,
    alike to the vessel ``like`` (a ``vessel_id``: its type, what it carries, its berths and
    outages; the scenario key ``add_vessels``); on a line that runs alike vessels (the network
    has no named ones for it, or the scenario sets its ``vessels`` or ``capacity_slots``) the
    line has one more, its mean deck re-averaged; ``servers``:
    ``amount`` more servers at node ``target`` (a berth at a port, a lane at a border, a track
    at a gauge change); ``border_handling``: border clearance times multiplied by ``amount``
    (digital processing) at the borders of the countries in ``target`` (``;``-separated, or
    ``all``); ``train_max_wait``: the longest a train waits to fill, ``amount`` hours (more
    frequent trains); ``ferry_max_wait``: the longest a vessel of line ``target`` waits,
    ``amount`` hours; ``timetable_offset``: the first timetabled sailing of line ``target``,
    ``amount`` hours after time 0.
costs
    ``capex_usd`` per unit (with ``capex_low_usd`` and ``capex_high_usd``), spread over
    ``life_years``, plus ``opex_usd_per_year``: the lever's **annual cost**
    ``capex / life_years + opex`` (undiscounted), so capital and operating levers compare.
    ``cost_source`` and ``effect_source`` are ids of the network's ``sources.csv`` (an
    assumption is one of its ``assumption`` rows, whose note gives the reasoning).

Examples
--------
>>> lv = Lever("ro-pax", "a Ro-Pax", "vessel", "b-c", 50.0, 2, 40e6, 30e6, 60e6, 3e6, 30,
...            "fixture-pub", "fixture-pub", "")
>>> lv.annual_cost_usd
4333333.333333333
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import network
from sim.inputs.compile import load_base_network, scenario_network
from sim.inputs.dotted import get_path, set_path
from sim.inputs.errors import ScenarioError
from sim.inputs.operations import DECK_COLUMN, DECK_UNIT, named_vessels, number
from sim.inputs.scenario import Scenario

__all__ = [
    "COLUMNS",
    "KINDS",
    "Lever",
    "apply_levers",
    "candidate_label",
    "load_levers",
    "plan_levers",
    "set_cost",
]

KINDS = (
    "vessel",
    "servers",
    "border_handling",
    "train_max_wait",
    "ferry_max_wait",
    "timetable_offset",
)
#: kinds whose ``target`` is a ferry line, and those whose target is a node
_FERRY_KINDS = {"vessel", "ferry_max_wait", "timetable_offset"}
_NODE_KINDS = {"servers"}
#: kinds that set a value (adding one twice changes nothing more)
_ONCE = {"border_handling", "train_max_wait", "ferry_max_wait", "timetable_offset"}

COLUMNS = (
    "lever_id",
    "name",
    "kind",
    "target",
    "amount",
    "max_units",
    "capex_usd",
    "capex_low_usd",
    "capex_high_usd",
    "opex_usd_per_year",
    "life_years",
    "cost_source",
    "effect_source",
    "note",
)
#: optional columns: ``like``, the vessel_id a vessel lever's vessel is alike to (required
#: where the target line has named vessels)
OPTIONAL = ("like",)
FILE = "levers.csv"


@dataclass(frozen=True)
class Lever:
    """One candidate addition (a row of ``levers.csv``)."""

    lever_id: str
    name: str
    kind: str
    target: str
    amount: float
    max_units: int
    capex_usd: float
    capex_low_usd: float
    capex_high_usd: float
    opex_usd_per_year: float
    life_years: float
    cost_source: str
    effect_source: str
    note: str
    like: str = ""

    @property
    def annual_cost_usd(self) -> float:
        """Capital spread over the lever's life plus operating cost, USD a year, one unit."""
        return self.capex_usd / self.life_years + self.opex_usd_per_year

    @property
    def annual_cost_range_usd(self) -> tuple[float, float]:
        """The annual cost at the low and high capital cost."""
        return (
            self.capex_low_usd / self.life_years + self.opex_usd_per_year,
            self.capex_high_usd / self.life_years + self.opex_usd_per_year,
        )


def _num(row: Mapping[str, Any], col: str, problems: list[str], where: str, low: float) -> float:
    raw = str(row.get(col, "")).strip()
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{where}: {col}: must be a number, got {raw!r}")
        return math.nan
    if not (math.isfinite(value) and low <= value <= 1e12):
        problems.append(f"{where}: {col}: must be a finite number from {low:g} to 1e12, got {raw}")
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def load_levers(net: network.Network, path: Path | None = None) -> list[Lever]:
    """The levers of ``path`` (default: ``levers.csv`` in the network's folder; none if it has
    no such file), checked against the network: every problem of every row in one
    :class:`~sim.inputs.errors.ScenarioError` (file, row, column, value, rule).

    >>> load_levers(network.load_network("tests/fixtures/tiny_network"))
    []
    """
    if path is None:
        if net.path is None or not (Path(net.path) / FILE).is_file():
            return []
        path = Path(net.path) / FILE
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    shown = str(path)
    problems: list[str] = []
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ScenarioError(
            [f"{shown}: missing column(s) {', '.join(missing)} (columns: {', '.join(COLUMNS)})"]
        )
    sources = set(net.sources.index)
    seen: set[str] = set()
    out = []
    for i, row in enumerate(_records(frame)):
        lid = row["lever_id"].strip()
        where = f"{shown}: row {i + 2} ({lid or 'no lever_id'})"
        if not lid:
            problems.append(f"{where}: lever_id: required")
        elif lid in seen:
            problems.append(f"{where}: lever_id: {lid!r} appears twice")
        seen.add(lid)
        kind = row["kind"].strip()
        if kind not in KINDS:
            problems.append(f"{where}: kind: {kind!r} is not one of {', '.join(KINDS)}")
        target = row["target"].strip()
        if kind in _FERRY_KINDS and target not in net.ferries.index:
            problems.append(
                f"{where}: target: {target!r} is not a ferry line of the network "
                f"({', '.join(map(str, net.ferries.index))})"
            )
        if kind in _NODE_KINDS:
            try:
                target = net.resolve_node(target)
            except network.NetworkError as exc:
                problems.append(f"{where}: target: {exc}")
        amount = _num(row, "amount", problems, where, 0.0)
        if kind == "border_handling" and not 0 < amount <= 1:
            problems.append(
                f"{where}: amount: a handling factor from more than 0 to 1, got {amount}"
            )
        max_units = _num(row, "max_units", problems, where, 1.0)
        if math.isfinite(max_units) and (not max_units.is_integer() or max_units > 20):
            problems.append(f"{where}: max_units: a whole number from 1 to 20, got {max_units:g}")
        if kind in _ONCE and max_units != 1:
            problems.append(f"{where}: max_units: a {kind} lever sets a value: max_units must be 1")
        capex = _num(row, "capex_usd", problems, where, 0.0)
        low = _num(row, "capex_low_usd", problems, where, 0.0)
        high = _num(row, "capex_high_usd", problems, where, 0.0)
        if not low <= capex <= high:
            problems.append(
                f"{where}: capex_usd: {capex:g} must lie from capex_low_usd ({low:g}) to "
                f"capex_high_usd ({high:g})"
            )
        opex = _num(row, "opex_usd_per_year", problems, where, 0.0)
        life = _num(row, "life_years", problems, where, 1.0)
        for col in ("cost_source", "effect_source"):
            if row[col].strip() not in sources:
                problems.append(
                    f"{where}: {col}: {row[col]!r} is not a source_id of sources.csv "
                    "(every figure carries its source; an assumption is a source row too)"
                )
        like = str(row.get("like", "")).strip()
        named = kind == "vessel" and bool(named_vessels(net, target))
        if named and like not in net.vessels.index:
            problems.append(
                f"{where}: like: {like!r} is not a vessel_id of vessels.csv; the line {target!r} "
                "runs named vessels, so a vessel lever names the vessel its vessel is alike to"
            )
        elif like and not named:
            problems.append(
                f"{where}: like: only a vessel lever on a line with named vessels (vessels.csv) "
                f"names a vessel; leave it blank (got {like!r})"
            )
        if not row["name"].strip():
            problems.append(f"{where}: name: required")
        out.append(
            Lever(
                lid,
                row["name"].strip(),
                kind,
                target,
                amount,
                int(max_units) if math.isfinite(max_units) else 1,
                capex,
                low,
                high,
                opex,
                life,
                row["cost_source"].strip(),
                row["effect_source"].strip(),
                row["note"].strip(),
                like,
            )
        )
    if problems:
        raise ScenarioError(problems)
    return out


def plan_levers(
    scenario: Scenario, levers: Sequence[Lever], *, source: str = "", base_dir: Path | None = None
) -> list[Lever]:
    """The levers a plan of ``scenario`` may add: those its ``[plan] levers`` names (every one
    must exist), or by default every lever whose line or node its network has."""
    wanted = scenario.plan.levers
    if wanted is None:
        net = load_base_network(scenario, base_dir)
        return [
            lv
            for lv in levers
            if (lv.kind not in _FERRY_KINDS or lv.target in net.ferries.index)
            and (lv.kind not in _NODE_KINDS or lv.target in net.nodes.index)
        ]
    by_id = {lv.lever_id: lv for lv in levers}
    unknown = [w for w in wanted if w not in by_id]
    if unknown:
        raise ScenarioError(
            [
                f"{source}: plan.levers: {u!r} is not a lever of levers.csv "
                f"({', '.join(by_id) or 'the network has none'})"
                for u in unknown
            ]
        )
    return [by_id[w] for w in dict.fromkeys(wanted)]


def set_cost(levers: Sequence[Lever], counts: Sequence[int]) -> float:
    """Annual cost (USD a year) of adding ``counts[i]`` units of ``levers[i]``.

    >>> lv = Lever("x", "x", "servers", "a", 1, 3, 10e6, 5e6, 20e6, 0.0, 20, "s", "s", "")
    >>> set_cost([lv], [2])
    1000000.0
    """
    return float(sum(lv.annual_cost_usd * k for lv, k in zip(levers, counts, strict=True)))


def candidate_label(levers: Sequence[Lever], counts: Sequence[int]) -> str:
    """``"2 x ro-pax + lanes"`` (``"nothing added"`` for none).

    >>> lv = Lever("ro-pax", "x", "vessel", "b-c", 50, 3, 1, 1, 1, 0, 1, "s", "s", "")
    >>> candidate_label([lv], [2]), candidate_label([lv], [0])
    ('2 x ro-pax', 'nothing added')
    """
    parts = [
        (f"{k} x {lv.lever_id}" if k > 1 else lv.lever_id)
        for lv, k in zip(levers, counts, strict=True)
        if k
    ]
    return " + ".join(parts) or "nothing added"


def apply_levers(
    scenario: Scenario,
    levers: Sequence[Lever],
    counts: Sequence[int],
    *,
    base_dir: Path | None = None,
    net: network.Network | None = None,
) -> Scenario:
    """``scenario`` with ``counts[i]`` units of ``levers[i]`` added (same name: a candidate
    runs on the same seed and replications as the scenario it changes).

    The current figures (a line's vessels and deck, a node's servers) are the scenario's own,
    after its overrides, in its network year: ``net``, :func:`~sim.inputs.compile.
    scenario_network` of ``scenario`` (computed here when not given; a search passes it once
    for all its candidates).
    """
    if not any(counts):
        return scenario
    if net is None:
        net = scenario_network(scenario, base_dir)
    data = scenario.model_dump(mode="python", exclude_unset=True)
    for lv, k in zip(levers, counts, strict=True):
        if not k:
            continue
        if lv.kind == "vessel" and _joins_named_fleet(scenario, net, lv):
            kind = str(net.vessels.at[lv.like, "type"])
            column = DECK_COLUMN.get(kind, "railcars")
            deck = lv.amount / number(net.units.at[DECK_UNIT[column], "ferry_slots"])
            line = scenario.overrides.ferries.get(lv.target)
            have = line.add_vessels if line is not None else {}
            # the lever's own entry; an entry of that name the scenario made for other vessels
            # is left as it is, and the lever's get a name of their own
            label = lv.lever_id
            while label in have and not _alike(have[label], lv.like, column, deck, net):
                label = f"{label} (lever)"
            count = k + (have[label].count if label in have else 0)
            set_path(
                data,
                f"overrides.ferries.{lv.target}.add_vessels.{label}",
                {
                    "like": lv.like,
                    "count": count,
                    column: deck,
                    "source": f"lever {lv.lever_id} (levers.csv): {lv.name}",
                },
            )
        elif lv.kind == "vessel":
            key = f"overrides.ferries.{lv.target}"
            ferry: Any = net.ferries.loc[lv.target]
            n, slots = int(ferry["vessels"]), float(ferry["capacity_slots"])
            set_path(data, f"{key}.vessels", n + k)
            set_path(data, f"{key}.capacity_slots", (n * slots + k * lv.amount) / (n + k))
        elif lv.kind == "servers":
            node = net.resolve_node(lv.target)
            servers = int(net.nodes.loc[node].to_dict()["servers"])
            set_path(data, f"overrides.nodes.{node}.servers", servers + int(k * lv.amount))
        elif lv.kind == "border_handling":
            change: dict[str, Any] = {"kind": "border", "handling_factor": lv.amount}
            if lv.target.strip().lower() != "all":
                change["countries"] = [c.strip() for c in lv.target.split(";") if c.strip()]
            kinds = get_path(data, "overrides.node_kinds")
            kinds = list(kinds) if isinstance(kinds, list) else []
            set_path(data, "overrides.node_kinds", [*kinds, change])
        elif lv.kind == "train_max_wait":
            set_path(data, "trains.max_wait_h", lv.amount)
        elif lv.kind == "ferry_max_wait":
            set_path(data, f"overrides.ferries.{lv.target}.max_wait_h", lv.amount)
        elif lv.kind == "timetable_offset":
            set_path(data, f"overrides.ferries.{lv.target}.offset_h", lv.amount)
    return Scenario.model_validate(data)


def _alike(add: Any, like: str, column: str, deck: float, net: network.Network) -> bool:
    """Whether the vessels of addition ``add`` are those a lever adds: alike to ``like``, with
    ``deck`` in ``column`` (given, or the vessel's own)."""
    own = getattr(add, column)
    own = number(net.vessels.at[add.like, column]) if own is None else own
    return bool(add.like == like and own == deck)


def _joins_named_fleet(scenario: Scenario, net: network.Network, lever: Lever) -> bool:
    """Whether a vessel lever's vessel joins its line's named vessels in ``scenario`` (the
    fleet on, the line with named vessels, and neither it nor ``all_ferries`` setting the
    line's vessels or deck, which make it run alike vessels)."""
    if not (scenario.operations.fleet and lever.like and lever.like in net.vessels.index):
        return False
    return not scenario.overrides.runs_alike(lever.target) and bool(
        named_vessels(net, lever.target)
    )
