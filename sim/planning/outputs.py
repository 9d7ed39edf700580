"""What ``corridor plan`` writes: tables, the timeline and Pareto figures, and a report whose
sentences are computed from the tables (:func:`findings`).

``tables/``: ``capacity_by_year.csv`` (every facility's check in every year: utilisation
``rho_low``/``rho_high`` and ``headroom``), ``saturation_years.csv`` (per facility the year it
saturates), ``transit_by_year.csv`` (per flow and year P50/P90 transit with 95 % half-widths,
delivered share, target), ``trade_value.csv`` (per flow and year as announced, ``additions``
``none``, and in the searched year with the cheapest additions found), ``levers.csv`` (the levers
searched and their annual costs), ``candidates.csv`` (every combination looked at),
``candidate_flows.csv`` (the flows of those simulated) and ``staging.csv`` (per year, the least
of the chosen additions that passes the capacity check). ``figures/timeline.png`` and
``figures/pareto.png``; ``report.md``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.inputs.posterior import Posterior
from sim.planning.trade import AZ_UZ_TARGET_USD
from sim.runs import outdir

if TYPE_CHECKING:
    from sim.planning.optimise import Search
    from sim.planning.plan import PlanResult, Prepared

__all__ = ["findings", "pareto_figure", "timeline_figure", "write_outputs"]


def _usd(x: float) -> str:
    """``$1.2 bn``, ``$45.0 m``, ``$900,000``.

    >>> _usd(1.234e9), _usd(4.5e7), _usd(9e5)
    ('$1.23 bn', '$45.0 m', '$900,000')
    """
    if abs(x) >= 1e9:
        return f"${x / 1e9:.2f} bn"
    if abs(x) >= 1e6:
        return f"${x / 1e6:.1f} m"
    return f"${x:,.0f}"


def _plain(text: object) -> str:  # user text, never mathtext
    return str(text).replace("$", r"\$")


def _worst(frame: pd.DataFrame) -> dict[str, Any] | None:
    """The row of the largest P90 transit, or None for no rows."""
    if frame.empty:
        return None
    row = frame.sort_values("p90_transit_d", ascending=False).iloc[0].to_dict()
    return {str(k): v for k, v in row.items()}


def findings(result: PlanResult, p: Prepared) -> list[str]:
    """The report's sentences, each computed from the tables."""
    out = []
    years = list(p.years)
    sat = result.saturation
    hit = sat[sat["saturates"].notna()] if len(sat) else sat
    if len(hit):
        first = hit.iloc[0]
        same = hit[hit["saturates"] == first["saturates"]]
        where = (
            "already in the first plan year"
            if int(first["saturates"]) == years[0]
            else f"in {int(first['saturates'])}"
        )
        out.append(
            f"The first facility to saturate is {first['kind']} {first['facility']} "
            f"({first['place']}), {where}: its unavoidable load reaches "
            f"rho {first['rho_low_last']:.2f} of capacity by {years[-1]}"
            + (
                f"; {len(same) - 1} other(s) saturate the same year: "
                + ", ".join(same["facility"].iloc[1:6])
                if len(same) > 1
                else ""
            )
            + "."
        )
        later = hit[hit["saturates"] > first["saturates"]]
        for row in later.head(5).to_dict("records"):
            out.append(f"{row['kind']} {row['facility']} saturates in {int(row['saturates'])}.")
    else:
        warn = sat[sat["may_saturate"].notna()] if len(sat) else sat
        out.append(
            f"No facility's unavoidable load reaches its capacity in {years[0]}–{years[-1]}"
            + (
                f"; {len(warn)} could if the adaptive flows all chose it, first "
                f"{warn.iloc[0]['facility']} in {int(warn.iloc[0]['may_saturate'])}."
                if len(warn)
                else "."
            )
        )
    t = result.transit
    if len(t):
        last = t[t["year"] == years[-1]]
        short = last[last["delivered_share"] < 0.99]
        if len(short):
            out.append(
                f"In {years[-1]} {len(short)} of {len(last)} flows deliver less than 99 % of "
                "their units in the simulation (worst "
                f"{short.sort_values('delivered_share').iloc[0]['flow']}, "
                f"{short['delivered_share'].min():.0%})."
            )
        con = last[last["target_days"].notna()]
        miss = con[~con["meets_target"]]
        if len(con):
            out.append(
                f"In {years[-1]} without further additions {len(miss)} of {len(con)} flows "
                "with a target miss their P90 target"
                + (
                    f"; the worst P90 is {worst['p90_transit_d']:.1f} days "
                    f"({worst['flow']}, target {worst['target_days']:g})."
                    if (worst := _worst(miss)) is not None
                    else "."
                )
            )
    s = result.search
    if s is not None:
        table = s.table
        n_sim = int(table["simulated"].sum()) if len(table) else 0
        n_out = int((~table["passes_check"]).sum()) if len(table) else 0
        if s.best is not None:
            row = table[table["chosen"]].iloc[0]
            lo = hi = 0.0
            for lv, k in zip(s.levers, s.best.counts, strict=True):
                a, b = lv.annual_cost_range_usd
                lo, hi = lo + k * a, hi + k * b
            out.append(
                f"The cheapest additions found that keep every flow's P90 transit under its "
                f"target in {s.year}: {s.best.label}, {_usd(s.best.cost_usd_per_year)} a year "
                f"({_usd(lo)}–{_usd(hi)} with the capital costs' ranges); worst flow "
                f"{row['worst_flow']} at P90 {row['worst_p90_d']:.1f} days against "
                f"{row['worst_target_d']:g}"
                + (
                    "; with one replication there is no interval to say whether it holds."
                    if _one_replication(s, s.best.label)
                    else "; every flow is under its target at the upper end of its 95 % interval "
                    "too."
                    if bool(row["sure"])
                    else "; but the 95 % interval of "
                    + _upper_ends(str(row.get("unsure_flows", "") or ""))
                    + " reaches past its target: more replications would say whether it holds."
                )
            )
        else:
            out.append(
                f"No combination of the {len(s.levers)} levers found keeps every P90 under "
                f"target in {s.year}: {len(table)} looked at, {n_out} put out by the capacity "
                f"check, {n_sim} simulated."
                + (
                    " Every one looked at leaves "
                    f"{table['overloaded'].iloc[-1].split(' (')[0]} overloaded."
                    if n_sim == 0 and len(table) and table["overloaded"].iloc[-1]
                    else ""
                )
            )
    st = result.staging
    if len(st):
        steps, before = [], None
        for r in st.to_dict("records"):
            if r["additions"] != before:
                steps.append(
                    f"{r['year']}: {r['additions']}"
                    + ("" if r["passes_check"] else f" (still saturated: {r['saturated']})")
                )
                before = r["additions"]
        out.append(
            "Staged over the years (before the searched year by the capacity check, not "
            "simulated: the least of them each year needs for no facility to saturate), the "
            "additions are first needed as follows: " + "; ".join(steps) + "."
        )
    tr = result.trade
    if len(tr) and tr["valued"].any():
        for additions, g in tr.groupby("additions", sort=False):
            az = g[g["az_uz"]].groupby("year")[["value_usd", "value_low_usd", "value_high_usd"]]
            if not len(g[g["az_uz"]]):
                continue
            y = max(g["year"])
            v = {str(c): float(x) for c, x in az.sum().loc[y].to_dict().items()}
            where = f"in {y}" if additions == "none" else f"in {y} with {additions}"
            out.append(
                f"Azerbaijan–Uzbekistan trade carried by the modelled flows {where}: "
                f"{_usd(v['value_usd'])} a year ({_usd(v['value_low_usd'])}–"
                f"{_usd(v['value_high_usd'])}), against the {_usd(AZ_UZ_TARGET_USD)} target; "
                "Uzbek cargo crossing Azerbaijan: "
                f"{_usd(g[(g['year'] == y) & g['uz_via_az']]['value_usd'].sum())}."
            )
    return out


