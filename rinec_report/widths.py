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

import os
import re
import zlib
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from .model import InputError
from .shown import shown_of

# Measured (benchmarks/bench_wide_tables.py, 2 cores): a clinical table of 50,000 columns
# makes its report in 15 s, of 100,000 in 31 s; an IHC table of 100,000 markers in 9 s.
# The slowest plugin decides, with room for a machine shared with other work.
MAX_COLUMNS = 50_000
RAISE_HINT = "raise the limit with the environment variable RINEC_MAX_COLUMNS"
# The header line is read in pieces of this size, and no further than this: a longer
# line (4 million columns at least) is counted as far as it was read.
_CHUNK = 1 << 20
_MAX_HEADER_BYTES = 64 << 20
# Names a message lists before it only counts the rest.
LISTED_NAMES = 20


def column_limit() -> int:
    """:data:`MAX_COLUMNS`, or the environment's ``RINEC_MAX_COLUMNS`` (a positive whole number)."""
    value = os.environ.get("RINEC_MAX_COLUMNS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else MAX_COLUMNS


def check_width(columns: int, limit: int | None = None, at_least: bool = False) -> None:
    """Refuse a table of more than ``limit`` columns (by default :func:`column_limit`;
    InputError, one line); ``at_least``: the table has ``columns`` or more."""
    limit = column_limit() if limit is None else limit
    if columns > limit:
        count = f"{'at least ' if at_least else ''}{columns:,}"
        raise InputError(f"{count} columns, over the limit of {limit:,} (tables wider than this are refused; "
                         f"{RAISE_HINT})")


def check_header(path: str | os.PathLike[str], limit: int | None = None, delimiter: str | None = None) -> None:
    """Refuse a delimited text file (gzipped or not) whose header line has more than
    ``limit`` columns, reading no further than that line. The delimiter is the one
    the core's table reader would choose, unless given. Workbooks are left to
    :func:`check_width` (a sheet has at most 16,384 columns)."""
    from . import tables
    from .safeio import ReadLimit, open_content

    name = os.fspath(path).lower()
    if name.endswith((*tables.EXCEL_SUFFIXES, ".xls")):
        return
    try:
        # The core's checked stream (gzip by its bytes); _header_line bounds what is read.
        with open_content(path, ReadLimit(None)) as stream:
            head = _header_line(stream)
    except (OSError, EOFError, zlib.error):
        return  # the table reader says what is wrong with the file
    if head is None:
        return
    text = tables.decode(head)
    check_width(_cells(text, delimiter or tables._delimiter(name, text)), limit,
                at_least=len(head) >= _MAX_HEADER_BYTES)


def _header_line(stream: BinaryIO) -> bytes | None:
    """The first line that is neither blank nor a '#' comment (at most
    ``_MAX_HEADER_BYTES`` of it)."""
    for line in _lines(stream):
        if line.strip() and not line.startswith(b"#"):
            return line
    return None


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    # Line breaks looked for in each new piece only (a \r\n split between two pieces
    # makes an empty line, which is skipped).
    pieces: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            if pieces:
                yield b"".join(pieces)
            return
        *whole, rest = _BREAK.split(chunk)
        if whole:
            whole[0] = b"".join([*pieces, whole[0]])
            yield from whole
            pieces, size = [], 0
        pieces.append(rest)
        size += len(rest)
        if size >= _MAX_HEADER_BYTES:
            yield b"".join(pieces)
            return


_BREAK = re.compile(rb"\r\n|\r|\n")


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
    return ", ".join(shown) + (f" ({shown_of(len(shown), len(shown) + rest)})" if rest else "")
