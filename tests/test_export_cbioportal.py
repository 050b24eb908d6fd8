"""``rinec-report export cbioportal``: a study folder in cBioPortal's file formats.

Expected values come from the original run's data folder (the TSV tables a plain
``rinec-report RUN_DIR`` writes) and from cBioPortal's docs/File-Formats.md (file names,
the four header lines, the coded statuses, the meta keys); the round trip reads the
exported folder back as a run directory and compares its tables column by column.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hardening_helpers import HANG_S, assert_one_line_errors, cli

ROOT = Path(__file__).parent.parent
STUDY = Path(__file__).parent / "data" / "clinical" / "cbioportal_study_es_0"
FILES = ["meta_study.txt", "meta_clinical_patient.txt", "data_clinical_patient.txt", "meta_clinical_sample.txt",
         "data_clinical_sample.txt", "meta_mutations.txt", "data_mutations.txt", "case_lists/cases_all.txt",
         "case_lists/cases_sequenced.txt"]
SURVIVAL = ["patient_id", "os_time", "os_event", "dfs_time", "dfs_event"]
MUTATION = ["sample", "patient_id", "gene", "chrom", "pos", "ref", "alt", "variant_classification", "hgvsp_short"]


def data_tables(run_dir: Path, out: Path, *extra: str) -> Path:
    result = cli(run_dir, "-o", out, "-f", "-m", "cohort", "-m", "survival", "-m", "variants", *extra)
    assert result.returncode == 0, result.stderr
    return out / "rinec_report_data"


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.tsv", sep="\t", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(original data folder, exported study, the study's own data folder)."""
    root = tmp_path_factory.mktemp("cbio")
    original = data_tables(STUDY, root / "original")
    study = root / "study"
    result = cli("export", "cbioportal", STUDY, study)
    assert result.returncode == 0, result.stderr
    back = data_tables(study, root / "back")
    return original, study, back


def meta(path: Path) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in path.read_text().splitlines())


def test_the_study_has_the_documented_files(exported: tuple[Path, Path, Path]) -> None:
    _original, study, _back = exported
    assert sorted(str(p.relative_to(study)) for p in study.rglob("*") if p.is_file()) == sorted(FILES)
    assert meta(study / "meta_clinical_patient.txt") == {
        "cancer_study_identifier": "rinec_study", "genetic_alteration_type": "CLINICAL",
        "datatype": "PATIENT_ATTRIBUTES", "data_filename": "data_clinical_patient.txt"}
    mutations = meta(study / "meta_mutations.txt")
    assert (mutations["genetic_alteration_type"], mutations["datatype"]) == ("MUTATION_EXTENDED", "MAF")
    assert meta(study / "case_lists" / "cases_all.txt")["stable_id"] == "rinec_study_all"


def test_clinical_files_have_four_header_lines(exported: tuple[Path, Path, Path]) -> None:
    _original, study, _back = exported
    for name, first in (("data_clinical_patient.txt", "PATIENT_ID"), ("data_clinical_sample.txt", "SAMPLE_ID")):
        lines = (study / name).read_text().splitlines()
        assert all(line.startswith("#") for line in lines[:4])
        assert not lines[4].startswith("#") and lines[4].split("\t")[0] == first
        widths = {len(line.split("\t")) for line in lines}
        assert len(widths) == 1, name
        assert set(lines[2][1:].split("\t")) <= {"STRING", "NUMBER", "BOOLEAN"}


