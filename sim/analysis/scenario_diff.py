"""What differs between compared scenarios, resolved to the values the engine runs.

:func:`what_differs` compares each scenario with the baseline through what was compiled and
run, never through the scenario files' text: the network of each scenario's year (legs open in
one and not the other, by display name), the compiled facilities (node, leg and ferry
parameters after every override, border regime and handling factor), the demand (units a week
after growth, unit, route choice, candidate routes), trains, closures, berths and run settings,
and, when the :class:`~sim.inputs.scenario.Scenario` objects are given, the year, the border
regime and the operations switches. One row per difference, ``before`` in the baseline and
``after`` in the scenario; :func:`differs_sentences` says them as "X: a → b".

Examples
--------
>>> from sim.engine.model import FlowSpec, LegSpec, ModelSpec, NodeSpec, UnitSpec
>>> def spec(name, handling, per_week):
...     flow = FlowSpec(0, "A→B (teu)", "a", "b", "XX", "teu", per_week / 168, plans=())
...     return ModelSpec(name, (flow,), (), {"b1": NodeSpec("b1", "border", 2, handling)},
...                      {"a-b": LegSpec("a-b", "rail", 10.0)}, {},
...                      {"teu": UnitSpec(0.5, 0.5, 20.0, 1.0)})
>>> t = what_differs({"base": spec("base", 6.0, 10), "fast": spec("fast", 3.0, 12)}, "base")
>>> for line in differs_sentences(t):
...     print(line)
fast: demand: A→B (teu): units a week: 10 → 12
fast: border b1: handling time (h, mean): 6 → 3
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from sim.engine.model import FerrySpec, FlowSpec, ModelSpec, NodeSpec

__all__ = [
    "DIFF_COLUMNS",
    "TOPICS",
    "differs_sentences",
    "fmt_value",
    "scenario_graphs",
    "what_differs",
]

#: the columns of :func:`what_differs`
DIFF_COLUMNS = ["scenario", "topic", "item", "before", "after"]

#: the topics of :func:`what_differs`, in the order its rows come
TOPICS = (
    "year",
    "legs opened",
    "legs closed",
    "legs used",
    "border regime",
    "operations",
    "demand",
    "candidate routes",
    "background",
    "facilities",
    "ferries",
    "legs",
    "trains",
    "closures",
    "berths",
    "run",
    "calibration",
    "other",
)

#: NodeSpec fields compared, with their labels
_NODE_FIELDS = {
    "servers": "servers",
    "handling_mean_h": "handling time (h, mean)",
    "handling_cv": "handling time CV",
    "dedicated_for": "dedicated facility for cargo from",
    "dedicated_factor": "dedicated facility's time factor",
}
_LEG_FIELDS = {
    "duration_h": "running time (h, mean)",
    "delay_cv": "delay CV",
    "distance_km": "distance (km)",
    "cost_usd_per_teu": "tariff (USD/TEU)",
    "co2_kg_per_tkm": "CO₂ (kg/t-km)",
}
_FERRY_FIELDS = {
    "vessels": "vessels",
    "capacity_slots": "deck per vessel (slots, mean)",
    "load_h": "loading (h)",
    "unload_h": "unloading (h)",
    "policy": "departure policy",
    "max_wait_h": "maximum wait (h)",
    "headway_h": "timetable headway (h)",
    "offset_h": "first sailing (h)",
    "load_factor": "load factor",
}
_TRAIN_FIELDS = {
    "size_slots": "train size (slots)",
    "policy": "train departure policy",
    "max_wait_h": "train maximum wait (h)",
    "headway_h": "train headway (h)",
    "offset_h": "first scheduled train (h)",
}
_OPERATIONS = {
    "background": "traffic that shares the corridor",
    "background_factor": "background traffic factor",
    "weather": "storm closures",
    "load_limits": "low-water load limits",
    "fleet": "named vessels",
    "vessel_availability": "vessel outages",
    "frictions": "frictions (documents, shunting, dwell)",
    "berths": "berth limits",
}


def fmt_value(value: object) -> str:
    """A resolved value as the report shows it: numbers to four significant figures (whole
    numbers from 1,000 up with thousands separators), True/False as on/off, None and empty as
    "none", sequences joined by ", ".

    Examples
    --------
    >>> [fmt_value(v) for v in (6.0, 42.4, 0.725, 12345.6, True, None, ("UZ", "KZ"), "max_wait")]
    ['6', '42.4', '0.725', '12,346', 'on', 'none', 'UZ, KZ', 'max_wait']
    """
    if value is None or (isinstance(value, tuple | list | str) and len(value) == 0):
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int | float):
        x = float(value)
        return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"
    if isinstance(value, tuple | list):
        return ", ".join(fmt_value(v) for v in value)
    return str(value)


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    return a == b


def _place(graphs: Mapping[str, nx.MultiDiGraph], node: str) -> str:
    """A node's display name (from any of the graphs), its id when none knows it."""
    for G in graphs.values():
        if node in G.nodes:
            return str(G.nodes[node].get("name") or node).split(" (")[0]
    return node


