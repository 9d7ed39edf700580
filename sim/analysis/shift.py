"""Why two scenarios differ: cargo that moved between routes, and how ferries departed.

A change that should help can make a flow slower when cargo chooses its route (adaptive
choice): the cargo moves to a route that looks quicker and meets queues or thinner trains
there, or leaves thinner trains behind (congestion moving elsewhere, as in Braess's paradox).
:func:`route_shift` says which flows moved to which routes; :func:`flow_shift` splits each
flow's change of mean time, cause by cause, into the part due to the move (the route mix) and
the part due to the routes themselves getting quicker or slower; :func:`describe_shift` turns
both into sentences computed from the numbers, for the report.

On a ferry line whose cargo is heavier one way, the light direction's sailings are mostly
vessels sent back because the other end needs them, so their timing follows the other end's
trains; :func:`ferry_departures_frame` tables each port's departures by reason and how regular
they are, and :func:`describe_ferry_departures` compares two scenarios with it. Cargo arriving
at random waits on average ``mean gap x (1 + CV**2) / 2`` for the next departure (the
residual time of a renewal process), so the same number of sailings, less regular, means
longer waits.

Examples
--------
>>> import pandas as pd
>>> rows = []
>>> for scen, routes in [("base", ["A"] * 4), ("new", ["A", "B", "B", "B"])]:
...     for i, r in enumerate(routes):
...         rows.append({"scenario": scen, "replication": 0, "flow": "f", "route": r,
...                      "via": r, "in_warmup": False, "delivered": True,
...                      "transit_h": 10.0 if r == "A" else 12.0,
...                      "running_h": 10.0 if r == "A" else 8.0,
...                      "border_h": 0.0 if r == "A" else 4.0})
>>> ship = pd.DataFrame(rows)
>>> t = route_shift(ship, "base", "new")
>>> t["share_base"].tolist(), t["share_new"].tolist()
([1.0, 0.0], [0.25, 0.75])
>>> f = flow_shift(ship, "base", "new")
>>> f.loc[("f", "transit_h"), ["change_h", "route_mix_h", "same_routes_h"]].tolist()
[1.5, 1.5, 0.0]
>>> print(describe_shift(ship, "base", "new")[0])
f: 75 % of its units changed route (via A 100 → 25 %; via B 0 → 75 %); its mean time rose by \
1.5 h (+1.5 h from the move, +0.0 h on the routes themselves); by cause: running -1.5 h, border \
+3.0 h.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.analysis.metrics import DWELL_COLUMNS
from sim.engine.facilities import DEPARTURE_REASONS
from sim.engine.model import ModelSpec, Plan
from sim.engine.run_record import RunRecord

TIME_COLUMNS = ["transit_h", "running_h", *DWELL_COLUMNS]


def _times(shipments: pd.DataFrame) -> list[str]:
    return [c for c in TIME_COLUMNS if c in shipments.columns]


def _window(
    shipments: pd.DataFrame,
    baseline: str,
    scenario: str,
    specs: Mapping[str, ModelSpec] | None = None,
) -> pd.DataFrame:
    """Units released after the warm-up in the two scenarios, with ``key``: the route's stable
    ``route_id`` when the shipments carry it (the same path has the same id in both scenarios),
    else its legs when ``specs`` are given, else its label."""
    s = shipments[~shipments["in_warmup"] & shipments["scenario"].isin([baseline, scenario])]
    missing = {baseline, scenario} - set(s["scenario"].unique())
    if missing:
        raise ValueError(f"no shipments after the warm-up for scenario(s) {sorted(missing)}")
    s = s.assign(flow=s["flow"].astype(str), scenario=s["scenario"].astype(str))
    if "route_id" in s.columns:
        return s.assign(key=s["route_id"])
    if specs is None:
        return s.assign(key=s["route"])
    legs = {
        (name, p.index): _key(p, by_id=False)
        for name in (baseline, scenario)
        for p in specs[name].plans
    }
    keys = [legs[(n, int(p))] for n, p in zip(s["scenario"], s["plan"], strict=True)]
    return s.assign(key=keys)


def _key(plan: Plan, by_id: bool) -> str:
    """A plan's key in :func:`_window`: its ``route_id``, or its legs (older shipments)."""
    return plan.route_id if by_id else " > ".join(plan.legs) or plan.label


