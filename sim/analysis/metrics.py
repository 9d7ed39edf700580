"""Tidy tables from a finished replication, and the KPIs and paired differences built on them.

All functions are pure: they take the :class:`~sim.engine.run_record.RunRecord` of a run (what
:meth:`sim.engine.world.World.run` returns) or DataFrames and return DataFrames. Every table carries
``scenario`` and ``replication`` so that comparing scenarios is ``concat`` + ``groupby``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.analysis.saturation import MIN_DELIVERED_SHARE
from sim.engine.logbook import VOYAGE_COLUMNS
from sim.engine.model import ModelSpec
from sim.engine.records import CAUSES
from sim.engine.run_record import RunRecord

DWELL_COLUMNS = [f"{c}_h" for c in CAUSES]


def shipments_frame(record: RunRecord, scenario: str | None = None) -> pd.DataFrame:
    """One row per unit released: route, times, waits by cause, cost and CO2.

    ``tonnes`` is the unit's payload and ``teu_km`` its TEU equivalent times the route's
    distance (the transport work it is moved: TEU-km when delivered). ``route_id`` refers to the
    routes table (:func:`sim.analysis.routes.routes_frame`);
    ``route`` is the route's full name and ``via`` what sets it apart from the flow's other
    candidates (neither cut short).

    ``delivered`` is False for units still moving at the end of the run (the horizon plus the
    drain; their ``delivery_h`` and ``transit_h`` are NaN) and ``location`` says where each of
    them is then (see :func:`unit_locations`; None for delivered units); ``in_warmup`` marks
    units released before the warm-up ended, which KPIs leave out.
    ``transit_h = running_h + sum(<cause>_h)`` for every delivered unit.
    """
    spec = record.spec
    arr = record.units
    flows, plans = spec.flows, spec.plans
    flow_idx, plan_idx = arr["flow"], arr["plan"]
    unit_kind = np.array([f.unit for f in flows], dtype=object)[flow_idx] if len(flows) else []
    teu_eq = np.array([spec.units[f.unit].teu_equivalent for f in flows])[flow_idx]
    payload = np.array([spec.units[f.unit].payload_t for f in flows])[flow_idx]
    cost = np.array([p.cost_usd_per_teu for p in plans])[plan_idx] * teu_eq
    co2 = np.array([p.co2_kg_per_t for p in plans])[plan_idx] * payload
    target = np.array([np.nan if f.target_h is None else f.target_h for f in flows])[flow_idx]
    transit = arr["delivery_h"] - arr["release_h"]
    frame = pd.DataFrame(
        {
            "scenario": scenario or spec.name,
            "replication": record.replication,
            "unit_id": np.arange(len(flow_idx)),
            "flow": pd.Categorical.from_codes(flow_idx, pd.Index([f.label for f in flows]))
            if len(flows)
            else [],
            "origin": np.array([f.origin for f in flows], dtype=object)[flow_idx],
            "destination": np.array([f.destination for f in flows], dtype=object)[flow_idx],
            "unit": unit_kind,
            "commodity": np.array([f.commodity for f in flows], dtype=object)[flow_idx],
            "plan": plan_idx,
            "route_id": np.array([p.route_id for p in plans], dtype=object)[plan_idx],
            "route": np.array([p.label for p in plans], dtype=object)[plan_idx],
            "via": np.array([p.via for p in plans], dtype=object)[plan_idx],
            "release_h": arr["release_h"],
            "delivery_h": arr["delivery_h"],
            "delivered": ~np.isnan(arr["delivery_h"]),
            "in_warmup": arr["release_h"] < spec.warmup_h,
            "transit_h": transit,
            "running_h": arr["running_h"],
            **{col: arr[col] for col in DWELL_COLUMNS},
            "free_flow_h": np.array([p.free_flow_h for p in plans])[plan_idx],
            "distance_km": np.array([p.distance_km for p in plans])[plan_idx],
            "tonnes": payload,
            "teu_km": teu_eq * np.array([p.distance_km for p in plans])[plan_idx],
            "cost_usd": cost,
            "co2_kg": co2,
            "target_h": target,
            "location": unit_locations(record),
        }
    )
    # on time: delivered within the target; a unit still moving is late once its target has
    # passed before the run ended, and unknown (NaN, censored) otherwise
    late_for_sure = arr["release_h"] + target < record.end_h
    frame["on_time"] = np.where(
        np.isnan(target),
        np.nan,
        np.where(
            frame["delivered"],
            (transit <= target).astype(float),
            np.where(late_for_sure, 0.0, np.nan),
        ),
    )
    return frame


def split_background(ships: pd.DataFrame, spec: ModelSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A shipments table split into the scenario's flows and the traffic that shares the
    corridor (``spec``'s background flows), which is never in the flows' KPIs; each part keeps
    only its own flow categories."""
    other = {f.label for f in spec.flows if f.background}
    behind = ships["flow"].isin(other).to_numpy()
    parts = (ships[~behind].reset_index(drop=True), ships[behind].reset_index(drop=True))
    for table in parts:
        table["flow"] = table["flow"].cat.remove_unused_categories()
    return parts