def _leg_name(graphs: Mapping[str, nx.MultiDiGraph], leg: str) -> str:
    """A leg's display name: ``"Horadiz–Aghband rail"`` (its ends, in the data's direction
    when the graph records it as :func:`scenario_graphs` does, and its mode), else its id."""
    for G in graphs.values():
        ends = G.graph.get("leg_ends", {}).get(leg)
        for u, v, key, data in G.edges(keys=True, data=True):
            if key == leg:
                u, v = ends or (u, v)
                return f"{_place(graphs, u)}–{_place(graphs, v)} {data.get('mode', '')}".strip()
    return leg


def _open_legs(G: nx.MultiDiGraph) -> dict[str, dict[str, Any]]:
    """Leg id -> its data and ends (one direction) for the legs open in ``G``'s year."""
    out: dict[str, dict[str, Any]] = {}
    for u, v, key, data in G.edges(keys=True, data=True):
        out.setdefault(str(key), {**data, "_ends": (u, v)})
    return out


def _compare_fields(
    rows: list[dict[str, str]],
    name: str,
    topic: str,
    label: str,
    a: object,
    b: object,
    names: Mapping[str, str],
) -> None:
    for field, what in names.items():
        x, y = getattr(a, field), getattr(b, field)
        if not _same(x, y):
            rows.append(_row(name, topic, f"{label}: {what}", x, y))


def _row(name: str, topic: str, item: str, before: object, after: object) -> dict[str, str]:
    return {
        "scenario": name,
        "topic": topic,
        "item": item,
        "before": fmt_value(before),
        "after": fmt_value(after),
    }


def _friction_list(specs: Iterable[Any]) -> str:
    return ", ".join(f"{f.name} {fmt_value(f.mean_h)} h" for f in specs)


def _frictions(node: NodeSpec) -> str:
    return _friction_list(node.frictions)


def _fleet(ferry: FerrySpec) -> str:
    return ", ".join(v.name for v in ferry.fleet)


def _call_frictions(calls: Mapping[str, tuple[Any, ...]]) -> str:
    """Per-call (or per-consist) delays by place, as text."""
    return "; ".join(f"{place}: {_friction_list(specs)}" for place, specs in sorted(calls.items()))


def _vessels(ferry: FerrySpec) -> dict[str, str]:
    """Each named vessel's deck, carried units and outages, as text."""
    return {
        v.name: f"{fmt_value(v.capacity_slots)} slots"
        + (f", carries {'/'.join(v.carries)}" if v.carries else "")
        + "".join(
            f", {o.duration.name} {fmt_value(o.per_year)}/yr x {fmt_value(o.duration.mean_h)} h"
            for o in v.outages
        )
        for v in ferry.fleet
    }


def _calibration(rows: list[dict[str, str]], name: str, sa: Any, sb: Any) -> None:
    """The calibration's parameters (prior quantiles) and posterior file, where they differ."""
    pa, pb = sa.calibration.parameters, sb.calibration.parameters
    for key in sorted(set(pa) | set(pb)):
        x, y = pa.get(key), pb.get(key)
        if not _same(x, y):
            rows.append(
                _row(
                    name,
                    "calibration",
                    f"{key} (quantile of its prior)",
                    "central" if x is None else x,
                    "central" if y is None else y,
                )
            )
    fa, fb = sa.calibration.posterior, sb.calibration.posterior
    if fa != fb:
        rows.append(
            _row(
                name,
                "calibration",
                "posterior drawn from",
                "none" if fa is None else "/".join(Path(fa).parts[-3:]),
                "none" if fb is None else "/".join(Path(fb).parts[-3:]),
            )
        )


