"""Plots of simulation results: tidy frames in, Matplotlib Axes (or Figure) out.

Every function applies the package style (``sim/analysis/corridor.mplstyle``) only while it draws,
never shows or saves anything, and colours each scenario the same way everywhere
(:func:`scenario_colors`). Without ``ax`` a new :class:`~matplotlib.figure.Figure` is made without
touching pyplot's state, so the module is safe under Agg and in tests.

Examples
--------
>>> import pandas as pd
>>> k = pd.DataFrame({"scenario": ["base", "base", "new", "new"], "replication": [0, 1, 0, 1],
...                   "flow": ["A→B (teu)"] * 4, "mean_transit_d": [10.0, 12.0, 8.0, 9.0]})
>>> ax = kpi_bars(k)
>>> [float(p.get_width()) for p in ax.patches]
[11.0, 8.5]
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import matplotlib.style
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from sim.analysis.metrics import DWELL_COLUMNS, delay_by_cause, t_interval
from sim.engine.model import ModelSpec

STYLE = Path(__file__).with_name("corridor.mplstyle")
#: scenario colours, in order of first appearance (the baseline first)
PALETTE = ("#1f4e9c", "#d9822b", "#2f8f5b", "#b5283b", "#7a4fa0", "#8c6d31", "#4fa3b5", "#666666")
#: delay causes, stacked in this order, with their colours and labels
CAUSE_COLUMNS = ("running_h", *DWELL_COLUMNS)
CAUSE_COLOURS = {
    "running_h": "#9aa5b1",
    "border_h": "#b5283b",
    "port_h": "#2f8f5b",
    "ferry_h": "#0f9eb5",
    "formation_h": "#d9822b",
    "gauge_h": "#7a4fa0",
    "line_h": "#8c6d31",
    "disruption_h": "#222222",
    "friction_h": "#c9a227",
}
METRIC_LABELS = {
    "mean_transit_d": "Mean transit time (days)",
    "median_transit_d": "Median transit time (days)",
    "p90_transit_d": "P90 transit time (days)",
    "p95_transit_d": "P95 transit time (days)",
    "on_time": "On-time share",
    "cost_usd_per_unit": "Cost per unit (USD)",
    "co2_kg_per_unit": "CO₂ per unit (kg)",
    "delivered": "Units delivered",
}
CASPIAN_PORTS = ("turkmenbashi", "alat", "kuryk", "aktau")
MAX_PANELS = 8

__all__ = [
    "PALETTE",
    "STYLE",
    "delay_attribution",
    "difference_bars",
    "facility_delays",
    "flow_difference_map",
    "flow_difference_maps",
    "flow_map",
    "flow_maps",
    "kpi_bars",
    "leg_changes",
    "leg_volumes",
    "queue_timeseries",
    "scenario_colors",
    "t_interval",
    "transit_distributions",
]


# ----------------------------------------------------------------------------- helpers
def scenario_colors(names: Sequence[str]) -> dict[str, str]:
    """One colour per scenario, by position (pass the baseline first, as ``compare`` does).

    Examples
    --------
    >>> scenario_colors(["baseline-2025", "zangezur-2030"])
    {'baseline-2025': '#1f4e9c', 'zangezur-2030': '#d9822b'}
    """
    unique = list(dict.fromkeys(names))
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(unique)}


@contextlib.contextmanager
def _styled() -> Iterator[None]:
    with matplotlib.style.context(STYLE):
        yield


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    return Figure(figsize=size, layout="constrained").add_subplot()


def _plain(text: object) -> str:
    r"""User text (a flow, scenario or facility name) shown as written: every ``$`` escaped, so
    matplotlib never reads it as mathtext (``"$x^$"`` would fail while drawing).

    >>> _plain("$x^$ flow")
    '\\$x^\\$ flow'
    """
    return str(text).replace("$", r"\$")


def _wrap(label: str, width: int = 22) -> str:
    """Wrap a long flow or facility name on spaces (the arrow stays with its city); plain text
    (see :func:`_plain`)."""
    return _plain(textwrap.fill(str(label), width=width, break_long_words=False))


def _names(frame: pd.DataFrame) -> list[str]:
    return [str(n) for n in pd.unique(frame["scenario"])]


def _flow_order(frame: pd.DataFrame, flows: Sequence[str] | None) -> list[str]:
    if flows is not None:
        return [str(f) for f in flows]
    col = frame["flow"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = {str(f) for f in pd.unique(col)}
        return [str(c) for c in col.cat.categories if str(c) in present]
    return list(dict.fromkeys(str(f) for f in pd.unique(col)))


def _largest_flows(shipments: pd.DataFrame, n: int = MAX_PANELS) -> list[str]:
    counts = shipments.groupby(shipments["flow"].astype(str)).size()
    top = set(counts.sort_values(ascending=False, kind="stable").index[:n])
    return [f for f in _flow_order(shipments, None) if f in top]


def _after_warmup(shipments: pd.DataFrame) -> pd.DataFrame:
    return shipments[~shipments["in_warmup"] & shipments["delivered"]]


def _grid(n: int, ncols: int, panel: tuple[float, float]) -> tuple[Figure, list[Axes]]:
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(panel[0] * ncols, panel[1] * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, axes[:n]


def _scenario_legend(
    fig: Figure, colors: Mapping[str, str], names: Sequence[str], loc: str = "outside upper center"
) -> None:
    handles = [Patch(color=colors[n], label=_plain(n)) for n in names]
    fig.legend(handles=handles, loc=loc, ncols=min(len(names), 4))


# ----------------------------------------------------------------------------- distributions
def _changed_most(data: pd.DataFrame, names: Sequence[str], n: int = MAX_PANELS) -> list[str]:
    """The (at most ``n``) flows whose mean transit of delivered units changed most from the
    first scenario to any other (absolute change, pooled over replications), largest first;
    flows delivered in one scenario only come last, in their order."""
    flows = _flow_order(data, None)
    means = data.groupby([data["flow"].astype(str), "scenario"], observed=True)["transit_h"].mean()
    table = means.unstack("scenario").reindex(index=flows, columns=list(names))
    change = table[list(names[1:])].sub(table[names[0]], axis=0).abs().max(axis=1, skipna=True)
    ranked = sorted(
        flows, key=lambda f: (pd.isna(change.get(f)), -float(np.nan_to_num(change.get(f, 0.0))))
    )
    return ranked[:n]


def transit_distributions(
    shipments: pd.DataFrame,
    *,
    flows: Sequence[str] | None = None,
    kind: str = "ecdf",
    colors: Mapping[str, str] | None = None,
    ax: Axes | None = None,
    top: int = MAX_PANELS,
) -> Figure:
    """Transit-time distributions (days), one panel per flow, the scenarios side by side.

    Delivered units released after the warm-up, pooled over replications. By default a
    comparison shows the flows whose transit changed most — the (at most ``top``) largest
    absolute changes of mean transit from the first scenario (the baseline) to any other,
    largest first — and a single scenario its (at most ``top``) largest flows by units
    delivered; the figure's title says which it shows, and of how many flows.

    Parameters
    ----------
    shipments : DataFrame
        ``Results.shipments``.
    flows : sequence of str, optional
        Flows to show, in this order (the title then says only what is drawn).
    kind : {"ecdf", "violin"}
        Empirical cumulative distributions, or violins with the median marked.
    colors : mapping scenario -> colour, optional
        Default :func:`scenario_colors` of the scenarios in order of appearance.
    ax : Axes, optional
        Draw a single flow into this Axes (then ``flows`` must name one flow; no title).
    top : int, default :data:`MAX_PANELS`
        How many flows the default choice shows at most.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"scenario": ["a", "a", "b", "b"] * 2, "flow": ["X→Y"] * 4 + ["P→Q"] * 4,
    ...                   "transit_h": [240.0, 264.0, 216.0, 228.0, 50.0, 60.0, 100.0, 90.0],
    ...                   "in_warmup": False, "delivered": True})
    >>> fig = transit_distributions(s)
    >>> [a.get_title() for a in fig.axes]
    ['P→Q', 'X→Y']
    >>> print(fig.get_suptitle())
    Transit-time distributions (ECDF) of the 2 flows whose mean transit
    changed most against a, largest change first
    """
    if kind not in ("ecdf", "violin"):
        raise ValueError(f"kind(={kind!r}) must be 'ecdf' or 'violin'")
    data = _after_warmup(shipments)
    names = _names(shipments)
    colors = dict(colors or scenario_colors(names))
    total = len(_flow_order(data, None))
    label = "ECDF" if kind == "ecdf" else "violins"
    if flows is not None:
        chosen = _flow_order(data, flows)
        title = f"Transit-time distributions ({label})"
    elif len(names) > 1:
        chosen = _changed_most(data, names, top)
        some = f"the {len(chosen)} of {total}" if len(chosen) < total else f"the {total}"
        title = (
            f"Transit-time distributions ({label}) of {some} flows whose mean transit changed "
            f"most against {names[0]}, largest change first"
        )
    else:
        chosen = _largest_flows(data, top)
        some = f"the {len(chosen)} largest of {total}" if len(chosen) < total else f"the {total}"
        title = f"Transit-time distributions ({label}) of {some} flows by units delivered"
    if ax is not None and len(chosen) != 1:
        raise ValueError(f"an ax takes one flow, got {len(chosen)}: pass flows=[...] with one")
    with _styled():
        if ax is None:
            fig, axes = _grid(len(chosen), 4, (3.3, 2.7))
            # about 36 characters of the title per panel across
            width = 36 * min(4, max(1, len(chosen)))
            fig.suptitle(_plain(textwrap.fill(title, width)), fontsize=10)
        else:
            fig, axes = ax.get_figure(), [ax]  # type: ignore[assignment]
        for flow, pax in zip(chosen, axes, strict=True):
            part = data[data["flow"].astype(str) == flow]
            values = [part.loc[part["scenario"] == n, "transit_h"].to_numpy() / 24 for n in names]
            if kind == "ecdf":
                for n, v in zip(names, values, strict=True):
                    if len(v):
                        x = np.sort(v)
                        y = np.arange(1, len(x) + 1) / len(x)
                        pax.step(x, y, where="post", color=colors[n], label=_plain(n))
                pax.set_ylim(0, 1.02)
                pax.set_ylabel("share of units")
                pax.set_xlabel("transit time (days)")
            else:
                pos = [i for i, v in enumerate(values) if len(v) > 1]
                if pos:
                    parts = pax.violinplot(
                        [values[i] for i in pos], positions=pos, showmedians=True, widths=0.8
                    )
                    bodies: Any = parts["bodies"]
                    for body, i in zip(bodies, pos, strict=True):
                        body.set_facecolor(colors[names[i]])
                        body.set_alpha(0.6)
                pax.set_xticks(range(len(names)), [_wrap(n, 14) for n in names])
                pax.set_ylabel("transit time (days)")
                pax.grid(axis="x", visible=False)
            pax.set_title(_wrap(flow, 30), fontsize=9)
        # under the panels when the title is above them (the two would overlap)
        _scenario_legend(
            fig, colors, names, "outside lower center" if ax is None else "outside upper center"
        )
    return fig


# ----------------------------------------------------------------------------- KPI bars
def _hatch_saturated(
    ax: Axes,
    flows: list[str],
    names: list[str],
    values: Mapping[tuple[str, str], tuple[float, float, float]],
    saturated: set[tuple[str, str]],
) -> None:
    """Hatch the bars of ``(flow, scenario)`` pairs whose flow is saturated in that scenario
    (undelivered units or a growing queue: their means depend on where the run stops) and
    say so in the legend. Bars are in :func:`_grouped_barh` order."""
    if not saturated:
        return
    keys = [(f, n) for n in names for f in flows if (f, n) in values]
    bars = [p for p in ax.patches]
    for bar, key in zip(bars, keys, strict=True):
        if key in saturated:
            bar.set_hatch("///")
            bar.set_edgecolor("#222222")
    # a legend entry only: an empty rectangle at the bars' origin
    ax.add_patch(
        Rectangle(
            (0, 0), 0, 0, facecolor="white", edgecolor="#222222", hatch="///", label="saturated"
        )
    )


def _grouped_barh(
    ax: Axes,
    flows: list[str],
    names: list[str],
    values: Mapping[tuple[str, str], tuple[float, float, float]],
    colors: Mapping[str, str],
) -> None:
    """Horizontal bars per flow (group) and scenario; values (value, err_low, err_high)."""
    height = 0.8 / max(len(names), 1)
    for j, n in enumerate(names):
        ys, xs, lo, hi = [], [], [], []
        for i, f in enumerate(flows):
            if (f, n) in values:
                v, el, eh = values[(f, n)]
                ys.append(i - 0.4 + height * (j + 0.5))
                xs.append(v)
                lo.append(el)
                hi.append(eh)
        if not ys:
            continue
        err = np.array([lo, hi], dtype=float)
        ax.barh(ys, xs, height=height * 0.92, color=colors[n], label=_plain(n), zorder=2)
        if not np.all(np.isnan(err)):
            ax.errorbar(
                xs,
                ys,
                xerr=np.nan_to_num(err),
                fmt="none",
                ecolor="#222222",
                elinewidth=1,
                capsize=2.5,
                zorder=3,
            )
    ax.set_yticks(range(len(flows)), [_wrap(f) for f in flows])
    ax.set_ylim(len(flows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)


def kpi_bars(
    kpi_table: pd.DataFrame,
    metric: str = "mean_transit_d",
    *,
    flows: Sequence[str] | None = None,
    confidence: float = 0.95,
    colors: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A KPI per flow and scenario: mean over replications with its t confidence interval.

    Parameters
    ----------
    kpi_table : DataFrame
        ``Results.kpis()`` (scenario, replication, flow and the metric).
    metric : str
        A KPI column, e.g. ``"mean_transit_d"``, ``"p95_transit_d"``, ``"cost_usd_per_unit"``.
    confidence : float
        Level of the whiskers (t interval over replications; none with one replication).

    Examples
    --------
    >>> import pandas as pd
    >>> k = pd.DataFrame({"scenario": ["a", "a"], "replication": [0, 1],
    ...                   "flow": ["X→Y", "X→Y"], "mean_transit_d": [3.0, 5.0]})
    >>> float(kpi_bars(k).patches[0].get_width())
    4.0
    """
    names = _names(kpi_table)
    colors = dict(colors or scenario_colors(names))
    order = _flow_order(kpi_table, flows)
    values: dict[tuple[str, str], tuple[float, float, float]] = {}
    saturated: set[tuple[str, str]] = set()
    for (n, f), part in kpi_table.groupby(["scenario", kpi_table["flow"].astype(str)], sort=False):
        mean, half = t_interval(part[metric].to_numpy(), confidence)
        values[(str(f), str(n))] = (mean, half, half)
        if "saturated" in part and part["saturated"].astype(bool).any():
            saturated.add((str(f), str(n)))
    with _styled():
        ax = _new_axes(ax, (8, 1.2 + 0.22 * len(order) * len(names)))
        _grouped_barh(ax, order, names, values, colors)
        _hatch_saturated(ax, order, names, values, saturated)
        ax.set_xlabel(METRIC_LABELS.get(metric, metric))
        reps = kpi_table.groupby("scenario")["replication"].nunique()
        ax.set_title(
            f"{METRIC_LABELS.get(metric, metric)} by flow, "
            f"{confidence:.0%} CI over {int(reps.min())} replications"
        )
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def difference_bars(
    diff_table: pd.DataFrame,
    metric: str = "mean_transit_d",
    *,
    flows: Sequence[str] | None = None,
    colors: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Paired differences to the baseline per flow, with their confidence intervals.

    Bars whose interval excludes zero are solid, the others pale. Without ``colors`` the
    scenarios take the palette as if the baseline came first, matching
    ``scenario_colors([baseline, *others])`` in the other plots.

    Parameters
    ----------
    diff_table : DataFrame
        :func:`sim.paired_differences` output (scenario, flow, metric, difference, ci_low,
        ci_high).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"scenario": ["new"], "flow": ["X→Y"], "metric": ["mean_transit_d"],
    ...                   "difference": [-1.5], "ci_low": [-2.0], "ci_high": [-1.0]})
    >>> float(difference_bars(d).patches[0].get_width())
    -1.5
    """
    part = diff_table[diff_table["metric"] == metric]
    if part.empty:
        raise ValueError(f"metric(={metric!r}) is not in the difference table")
    names = _names(part)
    colors = dict(colors or dict(zip(names, PALETTE[1:], strict=False)))
    order = _flow_order(part, flows)
    values: dict[tuple[str, str], tuple[float, float, float]] = {}
    signif: dict[tuple[str, str], bool] = {}
    saturated: set[tuple[str, str]] = set()
    for row in part.to_dict("records"):
        key = (str(row["flow"]), str(row["scenario"]))
        d, lo, hi = float(row["difference"]), float(row["ci_low"]), float(row["ci_high"])
        values[key] = (d, d - lo, hi - d)
        signif[key] = bool(lo > 0 or hi < 0)
        if bool(row.get("saturated", False)):
            saturated.add(key)
    with _styled():
        ax = _new_axes(ax, (8, 1.2 + 0.22 * len(order) * len(names)))
        _grouped_barh(ax, order, names, values, colors)
        bars = [p for p in ax.patches]
        keys = [(f, n) for n in names for f in order if (f, n) in values]
        for bar, key in zip(bars, keys, strict=True):
            if not signif[key]:
                bar.set_alpha(0.35)
        _hatch_saturated(ax, order, names, values, saturated)
        ax.axvline(0, color="#222222", linewidth=1, zorder=4)
        label = METRIC_LABELS.get(metric, metric)
        ax.set_xlabel(f"difference to baseline: {label[0].lower()}{label[1:]}")
        ax.set_title(
            f"Change against the baseline, {label.split(' (')[0].lower()}\n"
            "(95% CI over paired replications; pale: not significant)"
        )
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


# ----------------------------------------------------------------------------- delays
def delay_attribution(
    shipments: pd.DataFrame,
    *,
    by: str = "flow",
    flows: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Mean hours per unit by cause, stacked, one bar per ``by`` group and scenario.

    Delivered units released after the warm-up; a bar's total is the mean transit time
    (running time plus every waiting cause). Each bar is labelled with its scenario and total.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"scenario": "a", "flow": ["X→Y"], "in_warmup": False,
    ...                   "delivered": True, "running_h": [10.0], "border_h": [2.0],
    ...                   "port_h": 0.0, "ferry_h": 5.0, "formation_h": 0.0, "gauge_h": 0.0,
    ...                   "line_h": 0.0, "disruption_h": 0.0, "friction_h": 0.0})
    >>> float(sum(p.get_width() for p in delay_attribution(s).patches))
    17.0
    """
    table = delay_by_cause(shipments, by=("scenario", by))
    table[by] = table[by].astype(str)
    names = _names(shipments)
    groups = _flow_order(shipments, flows) if by == "flow" else list(dict.fromkeys(table[by]))
    causes = [c for c in CAUSE_COLUMNS if c in table and bool((table[c] > 0).any())]
    rows = [(g, n) for g in groups for n in names]
    index = table.set_index([by, "scenario"])
    with _styled():
        ax = _new_axes(ax, (9, 1.4 + 0.3 * len(rows)))
        slot = 1.0 / (len(names) + 0.6)
        ys = [
            i + slot * (j - (len(names) - 1) / 2)
            for i in range(len(groups))
            for j in range(len(names))
        ]
        totals = np.zeros(len(rows))
        for c in causes:
            widths = np.array([float(index.loc[r, c]) if r in index.index else 0.0 for r in rows])
            ax.barh(
                ys,
                widths,
                left=totals,
                height=slot * 0.9,
                color=CAUSE_COLOURS[c],
                label=c.removesuffix("_h"),
                zorder=2,
            )
            totals += widths
        for y, r, t in zip(ys, rows, totals, strict=True):
            if r in index.index:
                ax.annotate(
                    f"{_plain(r[1])}  {t / 24:.1f} d",
                    (t, y),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=7,
                    color="#333",
                )
        ax.set_yticks(range(len(groups)), [_wrap(g) for g in groups])
        ax.set_ylim(len(groups) - 0.5, -0.5)
        ax.margins(x=0.18)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("mean hours per unit")
        ax.set_title(f"Where the time goes: mean hours per unit by cause, per {by}")
        ax.legend(title="cause", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def _facility_label(name: str, kind: str) -> str:
    def city(s: str) -> str:
        return s.replace("_", " ").title()

    if "@" in name:
        leg, port = name.split("@", 1)
        return f"{'–'.join(city(p) for p in leg.split('-'))} ferry: queue at {city(port)}"
    if ">" in name:
        legs, to = name.split(">", 1)
        text = f"{'–'.join(city(p) for p in legs.split('-'))} → {city(to)}"
    else:
        text = "–".join(city(p) for p in name.split("-"))
    kind = {"formation": "train formation"}.get(kind, kind.replace("_", " "))
    return f"{text} ({kind})"


def facility_delays(
    facilities: pd.DataFrame,
    *,
    top: int = 12,
    measure: str = "mean_queue",
    colors: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Where cargo waits: the ``top`` facilities by mean units waiting, per scenario.

    ``measure="mean_queue"`` is the time-averaged number waiting (unit-hours per hour);
    ``"wait_hours"`` is ``mean_wait_h × customers`` (hours of the consists served, per run).
    Means over replications; ferry lines themselves are left out (their queues are the
    ``ferry_queue`` rows).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"scenario": "a", "replication": [0, 1], "facility": "alat",
    ...                   "kind": "port", "mean_queue": [2.0, 4.0]})
    >>> float(facility_delays(f).patches[0].get_width())
    3.0
    """
    f = facilities[facilities["kind"] != "ferry"].copy()
    if measure == "wait_hours":
        f["value"] = f["mean_wait_h"].fillna(0) * f["customers"]
        xlabel = "waiting hours per run (mean wait × consists)"
    elif measure == "mean_queue":
        f["value"] = f["mean_queue"]
        xlabel = "mean number waiting (time-averaged)"
    else:
        raise ValueError(f"measure(={measure!r}) must be 'mean_queue' or 'wait_hours'")
    names = _names(facilities)
    colors = dict(colors or scenario_colors(names))
    means = f.groupby(["facility", "kind", "scenario"], sort=False)["value"].mean().reset_index()
    means["label"] = [
        _facility_label(a, b) for a, b in zip(means["facility"], means["kind"], strict=True)
    ]
    ranking = means.groupby("label")["value"].max().sort_values(ascending=False, kind="stable")
    order = [str(x) for x in ranking.index[:top]]
    values = {
        (str(r["label"]), str(r["scenario"])): (float(r["value"]), np.nan, np.nan)
        for r in means.to_dict("records")
        if r["label"] in order
    }
    with _styled():
        ax = _new_axes(ax, (8, 1.2 + 0.22 * len(order) * len(names)))
        _grouped_barh(ax, order, names, values, colors)
        ax.set_yticks(range(len(order)), [_wrap(o, 34) for o in order])
        ax.set_xlabel(xlabel)
        ax.set_title(f"Top {len(order)} facilities by cargo waiting (mean over replications)")
        ax.legend(loc="lower right")
    return ax


# ----------------------------------------------------------------------------- queues
def queue_timeseries(
    queues: pd.DataFrame,
    *,
    facilities: Sequence[str] | None = None,
    band: str = "minmax",
    bin_h: float = 24.0,
    warmup_days: float | None = None,
    colors: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Queue length over time (days), one panel per facility, a line per scenario.

    Samples are first averaged within bins of ``bin_h`` hours per replication (ferries make
    a saw-tooth at each sailing); the line is then the mean over replications, the band the
    range (``band="minmax"``) or the 10–90 % quantiles (``"quantile"``). Default facilities:
    the ferry queues and ports on the Caspian (names with Turkmenbashi, Alat, Kuryk or Aktau)
    whose mean queue is at least 2 % of the busiest one's, busiest first (at most eight);
    on a network without them, its busiest ports and ferry queues. No queue: a note, no panel.
    With ``ax`` every facility is drawn into that Axes (line style per facility).

    Examples
    --------
    >>> import pandas as pd
    >>> q = pd.DataFrame({"scenario": "a", "replication": [0, 0, 1, 1], "time_h": [0, 6, 0, 6],
    ...                   "facility": "kuryk-alat@kuryk", "kind": "ferry", "queue": [0, 4, 2, 6]})
    >>> fig = queue_timeseries(q, bin_h=0)
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [1.0, 5.0]
    """
    if band not in ("minmax", "quantile"):
        raise ValueError(f"band(={band!r}) must be 'minmax' or 'quantile'")
    names = _names(queues)
    colors = dict(colors or scenario_colors(names))
    if facilities is None:
        pool = queues[queues["kind"].isin(["ferry", "port"])]
        caspian = pool[pool["facility"].str.contains("|".join(CASPIAN_PORTS))]
        # a network without the Caspian ports (a test or regional network): its busiest ones
        busy = (caspian if not caspian.empty else pool).groupby("facility")["queue"].mean()
        busy = busy[(busy > 0) & (busy >= 0.02 * busy.max())]
        chosen = [str(x) for x in busy.sort_values(ascending=False).index[:MAX_PANELS]]
    else:
        chosen = [str(x) for x in facilities]
    data = queues[queues["facility"].isin(chosen)].copy()
    data["time_h"] = (
        np.floor(data["time_h"] / bin_h) * bin_h + bin_h / 2 if bin_h else data["time_h"]
    )
    keys = ["facility", "scenario", "replication", "time_h"]
    binned = data.groupby(keys, sort=False)["queue"].mean().reset_index()
    g = binned.groupby(["facility", "scenario", "time_h"])["queue"]
    lo_q, hi_q = (0.0, 1.0) if band == "minmax" else (0.1, 0.9)
    stat = pd.DataFrame(
        {"mean": g.mean(), "lo": g.quantile(lo_q), "hi": g.quantile(hi_q)}
    ).reset_index()
    kinds = data.groupby("facility")["kind"].first()
    styles = ["-", "--", ":", "-."]
    with _styled():
        if not chosen:
            efig = Figure(figsize=(6, 2), layout="constrained")
            eax = ax if ax is not None else efig.subplots()
            eax.text(0.5, 0.5, "no queue at these facilities", ha="center", va="center")
            eax.set_axis_off()
            return efig if ax is None else cast(Figure, ax.get_figure())
        if ax is None:
            fig, axes = _grid(len(chosen), 2, (5.5, 2.4))
        else:
            fig, axes = ax.get_figure(), [ax] * len(chosen)  # type: ignore[assignment]
        for i, (fac, pax) in enumerate(zip(chosen, axes, strict=True)):
            for n in names:
                s = stat[(stat["facility"] == fac) & (stat["scenario"] == n)]
                t = s["time_h"].to_numpy() / 24
                ls = styles[i % len(styles)] if ax is not None else "-"
                pax.plot(
                    t,
                    s["mean"].to_numpy(),
                    color=colors[n],
                    linewidth=1.1,
                    linestyle=ls,
                    label=_plain(n if ax is None else f"{n}: {fac}"),
                )
                pax.fill_between(
                    t,
                    s["lo"].to_numpy(),
                    s["hi"].to_numpy(),
                    color=colors[n],
                    alpha=0.15,
                    linewidth=0,
                )
            if warmup_days:
                pax.axvspan(0, warmup_days, color="#888888", alpha=0.12, linewidth=0)
            if ax is None:
                pax.set_title(_plain(_facility_label(fac, str(kinds.get(fac, "")))), fontsize=9)
            # ferry queues hold units; ports and borders queue whole trains and vessel loads
            kind = str(kinds.get(fac, ""))
            pax.set_ylabel("units waiting" if kind == "ferry" else "trains / loads waiting")
            pax.set_ylim(bottom=0)
            pax.set_xlim(left=0)
        for pax in axes[-2:] if ax is None else axes[:1]:
            pax.set_xlabel("time (days)")
        if ax is None:
            handles: list[Any] = [Line2D([], [], color=colors[n], label=_plain(n)) for n in names]
            handles.append(
                Patch(
                    color=colors[names[0]],
                    alpha=0.15,
                    label=(
                        "range over replications"
                        if band == "minmax"
                        else "10–90 % over replications"
                    ),
                )
            )
            if warmup_days:
                handles.append(Patch(color="#888888", alpha=0.12, label="warm-up"))
            fig.legend(handles=handles, loc="outside upper center", ncols=len(handles))
        else:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


