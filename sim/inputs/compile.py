"""Compile a :class:`~sim.inputs.scenario.Scenario` and the corridor network into a
:class:`~sim.engine.model.ModelSpec` the engine runs.

This is the only place where the simulation reads the network: it applies the scenario's
overrides to the data, builds the graph of the scenario's year, finds each flow's routes and
turns them into segments, and takes facility, ferry and unit parameters from the tables.

Examples
--------
>>> from sim.inputs.scenario import Scenario, Flow
>>> s = Scenario(name="demo", year=2025,
...              demand=[Flow(origin="Tashkent", destination="Poti", per_week=10)])
>>> spec = compile_scenario(s)
>>> spec.plans[0].nodes[0], spec.plans[0].nodes[-1]
('tashkent', 'poti')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from statistics import NormalDist
from typing import Any

import networkx as nx
import pandas as pd

import network
from network.avoid import classify_avoid
from network.via import describe_via, place_name, route_id, route_name
from sim.engine.model import (
    ALIKE_BERTH_TYPES,
    ClosureSpec,
    FerrySpec,
    FlowSpec,
    LegSpec,
    ModelSpec,
    NodeSpec,
    Plan,
    Segment,
    TrainSpec,
    UnitSpec,
    undersized_ferries,
    usable_berths,
)
from sim.inputs import operations, parameters
from sim.inputs.operations import number as _num
from sim.inputs.scenario import Scenario

HOURS_PER_WEEK = 168.0
HOURS_PER_YEAR = 365 * 24.0


class CompileError(network.NetworkError):
    """A scenario cannot be turned into a model (e.g. a flow has no route in its year)."""


@lru_cache(maxsize=8)
def cached_network(path: str | None) -> network.Network:
    """The network folder at the absolute ``path`` (``None``: the shipped data), read and checked
    once per process: reading a scenario, compiling it and drawing its maps share it."""
    return network.load_network(path)


def load_base_network(scenario: Scenario, base_dir: Path | None = None) -> network.Network:
    """The scenario's network folder (relative to ``base_dir``) or the shipped data, cached."""
    if scenario.network is None:
        return cached_network(None)
    path = Path(scenario.network)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return cached_network(str(path.resolve()))


def scenario_network(scenario: Scenario, base_dir: Path | None = None) -> network.Network:
    """The network with the scenario's calibrated parameters (``[calibration] parameters``,
    see :mod:`sim.inputs.parameters`) and then its leg, node and ferry overrides applied."""
    net = load_base_network(scenario, base_dir)
    if scenario.calibration.parameters:
        try:
            net = parameters.apply(net, scenario.calibration.parameters)
        except ValueError as exc:
            raise CompileError(f"calibration.parameters: {exc}") from None
    ov = scenario.overrides
    legs = {k: _set(v) for k, v in ov.legs.items() if _set(v)}
    node_cols = ("servers", "handling_mean_h", "handling_cv")
    nodes = {
        k: {c: getattr(v, c) for c in node_cols if getattr(v, c) is not None}
        for k, v in ov.nodes.items()
    }
    nodes = {net.resolve_node(k): v for k, v in nodes.items() if v}
    # a border regime sets the borders' handling first; the scenario's own node changes win
    if scenario.operations.border_regime is not None:
        try:
            regime = operations.regime_handling(net, scenario.operations.border_regime)
        except ValueError as exc:
            raise CompileError(str(exc)) from None
        for node, change in regime.items():
            nodes[node] = {**change, **nodes.get(node, {})}
    # handling factors change the data itself, so routing (candidate routes, expected times)
    # sees them too; a factor for some origins only is a dedicated facility (see _node_specs)
    for node, factor in _handling_factors(scenario, net).items():
        base = nodes.get(node, {}).get("handling_mean_h", net.nodes.at[node, "handling_mean_h"])
        if base is not None and not pd.isna(base):
            nodes.setdefault(node, {})["handling_mean_h"] = float(base) * factor
    ferry_cols = (
        "vessels",
        "capacity_slots",
        "load_h",
        "unload_h",
        "policy",
        "max_wait_h",
        "headway_h",
    )
    ferries: dict[str, dict[str, Any]] = {}
    if ov.all_ferries is not None:
        common = {
            c: getattr(ov.all_ferries, c)
            for c in ferry_cols
            if getattr(ov.all_ferries, c) is not None
        }
        if common:
            ferries = {leg: dict(common) for leg in net.ferries.index}
    for leg, fs in ov.ferries.items():
        ferries.setdefault(leg, {}).update(
            {c: getattr(fs, c) for c in ferry_cols if getattr(fs, c) is not None}
        )
    ferries = {k: v for k, v in ferries.items() if v}
    if legs or nodes or ferries:
        net = net.with_overrides(nodes=nodes or None, legs=legs or None, ferries=ferries or None)
    return net


