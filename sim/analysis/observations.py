"""The model beside what was observed: each row of the network's ``observations.csv`` against
the same figure computed from a run.

Observations are component-level (a ferry wait, a border's dwell, a port's throughput, a
line's sailings); the model's figure is computed the way the observation was made, from the
run's tables and its logbook (:mod:`sim.engine.logbook`: units passing the nodes the
observations name, and one row per vessel departure), and otherwise the row says why it is
not computed. End-to-end transit times are never observations to fit (``use = check`` in the
data): they are what the model predicts.

Each metric, as the model computes it (units: the scenario's flows and the background traffic
that shares the corridor, released after the warm-up unless said otherwise; vessels: their
departures between the warm-up and the horizon):

- ``ferry_wait_h`` (a ferry line): each unit's wait for a vessel, its ferry time less loading
  and unloading.
- ``ferry_headway_h`` (a ferry line): the gaps between departures from each of its ports.
- ``vessel_port_time_h`` (a port): per vessel call that worked cargo, its unloading and loading
  work at the port (``ferries.load_h``, ``unload_h`` and the vessel-call frictions), plus the
  port's mean handling of a consist (measured on the port's facility) where the data splits
  the port's published vessel time that way (a vessel-call row of ``frictions.csv`` included
  in ``nodes.handling_mean_h``: the Port of Baku's 20.1 h, ``baku-vessel-handling``; not
  at Kuryk, whose published cycle sets ``ferries.load_h``, so its figure is unloading and
  loading). A vessel's idle wait for cargo is not handling and is left out; so is
  its first call (it did not arrive).
- ``sailing_h`` (a ferry line): each crossing's duration, loaded or not.
- ``node_dwell_h`` (a node): per consist leaving the node (a train, a truck, a vessel load), the
  mean over its units of departure less arrival: what a border crossing point measures per
  train, queue, handling, frictions and the wait for a path on the line after it included.
  When the observation is one country's side of a node that stands for both (``"KZ side
  only"``) and an observation's note gives the node's published split (``"the keles node = UZ
  6.8 + KZ 78.0"``), the model's dwell is scaled by that side's share of the split.
- ``segment_time_h`` (a chain ``a>b>c``): per unit whose route passes the chain's nodes in
  order, its arrival at the last node less its departure from the first.
- ``transit_time_h`` (a chain, check only, never fitted): the transit of the delivered units
  whose route starts and ends at the chain's ends; else the segment time between them.
- ``queue_units`` (a node): the units of the observation's kind (trucks, wagons, TEU; else all)
  at the node waiting to leave it (from arrival, or release there, to departure), counted at
  each queue sample time in the window — in the months the observation's ``what`` or note
  names, when it names some (the Kuryk trucks: December). A ``snapshot`` compares with the
  95th percentile of those counts: a queue is reported when it is long (the Kuryk figure is
  from a December with the port closed by storms), so a reported snapshot is a high state,
  not a typical one.
- ``closure_share`` (a node): the share of hours the node was closed (closures unioned) in the
  months the observation's ``what`` or note names (``"Nov–Dec"``), else in the whole window.
- ``load_factor`` (a ferry line, or the network: the ASCO lines): per loaded departure, the
  slots loaded over the vessel's full deck; restricted to the vessels the ``what`` names
  (``'Azerbaijan'``) when it names some.
- ``throughput_per_year`` (a node, leg, ferry line, or the network: the ASCO lines): units whose
  route uses the target, per year of the window; wagons, vehicles (trucks) and TEU counted as
  units of that kind, tonnes as the units' payload (``units.csv`` ``payload_t``, whose
  rows are documented assumptions and upper estimates, so tonnes are on the high side).
  Railcars and vehicles of a port, a ferry line or the network are those carried by sea, as
  ports and shipping lines count them: on the voyages of the target's lines, of the vessels
  the ``what`` names or else of the operator it names (``ASCO``: not the Turkmen Ro-Pax on the
  same line); vehicles the trucks aboard, railcars the other slots aboard vessels with rail
  decks (a box is half a slot: two TEU to a flat wagon).
- ``vessel_calls_per_year``: a port's vessel arrivals (departures towards it on the lines that
  serve it), or a ferry line's departures from both ends (of the vessels ``what`` names, when
  it names some), per year of the window.

Numbers for calibration: ``model_value`` is the scalar compared — the model's mean for
``mean`` and ``total`` (its total for rates), its median for ``median`` and ``typical_range``,
its 5th percentile for ``min``, 95th for ``max`` and ``snapshot``, the share for ``share``; NaN
when not computed. ``model_low`` and ``model_high`` are the model's 25th and 75th percentiles
where the figure rests on a distribution (NaN otherwise), ``observed_value`` the published
value (the midpoint of ``low``-``high`` when no value is given), ``observed_low`` and
``observed_high`` the published range, ``n`` the model samples the figure rests on (units,
consists, voyages, gaps, queue samples, or hours for a share).

How a statistic is judged (``within``): ``mean`` and ``total`` against the model's mean or
total (within the published ``low``-``high`` when given, else within 25 % of the value);
``typical_range`` against the model's interquartile range (they must overlap); ``min`` and
``max`` against the model's 5th and 95th percentiles (the published extreme must lie beyond
the model's typical spread on the same side, or within it).

Examples
--------
>>> import network, sim
>>> s = sim.load_scenario("scenarios/baseline_2025.toml").with_run(
...     horizon_days=60, warmup_days=10, replications=1)
>>> table = compare(sim.run(s), network.load_network())
>>> set(table.columns) >= {"obs_id", "observed", "model", "within", "why_not", "model_value"}
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine.model import ModelSpec, Plan
from sim.engine.processes import HOURS_PER_MONTH
from sim.inputs.operations import blank as _nan

if TYPE_CHECKING:  # the layers below runs never import it at run time
    import network
    from sim.runs.runner import Results

HOURS_PER_YEAR = 365 * 24.0
#: an observation with a single value and no range is matched within this share of it
TOLERANCE = 0.25
#: the ferry lines ASCO runs (the published railcars and vehicles are theirs)
ASCO_LINES = ("turkmenbashi-alat", "kuryk-alat", "aktau-alat")
#: the unit kind an observation's unit counts (tonnes count payload, see :func:`compare`)
UNIT_OF = {
    "wagons/year": "wagon",
    "vehicles/year": "truck",
    "TEU/year": "teu",
    "trucks": "truck",
    "wagons": "wagon",
    "TEU": "teu",
}
TONNES = ("t/year",)
#: percentiles of a distribution: the model's figure for min, max and snapshot, and its range
P_MIN, P_MAX, P_SNAPSHOT, P_LOW, P_HIGH = 5, 95, 95, 25, 75
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: a month in a text: its name or abbreviation, capitalised ("Dec", "December", "Sept"), so
#: that words such as "decks", "market" or "may" name none
MONTH_PATTERN = (
    r"\b(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b"
)
COLUMNS = [
    "obs_id",
    "metric",
    "target",
    "statistic",
    "observed",
    "model",
    "within",
    "use",
    "why_not",
    "model_value",
    "model_low",
    "model_high",
    "observed_value",
    "observed_low",
    "observed_high",
    "n",
]


@dataclass
class _Figure:
    """The model's figure for one observation: a distribution (``sample``), or a scalar
    (``value``, resting on ``n`` samples), or why it is not computed."""

    sample: np.ndarray | None = None
    value: float | None = None
    n: int = 0
    why: str = ""


class _Run:
    """What every observation of one scenario reads, computed once: its units in the window,
    the units' passages at watched nodes, its voyages and the years of its window."""

    def __init__(
        self,
        res: Results,
        scenario: str,
        vessels: pd.DataFrame | None = None,
        frictions: pd.DataFrame | None = None,
    ) -> None:
        self.res = res
        #: the ports whose published vessel time the data splits into the port's handling of
        #: a consist and the vessel's loading and unloading (a vessel-call row of
        #: ``frictions.csv`` included in ``nodes.handling_mean_h``: the Port of Baku's 20.1 h)
        f = frictions if frictions is not None else pd.DataFrame()
        self.handling_in_vessel_time: set[str] = (
            set(
                f.loc[
                    (f["per"] == "vessel_call") & (f["included_in"] == "nodes.handling_mean_h"),
                    "applies_to",
                ].astype(str)
            )
            if len(f)
            else set()
        )
        vessels = vessels if vessels is not None else pd.DataFrame()
        names = vessels["name"].astype(str) if len(vessels) else pd.Series(dtype=str)
        #: vessel name -> its operator, and whether it has rail decks (``vessels.csv``)
        self.operators: dict[str, str] = (
            dict(zip(names, vessels["operator"].astype(str), strict=True)) if len(vessels) else {}
        )
        self.rail_decks: dict[str, bool] = (
            dict(zip(names, pd.to_numeric(vessels["railcars"]).fillna(0) > 0, strict=True))
            if len(vessels)
            else {}
        )
        self.spec: ModelSpec = res.specs[scenario]
        spec = self.spec
        parts = [t[t["scenario"] == scenario] for t in (res.shipments, res.background) if len(t)]
        every = pd.concat(parts, ignore_index=True) if parts else res.shipments.iloc[0:0]
        #: every unit (a queue counts those released in the warm-up too) and those after it
        self.every = every
        self.units = every[~every["in_warmup"]]
        reps = every["replication"].nunique() or 1
        self.reps = reps
        self.years = reps * (spec.horizon_h - spec.warmup_h) / HOURS_PER_YEAR
        voy = res.voyages
        if len(voy):
            voy = voy[voy["scenario"] == scenario]
            voy = voy[(voy["sail_h"] >= spec.warmup_h) & (voy["sail_h"] <= spec.horizon_h)]
        self.voyages = voy
        deps = res.departures
        self.departures = deps[deps["scenario"] == scenario] if len(deps) else deps
        self._passes: dict[str, pd.DataFrame] | None = None

    def plans(self, hit: Callable[[Plan], bool]) -> list[int]:
        return [p.index for p in self.spec.plans if hit(p)]

    def on(self, units: pd.DataFrame, hit: Callable[[Plan], bool]) -> pd.Series:
        """Which of ``units`` took a route for which ``hit`` is true (decided once per plan)."""
        return units["plan"].isin(self.plans(hit))

    def passes(self, node: str) -> pd.DataFrame:
        """One row per unit that passed watched ``node``: ``key`` (its replication and unit id,
        see :func:`_key`), ``arrive_h`` and ``depart_h`` (NaN where it did not arrive there —
        its origin — or has not left) and ``consist`` (the passage number of its departure)."""
        if self._passes is None:
            p = self.res.passages
            if len(p):
                p = p[p["scenario"] == self.spec.name]
            self._passes = {}
            if len(p):
                p = p.assign(key=_key(p["replication"], p["unit"]))
                for name, part in p.groupby("node", sort=False):
                    arr = part[~part["departs"]].drop_duplicates("key")
                    dep = part[part["departs"]].drop_duplicates("key")
                    self._passes[str(name)] = (
                        arr[["key", "replication", "unit", "time_h"]]
                        .rename(columns={"time_h": "arrive_h"})
                        .merge(
                            dep[["key", "replication", "unit", "time_h", "passage"]].rename(
                                columns={"time_h": "depart_h", "passage": "consist"}
                            ),
                            on=["key", "replication", "unit"],
                            how="outer",
                        )
                    )
        empty = pd.DataFrame(
            {
                c: pd.Series(dtype=float)
                for c in ("key", "replication", "unit", "arrive_h", "depart_h", "consist")
            }
        )
        return self._passes.get(node, empty)

    def watched(self, node: str) -> bool:
        return node in self.spec.watch_nodes


