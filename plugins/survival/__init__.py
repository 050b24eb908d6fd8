"""The survival plugin: Kaplan-Meier OS and PFS, medians, landmark survival and
log-rank tests, from the cohort's patients and/or a survival table.

Kept cheap to import: pandas, scipy.special and altair load inside the hooks.
"""

from __future__ import annotations

from typing import Any

from rinec_report import Option, Pattern, hookimpl

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
def rinec_options() -> list[Option]:
    from rinec_report.typing_ import options as table_options

    return [*table_options(),
        Option("source", "str", "auto", "Where times come from: `auto` (a survival table wins over the cohort "
               "per endpoint), `cohort` or `table`.", choices=("auto", "cohort", "table"), scope="run"),
        Option("endpoints", "dict[str,str]", {"os": "Overall survival", "pfs": "Progression-free survival",
                                              "dfs": "Disease-free survival", "dss": "Disease-specific survival"},
               "Endpoint prefix -> title (cBioPortal's OS, PFS, DFS and DSS by default; those without data "
               "are left out).", scope="run"),
        Option("columns", "dict[str,str]", {}, "Canonical column -> your header, e.g. `{os_time: time}`.", scope="run"),
        Option("event_codes", "dict", {}, "Status code -> `event`, `censored` or `missing`, for codes the "
               "default table does not read or a status column of more than two codes (R's pbc: "
               "`{0: censored, 1: censored, 2: event}`); `{<column or endpoint>: {code: ...}}` for one column.",
               scope="run"),
        Option("date_format", "str", "auto", "Day/month order of slashed dates in a survival table's date "
               "columns: `auto` (what the three columns' days above 12 say), `DD/MM/YYYY` or `MM/DD/YYYY`.",
               choices=("auto", "DD/MM/YYYY", "MM/DD/YYYY"), scope="run"),
        Option("sheet", "str", None, "The XLSX sheet of a survival table (default: the first with data).", scope="run"),
        Option("input_time_unit", "str", "months", "Unit of a survival table's times when its header has none.",
               scope="run"),
        Option("time_unit", "str", "months", "Unit shown and exported: days, weeks, months or years (a "
               "month is 365.25/12 days).",
               cli="--survival-time-unit", scope="run"),
        Option("group_by", "list[str]", [], "Categorical columns (survival table first, then the "
               "clinical table) to compare; "
               "comma-separated on the command line.",
               cli="--survival-group-by", scope="run"),
        Option("times", "any", None, "Survival at these times (shown unit); default 6, 12, 24, "
               "36, 60 months (180, 365, 730... days) "
               "up to the longest follow-up.", scope="run"),
        Option("risk_interval", "float", None, "Step of the numbers-at-risk rows; default the smallest of "
               "1, 3, 6, 12... months giving at most 6 "
               "steps.",
               min=0, scope="run"),
        Option("confidence", "float", 0.95, "Confidence level of the bands and intervals.", min=0.5, max=0.999,
               scope="run"),
        Option("conf_type", "str", "log-log",
               "Transform of the confidence band and the median's limits: `log-log` (log(-log S), as lifelines "
               "and SAS) or `log` (R survfit's default).", choices=("log-log", "log"), scope="run"),
        Option("max_groups", "int", 10, "A group_by column with more values is not compared.", min=2, scope="run"),
    ]


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [Pattern("table", glob=TABLE_GLOBS)]


@hookimpl
def rinec_parse(file: Any, options: dict[str, Any]) -> Any:
    from .parse import read_table

    return read_table(file.path, options)


@hookimpl
def rinec_subset(files: list[Any], subset: Any) -> list[Any]:
    """A survival table's rows of the subset's patients; a table left empty is left out."""
    from rinec_report import ParsedFile

    out = []
    for f in files:
        table = subset.rows(f.data["table"], patient="patient_id")
        if len(table) == len(f.data["table"]):
            out.append(f)  # as it was: the core keeps what its reading said
        elif len(table):
            out.append(ParsedFile(f.file, {**f.data, "table": table}))
    return out


@hookimpl
def rinec_datasets(
    files: list[Any], options: dict[str, Any], datasets: Any, patients: Any, config: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    from .build import assemble
    from .km import analyse

    tables = [(f.file.relpath, f.data) for f in files if f.data is not None]
    # The genomics plugin's per-patient mutated/wild-type table: one more group per gene,
    # so that mutated against wild-type is estimated and tested as every other group is.
    status = (datasets.of("genomics") or {}).get("mutation_status")
    data = assemble(tables, datasets.of("cohort"), options, patients, extra_groups=status)
    if data is None:
        return None
    left_out: list[str] = []
    private = (config or {}).get("deidentify") or {}
    if private.get("enabled"):
        # A de-identified report compares only the groups it may name: a group_by column of
        # the user's own is left out (and said), not the whole Kaplan-Meier analysis.
        from .sharing import shared_groups

        extra = set(getattr(data, "extra_groups", []) or [])  # mutated/wild-type: the genomics plugin's labels
        shown = [g for g in data.group_by if g in extra or g in shared_groups([g], private)]
        left_out = [g for g in data.group_by if g not in shown]
        data.group_by = shown
    published = analyse(data, options)
    published["groups_left_out"] = left_out
    published["_rules"] = private  # private: what the de-identified report may share (sharing.py)
    published["patients"] = data.patients
    published["_data"] = data  # private: the sections' own view
    return published


@hookimpl
def rinec_sections(data: dict[str, Any]) -> list[Any]:
    from .sections import build_sections

    return build_sections(data)


@hookimpl
def rinec_identifiers(data: dict[str, Any]) -> dict[str, str]:
    from .sharing import declared

    return declared(data)


@hookimpl
def rinec_summary_columns(data: dict[str, Any]) -> list[Any]:
    from .sections import summary_columns

    return summary_columns(data)
