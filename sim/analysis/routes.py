"""The routes table: one row per scenario and compiled route, keyed by a stable ``route_id``.

A route's id and name are derived from its path (:func:`network.via.route_id`,
:func:`network.via.route_name`), so the same physical route has the same id in a 2025 and a
2030 scenario, and ``shipments.route_id`` refers to it. :func:`routes_frame` tables them (ends,
name, km, legs, countries, opening years of its legs, static times and costs, the flows that
may take it, and with the shipments the units it carried); :func:`route_use` lines the routes
up across scenarios by id.

Examples
--------
>>> import sim
>>> s = sim.Scenario(name="demo", year=2025,
...                  demand=[sim.Flow(origin="Tashkent", destination="Alat", per_week=20)],
...                  run=sim.RunSettings(horizon_days=30, warmup_days=5, replications=1))
>>> res = sim.run(s)
>>> t = routes_frame(res.specs, res.shipments)
>>> t.loc[0, ["scenario", "origin", "destination"]].tolist()
['demo', 'Tashkent', 'Alat']
>>> bool(res.shipments["route_id"].isin(t["route_id"]).all())
True
>>> list(route_use(t).columns)
['demo']
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.engine.model import ModelSpec

__all__ = ["ROUTE_COLUMNS", "route_use", "routes_frame"]

#: the columns of :func:`routes_frame`, in order
ROUTE_COLUMNS = [
    "scenario",
    "route_id",
    "name",
    "origin",
    "destination",
    "distance_km",
    "legs",
    "countries",
    "opening_years",
    "opens",
    "expected_h",
    "free_flow_h",
    "cost_usd_per_teu",
    "co2_kg_per_t",
    "flows",
    "background",
    "units_per_replication",
]


def routes_frame(
    specs: Mapping[str, ModelSpec], shipments: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per scenario and compiled route (see :data:`ROUTE_COLUMNS`).

    ``legs`` lists the leg ids in order (``" > "``), ``countries`` the countries crossed
    (``"–"``), ``opening_years`` the opening years of the route's legs that have one
    (``"2026, 2028"``; blank when every leg is simply open) and ``opens`` the latest of them.
    ``flows`` names the scenario's flows that may take the route (``"; "``), ``background``
    is True for a route only the shared background traffic takes. With ``shipments``,
    ``units_per_replication`` counts the units released on the route after the warm-up, per
    replication (0 for a candidate no unit took); without, it is NaN. Labels are never cut
    short.
    """
    rows: list[dict[str, object]] = []
    for name, spec in specs.items():
        takers: dict[int, list[str]] = {}
        own: set[int] = set()
        for f in spec.flows:
            for p in f.plans:
                takers.setdefault(p, []).append(f.label)
                if not f.background:
                    own.add(p)
        for plan in spec.plans:
            nodes = plan.nodes
            rows.append(
                {
                    "scenario": name,
                    "route_id": plan.route_id,
                    "name": plan.label,
                    "origin": plan.end_names[0] or (nodes[0] if nodes else ""),
                    "destination": plan.end_names[1] or (nodes[-1] if nodes else ""),
                    "distance_km": plan.distance_km,
                    "legs": " > ".join(plan.legs),
                    "countries": "–".join(plan.countries),
                    "opening_years": ", ".join(map(str, plan.opening_years)),
                    "opens": max(plan.opening_years) if plan.opening_years else pd.NA,
                    "expected_h": plan.expected_h,
                    "free_flow_h": plan.free_flow_h,
                    "cost_usd_per_teu": plan.cost_usd_per_teu,
                    "co2_kg_per_t": plan.co2_kg_per_t,
                    "flows": "; ".join(takers.get(plan.index, [])),
                    "background": plan.index not in own,
                }
            )
    frame = pd.DataFrame(rows, columns=ROUTE_COLUMNS[:-1])
    frame["opens"] = frame["opens"].astype("Int64")
    frame["units_per_replication"] = np.nan
    if shipments is not None and not shipments.empty:
        s = shipments[~shipments["in_warmup"]]
        reps = s.groupby("scenario", observed=True)["replication"].nunique()
        counts = s.groupby(["scenario", "route_id"], observed=True).size()
        per_rep = counts / reps.reindex(counts.index.get_level_values("scenario")).to_numpy()
        key = pd.MultiIndex.from_frame(frame[["scenario", "route_id"]])
        in_run = frame["scenario"].isin(set(s["scenario"].astype(str)))
        frame["units_per_replication"] = np.where(
            in_run, per_rep.reindex(key).fillna(0.0).to_numpy(), np.nan
        )
    return frame


def route_use(routes: pd.DataFrame, *, include_background: bool = False) -> pd.DataFrame:
    """Units per replication on each route (rows, by ``route_id``) in each scenario (columns,
    in the table's order): the same physical route on one row across scenarios, NaN where it
    is not a candidate in a scenario. Rows carry the route's ``name``; the largest total first.
    """
    r = routes if include_background else routes[~routes["background"]]
    order = list(dict.fromkeys(routes["scenario"]))
    wide = r.pivot_table(
        index="route_id", columns="scenario", values="units_per_replication", aggfunc="first"
    ).reindex(columns=order)
    wide = wide.loc[wide.fillna(0).sum(axis=1).sort_values(ascending=False, kind="stable").index]
    names = r.drop_duplicates("route_id").set_index("route_id")["name"]
    wide.index = pd.MultiIndex.from_arrays(
        [wide.index, names.reindex(wide.index).to_numpy()], names=["route_id", "name"]
    )
    wide.columns.name = None
    return wide
