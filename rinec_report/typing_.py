"""One typed pass over a table: headers normalised and matched to fields, the missing
codes applied, each column typed, values read and never guessed.

:func:`read_typed` is what a plugin calls; it returns a :class:`TypedTable` whose columns
carry their field (from the synonym table), unit, type, values and missing kinds, and it
states the rows it read in the run's account. A plugin maps the columns to its own fields
and reads its own vocabularies (an event, a sex) from the columns' text; it never types a
column again.

Rules (docs/plugins/synonyms.md):
- a number is a whole cell: '59', '6.5', '6,5', '70 Gy', '1e3'. 'MRN4410021', '4O' and
  '35F' are not numbers, nor is a magnitude above 1e15 ('1e308'): such a cell is left
  missing and counted in one warning for the column;
- a value outside its field's plausible range (age 0 to 120) is left missing and counted
  in one warning;
- a column's type is the config's, else its field's, else cBioPortal's header line, else
  inferred from its cells.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import account, headers, missing, tables
from .model import InputError, InputWarning
from .shown import shown_of

TYPES = ("number", "category", "date", "text")
# A number written whole, with at most a unit word after it.
# A dose is often written with its target volume before it: 'GTV 70 Gy'.
_NUMBER = re.compile(r"^(?:[GPCI]TV\s+)?([-+]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][-+]?\d{1,3})?)\s*(%|[A-Za-z]{1,9})?$",
                     re.IGNORECASE)
_UNIT_WORDS = {*headers.TIME_UNITS, *headers.OTHER_UNITS, "yo", "y/o", "g", "l"}
# Beyond this a number is not a measurement but an overflowing cell or an id.
MAX_MAGNITUDE = 1e15
# A column is numeric when nearly every given cell is a number: the few others are
# typing slips, warned about and left missing.
NUMERIC_SHARE = 0.9
# Few distinct values, or values repeating: a category; else free text.
MAX_CATEGORIES = 12


def parse_number(text: str) -> float:
    """A cell that is a number, optionally with a unit: '59', '6,5', '70 Gy'. Raises
    ValueError for anything else, rather than pulling digits out of a text."""
    match = _NUMBER.match(str(text).strip())
    if not match or (match.group(2) and match.group(2).lower() not in _UNIT_WORDS):
        raise ValueError(f"{text!r} is not a number")
    value = float(match.group(1).replace(",", "."))
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise ValueError(f"{text!r} is not a plausible number")
    return value


def _is_number(text: str) -> bool:
    try:
        parse_number(text)
    except ValueError:
        return False
    return True


def column_type(cells: list[str], extra: frozenset[str] = frozenset()) -> str:
    """number, date, category or text, from the given (non-missing) cells."""
    from collections import Counter

    # Each distinct cell judged once: a column repeats a handful of values.
    counts = Counter(cells)
    given = {c: n for c, n in counts.items() if missing.missing_kind(c, extra) is None}
    total = sum(given.values())
    if not total:
        return "text"
    numbers = sum(n for c, n in given.items() if _is_number(c))
    if numbers >= NUMERIC_SHARE * total and numbers >= 1:
        # A 0/1 (or 1/2) indicator is a category: counts say more than a median of 0.
        return "category" if len(given) <= 2 else "number"
    dates = 0
    for cell, n in given.items():
        try:
            tables.parse_date(cell, "DD/MM/YYYY")
            dates += n
        except ValueError:
            pass
    # Bare years alone read as numbers above; a date column has some full dates.
    if dates == total:
        return "date"
    distinct = len(given)
    if distinct <= MAX_CATEGORIES and (distinct < total or total <= MAX_CATEGORIES):
        long_text = max(len(c) for c in given) > 40
        if not long_text or distinct < total:
            return "category"
    return "category" if distinct < total / 2 else "text"


@dataclass
class TypedColumn:
    """One column: its header (as written, key, unit), the field it was recognised as
    (None: not in the synonym table), its type, and per row its text (missing codes as
    ''), value (None when missing) and missing kind (None when it holds a value)."""

    header: headers.Header
    field: str | None
    unit: str | None
    type: str
    cells: list[str]
    values: list[Any]
    kinds: list[str | None]
    range: tuple[float, float] | None = None

    @property
    def name(self) -> str:
        return self.header.written


@dataclass
class TypedTable:
    """A table read in one pass: its typed columns in file order and each row's number
    (as a spreadsheet shows it); ``labels`` are cBioPortal's display names by header."""

    columns: list[TypedColumn]
    lines: list[int]
    labels: dict[str, str] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)

    def field(self, name: str) -> TypedColumn | None:
        return next((c for c in self.columns if c.field == name), None)

    def __len__(self) -> int:
        return len(self.lines)


