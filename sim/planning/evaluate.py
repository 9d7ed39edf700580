"""Simulate scenarios on common random numbers, each replication saved as it finishes.

Every scenario a plan simulates (a year, or a year with levers added) runs replications
``0 .. n-1`` on the same seed; with a posterior, replication ``r`` of every one draws the same
parameters (:meth:`~sim.inputs.posterior.Posterior.draw` on the seed and ``r``). Differences
between candidates are then paired, as in :func:`sim.runs.runner.compare`.

A job (one scenario, one replication) is keyed by the digest of the scenario it runs, the
parameters drawn included, and the replication (:func:`job_key`); its KPIs per flow
(:func:`sim.runs.sweep.run_job`) are saved in ``runs/<key>.parquet`` of the plan's folder (an
:class:`~sim.runs.outdir.OwnedFolder`) at once, so a rerun of the same plan skips what is done
and a plan stopped half way resumes.

Examples
--------
>>> from sim.inputs.scenario import Flow, Scenario
>>> s = Scenario(name="a", demand=[Flow(origin="x", destination="y", per_week=1)])
>>> job_key(s, 0) == job_key(s, 0), job_key(s, 0) == job_key(s, 1)
(True, False)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from sim.inputs.compile import compile_scenario
from sim.inputs.posterior import Posterior
from sim.inputs.scenario import Scenario
from sim.runs import outdir
from sim.runs.executors import Executor, SequentialExecutor
from sim.runs.sweep import run_job

__all__ = ["drawn", "evaluate", "job_key"]


def drawn(scenario: Scenario, replication: int, posterior: Posterior | None) -> Scenario:
    """The scenario replication ``replication`` runs: with the posterior's draw for it."""
    if posterior is None:
        return scenario
    return scenario.with_parameters(posterior.draw(scenario.run.seed, replication))


def job_key(scenario: Scenario, replication: int) -> str:
    """The file name (without ``.parquet``) of one replication of ``scenario``: its digest
    without the number of replications (a plan rerun with more replications reuses the ones it
    has) and the replication."""
    text = f"{scenario.with_run(replications=1).digest()}:{replication}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _writer(frame: pd.DataFrame) -> Callable[[Path], Any]:
    def write(path: Path) -> None:
        frame.to_parquet(path, index=False)

    return write


def evaluate(
    scenarios: Mapping[str, Scenario],
    replications: int,
    folder: outdir.OwnedFolder,
    *,
    posterior: Posterior | None = None,
    executor: Executor | None = None,
    base_dir: Path | None = None,
    on_job: Callable[[], Any] | None = None,
) -> pd.DataFrame:
    """KPIs per flow and replication of every scenario (column ``key``: its key in
    ``scenarios``), running the jobs not yet saved in ``folder``.

    Returns the rows of every replication, per flow and for all flows together (``flow ==
    "(all)"``), as :func:`sim.runs.sweep.run_job` gives them.
    """
    executor = executor or SequentialExecutor()
    wanted: list[tuple[str, str, int]] = []
    todo: list[tuple[str, Scenario, int]] = []
    for key, s in scenarios.items():
        for r in range(replications):
            d = drawn(s, r, posterior)
            k = job_key(d, r)
            wanted.append((k, key, r))
            rel = f"runs/{k}.parquet"
            done = rel in folder.files and (folder.path / rel).is_file()
            if not done and all(t[0] != k for t in todo):
                todo.append((k, d, r))
    specs: dict[str, Any] = {}
    jobs = []
    for _, d, r in todo:
        digest = d.digest()
        if digest not in specs:
            specs[digest] = compile_scenario(d, base_dir)
        jobs.append((specs[digest], r))
    # the longest first (most units released an hour: a plan's last years), so that the
    # workers do not end on one long job while the others idle
    order = sorted(range(len(jobs)), key=lambda i: -sum(f.per_hour for f in jobs[i][0].flows))
    results = executor.run(run_job, [jobs[i] for i in order])
    try:
        for j, frame in results:
            k = todo[order[j]][0]
            folder.add(f"runs/{k}.parquet", _writer(frame))
            if on_job is not None:
                on_job()
            outdir.test_pause("simulate")
    except BaseException:
        getattr(results, "close", lambda: None)()
        raise
    frames = []
    for k, key, r in wanted:
        f = pd.read_parquet(folder.path / f"runs/{k}.parquet")
        frames.append(f.assign(key=key, replication=r))
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)
