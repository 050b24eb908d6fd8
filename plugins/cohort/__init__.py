"""The cohort plugin: the clinical table, Table 1, RIN criteria, patient timelines,
the selection flow; publishes the ``patients`` dataset (with survival times) that
the survival plugin and others read.

Heavy imports (pandas, altair, openpyxl) happen inside the hooks: this module is
imported to build ``rinec-report --help``.
"""

from __future__ import annotations

from typing import Any

from rinec_report import CliOption, Pattern, hookimpl

# (name, type, default, help, cli): the plugin's options, as rinec_options() declares
# them (rinec_report.Option takes the same fields).
OPTIONS: list[tuple[str, str, Any, str, str | None]] = [
    ("columns", "dict[str,str]", {},
     "canonical column -> the header your table uses, e.g. {patient_id: Patient}", None),
    ("types", "dict[str,str]", {},
     "column -> number, category, date or text, for columns the plugin infers wrongly", None),
    ("labels", "dict[str,str]", {}, "column -> the label Table 1 shows", None),
    ("sheet", "str", None, "the Excel sheet to read (default: the first with data)", None),
    ("date_format", "str", "auto",
     "day/month order of dates written with slashes: auto, DD/MM/YYYY or MM/DD/YYYY", "--date-format"),
    ("profile", "str", "auto",
     "second_cancer (first and second tumour, RIN criteria), generic, or auto (second_cancer "
     "when the table has NPC/NEC columns)", None),
    ("table1_by", "str", None, "stratify Table 1 by this column, with tests", "--table1-by"),
    ("table1", "dict", {}, "Table 1 settings: {by: column}", None),
    ("latency_min_years", "float", 2,
     "RIN criterion 2: minimum years from the end of radiotherapy to the second tumour", "--latency-min-years"),
    ("survival_start", "str", "nec_diagnosis", "where survival starts: nec_diagnosis or first_treatment", None),
    ("followup_end", "date", None,
     "the study's follow-up end (YYYY-MM-DD): living patients without a last follow-up are censored here",
     "--followup-end"),
    ("timeline_axis", "str", "years", "the timeline's left panel: years since NPC diagnosis, or calendar", None),
    ("selection", "any", None, "selection flow: a list of {label, n}, the last item optionally {branch: [...]}",
     None),
]
DEFAULTS: dict[str, Any] = {name: default for name, _, default, _, _ in OPTIONS}


@hookimpl
def rinec_config_defaults() -> dict[str, Any]:
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULTS.items()}


@hookimpl
def rinec_cli_options() -> list[CliOption]:
    out = []
    for name, kind, _, text, cli in OPTIONS:
        if cli:
            out.append(CliOption(cli, name, text[:1].upper() + text[1:] + ".",
                                 **({"type": "float"} if kind == "float" else {})))
    return out


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
def rinec_datasets(files: list[Any], options: dict[str, Any], config: dict[str, Any]
                   ) -> dict[str, Any] | None:
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
    cohort = build(tables, options, config)
    for problem in cohort.problems:
        warnings.warn(problem, InputWarning, stacklevel=2)
    return {
        "patients": cohort.patients,
        "survival_rule": cohort.survival_rule,
        # cBioPortal's meta_study.txt: name and description, for the report's title
        "study": {"name": study.name, "description": study.description} if study else None,
        # not part of the contract: what the cohort's own sections need
        "cohort": cohort,
    }


@hookimpl
def rinec_sections(datasets: Any, options: dict[str, Any]) -> list[Any]:
    from .sections import build_sections

    return build_sections(datasets.get("cohort", "cohort"), options)


@hookimpl
def rinec_summary_columns(datasets: Any) -> list[Any]:
    from rinec_report.model import SummaryColumn

    from .values import format_number

    cohort = datasets.get("cohort", "cohort")
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
        SummaryColumn("age", "Age", column("age"), "age in years", order=10),
        SummaryColumn("sex", "Sex", column("sex"), order=11),
        SummaryColumn("latency_years", "Latency (y)", column("latency_years"),
                      "years from NPC diagnosis to NEC diagnosis (≈: partial dates)", order=12),
    ]
    if rin_applies(cohort):
        columns.append(SummaryColumn("rin_status", "RIN criteria", column("rin_status"),
                                     "all three radiation-induced neoplasm criteria met?",
                                     order=13))
    # A column nobody has a value for only takes room.
    return [c for c in columns if any(v is not None for v in c.values.values())]


@hookimpl
def rinec_patient_samples(datasets: Any) -> dict[str, list[str]]:
    df = datasets.get("cohort", "patients")
    return {
        pid: [s for s in str(samples).split(";") if s]
        for pid, samples in zip(df["patient_id"], df["sample_id"], strict=True)
        if samples
    }
