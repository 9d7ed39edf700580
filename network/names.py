"""Forgiving name matching: node ids, display names and aliases, without case or diacritics.

Users type "Constanta", "port of baku" or "Bereket"; the data says "Constanța", "Alat (Port of
Baku)". One :class:`NameResolver` serves both :meth:`Network.resolve_node` and the routing
functions, so a name that works in one place works everywhere.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

from network.errors import UnknownNameError

__all__ = ["NameResolver", "normalise", "suggest"]

# Letters that NFKD does not decompose into a base letter plus a combining mark.
_SPECIAL = str.maketrans(
    {"ı": "i", "ə": "e", "Ə": "e", "ø": "o", "ß": "ss", "ł": "l", "đ": "d", "ʼ": "", "'": ""}
)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """Fold case, diacritics and punctuation so that spellings of one place compare equal.

    Remembered: name resolvers are built for every route search and scenario check, over the
    same few hundred names.

    Examples
    --------
    >>> normalise("Constanța")
    'constanta'
    >>> normalise("Böyük Kəsik") == normalise("boyuk_kesik")
    True
    """
    decomposed = unicodedata.normalize("NFKD", str(text).translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.casefold().translate(_SPECIAL)).strip()


#: how alike (difflib ratio) a candidate must be to be suggested at all
CUTOFF = 0.6
#: how much less alike than the best a candidate may be and still be suggested beside it
NEAR = 0.1


def suggest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Return up to ``n`` candidates close to ``name`` (difflib), compared after normalising:
    the best if it is at least :data:`CUTOFF` alike, and those within :data:`NEAR` of it. The
    project's one "did you mean".

    Examples
    --------
    >>> suggest("distance_kms", ["distance_km", "duration_h"])
    ['distance_km']
    """
    by_norm: dict[str, str] = {}
    for cand in candidates:
        by_norm.setdefault(normalise(cand), cand)
    word = normalise(name)
    scored = sorted(
        ((difflib.SequenceMatcher(None, word, c).ratio(), c) for c in by_norm),
        key=lambda sc: -sc[0],
    )
    if not scored or scored[0][0] < CUTOFF:
        return []
    # only candidates nearly as close as the best: a clear typo gets one answer
    floor = max(CUTOFF, scored[0][0] - NEAR)
    return [by_norm[c] for score, c in scored[:n] if score >= floor]


def _variants(name: str) -> list[str]:
    """A display name and, for 'Alat (Port of Baku)', each part on its own."""
    out = [name]
    match = re.fullmatch(r"\s*(.*?)\s*\((.*)\)\s*", name)
    if match:
        out += [match.group(1), match.group(2)]
    return [v for v in out if v.strip()]


class NameResolver:
    """Resolve what a user types to a node id.

    Parameters
    ----------
    nodes : Mapping[str, tuple[str, Iterable[str]]]
        ``node_id -> (display name, aliases)``.

    Examples
    --------
    >>> r = NameResolver({"alat": ("Alat (Port of Baku)", ()), "baku": ("Baku", ("Baki",))})
    >>> r.resolve("Port of Baku"), r.resolve("BAKI"), r.resolve("alat")
    ('alat', 'baku', 'alat')
    """

    def __init__(self, nodes: Mapping[str, tuple[str, Iterable[str]]]) -> None:
        self._ids = {normalise(node_id): node_id for node_id in nodes}
        self._names: dict[str, set[str]] = {}
        self._labels: dict[str, str] = {}
        self._display = {node_id: str(name) or node_id for node_id, (name, _) in nodes.items()}
        for node_id, (name, aliases) in nodes.items():
            self._labels[node_id] = node_id
            for text in [*_variants(str(name)), *aliases]:
                key = normalise(text)
                if key:
                    self._names.setdefault(key, set()).add(node_id)
                    self._labels.setdefault(text, node_id)

    def __contains__(self, name: object) -> bool:
        # what resolve() accepts, without composing its "did you mean" for a miss
        key = normalise(str(name))
        return key in self._ids or len(self._names.get(key, ())) == 1

    def resolve(self, name: str) -> str:
        """Return the node id for ``name``; raise :class:`UnknownNameError` if none or several."""
        key = normalise(name)
        # An exact id wins over a display name, so ids are always a safe way to be precise.
        if key in self._ids:
            return self._ids[key]
        found = self._names.get(key, set())
        if len(found) == 1:
            return next(iter(found))
        if len(found) > 1:
            raise UnknownNameError("node (ambiguous name)", name, sorted(found))
        # One suggestion per node ("Alpha" and its alias "Alfa" are the same place), offered by
        # its display name, whichever of its id, name or aliases came close
        close: dict[str, str] = {}
        for label in suggest(name, self._labels, n=8):
            node = self._labels[label]
            close.setdefault(node, self._display[node])
        raise UnknownNameError("node", name, list(close.values())[:3])