def _chain(plan: Plan, nodes: list[str]) -> bool:
    """Whether ``plan`` passes ``nodes`` in order."""
    seq = plan.nodes
    i = 0
    for n in seq:
        if i < len(nodes) and n == nodes[i]:
            i += 1
    return i == len(nodes)


def _lines(run: _Run, kind: str, target: str) -> list[str]:
    if kind == "network":
        return [line for line in ASCO_LINES if line in run.spec.ferries]
    return [target] if target in run.spec.ferries else []


def _named_vessels(run: _Run, what: str) -> list[str]:
    """The vessels of the run whose names (before any bracket) the text ``what`` names."""
    names = [str(v) for v in (run.voyages["vessel"].unique() if len(run.voyages) else [])]
    hits = [v for v in names if re.search(rf"\b{re.escape(v.split(' (')[0])}\b", what)]
    # vessels of the same name told apart by the bracket the text also names ("Ro-Pax")
    told = [v for v in hits if " (" in v and v.split(" (")[1].rstrip(")") in what]
    return told or hits


def _months(text: str) -> set[int]:
    """The months a text names: ``"Nov–Dec"`` (a range) or single months."""
    found = [
        (m.start(), MONTHS.index(m.group(1).lower()[:3]) + 1)
        for m in re.finditer(MONTH_PATTERN, text)
    ]
    out: set[int] = set()
    i = 0
    while i < len(found):
        start, a = found[i]
        if i + 1 < len(found):
            between = text[start : found[i + 1][0]]
            if re.fullmatch(r"[A-Za-z]+\s*(?:-|–|—|to)\s*", between):
                b = found[i + 1][1]
                out.update(((a - 1 + k) % 12) + 1 for k in range((b - a) % 12 + 1))
                i += 2
                continue
        out.add(a)
        i += 1
    return out


