"""The ``corridor scenarios`` and ``corridor init`` commands: the scenarios shipped with the
package (:mod:`sim.inputs.shipped`).

``scenarios`` lists them, one line each (name, year, first sentence of the description), and the
shipped sweeps; ``init DIR [--from NAME]`` copies one into ``DIR`` to edit. The copy keeps its
``extends``, which resolves to the shipped parent when the parent is not copied beside it. A file
already in ``DIR`` is never replaced: the same content is left as it is, other content is refused
(nothing written).

Examples
--------
>>> from sim.cli.main import main
>>> main(["scenarios"])  # doctest: +ELLIPSIS
NAME ...YEAR  DESCRIPTION
alat_uzbek_terminal ...2025  HYPOTHETICAL: baseline 2025 with a dedicated Uzbek terminal at Alat ...
baseline_2025 ...
0
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from sim.inputs.errors import ScenarioError

__all__ = ["DEFAULT_FROM", "add_commands", "cmd_init", "cmd_scenarios"]

#: the scenario ``corridor init`` copies when no ``--from`` is given
DEFAULT_FROM = "baseline_2025"


def add_commands(sub: Any) -> None:
    """Register ``scenarios`` and ``init`` on the ``corridor`` sub-parsers."""
    ls = sub.add_parser(
        "scenarios",
        help="list the scenarios shipped with the package (run one by name: corridor run NAME)",
        description="List the scenarios and sweeps shipped with the package: name, year and the "
        "first sentence of the description. Every command that takes a scenario file also takes "
        "one of these names, from any folder (corridor run baseline_2025).",
    )
    ls.add_argument("--paths", action="store_true", help="also print where each file is installed")
    ls.set_defaults(func=cmd_scenarios)
    init = sub.add_parser(
        "init",
        help="copy a shipped scenario into a folder to edit",
        description="Copy a shipped scenario file into DIR (created if needed) to edit it. Its "
        "'extends' still works: a parent not copied beside it is the shipped one. A file "
        "already in DIR is never replaced.",
    )
    init.add_argument("dir", metavar="DIR", help="folder to copy into")
    init.add_argument(
        "--from",
        dest="source",
        default=DEFAULT_FROM,
        metavar="NAME",
        help=f"the shipped scenario to copy (default {DEFAULT_FROM}; see corridor scenarios)",
    )
    init.set_defaults(func=cmd_init)


def cmd_scenarios(args: argparse.Namespace) -> int:
    """Print the shipped scenarios and sweeps."""
    from sim.inputs.scenario_io import load_scenario
    from sim.inputs.shipped import describe, shipped_scenarios, shipped_sweeps, sweep_description

    rows: list[tuple[str, str, str, str]] = []
    for name, file in shipped_scenarios().items():
        s = load_scenario(file, check_network=False)
        rows.append((name, str(s.year), describe(s.description), str(file)))
    sweeps = [
        (name, "", sweep_description(file), str(file)) for name, file in shipped_sweeps().items()
    ]
    width = max(len(r[0]) for r in [*rows, *sweeps, ("NAME", "", "", "")])
    print(f"{'NAME':<{width}}  YEAR  DESCRIPTION")
    for name, year, text, where in rows:
        print(f"{name:<{width}}  {year:<4}  {text}")
        if args.paths:
            print(f"{'':<{width}}        {where}")
    if sweeps:
        print(f"\n{'SWEEP':<{width}}        DESCRIPTION")
        for name, _, text, where in sweeps:
            print(f"{name:<{width}}        {text}")
            if args.paths:
                print(f"{'':<{width}}        {where}")
    print("\nrun one: corridor run NAME; copy one to edit: corridor init DIR --from NAME")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Copy the shipped scenario ``args.source`` into ``args.dir``; refuse to replace a file."""
    from pathlib import Path

    from sim.inputs.shipped import scenario_path

    source = scenario_path(args.source)
    folder = Path(args.dir)
    target = folder / source.name
    data = source.read_bytes()
    if source.parent.name == "sweeps":
        # a shipped sweep names its scenario as "../<name>.toml"; the copy names it by its
        # shipped name, which resolves from any folder
        data = data.replace(b'scenario = "../', b'scenario = "')
    else:
        # a shipped posterior is named relative to the shipped folder: the copy names it
        # absolutely, so it still finds the calibration it was shipped with
        shipped = (source.parent / "calibration").as_posix()
        data = data.replace(b'posterior = "calibration/', f'posterior = "{shipped}/'.encode())
    if folder.exists() and not folder.is_dir():
        raise ScenarioError([f"{args.dir}: not a folder"])
    if target.exists() or target.is_symlink():
        if target.is_file() and target.read_bytes() == data:
            print(f"{os.path.join(args.dir, source.name)} is already a copy of {args.source}")
            return 0
        raise ScenarioError(
            [
                f"{os.path.join(args.dir, source.name)}: exists and differs from the shipped "
                f"{args.source}; not replaced (choose another DIR, or move the file away)"
            ]
        )
    folder.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as out:  # "x": never replace a file that appeared meanwhile
        out.write(data)
    shown = os.path.join(args.dir, source.name)
    print(f"wrote {shown} (a copy of the shipped {args.source}); edit it, then:")
    if source.parent.name == "sweeps":
        print(f"  corridor sweep {shown}")
    else:
        print(f"  corridor validate {shown}")
        print(f"  corridor run {shown}")
    return 0
