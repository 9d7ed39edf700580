"""Typed errors of the network package, and the :class:`Problem` a data check reports.

Every error derives from :class:`NetworkError`, so a caller (the CLI, the simulation) can catch
the package's own failures without swallowing programming errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["DataError", "NetworkError", "NoRouteError", "Problem", "UnknownNameError"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a network folder.

    Parameters
    ----------
    file : str
        CSV file name, e.g. ``"legs.csv"``.
    row : int or None
        1-based line number in the CSV file counting the header (the first data row is 2);
        ``None`` when the problem concerns the whole file.
    key : str
        The column, or the id, at fault.
    value : object
        The offending value.
    rule : str
        The rule broken, e.g. ``"must be > 0"``.
    hint : str
        How to fix it, e.g. a "did you mean".

    Examples
    --------
    >>> str(Problem("legs.csv", 14, "distance_km", "-3", "must be > 0", "give the length in km"))
    'legs.csv:14: distance_km = -3: must be > 0 (hint: give the length in km)'
    """

    file: str
    row: int | None
    key: str
    value: object
    rule: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        text = f"{where}: {self.key} = {_show(self.value)}: {self.rule}"
        return f"{text} (hint: {self.hint})" if self.hint else text


def _show(value: object) -> str:
    # CSV cells are strings; quoting them would turn "-3" into "'-3'" in every message.
    if value is None or value == "":
        return "(blank)"
    return str(value)


class NetworkError(Exception):
    """Base class of every error raised by the :mod:`network` package."""


class DataError(NetworkError):
    """A network folder (or an overlay) breaks the schema; ``problems`` lists every fault."""

    def __init__(self, problems: Iterable[Problem], source: str = "") -> None:
        self.problems: list[Problem] = list(problems)
        self.source = source
        super().__init__(self._message())

    def _message(self) -> str:
        where = f" in {self.source}" if self.source else ""
        lines = [f"{len(self.problems)} problem(s) in the network data{where}:"]
        lines += [str(p) for p in self.problems]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._message()


class UnknownNameError(NetworkError, KeyError):
    """A node, leg, column or other name that is not known; ``suggestions`` are close matches."""

    def __init__(self, what: str, name: object, suggestions: Sequence[str] = ()) -> None:
        self.what = what
        self.name = name
        self.suggestions: list[str] = list(suggestions)
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"unknown {self.what} {self.name!r}"
        if self.suggestions:
            text += "; did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        return text

    def __str__(self) -> str:
        # KeyError.__str__ would quote the whole message; keep it readable.
        return self._message()


class NoRouteError(NetworkError):
    """No route joins two nodes in the given year under the given constraints."""
