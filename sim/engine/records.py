"""What a run logs: event kinds, delay causes, and the recorder that keeps the event log.

The moving entities are *consists* — a block train, a vessel load, a truck, a group handed on
at a node — so an event is one tuple ``(time_h, kind, consist, place)`` however many units the
consist carries; ``consist`` indexes the recorder's table of unit-id tuples. Per-unit times by
cause are kept in the units table (:mod:`sim.engine.units`).

Examples
--------
>>> r = Recorder(trace=True)
>>> c = r.new_consist([0])
>>> r.event(1.5, EventKind.DEPART, c, "a-b")
>>> r.events_frame()[["time_h", "kind", "unit", "place"]].values.tolist()
[[1.5, 'depart', 0, 'a-b']]
"""

from __future__ import annotations

from enum import IntEnum

import pandas as pd


class EventKind(IntEnum):
    """Kinds of recorded event."""

    RELEASE = 0
    JOIN_FORMATION = 1
    TRAIN_DEPART = 2
    QUEUE = 3
    SERVICE_START = 4
    SERVICE_END = 5
    DEPART = 6
    ARRIVE = 7
    JOIN_FERRY = 8
    SAIL = 9
    LAND = 10
    BLOCKED = 11
    UNBLOCKED = 12
    DELIVER = 13
    CLOSE = 14
    REOPEN = 15
    #: a loaded vessel waits at anchor for a port berth, and gets one
    ANCHOR = 16
    BERTH = 17


class Cause(IntEnum):
    """Where a unit's time goes besides running: the columns ``<cause>_h`` of ``shipments``."""

    BORDER = 0
    PORT = 1
    FERRY = 2
    FORMATION = 3
    GAUGE = 4
    LINE = 5
    DISRUPTION = 6
    #: delays that are not capacity: document checks, shunting, an origin terminal's dwell,
    #: waiting for a locomotive (:class:`~sim.engine.model.FrictionSpec`)
    FRICTION = 7


CAUSES: tuple[str, ...] = tuple(c.name.lower() for c in Cause)
N_CAUSES = len(Cause)


class Recorder:
    """The event log of one run: events and the units of each consist (only with ``trace``).

    Per-unit times are not here: they live in the units table
    (:class:`~sim.engine.units.UnitTable`). Consists (and events) are kept only with ``trace=True``:
    they serve only the event log, and without them a consist id is just a count."""

    def __init__(self, trace: bool = True) -> None:
        self.trace = trace
        self.events: list[tuple[float, int, int, str]] = []
        self.consists: list[tuple[int, ...]] = []
        self._n_consists = 0

    def new_consist(self, units: list[int] | tuple[int, ...]) -> int:
        """A new consist id; its units are stored only when tracing (the log needs them)."""
        if self.trace:
            self.consists.append(tuple(units))
        self._n_consists += 1
        return self._n_consists - 1

    def event(self, time_h: float, kind: EventKind, consist: int, place: str) -> None:
        if self.trace:
            self.events.append((time_h, int(kind), consist, place))

    # -- tables ---------------------------------------------------------------------------------
    def events_frame(self) -> pd.DataFrame:
        """The event log, one row per unit and event, in time order (requires ``trace=True``)."""
        rows = [
            (t, EventKind(k).name.lower(), c, u, place)
            for (t, k, c, place) in self.events
            for u in self.consists[c]
        ]
        frame = pd.DataFrame(rows, columns=["time_h", "kind", "consist", "unit", "place"])
        return frame.sort_values(["time_h"], kind="stable").reset_index(drop=True)


__all__ = ["CAUSES", "N_CAUSES", "Cause", "EventKind", "Recorder"]
