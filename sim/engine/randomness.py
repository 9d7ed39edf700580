"""Named random streams from one seed, and fast block samplers.

Every random quantity in a run draws from a stream named for what it drives (a flow's arrivals,
a facility's handling times, a leg's delays). A stream depends only on the root seed, the
replication and its name, so two scenarios run on the same seed share the arrivals of every flow
they have in common (common random numbers), whatever else differs between them.

Examples
--------
>>> s = Streams(seed=1, replication=0)
>>> a = s.generator("arrivals:Tashkent→Poti").random()
>>> b = Streams(seed=1, replication=0).generator("arrivals:Tashkent→Poti").random()
>>> a == b
True
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Callable

import numpy as np

#: numbers drawn per numpy call
BLOCK = 1024


class Streams:
    """Factory of independent generators keyed by (seed, replication, name)."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = int(seed)
        self.replication = int(replication)

    def generator(self, name: str) -> np.random.Generator:
        key = zlib.crc32(name.encode("utf-8"))
        seq = np.random.SeedSequence(self.seed, spawn_key=(self.replication, key))
        return np.random.Generator(np.random.PCG64(seq))

    def gamma(self, name: str, mean: float, cv: float) -> GammaSampler:
        return GammaSampler(self.generator(name), mean, cv)

    def exponential(self, name: str, mean: float) -> GammaSampler:
        return GammaSampler(self.generator(name), mean, 1.0)

    def uniform(self, name: str, low: float, high: float) -> UniformSampler:
        return UniformSampler(self.generator(name), low, high)

    def lognormal(self, name: str, mean: float, cv: float) -> Callable[[], float]:
        """Draws of a lognormal with the given mean and coefficient of variation, in blocks."""
        rng = self.generator(name)
        sigma = math.sqrt(math.log1p(cv**2))
        mu = math.log(mean) - sigma**2 / 2
        return _stream(lambda: rng.lognormal(mu, sigma, size=BLOCK).data)


class GammaSampler:
    """Draws from a gamma distribution given by mean and coefficient of variation.

    ``cv = 1`` is the exponential distribution, ``cv = 0`` a constant. Values are drawn in blocks
    because one numpy call per draw costs more than the simulation step it serves. ``draw`` is
    the fast way to take one: a C-level iterator step with no Python frame (the engine's hot
    path holds it); calling the sampler does the same.

    >>> g = GammaSampler(np.random.default_rng(0), mean=2.0, cv=0.0)
    >>> g(), g.draw()
    (2.0, 2.0)
    """

    __slots__ = ("_rng", "_scale", "_shape", "cv", "draw", "mean")

    def __init__(self, rng: np.random.Generator, mean: float, cv: float) -> None:
        if mean < 0 or cv < 0:
            raise ValueError(f"mean (={mean}) and cv (={cv}) must be >= 0")
        self.mean = float(mean)
        # below this spread a gamma is a constant to double precision (and 1/cv**2 overflows)
        self.cv = float(cv) if cv > 1e-6 else 0.0
        self._rng = rng
        self._shape = 1.0 / (self.cv * self.cv) if self.cv > 0 else 0.0
        self._scale = mean / self._shape if self.cv > 0 else 0.0
        self.draw: Callable[[], float] = (
            _constant(self.mean) if self.cv == 0 or self.mean == 0 else _stream(self._block)
        )

    def _block(self) -> memoryview:
        return (self._rng.standard_gamma(self._shape, size=BLOCK) * self._scale).data

    def blocks(self, k: int) -> np.ndarray:
        """The next ``k`` blocks at once: the values ``k * 1024`` calls of :attr:`draw` give
        from here (a sampler is drawn from one way or the other, not both).

        >>> a = GammaSampler(np.random.default_rng(3), 2.0, 1.0)
        >>> b = GammaSampler(np.random.default_rng(3), 2.0, 1.0)
        >>> bool((a.blocks(2)[:1500] == [b.draw() for _ in range(1500)]).all())
        True
        """
        if self.cv == 0 or self.mean == 0:
            return np.full(k * BLOCK, self.mean)
        return np.concatenate([np.asarray(self._block()) for _ in range(k)])

    def __call__(self) -> float:
        return self.draw()


class UniformSampler:
    """Draws uniformly on ``[low, high]``, in blocks like :class:`GammaSampler`.

    >>> u = UniformSampler(np.random.default_rng(0), 1.0, 3.0)
    >>> 1.0 <= u() <= 3.0 and 1.0 <= u.draw() <= 3.0
    True
    """

    __slots__ = ("_rng", "draw", "high", "low", "mean")

    def __init__(self, rng: np.random.Generator, low: float, high: float) -> None:
        if not low <= high:
            raise ValueError(f"low (={low}) must be <= high (={high})")
        self.low = float(low)
        self.high = float(high)
        self.mean = (self.low + self.high) / 2
        self._rng = rng
        self.draw: Callable[[], float] = (
            _constant(self.low) if self.low == self.high else _stream(self._block)
        )

    def _block(self) -> memoryview:
        return self._rng.uniform(self.low, self.high, size=BLOCK).data

    def blocks(self, k: int) -> np.ndarray:
        """The next ``k`` blocks at once, as :meth:`GammaSampler.blocks`.

        >>> a = UniformSampler(np.random.default_rng(3), 0.0, 1.0)
        >>> b = UniformSampler(np.random.default_rng(3), 0.0, 1.0)
        >>> bool((a.blocks(1) == [b.draw() for _ in range(1024)]).all())
        True
        """
        if self.low == self.high:
            return np.full(k * BLOCK, self.low)
        return np.concatenate([np.asarray(self._block()) for _ in range(k)])

    def __call__(self) -> float:
        return self.draw()


def _constant(value: float) -> Callable[[], float]:
    return itertools.repeat(value).__next__


def _stream(block: Callable[[], memoryview]) -> Callable[[], float]:
    """Endless draws from successive blocks; ``block`` runs (in Python) once per block only."""
    # iter(f, sentinel) calls f until it returns the sentinel: a block is never None
    return itertools.chain.from_iterable(iter(block, None)).__next__


__all__ = ["BLOCK", "GammaSampler", "Streams", "UniformSampler"]