def _side_share(obs: pd.DataFrame, o: pd.Series, node: str) -> tuple[float, str]:
    """The share of ``node``'s dwell that the observation's side stands for (1.0: the whole
    node), and why not when the side is named but no split is published."""
    note, what = str(o["note"]) if not _nan(o["note"]) else "", str(o["what"])
    side = re.search(r"\b([A-Z]{2}) side only", note)
    if side is None:
        return 1.0, ""
    split: dict[str, float] = {}
    pattern = rf"the {re.escape(node)} node = ((?:[A-Z]{{2}} \d+(?:\.\d+)?(?: \+ )?)+)"
    for text in obs.loc[obs["target"] == node, "note"].dropna():
        m = re.search(pattern, str(text))
        if m:
            for cc, h in re.findall(r"([A-Z]{2}) (\d+(?:\.\d+)?)", m.group(1)):
                split[cc] = float(h)
    cc = side.group(1)
    if cc not in split or sum(split.values()) <= 0:
        return math.nan, (
            f"the model's {node} dwell is both sides of the border; no published split "
            f"gives the {cc} side's share ({what})"
        )
    return split[cc] / sum(split.values()), ""


# -- the metrics ---------------------------------------------------------------------------------


def _ferry_wait(run: _Run, o: pd.Series) -> _Figure:
    line = str(o["target"])
    fs = run.spec.ferries.get(line)
    if fs is None:
        return _Figure(why=f"no ferry line {line!r} in the model")
    u = run.units
    on = u[run.on(u, lambda p: line in p.legs) & u["delivered"]]
    return _Figure(sample=(on["ferry_h"] - fs.load_h - fs.unload_h).clip(lower=0).to_numpy())


