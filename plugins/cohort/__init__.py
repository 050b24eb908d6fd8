"""The cohort plugin: the clinical table, Table 1, RIN criteria, patient timelines,
the selection flow; publishes the ``patients`` dataset (with survival times) that
the survival plugin and others read.

Heavy imports (pandas, altair, openpyxl) happen inside the hooks: this module is
imported to build ``rinec-report --help``.
"""

from __future__ import annotations

from typing import Any

from rinec_report import Option, Pattern, hookimpl


@hookimpl
def rinec_options() -> list[Option]:
    from rinec_report.typing_ import options as table_options

    return [*table_options(),
        Option("columns", "dict[str,str]", {},
               "Canonical column -> the header your table uses, e.g. `{patient_id: Patient}`.", scope="run"),
        Option("types", "dict[str,str]", {},
               "Column -> `number`, `category`, `date` or `text`, for a column whose inferred type is wrong.",
               scope="run"),
        Option("labels", "dict[str,str]", {}, "Column -> the label Table 1 shows.", scope="run"),
        Option("sheet", "str", None, "The XLSX sheet to read (default: the first with data; all are listed "
               "when several hold data).", scope="run"),
        Option("date_format", "str", "auto",
               "Day/month order of dates written with slashes (`12/03/2005`); `auto` reads it from a day above "
               "12 in the column and otherwise asks for this option.",
               choices=("auto", "DD/MM/YYYY", "MM/DD/YYYY"), cli="--date-format", scope="run"),
        Option("profile", "str", "auto",
               "`second_cancer` (first and second tumour, RIN criteria, the example's study), `generic` (any "
               "cohort), or `auto`: second_cancer when the table has NPC/NEC columns.",
               choices=("auto", "second_cancer", "generic"), scope="run"),
        Option("table1_by", "str", None, "Stratify Table 1 by this column, with tests (as tableone/gtsummary).",
               cli="--table1-by", scope="run"),
        Option("table1", "dict", {}, "Table 1 settings: `{by: column}` (as `table1_by`).", scope="run"),
        Option("latency_min_years", "float", 2.0,
               "RIN criterion 2: minimum years from the end of radiotherapy to the second tumour.",
               cli="--latency-min-years", min=0, scope="run"),
        Option("survival_start", "str", "nec_diagnosis", "Where survival time starts: the NEC diagnosis, or the first "
               "treatment (earliest of surgery and "
               "re-irradiation).",
               choices=("nec_diagnosis", "first_treatment"), scope="run"),
        Option("followup_end", "date", None,
               "The study's follow-up end: living patients without a last follow-up date are censored here.",
               cli="--followup-end", scope="run"),
        Option("timeline_axis", "str", "years",
               "The timeline's left panel: years since the first diagnosis, or calendar dates.",
               choices=("years", "calendar"), scope="run"),
        Option("selection", "any", None,
               "The selection flow: a list of `{label, n}` steps (or strings such as `\"1,052 NPC patients\"`), the "
               "last item optionally `{branch: [...]}`.", scope="run"),
    ]


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [
        Pattern(
            "clinical",
            glob=(
                "*clinical*.xlsx",
                "*clinical*.csv",
                "*clinical*.tsv",
                "clinical*.txt",
                # cBioPortal study folders: both spellings, and the study's name
                "data_clinical_patient.txt",
                "data_clinical_patients.txt",
                "data_clinical_sample.txt",
                "data_clinical_samples.txt",
                "data_clinical.txt",
                "meta_study.txt",
            ),
        )
    ]


@hookimpl
def rinec_parse(file: Any, options: dict[str, Any]) -> Any:
    from pathlib import Path

    name = Path(file.path).name
    # Excel's lock file while the table is open.
    if name.startswith("~$"):
        return None
    from .parse import parse_clinical, parse_meta_study

    if name.lower() == "meta_study.txt":
        return parse_meta_study(file.path)
    return parse_clinical(file.path, options)


@hookimpl
def rinec_subset(files: list[Any], subset: Any) -> list[Any]:
    from .subset import cut

    return cut(files, subset)


