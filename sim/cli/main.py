"""The ``corridor`` command line: ``main(argv) -> int``.

Every command returns an exit code; errors of the project's own types are printed as one clear
message on stderr (exit 2), never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from network import cli as network_cli
from network.errors import NetworkError
from sim import __version__
from sim.cli import calibrate as cli_calibrate
from sim.cli import plan as cli_plan
from sim.cli import run as cli_run
from sim.cli import scenario as cli_scenario
from sim.cli import shipped as cli_shipped
from sim.cli import sweep as cli_sweep
from sim.cli.interrupt import interrupted
from sim.inputs.errors import CapacityError, ScenarioError
from sim.runs.outdir import OutputError

#: commands whose module loads the engine when imported: name -> (module, one-line help). The
#: module is imported only when its command is run (or its own help is asked for), so that
#: ``corridor --help`` and the other commands start without NumPy and SimPy.
DEFERRED = {
    "bench": (
        "sim.cli.bench",
        "time the engine against bare SimPy on a synthetic chain (and a full-size year)",
    ),
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``corridor`` parser, with every command in full; or, given the ``argv`` it is to
    parse, with a :data:`DEFERRED` command in full only if ``argv`` runs it (otherwise just its
    name and help line, and its module is not imported)."""
    command = None if argv is None else _command(argv)
    parser = argparse.ArgumentParser(
        prog="corridor",
        description="Freight corridors between Central Asia, the Caucasus and Türkiye/Europe.",
    )
    parser.add_argument("--version", action="version", version=f"corridor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    network_cli.add_commands(sub)
    cli_scenario.add_commands(sub)
    cli_sweep.add_commands(sub)
    cli_calibrate.add_commands(sub)
    cli_plan.add_commands(sub)
    for name, (module, help_line) in DEFERRED.items():
        if argv is None or name == command:
            importlib.import_module(module).add_commands(sub)
        else:
            sub.add_parser(name, help=help_line, add_help=False)
    cli_run.add_commands(sub)
    cli_shipped.add_commands(sub)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (its first argument that is not an option)."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
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
    except (NetworkError, ScenarioError, OutputError) as exc:
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