def test_survival_uses_cbioportal_status_codes(exported: tuple[Path, Path, Path]) -> None:
    _original, study, _back = exported
    patients = pd.read_csv(study / "data_clinical_patient.txt", sep="\t", comment="#", dtype=str,
                           keep_default_na=False)
    # The vendored study's own patient file, read by pandas: its statuses per patient.
    given = pd.read_csv(STUDY / "data_clinical_patients.txt", sep="\t", comment="#", dtype=str,
                        keep_default_na=False).set_index("PATIENT_ID")
    assert set(patients["OS_STATUS"]) <= {"1:DECEASED", "0:LIVING", "NA"}
    assert set(patients["DFS_STATUS"]) <= {"1:Recurred/Progressed", "0:DiseaseFree", "NA"}
    row = patients.set_index("PATIENT_ID").loc["TCGA-A1-A0SK"]
    assert (row["OS_STATUS"], row["OS_MONTHS"]) == (given.loc["TCGA-A1-A0SK", "OS_STATUS"],
                                                    given.loc["TCGA-A1-A0SK", "OS_MONTHS"])


def test_cases_sequenced_are_the_maf_samples(exported: tuple[Path, Path, Path]) -> None:
    _original, study, _back = exported
    maf = pd.read_csv(STUDY / "data_mutations_extended.maf", sep="\t", comment="#", dtype=str)
    ids = meta(study / "case_lists" / "cases_sequenced.txt")["case_list_ids"].split("\t")
    assert set(maf["Tumor_Sample_Barcode"]) <= set(ids)


@pytest.mark.parametrize(("table", "columns"), [
    ("cohort_patients", ["patient_id", "sample_id", "os_months", "os_event", "dfs_months", "dfs_event"]),
    ("cohort_samples", ["sample_id", "patient_id", "subtype"]),
    ("survival_patients", SURVIVAL),
    ("survival_medians", ["endpoint", "group", "n", "events", "median", "ci_lower", "ci_upper"]),
    ("variants_mutations", MUTATION),
])
def test_round_trip_gives_the_same_tables(exported: tuple[Path, Path, Path], table: str, columns: list[str]) -> None:
    original, _study, back = exported
    want, got = read(original, table), read(back, table)
    key = columns[:2] if table != "variants_mutations" else MUTATION[:7]
    want = want.sort_values(key).reset_index(drop=True)
    got = got.sort_values(key).reset_index(drop=True)
    for column in columns:
        assert list(got[column]) == list(want[column]), column


def test_round_trip_of_the_example_run_from_vcfs(tmp_path: Path) -> None:
    original = data_tables(ROOT / "example_run", tmp_path / "original")
    assert cli("export", "cbioportal", ROOT / "example_run", tmp_path / "study").returncode == 0
    back = data_tables(tmp_path / "study", tmp_path / "back")
    for table, columns in (("survival_patients", ["patient_id", "os_time", "os_event", "pfs_time", "pfs_event"]),
                           ("variants_mutations", ["sample", "gene", "chrom", "pos", "variant_classification"])):
        want = read(original, table).sort_values(columns[:5]).reset_index(drop=True)
        got = read(back, table).sort_values(columns[:5]).reset_index(drop=True)
        for column in columns:
            assert list(got[column]) == list(want[column]), (table, column)


def test_deidentified_export_carries_the_deidentified_report_values(tmp_path: Path) -> None:
    """The export's ids are the de-identified report's pseudonyms: none of the study's ids."""
    original = data_tables(STUDY, tmp_path / "original", "--deidentify")
    assert cli("export", "cbioportal", STUDY, tmp_path / "study", "--deidentify").returncode == 0
    text = "".join(p.read_text() for p in (tmp_path / "study").rglob("*.txt"))
    assert "TCGA-A1-A0SK" not in text and "TCGA-A1-A0SB-01" not in text
    patients = pd.read_csv(tmp_path / "study" / "data_clinical_patient.txt", sep="\t", comment="#", dtype=str)
    assert set(patients["PATIENT_ID"]) == set(read(original, "cohort_patients")["patient_id"])


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "notes.txt").write_text("mine")
    result = cli("export", "cbioportal", STUDY, tmp_path / "study")
    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert_one_line_errors(result)
    assert (tmp_path / "study" / "notes.txt").read_text() == "mine"


