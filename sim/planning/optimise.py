"""The cheapest set of levers that keeps every flow's P90 transit under its target, with the
simulator in the loop.

The candidates are every combination of the levers (each ``0 .. max_units`` times), few enough
to enumerate (at most :data:`MAX_CANDIDATES`), taken **in order of annual cost** (ties: fewer
units first). A ranking-and-selection procedure picks among them, with no optimiser package:

1. **Screen** (no simulation): the capacity check (:func:`sim.inputs.capacity.check_capacity`)
   of the candidate's compiled model. A facility whose unavoidable load reaches its capacity
   (``rho_low >= 1``) has a queue that grows for as long as the run lasts, so no P90 target
   holds: the candidate is out, and the table says which facility put it out.
2. **Simulate** the next ``batch`` candidates that pass, all on common random numbers (the
   same seed and replications, and with a posterior the same parameter draw per replication,
   as the scenario without additions; :mod:`sim.planning.evaluate`).
3. A candidate is **feasible** when every flow with a target delivers at least 99 % of its units
   (the P90 of a flow that does not is the P90 of the units that got through) and the mean
   over replications of its P90 transit is at most its target. The answer is the cheapest
   feasible candidate: every cheaper one passed the screen was simulated and missed a target,
   or failed the screen. The search stops at the first batch with a feasible candidate, or
   after ``max_evaluations`` simulated candidates.

The mean P90 is an estimate: the table gives each flow's 95 % interval, and whether every
flow of a feasible candidate is under its target at the interval's upper end too (``sure``;
``unsure_flows`` names those whose interval reaches past it, with the upper end in days); more
replications narrow it.

Examples
--------
>>> from sim.planning.levers import Lever
>>> a = Lever("a", "a", "servers", "n", 1, 2, 30e6, 30e6, 30e6, 0, 30, "s", "s", "")
>>> b = Lever("b", "b", "train_max_wait", "", 24, 1, 0, 0, 0, 1.5e6, 1, "s", "s", "")
>>> [(c.label, c.cost_usd_per_year) for c in enumerate_candidates([a, b])]
... # doctest: +NORMALIZE_WHITESPACE
[('nothing added', 0.0), ('a', 1000000.0), ('b', 1500000.0), ('2 x a', 2000000.0),
 ('a + b', 2500000.0), ('2 x a + b', 3500000.0)]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import network
from sim.analysis.metrics import t_interval
from sim.analysis.saturation import MIN_DELIVERED_SHARE
from sim.inputs.capacity import check_capacity
from sim.inputs.compile import compile_scenario, scenario_network
from sim.inputs.errors import ScenarioError
from sim.inputs.posterior import Posterior
from sim.inputs.scenario import Scenario
from sim.planning.evaluate import evaluate
from sim.planning.levers import Lever, apply_levers, candidate_label, set_cost
from sim.runs import outdir
from sim.runs.executors import Executor

__all__ = [
    "MAX_CANDIDATES",
    "Candidate",
    "Search",
    "enumerate_candidates",
    "flow_targets",
    "pareto_front",
    "screen",
    "search",
    "summarise",
]

#: most combinations of levers a search enumerates
MAX_CANDIDATES = 100_000


@dataclass(frozen=True)
class Candidate:
    """A combination of levers: units of each, its annual cost and its label."""

    counts: tuple[int, ...]
    cost_usd_per_year: float
    label: str


def enumerate_candidates(levers: Sequence[Lever]) -> list[Candidate]:
    """Every combination of ``levers``, cheapest first (ties: fewer units, then label)."""
    sizes = [lv.max_units + 1 for lv in levers]
    total = math.prod(sizes)
    if total > MAX_CANDIDATES:
        raise ScenarioError(
            [
                f"plan levers: {total:,} combinations of {len(levers)} levers (max_units + 1 "
                f"multiplied), more than {MAX_CANDIDATES:,}; name fewer in [plan] levers or "
                "lower their max_units"
            ]
        )
    out = [
        Candidate(c, set_cost(levers, c), candidate_label(levers, c))
        for c in itertools.product(*(range(n) for n in sizes))
    ]
    return sorted(out, key=lambda c: (round(c.cost_usd_per_year, 2), sum(c.counts), c.label))


def flow_targets(scenario: Scenario) -> dict[str, float]:
    """Flow label -> P90 transit target in days: the flow's ``target_days``, else the plan's
    ``target_days``; flows with neither are left out."""
    out = {}
    for f in scenario.demand:
        t = f.target_days if f.target_days is not None else scenario.plan.target_days
        if t is not None:
            out[f.label] = float(t)
    return out


def summarise(
    kpi: pd.DataFrame, targets: Mapping[str, float], flows_of: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per ``key`` and flow: mean P50 and P90 transit with 95 % half-widths over the
    replications, mean delivered share, target, and whether the flow meets it. Only the flows
    ``flows_of`` names, when given (the scenario's own, not the traffic that shares the
    corridor)."""
    rows = []
    flows = kpi[kpi["flow"] != "(all)"]
    if flows_of is not None:
        flows = flows[flows["flow"].isin(list(flows_of))]
    for (key, flow), g in flows.groupby(["key", "flow"], sort=False):
        p50, h50 = t_interval(g["median_transit_d"].to_numpy(dtype=float))
        p90, h90 = t_interval(g["p90_transit_d"].to_numpy(dtype=float))
        share = float(g["delivered_share"].mean())
        target = targets.get(str(flow), math.nan)
        meets = bool(share >= MIN_DELIVERED_SHARE and (math.isnan(target) or p90 <= target))
        rows.append(
            {
                "key": key,
                "flow": flow,
                "replications": len(g),
                "p50_transit_d": p50,
                "p50_halfwidth_d": h50,
                "p90_transit_d": p90,
                "p90_halfwidth_d": h90,
                "delivered_share": share,
                "target_days": target,
                "meets_target": meets,
            }
        )
    return pd.DataFrame(rows)