def _handling_factors(scenario: Scenario, net: network.Network) -> dict[str, float]:
    """Node -> product of the scenario's handling factors that apply to all of its cargo."""
    ov = scenario.overrides
    changes = {net.resolve_node(k): v for k, v in ov.nodes.items()}
    out: dict[str, float] = {}
    for node, kind, country in zip(
        net.nodes.index, net.nodes["kind"], net.nodes["country"], strict=True
    ):
        factor = 1.0
        for rule in ov.node_kinds:
            if rule.kind == kind and (rule.countries is None or country in rule.countries):
                factor *= rule.handling_factor
        change = changes.get(node)
        if change is not None and not change.for_origins_in:
            factor *= change.handling_factor
        if factor != 1.0:
            out[str(node)] = factor
    return out


def _set(model: Any) -> dict[str, Any]:
    return {k: v for k, v in model.model_dump().items() if v is not None}


#: the models compiled last, by scenario digest and folder (a ModelSpec is immutable)
_COMPILED: dict[tuple[str, str | None], ModelSpec] = {}
_COMPILED_MAX = 32


def compile_scenario(scenario: Scenario, base_dir: Path | None = None) -> ModelSpec:
    """Turn a scenario into the engine's model for its year.

    The same scenario (same :meth:`~sim.inputs.scenario.Scenario.digest`) from the same folder
    compiles once per process: checking a file and then running it, or running a grid point's
    replications, share the model.
    """
    key = (scenario.digest(), None if base_dir is None else str(Path(base_dir).resolve()))
    spec = _COMPILED.get(key)
    if spec is None:
        spec = _compile(scenario, base_dir)
        if len(_COMPILED) >= _COMPILED_MAX:
            del _COMPILED[next(iter(_COMPILED))]
        _COMPILED[key] = spec
    return spec


