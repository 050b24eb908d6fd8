"""Overall survival from dates: a start date, a date of death and a last follow-up date.

The rule, in one place (the survival table's reader uses it; a clinical table's reader
deriving OS from the same dates should call :func:`dated_os` too, so that both agree):

- the dead (a date of death): the event, at death - start;
- the others: censored at last follow-up - start;
- a patient with both: the death wins; a death before the last follow-up is a
  conflict, counted and warned (the death is still used: a follow-up after death is
  a date written wrong, and dropping the death would lose the event);
- no start date, no end date at all, an end before the start, or a date written but
  not readable (an unreadable death must not turn into a censoring): left out, with
  that reason.

Partial dates (``2019-05``, ``2019``) are taken at the middle of the month or year and
counted as approximate.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from rinec_report import InputError, tables

# Normalised headers (parse.normalize_name) of the three dates, first found wins.
START_COLUMNS = (
    "diagnosis_date", "date_of_diagnosis", "surgery_date", "date_of_surgery",
    "treatment_start_date", "date_of_treatment_start", "start_of_treatment", "start_date",
)
DEATH_COLUMNS = ("death_date", "date_of_death")
FOLLOWUP_COLUMNS = (
    "last_followup_date", "last_follow_up_date", "date_of_last_followup", "date_of_last_follow_up",
    "last_contact_date", "date_of_last_contact",
)
# Keys of the ``columns`` option that name them.
DATE_KEYS = ("start_date", "death_date", "last_followup_date")

NO_START = "no start date"
NO_END = "no date of death or last follow-up"
END_BEFORE_START = "end date before the start date"
CONFLICT = "date of death before the last follow-up"
BAD_DATE = "date not readable"


@dataclass
class DatedTime:
    """One patient: days from start to death or last follow-up, the event (1 dead,
    0 censored), or ``reason`` why there is none; ``conflict`` when the death is
    dated before the last follow-up."""

    days: float | None
    event: int | None
    reason: str | None = None
    conflict: bool = False


def dated_os(start: dt.date | None, death: dt.date | None, last_followup: dt.date | None) -> DatedTime:
    """Overall survival of one patient from dates (the module's rule)."""
    if start is None:
        return DatedTime(None, None, NO_START)
    if death is not None:
        days = (death - start).days
        if days < 0:
            return DatedTime(None, None, END_BEFORE_START)
        return DatedTime(float(days), 1, None, last_followup is not None and death < last_followup)
    if last_followup is None:
        return DatedTime(None, None, NO_END)
    days = (last_followup - start).days
    if days < 0:
        return DatedTime(None, None, END_BEFORE_START)
    return DatedTime(float(days), 0)


def day_of(iso: str | None) -> tuple[dt.date | None, bool]:
    """An ISO date (full or partial, as tables.parse_date writes it) as a day, and
    whether it is approximate (the middle of a month or year)."""
    if not iso:
        return None, False
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        return dt.date(*parts), False
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        last = dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    else:
        first, last = dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    return first + (last - first) / 2, True


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