# ----------------------------------------------------------------------------- maps
def leg_volumes(
    shipments: pd.DataFrame,
    specs: Mapping[str, ModelSpec],
    scenario: str,
    *,
    include_warmup: bool = False,
) -> dict[str, float]:
    """Units per replication on each leg for one scenario (delivered or not).

    Each unit counts on every leg of its route (``plan`` indexes ``specs[scenario].plans``).
    """
    spec = specs[scenario]
    s = shipments[shipments["scenario"] == scenario]
    if not include_warmup:
        s = s[~s["in_warmup"]]
    n_rep = max(int(s["replication"].nunique()), 1)
    volumes: dict[str, float] = {}
    for plan, n in s.groupby("plan").size().items():
        for leg in spec.plans[int(plan)].legs:  # type: ignore[call-overload]
            volumes[leg] = volumes.get(leg, 0.0) + float(n) / n_rep
    return volumes


def _graph(
    name: str,
    graphs: Mapping[str, nx.MultiDiGraph] | None,
    years: Mapping[str, int] | None,
    G: nx.MultiDiGraph | None = None,
    year: int | None = None,
) -> nx.MultiDiGraph:
    """A scenario's graph: given, or the shipped network of its year."""
    import network

    G = G if G is not None else (graphs or {}).get(name)
    if G is not None:
        return G
    year = year if year is not None else (years or {}).get(name)
    if year is None:
        raise ValueError(f"the map of {name!r} needs its graph or its network year")
    return network.build_graph(network.load_network(), year)


