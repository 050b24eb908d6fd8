"""Reading an IHC table (long or wide; CSV, TSV or XLSX) into scored readings.

Row numbers in messages count the header as row 1, as a spreadsheet shows
them, so that a user can go straight to the cell.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rinec_report import InputError, InputWarning, headers, missing, tables, widths
from rinec_report.shown import shown_of

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

# The roles a header may stand for; which spellings mean them is the shared synonym
# table's (rinec_report/data/synonyms.yaml, docs/plugins/synonyms.md).
ROLES = ("patient_id", "specimen", "specimen_type", "marker", "intensity", "percent", "percent_score", "category")
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
    # The shared normaliser: "Percent (%)" and "percent" are one column ("%" its unit);
    # a bare "%" is the percentage too.
    return headers.normalise(name) or ("percent" if name.strip() == "%" else "")


def _role(name: str, synonyms: headers.Synonyms) -> str | None:
    match = synonyms.match(name, reader="ihc")
    if match is None and name.strip() == "%":
        return "percent"
    return match.field if match is not None and match.field in ROLES else None


def parse_frame(frame: pd.DataFrame, options: dict[str, Any]) -> pd.DataFrame:
    """Scored readings (the ``ihc_scores`` columns) from a table of strings."""
    bands = scoring.Bands.from_options(options)
    try:
        synonyms = headers.synonyms(headers.check_synonyms_option(options["synonyms"], "ihc"))
    except ValueError as err:
        raise InputError(str(err)) from None
    roles: dict[str, str] = {}
    for column in frame.columns:
        role = _role(column, synonyms)
        if role and role not in roles:
            roles[role] = column
    for needed in ("patient_id", "specimen"):
        if needed not in roles:
            raise InputError(f"no '{needed}' column (found: {widths.listed(frame.columns)})")
    marker_columns: list[str] = []
    if "marker" in roles:
        readings = _long_readings(frame, roles, bands)
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
        readings = _wide_readings(frame, roles, marker_columns, bands)
    markers = MarkerNames(options["marker_synonyms"])
    # In reading order, so that an unknown marker keeps the first spelling seen.
    names = {written: markers.canonical(written) for written in pd.unique(readings["marker"])}
    readings["marker"] = readings["marker"].map(names)
    _refuse_repeated(readings)
    declared = frame[roles["specimen_type"]] if "specimen_type" in roles else None
    readings["specimen_type"] = _specimen_types(readings, declared, options["specimen_types"], roles["specimen"])
    _state(frame, roles, marker_columns, readings)
    # The columns as they are, in a new frame numbered from 0 (drop and reset_index would
    # copy the million readings twice before to_frame copies them again).
    return to_frame(pd.DataFrame({c: readings[c].to_numpy() for c in SCORE_COLUMNS}))


def _state(frame: pd.DataFrame, roles: dict[str, str], markers: list[str], readings: pd.DataFrame) -> None:
    """The account: the rows that gave a reading, and every column's use."""
    from rinec_report import account

    by_column = {column: role for role, column in roles.items()}
    for column in frame.columns:
        if column in by_column:
            account.column(column, "field", as_field=by_column[column])
        elif column in markers:
            account.column(column, "field", as_field="marker")
        else:
            account.column(column, "ignored", reason="not a marker nor a reading's column")
    used = int(readings["row"].nunique()) if len(readings) else 0
    account.rows(read=len(frame), used=used)
    account.dropped("no reading", len(frame) - used)


def _refuse_repeated(readings: pd.DataFrame) -> None:
    key = ["patient_id", "specimen", "marker"]
    repeated = readings.duplicated(key)
    if not repeated.any():
        return
    second = readings[repeated].iloc[0]
    same = (readings[key] == second[key]).all(axis=1)
    first = readings.loc[same, "row"].iloc[0]
    raise InputError(
        f"rows {first} and {second['row']}: two readings of {second['marker']} for patient "
        f"{second['patient_id']}, specimen {second['specimen']}"
    )


def _specimen_types(
    readings: pd.DataFrame, declared: pd.Series | None, mapping: dict[str, Any], specimen_column: str
) -> list[str]:
    """Each reading's specimen type: an explicit type column wins over reading the
    type from the label; labels that cannot be typed are warned about when the study
    types its specimens NPC and NEC (the second-cancer preset), and are otherwise
    their own type (primary, metastasis)."""
    labels = readings["specimen"].to_numpy(dtype=object)
    rows = readings["row"].to_numpy()
    written = (declared.loc[rows].to_numpy(dtype=object) if declared is not None
               else np.full(len(readings), "", dtype=object))
    # Typed once per distinct (written type, label) pair, in reading order.
    written_codes, _ = pd.factorize(written)
    label_codes, seen_labels = pd.factorize(labels)
    codes, _ = pd.factorize(written_codes * max(len(seen_labels), 1) + label_codes)
    _, firsts = np.unique(codes, return_index=True)
    kinds = [specimen_type(written[f] or labels[f], mapping) or written[f] or None for f in firsts.tolist()]
    untyped = np.array([k is None for k in kinds], dtype=bool)
    result = np.where(untyped[codes], labels, np.array(kinds, dtype=object)[codes]) if len(codes) else labels
    if not {NPC, NEC} & set(pd.unique(result)):
        return list(result)
    unknown: dict[str, int] = {}
    for first in sorted(firsts[untyped].tolist()):
        unknown.setdefault(labels[first], int(rows[first]))
    for label, row in unknown.items():
        warnings.warn(
            f"row {row}, column '{specimen_column}': cannot tell whether specimen "
            f"{label!r} is the NPC or the NEC; shown as its own type (map it under "
            "ihc: specimen_types)",
            InputWarning,
            stacklevel=3,
        )
    return list(result)


