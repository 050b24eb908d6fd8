"""Reading a clinical table (CSV, TSV, XLSX, cBioPortal patient and sample files) into
typed cells, through the core's table reader (rinec_report.tables).

Runs in a worker process: a pure function of the file and the plugin's options,
returning picklable data. A cell that cannot be read costs that cell (one warning
per column); the file is refused only when it has no patient column, duplicate
patients, or dates whose day/month order cannot be told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rinec_report import collapse, tables, typing_, widths
from rinec_report import headers as headers_
from rinec_report.model import InputError

from . import values as V
from .columns import CANONICAL, map_columns, normalise
from .types import TYPES


@dataclass
class ClinicalFile:
    """One clinical table, typed. ``rows`` is one dict per patient (column -> value,
    None when missing), ``kinds`` the missing kind of each missing cell, ``lines``
    each patient's row number in the file (as a spreadsheet shows it).

    ``labels`` and ``types`` are column -> display name and type (number, category,
    date, text) of the columns the plugin does not know, from cBioPortal's header
    lines, the config or inference. A cBioPortal sample file (``kind == "samples"``)
    has one row per sample: ``samples`` lists (sample id, patient id)."""

    columns: list[str]
    rows: list[dict[str, Any]]
    kinds: list[dict[str, str]]
    lines: list[int]
    extra_columns: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    kind: str = "patients"
    samples: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # column -> the header as written
    units: dict[str, str] = field(default_factory=dict)  # column -> the unit its header gives


@dataclass
class StudyMeta:
    """cBioPortal's meta_study.txt: the study's name and description."""

    name: str | None
    description: str | None


def parse_meta_study(path: str) -> StudyMeta:
    fields: dict[str, str] = {}
    from rinec_report.safeio import read_small

    for line in tables.decode(read_small(path, 1 << 20)).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip()
    return StudyMeta(fields.get("name") or None, fields.get("description") or None)


# The cohort's kinds -> the core's types; the others are read here from the column's text.
_CORE_TYPES = {"number": "number", "date": "date"}


def _mapping(headers: list[str], options: dict[str, Any], synonyms: headers_.Synonyms) -> dict[int, str]:
    try:
        return map_columns(headers, options["columns"], synonyms)
    except ValueError as err:
        raise InputError(str(err)) from None


def parse_clinical(path: str, options: dict[str, Any]) -> ClinicalFile:
    """Read and type one clinical table; InputError for anything unusable."""
    from rinec_report.options import with_defaults

    from . import rinec_options

    options = with_defaults(rinec_options(), options, "cohort.")
    widths.check_header(path)
    table = tables.read_table(path, options["sheet"])
    headers = table.header
    widths.check_width(len(headers))
    try:
        synonyms = headers_.synonyms(headers_.check_synonyms_option(options["synonyms"], "cohort"))
    except ValueError as err:
        raise InputError(str(err)) from None
    mapping = _mapping(headers, options, synonyms)
    names = {mapping[i]: headers[i] for i in mapping}
    if "patient_id" not in names:
        found = widths.listed(h for h in headers if h) or "none"
        aliases = [a for a in synonyms.spellings("patient_id") if a != "patient_id"][:8]
        raise InputError(
            f"no patient_id column; columns found: {found}; expected 'patient_id' "
            f"(or {', '.join(repr(a) for a in aliases)}), or name yours in the config: "
            "cohort: columns: {patient_id: \"<your column>\"}"
        )
    # cBioPortal's sample file: one sample per row (SAMPLE_ID, PATIENT_ID), not a
    # patient row with a list of samples. The old single-file format (data_clinical.txt),
    # or any table with a sample column, is one row per sample when patient ids repeat
    # beside distinct sample ids.
    is_sample_file = "sample_id" in names and (
        "sample" in Path(path).name.lower() or _repeats(table, headers.index(names["patient_id"])))
    columns = [mapping[i] for i in sorted(mapping)]
    extra = [c for c in columns if c not in CANONICAL]
    configured_types = {normalise(k): str(v) for k, v in options["types"].items()}
    for column, kind in configured_types.items():
        if kind not in TYPES:
            raise InputError(f"cohort: types: {column!r}: {kind!r} is not number, category, date or text")
    configured_labels = {normalise(k): str(v) for k, v in options["labels"].items()}
    # One typed pass in the core: the cohort's own columns typed as the cohort reads them,
    # the others as the config, cBioPortal's header or their cells say.
    wanted: dict[str, str] = {}
    fields: dict[str, str] = {}
    for i, column in mapping.items():
        if column in CANONICAL:
            wanted[headers[i]] = _CORE_TYPES.get(CANONICAL[column], "text")
            fields[headers[i]] = column
        elif column in configured_types:
            wanted[headers[i]] = configured_types[column]
    typed = typing_.read_typed(path, table=table, synonyms=options["synonyms"],
                               missing_values=options["missing_values"], types=wanted, fields=fields,
                               date_format=options["date_format"])
    by_header = {c.name: c for c in typed.columns}
    parsed: dict[str, list[tuple[Any, str]]] = {}
    labels: dict[str, str] = {}
    types: dict[str, str] = {}
    units: dict[str, str] = {}
    for column in columns:
        header = names[column]
        col = by_header[header]
        if column in CANONICAL and not (is_sample_file and column == "sample_id"):
            parsed[column] = _canonical_column(column, col, table.lines)
        else:
            parsed[column] = [(v, V.VALUE) if k is None else (None, k)
                              for v, k in zip(col.values, col.kinds, strict=True)]
            types[column] = col.type
        if col.unit:
            units[column] = col.unit
        label = configured_labels.get(column) or typed.labels.get(header)
        if not label and column not in CANONICAL and col.header.unit:
            label = header  # "Weight loss (kg)": the unit stays in the label
        if label:
            labels[column] = label
    rows, kinds, lines, unnamed = _patient_rows(columns, parsed, table.lines)
    if unnamed:
        raise InputError(f"row {unnamed[0]}: no patient id ({len(unnamed)} row(s) have values but no patient id)")
    if not rows:
        raise InputError("the clinical table has a header but no patients")
    _state(typed, mapping, headers, len(rows))
    if is_sample_file:
        samples = [(str(r["sample_id"]), str(r["patient_id"])) for r in rows if r.get("sample_id")]
        return ClinicalFile(columns, rows, kinds, lines, extra, labels, types, "samples", samples, names, units)
    rows, kinds, lines = merge_duplicates(rows, kinds, lines)
    return ClinicalFile(columns=columns, rows=rows, kinds=kinds, lines=lines, extra_columns=extra,
                        labels=labels, types=types, headers=names, units=units)


def _patient_rows(
    columns: list[str], parsed: dict[str, list[tuple[Any, str]]], table_lines: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[int], list[int]]:
    """Each row's values and missing kinds by column, and its line; rows without a
    value are left out, and those with values but no patient id are returned apart
    (their lines). Built column by column: a value is None where its kind is not a value."""
    value_lists: list[Any] = []
    kind_columns: list[str] = []
    kind_lists: list[list[str]] = []
    for column in columns:
        cells = parsed[column]
        column_kinds = [k for _, k in cells]
        if column_kinds.count(V.VALUE) == len(column_kinds):
            value_lists.append([v for v, _ in cells])
        else:
            value_lists.append([v if k == V.VALUE else None for v, k in cells])
            kind_columns.append(column)
            kind_lists.append(column_kinds)
    all_rows = [dict(zip(columns, values, strict=True)) for values in zip(*value_lists, strict=True)]
    all_kinds = ([{c: k for c, k in zip(kind_columns, ks, strict=True) if k != V.VALUE}
                  for ks in zip(*kind_lists, strict=True)] if kind_columns else [{} for _ in all_rows])
    ids = value_lists[columns.index("patient_id")]
    if None not in ids:
        return all_rows, all_kinds, list(table_lines), []
    rows: list[dict[str, Any]] = []
    kinds: list[dict[str, str]] = []
    lines: list[int] = []
    unnamed: list[int] = []  # rows with values and no patient id
    for values, missing, line in zip(all_rows, all_kinds, table_lines, strict=True):
        if values.get("patient_id") is None:
            if any(v is not None for v in values.values()):
                unnamed.append(line)
            continue
        rows.append(values)
        kinds.append(missing)
        lines.append(line)
    return rows, kinds, lines, unnamed


def _state(typed: typing_.TypedTable, mapping: dict[int, str], headers: list[str], used: int) -> None:
    from rinec_report import account

    uses: dict[str, tuple[str, str | None]] = {}
    for i, column in mapping.items():
        uses[headers[i]] = ("field", column) if column in CANONICAL else ("extra", None)
    typing_.state_columns(typed, uses)
    account.rows(read=len(typed), used=used, unit="rows")
    if len(typed) > used:
        account.dropped("no patient id and no value", len(typed) - used)


def merge_duplicates(
    rows: list[dict[str, Any]], kinds: list[dict[str, str]], lines: list[int]
) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[int]]:
    """Two rows of one patient merged when they agree; a conflict is warned about with
    its columns and a count, and the first row's value kept (rinec_report.collapse)."""
    if len({row["patient_id"] for row in rows}) == len(rows):
        return rows, kinds, lines
    merged = collapse.merge_rows(rows, lines)
    import warnings

    from rinec_report import account
    from rinec_report.model import InputWarning

    first_kinds: dict[Any, dict[str, str]] = {}
    for row, missing in zip(rows, kinds, strict=True):
        first_kinds.setdefault(row["patient_id"], missing)
    out_kinds = [{c: k for c, k in first_kinds[row["patient_id"]].items() if row.get(c) is None}
                 for row in merged.rows]
    warnings.warn(merged.message(), InputWarning, stacklevel=2)
    account.dropped("merged into an earlier row of the same patient", len(rows) - len(merged.rows))
    account.rows(used=len(merged.rows))
    return merged.rows, out_kinds, [where[0] for where in merged.lines]