def _compile(scenario: Scenario, base_dir: Path | None) -> ModelSpec:
    net = scenario_network(scenario, base_dir)
    G = network.build_graph(net, scenario.year)
    #: a plan per path (its nodes and legs: one leg run both ways is two plans)
    routes_by_legs: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    plans: list[Plan] = []
    flows: list[FlowSpec] = []
    for i, flow in enumerate(scenario.demand):
        avoid = classify_avoid(G, flow.route.avoid)
        if flow.unit == "truck":
            avoid["avoid_modes"] = [*avoid["avoid_modes"], "rail"]
        k = (
            1
            if flow.route.mode == "best"
            else (len(flow.route.shares or ()) if flow.route.mode == "shares" else flow.route.k)
        )
        if flow.route.reroute_on_closure:
            k = max(k, flow.route.k)
        try:
            routes = network.k_routes(
                G,
                flow.origin,
                flow.destination,
                k=k,
                by=flow.route.by,
                avoid_countries=avoid["avoid_countries"],
                avoid_modes=avoid["avoid_modes"],
                avoid_legs=avoid["avoid_legs"],
                avoid_nodes=avoid["avoid_nodes"],
            )
        except network.NoRouteError as exc:
            raise CompileError(f"demand[{i}] ({flow.label}): {exc}") from None
        idx: list[int] = []
        vias = describe_via(G, routes, limit=None)  # data: never cut short
        for route, via in zip(routes, vias, strict=True):
            path = (route.nodes, route.legs)
            if path not in routes_by_legs:
                routes_by_legs[path] = len(plans)
                plans.append(_plan(G, route, len(plans), via))
            idx.append(routes_by_legs[path])
        origin = routes[0].nodes[0]
        base_year = flow.base_year if flow.base_year is not None else scenario.year
        growth = (1.0 + flow.growth_per_year) ** (scenario.year - base_year)
        shares: tuple[float, ...] = ()
        if flow.route.mode == "shares":
            shares = tuple(flow.route.shares or ())[: len(idx)]
        flows.append(
            FlowSpec(
                index=i,
                label=flow.label,
                origin=origin,
                destination=routes[0].nodes[-1],
                origin_country=str(G.nodes[origin]["country"]),
                unit=flow.unit,
                per_hour=flow.per_week * growth / HOURS_PER_WEEK,
                plans=tuple(idx),
                choice=flow.route.mode,
                shares=shares,
                arrival=flow.arrival,
                batch=flow.batch,
                seasonality=tuple(flow.seasonality) if flow.seasonality else None,
                reroute_on_closure=flow.route.reroute_on_closure,
                target_h=flow.target_days * 24 if flow.target_days else None,
                commodity=flow.commodity,
            )
        )
    units = _unit_specs(net)
    for bg in operations.background_flows(net, scenario.operations):
        route = network.Route.from_path(G, bg.nodes, bg.legs)
        path = (route.nodes, route.legs)
        if path not in routes_by_legs:
            routes_by_legs[path] = len(plans)
            plans.append(_plan(G, route, len(plans), "background"))
        slots = units[bg.unit].train_slots
        # trains of wagons or containers arrive whole; trucks one by one
        batch = 1 if bg.unit == "truck" else max(1, int(scenario.trains.size_wagons / slots))
        flows.append(
            FlowSpec(
                index=len(flows),
                label=bg.label,
                origin=bg.origin,
                destination=bg.destination,
                origin_country=str(G.nodes[bg.origin]["country"]),
                unit=bg.unit,
                per_hour=bg.per_year / HOURS_PER_YEAR,
                plans=(routes_by_legs[path],),
                batch=batch,
                commodity=bg.cargo_class,
                background=True,
            )
        )
    used_nodes = {n for p in plans for n in p.nodes[1:-1]}
    used_legs = {leg for p in plans for leg in p.legs}
    nodes = _node_specs(scenario, net, G, used_nodes)
    try:
        delays = operations.frictions(net, scenario.operations)
    except ValueError as exc:
        raise CompileError(str(exc)) from None
    origins = {f.origin for f in flows}
    for node, specs in delays.nodes.items():
        if node in nodes:
            nodes[node] = replace(nodes[node], frictions=specs)
        elif node in used_nodes and node not in origins:
            # at a node without a facility a friction acts only on the cargo released there
            raise CompileError(
                f"frictions: {', '.join(s.name for s in specs)} at {node!r}, which has no "
                "facility (servers and handling) for a friction to follow"
            )
    origin_frictions = {f.origin: delays.nodes[f.origin] for f in flows if f.origin in delays.nodes}
    # one pass over the edges: a leg's two directions share their data
    edge_data = {key: data for _u, _v, key, data in G.edges(keys=True, data=True)}
    legs = {leg: _leg_spec(leg, edge_data[leg]) for leg in used_legs}
    ferries = _ferry_specs(scenario, net, G, used_legs)
    # the named vessels of each line, unless the scenario sets the line's vessels or decks
    offered: dict[str, float] = {}
    for f in flows:
        for leg in plans[f.plans[0]].legs:
            if leg in ferries:
                offered[leg] = offered.get(leg, 0.0) + f.per_hour * units[f.unit].ferry_slots
    set_fleet = {leg for leg in ferries if scenario.overrides.runs_alike(leg)}
    added = {
        leg: fs.add_vessels for leg, fs in scenario.overrides.ferries.items() if fs.add_vessels
    }
    for leg_id, fleet in operations.fleets(
        net, scenario.year, set(ferries) - set_fleet, offered, scenario.operations, added
    ).items():
        fs = ferries[leg_id]
        ferries[leg_id] = replace(
            fs,
            fleet=fleet,
            vessels=len(fleet),
            capacity_slots=sum(v.capacity_slots for v in fleet) / len(fleet),
        )
    flows = _carried_plans(flows, plans, ferries)
    ports = {p for fs in ferries.values() for p in fs.ends}
    berths = operations.berths(net, ports, scenario.operations)
    for leg_id, fs in ferries.items():
        if not fs.fleet and any(p in berths for p in fs.ends):
            ferries[leg_id] = replace(fs, berth_types=usable_berths(ALIKE_BERTH_TYPES))
    for leg_id, fs in ferries.items():
        calls = {p: delays.calls[p] for p in fs.ends if p in delays.calls}
        if calls:
            ferries[leg_id] = replace(fs, call_frictions=calls)
    problems = undersized_ferries(ferries, units, flows)
    if problems:
        raise CompileError("\n".join(problems))
    trains = TrainSpec(
        size_slots=scenario.trains.size_wagons,
        policy=scenario.trains.policy,
        max_wait_h=scenario.trains.max_wait_h,
        headway_h=scenario.trains.headway_h,
        offset_h=scenario.trains.offset_h,
    )
    overrides = (
        _synchronised_trains(scenario, plans, nodes, legs, ferries, trains)
        if (scenario.trains.sync_with_ferries)
        else {}
    )
    run = scenario.run
    return ModelSpec(
        name=scenario.name,
        flows=tuple(flows),
        plans=tuple(plans),
        nodes=nodes,
        legs=legs,
        ferries=ferries,
        units=units,
        trains=trains,
        train_overrides=overrides,
        closures=_closures(scenario, net, G, {n for p in plans for n in p.nodes}),
        origin_frictions=origin_frictions,
        watch_nodes=watched_nodes(net, plans),
        berths=berths,
        horizon_h=run.horizon_days * 24,
        warmup_h=run.warmup_days * 24,
        drain_h=run.drain_days * 24,
        seed=run.seed,
        digest=scenario.digest(),
    )


