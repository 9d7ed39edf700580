"""Network tables as read from CSV: strings, with the line each row came from.

Checks run on these raw tables, before any type conversion, so that every problem in every file
can be reported at once with its file and line, and so that an overlay (``with_overrides``) is
validated by exactly the same code as a file.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from network.errors import DataError, Problem
from network.schema import TABLES, Table

__all__ = [
    "RawTable",
    "default_data_path",
    "parse_float",
    "parse_int",
    "parse_list",
    "read_folder",
]


@dataclass
class RawTable:
    """One table as strings.

    ``header`` is ``None`` when the file is missing; ``lines[i]`` is the CSV line of ``rows[i]``
    (the header is line 1), or ``None`` for rows that did not come from a file.
    """

    table: Table
    header: list[str] | None
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int | None] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.table.filename

    def items(self) -> Iterator[tuple[int | None, dict[str, str]]]:
        """Yield ``(line, row)`` pairs."""
        return zip(self.lines, self.rows, strict=True)

    def ids(self) -> set[str]:
        """Non-blank key values."""
        return {row[self.table.key] for row in self.rows if row.get(self.table.key, "")}


def read_folder(path: Path) -> dict[str, RawTable]:
    """Read every table of :data:`network.schema.TABLES` from ``path``; missing files are kept.

    Raises
    ------
    DataError
        If a file is not UTF-8 text (one problem per line with a bad byte, in every file) or
        cannot be read; the tables' other checks need the text, so they do not run.
    """
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for name, table in TABLES.items():
        tables[name] = _read_csv(path / table.filename, table, problems)
    if problems:
        raise DataError(problems, source=str(path))
    return tables


def _text(path: Path, table: Table, problems: list[Problem]) -> str | None:
    """The file's text (a UTF-8 byte-order mark dropped), or None with its problems added."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(table.filename, None, "file", path.name, f"cannot read: {exc}"))
        return None
    try:
        # a spreadsheet's byte-order mark would otherwise corrupt the first column's name
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        pass
    for number, line in enumerate(data.split(b"\n"), 1):  # no UTF-8 sequence holds a 0x0a
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    table.filename,
                    number,
                    "text",
                    f"byte 0x{line[exc.start]:02x} at column {exc.start + 1}",
                    "not UTF-8",
                    "save the file as UTF-8; a spreadsheet calls it CSV UTF-8",
                )
            )
    return None


def _read_csv(path: Path, table: Table, problems: list[Problem]) -> RawTable:
    if not path.is_file():
        return RawTable(table, None)
    text = _text(path, table, problems)
    if text is None:
        return RawTable(table, None)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    raw = RawTable(table, header)
    last = reader.line_num
    for cells in reader:
        start, last = last + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        row = {h: c.strip() for h, c in zip(header, cells, strict=False)}
        for name in table.column_names:
            row.setdefault(name, "")
        raw.rows.append(row)
        raw.lines.append(start)
    return raw


def parse_float(text: str) -> float | None:
    """``''`` -> None; a finite number -> float; anything else raises ValueError."""
    if text == "":
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    return value


def parse_int(text: str) -> int | None:
    """``''`` -> None; ``'2026'`` or ``'2026.0'`` -> 2026; a fraction raises ValueError."""
    value = parse_float(text)
    if value is None:
        return None
    if not value.is_integer():
        raise ValueError(f"not a whole number: {text!r}")
    return int(value)


def parse_list(text: str) -> tuple[str, ...]:
    """``'AZ; GE'`` -> ``('AZ', 'GE')``; blank -> ``()``."""
    return tuple(part.strip() for part in text.split(";") if part.strip())


def default_data_path() -> Path:
    """The shipped network folder, ``network/data`` inside the installed package.

    Examples
    --------
    >>> default_data_path().name
    'data'
    """
    return Path(str(resources.files("network") / "data"))
