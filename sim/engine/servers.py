"""Node facilities: borders, ports, terminals and gauge changes, each ``servers`` parallel
servers with gamma handling times, a consist being one customer.

A node facility serves consists on the way through a segment (a hop of the segment's trip) and
consists changing segments at its node (:meth:`NodeFacility.accept`: a visit, a trip of one hop
without a leg, after which it hands them on). Either way they go through the one serve path,
:meth:`sim.engine.hops.Mover.travel`.

Borders have their lanes or tracks per direction: each direction is a facility of its own,
named ``"<node> from <previous node>"`` (:func:`facility_key`).

Examples
--------
>>> import simpy
>>> from sim.engine.hops import Mover
>>> from sim.engine.kernel import Kernel
>>> from sim.engine.model import NodeSpec
>>> from sim.engine.records import Recorder
>>> from sim.engine.units import UnitTable
>>> k = Kernel(simpy.Environment(), UnitTable(), Recorder(trace=False), 0.0, 100.0)
>>> spec = NodeSpec("q", "port", servers=1, handling_mean_h=4.0)
>>> done = []
>>> port = NodeFacility(k, Mover(k), spec, lambda: 4.0, lambda u, c: done.append(k.env.now))
>>> units = k.units.add(flow=0, plan=0, release_h=0.0, n=1, train_slots=1.0, ferry_slots=1.0)
>>> port.accept(units, -1); port.accept(units, -1)
>>> k.env.run()
>>> done, port.stats()[0].area_queue
([4.0, 8.0], 4.0)
"""

from __future__ import annotations

from collections.abc import Callable

import simpy

from sim.engine.hops import HandOn, Hop, Mover, Trip
from sim.engine.kernel import Kernel
from sim.engine.model import NodeSpec
from sim.engine.run_record import FacilityStats


def facility_key(spec: NodeSpec | None, node: str, came_from: str | None) -> str:
    """The name of the facility serving cargo at ``node`` arriving from ``came_from``: borders
    per direction, other facilities shared.

    >>> facility_key(NodeSpec("b", "border", 1, 1.0), "b", "a")
    'b from a'
    """
    return f"{node} from {came_from}" if spec is not None and spec.kind == "border" else node


class NodeFacility:
    """``servers`` parallel servers with gamma handling time; a consist is one customer.

    ``factor`` scales the handling time (a dedicated facility's), ``tag`` is appended to the
    node's name. Statistics: one record of the node's ``kind``.
    """

    __slots__ = (
        "cause",
        "factor",
        "friction",
        "gate",
        "hand_on",
        "handling",
        "kernel",
        "monitor",
        "mover",
        "name",
        "resource",
        "spec",
        "visit",
    )

    def __init__(
        self,
        kernel: Kernel,
        mover: Mover,
        spec: NodeSpec,
        handling: Callable[[], float],
        hand_on: HandOn,
        factor: float = 1.0,
        tag: str = "",
        friction: Callable[[], float] | None = None,
    ) -> None:
        self.kernel = kernel
        self.friction = friction
        self.mover = mover
        self.spec = spec
        self.name = spec.node_id + tag
        self.cause = int(spec.cause)
        self.factor = factor
        self.resource = simpy.Resource(kernel.env, capacity=spec.servers)
        self.handling = handling
        self.monitor = kernel.monitor()
        self.gate = kernel.gate(spec.node_id)
        self.hand_on = hand_on
        #: a visit: one hop without a leg
        self.visit = Trip((Hop(self, None),), fresh=False, then=hand_on)

    def accept(self, units: list[int], consist: int) -> None:
        """Serve ``units`` as one customer, then hand them on."""
        self.kernel.start(self.mover.travel(units, self.visit, consist))

    def in_system(self) -> int:
        """Consists queuing or in service now."""
        return len(self.resource.queue) + len(self.resource.users)

    def queue_length(self) -> int:
        """Consists queuing now."""
        return len(self.resource.queue)

    def stats(self) -> list[FacilityStats]:
        spec = self.spec
        return [self.monitor.stats(self.name, spec.kind, spec.node_id, spec.servers)]


__all__ = ["NodeFacility", "facility_key"]
