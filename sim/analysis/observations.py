"""The model beside what was observed: each row of the network's ``observations.csv`` against
the same figure computed from a run.

Observations are component-level (a ferry wait, a port's throughput, a line's sailings); the
model's figure is computed the way the observation was made where the tables allow it, and
otherwise the row says why it is not computed. End-to-end transit times are never observations
to fit (``use = check`` in the data): they are what the model predicts.

How a statistic is compared: ``mean`` and ``total`` against the model's mean or total (within
the published ``low``-``high`` when given, else within 25 % of the value); ``typical_range``
against the model's interquartile range (they must overlap); ``min`` and ``max`` against the
model's 5th and 95th percentiles (the published extreme must lie beyond the model's typical
spread on the same side, or within it).

Examples
--------
>>> import network, sim
>>> s = sim.load_scenario("scenarios/baseline_2025.toml").with_run(
...     horizon_days=60, warmup_days=10, replications=1)
>>> table = compare(sim.run(s), network.load_network())
>>> set(table.columns) >= {"obs_id", "observed", "model", "within", "why_not"}
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine.model import Plan
from sim.inputs.operations import blank as _nan

if TYPE_CHECKING:  # the layers below runs never import it at run time
    import network
    from sim.runs.runner import Results

HOURS_PER_YEAR = 365 * 24.0
#: an observation with a single value and no range is matched within this share of it
TOLERANCE = 0.25
#: the ferry lines ASCO runs (the published railcars and vehicles are theirs)
ASCO_LINES = ("turkmenbashi-alat", "kuryk-alat", "aktau-alat")
UNIT_OF = {"wagons/year": "wagon", "vehicles/year": "truck", "TEU/year": "teu"}


def _units(res: Results, scenario: str) -> pd.DataFrame:
    """Every unit of the scenario's run, its flows' and the background's, inside the
    statistics window."""
    parts = [t[t["scenario"] == scenario] for t in (res.shipments, res.background) if len(t)]
    if not parts:
        return res.shipments.iloc[0:0]
    ships = pd.concat(parts, ignore_index=True)
    return ships[~ships["in_warmup"]]


def _on(units: pd.DataFrame, plans: Iterable[Plan], hit: Callable[[Plan], bool]) -> pd.Series:
    """Which units took a route (plan) for which ``hit`` is true: decided once per plan."""
    return units["plan"].isin([p.index for p in plans if hit(p)])


def _window_years(res: Results, scenario: str) -> float:
    spec = res.specs[scenario]
    ships = res.shipments
    reps = ships.loc[ships["scenario"] == scenario, "replication"].nunique() or 1
    return reps * (spec.horizon_h - spec.warmup_h) / HOURS_PER_YEAR


def _ferry_waits(res: Results, scenario: str, units: pd.DataFrame, line: str) -> np.ndarray:
    fs = res.specs[scenario].ferries.get(line)
    if fs is None:
        return np.array([])
    crossed = _on(units, res.specs[scenario].plans, lambda p: line in p.legs)
    on = units[crossed & units["delivered"]]
    return (on["ferry_h"] - fs.load_h - fs.unload_h).clip(lower=0).to_numpy()


def compare(res: Results, net: network.Network, scenario: str | None = None) -> pd.DataFrame:
    """One row per observation: what was observed, the model's figure in ``scenario`` (default
    the first of ``res``), whether they agree, or why the model's figure is not computed."""
    scenario = scenario if scenario is not None else next(iter(res.specs))
    obs = net.observations
    units = _units(res, scenario)
    years = _window_years(res, scenario)
    deps = res.departures
    deps = deps[deps["scenario"] == scenario] if len(deps) else deps
    rows = []
    for obs_id, o in obs.iterrows():
        metric, target, stat = str(o["metric"]), str(o["target"]), str(o["statistic"])
        model: float | tuple[float, float] | None = None
        why = ""
        sample: np.ndarray | None = None
        if metric == "ferry_wait_h":
            sample = _ferry_waits(res, scenario, units, target)
        elif metric == "ferry_headway_h":
            d = deps[deps["line"] == target]
            if len(d):
                model = float(np.average(d["mean_gap_h"], weights=d["departures"]))
        elif metric == "throughput_per_year":
            kind = UNIT_OF.get(str(o["unit"]))
            if kind is None:
                why = f"the model counts units, not {o['unit']}"
            else:
                on = _where(units, res.specs[scenario].plans, str(o["target_kind"]), target)
                n = int((on & (units["unit"] == kind)).sum()) if on is not None else None
                if n is None:
                    why = f"no {o['target_kind']} {target!r} in the model's tables"
                else:
                    model = n / years
        elif metric == "vessel_calls_per_year" and str(o["target_kind"]) == "node":
            d = deps[deps["line"].str.contains(target, regex=False) & (deps["port"] != target)]
            if len(d):
                model = float(d["departures"].sum()) / years
        else:
            why = f"{metric} ({o['target_kind']}) is not computed from the run's tables yet"
        if sample is not None:
            if len(sample) == 0:
                why = f"no cargo crossed {target} in the window"
            elif stat in ("mean", "total"):
                model = float(np.mean(sample))
            elif stat == "typical_range":
                model = (float(np.percentile(sample, 25)), float(np.percentile(sample, 75)))
            elif stat == "min":
                model = float(np.percentile(sample, 5))
            elif stat == "max":
                model = float(np.percentile(sample, 95))
            else:
                why = f"statistic {stat} of a distribution is not computed"
        rows.append(
            {
                "obs_id": obs_id,
                "metric": metric,
                "target": target,
                "statistic": stat,
                "observed": _observed(o),
                "model": _show(model),
                "within": _within(o, stat, model),
                "use": o["use"],
                "why_not": why if model is None else "",
            }
        )
    return pd.DataFrame(rows)


