"""What Ctrl-C does: one line, ``interrupted``, on stderr and exit code 130 (see :mod:`sim._entry`).

Examples
--------
>>> EXIT_INTERRUPTED
130
"""

from __future__ import annotations

import sys

__all__ = ["EXIT_INTERRUPTED", "interrupted"]

#: the exit code after Ctrl-C (128 + SIGINT), as a shell reports it
EXIT_INTERRUPTED = 130


def interrupted() -> int:
    """Say so, once, and return :data:`EXIT_INTERRUPTED`."""
    print("interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED
