"""Parameter sweeps: a grid of scenario changes x replications, resumable, on any executor.

A sweep file (TOML) names a base scenario and the parameters to vary::

    name = "ferry-fleet"
    scenario = "../baseline_2025.toml"      # relative to the sweep file, or a shipped name
    replications = 3                        # default: the scenario's
    horizon_days = 120                      # optional run settings: horizon_days,
    warmup_days = 20                        #   warmup_days, seed
    metrics = ["mean_transit_d", "p95_transit_d", "mean_ferry_h"]
    response = "mean_transit_d"             # plotted; default the first metric
    response_flow = "(all)"                 # a flow label, or "(all)" for every flow together

    [[parameter]]
    path = "overrides.ferries.turkmenbashi-alat.vessels"
    values = [4, 7, 10]

    [[parameter]]
    path = "overrides.ferries.turkmenbashi-alat.policy"
    values = ["when_full", "timetable"]

A ``path`` is a dotted key path into the scenario (list items by number, ``demand.0.per_week``);
``values`` may be tables (``[{kind = "border", handling_factor = 0.5}]``) when ``labels`` name
them for the table and plot. Each grid point is the base scenario with those keys set, validated
like a scenario file (every problem of every point listed in one :class:`ScenarioError`) and
compiled once. Jobs are points x replications. Each finished job is saved at once in
``DIR/runs/<hash>.parquet`` (written to a temporary name, listed in ``DIR/manifest.json``, then
renamed), the hash covering the point's scenario digest and the replication, so a rerun skips
what is done. The tidy table ``DIR/sweep.parquet`` (point parameters + replication + KPIs per flow
and for all flows) and the plot ``DIR/response.png`` are assembled from those files.

The folder follows the rules of :mod:`sim.runs.outdir`: its manifest names the tool, the sweep file
(path, SHA-256 of its bytes) and the sweep's :meth:`Sweep.digest`, and lists every file. A rerun
resumes only in the folder of the *same sweep*: the same grid points with the same scenarios
(every parameter's path, values and labels, and the base scenario after ``extends`` with the
sweep's horizon, warm-up and seed), whatever the file's name, place or comments, its replications
(more are added, fewer reuse what is there), metrics or response. Any other output of the tool
is replaced only with ``overwrite``; a folder with anything else in it is refused.

A sweep file is read like a scenario file (:func:`sim.inputs.scenario_io.read_toml`: size, depth,
UTF-8) and is as strict: every number finite and bounded, at most :data:`MAX_POINTS` grid points
and :data:`MAX_RUNS` runs (points x replications), a ``path`` that misses the scenario named
with its parameter, a missing or broken base scenario named by the sweep's ``scenario`` key.

Examples
--------
>>> points = grid([Parameter("a", (1, 2)), Parameter("b", ("x", "y"))])
>>> [p for p in points][:2]
[{'a': 1, 'b': 'x'}, {'a': 1, 'b': 'y'}]
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.analysis.metrics import kpis, shipments_frame, split_background
from sim.engine.model import ModelSpec
from sim.engine.records import CAUSES
from sim.engine.world import World
from sim.inputs.capacity import check_capacity, overload_problems
from sim.inputs.compile import compile_scenario, load_base_network
from sim.inputs.limits import (
    MAX_HORIZON_DAYS,
    MAX_PARAMETERS,
    MAX_POINTS,
    MAX_REPLICATIONS,
    MAX_RUNS,
    MAX_SEED,
    MAX_VALUES,
)
from sim.inputs.scenario import Scenario
from sim.inputs.scenario_io import (
    ScenarioError,
    did_you_mean,
    display_path,
    format_loc,
    given_paths,
    load_scenario,
    located,
    network_problems,
    problem_text,
    read_toml,
    referenced_file,
)
from sim.runs import outdir
from sim.runs.executors import Executor, SequentialExecutor

__all__ = [
    "ALL_FLOWS",
    "MAX_POINTS",
    "MAX_RUNS",
    "METRICS",
    "Parameter",
    "Sweep",
    "SweepResult",
    "grid",
    "load_sweep",
    "open_folder",
    "plot_response",
    "run_job",
    "run_sweep",
]

ALL_FLOWS = "(all)"
#: the columns of :func:`sim.analysis.metrics.kpis` a sweep may keep and plot
METRICS = (
    "mean_transit_d",
    "median_transit_d",
    "p90_transit_d",
    "p95_transit_d",
    "delivered",
    "on_time",
    "cost_usd_per_unit",
    "co2_kg_per_unit",
    "mean_running_h",
    *(f"mean_{c}_h" for c in CAUSES),
    "released",
    "in_transit",
    "delivered_share",
)


# -- the sweep file ---------------------------------------------------------------------------

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class _ParameterFile(BaseModel):
    model_config = _STRICT
    path: str = Field(min_length=1, max_length=500)
    values: list[Any] = Field(min_length=1, max_length=MAX_VALUES)
    labels: list[str] | None = Field(None, max_length=MAX_VALUES)
    name: str | None = Field(None, max_length=200)


class _SweepFile(BaseModel):
    model_config = _STRICT
    name: str | None = Field(None, max_length=200)
    scenario: str = Field(min_length=1)
    replications: int | None = Field(None, ge=1, le=MAX_REPLICATIONS)
    horizon_days: float | None = Field(None, gt=0, le=MAX_HORIZON_DAYS)
    warmup_days: float | None = Field(None, ge=0, le=MAX_HORIZON_DAYS)
    seed: int | None = Field(None, ge=0, le=MAX_SEED)
    metrics: list[str] = Field(default_factory=list, max_length=len(METRICS))
    response: str | None = None
    response_flow: str = ALL_FLOWS
    parameter: list[_ParameterFile] = Field(min_length=1, max_length=MAX_PARAMETERS)


def _sweep_problem(error: Any) -> str:
    """Like a scenario problem, but unknown keys are matched against the sweep file's keys."""
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        model = _ParameterFile if loc[0] == "parameter" else _SweepFile
        fields = list(model.model_fields)
        hint = did_you_mean(str(loc[-1]), fields) or f" (allowed: {', '.join(fields)})"
        return f"unknown key{hint}"
    return problem_text(error)


