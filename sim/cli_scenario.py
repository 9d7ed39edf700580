"""The ``corridor validate`` and ``corridor scenario schema`` commands.

Examples
--------
>>> from sim.cli import main
>>> main(["validate", "scenarios/baseline_2025.toml"])  # doctest: +SKIP
OK  scenarios/baseline_2025.toml: baseline-2025 (14 flows, year 2025)
0
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from network import NetworkError
from sim.compile import compile_scenario
from sim.scenario_io import ScenarioError, load_scenario, scenario_json_schema

__all__ = ["add_commands", "schema_text"]


def add_commands(sub: Any) -> None:
    """Register ``validate`` and ``scenario schema`` on the ``corridor`` sub-parsers."""
    validate = sub.add_parser(
        "validate",
        help="check scenario files (schema and network names); exit 1 if any is wrong",
        description="Check scenario files: every problem of every file is listed as "
        "'file: key.path: message'. Exit code 0 if all are good, 1 otherwise.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario TOML files")
    validate.add_argument(
        "--no-network",
        dest="check_network",
        action="store_false",
        help="check the schema only, not the names against the network",
    )
    validate.set_defaults(func=cmd_validate)

    scenario = sub.add_parser("scenario", help="scenario file tools")
    scenario_sub = scenario.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    schema = scenario_sub.add_parser(
        "schema",
        help="print or write the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files, or write it with -o. The "
        "committed copy is regenerated with: "
        "corridor scenario schema -o scenarios/scenario.schema.json",
    )
    schema.add_argument("-o", "--output", type=Path, help="write to this file instead of stdout")
    schema.set_defaults(func=cmd_schema)


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate each file; print ``OK ...`` or its problems; return 1 if any is bad."""
    bad = 0
    for file in args.files:
        try:
            s = load_scenario(file, check_network=args.check_network)
            if args.check_network:
                # what only the model can tell: a flow with no route in its year, a ferry too
                # small for the cargo, a timetable without a headway
                compile_scenario(s, Path(file).parent)
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
    return 1 if bad else 0


def schema_text() -> str:
    """The JSON Schema as the text of ``scenarios/scenario.schema.json``."""
    return json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the schema, or write it to ``args.output``."""
    text = schema_text()
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0
