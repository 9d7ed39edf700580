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

from sim.inputs.capacity import check_capacity
from sim.inputs.compile import compile_scenario, scenario_network
from sim.planning.levers import Lever, apply_levers, candidate_label, set_cost

if TYPE_CHECKING:
    from sim.planning.optimise import Search
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
    rows: list[dict[str, Any]] = []
    kept = tuple(0 for _ in best)
    for year, scenario in p.years.items():
        if year == search.year:
            # the searched year needs the whole choice: every cheaper combination that passed
            # the check was simulated and missed a target (levers that change no capacity, a
            # maximum wait or a timetable offset, are staged here only)
            rows.append(
                {
                    "year": year,
                    "additions": search.best.label,
                    **{lv.lever_id: k for lv, k in zip(levers, best, strict=True)},
                    "cost_usd_per_year": search.best.cost_usd_per_year,
                    "passes_check": True,
                    "saturated": "",
                    "basis": "search (simulated: every P90 under target)",
                }
            )
            kept = best
            continue
        net = scenario_network(scenario, p.base_dir)
        found: dict[str, Any] | None = None
        last = ""
        for counts in sub_combinations(levers, best):
            if any(k < was for k, was in zip(counts, kept, strict=True)):
                continue
            s = apply_levers(scenario, levers, counts, base_dir=p.base_dir, net=net)
            over = check_capacity(compile_scenario(s, p.base_dir)).overloads
            if over.empty:
                found = {
                    "additions": candidate_label(levers, counts),
                    **{lv.lever_id: k for lv, k in zip(levers, counts, strict=True)},
                    "cost_usd_per_year": set_cost(levers, counts),
                    "passes_check": True,
                    "saturated": "",
                }
                kept = counts
                break
            last = "; ".join(
                f"{r['facility']} (rho {r['rho_low']:.2f})" for r in over.to_dict("records")
            )
        if found is None:
            found = {
                "additions": candidate_label(levers, best),
                **{lv.lever_id: k for lv, k in zip(levers, best, strict=True)},
                "cost_usd_per_year": set_cost(levers, best),
                "passes_check": False,
                "saturated": last,
            }
            kept = best
        rows.append({"year": year, **found, "basis": "capacity check (not simulated)"})
    return pd.DataFrame(rows)
