"""One tolerant reader for the tables people keep: CSV, TSV, TXT (cBioPortal files
included) and Excel workbooks, and the cell vocabulary clinical tables share.

Every plugin that reads a table (cohort, survival, IHC, third-party ones) uses
:func:`read_table`: the same quoting, encodings, comment lines, merged cells and row
numbers everywhere, so that a file read by one plugin is read the same way by another.
Cells come back as stripped text ('' when empty); the row number of every row is the
one a spreadsheet or a text editor shows, for messages a user can act on.

Cell-level tolerance: :func:`convert_column` reads one column with a parser and turns a
cell that cannot be read into a missing value, with one warning per column that counts
the bad cells and quotes the first few with their rows, so that one odd cell costs that
cell and not the file.

Runs in worker processes (through a plugin's ``rinec_parse``): warnings are issued with
:mod:`warnings` and collected by the core; errors are :class:`InputError`.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import itertools
import math
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import collector, missing
from .model import InputError, InputWarning
from .shown import shown_of

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
# How many bad cells a warning quotes before it only counts.
QUOTED_CELLS = 3


@dataclass
class TextTable:
    """A table as text. ``rows`` are as wide as ``header``; ``lines[i]`` is the
    row number of ``rows[i]`` in the file; ``comments`` are the '#' lines before
    the header without their '#' (cBioPortal's labels, descriptions and types)."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    header_line: int = 1
    comments: list[str] = field(default_factory=list)
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)

    def column(self, name: str) -> list[str]:
        i = self.header.index(name)
        return [row[i] for row in self.rows]

    def frame(self) -> Any:
        """The table as a pandas DataFrame of strings, indexed by row number."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.header, index=self.lines, dtype=object)


def read_table(path: str | Path, sheet: str | None = None) -> TextTable:
    """Read a delimited text file (optionally gzipped) or an Excel sheet as text.

    Raises :class:`InputError` for an empty file, a missing sheet, or duplicate
    column names; warns about ragged rows, merged cells and formulas without a value.
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith(".xls"):
        raise InputError("old Excel .xls files cannot be read: save the sheet as .xlsx or .csv")
    with collector.paused():
        if name.endswith(EXCEL_SUFFIXES):
            grid, numbers, sheet_name, notes = _excel_grid(path, sheet)
            comments: list[str] = []
        else:
            text = decode(_read_bytes(path))
            grid, numbers, comments = _text_grid(text, _delimiter(name, text))
            sheet_name, notes = None, []
        return _as_table(grid, numbers, comments, sheet_name, notes)


# ------------------------------------------------------------------ text files


def _read_bytes(path: Path) -> bytes:
    # The checked, bounded read: gzip and BGZF content is decompressed as a stream
    # (gzip.decompress would copy the rest of the input once per bgzip member) and
    # counts against the file's size limit after decompression, not before.
    from .safeio import read_content

    return read_content(path)


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as Excel writes on Windows.

    Latin-1 would read cp1252's ellipsis (0x85) as NEL, a line break for
    str.splitlines, and its en dash (0x96) as a control character."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        # The five bytes cp1252 leaves undefined: keep them rather than fail.
        return raw.decode("cp1252", errors="replace")


_CANDIDATES = ("\t", ",", ";", "|")


def _delimiter(name: str, text: str) -> str:
    """The delimiter from the first non-comment line; the suffix breaks ties.

    A '.csv' saved by a European Excel uses ';'; a '.txt' may be anything."""
    head = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
    # Quoted cells may hold commas: count outside quotes only.
    bare = re.sub(r'"[^"]*"', "", head)
    counts = {d: bare.count(d) for d in _CANDIDATES}
    base = name[:-3] if name.endswith(".gz") else name
    preferred = "," if base.endswith(".csv") else "\t"
    best = max(_CANDIDATES, key=lambda d: (counts[d], d == preferred))
    return best if counts[best] > 0 else preferred


