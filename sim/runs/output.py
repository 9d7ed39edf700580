"""Write a run's or a comparison's output folder: tables, manifest, plots and report.

The folder is assembled in a temporary sibling and moved into place only when everything has
been written, so an error or Ctrl-C never leaves a partial output
(:class:`sim.runs.outdir.Staging`). Its ``manifest.json`` names the tool and lists every file with
its size and SHA-256; an existing folder is replaced only with ``overwrite`` and only if it is one
of the tool's own by that rule, removing only the files its manifest lists; anything else is refused
(:func:`sim.runs.outdir.examine`).

Layout::

    DIR/manifest.json           tool, kind, scenarios (file, digest), seed, replications,
                                versions, command, and every file (path, size, sha256)
    DIR/tables/*.parquet        shipments, facilities, queues, closures, departures and
                                background (the traffic that shares the corridor; one row
                                per unit/...)
    DIR/tables/*.csv            kpis, differences, summary, delay_by_cause, queue_trends,
                                observations (the run beside observations.csv) (small)
    DIR/tables/capacity.*       the capacity check per scenario and facility (csv and parquet)
    DIR/tables/routes.*         every compiled route per scenario by its stable route_id (name,
                                km, legs, countries, opening years, units carried); the
                                shipments' route_id refers to it (csv and parquet)
    DIR/tables/what_differs.csv a comparison's differences between the scenarios, resolved to
                                values (legs opened, parameters a -> b, demand, regimes)
    DIR/tables/route_shift.csv  a comparison's route shift: per scenario and flow, the share
                                of units by route before and after (flows that moved)
    DIR/tables.xlsx             with --xlsx: the small tables as one Excel workbook
    DIR/figures/*.png           the comparison plots
    DIR/report.md, report.html  the one-page report
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.analysis import report
from sim.analysis.metrics import delay_by_cause, paired_differences
from sim.inputs.capacity import capacity_frame
from sim.inputs.compile import scenario_network
from sim.inputs.scenario import Scenario
from sim.runs import outdir
from sim.runs.outdir import OutputError, Staging
from sim.runs.runner import TABLES, Results

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class ScenarioInfo:
    """What the manifest records of each scenario."""

    scenario: Scenario
    path: Path | None = None


def manifest(
    infos: Sequence[ScenarioInfo],
    results: Results,
    *,
    seed: int,
    replications: int,
    command: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The manifest of an output folder: enough to reproduce and to check what was run.

    :class:`~sim.runs.outdir.Staging` adds ``tool`` and the list of ``files`` when it is written.
    """
    from sim import __version__

    versions = {"caspian-corridors": __version__, "python": platform.python_version()}
    for mod in ("simpy", "networkx", "numpy", "pandas"):
        versions[mod] = __import__(mod).__version__
    return {
        "tool": outdir.TOOL,
        "kind": "compare" if len(infos) > 1 else "run",
        "created": outdir.now(),
        "command": list(command) if command is not None else sys.argv,
        "seed": seed,
        "replications": replications,
        "baseline": infos[0].scenario.name,
        "scenarios": [
            {
                "name": i.scenario.name,
                "file": str(i.path) if i.path else None,
                "digest": i.scenario.digest(),
                "year": i.scenario.year,
                "description": i.scenario.description,
                "horizon_days": i.scenario.run.horizon_days,
                "warmup_days": i.scenario.run.warmup_days,
            }
            for i in infos
        ],
        "tables": {t: len(getattr(results, t)) for t in TABLES},
        "versions": versions,
    }


def check_target(out_dir: Path, *, overwrite: bool = False) -> None:
    """Refuse an output folder before any work is done: one that is not the tool's own, or
    one of its own without ``overwrite`` (see :func:`sim.runs.outdir.examine`)."""
    outdir.examine(out_dir, overwrite=overwrite)


