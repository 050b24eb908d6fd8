"""Survival from dates: a start date, the date of the event and a last follow-up date.

One rule for every reader that derives a survival time from dates (the survival table's
reader and the cohort's clinical tables both call :func:`dated_os`, so that they agree):

- an event date (for OS a date of death): the event, at event - start;
- no event date: censored at last follow-up - start;
- a patient with both: the event wins; a death dated before the last follow-up is a
  conflict, flagged so that the reader counts and warns it once (the death is still
  used: a follow-up after death is a date written wrong, and dropping the death would
  lose the event);
- no start date, no end date at all or an end before the start: left out, with that
  reason (:data:`NO_START`, :data:`NO_END`, :data:`END_BEFORE_START`).

Partial dates (``2019-05``, ``2019``) are taken at the middle of the month or year and
counted as approximate (:func:`day_of`).

The spellings of the three dates are the shared synonym table's
(rinec_report/data/synonyms.yaml): :func:`date_spellings`.

Pure functions of their arguments: they run in worker processes.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from dataclasses import dataclass

from . import headers

# The synonym table's fields of each date, in the order a reader looks for them (the
# first found wins: a diagnosis date over a surgery date over a treatment start).
START_FIELDS = ("diagnosis_date", "surgery_date", "treatment_start_date")
DEATH_FIELDS = ("death_date",)
FOLLOWUP_FIELDS = ("last_followup_date",)

NO_START = "no start date"
NO_END = "no date of death or last follow-up"
END_BEFORE_START = "end date before the start date"
CONFLICT = "date of death before the last follow-up"
BAD_DATE = "date not readable"

DAYS_PER_MONTH = 365.25 / 12


@dataclass
class DatedTime:
    """One patient: days from start to the event or last follow-up, the event (1 the
    event, 0 censored), or ``reason`` why there is none; ``conflict`` when the event is
    dated before the last follow-up; ``approximate`` when a partial date was used."""

    days: float | None
    event: int | None
    reason: str | None = None
    conflict: bool = False
    approximate: bool = False


def dated_os(start: dt.date | None, death: dt.date | None, last_followup: dt.date | None) -> DatedTime:
    """Overall survival of one patient from dates (the module's rule). Any other
    endpoint whose event has a date (PFS: the first of progression and death) follows
    it with that date as ``death``."""
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


def dated_os_of_iso(start: str | None, death: str | None, last_followup: str | None) -> DatedTime:
    """:func:`dated_os` of ISO dates, full or partial (``None`` or ``""`` when absent);
    ``approximate`` says whether a partial date gave the time."""
    (s, a), (d, b), (f, c) = day_of(start), day_of(death), day_of(last_followup)
    out = dated_os(s, d, f)
    out.approximate = out.reason is None and bool(a or (b if d is not None else c))
    return out


# Pure, and a cohort's dates repeat: each read once per process.
@functools.lru_cache(maxsize=1 << 16)
def day_of(iso: str | None) -> tuple[dt.date | None, bool]:
    """An ISO date (full or partial, as rinec_report.tables.parse_date writes it) as a
    day, and whether it is approximate (the middle of a month or year)."""
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


def date_spellings(synonyms: headers.Synonyms | None = None) -> tuple[tuple[str, ...], ...]:
    """The normalised headers of the start, death and last follow-up dates, each in the
    order a reader looks for them, from the synonym table (``synonyms``: a run's table
    with its config's spellings; the shipped one by default)."""
    table = synonyms or headers.synonyms()

    def spelt(fields: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k for f in fields for k in (f, *table.spellings(f))))

    return spelt(START_FIELDS), spelt(DEATH_FIELDS), spelt(FOLLOWUP_FIELDS)


__all__ = ["BAD_DATE", "CONFLICT", "DAYS_PER_MONTH", "DEATH_FIELDS", "END_BEFORE_START", "FOLLOWUP_FIELDS", "NO_END",
           "NO_START", "START_FIELDS", "DatedTime", "date_spellings", "dated_os", "dated_os_of_iso", "day_of"]