#: what a flow map's volumes count
FLOW_UNIT = "units per replication"


def flow_map(
    results_or_shipments: Any,
    specs: Mapping[str, ModelSpec] | None,
    scenario: str,
    *,
    year: int | None = None,
    G: nx.MultiDiGraph | None = None,
    title: str | None = None,
    ax: Axes | None = None,
    scale: float | None = None,
) -> Axes:
    """Map of one scenario's flows: line width ∝ units per replication on each leg.

    Parameters
    ----------
    results_or_shipments : Results or DataFrame
        A :class:`~sim.runs.runner.Results` (then ``specs`` may be None) or its ``shipments``.
    specs : mapping scenario -> ModelSpec, optional
        ``Results.specs``; gives each route's legs.
    year : int, optional
        Network year to draw when ``G`` is not given (shipped network, no overrides).
    G : networkx.MultiDiGraph, optional
        The scenario's graph, best ``network.build_graph(sim.inputs.compile.scenario_network(s),
        year)``.
    scale : float, optional
        The volume drawn widest (:func:`network.draw.flow_width`); default this map's largest.
        Maps drawn with the same ``scale`` can be compared by their widths.
    """
    import network

    shipments = getattr(results_or_shipments, "shipments", results_or_shipments)
    if specs is None:
        specs = results_or_shipments.specs
    if G is None and year is None:
        raise ValueError("flow_map needs the graph G or the network year")
    G = _graph(scenario, None, None, G, year)
    volumes = leg_volumes(shipments, specs, scenario)
    with _styled():
        ax = _new_axes(ax, (13, 6.5))
        network.draw_network(
            G,
            ax,
            flows=volumes,
            flow_scale=scale,
            flow_unit=FLOW_UNIT,
            title=_plain(title or f"{scenario}: units per replication on each leg"),
        )
        ax.grid(False)
    return ax


