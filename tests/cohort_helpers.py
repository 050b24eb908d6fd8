"""Shared inputs for the cohort plugin's tests: the example run and small tables
written on the fly."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_RUN = REPO / "example_run"
EXAMPLE_XLSX = EXAMPLE_RUN / "clinical.xlsx"

EXAMPLE_OPTIONS: dict[str, Any] = {"followup_end": "2020-09-26", "latency_min_years": 2}


def write_table(path: Path, rows: list[list[Any]], delimiter: str = ",",
                comments: list[str] | None = None) -> Path:
    """A delimited table; ``comments`` go first, as cBioPortal's '#' lines do."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        for line in comments or []:
            handle.write(line + "\n")
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return path


def example_rows() -> list[list[Any]]:
    """The example run's spreadsheet as rows of text (header first)."""
    import openpyxl
    from rinec_plugins.cohort.values import cell_text

    book = openpyxl.load_workbook(EXAMPLE_XLSX, read_only=True, data_only=True)
    try:
        return [[cell_text(c) for c in row] for row in book.worksheets[0].iter_rows(
            values_only=True)]
    finally:
        book.close()


def cohort_options(**overrides: Any) -> dict[str, Any]:
    """The plugin's declared defaults with ``overrides``, as the core would check them."""
    from rinec_plugins.cohort import rinec_options

    from rinec_report.options import validate

    return validate(rinec_options(), overrides, "cohort.")


def build_cohort(path: Path, options: dict[str, Any] | None = None,
                 config: dict[str, Any] | None = None) -> Any:
    from rinec_plugins.cohort import rinec_options
    from rinec_plugins.cohort.derive import build
    from rinec_plugins.cohort.parse import parse_clinical

    from rinec_report import Patients
    from rinec_report.options import validate

    options = validate(rinec_options(), dict(options if options is not None else EXAMPLE_OPTIONS), "cohort.")
    config = config or {}
    patients = Patients(config.get("patients") or {}, config.get("samples") or {})
    return build([parse_clinical(str(path), options)], options, patients)


def patient(cohort: Any, pid: str) -> dict[str, Any]:
    df = cohort.patients
    return df.loc[df["patient_id"] == pid].iloc[0].to_dict()