#: figure file stem -> caption in the report
CAPTIONS = {
    "transit_distributions": "Transit-time distributions per origin–destination (ECDF, days)",
    "kpi_mean_transit": "Mean transit per flow and scenario, with 95 % intervals over replications",
    "differences_mean_transit": "Paired differences to the baseline (common random numbers)",
    "delay_attribution": "Where the time goes: mean hours per unit by cause",
    "facility_delays": "Where cargo waits: facilities with the longest average queues",
    "queues_caspian": "Queues over time at the Caspian ports and ferry lines",
    "flow_maps": "Units per leg and replication, by scenario",
    "flow_differences": "Change in units per leg and replication against the baseline",
}


def _figure(obj: Any) -> Figure:
    from matplotlib.figure import Figure

    return obj if isinstance(obj, Figure) else obj.figure


def figures_for(
    results: Results,
    infos: Sequence[ScenarioInfo],
    kpi_table: pd.DataFrame,
    diffs: pd.DataFrame,
) -> dict[str, Figure]:
    """The comparison figures, by file stem (see :data:`CAPTIONS`)."""
    import network
    from sim.analysis import plots

    figs: dict[str, Figure] = {
        "transit_distributions": _figure(plots.transit_distributions(results.shipments)),
        "kpi_mean_transit": _figure(plots.kpi_bars(kpi_table, "mean_transit_d")),
    }
    if not diffs.empty:
        figs["differences_mean_transit"] = _figure(plots.difference_bars(diffs, "mean_transit_d"))
    figs["delay_attribution"] = _figure(plots.delay_attribution(results.shipments))
    figs["facility_delays"] = _figure(plots.facility_delays(results.facilities))
    if not results.queues.empty:
        warmup = infos[0].scenario.run.warmup_days
        figs["queues_caspian"] = _figure(plots.queue_timeseries(results.queues, warmup_days=warmup))
    graphs = {
        i.scenario.name: network.build_graph(
            scenario_network(i.scenario, i.path.parent if i.path else None), i.scenario.year
        )
        for i in infos
    }
    figs["flow_maps"] = plots.flow_maps(results, list(graphs), graphs=graphs)
    if len(graphs) > 1:
        figs["flow_differences"] = plots.flow_difference_maps(results, list(graphs), graphs=graphs)
    return figs


def _observations(results: Results, infos: Sequence[ScenarioInfo]) -> pd.DataFrame:
    """Each scenario's run beside the observations of its network (see
    :mod:`sim.analysis.observations`)."""
    from sim.analysis.observations import COLUMNS, compare
    from sim.inputs.compile import scenario_network

    frames = []
    for info in infos:
        base = info.path.resolve().parent if info.path is not None else None
        net = scenario_network(info.scenario, base)
        if net.observations.empty:
            continue
        name = info.scenario.name
        frames.append(compare(results, net, name).assign(scenario=name))
    if not frames:  # a network without observations: the table's header only
        return pd.DataFrame(columns=[*COLUMNS, "scenario"])
    return pd.concat(frames, ignore_index=True)


#: the Excel workbook of an output folder (``--xlsx``)
WORKBOOK = "tables.xlsx"
#: the workbook's sheets, in order: the small tables an analyst opens first
SHEETS = (
    "summary",
    "kpis",
    "differences",
    "what_differs",
    "route_shift",
    "routes",
    "delay_by_cause",
    "capacity",
    "queue_trends",
    "observations",
)


def write_workbook(path: Path, tables: Mapping[str, pd.DataFrame]) -> None:
    """The small tables as one Excel workbook, a sheet each (:data:`SHEETS` first, in order,
    then any other), with the same columns and values as their CSV files.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> write_workbook(f, {"kpis": pd.DataFrame({"flow": ["a→b"], "released": [3]})})
    >>> pd.read_excel(f, sheet_name=None)["kpis"].to_dict("list")
    {'flow': ['a→b'], 'released': [3]}
    """
    order = [n for n in SHEETS if n in tables] + [n for n in tables if n not in SHEETS]
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        for name in order:
            frame = tables[name]
            if frame.empty and not len(frame.columns):
                frame = pd.DataFrame({"(empty)": []})
            frame.to_excel(book, sheet_name=name[:31], index=False)