def unit_locations(record: RunRecord) -> np.ndarray:
    """Where each unit is when the run ends: None for a delivered unit, else one of

    - ``"train formation at A (A→B)"``: waiting for a block train on the rail run A→B;
    - ``"ferry queue L at P"``: waiting at port P for a sailing of ferry line L;
    - ``"on rail A→B"`` (or ``"on road A→B"``): on its way on that run — running, waiting for
      a path on the line, or at a border or gauge change inside it;
    - ``"on ferry L (P→Q)"``: loaded on a vessel of line L (loading, sailing, held by a
      closure, unloading);
    - ``"at port Q"`` (``"at border Q from P"``, …): through with the run or crossing that ends
      at Q, queuing or handled at Q's facility before its next run.

    Read from the run record: each unit's current segment (``seg``), the legs it has finished
    (a segment's legs are credited when it ends), and the units held by the train formations
    and ferry quays at the end.
    """
    arr = record.units
    n = len(arr["release_h"])
    out = np.full(n, None, dtype=object)
    undelivered = np.flatnonzero(np.isnan(arr["delivery_h"]))
    if not len(undelivered):
        return out
    spec = record.spec
    waiting: dict[int, str] = {}
    in_formation: set[int] = set()
    for fac in record.facilities:
        if fac.kind == "ferry_queue":
            label = f"ferry queue {fac.part_of} at {fac.place}"
            for u in fac.holding:
                waiting[u] = label
        elif fac.kind == "formation":
            in_formation.update(fac.holding)
    # legs finished before each segment of each plan
    before = [np.cumsum([0, *(len(seg.legs) for seg in plan.segments)]) for plan in spec.plans]
    plan_of, legs_done, seg_of = arr["plan"], arr["legs_done"], arr["seg"]
    for u in undelivered:
        u = int(u)
        p = int(plan_of[u])
        s = int(seg_of[u])
        seg = spec.plans[p].segments[s]
        a, b = seg.nodes[0], seg.nodes[-1]
        if legs_done[u] >= before[p][s + 1]:  # the segment is done: at its end node
            ns = spec.nodes.get(b)
            kind = ns.kind.replace("_", " ") if ns is not None else "node"
            where = f"{b} from {seg.nodes[-2]}" if kind == "border" else b
            out[u] = f"at {kind} {where}"
        elif u in waiting:
            out[u] = waiting[u]
        elif u in in_formation:
            out[u] = f"train formation at {a} ({a}→{b})"
        elif seg.kind == "ferry":
            out[u] = f"on ferry {seg.legs[0]} ({a}→{b})"
        else:
            out[u] = f"on {seg.kind} {a}→{b}"
    return out


def facilities_frame(record: RunRecord, scenario: str | None = None) -> pd.DataFrame:
    """One row per facility: throughput, time-weighted queue and utilisation after warm-up."""
    spec = record.spec
    span = max(min(record.end_h, spec.horizon_h) - spec.warmup_h, 1e-9)
    rows: list[dict[str, object]] = []
    for f in record.facilities:
        row: dict[str, object] = {
            "facility": f.name,
            "kind": f.kind,
            "place": f.place,
            "servers": f.servers,
            "customers": f.customers,
            "units": f.units,
            "mean_queue": f.area_queue / span,
            "max_queue": f.max_queue,
            "utilisation": (f.area_busy / span / f.servers) if f.servers else np.nan,
            "mean_wait_h": (f.wait_sum / f.waited) if f.waited else np.nan,
        }
        if f.sailings is not None:  # a ferry line
            assert f.slots_carried is not None and f.capacity is not None
            row["sailings"] = f.sailings
            row["mean_load_factor"] = (
                (f.slots_carried / f.sailings / f.capacity) if f.sailings else np.nan
            )
        if f.vessel_berth_wait_h is not None:  # a ferry line calling at ports with berth limits
            row["vessel_berth_wait_h"] = f.vessel_berth_wait_h
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.insert(0, "replication", record.replication)
    frame.insert(0, "scenario", scenario or spec.name)
    return frame