def flow_maps(
    results: Any,
    names: Sequence[str],
    *,
    years: Mapping[str, int] | None = None,
    graphs: Mapping[str, nx.MultiDiGraph] | None = None,
) -> Figure:
    """One flow map per scenario, stacked (each map is wide), as one figure.

    Each scenario needs its graph (``graphs``) or its network year (``years``). Every panel
    has the same width scale: the widest line is the largest volume of any panel, so equal
    volumes are drawn equally wide in every panel.
    """
    scale = max(
        (max(leg_volumes(results.shipments, results.specs, n).values(), default=0.0)) for n in names
    )
    with _styled():
        fig = Figure(figsize=(13, 6.0 * len(names)), layout="constrained")
        axes = fig.subplots(len(names), 1, squeeze=False).ravel()
        for n, pax in zip(names, axes, strict=True):
            flow_map(
                results,
                results.specs,
                n,
                G=_graph(n, graphs, years),
                ax=pax,
                scale=scale or None,
            )
    return fig


def leg_changes(
    shipments: pd.DataFrame, specs: Mapping[str, ModelSpec], base: str, other: str
) -> dict[str, float]:
    """Units per replication on each leg in ``other`` minus those in ``base`` (legs with no
    change left out).

    Examples
    --------
    >>> import sim
    >>> run = sim.RunSettings(horizon_days=30, warmup_days=0, replications=1)
    >>> a, b = (
    ...     sim.Scenario(name=name, year=2025, run=run,
    ...                  demand=[sim.Flow(origin="Tashkent", destination="Alat", per_week=n)])
    ...     for name, n in (("a", 20), ("b", 40)))
    >>> res = sim.compare([a, b])
    >>> change = leg_changes(res.shipments, res.specs, "a", "b")
    >>> all(c > 0 for c in change.values())
    True
    """
    a = leg_volumes(shipments, specs, base)
    b = leg_volumes(shipments, specs, other)
    change = {leg: b.get(leg, 0.0) - a.get(leg, 0.0) for leg in {*a, *b}}
    return {leg: c for leg, c in sorted(change.items()) if c != 0}