def _text_grid(text: str, delimiter: str) -> tuple[list[list[str]], list[int], list[str]]:
    """Rows by RFC 4180 (a quoted cell may hold the delimiter, quotes and line
    breaks), each with the line number it starts on; '#' lines outside quotes
    are comments."""
    if '"' not in text:
        return _plain_grid(text, delimiter)
    physical: list[int] = []  # line number of every line handed to the csv reader
    comments: list[str] = []
    seen_data = [False]

    def lines() -> Iterator[str]:
        in_quotes = False
        # io.StringIO(newline="") splits on \n, \r and \r\n only, never on the
        # Unicode line separators that str.splitlines() breaks cells at.
        for number, line in enumerate(io.StringIO(text, newline=""), start=1):
            if not in_quotes and line.startswith("#"):
                if not seen_data[0]:
                    comments.append(line.rstrip("\r\n")[1:])
                continue
            if line.strip():
                seen_data[0] = True
            if line.count('"') % 2:
                in_quotes = not in_quotes
            physical.append(number)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter)
    grid: list[list[str]] = []
    numbers: list[int] = []
    consumed = 0
    for row in reader:
        start = physical[consumed] if consumed < len(physical) else len(physical)
        consumed = reader.line_num
        if any(cell.strip() for cell in row):
            grid.append([cell.strip() for cell in row])
            numbers.append(start)
    return grid, numbers, comments


def _plain_grid(text: str, delimiter: str) -> tuple[list[list[str]], list[int], list[str]]:
    """:func:`_text_grid` for a text without quotes, where every line is one row:
    the same rows, numbers and comments, split a line at a time by ``str.split``
    rather than the csv module (a million-row table reads in a fraction of the time)."""
    # The line breaks io.StringIO(newline="") knows; a final break ends no extra row.
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n") if "\r" not in body else _LINE_BREAK.split(body)
    rows = [line.split(delimiter) for line in lines]
    d = re.escape(delimiter)
    # Whitespace at the edge of a cell is rare: looked for in the whole text, by patterns
    # that each start with a character class (an alternation there is tried at every
    # position, twice as slow).
    space = rf"[^\S\r\n{d}]"
    edged = (re.match(space, text) or re.search(rf"{space}(?:[{d}\r\n]|\Z)", text)
             or re.search(rf"[{d}\r\n]{space}", text))
    if edged:
        rows = [[cell.strip() for cell in row] for row in rows]
    if not text.startswith("#") and "\n#" not in text and "\r#" not in text:
        filled = list(map(any, rows))
        if False not in filled:  # no empty row: every line is a row
            return rows, list(range(1, len(rows) + 1)), []
        return list(itertools.compress(rows, filled)), list(itertools.compress(range(1, len(rows) + 1), filled)), []
    comments: list[str] = []
    grid: list[list[str]] = []
    numbers: list[int] = []
    seen_data = False
    for number, (line, cells) in enumerate(zip(lines, rows, strict=True), start=1):
        if line.startswith("#"):
            if not seen_data:
                comments.append(line[1:])
            continue
        if any(cells):
            grid.append(cells)
            numbers.append(number)
        seen_data = seen_data or bool(line.strip())
    return grid, numbers, comments


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


# ------------------------------------------------------------------ Excel


def _excel_grid(path: Path, sheet: str | None) -> tuple[list[list[str]], list[int], str, list[str]]:
    """The sheet's rows as text, streamed by the cells it stores (openpyxl's full load
    expands merged ranges and pads rows to the declared dimension, and holds every cell
    as an object: gigabytes for a small hostile file). Merged ranges come from the byte
    scan that checked the workbook first, and are filled from their top-left cell."""
    from .xlsx import check_workbook, read_sheet, sheet_names

    scanned = check_workbook(path)  # a zip that is not a workbook, or over any bound
    chosen = _choose_sheet(path, sheet_names(path), sheet)
    values = {}
    for number, row in zip(chosen.row_numbers, zip(chosen.rows, chosen.formats, strict=True), strict=True):
        for column, value, fmt in zip(chosen.columns, *row, strict=True):
            if value is not None:
                values[(number, column)] = _excel_text(value, fmt)
    notes, used_rows, used_columns = _fill_merged(scanned.merged.get(chosen.name, []), values)
    empty_formulas: set[tuple[int, int]] = set()
    if chosen.name in scanned.formulas:  # a second pass only when the sheet stores a formula
        formulas = read_sheet(path, chosen.name, data_only=False, checked=True)
        for number, row in zip(formulas.row_numbers, formulas.rows, strict=True):
            for column, value in zip(formulas.columns, row, strict=True):
                if isinstance(value, str) and value.startswith("=") and not values.get((number, column)):
                    empty_formulas.add((number, column))
    columns = sorted(set(chosen.columns) | used_columns)
    grid: list[list[str]] = []
    numbers: list[int] = []
    for number in sorted(set(chosen.row_numbers) | used_rows):
        cells = [values.get((number, c), "") for c in columns]
        if any(cells):
            grid.append(cells)
            numbers.append(number)
    if notes:
        warnings.warn(
            f"sheet {chosen.name!r}: merged cells filled into every row they span: {', '.join(notes[:5])}"
            + (f" ({shown_of(5, len(notes))})" if len(notes) > 5 else ""),
            InputWarning,
            stacklevel=3,
        )
    if empty_formulas:
        from openpyxl.utils.cell import get_column_letter

        where = [f"{get_column_letter(c)}{r}" for r, c in sorted(empty_formulas)]
        warnings.warn(
            f"sheet {chosen.name!r}: {len(where)} formula cell(s) have no saved value and are read as "
            f"empty ({', '.join(where[:5])}); open and save the file in Excel or LibreOffice",
            InputWarning,
            stacklevel=3,
        )
    return grid, numbers, chosen.name, [f"merged: {n}" for n in notes]


