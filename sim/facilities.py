"""The engine's facility types, one module each, gathered for import (see :mod:`sim.facility`
for what they share and how to add one).

Examples
--------
>>> sorted(DEPARTURE_REASONS)
['full', 'max_wait', 'needed', 'timetable']
"""

from __future__ import annotations

from sim.ferry import DEPARTURE_REASONS, FerryEnd, FerryLine
from sim.formation import Formation
from sim.gates import Gate
from sim.linepath import LinePath
from sim.monitor import Monitor
from sim.servers import NodeFacility

__all__ = [
    "DEPARTURE_REASONS",
    "FerryEnd",
    "FerryLine",
    "Formation",
    "Gate",
    "LinePath",
    "Monitor",
    "NodeFacility",
]