def route_shift(
    shipments: pd.DataFrame,
    baseline: str,
    scenario: str,
    *,
    specs: Mapping[str, ModelSpec] | None = None,
) -> pd.DataFrame:
    """Per flow and route: the share of the flow's units on the route in each scenario and
    their mean times by cause.

    Shares are over units released after the warm-up (the route is chosen at release), units
    per replication likewise; times are means over the delivered ones (NaN where none were).
    With ``specs`` (``Results.specs``), ``expected_h`` gives each route's static time (running
    plus handling, before any queue) in each scenario: what adaptive choice starts from.

    Routes are told apart by their stable ``route_id`` (the shipments' column, derived from the
    path: the same physical route lines up across scenarios and years); for shipments without
    it, by their legs when ``specs`` are given, by their labels otherwise.

    Returns a frame indexed by ``(flow, key)`` with ``route`` and ``via`` (labels),
    ``units_<s>``, ``share_<s>``, ``share_change`` and ``<time column>_<s>`` for ``s`` in
    (``base``, ``new``) — ``base`` for ``baseline``, ``new`` for ``scenario`` — flows in the
    order of the shipments, routes by their largest share.
    """
    s = _window(shipments, baseline, scenario, specs)
    tag = {baseline: "base", scenario: "new"}
    s = s.assign(side=s["scenario"].map(tag))
    reps = s.groupby("side")["replication"].nunique()
    counts = s.groupby(["flow", "key", "side"]).size().unstack("side", fill_value=0)
    counts = counts.reindex(columns=["base", "new"], fill_value=0)
    shares = counts / counts.groupby(level="flow").transform("sum")
    out = pd.DataFrame(index=counts.index)
    # the label as the scenario using the route gives it (the new one's where both do)
    labels = s.sort_values("side", ascending=False).groupby(["flow", "key"])
    out["route"] = labels["route"].first()
    out["via"] = labels["via"].first()
    for side in ("base", "new"):
        out[f"units_{side}"] = counts[side] / reps.get(side, 1)
        out[f"share_{side}"] = shares[side].fillna(0.0)
    out["share_change"] = out["share_new"] - out["share_base"]
    cols = _times(s)
    means = s[s["delivered"]].groupby(["flow", "key", "side"])[cols].mean()
    sides = set(means.index.get_level_values("side"))
    for side in ("base", "new"):
        part = means.xs(side, level="side") if side in sides else None
        for c in cols:
            out[f"{c}_{side}"] = part[c].reindex(out.index) if part is not None else np.nan
    if specs is not None:
        for name, side in tag.items():
            expected = {_key(p, "route_id" in s.columns): p.expected_h for p in specs[name].plans}
            out[f"expected_h_{side}"] = [
                expected.get(k, np.nan) for k in out.index.get_level_values("key")
            ]
    top = out[["share_base", "share_new"]].max(axis=1).rename("_top")
    order = (
        top.reset_index()
        .assign(_flow=lambda d: pd.Categorical(d["flow"], list(pd.unique(s["flow"]))))
        .sort_values(["_flow", "_top"], ascending=[True, False], kind="stable")
    )
    return out.loc[list(zip(order["flow"], order["key"], strict=True))]


#: the columns of :func:`shift_table`
SHIFT_COLUMNS = [
    "flow",
    "route_id",
    "route",
    "share_base",
    "share_new",
    "share_change",
    "units_base",
    "units_new",
    "moved",
]