def queues_frame(record: RunRecord, scenario: str | None = None) -> pd.DataFrame:
    """Queue length over time at ports, borders and ferry queues (sampled every few hours)."""
    frame = pd.DataFrame(record.queue_samples, columns=["time_h", "facility", "kind", "queue"])
    frame.insert(0, "replication", record.replication)
    frame.insert(0, "scenario", scenario or record.spec.name)
    return frame


def passages_frame(record: RunRecord, scenario: str | None = None) -> pd.DataFrame:
    """When each unit arrived at and departed from each watched node (the logbook's passages,
    :mod:`sim.engine.logbook`): one row per unit and passage, with ``passage`` numbering the
    consists (units that moved together share it), ``node``, ``departs`` (False: an arrival)
    and ``time_h``. Empty when the model watched no node."""
    frame = pd.DataFrame(
        {
            k: record.passages.get(k, np.array([]))
            for k in ("passage", "node", "departs", "time_h", "unit")
        }
    )
    frame.insert(0, "replication", record.replication)
    frame.insert(0, "scenario", scenario or record.spec.name)
    return frame


def voyages_frame(record: RunRecord, scenario: str | None = None) -> pd.DataFrame:
    """One row per vessel departure (the logbook's voyages, :mod:`sim.engine.logbook`): line,
    port, vessel, when it came into the port (NaN: its first call), its unloading and loading
    work there, when it sailed, the crossing's hours, the slots it loaded, its deck (load limits
    applied) and full deck, the units it carried and how many of them were trucks."""
    frame = pd.DataFrame(record.voyages, columns=list(VOYAGE_COLUMNS))
    frame.insert(0, "replication", record.replication)
    frame.insert(0, "scenario", scenario or record.spec.name)
    return frame


def closures_frame(record: RunRecord, scenario: str | None = None) -> pd.DataFrame:
    """Closures that happened: name, target, start and end hour."""
    frame = pd.DataFrame(record.closures, columns=["disruption", "target", "start_h", "end_h"])
    frame.insert(0, "replication", record.replication)
    frame.insert(0, "scenario", scenario or record.spec.name)
    return frame


def _q(p: float) -> Callable[[pd.Series], float]:
    def f(s: pd.Series) -> float:
        return float(s.quantile(p)) if len(s) else np.nan

    f.__name__ = f"p{int(p * 100)}"
    return f