def flow_difference_map(
    results: Any,
    base: str,
    other: str,
    *,
    graphs: Mapping[str, nx.MultiDiGraph] | None = None,
    years: Mapping[str, int] | None = None,
    ax: Axes | None = None,
    scale: float | None = None,
    title: str | None = None,
) -> Axes:
    """Map of the change in units per replication on each leg from ``base`` to ``other``.

    Red where ``other`` carries more, blue where it carries less, wider and darker the larger
    the change (:func:`network.draw.draw_difference`); legs only ``other``'s network has are
    dashed, legs only ``base``'s has dotted.

    Parameters
    ----------
    results : Results
        A comparison holding both scenarios.
    base, other : str
        Scenario names.
    graphs, years : mapping scenario -> graph or network year
        Each scenario's graph, or the year of the shipped network to draw.
    scale : float, optional
        The absolute change drawn widest; default this map's largest.
    """
    import network.draw

    change = leg_changes(results.shipments, results.specs, base, other)
    with _styled():
        ax = _new_axes(ax, (13, 6.5))
        network.draw.draw_difference(
            _graph(base, graphs, years),
            _graph(other, graphs, years),
            change,
            ax,
            scale=scale,
            names=(base, other),
            unit=FLOW_UNIT,
            title=None if title is None else _plain(title),
        )
        ax.grid(False)
    return ax


