"""When each of the additions the search chose is first needed: the year-by-year staging of
the cheapest combination, by the capacity check.

The search (:mod:`sim.planning.optimise`) answers for one year. A planner also asks in which
year each vessel or berth has to be in service. For every plan year in turn, :func:`stage`
takes the sub-combinations of the chosen one (each lever from none to the chosen number of
units) that keep what the years before added (a vessel bought stays), cheapest first, and gives
the first whose capacity check leaves no facility saturated (``rho_low < 1``, as the search
screens): the least of the chosen additions that year needs on top of the earlier years'. The
searched year itself takes the whole choice (the search simulated every cheaper combination
that passed the check, and each missed a target).
Nothing is simulated here, so the staging says when the queues stop growing without limit, not
that every P90 is under target in that year (the search's simulation says so for its year
only); the table says so in its ``basis`` column. A year in which even the whole combination
leaves a facility saturated names it.

Examples
--------
>>> from sim.planning.levers import Lever
>>> a = Lever("a", "a", "servers", "n", 1, 3, 30e6, 30e6, 30e6, 0, 30, "s", "s", "")
>>> [c for c in sub_combinations([a], (2,))]
[(0,), (1,), (2,)]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.inputs.compile import scenario_network
from sim.planning.levers import Lever, candidate_label, set_cost
from sim.planning.optimise import Search, screen

if TYPE_CHECKING:
    from sim.planning.plan import Prepared

__all__ = ["stage", "sub_combinations"]


def sub_combinations(levers: Sequence[Lever], counts: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Every combination of at most ``counts[i]`` units of ``levers[i]``, cheapest first (ties:
    fewer units first)."""
    combos = list(itertools.product(*(range(k + 1) for k in counts)))
    yield from sorted(combos, key=lambda c: (round(set_cost(levers, c), 2), sum(c), c))


def stage(p: Prepared, search: Search) -> pd.DataFrame:
    """Per plan year, the least of the search's chosen additions that passes the capacity
    check (see the module docstring); empty without a chosen combination."""
    if search.best is None:
        return pd.DataFrame()
    levers, best = search.levers, search.best.counts

    def row(year: int, counts: Sequence[int], saturated: str, basis: str) -> dict[str, Any]:
        return {
            "year": year,
            "additions": candidate_label(levers, counts),
            **{lv.lever_id: k for lv, k in zip(levers, counts, strict=True)},
            "cost_usd_per_year": set_cost(levers, counts),
            "passes_check": not saturated,
            "saturated": saturated,
            "basis": basis,
        }

    rows: list[dict[str, Any]] = []
    kept: Sequence[int] = tuple(0 for _ in best)
    for year, scenario in p.years.items():
        if year == search.year:
            # the searched year needs the whole choice: every cheaper combination that passed
            # the check was simulated and missed a target (levers that change no capacity, a
            # maximum wait or a timetable offset, are staged here only)
            rows.append(row(year, best, "", "search (simulated: every P90 under target)"))
            kept = best
            continue
        net = scenario_network(scenario, p.base_dir)
        saturated = ""
        for counts in sub_combinations(levers, best):
            if any(k < was for k, was in zip(counts, kept, strict=True)):
                continue
            _, saturated = screen(scenario, levers, counts, base_dir=p.base_dir, net=net)
            if not saturated:
                kept = counts
                break
        else:
            kept = best  # even the whole choice leaves a facility saturated: it says which
        rows.append(row(year, kept, saturated, "capacity check (not simulated)"))
    return pd.DataFrame(rows)