def shift_table(
    shipments: pd.DataFrame,
    baseline: str,
    scenario: str,
    *,
    specs: Mapping[str, ModelSpec] | None = None,
    min_change: float = 0.01,
    min_share: float = 0.005,
) -> pd.DataFrame:
    """The route-shift table of a report: per flow whose share on some route changed by at
    least ``min_change`` (a fraction of its units), the share of its units on each route it
    used (at least ``min_share`` in either scenario) before and after.

    Routes are identified as in :func:`route_shift` (the stable ``route_id`` and the routes
    table's name, ``route``). ``moved`` is the flow's share of units that changed route (the
    sum of its routes' share gains); flows with the largest ``moved`` first, routes within a
    flow by their largest share. Units are per replication, after the warm-up.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = [{"scenario": sc, "replication": 0, "flow": f, "route": r, "via": r,
    ...          "route_id": r.lower(), "in_warmup": False, "delivered": True, "transit_h": 1.0}
    ...         for sc, f, routes in [("b", "f", "AAAA"), ("n", "f", "ABBB"),
    ...                               ("b", "g", "CC"), ("n", "g", "CC")] for r in routes]
    >>> t = shift_table(pd.DataFrame(rows), "b", "n")
    >>> t[["flow", "route", "share_base", "share_new", "moved"]].values.tolist()
    [['f', 'A', 1.0, 0.25, 0.75], ['f', 'B', 0.0, 0.75, 0.75]]
    """
    r = route_shift(shipments, baseline, scenario, specs=specs).reset_index()
    r = r.rename(columns={"key": "route_id"})
    changed = r.groupby("flow", sort=False)["share_change"].transform(lambda x: x.abs().max())
    moved = r.groupby("flow", sort=False)["share_change"].transform(lambda x: x.clip(lower=0).sum())
    r = r.assign(moved=moved)[
        (changed >= min_change) & (r[["share_base", "share_new"]].max(axis=1) >= min_share)
    ]
    order = {f: i for i, f in enumerate(dict.fromkeys(r["flow"]))}
    r = r.assign(_pos=r["flow"].map(order)).sort_values(
        ["moved", "_pos"], ascending=[False, True], kind="stable"
    )
    return r[SHIFT_COLUMNS].reset_index(drop=True)


def flow_shift(
    shipments: pd.DataFrame,
    baseline: str,
    scenario: str,
    *,
    specs: Mapping[str, ModelSpec] | None = None,
) -> pd.DataFrame:
    """Per flow and time column, the change of the flow's mean split into the route mix and
    the routes themselves (an exact decomposition over delivered units).

    With ``s0, s1`` the shares of a flow's delivered units on each route and ``t0, t1`` their
    mean times there (baseline, scenario): ``change = sum(s1 t1) - sum(s0 t0) = route_mix +
    same_routes`` with ``route_mix = sum((s1 - s0) t)`` — what moving alone does, valuing
    each route at ``t``, its mean time in the scenario where it carried more units (the better
    estimate: a route that a few units tried in one scenario has a noisy time there) — and
    ``same_routes`` the rest: each route's change of time ``t1 - t0``, weighted by its share
    in the scenario where it carried fewer units (``s1`` where ``t = t0``, ``s0`` where
    ``t = t1``). A route used in one scenario only has no change of time.

    Returns a frame indexed by ``(flow, column)`` with ``base_h``, ``new_h``, ``change_h``,
    ``route_mix_h``, ``same_routes_h`` and ``moved`` (the share of units on a different route
    mix: half the sum of absolute share changes over delivered units). Routes are told apart
    as in :func:`route_shift`.
    """
    s = _window(shipments, baseline, scenario, specs)
    s = s[s["delivered"]]
    cols = _times(s)
    rows: list[dict[str, object]] = []
    for flow, part in s.groupby("flow", sort=False):
        side = part["scenario"].map({baseline: 0, scenario: 1})
        if side.nunique() < 2:
            continue
        counts = (
            part.groupby(["key", side])
            .size()
            .unstack(fill_value=0)
            .reindex(columns=[0, 1], fill_value=0)
        )
        sh = counts / counts.sum()
        means = part.groupby(["key", side])[cols].mean()
        moved = float(0.5 * (sh[1] - sh[0]).abs().sum())
        for c in cols:
            t = means[c].unstack().reindex(index=sh.index, columns=[0, 1])
            t0 = t[0].fillna(t[1]).fillna(0.0)
            t1 = t[1].fillna(t[0]).fillna(0.0)
            ref = t0.where(counts[0] >= counts[1], t1)
            base = float((sh[0] * t0).sum())
            new = float((sh[1] * t1).sum())
            rows.append(
                {
                    "flow": flow,
                    "column": c,
                    "base_h": base,
                    "new_h": new,
                    "change_h": new - base,
                    "route_mix_h": float(((sh[1] - sh[0]) * ref).sum()),
                    "same_routes_h": new - base - float(((sh[1] - sh[0]) * ref).sum()),
                    "moved": moved,
                }
            )
    return pd.DataFrame(rows).set_index(["flow", "column"])


