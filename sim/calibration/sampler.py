"""pyabc's mapping sampler with every sampling task seeded from the calibration's seed (see
:mod:`sim.calibration.smc`). Its own module because it imports pyabc, which is slow to import,
and because worker processes unpickle it by reference.

Examples
--------
>>> s = SeededSampler(map, seed=5)
>>> s.seed
5
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from pyabc.sampler import MappingSampler

from sim.calibration.seeds import task_seeds


class SeededSampler(MappingSampler):
    """pyabc's mapping sampler with every task seeded from the calibration's seed."""

    def __init__(self, map_: Any, seed: int) -> None:
        super().__init__(map_=map_, mapper_pickles=False)
        self.seed = int(seed)

    def __getstate__(self) -> Any:
        return (super().__getstate__(), self.seed)

    def __setstate__(self, state: Any) -> None:
        base, self.seed = state
        super().__setstate__(base)

    def map_function(self, simulate_one: Any, task_seed: Any) -> Any:
        import random

        simulate_one = self.unpickle(simulate_one)
        np.random.seed(int(task_seed))  # noqa: NPY002 (pyabc draws from it)
        random.seed(int(task_seed))
        nr_simulations = 0
        sample = self._create_empty_sample()
        while True:
            new_sim = simulate_one()
            nr_simulations += 1
            sample.append(new_sim)
            if new_sim.accepted:
                break
        return sample, nr_simulations

    def sample_until_n_accepted(self, n: int, simulate_one: Any, t: int, **kw: Any) -> Any:
        pickled = self.pickle(simulate_one)
        seeds = task_seeds(self.seed, int(t) + 2, n)  # stage 0 is the sensitivity sample
        fn = functools.partial(self.map_function, pickled)
        counted = list(self.map_(fn, seeds))
        results, evals = zip(*counted, strict=True)
        self.nr_evaluations_ = sum(evals)
        sample = self._create_empty_sample()
        for result in results:
            sample += result
        return sample


__all__ = ["SeededSampler"]
