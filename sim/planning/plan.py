"""``corridor plan``: the corridor year by year to a horizon, where and when it saturates, and the
cheapest additions that keep every flow's P90 transit under its target.

For every plan year (:mod:`sim.planning.years`: the network of that year, demand grown to it,
the additions announced up to it):

* the **capacity check** of the year's model (:func:`sim.inputs.capacity.check_capacity`, on
  the scenario's point parameters): every facility's utilisation and headroom; a facility
  **saturates** in the first year its unavoidable load reaches its capacity (``rho_low >= 1``)
  and *may* saturate in the first year the load some route choices could bring does
  (``rho_high >= 1``);
* a **simulation** of ``replications`` replications (with the scenario's posterior, or the one
  given, replication ``r`` drawing the same parameters in every year and candidate): each
  flow's P50 and P90 transit with 95 % intervals, its delivered share, and the trade value it
  carries (:mod:`sim.planning.trade`).

Then, for the last year (or ``optimise_year``), the **search** (:mod:`sim.planning.optimise`)
for the cheapest combination of levers (:mod:`sim.planning.levers`) that keeps every P90 under
target, and the **staging** of what it finds over the years (:mod:`sim.planning.staging`: the
least of it each year needs to pass the capacity check). Everything simulated is saved as it
finishes in ``DIR/runs`` (resumable: the same plan run again skips what is done; another plan
in the folder needs ``overwrite``); the tables, figures and report are written when all is
done (:mod:`sim.planning.outputs`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.model import ModelSpec
from sim.inputs.capacity import check_capacity
from sim.inputs.compile import compile_scenario, load_base_network
from sim.inputs.errors import ScenarioError
from sim.inputs.posterior import Posterior
from sim.inputs.scenario import Scenario
from sim.planning.evaluate import evaluate
from sim.planning.levers import Lever, load_levers, plan_levers
from sim.planning.optimise import Search, flow_targets, search, summarise
from sim.planning.staging import stage
from sim.planning.trade import load_commodities, trade_value
from sim.planning.years import year_scenarios
from sim.runs import outdir
from sim.runs.executors import Executor
from sim.runs.provenance import model_digest

__all__ = [
    "PlanResult",
    "open_plan_folder",
    "plan_digest",
    "prepare",
    "run_plan",
    "saturation_years",
]


@dataclass
class Prepared:
    """Everything checked before a plan runs (nothing simulated or written yet)."""

    scenario: Scenario
    years: dict[int, Scenario]
    levers: list[Lever]
    commodities: pd.DataFrame
    capacity: pd.DataFrame
    optimise_year: int | None
    base_dir: Path | None
    source: str
    #: each year's compiled model (the capacity check's, reused for the trade value)
    specs: dict[int, ModelSpec]


@dataclass
class PlanResult:
    """The tables of a plan (also written to its folder).

    ``extra["kpi"]`` holds the KPIs of every year per flow and replication (column ``year``;
    as :func:`sim.runs.sweep.run_job` gives them, ``flow == "(all)"`` for all flows together),
    behind the means and intervals of ``transit``: what each replication, with its own draw of
    the parameters, gave.
    """

    capacity: pd.DataFrame
    saturation: pd.DataFrame
    transit: pd.DataFrame
    trade: pd.DataFrame
    search: Search | None
    out_dir: Path
    ran: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    #: per plan year, the least of the chosen additions that passes the capacity check
    #: (:func:`sim.planning.staging.stage`); empty when the search found none
    staging: pd.DataFrame = field(default_factory=pd.DataFrame)


def prepare(
    scenario: Scenario,
    years: Sequence[int],
    *,
    replications: int | None = None,
    horizon_days: float | None = None,
    warmup_days: float | None = None,
    seed: int | None = None,
    optimise: bool = True,
    optimise_year: int | None = None,
    base_dir: Path | None = None,
    source: str = "",
) -> Prepared:
    """Check a plan: the scenario of every year, the levers and commodities, the optimise year;
    every problem at once in one :class:`~sim.inputs.errors.ScenarioError`."""
    problems: list[str] = []
    run: dict[str, Any] = {}
    if horizon_days is not None:
        run["horizon_days"] = horizon_days
        if warmup_days is None and scenario.run.warmup_days >= horizon_days:
            run["warmup_days"] = horizon_days / 6
    if warmup_days is not None:
        run["warmup_days"] = warmup_days
    if replications is not None:
        run["replications"] = replications
    if seed is not None:
        run["seed"] = seed
    try:
        base = scenario.with_run(**run) if run else scenario
    except ValueError as exc:
        raise ScenarioError([f"{source}: run settings: {exc}"]) from None
    by_year: dict[int, Scenario] = {}
    try:
        by_year = year_scenarios(base, years, source=source, base_dir=base_dir)
    except ScenarioError as exc:
        problems += exc.problems
    if optimise:
        target_year = optimise_year if optimise_year is not None else max(years)
        if target_year not in years:
            problems.append(
                f"--optimise-year: {target_year} is not one of the plan years {list(years)}"
            )
        if not flow_targets(scenario):
            problems.append(
                f"{source}: plan.target_days: no flow has a P90 target (a flow's target_days "
                "or [plan] target_days); the search needs one, or pass --no-optimise"
            )
    else:
        target_year = None
    levers: list[Lever] = []
    commodities = pd.DataFrame()
    net = load_base_network(scenario, base_dir)
    try:
        levers = plan_levers(scenario, load_levers(net), source=source, base_dir=base_dir)
    except ScenarioError as exc:
        problems += exc.problems
    try:
        commodities = load_commodities(net)
    except ScenarioError as exc:
        problems += exc.problems
    if optimise and not levers and not problems:
        problems.append(
            f"{source}: no levers to search: the network folder has no levers.csv rows for "
            "this scenario's lines and nodes ([plan] levers names none); pass --no-optimise"
        )
    if problems:
        raise ScenarioError(problems)
    frames = []
    specs = {y: compile_scenario(s, base_dir) for y, s in by_year.items()}
    for y, spec in specs.items():
        t = check_capacity(spec).table.copy()
        t.insert(0, "year", y)
        frames.append(t)
    capacity = pd.concat(frames, ignore_index=True)
    return Prepared(
        scenario, by_year, levers, commodities, capacity, target_year, base_dir, source, specs
    )


def saturation_years(capacity: pd.DataFrame) -> pd.DataFrame:
    """Per facility with a finite capacity: the first year it saturates (``rho_low >= 1``), may
    saturate (``rho_high >= 1``) and reaches the warning level (``rho_high >= 0.85``), and its
    utilisation in the first and last year; sorted by the year it saturates (never: last).

    >>> cap = pd.DataFrame({"year": [2025, 2026, 2025, 2026], "facility": ["f", "f", "g", "g"],
    ...     "kind": "ferry", "place": "p", "measure": "m", "capacity": 10.0,
    ...     "rho_low": [0.9, 1.1, 0.2, 0.3], "rho_high": [0.95, 1.2, 0.2, 0.3],
    ...     "headroom": [0.5, -2.0, 8.0, 7.0]})
    >>> saturation_years(cap)[["facility", "saturates", "warns"]].values.tolist()
    [['f', 2026, 2025], ['g', <NA>, <NA>]]
    """
    cap = capacity[np.isfinite(capacity["capacity"].to_numpy(dtype=float))]
    rows = []
    for fac, g in cap.groupby("facility", sort=False):
        g = g.sort_values("year")

        def first(mask: pd.Series, g: pd.DataFrame = g) -> Any:
            hit = g.loc[mask, "year"]
            return int(hit.iloc[0]) if len(hit) else pd.NA

        rows.append(
            {
                "facility": fac,
                "kind": g["kind"].iloc[0],
                "place": g["place"].iloc[0],
                "measure": g["measure"].iloc[0],
                "saturates": first(g["rho_low"] >= 1.0),
                "may_saturate": first(g["rho_high"] >= 1.0),
                "warns": first(g["rho_high"] >= 0.85),
                "years_saturated": ";".join(
                    str(int(y)) for y in g.loc[g["rho_low"] >= 1.0, "year"]
                ),
                "first_year": int(g["year"].iloc[0]),
                "rho_low_first": float(g["rho_low"].iloc[0]),
                "rho_high_first": float(g["rho_high"].iloc[0]),
                "last_year": int(g["year"].iloc[-1]),
                "rho_low_last": float(g["rho_low"].iloc[-1]),
                "rho_high_last": float(g["rho_high"].iloc[-1]),
                "headroom_last": float(g["headroom"].iloc[-1]),
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    for col in ("saturates", "may_saturate", "warns"):
        out[col] = out[col].astype("Int64")
    big = 10**6
    order = (
        out.assign(
            _s=out["saturates"].fillna(big),
            _m=out["may_saturate"].fillna(big),
            _w=out["warns"].fillna(big),
        )
        .sort_values(["_s", "_m", "_w", "rho_low_last"], ascending=[True, True, True, False])
        .index
    )
    return out.loc[order].reset_index(drop=True)


def plan_digest(p: Prepared, posterior: Posterior | None) -> str:
    """What makes two plans the same (to resume into a folder): the scenario of every year, the
    posterior (its samples), and the code and network data they run on
    (:func:`~sim.runs.provenance.model_digest`); replications and levers may change on a rerun."""
    net = load_base_network(p.scenario, p.base_dir)
    parts = {
        "years": {str(y): s.with_run(replications=1).digest() for y, s in p.years.items()},
        "model": model_digest(None if net.path is None else str(net.path)),
        "posterior": None
        if posterior is None
        else hashlib.sha256(np.ascontiguousarray(posterior.samples).tobytes()).hexdigest()[:16],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def open_plan_folder(
    p: Prepared,
    posterior: Posterior | None,
    out_dir: str | os.PathLike[str],
    *,
    overwrite: bool = False,
) -> outdir.OwnedFolder:
    """The plan's folder: new, resumed (the same plan) or replacing another output of the tool
    with ``overwrite``; a foreign folder raises :class:`~sim.runs.outdir.OutputError`."""
    from sim import __version__

    digest = plan_digest(p, posterior)
    head = {
        "kind": "plan",
        "created": outdir.now(),
        "command": sys.argv,
        "plan": {
            "scenario": p.scenario.name,
            "digest": digest,
            "years": list(p.years),
            "posterior": posterior.path if posterior is not None else None,
        },
        "versions": {"caspian-corridors": __version__},
    }
    return outdir.OwnedFolder.open(
        out_dir,
        head,
        same=outdir.same_digest("plan", digest),
        overwrite=overwrite,
        describe=f" (not of this plan: {p.scenario.name}, digest {digest}; a plan resumes only "
        "into the folder of the same scenario, years and posterior)",
    )


def _countries_crossed(spec: Any, net: Any) -> dict[str, set[str]]:
    """Flow label -> countries of the nodes on any of its compiled routes."""
    out: dict[str, set[str]] = {}
    for f in spec.flows:
        countries: set[str] = set()
        for i in f.plans:
            for seg in spec.plans[i].segments:
                for node in seg.nodes:
                    if node in net.nodes.index:
                        countries.add(str(net.nodes.at[node, "country"]))
        out[f.label] = countries
    return out


def _trade_rows(
    p: Prepared, year: int, scenario: Scenario, kpi: pd.DataFrame, net: Any, additions: str
) -> list[dict[str, Any]]:
    """The trade value rows of ``year``: each flow's units delivered a year (mean over the
    replications of ``kpi``, scaled from the release window to a year) valued by commodity,
    with the ``additions`` they ran with (``"none"``: the year as announced)."""
    years_released = (scenario.run.horizon_days - scenario.run.warmup_days) / 365.0
    k = kpi[kpi["flow"] != "(all)"]
    means = k.groupby("flow")["delivered"].mean() / years_released
    delivered = {str(f): float(v) for f, v in means.items()}
    crossed = _countries_crossed(p.specs[year], net)
    return [
        {"year": year, "additions": additions, **row}
        for row in trade_value(scenario, net, delivered, p.commodities, crossed)
    ]


def run_plan(
    p: Prepared,
    out_dir: str | os.PathLike[str],
    *,
    posterior: Posterior | None = None,
    executor: Executor | None = None,
    optimise: bool = True,
    batch: int = 4,
    max_evaluations: int = 12,
    overwrite: bool = False,
    figures: bool = True,
    on_job: Callable[[], Any] | None = None,
    note: Callable[[str], Any] | None = None,
) -> PlanResult:
    """Run a prepared plan into ``out_dir`` (see the module docstring)."""
    from sim.planning.outputs import write_outputs

    folder = open_plan_folder(p, posterior, out_dir, overwrite=overwrite)
    reps = next(iter(p.years.values())).run.replications
    try:
        if note is not None:
            note(f"simulating {len(p.years)} years x {reps} replications")
        kpi = evaluate(
            {str(y): s for y, s in p.years.items()},
            reps,
            folder,
            posterior=posterior,
            executor=executor,
            base_dir=p.base_dir,
            on_job=on_job,
        )
        targets = flow_targets(p.scenario)
        transit = summarise(kpi, targets, [f.label for f in p.scenario.demand]).rename(
            columns={"key": "year"}
        )
        transit["year"] = transit["year"].astype(int)
        net = load_base_network(p.scenario, p.base_dir)
        trade_rows = []
        for y, s in p.years.items():
            trade_rows += _trade_rows(p, y, s, kpi[kpi["key"] == str(y)], net, "none")
        found = None
        staged = pd.DataFrame()
        if optimise and p.optimise_year is not None:
            found = search(
                p.years[p.optimise_year],
                p.levers,
                folder,
                replications=reps,
                posterior=posterior,
                executor=executor,
                base_dir=p.base_dir,
                batch=batch,
                max_evaluations=max_evaluations,
                on_job=on_job,
                note=note,
            )
            if found.best is not None:
                # the trade the cheapest additions carry (their routes are the year's)
                y, best = p.optimise_year, found.best
                mine = found.kpi[found.kpi["key"] == best.label]
                trade_rows += _trade_rows(p, y, p.years[y], mine, net, best.label)
                if note is not None:
                    note(f"staging {best.label} over the plan years (capacity check)")
                staged = stage(p, found)
        trade = pd.DataFrame(trade_rows)
    except BaseException:
        folder.discard()
        raise
    result = PlanResult(
        capacity=p.capacity,
        saturation=saturation_years(p.capacity),
        transit=transit,
        trade=trade,
        search=found,
        out_dir=folder.path,
        extra={"kpi": kpi.rename(columns={"key": "year"}).astype({"year": int})},
        staging=staged,
    )
    write_outputs(result, p, folder, posterior=posterior, figures=figures)
    return result
