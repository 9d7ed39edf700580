"""The ``corridor validate``, ``corridor check`` and ``corridor scenario schema`` commands.

``validate`` checks a file's schema and names, compiles it and runs the capacity check
(:mod:`sim.inputs.capacity`); ``check`` prints the capacity check's table. Both refuse what ``run``,
``compare`` and ``sweep`` refuse: a facility overloaded by the demand, unless the file says why
(``[run] overload_reason``) or ``--allow-overload`` is given.

Examples
--------
>>> from sim.cli.main import main
>>> main(["validate", "scenarios/baseline_2025.toml"])  # doctest: +SKIP
OK  scenarios/baseline_2025.toml: baseline-2025 (14 flows, year 2025)
0
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from network.cli import check_output_file, write_output_file
from network.errors import NetworkError
from sim.inputs.errors import ScenarioError

if TYPE_CHECKING:
    from sim.engine.model import ModelSpec
    from sim.inputs.capacity import CapacityCheck
    from sim.inputs.scenario import Scenario

__all__ = ["OVERLOAD_HINT", "add_commands", "capacity_verdict", "schema_text"]

#: how to run an overloaded scenario anyway, as the CLI says it
OVERLOAD_HINT = "run anyway with --allow-overload, or say why in the file's [run] overload_reason"


def capacity_verdict(
    scenario: Scenario, spec: ModelSpec, source: str, *, allow_overload: bool
) -> tuple[CapacityCheck, list[str], list[str]]:
    """The capacity check of a compiled scenario file: ``(check, refusals, notes)``.

    ``refusals`` has one message per overloaded facility when the overload is neither
    explained in the file (``run.overload_reason``) nor allowed; ``notes`` the warnings
    (``"warning: ..."``) and the overloads that run anyway, with why (``"note: ..."``). The one
    rule of ``validate``, ``check``, ``run`` and ``compare``.
    """
    from sim.inputs.capacity import check_capacity, overload_problems, warning_lines

    check = check_capacity(spec)
    notes = [f"warning: {line}" for line in warning_lines(check, source)]
    refusals: list[str] = []
    if not check.ok:
        reason = scenario.run.overload_reason.strip()
        if reason or allow_overload:
            notes += [f"note: {line}" for line in overload_problems(check, source)]
            why = f"as the file says: {reason}" if reason else "with --allow-overload"
            notes.append(f"note: {source}: capacity: runs overloaded {why}")
        else:
            refusals = overload_problems(check, source, OVERLOAD_HINT)
    return check, refusals, notes


def add_commands(sub: Any) -> None:
    """Register ``validate`` and ``scenario schema`` on the ``corridor`` sub-parsers."""
    validate = sub.add_parser(
        "validate",
        help="check scenario files (schema and network names); exit 1 if any is wrong",
        description="Check scenario files: every problem of every file is listed as "
        "'file: key.path: message'. Exit code 0 if all are good, 1 otherwise.",
    )
    validate.add_argument(
        "files", nargs="+", metavar="FILE", help="scenario TOML files or shipped scenario names"
    )
    validate.add_argument(
        "--no-network",
        dest="check_network",
        action="store_false",
        help="check the schema only, not the names against the network",
    )
    validate.add_argument(
        "--allow-overload",
        action="store_true",
        help="accept a facility overloaded by the demand (the capacity check)",
    )
    validate.set_defaults(func=cmd_validate)

    check = sub.add_parser(
        "check",
        help="capacity check: offered load against capacity at every facility; exit 1 on overload",
        description="For every facility (ferry line per direction, train formation, port, "
        "terminal, gauge change, border per direction, line headway) print the load the demand "
        "offers (adaptive flows as a range over their routes) against its capacity, the "
        "utilisation rho and the headroom. rho >= 1 for the unavoidable load is an overload: "
        "exit 1 unless the file says why ([run] overload_reason) or --allow-overload is given; "
        "rho >= 0.85 is a warning.",
    )
    check.add_argument(
        "files", nargs="+", metavar="FILE", help="scenario TOML files or shipped scenario names"
    )
    check.add_argument(
        "--allow-overload", action="store_true", help="exit 0 even if a facility is overloaded"
    )
    check.add_argument(
        "--all", action="store_true", help="also list train formations without a capacity limit"
    )
    check.set_defaults(func=cmd_check)

    scenario = sub.add_parser("scenario", help="scenario file tools")
    scenario_sub = scenario.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    schema = scenario_sub.add_parser(
        "schema",
        help="print or write the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files, or write it with -o. The "
        "committed copy is regenerated with: "
        "corridor scenario schema --overwrite -o scenarios/scenario.schema.json",
    )
    schema.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    schema.add_argument("--overwrite", action="store_true", help="replace the -o file if it exists")
    schema.set_defaults(func=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate each file; print ``OK ...`` or its problems; return 1 if any is bad."""
    from sim.inputs.compile import compile_scenario
    from sim.inputs.scenario_io import load_scenario
    from sim.inputs.shipped import resolve_scenario

    bad = 0
    for file in args.files:
        notes: list[str] = []
        try:
            path = resolve_scenario(file)  # a file, or a shipped scenario by name
            s = load_scenario(path, check_network=args.check_network)
            if args.check_network:
                # what only the model can tell: a flow with no route in its year, a ferry too
                # small for the cargo, a timetable without a headway, an overloaded facility
                spec = compile_scenario(s, path.parent)
                _, refusals, notes = capacity_verdict(
                    s, spec, str(file), allow_overload=args.allow_overload
                )
                if refusals:
                    raise ScenarioError(refusals)
        except ScenarioError as exc:
            bad += 1
            print(f"FAIL {file}: {len(exc.problems)} problem(s)")
            for problem in exc.problems:
                print(f"  {problem}")
        except NetworkError as exc:
            bad += 1
            print(f"FAIL {file}: {exc}")
        else:
            print(f"OK  {file}: {s.name} ({len(s.demand)} flows, year {s.year})")
            for note in notes:
                print(f"  {note}")
    return 1 if bad else 0