def kpis(
    shipments: pd.DataFrame, by: Sequence[str] = ("scenario", "replication", "flow")
) -> pd.DataFrame:
    """KPIs per group (default: per scenario, replication and flow), warm-up excluded.

    Every group shows its units released after the warm-up (``released``), how many were
    ``delivered`` by the end of the run and how many were still ``in_transit`` (see
    ``shipments.location`` for where), the ``delivered_share`` and ``saturated``: a share under
    :data:`~sim.analysis.saturation.MIN_DELIVERED_SHARE` (99 %), when the transit statistics
    describe only the units that got through. Transit statistics are in days and over delivered
    units. With the shipments' ``tonnes`` and ``teu_km``, ``tonnes_delivered`` and
    ``teu_km_delivered`` are the payload delivered and the transport work done (TEU-km) by the
    delivered units of the group. ``on_time`` (the share delivered within the flow's target, a
    unit still moving after its target counting as late) is present only when some flow has a
    target: a metric that is undefined is absent, not a column of NaN.

    Examples
    --------
    >>> s = pd.DataFrame({"scenario": "s", "replication": 0, "flow": "a→b",
    ...                   "in_warmup": False, "delivered": [True, True, False],
    ...                   "transit_h": [24.0, 48.0, float("nan")], "on_time": float("nan"),
    ...                   "cost_usd": 1.0, "co2_kg": 2.0, "running_h": 10.0,
    ...                   **{c: 0.0 for c in DWELL_COLUMNS}})
    >>> k = kpis(s)
    >>> k[["released", "delivered", "in_transit", "mean_transit_d", "saturated"]].values.tolist()
    [[3, 2, 1, 1.5, True]]
    >>> "on_time" in k
    False
    """
    s = _in_run_order(shipments[~shipments["in_warmup"]])
    keys = list(by)
    delivered = s[s["delivered"]].copy()
    delivered["transit_d"] = delivered["transit_h"] / 24
    g = delivered.groupby(keys, observed=True)
    out = g["transit_d"].agg(
        mean_transit_d="mean",
        median_transit_d="median",
        p90_transit_d=_q(0.9),
        p95_transit_d=_q(0.95),
    )
    out["delivered"] = g.size()
    if s["on_time"].notna().any():
        # over every released unit with a known outcome, not only the delivered (a stuck unit
        # is late)
        out["on_time"] = s.groupby(keys, observed=True)["on_time"].mean()
    # volumes delivered (per group, so per replication by default): payload and transport work
    if "tonnes" in delivered:
        out["tonnes_delivered"] = g["tonnes"].sum()
    if "teu_km" in delivered:
        out["teu_km_delivered"] = g["teu_km"].sum()
    out["cost_usd_per_unit"] = g["cost_usd"].mean()
    out["co2_kg_per_unit"] = g["co2_kg"].mean()
    for col in ["running_h", *DWELL_COLUMNS]:
        out[f"mean_{col}"] = g[col].mean()
    released = s.groupby(keys, observed=True).size()
    out = out.reindex(released.index)
    out["released"] = released
    out["delivered"] = out["delivered"].fillna(0).astype(int)
    for col in ("tonnes_delivered", "teu_km_delivered"):
        if col in out:
            out[col] = out[col].fillna(0.0)
    out["in_transit"] = out["released"] - out["delivered"]
    out["delivered_share"] = out["delivered"] / out["released"]
    out["saturated"] = out["delivered_share"] < MIN_DELIVERED_SHARE
    return _plain_scenario(out.reset_index())


def _in_run_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Scenario as a categorical in the order the scenarios were run (the baseline first), so
    grouped tables list them in that order — the plots take their colours from it; flows are
    already categorical in the scenario file's order."""
    order = list(pd.unique(frame["scenario"]))
    return frame.assign(scenario=pd.Categorical(frame["scenario"], categories=order))


def _plain_scenario(frame: pd.DataFrame) -> pd.DataFrame:
    if "scenario" in frame:
        frame["scenario"] = frame["scenario"].astype(str)
    return frame


