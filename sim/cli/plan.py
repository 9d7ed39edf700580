"""The ``corridor plan`` command: the scenario year by year, when each facility saturates and the
cheapest additions that keep P90 transit under target (:mod:`sim.planning`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from sim.cli.flags import MAX_WORKERS, float_between, int_between
from sim.inputs.limits import MAX_HORIZON_DAYS, MAX_REPLICATIONS, MAX_SEED, YEARS

__all__ = ["add_commands", "cmd_plan"]


def add_commands(sub: Any) -> None:
    """Register ``plan`` on the ``corridor`` sub-parsers."""
    p = sub.add_parser(
        "plan",
        help="capacity plan to a horizon: saturation year per facility, cheapest additions",
        description="Run a scenario year by year (the network of each year, demand grown to it, "
        "the additions its [plan] announces): the capacity check and a simulation per year, the "
        "year each facility saturates, P50/P90 transit per flow and year, and the cheapest "
        "levers (the network's levers.csv) that keep every flow's P90 under its target in the "
        "last year. Every replication is saved as it finishes: a rerun resumes.",
    )
    p.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario file or shipped name")
    p.add_argument(
        "--years",
        default=None,
        metavar="Y1-Y2",
        help=f"plan years, e.g. 2025-2030 or 2025,2027,2030 ({YEARS[0]} to {YEARS[1]}; default "
        "2025 to the scenario's year)",
    )
    p.add_argument(
        "-o", "--output", type=Path, metavar="DIR", help="output folder (default out/plan-<name>)"
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace another output of this tool in DIR"
    )
    p.add_argument(
        "--replications",
        type=int_between(1, MAX_REPLICATIONS),
        help="replications per year and candidate (default: the scenario's)",
    )
    p.add_argument(
        "--horizon-days",
        type=float_between(0, MAX_HORIZON_DAYS, low_open=True),
        metavar="D",
        help="simulated days of each run (shorter is faster; queues that grow show less)",
    )
    p.add_argument(
        "--warmup-days",
        type=float_between(0, MAX_HORIZON_DAYS),
        metavar="D",
        help="days at the start of each run left out of the statistics (default the scenario's)",
    )
    p.add_argument(
        "--seed",
        type=int_between(0, MAX_SEED),
        help="seed of every run (default the scenario's); every year and candidate share it",
    )
    p.add_argument(
        "--posterior",
        metavar="FILE",
        help="posterior.csv to draw each replication's parameters from (the same draw for "
        "replication r in every year and candidate); 'none': point values; default the "
        "scenario's [calibration] posterior",
    )
    p.add_argument(
        "--no-optimise", action="store_true", help="years and saturation only, no search"
    )
    p.add_argument(
        "--optimise-year", type=int_between(*YEARS), help="year to search (default the last)"
    )
    p.add_argument(
        "--batch",
        type=int_between(1, 100),
        default=4,
        help="candidates simulated together (default 4)",
    )
    p.add_argument(
        "--max-candidates",
        type=int_between(1, 10_000),
        default=12,
        help="most candidates simulated (default 12)",
    )
    p.add_argument(
        "--workers",
        type=int_between(1, MAX_WORKERS),
        default=min(os.cpu_count() or 1, MAX_WORKERS),
        help="local processes (default: the machine's cores)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address")
    where.add_argument(
        "--local-cluster",
        type=int_between(1, MAX_WORKERS),
        metavar="N",
        help="run on a Dask cluster of N local worker processes started here",
    )
    p.add_argument("--no-figures", action="store_true", help="tables and report only")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=cmd_plan)


def cmd_plan(args: Any) -> int:
    from sim.inputs.errors import ScenarioError
    from sim.inputs.posterior import PosteriorError, load_posterior
    from sim.inputs.scenario_io import load_scenario
    from sim.inputs.shipped import resolve_scenario
    from sim.planning.outputs import findings
    from sim.planning.plan import prepare, run_plan
    from sim.planning.years import parse_years
    from sim.runs import outdir
    from sim.runs.executors import make_executor
    from sim.runs.runner import posterior_of

    path = resolve_scenario(args.scenario)
    given = str(args.scenario)
    problems: list[str] = []
    scenario = load_scenario(path)
    try:
        years = (
            parse_years(args.years)
            if args.years
            else list(range(min(2025, scenario.year), scenario.year + 1))
        )
    except ValueError as exc:
        problems.append(str(exc))
        years = [scenario.year]
    posterior = None
    if args.posterior == "none":
        posterior = None
    elif args.posterior is not None:
        try:
            posterior = load_posterior(args.posterior)
        except PosteriorError as exc:
            problems += [f"--posterior: {q}" for q in exc.problems]
    else:
        posterior = posterior_of(scenario, "scenario")
    try:
        prepared = prepare(
            scenario,
            years,
            replications=args.replications,
            horizon_days=args.horizon_days,
            warmup_days=args.warmup_days,
            seed=args.seed,
            optimise=not args.no_optimise,
            optimise_year=args.optimise_year,
            base_dir=path.parent,
            source=given,
        )
    except ScenarioError as exc:
        problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    out = args.output or outdir.default_folder("plan", scenario.name)
    outdir.examine(out, overwrite=True)  # a foreign folder is refused before anything runs
    executor = make_executor(args.workers, args.scheduler, args.local_cluster)

    def note(text: str) -> None:
        if not args.quiet:
            print(text, file=sys.stderr)

    result = run_plan(
        prepared,
        out,
        posterior=posterior,
        executor=executor,
        optimise=not args.no_optimise,
        batch=args.batch,
        max_evaluations=args.max_candidates,
        overwrite=args.overwrite,
        figures=not args.no_figures,
        note=note,
    )
    for line in findings(result, prepared):
        print(line)
    print(f"wrote {result.out_dir}: report.md, tables/, figures/")
    return 0