def _repeats(table: tables.TextTable, column: int) -> bool:
    ids = [row[column] for row in table.rows if row[column]]
    return len(set(ids)) < len(ids)


_DAYS = {"days": 1.0, "weeks": 7.0, "months": V.DAYS_PER_MONTH, "years": V.DAYS_PER_YEAR}


def _canonical_column(column: str, col: typing_.TypedColumn, lines: list[int]) -> list[tuple[Any, str]]:
    """Every cell of a cohort column as (value, kind): numbers and dates as the core
    typed them, the cohort's vocabularies (outcome, event, sex, yes/no, treatment) read
    here from the text; unreadable cells become unknown, with one warning for the column."""
    kind = CANONICAL[column]
    if kind in _CORE_TYPES:
        return [(v, V.VALUE) if k is None else (None, k) for v, k in zip(col.values, col.kinds, strict=True)]
    if kind == "event" and _r_coding(col):
        # R's Surv coding (1 censored, 2 event), read per column as the survival plugin does.
        return [(None, k) if k is not None else (int(float(c) == 2.0), V.VALUE)
                for c, k in zip(col.cells, col.kinds, strict=True)]
    if kind == "id":
        # read_cell of a checked id is the cell itself: one distinct value per patient, not
        # worth a memo.
        return [(None, k) if k is not None else ((c, V.VALUE) if c else (None, V.UNKNOWN))
                for c, k in zip(col.cells, col.kinds, strict=True)]
    # A time in days (a header "OS (days)" or OS_DAYS) is shown in months.
    factor = _DAYS[col.unit] / V.DAYS_PER_MONTH if kind == "outcome" and col.unit in _DAYS else 1.0
    # Each distinct given cell read once (read_cell is pure), in the column's order.
    seen: dict[str, tuple[tuple[Any, str], ValueError | None]] = {}
    for cell in dict.fromkeys(c for c, m in zip(col.cells, col.kinds, strict=True) if m is None):
        try:
            value, got = read_cell(column, cell, checked=True)
        except ValueError as err:
            seen[cell] = ((None, V.UNKNOWN), err)
            continue
        if kind == "outcome" and got == V.VALUE and factor != 1.0 and value[0] is not None:
            value = (value[0] * factor, value[1])
        seen[cell] = ((value, got), None)
    out = [(None, m) if m is not None else seen[c][0] for c, m in zip(col.cells, col.kinds, strict=True)]
    bad = ([(line, c, str(seen[c][1])) for c, m, line in zip(col.cells, col.kinds, lines, strict=True)
            if m is None and seen[c][1] is not None]
           if any(e is not None for _, e in seen.values()) else [])
    if bad:
        tables.warn_bad_cells(col.name, bad, _WHAT.get(kind, "value"))
    return out


