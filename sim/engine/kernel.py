"""What every process of a replication shares: the clock, the units table, the event log, the
statistics window and the gates that closures close.

Facilities and processes get a :class:`Kernel`, never the :class:`~sim.engine.world.World` that
wires them together, so no facility reaches back into the world.

Examples
--------
>>> import simpy
>>> from sim.engine.records import Recorder
>>> from sim.engine.units import UnitTable
>>> k = Kernel(simpy.Environment(), UnitTable(), Recorder(trace=False), 0.0, 100.0)
>>> k.gate("b") is k.gate("b")
True
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.engine.gates import Gate
from sim.engine.monitor import Monitor
from sim.engine.records import Cause, EventKind, Recorder
from sim.engine.units import UnitTable

Proc = Generator[simpy.Event, Any, Any]


class Kernel:
    """The shared state of one replication (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        units: UnitTable,
        log: Recorder,
        warmup_h: float,
        horizon_h: float,
    ) -> None:
        self.env = env
        self.units = units
        self.log = log
        #: the statistics window: from the warm-up to the horizon
        self.warmup_h = warmup_h
        self.horizon_h = horizon_h
        self.gates: dict[str, Gate] = {}

    def gate(self, name: str) -> Gate:
        """The gate of node or leg ``name`` (made on first use)."""
        gate = self.gates.get(name)
        if gate is None:
            gate = self.gates[name] = Gate(self.env, name)
        return gate

    def monitor(self) -> Monitor:
        """A monitor integrating over the statistics window."""
        return Monitor(self.env, self.warmup_h, self.horizon_h)

    def start(self, gen: Proc) -> None:
        """Run ``gen`` as a process."""
        self.env.process(gen)

    def pass_gate(self, gate: Gate, units: list[int], consist: int) -> Proc:
        """Wait while ``gate`` is closed; the wait counts as disruption for ``units``."""
        if not gate.closed:
            return
        env, log = self.env, self.log
        t0 = env.now
        if units:
            log.event(t0, EventKind.BLOCKED, consist, gate.name)
        while gate.closed:
            yield gate.reopened
        if units:
            log.event(env.now, EventKind.UNBLOCKED, consist, gate.name)
            self.units.wait(units, Cause.DISRUPTION, env.now - t0)


__all__ = ["Kernel", "Proc"]