def _one_replication(search: Search, label: str) -> bool:
    """Whether candidate ``label`` was simulated with one replication (no interval)."""
    f = search.flows
    reps = f.loc[f["candidate"] == label, "replications"] if len(f) else pd.Series(dtype=int)
    return bool(len(reps) and reps.min() < 2)


def _upper_ends(unsure: str, shown: int = 3) -> str:
    """``"a (31.0)"; "b (30.5)"`` as text: "a (up to 31.0 days), b (30.5)" and how many more.

    >>> _upper_ends("Kuryk→Kars (wagon) (37.7); Kuryk→Poti (wagon) (36.5)")
    'Kuryk→Kars (wagon) (up to 37.7 days) and Kuryk→Poti (wagon) (36.5)'
    >>> _upper_ends("")
    'some flow'
    """
    parts = [p for p in unsure.split("; ") if p]
    if not parts:
        return "some flow"
    head, _, top = parts[0].rpartition(" (")
    words = [f"{head} (up to {top.rstrip(')')} days)", *parts[1:shown]]
    more = len(parts) - shown
    if more > 0:
        words.append(f"{more} more")
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]


def timeline_figure(result: PlanResult, top: int = 8) -> Any:
    """Left: utilisation by year of the ``top`` busiest facilities (rho_high, with rho_low
    dashed), capacity at 1. Right: P90 transit by year per flow with its interval, targets."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.8))
    ax, bx = fig.subplots(1, 2)
    cap = result.capacity[np.isfinite(result.capacity["capacity"].to_numpy(dtype=float))]
    busiest = cap.groupby("facility")["rho_high"].max().sort_values(ascending=False).head(top).index
    for fac in busiest:
        g = cap[cap["facility"] == fac].sort_values("year")
        (line,) = ax.plot(g["year"], g["rho_high"], marker="o", label=_plain(fac))
        ax.plot(g["year"], g["rho_low"], linestyle="--", color=line.get_color(), alpha=0.6)
    ax.axhline(1.0, color="k", linewidth=0.8)
    ax.set_xlabel("year")
    ax.set_ylabel("utilisation rho (solid high, dashed low)")
    ax.set_title("Capacity check by year")
    ax.legend(fontsize="x-small")
    t = result.transit
    flows = t.groupby("flow")["p90_transit_d"].max().sort_values(ascending=False).head(top).index
    for flow in flows:
        g = t[t["flow"] == flow].sort_values("year")
        bx.errorbar(
            g["year"],
            g["p90_transit_d"],
            yerr=g["p90_halfwidth_d"].fillna(0),
            marker="o",
            capsize=3,
            label=_plain(flow),
        )
    targets = t["target_days"].dropna().unique()
    for tgt in targets:
        bx.axhline(float(tgt), color="k", linewidth=0.8, linestyle=":")
    # a t interval of few replications can reach below zero; a transit time cannot
    bx.set_ylim(bottom=0)
    bx.set_xlabel("year")
    bx.set_ylabel("P90 transit, days (95 % interval)")
    bx.set_title("P90 transit by year (dotted: target)")
    bx.legend(fontsize="x-small")
    for a in (ax, bx):
        a.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    return fig


def pareto_figure(result: PlanResult) -> Any:
    """Annual cost against the worst flow's P90 / target of every simulated candidate; the
    Pareto front joined, the chosen one marked, 1 = on target."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.8, 4.6))
    ax = fig.add_subplot()
    s = result.search
    table = s.table if s is not None else pd.DataFrame()
    if len(table) and table["simulated"].any():
        simd = table[table["simulated"]]
        ratio = simd["worst_ratio"].replace(np.inf, np.nan)
        ax.scatter(simd["cost_usd_per_year"] / 1e6, ratio, color="0.6", label="simulated")
        front = simd[simd["pareto"]].sort_values("cost_usd_per_year")
        ax.plot(
            front["cost_usd_per_year"] / 1e6,
            front["worst_ratio"].replace(np.inf, np.nan),
            marker="o",
            color="C0",
            label="Pareto front",
        )
        chosen = simd[simd["chosen"]]
        if len(chosen):
            ax.scatter(
                chosen["cost_usd_per_year"] / 1e6,
                chosen["worst_ratio"],
                s=120,
                facecolors="none",
                edgecolors="C3",
                linewidths=2,
                label="cheapest on target",
            )
        for row in simd.to_dict("records"):
            if math.isfinite(row["worst_ratio"]):
                ax.annotate(
                    _plain(row["candidate"]),
                    (row["cost_usd_per_year"] / 1e6, row["worst_ratio"]),
                    fontsize="xx-small",
                    xytext=(3, 3),
                    textcoords="offset points",
                )
        ax.legend(fontsize="small")
    else:
        ax.text(
            0.5, 0.5, "no candidate simulated", ha="center", va="center", transform=ax.transAxes
        )
    ax.axhline(1.0, color="k", linewidth=0.8, linestyle=":")
    ax.set_xlabel("annual cost of the additions, USD m a year")
    ax.set_ylabel("worst flow's P90 transit / target")
    ax.set_title(_plain(f"Additions in {s.year}" if s is not None else "Additions"))
    fig.tight_layout()
    return fig


