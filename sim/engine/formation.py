"""Train formation: wagons wait at the start of a rail segment until a block train leaves.

A formation takes units (:meth:`Formation.accept`) and, when a train leaves under its policy
(see :class:`~sim.engine.model.TrainSpec`), hands the train's units on through its callback; the
train is a new consist, numbered where it starts moving. Statistics: one ``formation`` record
(no servers), with the largest train formed and the wagons still waiting.

Examples
--------
>>> import simpy
>>> from sim.engine.kernel import Kernel
>>> from sim.engine.model import TrainSpec
>>> from sim.engine.records import Recorder
>>> from sim.engine.units import UnitTable
>>> k = Kernel(simpy.Environment(), UnitTable(), Recorder(trace=False), 0.0, 100.0)
>>> trains = []
>>> form = Formation(k, "a>b", TrainSpec(size_slots=2, policy="when_full"),
...                  lambda units, consist: trains.append(units))
>>> for _ in range(5):
...     form.accept(k.units.add(0, 0, 0.0, 1, 1.0, 1.0), -1)
>>> trains, form.stats()[0].holding
([[0, 1], [2, 3]], (4,))
"""

from __future__ import annotations

from collections import deque

from sim.engine.hops import HandOn
from sim.engine.kernel import Kernel, Proc
from sim.engine.model import TrainSpec
from sim.engine.records import Cause, EventKind
from sim.engine.run_record import FacilityStats


class Formation:
    """Wagons waiting at the start of a rail segment until a block train leaves."""

    def __init__(
        self,
        kernel: Kernel,
        name: str,
        spec: TrainSpec,
        hand_on: HandOn,
        place: str = "",
    ) -> None:
        self.kernel = kernel
        self.name = name
        #: the node where the trains form
        self.place = place or name.split(">")[0]
        self.spec = spec
        self.hand_on = hand_on
        self.queue: deque[tuple[int, float, float]] = deque()  # (unit, slots, joined_h)
        self.slots = 0.0
        self.max_load = 0.0  # largest train formed, in slots (for capacity checks)
        self._token = 0
        self.monitor = kernel.monitor()
        if spec.policy in ("schedule", "sailing"):
            kernel.start(self._timetable())

    def accept(self, units: list[int], consist: int) -> None:
        """Wagons join; a train may leave at once (full, or at a landing)."""
        kernel = self.kernel
        now = kernel.env._now  # the property costs a call: a wagon of every release joins here
        if kernel.log.trace:
            kernel.log.event(now, EventKind.JOIN_FORMATION, consist, self.name)
        queue = self.queue
        was_empty = not queue
        if len(units) == 1:  # one wagon or box released: no list of slots
            u = units[0]
            s = float(kernel.units.train_slots[u])
            queue.append((u, s, now))
            self.slots += s
        else:
            slots = kernel.units.slots(units, kernel.units.train_slots)
            for u, s in zip(units, slots, strict=True):
                queue.append((u, s, now))
                self.slots += s
        self.monitor.change(dqueue=len(units))
        policy = self.spec.policy
        if policy == "schedule" or policy == "sailing":
            return
        while self.slots >= self.spec.size_slots - 1e-9:
            self._depart()
        if policy == "when_full":
            return
        if policy == "after_landing" and queue and self._due(now):
            self._depart()  # cargo joins right after a landing: the landing is the slot
        if queue and (was_empty or self._token < 0):
            self._arm()  # max wait (after_landing: a backstop when a landing is missed)

    def _arm(self) -> None:
        self._token = abs(self._token) + 1
        # the clock is the oldest waiting wagon's: one left behind by a full train does not
        # start its max wait again
        left = self.queue[0][2] + self.spec.max_wait_h - self.kernel.env.now
        self.kernel.start(self._timer(self._token, max(left, 0.0)))

    def _timer(self, token: int, hours: float) -> Proc:
        yield self.kernel.env.timeout(hours)
        if token == self._token and self.queue:
            self._depart()

    def _timetable(self) -> Proc:
        env, spec = self.kernel.env, self.spec
        sailing = spec.policy == "sailing"
        # slots are at offset_h + k * headway_h on the clock, whenever the formation was made
        # (on its first wagon): the first one is the next slot from now, or now
        yield env.timeout((spec.offset_h - env.now) % spec.headway_h)
        while True:
            if self.queue and (not sailing or self._due(env.now)):
                self._depart()
            yield env.timeout(spec.headway_h)

    def _due(self, now: float) -> bool:
        """Synchronised trains (``sailing``, ``after_landing``) leave at a slot (a sailing they
        feed, a landing they meet) when full, or when the oldest wagon would otherwise wait past
        ``max_wait_h`` for the next slot, ``headway_h`` later."""
        spec = self.spec
        return (
            self.slots >= spec.size_slots - 1e-9
            or now - self.queue[0][2] + spec.headway_h >= spec.max_wait_h - 1e-9
        )

    def _depart(self) -> None:
        now = self.kernel.env._now
        units: list[int] = []
        waits: list[float] = []
        load = 0.0
        while self.queue and load + self.queue[0][1] <= self.spec.size_slots + 1e-9:
            u, s, joined = self.queue.popleft()
            units.append(u)
            waits.append(now - joined)
            load += s
        if not units:  # a unit larger than a whole train still travels, alone
            u, s, joined = self.queue.popleft()
            units, waits, load = [u], [now - joined], s
        self.slots -= load
        self.max_load = max(self.max_load, load)
        self.monitor.change(dqueue=-len(units))
        self.monitor.served(len(units), sum(waits))
        self.kernel.units.wait_each(units, Cause.FORMATION, waits)
        self._token = -abs(self._token)
        if self.spec.policy in ("max_wait", "after_landing") and self.queue:
            self._arm()
        self.hand_on(units, -1)  # the train is numbered as it sets off

    def queue_length(self) -> int:
        """Wagons waiting now."""
        return len(self.queue)

    def stats(self) -> list[FacilityStats]:
        return [
            self.monitor.stats(
                self.name,
                "formation",
                self.place,
                float("nan"),
                max_load=self.max_load,
                holding=tuple(u for u, _, _ in self.queue),
            )
        ]


__all__ = ["Formation"]
