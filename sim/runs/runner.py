"""Run scenarios: one replication, many replications, several scenarios on common random numbers.

Examples
--------
>>> from sim.inputs.scenario import Scenario, Flow, RunSettings
>>> s = Scenario(name="demo", year=2025,
...              demand=[Flow(origin="Tashkent", destination="Poti", per_week=30)],
...              run=RunSettings(horizon_days=60, warmup_days=10, replications=2))
>>> res = run_many(s)
>>> sorted(res.shipments["replication"].unique().tolist())
[0, 1]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sim.analysis.metrics import (
    closures_frame,
    facilities_frame,
    kpis,
    passages_frame,
    queues_frame,
    shipments_frame,
    split_background,
    voyages_frame,
)
from sim.analysis.routes import routes_frame
from sim.analysis.saturation import Saturation, saturation
from sim.analysis.shift import ferry_departures_frame
from sim.engine.model import ModelSpec
from sim.engine.world import World
from sim.inputs.capacity import CapacityError, require_capacity
from sim.inputs.compile import compile_scenario
from sim.inputs.posterior import Posterior, load_posterior
from sim.inputs.scenario import Scenario
from sim.runs.executors import ProcessExecutor, SequentialExecutor

TABLES = ("shipments", "facilities", "queues", "closures", "departures", "background")
#: the logbook's tables (:mod:`sim.engine.logbook`), kept for comparison with observations
#: (:mod:`sim.analysis.observations`) and not written with the run's tables
LOGBOOK = ("passages", "voyages")

#: where a run's parameters come from: a posterior to draw each replication's from, the
#: scenario's own (``[calibration] posterior`` when it names one, else its point parameters), or
#: ``None`` for the scenario's point parameters only
PosteriorChoice = Posterior | Literal["scenario"] | None


@dataclass
class Results:
    """Tidy tables of one or more replications of one or more scenarios."""

    shipments: pd.DataFrame
    facilities: pd.DataFrame
    queues: pd.DataFrame
    closures: pd.DataFrame
    #: ferry departures per line, port and replication, by reason (see
    #: :func:`sim.analysis.shift.ferry_departures_frame`)
    departures: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the traffic that shares the corridor (the network's background table): its units, as in
    #: ``shipments``, kept apart so that it never enters the flows' KPIs
    background: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: units arriving at and departing from the nodes the observations name, and vessel
    #: voyages (see :func:`sim.analysis.metrics.passages_frame` and ``voyages_frame``)
    passages: pd.DataFrame = field(default_factory=pd.DataFrame)
    voyages: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: pd.DataFrame | None = None
    specs: dict[str, ModelSpec] = field(default_factory=dict)
    #: what :meth:`kpis` and :meth:`saturation` computed, by call
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def kpis(self, by: Sequence[str] = ("scenario", "replication", "flow")) -> pd.DataFrame:
        """KPIs per group; see :func:`sim.analysis.metrics.kpis`.

        Grouped by scenario and flow (the default), the table also has ``growing_queues``: the
        queues on the flow's routes that are still growing at the end of the horizon in that
        scenario (pooled over its replications, see :func:`saturation`; names joined by
        ``", "``, empty when none), and ``saturated`` is also True for a flow behind one.
        """
        key = ("kpis", tuple(by))
        if key not in self._memo:
            self._memo[key] = self._kpis(tuple(by))
        return self._memo[key].copy()

    def _kpis(self, by: tuple[str, ...]) -> pd.DataFrame:
        table = kpis(self.shipments, by)
        if {"scenario", "flow"} <= set(by) and not table.empty:
            flows = self.saturation().flows
            growing = dict(
                zip(
                    zip(flows["scenario"], flows["flow"], strict=True),
                    flows["growing_queues"],
                    strict=True,
                )
            )
            keys = zip(table["scenario"], table["flow"].astype(str), strict=True)
            table["growing_queues"] = [growing.get(k, "") for k in keys]
            table["saturated"] = table["saturated"] | (table["growing_queues"] != "")
        return table

    def routes(self) -> pd.DataFrame:
        """Every compiled route of every scenario by its stable ``route_id``, with the units it
        carried; see :func:`sim.analysis.routes.routes_frame` (``shipments.route_id`` refers
        to it; :func:`sim.analysis.routes.route_use` lines the routes up across scenarios)."""
        if "routes" not in self._memo:
            self._memo["routes"] = routes_frame(self.specs, self.shipments)
        return self._memo["routes"]

    def saturation(self, **kw: Any) -> Saturation:
        """Queues still growing at the end and flows short of delivery; see
        :func:`sim.analysis.saturation.saturation` (keyword arguments are passed on).

        With the default rules it is computed once (the KPIs, the summary, the report and the
        printed sentences all read it); the tables of a Results are not to be changed."""
        if kw:
            return saturation(self, **kw)
        if "saturation" not in self._memo:
            self._memo["saturation"] = saturation(self)
        result: Saturation = self._memo["saturation"]
        return result

    @classmethod
    def concat(cls, parts: Iterable[Results]) -> Results:
        parts = list(parts)
        events = [p.events for p in parts if p.events is not None]
        specs: dict[str, ModelSpec] = {}
        for p in parts:
            specs.update(p.specs)
        return cls(
            **{
                t: pd.concat([getattr(p, t) for p in parts], ignore_index=True)
                for t in (*TABLES, *LOGBOOK)
            },
            events=pd.concat(events, ignore_index=True) if events else None,
            specs=specs,
        )


def run_spec(
    spec: ModelSpec, replication: int = 0, *, trace: bool = False, name: str | None = None
) -> Results:
    """Run one replication of a compiled model and return its tables."""
    record = World(spec, replication, trace=trace).run()
    label = name or spec.name
    events = None
    if record.events is not None:
        events = record.events.copy()
        events.insert(0, "replication", replication)
        events.insert(0, "scenario", label)
    ships, background = split_background(shipments_frame(record, label), spec)
    return Results(
        shipments=ships,
        background=background,
        facilities=facilities_frame(record, label),
        queues=queues_frame(record, label),
        closures=closures_frame(record, label),
        departures=ferry_departures_frame(record, label),
        passages=passages_frame(record, label),
        voyages=voyages_frame(record, label),
        events=events,
        specs={label: spec},
    )


def run(
    scenario: Scenario,
    replication: int = 0,
    *,
    seed: int | None = None,
    trace: bool = False,
    base_dir: Path | None = None,
    allow_overload: bool = False,
    posterior: PosteriorChoice = "scenario",
) -> Results:
    """Run one replication of ``scenario`` (its seed unless ``seed`` is given).

    The capacity check (:mod:`sim.inputs.capacity`) runs first: a facility overloaded by the demand
    raises :class:`~sim.inputs.capacity.CapacityError` unless ``allow_overload`` is true or the
    scenario says why in ``run.overload_reason``; so do :func:`run_many` and :func:`compare`.
    With a posterior (``posterior``, or the scenario's own by default), the replication's
    uncertain parameters are drawn from it (:meth:`~sim.inputs.posterior.Posterior.draw`).
    """
    if seed is not None:
        scenario = scenario.with_run(seed=seed)
    post = posterior_of(scenario, posterior)
    (spec,) = replication_specs([scenario], [base_dir], [replication], post, allow_overload)[0]
    return run_spec(spec, replication, trace=trace)


@lru_cache(maxsize=8)
def _load_posterior(path: str) -> Posterior:
    return load_posterior(path)


def posterior_of(scenario: Scenario, choice: PosteriorChoice) -> Posterior | None:
    """The posterior a run of ``scenario`` draws its parameters from (None: none)."""
    if isinstance(choice, Posterior) or choice is None:
        return choice
    path = scenario.calibration.posterior
    return _load_posterior(path) if path else None


def replication_specs(
    scenarios: Sequence[Scenario],
    base_dirs: Sequence[Path | None],
    replications: Sequence[int],
    posterior: Posterior | None,
    allow_overload: bool,
) -> list[list[ModelSpec]]:
    """Each scenario's compiled model for each replication, after the capacity check.

    Without a posterior every replication shares one model. With one, replication ``r`` of
    every scenario runs with the parameters drawn for ``r`` on the scenario's seed (the same
    draw in every scenario compared on one seed). Every overload of every scenario and draw is
    reported in one :class:`~sim.inputs.capacity.CapacityError`.
    """
    out: list[list[ModelSpec]] = []
    problems: list[str] = []
    for s, d in zip(scenarios, base_dirs, strict=True):
        specs: list[ModelSpec] = []
        try:
            if posterior is None:
                spec = _checked(s, d, allow_overload)
                specs = [spec] * len(replications)
            else:
                for r in replications:
                    drawn = s.with_parameters(posterior.draw(s.run.seed, r))
                    specs.append(_checked(drawn, d, allow_overload))
        except CapacityError as exc:
            problems += [p for p in exc.problems if p not in problems]
        out.append(specs)
    if problems:
        raise CapacityError(problems)
    return out


def _checked(scenario: Scenario, base_dir: Path | None, allow_overload: bool) -> ModelSpec:
    """The compiled scenario, after the capacity check."""
    spec = compile_scenario(scenario, base_dir)
    require_capacity(
        spec,
        source=f"scenario {scenario.name!r}",
        allow_overload=allow_overload,
        reason=scenario.run.overload_reason.strip(),
    )
    return spec


def run_many(
    scenario: Scenario,
    replications: int | None = None,
    *,
    seed: int | None = None,
    workers: int = 1,
    progress: Callable[[int], Any] | None = None,
    base_dir: Path | None = None,
    allow_overload: bool = False,
    posterior: PosteriorChoice = "scenario",
) -> Results:
    """Run replications ``0 .. n-1`` of ``scenario`` and concatenate their tables.

    Replication ``r`` of a scenario always draws the same random numbers whatever ``workers``
    is, so results do not depend on how the work is spread. With a posterior (``posterior``, or
    the scenario's own by default) each replication draws its parameters from it.
    """
    n = replications if replications is not None else scenario.run.replications
    if seed is not None:
        scenario = scenario.with_run(seed=seed)
    post = posterior_of(scenario, posterior)
    (specs,) = replication_specs([scenario], [base_dir], range(n), post, allow_overload)
    return Results.concat(
        map_specs(list(zip(specs, range(n), strict=True)), workers=workers, progress=progress)
    )


def map_specs(
    jobs: Sequence[tuple[ModelSpec, int]],
    *,
    workers: int = 1,
    progress: Callable[[int], Any] | None = None,
) -> list[Results]:
    """Run (spec, replication) jobs, in local processes when ``workers`` > 1; order kept.

    The one executor layer (:mod:`sim.runs.executors`) runs them, as it runs a sweep's jobs.
    """
    executor = (
        ProcessExecutor(min(workers, os.cpu_count() or 1)) if workers > 1 else SequentialExecutor()
    )
    out: list[Results | None] = [None] * len(jobs)
    for i, res in executor.run(run_spec, list(jobs)):
        out[i] = res
        if progress is not None:
            progress(1)
    return [r for r in out if r is not None]


def compare(
    scenarios: Sequence[Scenario],
    replications: int | None = None,
    *,
    seed: int | None = None,
    workers: int = 1,
    progress: Callable[[int], Any] | None = None,
    base_dirs: Sequence[Path | None] | None = None,
    allow_overload: bool = False,
    posterior: PosteriorChoice = "scenario",
) -> Results:
    """Run several scenarios on the same seed and replication indices (common random numbers).

    The seed is the first scenario's unless ``seed`` is given; every scenario runs
    ``replications`` (default: the first scenario's) so replication ``r`` pairs across them.
    With a posterior (``posterior``, or by default the first scenario's own), replication ``r``
    of every scenario runs with the same parameters drawn from it, so a difference includes
    what is not known about the corridor and is still paired.
    """
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    first = scenarios[0].run
    n = replications if replications is not None else first.replications
    root = seed if seed is not None else first.seed
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ to be compared, got {names}")
    dirs = list(base_dirs) if base_dirs is not None else [None] * len(scenarios)
    seeded = [s.with_run(seed=root) for s in scenarios]
    post = posterior_of(seeded[0], posterior)
    specs = replication_specs(seeded, dirs, range(n), post, allow_overload)
    jobs = [(spec, r) for per in specs for r, spec in enumerate(per)]
    return Results.concat(map_specs(jobs, workers=workers, progress=progress))


__all__ = [
    "LOGBOOK",
    "TABLES",
    "PosteriorChoice",
    "Results",
    "compare",
    "map_specs",
    "posterior_of",
    "replication_specs",
    "run",
    "run_many",
    "run_spec",
]