def describe_shift(
    shipments: pd.DataFrame,
    baseline: str,
    scenario: str,
    *,
    min_moved: float = 0.05,
    min_cause_h: float = 0.5,
    specs: Mapping[str, ModelSpec] | None = None,
) -> list[str]:
    """One sentence per flow of which at least ``min_moved`` of the units changed route: the
    share of its units on each route it used in either scenario, how the flow's mean time
    changed (from the move and on the routes themselves) and by which causes (those changing
    by at least ``min_cause_h`` hours).

    With ``specs`` (``Results.specs``; pass them when the networks differ, see
    :func:`route_shift`), each route also shows its static time (running plus handling, before
    any queue) in both scenarios: where adaptive choice starts from. Every number is computed
    from the arguments.
    """
    routes = route_shift(shipments, baseline, scenario, specs=specs)
    flows = flow_shift(shipments, baseline, scenario, specs=specs)
    out = []
    for flow in flows.index.get_level_values("flow").unique():
        if (flow, "transit_h") not in flows.index:
            continue
        total = flows.loc[(flow, "transit_h")]
        r = routes.loc[flow]
        moved_share = float(r["share_change"].clip(lower=0).sum())
        if moved_share < min_moved:
            continue
        change, mix, same = total["change_h"], total["route_mix_h"], total["same_routes_h"]
        used = []
        for row in r.to_dict("records"):
            if max(row["share_base"], row["share_new"]) < 0.005:
                continue
            part = (
                f"via {row['via']} {100 * row['share_base']:.0f} → {100 * row['share_new']:.0f} %"
            )
            if specs is not None:
                statics = [row["expected_h_base"], row["expected_h_new"]]
                part += (
                    " (static time "
                    + " → ".join(
                        "not a candidate" if np.isnan(x) else f"{x:.1f} h" for x in statics
                    )
                    + ")"
                )
            used.append(part)
        causes = [
            f"{c.removesuffix('_h')} {flows.loc[(flow, c), 'change_h']:+.1f} h"
            for c in _times(shipments)
            if c != "transit_h"
            and (flow, c) in flows.index
            and abs(flows.loc[(flow, c), "change_h"]) >= min_cause_h
        ]
        text = (
            f"{flow}: {100 * moved_share:.0f} % of its units changed route ("
            + "; ".join(used)
            + f"); its mean time {'rose' if change > 0 else 'fell'} by {abs(change):.1f} h "
            f"({mix:+.1f} h from the move, {same:+.1f} h on the routes themselves)"
        )
        if causes:
            text += "; by cause: " + ", ".join(causes)
        out.append(text + ".")
    return out


# -- ferry departures -----------------------------------------------------------------------------


