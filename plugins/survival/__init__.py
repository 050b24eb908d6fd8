"""The survival plugin: Kaplan-Meier OS and PFS, medians, landmark survival and
log-rank tests, from the cohort's patients and/or a survival table.

Kept cheap to import: pandas, lifelines and altair load inside the hooks.
"""

from __future__ import annotations

from typing import Any

from rinec_report import CliOption, Pattern, hookimpl

# Names a survival table may carry; not survival_*.tsv, which is what the plugin exports.
TABLE_GLOBS = (
    "survival.tsv",
    "survival.csv",
    "survival.txt",
    "survival.xlsx",
    "survival.tsv.gz",
    "survival.csv.gz",
    "*_survival.tsv",
    "*_survival.csv",
    "*_survival.txt",
    "*_survival.xlsx",
)


@hookimpl
def rinec_config_defaults() -> dict[str, Any]:
    return {
        "source": "auto",  # auto: a survival table wins over the cohort per endpoint
        "endpoints": {"os": "Overall survival", "pfs": "Progression-free survival"},
        "columns": {},  # e.g. {patient_id: Patient, os_time: time, os_event: status}
        "input_time_unit": "months",  # survival table times when the column name has no unit
        "time_unit": "months",  # shown unit: days, weeks, months, years
        "group_by": [],
        "times": None,  # survival at these times (shown unit); None: 6, 12, 24, 36, 60 months
        "risk_interval": None,  # step of the numbers-at-risk rows; None: chosen from follow-up
        "confidence": 0.95,
        # the band's transform: log-log (survival's log(-log S), as lifelines and SAS) or
        # log (R survfit's default); medians' limits follow the band
        "conf_type": "log-log",
        "max_groups": 10,  # a group_by column with more values is not categorical
    }


@hookimpl
def rinec_cli_options() -> list[CliOption]:
    return [
        CliOption("--survival-group-by", "group_by", "Compare survival by these clinical columns (comma-separated)."),
        CliOption(
            "--survival-time-unit",
            "time_unit",
            "Time unit of the survival plots: days, weeks, months (default) or years.",
        ),
    ]


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [Pattern("table", glob=TABLE_GLOBS)]


@hookimpl
def rinec_parse(file: Any, options: dict[str, Any]) -> Any:
    from .parse import read_table

    return read_table(file.path, options)


@hookimpl
def rinec_datasets(
    files: list[Any], options: dict[str, Any], datasets: Any, config: dict[str, Any]
) -> dict[str, Any] | None:
    from .build import assemble
    from .km import analyse

    tables = [(f.file.relpath, f.data) for f in files if f.data is not None]
    data = assemble(tables, datasets.of("cohort"), options, config)
    if data is None:
        return None
    published = analyse(data, options)
    published["patients"] = data.patients
    published["_data"] = data
    return published


@hookimpl
def rinec_sections(datasets: Any) -> list[Any]:
    from .sections import build_sections

    return build_sections(datasets.of("survival"))


@hookimpl
def rinec_summary_columns(datasets: Any) -> list[Any]:
    from .sections import summary_columns

    return summary_columns(datasets.of("survival"))
