"""Capacity planning to a horizon year (``corridor plan``): the scenario year by year, when each
facility saturates, and the cheapest levers that keep every flow's P90 transit under target.

Modules: :mod:`~sim.planning.years` (the scenario of each year), :mod:`~sim.planning.levers`
(candidate additions and their costs, as data), :mod:`~sim.planning.evaluate` (simulation on
common random numbers, resumable), :mod:`~sim.planning.optimise` (the search),
:mod:`~sim.planning.trade` (trade value carried), :mod:`~sim.planning.plan` (the command's
work) and :mod:`~sim.planning.outputs` (tables, figures, report).
"""

from sim.planning.plan import PlanResult, prepare, run_plan, saturation_years

__all__ = ["PlanResult", "prepare", "run_plan", "saturation_years"]