def ferry_departures_frame(record: RunRecord, scenario: str | None = None) -> pd.DataFrame:
    """One row per ferry line and port: departures after the warm-up by reason, the slots they
    took, how regular they were, and the mean wait of the cargo that left.

    ``mean_gap_h`` and ``gap_cv`` are the mean and coefficient of variation of the times
    between departures; ``residual_wait_h = mean_gap_h x (1 + gap_cv**2) / 2`` is the mean wait
    for the next departure of cargo arriving at random, against ``mean_wait_h`` measured.
    Read from the ``ferry_queue`` records of the run (one per quay, after its line's).
    """
    rows: list[dict[str, object]] = []
    vessels = {f.name: f.servers for f in record.facilities if f.kind == "ferry"}
    for end in record.facilities:
        if end.kind != "ferry_queue":
            continue
        departures = end.departures or {}
        slots = end.departed_slots or {}
        times = np.asarray(end.departure_times)
        gaps = np.diff(times)
        mean_gap = float(gaps.mean()) if len(gaps) else np.nan
        cv = float(gaps.std() / mean_gap) if len(gaps) > 1 and mean_gap > 0 else np.nan
        rows.append(
            {
                "line": end.part_of,
                "port": end.place,
                "vessels": vessels[end.part_of],
                "departures": int(sum(departures.values())),
                **{f"{r}_departures": departures[r] for r in DEPARTURE_REASONS},
                **{f"{r}_slots": slots[r] for r in DEPARTURE_REASONS},
                "mean_gap_h": mean_gap,
                "gap_cv": cv,
                "residual_wait_h": mean_gap * (1 + cv * cv) / 2,
                "mean_wait_h": end.wait_sum / end.waited if end.waited else np.nan,
                "units": end.units,
            }
        )
    frame = pd.DataFrame(rows)
    frame.insert(0, "replication", record.replication)
    frame.insert(0, "scenario", scenario or record.spec.name)
    return frame


def describe_ferry_departures(
    frame: pd.DataFrame,
    baseline: str,
    scenario: str,
    lines: Sequence[str] | None = None,
    *,
    min_change_h: float = 1.0,
) -> list[str]:
    """One sentence per ferry line and port whose cargo's mean wait changed by at least
    ``min_change_h`` hours: sailings per week, the share that left because the far end needed
    the vessel, the regularity of the departures and the wait it implies, in both scenarios
    (means over replications)."""
    f = frame[frame["scenario"].isin([baseline, scenario])]
    if lines is not None:
        f = f[f["line"].isin(list(lines))]
    g = f.groupby(["line", "port", "scenario"]).mean(numeric_only=True)
    out = []
    rows = {key: row for key, row in zip(g.index, g.to_dict("records"), strict=True)}
    for line, port in dict.fromkeys(zip(f["line"], f["port"], strict=True)):
        if (line, port, baseline) not in rows or (line, port, scenario) not in rows:
            continue
        a, b = pd.Series(rows[(line, port, baseline)]), pd.Series(rows[(line, port, scenario)])
        if np.isnan(a["mean_wait_h"]) or np.isnan(b["mean_wait_h"]):
            continue

        def part(x: pd.Series) -> str:
            per_week = 168.0 / x["mean_gap_h"] if x["mean_gap_h"] > 0 else np.nan
            needed = x["needed_departures"] / x["departures"] if x["departures"] else np.nan
            return (
                f"{x['vessels']:.0f} vessels: {per_week:.1f} departures a week, "
                f"{100 * needed:.0f} % because the far end needed the vessel, gaps "
                f"{x['mean_gap_h']:.1f} h on average with CV {x['gap_cv']:.2f} "
                f"(so {x['residual_wait_h']:.1f} h for cargo arriving at random), "
                f"measured wait {x['mean_wait_h']:.1f} h"
            )

        change = b["mean_wait_h"] - a["mean_wait_h"]
        if abs(change) < min_change_h:
            continue
        out.append(
            f"{line} from {port}: the mean wait {'rose' if change > 0 else 'fell'} by "
            f"{abs(change):.1f} h — {part(a)} ({baseline}); {part(b)} ({scenario})."
        )
    return out


__all__ = [
    "SHIFT_COLUMNS",
    "TIME_COLUMNS",
    "describe_ferry_departures",
    "describe_shift",
    "ferry_departures_frame",
    "flow_shift",
    "route_shift",
    "shift_table",
]
