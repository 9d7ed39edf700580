"""A one-page report comparing scenarios: key table, computed reading, figures, method.

:func:`summary_table` and :func:`format_summary` are pure; :func:`write_report` writes
``report.md`` and a self-contained ``report.html`` (inline CSS, images beside it).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"flow": ["A→B (teu)"] * 2, "scenario": ["base", "new"],
...                   "mean_transit_d": [10.0, 8.2], "p95_transit_d": [12.0, 9.5],
...                   "diff_mean_transit_d": [float("nan"), -1.8],
...                   "diff_ci_low": [float("nan"), -2.4], "diff_ci_high": [float("nan"), -1.2],
...                   "on_time": [float("nan")] * 2, "cost_usd_per_unit": [3000.0, 2900.0],
...                   "co2_kg_per_unit": [2000.0, 1900.0]})
>>> reading(t, "base")
['new cuts mean A→B (teu) transit by 1.8 days (95% CI 1.2–2.4).']
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from sim.analysis.metrics import kpis, paired_differences
from sim.analysis.saturation import (
    ALPHA,
    MIN_DELIVERED_SHARE,
    MIN_EXCESS,
    Saturation,
    format_share,
    saturation,
)
from sim.analysis.shift import describe_ferry_departures, describe_shift
from sim.inputs.capacity import html_lines, report_section

__all__ = [
    "format_summary",
    "in_transit",
    "md_text",
    "reading",
    "route_shift",
    "saturation_sentences",
    "summary_table",
    "why_sentences",
    "write_report",
]

# every character that can start Markdown markup inline (emphasis, code, links, images, raw
# HTML, table cells, headings, entities, math); CommonMark lets a backslash escape any of them
_MD_MARKUP = re.compile(r"([\\`*_\[\]<>|#!~&$])")
_MD_AUTOLINK = re.compile(r"(?i)\b(https?|ftp)://|\b(www)\.")


def md_text(text: object) -> str:
    r"""Text (names, descriptions, sentences holding them) as literal Markdown on one line:
    markup characters backslash-escaped, line breaks made spaces, bare web addresses kept
    from becoming links.

    Examples
    --------
    >>> md_text("a|b <i>x</i> [y](http://z)\n# c_d")
    'a\\|b \\<i\\>x\\</i\\> \\[y\\](http\\://z) \\# c\\_d'
    """
    one_line = " ".join(str(text).split())
    escaped = _MD_MARKUP.sub(r"\\\1", one_line)
    return _MD_AUTOLINK.sub(lambda m: f"{m[1]}\\://" if m[1] else f"{m[2]}\\.", escaped)


KEY_METRICS = ("mean_transit_d", "p95_transit_d", "on_time", "cost_usd_per_unit", "co2_kg_per_unit")


def _with_targets(
    shipments: pd.DataFrame, target_days: float | Mapping[str, float] | None
) -> pd.DataFrame:
    if target_days is None:
        return shipments
    s = shipments.copy()
    flows = s["flow"].astype(str)
    if isinstance(target_days, Mapping):
        target_h = flows.map({k: 24.0 * v for k, v in target_days.items()}).astype(float)
    else:
        target_h = pd.Series(24.0 * float(target_days), index=s.index)
    s["target_h"] = target_h
    on_time = (s["transit_h"] <= target_h).astype(float).where(s["delivered"], 0.0)
    s["on_time"] = on_time.where(target_h.notna())
    return s


def summary_table(
    results: Any,
    baseline: str,
    *,
    target_days: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The key table: one row per flow and scenario, means over replications.

    Columns: flow, scenario, mean_transit_d, p95_transit_d, on_time (share of units within
    target; only when some flow has a target), cost_usd_per_unit, co2_kg_per_unit, released,
    delivered and in_transit (per replication), tonnes_delivered and teu_km_delivered (per
    replication, when the shipments carry them), delivered_share (of the units released after
    the warm-up, over all replications), growing_queues (queues on the flow's routes still
    growing at the end of the horizon, see :mod:`sim.analysis.saturation`), saturated (delivered
    share under 99 % or a growing queue), and for the scenarios other than the baseline
    diff_mean_transit_d with its paired 95 % confidence interval diff_ci_low/diff_ci_high.

    Parameters
    ----------
    results : Results
        From :func:`sim.compare` (common random numbers).
    baseline : str
        Scenario name the others are compared to.
    target_days : float or mapping flow -> days, optional
        Transit targets overriding those of the scenario (``target_h`` in shipments).
    """
    shipments = _with_targets(results.shipments, target_days)
    names = [str(n) for n in pd.unique(shipments["scenario"])]
    if baseline not in names:
        raise ValueError(f"baseline(={baseline!r}) is not among the scenarios {names}")
    method = getattr(results, "kpis", None)
    # a Results has its KPIs already (the same values; the flags it adds are not used here)
    k = method() if target_days is None and callable(method) else kpis(shipments)
    k["flow"] = k["flow"].astype(str)
    metrics = [m for m in KEY_METRICS if m in k.columns]
    volumes = [c for c in ("tonnes_delivered", "teu_km_delivered") if c in k.columns]
    table = k.groupby(["flow", "scenario"], sort=False)[
        [*metrics, "released", "delivered", "in_transit", *volumes]
    ].mean()
    table = table.reset_index()
    table["delivered_share"] = table["delivered"] / table["released"]
    sat = _saturation(results)
    growing = dict(
        zip(
            zip(sat.flows["scenario"], sat.flows["flow"], strict=True),
            sat.flows["growing_queues"],
            strict=True,
        )
    )
    keys = zip(table["scenario"], table["flow"], strict=True)
    table["growing_queues"] = [growing.get(key, "") for key in keys]
    table["saturated"] = (table["delivered_share"] < MIN_DELIVERED_SHARE) | (
        table["growing_queues"] != ""
    )
    diffs = paired_differences(k, baseline, metrics=("mean_transit_d",))
    if diffs.empty:
        diffs = pd.DataFrame(columns=["scenario", "flow", "difference", "ci_low", "ci_high"])
    diffs = diffs.rename(
        columns={
            "difference": "diff_mean_transit_d",
            "ci_low": "diff_ci_low",
            "ci_high": "diff_ci_high",
        }
    )[["scenario", "flow", "diff_mean_transit_d", "diff_ci_low", "diff_ci_high"]]
    diffs["flow"] = diffs["flow"].astype(str)
    table = table.merge(diffs, on=["scenario", "flow"], how="left")
    flow_order = list(dict.fromkeys(k["flow"]))
    table["flow"] = pd.Categorical(table["flow"], flow_order)
    table["scenario"] = pd.Categorical(table["scenario"], names)
    table = table.sort_values(["flow", "scenario"]).reset_index(drop=True)
    table["flow"] = table["flow"].astype(str)
    table["scenario"] = table["scenario"].astype(str)
    return table


