"""What one replication returns: plain per-unit arrays and one statistics record per facility.

:meth:`sim.engine.world.World.run` returns a :class:`RunRecord`; the tables of
:mod:`sim.analysis.metrics` (shipments, facilities, queues, closures) and
:func:`sim.analysis.shift.ferry_departures_frame` are built from it alone, never from the engine's
objects.

Examples
--------
>>> s = FacilityStats("b from a", "border", "b", 2, customers=4, units=4, area_queue=3.0,
...                   area_busy=8.0, max_queue=1, wait_sum=3.0, waited=4)
>>> s.wait_sum / s.waited
0.75
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.engine.model import ModelSpec


@dataclass(frozen=True, slots=True)
class FacilityStats:
    """The statistics of one facility (or one part of one: a ferry line's quay) after a run.

    Integrals are over the statistics window (the warm-up to the horizon): ``area_queue`` and
    ``area_busy`` are the time integrals of the queue and of the busy servers, ``customers`` the
    consists served in the window (a ferry line: its loaded sailings), ``units`` the units they
    carried, ``wait_sum`` the unit-hours those ``waited`` units waited (a ferry line's waits are
    its quays': ``waited`` is 0). ``servers`` is the number of servers (vessels, one for a line
    path) or NaN where there is none (formations, ferry quays).
    """

    name: str
    #: border, port, terminal, gauge_change, formation, line, ferry or ferry_queue
    kind: str
    place: str
    servers: float
    customers: int
    units: int
    area_queue: float
    area_busy: float
    max_queue: float
    wait_sum: float
    waited: int
    #: a ferry line's loaded sailings, units and slots carried and deck capacity (slots)
    sailings: int | None = None
    slots_carried: float | None = None
    capacity: float | None = None
    #: the largest load that left (slots; trains and vessels)
    max_load: float | None = None
    #: the facility this one is part of (a ferry quay's line)
    part_of: str = ""
    #: units waiting in it when the run ended (formations, ferry quays), in queue order
    holding: tuple[int, ...] = ()
    #: a ferry quay's departures in the window by reason, their slots, and their times
    departures: Mapping[str, int] | None = None
    departed_slots: Mapping[str, float] | None = None
    departure_times: tuple[float, ...] = ()
    #: a ferry line's vessel-hours out of service in the window (dry-dock, maintenance,
    #: breakdowns)
    vessel_hours_out: float | None = None
    #: a ferry line's vessel-hours at anchor waiting for a port berth in the window (None: no
    #: berth limits at its ports)
    vessel_berth_wait_h: float | None = None


@dataclass(frozen=True)
class RunRecord:
    """One replication's results as plain data.

    ``units`` holds the columns of the units table (:meth:`sim.engine.units.UnitTable.arrays`),
    ``facilities`` one :class:`FacilityStats` per facility in table order (node facilities,
    dedicated ones, train formations, line paths, then each ferry line followed by its quays),
    ``queue_samples`` rows ``(time_h, facility, kind, queue)``, ``closures`` rows ``(name,
    target, start_h, end_h)``, ``end_h`` the clock when the run ended, and ``events`` the event
    log (:meth:`sim.engine.records.Recorder.events_frame`) of a traced run, else None.
    """

    spec: ModelSpec
    replication: int
    end_h: float
    units: Mapping[str, np.ndarray]
    facilities: tuple[FacilityStats, ...]
    queue_samples: list[tuple[float, str, str, float]] = field(default_factory=list)
    closures: list[tuple[str, str, float, float]] = field(default_factory=list)
    #: the logbook (:mod:`sim.engine.logbook`): passages at watched nodes as columns
    #: (:meth:`~sim.engine.logbook.Logbook.passage_arrays`) and voyage rows
    passages: Mapping[str, np.ndarray] = field(default_factory=dict)
    voyages: list[tuple[object, ...]] = field(default_factory=list)
    events: pd.DataFrame | None = None


__all__ = ["FacilityStats", "RunRecord"]
