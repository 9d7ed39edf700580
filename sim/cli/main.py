"""The ``corridor`` command line: ``main(argv) -> int``.

Every command returns an exit code; errors of the project's own types are printed as one clear
message on stderr (exit 2), never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import network
from network import cli as network_cli
from sim.cli import bench as cli_bench
from sim.cli import run as cli_run
from sim.cli import scenario as cli_scenario
from sim.cli import sweep as cli_sweep
from sim.cli.interrupt import interrupted
from sim.inputs.capacity import CapacityError
from sim.inputs.scenario_io import ScenarioError
from sim.runs.outdir import OutputError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corridor",
        description="Freight corridors between Central Asia, the Caucasus and Türkiye/Europe.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    network_cli.add_commands(sub)
    cli_scenario.add_commands(sub)
    cli_sweep.add_commands(sub)
    cli_bench.add_commands(sub)
    cli_run.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a bad flag (argparse printed why, naming it) or --help
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.func(args))
    except CapacityError as exc:
        # one message per overloaded facility (nothing has been run or written)
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    except (network.NetworkError, ScenarioError, OutputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        # bad values that reach a library check (a seed, a k, an unwritable path): one line,
        # without pydantic's link footer
        print(f"error: {cli_run.plain_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return interrupted()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
