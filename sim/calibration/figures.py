"""The figures of a calibration: the fit (each observation against the model before and after),
the posterior of each parameter over its prior, and the first-order Sobol indices.

Each function returns a matplotlib Figure drawn in the package style; nothing is shown or saved.

Examples
--------
>>> import numpy as np, pandas as pd
>>> fits = pd.DataFrame({"obs_id": ["a"], "use": ["fit"], "observed": [10.0],
...     "observed_low": [np.nan], "observed_high": [np.nan], "prior_median": [5.0],
...     "prior_low": [2.0], "prior_high": [20.0], "posterior_median": [9.0],
...     "posterior_low": [7.0], "posterior_high": [12.0], "what": ["x"], "metric": ["m"],
...     "grade": ["A"]})
>>> fit_figure(fits).axes[0].get_xscale()
'log'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.calibration.calibrate import Calibration

PRIOR_COLOUR = "#9aa5b1"
POSTERIOR_COLOUR = "#1f4e9c"
OBSERVED_COLOUR = "#b5283b"


def fit_figure(fits: pd.DataFrame) -> Figure:
    """One row per observation: the published figure or range, and the model's median with its
    90 % interval before (prior) and after calibration (posterior), on a log scale."""
    import matplotlib.pyplot as plt

    from sim.analysis.plots import STYLE

    rows = fits.sort_values(["use", "metric", "obs_id"], ascending=[False, True, True])
    n = len(rows)
    with plt.style.context(STYLE):
        fig, ax = plt.subplots(figsize=(9.5, 0.32 * n + 1.6))
        for i, (_, r) in enumerate(rows.iterrows()):
            y = n - 1 - i
            lo, hi = r["observed_low"], r["observed_high"]
            if math.isfinite(lo) and math.isfinite(hi):
                ax.plot(
                    [lo, hi], [y, y], color=OBSERVED_COLOUR, lw=6, alpha=0.35, solid_capstyle="butt"
                )
            if math.isfinite(r["observed"]):
                ax.plot(r["observed"], y, marker="|", ms=14, mew=2.5, color=OBSERVED_COLOUR)
            for label, colour, dy in (
                ("prior", PRIOR_COLOUR, 0.18),
                ("posterior", POSTERIOR_COLOUR, -0.18),
            ):
                m, a, b = r[f"{label}_median"], r[f"{label}_low"], r[f"{label}_high"]
                if math.isfinite(m):
                    ax.plot([a, b], [y + dy, y + dy], color=colour, lw=1.6)
                    ax.plot(m, y + dy, "o", color=colour, ms=4)
        ax.set_yticks(range(n))
        ax.set_yticklabels(
            [f"{r['obs_id']} ({r['use']})" for _, r in rows.iterrows()][::-1], fontsize=7
        )
        ax.set_xscale("log")
        ax.set_xlabel("value in the observation's unit (log scale)")
        ax.set_title(
            "Observations against the model: prior (grey) and calibrated (blue), "
            "median and 90 % interval; published figure in red",
            fontsize=9,
        )
        fig.tight_layout()
    return fig


def posterior_figure(c: Calibration) -> Figure:
    """Each parameter's posterior quantiles (weighted histogram) over its uniform prior."""
    import matplotlib.pyplot as plt

    from sim.analysis.plots import STYLE

    names = list(c.posterior.names)
    cols = 4
    nrows = max(1, math.ceil(len(names) / cols))
    with plt.style.context(STYLE):
        fig, axes = plt.subplots(nrows, cols, figsize=(11, 1.9 * nrows + 0.6), squeeze=False)
        bins = np.linspace(0, 1, 11)
        for k, ax in enumerate(axes.ravel()):
            if k >= len(names):
                ax.set_visible(False)
                continue
            x = c.posterior.samples[:, k]
            ax.hist(
                x,
                bins=bins,
                weights=c.posterior.probabilities,
                color=POSTERIOR_COLOUR,
                alpha=0.8,
                density=True,
            )
            ax.axhline(1.0, color=PRIOR_COLOUR, ls="--", lw=1)
            ax.axvline(0.5, color="#444444", lw=0.8, ls=":")
            ax.set_title(names[k], fontsize=6.5)
            ax.set_xlim(0, 1)
            ax.tick_params(labelsize=6)
        fig.suptitle(
            "Posterior of each parameter as a quantile of its prior range "
            "(dashed: uniform prior; dotted: the data's central value)",
            fontsize=9,
        )
        fig.tight_layout()
    return fig


def sensitivity_figure(sens: pd.DataFrame, outputs: list[str] | None = None) -> Figure:
    """First-order Sobol index of each parameter (rows) for each output (columns), as a grid."""
    import matplotlib.pyplot as plt

    from sim.analysis.plots import STYLE

    if outputs is not None:
        sens = sens[sens["output"].isin(outputs)]
    grid = sens.pivot_table(index="parameter", columns="output", values="S1", aggfunc="first")
    with plt.style.context(STYLE):
        fig, ax = plt.subplots(
            figsize=(0.42 * max(len(grid.columns), 4) + 4.5, 0.3 * max(len(grid), 3) + 2.2)
        )
        if len(grid):
            im = ax.imshow(
                grid.clip(lower=0).to_numpy(float), aspect="auto", cmap="Blues", vmin=0, vmax=1
            )
            ax.set_xticks(range(len(grid.columns)))
            ax.set_xticklabels(grid.columns, rotation=75, ha="right", fontsize=6)
            ax.set_yticks(range(len(grid.index)))
            ax.set_yticklabels(grid.index, fontsize=6)
            fig.colorbar(im, ax=ax, label="first-order Sobol index S1")
        ax.set_title("Which assumption drives which figure (over the prior ranges)", fontsize=9)
        fig.tight_layout()
    return fig


def all_figures(c: Calibration, targets: pd.DataFrame) -> dict[str, Figure]:
    """The calibration's figures by file stem."""
    fit_ids = [str(i) for i in targets.index]
    headline = sorted({o for o in c.sensitivity["output"] if o not in fit_ids})
    return {
        "fit": fit_figure(c.fit_table),
        "posterior": posterior_figure(c),
        "sensitivity_observations": sensitivity_figure(c.sensitivity, fit_ids),
        "sensitivity_transit": sensitivity_figure(c.sensitivity, headline),
    }


__all__ = ["all_figures", "fit_figure", "posterior_figure", "sensitivity_figure"]
