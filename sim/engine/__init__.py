"""The engine: one replication of a compiled model on a SimPy clock.

It knows nothing of files, the network package or the command line: :mod:`sim.engine.model` is
what it runs, :class:`sim.engine.world.World` wires facilities (:mod:`sim.engine.facility`),
trips and processes together, and :mod:`sim.engine.run_record` is what a run returns.
"""
