"""The qc plugin: MultiQC's per-sample metrics, joined to patients.

Reads a ``multiqc_data/multiqc_data.json`` anywhere in the run directory (every MultiQC
version writes it unless told not to), takes its general-statistics table with MultiQC's
own column titles, formats and scales, and joins each sample to its patient through the
core's sample map. Thresholds come from the config (``qc: {min_mean_coverage: 100}``).
"""

from __future__ import annotations

from typing import Any

from rinec_report import Option, Pattern, hookimpl


@hookimpl
def rinec_options() -> list[Option]:
    return [
        Option("min_mean_coverage", "float", None, "Flag a sample whose mean coverage is below this depth.",
               min=0, scope="run"),
        Option("coverage_metric", "str", "mean_coverage",
               "The general-statistics column (MultiQC's key, e.g. mosdepth's `mean_coverage`) the depth "
               "threshold reads.", scope="run"),
    ]


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [Pattern("multiqc", glob=("multiqc_data.json",), contents=r'"report_general_stats_data"')]


@hookimpl
def rinec_parse(file: Any) -> Any:
    from .multiqc import read_multiqc

    return read_multiqc(file.path)


@hookimpl
def rinec_datasets(files: list[Any], patients: Any) -> dict[str, Any] | None:
    from .multiqc import join

    parsed = [f.data for f in files if f.data is not None]
    return join(parsed, patients) if parsed else None


@hookimpl
def rinec_sections(data: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    from .multiqc import sections

    return sections(data, options)


@hookimpl
def rinec_summary_columns(data: dict[str, Any], options: dict[str, Any], patients: Any) -> list[Any]:
    from .multiqc import summary_columns

    return summary_columns(data, options, patients)
