"""Reading one clinical cell: missing-value kinds, partial dates, numbers, outcomes.

Every reader returns ``(value, kind)``: kind is ``"value"`` or one of the missing
kinds, which the report keeps apart (a treatment not performed is not an unknown).
Readers raise ValueError with the reason; the caller adds row and column.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import math
import re
from typing import Any

from rinec_report import tables

VALUE = "value"
UNKNOWN = tables.UNKNOWN
NOT_PERFORMED = tables.NOT_PERFORMED
NOT_APPLICABLE = tables.NOT_APPLICABLE
NO_DETAILS = tables.NO_DETAILS

# "no"/"none" in a treatment column means the treatment was not given.
NOT_GIVEN = {"no", "none", "0"}

DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_YEAR = 365.25


def cell_text(raw: Any) -> str:
    """A cell as text: spreadsheets give numbers and datetimes, text files strings."""
    if raw is None:
        return ""
    if isinstance(raw, float):
        if math.isnan(raw):
            return ""
        if raw.is_integer():
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, dt.datetime):
        # Clinical dates are days: a time of day typed into Excel is noise.
        return raw.strftime("%Y-%m-%d")
    if isinstance(raw, dt.date):
        return raw.strftime("%Y-%m-%d")
    return str(raw).strip()


def missing_kind(text: str, treatment: bool = False) -> str | None:
    """The missing kind of a cell, or None when it holds a value (the tokens every
    plugin reads: rinec_report.tables.missing_kind)."""
    kind = tables.missing_kind(text)
    if kind is None and treatment and text.strip().lower() in NOT_GIVEN:
        return NOT_PERFORMED
    return kind


# ------------------------------------------------------------------ dates


def parse_date(text: str, date_format: str = "auto") -> str:
    """ISO text at the precision given: '2008', '2019-05' or '2018-09-20', from
    the ways people write dates (rinec_report.tables.parse_date), Excel serials
    included."""
    return tables.parse_date(text, date_format, serials=True)


def precision(iso: str) -> str:
    return {4: "year", 7: "month", 10: "day"}[len(iso)]


# A cohort's dates repeat across patients and columns: each is taken apart once.
@functools.lru_cache(maxsize=1 << 16)
def bounds(iso: str) -> tuple[dt.date, dt.date]:
    """The first and last day a partial date may mean."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    if len(parts) == 2:
        y, m = parts
        return dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)


@functools.lru_cache(maxsize=1 << 16)
def midpoint(iso: str) -> dt.date:
    """Where a partial date is drawn: the middle of the period it names."""
    lo, hi = bounds(iso)
    return lo + (hi - lo) / 2


def interval_years(start: str, end: str) -> tuple[float, bool, float, float]:
    """Years from ``start`` to ``end`` (ISO partial dates).

    Returns (estimate, approximate, shortest, longest). The estimate is taken at the
    coarser of the two precisions (two year-only dates: the difference of the years),
    which is what a clinician reading "2008 ... 2018" means; shortest/longest are the
    bounds over every day the dates may stand for.
    """
    coarse = min(len(start), len(end))
    if coarse == 10:
        days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days
        value = days / DAYS_PER_YEAR
        return value, False, value, value
    if coarse == 7:
        (y1, m1), (y2, m2) = (map(int, d.split("-")[:2]) for d in (start, end))
        estimate = ((y2 - y1) * 12 + (m2 - m1)) / 12
    else:
        estimate = float(int(end[:4]) - int(start[:4]))
    s_lo, s_hi = bounds(start)
    e_lo, e_hi = bounds(end)
    shortest = (e_lo - s_hi).days / DAYS_PER_YEAR
    longest = (e_hi - s_lo).days / DAYS_PER_YEAR
    return estimate, True, shortest, longest


# ------------------------------------------------------------------ numbers, outcomes

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def parse_number(text: str) -> float:
    """A cell that is a number ('59', '6.5', '70 Gy'; rinec_report.typing_.parse_number):
    'MRN4410021' and '4O' are not numbers."""
    from rinec_report.typing_ import parse_number as read

    return read(text)


def parse_event(text: str) -> int:
    """1 for an event, 0 for censored (rinec_report.tables.parse_event): 'Dead',
    'Died', '1', 'yes', 'Alive', 'Censored', '0', 'no', cBioPortal's '1:DECEASED'."""
    return tables.parse_event(text)


def parse_outcome(text: str) -> tuple[float | None, int | None]:
    """A survival cell as clinicians write it: '6 m', '6', '9 m, died', 'alive',
    'censored'. Returns (months or None, event or None)."""
    low = text.strip().lower()
    number = _NUMBER.search(low)
    rest = _NUMBER.sub(" ", low)
    rest = re.sub(r"\b(months?|mo|m)\b", " ", rest)
    rest = re.sub(r"[^a-z:]+", " ", rest).strip()
    months = float(number.group().replace(",", ".")) if number else None
    # cBioPortal's "1:DECEASED" is an event code, not a time.
    if re.match(r"^[01]\s*:", low):
        return None, parse_event(low)
    event = parse_event(rest) if rest else None
    if months is None and event is None:
        raise ValueError(f"{text!r} is neither a time in months nor an outcome")
    if months is not None and months < 0:
        raise ValueError(f"{text!r} is a negative time")
    return months, event


def parse_yesno(text: str) -> str:
    low = text.strip().lower()
    if low in ("yes", "y", "1", "true", "inside", "in field", "in-field", "within"):
        return "yes"
    if low in ("no", "n", "0", "false", "outside", "out of field", "out-of-field"):
        return "no"
    raise ValueError(f"{text!r} is not yes or no")


def parse_sex(text: str) -> str:
    low = text.strip().lower()
    if low in ("m", "male", "man", "men"):
        return "male"
    if low in ("f", "female", "woman", "women", "w"):
        return "female"
    return text.strip()


def format_number(value: float, digits: int = 1) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}f}"
