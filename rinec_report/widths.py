"""How wide a table may be, checked from its header before anything is done per column.

A table of a million columns is 15 MB: well inside the size limits, yet every step a
plugin takes per column (typing it, summarising it, drawing it, exporting it) costs
time and memory for each one. Tables wider than :data:`MAX_COLUMNS` are refused with
one line that says how wide the table is. :func:`check_header` counts the columns of
a delimited file's header line without reading the rest of the file, so that such a
table is refused in the time it takes to read its first line; a plugin also passes
the header it read to :func:`check_width` (a title line above the header, or a
workbook, is only known once the table is read).
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from .model import InputError

# Measured (benchmarks/bench_wide_tables.py): a clinical or IHC table of 100,000 columns
# makes its report in under 30 s on the development machine (2 cores).
MAX_COLUMNS = 100_000
# The header line is read in pieces of this size; reading stops once the line ends or
# once it holds more delimiters than the limit allows.
_CHUNK = 1 << 20
# Names a message lists before it only counts the rest.
LISTED_NAMES = 20


def check_width(columns: int, limit: int = MAX_COLUMNS) -> None:
    """Refuse a table of more than ``limit`` columns (InputError, one line)."""
    if columns > limit:
        raise InputError(f"{columns:,} columns, over the limit of {limit:,} (tables wider than this are refused)")


def check_header(path: str | os.PathLike[str], limit: int = MAX_COLUMNS, delimiter: str | None = None) -> None:
    """Refuse a delimited text file (gzipped or not) whose header line has more than
    ``limit`` columns, reading no further than that line. The delimiter is the one
    the core's table reader would choose, unless given. Workbooks are left to
    :func:`check_width` (a sheet has at most 16,384 columns)."""
    from . import tables
    from .safeio import open_regular

    name = os.fspath(path).lower()
    if name.endswith((*tables.EXCEL_SUFFIXES, ".xls")):
        return
    with open_regular(path) as raw:
        stream: BinaryIO = gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == b"\x1f\x8b" else raw
        try:
            head = _header_line(stream, limit)
        except (OSError, EOFError, gzip.BadGzipFile):
            return  # the table reader says what is wrong with the file
    if head is None:
        return
    text = tables.decode(head)
    check_width(_cells(text, delimiter or tables._delimiter(name, text)), limit)


def _header_line(stream: BinaryIO, limit: int) -> bytes | None:
    """The first line that is neither blank nor a '#' comment, or as much of it as
    already holds more than ``limit`` delimiters of any kind."""
    for line in _lines(stream, limit):
        if line.strip() and not line.startswith(b"#"):
            return line
    return None


def _lines(stream: BinaryIO, limit: int) -> Iterator[bytes]:
    pending = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            if pending:
                yield pending
            return
        pending += chunk
        *whole, pending = re.split(rb"\r\n|\r|\n", pending)
        yield from whole
        # A line longer than the pieces read so far: enough of it to refuse.
        if max(pending.count(d) for d in (b"\t", b",", b";", b"|")) > limit:
            yield pending
            return


def _cells(line: str, delimiter: str) -> int:
    """The cells of a header line, delimiters inside quotes not counted."""
    bare = re.sub(r'"[^"]*"', "", line) if '"' in line else line
    return bare.count(delimiter) + 1


def listed(names: Iterable[object], most: int = LISTED_NAMES) -> str:
    """Column names for a message: the first ``most`` quoted, then how many more."""
    shown: list[str] = []
    rest = 0
    for name in names:
        if len(shown) < most:
            shown.append(repr(name))
        else:
            rest += 1
    return ", ".join(shown) + (f" and {rest:,} more" if rest else "")
