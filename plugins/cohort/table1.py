"""Table 1 as a paper prints it: characteristics as rows, patients as columns,
grouped, with a summary column."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

from rinec_report.deidentify import is_age_field

from . import values as V
from .columns import CANONICAL, GENERIC_GROUPS, GROUPS, LABELS
from .derive import Cohort

MISSING_TEXT = {
    V.UNKNOWN: "unknown",
    V.NOT_PERFORMED: "not performed",
    V.NOT_APPLICABLE: "not applicable",
    V.NO_DETAILS: "yes, no details",
}
# Beyond this many patients the per-patient columns are unreadable; the summary
# column stays and the values are in cohort_patients.tsv.
MAX_PATIENT_COLUMNS = 30
# Treatment dates: the summary counts who had the treatment, not a date range.
_TREATMENT_DATES = {"npc_rt_date", "npc_rt_end_date", "nec_surgery_date", "nec_rt_date"}


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def cell(cohort: Cohort, pid: str, column: str, value: Any) -> str:
    """One patient's value as shown in the table."""
    if column in _SURVIVAL_MONTHS:
        return _survival_cell(cohort, pid, column)
    if _is_missing(value) and column == "sample_id":
        return "none"
    if _is_missing(value):
        kind = cohort.kinds.get(pid, {}).get(column, V.UNKNOWN)
        return MISSING_TEXT.get(kind, "unknown")
    if isinstance(value, float):
        text = V.format_number(value)
        if column in cohort.approx.get(pid, ()):
            text = "≈" + text
        return text
    return str(value)


def _survival_cell(cohort: Cohort, pid: str, column: str) -> str:
    endpoint = column.split("_")[0]
    row = cohort.patients.loc[cohort.patients["patient_id"] == pid].iloc[0]
    months, event = row[column], row[f"{endpoint}_event"]
    if _is_missing(event):
        status = "status unknown"
    elif event == 1:
        status = {"os": "died", "pfs": "progressed or died", "dfs": "recurred or progressed",
                  "dss": "died of the disease"}[endpoint]
    else:
        status = "alive, censored" if endpoint == "os" else "censored"
    if _is_missing(months):
        return f"unknown ({status})"
    source = cohort.survival_source.get(pid, {}).get(endpoint, "")
    text = V.format_number(round(float(months), 1))
    if "approximate" in source:
        text = "≈" + text
    if source.startswith("dates"):
        text += " *"
    return f"{text} ({status})"


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("-inf")


def small(count: int, k: int, column: str) -> str:
    """A category's count, or ``<k`` when a de-identified report suppresses small cells (sex excepted)."""
    return f"<{k}" if k and count < k and column != "sex" else str(count)


def summary(cohort: Cohort, column: str, k: int = 0, values: list[Any] | None = None,
            pids: list[str] | None = None) -> str:
    """The summary column: median (range) for numbers, counts for categories.
    ``values`` (the column's cells) and ``pids`` (the patients, in the same order)
    spare a table of many columns a pandas look-up per column."""
    df = cohort.patients
    n = len(df)
    values = df[column].tolist() if values is None else values
    pids = df["patient_id"].tolist() if pids is None else pids
    # _is_missing inlined (a float is missing when NaN, which alone is unequal to itself):
    # a call per cell of every column of 100,000 patients.
    given = [v for v in values if v is not None and not (isinstance(v, float) and v != v)]
    kinds = Counter(cohort.kinds.get(pid, {}).get(column, V.UNKNOWN)
                    for pid, v in zip(pids, values, strict=True) if _is_missing(v)) if len(given) < n else Counter()
    parts: list[str] = []
    if column in _SURVIVAL_MONTHS:
        events = df[f"{column.split('_')[0]}_event"]
        n_events = int((events == 1).sum())
        n_cens = int((events == 0).sum())
        return f"{n_events} events, {n_cens} censored (medians: Survival section)"
    if column == "sample_id":
        n_samples = sum(len(str(v).split(";")) for v in given)
        return f"{len(given)} patients sequenced ({n_samples} samples)"
    kind = CANONICAL.get(column, "text")
    typed = column_kind(cohort, column)
    if given and typed is not None:
        parts.append(typed_summary(typed, given, k if column != "sex" else 0))
    elif given and (kind == "number" or column.startswith("latency")):
        import statistics

        nums = [float(v) for v in given]
        med = V.format_number(round(statistics.median(nums), 1))
        lo, hi = V.format_number(round(min(nums), 1)), V.format_number(round(max(nums), 1))
        approx = "≈" if any(column in cohort.approx.get(p, ()) for p in pids) else ""
        parts.append(f"median {approx}{med} (range {lo}\u2013{hi})")
    elif given and kind == "date" and column not in _TREATMENT_DATES:
        years = sorted(int(str(v)[:4]) for v in given)
        parts.append(f"{years[0]}\u2013{years[-1]}" if years[0] != years[-1] else str(years[0]))
    elif given and (kind in ("date", "treatment") or column in _TREATMENT_DATES):
        parts.append(f"given {len(given) + kinds.pop(V.NO_DETAILS, 0)}")
    elif given:
        counts = Counter(str(v) for v in given)
        long_text = max(len(k) for k in counts) > 60
        if (len(counts) <= 4 and not long_text) or len(counts) < len(given):
            parts.append(", ".join(f"{value} {small(c, k, column)}" for value, c in sorted(
                counts.items(), key=lambda kc: (-kc[1], kc[0]))))
        else:
            parts.append(f"{len(given)} given")
    for kind_name in (V.NO_DETAILS, V.NOT_PERFORMED, V.NOT_APPLICABLE, V.UNKNOWN):
        if kinds.get(kind_name):
            parts.append(f"{MISSING_TEXT[kind_name]} {kinds[kind_name]}")
    text = "; ".join(parts)
    return text if given or kinds else f"n={n}"


