"""Rows of one patient made one: duplicate rows merged, samples' values summarised.

The rules are the same for every plugin, and stated where a value is shown:
- two rows of one patient are merged when they agree (a value beside a missing one
  agrees); when they conflict, the first row's value is kept, and the conflict is named
  with its columns and a count;
- a patient's value of a sample-level column: the value when every sample has the same;
  else for numbers the maximum over the samples, for texts the sorted set of distinct
  values joined with '; ' ("Negative; Positive" whatever the samples' order).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .shown import shown_of

NUMBER_RULE = "the maximum over the patient's samples"
TEXT_RULE = "the distinct values over the patient's samples, sorted"
# How many ids a message names before it only counts.
NAMED_IDS = 5


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def patient_value(values: Iterable[Any]) -> Any:
    """The patient's value from its samples' values (None when none has one)."""
    given = [v for v in values if not _missing(v)]
    if not given:
        return None
    if all(v == given[0] for v in given):
        return given[0]  # a patient-level value repeated on each sample's row
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in given):
        return max(given)
    if not all(isinstance(v, str) for v in given):
        return given[0]  # a value of the plugin's own (a time with its event): the first sample's
    parts = {p.strip() for v in given for p in str(v).split(";") if p.strip()}
    return "; ".join(sorted(parts, key=str.casefold))


def rule_of(values: Iterable[Any]) -> str:
    given = [v for v in values if not _missing(v)]
    numeric = given and all(isinstance(v, int | float) and not isinstance(v, bool) for v in given)
    return NUMBER_RULE if numeric else TEXT_RULE


@dataclass
class Merged:
    """Rows merged by patient: ``rows`` in first-seen order, ``lines`` every row number of
    each patient, ``conflicts`` column -> the patients whose rows disagree there."""

    rows: list[dict[str, Any]]
    lines: list[list[int]]
    duplicated: list[str] = field(default_factory=list)
    conflicts: dict[str, list[str]] = field(default_factory=dict)

    def message(self, what: str = "patient") -> str | None:
        """One line naming the duplicates and their conflicts, or None."""
        if not self.duplicated:
            return None
        ids = ", ".join(repr(i) for i in self.duplicated[:NAMED_IDS])
        shown = shown_of(min(NAMED_IDS, len(self.duplicated)), len(self.duplicated))
        text = f"{len(self.duplicated)} {what}(s) have more than one row ({ids}; {shown}); "
        if not self.conflicts:
            return text + "their rows agree and are merged"
        columns = "; ".join(f"{c!r} ({len(p)} {what}(s))" for c, p in self.conflicts.items())
        return text + f"their rows disagree in {columns}: the first row's value is kept"


def merge_rows(rows: list[dict[str, Any]], lines: list[int], key: str = "patient_id") -> Merged:
    """Rows with the same ``key`` merged into the first (see the module's rules)."""
    if len({row.get(key) for row in rows}) == len(rows):
        return Merged(rows, [[line] for line in lines])  # no patient twice: nothing to copy
    by_id: dict[Any, int] = {}
    out: list[dict[str, Any]] = []
    where: list[list[int]] = []
    duplicated: dict[Any, None] = {}
    conflicts: dict[str, dict[Any, None]] = {}
    for row, line in zip(rows, lines, strict=True):
        pid = row.get(key)
        if pid not in by_id:
            by_id[pid] = len(out)
            out.append(dict(row))
            where.append([line])
            continue
        i = by_id[pid]
        where[i].append(line)
        duplicated[pid] = None
        first = out[i]
        for column, value in row.items():
            if _missing(value):
                continue
            old = first.get(column)
            if _missing(old):
                first[column] = value
            elif old != value:
                conflicts.setdefault(column, {})[pid] = None
    return Merged(out, where, [str(p) for p in duplicated],
                  {c: [str(p) for p in ids] for c, ids in conflicts.items()})