def watched_nodes(net: network.Network, plans: Sequence[Plan]) -> tuple[str, ...]:
    """The nodes whose passages a run records (:mod:`sim.engine.logbook`): those the
    network's observations name (a node target, or a node of an ``a>b>c`` chain) that a route
    of the model passes, in the order of the observations."""
    obs = net.observations
    if obs.empty:
        return ()
    on_routes = {n for p in plans for n in p.nodes}
    named: dict[str, None] = {}
    for kind, target in zip(obs["target_kind"], obs["target"], strict=True):
        if operations.blank(target):
            continue
        if kind == "node":
            named[str(target)] = None
        elif kind == "route":
            named.update(dict.fromkeys(str(target).split(">")))
    return tuple(n for n in named if n in on_routes)


def _carried_plans(
    flows: list[FlowSpec], plans: list[Plan], ferries: Mapping[str, FerrySpec]
) -> list[FlowSpec]:
    """Each flow without the routes over a ferry line none of whose vessels carries its unit
    (wagons cannot take a container ship); a flow left without a route is an error."""
    out = []
    for f in flows:

        def carried(p: int, unit: str = f.unit) -> bool:
            return all(
                any(v.takes(unit) for v in ferries[leg].vessel_list())
                for leg in plans[p].legs
                if leg in ferries
            )

        keep = tuple(p for p in f.plans if carried(p))
        if keep == f.plans:
            out.append(f)
            continue
        dropped = sorted(
            {leg for p in f.plans if p not in keep for leg in plans[p].legs if leg in ferries}
        )
        if not keep or f.choice == "shares":
            raise CompileError(
                f"{f.label}: no vessel on the ferry line(s) {', '.join(dropped)} carries a "
                f"{f.unit}, and the flow {'splits by shares over' if keep else 'has no other'} "
                "route(s); give it a route that avoids them (route.avoid) or a line's own "
                "vessels (overrides.ferries)"
            )
        out.append(replace(f, plans=keep))
    return out


