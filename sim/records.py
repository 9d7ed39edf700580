"""What a run records: event kinds, delay causes, and the recorder that keeps them compactly.

The moving entities are *consists* — a block train, a vessel load, a truck, a group handed on
at a node — so an event is one tuple ``(time_h, kind, consist, place)`` however many units the
consist carries; ``consist`` indexes the recorder's table of unit-id tuples. Per-unit times by
cause are accumulated in arrays as the run goes, which is what the ``shipments`` table needs.

Examples
--------
>>> r = Recorder(trace=True)
>>> u = r.new_unit(flow=0, plan=0, release_h=0.0)
>>> c = r.new_consist([u])
>>> r.event(1.5, EventKind.DEPART, c, "a-b")
>>> r.events_frame()[["time_h", "kind", "unit", "place"]].values.tolist()
[[1.5, 'depart', 0, 'a-b']]
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np
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


class Cause(IntEnum):
    """Where a unit's time goes besides running: the columns ``<cause>_h`` of ``shipments``."""

    BORDER = 0
    PORT = 1
    FERRY = 2
    FORMATION = 3
    GAUGE = 4
    LINE = 5
    DISRUPTION = 6


CAUSES: tuple[str, ...] = tuple(c.name.lower() for c in Cause)
N_CAUSES = len(Cause)


class Recorder:
    """Accumulates units, consists, per-unit times and (optionally) the event log of one run.

    Per-unit times live in plain Python lists while the run goes: most updates touch one unit
    (a truck), and a list item update is several times cheaper than indexing a numpy array with
    a scalar. :meth:`unit_arrays` turns them into numpy arrays at the end. Consists (and events)
    are kept only with ``trace=True``: they serve only the event log, and without them the
    memory of a run is a few numbers per unit. ``capacity`` is accepted for compatibility and
    ignored (the lists grow as units are released).
    """

    def __init__(self, trace: bool = True) -> None:
        self.trace = trace
        self.events: list[tuple[float, int, int, str]] = []
        self.consists: list[tuple[int, ...]] = []
        self._n_consists = 0
        self.unit_flow: list[int] = []
        self.unit_plan: list[int] = []
        self.release_h: list[float] = []
        self._delivered: list[float] = []
        self._running: list[float] = []
        self._legs_done: list[int] = []
        # one list per cause, indexed by unit: ``_dwell[cause][unit]``
        self._dwell: list[list[float]] = [[] for _ in range(N_CAUSES)]

    @property
    def n_units(self) -> int:
        return len(self.release_h)

    def new_unit(self, flow: int, plan: int, release_h: float) -> int:
        uid = len(self.release_h)
        self.unit_flow.append(flow)
        self.unit_plan.append(plan)
        self.release_h.append(release_h)
        self._delivered.append(math.nan)
        self._running.append(0.0)
        self._legs_done.append(0)
        for column in self._dwell:
            column.append(0.0)
        return uid

    def new_units(self, flow: int, plan: int, release_h: float, n: int) -> list[int]:
        """``n`` new units released together (a batch): one extend per column, not n appends.

        >>> rec = Recorder()
        >>> rec.new_units(flow=0, plan=2, release_h=1.5, n=3), rec.unit_plan
        ([0, 1, 2], [2, 2, 2])
        """
        if n == 1:  # the common case: appends cost a third of building one-item lists
            return [self.new_unit(flow, plan, release_h)]
        first = len(self.release_h)
        self.unit_flow += [flow] * n
        self.unit_plan += [plan] * n
        self.release_h += [release_h] * n
        self._delivered += [math.nan] * n
        self._running += [0.0] * n
        self._legs_done += [0] * n
        zeros = [0.0] * n
        for column in self._dwell:
            column += zeros
        return list(range(first, first + n))

    def new_consist(self, units: list[int] | tuple[int, ...]) -> int:
        """A new consist id; its units are stored only when tracing (the log needs them)."""
        if self.trace:
            self.consists.append(tuple(units))
        self._n_consists += 1
        return self._n_consists - 1

    def event(self, time_h: float, kind: EventKind, consist: int, place: str) -> None:
        if self.trace:
            self.events.append((time_h, int(kind), consist, place))

    def dwell(self, units: list[int] | tuple[int, ...], cause: Cause, hours: float) -> None:
        if hours > 0:
            column = self._dwell[cause]
            for u in units:
                column[u] += hours

    def dwell_each(self, units: list[int], cause: Cause, hours: list[float]) -> None:
        """Add a different time to each unit (waits in a queue that each joined at its own time)."""
        column = self._dwell[cause]
        for u, h in zip(units, hours, strict=True):
            column[u] += h

    def running(self, units: list[int] | tuple[int, ...], hours: float, legs: int = 1) -> None:
        running, done = self._running, self._legs_done
        for u in units:
            running[u] += hours
            done[u] += legs

    def deliver(self, units: list[int] | tuple[int, ...], time_h: float) -> None:
        delivered = self._delivered
        for u in units:
            delivered[u] = time_h

    # -- tables ---------------------------------------------------------------------------------
    def unit_arrays(self) -> dict[str, np.ndarray]:
        n = self.n_units
        out: dict[str, np.ndarray] = {
            "flow": np.asarray(self.unit_flow, dtype=np.int32),
            "plan": np.asarray(self.unit_plan, dtype=np.int32),
            "release_h": np.asarray(self.release_h, dtype=float),
            "delivery_h": np.asarray(self._delivered[:n], dtype=float),
            "running_h": np.asarray(self._running[:n], dtype=float),
            "legs_done": np.asarray(self._legs_done[:n], dtype=np.int32),
        }
        for cause in Cause:
            out[f"{cause.name.lower()}_h"] = np.asarray(self._dwell[cause][:n], dtype=float)
        return out

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
