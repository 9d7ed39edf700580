"""Read a network folder into a validated, typed, immutable :class:`Network`.

The pipeline is the same for a folder, for frames built in code and for an overlay: raw string
tables -> every check (:mod:`network.checks`) -> one :class:`DataError` listing every problem, or
typed DataFrames indexed by their key.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from network.checks import run_checks
from network.errors import DataError, UnknownNameError
from network.names import NameResolver, suggest
from network.raw import RawTable, default_data_path, parse_float, parse_int, parse_list, read_folder
from network.schema import TABLES, Table

__all__ = ["Network", "default_data_path", "load_network"]

# Filled in when blank: no random delay and no published wait unless a source gives one.
LEG_DEFAULTS = {"delay_cv": 0.0, "wait_mean_h": 0.0}


@dataclass(frozen=True, eq=False)
class Network:
    """The validated network tables, each a DataFrame indexed by its key.

    Attributes
    ----------
    sources, nodes, legs, ferries, units : pandas.DataFrame
        Indexed by ``source_id``, ``node_id``, ``leg_id``, ``leg_id`` and ``unit``. Columns
        follow :mod:`network.schema`: ``str`` columns hold ``""`` when blank, ``float`` columns
        NaN, ``int`` columns the nullable ``Int64`` dtype, ``list`` columns tuples.
        ``legs.duration_h`` is always filled (from ``distance_km / speed_kmh`` when blank), and
        ``legs.delay_cv`` and ``legs.wait_mean_h`` default to 0.
    vessels, vessel_availability, load_limits, weather, berths, background, frictions, \
