"""Gates: what closures close. A closed gate holds the consists that meet it until it reopens.

Every node and leg that a closure may target has a gate of the same name (created on first use
by :meth:`~sim.engine.kernel.Kernel.gate`); overlapping closures nest (a gate counts them).

Examples
--------
>>> import simpy
>>> env = simpy.Environment()
>>> g = Gate(env, "b")
>>> g.close(); g.close(); g.open()
>>> bool(g.closed)
True
>>> g.open()
>>> g.closed, g.reopened.triggered
(0, False)
"""

from __future__ import annotations

import simpy


class Gate:
    """Open or closed; a closed gate makes consists wait until it reopens."""

    def __init__(self, env: simpy.Environment, name: str) -> None:
        self.env = env
        self.name = name
        self.closed = 0  # a count: overlapping closures nest
        self._reopened = env.event()

    def close(self) -> None:
        self.closed += 1

    def open(self) -> None:
        self.closed -= 1
        if self.closed == 0:
            old, self._reopened = self._reopened, self.env.event()
            old.succeed()

    @property
    def reopened(self) -> simpy.Event:
        return self._reopened


__all__ = ["Gate"]
