"""Writers of IHC tables in every shape the ihc plugin reads, for its tests."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_SCORES = REPO / "example_run" / "ihc_scores.csv"
LONG_HEADER = ["patient_id", "specimen", "marker", "intensity", "percent"]


def options(**overrides: Any) -> dict[str, Any]:
    """The plugin's defaults with ``overrides``, as the core would merge them."""
    from rinec_plugins.ihc import rinec_options

    from rinec_report.options import validate

    return validate(rinec_options(), overrides, "ihc.")


def write_rows(path: Path, header: list[str], rows: list[list[Any]], sep: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=sep)
        writer.writerow(header)
        writer.writerows([[("" if v is None else v) for v in row] for row in rows])
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def long_to_wide_rows(long_rows: list[list[Any]]) -> tuple[list[str], list[list[str]]]:
    """The same readings as one row per patient and specimen, one column per
    marker, cells written as a pathologist would ('2/60%', '3, 80%')."""
    markers = list(dict.fromkeys(r[2] for r in long_rows))
    table: dict[tuple[str, str], dict[str, str]] = {}
    for i, (patient, specimen, marker, intensity, percent) in enumerate(long_rows):
        # Vary the separator so that every wide-cell spelling is exercised.
        sep = ("/", ", ", " / ")[i % 3]
        table.setdefault((patient, specimen), {})[marker] = f"{intensity}{sep}{percent}%"
    header = ["patient_id", "specimen", *markers]
    rows = [[p, s, *(cells.get(m, "") for m in markers)] for (p, s), cells in table.items()]
    return header, rows


def example_long_rows() -> list[list[str]]:
    with EXAMPLE_SCORES.open(newline="") as fh:
        reader = csv.reader(fh)
        assert next(reader) == LONG_HEADER
        return [row for row in reader if row]


def parse(path: Path, **overrides: Any) -> pd.DataFrame:
    from rinec_plugins.ihc.parse import parse_file

    return parse_file(path, options(**overrides))


def one_reading(tmp_path: Path, intensity: Any, percent: Any, name: str = "one.csv") -> pd.Series:
    """The scored row of a single long-shape reading."""
    path = write_rows(tmp_path / name, LONG_HEADER, [["P1", "NEC", "CD56", intensity, percent]])
    return parse(path).iloc[0]