def _plan(G: nx.MultiDiGraph, route: network.Route, index: int, via: str) -> Plan:
    segments: list[Segment] = []
    nodes, legs, modes = route.nodes, route.legs, route.modes
    i = 0
    while i < len(legs):
        kind = "ferry" if modes[i] in ("ferry", "sea") else modes[i]
        j = i + 1
        if kind != "ferry":
            while j < len(legs) and modes[j] == modes[i]:
                j += 1
        segments.append(Segment(kind, tuple(nodes[i : j + 1]), tuple(legs[i:j])))  # type: ignore[arg-type]
        i = j
    opening = {G.edges[u, v, k].get("opening_year") for u, v, k in route.hops}
    return Plan(
        index=index,
        label=route_name(G, route),
        segments=tuple(segments),
        # the fastest the route can be run: each leg without its random delay, no waiting
        free_flow_h=sum(
            G.edges[u, v, k]["duration_h"] * max(0.0, 1.0 - (G.edges[u, v, k]["delay_cv"] or 0.0))
            for u, v, k in route.hops
        ),
        expected_h=route.running_h + route.dwell_h,
        distance_km=route.distance_km,
        cost_usd_per_teu=route.cost_usd,
        co2_kg_per_t=route.co2_kg / float(G.graph["teu_payload_t"]),
        legs=route.legs,
        countries=route.countries,
        via=via,
        route_id=route_id(nodes, legs),
        opening_years=tuple(sorted(int(y) for y in opening if y is not None)),
        end_names=(place_name(G, nodes[0]), place_name(G, nodes[-1])),
    )


def _node_specs(
    scenario: Scenario, net: network.Network, G: nx.MultiDiGraph, used: set[str]
) -> dict[str, NodeSpec]:
    changes = {net.resolve_node(k): v for k, v in scenario.overrides.nodes.items()}
    out: dict[str, NodeSpec] = {}
    for node in sorted(used):
        data = G.nodes[node]
        servers = int(_num(data.get("servers")))
        mean = _num(data.get("handling_mean_h"))
        if servers <= 0 or mean <= 0:
            continue
        # factors for all cargo are already in the data (scenario_network); a factor for some
        # origins only is a dedicated facility beside the common one
        dedicated: tuple[str, ...] = ()
        dedicated_factor = 1.0
        change = changes.get(node)
        if (
            change is not None
            and change.for_origins_in
            and data["kind"] not in ("port", "terminal")
        ):
            # cargo is handed between segments at ports and terminals; a dedicated facility at a
            # border or gauge change inside a train's run would never be used, so say so
            raise CompileError(
                f"overrides.nodes.{node}: for_origins_in (a dedicated facility) applies to ports "
                f"and terminals, not to a {data['kind']}"
            )
        if change is not None and change.handling_factor != 1.0 and change.for_origins_in:
            dedicated = tuple(change.for_origins_in)
            dedicated_factor = change.handling_factor
        out[node] = NodeSpec(
            node_id=node,
            kind=str(data["kind"]),
            servers=servers,
            handling_mean_h=mean,
            handling_cv=_num(data.get("handling_cv"), 1.0),
            country=str(data["country"]),
            dedicated_for=dedicated,
            dedicated_factor=dedicated_factor,
        )
    return out


def _leg_spec(leg_id: str, data: Mapping[str, Any]) -> LegSpec:
    capacity = _num(data.get("capacity_trains_per_day"))
    return LegSpec(
        leg_id=leg_id,
        mode=str(data["mode"]),
        duration_h=float(data["duration_h"]),
        delay_cv=_num(data.get("delay_cv")),
        distance_km=float(data["distance_km"]),
        cost_usd_per_teu=_num(data.get("cost_usd_per_teu")),
        co2_kg_per_tkm=_num(data.get("co2_kg_per_tkm")),
        headway_h=24.0 / capacity if capacity > 0 else 0.0,
    )