def _verdict(summary: pd.DataFrame) -> dict[str, Any]:
    """A candidate's worst flow (largest P90 / target among constrained flows)."""
    s = summary[summary["target_days"].notna()]
    if s.empty:
        return {
            "feasible": bool(summary["meets_target"].all()),
            "worst_flow": "",
            "worst_ratio": math.nan,
            "sure": False,
            "unsure_flows": "",
        }
    ratio = s["p90_transit_d"] / s["target_days"]
    undelivered = s["delivered_share"] < MIN_DELIVERED_SHARE
    ratio = ratio.where(~undelivered, np.inf)
    i = ratio.to_numpy().argmax()
    row = s.iloc[i]
    top = s["p90_transit_d"] + s["p90_halfwidth_d"].fillna(np.inf)
    upper = top <= s["target_days"]
    past = s[~upper].assign(top=top[~upper]).sort_values("top", ascending=False)
    return {
        "feasible": bool(s["meets_target"].all()),
        "worst_flow": str(row["flow"]),
        "worst_ratio": float(ratio.iloc[i]),
        "worst_p90_d": float(row["p90_transit_d"]),
        "worst_target_d": float(row["target_days"]),
        "sure": bool(s["meets_target"].all() and upper.all()),
        "unsure_flows": "; ".join(f"{r['flow']} ({r['top']:.1f})" for _, r in past.iterrows()),
    }


@dataclass
class Search:
    """The outcome: every candidate looked at (``table``, cheapest first), the flows of those
    simulated (``flows``), and the cheapest feasible one (``best``, None if none was found)."""

    table: pd.DataFrame
    flows: pd.DataFrame
    best: Candidate | None
    levers: list[Lever]
    year: int
    #: the KPIs of every simulated candidate per flow and replication (column ``key``: the
    #: candidate's label), as :func:`~sim.planning.evaluate.evaluate` gives them
    kpi: pd.DataFrame = field(default_factory=pd.DataFrame)


def pareto_front(table: pd.DataFrame) -> pd.Series:
    """True for simulated candidates no other beats on both annual cost and worst P90 / target.

    >>> t = pd.DataFrame({"cost_usd_per_year": [0, 1, 2, 3], "worst_ratio": [3.0, 1.0, 2.0, 0.5],
    ...                   "simulated": True})
    >>> pareto_front(t).tolist()
    [True, True, False, True]
    """
    sim = table["simulated"].astype(bool).to_numpy()
    cost = table["cost_usd_per_year"].to_numpy(dtype=float)
    ratio = table["worst_ratio"].to_numpy(dtype=float)
    out = np.zeros(len(table), dtype=bool)
    for i in np.flatnonzero(sim):
        better = (
            sim & (cost <= cost[i]) & (ratio <= ratio[i]) & ((cost < cost[i]) | (ratio < ratio[i]))
        )
        out[i] = not better.any()
    return pd.Series(out, index=table.index)