def column_kind(cohort: Cohort, column: str) -> str | None:
    """number, category, date or text for a column summarised by its type: every
    column the plugin does not know, and in a generic cohort the known ones too (the
    second-cancer preset keeps the study's own Table 1 wording)."""
    if column in cohort.types:
        return cohort.types[column]
    if cohort.profile == "second_cancer" or column in ("sample_id", *_SURVIVAL_MONTHS):
        return None
    kind = CANONICAL.get(column)
    return {"number": "number", "sex": "category", "yesno": "category", "date": "date",
            "text": "category", "treatment": "category"}.get(kind or "")


# Levels a category's summary lists before it counts the rest.
MAX_LEVELS = 12
_SURVIVAL_MONTHS = ("os_months", "pfs_months", "dfs_months", "dss_months")


def typed_summary(kind: str, given: list[Any], k: int = 0) -> str:
    """numbers: median (IQR; range); categories: n (%) of those given, most
    frequent first; dates: the years spanned; free text: how many given."""
    if kind == "number":
        import numpy as np

        nums = np.array([float(v) for v in given])
        # numpy's default quartiles are R's quantile() type 7, as tableone reports.
        q1, med, q3 = np.percentile(nums, [25, 50, 75])
        f = lambda x: V.format_number(round(float(x), 1))  # noqa: E731
        return f"median {f(med)} (IQR {f(q1)}\u2013{f(q3)}; range {f(nums.min())}\u2013{f(nums.max())})"
    if kind == "category":
        counts = Counter(str(v) for v in given)
        total = len(given)
        ranked = sorted(counts.items(), key=lambda kc: (-kc[1], kc[0]))
        shown = ", ".join(f"{value} {c} ({100 * c / total:.1f}%)" if not k or c >= k else f"{value} <{k}"
                          for value, c in ranked[:MAX_LEVELS])
        rest = ranked[MAX_LEVELS:]
        if rest:
            # An identifier-like column declared a category (cBioPortal's STRING) would
            # otherwise list every patient.
            shown += f"; {len(rest)} other values ({sum(c for _, c in rest)} patients)"
        return shown
    if kind == "date":
        years = sorted(int(str(v)[:4]) for v in given)
        return f"{years[0]}\u2013{years[-1]}" if years[0] != years[-1] else str(years[0])
    return f"{len(given)} given"


def label_of(cohort: Cohort, column: str) -> str:
    return LABELS.get(column) or cohort.labels.get(column) or column.replace("_", " ").capitalize()


def build_table1(cohort: Cohort, hidden: set[str] | None = None, k: int = 0, age_cap: int | None = None) -> Any:
    """The Table 1 DataFrame: group, characteristic, one column per patient, summary;
    without the ``hidden`` columns (free text in a de-identified report)."""
    import pandas as pd

    df = cohort.patients
    pids = df["patient_id"].tolist()
    # Each column's cells once, as a list: a pandas look-up per column costs more than
    # the column's summary in a table of many columns.
    values = {name: series.tolist() for name, series in df.items()}
    # Suppressed small cells would be pointless beside a column per patient.
    show_patients = len(pids) <= MAX_PATIENT_COLUMNS and not k
    known = GROUPS if cohort.profile == "second_cancer" else GENERIC_GROUPS
    groups = [("Sequencing", ["sample_id"]), *known]
    # The extra columns once, as a set: looked up per column, a list made Table 1 quadratic in the columns.
    extras = set(_extra_columns(cohort))
    extra = [c for c in df.columns if c in extras]
    if extra:
        groups.append(("Other", extra))
    rows = []
    for group, columns in groups:
        for column in columns:
            if column not in values or column in (hidden or ()) or _never_given(cohort, column, values, pids):
                continue
            row: dict[str, Any] = {
                "group": group,
                "characteristic": label_of(cohort, column),
            }
            if show_patients:
                for pid, value in zip(pids, values[column], strict=True):
                    capped = is_age_field(column) and age_cap is not None and _number(value) > age_cap
                    row[pid] = f"{age_cap + 1}+" if capped else cell(cohort, pid, column, value)
            row["summary"] = summary(cohort, column, k, values[column], pids)
            if age_cap is not None and is_age_field(column):
                row["summary"] = _capped_summary(row["summary"], age_cap)
            rows.append(row)
    columns = ["group", "characteristic", *(pids if show_patients else []), "summary"]
    return pd.DataFrame(rows, columns=columns)