def _fill_merged(refs: list[str], values: dict[tuple[int, int], str]) -> tuple[list[str], set[int], set[int]]:
    """Fill every cell of each merged range with its top-left cell's text (as Excel
    shows it). Returns the notes for ranges that span rows, and the rows and columns
    the ranges cover (kept even where empty, as a spreadsheet shows them). The scan
    already bounded the ranges' cells."""
    from openpyxl.utils.cell import range_boundaries

    notes: list[str] = []
    rows: set[int] = set()
    columns: set[int] = set()
    for ref in refs:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        if None in (min_col, min_row, max_col, max_row):
            continue
        top = values.get((min_row, min_col), "")
        if max_row > min_row:
            notes.append(f"{ref} ({top!r})")
        rows.update(range(min_row, max_row + 1))
        columns.update(range(min_col, max_col + 1))
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                values[(r, c)] = top
    return notes, rows, columns


def _choose_sheet(path: Path, names: list[str], sheet: str | None) -> Any:
    from .xlsx import read_sheet

    if sheet is not None:
        if sheet not in names:
            folded = {n.casefold().strip(): n for n in names}
            if sheet.casefold().strip() not in folded:
                raise InputError(f"no sheet {sheet!r}; sheets: {', '.join(names)}")
            sheet = folded[sheet.casefold().strip()]
        return read_sheet(path, sheet, number_formats=True, checked=True)
    read = [read_sheet(path, name, number_formats=True, checked=True) for name in names]
    filled = [s for s in read if s.rows]
    if len(filled) > 1:
        warnings.warn(
            f"{len(filled)} sheets hold data ({', '.join(repr(s.name) for s in filled)}); read "
            f"{filled[0].name!r}: name another with the plugin's sheet option",
            InputWarning,
            stacklevel=4,
        )
    if filled:
        return filled[0]
    if not read:
        raise InputError("the workbook has no sheet")
    return read[0]


def _excel_text(value: Any, number_format: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        # Clinical dates are days: a time of day typed into Excel is noise.
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, int | float):
        if "%" in (number_format or ""):
            # A cell formatted as a percentage stores 0.6 for 60%.
            return f"{value * 100:g}%"
        return number_text(float(value))
    return str(value).strip()


def number_text(value: float) -> str:
    if math.isnan(value):
        return ""
    return str(int(value)) if value.is_integer() else repr(value)


# ------------------------------------------------------------------ shaping


def _as_table(
    grid: list[list[str]], numbers: list[int], comments: list[str], sheet: str | None, notes: list[str]
) -> TextTable:
    if not grid:
        raise InputError("the table is empty")
    start = _header_row(grid)
    header_cells, header_line = grid[start], numbers[start]
    body, lines = grid[start + 1 :], numbers[start + 1 :]
    named = len(header_cells)
    lengths = set(map(len, body))  # one pass: a million rows are usually all one width
    width = max(named, *lengths) if body else named
    header = [h.strip() for h in header_cells] + [""] * (width - named)
    rows = body if lengths <= {width} else [row + [""] * (width - len(row)) for row in body]
    # Unnamed columns: dropped when empty (spreadsheets carry them at the right).
    keep = [i for i, h in enumerate(header) if h or any(row[i] for row in rows)]
    ragged = ([line for row, line in zip(body, lines, strict=True) if len(row) > named and any(row[named:])]
              if width > named else [])
    header = [header[i] or f"column {i + 1}" for i in keep]
    if len(keep) < width:
        rows = [[row[i] for i in keep] for row in rows]
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        key = name.casefold()
        if key in seen:
            raise InputError(f"row {header_line}: column {name!r} appears twice (columns {seen[key] + 1} and {i + 1})")
        seen[key] = i
    if ragged:
        warnings.warn(
            f"{len(ragged)} row(s) have more cells than the header (row {', '.join(map(str, ragged[:5]))}); "
            "the extra cells are read as unnamed columns",
            InputWarning,
            stacklevel=3,
        )
    return TextTable(header, rows, lines, header_line, comments, sheet, notes)