def cbioportal_header(table: tables.TextTable) -> tuple[dict[str, str], dict[str, str]]:
    """Display names and datatypes from cBioPortal's first '#' lines (names,
    descriptions, datatypes, priorities), by header; empty for other files."""
    comments = table.comments
    if len(comments) < 3:
        return {}, {}
    rows = [c.split("\t") for c in comments[:3]]
    if not all(len(r) == len(table.header) for r in rows):
        return {}, {}
    names = dict(zip(table.header, (n.strip() for n in rows[0]), strict=True))
    kinds = {"NUMBER": "number", "STRING": "category", "BOOLEAN": "category"}
    types = {h: kinds[t.strip().upper()] for h, t in zip(table.header, rows[2], strict=True)
             if t.strip().upper() in kinds}
    return names, types


def read_typed(
    path: str | Path,
    *,
    sheet: str | None = None,
    synonyms: Mapping[str, Any] | None = None,
    missing_values: list[Any] | None = None,
    types: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
    date_format: str = "auto",
    table: tables.TextTable | None = None,
) -> TypedTable:
    """Read, normalise, apply the missing codes and type every column, in one pass.

    ``types`` maps a field or a header key to number/category/date/text (the plugin's
    own fields and the config's ``types:``); it wins over the synonym table's type and
    over inference. ``fields`` maps a header as written to the field the plugin reads it
    as (its config's ``columns:``), over the synonym table's. Raises InputError for an
    unreadable table or ambiguous dates."""
    table = table if table is not None else tables.read_table(path, sheet)
    table_synonyms = headers.synonyms(synonyms)
    extra = missing.extra_codes(missing_values)
    labels, cbio_types = cbioportal_header(table)
    wanted = {headers.normalise(k): v for k, v in (types or {}).items()}
    columns: list[TypedColumn] = []
    # Rows as wide as the header (read_table pads them): the columns in one transposition.
    even = {len(row) for row in table.rows} <= {len(table.header)}
    by_column = list(zip(*table.rows, strict=True)) if table.rows and even else None
    for i, written in enumerate(table.header):
        cells = list(by_column[i]) if by_column is not None else [row[i] for row in table.rows]
        match = table_synonyms.match(written)
        header = headers.parse_header(written)
        spec = table_synonyms.fields.get(match.field) if match else None
        if fields and written in fields:
            own = fields[written]
            spec = table_synonyms.fields.get(own) or spec
            match = headers.Match(own, match.unit if match else header.unit, header)
        kind = (wanted.get(match.field) if match else None) or wanted.get(header.key) \
            or (spec.type if spec else None) or ("text" if match else None) or cbio_types.get(written) \
            or column_type(cells, extra)
        if kind not in TYPES:
            raise InputError(f"types: {written!r}: {kind!r} is not number, category, date or text")
        column = _typed_column(header, match, kind, cells, table.lines, extra, date_format,
                               spec.range if spec else None)
        columns.append(column)
    account.rows(read=len(table.rows))
    return TypedTable(columns, list(table.lines), labels, list(table.comments))


