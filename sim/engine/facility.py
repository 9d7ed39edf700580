"""The facility protocol: what every facility of the engine is, and how to add a facility type.

A facility takes units and hands them on:

- ``accept(units, consist)`` takes a consist (a list of unit ids and its id in the event log);
- when it is done with them it calls its ``hand_on(units, consist)`` callback, given when it
  was made (:data:`~sim.engine.hops.HandOn`) — it never calls the world that wired it;
- ``stats()`` returns its statistics records (:class:`~sim.engine.run_record.FacilityStats`),
  one per place it measures, after the run.

A ferry line takes and hands on cargo at its two quays (:class:`~sim.engine.ferry.FerryEnd`,
each an :class:`Accepting` facility); the line itself (:class:`Facility`) reports the line's
record and its quays'.

The facilities of the engine:

==========================  ===========================  ========================================
facility                    module                       accepts / hands on
==========================  ===========================  ========================================
border, port, terminal,     :mod:`sim.engine.servers`    a consist at its node (one customer);
gauge change                                             after one handling time
train formation             :mod:`sim.engine.formation`  wagons at the start of a rail segment;
                                                         a train, when its policy says
ferry line (its quays)      :mod:`sim.engine.ferry`      cargo on a quay; the vessel's load, at
                                                         the far quay after the crossing
line path                   :mod:`sim.engine.linepath`   a train at the start of a leg; when
                                                         the line's headway lets it go
port berths                 :mod:`sim.engine.berths`     no units: a vessel of any line calling
                                                         at the port, for its loading or
                                                         unloading (reports only)
==========================  ===========================  ========================================

Inside a segment, node servers and line paths are met hop by hop in one process
(:meth:`sim.engine.hops.Mover.travel`, the one serve path); between segments a node facility's
``accept`` runs the same path for one hop without a leg.

Facilities get a :class:`~sim.engine.kernel.Kernel` (the clock, the units table, the event log,
the statistics window, the gates) and a callback, nothing else.

Adding a facility type
----------------------
1. Write one module with a class that implements this protocol: take a ``Kernel``, whatever
   part of the :class:`~sim.engine.model.ModelSpec` it needs, random streams as callables (from
   :class:`~sim.engine.randomness.Streams`, named after what they drive) and a ``hand_on``
   callback; credit waits to the units table (``kernel.units.wait`` with a
   :class:`~sim.engine.records.Cause`), log events through ``kernel.log`` and hold units at closed
   gates with ``kernel.pass_gate``; keep a :class:`~sim.engine.monitor.Monitor` per place it
   measures (``kernel.monitor()``) and return ``monitor.stats(...)`` from ``stats()``.
2. Register it in :class:`~sim.engine.world.World`: add its mapping to ``World.groups`` (its
   rows then come into the facilities table, in that order) and, if it takes units at the start
   of a kind of segment, its maker to ``World.entries`` (segment kind -> the facility for a
   segment), or a hop field if cargo meets it inside a segment (:class:`~sim.engine.hops.Hop`).
3. Test it on a hand-built model (``tests/sim/specs.py``) with an exact event log
   (``tests/sim/test_engine_exact.py``) and teach the property checker
   (``tests/sim/invariants.py``) where it holds units.

Examples
--------
>>> import simpy
>>> from sim.engine.formation import Formation
>>> from sim.engine.kernel import Kernel
>>> from sim.engine.model import TrainSpec
>>> from sim.engine.records import Recorder
>>> from sim.engine.units import UnitTable
>>> k = Kernel(simpy.Environment(), UnitTable(), Recorder(trace=False), 0.0, 10.0)
>>> form = Formation(k, "a>b", TrainSpec(size_slots=1, policy="when_full"), lambda u, c: None)
>>> isinstance(form, Accepting)
True
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from sim.engine.hops import HandOn
from sim.engine.run_record import FacilityStats


@runtime_checkable
class Facility(Protocol):
    """Reports statistics (see the module)."""

    name: str

    def stats(self) -> list[FacilityStats]:
        """Statistics records, one per place measured, integrated up to now."""


@runtime_checkable
class Accepting(Facility, Protocol):
    """Takes units and hands them on through a callback (see the module)."""

    hand_on: HandOn

    def accept(self, units: list[int], consist: int) -> None:
        """Take ``units`` (consist ``consist`` in the event log)."""


__all__ = ["Accepting", "Facility", "HandOn"]