def paired_differences(
    kpi_table: pd.DataFrame,
    baseline: str,
    metrics: Sequence[str] = (
        "mean_transit_d",
        "p95_transit_d",
        "on_time",
        "cost_usd_per_unit",
        "co2_kg_per_unit",
    ),
    by: Sequence[str] = ("flow",),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Difference of each scenario to ``baseline`` with a t confidence interval over paired
    replications (same seed and replication index: common random numbers).

    Returns one row per scenario (other than the baseline), group and metric with the mean
    difference, its standard error, the interval and the number of pairs. A metric that is
    undefined — not a column of ``kpi_table`` (``on_time`` without targets) or without a
    single pair of defined values (a flow that delivered nothing) — has no row. With a
    ``saturated`` column in ``kpi_table`` (see :func:`kpis`), ``saturated`` is True where the
    group is saturated in some replication of either scenario: its difference compares the
    units that got through, not the flow.
    """
    keys = list(by)
    metrics = [m for m in metrics if m in kpi_table.columns]
    flagged = "saturated" in kpi_table.columns
    base = kpi_table[kpi_table["scenario"] == baseline].set_index([*keys, "replication"])
    rows: list[dict[str, object]] = []
    for name, other in kpi_table[kpi_table["scenario"] != baseline].groupby("scenario", sort=False):
        o = other.set_index([*keys, "replication"])
        joined = o.merge(
            base, left_index=True, right_index=True, how="inner", suffixes=("", "_base")
        )
        for group, part in joined.groupby(level=list(range(len(keys))), sort=False):
            saturated = (
                {"saturated": bool(part["saturated"].any() or part["saturated_base"].any())}
                if flagged
                else {}
            )
            for m in metrics:
                d = (part[m] - part[f"{m}_base"]).dropna().to_numpy()
                n = len(d)
                if n == 0:
                    continue
                mean, half = t_interval(d, confidence)
                base_mean = float(part[f"{m}_base"].mean())
                rows.append(
                    {
                        "scenario": name,
                        **dict(
                            zip(keys, group if isinstance(group, tuple) else (group,), strict=True)
                        ),
                        "metric": m,
                        "baseline": base_mean,
                        "difference": mean,
                        "ci_low": mean - half,
                        "ci_high": mean + half,
                        "relative": mean / base_mean if base_mean else np.nan,
                        "pairs": n,
                        **saturated,
                    }
                )
    return pd.DataFrame(rows)


def t_interval(
    values: Sequence[float] | np.ndarray, confidence: float = 0.95
) -> tuple[float, float]:
    """Mean and half-width of the t confidence interval (NaN half-width below two values).

    Examples
    --------
    >>> m, h = t_interval([10.0, 12.0])
    >>> m, round(h, 2)
    (11.0, 12.71)
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return np.nan, np.nan
    mean = float(x.mean())
    if len(x) < 2:
        return mean, np.nan
    tq = t_quantile(confidence, len(x) - 1)
    return mean, tq * float(x.std(ddof=1)) / float(np.sqrt(len(x)))


def _t_within(theta: float, df: int) -> tuple[float, float]:
    """``P(|T| < sqrt(df) tan(theta))`` for Student's t with ``df`` degrees of freedom, and its
    derivative in ``theta``: the finite series for whole ``df`` (Abramowitz & Stegun 26.7.3-4)."""
    s, c = math.sin(theta), math.cos(theta)
    c2 = c * c
    term = total = 1.0
    if df % 2:  # odd: 2/pi (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...))
        for k in range(1, (df - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        p = 2 / math.pi * (theta + (s * c * total if df > 1 else 0.0))
    else:  # even: sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            total += term
        p = s * total
    # d/dtheta: twice the density at t = sqrt(df) tan(theta), times dt/dtheta
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    density = math.exp(log_norm + (df + 1) * math.log(c))  # (1 + t^2/df)^(-(df+1)/2) = cos^(df+1)
    return p, 2 * density * math.sqrt(df) / c2


def t_quantile(confidence: float, df: int) -> float:
    """The two-sided quantile ``t`` of Student's t: ``P(|T| < t) = confidence``.

    Exact to rounding for whole ``df`` (scipy's ``stats.t.ppf(0.5 + confidence / 2, df)``, without
    importing scipy): Newton's method on the closed-form distribution, kept in a shrinking bracket.

    Examples
    --------
    >>> round(t_quantile(0.95, 1), 4), round(t_quantile(0.95, 4), 4), round(t_quantile(0.99, 30), 4)
    (12.7062, 2.7764, 2.75)
    """
    if not (0 < confidence < 1 and df >= 1 and int(df) == df):
        raise ValueError(f"need 0 < confidence < 1 and whole df >= 1, got {confidence}, {df}")
    df = int(df)
    if df == 1:
        return math.tan(math.pi * confidence / 2)
    if df == 2:
        return math.sqrt(2) * math.tan(math.asin(confidence))
    lo, hi = 0.0, math.pi / 2
    theta = math.atan(4 / math.sqrt(df))  # t = 4 as a start: between the usual quantiles
    for _ in range(200):
        p, slope = _t_within(theta, df)
        if p < confidence:
            lo = theta
        else:
            hi = theta
        step = (p - confidence) / slope if slope > 0 else math.inf
        nxt = theta - step
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2
        if abs(nxt - theta) <= 1e-16 * theta or hi - lo <= 1e-16:
            theta = nxt
            break
        theta = nxt
    return math.sqrt(df) * math.tan(theta)


def delay_by_cause(
    shipments: pd.DataFrame, by: Sequence[str] = ("scenario", "flow")
) -> pd.DataFrame:
    """Mean hours per unit by cause (running and each dwell cause), delivered, after warm-up."""
    s = _in_run_order(shipments[~shipments["in_warmup"] & shipments["delivered"]])
    out = s.groupby(list(by), observed=True)[["running_h", *DWELL_COLUMNS]].mean()
    return _plain_scenario(out.reset_index())


__all__ = [
    "DWELL_COLUMNS",
    "closures_frame",
    "delay_by_cause",
    "facilities_frame",
    "kpis",
    "paired_differences",
    "queues_frame",
    "shipments_frame",
    "split_background",
    "t_interval",
    "t_quantile",
    "unit_locations",
]
