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
        try:
            return float(stats.fisher_exact(counts.astype(int)).pvalue), "Fisher's exact"
        except (ValueError, TypeError):  # scipy before 1.15: 2x2 tables only
            return float(p), "chi-square (expected counts below 5)"
    return float(p), "chi-square"
