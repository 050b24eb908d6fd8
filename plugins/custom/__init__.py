"""Custom content without writing a plugin, as MultiQC's ``_mqc`` files.

A table named ``*_rr.tsv`` / ``*_rr.csv`` / ``*_rr.txt`` or an image named
``*_rr.png`` / ``*_rr.svg`` becomes a section of the report. What to show is
said in ``# key: value`` lines at the top of a table or in a sidecar file with
the same stem (``counts_rr.yaml``, ``.yml`` or ``.json``): ``title``,
``description``, ``plot_type`` (table, bar, line, scatter, heatmap),
``patient_column``, ``x``, ``y``, ``summary`` (columns for the summary table).
A table that names patients joins the summary table and follows the
highlighter; every table is exported to the data folder.

Kept cheap to import: pandas and altair load inside the hooks.
"""

from __future__ import annotations

from typing import Any

from rinec_report import Pattern, hookimpl

TABLE_GLOBS = ("*_rr.tsv", "*_rr.csv", "*_rr.txt", "*_rr.tsv.gz", "*_rr.csv.gz")
IMAGE_GLOBS = ("*_rr.png", "*_rr.svg")


@hookimpl
def rinec_options() -> list[Any]:
    from rinec_report import Option

    return [
        Option("summary_max_columns", "int", 3, "Columns a custom table adds to the summary table when its "
               "header names none (summary: [...]).", min=0, scope="run"),
        Option("max_image_mb", "float", 5.0, "Larger custom images are left out of the page, with a warning.",
               min=0, scope="user"),
    ]


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [Pattern("table", glob=TABLE_GLOBS), Pattern("image", glob=IMAGE_GLOBS)]


@hookimpl
def rinec_parse(file: Any, options: dict[str, Any]) -> Any:
    from .parse import read_image, read_table

    if file.pattern == "image":
        return read_image(file.path, file.relpath, options["max_image_mb"])
    return read_table(file.path, file.relpath)


@hookimpl
def rinec_subset(files: list[Any], subset: Any) -> list[Any]:
    from .subset import cut

    return cut(files, subset)


@hookimpl
def rinec_datasets(files: list[Any], patients: Any, config: dict[str, Any] | None = None) -> dict[str, Any] | None:
    from .build import build

    neutral = bool(((config or {}).get("deidentify") or {}).get("enabled"))
    items = build([f.data for f in files if f.data is not None], patients.canonical, neutral)
    return {"items": items} if items else None


@hookimpl
def rinec_sections(data: dict[str, Any]) -> list[Any]:
    from .sections import sections

    return sections(data["items"])


@hookimpl
def rinec_summary_columns(data: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    from .sections import summary_columns

    return summary_columns(data["items"], options["summary_max_columns"])


@hookimpl
def rinec_identifiers(data: dict[str, Any]) -> dict[str, str]:
    """For de-identified reports: each table's patient column, its numeric columns as
    measures, and nothing else (nobody knows what a custom table's text holds: it is
    dropped unless the user keeps it, deidentify: keep_columns)."""
    from .sharing import declared

    return declared(data["items"])
