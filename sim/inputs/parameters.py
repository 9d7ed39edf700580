"""The uncertain parameters of a scenario: the assumptions of the network data that carry a
prior range, grouped so that rows resting on the same assumption move together.

Every operations table (and ``ferries.csv``) marks its uncertain figures with a prior range, a
``(low, central, high)`` triple of columns (:attr:`network.schema.Table.priors`), and names the
source of the central value. One **parameter** is one such column over the rows that share a
source (and, for vessel availability, a process): e.g. the document processing time at the four
Caspian ports, which all rest on the assumption ``asm-port-docs``. Its value is a *quantile*
``q`` in ``[0, 1]`` of each row's prior range, mapped piecewise linearly: ``q = 0`` gives every
row its ``low``, ``q = 0.5`` its ``central`` (the data as shipped), ``q = 1`` its ``high``.
So one number moves a group of rows together while each keeps its own range, and the uniform
prior on ``q`` has the data's central values as its median.

A scenario sets parameters in ``[calibration] parameters`` (what ``corridor calibrate`` writes);
:func:`apply` turns them into changed network tables before the scenario's own overrides.

Examples
--------
>>> import network
>>> net = network.load_network("tests/fixtures/tiny_operations")
>>> ps = uncertain_parameters(net)
>>> [p.name for p in ps][:2]  # doctest: +NORMALIZE_WHITESPACE
['background.share_forward@fixture-assume',
 'border_regimes.handling_mean_h@fixture-assume/conventional']
>>> p = next(p for p in ps if p.table == "ferries")
>>> p.values(0.0), p.values(0.5), p.values(1.0)
((12.0,), (24.0,), (48.0,))
>>> float(apply(net, {p.name: 1.0}).ferries.at["b-c", "max_wait_h"])
48.0
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from network import schema

if TYPE_CHECKING:
    import network

#: tables whose rows of one source are split further by this column (different processes of
#: one assumption, e.g. dry-dock and breakdowns, are not one uncertainty)
GROUP_BY = {"vessel_availability": "process", "border_regimes": "regime"}
#: the :class:`~sim.inputs.scenario.Operations` switch without which a table's rows have no effect
SWITCH = {
    "vessel_availability": "vessel_availability",
    "load_limits": "load_limits",
    "weather": "weather",
    "background": "background",
    "frictions": "frictions",
}
#: tables that hold figures to compare against, not parameters
NOT_PARAMETERS = ("observations",)


@dataclass(frozen=True)
class Parameter:
    """One uncertain parameter: a prior-ranged column over the rows of one assumption.

    Attributes
    ----------
    name : str
        ``<table>.<column>@<source>`` (``/<group>`` appended for tables in :data:`GROUP_BY`).
    table, column, source, group : str
        Where it lives: the table, the central column, the source id of the rows, the group.
    rows : tuple of str
        The row ids it moves.
    low, central, high : tuple of float
        Each row's prior range and central (shipped) value.
    """

    name: str
    table: str
    column: str
    source: str
    group: str
    rows: tuple[str, ...]
    low: tuple[float, ...]
    central: tuple[float, ...]
    high: tuple[float, ...]

    def values(self, q: float) -> tuple[float, ...]:
        """Each row's value at quantile ``q`` of its prior range (0 low, 0.5 central, 1 high)."""
        if not (math.isfinite(q) and 0.0 <= q <= 1.0):
            raise ValueError(f"{self.name}: quantile must be in [0, 1], got {q!r}")
        if q <= 0.5:
            return tuple(
                lo + 2 * q * (c - lo) for lo, c in zip(self.low, self.central, strict=True)
            )
        return tuple(
            c + (2 * q - 1) * (hi - c) for c, hi in zip(self.central, self.high, strict=True)
        )

    def describe(self, q: float) -> str:
        """The value, or the range of values, the rows take at ``q`` (e.g. ``'6'``,
        ``'24–48'``)."""
        vals = self.values(q)
        lo, hi = min(vals), max(vals)
        return f"{lo:.4g}" if math.isclose(lo, hi) else f"{lo:.4g}–{hi:.4g}"


