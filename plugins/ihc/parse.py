"""Reading an IHC table (long or wide; CSV, TSV or XLSX) into scored readings.

Row numbers in messages count the header as row 1, as a spreadsheet shows
them, so that a user can go straight to the cell.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from rinec_report import InputError, InputWarning, tables

from . import scoring
from .names import NEC, NPC, MarkerNames, specimen_type

SCORE_COLUMNS = [
    "patient_id",
    "specimen",
    "specimen_type",
    "marker",
    "intensity",
    "percent",
    "percent_score",
    "score",
    "category",
    "source",
]
# The ``source`` of a reading: scored from intensity and percentage, or given as a category.
COMPUTED = "computed"
GIVEN = "category"
# Readings with no score: a percentage alone (Ki-67 80%), an intensity word alone (weak).
PERCENT = "percent"
INTENSITY = "intensity"
# Columns of a wide table that are never markers (ignore_columns adds to them).
NOT_MARKERS = ("comment", "comments", "note", "notes", "remarks", "age", "sex", "diagnosis", "date",
               "sample_id", "sample", "block", "slide")
# Wide-shape cells meaning the marker was not stained.
_NOT_DONE = ("na", "n/a", "nd", "not done", "not stained")
# (spreadsheet row, patient, specimen, marker as written, scored values)
Reading = tuple[int, str, str, str, dict[str, Any]]

# Normalised header -> the column it stands for.
_HEADERS = {
    "patient_id": "patient_id",
    "patient": "patient_id",
    "patientid": "patient_id",
    "case": "patient_id",
    "case_id": "patient_id",
    "specimen": "specimen",
    "specimen_id": "specimen",
    "specimen_type": "specimen_type",
    "tumour_type": "specimen_type",
    "tumor_type": "specimen_type",
    "tumour": "specimen",
    "tumor": "specimen",
    "marker": "marker",
    "antibody": "marker",
    "stain": "marker",
    "intensity": "intensity",
    "percent": "percent",
    "percentage": "percent",
    "%": "percent",
    "percent_positive": "percent",
    "positive_cells": "percent",
    "percent_score": "percent_score",
    "percentage_score": "percent_score",
    "proportion_score": "percent_score",
    "category": "category",
}
_WIDE_CELL = re.compile(
    r"^\s*(?P<intensity>[0-9]+(?:\.0+)?)\s*(?:[/,;x\u00d7]|\s)\s*(?P<percent>[0-9]+(?:[.,][0-9]+)?)\s*%?\s*$"
)


def read_table(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Every cell of the sheet or of a delimited file as a stripped string ('' for
    empty), indexed by the row number a spreadsheet shows (the core's reader:
    quoting, encodings, merged cells, '#' comments)."""
    try:
        table = tables.read_table(path, sheet)
    except InputError as err:
        if "empty" in str(err):
            return pd.DataFrame()
        raise
    return table.frame()


def _normal_header(name: str) -> str:
    # "Percent (%)" and "percent" are one column; a bare "%" stays "%".
    bare = re.sub(r"\(.*?\)", "", name).strip() or name.strip()
    return re.sub(r"[\s\-]+", "_", bare.casefold())