def _r_coding(col: typing_.TypedColumn) -> bool:
    given = {c for c, k in zip(col.cells, col.kinds, strict=True) if k is None}
    numbers = set()
    for cell in given:
        try:
            numbers.add(float(cell))
        except ValueError:
            return False
    return bool(numbers) and numbers <= {1.0, 2.0} and 2.0 in numbers


_WHAT = {"number": "number", "date": "date", "event": "event", "outcome": "time or outcome",
         "yesno": "yes or no"}


def read_cell(column: str, text: str, date_format: str = "auto", checked: bool = False) -> tuple[Any, str]:
    """One cell of ``column`` as (value, kind); ``checked``: the core's pass already
    applied the missing codes (only a treatment's "no" is left to read)."""
    kind = CANONICAL.get(column, "text")
    if kind == "id":
        # Checked: the core's pass found no missing code (its own and the config's) in the cell.
        missing_code = not checked and tables.missing_kind(text) == V.UNKNOWN
        return (text, V.VALUE) if text and not missing_code else (None, V.UNKNOWN)
    if checked:
        missing = V.NOT_PERFORMED if kind == "treatment" and text.strip().lower() in V.NOT_GIVEN else None
    else:
        missing = V.missing_kind(text, treatment=kind == "treatment")
    if kind == "outcome" and missing is None:
        months, event = V.parse_outcome(text)
        return (months, event), V.VALUE
    if missing is not None:
        return None, missing
    if kind == "samples":
        parts = [p.strip() for p in re.split(r"[;,]", text)]
        return ";".join(p for p in parts if p), V.VALUE
    if kind == "number":
        return V.parse_number(text), V.VALUE
    if kind == "date":
        return V.parse_date(text, date_format), V.VALUE
    if kind == "event":
        return V.parse_event(text), V.VALUE
    if kind == "yesno":
        return V.parse_yesno(text), V.VALUE
    if kind == "sex":
        return V.parse_sex(text), V.VALUE
    return text, V.VALUE