def cmd_check(args: argparse.Namespace) -> int:
    """Print each file's capacity table; return 1 if any has an overload it may not run with,
    2 if a file cannot be read or compiled."""
    from sim.inputs.capacity import format_check
    from sim.inputs.compile import compile_scenario
    from sim.inputs.scenario_io import load_scenario
    from sim.inputs.shipped import resolve_scenario

    refused = broken = 0
    for i, file in enumerate(args.files):
        if i:
            print()
        try:
            path = resolve_scenario(file)  # a file, or a shipped scenario by name
            s = load_scenario(path)
            spec = compile_scenario(s, path.parent)
        except (ScenarioError, NetworkError) as exc:
            broken += 1
            print(f"== {file}: cannot be checked")
            for line in str(exc).splitlines():
                print(f"error: {line}", file=sys.stderr)
            continue
        check, refusals, notes = capacity_verdict(
            s, spec, str(file), allow_overload=args.allow_overload
        )
        print(f"== {file}: {s.name} (year {s.year}, {len(s.demand)} flows)")
        print(format_check(check, show_unbounded=args.all))
        for line in refusals:
            print(f"OVERLOAD {line}")
        for note in notes:
            if note.startswith("note: "):  # the warnings are in the table
                print(note)
        refused += bool(refusals)
    return 2 if broken else 1 if refused else 0


def schema_text() -> str:
    """The JSON Schema as the text of ``scenarios/scenario.schema.json``."""
    from sim.inputs.scenario_io import scenario_json_schema

    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the schema, or write it to ``args.output``."""
    text = schema_text()
    if args.output is None:
        sys.stdout.write(text)
    else:
        check_output_file(args.output, overwrite=args.overwrite)
        write_output_file(args.output, text.encode("utf-8"))
        print(f"wrote {args.output}")
    return 0
