"""The scenarios that ship with the package, found by name from any working directory.

The repository's top-level ``scenarios/`` folder is the source; ``pip install`` copies it into
the package as ``sim/_scenarios`` (``[tool.setuptools]`` of ``pyproject.toml``), sweeps
(``scenarios/sweeps/``) included.
:func:`scenarios_dir` finds the installed copy, or the repository's folder when the code runs
from a checkout (an editable install, ``PYTHONPATH``). Files keep their relative ``extends``
(``extends = "baseline_2025.toml"``), so a chain resolves wherever the folder is.

A scenario's *name* here is its file name without ``.toml`` (``"baseline_2025"``); a sweep's is
``"sweeps/<stem>"``.

Examples
--------
>>> scenario_path("baseline_2025").name
'baseline_2025.toml'
>>> "zangezur" in shipped_scenarios() and "sweeps/ferry_fleet" in shipped_sweeps()
True
>>> try:
...     scenario_path("baseline_2052")
... except ScenarioError as exc:
...     print(exc.problems[0])
no shipped scenario 'baseline_2052'; did you mean 'baseline_2025'? (`corridor scenarios` lists them)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from network.names import suggest
from sim.inputs.errors import ScenarioError

__all__ = [
    "describe",
    "resolve_scenario",
    "scenario_path",
    "scenarios_dir",
    "shipped_scenarios",
    "shipped_sweeps",
    "sweep_description",
]

_HERE = Path(__file__).resolve().parent


def scenarios_dir() -> Path:
    """The folder of the shipped scenarios: the installed ``sim/_scenarios``, else the
    repository's ``scenarios/`` (the code runs from a checkout).

    Raises
    ------
    ScenarioError
        Neither exists (an installation without its package data).
    """
    installed = _HERE.parent / "_scenarios"
    if installed.is_dir():
        return installed
    checkout = _HERE.parents[1]
    if (checkout / "scenarios").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout / "scenarios"
    raise ScenarioError(
        [f"the shipped scenarios are missing (looked for {installed} and {checkout / 'scenarios'})"]
    )


def shipped_scenarios() -> dict[str, Path]:
    """Name (file stem) -> file of every shipped scenario, sorted by name."""
    return {p.stem: p for p in sorted(scenarios_dir().glob("*.toml"))}


def shipped_sweeps() -> dict[str, Path]:
    """Name (``"sweeps/<stem>"``) -> file of every shipped sweep, sorted by name."""
    return {f"sweeps/{p.stem}": p for p in sorted((scenarios_dir() / "sweeps").glob("*.toml"))}


def scenario_path(name: str) -> Path:
    """The file of a shipped scenario (or sweep) by name: ``"baseline_2025"`` (``".toml"``
    may be given), ``"sweeps/ferry_fleet"``.

    Raises
    ------
    ScenarioError
        No shipped scenario has that name; the message suggests close names.
    """
    key = name.removesuffix(".toml").replace("\\", "/")
    known = {**shipped_scenarios(), **shipped_sweeps()}
    if key in known:
        return known[key]
    hint = suggest(key, list(known))
    maybe = f"; did you mean {' or '.join(repr(h) for h in hint)}?" if hint else ""
    raise ScenarioError([f"no shipped scenario {name!r}{maybe} (`corridor scenarios` lists them)"])


def _bare(arg: str) -> bool:
    """Whether a command-line argument can be a shipped name: no folder, or ``sweeps/x``."""
    parts = arg.replace("\\", "/").split("/")
    return len(parts) == 1 or (len(parts) == 2 and parts[0] == "sweeps")


def resolve_scenario(arg: str | os.PathLike[str]) -> Path:
    """A command-line scenario argument as a file: the path itself when it exists (or names a
    folder, or a ``.toml`` file: its errors are the loader's to report), else the shipped
    scenario of that name.

    Examples
    --------
    >>> resolve_scenario("zangezur") == scenario_path("zangezur")
    True
    >>> resolve_scenario("my/own.toml")
    PosixPath('my/own.toml')
    """
    path = Path(arg)
    text = str(arg)
    if path.exists() or not _bare(text):
        return path
    if text.endswith(".toml") and text.removesuffix(".toml") not in {
        **shipped_scenarios(),
        **shipped_sweeps(),
    }:
        return path  # a file name that is not found: the loader says so
    return scenario_path(text)


_SENTENCE = re.compile(r"(?<=\.)\s+(?=[A-Z])")
#: a first sentence shorter than this is a heading ("MEANT TO OVERLOAD."): the next joins it
_SHORT = 40


def describe(text: str) -> str:
    """The first sentence of a scenario's description, on one line (the whole sentence, never
    cut short; a heading-like first sentence takes the next one with it).

    >>> describe("Baseline 2025: the network\\nas it is, i.e. today. More text.")
    'Baseline 2025: the network as it is, i.e. today.'
    >>> describe("MEANT TO OVERLOAD. The 2030 network without the new ferries. Why: ...")
    'MEANT TO OVERLOAD. The 2030 network without the new ferries.'
    """
    sentences = _SENTENCE.split(" ".join(text.split()))
    out = sentences[0]
    for more in sentences[1:]:
        if len(out) >= _SHORT:
            break
        out = f"{out} {more}"
    return out


def sweep_description(path: Path) -> str:
    """A sweep file's one-line summary: its first comment line (sweep files have no
    ``description`` key)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
        if line.strip():
            break
    return ""
