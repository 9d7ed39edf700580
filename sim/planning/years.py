"""The scenario of each plan year: the network of that year, demand grown to it, and the
capacity additions announced up to it.

A scenario's ``[plan]`` table lists the additions announced, each with its first year in
service and the scenario keys it sets (``[[plan.announced]]``). The scenario of year ``y`` is the
scenario with ``year = y`` (legs open per the network data, every flow grown to ``y`` by its
``growth_per_year`` from its ``base_year``), every key an announcement sets left out (the
network's own figure), and then the announcements of year ``y`` or earlier applied in year order
(a later one replaces an earlier one's value of the same key). Applied up to the scenario's own
year, the announcements must give the scenario's own values: the file states its final state
once, in its overrides, and the plan says how the corridor gets there
(:func:`consistency_problems`).

Examples
--------
>>> from sim.inputs.scenario import Announcement, Flow, PlanSettings, Scenario
>>> s = Scenario(
...     name="demo", year=2027,
...     demand=[Flow(origin="a", destination="b", per_week=10, growth_per_year=0.1,
...                  base_year=2025)],
...     overrides={"nodes": {"b": {"servers": 3}}},
...     plan=PlanSettings(announced=[
...         Announcement(name="second track", year=2026, source="ASSUMPTION",
...                      set={"overrides.nodes.b.servers": 2}),
...         Announcement(name="third track", year=2027, source="ASSUMPTION",
...                      set={"overrides.nodes.b.servers": 3})]))
>>> [getattr(year_scenario(s, y).overrides.nodes.get("b"), "servers", None) for y in (2025, 2026)]
[None, 2]
>>> round(year_scenario(s, 2026).demand[0].units_per_week(2026), 2)
11.0
>>> consistency_problems(s, "demo.toml")
[]
>>> parse_years("2025-2027")
[2025, 2026, 2027]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.inputs.dotted import MISSING as _MISSING
from sim.inputs.dotted import addition_key, drop_path, get_path, set_path
from sim.inputs.errors import ScenarioError
from sim.inputs.limits import YEARS
from sim.inputs.scenario import Scenario
from sim.inputs.scenario_io import network_problems, problem_text

__all__ = [
    "announced_keys",
    "consistency_problems",
    "parse_years",
    "year_scenario",
    "year_scenarios",
]


def parse_years(text: str) -> list[int]:
    """``"2025-2030"`` (a range, both ends included), ``"2025,2027,2030"`` or ``"2030"``.

    Raises
    ------
    ValueError
        Not years, out of range, a range that runs backwards, or more than 100 years.

    >>> parse_years("2030,2025")
    [2025, 2030]
    >>> parse_years("2030-2025")
    Traceback (most recent call last):
    ...
    ValueError: --years: '2030-2025' runs backwards; write the first year first (2025-2030)
    """
    text = text.strip()
    m = re.fullmatch(r"(\d{4})\s*-\s*(\d{4})", text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if b < a:
            raise ValueError(
                f"--years: {text!r} runs backwards; write the first year first ({b}-{a})"
            )
        years = list(range(a, b + 1))
    elif re.fullmatch(r"\d{4}(\s*,\s*\d{4})*", text):
        years = sorted({int(p) for p in text.split(",")})
    else:
        raise ValueError(
            f"--years: {text!r} is not a year range (2025-2030) or a list of years (2025,2030)"
        )
    bad = [y for y in years if not YEARS[0] <= y <= YEARS[1]]
    if bad:
        raise ValueError(f"--years: {bad[0]} is not a year from {YEARS[0]} to {YEARS[1]}")
    if len(years) > 100:
        raise ValueError(f"--years: {len(years)} years; at most 100")
    return years


def _whole(key: str) -> str:
    """The key left out before its first announcement: the key itself, or for a field of
    vessels added to a line, the whole addition (vessels announced for a year are not in
    service before it, whichever of their fields the announcement sets).

    >>> _whole("overrides.ferries.kuryk-alat.add_vessels.kz.count")
    'overrides.ferries.kuryk-alat.add_vessels.kz'
    >>> _whole("overrides.nodes.alat.servers")
    'overrides.nodes.alat.servers'
    """
    return addition_key(key) or key


def announced_keys(scenario: Scenario) -> list[str]:
    """Every key an announcement of ``scenario`` sets, in order of first mention."""
    keys: dict[str, None] = {}
    for a in scenario.plan.announced:
        keys.update(dict.fromkeys(a.set))
    return list(keys)


def _ordered(scenario: Scenario) -> list[tuple[int, Any]]:
    return sorted(enumerate(scenario.plan.announced), key=lambda ia: (ia[1].year, ia[0]))


def _year_data(scenario: Scenario, year: int) -> dict[str, Any]:
    # only the keys the file set: a dump of every default would turn a default into a choice
    # (e.g. a ferry line's load_factor, which the low-water limits replace when it is not set)
    data = scenario.model_dump(mode="python", exclude_unset=True)
    for key in announced_keys(scenario):
        drop_path(data, _whole(key))
    for _, a in _ordered(scenario):
        if a.year <= year:
            for key, value in a.set.items():
                set_path(data, key, value)
    data["year"] = year
    data["name"] = f"{scenario.name}-{year}"
    return data


def year_scenario(scenario: Scenario, year: int, *, source: str = "") -> Scenario:
    """The scenario of plan year ``year`` (see the module docstring), named ``<name>-<year>``.

    Raises
    ------
    ScenarioError
        The announcements make an invalid scenario for this year: one problem per fault,
        naming the announcement keys concerned.
    """
    data = _year_data(scenario, year)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        where = f"{source}: " if source else ""
        raise ScenarioError(
            [f"{where}plan year {year}: {_loc(e['loc'])}: {problem_text(e)}" for e in exc.errors()]
        ) from None


def _loc(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def year_scenarios(
    scenario: Scenario,
    years: Sequence[int],
    *,
    source: str = "",
    base_dir: Path | None = None,
) -> dict[int, Scenario]:
    """The scenario of every year; every problem of every year in one :class:`ScenarioError`
    (the consistency of the announcements with the scenario included, and each year's names
    checked against its network, as ``corridor validate`` checks the file: e.g. a vessel an
    announcement adds)."""
    problems = consistency_problems(scenario, source)
    out: dict[int, Scenario] = {}
    top = (base_dir or Path(".")) / (Path(source).name or "scenario.toml")
    for y in years:
        try:
            out[y] = year_scenario(scenario, y, source=source)
        except ScenarioError as exc:
            problems += [p for p in exc.problems if p not in problems]
            continue
        data = out[y].model_dump(mode="python", exclude_unset=True)
        for msg in network_problems(data, {}, top):
            line = f"{source}: plan year {y}: {msg.split(': ', 1)[-1]}"
            if line not in problems:
                problems.append(line)
    if problems:
        raise ScenarioError(problems)
    return out


def consistency_problems(scenario: Scenario, source: str) -> list[str]:
    """One problem per key whose value, the announcements applied up to the scenario's year,
    is not the scenario's own (the file's final state and its plan disagree)."""
    own = scenario.model_dump(mode="python", exclude_unset=True)
    final: dict[str, tuple[Any, str]] = {}
    for i, a in _ordered(scenario):
        if a.year <= scenario.year:
            for key, value in a.set.items():
                final[key] = (value, f"plan.announced[{i}] ({a.name!r}, {a.year})")
    problems = []
    for i, a in enumerate(scenario.plan.announced):
        for key in a.set:
            if key in final:
                continue
            final[key] = (_MISSING, f"plan.announced[{i}] ({a.name!r}, {a.year})")
    for key, (value, where) in final.items():
        mine = get_path(own, key)
        if value is _MISSING:
            if mine is not _MISSING:
                problems.append(
                    f"{source}: {where}: {key}: the scenario sets {mine!r} for year "
                    f"{scenario.year}, but no announcement of that year or earlier sets it; "
                    "announce it in a year up to the scenario's, or leave it out of the scenario"
                )
            continue
        if mine is _MISSING or mine != value:
            have = "does not set it" if mine is _MISSING else f"has {mine!r}"
            problems.append(
                f"{source}: {where}: {key}: the announcements give {value!r} in "
                f"{scenario.year}, but the scenario {have}; the plan's last value of a key must "
                "be the scenario's own (set it in the scenario's overrides, or correct the "
                "announcement)"
            )
    return problems
