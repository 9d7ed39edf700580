"""The units table: every per-unit fact of one run, in numpy columns.

A unit (a TEU, a wagon, a truck) is a row. The engine's processes carry lists of row ids and
credit times to them here; nothing else keeps per-unit state. Columns grow by doubling as units
are released, so a release is a few item writes, not a reallocation.

Columns: ``flow`` and ``plan`` (indices into the model's flows and plans), ``seg`` (the segment
of its plan the unit is in), ``release_h``, ``delivery_h`` (NaN until delivered),
``running_h`` and ``legs_done`` (credited when a segment or a crossing ends), one dwell column per
:class:`~sim.engine.records.Cause` (``dwell[cause]``), and the room a unit takes on a train and on a
vessel (``train_slots``, ``ferry_slots``).

Examples
--------
>>> from sim.engine.records import Cause
>>> t = UnitTable(capacity=2)
>>> t.add(flow=0, plan=1, release_h=1.5, n=3, train_slots=1.0, ferry_slots=2.0)
[0, 1, 2]
>>> t.wait([0, 2], Cause.BORDER, 4.0)
>>> t.ran([1], 10.0, legs=2)
>>> t.deliver([1], 12.0)
>>> a = t.arrays()
>>> a["border_h"].tolist(), a["running_h"].tolist(), a["legs_done"].tolist()
([4.0, 0.0, 4.0], [0.0, 10.0, 0.0], [0, 2, 0])
>>> a["delivery_h"][1], bool(np.isnan(a["delivery_h"][0]))
(np.float64(12.0), True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.engine.records import N_CAUSES, Cause

#: integer columns and their fill for rows not yet released
_INT_COLUMNS = ("flow", "plan", "seg", "legs_done")
#: float columns and their fill
_FLOAT_COLUMNS = {
    "release_h": 0.0,
    "delivery_h": np.nan,
    "running_h": 0.0,
    "train_slots": 0.0,
    "ferry_slots": 0.0,
}


#: unit ids as the table's methods take them: a list, or an index array (:meth:`UnitTable.index`)
Units = Sequence[int] | np.ndarray


class UnitTable:
    """Per-unit state of one run (see the module docstring for the columns).

    Updates of one unit index a column with a scalar; updates of a consist of several units use
    one fancy-indexed operation on a one-dimensional column (a cause's dwell row, not the 2-D
    table). A caller crediting a consist several times converts its ids once
    (:meth:`index`): indexing with a list converts it on every call. Each unit's times are
    added in the order the run credits them, so the sums are those of adding them one by one.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self._capacity = max(int(capacity), 1)
        cap = self._capacity
        self.flow = np.zeros(cap, dtype=np.int32)
        self.plan = np.zeros(cap, dtype=np.int32)
        self.seg = np.zeros(cap, dtype=np.int32)
        self.legs_done = np.zeros(cap, dtype=np.int32)
        self.release_h = np.zeros(cap)
        self.delivery_h = np.full(cap, np.nan)
        self.running_h = np.zeros(cap)
        self.train_slots = np.zeros(cap)
        self.ferry_slots = np.zeros(cap)
        #: ``dwell[cause, unit]``: hours of each cause
        self.dwell = np.zeros((N_CAUSES, cap))
        self._rows = list(self.dwell)  # views: one 1-D row per cause

    def _grow(self, need: int) -> None:
        cap = self._capacity
        while cap < need:
            cap *= 2
        extra = cap - self._capacity
        for name in _INT_COLUMNS:
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(extra, np.int32)]))
        for name, fill in _FLOAT_COLUMNS.items():
            setattr(self, name, np.concatenate([getattr(self, name), np.full(extra, fill)]))
        self.dwell = np.concatenate([self.dwell, np.zeros((N_CAUSES, extra))], axis=1)
        self._rows = list(self.dwell)
        self._capacity = cap

    def add(
        self,
        flow: int,
        plan: int,
        release_h: float,
        n: int,
        train_slots: float,
        ferry_slots: float,
    ) -> list[int]:
        """``n`` new units of ``flow`` on ``plan`` released at ``release_h``; their ids."""
        first = self.n
        end = first + n
        if end > self._capacity:
            self._grow(end)
        if n == 1:  # the common case: item writes cost a third of slice writes
            self.flow[first] = flow
            self.plan[first] = plan
            self.release_h[first] = release_h
            self.train_slots[first] = train_slots
            self.ferry_slots[first] = ferry_slots
            self.n = end
            return [first]
        self.flow[first:end] = flow
        self.plan[first:end] = plan
        self.release_h[first:end] = release_h
        self.train_slots[first:end] = train_slots
        self.ferry_slots[first:end] = ferry_slots
        self.n = end
        return list(range(first, end))

    @staticmethod
    def index(units: Units) -> np.ndarray:
        """``units`` as an index array, for several updates of one consist."""
        return np.asarray(units, dtype=np.intp)

    def wait(self, units: Units, cause: Cause | int, hours: float) -> None:
        """Add ``hours`` of ``cause`` to each of ``units`` (nothing when ``hours`` is 0)."""
        if hours > 0:
            if len(units) == 1:
                self._rows[cause][units[0]] += hours
            else:
                self._rows[cause][units] += hours

    def wait_each(self, units: Units, cause: Cause | int, hours: Sequence[float]) -> None:
        """Add a time of ``cause`` to each unit (waits in a queue that each joined at its own
        time): ``hours[i]`` to ``units[i]``."""
        if len(units) == 1:
            self._rows[cause][units[0]] += hours[0]
        elif len(units):
            self._rows[cause][units] += hours

    def ran(self, units: Units, hours: float, legs: int = 1) -> None:
        """Credit ``hours`` of running over ``legs`` legs to each of ``units``."""
        if len(units) == 1:
            u = units[0]
            self.running_h[u] += hours
            self.legs_done[u] += legs
        else:
            idx = self.index(units)
            self.running_h[idx] += hours
            self.legs_done[idx] += legs

    def credit(
        self, units: Units, hours: float, legs: int, waits: Sequence[tuple[int, float]]
    ) -> None:
        """The end of a trip: ``hours`` of running over ``legs`` legs (none when ``legs`` is 0)
        and each ``(cause, hours)`` of ``waits`` (those of 0 hours skipped) to each unit.

        >>> t = UnitTable()
        >>> ids = t.add(flow=0, plan=0, release_h=0.0, n=2, train_slots=1.0, ferry_slots=1.0)
        >>> t.credit(ids, 5.0, 2, [(int(Cause.BORDER), 3.0), (int(Cause.PORT), 0.0)])
        >>> a = t.arrays()
        >>> a["running_h"].tolist(), a["legs_done"].tolist(), a["border_h"].tolist()
        ([5.0, 5.0], [2, 2], [3.0, 3.0])
        """
        rows = self._rows
        if len(units) == 1:
            u = units[0]
            if legs:
                self.running_h[u] += hours
                self.legs_done[u] += legs
            for cause, h in waits:
                if h > 0:
                    rows[cause][u] += h
            return
        idx = self.index(units)
        if legs:
            self.running_h[idx] += hours
            self.legs_done[idx] += legs
        for cause, h in waits:
            if h > 0:
                rows[cause][idx] += h

    def deliver(self, units: Units, time_h: float) -> None:
        """``units`` reached their destination at ``time_h``."""
        if len(units) == 1:
            self.delivery_h[units[0]] = time_h
        else:
            self.delivery_h[units] = time_h

    def slots(self, units: Units, column: np.ndarray) -> list[float]:
        """The room each of ``units`` takes, from ``column`` (``train_slots`` or
        ``ferry_slots``), as Python floats."""
        if len(units) == 1:
            return [float(column[units[0]])]
        out: list[float] = column[units].tolist()
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """Copies of the columns of the units released so far, dwell as ``<cause>_h``."""
        n = self.n
        out: dict[str, np.ndarray] = {
            "flow": self.flow[:n].copy(),
            "plan": self.plan[:n].copy(),
            "seg": self.seg[:n].copy(),
            "release_h": self.release_h[:n].copy(),
            "delivery_h": self.delivery_h[:n].copy(),
            "running_h": self.running_h[:n].copy(),
            "legs_done": self.legs_done[:n].copy(),
            "train_slots": self.train_slots[:n].copy(),
            "ferry_slots": self.ferry_slots[:n].copy(),
        }
        for cause in Cause:
            out[f"{cause.name.lower()}_h"] = self.dwell[cause, :n].copy()
        return out


__all__ = ["UnitTable", "Units"]