def _typed_column(
    header: headers.Header, match: headers.Match | None, kind: str, cells: list[str], lines: list[int],
    extra: frozenset[str], date_format: str, bounds: tuple[float, float] | None,
) -> TypedColumn:
    # Each distinct cell looked up once.
    memo = missing.kinds_of(cells, extra)
    if any(k is not None for k in memo.values()):
        kinds: list[str | None] = [memo[c] for c in cells]
        given = [c if k is None else "" for c, k in zip(cells, kinds, strict=True)]
    else:  # nothing missing in the column (its ids, often)
        kinds = [None] * len(cells)
        given = list(cells)
    values: list[Any] = list(given)
    if kind == "date":
        try:
            # The order is a set of what the cells say: each distinct cell asked once.
            date_format = tables.column_date_format(list(dict.fromkeys(c for c in given if c)), date_format)
        except ValueError as err:
            raise InputError(f"column {header.written!r}: {err}; set date_format") from None
    if kind in ("number", "date"):
        read = parse_number if kind == "number" else (lambda c: tables.parse_date(c, date_format, serials=True))
        # A missing cell is '' in ``given`` and only a missing cell is ('' is a shipped code).
        seen: dict[str, Any] = {"": None}
        failed = False
        for cell in dict.fromkeys(given):
            if cell:
                try:
                    seen[cell] = read(cell)
                except tables.AmbiguousDate:
                    seen[cell], failed = tables.AmbiguousDate, True
                except ValueError as err:
                    seen[cell], failed = err, True
        values = [seen[c] for c in given]
        if failed:
            bad: list[tuple[int, str, str]] = []
            ambiguous: list[tuple[int, str]] = []
            for r, got in enumerate(values):
                if got is tables.AmbiguousDate:
                    ambiguous.append((lines[r], given[r]))
                elif isinstance(got, ValueError):
                    bad.append((lines[r], given[r], str(got)))
                else:
                    continue
                values[r] = None
                kinds[r] = missing.UNKNOWN
            if ambiguous:
                line, cell = ambiguous[0]
                raise InputError(
                    f"row {line}, column {header.written!r}: {cell!r} may be day/month or month/day "
                    f"({len(ambiguous)} such date(s) in the column); set date_format: DD/MM/YYYY or MM/DD/YYYY")
            if bad:
                tables.warn_bad_cells(header.written, bad, kind)
        if kind == "number" and bounds is not None:
            _check_range(header.written, values, kinds, cells, lines, bounds)
    else:
        values = [c if k is None else None for c, k in zip(given, kinds, strict=True)]
    return TypedColumn(header, match.field if match else None, match.unit if match else header.unit, kind,
                       given, values, kinds, bounds)


def _check_range(name: str, values: list[Any], kinds: list[str | None], cells: list[str], lines: list[int],
                 bounds: tuple[float, float]) -> None:
    low, high = bounds
    out = [r for r, v in enumerate(values) if v is not None and not low <= v <= high]
    if not out:
        return
    for r in out:
        values[r] = None
        kinds[r] = missing.UNKNOWN
    quoted = "; ".join(f"row {lines[r]}: {cells[r]!r}" for r in out[:tables.QUOTED_CELLS])
    more = f"; {shown_of(tables.QUOTED_CELLS, len(out))}" if len(out) > tables.QUOTED_CELLS else ""
    warnings.warn(
        f"column {name!r}: {len(out)} value(s) outside the plausible range {low:g} to {high:g} are left "
        f"missing ({quoted}{more})",
        InputWarning,
        stacklevel=3,
    )


def options() -> list[Any]:
    """The options every plugin that reads tables declares (under its own name in the
    config: ``cohort: synonyms:``, ``survival: missing_values:``). Both steer how cells
    and headers are read, never a path or the network: scope "run"."""
    from .options import Option

    return [
        Option("synonyms", "dict", {},
               "More header spellings, by field: `{os_time: [survie], patient_id: [dossier]}` (the shipped "
               "table: docs/plugins/synonyms.md).", scope="run"),
        Option("missing_values", "list[str]", [],
               "More cell values read as missing, beside the shipped codes (`.`, `NA`, `[Not Available]`...: "
               "docs/plugins/synonyms.md).", scope="run"),
    ]


def state_columns(table: TypedTable, uses: Mapping[str, tuple[str, str | None]]) -> None:
    """State every column's use in the account: ``uses`` maps a header as written to
    (role, field or reason); a column it does not name is an ``extra``."""
    for column in table.columns:
        role, detail = uses.get(column.name, ("extra", None))
        if role == "field":
            account.column(column.name, "field", as_field=detail)
        elif role == "ignored":
            account.column(column.name, "ignored", reason=detail or "not used")
        else:
            account.column(column.name, "extra")
