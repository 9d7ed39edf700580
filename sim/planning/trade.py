"""Trade value carried: delivered units x net tonnes per unit x value per tonne of the
commodity (``commodities.csv`` of a network folder), per year.

``commodities.csv`` has one row per commodity and unit kind: ``net_t_per_unit`` (cargo tonnes
in one unit, not the unit's payload used for CO2), ``value_usd_per_t`` with its
``value_low_usd_per_t`` and ``value_high_usd_per_t``, and the source ids of both. A flow
whose commodity and unit have no row is left out of the value (listed in ``unvalued``).

The **Azerbaijan–Uzbekistan trade** carried is the value of the flows with one end in AZ and
the other in UZ; the Uzbek cargo that only crosses Azerbaijan is transit, not bilateral trade,
and is reported beside it (``uz_via_az``: flows with an end in UZ whose routes cross AZ).

Examples
--------
>>> t = pd.DataFrame({"commodity": ["general"], "unit": ["teu"], "net_t_per_unit": [14.0],
...                   "value_usd_per_t": [3900.0], "value_low_usd_per_t": [2000.0],
...                   "value_high_usd_per_t": [6000.0]})
>>> round(unit_value(t, "general", "teu"), 1)
54600.0
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

import network
from sim.inputs.errors import ScenarioError
from sim.inputs.scenario import Scenario

__all__ = ["AZ_UZ_TARGET_USD", "COLUMNS", "load_commodities", "trade_value", "unit_value"]

#: Azerbaijan–Uzbekistan trade a year targeted, USD (sources.csv
#: ``caucasuswatch-2024-azuz-target``; no year is published, the plan sets it against 2030)
AZ_UZ_TARGET_USD = 1e9

FILE = "commodities.csv"
COLUMNS = (
    "commodity",
    "unit",
    "net_t_per_unit",
    "tonnes_source",
    "value_usd_per_t",
    "value_low_usd_per_t",
    "value_high_usd_per_t",
    "value_source",
    "note",
)


def load_commodities(net: network.Network) -> pd.DataFrame:
    """The network folder's ``commodities.csv`` (empty with its columns if absent), checked:
    numbers positive and ordered low <= value <= high, sources known; every problem at once."""
    if net.path is None or not (Path(net.path) / FILE).is_file():
        return pd.DataFrame(columns=list(COLUMNS))
    path = Path(net.path) / FILE
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ScenarioError([f"{path}: missing column(s) {', '.join(missing)}"])
    problems = []
    nums = ("net_t_per_unit", "value_usd_per_t", "value_low_usd_per_t", "value_high_usd_per_t")
    for i, row in enumerate(frame.to_dict("records")):
        where = f"{path}: row {i + 2} ({row['commodity']}, {row['unit']})"
        vals = {}
        for col in nums:
            try:
                vals[col] = float(row[col])
            except ValueError:
                vals[col] = math.nan
            if not (math.isfinite(vals[col]) and 0 < vals[col] <= 1e9):
                problems.append(f"{where}: {col}: must be a number more than 0, got {row[col]!r}")
        if (
            not vals["value_low_usd_per_t"]
            <= vals["value_usd_per_t"]
            <= vals["value_high_usd_per_t"]
        ):
            problems.append(f"{where}: value_usd_per_t: must lie from the low to the high value")
        for col in ("tonnes_source", "value_source"):
            if row[col] not in net.sources.index:
                problems.append(f"{where}: {col}: {row[col]!r} is not a source_id of sources.csv")
    if frame.duplicated(["commodity", "unit"]).any():
        problems.append(f"{path}: a commodity and unit appear twice")
    if problems:
        raise ScenarioError(problems)
    for col in nums:
        frame[col] = frame[col].astype(float)
    return frame


def unit_value(
    table: pd.DataFrame, commodity: str, unit: str, col: str = "value_usd_per_t"
) -> float:
    """Value of one unit of ``commodity`` in ``unit`` kind, USD (NaN without a row)."""
    hit = table[(table["commodity"] == commodity) & (table["unit"] == unit)]
    if hit.empty:
        return math.nan
    return float(hit["net_t_per_unit"].iloc[0] * hit[col].iloc[0])


def trade_value(
    scenario: Scenario,
    net: network.Network,
    delivered_per_year: dict[str, float],
    table: pd.DataFrame,
    routes_cross: dict[str, set[str]] | None = None,
) -> list[dict[str, Any]]:
    """One row per flow: units delivered a year, tonnes, value (central, low, high), whether
    it is Azerbaijan–Uzbekistan trade (``az_uz``) or Uzbek cargo crossing Azerbaijan
    (``uz_via_az``; ``routes_cross`` gives each flow's countries on its routes)."""
    rows = []
    for f in scenario.demand:
        o = net.nodes.at[net.resolve_node(f.origin), "country"]
        d = net.nodes.at[net.resolve_node(f.destination), "country"]
        units = float(delivered_per_year.get(f.label, 0.0))
        hit = table[(table["commodity"] == f.commodity) & (table["unit"] == f.unit)]
        row: dict[str, Any] = {
            "flow": f.label,
            "commodity": f.commodity,
            "unit": f.unit,
            "origin_country": o,
            "destination_country": d,
            "az_uz": {o, d} == {"AZ", "UZ"},
            "uz_via_az": "UZ" in (o, d)
            and ("AZ" in (o, d) or "AZ" in (routes_cross or {}).get(f.label, set())),
            "units_delivered_per_year": units,
            "valued": not hit.empty,
        }
        if hit.empty:
            row.update(
                tonnes_per_year=math.nan,
                value_usd=math.nan,
                value_low_usd=math.nan,
                value_high_usd=math.nan,
            )
        else:
            t = float(hit["net_t_per_unit"].iloc[0]) * units
            row.update(
                tonnes_per_year=t,
                value_usd=t * float(hit["value_usd_per_t"].iloc[0]),
                value_low_usd=t * float(hit["value_low_usd_per_t"].iloc[0]),
                value_high_usd=t * float(hit["value_high_usd_per_t"].iloc[0]),
            )
        rows.append(row)
    return rows