def test_a_run_without_clinical_table_is_one_line_error(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(STUDY / "data_mutations_extended.maf", run / "calls.maf")
    result = cli("export", "cbioportal", run, tmp_path / "study")
    assert result.returncode == 1
    assert "cohort_patients" in result.stderr
    assert_one_line_errors(result)


# cbioportal-core's validator (scripts/importer/validateData.py, AGPL-3.0, not vendored):
# CBIOPORTAL_VALIDATOR is that file (or its scripts/ folder); CBIOPORTAL_PYTHON a Python with
# its requirements.txt (requests, PyYAML, Jinja2, dsnparse), by default this one.
VALIDATOR = os.environ.get("CBIOPORTAL_VALIDATOR", "")
VALIDATOR_PYTHON = os.environ.get("CBIOPORTAL_PYTHON", sys.executable)


def validator_scripts() -> Path:
    path = Path(VALIDATOR)
    return path.parent.parent if path.suffix == ".py" else path


def validate(study: Path) -> subprocess.CompletedProcess[str]:
    """The documented offline run: ``python -m importer.validateData -s STUDY -n`` from scripts/
    (-n: no portal connection, so no check against a portal's cancer types or genes)."""
    return subprocess.run([VALIDATOR_PYTHON, "-m", "importer.validateData", "-s", str(study), "-n"],
                          cwd=validator_scripts(), capture_output=True, text=True, timeout=HANG_S)


needs_validator = pytest.mark.skipif(not VALIDATOR, reason="set CBIOPORTAL_VALIDATOR to cbioportal-core's "
                                     "scripts/importer/validateData.py (AGPL-3.0, not vendored here)")


@needs_validator
def test_cbioportal_validator_accepts_the_study(exported: tuple[Path, Path, Path]) -> None:
    """cBioPortal's own validator, offline: exit 0 = valid, 3 = valid with warnings; no ERROR line."""
    _original, study, _back = exported
    result = validate(study)
    assert result.returncode in (0, 3), result.stdout + result.stderr
    assert "ERROR" not in result.stdout + result.stderr


@needs_validator
@pytest.mark.parametrize("extra", [(), ("--deidentify",)])
def test_cbioportal_validator_accepts_the_example_run(extra: tuple[str, ...], tmp_path: Path) -> None:
    assert cli("export", "cbioportal", ROOT / "example_run", tmp_path / "study", *extra).returncode == 0
    result = validate(tmp_path / "study")
    assert result.returncode in (0, 3), result.stdout + result.stderr
    assert "ERROR" not in result.stdout + result.stderr


def test_deidentified_export_of_the_example_has_no_dates_notes_or_ids(tmp_path: Path) -> None:
    """--deidentify applies to the study as to the report: the example's clinical table has dates
    (2018-09-20 ...), a notes column and patients P1..P5 (by hand reading of clinical.xlsx)."""
    import re

    assert cli("export", "cbioportal", ROOT / "example_run", tmp_path / "plain").returncode == 0
    assert cli("export", "cbioportal", ROOT / "example_run", tmp_path / "shared", "--deidentify").returncode == 0
    plain = (tmp_path / "plain" / "data_clinical_patient.txt").read_text()
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", plain) and "\tNOTES" in plain
    samples = set(pd.read_csv(tmp_path / "plain" / "data_mutations.txt", sep="\t", dtype=str)["Tumor_Sample_Barcode"])
    assert len(samples) == 4  # the example's four tumour samples, such as 20S3087569
    for path in (tmp_path / "shared").rglob("*.txt"):
        text = path.read_text()
        assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b", text), path.name
        assert not re.search(r"\bP[1-5]\b", text), path.name
        assert not [s for s in samples if s in text], path.name
    shared = pd.read_csv(tmp_path / "shared" / "data_clinical_patient.txt", sep="\t", comment="#", dtype=str)
    assert "NOTES" not in shared.columns
    assert len(shared) == 5
