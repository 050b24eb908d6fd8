"""A cBioPortal study folder from a finished report (``rinec-report export cbioportal``).

The study is written from the report's own tables, after the run has (or has not)
de-identified them: a ``--deidentify`` export therefore carries exactly the values the
de-identified page and data folder carry, by the core's rules, with no second copy of
them here. File formats follow cBioPortal's docs/File-Formats.md: clinical files with
their four '#' header lines (display name, description, datatype, priority), a MAF,
case lists, and one meta file per data file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .write import OutputError

# cBioPortal's coded statuses (File-Formats.md, "Clinical data"): event code first.
STATUS_WORDS = {
    "os": ("0:LIVING", "1:DECEASED"),
    "pfs": ("0:CENSORED", "1:PROGRESSION"),
    "dfs": ("0:DiseaseFree", "1:Recurred/Progressed"),
    "dss": ("0:ALIVE OR DEAD TUMOR FREE", "1:DEAD WITH TUMOR"),
}
TITLES = {"os": "Overall Survival", "pfs": "Progression Free Survival", "dfs": "Disease Free Survival",
          "dss": "Disease-specific Survival"}
# The report's mutation columns and their MAF names (the GDC MAF specification's).
MAF_COLUMNS = {
    "gene": "Hugo_Symbol",
    "sample": "Tumor_Sample_Barcode",
    "chrom": "Chromosome",
    "pos": "Start_Position",
    "ref": "Reference_Allele",
    "alt": "Tumor_Seq_Allele2",
    "variant_classification": "Variant_Classification",
    "variant_type": "Variant_Type",
    "hgvsp_short": "HGVSp_Short",
    "filter": "FILTER",
    "t_ref_count": "t_ref_count",
    "t_alt_count": "t_alt_count",
    "n_ref_count": "n_ref_count",
    "n_alt_count": "n_alt_count",
    "protein_position": "Protein_position",
}
_STUDY_ID = re.compile(r"^[A-Za-z0-9_-]{1,63}$")


class ExportError(ValueError):
    """The study cannot be written as asked (one line, naming the file or option)."""


def export_study(tables: Mapping[str, pd.DataFrame], outdir: str | Path, *, study_id: str = "rinec_study",
                 name: str = "rinec-report study", description: str = "", cancer_type: str = "mixed",
                 force: bool = False) -> list[Path]:
    """Write the study folder; returns the files written, in writing order."""
    if not _STUDY_ID.match(study_id):
        raise ExportError(f"study id {study_id!r}: letters, digits, '_' and '-' only, at most 63")
    out = Path(outdir)
    if out.exists() and any(out.iterdir()) and not force:
        raise OutputError(f"{out} is not empty; use --force to write into it")
    (out / "case_lists").mkdir(parents=True, exist_ok=True)
    patients, samples, mutations = _cohort(tables)
    written: list[Path] = []

    def write(relpath: str, text: str) -> None:
        path = out / relpath
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)

    write("meta_study.txt", _meta({"type_of_cancer": cancer_type, "cancer_study_identifier": study_id,
                                   "name": _one_line(name), "description": _one_line(description or name),
                                   "add_global_case_list": "false"}))
    write("meta_clinical_patient.txt",
          _meta(_clinical_meta(study_id, "PATIENT_ATTRIBUTES", "data_clinical_patient.txt")))
    write("data_clinical_patient.txt", clinical_text(patients))
    write("meta_clinical_sample.txt", _meta(_clinical_meta(study_id, "SAMPLE_ATTRIBUTES", "data_clinical_sample.txt")))
    write("data_clinical_sample.txt", clinical_text(samples))
    sequenced = list(samples["SAMPLE_ID"])
    if mutations is not None:
        write("meta_mutations.txt", _meta({
            "cancer_study_identifier": study_id, "genetic_alteration_type": "MUTATION_EXTENDED", "datatype": "MAF",
            "stable_id": "mutations", "show_profile_in_analysis_tab": "true", "profile_name": "Mutations",
            "profile_description": "Mutations from the report's variant files.",
            "data_filename": "data_mutations.txt"}))
        write("data_mutations.txt", maf_text(mutations))
        sequenced = _sequenced(tables, sequenced)
    all_ids = list(samples["SAMPLE_ID"])
    write("case_lists/cases_all.txt", _case_list(study_id, "all", "All samples", all_ids, "all_cases_in_study"))
    write("case_lists/cases_sequenced.txt",
          _case_list(study_id, "sequenced", "Samples with mutation data", sequenced, "all_cases_with_mutation_data"))
    return written


def _cohort(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """(patient attributes, sample attributes, mutations) in cBioPortal's column names."""
    cohort = tables.get("cohort_patients")
    if cohort is None or cohort.empty:
        raise ExportError("the run has no clinical table (cohort_patients): cBioPortal needs one patient file")
    patients = pd.DataFrame({"PATIENT_ID": cohort["patient_id"].astype(str)})
    # The survival plugin's times are the unrounded ones (from dates, where the table gave dates).
    survival = tables.get("survival_patients")
    times = survival.set_index("patient_id") if survival is not None and not survival.empty else None
    for endpoint, (living, event) in STATUS_WORDS.items():
        months, status = f"{endpoint}_months", f"{endpoint}_event"
        if months not in cohort and status not in cohort:
            continue
        month_values, status_values = cohort.get(months), cohort.get(status)
        if times is not None and f"{endpoint}_time" in times:
            exact = times[f"{endpoint}_time"].reindex(patients["PATIENT_ID"]).to_numpy()
            month_values = exact if month_values is None else pd.Series(exact).fillna(
                pd.Series(pd.to_numeric(month_values, errors="coerce").to_numpy()))
        if status_values is not None:
            patients[f"{endpoint.upper()}_STATUS"] = [
                None if _missing(v) else (event if int(v) == 1 else living) for v in status_values]
        if month_values is not None:
            patients[f"{endpoint.upper()}_MONTHS"] = pd.to_numeric(month_values, errors="coerce").to_numpy()
    samples = _samples(tables, cohort)
    # An attribute the sample file carries stays there: cBioPortal refuses it at both levels.
    skip = {"patient_id", "sample_id", *(f"{e}_{k}" for e in STATUS_WORDS for k in ("months", "event"))}
    skip |= {c.lower() for c in samples.columns}
    for column in cohort.columns:
        if column not in skip:
            patients[_attribute(column)] = cohort[column].to_numpy()
    mutations = tables.get("variants_mutations")
    if mutations is not None and not mutations.empty:
        known = set(samples["SAMPLE_ID"])
        extra = [s for s in dict.fromkeys(mutations["sample"].astype(str)) if s not in known]
        if extra:  # cBioPortal refuses a MAF sample its sample file lacks
            owners = mutations.drop_duplicates("sample").set_index("sample")["patient_id"]
            samples = pd.concat([samples, pd.DataFrame({
                "SAMPLE_ID": extra, "PATIENT_ID": [str(owners.get(s, s)) for s in extra]})], ignore_index=True)
        missing = set(samples["PATIENT_ID"]) - set(patients["PATIENT_ID"])
        if missing:
            patients = pd.concat([patients, pd.DataFrame({"PATIENT_ID": sorted(missing)})], ignore_index=True)
    else:
        mutations = None
    return patients, samples, mutations


