"""The errors of reading and checking the inputs: a scenario file that is wrong
(:class:`ScenarioError`) and one that overloads a facility (:class:`CapacityError`).

They live apart from the modules that raise them (:mod:`sim.inputs.scenario_io`,
:mod:`sim.inputs.capacity`) so that the command line can catch them without loading pydantic,
NumPy or pandas.

Examples
--------
>>> err = CapacityError(["a.toml: capacity: ferry Alat->Kuryk: rho 1.20"])
>>> isinstance(err, ScenarioError), err.checks
(True, [])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.inputs.capacity import CapacityCheck

__all__ = ["CapacityError", "ScenarioError"]


class ScenarioError(Exception):
    """A scenario file (or its ``extends`` chain) is wrong; ``problems`` lists every fault.

    Each problem reads ``file: key.path: message``; ``str()`` gives them all, one per line.

    Examples
    --------
    >>> err = ScenarioError(["a.toml: year: Input should be a valid integer (got 'soon')"])
    >>> print(err)
    a.toml: year: Input should be a valid integer (got 'soon')
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


class CapacityError(ScenarioError):
    """A scenario overloads a facility and does not say why; ``problems`` has one message per
    overloaded facility, ``checks`` the checks they come from."""

    def __init__(self, problems: Iterable[str], checks: Sequence[CapacityCheck] = ()) -> None:
        super().__init__(problems)
        self.checks = list(checks)
