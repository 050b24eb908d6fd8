"""The type of a column the plugin does not know (number, category, date or free
text), inferred from its cells unless cBioPortal's header or the config says, and
its cells converted accordingly.

Every column is kept: an age column under another name is a number and Table 1
gives its median, not a count of each value.
"""

from __future__ import annotations

import re
from typing import Any

from rinec_report import InputError, tables

from . import values as V

TYPES = ("number", "category", "date", "text")
# A number column: every given cell a plain number (a unit after it is allowed).
_PLAIN_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?(?:\s*[a-zA-Z%]{0,5})?$")
# A column is numeric when nearly every given cell is a number: the few others are
# typing slips, warned about and left missing.
NUMERIC_SHARE = 0.9
# Few distinct values, or values repeating: a category; else free text.
MAX_CATEGORIES = 12


def column_type(cells: list[str]) -> str:
    """number, date, category or text, from the given (non-missing) cells."""
    given = [c for c in cells if tables.missing_kind(c) is None]
    if not given:
        return "text"
    numbers = sum(1 for c in given if _PLAIN_NUMBER.match(c))
    if numbers >= NUMERIC_SHARE * len(given) and numbers >= 1:
        # A 0/1 (or 1/2) indicator is a category: counts say more than a median of 0.
        return "category" if len(set(given)) <= 2 else "number"
    dates = 0
    for cell in given:
        try:
            tables.parse_date(cell, "DD/MM/YYYY")
            dates += 1
        except ValueError:
            pass
    # Bare years alone read as numbers above; a date column has some full dates.
    if dates == len(given):
        return "date"
    distinct = len(set(given))
    if distinct <= MAX_CATEGORIES and (distinct < len(given) or len(given) <= MAX_CATEGORIES):
        long_text = max(len(c) for c in given) > 40
        if not long_text or distinct < len(given):
            return "category"
    return "category" if distinct < len(given) / 2 else "text"


def convert_extra(
    kind: str, header: str, cells: list[str], lines: list[int], date_format: str
) -> list[tuple[Any, str]]:
    """(value, missing kind) per cell; a cell that does not fit the type is missing,
    with one warning for the column."""
    if kind == "date":
        try:
            date_format = tables.column_date_format(cells, date_format)
        except ValueError:
            date_format = "auto"
    out: list[tuple[Any, str]] = []
    bad: list[tuple[int, str, str]] = []
    for cell, line in zip(cells, lines, strict=True):
        missing = tables.missing_kind(cell)
        if missing is not None:
            out.append((None, missing))
            continue
        try:
            if kind == "number":
                value: Any = V.parse_number(cell) if _PLAIN_NUMBER.match(cell) else _fail(cell, "a number")
            elif kind == "date":
                value = V.parse_date(cell, date_format)
            else:
                value = cell
            out.append((value, V.VALUE))
        except tables.AmbiguousDate:
            raise InputError(
                f"row {line}, column {header!r}: {cell!r} may be day/month or month/day; set cohort: "
                "date_format: DD/MM/YYYY or MM/DD/YYYY"
            ) from None
        except ValueError as err:
            bad.append((line, cell, str(err)))
            out.append((None, V.UNKNOWN))
    if bad:
        tables.warn_bad_cells(header, bad, {"number": "number", "date": "date"}.get(kind, "value"))
    return out


def _fail(cell: str, what: str) -> Any:
    raise ValueError(f"{cell!r} is not {what}")
