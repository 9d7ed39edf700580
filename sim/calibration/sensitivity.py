"""Which uncertain parameter matters most: first-order Sobol indices from a prior sample.

The parameters (quantiles of their prior ranges, :mod:`sim.inputs.parameters`) are drawn by
Latin hypercube over ``[0, 1]^k`` (SALib, seeded); each draw is simulated once; for every output
(an observation's model figure, a flow's median or P90 transit) SALib's delta module
(Plischke, Borgonovo & Smith 2013) estimates from that one sample the first-order Sobol index
``S1`` (the share of the output's variance that the parameter alone explains, from the
variance of class means) with a bootstrap confidence interval; its moment-independent
``delta`` is not computed (a kernel density per bootstrap: minutes per output). A sample of
``n`` runs costs ``n``
simulations whatever the number of parameters (a Saltelli design would cost ``n (k + 2)``),
which is what makes a ranking affordable in a quick calibration; with few runs the intervals
are wide and the table says so.

Examples
--------
>>> X = latin_sample(["a", "b"], 64, seed=1)
>>> X.shape, bool((X >= 0).all() and (X <= 1).all())
((64, 2), True)
>>> Y = pd.DataFrame({"y": 10 * X[:, 0] + 0.1 * X[:, 1]})
>>> t = first_order(["a", "b"], X, Y, seed=1)
>>> t.sort_values("S1", ascending=False)["parameter"].iloc[0]
'a'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

#: bootstrap resamples of the delta method's confidence intervals
RESAMPLES = 100
#: fewest runs the delta method's bins work with (SALib refuses smaller samples)
MIN_RUNS = 32


def _problem(names: Sequence[str]) -> dict[str, object]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def latin_sample(names: Sequence[str], n: int, seed: int) -> np.ndarray:
    """``n`` Latin-hypercube draws of the parameters' quantiles, shape ``(n, len(names))``."""
    from SALib.sample import latin

    return np.asarray(latin.sample(_problem(names), n, seed=seed), dtype=float)


def first_order(names: Sequence[str], X: np.ndarray, Y: pd.DataFrame, seed: int) -> pd.DataFrame:
    """First-order Sobol index ``S1`` (with ``S1_conf``, the 95 % half-width) of each parameter
    for each column of ``Y`` (rows matching ``X``); outputs that are constant or have fewer than
    :data:`MIN_RUNS` finite values get no row."""
    import contextlib
    import io
    import warnings

    from SALib.analyze import delta

    rows = []
    for output in Y.columns:
        y = Y[output].to_numpy(dtype=float)
        ok = np.isfinite(y)
        if ok.sum() < MIN_RUNS or np.ptp(y[ok]) == 0:
            continue
        # SALib resets the warning filters and the global warning formatter inside analyze();
        # its notes are recorded here (and dropped) and the formatter is put back
        sink = io.StringIO()
        formatter = warnings.formatwarning
        try:
            with (
                warnings.catch_warnings(record=True),
                contextlib.redirect_stdout(sink),
                contextlib.redirect_stderr(sink),
            ):
                res = delta.analyze(
                    _problem(names),
                    X[ok],
                    y[ok],
                    num_resamples=RESAMPLES,
                    seed=seed,
                    method="sobol",
                )
        finally:
            warnings.formatwarning = formatter
        for i, name in enumerate(names):
            rows.append(
                {
                    "output": output,
                    "parameter": name,
                    "S1": float(res["S1"][i]),
                    "S1_conf": float(res["S1_conf"][i]),
                    "runs": int(ok.sum()),
                }
            )
    return pd.DataFrame(rows, columns=["output", "parameter", "S1", "S1_conf", "runs"])


#: outputs of pure noise behind :func:`noise_floor`, and the quantile of their indices taken
NULL_OUTPUTS = 10
NULL_QUANTILE = 0.95


def noise_floor(names: Sequence[str], runs: int, seed: int) -> float:
    """The first-order index an output that no parameter moves reaches by chance: the
    :data:`NULL_QUANTILE` quantile of ``S1`` over :data:`NULL_OUTPUTS` outputs of independent
    normal noise, estimated like :func:`first_order` from ``runs`` Latin-hypercube draws of
    ``names``. With a few dozen runs the estimator's bias and spread put it near 0.2, so a
    smaller index says nothing about the parameter. It is a floor, not a test: where one
    parameter drives an output strongly, the others' indices are inflated too (the
    estimator's bias with few runs) and can clear it. NaN below :data:`MIN_RUNS` runs.

    Examples
    --------
    >>> names = [f"p{i}" for i in range(4)]
    >>> floor = noise_floor(names, 32, seed=1)
    >>> 0 < floor < 1 and floor == noise_floor(names, 32, seed=1)
    True
    """
    if runs < MIN_RUNS:
        return math.nan
    X = latin_sample(names, runs, seed=seed)
    noise = np.random.default_rng(seed).normal(size=(runs, NULL_OUTPUTS))
    Y = pd.DataFrame(noise, columns=[f"noise-{i}" for i in range(NULL_OUTPUTS)])
    null = first_order(names, X, Y, seed=seed)
    return float(null["S1"].quantile(NULL_QUANTILE))


def with_noise_floor(table: pd.DataFrame, names: Sequence[str], seed: int) -> pd.DataFrame:
    """``table`` (of :func:`first_order`) with a ``noise_floor`` column: :func:`noise_floor`
    for the number of runs of each row."""
    floors = {int(n): noise_floor(names, int(n), seed) for n in table["runs"].unique()}
    return table.assign(noise_floor=table["runs"].map(floors).astype(float))


def dominant(table: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """For each output, its ``top`` parameters by ``S1`` (ties by name); where the table has a
    ``noise_floor`` column, only indices above it."""
    if not len(table):
        return table
    if "noise_floor" in table:
        table = table[table["S1"] > table["noise_floor"]]
    ranked = table.sort_values(["output", "S1", "parameter"], ascending=[True, False, True])
    return ranked.groupby("output", sort=False).head(top).reset_index(drop=True)


__all__ = [
    "MIN_RUNS",
    "NULL_OUTPUTS",
    "NULL_QUANTILE",
    "RESAMPLES",
    "dominant",
    "first_order",
    "latin_sample",
    "noise_floor",
    "with_noise_floor",
]
