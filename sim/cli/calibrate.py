"""The ``corridor calibrate`` and ``corridor parameters`` commands.

``calibrate`` runs :func:`sim.calibration.calibrate.calibrate` on local processes or Dask and
says what it wrote; ``parameters`` lists a scenario's uncertain parameters with their prior
ranges (the names ``[calibration] parameters`` and a posterior use).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.cli.flags import MAX_WORKERS, float_between, int_between
from sim.inputs.limits import MAX_HORIZON_DAYS, MAX_SEED
from sim.runs import outdir

__all__ = ["add_commands", "cmd_calibrate", "cmd_parameters"]

#: most particles, generations and sensitivity runs a command line may ask for
MAX_POPULATION = 10_000
MAX_GENERATIONS = 50
MAX_SENSITIVITY_RUNS = 100_000


def add_commands(sub: Any) -> None:
    """Register ``calibrate`` and ``parameters`` on the ``corridor`` sub-parsers."""
    p = sub.add_parser(
        "calibrate",
        help="fit a scenario's uncertain parameters to the observations (ABC-SMC), rank them "
        "(Sobol), write a calibrated scenario and its posterior",
        description="Estimate the scenario's uncertain parameters (the assumptions of the "
        "network data with prior ranges) against the component-level observations "
        "(observations.csv, use = fit) by ABC-SMC (pyabc); rank them by first-order Sobol "
        "indices (SALib); write posterior.csv, fit.csv, parameters.csv, sensitivity.csv, a "
        "calibrated scenario that extends this one, figures and report.md. Each stage is "
        "saved as it completes: rerunning the same command resumes. End-to-end transit "
        "times are never fitted.",
    )
    p.add_argument(
        "file", type=Path, metavar="FILE", help="scenario TOML file, or a shipped scenario's name"
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="output folder (default out/calibrate-<name>); new, empty, or this calibration's "
        "(resumed)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace another output of this tool in DIR (only the files its manifest lists)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a first look: 90-day runs (20 of warm-up), 32 sensitivity runs, 3 generations "
        "of 10 particles",
    )
    p.add_argument(
        "--seed", type=int_between(0, MAX_SEED), metavar="S", help="seed (default the scenario's)"
    )
    p.add_argument(
        "--population",
        type=int_between(2, MAX_POPULATION),
        metavar="N",
        help="particles per ABC-SMC generation",
    )
    p.add_argument(
        "--generations",
        type=int_between(1, MAX_GENERATIONS),
        metavar="N",
        help="ABC-SMC generations",
    )
    p.add_argument(
        "--sensitivity-runs",
        type=int_between(32, MAX_SENSITIVITY_RUNS),
        metavar="N",
        help="simulations of the Latin-hypercube sample for the Sobol indices (at least 32, "
        "what the delta method's bins need; --quick 32)",
    )
    p.add_argument(
        "--horizon-days",
        type=float_between(0, MAX_HORIZON_DAYS, low_open=True),
        metavar="D",
        help="days each simulation runs (default the scenario's; --quick 90)",
    )
    p.add_argument(
        "--warmup-days",
        type=float_between(0, MAX_HORIZON_DAYS),
        metavar="D",
        help="warm-up of each simulation (default the scenario's; --quick 20)",
    )
    p.add_argument(
        "--workers",
        type=int_between(1, MAX_WORKERS),
        default=min(os.cpu_count() or 1, MAX_WORKERS),
        metavar="N",
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
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_calibrate)

    q = sub.add_parser(
        "parameters",
        help="list a scenario's uncertain parameters and their prior ranges",
        description="The uncertain parameters calibration estimates: each prior-ranged column "
        "of the network data over the rows of one assumption, with the values its rows take "
        "at the low end, the centre and the high end of the prior.",
    )
    q.add_argument(
        "file", type=Path, metavar="FILE", help="scenario TOML file, or a shipped scenario's name"
    )
    q.set_defaults(func=cmd_parameters)


@contextmanager
def _mapper(args: argparse.Namespace) -> Iterator[Any]:
    """An order-preserving map over local processes, a Dask cluster, or this process."""
    if args.scheduler or args.local_cluster:
        from distributed import Client, LocalCluster

        cluster = None
        if args.scheduler:
            client = Client(args.scheduler)
        else:
            cluster = LocalCluster(
                n_workers=args.local_cluster, threads_per_worker=1, processes=True
            )
            client = Client(cluster)
        try:
            yield lambda fn, items: client.gather(client.map(fn, list(items), pure=False))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    elif args.workers > 1:
        from sim.runs.executors import local_pool

        with local_pool(args.workers) as pool:
            yield pool.map
    else:
        yield map


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibration.calibrate import Settings, calibrate
    from sim.inputs.scenario_io import load_scenario
    from sim.inputs.shipped import resolve_scenario

    args.file = resolve_scenario(args.file)  # a file, or a shipped scenario by name
    scenario = outdir.load_beside_target(
        lambda: load_scenario(args.file), args.output, overwrite=True
    )
    settings = Settings.for_scenario(
        scenario.run.horizon_days,
        scenario.run.warmup_days,
        quick=args.quick,
        seed=args.seed if args.seed is not None else scenario.run.seed,
        population=args.population,
        generations=args.generations,
        sensitivity_runs=args.sensitivity_runs,
        horizon_days=args.horizon_days,
        warmup_days=args.warmup_days,
    )
    if settings.warmup_days >= settings.horizon_days:
        raise ValueError(
            f"--warmup-days {settings.warmup_days:g} must be shorter than the horizon "
            f"{settings.horizon_days:g} d"
        )
    out = args.output or outdir.default_folder("calibrate", scenario.name)
    outdir.examine(out, overwrite=True)  # a foreign folder is refused before anything runs

    done = {"sensitivity": 0}

    def progress(stage: str, n: int) -> None:
        if args.quiet:
            return
        if stage == "sensitivity":
            done["sensitivity"] += n
            line = f"sensitivity sample: {done['sensitivity']} of {settings.sensitivity_runs} runs"
        else:
            line = f"ABC-SMC: generation {n} of {settings.generations} stored"
        print(line, file=sys.stderr, flush=True)

    with _mapper(args) as map_:
        result = calibrate(
            scenario,
            out,
            settings,
            scenario_file=args.file,
            base_dir=args.file.parent,
            map_=map_,
            overwrite=args.overwrite,
            progress=progress,
        )
    fits = result.fit_table
    used = fits[fits["use"] == "fit"]
    met = used["posterior_meets"].dropna()
    before = used["prior_meets"].dropna()
    print(
        f"{scenario.name}: {len(result.parameters)} parameters, {len(used)} fit observations; "
        f"{result.simulations:,} simulations" + (" (resumed)" if result.resumed else "")
    )
    print(
        f"fit observations meeting the model's 90 % interval: {int(before.sum())} of "
        f"{len(before)} before, {int(met.sum())} of {len(met)} after calibration"
    )
    print(f"wrote {out}/ (posterior.csv, fit.csv, parameters.csv, report.md, figures/, ...)")
    return 0


def cmd_parameters(args: argparse.Namespace) -> int:
    from sim.inputs.compile import load_base_network
    from sim.inputs.parameters import uncertain_parameters
    from sim.inputs.scenario_io import load_scenario
    from sim.inputs.shipped import resolve_scenario

    args.file = resolve_scenario(args.file)  # a file, or a shipped scenario by name
    scenario = load_scenario(args.file)
    net = load_base_network(scenario, args.file.parent)
    params = uncertain_parameters(net, scenario.operations)
    set_to = scenario.calibration.parameters
    width = max((len(p.name) for p in params), default=10)
    print(f"{'parameter':<{width}}  rows  low .. central .. high   (scenario sets)")
    for p in params:
        q = set_to.get(p.name)
        now = f"q={q:.3f}: {p.describe(q)}" if q is not None else ""
        print(
            f"{p.name:<{width}}  {len(p.rows):>4}  {p.describe(0.0)} .. {p.describe(0.5)} .. "
            f"{p.describe(1.0)}  {now}"
        )
    if scenario.calibration.posterior:
        print(f"posterior: {scenario.calibration.posterior}")
    return 0