@hookimpl
def rinec_datasets(files: list[Any], options: dict[str, Any], patients: Any) -> dict[str, Any] | None:
    if not files:
        return None
    import warnings

    from rinec_report.model import InputWarning

    from .derive import build
    from .parse import StudyMeta

    tables = [f.data for f in files if f.data is not None and not isinstance(f.data, StudyMeta)]
    study = next((f.data for f in files if isinstance(f.data, StudyMeta)), None)
    if not tables:
        return None
    cohort = build(tables, options, patients)
    from rinec_report import account

    # The patients left out of a derived endpoint, by reason, on the (first) patient table.
    first = next((f.file.relpath for f in files if f.data is not None and not isinstance(f.data, StudyMeta)), None)
    for endpoint, reasons in cohort.dropped.items():
        for reason, n in reasons.items():
            account.dropped(f"{endpoint.upper()}: {reason}", n, file=first)
    for problem in cohort.problems:
        warnings.warn(problem, InputWarning, stacklevel=2)
    return {
        "patients": cohort.patients,
        "survival_rule": cohort.survival_rule,
        # cBioPortal's meta_study.txt: name and description, for the report's title
        "study": {"name": study.name, "description": study.description} if study else None,
        "_cohort": cohort,  # private: what the cohort's own sections need
    }


@hookimpl
def rinec_sections(data: dict[str, Any], options: dict[str, Any], datasets: Any, config: dict[str, Any]) -> list[Any]:
    from .sections import build_sections

    # A de-identified report shows only the columns the plugin shares (sharing.py), unless the user keeps others.
    private = config["deidentify"]
    cohort, hidden, age_cap = data["_cohort"], set(), None
    if private["enabled"]:
        from .sharing import hidden_columns, shared_cohort, with_every_column_exported

        hidden, age_cap = hidden_columns(cohort, private), private["age_cap"]
        cohort = shared_cohort(cohort, hidden, age_cap)
    k = private["k"] if private["enabled"] and private["suppress_small_cells"] else 0
    # The imaging plugin's images, when it ran, become marks on the patient timeline.
    sections = build_sections(cohort, options, images=datasets.get("imaging", "images"), hidden=hidden, k=k,
                              age_cap=age_cap)
    return with_every_column_exported(sections, data["_cohort"]) if private["enabled"] else sections


@hookimpl
def rinec_identifiers(data: dict[str, Any]) -> dict[str, str]:
    """What a de-identified report shares of the cohort's columns: the fields the plugin
    recognises, by kind; the user's own numbers and dates; never the user's other columns."""
    from .sharing import declared

    return declared(data["_cohort"])


@hookimpl
def rinec_summary_columns(data: dict[str, Any]) -> list[Any]:
    from rinec_report.model import SummaryColumn

    from .values import format_number

    cohort = data["_cohort"]
    df = cohort.patients

    def column(name: str) -> dict[str, Any]:
        if name not in df:
            return {}
        out = {}
        for pid, value in zip(df["patient_id"], df[name], strict=True):
            if value is None or (isinstance(value, float) and value != value):
                out[pid] = None
            elif isinstance(value, float):
                approx = "≈" if name in cohort.approx.get(pid, ()) else ""
                out[pid] = approx + format_number(round(value, 1)) if approx else value
            else:
                out[pid] = value
        return out

    from .sections import rin_applies

    columns = [
        SummaryColumn("age", "Age", column("age"), "age in years"),
        SummaryColumn("sex", "Sex", column("sex")),
        SummaryColumn("latency_years", "Latency (y)", column("latency_years"),
                      "years from NPC diagnosis to NEC diagnosis (≈: partial dates)"),
    ]
    if rin_applies(cohort):
        columns.append(SummaryColumn("rin_status", "RIN criteria", column("rin_status"),
                                     "all three radiation-induced neoplasm criteria met?"))
    # A column nobody has a value for only takes room.
    return [c for c in columns if any(v is not None for v in c.values.values())]


@hookimpl
def rinec_patient_samples(data: dict[str, Any]) -> dict[str, list[str]]:
    """The clinical table is the run's list of patients, with their samples."""
    df = data["patients"]
    return {
        pid: [s for s in str(samples).split(";") if s] if isinstance(samples, str) else []
        for pid, samples in zip(df["patient_id"], df["sample_id"], strict=True)
    }