def _capped_summary(text: str, age_cap: int) -> str:
    """An age's median, quartiles and range with every figure above the cap shown as
    ``90+``: a shared report's ages were capped to the cap plus one, and a bare "90"
    would read as an exact age. Only the figures up to the first closing bracket are
    ages; the counts after it ("unknown 387") are not."""
    end = text.find(")") + 1 or len(text)

    def shown(m: re.Match[str]) -> str:
        return f"{age_cap + 1}+" if float(m.group(0)) > age_cap else m.group(0)

    return re.sub(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", shown, text[:end]) + text[end:]


def _extra_columns(cohort: Cohort) -> list[str]:
    derived = {"latency_years", "latency_rt_years", "rin_status",
               *(f"{ep}_event" for ep in ("os", "pfs", "dfs", "dss"))}
    return [
        c for c in cohort.patients.columns
        if c not in CANONICAL and c not in derived and not c.startswith("rin_")
    ]


def _never_given(cohort: Cohort, column: str, values: dict[str, list[Any]], pids: list[str]) -> bool:
    """A column whose every cell is plain unknown (as sample_id when nothing was
    sequenced) adds a row of 'unknown' and nothing else."""
    if column in _SURVIVAL_MONTHS:
        event = column.replace("months", "event")
        return all(_is_missing(v) for v in values[column]) and all(_is_missing(v) for v in values[event])
    if not all(_is_missing(v) for v in values[column]):
        return False
    return all(cohort.kinds.get(pid, {}).get(column, V.UNKNOWN) == V.UNKNOWN for pid in pids)


_STYLE = (
    "<style>"
    ".cohort-t1{overflow-x:auto;margin:6px 0 14px}"
    ".cohort-t1 table{border-collapse:collapse;font-size:13px;width:100%}"
    ".cohort-t1 th,.cohort-t1 td{padding:3px 8px;text-align:left;vertical-align:top;"
    "border-bottom:1px solid var(--line,#d9dee4)}"
    ".cohort-t1 thead th{background:var(--side,#f4f6f8);border-bottom:2px solid "
    "var(--line,#d9dee4);white-space:nowrap}"
    ".cohort-t1 tr.cohort-group th{background:#fafbfc;font-weight:600;padding-top:8px}"
    ".cohort-t1 td{max-width:170px}"
    ".cohort-t1 td.cohort-char{padding-left:20px;min-width:150px;max-width:220px}"
    ".cohort-t1 td.cohort-missing{color:var(--muted,#616e7c);font-style:italic}"
    ".cohort-t1 td.cohort-sum{border-left:1px solid var(--line,#d9dee4);min-width:190px;"
    "max-width:300px}"
    "</style>"
)


def table1_html(table: Any, n_patients: int) -> str:
    """Table 1 as a paper prints it: group headings across the table, every row
    on one page (the core's tables page every 25 rows)."""
    from markupsafe import escape

    patient_columns = [c for c in table.columns if c not in ("group", "characteristic", "summary")]
    # data-patient lets the page's highlighter mark and hide a patient's column.
    head = "<th></th>" + "".join(
        f'<th data-patient="{escape(c)}">{escape(c)}</th>' for c in patient_columns)
    head += f"<th>All (n={n_patients})</th>"
    body = []
    width = len(patient_columns) + 2
    group = None
    missing = set(MISSING_TEXT.values()) | {"none"}
    # Each distinct cell made once: a table of many characteristics repeats a few
    # values (unknown, yes, no) in most of its cells.
    made: list[dict[str, str]] = [{} for _ in patient_columns]

    def patient_cell(k: int, value: str) -> str:
        text = made[k].get(value)
        if text is None:
            cls = ' class="cohort-missing"' if value in missing else ""
            text = made[k][value] = f'<td{cls} data-patient="{escape(patient_columns[k])}">{escape(value)}</td>'
        return text

    # Column lists zipped rather than a dict per row.
    records = zip(table["group"].tolist(), table["characteristic"].tolist(), table["summary"].tolist(),
                  *(table[c].tolist() for c in patient_columns), strict=True)
    for rec_group, characteristic, summary_text, *values in records:
        if rec_group != group:
            group = rec_group
            body.append(f'<tr class="cohort-group"><th colspan="{width}">{escape(group)}</th></tr>')
        cells = [f'<td class="cohort-char">{escape(characteristic)}</td>']
        cells += [patient_cell(k, str(value)) for k, value in enumerate(values)]
        cells.append(f'<td class="cohort-sum">{escape(summary_text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'{_STYLE}<h3>Table 1</h3><div class="cohort-t1"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )
