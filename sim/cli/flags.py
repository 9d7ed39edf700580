"""Bounded command-line numbers: ``argparse`` types that refuse a bad value in one line.

A flag that overrides a scenario setting (``--replications``, ``--horizon-days``, ...) keeps the
scenario file's bounds (:mod:`sim.inputs.scenario`), so the command line cannot start a run that a
file could not. A refused value ends the command with argparse's usual one-line message, which names
the flag, and exit code 2, e.g.::

    corridor run: error: argument --workers: must be a whole number from 1 to 64, got '0'

Examples
--------
>>> workers = int_between(1, 64)
>>> workers("8")
8
>>> workers("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be a whole number from 1 to 64, got '0'
>>> float_between(0, 3650, low_open=True)("inf")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be a finite number more than 0 and at most 3,650, got 'inf'
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["MAX_WORKERS", "float_between", "int_between"]

#: most local worker processes (or local Dask workers) a command starts
MAX_WORKERS = 64


def _num(x: float) -> str:
    if isinstance(x, int) or (x.is_integer() and abs(x) < 1e15):
        return f"{int(x):,}"
    return f"{x:g}"


def int_between(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number from ``low`` to ``high`` (both included)."""
    rule = f"must be a whole number from {_num(low)} to {_num(high)}"

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{rule}, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{rule}, got {text!r}")
        return value

    parse.__name__ = "whole number"
    return parse


def float_between(low: float, high: float, *, low_open: bool = False) -> Callable[[str], float]:
    """An argparse ``type`` for a finite number from ``low`` (excluded if ``low_open``) to
    ``high`` (included)."""
    lower = f"more than {_num(float(low))}" if low_open else f"at least {_num(float(low))}"
    rule = f"must be a finite number {lower} and at most {_num(float(high))}"

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{rule}, got {text!r}") from None
        above = value > low if low_open else value >= low
        if not (math.isfinite(value) and above and value <= high):
            raise argparse.ArgumentTypeError(f"{rule}, got {text!r}")
        return value

    parse.__name__ = "number"
    return parse