def parse_frame(frame: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """Scored readings (the ``ihc_scores`` columns) from a table of strings."""
    bands = scoring.Bands.from_options(options)
    markers = MarkerNames(options["marker_synonyms"])
    roles: dict[str, str] = {}
    for column in frame.columns:
        role = _HEADERS.get(_normal_header(column))
        if role and role not in roles:
            roles[role] = column
    for needed in ("patient_id", "specimen"):
        if needed not in roles:
            raise InputError(f"no '{needed}' column (found: {', '.join(map(repr, frame.columns))})")
    if "marker" in roles:
        readings = list(_long_readings(frame, roles, bands))
    else:
        # The option adds to the columns that are never markers.
        ignored = {_normal_header(c) for c in (*NOT_MARKERS, *options["ignore_columns"])}
        marker_columns = [
            c
            for c in frame.columns
            if c not in (roles["patient_id"], roles["specimen"], roles.get("specimen_type"))
            and _normal_header(c) not in ignored
        ]
        if not marker_columns:
            raise InputError("no marker column: expected a 'marker' column or one column per marker")
        readings = list(_wide_readings(frame, roles, marker_columns, bands))
    rows = []
    seen: dict[tuple[str, str, str], int] = {}
    type_mapping = options["specimen_types"]
    unknown_labels: dict[str, int] = {}
    # An explicit type column wins over reading the type from the label.
    declared = dict(zip(frame.index, frame[roles["specimen_type"]], strict=True)) if "specimen_type" in roles else {}
    for row, patient, specimen, written_marker, values in readings:
        marker = markers.canonical(written_marker)
        key = (patient, specimen, marker)
        if key in seen:
            raise InputError(
                f"rows {seen[key]} and {row}: two readings of {marker} for patient {patient}, specimen {specimen}"
            )
        seen[key] = row
        written_type = declared.get(row, "")
        kind = specimen_type(written_type or specimen, type_mapping)
        if kind is None and written_type:
            kind = written_type
        if kind is None:
            unknown_labels.setdefault(specimen, row)
            kind = specimen
        rows.append({"patient_id": patient, "specimen": specimen, "specimen_type": kind, "marker": marker, **values})
    # A study that names its specimens NPC and NEC (the second-cancer preset) needs every
    # specimen typed; any other cohort's types are its own labels (primary, metastasis).
    typed = any(r["specimen_type"] in (NPC, NEC) for r in rows)
    for label, row in unknown_labels.items() if typed else ():
        warnings.warn(
            f"row {row}, column '{roles['specimen']}': cannot tell whether specimen "
            f"{label!r} is the NPC or the NEC; shown as its own type (map it under "
            "ihc: specimen_types)",
            InputWarning,
            stacklevel=2,
        )
    return to_frame(rows)


def to_frame(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    for column in ("intensity", "percent_score", "score"):
        frame[column] = frame[column].astype("Int64")
    frame["percent"] = frame["percent"].astype("Float64")
    for column in ("patient_id", "specimen", "specimen_type", "marker", "category", "source"):
        frame[column] = frame[column].astype(object)
    return frame


def _records(frame: pd.DataFrame, roles: dict[str, str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row, {column: cell}) with patient and specimen present."""
    for row, record in zip(frame.index, frame.to_dict("records"), strict=True):
        for role in ("patient_id", "specimen"):
            if not record[roles[role]]:
                raise InputError(f"row {row}, column '{roles[role]}': empty")
        yield int(row), record


def _long_readings(frame: pd.DataFrame, roles: dict[str, str], bands: scoring.Bands) -> Iterator[Reading]:
    has_value = [r for r in ("intensity", "percent", "percent_score", "category") if r in roles]
    if not has_value:
        raise InputError("no reading columns: expected 'intensity' with 'percent' or 'percent_score', or 'category'")
    where = {role: roles[role] for role in has_value}
    bad: dict[str, list[tuple[int, str, str]]] = {}
    for row, record in _records(frame, roles):
        marker = record[roles["marker"]]
        if not marker:
            raise InputError(f"row {row}, column '{roles['marker']}': empty")
        cells = {role: record[roles[role]] for role in has_value}
        cells = {role: "" if _blank(c) else c for role, c in cells.items()}
        try:
            values = _score_cells(
                row,
                where,
                cells.get("intensity", ""),
                cells.get("percent", ""),
                cells.get("percent_score", ""),
                cells.get("category", ""),
                bands,
            )
        except InputError as err:
            text = str(err)
            column = text.split("column '", 1)[1].split("'", 1)[0] if "column '" in text else roles["marker"]
            role = next((r for r, c in where.items() if c == column), "intensity")
            bad.setdefault(column, []).append((row, cells.get(role, ""), text.split(": ", 1)[-1]))
            continue
        yield row, record[roles["patient_id"]], record[roles["specimen"]], marker, values
    for column, found in bad.items():
        tables.warn_bad_cells(column, found, "reading")


def _blank(cell: str) -> bool:
    return tables.missing_kind(cell) in (tables.UNKNOWN, tables.NOT_APPLICABLE)


def _wide_readings(
    frame: pd.DataFrame, roles: dict[str, str], marker_columns: list[str], bands: scoring.Bands
) -> Iterator[Reading]:
    bad: dict[str, list[tuple[int, str, str]]] = {}
    for row, record in _records(frame, roles):
        for column in marker_columns:
            cell = record[column]
            # '-' is a reading here (negative), not cBioPortal's "not performed".
            if not cell or cell.casefold() in _NOT_DONE or _blank(cell):
                continue
            try:
                values = _wide_cell(row, column, cell, bands)
            except InputError as err:
                # One unreadable cell costs that reading, not the file.
                bad.setdefault(column, []).append((row, cell, str(err).split(": ", 1)[-1]))
                continue
            yield row, record[roles["patient_id"]], record[roles["specimen"]], column, values
    for column, cells in bad.items():
        tables.warn_bad_cells(column, cells, "reading")


def _wide_cell(row: int, column: str, cell: str, bands: scoring.Bands) -> dict[str, Any]:
    where = {"intensity": column, "percent": column, "percent_score": column, "category": column}
    words = scoring.intensity_words(cell)
    match = _WIDE_CELL.match(words)
    if match:
        return _score_cells(row, where, match["intensity"], match["percent"], "", "", bands)
    if scoring.parse_category(cell) is not None:
        return _score_cells(row, where, "", "", "", cell, bands)
    if scoring.parse_number(cell) == 0 and not cell.endswith("%"):
        return _score_cells(row, where, "0", "", "", "", bands)
    if cell.strip().endswith("%") and scoring.parse_number(cell) is not None:
        # A percent alone (Ki-67 80%) is a percentage reading: no intensity, no score.
        percent = scoring.check_percent(cell)
        return _values(None, percent, None, None, f"{percent:g}%", PERCENT)
    word = scoring.intensity_of_word(cell)
    if word is not None:
        # weak / moderate / strong without a percentage: an intensity reading.
        if word == 0:
            return _score_cells(row, where, "0", "", "", "", bands)
        return _values(word, None, None, None, cell.strip().lower(), INTENSITY)
    raise InputError(
        f"row {row}, column '{column}': {cell!r} is not a reading "
        "(write intensity/percent such as '2/60%', or a category -, +, ++, +++)"
    )


def _score_cells(
    row: int,
    columns: dict[str, str],
    intensity_text: str,
    percent_text: str,
    pscore_text: str,
    category_text: str,
    bands: scoring.Bands,
) -> dict[str, Any]:
    """One reading's values; ``columns`` names the file's column of each role
    for messages."""

    def fail(role: str, error: Exception) -> InputError:
        return InputError(f"row {row}, column '{columns[role]}': {error}")

    given = None
    if category_text:
        given = scoring.parse_category(category_text)
        if given is None:
            raise InputError(
                f"row {row}, column '{columns['category']}': {category_text!r} is not a category (-, +, ++, +++)"
            )
    if not intensity_text:
        if percent_text or pscore_text:
            role = "percent" if percent_text else "percent_score"
            raise InputError(f"row {row}, column '{columns[role]}': a percentage without intensity")
        if given is None:
            first = next(iter(columns.values()))
            raise InputError(f"row {row}, column '{first}': empty (give intensity and percent, or a category)")
        return _values(None, None, None, None, given, GIVEN)
    try:
        intensity = scoring.check_intensity(intensity_text)
    except InputError as error:
        raise fail("intensity", error) from None
    percent = pscore = None
    if percent_text:
        try:
            percent = scoring.check_percent(percent_text)
        except InputError as error:
            raise fail("percent", error) from None
        pscore = scoring.percent_score(percent, bands)
    if pscore_text:
        try:
            written_pscore = scoring.check_percent_score(pscore_text)
        except InputError as error:
            raise fail("percent_score", error) from None
        if pscore is not None and written_pscore != pscore:
            warnings.warn(
                f"row {row}, column '{columns['percent_score']}': percent score "
                f"{written_pscore} disagrees with {percent:g}% (percentage score {pscore}); "
                "the percent is used",
                InputWarning,
                stacklevel=2,
            )
        pscore = pscore if pscore is not None else written_pscore
    if intensity > 0 and pscore is None:
        raise InputError(
            f"row {row}, column '{columns['intensity']}': intensity {intensity} needs a percent or percent score"
        )
    if intensity > 0 and percent == 0:
        warnings.warn(
            f"row {row}, column '{columns['percent']}': intensity {intensity} with 0% "
            "stained cells; scored with percentage score 1, please check the reading",
            InputWarning,
            stacklevel=2,
        )
    score = scoring.final_score(intensity, pscore)
    category = scoring.category_of(score, bands)
    if given is not None and given != category:
        warnings.warn(
            f"row {row}, column '{columns['category']}': category {given!r} disagrees with "
            f"the score {score} ({category}); the score is used",
            InputWarning,
            stacklevel=2,
        )
    return _values(intensity, percent, pscore, score, category, COMPUTED)


def _values(
    intensity: int | None,
    percent: float | None,
    pscore: int | None,
    score: int | None,
    category: str,
    source: str,
) -> dict[str, Any]:
    return {
        "intensity": intensity,
        "percent": percent,
        "percent_score": pscore,
        "score": score,
        "category": category,
        "source": source,
    }


def parse_file(path: str | Path, options: dict[str, Any]) -> pd.DataFrame:
    """Scored readings from one IHC file."""
    from rinec_report.options import with_defaults

    from . import rinec_options

    options = with_defaults(rinec_options(), options, "ihc.")
    frame = read_table(path, options["sheet"])
    if frame.empty:
        raise InputError("no readings (the table is empty)")
    return parse_frame(frame, options)
