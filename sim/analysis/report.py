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

import numpy as np
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
from sim.analysis.scenario_diff import scenario_graphs, what_differs
from sim.analysis.shift import describe_ferry_departures, describe_shift, shift_table
from sim.inputs.capacity import html_lines, report_section

__all__ = [
    "format_summary",
    "in_transit",
    "largest_change_first",
    "md_text",
    "reading",
    "route_shift",
    "route_shifts",
    "saturation_sentences",
    "share_text",
    "shift_rows",
    "summary_sentences",
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


#: the smallest change of a flow's share on a route that the route-shift table shows
MIN_ROUTE_CHANGE = 0.01

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
    """The key table: one row per flow and scenario, means over replications, the flows
    whose mean transit changed most first (:func:`largest_change_first`).

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
    table["flow"] = pd.Categorical(table["flow"], largest_change_first(table))
    table["scenario"] = pd.Categorical(table["scenario"], names)
    table = table.sort_values(["flow", "scenario"]).reset_index(drop=True)
    table["flow"] = table["flow"].astype(str)
    table["scenario"] = table["scenario"].astype(str)
    return table


def largest_change_first(table: pd.DataFrame) -> list[str]:
    """The flows of a key table (:func:`summary_table`'s columns ``flow`` and
    ``diff_mean_transit_d``), the largest change of mean transit in any scenario first (by
    absolute value), then those without a difference in their order of appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"flow": ["a", "a", "b", "b", "c", "c"],
    ...                   "diff_mean_transit_d": [None, 0.5, None, -3.0, None, None]})
    >>> largest_change_first(t)
    ['b', 'a', 'c']
    """
    flows = list(dict.fromkeys(table["flow"].astype(str)))
    change = table.assign(_abs=table["diff_mean_transit_d"].astype(float).abs())
    size = change.groupby(change["flow"].astype(str), sort=False)["_abs"].max()
    return sorted(
        flows,
        key=lambda f: (pd.isna(size.get(f)), -(0.0 if pd.isna(size.get(f)) else size[f])),
    )


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


def _days(d: float) -> tuple[float, str]:
    """Scale and unit for a change of ``d`` days: hours under 0.1 day."""
    return (24.0, "hours") if abs(d) < 0.1 else (1.0, "days")


def _change(row: Mapping[Any, Any], saturated: bool = False) -> str:
    """``"Tashkent→Poti (teu) by 9.4 days (95 % CI 2.8–16.0)"``: a significant change; of a
    flow ``saturated`` in either scenario, marked as comparing delivered units only."""
    d, lo, hi = row["diff_mean_transit_d"], row["diff_ci_low"], row["diff_ci_high"]
    scale, unit = _days(d)
    a, b = sorted((abs(lo), abs(hi)))
    mark = " (saturated: delivered units only)" if saturated else ""
    return (
        f"{row['flow']} by {abs(d) * scale:.1f} {unit} "
        f"(95 % CI {a * scale:.1f}–{b * scale:.1f}){mark}"
    )


#: how the plain-language summary counts the differences of each topic (see
#: :func:`sim.analysis.scenario_diff.what_differs`)
_TOPIC_NOUNS = {
    "legs opened": ("leg opened", "legs opened"),
    "legs closed": ("leg closed", "legs closed"),
    "legs used": (
        "leg used by one scenario's routes only",
        "legs used by one scenario's routes only",
    ),
    "operations": ("operations switch", "operations switches"),
    "demand": ("demand setting", "demand settings"),
    "candidate routes": (
        "flow with other candidate routes",
        "flows with other candidate routes",
    ),
    "background": ("background traffic figure", "background traffic figures"),
    "facilities": ("facility parameter", "facility parameters"),
    "ferries": ("ferry-line parameter", "ferry-line parameters"),
    "legs": ("leg parameter", "leg parameters"),
    "trains": ("train setting", "train settings"),
    "closures": ("closure", "closures"),
    "berths": ("berth limit", "berth limits"),
    "run": ("run setting", "run settings"),
}


def summary_sentences(
    table: pd.DataFrame,
    baseline: str,
    *,
    differs: pd.DataFrame | None = None,
    shifts: Mapping[str, pd.DataFrame] | None = None,
    top: int = 3,
) -> list[str]:
    """The plain-language summary at the top of a report, every number from the arguments.

    For each scenario against ``baseline``: what differs, counted by kind (``differs``, from
    :func:`sim.analysis.scenario_diff.what_differs`); the flows significantly faster and slower
    in mean transit (95 % CI excluding zero), the largest changes first with their intervals
    (``table``, :func:`summary_table`); the flows that changed route and the largest move
    (``shifts``: scenario -> :func:`sim.analysis.shift.shift_table`); then whether any flow
    saturates. With one scenario only: the range of mean transit and the saturation.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"flow": ["A→B", "A→B", "C→D", "C→D"], "scenario": ["b", "n"] * 2,
    ...                   "mean_transit_d": [10.0, 8.2, 5.0, 5.1],
    ...                   "diff_mean_transit_d": [None, -1.8, None, 0.1],
    ...                   "diff_ci_low": [None, -2.4, None, -0.3],
    ...                   "diff_ci_high": [None, -1.2, None, 0.5], "saturated": False})
    >>> for line in summary_sentences(t, "b"):
    ...     print(line)
    n against b: faster for 1 of 2 flows: A→B by 1.8 days (95 % CI 1.2–2.4); no significant \