observations, border_regimes : pandas.DataFrame
        The operations tables (how the Caspian crossing runs, the traffic that shares the
        corridor, delays that are not capacity, published figures to calibrate against, border
        regimes), indexed by their key (``vessel_id``, ``availability_id``, ``limit_id``,
        ``weather_id``, ``berth_id``, ``bg_id``, ``friction_id``, ``obs_id``, ``regime_id``);
        empty, with their columns, when the folder has no such file.
    path : pathlib.Path or None
        The folder read, or ``None`` for a network built from frames.

    Examples
    --------
    >>> net = load_network("tests/fixtures/tiny_network")
    >>> net.legs.loc["c-d", "duration_h"]  # 200 km at 50 km/h
    np.float64(4.0)
    >>> net.resolve_node("port of bravo")
    'b_port'
    """

    sources: pd.DataFrame
    nodes: pd.DataFrame
    legs: pd.DataFrame
    ferries: pd.DataFrame
    units: pd.DataFrame
    vessels: pd.DataFrame
    vessel_availability: pd.DataFrame
    load_limits: pd.DataFrame
    weather: pd.DataFrame
    berths: pd.DataFrame
    background: pd.DataFrame
    frictions: pd.DataFrame
    observations: pd.DataFrame
    border_regimes: pd.DataFrame
    path: Path | None = None
    _raw: Mapping[str, RawTable] = field(default_factory=dict, repr=False)

    @classmethod
    def from_frames(cls, **frames: pd.DataFrame) -> Network:
        """Build and validate a network from DataFrames (one per table, columns as in the CSVs).

        Missing tables count as missing files. Values are written as they would appear in a
        CSV (tuples joined by ``;``), then checked like a folder.

        Examples
        --------
        >>> import pandas as pd
        >>> net = load_network("tests/fixtures/tiny_network")
        >>> frames = {n: getattr(net, n).reset_index() for n in
        ...           ("sources", "nodes", "legs", "ferries", "units")}
        >>> Network.from_frames(**frames).legs.shape == net.legs.shape
        True
        """
        unknown = set(frames) - set(TABLES)
        if unknown:
            name = sorted(unknown)[0]
            raise UnknownNameError("table", name, suggest(name, TABLES))
        raw = {name: _raw_from_frame(table, frames.get(name)) for name, table in TABLES.items()}
        return _validated(raw, None)

    def with_overrides(
        self,
        nodes: Mapping[str, Mapping[str, object]] | None = None,
        legs: Mapping[str, Mapping[str, object]] | None = None,
        ferries: Mapping[str, Mapping[str, object]] | None = None,
        tables: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None,
    ) -> Network:
        """Return a new network with columns of existing rows changed, re-validated.

        Parameters
        ----------
        nodes, legs, ferries : mapping of id -> {column: value}, optional
            E.g. ``legs={"aghband-meghri": {"status": "open", "opening_year": 2026}}``. A blank
            value (``None``, ``""``, NaN) clears an optional column.
        tables : mapping of table name -> {id: {column: value}}, optional
            The same for any table, e.g. ``{"frictions": {"docs-alat": {"mean_h": 9.0}}}``
            (how calibrated parameters reach the operations tables).

        Raises
        ------
        UnknownNameError
            For an unknown id or column (with "did you mean").
        DataError
            If the changed network breaks a check (e.g. a negative duration).

        Examples
        --------
        >>> net = load_network("tests/fixtures/tiny_network")
        >>> new = net.with_overrides(nodes={"b_port": {"handling_mean_h": 1.5}})
        >>> float(new.nodes.loc["b_port", "handling_mean_h"]), float(net.nodes.loc["b_port",
        ...     "handling_mean_h"])
        (1.5, 10.0)
        """
        raw = {name: _copy(t) for name, t in self._raw.items()}
        named = (("nodes", nodes), ("legs", legs), ("ferries", ferries))
        for name, changes in (*named, *(tables or {}).items()):
            if name not in raw:
                raise UnknownNameError("table of the network", name, suggest(name, list(raw)))
            if changes:
                _apply(raw[name], changes)
        return _validated(raw, self.path)

    def resolve_node(self, name: str) -> str:
        """Return the node id matching ``name`` (id, display name or alias; any case/accents).

        Raises
        ------
        UnknownNameError
            If no node (or more than one) matches; ``suggestions`` lists close names.
        """
        resolver = _RESOLVERS.get(self)
        if resolver is None:  # built once per network (a Network is immutable)
            resolver = _RESOLVERS[self] = node_resolver(self.nodes)
        return resolver.resolve(name)

    @property
    def teu_payload_t(self) -> float:
        """Mass of cargo in one TEU (t), for CO2 per TEU."""
        payload: Any = self.units["payload_t"].at["teu"]
        return float(payload)


#: the name resolver of each network, built on first use
_RESOLVERS: weakref.WeakKeyDictionary[Network, NameResolver] = weakref.WeakKeyDictionary()


def node_resolver(nodes: pd.DataFrame) -> NameResolver:
    """A :class:`NameResolver` over a nodes table indexed by node_id."""
    return NameResolver({str(i): (str(r["name"]), r["aliases"]) for i, r in nodes.iterrows()})


def load_network(path: str | Path | None = None) -> Network:
    """Read, check and type the tables of a network folder.

    Parameters
    ----------
    path : str or Path, optional
        A folder with ``sources.csv``, ``nodes.csv``, ``legs.csv``, ``ferries.csv`` and
        ``units.csv``, and any of the optional operations tables of :mod:`network.schema`
        (``vessels.csv``, ``weather.csv``, ...); default: :func:`default_data_path`.

    Raises
    ------
    DataError
        Listing every problem of every file (``file:line: column = value: rule (hint)``).

    Examples
    --------
    >>> net = load_network("tests/fixtures/tiny_network")
    >>> len(net.nodes), len(net.legs), net.legs.loc["b-c", "mode"]
    (8, 11, 'ferry')
    >>> net.weather.empty  # no operations tables in this folder: empty, with their columns
    True
    >>> load_network("tests/fixtures/tiny_operations").weather.loc["b_port-12", "closure_mean_h"]
    np.float64(24.0)
    """
    folder = Path(path) if path is not None else default_data_path()
    return _validated(read_folder(folder), folder)


def _validated(raw: Mapping[str, RawTable], path: Path | None) -> Network:
    problems = run_checks(raw)
    if problems:
        raise DataError(problems, source=str(path) if path else "")
    frames = {name: _typed(t) for name, t in raw.items()}
    legs = frames["legs"]
    missing = legs["duration_h"].isna()
    legs.loc[missing, "duration_h"] = (
        legs.loc[missing, "distance_km"] / legs.loc[missing, "speed_kmh"]
    )
    for column, default in LEG_DEFAULTS.items():
        legs[column] = legs[column].fillna(default)
    return Network(**frames, path=path, _raw=dict(raw))


def _typed(raw: RawTable) -> pd.DataFrame:
    table = raw.table
    data: dict[str, Any] = {}
    for col in table.columns:
        values = [row.get(col.name, "") for row in raw.rows]
        if col.dtype == "float":
            data[col.name] = pd.Series([_nan(parse_float(v)) for v in values], dtype="float64")
        elif col.dtype == "int":
            data[col.name] = pd.Series([parse_int(v) for v in values], dtype="Int64")
        elif col.dtype == "bool":
            data[col.name] = pd.Series([v.lower() in ("1", "true", "yes") for v in values])
        elif col.dtype == "list":
            data[col.name] = pd.Series([parse_list(v) for v in values], dtype=object)
        else:
            data[col.name] = pd.Series(values, dtype="str")
    frame = pd.DataFrame(data, columns=table.column_names)
    return frame.set_index(table.key, drop=True)


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _cell(value: object) -> str:
    """A Python value as it would be written in the CSV."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _raw_from_frame(table: Table, frame: pd.DataFrame | None) -> RawTable:
    if frame is None:
        return RawTable(table, None)
    if table.key not in frame.columns and frame.index.name == table.key:
        frame = frame.reset_index()
    raw = RawTable(table, [str(c) for c in frame.columns])
    for record in frame.to_dict(orient="records"):
        row = {str(k): _cell(v) for k, v in record.items()}
        for name in table.column_names:
            row.setdefault(name, "")
        raw.rows.append(row)
        raw.lines.append(None)
    return raw


def _copy(raw: RawTable) -> RawTable:
    return replace(raw, rows=[dict(r) for r in raw.rows], lines=list(raw.lines))


def _apply(raw: RawTable, changes: Mapping[str, Mapping[str, object]]) -> None:
    table = raw.table
    position = {row.get(table.key, ""): i for i, row in enumerate(raw.rows)}
    for key, columns in changes.items():
        if key not in position:
            raise UnknownNameError(f"{table.key} in {table.filename}", key, suggest(key, position))
        row = raw.rows[position[key]]
        for column, value in columns.items():
            if column not in table.column_names or column == table.key:
                names = [n for n in table.column_names if n != table.key]
                raise UnknownNameError(
                    f"column of {table.filename}", column, suggest(column, names)
                )
            row[column] = _cell(value)
            # A new speed must not be shadowed by the duration derived from the old one.
            if table.name == "legs" and column == "speed_kmh" and "duration_h" not in columns:
                row["duration_h"] = ""