def _header_row(grid: list[list[str]]) -> int:
    """The first row that looks like a header: a published supplement puts a title
    (one cell) and notes above it. Within the first rows, the first row with at
    least half as many filled cells as the widest row, not all the same."""
    widest = max(sum(1 for c in row if c) for row in grid[:30])
    for i, row in enumerate(grid[:30]):
        filled = [c for c in row if c]
        # A title merged across the columns reads as one value repeated.
        if len(filled) >= max(2, widest / 2) and len(set(filled)) > 1:
            return i
    return 0


# ------------------------------------------------------------------ cell vocabulary

# The one list of missing codes lives in rinec_report.missing (data/missing_values.yaml);
# these names stay for the readers that import them from here.
UNKNOWN = missing.UNKNOWN
NOT_PERFORMED = missing.NOT_PERFORMED
NOT_APPLICABLE = missing.NOT_APPLICABLE
NO_DETAILS = missing.NO_DETAILS


def missing_kind(text: str, extra: frozenset[str] = frozenset()) -> str | None:
    """The kind of missing value a cell holds, or None when it holds a value.

    Kinds stay apart: "not performed" ('-') is not "unknown" (blank, NA, '.',
    cBioPortal's [Not Available]), nor "not applicable", nor "no details" ('*':
    performed, details not recorded)."""
    return missing.missing_kind(text, extra)


def is_missing(value: Any, extra: frozenset[str] = frozenset()) -> bool:
    return missing.is_missing(value, extra)


_EVENT_WORDS = {
    1: {
        "1", "yes", "y", "true", "dead", "died", "death", "deceased", "event", "progressed",
        "progression", "progressive", "relapse", "relapsed", "recurrence", "recurred",
        "recurred/progressed", "dead of disease", "dead with tumor", "metastasis",
    },
    0: {
        "0", "no", "n", "false", "alive", "living", "censored", "censor", "no event",
        "diseasefree", "disease free", "disease-free", "progression-free", "progression free",
        "no progression", "stable", "nad", "ned", "alive or dead tumor free", "tumor free",
        "free", "none",
    },
}


def parse_event(text: str) -> int:
    """1 for an event (death, progression, recurrence), 0 for censored.

    Reads 1/0, yes/no, Dead/Alive, Censored, Progressed, and cBioPortal's coded
    values ``1:DECEASED``, ``0:LIVING``, ``1:Recurred/Progressed``, ``0:DiseaseFree``.
    Raises ValueError."""
    low = " ".join(str(text).split()).lower()
    code = re.match(r"^([01])\s*:", low)
    if code:
        return int(code.group(1))
    if re.fullmatch(r"[01](\.0+)?", low):
        return int(float(low))
    for event, words in _EVENT_WORDS.items():
        if low in words:
            return event
    words_in = re.findall(r"[a-z]+", low)
    if {"no", "free", "without"} & set(words_in):
        return 0
    hits = {e for e, words in _EVENT_WORDS.items() for w in words_in if w in words}
    if len(hits) == 1:
        return hits.pop()
    raise ValueError(f"{text!r} is not an event (write 1/0, Dead/Alive, Censored, yes/no)")


# ------------------------------------------------------------------ dates

DATE_FORMATS = ("auto", "DD/MM/YYYY", "MM/DD/YYYY")
_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[ T]\d{1,2}:\d\d(?::\d\d(?:\.\d+)?)?)?$")
_SLASHED = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T]\d{1,2}:\d\d(?::\d\d)?)?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_name) if m
} | {"sept": 9}
_NAMED = re.compile(r"^(?:(\d{1,2})[\s\-./]+)?([a-z]+)\.?[\s\-./,]+(?:(\d{1,2}),?\s+)?(\d{4})$")
# Excel's day 1 is 1900-01-01 and it counts a 29 February 1900 that never was.
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class AmbiguousDate(ValueError):
    """A DD/MM/YYYY or MM/DD/YYYY date whose parts are both 12 or less."""


