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

import copy
import heapq
from collections.abc import Callable, Generator
from typing import Any

import simpy
from simpy.core import NORMAL, BoundClass, EmptySchedule, StopSimulation
from simpy.events import EventPriority

from sim.engine.gates import Gate
from sim.engine.logbook import Logbook
from sim.engine.monitor import Monitor
from sim.engine.records import Cause, EventKind, Recorder
from sim.engine.units import UnitTable

Proc = Generator[simpy.Event, Any, Any]


class Clock(simpy.Environment):
    """SimPy's environment with a calendar of actions known in advance (the releases of demand,
    drawn for the whole horizon at the start, see :class:`~sim.engine.processes.Source`).

    An action planned for time ``t`` (:meth:`plan`) runs at ``t`` in exactly the place among
    the other events that a :class:`simpy.Timeout` created at the same moment would take: it
    takes its event id from the environment's counter then and is ordered by ``(time,
    priority, id)`` as the heap orders events. But it costs no event object, no heap entry among
    the run's events and no process to resume: :meth:`step` runs the due actions that come
    before the next event straight from a small heap of its own (one entry per source).

    >>> clock = Clock()
    >>> seen = []
    >>> clock.plan(2.0, lambda: seen.append(("release", clock.now)))
    >>> _ = clock.timeout(2.0)  # created after the plan: runs after it at the same time
    >>> _.callbacks.append(lambda e: seen.append(("timeout", clock.now)))
    >>> clock.run()
    >>> seen, clock.scheduled(), clock.planned
    ([('release', 2.0), ('timeout', 2.0)], 1, 1)
    """

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        # SimPy binds its event classes (timeout, event, process, any_of, ...) to the instance
        # only for those defined on the instance's own class: bound here as on an Environment,
        # or every ``clock.timeout`` would make a bound method
        for name, attr in vars(simpy.Environment).items():
            if isinstance(attr, BoundClass):
                setattr(self, name, getattr(self, name))
        self._due: list[tuple[float, int, int, Callable[[], None]]] = []
        self._next: list[Callable[[], None]] = []  # run when the planned action returns
        self._in_plan = False
        #: actions planned so far
        self.planned = 0

    def plan(self, time: float, action: Callable[[], None]) -> None:
        """Run ``action()`` at ``time`` (not before now), ordered as a timeout made now."""
        heapq.heappush(self._due, (time, NORMAL, next(self._eid), action))
        self.planned += 1

    def after(self, action: Callable[[], None]) -> None:
        """From inside a planned action: run ``action()`` as soon as that action returns,
        where the first step of a process it started would run.

        That step (an urgent ``Initialize`` event) comes before every other event and planned
        action of the moment: those that are urgent and older ran before the planned action
        did, as they are ordered before it. So running ``action`` then, with no event, is
        running it in the same place; what it schedules is ordered as that step's events.

        >>> clock, seen = Clock(), []
        >>> clock.plan(1.0, lambda: (clock.after(lambda: seen.append("after")), seen.append("now")))
        >>> clock.run()
        >>> seen
        ['now', 'after']
        """
        if not self._in_plan:
            raise RuntimeError("Clock.after runs only inside a planned action")
        self._next.append(action)

    def step(self) -> None:
        """Run the planned actions due before the next event, then process that event.

        The event is processed as :meth:`simpy.Environment.step` does (SimPy 4.1), inline: a
        call to the base method would cost every event of the run more than a release saves.
        """
        due, queue = self._due, self._queue
        # ids are unique, so comparing entries never reaches the action or the event
        while due and (not queue or due[0] < queue[0]):  # type: ignore[operator]
            time, _, _, action = heapq.heappop(due)
            self._now = time
            self._in_plan = True
            try:
                action()
            finally:
                self._in_plan = False
            while self._next:
                self._next.pop(0)()
        try:
            self._now, _, _, event = heapq.heappop(queue)
        except IndexError:
            raise EmptySchedule from None
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            # as SimPy: keep the remaining callbacks for when the run resumes
            event.callbacks = callbacks[callbacks.index(callback) + 1 :]
            self.schedule(event, EventPriority(-1))
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc

    def peek(self) -> float:
        """Time of the next event or planned action (infinity if none)."""
        later = super().peek()
        return min(self._due[0][0], later) if self._due else later

    def scheduled(self) -> int:
        """Events scheduled on the heap so far (planned actions not counted)."""
        return int(next(copy.copy(self._eid))) - self.planned


class Kernel:
    """The shared state of one replication (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        units: UnitTable,
        log: Recorder,
        warmup_h: float,
        horizon_h: float,
        book: Logbook | None = None,
    ) -> None:
        self.env = env
        self.units = units
        self.log = log
        #: the statistics window: from the warm-up to the horizon
        self.warmup_h = warmup_h
        self.horizon_h = horizon_h
        self.gates: dict[str, Gate] = {}
        #: passages at watched nodes and vessel voyages (:mod:`sim.engine.logbook`)
        self.book = book if book is not None else Logbook()

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


__all__ = ["Clock", "Kernel", "Proc"]
