"""Overall survival from dates: a start date, a date of death and a last follow-up date.

The rule is the core's (rinec_report.survival_dates: the cohort's clinical tables use
it too, so that both agree): the dead at death - start (the event), the others censored
at last follow-up - start, a death wins over a later follow-up (counted and warned), no
start / no end / an end before the start left out with its reason, and here also a date
written but not readable (an unreadable death must not turn into a censoring). Partial
dates are taken at the middle of their month or year. The headers of the three dates
are the shared synonym table's (rinec_report/data/synonyms.yaml).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rinec_report import InputError, tables
from rinec_report.survival_dates import (
    BAD_DATE,
    CONFLICT,
    END_BEFORE_START,
    NO_END,
    NO_START,
    DatedTime,
    date_spellings,
    dated_os,
    day_of,
)

# Normalised headers (parse.normalize_name) of the three dates, first found wins.
START_COLUMNS, DEATH_COLUMNS, FOLLOWUP_COLUMNS = date_spellings()
# Keys of the ``columns`` option that name them.
DATE_KEYS = ("start_date", "death_date", "last_followup_date")

__all__ = ["BAD_DATE", "CONFLICT", "DATE_KEYS", "DEATH_COLUMNS", "END_BEFORE_START", "FOLLOWUP_COLUMNS", "NO_END",
           "NO_START", "START_COLUMNS", "DatedColumns", "DatedTime", "dated_os", "day_of", "describe",
           "find_date_columns", "os_of_columns"]


@dataclass
class DatedColumns:
    """OS of every row of a table from its date columns."""

    days: list[float | None]
    events: list[int | None]
    reasons: list[str | None]
    conflicts: int = 0
    approximate: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # DATE_KEYS -> header used


def find_date_columns(columns: Iterable[str], mapping: dict[str, str]) -> dict[str, str] | None:
    """The start, death and last follow-up columns among normalised headers (the
    ``columns`` option may name each), or ``None`` without a start and an end."""
    present = list(columns)
    found: dict[str, str] = {}
    for key, names in zip(DATE_KEYS, (START_COLUMNS, DEATH_COLUMNS, FOLLOWUP_COLUMNS), strict=True):
        name = mapping.get(key) or next((n for n in names if n in present), None)
        if name:
            found[key] = name
    if "start_date" not in found or not ({"death_date", "last_followup_date"} & set(found)):
        return None
    return found


def os_of_columns(frame: Any, columns: dict[str, str], lines: list[int], date_format: str = "auto",
                  shown: dict[str, str] | None = None) -> DatedColumns:
    """OS per row of ``frame`` (text cells) from the date columns ``columns``; an
    unreadable date is warned once per column (tables.convert_column) and missing.
    Raises InputError when the dates mix day/month and month/day orders. ``shown``:
    the headers as the file writes them, for the messages."""
    shown = shown or {}
    cells = {key: ["" if tables.is_missing(v) else str(v).strip() for v in frame[name]]
             for key, name in columns.items()}
    try:
        # One order for the table's dates: one person wrote them, and a start column of
        # only ambiguous days (03/01/2010) is read as its end columns' days above 12 say.
        order = tables.column_date_format([c for column in cells.values() for c in column if c], date_format)
    except ValueError as err:
        raise InputError(f"columns {', '.join(repr(shown.get(n, n)) for n in columns.values())}: {err}; set survival: "
                         "{date_format: DD/MM/YYYY} or MM/DD/YYYY") from None

    def read(cell: str) -> tuple[dt.date | None, bool]:
        return day_of(tables.parse_date(cell, order)) if cell else (None, False)

    parsed: dict[str, list[tuple[dt.date | None, bool]]] = {}
    for key in DATE_KEYS:
        if key not in columns:
            parsed[key] = [(None, False)] * len(frame)
            continue
        values, _ = tables.convert_column(cells[key], lines, read, shown.get(columns[key], columns[key]), "date")
        parsed[key] = [p if p is not None else (None, False) for p in values]
    # A date written but unreadable is no absent date: an unreadable death must not
    # make its patient censored at the last follow-up.
    unreadable = [any(cells[k][i] and parsed[k][i][0] is None for k in columns) for i in range(len(frame))]
    out = DatedColumns([], [], [], columns=dict(columns))
    for i, ((start, a), (death, b), (last, c)) in enumerate(zip(*(parsed[k] for k in DATE_KEYS), strict=True)):
        one = DatedTime(None, None, BAD_DATE) if unreadable[i] else dated_os(start, death, last)
        out.days.append(one.days)
        out.events.append(one.event)
        out.reasons.append(one.reason)
        out.conflicts += one.conflict
        out.approximate += one.reason is None and (a or (b if death is not None else c))
    return out


def describe(columns: dict[str, str], raw: dict[str, str]) -> str:
    """The rule as the section states it, naming the table's own headers."""
    start = raw.get(columns["start_date"], columns["start_date"])
    ends = []
    if "death_date" in columns:
        ends.append(f"to {raw.get(columns['death_date'], columns['death_date'])} for the dead (the event)")
    if "last_followup_date" in columns:
        ends.append(f"to {raw.get(columns['last_followup_date'], columns['last_followup_date'])} "
                    "for the others (censored)")
    return f"OS in days from {start} " + ", ".join(ends) + "; a date of death wins over a later follow-up"
