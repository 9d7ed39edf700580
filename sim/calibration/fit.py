"""How far a run is from what was observed: the summary statistics and the distance that
calibration minimises.

Only **component-level** observations with ``use = fit`` enter the distance (a ferry wait, a
border dwell, a line's sailings, a port's throughput); ``check`` rows, end-to-end transit times
among them, are computed beside the fit and never fitted.

The distance is a weighted root mean square of per-observation errors on a log scale. For
observation ``i`` with model figure ``m`` and published value ``o`` (or range ``[lo, hi]``):

* inside the published range the error is 0; outside it, or against a single value, it is
  ``log(m / o)`` to the nearest end, with ``m`` floored at :data:`FLOOR` of ``o`` so that a
  model figure of 0 is a large but finite error;
* it is divided by the observation's tolerance ``SIGMA[grade]``, how far (on a log scale) a
  published figure of that grade may lie from what a model of the corridor should reproduce:
  an **assumption** of this module (A: CPMM measurements, 0.15; B: port and operator
  statistics, 0.3; C: traveller reports, 0.6), not a sourced figure;
* a figure the run could not compute (no cargo crossed the line in the window) counts as
  :data:`MISSING` tolerances.

Examples
--------
>>> targets = pd.DataFrame({"observed_value": [10.0, 60.0], "observed_low": [np.nan, 48.0],
...     "observed_high": [np.nan, 72.0], "grade": ["A", "C"]}, index=["a", "b"])
>>> errors({"a": 10.0, "b": 50.0}, targets).tolist()
[0.0, 0.0]
>>> round(float(errors({"a": 20.0, "b": 96.0}, targets)["a"]), 3)  # log(2) / 0.15
4.621
>>> round(distance({"a": 10.0, "b": 144.0}, targets), 3)  # sqrt((0 + (log 2 / 0.6)^2) / 2)
0.817
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import network
    from sim.runs.runner import Results

#: tolerance (log scale) of an observation by grade: an assumption of the calibration (see the
#: module docstring)
SIGMA = {"A": 0.15, "B": 0.3, "C": 0.6}
#: a model figure is floored at this share of the observed value before its log is taken
FLOOR = 0.01
#: error, in tolerances, of a figure the run could not compute
MISSING = 10.0


def targets(net: network.Network, use: str | None = "fit") -> pd.DataFrame:
    """The observations (``use`` rows, or all with None) as the fit reads them, by obs_id:
    ``observed_value``, ``observed_low``, ``observed_high``, ``grade``, ``metric``, ``what``."""
    obs = net.observations
    if use is not None:
        obs = obs[obs["use"] == use]
    low = pd.to_numeric(obs["low"], errors="coerce")
    high = pd.to_numeric(obs["high"], errors="coerce")
    value = pd.to_numeric(obs["value"], errors="coerce")
    mid = value.where(value.notna(), (low + high) / 2)
    return pd.DataFrame(
        {
            "observed_value": mid,
            "observed_low": low,
            "observed_high": high,
            "grade": obs["grade"].astype(str),
            "metric": obs["metric"].astype(str),
            "what": obs["what"].astype(str),
            "use": obs["use"].astype(str),
        },
        index=obs.index,
    )


def summaries(res: Results, net: network.Network, scenario: str | None = None) -> dict[str, float]:
    """Every observation's model figure in a run (NaN where not computed), by obs_id."""
    from sim.analysis.observations import compare

    table = compare(res, net, scenario)
    return {str(k): float(v) for k, v in zip(table["obs_id"], table["model_value"], strict=True)}


def errors(model: Mapping[str, float], fit: pd.DataFrame) -> pd.Series:
    """Each fit observation's error in tolerances (0 inside its published range)."""
    out = {}
    for obs_id, t in fit.iterrows():
        m = float(model.get(str(obs_id), math.nan))
        o, lo, hi = t["observed_value"], t["observed_low"], t["observed_high"]
        sigma = SIGMA.get(str(t["grade"]), SIGMA["C"])
        if not math.isfinite(m):
            out[obs_id] = MISSING
            continue
        if math.isfinite(lo) and math.isfinite(hi):
            if lo <= m <= hi:
                out[obs_id] = 0.0
                continue
            o = lo if m < lo else hi
        if not (math.isfinite(o) and o > 0):
            out[obs_id] = 0.0 if m == o else MISSING
            continue
        m = max(m, FLOOR * o)
        out[obs_id] = abs(math.log(m / o)) / sigma
    return pd.Series(out, dtype=float)


def distance(model: Mapping[str, float], fit: pd.DataFrame) -> float:
    """Root mean square of :func:`errors` over the fit observations; infinite for a parameter
    draw the network's checks refused (:data:`sim.calibration.simulate.INVALID`)."""
    if "invalid_draw" in model:
        return math.inf
    e = errors(model, fit).to_numpy()
    return float(np.sqrt(np.mean(e**2))) if len(e) else 0.0


__all__ = ["FLOOR", "MISSING", "SIGMA", "distance", "errors", "summaries", "targets"]