change for the other 1 flow.
    No flow saturates in any scenario.
    """
    out: list[str] = []
    names = list(dict.fromkeys(table["scenario"]))
    others = [n for n in names if n != baseline]
    if not others:
        rows = table[table["scenario"] == baseline].dropna(subset=["mean_transit_d"])
        if len(rows):
            ordered = rows.sort_values("mean_transit_d", kind="stable")
            lo, hi = ordered.iloc[0], ordered.iloc[-1]
            out.append(
                f"{baseline}: {len(rows)} flows; mean transit from {lo['mean_transit_d']:.1f} "
                f"days ({lo['flow']}) to {hi['mean_transit_d']:.1f} days ({hi['flow']})."
            )
    base_saturated = set()
    if "saturated" in table:
        base = table[(table["scenario"] == baseline) & table["saturated"].astype(bool)]
        base_saturated = set(base["flow"])
    for name in others:
        if differs is not None:
            part = differs[differs["scenario"] == name]
            kinds = []
            for topic, rows in part.groupby("topic", sort=False):
                if topic in ("year", "border regime"):
                    kinds += [
                        f"{r['item']} {r['before']} → {r['after']}" for _, r in rows.iterrows()
                    ]
                else:
                    one, many = _TOPIC_NOUNS.get(str(topic), (str(topic), str(topic)))
                    kinds.append(f"{len(rows)} {one if len(rows) == 1 else many}")
            out.append(
                f"{name} differs from {baseline} in: " + "; ".join(kinds) + " (see What differs)."
                if kinds
                else f"{name} compiles to the same model as {baseline}: no difference in the "
                "network, facilities, demand or settings, so any difference below is noise."
            )
        part = table[(table["scenario"] == name) & table["diff_mean_transit_d"].notna()]
        part = part.reindex(part["diff_mean_transit_d"].abs().sort_values(ascending=False).index)
        faster = part[part["diff_ci_high"] < 0]
        slower = part[part["diff_ci_low"] > 0]
        bits = []
        for rows, word in ((faster, "faster"), (slower, "slower")):
            if len(rows):
                listed = "; ".join(
                    _change(r, bool(r.get("saturated")) or r["flow"] in base_saturated)
                    for r in rows.head(top).to_dict("records")
                )
                more = f"; {len(rows) - top} more in the table" if len(rows) > top else ""
                bits.append(f"{word} for {len(rows)} of {len(part)} flows: {listed}{more}")
        rest = len(part) - len(faster) - len(slower)
        if bits:
            if rest:
                bits.append(f"no significant change for the other {rest} flow{'s' * (rest != 1)}")
            out.append(f"{name} against {baseline}: " + "; ".join(bits) + ".")
        else:
            out.append(
                f"{name} against {baseline}: no significant change in mean transit for any of "
                f"the {len(part)} flows."
            )
        shift = (shifts or {}).get(name)
        if shift is not None and len(shift):
            first = shift.iloc[0]
            rows = shift[shift["flow"] == first["flow"]]
            gain = rows.loc[rows["share_change"].idxmax()]
            n = shift["flow"].nunique()
            out.append(
                f"{name}: units change route in {n} flow{'s' * (n != 1)}; most in "
                f"{first['flow']}, where {share_text(first['moved'])} of its units move, "
                f"mainly to {gain['route']} ({share_text(gain['share_base'])} → "
                f"{share_text(gain['share_new'])})."
            )
        elif shift is not None:
            out.append(
                f"{name}: no flow changes route (by {share_text(MIN_ROUTE_CHANGE)} of its units "
                "or more)."
            )
    if "saturated" in table:
        sat = table[table["saturated"].astype(bool)]
        if len(sat):
            out += _saturated_sentences(table, sat, top)
        else:
            out.append("No flow saturates in any scenario.")
    return out


def _saturated_sentences(table: pd.DataFrame, sat: pd.DataFrame, top: int) -> list[str]:
    """One sentence per scenario with saturated flows: how many, the ``top`` least delivered
    first (then those behind a growing queue), the rest counted."""
    out = []
    for name, rows in sat.groupby("scenario", sort=False):
        n = int((table["scenario"] == name).sum())
        share = rows.get("delivered_share", pd.Series(np.nan, index=rows.index)).astype(float)
        rows = rows.assign(_share=share.fillna(1.0)).sort_values("_share", kind="stable")
        listed = ", ".join(f"{r['flow']} ({_flag(r)})" for r in rows.head(top).to_dict("records"))
        more = f" and {len(rows) - top} more" if len(rows) > top else ""
        out.append(
            f"Saturated in {name}: {len(rows)} of {n} flows, {listed}{more}; see Saturation."
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
    """Units per replication: whole numbers, but a rare 0.4 (or 0.03) is not printed as 0.

    >>> [_count(x) for x in (58210.4, 12.0, 2.5, 0.4, 0.034, 0.0)]
    ['58,210', '12', '2.5', '0.4', '0.034', '0']
    """
    if x >= 10 or x == int(x):
        return f"{x:,.0f}"
    return f"{x:.1f}" if x >= 0.1 else f"{x:.2g}"


def share_text(share: float) -> str:
    """A share as a percentage that reads sensibly however small: whole percents from 10 %,
    one decimal from 1 %, two significant figures below, "0 %" only for nothing at all.

    Examples
    --------
    >>> [share_text(x) for x in (0.5, 0.0473, 0.0043, 0.0000429, 0.0)]
    ['50 %', '4.7 %', '0.43 %', '0.0043 %', '0 %']
    """
    p = 100 * share
    if p == 0:
        return "0 %"
    if p >= 10:
        return f"{p:.0f} %"
    return f"{p:.1f} %" if p >= 1 else f"{p:.2g} %"


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
        own = {i for f in spec.flows if not f.background for i in f.plans}
        new = {p.index for p in spec.plans if p.index in own and set(p.legs) - base_legs}
        part = s[s["scenario"] == name]
        reps = max(int(part["replication"].nunique()), 1)
        on_new = part[part["plan"].isin(new)]
        if not new:
            out.append(f"{name}: every route it uses is also used in {baseline}.")
            continue
        total = len(part) / reps
        if on_new.empty:
            out.append(
                f"{name}: none of its {_count(total)} units per replication takes a leg that no "
                f"{baseline} route uses, though {len(new)} of its routes have one."
            )
            continue
        flows = on_new.groupby("flow", observed=True).size().sort_values(ascending=False)
        listed = ", ".join(f"{f} {_count(n / reps)}" for f, n in flows.head(4).items())
        out.append(
            f"{name}: {_count(len(on_new) / reps)} of {_count(total)} units per replication "
            f"({share_text(len(on_new) / max(len(part), 1))}) take legs that no {baseline} "
            f"route uses ({listed})."
        )
    return out


def route_shifts(results: Any, baseline: str) -> dict[str, pd.DataFrame]:
    """Per scenario other than ``baseline``, its route-shift table
    (:func:`sim.analysis.shift.shift_table`: flows whose share on a route changed by at least
    :data:`MIN_ROUTE_CHANGE`, by the routes table's ids and names).

    Examples
    --------
    >>> import sim
    >>> from pathlib import Path
    >>> tiny = str(Path("tests/fixtures/tiny_network").resolve())
    >>> def scenario(name, year):
    ...     flow = sim.Flow(origin="Alpha", destination="Foxtrot", per_week=60,
    ...                     route=sim.RouteChoice(mode="adaptive", k=3, by="time"))
    ...     run = sim.RunSettings(horizon_days=30, warmup_days=5, replications=1, seed=5)
    ...     return sim.Scenario(name=name, network=tiny, year=year, demand=[flow], run=run)
    >>> res = sim.compare([scenario("a", 2025), scenario("b", 2030)], replications=1)
    >>> shifts = route_shifts(res, "a")
    >>> list(shifts), list(shifts["b"].columns[:4])
    (['b'], ['flow', 'route_id', 'route', 'share_base'])
    >>> shift_rows(shifts)[0][:3]
    ['Scenario', 'Flow', 'Route']
    """
    return {
        name: shift_table(
            results.shipments, baseline, name, specs=results.specs, min_change=MIN_ROUTE_CHANGE
        )
        for name in results.specs
        if name != baseline
    }


def _points(change: float) -> str:
    """A change of share in percentage points, never rounded to nothing."""
    sign = "+" if change > 0 else "−" if change < 0 else ""
    return f"{sign}{share_text(abs(change)).removesuffix(' %')} pts"


def shift_rows(shifts: Mapping[str, pd.DataFrame]) -> tuple[list[str], list[list[str]]]:
    """The route-shift tables as one report table (head, rows): the flow and scenario named
    on their first row only.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"flow": ["A→B"] * 2, "route_id": ["r1", "r2"],
    ...                   "route": ["A → B via X", "A → B via Y"], "share_base": [1.0, 0.0],
    ...                   "share_new": [0.4, 0.6], "share_change": [-0.6, 0.6],
    ...                   "units_base": [10.0, 0.0], "units_new": [4.0, 6.0], "moved": [0.6, 0.6]})
    >>> head, rows = shift_rows({"new": t})
    >>> [r[:2] for r in rows]
    [['new', 'A→B'], ['', '']]
    """
    head = ["Scenario", "Flow", "Route", "Route id", "Share before", "Share after", "Change"]
    head += ["Units/replication before → after"]
    rows: list[list[str]] = []
    for name, t in shifts.items():
        last_flow = None
        for i, r in enumerate(t.to_dict("records")):
            rows.append(
                [
                    name if i == 0 else "",
                    str(r["flow"]) if r["flow"] != last_flow else "",
                    str(r["route"]),
                    str(r["route_id"]),
                    share_text(r["share_base"]),
                    share_text(r["share_new"]),
                    _points(r["share_change"]),
                    f"{_count(r['units_base'])} → {_count(r['units_new'])}",
                ]
            )
            last_flow = r["flow"]
    return head, rows


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
            f"{_count(open_units)} ({format_share(open_units / released)}) still in transit at the "
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


#: a posterior whose particles weigh as fewer than this many (effective sample size) gives
#: replications that hardly differ in their parameters: the report says so
ESS_FEW = 3.0


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
        f"Each replication drew the uncertain parameters from the posterior "
        f"{'/'.join(path.parts[-3:])}, the same draw in every scenario, so the intervals "
        "include what is not known about the corridor as well as run-to-run noise."
    ]
    if path.is_file():
        from sim.inputs.posterior import load_posterior

        p = load_posterior(path).probabilities
        ess = 1.0 / float(np.sum(p**2))
        if ess < ESS_FEW:
            lines[0] = (
                f"Each replication drew the uncertain parameters from the posterior "
                f"{'/'.join(path.parts[-3:])}, the same draw in every scenario; but its "
                f"{len(p)} particles weigh as {ess:.1f} (effective sample size; the heaviest "
                f"holds {float(p.max()):.0%} of the weight), so the replications draw from about "
                f"{max(1, round(ess))} parameter set(s) and the intervals say little about what "
                "is unknown about the corridor: they are mostly run-to-run noise."
            )
    sens_path = path.with_name("sensitivity.csv")
    if not sens_path.is_file():
        return lines
    sens = pd.read_csv(sens_path)
    flows = {str(f) for f in results.shipments["flow"].unique()}
    if "noise_floor" in sens and len(sens):
        floor = float(sens["noise_floor"].max())
        lines.append(
            f"The calibration's first-order Sobol indices come from {int(sens['runs'].max())} "
            f"runs: an index below {floor:.2f} is what an output that no assumption moves "
            "reaches by chance (95 % of the time), so only indices above it are named."
        )
        sens = sens[sens["S1"] > sens["noise_floor"]]
    quiet = []
    for stat, label in (("p50_d", "median"), ("p90_d", "P90")):
        for flow in sorted(flows):
            part = sens[sens["output"] == f"{stat}:{flow}"]
            if not len(part):
                quiet.append(f"{flow} ({label})")
                continue
            best = part.sort_values(["S1", "parameter"], ascending=[False, True]).head(top)
            names = ", ".join(
                f"{r['parameter']} (S1 {r['S1']:.2f} ± {r['S1_conf']:.2f})"
                for _, r in best.iterrows()
            )
            lines.append(f"{flow}, {label} transit: dominated by {names}.")
    if quiet:
        lines.append("No assumption stands out from the noise for: " + ", ".join(quiet) + ".")
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
    base_dirs: Sequence[Path | None] | None = None,
    differs: pd.DataFrame | None = None,
    shifts: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write ``report.md`` and ``report.html`` into ``out_dir``; return the HTML path.

    ``figures`` maps a caption to an image file; images inside ``out_dir`` (or a folder of it)
    are referenced where they are, others are copied into
    it so both reports reference them relatively. ``scenarios`` (the Scenario objects) adds
    descriptions and years, which the compiled specs do not carry, and with them the report
    lists the legs open in one scenario's network and not the baseline's (``base_dirs``: the
    folders of the scenario files, for a ``network`` folder named relative to its file; see
    :func:`sim.analysis.scenario_diff.scenario_graphs`). ``summary`` is :func:`summary_table`
    of the same arguments when the caller has it already. ``posterior`` is the file
    replications drew their parameters from (see :func:`uncertainty_sentences`). ``differs``
    and ``shifts`` are :func:`what_differs <sim.analysis.scenario_diff.what_differs>` and
    :func:`route_shifts` of the same arguments when the caller has them already.

    A comparison's report opens with a plain-language summary (:func:`summary_sentences`),
    then says what differs between the scenarios, resolved to values
    (:func:`sim.analysis.scenario_diff.what_differs`), the key table with the flows that
    changed most first, the route shift per flow (:func:`route_shifts`) and why cargo moved.
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
    compared = len(names) > 1
    if differs is None and compared:
        graphs = scenario_graphs(scenarios, base_dirs) if scenarios else {}
        differs = what_differs(results.specs, baseline, graphs=graphs, scenarios=scenarios)
    if shifts is None:
        shifts = route_shifts(results, baseline) if compared else {}
    brief = summary_sentences(table, baseline, differs=differs, shifts=shifts if compared else None)
    sentences = reading(table, baseline) + route_shift(results, baseline)
    why = why_sentences(results, baseline)
    saturated = saturation_sentences(results)
    legend = _legend(table)
    method = _method(results)
    uncertainty = uncertainty_sentences(results, posterior)
    head, rows = _rows(table)
    diff_head = ["Scenario", "What", f"In {baseline}", "In the scenario"]
    diff_rows: list[list[str]] = []
    if differs is not None:
        last = None
        for r in differs.to_dict("records"):
            topic = "" if r["topic"] in _SELF_NAMED else f"{r['topic']}: "
            diff_rows.append(
                [
                    r["scenario"] if r["scenario"] != last else "",
                    f"{topic}{r['item']}",
                    r["before"],
                    r["after"],
                ]
            )
            last = r["scenario"]
        same = [n for n in names if n != baseline and n not in set(differs["scenario"])]
    else:
        same = []
    shift_head, shift_body = shift_rows(shifts)
    order_note = (
        f"Flows with the largest change of mean transit against {baseline} first."
        if compared
        else ""
    )

    m = md_text

    def md_table(head: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
        return [
            "| " + " | ".join(map(m, head)) + " |",
            "|" + "---|" * len(head),
            *["| " + " | ".join(map(m, r)) + " |" for r in body],
        ]

    md = [f"# {m(title)}", ""]
    if brief:
        md += ["## In brief", "", *[f"- {m(x)}" for x in brief], ""]
    md += [
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
    if compared:
        md += ["", "## What differs", ""]
        md += md_table(diff_head, diff_rows) if diff_rows else []
        md += [f"*{m(_same_model(n, baseline))}*" for n in same]
    md += ["", "## Key results", ""]
    md += [f"*{m(order_note)}*", ""] if order_note else []
    md += md_table(head, rows)
    md += ["", *[f"*{m(x)}*" for x in legend], *([""] if legend else [])]
    md += ["## Saturation", "", *[f"- {m(s)}" for s in saturated]]
    capacity = report_section(
        results.specs, scenarios
    )  # the capacity check (sim/inputs/capacity.py)
    md += ["", "## Reading", "", *[f"- {m(s)}" for s in sentences], ""]
    if compared:
        md += ["## Route shift", "", f"*{m(_SHIFT_NOTE)}*", ""]
        md += md_table(shift_head, shift_body) if shift_body else [f"*{m(_NO_SHIFT)}*"]
        md += [""]
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

    def html_table(head: Sequence[str], body: Sequence[Sequence[str]], cls: str = "") -> list[str]:
        return [
            f'<table class="{cls}">' if cls else "<table>",
            "<tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>",
            *["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in body],
            "</table>",
        ]

    doc = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        *(
            ["<h2>In brief</h2>", "<ul>", *[f"<li>{t(x)}</li>" for x in brief], "</ul>"]
            if brief
            else []
        ),
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
        *(
            [
                "<h2>What differs</h2>",
                *(html_table(diff_head, diff_rows) if diff_rows else []),
                *[f'<p class="note">{e(_same_model(n, baseline))}</p>' for n in same],
            ]
            if compared
            else []
        ),
        "<h2>Key results</h2>",
        *([f'<p class="note">{e(order_note)}</p>'] if order_note else []),
        *html_table(head, rows, "num"),
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
            [
                "<h2>Route shift</h2>",
                f'<p class="note">{e(_SHIFT_NOTE)}</p>',
                *(
                    html_table(shift_head, shift_body, "shift")
                    if shift_body
                    else [f'<p class="note">{e(_NO_SHIFT)}</p>']
                ),
            ]
            if compared
            else []
        ),
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


#: topics of :func:`sim.analysis.scenario_diff.what_differs` whose items say what they are
_SELF_NAMED = (
    "year",
    "border regime",
    "candidate routes",
    "facilities",
    "ferries",
    "legs",
    "trains",
)
_SHIFT_NOTE = (
    "Per flow whose share of units on some route changed by at least "
    f"{share_text(MIN_ROUTE_CHANGE)} of its units: the share of its units released after the "
    "warm-up on each route it used, before (baseline) and after (scenario); routes by the "
    "routes table's id and name (tables/routes.csv), flows where most units moved first."
)
_NO_SHIFT = f"No flow's share on any route changed by {share_text(MIN_ROUTE_CHANGE)} or more."


def _same_model(name: str, baseline: str) -> str:
    return f"{name} compiles to the same network, facilities, demand and settings as {baseline}."


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
    "table.shift td:nth-child(n+5){text-align:right;font-variant-numeric:tabular-nums}"
)