def _headway(run: _Run, o: pd.Series) -> _Figure:
    line = str(o["target"])
    v = run.voyages
    v = v[v["line"] == line] if len(v) else v
    if not len(v):
        return _Figure(why=f"no departure of ferry line {line!r} in the window")
    v = v.sort_values(["replication", "port", "sail_h"])
    gaps = v.groupby(["replication", "port"])["sail_h"].diff().dropna()
    return _Figure(sample=gaps.to_numpy())


def _port_time(run: _Run, o: pd.Series) -> _Figure:
    port = str(o["target"])
    v = run.voyages
    v = v[(v["port"] == port) & v["arrived_h"].notna()] if len(v) else v
    v = v[(v["unload_h"] > 0) | (v["units"] > 0)] if len(v) else v
    if not len(v):
        return _Figure(why=f"no vessel call at {port!r} worked cargo in the window")
    handling = 0.0
    if port in run.handling_in_vessel_time:
        fac = run.res.facilities
        fac = fac[
            (fac["scenario"] == run.spec.name)
            & (fac["place"] == port)
            & fac["kind"].isin(["port", "terminal"])
        ]
        span = run.spec.horizon_h - run.spec.warmup_h
        served = float(fac["customers"].sum())
        busy = float((fac["utilisation"] * fac["servers"]).sum() * span)
        handling = busy / served if served > 0 else 0.0
    return _Figure(sample=(v["unload_h"] + v["load_h"] + handling).to_numpy())