def parse_date(text: str, date_format: str = "auto", serials: bool = False) -> str:
    """A date as people write it, as ISO text at the precision given: '2008',
    '2019-05' or '2018-09-20'.

    Reads ISO and partial ISO (also with '/' or '.'), DD/MM/YYYY or MM/DD/YYYY
    (``date_format`` decides; in "auto" a day above 12 decides and otherwise
    :class:`AmbiguousDate` is raised), MM/YYYY, month names ('Sep 2018',
    '20 September 2018', 'Sep 20, 2018'), and with ``serials`` Excel's day
    numbers. Raises ValueError."""
    raw = str(text).strip()
    low = raw.lower()
    match = _ISO.match(raw)
    if match:
        year, month, day = match.groups()
        return _iso(raw, int(year), month and int(month), day and int(day))
    match = _SLASHED.match(raw)
    if match:
        a, b, year = (int(g) for g in match.groups())
        if date_format == "DD/MM/YYYY":
            day, month = a, b
        elif date_format == "MM/DD/YYYY":
            month, day = a, b
        elif a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            month, day = a, b
        elif a == b:
            day = month = a
        else:
            raise AmbiguousDate(f"{raw!r} may be day/month or month/day")
        return _iso(raw, year, month, day)
    match = _MONTH_YEAR.match(raw)
    if match:
        return _iso(raw, int(match.group(2)), int(match.group(1)), None)
    match = _NAMED.match(low)
    if match and match.group(2) in _MONTHS and not (match.group(1) and match.group(3)):
        day = match.group(1) or match.group(3)
        return _iso(raw, int(match.group(4)), _MONTHS[match.group(2)], day and int(day))
    if serials and re.fullmatch(r"\d{5}(\.0+)?", raw):
        return (_EXCEL_EPOCH + dt.timedelta(days=int(float(raw)))).isoformat()
    raise ValueError(f"{raw!r} is not a date (write YYYY-MM-DD, YYYY-MM or YYYY)")


def _iso(raw: str, year: int, month: int | None, day: int | None) -> str:
    if not 1800 <= year <= 2200:
        raise ValueError(f"{raw!r} is not a plausible year")
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        raise ValueError(f"{raw!r} has no month {month}")
    if day is None:
        return f"{year:04d}-{month:02d}"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"{raw!r} is not a day of the calendar")
    return f"{year:04d}-{month:02d}-{day:02d}"


def column_date_format(cells: list[str], date_format: str = "auto") -> str:
    """The day/month order of a column's slashed dates: the option when set, else
    what its unambiguous cells say. Raises ValueError when the cells disagree."""
    if date_format != "auto":
        return date_format
    orders = set()
    for cell in cells:
        match = _SLASHED.match(str(cell).strip())
        if match:
            a, b = int(match.group(1)), int(match.group(2))
            if a > 12 >= b:
                orders.add("DD/MM/YYYY")
            elif b > 12 >= a:
                orders.add("MM/DD/YYYY")
    if len(orders) > 1:
        raise ValueError("the column mixes DD/MM/YYYY and MM/DD/YYYY dates")
    return orders.pop() if orders else "auto"


# ------------------------------------------------------------------ columns


def convert_column(
    cells: list[str],
    lines: list[int],
    parse: Callable[[str], Any],
    column: str,
    what: str = "value",
) -> tuple[list[Any], list[tuple[int, str, str]]]:
    """``parse`` applied to every cell; a cell it rejects (ValueError) becomes None.

    Returns the values and the bad cells (row, cell, reason), and warns once for the
    column: how many cells were left missing and the first few with their rows."""
    values: list[Any] = []
    bad: list[tuple[int, str, str]] = []
    # Parsers are pure: a value repeated down the column (a date, a stage) is read once.
    seen: dict[str, tuple[Any, str | None]] = {}
    for cell, line in zip(cells, lines, strict=True):
        known = seen.get(cell)
        if known is None:
            try:
                known = (parse(cell), None)
            except ValueError as err:
                known = (None, str(err))
            seen[cell] = known
        values.append(known[0])
        if known[1] is not None:
            bad.append((line, cell, known[1]))
    if bad:
        warn_bad_cells(column, bad, what)
    return values, bad


def warn_bad_cells(column: str, bad: list[tuple[int, str, str]], what: str = "value") -> None:
    quoted = "; ".join(f"row {line}: {cell!r}" for line, cell, _ in bad[:QUOTED_CELLS])
    more = f"; {shown_of(QUOTED_CELLS, len(bad))}" if len(bad) > QUOTED_CELLS else ""
    reason = bad[0][2]
    warnings.warn(
        f"column {column!r}: {len(bad)} cell(s) could not be read as a {what} and are left "
        f"missing ({quoted}{more}; {reason})",
        InputWarning,
        stacklevel=3,
    )
