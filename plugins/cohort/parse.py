"""Reading a clinical table (CSV, TSV, XLSX, cBioPortal patient file) into typed cells.

Runs in a worker process: a pure function of the file and the plugin's options,
returning picklable data.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rinec_report.model import InputError

from . import values as V
from .columns import ALIASES, CANONICAL, map_columns


@dataclass
class ClinicalFile:
    """One clinical table, typed. ``rows`` is one dict per patient (column -> value,
    None when missing), ``kinds`` the missing kind of each missing cell, ``lines``
    each patient's row number in the file (as a spreadsheet shows it)."""

    columns: list[str]
    rows: list[dict[str, Any]]
    kinds: list[dict[str, str]]
    lines: list[int]
    extra_columns: list[str] = field(default_factory=list)


def read_grid(path: str, sheet: str | None = None) -> tuple[list[list[Any]], list[int]]:
    """The file's non-comment, non-empty rows, and each one's 1-based row number."""
    suffix = Path(path).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = text.splitlines()
    body = [(i + 1, line) for i, line in enumerate(lines) if not line.startswith("#")]
    if suffix == ".csv":
        delimiter = ","
    elif suffix == ".tsv":
        delimiter = "\t"
    else:
        head = body[0][1] if body else ""
        delimiter = "\t" if head.count("\t") >= head.count(",") else ","
    grid: list[list[Any]] = []
    numbers: list[int] = []
    for number, line in body:
        row = next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
        if any(cell.strip() for cell in row):
            grid.append(row)
            numbers.append(number)
    return grid, numbers


def _read_xlsx(path: str, sheet: str | None) -> tuple[list[list[Any]], list[int]]:
    # By the cells the sheet stores, not its declared dimension (a stray cell at
    # XFD1048576 would otherwise make 17 billion cells).
    from rinec_report.xlsx import read_sheet

    got = read_sheet(path, sheet)
    grid: list[list[Any]] = []
    numbers: list[int] = []
    for number, cells in zip(got.row_numbers, got.rows, strict=True):
        if any(V.cell_text(c) for c in cells):
            grid.append(cells)
            numbers.append(number)
    return grid, numbers


def parse_clinical(path: str, options: dict[str, Any]) -> ClinicalFile:
    """Read and type one clinical table; InputError for anything unusable."""
    from rinec_report.options import with_defaults

    from . import rinec_options

    options = with_defaults(rinec_options(), options, "cohort.")
    grid, numbers = read_grid(path, options["sheet"])
    if not grid:
        raise InputError("the clinical table is empty")
    headers = [V.cell_text(h) for h in grid[0]]
    try:
        mapping = map_columns(headers, options["columns"])
    except ValueError as err:
        raise InputError(str(err)) from None
    if "patient_id" not in mapping.values():
        found = ", ".join(repr(h) for h in headers if h) or "none"
        aliases = [a for a, c in ALIASES.items() if c == "patient_id"]
        raise InputError(
            f"no patient_id column; columns found: {found}; expected 'patient_id' "
            f"(or {', '.join(repr(a) for a in aliases)}), or name yours in the config: "
            "cohort: columns: {patient_id: \"<your column>\"}"
        )
    columns = [mapping[i] for i in sorted(mapping)]
    extra = [c for c in columns if c not in CANONICAL]
    rows: list[dict[str, Any]] = []
    kinds: list[dict[str, str]] = []
    lines: list[int] = []
    for cells, line in zip(grid[1:], numbers[1:], strict=True):
        values: dict[str, Any] = {}
        missing: dict[str, str] = {}
        for i, column in mapping.items():
            text = V.cell_text(cells[i]) if i < len(cells) else ""
            try:
                value, kind = read_cell(column, text)
            except ValueError as err:
                raise InputError(f"row {line}, column {headers[i]!r}: {err}") from None
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
    check_duplicates([r["patient_id"] for r in rows], lines)
    return ClinicalFile(columns=columns, rows=rows, kinds=kinds, lines=lines, extra_columns=extra)


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


def read_cell(column: str, text: str) -> tuple[Any, str]:
    """One cell of ``column`` as (value, kind)."""
    kind = CANONICAL.get(column, "text")
    if kind == "id":
        return (text, V.VALUE) if text else (None, V.UNKNOWN)
    missing = V.missing_kind(text, treatment=kind == "treatment")
    if kind == "outcome" and missing is None:
        months, event = V.parse_outcome(text)
        return (months, event), V.VALUE
    if missing is not None:
        return None, missing
    if kind == "samples":
        parts = [p.strip() for p in text.replace(",", ";").split(";")]
        return ";".join(p for p in parts if p), V.VALUE
    if kind == "number":
        return V.parse_number(text), V.VALUE
    if kind == "date":
        return V.parse_date(text), V.VALUE
    if kind == "event":
        return V.parse_event(text), V.VALUE
    if kind == "yesno":
        return V.parse_yesno(text), V.VALUE
    if kind == "sex":
        return V.parse_sex(text), V.VALUE
    return text, V.VALUE
