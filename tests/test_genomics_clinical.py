"""Mutation status against clinical data, on maftools' TCGA LAML MAF and its clinical annotation:
mutated against wild-type log-rank tests held to R's survdiff, clinical enrichment to R's
fisher.test (tests/data/genomics/clinical_reference.R wrote the vendored output)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import rinec_report

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
MAF = DATA / "variants" / "maftools_tcga_laml.maf.gz"
ANNOT = DATA / "genomics" / "maftools_tcga_laml_annot.tsv"
R_SCRIPT = DATA / "genomics" / "clinical_reference.R"
R_OUT = DATA / "genomics" / "clinical_tcga_laml.tsv"
CONFIG = {
    "cohort": {"columns": {"patient_id": "Tumor_Sample_Barcode"}},
    "survival": {"columns": {"patient_id": "Tumor_Sample_Barcode", "os_time": "days_to_last_followup",
                             "os_event": "Overall_Survival_Status"},
                 "input_time_unit": "days", "time_unit": "days"},
}
GENES = ["FLT3", "DNMT3A", "NPM1", "IDH2", "IDH1"]  # R's five most mutated (the vendored output)


def make_run(tmp: Path) -> Path:
    run = tmp / "run"
    run.mkdir()
    shutil.copy(MAF, run / MAF.name)
    # The same annotation read twice: as the clinical table (FAB_classification, a category)
    # and as the survival table (days and status).
    shutil.copy(ANNOT, run / "laml_clinical.tsv")
    shutil.copy(ANNOT, run / "laml_survival.tsv")
    return run


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("laml")
    out = tmp / "out"
    result = rinec_report.run(str(make_run(tmp)), outdir=str(out), force=True, config=CONFIG)
    assert result.exit_status == 0
    return out / "rinec_report_data"


def reference(kind: str) -> pd.DataFrame:
    table = pd.read_csv(R_OUT, sep="\t", comment="#", keep_default_na=False, na_values=[""])
    return table[table["kind"] == kind].reset_index(drop=True)


def test_log_rank_of_mutated_against_wild_type_equals_r_survdiff(report: Path) -> None:
    tests = pd.read_csv(report / "survival_tests.tsv", sep="\t").set_index("group_by")
    medians = pd.read_csv(report / "survival_medians.tsv", sep="\t").set_index("group")
    ref = reference("survdiff")
    assert list(ref["gene"]) == GENES
    for row in ref.itertuples():
        got = tests.loc[f"{row.gene}_status"]
        assert got.statistic == pytest.approx(row.statistic, rel=1e-9), row.gene
        assert got.p_value == pytest.approx(row.p_value, rel=1e-9), row.gene
        mutated = medians.loc[f"{row.gene}_status=mutated"]
        wild = medians.loc[f"{row.gene}_status=wild-type"]
        assert (int(mutated.n), int(mutated.n + wild.n)) == (row.level_mutated, row.level_n)


def test_clinical_enrichment_equals_r_fisher_test(report: Path) -> None:
    ours = pd.read_csv(report / "genomics_clinical_enrichment.tsv", sep="\t", keep_default_na=False,
                       na_values=[""])
    assert set(ours["feature"]) == {"fab_classification"}
    ours = ours.set_index(["gene", "level"])
    ref = reference("fisher")
    assert len(ref) == 40 and len(ours) == 40  # 5 genes x 8 FAB levels
    for row in ref.itertuples():
        got = ours.loc[(row.gene, row.level)]
        assert [got.level_mutated, got.level_n, got.rest_mutated, got.rest_n] == \
            [row.level_mutated, row.level_n, row.rest_mutated, row.rest_n]
        assert got.p_value == pytest.approx(row.p_value, rel=1e-9), (row.gene, row.level)
        assert got.q_value == pytest.approx(row.q_value, rel=1e-9), (row.gene, row.level)
        # R's conditional MLE, found by uniroot to about 1e-4
        assert got.odds_ratio == pytest.approx(row.odds_ratio, rel=5e-4, abs=1e-9), (row.gene, row.level)
    # maftools' vignette: IDH1 mutations are enriched in FAB M1
    top = ours.sort_values("p_value").iloc[0]
    assert top.name == ("IDH1", "M1")


def test_mutation_status_lists_the_sequenced_patients_only(report: Path) -> None:
    status = pd.read_csv(report / "genomics_mutation_status.tsv", sep="\t")
    assert len(status) == 193  # the MAF's samples; the annotation's 200 patients include 7 unsequenced
    assert list(status.columns) == ["patient_id", *[f"{g}_status" for g in GENES]]
    counts = pd.read_csv(report / "genomics_mutation_counts.tsv", sep="\t").set_index("gene")
    assert counts.loc["DNMT3A", "mutated"] == (status["DNMT3A_status"] == "mutated").sum() == 48


def test_categorical_columns_leave_out_numbers_and_free_text() -> None:
    from rinec_plugins.genomics.clinical import features

    cohort = pd.DataFrame({"patient_id": ["a", "b", "c", "d"], "sex": ["male", "female", "male", None],
                           "age": [50.0, 60.0, 70.0, 80.0], "remark": ["x", "y", "z", "w"],
                           "diagnosis_date": ["2001", "2002", "2001", "2002"]})
    assert features(cohort, [], 10) == ["sex"]
    assert features(cohort, ["remark", "nothing"], 10) == ["remark"]


def test_the_tables_survive_deidentification(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = rinec_report.run(str(make_run(tmp_path)), outdir=str(out), force=True, config=CONFIG,
                              deidentify=True)
    assert result.exit_status == 0
    data = out / "rinec_report_data"
    enrichment = pd.read_csv(data / "genomics_clinical_enrichment.tsv", sep="\t")
    assert list(enrichment.columns) == ["feature", "level", "gene", "level_mutated", "level_n", "rest_mutated",
                                        "rest_n", "odds_ratio", "p_value", "q_value"]
    status = pd.read_csv(data / "genomics_mutation_status.tsv", sep="\t")
    assert list(status.columns) == ["patient_id", *[f"{g}_status" for g in GENES]]
    assert not status["patient_id"].str.startswith("TCGA").any()  # pseudonyms
    tests = pd.read_csv(data / "survival_tests.tsv", sep="\t")
    assert "DNMT3A_status" in set(tests["group_by"])
    per_patient = pd.read_csv(data / "survival_patients.tsv", sep="\t")
    assert set(per_patient["DNMT3A_status"].dropna()) == {"mutated", "wild-type"}


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")
def test_the_vendored_r_output_is_what_r_writes_today() -> None:
    fresh = subprocess.run(["Rscript", str(R_SCRIPT)], cwd=ROOT, check=True, timeout=120, capture_output=True,
                           text=True).stdout
    assert [line for line in fresh.splitlines() if not line.startswith("#")] == \
        [line for line in R_OUT.read_text().splitlines() if not line.startswith("#")]