def _ferry_specs(
    scenario: Scenario, net: network.Network, G: nx.MultiDiGraph, used: set[str]
) -> dict[str, FerrySpec]:
    out: dict[str, FerrySpec] = {}
    common = scenario.overrides.all_ferries
    low_water = (
        operations.load_factors(net, scenario.year, used) if scenario.operations.load_limits else {}
    )
    for leg_id in sorted(used):
        if leg_id not in net.ferries.index:
            continue
        row: dict[Any, Any] = net.ferries.loc[leg_id].to_dict()
        leg: dict[Any, Any] = net.legs.loc[leg_id].to_dict()
        change = scenario.overrides.ferries.get(leg_id)
        # a line's own setting wins over all_ferries, but only where the file sets it
        offset = 0.0
        load_factor = low_water.get(leg_id, 1.0)
        for fs in (common, change):
            if fs is not None:
                if "offset_h" in fs.model_fields_set:
                    offset = fs.offset_h
                if "load_factor" in fs.model_fields_set:
                    load_factor = fs.load_factor
        policy = str(row["policy"])
        headway = _num(row.get("headway_h")) or None
        max_wait = _num(row.get("max_wait_h")) or None
        if policy == "timetable" and headway is None:
            raise CompileError(f"ferry {leg_id}: policy 'timetable' needs headway_h (> 0)")
        if policy == "max_wait" and max_wait is None:
            raise CompileError(f"ferry {leg_id}: policy 'max_wait' needs max_wait_h (> 0)")
        out[leg_id] = FerrySpec(
            leg_id=leg_id,
            ends=(str(leg["from_node"]), str(leg["to_node"])),
            vessels=int(row["vessels"]),
            capacity_slots=float(row["capacity_slots"]),
            load_h=float(row["load_h"]),
            unload_h=float(row["unload_h"]),
            policy=policy,  # type: ignore[arg-type]
            max_wait_h=max_wait,
            headway_h=headway,
            offset_h=offset,
            load_factor=load_factor,
        )
    return out


def _unit_specs(net: network.Network) -> dict[str, UnitSpec]:
    teu_t = net.teu_payload_t
    return {
        str(unit): UnitSpec(
            train_slots=float(row["train_slots"]),
            ferry_slots=float(row["ferry_slots"]),
            payload_t=float(row["payload_t"]),
            teu_equivalent=float(row["payload_t"]) / teu_t,
        )
        for unit, row in net.units.iterrows()
    }


def _synchronised_trains(
    scenario: Scenario,
    plans: list[Plan],
    nodes: dict[str, NodeSpec],
    legs: dict[str, LegSpec],
    ferries: dict[str, FerrySpec],
    trains: TrainSpec,
) -> dict[tuple[tuple[str, ...], str], TrainSpec]:
    """Tag the rail segments next to a timetabled ferry and give them their own trains.

    A rail segment whose cargo goes on to a timetabled ferry is tagged ``"feeds <leg>"``: its
    trains leave on the ferry's headway, timed to reach the port a planning buffer before a
    sailing (see :func:`sync_buffer_h`), when full or when the oldest wagon could not wait for
    the next sailing (policy ``sailing``). A rail segment whose cargo comes off a timetabled
    ferry is tagged ``"meets ferries at <port>"``: its trains leave right after a landing of
    any timetabled line there, once full or when the oldest wagon could not wait for the next
    landing (policy ``after_landing``). Where a segment does both, the sailing it feeds decides
    (the landing's cargo would otherwise wait at the next port for that sailing). Segments of
    other cargo on the same line are untouched and keep the common formation. ``plans`` is
    changed in place.
    """
    out: dict[tuple[tuple[str, ...], str], TrainSpec] = {}
    reliability = scenario.trains.sync_reliability

    def timetabled(seg: Segment | None) -> FerrySpec | None:
        if seg is None or seg.kind != "ferry":
            return None
        ferry = ferries.get(seg.legs[0])
        if ferry is None or ferry.policy != "timetable" or ferry.headway_h is None:
            return None
        return ferry

    for p, plan in enumerate(plans):
        segs = list(plan.segments)
        changed = False
        for i, seg in enumerate(segs):
            if seg.kind != "rail":
                continue
            nxt = timetabled(segs[i + 1] if i + 1 < len(segs) else None)
            prev = timetabled(segs[i - 1] if i > 0 else None)
            if nxt is not None:
                assert nxt.headway_h is not None
                sync = f"feeds {nxt.leg_id}"
                port = seg.nodes[-1]
                run = sum(legs[leg].duration_h for leg in seg.legs)  # mean running time
                run += sum(nodes[n].handling_mean_h for n in seg.nodes[1:-1] if n in nodes)
                run += nodes[port].handling_mean_h if port in nodes else 0.0
                headway = nxt.headway_h
                sailing = nxt.offset_h + (0.0 if port == nxt.ends[0] else headway / 2)
                buffer = sync_buffer_h(seg, nodes, legs, reliability)
                offset = (sailing - run - buffer) % headway
                spec = TrainSpec(
                    size_slots=trains.size_slots,
                    policy="sailing",
                    max_wait_h=trains.max_wait_h,
                    headway_h=headway,
                    offset_h=offset,
                )
            elif prev is not None:
                # one formation for the cargo of every timetabled line landing here (trains
                # fill from all of them); the next landing is at most the shortest headway away
                port = seg.nodes[0]
                sync = f"meets ferries at {port}"
                landing = min(
                    f.headway_h
                    for f in ferries.values()
                    if f.policy == "timetable" and f.headway_h is not None and port in f.ends
                )
                spec = TrainSpec(
                    size_slots=trains.size_slots,
                    policy="after_landing",
                    max_wait_h=trains.max_wait_h,
                    headway_h=landing,
                )
            else:
                continue
            segs[i] = replace(seg, sync=sync)
            out[(seg.legs, sync)] = spec
            changed = True
        if changed:
            plans[p] = replace(plan, segments=tuple(segs))
    return out