def _tables() -> dict[str, schema.Table]:
    return {t.name: t for t in vars(schema).values() if isinstance(t, schema.Table)}


def uncertain_parameters(
    net: network.Network, operations: object | None = None, border_regime: str | None = None
) -> list[Parameter]:
    """The network's uncertain parameters, sorted by name.

    Rows whose prior range is a point (``low == high``) and frictions documented only (role
    ``included``) are left out. Given a scenario's ``operations`` (its
    :class:`~sim.inputs.scenario.Operations`), tables it switches off are left out, and border
    regimes other than the scenario's (none when it names none); without, every parameter.
    """
    out: list[Parameter] = []
    for name, table in sorted(_tables().items()):
        if not table.priors or name in NOT_PARAMETERS:
            continue
        if operations is not None and name in SWITCH and not getattr(operations, SWITCH[name]):
            continue
        df: pd.DataFrame = getattr(net, name)
        if not len(df):
            continue
        if name == "frictions" and "role" in df:
            df = df[df["role"] != "included"]
        if name == "border_regimes" and (operations is not None or border_regime is not None):
            regime = border_regime
            if regime is None:
                regime = getattr(operations, "border_regime", None)
            df = df[df["regime"] == regime]
        for lo_col, col, hi_col in table.priors:
            src_col = table.column(col).source_column
            ok = df[lo_col].notna() & df[hi_col].notna() & df[col].notna()
            ok &= df[hi_col].astype(float) > df[lo_col].astype(float)
            sub = df[ok]
            if not len(sub):
                continue
            keys = [sub[src_col] if src_col else pd.Series("", index=sub.index)]
            by = GROUP_BY.get(name)
            keys.append(sub[by] if by else pd.Series("", index=sub.index))
            for (source, group), part in sub.groupby(keys, sort=True):
                pname = f"{name}.{col}@{source}" + (f"/{group}" if group else "")
                out.append(
                    Parameter(
                        name=pname,
                        table=name,
                        column=col,
                        source=str(source),
                        group=str(group),
                        rows=tuple(str(i) for i in part.index),
                        low=tuple(float(x) for x in part[lo_col]),
                        central=tuple(float(x) for x in part[col]),
                        high=tuple(float(x) for x in part[hi_col]),
                    )
                )
    return sorted(out, key=lambda p: p.name)


def unknown(names: Iterable[str], params: Iterable[Parameter]) -> list[str]:
    """One message per name that is not a parameter of the network, with a 'did you mean'."""
    known = [p.name for p in params]
    problems = []
    for n in names:
        if n not in known:
            close = difflib.get_close_matches(n, known, n=3, cutoff=0.5)
            hint = (
                f"did you mean {', '.join(repr(c) for c in close)}?"
                if close
                else ("see `corridor parameters` for the list")
            )
            problems.append(f"unknown parameter {n!r} (hint: {hint})")
    return problems


def apply(net: network.Network, values: Mapping[str, float]) -> network.Network:
    """The network with each named parameter set to its quantile (see :class:`Parameter`).

    Raises
    ------
    ValueError
        For a name that is not a parameter of ``net`` or a quantile outside ``[0, 1]``.
    """
    if not values:
        return net
    params = {p.name: p for p in uncertain_parameters(net)}
    problems = unknown(values, params.values())
    if problems:
        raise ValueError("; ".join(problems))
    tables: dict[str, dict[str, dict[str, object]]] = {}
    for name, q in values.items():
        p = params[name]
        for row, v in zip(p.rows, p.values(float(q)), strict=True):
            tables.setdefault(p.table, {}).setdefault(row, {})[p.column] = v
    return net.with_overrides(tables=tables)


__all__ = ["GROUP_BY", "Parameter", "apply", "uncertain_parameters", "unknown"]
