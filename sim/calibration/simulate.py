"""One simulated corridor for calibration: a scenario with its uncertain parameters set, run
once on a given seed, reduced to the figures calibration compares.

A :class:`Simulator` is a picklable callable, so worker processes and Dask workers run it
as they are; it returns a flat dict: each observation's model figure by ``obs_id``
(:func:`sim.calibration.fit.summaries`) and each of the scenario's flows' median and 90th
percentile transit in days (``p50_d:<flow>``, ``p90_d:<flow>``: the headline figures whose
sensitivity calibration reports; they are never fitted).

Examples
--------
>>> import sim
>>> from sim.inputs.scenario import Flow, RunSettings, Scenario
>>> from sim.inputs.scenario import RouteChoice
>>> s = Scenario(name="t", network="tests/fixtures/tiny_operations",
...     demand=[Flow(origin="Alpha", destination="Foxtrot", per_week=20,
...                  route=RouteChoice(by="co2"))],
...     run=RunSettings(horizon_days=60, warmup_days=5))
>>> out = Simulator(s)({"frictions.mean_h@fixture-assume": 0.9}, seed=1)
>>> sorted(k for k in out if k.startswith("p50"))
['p50_d:Alpha→Foxtrot (teu)']
>>> out["wait-bc"] > 0
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import network
from sim.calibration.fit import summaries
from sim.inputs.compile import load_base_network
from sim.inputs.scenario import Scenario
from sim.runs.runner import run_many

#: prefixes of the headline figures in a simulator's output
HEADLINES = ("p50_d", "p90_d")
#: the key of the output of a parameter draw the network's checks refuse
INVALID = "invalid_draw"


@dataclass(frozen=True)
class Simulator:
    """Run ``scenario`` once with given parameters and seed; see the module docstring.

    Overloads are simulated, not refused: a parameter draw that saturates the corridor is
    what calibration must see (its queues and waits then fit badly). A draw whose values the
    network's checks refuse together (e.g. more storm hours than a month has, when the highest
    closure count meets the longest closures) is not simulated: its output is ``{INVALID: 1}``,
    which the distance rejects, so the prior is in effect truncated to what the data allows.
    """

    scenario: Scenario
    base_dir: str | None = None

    def __call__(self, values: Mapping[str, float], seed: int) -> dict[str, float]:
        s = self.scenario.with_parameters(values).with_run(seed=int(seed), replications=1)
        base = Path(self.base_dir) if self.base_dir else None
        try:
            res = run_many(s, 1, base_dir=base, allow_overload=True, posterior=None)
        except network.DataError:
            return {INVALID: 1.0}
        out = summaries(res, load_base_network(s, base))
        ships = res.shipments
        ships = ships[~ships["in_warmup"] & ships["delivered"]]
        transit = ships.groupby("flow", observed=True)["transit_h"]
        for flow in s.demand:
            days = (
                transit.get_group(flow.label).to_numpy() / 24.0
                if flow.label in (transit.groups)
                else np.array([])
            )
            for name, q in zip(HEADLINES, (50, 90), strict=True):
                out[f"{name}:{flow.label}"] = (
                    float(np.percentile(days, q)) if len(days) else math.nan
                )
        return out


__all__ = ["HEADLINES", "INVALID", "Simulator"]