def _samples(tables: Mapping[str, pd.DataFrame], cohort: pd.DataFrame) -> pd.DataFrame:
    given = tables.get("cohort_samples")
    # A de-identified run drops the sample ids it cannot pseudonymize consistently: then the
    # mutations' (pseudonymized) samples are the samples, and each patient gets one of their own.
    if given is not None and not given.empty and {"sample_id", "patient_id"} <= set(given.columns):
        samples = pd.DataFrame({"SAMPLE_ID": given["sample_id"].astype(str),
                                "PATIENT_ID": given["patient_id"].astype(str)})
        for column in given.columns:
            if column not in ("sample_id", "patient_id"):
                samples[_attribute(column)] = given[column].to_numpy()
        return samples
    cells = cohort["sample_id"] if "sample_id" in cohort else [None] * len(cohort)
    rows = [(s, str(p)) for p, cell in zip(cohort["patient_id"], cells, strict=True)
            for s in (str(cell).split(";") if not _missing(cell) else [])]
    # A patient with no sample of record gets one named after them: cBioPortal needs a sample.
    have = {p for _s, p in rows}
    rows += [(str(p), str(p)) for p in cohort["patient_id"] if str(p) not in have]
    return pd.DataFrame(rows, columns=["SAMPLE_ID", "PATIENT_ID"])


