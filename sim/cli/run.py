"""The ``corridor run`` and ``corridor compare`` commands.

``compare`` is the main job: it runs every scenario on the same seed and replication indices
(common random numbers), prints the differences to the first scenario with their confidence
intervals, and writes the output folder (tables, manifest, figures, report).

The simulation and output modules are imported by the commands, not by this module, so that
building the parser (``corridor --help``) loads none of them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from network.errors import NetworkError
from sim.cli.flags import MAX_WORKERS, float_between, int_between
from sim.inputs.errors import CapacityError, ScenarioError
from sim.inputs.limits import MAX_HORIZON_DAYS, MAX_REPLICATIONS, MAX_SEED
from sim.runs import outdir

if TYPE_CHECKING:
    from sim.inputs.scenario import Scenario
    from sim.runs.output import ScenarioInfo

__all__ = ["add_commands", "cmd_compare", "cmd_run", "plain_error"]


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        help="output folder (default out/<name>, the scenario name as a slug); it must be new, "
        "empty, or an earlier output of this tool (then with --overwrite)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an earlier output of this tool in DIR (only the files its manifest.json "
        "lists are removed; a folder with anything else in it is refused)",
    )
    p.add_argument(
        "--replications",
        type=int_between(1, MAX_REPLICATIONS),
        metavar="N",
        help=f"override the scenario's replications (1 to {MAX_REPLICATIONS:,})",
    )
    p.add_argument(
        "--seed", type=int_between(0, MAX_SEED), metavar="S", help="override the root seed"
    )
    p.add_argument(
        "--workers",
        type=int_between(1, MAX_WORKERS),
        default=1,
        metavar="N",
        help=f"local processes (default 1, at most {MAX_WORKERS})",
    )
    p.add_argument(
        "--horizon-days",
        type=float_between(0, MAX_HORIZON_DAYS, low_open=True),
        metavar="D",
        help=f"shorten or lengthen the run (at most {MAX_HORIZON_DAYS:g} days)",
    )
    p.add_argument(
        "--warmup-days",
        type=float_between(0, MAX_HORIZON_DAYS),
        metavar="D",
        help="override the warm-up",
    )
    p.add_argument("--no-figures", action="store_true", help="tables and report text only")
    p.add_argument(
        "--posterior",
        metavar="FILE",
        help="draw each replication's uncertain parameters from this posterior.csv (written by "
        "corridor calibrate; the same draw for replication r in every compared scenario); "
        "'none' runs the scenario's point values; default: the first scenario's "
        "[calibration] posterior, if it names one",
    )
    p.add_argument(
        "--xlsx",
        action="store_true",
        help="also write the small tables (summary, KPIs, differences, routes, ...) as one "
        "Excel workbook, tables.xlsx",
    )
    p.add_argument(
        "--allow-overload",
        action="store_true",
        help="run even if the capacity check finds a facility overloaded by the demand",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def plain_error(exc: Exception) -> str:
    """An error's message for the terminal: a pydantic error without its headline count and
    documentation links, its lines joined."""
    lines = [ln.strip() for ln in str(exc).splitlines() if "errors.pydantic.dev" not in ln]
    if len(lines) > 1 and "validation error" in lines[0]:
        lines = lines[1:]
    return "; ".join(lines)


def add_commands(sub: Any) -> None:
    """Register ``run`` and ``compare`` on the ``corridor`` sub-parsers."""
    run = sub.add_parser("run", help="simulate one scenario and write its tables, plots and report")
    run.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="scenario TOML file, or the name of a shipped one (corridor scenarios lists them)",
    )
    _common(run)
    run.set_defaults(func=cmd_run)
    cmp = sub.add_parser(
        "compare",
        help="simulate scenarios on common random numbers and compare them to the first",
        description="Run every scenario with the same seed and replication indices, print each "
        "scenario's differences to the first (the baseline) with 95% confidence intervals from "
        "paired replications, and write tables, figures and a report to the output folder.",
    )
    cmp.add_argument(
        "files",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="scenario files or shipped scenario names; the first is the baseline",
    )
    _common(cmp)
    cmp.set_defaults(func=cmd_compare)


def _load(files: list[Path], args: argparse.Namespace) -> list[ScenarioInfo]:
    from pydantic import ValidationError

    from sim.cli.scenario import capacity_verdict
    from sim.inputs.compile import compile_scenario
    from sim.inputs.scenario_io import load_scenario, located, problem_text
    from sim.inputs.shipped import resolve_scenario
    from sim.runs.output import ScenarioInfo

    infos: list[ScenarioInfo] = []
    problems: list[str] = []
    overloads: list[str] = []
    for given in files:
        try:
            f = resolve_scenario(given)  # a file, or a shipped scenario by name
            s = load_scenario(f)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        # the capacity check of the file as written, as `corridor validate` does it
        try:
            spec = compile_scenario(s, f.parent)
        except NetworkError as exc:
            problems.append(f"{given}: {exc}")
            continue
        _, refusals, notes = capacity_verdict(
            s, spec, str(given), allow_overload=args.allow_overload
        )
        overloads += refusals
        for note in notes:
            print(note, file=sys.stderr)
        changes: dict[str, float] = {}
        if args.horizon_days is not None:
            changes["horizon_days"] = args.horizon_days
        if args.warmup_days is not None:
            changes["warmup_days"] = args.warmup_days
        elif args.horizon_days is not None and s.run.warmup_days >= args.horizon_days:
            changes["warmup_days"] = args.horizon_days / 10
            print(
                f"note: {given}: warm-up {s.run.warmup_days:g} d is not shorter than "
                f"--horizon-days {args.horizon_days:g}; using {changes['warmup_days']:g} d",
                file=sys.stderr,
            )
        if changes:
            try:
                s = s.with_run(**changes)
            except ValidationError as exc:
                flags = " ".join(
                    f"--{k.replace('_', '-')} {v:g}"
                    for k, v in (
                        ("horizon_days", args.horizon_days),
                        ("warmup_days", args.warmup_days),
                    )
                    if v is not None
                )
                problems += [
                    f"{given}: {located(tuple(e['loc']), problem_text(e))} (with {flags})"
                    for e in exc.errors()
                ]
                continue
        infos.append(ScenarioInfo(s, f))
    posterior = getattr(args, "posterior", None)
    if posterior not in (None, "none"):
        from sim.inputs.posterior import PosteriorError, load_posterior
        from sim.inputs.scenario_io import network_problems

        try:
            post = load_posterior(posterior)
        except PosteriorError as exc:
            problems += [f"--posterior: {p}" for p in exc.problems]
        else:
            for info in infos:  # every parameter named must be one of each scenario's network
                data = {
                    "network": info.scenario.network,
                    "calibration": {"parameters": dict.fromkeys(post.names, 0.5)},
                }
                problems += [
                    f"--posterior {posterior}: {p.split(': ', 1)[-1]}"
                    for p in network_problems(data, {}, info.path or Path("."))
                ]
            args.posterior_loaded = post
    if problems:
        raise ScenarioError(problems)
    if overloads:
        raise CapacityError(overloads)
    names = [i.scenario.name for i in infos]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ScenarioError(
            [f"scenario name {n!r} is used by more than one file; names must differ" for n in dupes]
        )
    return infos


def _load_checked(files: list[Path], args: argparse.Namespace) -> list[ScenarioInfo]:
    """The scenarios, and a refusal of ``-o DIR`` listed with their problems (all at once)."""
    return outdir.load_beside_target(
        lambda: _load(files, args), args.output, overwrite=args.overwrite
    )


def _execute(infos: list[ScenarioInfo], args: argparse.Namespace, default_out: Path) -> int:
    from tqdm import tqdm

    from sim.analysis.report import format_summary, route_shift, saturation_sentences
    from sim.runs.output import check_target, write_output
    from sim.runs.runner import compare

    scenarios: list[Scenario] = [i.scenario for i in infos]
    n = args.replications if args.replications is not None else scenarios[0].run.replications
    if n < 1:
        raise ScenarioError([f"--replications (={n}) must be >= 1"])
    seed = args.seed if args.seed is not None else scenarios[0].run.seed
    out = args.output or default_out
    check_target(out, overwrite=args.overwrite)  # before anything is simulated

    def tick(k: int) -> None:
        bar.update(k)
        outdir.test_pause("simulate")

    total = n * len(scenarios)
    with tqdm(
        total=total, desc="replications", unit="run", disable=args.quiet, file=sys.stderr
    ) as bar:
        results = compare(
            scenarios,
            n,
            seed=seed,
            workers=args.workers,
            progress=tick,
            base_dirs=[i.path.parent if i.path else None for i in infos],
            allow_overload=True,  # checked on the files as written (_load)
            posterior=_posterior_choice(args),
        )
    small = write_output(
        out,
        results,
        infos,
        seed=seed,
        replications=n,
        with_figures=not args.no_figures,
        overwrite=args.overwrite,
        posterior=_posterior_path(args, scenarios[0]),
        xlsx=args.xlsx,
    )
    print(format_summary(small["summary"]))
    print()
    for line in saturation_sentences(results):
        print(line)
    if len(infos) > 1:
        print()
        for line in route_shift(results, infos[0].scenario.name):
            print(line)
    parts = "report.html, report.md, tables/, " + ("" if args.no_figures else "figures/, ")
    parts += "tables.xlsx, " if args.xlsx else ""
    print(f"\nwrote {out}/ ({parts}manifest.json)")
    return 0


def _posterior_choice(args: argparse.Namespace) -> Any:
    """What ``--posterior`` asks for: a loaded posterior, none, or the scenario's own."""
    if getattr(args, "posterior", None) == "none":
        return None
    return getattr(args, "posterior_loaded", "scenario")


def _posterior_path(args: argparse.Namespace, first: Scenario) -> str | None:
    """The posterior file the replications drew from (None: none)."""
    choice = _posterior_choice(args)
    if choice is None:
        return None
    if choice == "scenario":
        return first.calibration.posterior
    return str(choice.path)


def cmd_run(args: argparse.Namespace) -> int:
    infos = _load_checked([args.file], args)
    return _execute(infos, args, outdir.default_folder(infos[0].scenario.name))


def cmd_compare(args: argparse.Namespace) -> int:
    infos = _load_checked(list(args.files), args)
    names = [outdir.slug(i.scenario.name) for i in infos[:3]]
    return _execute(infos, args, outdir.default_folder("compare", "-vs-".join(names)))