def _where(units: pd.DataFrame, plans: Iterable[Plan], kind: str, target: str) -> pd.Series | None:
    if kind == "network":
        return _on(units, plans, lambda p: bool(set(p.legs) & set(ASCO_LINES)))
    if kind in ("leg", "ferry_line"):
        return _on(units, plans, lambda p: target in p.legs)
    if kind == "node":
        return _on(units, plans, lambda p: target in p.nodes)
    return None


def _observed(o: pd.Series) -> str:
    value, low, high = o["value"], o["low"], o["high"]
    parts = []
    if not _nan(value):
        parts.append(f"{value:,.4g}")
    if not _nan(low) or not _nan(high):
        parts.append(f"[{_num(low)}-{_num(high)}]")
    return " ".join(parts) + f" {o['unit']}"


def _num(x: object) -> str:
    return "" if _nan(x) else f"{float(x):,.4g}"  # type: ignore[arg-type]


def _show(model: float | tuple[float, float] | None) -> str:
    if model is None:
        return ""
    if isinstance(model, tuple):
        return f"[{model[0]:,.4g}-{model[1]:,.4g}]"
    return f"{model:,.4g}"


def _within(o: pd.Series, stat: str, model: float | tuple[float, float] | None) -> object:
    if model is None:
        return pd.NA
    value, low, high = o["value"], o["low"], o["high"]
    if isinstance(model, tuple):
        lo, hi = (low, high) if not (_nan(low) or _nan(high)) else (value, value)
        return bool(model[0] <= hi and model[1] >= lo)
    check: Callable[[float], bool]
    if stat == "min":
        check = lambda m: m >= float(value) * (1 - TOLERANCE)  # noqa: E731
    elif stat == "max":
        check = lambda m: m <= float(value) * (1 + TOLERANCE)  # noqa: E731
    elif not (_nan(low) or _nan(high)):
        check = lambda m: float(low) <= m <= float(high)  # noqa: E731
    else:
        check = lambda m: abs(m - float(value)) <= TOLERANCE * abs(float(value))  # noqa: E731
    return bool(check(model)) if math.isfinite(model) else False


__all__ = ["ASCO_LINES", "TOLERANCE", "compare"]
