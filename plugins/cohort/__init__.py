"""The cohort plugin: the clinical table, Table 1, RIN criteria, patient timelines,
the selection flow; publishes the ``patients`` dataset (with survival times) that
the survival plugin and others read.

Heavy imports (pandas, altair, openpyxl) happen inside the hooks: this module is
imported to build ``rinec-report --help``.
"""

from __future__ import annotations

from typing import Any

from rinec_report import CliOption, Pattern, hookimpl

DEFAULTS: dict[str, Any] = {
    # canonical column -> the header your table uses, e.g. {patient_id: "Patient"}
    "columns": {},
    # XLSX sheet to read (default: the first)
    "sheet": None,
    # RIN criterion 2: minimum years from the end of radiotherapy to the second tumour
    "latency_min_years": 2,
    # where survival time starts: nec_diagnosis or first_treatment
    "survival_start": "nec_diagnosis",
    # the study's follow-up end (YYYY-MM-DD): living patients without a last
    # follow-up date are censored here
    "followup_end": None,
    # the timeline's left panel: "years" since NPC diagnosis, or "calendar" dates
    "timeline_axis": "years",
    # selection flow: a list of {label, n}, the last item optionally {branch: [...]}
    "selection": None,
}


@hookimpl
def rinec_config_defaults() -> dict[str, Any]:
    return {k: (dict(v) if isinstance(v, dict) else v) for k, v in DEFAULTS.items()}


@hookimpl
def rinec_cli_options() -> list[CliOption]:
    return [
        CliOption("--followup-end", "followup_end",
                  "The study's follow-up end date (YYYY-MM-DD) for censoring."),
        CliOption("--latency-min-years", "latency_min_years",
                  "Minimum latency for RIN criterion 2 (default 2).", type="float"),
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
                "data_clinical_patient.txt",
            ),
        )
    ]


@hookimpl
def rinec_parse(file: Any, options: dict[str, Any]) -> Any:
    from pathlib import Path

    name = Path(file.path).name
    # Excel's lock file while the table is open; cBioPortal's sample file is not ours.
    if name.startswith("~$") or "clinical_sample" in name.lower():
        return None
    from .parse import parse_clinical

    return parse_clinical(file.path, options)


@hookimpl
def rinec_datasets(files: list[Any], options: dict[str, Any], config: dict[str, Any]
                   ) -> dict[str, Any] | None:
    if not files:
        return None
    import warnings

    from rinec_report.model import InputWarning

    from .derive import build

    cohort = build([f.data for f in files], options, config)
    for problem in cohort.problems:
        warnings.warn(problem, InputWarning, stacklevel=2)
    return {
        "patients": cohort.patients,
        "survival_rule": cohort.survival_rule,
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
