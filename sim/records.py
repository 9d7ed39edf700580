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
    """Accumulates units, consists, per-unit times and (optionally) the event log of one run."""

    def __init__(self, trace: bool = True, capacity: int = 1024) -> None:
        self.trace = trace
        self.events: list[tuple[float, int, int, str]] = []
        self.consists: list[tuple[int, ...]] = []
        self.unit_flow: list[int] = []
        self.unit_plan: list[int] = []
        self.release_h: list[float] = []
        self._delivered = np.full(capacity, np.nan)
        self._running = np.zeros(capacity)
        self._dwell = np.zeros((capacity, N_CAUSES))
        self._legs_done = np.zeros(capacity, dtype=np.int32)

    @property
    def n_units(self) -> int:
        return len(self.release_h)

    def new_unit(self, flow: int, plan: int, release_h: float) -> int:
        uid = len(self.release_h)
        if uid >= len(self._delivered):
            self._grow()
        self.unit_flow.append(flow)
        self.unit_plan.append(plan)
        self.release_h.append(release_h)
        return uid

    def _grow(self) -> None:
        n = len(self._delivered) * 2
        self._delivered = np.concatenate([self._delivered, np.full(n - len(self._delivered), np.nan)])
        self._running = np.concatenate([self._running, np.zeros(n - len(self._running))])
        self._dwell = np.concatenate([self._dwell, np.zeros((n - len(self._dwell), N_CAUSES))])
        self._legs_done = np.concatenate(
            [self._legs_done, np.zeros(n - len(self._legs_done), dtype=np.int32)]
        )

    def new_consist(self, units: list[int] | tuple[int, ...]) -> int:
        self.consists.append(tuple(units))
        return len(self.consists) - 1

    def event(self, time_h: float, kind: EventKind, consist: int, place: str) -> None:
        if self.trace:
            self.events.append((time_h, int(kind), consist, place))

    def dwell(self, units: list[int] | tuple[int, ...], cause: Cause, hours: float) -> None:
        if hours > 0:
            if len(units) == 1:
                self._dwell[units[0], cause] += hours
            else:
                self._dwell[list(units), cause] += hours

    def dwell_each(self, units: list[int], cause: Cause, hours: list[float]) -> None:
        """Add a different time to each unit (waits in a queue that each joined at its own time)."""
        self._dwell[units, cause] += hours

    def running(self, units: list[int] | tuple[int, ...], hours: float, legs: int = 1) -> None:
        if len(units) == 1:
            self._running[units[0]] += hours
            self._legs_done[units[0]] += legs
        else:
            idx = list(units)
            self._running[idx] += hours
            self._legs_done[idx] += legs

    def deliver(self, units: list[int] | tuple[int, ...], time_h: float) -> None:
        self._delivered[list(units)] = time_h

    # -- tables ---------------------------------------------------------------------------------
    def unit_arrays(self) -> dict[str, np.ndarray]:
        n = self.n_units
        out: dict[str, np.ndarray] = {
            "flow": np.asarray(self.unit_flow, dtype=np.int32),
            "plan": np.asarray(self.unit_plan, dtype=np.int32),
            "release_h": np.asarray(self.release_h, dtype=float),
            "delivery_h": self._delivered[:n].copy(),
            "running_h": self._running[:n].copy(),
            "legs_done": self._legs_done[:n].copy(),
        }
        for cause in Cause:
            out[f"{cause.name.lower()}_h"] = self._dwell[:n, cause].copy()
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