def screen(
    scenario: Scenario,
    levers: Sequence[Lever],
    counts: Sequence[int],
    *,
    base_dir: Path | None = None,
    net: network.Network | None = None,
) -> tuple[Scenario, str]:
    """``scenario`` with the levers added, and what its capacity check finds saturated
    (``"facility (rho 1.23); ..."``, ``rho_low >= 1``; empty: it passes)."""
    s = apply_levers(scenario, levers, counts, base_dir=base_dir, net=net)
    over = check_capacity(compile_scenario(s, base_dir)).overloads
    return s, "; ".join(
        f"{r['facility']} (rho {r['rho_low']:.2f})" for r in over.to_dict("records")
    )


def search(
    scenario: Scenario,
    levers: Sequence[Lever],
    folder: outdir.OwnedFolder,
    *,
    replications: int,
    posterior: Posterior | None = None,
    executor: Executor | None = None,
    base_dir: Path | None = None,
    batch: int = 4,
    max_evaluations: int = 12,
    on_job: Callable[[], Any] | None = None,
    note: Callable[[str], Any] | None = None,
) -> Search:
    """Find the cheapest feasible combination of ``levers`` for ``scenario`` (one year); see
    the module docstring. Simulated replications are saved in ``folder`` (resumable)."""
    levers = list(levers)
    targets = flow_targets(scenario)
    cands = enumerate_candidates(levers)
    rows: list[dict[str, Any]] = []
    flows: list[pd.DataFrame] = []
    kpis: list[pd.DataFrame] = []
    best: Candidate | None = None
    evaluated = 0
    i = 0
    net = scenario_network(scenario, base_dir)  # the figures every candidate adds to
    while i < len(cands) and evaluated < max_evaluations and best is None:
        chosen: list[tuple[Candidate, Scenario, dict[str, Any]]] = []
        while i < len(cands) and len(chosen) < min(batch, max_evaluations - evaluated):
            c = cands[i]
            i += 1
            s, overloaded = screen(scenario, levers, c.counts, base_dir=base_dir, net=net)
            row: dict[str, Any] = {
                "candidate": c.label,
                **{lv.lever_id: k for lv, k in zip(levers, c.counts, strict=True)},
                "cost_usd_per_year": c.cost_usd_per_year,
                "passes_check": not overloaded,
                "overloaded": overloaded,
                "simulated": False,
            }
            if not overloaded:
                chosen.append((c, s, row))
            rows.append(row)
        if not chosen:
            break
        if note is not None:
            note(
                f"simulating {len(chosen)} candidate(s) x {replications} replications: "
                + "; ".join(c.label for c, _, _ in chosen)
            )
        kpi = evaluate(
            {c.label: s for c, s, _ in chosen},
            replications,
            folder,
            posterior=posterior,
            executor=executor,
            base_dir=base_dir,
            on_job=on_job,
        )
        kpis.append(kpi)
        summary = summarise(kpi, targets, [f.label for f in scenario.demand])
        evaluated += len(chosen)
        for c, _, row in chosen:
            mine = summary[summary["key"] == c.label]
            row.update(simulated=True, **_verdict(mine))
            flows.append(mine.rename(columns={"key": "candidate"}))
            if row["feasible"] and best is None:
                best = c  # chosen is in cost order: the first feasible is the cheapest
    table = pd.DataFrame(rows)
    if len(table):
        for col in ("feasible", "sure"):
            if col not in table:
                table[col] = False
            table[col] = table[col].fillna(False).astype(bool)
        for col in ("worst_flow", "unsure_flows"):
            if col not in table:
                table[col] = ""
        for col in ("worst_ratio", "worst_p90_d", "worst_target_d"):
            if col not in table:
                table[col] = math.nan
        table["pareto"] = pareto_front(table.fillna({"worst_ratio": math.inf}))
        table["chosen"] = table["candidate"] == (best.label if best else None)
    flow_table = pd.concat(flows, ignore_index=True) if flows else pd.DataFrame()
    kpi_table = pd.concat(kpis, ignore_index=True) if kpis else pd.DataFrame()
    return Search(table, flow_table, best, levers, scenario.year, kpi_table)
