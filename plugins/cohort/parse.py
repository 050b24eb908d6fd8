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

from rinec_report import tables
from rinec_report.model import InputError

from . import values as V
from .columns import ALIASES, CANONICAL, map_columns, normalise
from .types import column_type, convert_extra


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


def _cbioportal_header(table: tables.TextTable) -> tuple[dict[str, str], dict[str, str]]:
    """Display names and datatypes from cBioPortal's first '#' lines (names,
    descriptions, datatypes, priorities), by column; empty for other files."""
    comments = table.comments
    if len(comments) < 3:
        return {}, {}
    rows = [c.split("\t") for c in comments[:3]]
    if not all(len(r) == len(table.header) for r in rows):
        return {}, {}
    names = dict(zip(table.header, (n.strip() for n in rows[0]), strict=True))
    kinds = {"NUMBER": "number", "STRING": "category", "BOOLEAN": "category"}
    types = {h: kinds[t.strip().upper()] for h, t in zip(table.header, rows[2], strict=True)
             if t.strip().upper() in kinds}
    return names, types


def parse_clinical(path: str, options: dict[str, Any]) -> ClinicalFile:
    """Read and type one clinical table; InputError for anything unusable."""
    from rinec_report.options import with_defaults

    from . import rinec_options

    options = with_defaults(rinec_options(), options, "cohort.")
    table = tables.read_table(path, options["sheet"])
    headers = table.header
    try:
        mapping = map_columns(headers, options["columns"])
    except ValueError as err:
        raise InputError(str(err)) from None
    names = {mapping[i]: headers[i] for i in mapping}
    # cBioPortal's sample file: one sample per row (SAMPLE_ID, PATIENT_ID), not a
    # patient row with a list of samples.
    # The old single-file format (data_clinical.txt) is one row per sample too: patient
    # ids repeat beside distinct sample ids.
    is_sample_file = "sample_id" in names and "patient_id" in names and (
        "sample" in Path(path).name.lower() or _repeats(table, headers.index(names["patient_id"])))
    if "patient_id" not in names:
        found = ", ".join(repr(h) for h in headers if h) or "none"
        aliases = [a for a, c in ALIASES.items() if c == "patient_id"]
        raise InputError(
            f"no patient_id column; columns found: {found}; expected 'patient_id' "
            f"(or {', '.join(repr(a) for a in aliases)}), or name yours in the config: "
            "cohort: columns: {patient_id: \"<your column>\"}"
        )
    cbio_labels, cbio_types = _cbioportal_header(table)
    columns = [mapping[i] for i in sorted(mapping)]
    extra = [c for c in columns if c not in CANONICAL]
    configured_types = {normalise(k): str(v) for k, v in options["types"].items()}
    configured_labels = {normalise(k): str(v) for k, v in options["labels"].items()}
    date_format = options["date_format"]

    by_column = {c: [row[i] for row in table.rows] for i, c in mapping.items()}
    parsed: dict[str, list[tuple[Any, str]]] = {}
    labels: dict[str, str] = {}
    types: dict[str, str] = {}
    for column in columns:
        cells = by_column[column]
        header = names[column]
        if column in CANONICAL and not (is_sample_file and column == "sample_id"):
            parsed[column] = _canonical_column(column, header, cells, table.lines, date_format)
        else:
            kind = configured_types.get(column) or cbio_types.get(header) or column_type(cells)
            if kind not in ("number", "category", "date", "text"):
                raise InputError(f"cohort: types: {column!r}: {kind!r} is not number, category, date or text")
            parsed[column] = convert_extra(kind, header, cells, table.lines, date_format)
            types[column] = kind
        label = configured_labels.get(column) or cbio_labels.get(header)
        if label:
            labels[column] = label

    rows: list[dict[str, Any]] = []
    kinds: list[dict[str, str]] = []
    lines: list[int] = []
    for r, line in enumerate(table.lines):
        values: dict[str, Any] = {}
        missing: dict[str, str] = {}
        for column in columns:
            value, kind = parsed[column][r]
            if kind == V.VALUE:
                values[column] = value
            else:
                values[column] = None
                missing[column] = kind
        if values.get("patient_id") is None:
            if not any(v is not None for v in values.values()):
                continue
            raise InputError(f"row {line}: no patient id")
        rows.append(values)
        kinds.append(missing)
        lines.append(line)
    if not rows:
        raise InputError("the clinical table has a header but no patients")
    if is_sample_file:
        samples = [(str(r["sample_id"]), str(r["patient_id"])) for r in rows if r.get("sample_id")]
        return ClinicalFile(columns, rows, kinds, lines, extra, labels, types, "samples", samples, names)
    check_duplicates([r["patient_id"] for r in rows], lines)
    return ClinicalFile(columns=columns, rows=rows, kinds=kinds, lines=lines, extra_columns=extra,
                        labels=labels, types=types, headers=names)