def _flows(spec: ModelSpec, background: bool) -> dict[str, FlowSpec]:
    return {f.label: f for f in spec.flows if f.background == background}


def _demand(rows: list[dict[str, str]], name: str, a: ModelSpec, b: ModelSpec) -> None:
    fa, fb = _flows(a, False), _flows(b, False)
    for label in [*fa, *(x for x in fb if x not in fa)]:
        x, y = fa.get(label), fb.get(label)
        if x is None or y is None:
            before, after = ("absent", "present") if x is None else ("present", "absent")
            rows.append(_row(name, "demand", label, before, after))
            continue
        pairs: list[tuple[str, object, object]] = [
            ("units a week", x.per_hour * 168, y.per_hour * 168),
            ("unit", x.unit, y.unit),
            ("route choice", x.choice, y.choice),
            ("route shares", x.shares, y.shares),
            ("arrivals", x.arrival, y.arrival),
            ("units per release", x.batch, y.batch),
            ("seasonality", x.seasonality, y.seasonality),
            ("target (days)", _days(x.target_h), _days(y.target_h)),
            ("reroutes on closure", x.reroute_on_closure, y.reroute_on_closure),
        ]
        for what, p, q in pairs:
            if not _same(p, q):
                rows.append(_row(name, "demand", f"{label}: {what}", p, q))
        ra = {a.plans[i].route_id: a.plans[i] for i in x.plans}
        rb = {b.plans[i].route_id: b.plans[i] for i in y.plans}
        if set(ra) != set(rb):
            dropped = [_via(p.label) for r, p in ra.items() if r not in rb]
            added = [_via(p.label) for r, p in rb.items() if r not in ra]
            rows.append(
                _row(
                    name,
                    "candidate routes",
                    f"{label}: candidate routes (those not in both)",
                    "; ".join(dropped) or "none",
                    "; ".join(added) or "none",
                )
            )
    ba, bb = _flows(a, True), _flows(b, True)
    total = [sum(f.per_hour for f in fl.values()) * 24 * 365 for fl in (ba, bb)]
    if not _same(total[0], total[1]):
        rows.append(
            _row(name, "background", "traffic that shares the corridor (units a year)", *total)
        )


def _via(label: str) -> str:
    """A route's name without its ends (``"A → B via X, Y"`` -> ``"via X, Y"``): what tells
    it from the flow's other routes."""
    _, sep, tail = label.partition(" via ")
    return f"via {tail}" if sep else label


def _days(hours: float | None) -> float | None:
    return None if hours is None else hours / 24