def to_frame(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    for column in ("intensity", "percent_score", "score"):
        frame[column] = frame[column].astype("Int64")
    frame["percent"] = frame["percent"].astype("Float64")
    for column in ("patient_id", "specimen", "specimen_type", "marker", "category", "source"):
        frame[column] = frame[column].astype(object)
    return frame


def _refuse_empty(frame: pd.DataFrame, columns: list[str]) -> None:
    """Patient and specimen (and a long table's marker) must be in every row: the
    first row missing one is an error naming it."""
    # Column by column: a frame of the comparisons would copy the columns first.
    empty = [frame[c].to_numpy(dtype=object) == "" for c in columns]
    if not any(e.any() for e in empty):
        return
    at = int(np.flatnonzero(np.logical_or.reduce(empty))[0])
    column = next(c for c, e in zip(columns, empty, strict=True) if e[at])
    raise InputError(f"row {frame.index[at]}, column '{column}': empty")


def _blanked(cells: pd.Series) -> pd.Series:
    """'' for the cells that mean unknown or not applicable (NA, [Not Available])."""
    blank = [cell for cell in pd.unique(cells) if cell and _blank(cell)]
    return cells.where(~cells.isin(blank), "") if blank else cells


def _long_readings(frame: pd.DataFrame, roles: dict[str, str], bands: scoring.Bands) -> pd.DataFrame:
    has_value = [r for r in ("intensity", "percent", "percent_score", "category") if r in roles]
    if not has_value:
        raise InputError("no reading columns: expected 'intensity' with 'percent' or 'percent_score', or 'category'")
    where = {role: roles[role] for role in has_value}
    _refuse_empty(frame, [roles["patient_id"], roles["specimen"], roles["marker"]])
    value_roles = ("intensity", "percent", "percent_score", "category")
    cells = pd.DataFrame({r: _blanked(frame[roles[r]]) if r in roles else "" for r in value_roles})

    def score(row: int, key: tuple[str, ...]) -> dict[str, Any]:
        return _score_cells(row, where, *key, bands)

    def reject(row: int, key: tuple[str, ...], err: InputError) -> tuple[str, tuple[int, str, str]]:
        text = str(err)
        column = text.split("column '", 1)[1].split("'", 1)[0] if "column '" in text else roles["marker"]
        role = next((r for r, c in where.items() if c == column), "intensity")
        return column, (row, dict(zip(cells.columns, key, strict=True)).get(role, ""), text.split(": ", 1)[-1])

    ids = frame[[roles["patient_id"], roles["specimen"], roles["marker"]]]
    ids.columns = ["patient_id", "specimen", "marker"]
    return _score_rows(ids, cells, score, reject)


def _wide_readings(
    frame: pd.DataFrame, roles: dict[str, str], marker_columns: list[str], bands: scoring.Bands
) -> pd.DataFrame:
    _refuse_empty(frame, [roles["patient_id"], roles["specimen"]])
    # One reading per filled marker cell, row by row as the sheet reads: the cells
    # flattened row after row (pandas' melt takes time per column that grows with them).
    cells = frame[marker_columns].to_numpy(dtype=object)
    width = len(marker_columns)
    long = pd.DataFrame({
        "row": np.repeat(frame.index.to_numpy(), width),
        "patient_id": np.repeat(frame[roles["patient_id"]].to_numpy(dtype=object), width),
        "specimen": np.repeat(frame[roles["specimen"]].to_numpy(dtype=object), width),
        "cell": cells.ravel(),
        "marker": np.tile(np.array(marker_columns, dtype=object), len(frame)),
    })
    cell = long["cell"]
    # '-' is a reading here (negative), not cBioPortal's "not performed".
    skipped = {c for c in pd.unique(cell) if not c or c.casefold() in _NOT_DONE or _blank(c)}
    long = long[~cell.isin(skipped)].set_index("row")

    def score(row: int, key: tuple[str, ...]) -> dict[str, Any]:
        return _wide_cell(row, *key, bands)

    def reject(row: int, key: tuple[str, ...], err: InputError) -> tuple[str, tuple[int, str, str]]:
        # One unreadable cell costs that reading, not the file.
        return key[0], (row, key[1], str(err).split(": ", 1)[-1])

    # A cell reads the same under every marker (the marker only names it in messages):
    # scored once per distinct cell, not once per marker and cell, which grew with the columns.
    return _score_rows(long[["patient_id", "specimen", "marker"]], long[["marker", "cell"]], score, reject,
                       distinct=["cell"])


def _score_rows(
    ids: pd.DataFrame,
    cells: pd.DataFrame,
    score: Callable[[int, tuple[str, ...]], dict[str, Any]],
    reject: Callable[[int, tuple[str, ...], InputError], tuple[str, tuple[int, str, str]]],
    distinct: list[str] | None = None,
) -> pd.DataFrame:
    """``score(row, cells)`` of every row (indexed by its spreadsheet row), with
    ``row`` and the ``ids`` columns; rows it refuses are left out, warned about once
    per column (``reject`` says which column and what to quote).

    A million readings hold a few hundred distinct cell combinations: each is scored
    once (combinations of the ``distinct`` columns of ``cells``, by default all: the
    others only name the reading in messages). A combination that warns or fails is
    scored again row by row, so that every message names its row."""
    arrays = [cells[column].to_numpy() for column in cells.columns]

    def key(i: int) -> tuple[str, ...]:
        return tuple(a[i] for a in arrays)

    codes = np.zeros(len(cells), dtype=np.int64)
    for array in (cells[column].to_numpy() for column in distinct or cells.columns):
        # Combined column by column, renumbered each time so that codes stay below the row count.
        own, seen = pd.factorize(array)
        codes, _ = pd.factorize(codes * len(seen) + own)
    rows = cells.index.to_numpy()
    _, firsts = np.unique(codes, return_index=True)
    values: list[dict[str, Any] | None] = []
    for first in firsts:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = score(int(rows[first]), key(first))
            except InputError:
                value = None
        values.append(None if caught else value)
    by_code = pd.DataFrame([v or {} for v in values], columns=list(_values(None, None, None, None, "", "")))
    one_by_one = np.array([v is None for v in values], dtype=bool)[codes]
    keep = ~one_by_one
    bad: dict[str, list[tuple[int, str, str]]] = {}
    own: dict[int, dict[str, Any]] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in np.flatnonzero(one_by_one).tolist():
            try:
                own[i] = score(int(rows[i]), key(i))
            except InputError as err:
                column, cell = reject(int(rows[i]), key(i), err)
                bad.setdefault(column, []).append(cell)
                continue
            keep[i] = True
    _warn_grouped([str(w.message) for w in caught if issubclass(w.category, InputWarning)])
    # Each column taken by the codes as numpy does it (the frame's iloc, reset_index and
    # loc copy the million rows more than once); object throughout when a row is scored
    # alone, its values set in place.
    taken = {column: by_code[column].to_numpy()[codes] for column in by_code.columns}
    if own:
        alone = pd.DataFrame(list(own.values()), index=list(own), columns=by_code.columns)
        at = np.array(list(own), dtype=np.int64)
        for column in by_code.columns:
            taken[column] = taken[column].astype(object)
            taken[column][at] = alone[column].to_numpy(dtype=object)
    out = pd.DataFrame(taken, columns=by_code.columns, copy=False)  # fresh arrays: no second copy
    for column, found in bad.items():
        tables.warn_bad_cells(column, found, "reading")
    out.insert(0, "row", rows)
    for column in ("patient_id", "specimen", "marker"):
        out[column] = ids[column].to_numpy()
    # Every reading kept (the usual case): the frame as it is, not a copy of it.
    return out if keep.all() else out[keep]


_WHERE = re.compile(r"^row (\d+), column '([^']*)': (.*)$", re.S)
# Readings a grouped warning names before it only counts them.
QUOTED_READINGS = 3


def _warn_grouped(messages: list[str]) -> None:
    """The readings' warnings, one per kind: a wide table's thousands of markers would
    otherwise give thousands of lines saying the same of each reading. A kind said of
    one reading keeps its own words."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for message in messages:
        found = _WHERE.match(message)
        body, where = (found[3], f"row {found[1]}, column '{found[2]}'") if found else (message, "")
        groups.setdefault(body, []).append((where, message))
    for body, items in groups.items():
        if len(items) == 1 or not items[0][0]:
            for _, message in dict.fromkeys(items):
                warnings.warn(message, InputWarning, stacklevel=3)
            continue
        named = "; ".join(where for where, _ in items[:QUOTED_READINGS])
        more = f"; {shown_of(QUOTED_READINGS, len(items))}" if len(items) > QUOTED_READINGS else ""
        warnings.warn(f"{len(items):,} readings: {body} ({named}{more})", InputWarning, stacklevel=3)


def _blank(cell: str) -> bool:
    return tables.missing_kind(cell) in (tables.UNKNOWN, tables.NOT_APPLICABLE)


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
    widths.check_header(path)
    frame = read_table(path, options["sheet"])
    widths.check_width(len(frame.columns))
    if frame.empty:
        raise InputError("no readings (the table is empty)")
    extra = missing.extra_codes(options["missing_values"])
    if extra:
        # The config's own missing codes, blanked before any cell is read (the shipped
        # codes are read as missing wherever a cell is).
        frame = frame.map(lambda cell: "" if missing.missing_kind(cell, extra) == missing.UNKNOWN
                          and missing.missing_kind(cell) is None else cell)
    return parse_frame(frame, options)