def _sequenced(tables: Mapping[str, pd.DataFrame], fallback: list[str]) -> list[str]:
    frame = tables.get("variants_samples")
    if frame is None or frame.empty:
        return fallback
    return [str(s) for s in dict.fromkeys(frame["sample"].astype(str))]


def clinical_text(frame: pd.DataFrame) -> str:
    """A clinical file: four '#' lines (names, descriptions, datatypes, priorities), then rows."""
    columns = list(frame.columns)
    kinds = [_datatype(frame[c]) for c in columns]
    names = [_display(c) for c in columns]
    lines = ["#" + "\t".join(names), "#" + "\t".join(names), "#" + "\t".join(kinds),
             "#" + "\t".join("1" for _ in columns), "\t".join(columns)]
    for row in frame.itertuples(index=False):
        lines.append("\t".join(_cell(v, k) for v, k in zip(row, kinds, strict=True)))
    return "\n".join(lines) + "\n"


def maf_text(mutations: pd.DataFrame) -> str:
    """The MAF: the report's mutations under the MAF's column names, End_Position computed."""
    frame = pd.DataFrame({maf: mutations[ours] for ours, maf in MAF_COLUMNS.items() if ours in mutations})
    if "Start_Position" in frame and "Reference_Allele" in frame:
        ref = frame["Reference_Allele"].astype(str)
        # An insertion ("-") spans the two bases around it, as the MAF spec writes it.
        span = ref.str.len().where(ref != "-", 2)
        frame.insert(list(frame.columns).index("Start_Position") + 1, "End_Position",
                     pd.to_numeric(frame["Start_Position"], errors="coerce") + span - 1)
    lines = ["\t".join(frame.columns)]
    for row in frame.itertuples(index=False):
        # A MAF's unknown count is blank: cBioPortal's validator refuses "NA" there.
        lines.append("\t".join("" if _missing(v) else _cell(v, "STRING") for v in row))
    return "\n".join(lines) + "\n"


def _case_list(study: str, suffix: str, title: str, ids: Iterable[str], category: str) -> str:
    ids = list(dict.fromkeys(ids))
    return _meta({"cancer_study_identifier": study, "stable_id": f"{study}_{suffix}", "case_list_name": title,
                  "case_list_description": f"{title} ({len(ids)} samples)", "case_list_category": category,
                  }) + "case_list_ids: " + "\t".join(_one_line(i) for i in ids) + "\n"


def _clinical_meta(study: str, datatype: str, filename: str) -> dict[str, str]:
    return {"cancer_study_identifier": study, "genetic_alteration_type": "CLINICAL", "datatype": datatype,
            "data_filename": filename}


def _meta(fields: Mapping[str, str]) -> str:
    return "".join(f"{k}: {_one_line(v)}\n" for k, v in fields.items())


def _one_line(text: Any) -> str:
    # A meta file is one "key: value" a line: a value's line break would start a key of its own.
    return " ".join(str(text or "").split())


def _attribute(column: str) -> str:
    return re.sub(r"[^A-Z0-9_]", "_", str(column).upper())


def _display(attribute: str) -> str:
    for endpoint, title in TITLES.items():
        if attribute == f"{endpoint.upper()}_STATUS":
            return f"{title} Status"
        if attribute == f"{endpoint.upper()}_MONTHS":
            return f"{title} (Months)"
    return {"PATIENT_ID": "Patient Identifier", "SAMPLE_ID": "Sample Identifier"}.get(
        attribute, attribute.replace("_", " ").title())


def _datatype(series: pd.Series) -> str:
    if series.name in ("PATIENT_ID", "SAMPLE_ID") or series.dtype == bool:
        return "STRING"
    values = series.dropna()
    if len(values) and pd.api.types.is_numeric_dtype(values):
        return "NUMBER"
    return "STRING"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _cell(value: Any, kind: str) -> str:
    if _missing(value):
        return "NA"  # cBioPortal's "missing" for every datatype
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # A tab or line break inside a cell would shift or split a row.
    return " ".join(str(value).split("\t")).replace("\r", " ").replace("\n", " ")
