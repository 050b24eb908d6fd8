"""What the cohort plugin shares in a de-identified report.

The plugin's own typing decides: the clinical fields it recognises are shared by their
kind (numbers as measures, sex and yes/no and events as categories, stage checked
against the TNM and stage-group spellings, the other recognised clinical terms checked to
be short terms, never an address, a number run or a title and name); its derived
columns (latencies, RIN criteria) are intervals and categories. A column of the user's
table it does not recognise is shared only when numeric (a measure) or a date (made
relative by the core); any other goes, whatever the cohort's size, unless the user keeps
it (``deidentify: keep_columns``).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from typing import Any

from rinec_report.deidentify import is_age_field, kept_columns

from .columns import CANONICAL

_KIND_OF_CANONICAL = {"id": "patient", "samples": "sample", "number": "measure", "sex": "category",
                      "date": "date", "event": "category", "outcome": "interval", "yesno": "category"}
# TNM (T3N2M0, cT2aN1, ypT1), a stage group (III, IVa, stage 2B), or a bare unknown mark.
_STAGE = re.compile(r"(?:(?:[cpyra]{0,3}T[0-4x](?:is|[a-d])?\s*N[0-3x][a-c]?\s*M[01x][a-c]?)|"
                    r"(?:stage\s*)?(?:0|I{1,3}V?|IV|[1-4])[a-c]?|x|unknown)", re.IGNORECASE)
# What never belongs in a clinical term: an e-mail, a run of five digits (an MRN, a phone
# number), a title before a name, a street.
_NOT_A_TERM = re.compile(r"@|\d{5}|\b(?:dr|mr|mrs|ms|miss|prof)\b\.?\s+[A-Z]|"
                         r"\b(?:street|road|avenue|lane|st\.|rd\.)\b|\+?\d[\d\s().-]{7,}\d", re.IGNORECASE)
MAX_TERM = 80
# Columns the plugin derives and the sections' technical fields, by their kind.
DERIVED = {
    "latency_years": "interval", "latency_rt_years": "interval", "rin_status": "category", "rin_*": "category",
    # Table 1 and its stratified form (the group columns are added per run, below)
    "group": "category", "characteristic": "category", "summary": "category", "level": "category",
    "p_value": "measure", "test": "category",
    # the stratified Table 1's group heads, "female (n=3)": levels of a column that is shared
    # (a column not shared is not in the cohort the sections see, so it stratifies nothing)
    "* (n=*)": "category",
    # RIN chart, swimmer plot, selection flow
    "criterion": "category", "status": "category", "reason": "category", "event": "category",
    "shown": "category", "details": "category", "years": "interval", "months_nec": "interval",
    "years_end": "interval", "months_nec_end": "interval", "end": "category", "date_end": "date",
    "x": "measure", "x2": "measure", "y": "measure", "y2": "measure", "cx": "measure", "cy": "measure",
    "angle": "measure", "text": "category", "kind": "category",
}


def _given(values: Any) -> list[str]:
    return [str(v) for v in values if v is not None and v == v and str(v).strip()]


def _checked(column: str, values: Any) -> bool:
    """Whether a recognised clinical term column holds terms only."""
    given = _given(values)
    if column.endswith("_stage"):
        return all(_STAGE.fullmatch(v.strip()) for v in given)
    return all(len(v) <= MAX_TERM and not _NOT_A_TERM.search(v) for v in given)


def declared(cohort: Any) -> dict[str, str]:
    """``rinec_identifiers`` of the cohort plugin: field -> kind."""
    frame = cohort.patients
    out: dict[str, str] = dict(DERIVED)
    for column, kind in CANONICAL.items():
        if column not in frame.columns:
            continue
        if kind in _KIND_OF_CANONICAL:
            out[column] = _KIND_OF_CANONICAL[kind]
        elif _checked(column, frame[column]):  # text and treatment fields: stage, histology, site, chemo
            out[column] = "category"
        else:
            out[column] = "text"
    for column, kind in cohort.types.items():
        if kind == "number":
            out[column] = "measure"
        elif kind == "date":
            out[column] = "date"
        elif kind == "text":
            out[column] = "text"
        # a category of the user's own table checks against no vocabulary: not declared
    out["notes"] = "text"
    if "age" in frame.columns:
        out["age"] = "age"
    # Table 1 has a column per patient (up to 30): the cells of its shared rows.
    out.update({str(p).lower(): "category" for p in frame["patient_id"][:200]})
    return out


def hidden_columns(cohort: Any, rules: dict[str, Any]) -> set[str]:
    """The patients' columns a de-identified report leaves out of Table 1, its stratified
    form and the timeline: every column not shared, unless the user keeps it."""
    kinds = declared(cohort)
    kept = kept_columns(rules)
    shown = ("patient", "sample", "measure", "category", "interval", "count", "date", "age")

    def kind(name: str) -> str | None:
        if is_age_field(name):
            return "age"
        return kinds.get(name) or next((k for p, k in kinds.items() if "*" in p and fnmatch.fnmatchcase(name, p)),
                                       None)

    return {str(c) for c in cohort.patients.columns
            if kind(str(c).lower()) not in shown and str(c).lower() not in kept}


def _years(value: Any) -> float:
    m = re.match(r"\s*(\d+(?:\.\d+)?)", str(value)) if value is not None else None
    return float(m.group(1)) if m else -1.0


def shared_cohort(cohort: Any, hidden: set[str], age_cap: int) -> Any:
    """A copy of the cohort without the hidden columns, and with every age-like number
    above the cap at cap + 1 (so that no range or median shows a greater age)."""
    frame = cohort.patients.drop(columns=[c for c in hidden if c in cohort.patients.columns])
    for column in frame.columns:
        if not is_age_field(column):
            continue
        if frame[column].dtype.kind in "fi":
            frame[column] = frame[column].where(~(frame[column] > age_cap), age_cap + 1)
        else:  # a few ages typed a category ("97", "41"): the capped label itself
            frame[column] = [f"{age_cap + 1}+" if _years(v) > age_cap else v for v in frame[column]]
    return dataclasses.replace(cohort, patients=frame, types={c: k for c, k in cohort.types.items()
                                                             if c not in hidden})


def with_every_column_exported(sections: list[Any], cohort: Any) -> list[Any]:
    """The sections, their patients table holding every column again: the core then
    drops the columns not shared from it and names each in its "Removed for sharing" table."""
    from rinec_report.model import Table

    from .sections import export_patients

    for section in sections:
        for i, block in enumerate(section.blocks):
            if isinstance(block, Table) and block.name == "patients":
                section.blocks[i] = dataclasses.replace(block, data=export_patients(cohort))
    return sections
