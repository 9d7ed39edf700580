"""Time integrals of a facility's queue and busy servers over the statistics window.

Every facility keeps a :class:`Monitor`, so utilisation and time-weighted queues are exact, not
sampled; :meth:`Monitor.stats` turns one into the facility's statistics record.
"""

from __future__ import annotations

import math

import simpy

from sim.engine.run_record import FacilityStats


class Monitor:
    """Time integrals of queue length and busy servers between ``start_h`` (the warm-up) and
    ``end_h`` (the horizon), plus the customers served in that window.

    Servers (borders, ports) account each finished customer once (:meth:`customer`); the
    other facilities (ferries, formations, line paths) record state changes (:meth:`change`).

    >>> import simpy
    >>> mon = Monitor(simpy.Environment(), start_h=1.0, end_h=10.0)
    >>> mon.customer(0.0, 2.0, 5.0, 3)  # queued 0-2 h (1-2 h in the window), served 2-5 h
    >>> mon.area_queue, mon.area_busy, mon.customers, mon.units, mon.wait_sum
    (1.0, 3.0, 1, 3, 6.0)
    """

    __slots__ = (
        "area_busy",
        "area_queue",
        "busy",
        "customers",
        "end_h",
        "env",
        "last",
        "max_busy",
        "max_queue",
        "queue",
        "start_h",
        "units",
        "wait_sum",
    )

    def __init__(self, env: simpy.Environment, start_h: float, end_h: float = math.inf) -> None:
        self.env = env
        self.start_h = start_h
        self.end_h = end_h
        self.last = 0.0
        self.queue = 0.0
        self.busy = 0.0
        self.area_queue = 0.0
        self.area_busy = 0.0
        self.max_queue = 0.0
        self.max_busy = 0.0
        self.customers = 0
        self.units = 0
        self.wait_sum = 0.0

    def _advance(self) -> None:
        now = self.env._now  # the property costs a call: every queue change comes here
        lo = self.last if self.last > self.start_h else self.start_h
        hi = now if now < self.end_h else self.end_h
        if hi > lo:
            self.area_queue += self.queue * (hi - lo)
            self.area_busy += self.busy * (hi - lo)
        self.last = now

    def change(self, dqueue: float = 0.0, dbusy: float = 0.0) -> None:
        self._advance()
        self.queue += dqueue
        self.busy += dbusy
        if self.queue > self.max_queue:
            self.max_queue = self.queue
        if self.busy > self.max_busy:
            self.max_busy = self.busy

    def customer(self, t_arrive: float, t_start: float, t_end: float, units: int) -> None:
        """Account one finished customer of a server: its queue and service intervals.

        The time integral of the queue (or of busy servers) is the sum over customers of the
        time each spent queued (or served), so one call per customer replaces the three state
        changes a server would otherwise record — the hot path of every border and port.
        Customers still unfinished when the run ends (after the drain) are not counted. A
        customer wholly inside the window (most are) adds its intervals as they are, which is
        what clipping them to the window would give.
        """
        if t_arrive >= self.start_h and t_end <= self.end_h:  # wholly inside the window
            wait = t_start - t_arrive
            self.area_queue += wait
            self.area_busy += t_end - t_start
            self.customers += 1
            self.units += units
            self.wait_sum += wait * units
            return
        s, e = self.start_h, self.end_h
        lo = t_arrive if t_arrive > s else s
        hi = t_start if t_start < e else e
        if hi > lo:
            self.area_queue += hi - lo
        lo = t_start if t_start > s else s
        hi = t_end if t_end < e else e
        if hi > lo:
            self.area_busy += hi - lo
        if s <= t_end <= e:
            self.customers += 1
            self.units += units
            self.wait_sum += (t_start - t_arrive) * units

    def served(self, units: int, total_wait_h: float) -> None:
        """A departure of ``units`` that waited ``total_wait_h`` unit-hours in all."""
        if units and self.start_h <= self.env._now <= self.end_h:
            self.customers += 1
            self.units += units
            self.wait_sum += total_wait_h

    def close(self) -> None:
        """Integrate up to now (the end of the run); closing twice changes nothing."""
        self._advance()

    def stats(
        self,
        name: str,
        kind: str,
        place: str,
        servers: float,
        **extra: object,
    ) -> FacilityStats:
        """The facility's statistics record, integrated up to now (see :class:`FacilityStats`);
        ``extra`` sets the record's other fields (a ferry line's sailings, a queue's units)."""
        self.close()
        fields: dict[str, object] = {
            "customers": self.customers,
            "units": self.units,
            "waited": self.units,
            **extra,
        }
        return FacilityStats(
            name=name,
            kind=kind,
            place=place,
            servers=servers,
            area_queue=self.area_queue,
            area_busy=self.area_busy,
            max_queue=self.max_queue,
            wait_sum=self.wait_sum,
            **fields,  # type: ignore[arg-type]
        )


__all__ = ["Monitor"]