def _differences(
    results: Results, infos: Sequence[ScenarioInfo], baseline: str
) -> tuple[pd.DataFrame | None, dict[str, pd.DataFrame] | None]:
    """A comparison's differences resolved to values and its route shifts (None, None for a
    single scenario), for the report and the tables alike."""
    if len(infos) < 2:
        return None, None
    from sim.analysis.scenario_diff import scenario_graphs, what_differs

    scenarios = [i.scenario for i in infos]
    graphs = scenario_graphs(scenarios, [i.path.parent if i.path else None for i in infos])
    differs = what_differs(results.specs, baseline, graphs=graphs, scenarios=scenarios)
    return differs, report.route_shifts(results, baseline)


def write_output(
    out_dir: Path,
    results: Results,
    infos: Sequence[ScenarioInfo],
    *,
    seed: int,
    replications: int,
    command: Sequence[str] | None = None,
    with_figures: bool = True,
    overwrite: bool = False,
    posterior: str | None = None,
    xlsx: bool = False,
) -> dict[str, pd.DataFrame]:
    """Write tables, figures, report and manifest to ``out_dir``; return the small tables.
    ``posterior`` names the file the replications drew their parameters from, if any.

    With ``xlsx``, the small tables are also written as one Excel workbook, :data:`WORKBOOK`
    (:func:`write_workbook`).

    Raises
    ------
    OutputError
        ``out_dir`` is not the tool's own, or is and ``overwrite`` is False (nothing written).
    """
    baseline = infos[0].scenario.name
    kpi_table = results.kpis()
    diffs = paired_differences(kpi_table, baseline) if len(infos) > 1 else pd.DataFrame()
    summary = report.summary_table(results, baseline)
    with Staging(out_dir, overwrite=overwrite) as staging:
        tmp = staging.tmp
        tables = tmp / "tables"
        tables.mkdir()
        for name in TABLES:
            frame = getattr(results, name)
            frame.to_parquet(tables / f"{name}.parquet", index=False)
        small = {
            "kpis": kpi_table,
            "differences": diffs,
            "summary": summary,
            "delay_by_cause": delay_by_cause(results.shipments),
            "queue_trends": results.saturation().queues,
            "capacity": capacity_frame(results.specs),
            "observations": _observations(results, infos),
            "routes": results.routes(),
        }
        differs, shifts = _differences(results, infos, baseline)
        if differs is not None and shifts:
            small["what_differs"] = differs
            small["route_shift"] = pd.concat(
                [t.assign(scenario=name) for name, t in shifts.items()], ignore_index=True
            ).pipe(lambda t: t[["scenario", *(c for c in t.columns if c != "scenario")]])
        for name, frame in small.items():
            frame.to_csv(tables / f"{name}.csv", index=False)
        for name in ("capacity", "routes"):
            small[name].to_parquet(tables / f"{name}.parquet", index=False)
        if xlsx:
            write_workbook(tmp / WORKBOOK, small)
        outdir.test_pause("write")
        figure_paths: dict[str, Path] = {}
        if with_figures:
            import matplotlib.pyplot as plt

            fig_dir = tmp / "figures"
            fig_dir.mkdir()
            for stem, fig in figures_for(results, infos, kpi_table, diffs).items():
                path = fig_dir / f"{stem}.png"
                fig.savefig(path, dpi=120, bbox_inches="tight")
                plt.close(fig)
                figure_paths[CAPTIONS[stem]] = path
        report.write_report(
            results,
            tmp,
            baseline=baseline,
            figures=figure_paths,
            scenarios=[i.scenario for i in infos],
            summary=summary,
            posterior=posterior,
            base_dirs=[i.path.parent if i.path else None for i in infos],
            differs=differs,
            shifts=shifts,
        )
        head = manifest(infos, results, seed=seed, replications=replications, command=command)
        head["posterior"] = posterior
        staging.commit(head)
    return small


__all__ = [
    "CAPTIONS",
    "SHEETS",
    "WORKBOOK",
    "OutputError",
    "ScenarioInfo",
    "check_target",
    "figures_for",
    "manifest",
    "write_output",
    "write_workbook",
]