def what_differs(
    specs: Mapping[str, ModelSpec],
    baseline: str,
    *,
    graphs: Mapping[str, nx.MultiDiGraph] | None = None,
    scenarios: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Every difference between each scenario and ``baseline``, resolved to values.

    Parameters
    ----------
    specs : mapping name -> ModelSpec
        ``Results.specs`` (the compiled models, overrides applied).
    baseline : str
        The scenario the others are compared to.
    graphs : mapping name -> networkx.MultiDiGraph, optional
        Each scenario's network in its year (:func:`scenario_graphs`): legs open in one and not
        the other are listed by display name (topic ``legs opened`` / ``legs closed``, with
        the opening year), and places are named by their display names. Without them, legs
        are compared as the compiled routes use them (topic ``legs used``) and places by id.
    scenarios : sequence of Scenario, optional
        Adds the year, the border regime and the operations switches.

    Returns
    -------
    DataFrame
        :data:`DIFF_COLUMNS`: one row per scenario and difference, values as text
        (:func:`fmt_value`), scenarios in the order of ``specs``, topics in the order of
        :data:`TOPICS`, items within a topic in the data's order.
    """
    if baseline not in specs:
        raise ValueError(f"baseline(={baseline!r}) is not among the scenarios {list(specs)}")
    graphs = dict(graphs or {})
    by_name = {getattr(s, "name", None): s for s in scenarios or ()}
    a = specs[baseline]
    rows: list[dict[str, str]] = []
    for name, b in specs.items():
        if name == baseline:
            continue
        first = len(rows)  # this scenario's rows start here
        sa, sb = by_name.get(baseline), by_name.get(name)
        if sa is not None and sb is not None and sa.year != sb.year:
            rows.append(_row(name, "year", "network year", str(sa.year), str(sb.year)))
        ga, gb = graphs.get(baseline), graphs.get(name)
        if ga is not None and gb is not None:
            la, lb = _open_legs(ga), _open_legs(gb)
            for leg in [x for x in lb if x not in la]:
                opens = lb[leg].get("opening_year")
                rows.append(
                    _row(
                        name,
                        "legs opened",
                        _leg_name(graphs, leg),
                        "not open",
                        f"open (from {opens})" if opens else "open",
                    )
                )
            for leg in [x for x in la if x not in lb]:
                rows.append(_row(name, "legs closed", _leg_name(graphs, leg), "open", "not open"))
        else:
            used_a, used_b = set(a.legs), set(b.legs)
            for leg in sorted(used_b - used_a):
                rows.append(_row(name, "legs used", leg, "on no route", "on a route"))
            for leg in sorted(used_a - used_b):
                rows.append(_row(name, "legs used", leg, "on a route", "on no route"))
        if sa is not None and sb is not None:
            ra, rb = sa.operations.border_regime, sb.operations.border_regime
            if ra != rb:
                rows.append(_row(name, "border regime", "border regime", ra, rb))
            for key, what in _OPERATIONS.items():
                x, y = getattr(sa.operations, key), getattr(sb.operations, key)
                if not _same(x, y):
                    rows.append(_row(name, "operations", what, x, y))
            _calibration(rows, name, sa, sb)
        _demand(rows, name, a, b)
        for node in [n for n in a.nodes if n in b.nodes]:
            x, y = a.nodes[node], b.nodes[node]
            label = f"{x.kind.replace('_', ' ')} {_place(graphs, node)}"
            _compare_fields(rows, name, "facilities", label, x, y, _NODE_FIELDS)
            if _frictions(x) != _frictions(y):
                rows.append(
                    _row(name, "facilities", f"{label}: frictions", _frictions(x), _frictions(y))
                )
        for leg in [x for x in a.ferries if x in b.ferries]:
            x, y = a.ferries[leg], b.ferries[leg]
            label = f"ferry {_leg_name(graphs, leg)}".removesuffix(" ferry")
            _compare_fields(rows, name, "ferries", label, x, y, _FERRY_FIELDS)
            if _fleet(x) != _fleet(y):
                if x.fleet and y.fleet:
                    gone = [v.name for v in x.fleet if v.name not in {w.name for w in y.fleet}]
                    new = [v.name for v in y.fleet if v.name not in {w.name for w in x.fleet}]
                    before = f"{len(x.fleet)}" + (f", with {'; '.join(gone)}" if gone else "")
                    after = f"{len(y.fleet)}" + (f", adding {'; '.join(new)}" if new else "")
                else:  # a scenario that sets the line's vessels runs alike ones
                    before = str(len(x.fleet)) if x.fleet else "none (alike vessels)"
                    after = str(len(y.fleet)) if y.fleet else "none (alike vessels)"
                rows.append(_row(name, "ferries", f"{label}: named vessels", before, after))
            va, vb = _vessels(x), _vessels(y)
            for vessel in [v for v in va if v in vb and va[v] != vb[v]]:
                rows.append(_row(name, "ferries", f"{label}: {vessel}", va[vessel], vb[vessel]))
            if _call_frictions(x.call_frictions) != _call_frictions(y.call_frictions):
                rows.append(
                    _row(
                        name,
                        "ferries",
                        f"{label}: delays per call",
                        _call_frictions(x.call_frictions),
                        _call_frictions(y.call_frictions),
                    )
                )
        for leg in [x for x in a.legs if x in b.legs]:
            x, y = a.legs[leg], b.legs[leg]
            label = f"leg {_leg_name(graphs, leg)}"
            _compare_fields(rows, name, "legs", label, x, y, _LEG_FIELDS)
            if not _same(x.headway_h, y.headway_h):
                rows.append(
                    _row(
                        name,
                        "legs",
                        f"{label}: capacity (trains a day)",
                        _per_day(x.headway_h),
                        _per_day(y.headway_h),
                    )
                )
        _compare_fields(rows, name, "trains", "trains", a.trains, b.trains, _TRAIN_FIELDS)
        if len(a.train_overrides) != len(b.train_overrides):
            rows.append(
                _row(
                    name,
                    "trains",
                    "trains: rail runs with trains timed to the ferries",
                    len(a.train_overrides),
                    len(b.train_overrides),
                )
            )
        if _call_frictions(a.origin_frictions) != _call_frictions(b.origin_frictions):
            rows.append(
                _row(
                    name,
                    "facilities",
                    "origin terminal dwell",
                    _call_frictions(a.origin_frictions),
                    _call_frictions(b.origin_frictions),
                )
            )
        _closures(rows, name, a, b, graphs)
        _berths(rows, name, a, b, graphs)
        for field, what in (
            ("horizon_h", "horizon (days)"),
            ("warmup_h", "warm-up (days)"),
            ("drain_h", "drain (days)"),
        ):
            x, y = getattr(a, field) / 24, getattr(b, field) / 24
            if not _same(x, y):
                rows.append(_row(name, "run", what, x, y))
        # a guard: models that differ in something no row above names are never called the same
        if len(rows) == first and _model(a) != _model(b):
            rows.append(
                _row(
                    name, "other", "compiled model", "baseline's", "differs (a setting not listed)"
                )
            )
    frame = pd.DataFrame(rows, columns=DIFF_COLUMNS)
    rank = frame["topic"].map({t: i for i, t in enumerate(TOPICS)})
    order = frame.assign(_s=frame["scenario"].map(list(specs).index), _t=rank)
    return frame.loc[order.sort_values(["_s", "_t"], kind="stable").index].reset_index(drop=True)


def _model(spec: ModelSpec) -> ModelSpec:
    """The compiled model without its name and the scenario's digest (which names it)."""
    return dataclasses.replace(spec, name="", digest="")


def _per_day(headway_h: float) -> float | None:
    return 24.0 / headway_h if headway_h > 0 else None


def _closure_text(c: Any) -> str:
    if c.windows:
        days = sum(end - start for start, end in c.windows) / 24
        return f"{len(c.windows)} window(s), {fmt_value(days)} days"
    months = ", ".join(map(str, c.months)) or "every month"
    return (
        f"{fmt_value(c.events_per_month)} a month in months {months}, "
        f"{fmt_value(c.mean_duration_h / 24)} days each"
    )


def _closures(
    rows: list[dict[str, str]],
    name: str,
    a: ModelSpec,
    b: ModelSpec,
    graphs: Mapping[str, nx.MultiDiGraph],
) -> None:
    ca = {(c.name, c.target): c for c in a.closures}
    cb = {(c.name, c.target): c for c in b.closures}
    for key in [*ca, *(k for k in cb if k not in ca)]:
        x, y = ca.get(key), cb.get(key)
        target = _place(graphs, key[1])
        item = f"{key[0]} at {target}" if key[0] != key[1] else target
        before = _closure_text(x) if x is not None else "none"
        after = _closure_text(y) if y is not None else "none"
        if before != after:
            rows.append(_row(name, "closures", item, before, after))


def _berths(
    rows: list[dict[str, str]],
    name: str,
    a: ModelSpec,
    b: ModelSpec,
    graphs: Mapping[str, nx.MultiDiGraph],
) -> None:
    ports = [*a.berths, *(p for p in b.berths if p not in a.berths)]
    for port in ports:
        x, y = dict(a.berths.get(port, {})), dict(b.berths.get(port, {}))
        for kind in [*x, *(k for k in y if k not in x)]:
            p, q = x.get(kind), y.get(kind)
            if p != q:
                rows.append(
                    _row(
                        name,
                        "berths",
                        f"{_place(graphs, port)}: {kind.replace('_', ' ')} berths",
                        "no limit" if p is None else p,
                        "no limit" if q is None else q,
                    )
                )


#: topics whose items do not name what they are (a flow, a closure, a setting)
_PREFIXED = ("demand", "background", "closures", "berths", "operations", "run", "legs used")


def differs_sentences(
    table: pd.DataFrame, baseline: str = "the baseline", *, limit: int = 12
) -> list[str]:
    """:func:`what_differs` in words, one line per difference as ``"scenario: [topic: ]item:
    before → after"``; the legs opened (or closed) as one line per scenario listing them; beyond
    ``limit`` rows of one scenario and topic, one line says how many more the table has.

    Examples
    --------
    >>> t = pd.DataFrame({"scenario": "new", "topic": ["legs opened", "legs opened", "year"],
    ...                   "item": ["P–Q rail", "Q–R rail", "network year"],
    ...                   "before": ["not open", "not open", "2025"],
    ...                   "after": ["open (from 2028)", "open", "2030"]})
    >>> for line in differs_sentences(t, "base"):
    ...     print(line)
    new: 2 legs open that base's network does not have: P–Q rail (from 2028), Q–R rail
    new: network year: 2025 → 2030
    """
    out: list[str] = []
    for name, part in table.groupby("scenario", sort=False):
        for topic, rows in part.groupby("topic", sort=False):
            records = rows.to_dict("records")
            if topic in ("legs opened", "legs closed"):
                items = []
                for r in records:
                    when = str(r["after"]).partition("(")[2]
                    items.append(r["item"] + (f" ({when}" if when else ""))
                what = (
                    "open that {b}'s network does not have"
                    if topic == "legs opened"
                    else "closed that are open in {b}'s network"
                ).format(b=baseline)
                n = len(items)
                out.append(f"{name}: {n} leg{'s' * (n != 1)} {what}: " + ", ".join(items))
                continue
            prefix = f"{topic!s}: " if topic in _PREFIXED else ""
            for r in records[:limit]:
                out.append(f"{name}: {prefix}{r['item']}: {r['before']} → {r['after']}")
            if len(records) > limit:
                more = len(records) - limit
                out.append(f"{name}: {more} more {topic!s} differences in the table.")
    return out


def scenario_graphs(
    scenarios: Iterable[Any], base_dirs: Sequence[Path | None] | None = None
) -> dict[str, nx.MultiDiGraph]:
    """Each scenario's network (overrides and calibrated parameters applied) in its year, by
    name, for :func:`what_differs`, each leg's direction in the data in ``G.graph["leg_ends"]``;
    ``base_dirs`` are the folders the scenario files are in
    (a ``network`` folder is relative to its file). A scenario naming a relative ``network``
    with no folder given is left out (its folder cannot be told).

    >>> import sim
    >>> flow = sim.Flow(origin="Alpha", destination="Foxtrot", per_week=1)
    >>> sc = sim.Scenario(name="t", network="tiny_network", year=2030, demand=[flow])
    >>> G = scenario_graphs([sc], [Path("tests/fixtures")])["t"]
    >>> G.graph["leg_ends"]["g-e"]
    ('g_junction', 'e_gauge')
    >>> scenario_graphs([sc])  # a relative network folder, and no folder to resolve it from
    {}
    """
    import network
    from sim.inputs.compile import scenario_network

    scenarios = list(scenarios)
    dirs = list(base_dirs) if base_dirs is not None else [None] * len(scenarios)
    out: dict[str, nx.MultiDiGraph] = {}
    for sc, folder in zip(scenarios, dirs, strict=True):
        if sc.network is not None and folder is None and not Path(sc.network).is_absolute():
            continue
        net = scenario_network(sc, folder)
        G = network.build_graph(net, sc.year)
        # each leg's direction in the data (the graph holds both), for its display name
        G.graph["leg_ends"] = dict(
            zip(
                net.legs.index,
                zip(net.legs["from_node"], net.legs["to_node"], strict=True),
                strict=True,
            )
        )
        out[sc.name] = G
    return out