@dataclass(frozen=True)
class Parameter:
    """One swept key: its dotted ``path`` into the scenario, its values and their labels."""

    path: str
    values: tuple[Any, ...]
    labels: tuple[Any, ...] = ()
    name: str = ""

    @property
    def column(self) -> str:
        return self.name or self.path.rsplit(".", 1)[-1]

    def label(self, i: int) -> Any:
        return self.labels[i] if self.labels else self.values[i]


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: the base scenario, the parameters and the points' compiled models."""

    name: str
    file: Path
    base: Scenario
    parameters: tuple[Parameter, ...]
    replications: int
    metrics: tuple[str, ...]
    response: str
    response_flow: str
    points: tuple[dict[str, Any], ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    specs: tuple[ModelSpec, ...] = field(default=(), repr=False)
    #: the folder the scenarios' relative paths (their network) start from
    base_dir: Path | None = None

    def jobs(self) -> list[tuple[int, int]]:
        """``(point index, replication)`` of every job."""
        return [(p, r) for p in range(len(self.points)) for r in range(self.replications)]

    def digest(self) -> str:
        """What makes two sweeps the same for resuming: every grid point (labels) with the
        digest of its scenario, and the code and network data the scenarios run on
        (:func:`~sim.runs.provenance.model_digest`).

        >>> s = Sweep("a", Path("a.toml"), None, (), 1, (), "", "")  # type: ignore[arg-type]
        >>> len(s.digest())
        16
        """
        from sim.runs.provenance import model_digest

        folders = {load_base_network(s, self.base_dir).path for s in self.scenarios}
        payload = json.dumps(
            [
                [[p, s.digest()] for p, s in zip(self.points, self.scenarios, strict=True)],
                sorted(model_digest(None if f is None else str(f)) for f in folders),
            ],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def job_key(self, point: int, replication: int) -> str:
        """A stable name for one job's result file."""
        payload = json.dumps(
            [self.points[point], replication, self.scenarios[point].digest()],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:20]


def grid(parameters: Sequence[Parameter]) -> list[dict[str, Any]]:
    """Every combination of the parameters' labels (the first parameter varies slowest)."""
    columns = [p.column for p in parameters]
    ranges = [range(len(p.values)) for p in parameters]
    return [
        {c: p.label(i) for c, p, i in zip(columns, parameters, idx, strict=True)}
        for idx in itertools.product(*ranges)
    ]


class _PathError(ValueError):
    """A sweep ``path`` that does not lead to a key of the scenario."""


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b.0.c`` in nested dicts/lists, creating tables on the way.

    Raises
    ------
    _PathError
        Saying where the path leaves the scenario's tables and arrays.

    Examples
    --------
    >>> d = {"demand": [{"per_week": 1}]}
    >>> _set_path(d, "demand.0.per_week", 2); d
    {'demand': [{'per_week': 2}]}
    >>> try:
    ...     _set_path(d, "demand.x", 2)
    ... except _PathError as exc:
    ...     print(exc)
    'demand' is an array: 'x' is not an item number (0, 1, ...)
    """
    parts = path.split(".")
    if any(not part for part in parts):
        raise _PathError("a key is empty (two dots in a row, or a dot at an end)")
    node: Any = data
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        here = ".".join(parts[:n]) or "(top level)"
        if isinstance(node, list):
            if not part.isdigit():
                raise _PathError(
                    f"{here!r} is an array: {part!r} is not an item number (0, 1, ...)"
                )
            i = int(part)
            if i >= len(node):
                raise _PathError(
                    f"{here!r} has {len(node)} item(s) (0 to {len(node) - 1}): no item {i}"
                )
            if last:
                node[i] = copy.deepcopy(value)
            else:
                node = node[i]
        elif isinstance(node, dict):
            if last:
                node[part] = copy.deepcopy(value)
            else:
                node = node.setdefault(part, {})
        else:
            raise _PathError(f"{here!r} is a value ({node!r}), not a table: it has no key {part!r}")


def load_sweep(
    path: str | os.PathLike[str],
    *,
    replications: int | None = None,
    horizon_days: float | None = None,
    check_network: bool = True,
    allow_overload: bool = False,
) -> Sweep:
    """Read and validate a sweep file and compile every grid point.

    Raises
    ------
    ScenarioError
        Listing every problem of the sweep file, of its base scenario and of every grid point
        (as ``file: point {...}: key.path: message``), and every facility a point overloads
        (the capacity check, unless ``allow_overload`` or the point's ``run.overload_reason``);
        nothing is run or written.
    """
    file = Path(path).resolve()
    with given_paths((file, os.fspath(path))):
        return _load_sweep(file, replications, horizon_days, check_network, allow_overload)


def _load_sweep(
    file: Path,
    replications: int | None,
    horizon_days: float | None,
    check_network: bool,
    allow_overload: bool,
) -> Sweep:
    where = display_path(file)
    raw = read_toml(file, "sweep file")
    try:
        sf = _SweepFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(
            f"{where}: {format_loc(tuple(e['loc']))}: {_sweep_problem(e)}" for e in exc.errors()
        ) from None

    problems: list[str] = []
    parameters = []
    for i, pf in enumerate(sf.parameter):
        if pf.labels is not None and len(pf.labels) != len(pf.values):
            problems.append(
                f"{where}: parameter[{i}].labels: "
                f"{len(pf.labels)} labels for {len(pf.values)} values"
            )
        if pf.labels is None and any(isinstance(v, dict | list) for v in pf.values):
            problems.append(
                f"{where}: parameter[{i}].labels: values that are tables or arrays need labels"
            )
        parameters.append(
            Parameter(pf.path, tuple(pf.values), tuple(pf.labels or ()), pf.name or "")
        )
    for name in [*sf.metrics, *([sf.response] if sf.response else [])]:
        if name not in METRICS:
            problems.append(
                f"{where}: metrics: unknown metric {name!r} (known: {', '.join(METRICS)})"
            )
    columns = [p.column for p in parameters]
    if len(set(columns)) != len(columns):
        problems.append(f"{where}: parameter: column names {columns} repeat; give each a `name`")
    if replications is not None and not 1 <= replications <= MAX_REPLICATIONS:
        problems.append(f"--replications: {replications} is not between 1 and {MAX_REPLICATIONS:,}")
    n_points = math.prod(len(p.values) for p in parameters)
    if n_points > MAX_POINTS:
        sizes = " x ".join(str(len(p.values)) for p in parameters)
        problems.append(
            f"{where}: parameter: {sizes} = {n_points:,} grid points, more than the limit of "
            f"{MAX_POINTS:,}; sweep fewer values or split the sweep"
        )
    if problems:
        raise ScenarioError(problems)

    base_file = referenced_file(file, sf.scenario)  # or a shipped scenario by name
    if not base_file.is_file():
        what = "is a folder, not a scenario file" if base_file.is_dir() else "file not found"
        raise ScenarioError(
            [f"{where}: scenario: {what}: {sf.scenario!r} ({display_path(base_file)})"]
        )
    try:
        # named as the other files of the sweep's messages, relative to the working directory
        with given_paths((base_file, display_path(base_file))):
            base = load_scenario(base_file, check_network=check_network)
    except ScenarioError as exc:
        raise ScenarioError([f"{where}: scenario: {p}" for p in exc.problems]) from None
    run_changes: dict[str, Any] = {
        k: v for k, v in {"warmup_days": sf.warmup_days, "seed": sf.seed}.items() if v is not None
    }
    horizon = horizon_days if horizon_days is not None else sf.horizon_days
    if horizon is not None:
        run_changes["horizon_days"] = horizon
    # only what the scenario set: a default stays a default (Scenario.with_run)
    base_data = base.model_dump(mode="json", exclude_unset=True)
    base_data.setdefault("run", {}).update(run_changes)
    n_reps = replications or sf.replications or base.run.replications
    if n_points * n_reps > MAX_RUNS:
        raise ScenarioError(
            [
                f"{where}: replications: {n_points:,} grid points x {n_reps:,} replications = "
                f"{n_points * n_reps:,} runs, more than the limit of {MAX_RUNS:,}; sweep fewer "
                "points or replications"
            ]
        )

    points = grid(parameters)
    scenarios: list[Scenario] = []
    path_problems: dict[str, None] = {}  # each bad path once, not once per point
    for idx in itertools.product(*[range(len(p.values)) for p in parameters]):
        data = copy.deepcopy(base_data)
        label = ", ".join(
            f"{p.column}={p.label(i)!r}" for p, i in zip(parameters, idx, strict=True)
        )
        missed = False
        for n, (p, i) in enumerate(zip(parameters, idx, strict=True)):
            try:
                _set_path(data, p.path, p.values[i])
            except _PathError as exc:
                path_problems[f"{where}: parameter[{n}].path: {p.path!r}: {exc}"] = None
                missed = True
        if missed:
            continue
        try:
            scenarios.append(Scenario.model_validate(data))
        except ValidationError as exc:
            problems += [
                f"{where}: point {{{label}}}: {located(tuple(e['loc']), problem_text(e))}"
                for e in exc.errors()
            ]
        else:
            if check_network:
                problems += [
                    f"{where}: point {{{label}}}: {msg.split(': ', 1)[1]}"
                    for msg in network_problems(data, {}, base_file)
                ]
    problems = [*path_problems, *problems]
    metrics = tuple(sf.metrics)
    asked = [*sf.metrics, *([sf.response] if sf.response else [])]
    if "on_time" in asked and not any(f.target_days for s in scenarios for f in s.demand):
        problems.append(
            f"{where}: metrics: 'on_time' is undefined here: no flow of the sweep has a "
            "target_days; set one in the scenario or drop the metric"
        )
    if problems:
        raise ScenarioError(problems)
    specs = tuple(compile_scenario(s, base_file.parent) for s in scenarios)
    if not allow_overload:
        for point, s, spec in zip(points, scenarios, specs, strict=True):
            if not s.run.overload_reason.strip():
                label = ", ".join(f"{c}={v!r}" for c, v in point.items())
                problems += overload_problems(
                    check_capacity(spec),
                    f"{where}: point {{{label}}}",
                    "run anyway with --allow-overload, or say why in the scenario's "
                    "[run] overload_reason",
                )
    if problems:
        raise ScenarioError(problems)
    return Sweep(
        name=sf.name or file.stem,
        file=file,
        base=base,
        parameters=tuple(parameters),
        replications=n_reps,
        metrics=metrics,
        response=sf.response or (metrics[0] if metrics else "mean_transit_d"),
        response_flow=sf.response_flow,
        points=tuple(points),
        scenarios=tuple(scenarios),
        specs=specs,
        base_dir=base_file.parent,
    )


# -- running ------------------------------------------------------------------------------------
def run_job(spec: ModelSpec, replication: int) -> pd.DataFrame:
    """One replication's KPIs, per flow and for all flows together (row ``flow == "(all)"``).

    A top-level function so that worker processes and Dask can import it. It builds only the
    shipments table (the KPIs need no other), and returns the small KPI table: a few kilobytes
    to send back, whatever the size of the run.
    """
    record = World(spec, replication).run()
    ships, _ = split_background(shipments_frame(record, spec.name), spec)
    per_flow = kpis(ships, by=("replication", "flow"))
    per_flow["flow"] = per_flow["flow"].astype(str)
    together = kpis(ships.assign(flow=ALL_FLOWS), by=("replication", "flow"))
    return pd.concat([per_flow, together], ignore_index=True)


def _manifest_head(sweep: Sweep) -> dict[str, Any]:
    import sys

    from sim import __version__

    return {
        "kind": "sweep",
        "created": outdir.now(),
        "command": sys.argv,
        "sweep": {
            "name": sweep.name,
            "file": str(sweep.file),
            "file_sha256": hashlib.sha256(sweep.file.read_bytes()).hexdigest()
            if sweep.file.is_file()
            else None,
            "digest": sweep.digest(),
            "points": len(sweep.points),
            "replications": sweep.replications,
            "parameters": [
                {"path": p.path, "column": p.column, "values": list(p.values)}
                for p in sweep.parameters
            ],
        },
        "versions": {"caspian-corridors": __version__},
    }


def open_folder(sweep: Sweep, out_dir: str | os.PathLike[str], *, overwrite: bool = False) -> Any:
    """The sweep's :class:`~sim.runs.outdir.OwnedFolder`: new, resumed (the same sweep), or
    replacing another output of the tool with ``overwrite``; a foreign folder raises
    :class:`~sim.runs.outdir.OutputError`. Nothing runs before this check."""
    digest = sweep.digest()
    return outdir.OwnedFolder.open(
        out_dir,
        _manifest_head(sweep),
        same=outdir.same_digest("sweep", digest),
        overwrite=overwrite,
        describe=f" (not of this sweep: {display_path(sweep.file)}, digest {digest}; a sweep "
        "resumes only into the folder of the same grid points and scenarios)",
    )


@dataclass
class SweepResult:
    """The tidy table, and how many jobs this call ran and skipped."""

    table: pd.DataFrame
    ran: int
    skipped: int
    out_dir: Path


def run_sweep(
    sweep: Sweep,
    out_dir: str | os.PathLike[str],
    *,
    executor: Executor | None = None,
    max_jobs: int | None = None,
    on_job: Callable[[int, int], Any] | None = None,
    progress: bool = True,
    plot: bool = True,
    overwrite: bool = False,
) -> SweepResult:
    """Run the jobs of ``sweep`` not yet saved in ``out_dir``; assemble table and plot.

    Parameters
    ----------
    executor
        Where jobs run (default: in this process).
    max_jobs
        Run at most this many of the missing jobs (then stop; a rerun resumes).
    on_job
        Called with ``(point, replication)`` after each job is saved.
    overwrite
        Replace another output of the tool in ``out_dir`` (not needed to resume this sweep).

    Raises
    ------
    OutputError
        ``out_dir`` is not the tool's own, or holds another output and ``overwrite`` is False;
        checked before any job runs (nothing written).
    """
    from tqdm.auto import tqdm

    folder = open_folder(sweep, out_dir, overwrite=overwrite)
    out = folder.path
    runs = out / "runs"
    executor = executor or SequentialExecutor()
    all_jobs = sweep.jobs()
    todo = [(p, r) for p, r in all_jobs if not (runs / f"{sweep.job_key(p, r)}.parquet").exists()]
    skipped = len(all_jobs) - len(todo)
    if max_jobs is not None:
        todo = todo[:max_jobs]
    ran = 0
    bar = tqdm(
        total=len(all_jobs), initial=skipped, desc=sweep.name, unit="run", disable=not progress
    )
    results = executor.run(run_job, [(sweep.specs[p], r) for p, r in todo])
    try:
        for i, frame in results:
            p, r = todo[i]
            for col, value in reversed(sweep.points[p].items()):
                frame.insert(0, col, value)
            frame.insert(0, "point", p)
            # a reader sees the whole file or none of it; the manifest lists it first
            folder.add(
                f"runs/{sweep.job_key(p, r)}.parquet",
                lambda path, frame=frame: frame.to_parquet(path, index=False),
            )
            ran += 1
            bar.update(1)
            if on_job is not None:
                on_job(p, r)
            outdir.test_pause("simulate")
    except BaseException:
        getattr(results, "close", lambda: None)()  # stop the workers now
        folder.discard()  # a folder made by this call, with nothing in it yet
        raise
    finally:
        bar.close()
    table = assemble(sweep, out)
    if len(table) and table.groupby(["point", "replication"]).ngroups == len(all_jobs):
        folder.add("sweep.parquet", lambda path: table.to_parquet(path, index=False))
        if plot:
            folder.add(
                "response.png",
                lambda path: plot_response(table, sweep).savefig(path, dpi=120, format="png"),
            )
    return SweepResult(table, ran, skipped, out)


def assemble(sweep: Sweep, out_dir: Path) -> pd.DataFrame:
    """The saved jobs of ``sweep`` in ``out_dir`` as one table, by point, replication, flow."""
    frames = []
    for p, r in sweep.jobs():
        f = out_dir / "runs" / f"{sweep.job_key(p, r)}.parquet"
        if f.exists():
            frames.append(pd.read_parquet(f))
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True)
    ids = {"point", "replication", "flow", "released", "delivered", "in_transit", *sweep.points[0]}
    keep = [c for c in table.columns if not sweep.metrics or c in sweep.metrics or c in ids]
    return table[keep].reset_index(drop=True)


def plot_response(table: pd.DataFrame, sweep: Sweep) -> Any:
    """A figure of ``sweep.response`` (mean over replications) against the first parameter,
    one line per combination of the other parameters, for ``sweep.response_flow``."""
    from matplotlib.figure import Figure

    def plain(text: object) -> str:  # user text, never mathtext (see sim.analysis.plots._plain)
        return str(text).replace("$", r"\$")

    first, *others = [p.column for p in sweep.parameters]
    rows = table[table["flow"] == sweep.response_flow]
    fig = Figure(figsize=(6.4, 4.0))
    ax = fig.add_subplot()
    order = {v: i for i, v in enumerate(sweep.parameters[0].labels or sweep.parameters[0].values)}
    groups = rows.groupby(others, sort=False) if others else [((), rows)]
    for key, g in groups:
        mean = g.groupby(first, sort=False)[sweep.response].mean()
        mean = mean.iloc[sorted(range(len(mean)), key=lambda i: order.get(mean.index[i], i))]
        keys = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{c}={v}" for c, v in zip(others, keys, strict=True)) or None
        ax.plot(
            [plain(x) for x in mean.index],
            mean.to_numpy(),
            marker="o",
            label=plain(label) if label else None,
        )
    ax.set_xlabel(plain(first))
    ax.set_ylabel(f"{sweep.response} (mean of {sweep.replications} replications)")
    ax.set_title(plain(f"{sweep.name}: {sweep.response_flow}"))
    if others:
        ax.legend(fontsize="small")
    fig.tight_layout()
    return fig
