"""Discrete-event simulation of freight on the corridor network (SimPy).

The usual path: :func:`load_scenario` reads a scenario file, :func:`check_capacity` checks
the offered load against capacity (``run`` refuses an overload), :func:`run` or :func:`run_many`
simulate it, :func:`compare` runs several on common random numbers, and the tables of
:class:`Results` feed :mod:`sim.analysis.metrics` (KPIs, paired differences) and
:mod:`sim.analysis.plots`. :func:`scenario_path` finds a scenario shipped with the package by
name (``sim.load_scenario(sim.scenario_path("baseline_2025"))``), from any working directory.

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
    from sim.analysis.metrics import delay_by_cause, kpis, paired_differences
    from sim.engine.model import ModelSpec
    from sim.engine.records import CAUSES, Cause, EventKind
    from sim.engine.world import World
    from sim.inputs.capacity import CapacityCheck, CapacityError, check_capacity
    from sim.inputs.compile import CompileError, compile_scenario, scenario_network
    from sim.inputs.posterior import Posterior, load_posterior
    from sim.inputs.scenario import (
        Calibration,
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
        VesselAddition,
    )
    from sim.inputs.scenario_io import (
        ScenarioError,
        dump_scenario,
        load_scenario,
        scenario_json_schema,
    )
    from sim.inputs.shipped import scenario_path, shipped_scenarios
    from sim.runs.runner import Results, compare, run, run_many, run_spec

#: public name -> the module that defines it. They are imported on first use, so that
#: ``import sim`` (and the ``corridor`` entry point, :mod:`sim._entry`) loads nothing heavy and
#: Ctrl-C while the modules load is handled like any other moment.
_EXPORTS = {
    "CapacityCheck": "sim.inputs.capacity",
    "CapacityError": "sim.inputs.capacity",
    "check_capacity": "sim.inputs.capacity",
    "CompileError": "sim.inputs.compile",
    "compile_scenario": "sim.inputs.compile",
    "scenario_network": "sim.inputs.compile",
    "delay_by_cause": "sim.analysis.metrics",
    "kpis": "sim.analysis.metrics",
    "paired_differences": "sim.analysis.metrics",
    "ModelSpec": "sim.engine.model",
    "CAUSES": "sim.engine.records",
    "Cause": "sim.engine.records",
    "EventKind": "sim.engine.records",
    "Results": "sim.runs.runner",
    "compare": "sim.runs.runner",
    "run": "sim.runs.runner",
    "run_many": "sim.runs.runner",
    "run_spec": "sim.runs.runner",
    "Disruption": "sim.inputs.scenario",
    "FerryService": "sim.inputs.scenario",
    "Flow": "sim.inputs.scenario",
    "LegChange": "sim.inputs.scenario",
    "NodeChange": "sim.inputs.scenario",
    "Overrides": "sim.inputs.scenario",
    "RouteChoice": "sim.inputs.scenario",
    "RunSettings": "sim.inputs.scenario",
    "Scenario": "sim.inputs.scenario",
    "Trains": "sim.inputs.scenario",
    "VesselAddition": "sim.inputs.scenario",
    "ScenarioError": "sim.inputs.scenario_io",
    "dump_scenario": "sim.inputs.scenario_io",
    "load_scenario": "sim.inputs.scenario_io",
    "scenario_json_schema": "sim.inputs.scenario_io",
    "scenario_path": "sim.inputs.shipped",
    "Calibration": "sim.inputs.scenario",
    "Posterior": "sim.inputs.posterior",
    "load_posterior": "sim.inputs.posterior",
    "shipped_scenarios": "sim.inputs.shipped",
    "World": "sim.engine.world",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        # ``sim.analysis``, ``sim.engine``...: a subpackage is loaded on first use, as an eager
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
    "Calibration",
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
    "Posterior",
    "Results",
    "RouteChoice",
    "RunSettings",
    "Scenario",
    "ScenarioError",
    "Trains",
    "VesselAddition",
    "World",
    "__version__",
    "check_capacity",
    "compare",
    "compile_scenario",
    "delay_by_cause",
    "dump_scenario",
    "kpis",
    "load_posterior",
    "load_scenario",
    "paired_differences",
    "run",
    "run_many",
    "run_spec",
    "scenario_json_schema",
    "scenario_network",
    "scenario_path",
    "shipped_scenarios",
]
