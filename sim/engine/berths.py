"""A port's ferry berths, shared by every line and vessel that calls there.

A vessel needs a free berth of a type it can use (:attr:`~sim.engine.model.VesselSpec.berth_types`)
to load or to unload; when none is free it waits at anchor, first come first served among the
vessels that could use the berth that frees (a vessel waiting for a Ro-Ro berth does not hold
back one behind it that can take the rail berth just freed). A vessel holds its berth for its
handling (``load_h`` or ``unload_h``) and the delays of its call (shunting); it waits for its
cargo and for its departure at the line's quay, not at a berth (:mod:`sim.engine.ferry`).

Statistics: one ``berth`` record per port and berth type (``<port> <type> berths``): the calls
served there (``customers``), the berth-hours busy (utilisation), the vessels waiting at anchor
for it (queue) and their vessel-hours waited (``mean_wait_h`` per call). A vessel that waited is
counted at the berth it got.

Examples
--------
>>> import simpy
>>> from sim.engine.kernel import Kernel
>>> from sim.engine.model import VesselSpec
>>> from sim.engine.records import Recorder
>>> from sim.engine.units import UnitTable
>>> k = Kernel(simpy.Environment(), UnitTable(), Recorder(trace=False), 0.0, 100.0)
>>> pool = BerthPool(k, "p", {"rail_ferry": 1})
>>> a, b = (VesselSpec(n, 30.0, berth_types=("rail_ferry",)) for n in "ab")
>>> log = []
>>> def call(v, hours):
...     berth = yield from pool.take(v)
...     log.append((k.env.now, v.name, "berthed"))
...     yield k.env.timeout(hours)
...     pool.release(berth)
>>> k.start(call(a, 5.0)); k.start(call(b, 3.0))
>>> k.env.run()
>>> log
[(0, 'a', 'berthed'), (5.0, 'b', 'berthed')]
>>> [(s.name, s.customers, s.area_busy, s.wait_sum) for s in pool.stats()]
[('p rail_ferry berths', 2, 8.0, 5.0)]
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

import simpy

from sim.engine.kernel import Kernel
from sim.engine.model import VesselSpec
from sim.engine.run_record import FacilityStats


@dataclass(frozen=True)
class Berth:
    """A berth held by a vessel: its type and when the vessel asked for and got it."""

    berth_type: str
    asked_h: float
    got_h: float


class BerthPool:
    """The berths of one port by type (``berths``: type -> count), shared by every vessel."""

    def __init__(self, kernel: Kernel, port: str, berths: Mapping[str, int]) -> None:
        self.kernel = kernel
        self.port = port
        self.name = f"{port} berths"
        self.count = {t: int(n) for t, n in berths.items()}
        self.free = dict(self.count)
        #: vessels at anchor, first come first served: (types they can use, asked at, event)
        self.waiting: list[tuple[tuple[str, ...], float, simpy.Event]] = []
        self.monitors = {t: kernel.monitor() for t in self.count}

    def usable(self, vessel: VesselSpec) -> tuple[str, ...]:
        """The berth types of this port ``vessel`` can use (empty: berths do not limit it
        here, as at a port without berth data)."""
        return tuple(t for t in vessel.berth_types if t in self.count)

    def must_wait(self, vessel: VesselSpec) -> bool:
        """Whether ``vessel`` would wait at anchor if it asked for a berth now."""
        types = self.usable(vessel)
        return bool(types) and self._first_free(types) is None

    def _first_free(self, types: tuple[str, ...]) -> str | None:
        return next((t for t in types if self.free[t] > 0), None)

    def take(self, vessel: VesselSpec) -> Generator[simpy.Event, Any, Berth | None]:
        """Wait (at anchor) for a free berth ``vessel`` can use and hold it; None when berths
        do not limit the vessel here. A berth free now is taken without yielding."""
        types = self.usable(vessel)
        if not types:
            return None
        now = self.kernel.env.now
        # a free berth is one no vessel at anchor can use (release hands berths on at once)
        got = self._first_free(types)
        if got is not None:
            self.free[got] -= 1
            return Berth(got, now, now)
        event = self.kernel.env.event()
        self.waiting.append((types, now, event))
        berth: Berth = yield event
        return berth

    def release(self, berth: Berth | None) -> None:
        """The vessel leaves ``berth``: account its call, and give the berth to the first vessel
        at anchor that can use it."""
        if berth is None:
            return
        now = self.kernel.env.now
        self.monitors[berth.berth_type].customer(berth.asked_h, berth.got_h, now, 1)
        self.free[berth.berth_type] += 1
        for i, (types, asked, event) in enumerate(self.waiting):
            got = self._first_free(types)
            if got is not None:
                del self.waiting[i]
                self.free[got] -= 1
                event.succeed(Berth(got, asked, now))
                break

    def stats(self) -> list[FacilityStats]:
        """One record per berth type (see the module)."""
        return [
            mon.stats(f"{self.port} {t} berths", "berth", self.port, self.count[t])
            for t, mon in self.monitors.items()
        ]


__all__ = ["Berth", "BerthPool"]