def _table_md(frame: pd.DataFrame, cols: list[str], limit: int = 20) -> list[str]:
    f = frame[cols].head(limit)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in f.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append("" if math.isnan(v) else f"{v:,.2f}")
            else:
                cells.append("" if v is pd.NA else str(v).replace("|", "/"))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_outputs(
    result: PlanResult,
    p: Prepared,
    folder: outdir.OwnedFolder,
    *,
    posterior: Posterior | None = None,
    figures: bool = True,
) -> None:
    """Write the plan's tables, figures and report into its folder (each listed as written)."""

    def csv(name: str, frame: pd.DataFrame) -> None:
        folder.add(f"tables/{name}.csv", lambda path: frame.to_csv(path, index=False))

    csv("capacity_by_year", result.capacity)
    csv("saturation_years", result.saturation)
    csv("transit_by_year", result.transit)
    csv("trade_value", result.trade)
    s = result.search
    if s is not None:
        levers = pd.DataFrame(
            [
                {
                    **lv.__dict__,
                    "annual_cost_usd": lv.annual_cost_usd,
                    "annual_cost_low_usd": lv.annual_cost_range_usd[0],
                    "annual_cost_high_usd": lv.annual_cost_range_usd[1],
                }
                for lv in s.levers
            ]
        )
        csv("levers", levers)
        csv("candidates", s.table)
        csv("candidate_flows", s.flows)
    if len(result.staging):
        csv("staging", result.staging)
    if figures:
        folder.add(
            "figures/timeline.png",
            lambda path: timeline_figure(result).savefig(path, dpi=110, format="png"),
        )
        if s is not None:
            folder.add(
                "figures/pareto.png",
                lambda path: pareto_figure(result).savefig(path, dpi=110, format="png"),
            )
    years = list(p.years)
    first = next(iter(p.years.values()))
    md = [
        f"# Capacity plan: {p.scenario.name}, {years[0]}–{years[-1]}",
        "",
        f"Each year: the network of that year, demand grown to it, the additions announced up "
        f"to it; the capacity check and {first.run.replications} replication(s) of "
        f"{first.run.horizon_days:g} days (warm-up {first.run.warmup_days:g}, seed "
        f"{first.run.seed})"
        + (
            f", parameters drawn from {posterior.path or 'the posterior'}"
            if posterior
            else ", point parameters"
        )
        + ". A facility saturates when the load no route choice avoids reaches its capacity "
        "(rho_low ≥ 1). P90 transit is the mean over replications of each replication's 90th "
        "percentile, with its 95 % interval.",
        "",
        "## Findings",
        "",
        *[f"- {line}" for line in findings(result, p)],
        "",
        "## Saturation year by facility",
        "",
        *_table_md(
            result.saturation,
            [
                "facility",
                "kind",
                "place",
                "saturates",
                "may_saturate",
                "warns",
                "rho_low_last",
                "rho_high_last",
            ],
        ),
        "",
        f"## Transit in {years[-1]}",
        "",
        *_table_md(
            result.transit[result.transit["year"] == years[-1]],
            [
                "flow",
                "p50_transit_d",
                "p90_transit_d",
                "p90_halfwidth_d",
                "delivered_share",
                "target_days",
                "meets_target",
            ],
            limit=50,
        ),
        "",
    ]
    if s is not None and len(s.table):
        md += [
            f"## Additions searched ({s.year})",
            "",
            *_table_md(
                s.table,
                [
                    "candidate",
                    "cost_usd_per_year",
                    "passes_check",
                    "simulated",
                    "worst_flow",
                    "worst_ratio",
                    "feasible",
                    "chosen",
                ],
                limit=30,
            ),
            "",
        ]
    if p.scenario.plan.target_reason:
        md += ["Targets: " + p.scenario.plan.target_reason, ""]
    md += ["Tables: `tables/`; figures: `figures/timeline.png`, `figures/pareto.png`.", ""]
    folder.add("report.md", lambda path: path.write_text("\n".join(md), encoding="utf-8"))
