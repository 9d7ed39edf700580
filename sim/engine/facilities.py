"""The engine's facility types, one module each, gathered for import (see :mod:`sim.engine.facility`
for what they share and how to add one).

Examples
--------
>>> sorted(DEPARTURE_REASONS)
['full', 'max_wait', 'needed', 'timetable']
"""

from __future__ import annotations

from sim.engine.berths import BerthPool
from sim.engine.ferry import DEPARTURE_REASONS, FerryEnd, FerryLine
from sim.engine.formation import Formation
from sim.engine.gates import Gate
from sim.engine.linepath import LinePath
from sim.engine.monitor import Monitor
from sim.engine.servers import NodeFacility

__all__ = [
    "DEPARTURE_REASONS",
    "BerthPool",
    "FerryEnd",
    "FerryLine",
    "Formation",
    "Gate",
    "LinePath",
    "Monitor",
    "NodeFacility",
]
