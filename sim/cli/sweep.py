"""The ``corridor sweep`` command: run a sweep file (:mod:`sim.runs.sweep`) and say what it did."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.cli.flags import MAX_WORKERS, float_between, int_between
from sim.inputs.limits import MAX_HORIZON_DAYS, MAX_REPLICATIONS, MAX_RUNS
from sim.runs import outdir

if TYPE_CHECKING:
    from sim.runs.sweep import Sweep

__all__ = ["add_commands", "cmd_sweep"]


def add_commands(sub: Any) -> None:
    """Register ``sweep`` on the ``corridor`` sub-parsers."""
    p = sub.add_parser(
        "sweep",
        help="run a grid of scenario parameters x replications (resumable; local or Dask)",
        description="Run a sweep file: every grid point x replication. Finished runs are saved "
        "as they complete, so a rerun resumes. Writes DIR/sweep.parquet and DIR/response.png.",
    )
    p.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="sweep TOML file, or a shipped sweep's name (sweeps/ferry_fleet)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="output folder (default out/sweep-<name>); new, empty, or this sweep's (resumed)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace another output of this tool in DIR (only the files its manifest lists)",
    )
    p.add_argument(
        "--replications",
        type=int_between(1, MAX_REPLICATIONS),
        help=f"replications per point (1 to {MAX_REPLICATIONS:,})",
    )
    p.add_argument(
        "--horizon-days",
        type=float_between(0, MAX_HORIZON_DAYS, low_open=True),
        help=f"simulated days of each run (at most {MAX_HORIZON_DAYS:g})",
    )
    p.add_argument(
        "--workers",
        type=int_between(1, MAX_WORKERS),
        default=min(os.cpu_count() or 1, MAX_WORKERS),
        help=f"local processes (default: the machine's cores; at most {MAX_WORKERS})",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    where.add_argument(
        "--local-cluster",
        type=int_between(1, MAX_WORKERS),
        metavar="N",
        help=f"start a local Dask cluster of N workers (at most {MAX_WORKERS})",
    )
    p.add_argument("--max-jobs", type=int_between(1, MAX_RUNS), help=argparse.SUPPRESS)
    p.add_argument(
        "--allow-overload",
        action="store_true",
        help="run grid points that overload a facility (the capacity check) anyway",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sweep)


def _print_capacity(sweep: Sweep, given: str | None = None) -> None:
    """The capacity check's flagged facilities over the grid, one line each (stderr)."""
    from sim.inputs.capacity import check_capacity

    flagged: dict[tuple[str, str], list[float]] = {}
    for spec in sweep.specs:
        table = check_capacity(spec).table
        for row in table[table["status"] != "ok"].to_dict("records"):
            flagged.setdefault((row["status"], row["facility"]), []).append(row["rho_high"])
    where = given if given is not None else os.path.relpath(sweep.file)
    for (status, facility), rhos in sorted(flagged.items()):
        word = "overload, run anyway" if status == "overload" else "warning"
        print(
            f"{where}: capacity {word}: {facility} in {len(rhos)} of {len(sweep.specs)} "
            f"points, rho up to {max(rhos):.2f}",
            file=sys.stderr,
        )


def cmd_sweep(args: Any) -> int:
    from sim.inputs.shipped import resolve_scenario
    from sim.runs.executors import make_executor
    from sim.runs.sweep import load_sweep, run_sweep

    # a foreign folder is named with the sweep file's problems
    sweep = outdir.load_beside_target(
        lambda: load_sweep(
            resolve_scenario(args.file),  # a file, or a shipped sweep by name
            replications=args.replications,
            horizon_days=args.horizon_days,
            allow_overload=args.allow_overload,
        ),
        args.output,
        overwrite=True,
    )
    _print_capacity(sweep, str(args.file))  # the file as given
    out = args.output or outdir.default_folder("sweep", sweep.name)
    executor = make_executor(args.workers, args.scheduler, args.local_cluster)
    res = run_sweep(
        sweep,
        out,
        executor=executor,
        max_jobs=args.max_jobs,
        progress=not args.quiet,
        overwrite=args.overwrite,
    )
    total = len(sweep.jobs())
    done = res.table.groupby(["point", "replication"]).ngroups if len(res.table) else 0
    print(
        f"{sweep.name}: {len(sweep.points)} points x {sweep.replications} replications; "
        f"ran {res.ran}, reused {res.skipped}, {done}/{total} done"
    )
    if done == total:
        print(f"wrote {out / 'sweep.parquet'} and {out / 'response.png'}")
        return 0
    print(f"incomplete: rerun the same command to resume ({out / 'runs'})")
    return 1