def _repeats(table: tables.TextTable, column: int) -> bool:
    ids = [row[column] for row in table.rows if row[column]]
    return len(set(ids)) < len(ids)


def _canonical_column(
    column: str, header: str, cells: list[str], lines: list[int], date_format: str
) -> list[tuple[Any, str]]:
    """Every cell of a known column as (value, kind); unreadable cells become
    unknown, with one warning for the column."""
    kind = CANONICAL[column]
    if kind == "date":
        try:
            date_format = tables.column_date_format(cells, date_format)
        except ValueError as err:
            raise InputError(f"column {header!r}: {err}; set cohort: date_format") from None
    out: list[tuple[Any, str]] = []
    bad: list[tuple[int, str, str]] = []
    ambiguous: list[tuple[int, str]] = []
    # read_cell is pure: a value repeated down the column (a stage, a date) is read once.
    seen: dict[str, tuple[tuple[Any, str], ValueError | None]] = {}
    for cell, line in zip(cells, lines, strict=True):
        known = seen.get(cell)
        if known is None:
            try:
                known = (read_cell(column, cell, date_format), None)
            except ValueError as err:
                known = ((None, V.UNKNOWN), err)
            seen[cell] = known
        out.append(known[0])
        if isinstance(known[1], tables.AmbiguousDate):
            ambiguous.append((line, cell))
        elif known[1] is not None:
            bad.append((line, cell, str(known[1])))
    if ambiguous:
        line, cell = ambiguous[0]
        raise InputError(
            f"row {line}, column {header!r}: {cell!r} may be day/month or month/day "
            f"({len(ambiguous)} such date(s) in the column); set cohort: date_format: DD/MM/YYYY "
            "or MM/DD/YYYY"
        )
    if bad:
        tables.warn_bad_cells(header, bad, _WHAT.get(kind, "value"))
    return out


_WHAT = {"number": "number", "date": "date", "event": "event", "outcome": "time or outcome",
         "yesno": "yes or no"}


def check_duplicates(ids: list[str], lines: list[int] | None = None) -> None:
    seen: dict[str, list[int]] = {}
    for i, pid in enumerate(ids):
        seen.setdefault(pid, []).append(lines[i] if lines else i + 1)
    dups = {pid: where for pid, where in seen.items() if len(where) > 1}
    if dups:
        what = "; ".join(
            f"{pid!r} (rows {', '.join(map(str, where))})" if lines else repr(pid)
            for pid, where in dups.items()
        )
        raise InputError(f"duplicate patient ids: {what}")


def read_cell(column: str, text: str, date_format: str = "auto") -> tuple[Any, str]:
    """One cell of ``column`` as (value, kind)."""
    kind = CANONICAL.get(column, "text")
    if kind == "id":
        return (text, V.VALUE) if text and tables.missing_kind(text) != V.UNKNOWN else (None, V.UNKNOWN)
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
