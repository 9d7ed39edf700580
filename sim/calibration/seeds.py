"""The seeds of a calibration's simulations: each stage (the sensitivity sample, each ABC-SMC
generation) hands its tasks seeds from a ``SeedSequence`` of the calibration's seed and the
stage, so the same seed gives the same simulations however they are spread over workers.

Examples
--------
>>> task_seeds(7, 0, 3) == task_seeds(7, 0, 3), task_seeds(7, 0, 3) == task_seeds(7, 1, 3)
(True, False)
>>> all(0 <= s < MAX_TASK_SEED for s in task_seeds(7, 2, 100))
True
"""

from __future__ import annotations

import numpy as np

#: seeds handed to tasks are below this (what NumPy's legacy global seeding accepts)
MAX_TASK_SEED = 2**31 - 1


def task_seeds(seed: int, stage: int, n: int) -> list[int]:
    """``n`` seeds for the tasks of ``stage`` of the calibration seeded ``seed``."""
    seq = np.random.SeedSequence(int(seed), spawn_key=(int(stage),))
    return [int(s) for s in seq.generate_state(n, dtype=np.uint32) % MAX_TASK_SEED]


__all__ = ["MAX_TASK_SEED", "task_seeds"]
