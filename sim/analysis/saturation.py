"""Saturation seen after a run: queues still growing at the end, flows that do not deliver.

A scenario whose demand exceeds a facility's capacity has no steady state: the queue there
grows for as long as the run lasts, and the units behind it arrive late or not at all. Means
over the units that did arrive then describe a lucky few. This module finds both symptoms in a
finished run, so that reports can flag them instead of averaging them:

* :func:`queue_trends` — a trend test on each sampled queue (``Results.queues``) over the last
  part of the statistics window (default: its second half). The test is the Mann–Kendall test
  pooled over replications as in the seasonal Kendall test (sum of the per-replication
  statistics and of their variances; Hirsch, Slack & Smith 1982, *Water Resour. Res.* 18(1)),
  run on block means (default 12 blocks per replication) so that the strong short-range
  autocorrelation of a queue does not pass for a trend. A queue is flagged *growing* when the
  one-sided test rejects "no upward trend" — at family-wise level ``alpha`` over all the
  queues of the scenario (Holm's step-down, :func:`holm`), so the chance that any stable queue
  is flagged does not grow with the number sampled — **and** the pooled Sen slope (the
  median of the within-replication pairwise slopes) is a practical magnitude: at least
  ``min_excess`` of the facility's throughput. A queue growing at a rate ``r`` behind a server
  of throughput ``mu`` means arrivals exceed service by ``r``, i.e. an offered load of about
  ``1 + r / mu``; the default 1 % floor so flags loads of 1.01 and above, not the slow drift of
  a stable queue whose level follows seasonal demand.
* :func:`flow_delivery` — per scenario and flow, the share of the units released after the
  warm-up that were delivered by the end of the run (horizon plus drain); a flow under
  :data:`MIN_DELIVERED_SHARE` (99 %) is flagged *short*.
* :func:`saturation` — both for a :class:`~sim.runs.runner.Results`, with the facilities mapped to
  the flows whose routes pass them and :meth:`Saturation.sentences` that state the findings
  from the numbers.

The thresholds (``alpha``, ``min_excess``, the 99 % share, the tail and the blocks) are
decision rules of the check, not model parameters; they are arguments with defaults.

Examples
--------
A queue that grows by 2 units an hour behind a facility serving 10 an hour is growing; the
same queue level with noise and no trend is not:

>>> import numpy as np
>>> import pandas as pd
>>> t = np.arange(0.0, 2000.0, 6.0)
>>> rng = np.random.default_rng(1)
>>> q = pd.DataFrame({"scenario": "s", "replication": 0, "time_h": np.tile(t, 2),
...                   "facility": np.repeat(["up", "flat"], len(t)), "kind": "port",
...                   "queue": np.concatenate([2.0 * t, 50 + rng.normal(0, 5, len(t))])})
>>> tr = queue_trends(q, warmup_h=0.0, throughput={"up": 10.0, "flat": 10.0})
>>> tr.set_index("facility")["growing"].to_dict()
{'up': True, 'flat': False}
>>> round(float(tr.set_index("facility").loc["up", "slope_per_h"]), 3)
2.0
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ALPHA",
    "BLOCKS",
    "MIN_DELIVERED_SHARE",
    "MIN_EXCESS",
    "TAIL",
    "KendallTrend",
    "Saturation",
    "closed_share",
    "closure_targets",
    "facility_flows",
    "facility_plans",
    "flow_delivery",
    "format_share",
    "holm",
    "mann_kendall",
    "pooled_kendall",
    "queue_trends",
    "saturation",
    "throughputs",
]

#: a flow delivering less than this share of its post-warm-up units is flagged
MIN_DELIVERED_SHARE = 0.99
#: family-wise significance level of the one-sided trend tests of a scenario's queues (Holm)
ALPHA = 0.01
#: practical floor: the queue must grow by at least this share of the facility's throughput
MIN_EXCESS = 0.01
#: the trend is tested over this last share of the statistics window (warm-up to horizon)
TAIL = 0.5
#: block means per replication in the tested window
BLOCKS = 12


@dataclass(frozen=True)
class KendallTrend:
    """A Mann–Kendall trend statistic (possibly pooled over several series).

    Attributes
    ----------
    s : float
        Kendall's S: concordant minus discordant pairs (summed over series when pooled).
    var_s : float
        Its variance under "no trend", corrected for ties (summed over series when pooled).
    z : float
        Normal score with continuity correction; 0 when S is 0 or its variance is 0.
    p_increase : float
        One-sided p-value of "no upward trend" (1 when the variance is 0: a constant series).
    slope : float
        Sen's slope: the median of the pairwise slopes (within each series when pooled).
    n : int
        Number of observations (in all series).
    """

    s: float
    var_s: float
    z: float
    p_increase: float
    slope: float
    n: int


def _s_and_var(y: np.ndarray) -> tuple[float, float]:
    n = len(y)
    if n < 2:
        return 0.0, 0.0
    diff = y[None, :] - y[:, None]
    s = float(np.sign(diff[np.triu_indices(n, 1)]).sum())
    _, ties = np.unique(y, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18
    return s, var


def _slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(len(y), 1)
    dx = x[j] - x[i]
    keep = dx != 0
    return (y[j] - y[i])[keep] / dx[keep]


def _trend(s: float, var: float, slopes: np.ndarray, n: int) -> KendallTrend:
    if var <= 0 or s == 0:
        z = 0.0
    else:
        z = (s - 1) / math.sqrt(var) if s > 0 else (s + 1) / math.sqrt(var)
    # the normal upper tail, as scipy's norm.sf(z)
    p = 1.0 if var <= 0 else 0.5 * math.erfc(z / math.sqrt(2))
    slope = float(np.median(slopes)) if len(slopes) else 0.0
    return KendallTrend(s=s, var_s=var, z=z, p_increase=p, slope=slope, n=n)


def mann_kendall(y: Sequence[float] | np.ndarray, x: Sequence[float] | None = None) -> KendallTrend:
    """The Mann–Kendall trend test of one series, with Sen's slope.

    Parameters
    ----------
    y : array_like
        Observations in time order.
    x : array_like, optional
        Their times (default ``0, 1, ...``); used only for Sen's slope (``y`` units per ``x``).

    Examples
    --------
    >>> r = mann_kendall([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> r.s, r.slope, r.p_increase < 0.05
    (10.0, 1.0, True)
    >>> mann_kendall([3.0, 3.0, 3.0]).p_increase
    1.0
    """
    return pooled_kendall([y], None if x is None else [x])


def pooled_kendall(
    series: Sequence[Sequence[float] | np.ndarray],
    times: Sequence[Sequence[float] | np.ndarray] | None = None,
) -> KendallTrend:
    """Mann–Kendall over several independent series of the same process (replications).

    S and its variance are sums over the series (the seasonal Kendall test of Hirsch, Slack &
    Smith 1982, with replications in place of seasons); Sen's slope is the median of the
    pairwise slopes within each series, never across them.

    Examples
    --------
    Two replications each rising by one a step pool to a stronger test than either:

    >>> a = pooled_kendall([[0.0, 1.0, 2.0, 3.0], [5.0, 6.0, 7.0, 8.0]])
    >>> b = mann_kendall([0.0, 1.0, 2.0, 3.0])
    >>> a.s == 2 * b.s and a.p_increase < b.p_increase and a.slope == 1.0
    True
    """
    s_tot, var_tot, n_tot = 0.0, 0.0, 0
    slopes: list[np.ndarray] = []
    for k, ys in enumerate(series):
        y = np.asarray(ys, dtype=float)
        x = np.arange(len(y), dtype=float) if times is None else np.asarray(times[k], dtype=float)
        s, var = _s_and_var(y)
        s_tot, var_tot, n_tot = s_tot + s, var_tot + var, n_tot + len(y)
        slopes.append(_slopes(x, y))
    all_slopes = np.concatenate(slopes) if slopes else np.empty(0)
    return _trend(s_tot, var_tot, all_slopes, n_tot)


def _blocks(t: np.ndarray, q: np.ndarray, lo: float, hi: float, n: int) -> tuple[np.ndarray, ...]:
    """Mean sample time and mean of ``q`` in each of ``n`` equal blocks of ``[lo, hi]``
    (empty blocks dropped)."""
    edges = np.linspace(lo, hi, n + 1)
    keep = (t >= lo) & (t <= hi)
    idx = np.clip(np.searchsorted(edges, t[keep], side="right") - 1, 0, n - 1)
    counts = np.bincount(idx, minlength=n)
    ok = counts > 0
    times = np.bincount(idx, weights=t[keep], minlength=n)[ok] / counts[ok]
    return times, np.bincount(idx, weights=q[keep], minlength=n)[ok] / counts[ok]


def _per_scenario(value: float | Mapping[str, float], scenario: str) -> float:
    return float(value[scenario]) if isinstance(value, Mapping) else float(value)


def queue_trends(
    queues: pd.DataFrame,
    *,
    warmup_h: float | Mapping[str, float],
    horizon_h: float | Mapping[str, float] | None = None,
    throughput: Mapping[str, float] | pd.DataFrame | None = None,
    alpha: float = ALPHA,
    min_excess: float = MIN_EXCESS,
    tail: float = TAIL,
    blocks: int = BLOCKS,
) -> pd.DataFrame:
    """Test every sampled queue for a trend over the end of the statistics window.

    Parameters
    ----------
    queues : DataFrame
        ``Results.queues``: scenario, replication, time_h, facility, kind, queue.
    warmup_h : float or mapping scenario -> float
        Start of the statistics window.
    horizon_h : float or mapping scenario -> float, optional
        Its end (default: the last sample time of the scenario).
    throughput : mapping facility -> queue units per hour, or DataFrame, optional
        What each facility serves, in the units its queue is counted in, for the practical
        floor. A DataFrame is ``Results.facilities`` (see :func:`throughputs`). A facility
        without a throughput is flagged on significance and a positive slope alone.
    alpha : float
        One-sided significance level.
    min_excess : float
        The slope must be at least this share of the throughput.
    tail : float
        Share of the window (its end) that is tested, in (0, 1].
    blocks : int
        Block means per replication in the tested part (at least 3).

    Returns
    -------
    DataFrame
        One row per scenario and facility: kind, replications, kendall_s, z, p_value,
        slope_per_h (queue units per hour, Sen), throughput_per_h, excess (slope over
        throughput), queue_start and queue_end (mean of the first and last block over the
        replications), window_start_h and window_end_h (the tested window) and ``growing``.
    """
    if not 0 < tail <= 1:
        raise ValueError(f"tail (={tail}) must be in (0, 1]")
    if blocks < 3:
        raise ValueError(f"blocks (={blocks}) must be at least 3")
    cols = [
        "scenario",
        "facility",
        "kind",
        "replications",
        "kendall_s",
        "z",
        "p_value",
        "slope_per_h",
        "throughput_per_h",
        "excess",
        "queue_start",
        "queue_end",
        "window_start_h",
        "window_end_h",
        "growing",
    ]
    if queues.empty:
        return pd.DataFrame(columns=cols)
    rows: list[dict[str, Any]] = []
    for scenario, part in queues.groupby("scenario", sort=False):
        name = str(scenario)
        start = _per_scenario(warmup_h, name)
        end = float(part["time_h"].max()) if horizon_h is None else _per_scenario(horizon_h, name)
        lo = end - tail * (end - start)
        rate: Mapping[str, float] = (
            throughputs(throughput, name, start, end)
            if isinstance(throughput, pd.DataFrame)
            else (throughput or {})
        )
        first_row = len(rows)
        for (facility, kind), fac in part.groupby(["facility", "kind"], sort=False):
            ys, xs, first, last = [], [], [], []
            for _, rep in fac.groupby("replication", sort=True):
                x, y = _blocks(
                    rep["time_h"].to_numpy(float), rep["queue"].to_numpy(float), lo, end, blocks
                )
                if len(y):
                    xs.append(x)
                    ys.append(y)
                    first.append(y[0])
                    last.append(y[-1])
            trend = pooled_kendall(ys, xs)
            mu = rate.get(str(facility))
            excess = trend.slope / mu if mu else (math.inf if trend.slope > 0 else 0.0)
            # the p-value decides below, over all the scenario's queues at once
            growing = trend.slope > 0 and (mu is None or trend.slope >= min_excess * mu)
            rows.append(
                {
                    "scenario": name,
                    "facility": str(facility),
                    "kind": str(kind),
                    "replications": len(ys),
                    "kendall_s": trend.s,
                    "z": trend.z,
                    "p_value": trend.p_increase,
                    "slope_per_h": trend.slope,
                    "throughput_per_h": np.nan if mu is None else mu,
                    "excess": excess,
                    "queue_start": float(np.mean(first)) if first else np.nan,
                    "queue_end": float(np.mean(last)) if last else np.nan,
                    "window_start_h": lo,
                    "window_end_h": end,
                    "growing": bool(growing),
                }
            )
        # Holm's step-down over this scenario's queues: ``alpha`` is the chance that any stable
        # queue of the scenario is flagged, however many queues it samples
        mine = rows[first_row:]
        reject = holm([r["p_value"] for r in mine], alpha)
        for r, ok in zip(mine, reject, strict=True):
            r["growing"] = bool(r["growing"] and ok)
    return pd.DataFrame(rows, columns=cols)


def holm(p_values: Sequence[float], alpha: float) -> list[bool]:
    """Holm's step-down rejections at family-wise error rate ``alpha`` (Holm 1979, *Scand. J.
    Statist.* 6(2)): the k-th smallest p-value (from 0) must be under ``alpha / (m - k)``, and
    every smaller one must have been rejected.

    Examples
    --------
    >>> holm([0.001, 0.04, 0.02, 0.5], 0.05)
    [True, False, False, False]
    >>> holm([0.001, 0.01, 0.02], 0.05)
    [True, True, True]
    """
    m = len(p_values)
    out = [False] * m
    for k, i in enumerate(sorted(range(m), key=lambda j: p_values[j])):
        p = p_values[i]
        if not (p < alpha / (m - k)):  # NaN never rejects
            break
        out[i] = True
    return out


#: facility kinds whose sampled queue counts units (the others count consists: trains, trucks)
UNIT_QUEUES = frozenset({"ferry", "ferry_queue", "formation"})


def throughputs(
    facilities: pd.DataFrame, scenario: str, start_h: float, end_h: float
) -> dict[str, float]:
    """Mean throughput per hour of each facility of ``scenario`` over its replications, in the
    units its queue is sampled in: units for ferry queues and formations, consists (customers)
    for ports, borders and other servers.

    Examples
    --------
    >>> f = pd.DataFrame({"scenario": "s", "replication": [0, 1], "facility": "p",
    ...                   "kind": "port", "customers": [100, 300], "units": [900, 2000]})
    >>> throughputs(f, "s", 0.0, 100.0)
    {'p': 2.0}
    """
    part = facilities[facilities["scenario"] == scenario]
    if part.empty:
        return {}
    span = max(end_h - start_h, 1e-9)
    served = np.where(part["kind"].isin(UNIT_QUEUES), part["units"], part["customers"])
    mean = pd.Series(served, index=part.index).groupby(part["facility"], sort=False).mean()
    return {str(k): float(v) / span for k, v in mean.items()}


def flow_delivery(
    shipments: pd.DataFrame,
    *,
    min_share: float = MIN_DELIVERED_SHARE,
    by: Sequence[str] = ("scenario", "flow"),
) -> pd.DataFrame:
    """Per group (default scenario and flow): the replications, units released after the
    warm-up, delivered and in transit, summed over replications, the delivered share and
    ``short`` (share under ``min_share``).

    Examples
    --------
    >>> s = pd.DataFrame({"scenario": "s", "replication": 0, "flow": ["a"] * 4 + ["b"] * 2,
    ...                   "in_warmup": [True, False, False, False, False, False],
    ...                   "delivered": [False, True, True, False, True, True]})
    >>> flow_delivery(s)[["flow", "released", "delivered", "delivered_share", "short"]]
      flow  released  delivered  delivered_share  short
    0    a         3          2         0.666667   True
    1    b         2          2         1.000000  False
    """
    s = shipments[~shipments["in_warmup"]]
    g = s.groupby(list(by), observed=True, sort=False)
    out = pd.DataFrame(
        {
            "replications": g["replication"].nunique(),
            "released": g.size(),
            "delivered": g["delivered"].sum().astype(int),
        }
    )
    out["in_transit"] = out["released"] - out["delivered"]
    out["delivered_share"] = out["delivered"] / out["released"]
    out["short"] = out["delivered_share"] < min_share
    out = out.reset_index()
    for col in by:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(str)
    return out


def facility_flows(spec: Any) -> dict[str, set[str]]:
    """Which flows (labels) of a compiled model pass each queue the engine samples or monitors:
    ``"<leg>@<port>"`` ferry queues, ``"<node>"`` ports and other servers, ``"<node> from
    <previous>"`` borders, ``"<start>><end>"`` train formations (``"<start>><end> (<sync>)"``
    for a train synchronised with a ferry, as the engine names them).

    Examples
    --------
    >>> from sim.engine.model import FlowSpec, ModelSpec, Plan, Segment, LegSpec, UnitSpec
    >>> plan = Plan(0, "a→c", (Segment("rail", ("a", "b"), ("a-b",)),
    ...                        Segment("ferry", ("b", "c"), ("b-c",))), free_flow_h=1.0)
    >>> spec = ModelSpec(name="m",
    ...     flows=(FlowSpec(0, "a→c", "a", "c", "AA", "teu", per_hour=1.0, plans=(0,)),),
    ...     plans=(plan,), nodes={}, legs={}, ferries={}, units={})
    >>> sorted(facility_flows(spec))
    ['a>b', 'b', 'b from a', 'b-c@b']
    """
    plan_flows: dict[int, set[str]] = {}
    for f in spec.flows:
        for p in f.plans:
            plan_flows.setdefault(p, set()).add(f.label)
    return {
        name: {label for p in plans for label in plan_flows.get(p, ())}
        for name, plans in facility_plans(spec).items()
    }


def facility_plans(spec: Any) -> dict[str, set[int]]:
    """Which plans (positions in ``spec.plans``, as in ``shipments.plan``) pass each queue;
    names as in :func:`facility_flows`."""
    out: dict[str, set[int]] = {}
    for i, plan in enumerate(spec.plans):
        names: set[str] = set()
        nodes = plan.nodes
        for prev, node in itertools.pairwise(nodes[:-1]):
            names.update((node, f"{node} from {prev}"))
        for seg in plan.segments:
            if seg.kind == "ferry":
                names.add(f"{seg.legs[0]}@{seg.nodes[0]}")
            elif seg.kind == "rail":
                names.add(seg.formation_name)  # a synchronised train forms apart
        for name in names:
            out.setdefault(name, set()).add(i)
    return out


def format_share(share: float) -> str:
    """A share as a percentage that is never rounded up: a shortfall stays visible.

    Examples
    --------
    >>> [format_share(x) for x in (1.0, 0.996, 0.9, 0.284, 0.004, 0.0004)]
    ['100 %', '99.6 %', '90 %', '28 %', '0.4 %', '< 0.1 %']
    """
    p = 100 * share
    if p == round(p):
        return f"{p:.0f} %"
    if 1 <= p <= 99:
        return f"{math.floor(p):.0f} %"
    tenth = math.floor(p * 10) / 10
    return f"{tenth:.1f} %" if tenth > 0 else "< 0.1 %"


def closure_targets(facility: str) -> tuple[str, ...]:
    """The closure targets (legs, nodes) that stop a sampled facility: a ferry queue
    ``"<leg>@<port>"`` stops with its line or its port, a border ``"<node> from <prev>"`` or a
    port ``"<node>"`` with its node.

    Examples
    --------
    >>> closure_targets("kuryk-alat@kuryk"), closure_targets("sarpi from batumi")
    (('kuryk-alat', 'kuryk'), ('sarpi',))
    """
    if "@" in facility:
        leg, port = facility.split("@", 1)
        return (leg, port)
    return (facility.split(" from ", 1)[0],)


def closed_share(
    closures: pd.DataFrame, scenario: str, facility: str, start_h: float, end_h: float
) -> float:
    """Share of ``[start_h, end_h]`` during which a closure stopped ``facility`` (any of its
    :func:`closure_targets`; overlapping closures count once), averaged over the replications
    of ``scenario`` in ``closures`` (``Results.closures``; a replication without closures
    counts as open throughout only if it appears in the table, so pass the whole table).

    Examples
    --------
    >>> c = pd.DataFrame({"scenario": "s", "replication": 0, "disruption": "storm",
    ...                   "target": ["kuryk-alat", "kuryk", "alat"],
    ...                   "start_h": [0.0, 5.0, 0.0], "end_h": [10.0, 30.0, 100.0]})
    >>> closed_share(c, "s", "kuryk-alat@kuryk", 0.0, 100.0)
    0.3
    """
    part = closures[closures["scenario"] == scenario]
    reps = part["replication"].unique()
    span = end_h - start_h
    if not len(reps) or span <= 0:
        return 0.0
    mine = part[part["target"].isin(closure_targets(facility))]
    total = 0.0
    for rep in reps:
        rows = mine[mine["replication"] == rep]
        spans = sorted(
            (max(s, start_h), min(e, end_h))
            for s, e in zip(rows["start_h"], rows["end_h"], strict=True)
            if e > start_h and s < end_h
        )
        lo = hi = start_h
        for s, e in spans:
            if s > hi:
                total += max(hi - lo, 0.0)
                lo, hi = s, e
            else:
                hi = max(hi, e)
        total += max(hi - lo, 0.0)
    return total / (len(reps) * span)


@dataclass
class Saturation:
    """What :func:`saturation` found in a run, and the rules it applied.

    Attributes
    ----------
    queues : DataFrame
        :func:`queue_trends` (one row per scenario and facility, ``growing`` flags) plus
        ``flows``: the flows whose units took a route through the facility (labels joined by
        ``", "``) and
        ``closed_share``: the share of the tested window in which closures stopped it
        (:func:`closed_share`), so that a backlog behind storms is told from one behind demand.
    flows : DataFrame
        :func:`flow_delivery` plus ``growing_queues``: the growing queues on the routes the
        flow's units took (names joined by ``", "``, empty when none) and ``saturated`` (short
        or growing).
    min_share, alpha, min_excess, tail : float
        The thresholds used (see :func:`saturation`).
    """

    queues: pd.DataFrame
    flows: pd.DataFrame
    min_share: float = MIN_DELIVERED_SHARE
    alpha: float = ALPHA
    min_excess: float = MIN_EXCESS
    tail: float = TAIL

    @property
    def growing(self) -> pd.DataFrame:
        """The queues flagged as still growing."""
        return self.queues[self.queues["growing"].astype(bool)]

    @property
    def short(self) -> pd.DataFrame:
        """The flows delivering less than the threshold share."""
        return self.flows[self.flows["short"].astype(bool)]

    def __bool__(self) -> bool:
        return bool(self.flows["saturated"].any()) or bool(self.queues["growing"].any())

    def sentences(self, scenario: str | None = None) -> list[str]:
        """The findings in words, computed from the tables (one scenario, or all).

        Examples
        --------
        >>> flows = pd.DataFrame({"scenario": "s", "flow": ["A→B", "C→D"], "replications": 1,
        ...                       "released": [1000, 500], "delivered": [620, 500],
        ...                       "in_transit": [380, 0], "delivered_share": [0.62, 1.0],
        ...                       "short": [True, False], "growing_queues": "",
        ...                       "saturated": [True, False]})
        >>> queues = queue_trends(pd.DataFrame(), warmup_h=0.0)  # no sampled queues
        >>> print(Saturation(queues, flows).sentences()[0])
        s: SATURATED — 1 of 2 flows delivered less than 99 % of their units released after the warm-up by the end of the run: A→B 62 % (620 of 1,000). Their transit times describe only the units that got through.
        """  # noqa: E501
        out: list[str] = []
        flows, queues = self.flows, self.queues
        names = list(dict.fromkeys([*flows["scenario"], *queues["scenario"]]))
        need = format_share(self.min_share)
        for name in names if scenario is None else [scenario]:
            fl = flows[flows["scenario"] == name]
            qu = queues[queues["scenario"] == name]
            short = fl[fl["short"]].sort_values("delivered_share")
            grow = qu[qu["growing"].astype(bool)].sort_values("excess", ascending=False)
            if short.empty and grow.empty:
                out.append(
                    f"{name}: no sign of saturation — every flow delivered at least {need} of "
                    "its units released after the warm-up, and none of the "
                    f"{len(qu)} sampled queues was still growing at the end of the horizon."
                )
                continue
            if not short.empty:
                reps = int(fl["replications"].max())
                listed = "; ".join(
                    f"{r['flow']} {format_share(r['delivered_share'])} "
                    f"({r['delivered']:,} of {r['released']:,})"
                    for r in short.to_dict("records")
                )
                out.append(
                    f"{name}: SATURATED — {len(short)} of {len(fl)} flows delivered less than "
                    f"{need} of their units released after the warm-up by the end of the run"
                    + (f" (units summed over {reps} replications)" if reps > 1 else "")
                    + f": {listed}. Their transit times describe only the units that got "
                    "through."
                )
            for r in grow.to_dict("records"):
                what = "units" if r["kind"] in UNIT_QUEUES else "trains or trucks"
                share = (
                    f", {100 * r['excess']:.0f} % of what it serves"
                    if not pd.isna(r["throughput_per_h"]) and np.isfinite(r["excess"])
                    else ""
                )
                flows_here = r.get("flows") or ""
                closed = r.get("closed_share") or 0.0
                held = (
                    f"; closures of {' or '.join(closure_targets(r['facility']))} held it "
                    f"{format_share(closed)} of that time"
                    if closed > 0
                    else ""
                )
                out.append(
                    f"{name}: the queue at {r['facility']} ({r['kind']}) was still growing at "
                    f"the end of the horizon: +{24 * r['slope_per_h']:,.1f} {what} a day"
                    f"{share}, from {r['queue_start']:,.0f} to {r['queue_end']:,.0f} between "
                    f"day {r['window_start_h'] / 24:.0f} and day {r['window_end_h'] / 24:.0f} "
                    f"(Mann–Kendall one-sided p = {r['p_value']:.1g}){held}"
                    + (f"; flows whose units pass it: {flows_here}." if flows_here else ".")
                )
        return out


def saturation(
    results: Any,
    *,
    alpha: float = ALPHA,
    min_excess: float = MIN_EXCESS,
    min_share: float = MIN_DELIVERED_SHARE,
    tail: float = TAIL,
    blocks: int = BLOCKS,
) -> Saturation:
    """Both checks for a :class:`~sim.runs.runner.Results` (one or several scenarios).

    The window of each scenario is its compiled warm-up to horizon; throughputs come from
    ``results.facilities``; growing queues are attached to the flows whose units (released
    after the warm-up) took a route through them.
    Queues of scenarios without a compiled spec in ``results.specs`` are not tested.

    Examples
    --------
    >>> from sim.inputs.scenario import Scenario, Flow, RunSettings
    >>> from sim.runs.runner import run
    >>> s = Scenario(name="demo", year=2025,
    ...              demand=[Flow(origin="Tashkent", destination="Alat", per_week=20)],
    ...              run=RunSettings(horizon_days=60, warmup_days=10, replications=1))
    >>> sat = saturation(run(s))
    >>> bool(sat), sat.sentences()[0].startswith("demo: no sign of saturation")
    (False, True)
    """
    specs: Mapping[str, Any] = results.specs
    warm = {name: spec.warmup_h for name, spec in specs.items()}
    horizon = {name: spec.horizon_h for name, spec in specs.items()}
    queues = results.queues
    trends = queue_trends(
        queues[queues["scenario"].isin(list(specs))] if not queues.empty else queues,
        warmup_h=warm,
        horizon_h=horizon,
        throughput=results.facilities,
        alpha=alpha,
        min_excess=min_excess,
        tail=tail,
        blocks=blocks,
    )
    # the flows whose units (released after the warm-up) took a route through each queue
    ships = results.shipments
    pairs = ships.loc[~ships["in_warmup"], ["scenario", "plan", "flow"]].drop_duplicates()
    used: dict[tuple[str, Any], set[str]] = {}
    for key_s, key_p, label in zip(
        pairs["scenario"].astype(str), pairs["plan"], pairs["flow"].astype(str), strict=True
    ):
        used.setdefault((key_s, key_p), set()).add(label)
    passing: dict[str, dict[str, set[str]]] = {}
    for name, spec in specs.items():
        passing[name] = {
            fac: set().union(*(used.get((name, p), ()) for p in plans))
            for fac, plans in facility_plans(spec).items()
        }
    trends["flows"] = [
        ", ".join(sorted(passing[s].get(f, ())))
        for s, f in zip(trends["scenario"], trends["facility"], strict=True)
    ]
    closures = getattr(results, "closures", None)
    trends["closed_share"] = [
        closed_share(closures, r["scenario"], r["facility"], r["window_start_h"], r["window_end_h"])
        if closures is not None and not closures.empty
        else 0.0
        for r in trends.to_dict("records")
    ]
    flows = flow_delivery(results.shipments, min_share=min_share)
    growing_by_flow: dict[tuple[str, str], list[str]] = {}
    for s, fac in zip(
        *(trends.loc[trends["growing"].astype(bool), c] for c in ("scenario", "facility")),
        strict=True,
    ):
        for label in sorted(passing[s].get(fac, ())):
            growing_by_flow.setdefault((s, label), []).append(fac)
    flows["growing_queues"] = [
        ", ".join(growing_by_flow.get((s, f), []))
        for s, f in zip(flows["scenario"], flows["flow"], strict=True)
    ]
    flows["saturated"] = flows["short"] | (flows["growing_queues"] != "")
    return Saturation(
        queues=trends,
        flows=flows,
        min_share=min_share,
        alpha=alpha,
        min_excess=min_excess,
        tail=tail,
    )