def flow_difference_maps(
    results: Any,
    names: Sequence[str],
    *,
    graphs: Mapping[str, nx.MultiDiGraph] | None = None,
    years: Mapping[str, int] | None = None,
) -> Figure:
    """One difference map per scenario after the first (the baseline), stacked, on one scale:
    the widest line is the largest absolute change of any panel.

    >>> import sim
    >>> from pathlib import Path
    >>> tiny = str(Path("tests/fixtures/tiny_network").resolve())
    >>> flow = sim.Flow(origin="Alpha", destination="Foxtrot", per_week=60,
    ...                 route=sim.RouteChoice(mode="adaptive", k=3, by="time"))
    >>> run = sim.RunSettings(horizon_days=20, warmup_days=2, replications=1, seed=5)
    >>> res = sim.compare([sim.Scenario(name=n, network=tiny, year=y, demand=[flow], run=run)
    ...                    for n, y in (("a", 2025), ("b", 2030))], replications=1)
    >>> fig = flow_difference_maps(res, ["a", "b"], years={"a": 2025, "b": 2030})
    >>> len(fig.axes) >= 1 and "b" in fig.axes[0].get_title()
    True
    >>> flow_difference_maps(res, ["a"])
    Traceback (most recent call last):
    ...
    ValueError: a difference map needs two scenarios or more
    """
    base, others = names[0], list(names[1:])
    if not others:
        raise ValueError("a difference map needs two scenarios or more")
    scale = max(
        max(
            (abs(c) for c in leg_changes(results.shipments, results.specs, base, o).values()),
            default=0.0,
        )
        for o in others
    )
    with _styled():
        fig = Figure(figsize=(13.5, 6.0 * len(others)), layout="constrained")
        axes = fig.subplots(len(others), 1, squeeze=False).ravel()
        for o, pax in zip(others, axes, strict=True):
            flow_difference_map(
                results, base, o, graphs=graphs, years=years, ax=pax, scale=scale or None
            )
    return fig