def _sailing(run: _Run, o: pd.Series) -> _Figure:
    line = str(o["target"])
    if line not in run.spec.ferries:
        return _Figure(why=f"{line!r} is not a ferry line of the model")
    v = run.voyages
    v = v[v["line"] == line] if len(v) else v
    if not len(v):
        return _Figure(why=f"no crossing of {line!r} in the window")
    return _Figure(sample=v["crossing_h"].to_numpy())


def _key(replication: pd.Series, unit: pd.Series) -> np.ndarray:
    """One integer per (replication, unit id)."""
    return replication.to_numpy(np.int64) * (1 << 32) + unit.to_numpy(np.int64)


def _passed(run: _Run, node: str, units: pd.DataFrame) -> pd.DataFrame:
    """The passages at ``node`` of ``units`` (matched by replication and unit id)."""
    p = run.passes(node)
    return p[np.isin(p["key"].to_numpy(), _key(units["replication"], units["unit_id"]))]


def _dwell(run: _Run, o: pd.Series, obs: pd.DataFrame) -> _Figure:
    node = str(o["target"])
    if not run.watched(node):
        return _Figure(why=f"the run recorded no passages at {node!r} (no route passes it)")
    share, why = _side_share(obs, o, node)
    if why:
        return _Figure(why=why)
    p = _passed(run, node, run.units)
    p = p[p["arrive_h"].notna() & p["depart_h"].notna()]
    if not len(p):
        return _Figure(why=f"no unit passed {node!r} in the window")
    per_consist = (p["depart_h"] - p["arrive_h"]).groupby([p["replication"], p["consist"]]).mean()
    return _Figure(sample=per_consist.to_numpy() * share)


def _segment(run: _Run, o: pd.Series) -> _Figure:
    nodes = str(o["target"]).split(">")
    if len(nodes) < 2:
        return _Figure(why=f"a segment needs a chain 'a>b', got {o['target']!r}")
    a, c = nodes[0], nodes[-1]
    missing = [n for n in (a, c) if not run.watched(n)]
    if missing:
        return _Figure(why=f"no route of the model passes {', '.join(missing)}")
    u = run.units[run.on(run.units, lambda p: _chain(p, nodes))]
    if not len(u):
        return _Figure(why=f"no unit's route passes {' > '.join(nodes)} in order")
    start = _passed(run, a, u)[["replication", "unit", "depart_h"]]
    end = _passed(run, c, u)[["replication", "unit", "arrive_h"]]
    both = start.merge(end, on=["replication", "unit"]).dropna()
    both = both[both["arrive_h"] > both["depart_h"]]
    if not len(both):
        return _Figure(why=f"no unit went from {a} to {c} in the window")
    return _Figure(sample=(both["arrive_h"] - both["depart_h"]).to_numpy())


def _transit(run: _Run, o: pd.Series) -> _Figure:
    nodes = str(o["target"]).split(">")
    u = run.units
    whole = u[run.on(u, lambda p: p.nodes[0] == nodes[0] and p.nodes[-1] == nodes[-1])]
    whole = whole[whole["delivered"]]
    whole = whole[run.on(whole, lambda p: _chain(p, nodes))]
    if len(whole):
        return _Figure(sample=whole["transit_h"].to_numpy())
    fig = _segment(run, o)
    if fig.why:
        fig.why = f"no flow goes from {nodes[0]} to {nodes[-1]}, and {fig.why}"
    return fig


