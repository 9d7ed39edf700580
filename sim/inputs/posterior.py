"""A posterior over a scenario's uncertain parameters: weighted samples that ``run`` and
``compare`` draw each replication's parameters from.

The file is what ``corridor calibrate`` writes (``posterior.csv``): a ``weight`` column and one
column per parameter (:mod:`sim.inputs.parameters`), each cell a quantile of that parameter's
prior range in ``[0, 1]``. Replication ``r`` of a run on seed ``s`` draws one row, by weight,
from the stream named ``posterior`` of ``(s, r)``: so compared scenarios on the same seed draw
the same parameters for the same replication (common random numbers), and a quoted interval
over replications includes what is not known about the corridor as well as run-to-run noise.

Examples
--------
>>> p = Posterior(names=("a", "b"), samples=np.array([[0.2, 0.4], [0.6, 0.8]]),
...               weights=np.array([1.0, 0.0]))
>>> p.draw(seed=1, replication=0)
{'a': 0.2, 'b': 0.4}
>>> p.draw(seed=1, replication=3) == p.draw(seed=1, replication=3)
True
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.engine.randomness import Streams
from sim.inputs.errors import ScenarioError

#: most rows a posterior file may have
MAX_SAMPLES = 100_000
#: the stream a replication's parameters are drawn from
STREAM = "posterior"


class PosteriorError(ScenarioError):
    """A posterior file is wrong; ``problems`` has one message per fault."""


@dataclass(frozen=True, eq=False)
class Posterior:
    """Weighted samples of parameter quantiles.

    Attributes
    ----------
    names : tuple of str
        Parameter names, one per column of ``samples``.
    samples : numpy.ndarray
        ``(n, len(names))`` quantiles in ``[0, 1]``.
    weights : numpy.ndarray
        ``n`` non-negative weights (normalised on use).
    path : str
        The file it was read from ('' when built in memory).
    """

    names: tuple[str, ...]
    samples: np.ndarray
    weights: np.ndarray
    path: str = ""

    @property
    def probabilities(self) -> np.ndarray:
        return self.weights / self.weights.sum()

    def draw(self, seed: int, replication: int) -> dict[str, float]:
        """The parameters of replication ``replication`` of a run on ``seed``."""
        rng = Streams(seed, replication).generator(STREAM)
        i = int(rng.choice(len(self.weights), p=self.probabilities))
        return {n: float(v) for n, v in zip(self.names, self.samples[i], strict=True)}

    def quantile(self, name: str, q: float) -> float:
        """The weighted ``q``-quantile of parameter ``name``'s samples."""
        x = self.samples[:, self.names.index(name)]
        order = np.argsort(x, kind="stable")
        cum = np.cumsum(self.probabilities[order])
        return float(x[order][min(int(np.searchsorted(cum, q)), len(x) - 1)])

    def median(self) -> dict[str, float]:
        """Each parameter's weighted median (the point values of a calibrated scenario)."""
        return {n: self.quantile(n, 0.5) for n in self.names}


def write_posterior(path: Path, posterior: Posterior) -> None:
    """Write ``posterior`` as CSV (the format :func:`load_posterior` reads)."""
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["weight", *posterior.names])
        for weight, row in zip(posterior.weights, posterior.samples, strict=True):
            w.writerow([repr(float(weight)), *(repr(float(v)) for v in row)])


def load_posterior(path: str | Path) -> Posterior:
    """Read a posterior file, reporting every problem at once.

    Raises
    ------
    PosteriorError
        Missing file, no ``weight`` column or no parameter column, a cell that is not a finite
        number, a quantile outside ``[0, 1]``, a negative weight, weights summing to zero, more
        than :data:`MAX_SAMPLES` rows.
    """
    p = Path(path)
    shown = str(path)
    if not p.is_file():
        raise PosteriorError(
            [
                f"{shown}: no such file (hint: give the posterior.csv that "
                "`corridor calibrate` wrote)"
            ]
        )
    problems: list[str] = []
    with p.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        rows = list(reader)
    if "weight" not in header:
        problems.append(
            f"{shown}: header: no 'weight' column (rule: a posterior has a weight "
            "and one column per parameter; hint: use the file calibrate wrote)"
        )
    names = tuple(h for h in header if h != "weight")
    if not names:
        problems.append(f"{shown}: header: no parameter columns")
    if len(set(header)) != len(header):
        problems.append(f"{shown}: header: a column appears twice")
    if not rows:
        problems.append(f"{shown}: no samples (rule: at least one row)")
    if len(rows) > MAX_SAMPLES:
        problems.append(f"{shown}: {len(rows):,} rows, more than {MAX_SAMPLES:,}")
    if problems:
        raise PosteriorError(problems)
    samples = np.zeros((len(rows), len(names)))
    weights = np.zeros(len(rows))
    wi = header.index("weight")
    cols = [header.index(n) for n in names]
    for r, row in enumerate(rows, start=2):
        if len(row) != len(header):
            problems.append(f"{shown}:{r}: {len(row)} cells, the header has {len(header)}")
            continue
        for j, c in [(-1, wi), *enumerate(cols)]:
            column = header[c]
            try:
                v = float(row[c])
            except ValueError:
                v = math.nan
            if not math.isfinite(v):
                problems.append(f"{shown}:{r}: {column} = {row[c]!r}: not a finite number")
            elif j < 0 and v < 0:
                problems.append(f"{shown}:{r}: weight = {v:g}: must be >= 0")
            elif j >= 0 and not 0.0 <= v <= 1.0:
                problems.append(
                    f"{shown}:{r}: {column} = {v:g}: a quantile of the prior range must be in "
                    "[0, 1]"
                )
            elif j < 0:
                weights[r - 2] = v
            else:
                samples[r - 2, j] = v
    if not problems and not weights.sum() > 0:
        problems.append(f"{shown}: weights sum to 0 (rule: at least one positive weight)")
    if problems:
        raise PosteriorError(problems)
    return Posterior(names=names, samples=samples, weights=weights, path=str(p))


__all__ = ["MAX_SAMPLES", "Posterior", "PosteriorError", "load_posterior", "write_posterior"]
