"""Frictions: the delays that are not capacity, as samplers the facilities call.

A friction (:class:`~sim.engine.model.FrictionSpec`) holds no server: a node facility adds its
draw after the handling, a ferry line to a vessel call's loading or unloading, the world to a
release at its origin. Each friction draws from its own named stream, so two scenarios that
differ elsewhere give it the same numbers (common random numbers); the time is credited to the
``friction`` cause (:class:`~sim.engine.records.Cause`).

Examples
--------
>>> from sim.engine.model import FrictionSpec
>>> from sim.engine.randomness import Streams
>>> draw = sampler(Streams(1, 0), "alat", (FrictionSpec("docs", 6.0, 0.0, "fixed"),
...                                        FrictionSpec("shunt", 2.0, 0.0, "fixed")))
>>> draw()
8.0
>>> sampler(Streams(1, 0), "alat", ()) is None
True
>>> d = sampler(Streams(1, 0), "x", (FrictionSpec("ln", 6.0, 0.8, "lognormal"),))
>>> import statistics
>>> round(statistics.fmean(d() for _ in range(200_000)), 1)
6.0
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

from sim.engine.model import FrictionSpec
from sim.engine.randomness import Streams


def draws(streams: Streams, owner: str, spec: FrictionSpec) -> Callable[[], float]:
    """Draws of one friction at ``owner`` (a node or a ferry quay), in hours."""
    name = f"friction:{spec.name}:{owner}"
    if spec.distribution == "fixed" or spec.mean_h <= 0 or spec.cv <= 0:
        return itertools.repeat(float(max(spec.mean_h, 0.0))).__next__
    if spec.distribution == "exponential":
        return streams.exponential(name, spec.mean_h).draw
    if spec.distribution == "gamma":
        return streams.gamma(name, spec.mean_h, spec.cv).draw
    return streams.lognormal(name, spec.mean_h, spec.cv)


def sampler(
    streams: Streams, owner: str, specs: Sequence[FrictionSpec]
) -> Callable[[], float] | None:
    """The total delay of ``specs`` at ``owner`` per call (one draw of each), or None when there
    are none (the facilities skip the step)."""
    if not specs:
        return None
    parts = [draws(streams, owner, s) for s in specs]
    if len(parts) == 1:
        return parts[0]
    return lambda: math.fsum(p() for p in parts)


__all__ = ["draws", "sampler"]
