"""What a run records for comparison with observations: units passing watched nodes, and
vessel voyages.

Observed figures are measured at places (a border's dwell, the time from one station to
another, the trucks standing at a port) and per vessel (its crossing, its time at a port, its
fill). The units table (:mod:`sim.engine.units`) keeps each unit's times by cause over its whole
route, which cannot say at which node a border wait was spent; the logbook keeps the few facts
that can:

- *passages*: when a consist arrives at (the end of a leg into) and departs from (the start of
  the running on a leg out of) a *watched* node, with its units. Only the nodes the model spec
  names in ``watch_nodes`` are watched (compile sets those the network's observations name),
  so a run without observations records nothing here;
- *voyages*: one row per vessel departure: its line, port and name, when it came into the port
  (after any closure held it outside), its unloading and loading work there (handling plus the
  vessel-call frictions), when it sailed, the crossing's duration, the slots loaded, the deck
  it could take (load limits applied) and its full deck, the units it carried and how many of
  them were trucks.

Nothing here draws a random number or changes when anything happens: the other tables of a
run are the same with or without it.

Examples
--------
>>> book = Logbook(("b",))
>>> book.arrive(0, 5.0, [3, 4])
>>> book.depart(0, 7.5, [3, 4])
>>> book.passage_arrays()["time_h"].tolist(), book.passage_arrays()["unit"].tolist()
([5.0, 5.0, 7.5, 7.5], [3, 4, 3, 4])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: columns of a voyage row (see :meth:`Logbook.voyage`)
VOYAGE_COLUMNS = (
    "line",
    "port",
    "vessel",
    "arrived_h",
    "unload_h",
    "load_h",
    "sail_h",
    "crossing_h",
    "slots",
    "deck_slots",
    "capacity_slots",
    "units",
    "trucks",
)

ARRIVE, DEPART = 0, 1


class Logbook:
    """Passages at the watched ``nodes`` and vessel voyages of one run (see the module
    docstring)."""

    __slots__ = ("index", "nodes", "passages", "voyages")

    def __init__(self, nodes: Sequence[str] = ()) -> None:
        self.nodes = tuple(nodes)
        #: node -> its index in :attr:`nodes`: what the engine asks before recording
        self.index = {n: i for i, n in enumerate(self.nodes)}
        #: (node index, ARRIVE or DEPART, time, units)
        self.passages: list[tuple[int, int, float, tuple[int, ...]]] = []
        self.voyages: list[tuple[object, ...]] = []

    def arrive(self, node: int, time_h: float, units: Sequence[int]) -> None:
        """``units`` (one consist) arrive at watched node ``node`` (its index)."""
        self.passages.append((node, ARRIVE, time_h, tuple(units)))

    def depart(self, node: int, time_h: float, units: Sequence[int]) -> None:
        """``units`` (one consist) set off from watched node ``node`` (its index)."""
        self.passages.append((node, DEPART, time_h, tuple(units)))

    def voyage(self, *row: object) -> None:
        """A vessel departure, its fields in the order of :data:`VOYAGE_COLUMNS`."""
        self.voyages.append(row)

    def passage_arrays(self) -> dict[str, np.ndarray]:
        """One entry per unit and passage: ``passage`` (the consist's passage number: units
        that share it moved together), ``node`` (its name), ``departs`` (False: an arrival),
        ``time_h`` and ``unit``."""
        rows = self.passages
        sizes = np.fromiter((len(r[3]) for r in rows), dtype=np.int64, count=len(rows))
        units = [u for r in rows for u in r[3]]
        return {
            "passage": np.repeat(np.arange(len(rows)), sizes),
            "node": np.repeat(
                np.array(self.nodes, dtype=object)[[r[0] for r in rows]]
                if rows
                else np.array([], dtype=object),
                sizes,
            ),
            "departs": np.repeat(np.array([r[1] == DEPART for r in rows], dtype=bool), sizes),
            "time_h": np.repeat(np.array([r[2] for r in rows], dtype=float), sizes),
            "unit": np.array(units, dtype=np.int64),
        }


__all__ = ["ARRIVE", "DEPART", "VOYAGE_COLUMNS", "Logbook"]
