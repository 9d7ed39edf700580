"""Discrete-event simulation of freight on the corridor network (SimPy).

The usual path: :func:`load_scenario` reads a scenario file, :func:`check_capacity` checks
the offered load against capacity (``run`` refuses an overload), :func:`run` or :func:`run_many`
simulate it, :func:`compare` runs several on common random numbers, and the tables of
:class:`Results` feed :mod:`sim.metrics` (KPIs, paired differences) and :mod:`sim.plots`.

Examples
--------
>>> import sim
>>> s = sim.Scenario(name="demo", year=2025,
...                  demand=[sim.Flow(origin="Tashkent", destination="Alat", per_week=20)],
...                  run=sim.RunSettings(horizon_days=40, warmup_days=5, replications=1))
>>> res = sim.run(s)
>>> bool(res.shipments["delivered"].any())
True
"""

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers; at run time they load on first use
    from sim.capacity import CapacityCheck, CapacityError, check_capacity
    from sim.compile import CompileError, compile_scenario
    from sim.metrics import delay_by_cause, kpis, paired_differences
    from sim.model import ModelSpec
    from sim.records import CAUSES, Cause, EventKind
    from sim.runner import Results, compare, run, run_many, run_spec
    from sim.scenario import (
        Disruption,
        FerryService,
        Flow,
        LegChange,
        NodeChange,
        Overrides,
        RouteChoice,
        RunSettings,
        Scenario,
        Trains,
    )
    from sim.scenario_io import ScenarioError, dump_scenario, load_scenario, scenario_json_schema
    from sim.world import World

#: public name -> the module that defines it. They are imported on first use, so that
#: ``import sim`` (and the ``corridor`` entry point, :mod:`sim._entry`) loads nothing heavy and
#: Ctrl-C while the modules load is handled like any other moment.
_EXPORTS = {
    "CapacityCheck": "sim.capacity",
    "CapacityError": "sim.capacity",
    "check_capacity": "sim.capacity",
    "CompileError": "sim.compile",
    "compile_scenario": "sim.compile",
    "delay_by_cause": "sim.metrics",
    "kpis": "sim.metrics",
    "paired_differences": "sim.metrics",
    "ModelSpec": "sim.model",
    "CAUSES": "sim.records",
    "Cause": "sim.records",
    "EventKind": "sim.records",
    "Results": "sim.runner",
    "compare": "sim.runner",
    "run": "sim.runner",
    "run_many": "sim.runner",
    "run_spec": "sim.runner",
    "Disruption": "sim.scenario",
    "FerryService": "sim.scenario",
    "Flow": "sim.scenario",
    "LegChange": "sim.scenario",
    "NodeChange": "sim.scenario",
    "Overrides": "sim.scenario",
    "RouteChoice": "sim.scenario",
    "RunSettings": "sim.scenario",
    "Scenario": "sim.scenario",
    "Trains": "sim.scenario",
    "ScenarioError": "sim.scenario_io",
    "dump_scenario": "sim.scenario_io",
    "load_scenario": "sim.scenario_io",
    "scenario_json_schema": "sim.scenario_io",
    "World": "sim.world",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        # ``sim.plots``, ``sim.compile``...: a submodule is loaded on first use, as an eager
        # package would have loaded it
        if importlib.util.find_spec(f"sim.{name}") is None:
            raise AttributeError(f"module 'sim' has no attribute {name!r}")
        return importlib.import_module(f"sim.{name}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__version__ = "0.1.0"

__all__ = [
    "CAUSES",
    "CapacityCheck",
    "CapacityError",
    "Cause",
    "CompileError",
    "Disruption",
    "EventKind",
    "FerryService",
    "Flow",
    "LegChange",
    "ModelSpec",
    "NodeChange",
    "Overrides",
    "Results",
    "RouteChoice",
    "RunSettings",
    "Scenario",
    "ScenarioError",
    "Trains",
    "World",
    "__version__",
    "check_capacity",
    "compare",
    "compile_scenario",
    "delay_by_cause",
    "dump_scenario",
    "kpis",
    "load_scenario",
    "paired_differences",
    "run",
    "run_many",
    "run_spec",
    "scenario_json_schema",
]