def sync_buffer_h(
    seg: Segment, nodes: Mapping[str, NodeSpec], legs: Mapping[str, LegSpec], reliability: float
) -> float:
    """Hours by which a synchronised train is planned to reach its port before the sailing.

    The buffer is the ``reliability`` quantile of the segment's random time beyond its mean,
    in a normal approximation: each leg's random delay (exponential, standard deviation equal
    to its mean ``min(delay_cv, 1) * duration_h``) and each facility's handling on the way and
    at the port (gamma, standard deviation ``handling_cv * handling_mean_h``). Queueing is not
    included. With ``reliability = 0.9`` about nine trains in ten make their sailing.

    >>> seg = Segment("rail", ("a", "b"), ("a-b",))
    >>> legs = {"a-b": LegSpec("a-b", "rail", duration_h=10.0, delay_cv=0.3)}
    >>> round(sync_buffer_h(seg, {}, legs, 0.9), 2)  # 1.2816 x 3 h
    3.84
    """
    var = sum((min(legs[leg].delay_cv, 1.0) * legs[leg].duration_h) ** 2 for leg in seg.legs)
    var += sum(
        (nodes[n].handling_cv * nodes[n].handling_mean_h) ** 2 for n in seg.nodes[1:] if n in nodes
    )
    return NormalDist().inv_cdf(reliability) * math.sqrt(var)


def _closures(
    scenario: Scenario, net: network.Network, G: nx.MultiDiGraph, used_nodes: set[str]
) -> tuple[ClosureSpec, ...]:
    out: list[ClosureSpec] = []
    if scenario.operations.weather:
        out += operations.weather_closures(net, used_nodes)
    end_h = (scenario.run.horizon_days + scenario.run.drain_days) * 24
    for i, d in enumerate(scenario.disruptions):
        target = d.target if d.target in net.legs.index else net.resolve_node(d.target)
        name = d.name or f"disruption-{i}"
        if d.start_day is not None and d.duration_days is not None:
            windows = []
            start = d.start_day * 24
            while start < end_h:
                windows.append((start, start + d.duration_days * 24))
                if not d.repeat_yearly:
                    break
                start += 365 * 24
            out.append(ClosureSpec(name, target, windows=tuple(windows)))
        else:
            out.append(
                ClosureSpec(
                    name,
                    target,
                    events_per_month=float(d.events_per_month or 0.0),
                    months=tuple(d.months or ()),
                    mean_duration_h=float(d.mean_duration_days or 0.0) * 24,
                )
            )
    return tuple(out)


__all__ = [
    "CompileError",
    "cached_network",
    "compile_scenario",
    "load_base_network",
    "scenario_network",
    "sync_buffer_h",
]
