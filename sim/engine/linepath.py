"""Line paths: a rail line that admits one train per ``headway_h`` in each direction.

A train waits for the line's slot at the start of the leg (the wait is its units' ``line``
time), holds it while it may still be held at the leg's gate, and frees it a headway after it
really departs. Trips take the slot inline (:meth:`LinePath.enter` and :meth:`LinePath.depart`,
from :meth:`sim.engine.hops.Mover.travel`); :meth:`LinePath.accept` does the same for a consist
handed to the line alone, then hands it on.

Examples
--------
>>> import simpy
>>> from sim.engine.kernel import Kernel
>>> from sim.engine.records import Recorder
>>> from sim.engine.units import UnitTable
>>> k = Kernel(simpy.Environment(), UnitTable(), Recorder(trace=False), 0.0, 100.0)
>>> left = []
>>> line = LinePath(k, "a-b>b", 4.0, lambda units, consist: left.append(k.env.now))
>>> for _ in range(3):
...     line.accept(k.units.add(0, 0, 0.0, 1, 1.0, 1.0), -1)
>>> k.env.run()
>>> [float(t) for t in left], k.units.arrays()["line_h"].tolist()
([0.0, 4.0, 8.0], [0.0, 4.0, 8.0])
"""

from __future__ import annotations

import simpy

from sim.engine.hops import HandOn
from sim.engine.kernel import Kernel, Proc
from sim.engine.records import Cause
from sim.engine.run_record import FacilityStats


def _no_hand_on(units: list[int], consist: int) -> None:
    """Trips hand their units on themselves after the leg."""


class LinePath:
    """A line that admits one train per ``headway_h`` in each direction (one path per
    direction: ``name`` is ``"<leg>><direction>"``). Statistics: one ``line`` record with one
    server."""

    def __init__(
        self, kernel: Kernel, name: str, headway_h: float, hand_on: HandOn = _no_hand_on
    ) -> None:
        self.kernel = kernel
        self.name = name
        self.headway_h = headway_h
        self.resource = simpy.Resource(kernel.env, capacity=1)
        self.monitor = kernel.monitor()
        self.hand_on = hand_on

    def accept(self, units: list[int], consist: int) -> None:
        """Take the next slot, depart at once and hand the units on."""
        self.kernel.start(self._pass(units, consist))

    def _pass(self, units: list[int], consist: int) -> Proc:
        slot = yield from self.enter(units)
        self.depart(slot)
        self.hand_on(units, consist)

    def enter(self, units: list[int]) -> Proc:
        """Wait for the line's slot; the wait is the units' line time. Returns the slot, which
        the train holds until :meth:`depart` (a train held at a closed leg keeps its slot, so
        the next one cannot leave within a headway of its real departure)."""
        kernel, mon = self.kernel, self.monitor
        env = kernel.env
        t0 = env.now
        mon.change(dqueue=1)
        req = self.resource.request()
        yield req
        mon.change(dqueue=-1, dbusy=1)
        mon.served(len(units), (env.now - t0) * len(units))
        kernel.units.wait(units, Cause.LINE, env.now - t0)
        return req

    def depart(self, req: simpy.resources.resource.Request) -> None:
        """The train holding ``req`` departs now: the slot frees a headway later."""
        self.kernel.start(self._hold(req))

    def _hold(self, req: simpy.resources.resource.Request) -> Proc:
        yield self.kernel.env.timeout(self.headway_h)
        self.monitor.change(dbusy=-1)
        self.resource.release(req)

    def stats(self) -> list[FacilityStats]:
        return [self.monitor.stats(self.name, "line", self.name, 1)]


__all__ = ["LinePath"]
