"""The qc plugin on the output of a real MultiQC run (pypi multiqc, run here on two
``bcftools stats`` files written to bcftools' documented format).

Expected values are MultiQC's own: its multiqc_general_stats.txt (value for value) and
its headers' titles in multiqc_data.json; the samples' patients are the clinical table's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hardening_helpers import HANG_S

from rinec_report import run

STATS = """# This file was produced by bcftools stats (1.17+htslib-1.17) and can be plotted using plot-vcfstats.
# The command line was:\tbcftools stats  {name}.vcf.gz
#
# Definition of sets:
# ID\t[2]id\t[3]tab-separated file names
ID\t0\t{name}.vcf.gz
# SN, Summary numbers:
# SN\t[2]id\t[3]key\t[4]value
SN\t0\tnumber of samples:\t1
SN\t0\tnumber of records:\t{records}
SN\t0\tnumber of no-ALTs:\t0
SN\t0\tnumber of SNPs:\t{snps}
SN\t0\tnumber of MNPs:\t0
SN\t0\tnumber of indels:\t{indels}
SN\t0\tnumber of others:\t0
SN\t0\tnumber of multiallelic sites:\t0
SN\t0\tnumber of multiallelic SNP sites:\t0
# TSTV, transitions/transversions:
# TSTV\t[2]id\t[3]ts\t[4]tv\t[5]ts/tv\t[6]ts (1st ALT)\t[7]tv (1st ALT)\t[8]ts/tv (1st ALT)
TSTV\t0\t{ts}\t{tv}\t{ratio:.2f}\t{ts}\t{tv}\t{ratio:.2f}
"""
CLINICAL = "patient_id,sample_id,age\nP1,S1,60\nP2,S2,50\nP3,S3,40\n"


@pytest.fixture(scope="module")
def multiqc_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("multiqc") is None and not (Path(sys.executable).parent / "multiqc").exists():
        pytest.fail("multiqc is a test dependency (pip install 'rinec-report[test]')")
    root = tmp_path_factory.mktemp("mqc")
    inputs = root / "tool_outputs"
    inputs.mkdir()
    for name, records, indels, ts, tv in (("S1", 12, 2, 6, 4), ("S2", 7, 2, 3, 2)):
        (inputs / f"{name}.bcftools_stats.txt").write_text(STATS.format(
            name=name, records=records, snps=records - indels, indels=indels, ts=ts, tv=tv, ratio=ts / tv))
    run_dir = root / "run"
    run_dir.mkdir()
    (run_dir / "clinical.csv").write_text(CLINICAL)
    multiqc = str(Path(sys.executable).parent / "multiqc")
    done = subprocess.run([multiqc, "-q", "-f", str(inputs), "-o", str(run_dir / "qc")],
                          capture_output=True, text=True, timeout=HANG_S)
    assert done.returncode == 0, done.stderr
    return run_dir


def report(run_dir: Path, out: Path, yaml: str = "") -> object:
    (run_dir / "rinec_report.yaml").write_text(yaml)
    return run(run_dir, outdir=out, force=True, plugins=("cohort", "qc"))


def test_values_equal_multiqc_general_stats(multiqc_run: Path, tmp_path: Path) -> None:
    theirs = pd.read_csv(multiqc_run / "qc" / "multiqc_data" / "multiqc_general_stats.txt", sep="\t")
    ours = report(multiqc_run, tmp_path).tables["qc_samples"]
    headers = json.loads((multiqc_run / "qc" / "multiqc_data" / "multiqc_data.json").read_text())[
        "report_general_stats_headers"]["bcftools"]
    ours = ours.set_index("sample")
    theirs = theirs.set_index("Sample")
    assert set(ours.index) == set(theirs.index) == {"S1", "S2"}
    for column in theirs.columns:
        key = column.split("-", 1)[1]
        title = headers[key]["title"] if not headers[key].get("hidden") else key
        for sample in theirs.index:
            assert ours.loc[sample, title] == pytest.approx(theirs.loc[sample, column]), (column, sample)
    assert dict(ours["patient_id"]) == {"S1": "P1", "S2": "P2"}


def test_threshold_flags_failing_samples_and_unknown_patients(multiqc_run: Path, tmp_path: Path) -> None:
    got = report(multiqc_run, tmp_path, "qc:\n  min_mean_coverage: 10\n  coverage_metric: number_of_records\n")
    summary = got.tables["report_summary"].set_index("patient_id")
    # By hand: S1 has 12 records (>= 10), S2 has 7; P3 has no MultiQC sample at all.
    assert summary.loc["P1", "qc"] == "pass"
    assert summary.loc["P2", "qc"].startswith("fail")
    assert summary.loc["P3", "qc"].startswith("unknown")
    assert summary.loc["P2", "qc_number_of_records"] == "7"  # MultiQC's format {:,.0f}


def test_bad_json_is_one_message_and_the_rest_renders(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    (run_dir / "multiqc_data").mkdir(parents=True)
    (run_dir / "clinical.csv").write_text(CLINICAL)
    (run_dir / "multiqc_data" / "multiqc_data.json").write_text('{"report_general_stats_data": [1, 2')
    got = run(run_dir, outdir=tmp_path / "out", force=True, plugins=("cohort", "qc"))
    errors = [m for m in got.messages if m.level == "error"]
    assert len(errors) == 1 and "MultiQC" in errors[0].text and "\n" not in errors[0].text
    assert "cohort_patients" in got.tables
