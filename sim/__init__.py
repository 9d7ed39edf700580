"""Discrete-event simulation of freight on the corridor network (SimPy)."""

from sim.scenario import Scenario
from sim.scenario_io import ScenarioError, dump_scenario, load_scenario, scenario_json_schema

__all__ = [
    "Scenario",
    "ScenarioError",
    "dump_scenario",
    "load_scenario",
    "scenario_json_schema",
]
