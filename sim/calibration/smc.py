"""Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC, pyabc) over the
uncertain parameters, seeded and reproducible whatever runs the simulations.

The prior of every parameter is uniform on ``[0, 1]``: a quantile of its prior range in the data
(:mod:`sim.inputs.parameters`), so the prior median is the shipped central value. Each particle
is one simulated corridor (:class:`~sim.calibration.simulate.Simulator`) on its own seed; the
distance is :func:`sim.calibration.fit.distance` over the ``use = fit`` observations; pyabc
shrinks the acceptance threshold generation by generation (median of the last distances) and
moves particles with a multivariate normal kernel.

Reproducibility: pyabc draws proposals from NumPy's global generator inside each sampling
task; :class:`SeededSampler` seeds every task from a ``SeedSequence`` of the calibration's
seed, the generation and the task's index, and collects the tasks in order, so the same seed
gives the same particles sequentially, on local processes or on Dask. A run stores every
generation in pyabc's SQLite database, and :func:`run_abc` with the same database continues
from the last generation stored (resume).

Examples
--------
>>> import pandas as pd
>>> targets = pd.DataFrame({"observed_value": [3.0], "observed_low": [float("nan")],
...     "observed_high": [float("nan")], "grade": ["A"]}, index=["y"])
>>> def toy(values, seed):  # a 'model' whose output is 6 times its parameter
...     return {"y": 6.0 * values["p"]}
>>> import tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "abc.db"
>>> h = run_abc(toy, ["p"], targets, db, population=20, generations=2, seed=7)
>>> h = run_abc(toy, ["p"], targets, db, population=20, generations=4, seed=7)  # resumes
>>> post = posterior_of(h, ["p"])
>>> 0.45 < post.median()["p"] < 0.55
True
>>> post2 = posterior_of(run_abc(toy, ["p"], targets, db.with_name("b.db"), population=20,
...                              generations=4, seed=7), ["p"])  # in one go: the same
>>> bool((post.samples == post2.samples).all())
True
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.fit import distance
from sim.calibration.seeds import MAX_TASK_SEED
from sim.inputs.posterior import Posterior

#: a simulation: parameter quantiles and a seed -> summary statistics by name
Simulate = Callable[[Mapping[str, float], int], Mapping[str, float]]
#: an order-preserving map (``map``, ``ProcessPoolExecutor.map``, a Dask client's map+gather)
MapFn = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]


class _Model:
    """pyabc's model: draws the simulation's seed from the task's (seeded) generator."""

    def __init__(self, simulate: Simulate, names: Sequence[str]) -> None:
        self.simulate = simulate
        self.names = list(names)

    def __call__(self, pars: Mapping[str, float]) -> dict[str, float]:
        # pyabc samples from the global generator, seeded per task by SeededSampler
        seed = int(np.random.randint(0, MAX_TASK_SEED))  # noqa: NPY002
        out = self.simulate({n: float(pars[n]) for n in self.names}, seed)
        return {k: float(v) for k, v in out.items()}


class _Distance:
    def __init__(self, targets: pd.DataFrame) -> None:
        self.targets = targets

    def __call__(self, x: Mapping[str, float], x0: Mapping[str, float]) -> float:
        return distance(x, self.targets)


def run_abc(
    simulate: Simulate,
    names: Sequence[str],
    targets: pd.DataFrame,
    db: Path,
    *,
    population: int,
    generations: int,
    seed: int,
    map_: MapFn = map,
    min_acceptance: float = 0.0,
) -> Any:
    """Run (or continue) ABC-SMC until ``generations`` populations are stored in ``db``.

    Returns pyabc's ``History``. Stops early when a generation's acceptance rate falls below
    ``min_acceptance``.
    """
    import pyabc

    for name in ("ABC", "pyabc", "Epsilon", "Distance", "Acceptor", "Sampler", "History"):
        logging.getLogger(name).setLevel(logging.WARNING)
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", 0.0, 1.0) for n in names})
    from sim.calibration.sampler import SeededSampler

    sampler = SeededSampler(map_, seed)
    abc = pyabc.ABCSMC(
        _Model(simulate, names),
        prior,
        _Distance(targets),
        population_size=population,
        sampler=sampler,
        eps=pyabc.MedianEpsilon(),
    )
    url = "sqlite:///" + os.fspath(Path(db).resolve())
    observed = {str(k): float(v) for k, v in targets["observed_value"].items()}
    if Path(db).exists():
        abc.load(url, 1)
    else:
        abc.new(url, observed)
    history = abc.history
    todo = generations - (history.max_t + 1)
    if todo > 0:
        # pyabc stores each generation in the database as it completes (what a resume reads)
        history = abc.run(max_nr_populations=todo, min_acceptance_rate=min_acceptance)
    return history


def open_history(db: Path) -> Any:
    """pyabc's ``History`` of the calibration stored in ``db``."""
    import pyabc

    return pyabc.History("sqlite:///" + os.fspath(Path(db).resolve()), _id=1)


def posterior_of(history: Any, names: Sequence[str]) -> Posterior:
    """The last generation's particles and weights as a :class:`Posterior`."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    samples = frame[list(names)].to_numpy(dtype=float).clip(0.0, 1.0)
    return Posterior(names=tuple(names), samples=samples, weights=np.asarray(weights, float))


def generations_table(history: Any) -> pd.DataFrame:
    """Per generation: threshold ``epsilon``, simulations, accepted particles."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    return pd.DataFrame(
        {
            "generation": pops["t"].astype(int).to_numpy(),
            "epsilon": pops["epsilon"].astype(float).to_numpy(),
            "simulations": pops["samples"].astype(int).to_numpy(),
            "particles": history.get_nr_particles_per_population()
            .loc[pops["t"]]
            .astype(int)
            .to_numpy(),
        }
    )


def particle_stats(history: Any) -> tuple[np.ndarray, list[dict[str, float]]]:
    """The last generation's weights and each particle's simulated summaries."""
    weights, stats = history.get_weighted_sum_stats(t=history.max_t)
    return np.asarray(weights, float), [dict(s) for s in stats]


__all__ = ["generations_table", "open_history", "particle_stats", "posterior_of", "run_abc"]
