"""What a simulated result depends on besides its scenario: the code of the ``sim`` and
``network`` packages and the files of the network folder it ran on.

A resumable output (a plan, a sweep, a calibration) keys its folder by a digest of its
scenarios; :func:`model_digest` goes into that key too, so a folder written by other code or on
other network data is not resumed as if it were the same work (its saved replications would mix
with new ones): the tool asks for ``--overwrite`` instead. The package version alone would not
do: it does not change while the code is developed.

Examples
--------
>>> a = model_digest(None)
>>> len(a), a == model_digest(None)
(16, True)
>>> model_digest("tests/fixtures/tiny_network") == a
False
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

__all__ = ["PRESENTATION", "model_digest"]


#: code that only presents saved results (the command line, figures, reports): a change to it
#: does not change a simulated number, so it does not keep a folder from resuming
PRESENTATION = ("cli", "plots.py", "report.py", "figures.py", "outputs.py", "draw.py", "bench.py")


def _files(folder: Path, patterns: Iterable[str]) -> list[Path]:
    return sorted(
        p
        for pattern in patterns
        for p in folder.rglob(pattern)
        if p.is_file() and not set(p.relative_to(folder).parts) & set(PRESENTATION)
    )


@lru_cache(maxsize=16)
def _folder_digest(folder: str, patterns: tuple[str, ...]) -> str:
    root = Path(folder)
    h = hashlib.sha256()
    for path in _files(root, patterns):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def model_digest(network_path: str | None) -> str:
    """A short hash of the code (the ``.py`` files of the ``sim`` and ``network`` packages but
    those in :data:`PRESENTATION`) and of the network folder at ``network_path`` (its ``.csv``
    tables; ``None``: the shipped data), read once per process."""
    import network
    import sim

    code = [
        _folder_digest(str(Path(pkg.__file__).parent), ("*.py",))  # type: ignore[arg-type]
        for pkg in (sim, network)
    ]
    folder = network_path or str(network.default_data_path())
    data = _folder_digest(str(Path(folder).resolve()), ("*.csv",))
    return hashlib.sha256("|".join([*code, data]).encode()).hexdigest()[:16]
