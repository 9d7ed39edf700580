"""``corridor calibrate``: estimate a scenario's uncertain parameters against the published
observations, rank them, and write a calibrated scenario, its posterior and a fit table.

Stages, each saved as it completes so that a rerun into the same folder resumes:

1. **Sensitivity**: a Latin-hypercube sample of the parameters over their prior ranges, each
   draw simulated once (``sensitivity/runs-NNN.parquet``); first-order Sobol indices of every
   observation and headline transit figure (:mod:`sim.calibration.sensitivity`).
2. **ABC-SMC** (:mod:`sim.calibration.smc`): generation by generation into ``abc.db``.
3. **Outputs**: ``posterior.csv`` (what ``run --posterior`` and the calibrated scenario draw
   from), ``parameters.csv`` (each parameter's prior and posterior, as quantiles and as the
   values its rows take), ``fit.csv`` (every observation against the model before and after,
   with 90 % intervals), ``sensitivity.csv``, ``generations.csv``, ``<name>_calibrated.toml``
   (``extends`` the scenario, sets the posterior medians and names the posterior),
   ``figures/*.png`` and ``report.md``.

Every simulation runs the scenario for ``horizon_days`` (``--quick`` shortens it) with its own
seed from the calibration's seed, so the same seed gives the same files, sequentially or on
any number of workers.

Examples
--------
>>> s = Settings.for_scenario(365.0, 30.0, quick=True, seed=3)
>>> s.horizon_days, s.sensitivity_runs, s.population, s.generations
(90.0, 32, 10, 3)
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration import fit, sensitivity, smc
from sim.calibration.seeds import task_seeds
from sim.calibration.simulate import HEADLINES, Simulator
from sim.inputs.compile import load_base_network
from sim.inputs.parameters import Parameter, uncertain_parameters
from sim.inputs.posterior import Posterior, write_posterior
from sim.inputs.scenario import Scenario
from sim.runs import outdir

#: the settings of ``--quick`` (a first look in minutes) and of a full calibration
QUICK = {
    "horizon_days": 90.0,
    "warmup_days": 20.0,
    "sensitivity_runs": 32,
    "population": 10,
    "generations": 3,
}
FULL = {"sensitivity_runs": 96, "population": 48, "generations": 5}
#: simulations saved per file of the sensitivity stage
CHUNK = 8
#: the central interval the fit table and the report quote
INTERVAL = (0.05, 0.95)


@dataclass(frozen=True)
class Settings:
    """How much a calibration simulates; see :data:`QUICK` and :data:`FULL`."""

    horizon_days: float
    warmup_days: float
    sensitivity_runs: int
    population: int
    generations: int
    seed: int
    quick: bool = False
    min_acceptance: float = 0.02

    @classmethod
    def for_scenario(
        cls,
        scenario_horizon: float,
        scenario_warmup: float,
        *,
        quick: bool,
        seed: int,
        **changes: Any,
    ) -> Settings:
        """The quick or full settings for a scenario of this horizon, with ``changes``
        (``None`` values ignored)."""
        base: dict[str, Any] = (
            dict(QUICK)
            if quick
            else {
                "horizon_days": scenario_horizon,
                "warmup_days": scenario_warmup,
                **FULL,
            }
        )
        base.update({k: v for k, v in changes.items() if v is not None})
        return cls(seed=seed, quick=quick, **base)


@dataclass
class Calibration:
    """What :func:`calibrate` produced (also written to its folder)."""

    out_dir: Path
    parameters: list[Parameter]
    posterior: Posterior
    fit_table: pd.DataFrame
    parameter_table: pd.DataFrame
    sensitivity: pd.DataFrame
    generations: pd.DataFrame
    simulations: int
    resumed: bool
    settings: Settings


def _digest(scenario: Scenario, settings: Settings, base_dir: Path | None = None) -> str:
    from sim.runs.provenance import model_digest

    folder = load_base_network(scenario, base_dir).path
    payload = json.dumps(
        {
            "scenario": scenario.digest(),
            "settings": dataclasses.asdict(settings),
            "model": model_digest(None if folder is None else str(folder)),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def open_folder(
    scenario: Scenario,
    settings: Settings,
    out_dir: str | os.PathLike[str],
    *,
    overwrite: bool,
    base_dir: Path | None = None,
) -> outdir.OwnedFolder:
    """The calibration's folder: new, resumed (the same scenario and settings), or replacing
    another output of the tool with ``overwrite``; anything else is refused before any work."""
    from sim import __version__

    digest = _digest(scenario, settings, base_dir)
    head = {
        "kind": "calibration",
        "created": outdir.now(),
        "calibration": {
            "digest": digest,
            "scenario": scenario.name,
            "settings": dataclasses.asdict(settings),
        },
        "versions": {"caspian-corridors": __version__},
    }
    return outdir.OwnedFolder.open(
        out_dir,
        head,
        same=outdir.same_digest("calibration", digest),
        overwrite=overwrite,
        describe=f" (not this calibration: scenario {scenario.name!r}, digest {digest}; a "
        "calibration resumes only into the folder of the same scenario and settings)",
    )


def _parquet(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False)


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def _png(fig: Any, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


def _call(simulator: Simulator, values: dict[str, float], seed: int) -> dict[str, float]:
    return simulator(values, seed)


def _star(args: tuple[Any, ...]) -> Any:
    fn, *rest = args
    return fn(*rest)


def _sensitivity_runs(
    folder: outdir.OwnedFolder,
    simulator: Simulator,
    names: Sequence[str],
    settings: Settings,
    map_: smc.MapFn,
    progress: Callable[[int], Any],
) -> tuple[np.ndarray, pd.DataFrame]:
    n = settings.sensitivity_runs
    X = sensitivity.latin_sample(names, n, seed=settings.seed)
    seeds = task_seeds(settings.seed, 0, n)
    frames: list[pd.DataFrame] = []
    for start in range(0, n, CHUNK):
        rel = f"sensitivity/runs-{start // CHUNK:03d}.parquet"
        path = folder.path / rel
        if rel in folder.files and path.is_file():
            frames.append(pd.read_parquet(path))
            progress(len(frames[-1]))
            continue
        idx = list(range(start, min(start + CHUNK, n)))
        jobs = [
            (_call, simulator, dict(zip(names, map(float, X[i]), strict=True)), seeds[i])
            for i in idx
        ]
        outs = list(map_(_star, jobs))
        frame = pd.DataFrame(outs)
        frame.insert(0, "seed", [seeds[i] for i in idx])
        frame.insert(0, "run", idx)
        folder.add(rel, functools.partial(_parquet, frame))
        frames.append(frame)
        progress(len(frame))
    runs = pd.concat(frames, ignore_index=True).sort_values("run")
    return X[runs["run"].to_numpy()], runs.drop(columns=["run", "seed"]).reset_index(drop=True)


def _abc(
    folder: outdir.OwnedFolder,
    simulator: Simulator,
    names: Sequence[str],
    targets: pd.DataFrame,
    settings: Settings,
    map_: smc.MapFn,
    progress: Callable[[int], Any],
) -> Any:
    """ABC-SMC one generation at a time, each stored in the listed ``abc.db`` (its working
    copy is a temporary file, so an interrupted generation leaves the last complete one)."""
    rel = "abc.db"
    final = folder.path / rel
    history = None
    for g in range(1, settings.generations + 1):
        work = folder.path / outdir.temp_name("work", rel)
        if rel in folder.files and final.is_file():
            shutil.copyfile(final, work)
        try:
            history = smc.run_abc(
                simulator,
                names,
                targets,
                work,
                population=settings.population,
                generations=g,
                seed=settings.seed,
                map_=map_,
                min_acceptance=settings.min_acceptance,
            )
            done = int(history.max_t) + 1
            folder.add(rel, functools.partial(os.replace, work))
        finally:
            if work.exists():
                work.unlink()
        progress(done)
        if done < g:  # stopped early: acceptance too low
            break
    # reopen from the listed file (the history above pointed at the working copy)
    return smc.open_history(final)


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs: Iterable[float]) -> list[float]:
    ok = np.isfinite(x)
    x, w = x[ok], w[ok]
    if not len(x) or not w.sum() > 0:
        return [math.nan for _ in qs]
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order]) / w.sum()
    return [float(x[order][min(int(np.searchsorted(cum, q)), len(x) - 1)]) for q in qs]


def fit_table(
    targets: pd.DataFrame, prior_runs: pd.DataFrame, weights: np.ndarray, stats: pd.DataFrame
) -> pd.DataFrame:
    """Every observation beside the model before (prior runs) and after calibration (the last
    generation's particles, weighted): median and :data:`INTERVAL`, and whether the observed
    figure (or range) meets the model's interval."""
    rows = []
    uniform = np.ones(len(prior_runs))
    for obs_id, t in targets.iterrows():
        row: dict[str, Any] = {
            "obs_id": obs_id,
            "use": t["use"],
            "metric": t["metric"],
            "what": t["what"],
            "grade": t["grade"],
            "observed": t["observed_value"],
            "observed_low": t["observed_low"],
            "observed_high": t["observed_high"],
        }
        for label, frame, w in (("prior", prior_runs, uniform), ("posterior", stats, weights)):
            x = frame[obs_id].to_numpy(float) if obs_id in frame else np.array([])
            lo, med, hi = _weighted_quantiles(x, w, (INTERVAL[0], 0.5, INTERVAL[1]))
            row |= {f"{label}_median": med, f"{label}_low": lo, f"{label}_high": hi}
        lo_o = t["observed_low"] if math.isfinite(t["observed_low"]) else t["observed_value"]
        hi_o = t["observed_high"] if math.isfinite(t["observed_high"]) else t["observed_value"]
        for label in ("prior", "posterior"):
            lo, hi = row[f"{label}_low"], row[f"{label}_high"]
            row[f"{label}_meets"] = (
                bool(lo <= hi_o and hi >= lo_o)
                if math.isfinite(lo) and math.isfinite(hi)
                else pd.NA
            )
        rows.append(row)
    return pd.DataFrame(rows)


def parameter_table(params: Sequence[Parameter], post: Posterior) -> pd.DataFrame:
    """Each parameter's posterior (median and :data:`INTERVAL` as quantiles of its prior range)
    and the values its rows take at them, beside the prior (central value at 0.5)."""
    rows = []
    for p in params:
        lo, med, hi = (post.quantile(p.name, q) for q in (INTERVAL[0], 0.5, INTERVAL[1]))
        rows.append(
            {
                "parameter": p.name,
                "table": p.table,
                "column": p.column,
                "source": p.source,
                "rows": len(p.rows),
                "prior_low": p.describe(0.0),
                "prior_central": p.describe(0.5),
                "prior_high": p.describe(1.0),
                "posterior_q_low": lo,
                "posterior_q_median": med,
                "posterior_q_high": hi,
                "posterior_low": p.describe(lo),
                "posterior_median": p.describe(med),
                "posterior_high": p.describe(hi),
                # how much of the prior range the posterior's interval still spans
                "interval_share": hi - lo,
            }
        )
    return pd.DataFrame(rows)


def calibrated_scenario_text(
    scenario: Scenario, scenario_file: Path | None, out_dir: Path, post: Posterior
) -> str:
    """The TOML of the calibrated scenario: extends the original, sets the posterior medians,
    names ``posterior.csv`` beside it."""
    import tomli_w

    data: dict[str, Any] = {}
    if scenario_file is not None:
        data["extends"] = os.path.relpath(Path(scenario_file).resolve(), out_dir.resolve())
    data["name"] = f"{scenario.name} (calibrated)"
    data["description"] = (
        f"{scenario.name} with its uncertain parameters calibrated against the component-level "
        "observations (corridor calibrate); replications draw them from posterior.csv."
    )
    data["calibration"] = {
        "parameters": {k: round(v, 6) for k, v in post.median().items()},
        "posterior": "posterior.csv",
    }
    if scenario_file is None:
        full = scenario.model_dump(mode="json", exclude_unset=True, exclude_none=True)
        full.update(data)
        data = full
    return tomli_w.dumps(data)


def calibrate(
    scenario: Scenario,
    out_dir: str | os.PathLike[str],
    settings: Settings,
    *,
    scenario_file: Path | None = None,
    base_dir: Path | None = None,
    map_: smc.MapFn = map,
    overwrite: bool = False,
    progress: Callable[[str, int], Any] | None = None,
) -> Calibration:
    """Calibrate ``scenario`` into ``out_dir``; see the module docstring.

    ``map_`` runs the simulations (an order-preserving map: ``map``, a process pool's, a Dask
    client's). ``progress(stage, n)`` is told of work done. Raises
    :class:`~sim.runs.outdir.OutputError` before any work when ``out_dir`` is not usable.
    """
    from sim.calibration import figures

    tell = progress or (lambda stage, n: None)
    sim_scenario = scenario.with_run(
        horizon_days=settings.horizon_days, warmup_days=settings.warmup_days, replications=1
    )
    net = load_base_network(scenario, base_dir)
    params = uncertain_parameters(net, scenario.operations)
    names = [p.name for p in params]
    if not names:
        raise ValueError(f"scenario {scenario.name!r} has no uncertain parameters to calibrate")
    targets_all = fit.targets(net, use=None)
    targets = targets_all[targets_all["use"] == "fit"]
    simulator = Simulator(sim_scenario, str(base_dir) if base_dir else None)
    folder = open_folder(scenario, settings, out_dir, overwrite=overwrite, base_dir=base_dir)
    try:
        X, runs = _sensitivity_runs(
            folder, simulator, names, settings, map_, lambda n: tell("sensitivity", n)
        )
        outputs = [c for c in runs.columns if c in targets_all.index or c.startswith(HEADLINES)]
        sens = sensitivity.first_order(names, X, runs[outputs], seed=settings.seed)
        sens = sensitivity.with_noise_floor(sens, names, seed=settings.seed)
        history = _abc(folder, simulator, names, targets, settings, map_, lambda n: tell("abc", n))
    except BaseException:
        folder.discard()
        raise
    post = smc.posterior_of(history, names)
    weights, stats = smc.particle_stats(history)
    gens = smc.generations_table(history)
    fits = fit_table(targets_all, runs, weights, pd.DataFrame(stats))
    ptable = parameter_table(params, post)
    simulations = int(settings.sensitivity_runs + gens["simulations"].sum())
    calibrated = calibrated_scenario_text(scenario, scenario_file, folder.path, post)
    stem = outdir.slug(scenario.name).replace("-", "_")
    result = Calibration(
        out_dir=folder.path,
        parameters=params,
        posterior=post,
        fit_table=fits,
        parameter_table=ptable,
        sensitivity=sens,
        generations=gens,
        simulations=simulations,
        resumed=folder.resumed,
        settings=settings,
    )
    folder.add("posterior.csv", lambda p: write_posterior(p, post))
    for name, frame in (
        ("fit.csv", fits),
        ("parameters.csv", ptable),
        ("sensitivity.csv", sens),
        ("generations.csv", gens),
    ):
        folder.add(name, functools.partial(_csv, frame))
    folder.add(f"{stem}_calibrated.toml", lambda p: p.write_text(calibrated, encoding="utf-8"))
    for name, fig in figures.all_figures(result, targets_all).items():
        folder.add(f"figures/{name}.png", functools.partial(_png, fig))
    folder.add("report.md", lambda p: p.write_text(report_text(result), encoding="utf-8"))
    return result


def report_text(c: Calibration) -> str:
    """The calibration's one-page report; every sentence computed from its tables."""
    fits, ptable, sens, gens = c.fit_table, c.parameter_table, c.sensitivity, c.generations
    used = fits[fits["use"] == "fit"]
    kept = fits[fits["use"] != "fit"]

    def met(frame: pd.DataFrame, label: str) -> str:
        col = frame[f"{label}_meets"].dropna()
        return f"{int(col.sum())} of {len(col)}"

    eps = gens["epsilon"].to_numpy()
    lines = [
        "# Calibration report",
        "",
        f"{c.simulations:,} simulated corridors ({c.settings.horizon_days:g} days each, "
        f"{c.settings.warmup_days:g} of them warm-up): {c.settings.sensitivity_runs} for the "
        f"sensitivity sample, {int(gens['simulations'].sum()):,} in {len(gens)} ABC-SMC "
        f"generations of {int(gens['particles'].iloc[-1])} particles; the distance threshold "
        f"went from {eps[0]:.3g} to {eps[-1]:.3g}."
        if len(eps)
        else "No ABC-SMC generation completed.",
        "",
        "## Fit",
        "",
        f"Observations used in the fit whose published figure meets the model's 90 % interval: "
        f"{met(used, 'prior')} before calibration (prior), {met(used, 'posterior')} after.",
        f"Observations kept aside to check the fit (never fitted, end-to-end transit among "
        f"them): {met(kept, 'posterior')} meet the calibrated model's interval.",
        "",
        "| observation | use | observed | prior median [90 %] | posterior median [90 %] |",
        "|---|---|---|---|---|",
    ]

    def num(x: float) -> str:
        return "–" if not math.isfinite(x) else f"{x:,.3g}"

    for _, r in fits.iterrows():
        obs = num(r["observed"])
        if math.isfinite(r["observed_low"]) and math.isfinite(r["observed_high"]):
            obs = f"{num(r['observed_low'])}–{num(r['observed_high'])}"
        lines.append(
            f"| {r['obs_id']}: {r['what']} | {r['use']} | {obs} | "
            f"{num(r['prior_median'])} [{num(r['prior_low'])}–{num(r['prior_high'])}] | "
            f"{num(r['posterior_median'])} [{num(r['posterior_low'])}–"
            f"{num(r['posterior_high'])}] |"
        )
    moved = ptable.assign(shift=(ptable["posterior_q_median"] - 0.5).abs()).sort_values(
        "shift", ascending=False
    )
    lines += [
        "",
        "## Parameters",
        "",
        "Quantile 0 is the low end of a parameter's prior range, 0.5 the data's central value, "
        "1 the high end. Moved most by the observations:",
        "",
    ]
    for _, r in moved.head(5).iterrows():
        lines.append(
            f"- `{r['parameter']}`: posterior median at quantile "
            f"{r['posterior_q_median']:.2f} ({r['posterior_median']}; prior central "
            f"{r['prior_central']}), 90 % interval spanning {r['interval_share']:.0%} of the "
            "prior range"
        )
    lines += ["", "## What matters most (first-order Sobol indices over the prior)", ""]
    top = sensitivity.dominant(sens, top=2)
    if "noise_floor" in sens and len(sens):
        floor = float(sens["noise_floor"].max())
        quiet = sorted(set(sens["output"]) - set(top["output"]))
        lines += [
            f"Only indices above the estimator's noise floor ({floor:.2f}: the "
            f"{sensitivity.NULL_QUANTILE:.0%} quantile of S1 for outputs no parameter moves, "
            f"with {int(sens['runs'].max())} runs) are listed; "
            f"{(sens['S1'] > sens['noise_floor']).mean():.0%} of the {len(sens):,} indices lie "
            f"above it"
            + (f", and no parameter clears it for {len(quiet)} outputs." if quiet else ".")
            + "",
            "",
        ]
    for output, part in top.groupby("output", sort=True):
        items = ", ".join(
            f"`{r['parameter']}` (S1 {r['S1']:.2f} ± {r['S1_conf']:.2f})"
            for _, r in part.iterrows()
        )
        lines.append(f"- {output}: {items}")
    return "\n".join(lines) + "\n"


__all__ = [
    "FULL",
    "QUICK",
    "Calibration",
    "Settings",
    "calibrate",
    "calibrated_scenario_text",
    "fit_table",
    "parameter_table",
    "report_text",
]
