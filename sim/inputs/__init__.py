"""Scenario files and what is checked before a run: the :class:`~sim.inputs.scenario.Scenario`
model, reading and writing TOML (:mod:`sim.inputs.scenario_io`), compiling a scenario and the
network into the engine's model (:mod:`sim.inputs.compile`) and the capacity check
(:mod:`sim.inputs.capacity`).
"""
