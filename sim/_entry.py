"""The ``corridor`` console script and ``python -m sim``: Ctrl-C at any moment ends cleanly.

This module imports nothing heavy (``sim/__init__`` loads its names lazily), so the handling is
in place before the modules of the command line load: Ctrl-C while they load, while simulating
or while writing prints one line, ``interrupted``, on stderr and exits with 130, and leaves no
output or temporary folder (writing happens in a temporary folder, :mod:`sim.runs.outdir`).

Examples
--------
>>> main(["--version"])  # doctest: +SKIP
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from types import FrameType

from sim.cli.interrupt import EXIT_INTERRUPTED, interrupted

__all__ = ["EXIT_INTERRUPTED", "interrupted", "main"]


def _first_interrupt(signum: int, frame: FrameType | None) -> None:
    # a second Ctrl-C while the first one's clean-up runs (removing a temporary folder) must
    # not cut that clean-up short
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Install the Ctrl-C handling, then import and run :func:`sim.cli.main`."""
    try:
        signal.signal(signal.SIGINT, _first_interrupt)
        from sim.cli.main import main as cli_main

        return cli_main(argv)
    except KeyboardInterrupt:
        return interrupted()