def _saturation(results: Any) -> Saturation:
    """The saturation checks of ``results`` (a Results; anything with its tables and specs)."""
    method = getattr(results, "saturation", None)
    return method() if callable(method) else saturation(results)


def _fmt(x: float, digits: int = 1) -> str:
    return "–" if pd.isna(x) else f"{x:,.{digits}f}"


def _diff(row: Mapping[Any, Any]) -> str:
    d = row.get("diff_mean_transit_d")
    if d is None or pd.isna(d):
        return ""
    lo, hi = row["diff_ci_low"], row["diff_ci_high"]
    ci = "" if pd.isna(lo) else f" ({lo:+.2f} to {hi:+.2f})"
    return f"{d:+.2f}{ci}"


def _flag(row: Mapping[Any, Any]) -> str:
    """The mark of a saturated row: its delivered share, or that a queue on its way grows."""
    share = row.get("delivered_share")
    if share is not None and not pd.isna(share) and share < MIN_DELIVERED_SHARE:
        return f"{format_share(share)} delivered"
    if row.get("growing_queues"):
        return "queue growing"
    return ""


def _rows(table: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    has_target = "on_time" in table and bool(table["on_time"].notna().any())
    has_share = "delivered_share" in table
    head = ["Flow", "Scenario", "Mean (d)", "P95 (d)", "Δ mean (d, 95% CI)"]
    head += ["Delivered"] if has_share else []
    head += ["On time"] if has_target else []
    head += ["USD/unit", "kg CO₂/unit"]
    rows: list[list[str]] = []
    last = None
    for row in table.to_dict("records"):
        flow = str(row["flow"])
        flag = _flag(row)
        cells = [
            flow if flow != last else "",
            str(row["scenario"]),
            _fmt(row["mean_transit_d"]) + (f" ({flag})" if flag else ""),
            _fmt(row["p95_transit_d"]),
            _diff(row),
        ]
        if has_share:
            share = row["delivered_share"]
            cells.append("–" if pd.isna(share) else format_share(share))
        cells += (
            [_fmt(100 * row["on_time"], 0) + " %" if not pd.isna(row["on_time"]) else "–"]
            if has_target
            else []
        )
        cells += [_fmt(row["cost_usd_per_unit"], 0), _fmt(row["co2_kg_per_unit"], 0)]
        rows.append(cells)
        last = flow
    return head, rows


def _legend(table: pd.DataFrame) -> list[str]:
    """What the marks of saturated rows mean (empty when no row is marked)."""
    if "saturated" not in table or not table["saturated"].any():
        return []
    marks = {_flag(row).split(" ", 2)[-1] for row in table[table["saturated"]].to_dict("records")}
    parts = []
    if "delivered" in marks:
        parts.append(
            '"(x % delivered)": the flow delivered less than '
            f"{format_share(MIN_DELIVERED_SHARE)} of its units released after the warm-up by "
            "the end of the run, so its transit statistics describe only the units that got "
            "through"
        )
    if "growing" in marks:
        parts.append(
            '"(queue growing)": a queue on its routes was still growing at the end of the '
            "horizon, so its statistics depend on where the horizon ends"
        )
    return ["Marked means: " + "; ".join(parts) + ". See Saturation."]


def format_summary(table: pd.DataFrame) -> str:
    """The key table as fixed-width text (what the CLI prints after a comparison).

    A saturated row's mean is marked with its delivered share (or "queue growing"), and a
    legend under the table says what the marks mean.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"flow": ["A→B"], "scenario": ["base"], "mean_transit_d": [10.04],
    ...                   "p95_transit_d": [12.0], "cost_usd_per_unit": [3000.0],
    ...                   "co2_kg_per_unit": [2000.0]})
    >>> print(format_summary(t).splitlines()[2])
    A→B   base          10.0     12.0                         3,000        2,000
    >>> t = t.assign(delivered_share=[0.62], saturated=[True])
    >>> print(format_summary(t).splitlines()[2][:47].rstrip())
    A→B   base      10.0 (62 % delivered)     12.0
    """
    head, rows = _rows(table)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    right = {i for i, h in enumerate(head) if i >= 2}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    legend = _legend(table)
    return "\n".join(
        [
            line(head),
            "  ".join("-" * w for w in widths),
            *map(line, rows),
            *(["", *legend] if legend else []),
        ]
    )


def reading(table: pd.DataFrame, baseline: str, *, limit: int = 6) -> list[str]:
    """Sentences on the significant changes of mean transit (CI excluding zero), largest first.

    A change where the flow is saturated (see :func:`summary_table`) in the scenario or the
    baseline says so: it compares the units that got through, not the flow.
    """
    out: list[str] = []
    others = table[(table["scenario"] != baseline) & table["diff_mean_transit_d"].notna()]
    base_rows = table[table["scenario"] == baseline].set_index("flow")
    for name, part in others.groupby("scenario", sort=False):
        sig = part[(part["diff_ci_low"] > 0) | (part["diff_ci_high"] < 0)]
        sig = sig.reindex(sig["diff_mean_transit_d"].abs().sort_values(ascending=False).index)
        for row in sig.head(limit).to_dict("records"):
            d, lo, hi = row["diff_mean_transit_d"], row["diff_ci_low"], row["diff_ci_high"]
            verb = "cuts" if d < 0 else "raises"
            a, b = sorted((abs(lo), abs(hi)))
            scale, unit = (24.0, "hours") if abs(d) < 0.1 else (1.0, "days")
            caveat = _caveat(row, base_rows, str(name), baseline)
            out.append(
                f"{name} {verb} mean {row['flow']} transit by {abs(d) * scale:.1f} {unit} "
                f"(95% CI {a * scale:.1f}–{b * scale:.1f})" + (f" — {caveat}." if caveat else ".")
            )
        if len(sig) > limit:
            out.append(f"{name}: {len(sig) - limit} more significant changes in the table.")
        if len(sig) == 0:
            out.append(
                f"{name}: no significant change in mean transit for any of the {len(part)} flows."
            )
        elif len(part) > len(sig):
            out.append(
                f"{name}: no significant change in mean transit for the other "
                f"{len(part) - len(sig)} flows."
            )
    return out


def _caveat(row: Mapping[Any, Any], base_rows: pd.DataFrame, name: str, baseline: str) -> str:
    """Why a difference of mean transit is not a flow's difference (saturation), or ""."""
    if "saturated" not in base_rows:
        return ""
    parts = []
    for scen, r in ((name, row), (baseline, base_rows.loc[row["flow"]].to_dict())):
        if r.get("saturated"):
            parts.append(f"{_flag(r)} in {scen}")
    if not parts:
        return ""
    return (
        "but the flow is saturated ("
        + "; ".join(parts)
        + "), so the means cover only the units that got through"
    )


def saturation_sentences(results: Any, sat: Saturation | None = None) -> list[str]:
    """The saturation findings of every scenario in words (see
    :meth:`sim.analysis.saturation.Saturation.sentences`), then where the units still in transit at
    the end of the run are (:func:`in_transit`)."""
    sat = sat if sat is not None else _saturation(results)
    return [*sat.sentences(), *in_transit(results.shipments)]


def in_transit(shipments: pd.DataFrame, *, top: int = 3) -> list[str]:
    """Sentences on the units released after the warm-up that were not delivered by the end
    of the run: per scenario, how many per replication and the places holding most of them
    (``shipments.location``), with the flows there.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"scenario": "s", "replication": 0, "in_warmup": False,
    ...                   "delivered": [True, False, False, False],
    ...                   "flow": ["A", "A", "A", "B"],
    ...                   "location": [None, "ferry queue f at p", "ferry queue f at p",
    ...                                "on rail p→q"]})
    >>> for part in in_transit(s)[0].split(": "):
    ...     print(part)
    s
    3 units per replication still in transit at the end of the run
    2 in ferry queue f at p (A 2); 1 on rail p→q (B 1).
    """
    s = shipments[~shipments["in_warmup"] & ~shipments["delivered"]]
    out: list[str] = []
    if "location" not in s:
        return out
    for name, part in s.groupby("scenario", sort=False):
        reps = max(int(shipments.loc[shipments["scenario"] == name, "replication"].nunique()), 1)
        places = part.groupby("location", sort=False).size().sort_values(ascending=False)
        listed = []
        for place, n in places.head(top).items():
            here = part[part["location"] == place]
            flows = here.groupby("flow", observed=True).size().sort_values(ascending=False)
            who = ", ".join(f"{f} {_count(c / reps)}" for f, c in flows.head(3).items())
            listed.append(f"{_count(n / reps)} in {place} ({who})".replace(" in on ", " on "))
        more = f"; {len(places) - top} other places" if len(places) > top else ""
        out.append(
            f"{name}: {_count(len(part) / reps)} units per replication still in transit at the "
            f"end of the run: " + "; ".join(listed) + more + "."
        )
    return out


def _count(x: float) -> str:
    """Units per replication: whole numbers, but a rare 0.4 is not printed as 0."""
    return f"{x:,.0f}" if x >= 10 or x == int(x) else f"{x:.1f}"


def route_shift(results: Any, baseline: str) -> list[str]:
    """Sentences on cargo that takes legs the baseline never uses (a new corridor's traffic).

    For each other scenario: units per replication (after warm-up) whose route uses at least
    one leg that no baseline route uses, with their share and the flows they belong to.
    """
    s = results.shipments
    s = s[~s["in_warmup"]]
    base_legs = {leg for plan in results.specs[baseline].plans for leg in plan.legs}
    out: list[str] = []
    for name, spec in results.specs.items():
        if name == baseline:
            continue
        new = {p.index for p in spec.plans if set(p.legs) - base_legs}
        part = s[s["scenario"] == name]
        reps = max(int(part["replication"].nunique()), 1)
        on_new = part[part["plan"].isin(new)]
        if not new:
            out.append(f"{name}: every route it uses is also used in {baseline}.")
            continue
        flows = on_new.groupby("flow", observed=True).size().sort_values(ascending=False)
        listed = ", ".join(f"{f} {_count(n / reps)}" for f, n in flows.head(4).items())
        out.append(
            f"{name}: {len(on_new) / reps:,.0f} of {len(part) / reps:,.0f} units per replication "
            f"({len(on_new) / max(len(part), 1):.2%}) take legs that no {baseline} route uses"
            + (f" ({listed})." if listed else ".")
        )
    return out


def why_sentences(results: Any, baseline: str) -> list[str]:
    """For each scenario against ``baseline``: the flows of which a share of units changed
    route, with how their time changed by cause, from the move and on the routes themselves
    (:func:`sim.analysis.shift.describe_shift`), and the ferry ports where the cargo's wait changed,
    with the sailings, the reasons they left and their regularity behind it
    (:func:`sim.analysis.shift.describe_ferry_departures`). Every number comes from ``results``."""
    out: list[str] = []
    departures = getattr(results, "departures", None)
    for name in results.specs:
        if name == baseline:
            continue
        out += [
            f"{name}: {s}"
            for s in describe_shift(results.shipments, baseline, name, specs=results.specs)
        ]
        if departures is not None and not departures.empty:
            out += [f"{name}: {s}" for s in describe_ferry_departures(departures, baseline, name)]
    return out


def _method(results: Any) -> list[str]:
    s = results.shipments
    reps = int(s["replication"].nunique())
    lines = []
    for name, spec in results.specs.items():
        part = s[(s["scenario"] == name) & ~s["in_warmup"]]
        open_units = int((~part["delivered"]).sum()) / max(reps, 1)
        released = len(part) / max(reps, 1)
        lines.append(
            f"{name}: horizon {spec.horizon_h / 24:.0f} days, "
            f"warm-up {spec.warmup_h / 24:.0f} days, "
            f"{released:,.0f} units released after warm-up per replication, "
            f"{open_units:,.0f} ({format_share(open_units / released)}) still in transit at the "
            f"end of the run, {spec.drain_h / 24:.0f} days after the horizon (releases stop at "
            "the horizon; the run then drains)"
            if released
            else f"{name}: no units released after warm-up"
        )
    return [
        f"{reps} replications per scenario on common random numbers (same seed and replication "
        "index, so arrivals are shared and differences are paired); 95% confidence intervals "
        "are t intervals over the paired replication differences.",
        "Statistics cover units released after the warm-up; transit times only delivered "
        "units, so units still in transit at the end are left out of them (counts below). A "
        f"flow delivering less than {format_share(MIN_DELIVERED_SHARE)} of them, or behind a "
        "queue still growing at the end of the horizon (Mann–Kendall test on block means of "
        "the second half of the window, pooled over replications, p < "
        f"{ALPHA:g}, growth at least {format_share(MIN_EXCESS)} of the facility's throughput), is "
        "marked saturated.",
        *lines,
    ]


def uncertainty_sentences(results: Any, posterior: str | None, *, top: int = 2) -> list[str]:
    """What the intervals include, and which assumptions dominate each flow's headline figures.

    With a posterior (a ``posterior.csv`` of ``corridor calibrate``), each replication drew its
    parameters from it; a ``sensitivity.csv`` beside it (the same calibration's first-order
    Sobol indices) names, per flow, the assumptions that explain most of the variance of its
    median and P90 transit over the prior ranges.
    """
    if not posterior:
        return [
            "Intervals are run-to-run noise only: every replication ran the scenarios' point "
            "values of the uncertain parameters (no posterior)."
        ]
    path = Path(posterior)
    lines = [
        f"Each replication drew the uncertain parameters from the posterior {path.name} "
        f"({path.parent.name}/), the same draw in every scenario, so the intervals include what "
        "is not known about the corridor as well as run-to-run noise."
    ]
    sens_path = path.with_name("sensitivity.csv")
    if not sens_path.is_file():
        return lines
    sens = pd.read_csv(sens_path)
    flows = {str(f) for f in results.shipments["flow"].unique()}
    for stat, label in (("p50_d", "median"), ("p90_d", "P90")):
        for flow in sorted(flows):
            part = sens[sens["output"] == f"{stat}:{flow}"]
            if not len(part):
                continue
            best = part.sort_values(["S1", "parameter"], ascending=[False, True]).head(top)
            names = ", ".join(
                f"{r['parameter']} (S1 {r['S1']:.2f} ± {r['S1_conf']:.2f})"
                for _, r in best.iterrows()
            )
            lines.append(f"{flow}, {label} transit: dominated by {names}.")
    return lines


def _scenarios(results: Any, scenarios: Sequence[Any] | None) -> list[dict[str, str]]:
    by_name = {s.name: s for s in scenarios or ()}
    reps = results.shipments.groupby("scenario")["replication"].nunique()
    out = []
    for name, spec in results.specs.items():
        sc = by_name.get(name)
        out.append(
            {
                "name": name,
                "description": " ".join(str(getattr(sc, "description", "") or "").split()),
                "year": str(getattr(sc, "year", "")),
                "replications": str(int(reps.get(name, 0))),
                "seed": str(spec.seed),
            }
        )
    return out


#: a Markdown code span in generated prose (a scenario's description, a method note)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def write_report(
    results: Any,
    out_dir: str | Path,
    *,
    baseline: str,
    figures: Mapping[str, str | Path],
    title: str | None = None,
    target_days: float | Mapping[str, float] | None = None,
    scenarios: Sequence[Any] | None = None,
    summary: pd.DataFrame | None = None,
    posterior: str | None = None,
) -> Path:
    """Write ``report.md`` and ``report.html`` into ``out_dir``; return the HTML path.

    ``figures`` maps a caption to an image file; images inside ``out_dir`` (or a folder of it)
    are referenced where they are, others are copied into
    it so both reports reference them relatively. ``scenarios`` (the Scenario objects) adds
    descriptions and years, which the compiled specs do not carry. ``summary`` is
    :func:`summary_table` of the same arguments when the caller has it already. ``posterior``
    is the file replications drew their parameters from (see :func:`uncertainty_sentences`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = (
        summary
        if summary is not None
        else summary_table(results, baseline, target_days=target_days)
    )
    names = list(results.specs)
    title = title or f"{' vs '.join(names)}: corridor comparison"
    images: list[tuple[str, str]] = []
    for caption, path in figures.items():
        src = Path(path).resolve()
        if src.is_relative_to(out.resolve()):
            images.append((caption, src.relative_to(out.resolve()).as_posix()))
        else:
            shutil.copy2(src, out / src.name)
            images.append((caption, src.name))
    info = _scenarios(results, scenarios)
    sentences = reading(table, baseline) + route_shift(results, baseline)
    why = why_sentences(results, baseline)
    saturated = saturation_sentences(results)
    legend = _legend(table)
    method = _method(results)
    uncertainty = uncertainty_sentences(results, posterior)
    head, rows = _rows(table)

    m = md_text
    md = [
        f"# {m(title)}",
        "",
        "## Scenarios",
        "",
        "| Scenario | Year | Replications | Seed | Description |",
        "|---|---|---|---|---|",
    ]
    md += [
        f"| {m(i['name'])}{' (baseline)' if i['name'] == baseline else ''} | {m(i['year'])} | "
        f"{m(i['replications'])} | {m(i['seed'])} | {m(i['description'])} |"
        for i in info
    ]
    md += [
        "",
        "## Key results",
        "",
        "| " + " | ".join(map(m, head)) + " |",
        "|" + "---|" * len(head),
    ]
    md += ["| " + " | ".join(map(m, r)) + " |" for r in rows]
    md += ["", *[f"*{m(x)}*" for x in legend], *([""] if legend else [])]
    md += ["## Saturation", "", *[f"- {m(s)}" for s in saturated]]
    capacity = report_section(
        results.specs, scenarios
    )  # the capacity check (sim/inputs/capacity.py)
    md += ["", "## Reading", "", *[f"- {m(s)}" for s in sentences], ""]
    if why:
        md += ["## What moved, and why", "", *[f"- {m(s)}" for s in why], ""]
    md += [*_md_capacity(results.specs, scenarios), "## Figures", ""]
    md += [f"![{m(c)}](<{f}>)\n\n*{m(c)}*\n" for c, f in images]
    md += ["## Uncertainty", "", *[f"- {m(x)}" for x in uncertainty], ""]
    md += ["## Method", "", *[f"- {m(x)}" for x in method], ""]
    (out / "report.md").write_text("\n".join(md), encoding="utf-8")

    e = html.escape

    def t(text: object) -> str:
        """Prose for HTML: escaped, with `code spans` as <code> (not literal backticks)."""
        return _CODE_SPAN.sub(r"<code>\1</code>", html.escape(str(text)))

    doc = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        "<h2>Scenarios</h2>",
        "<table><tr><th>Scenario</th><th>Year</th><th>Replications</th><th>Seed</th>"
        "<th>Description</th></tr>",
        *[
            f"<tr><td>{e(i['name'])}{' (baseline)' if i['name'] == baseline else ''}</td>"
            f"<td>{e(i['year'])}</td><td>{e(i['replications'])}</td><td>{e(i['seed'])}</td>"
            f"<td>{t(i['description'])}</td></tr>"
            for i in info
        ],
        "</table>",
        "<h2>Key results</h2>",
        '<table class="num">',
        "<tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>",
        *["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows],
        "</table>",
        *[f'<p class="note">{t(x)}</p>' for x in legend],
        "<h2>Saturation</h2>",
        "<ul>",
        *[f"<li>{t(s)}</li>" for s in saturated],
        "</ul>",
        "<h2>Reading</h2>",
        "<ul>",
        *[f"<li>{t(s)}</li>" for s in sentences],
        "</ul>",
        *(
            ["<h2>What moved, and why</h2>", "<ul>", *[f"<li>{t(s)}</li>" for s in why], "</ul>"]
            if why
            else []
        ),
        *html_lines(capacity),
        "<h2>Figures</h2>",
        *[
            f'<figure><img src="{e(f)}" alt="{e(c)}"><figcaption>{e(c)}</figcaption></figure>'
            for c, f in images
        ],
        "<h2>Uncertainty</h2>",
        "<ul>",
        *[f"<li>{e(u)}</li>" for u in uncertainty],
        "</ul>",
        "<h2>Method</h2>",
        "<ul>",
        *[f"<li>{t(m)}</li>" for m in method],
        "</ul>",
        "</body></html>",
    ]
    path = out / "report.html"
    path.write_text("\n".join(doc), encoding="utf-8")
    return path


def _md_capacity(specs: Mapping[str, Any], scenarios: Sequence[Any] | None) -> list[str]:
    """The capacity section (:func:`sim.inputs.capacity.report_section`) for ``report.md``, with the
    scenarios' names and overload reasons as literal Markdown (:func:`md_text`)."""
    escaped = [
        SimpleNamespace(
            name=md_text(getattr(s, "name", "")),
            run=SimpleNamespace(
                overload_reason=md_text(getattr(getattr(s, "run", None), "overload_reason", ""))
            ),
        )
        for s in scenarios or ()
    ]
    return report_section({md_text(n): spec for n, spec in specs.items()}, escaped)


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;"
    "line-height:1.4}h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;font-size:.85em;margin:.5em 0}"
    "td,th{border-bottom:1px solid #e3e3e3;padding:.25em .6em;text-align:left}"
    "table.num td:nth-child(n+3){text-align:right;font-variant-numeric:tabular-nums}"
    "figure{margin:1em 0}img{max-width:100%}figcaption{font-size:.85em;color:#555}"
    "p.note{font-size:.85em;color:#555}"
)