def _queue(run: _Run, o: pd.Series) -> _Figure:
    node = str(o["target"])
    if not run.watched(node):
        return _Figure(why=f"the run recorded no passages at {node!r} (no route passes it)")
    kind = UNIT_OF.get(str(o["unit"]))
    every = run.every if kind is None else run.every[run.every["unit"] == kind]
    # units that wait at the node to leave it: it is on their route but not its end
    every = every[run.on(every, lambda p: node in p.nodes[:-1])]
    if not len(every):
        return _Figure(why=f"no {kind or 'unit'} leaves {node!r}")
    p = _passed(run, node, every)
    start = p["arrive_h"].to_numpy(dtype=float, copy=True)
    released = every.set_index(["replication", "unit_id"])["release_h"]
    origin = np.isnan(start)
    if origin.any():
        idx = pd.MultiIndex.from_arrays([p["replication"][origin], p["unit"][origin]])
        start[origin] = released.reindex(idx).to_numpy()
    # units at their origin that have not left yet have no passage row: from their release
    seen = pd.MultiIndex.from_arrays([p["replication"], p["unit"]])
    rest = every[
        ~pd.MultiIndex.from_arrays([every["replication"], every["unit_id"]]).isin(seen)
        & run.on(every, lambda q: q.nodes[0] == node)
    ]
    reps = np.concatenate([p["replication"].to_numpy(), rest["replication"].to_numpy()])
    start = np.concatenate([start, rest["release_h"].to_numpy()])
    end = np.concatenate([p["depart_h"].fillna(np.inf).to_numpy(), np.full(len(rest), np.inf)])
    q = run.res.queues
    spec = run.spec
    times = np.unique(q.loc[q["scenario"] == spec.name, "time_h"]) if len(q) else np.array([])
    if not len(times) and spec.queue_sample_h > 0:
        times = np.arange(0.0, spec.horizon_h + 1e-9, spec.queue_sample_h)
    times = times[(times >= spec.warmup_h) & (times <= spec.horizon_h)]
    if not len(times):
        return _Figure(why="the run sampled no queue in the window")
    # a queue reported in named months (the Kuryk trucks: December) is counted in those months
    note = "" if _nan(o["note"]) else str(o["note"])
    months = _months(f"{o['what']} {note}")
    if months:
        times = times[np.isin((times // HOURS_PER_MONTH).astype(int) % 12 + 1, list(months))]
        if not len(times):
            names = ", ".join(MONTHS[m - 1].title() for m in sorted(months))
            return _Figure(why=f"the run's window covers none of {names}")
    counts = []
    for r in np.unique(reps) if len(reps) else [0]:
        mine = reps == r
        s, e = np.sort(start[mine]), np.sort(end[mine])
        counts.append(
            np.searchsorted(s, times, side="right") - np.searchsorted(e, times, side="right")
        )
    return _Figure(sample=np.concatenate(counts).astype(float))


def _closure(run: _Run, o: pd.Series) -> _Figure:
    node = str(o["target"])
    note = "" if _nan(o["note"]) else str(o["note"])
    months = _months(f"{o['what']} {note}") or set(range(1, 13))
    spec = run.spec
    lo, hi = spec.warmup_h, spec.horizon_h
    # the window's hours, cut at month ends, in the months the observation covers
    edges = np.arange(math.floor(lo / HOURS_PER_MONTH), math.ceil(hi / HOURS_PER_MONTH) + 1)
    bounds = [
        (max(lo, k * HOURS_PER_MONTH), min(hi, (k + 1) * HOURS_PER_MONTH))
        for k in edges
        if int(k) % 12 + 1 in months
    ]
    bounds = [(a, b) for a, b in bounds if b > a]
    hours = sum(b - a for a, b in bounds)
    if hours <= 0:
        names = ", ".join(MONTHS[m - 1].title() for m in sorted(months))
        return _Figure(why=f"the run's window covers none of {names}")
    c = run.res.closures
    c = c[(c["scenario"] == spec.name) & (c["target"] == node)] if len(c) else c
    closed = 0.0
    for _, mine in c.groupby("replication") if len(c) else []:
        merged: list[list[float]] = []  # overlapping closures nest: their union
        for s, e in sorted(zip(mine["start_h"], mine["end_h"], strict=True)):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        for s, e in merged:
            closed += sum(max(0.0, min(e, b) - max(s, a)) for a, b in bounds)
    total = hours * run.reps
    return _Figure(value=closed / total, n=round(total))


def _load(run: _Run, o: pd.Series) -> _Figure:
    lines = _lines(run, str(o["target_kind"]), str(o["target"]))
    if not lines:
        return _Figure(why=f"no ferry line {o['target']!r} in the model")
    v = run.voyages
    v = v[v["line"].isin(lines) & (v["units"] > 0)] if len(v) else v
    named = _named_vessels(run, str(o["what"]))
    if named:
        v = v[v["vessel"].isin(named)]
    if not len(v):
        return _Figure(why="no loaded departure in the window")
    return _Figure(sample=(v["slots"] / v["capacity_slots"]).to_numpy())


def _carried(run: _Run, o: pd.Series) -> _Figure | None:
    """Railcars or vehicles carried by sea (None: the observation is not such a figure, or no
    ferry line serves its target): counted on the voyages of the target's lines (a port's
    lines, a line, the ASCO lines for the network), of the vessels its ``what`` names, else of
    the operator it names (``ASCO``): another operator's vessels on the same line (the Turkmen
    Ro-Pax at Turkmenbashi) do not count. Vehicles are the trucks aboard; railcars the other
    slots aboard a vessel with rail decks (a wagon one, a box half: two TEU to a flat wagon, as
    the data sizes them)."""
    unit, kind, target = str(o["unit"]), str(o["target_kind"]), str(o["target"])
    what = str(o["what"])
    if unit not in ("wagons/year", "vehicles/year"):
        return None
    if kind == "node":
        lines = [k for k, fs in run.spec.ferries.items() if target in fs.ends]
    elif kind in ("network", "ferry_line"):
        lines = _lines(run, kind, target)
    else:
        return None
    if not lines:
        return None
    named = _named_vessels(run, what)
    # an operator named by the first word of its name, as a whole word in any case ("ASCO's")
    operator = next(
        (
            op
            for op in sorted(set(run.operators.values()))
            if re.search(rf"\b{re.escape(op.split()[0])}\b", what, flags=re.IGNORECASE)
        ),
        None,
    )
    v = run.voyages
    v = v[v["line"].isin(lines) & (v["units"] > 0)] if len(v) else v
    if named:
        v = v[v["vessel"].isin(named)]
    elif operator is not None and len(v):
        # a line's alike vessels (no named fleet) count as the operator's
        op = v["vessel"].map(run.operators)
        v = v[op.isna() | (op == operator)]
    if unit == "vehicles/year":
        n = float(v["trucks"].sum()) if len(v) else 0.0
        return _Figure(value=n / run.years, n=len(v))
    truck = run.spec.units["truck"].ferry_slots if "truck" in run.spec.units else 1.0
    decks = v["vessel"].map(run.rail_decks) if len(v) else v
    rail = v[decks.isna() | (decks == True)] if len(v) else v  # noqa: E712
    n = float((rail["slots"] - rail["trucks"] * truck).sum()) if len(rail) else 0.0
    return _Figure(value=n / run.years, n=len(rail))


def _throughput(run: _Run, o: pd.Series) -> _Figure:
    carried = _carried(run, o)
    if carried is not None:
        return carried
    unit, kind, target = str(o["unit"]), str(o["target_kind"]), str(o["target"])
    u = run.units
    hit = _where(run, kind, target)
    if hit is None:
        return _Figure(why=f"no {kind} {target!r} in the model's tables")
    on = u[run.on(u, hit)]
    if unit in TONNES:
        payload = {k: s.payload_t for k, s in run.spec.units.items()}
        total = float(on["unit"].map(payload).sum())
        return _Figure(value=total / run.years, n=len(on))
    ukind = UNIT_OF.get(unit)
    if ukind is None:
        return _Figure(why=f"the model counts units (wagons, vehicles, TEU, tonnes), not {unit}")
    n = int((on["unit"] == ukind).sum())
    return _Figure(value=n / run.years, n=n)


def _calls(run: _Run, o: pd.Series) -> _Figure:
    kind, target = str(o["target_kind"]), str(o["target"])
    v = run.voyages
    if kind == "node":
        lines = [k for k, fs in run.spec.ferries.items() if target in fs.ends]
        v = v[v["line"].isin(lines) & (v["port"] != target)] if len(v) else v
    elif kind in ("ferry_line", "leg"):
        if target not in run.spec.ferries:
            return _Figure(why=f"no ferry line {target!r} in the model")
        v = v[v["line"] == target] if len(v) else v
        named = _named_vessels(run, str(o["what"]))
        if named:
            v = v[v["vessel"].isin(named)]
    else:
        return _Figure(why=f"vessel calls of a {kind} are not defined")
    return _Figure(value=len(v) / run.years, n=len(v))


def _where(run: _Run, kind: str, target: str) -> Callable[[Plan], bool] | None:
    if kind == "network":
        return lambda p: bool(set(p.legs) & set(ASCO_LINES))
    if kind in ("leg", "ferry_line"):
        if target not in run.spec.legs and not any(target in p.legs for p in run.spec.plans):
            return None
        return lambda p: target in p.legs
    if kind == "node":
        return lambda p: target in p.nodes
    return None


def compare(res: Results, net: network.Network, scenario: str | None = None) -> pd.DataFrame:
    """One row per observation: what was observed, the model's figure in ``scenario`` (default
    the first of ``res``), whether they agree, or why the model's figure is not computed; with
    the numbers a calibration compares (see the module docstring)."""
    scenario = scenario if scenario is not None else next(iter(res.specs))
    obs = net.observations
    run = _Run(res, scenario, net.vessels, net.frictions)
    metrics: dict[str, Callable[[_Run, pd.Series], _Figure]] = {
        "ferry_wait_h": _ferry_wait,
        "ferry_headway_h": _headway,
        "vessel_port_time_h": _port_time,
        "sailing_h": _sailing,
        "segment_time_h": _segment,
        "transit_time_h": _transit,
        "queue_units": _queue,
        "closure_share": _closure,
        "load_factor": _load,
        "throughput_per_year": _throughput,
        "vessel_calls_per_year": _calls,
    }
    rows = []
    for obs_id, o in obs.iterrows():
        metric, target, stat = str(o["metric"]), str(o["target"]), str(o["statistic"])
        if metric == "node_dwell_h":
            fig = _dwell(run, o, obs)
        elif metric in metrics:
            fig = metrics[metric](run, o)
        else:
            fig = _Figure(why=f"{metric} is not a metric the model computes")
        value, low, high, n, why = _summarise(fig, stat)
        model: float | tuple[float, float] | None = None
        if not why:
            model = (low, high) if stat == "typical_range" else value
        ov, olo, ohi = (_float(o[c]) for c in ("value", "low", "high"))
        rows.append(
            {
                "obs_id": obs_id,
                "metric": metric,
                "target": "" if _nan(o["target"]) else target,
                "statistic": stat,
                "observed": _observed(o),
                "model": _show(model),
                "within": _within(o, stat, model),
                "use": o["use"],
                "why_not": why,
                "model_value": value,
                "model_low": low,
                "model_high": high,
                "observed_value": ov if not math.isnan(ov) else (olo + ohi) / 2,
                "observed_low": olo,
                "observed_high": ohi,
                "n": n,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _summarise(fig: _Figure, stat: str) -> tuple[float, float, float, int, str]:
    """``(model_value, model_low, model_high, n, why_not)`` of a figure for ``stat``."""
    nan = math.nan
    if fig.why:
        return nan, nan, nan, 0, fig.why
    if fig.sample is None:
        if fig.value is None or not math.isfinite(fig.value):
            return nan, nan, nan, fig.n, "the model's figure is not defined"
        return float(fig.value), nan, nan, fig.n, ""
    s = fig.sample[np.isfinite(fig.sample)]
    if not len(s):
        return nan, nan, nan, 0, "no model sample in the window"
    p = {q: float(v) for q, v in zip(_PCTS, np.percentile(s, _PCTS), strict=True)}
    value = {
        "mean": float(np.mean(s)),
        "total": float(np.mean(s)),
        "median": p[50],
        "typical_range": p[50],
        "min": p[P_MIN],
        "max": p[P_MAX],
        "snapshot": p[P_SNAPSHOT],
        "share": float(np.mean(s)),
    }.get(stat)
    if value is None:
        return nan, nan, nan, len(s), f"statistic {stat} of a distribution is not computed"
    return value, p[P_LOW], p[P_HIGH], len(s), ""


_PCTS = sorted({P_MIN, P_LOW, 50, P_HIGH, P_MAX, P_SNAPSHOT})


def _float(x: object) -> float:
    return math.nan if _nan(x) else float(x)  # type: ignore[arg-type]


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


__all__ = ["ASCO_LINES", "COLUMNS", "TOLERANCE", "compare"]
