"""Output conventions: the data folder follows the page's name, a log file, one line per warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _run_dir(tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "clinical.csv").write_text("patient_id,age\nPX1,50\nPX2,61\n")
    # An IHC reading of a patient the clinical table does not know: a warning that names PX9.
    (run_dir / "ihc_scores.csv").write_text("patient_id,specimen,marker,intensity,percent\nPX9,NEC,CD56,2,60\n")
    return run_dir


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rinec_report.cli", *args], capture_output=True, text=True,
                          timeout=300)


def test_two_reports_in_one_folder_keep_their_own_data(tmp_path: Path) -> None:
    run_dir, out = _run_dir(tmp_path), tmp_path / "out"
    assert _cli(str(run_dir), "-o", str(out), "-n", "cohortA.html", "-m", "cohort").returncode == 0
    assert _cli(str(run_dir), "-o", str(out), "-n", "cohortB.html", "-m", "ihc").returncode == 0
    assert (out / "cohortA_data" / "cohort_patients.tsv").is_file()
    assert (out / "cohortB_data" / "ihc_scores.tsv").is_file()
    assert not (out / "cohortB_data" / "cohort_patients.tsv").exists()  # A's data untouched and apart


def test_each_warning_is_a_line_on_stderr_and_in_the_log_ids_only_with_v(tmp_path: Path) -> None:
    run_dir, out = _run_dir(tmp_path), tmp_path / "out"
    quiet = _cli(str(run_dir), "-o", str(out))
    lines = [line for line in quiet.stderr.splitlines() if line.startswith("rinec-report: warning:")]
    assert any("IHC readings for patients not in the clinical table: <patient>" in line for line in lines)
    assert "PX9" not in quiet.stderr
    log = (out / "rinec_report_data" / "rinec_report.log").read_text()
    assert "warning: ihc: IHC readings for patients not in the clinical table: <patient>" in log
    loud = _cli(str(run_dir), "-o", str(out), "--force", "-v")
    assert "IHC readings for patients not in the clinical table: PX9" in loud.stderr


def test_a_cbioportal_study_names_the_report_unless_the_config_does(tmp_path: Path) -> None:
    import shutil

    import rinec_report

    study = Path(__file__).resolve().parent / "data" / "clinical" / "cbioportal_study_es_0"
    run_dir = tmp_path / "study"
    shutil.copytree(study, run_dir)
    report = rinec_report.run(run_dir, outdir=tmp_path / "a", plugins=("cohort",))
    # meta_study.txt says "name: Test study es_0" and "description: Test study es_0".
    assert (report.run.title, report.config["comment"]) == ("Test study es_0", "Test study es_0")
    assert "<title>Test study es_0</title>" in report.html_path.read_text()
    named = rinec_report.run(run_dir, outdir=tmp_path / "b", plugins=("cohort",), title="Breast, site B")
    assert named.run.title == "Breast, site B"
