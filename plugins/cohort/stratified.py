"""Table 1 stratified by one column, with the tests tableone and gtsummary report:
Pearson's chi-square, or Fisher's exact test when an expected count is below 5, for
categories; Mann-Whitney (two groups) or Kruskal-Wallis (more) for numbers (scipy)."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from . import values as V
from .columns import CANONICAL, normalise
from .derive import Cohort
from .table1 import column_kind, label_of

COLUMNS = ["characteristic", "level"]
# A category with more values is an identifier or free text, not a characteristic to compare.
MAX_CATEGORY_LEVELS = 20
_SKIP = {"patient_id", "sample_id"}


def find_column(cohort: Cohort, by: str) -> str | None:
    wanted = normalise(by)
    for column in cohort.patients.columns:
        if column == wanted or normalise(label_of(cohort, column)) == wanted:
            return column
    return None


def _kind(cohort: Cohort, column: str) -> str | None:
    kind = column_kind(cohort, column)
    if kind is None:
        kind = {"number": "number", "sex": "category", "yesno": "category",
                "text": "category"}.get(CANONICAL.get(column, ""))
    return kind if kind in ("number", "category") else None


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def stratified_table1(cohort: Cohort, by: str) -> tuple[Any, list[str]]:
    """(the table, notes). Patients without a value of ``by`` are left out (a note
    says how many)."""
    import pandas as pd

    df = cohort.patients
    keep = df[~df[by].map(_missing)]
    notes = []
    if len(keep) < len(df):
        notes.append(f"{len(df) - len(keep)} patient(s) without a {label_of(cohort, by)} value are left out.")
    levels = sorted({str(v) for v in keep[by]}, key=_level_key)
    groups = {level: keep[keep[by].map(str) == level] for level in levels}
    heads = [f"{level} (n={len(rows)})" for level, rows in groups.items()]
    overall = f"Overall (n={len(keep)})"
    out: list[dict[str, Any]] = [{"characteristic": "n", "level": "",
                                  **{h: str(len(r)) for h, r in zip(heads, groups.values(), strict=True)},
                                  overall: str(len(keep)), "p_value": None, "test": ""}]
    for column in df.columns:
        if column in _SKIP or column == by:
            continue
        kind = _kind(cohort, column)
        if kind is None or keep[column].map(_missing).all():
            continue
        if kind == "category" and keep[column].map(str).nunique() > MAX_CATEGORY_LEVELS:
            notes.append(f"{label_of(cohort, column)}: more than {MAX_CATEGORY_LEVELS} values, not compared.")
            continue
        if kind == "number":
            out.append(_number_row(cohort, column, groups, heads, keep, overall))
        else:
            out.extend(_category_rows(cohort, column, groups, heads, keep, overall))
    table = pd.DataFrame(out, columns=[*COLUMNS, *heads, overall, "p_value", "test"])
    return table, notes


def _level_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value.lower())


def _median_iqr(values: list[float]) -> str:
    import numpy as np

    if not values:
        return ""
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    f = lambda x: V.format_number(round(float(x), 1))  # noqa: E731
    return f"{f(med)} [{f(q1)}, {f(q3)}]"


def _number_row(cohort: Cohort, column: str, groups: dict[str, Any], heads: list[str], keep: Any,
                overall: str) -> dict[str, Any]:
    from scipy import stats

    samples = [[float(v) for v in rows[column] if not _missing(v)] for rows in groups.values()]
    row: dict[str, Any] = {"characteristic": f"{label_of(cohort, column)}, median [IQR]", "level": ""}
    for head, values in zip(heads, samples, strict=True):
        row[head] = _median_iqr(values)
    row[overall] = _median_iqr([v for s in samples for v in s])
    usable = [s for s in samples if s]
    p, test = None, ""
    if len(usable) == 2:
        p, test = float(stats.mannwhitneyu(*usable, alternative="two-sided").pvalue), "Mann-Whitney U"
    elif len(usable) > 2:
        try:
            p, test = float(stats.kruskal(*usable).pvalue), "Kruskal-Wallis"
        except ValueError:  # every value identical
            p, test = None, ""
    row["p_value"], row["test"] = p, test
    return row


def _category_rows(cohort: Cohort, column: str, groups: dict[str, Any], heads: list[str], keep: Any,
                   overall: str) -> list[dict[str, Any]]:
    counts = [Counter(str(v) for v in rows[column] if not _missing(v)) for rows in groups.values()]
    levels = sorted({k for c in counts for k in c}, key=_level_key)
    total = Counter()
    for c in counts:
        total.update(c)
    p, test = category_test([[c.get(level, 0) for c in counts] for level in levels])
    rows = [{"characteristic": f"{label_of(cohort, column)}, n (%)", "level": "",
             **{h: "" for h in heads}, overall: "", "p_value": p, "test": test}]
    for level in levels:
        row = {"characteristic": "", "level": level}
        for head, c in zip(heads, counts, strict=True):
            row[head] = _n_pct(c.get(level, 0), sum(c.values()))
        row[overall] = _n_pct(total[level], sum(total.values()))
        row["p_value"], row["test"] = None, ""
        rows.append(row)
    return rows


def _n_pct(n: int, of: int) -> str:
    return f"{n} ({100 * n / of:.1f}%)" if of else "0"


def category_test(table: list[list[int]]) -> tuple[float | None, str]:
    """(p, test name) for a levels x groups count table, as gtsummary chooses: Fisher's
    exact test when an expected count is below 5, else Pearson's chi-square (no
    continuity correction)."""
    import numpy as np
    from scipy import stats

    counts = np.array(table, dtype=float)
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return None, ""
    _chi2, p, _, expected = stats.chi2_contingency(counts, correction=False)
    if (expected < 5).any():
        if counts.shape == (2, 2):
            return float(stats.fisher_exact(counts.astype(int)).pvalue), "Fisher's exact"
        exact = fisher_rxc(counts.astype(int).tolist())
        if exact is not None:
            return exact, "Fisher's exact"
        return float(p), "chi-square (expected counts below 5; too many tables for Fisher's exact test)"
    return float(p), "chi-square"


# Fisher's exact test of an r x c table enumerates every table with the same margins;
# beyond this many the chi-square p-value is reported instead (and said).
MAX_TABLES = 200_000


def fisher_rxc(table: list[list[int]]) -> float | None:
    """Fisher's exact test of an r x c table, two-sided as R's fisher.test: the sum of
    the probabilities of the tables with the same margins that are no more probable
    than the observed one (relative tolerance 1e-7, as R). scipy's own r x c version
    draws Monte Carlo samples, which would make the same input give other bytes."""
    from math import lgamma

    if len(table[0]) > len(table):  # fewer rows to enumerate: transpose
        table = [list(c) for c in zip(*table, strict=True)]
    rows = [sum(r) for r in table]
    cols = [sum(c) for c in zip(*table, strict=True)]
    n = sum(rows)
    const = sum(lgamma(r + 1) for r in rows) + sum(lgamma(c + 1) for c in cols) - lgamma(n + 1)
    observed = const - sum(lgamma(x + 1) for r in table for x in r)
    limit = observed + math.log1p(1e-7)
    state = {"total": 0.0, "count": 0}

    def fill(i: int, remaining: list[int], acc: float) -> bool:
        # Row i takes a split of rows[i] within the columns' remaining room; the last row is forced.
        if i == len(rows) - 1:
            lp = acc - sum(lgamma(x + 1) for x in remaining)
            state["count"] += 1
            if lp <= limit:
                state["total"] += math.exp(lp)
            return state["count"] <= MAX_TABLES
        for cells in _splits(rows[i], remaining, 0):
            rest = [c - x for c, x in zip(remaining, cells, strict=True)]
            if not fill(i + 1, rest, acc - sum(lgamma(x + 1) for x in cells)):
                return False
        return True

    if not fill(0, cols, const):
        return None
    return min(1.0, state["total"])


def _splits(total: int, caps: list[int], start: int) -> Any:
    """Every way to split ``total`` over caps[start:], each part within its cap."""
    if start == len(caps) - 1:
        if total <= caps[start]:
            yield [total]
        return
    room = sum(caps[start + 1:])
    for x in range(max(0, total - room), min(total, caps[start]) + 1):
        for rest in _splits(total - x, caps, start + 1):
            yield [x, *rest]
