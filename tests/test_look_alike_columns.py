"""A column that looks like a known field but is not used is named in a warning, never
dropped or chosen silently: two follow-up dates in a clinical table, a status without a
time in a survival table. Expected texts are the headers written in the fixtures."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as fh:
        csv.writer(fh, delimiter="\t").writerows(rows)


def _run(run_dir: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rinec_report.cli", str(run_dir), "-o", str(out), "--force"],
                          capture_output=True, text=True, timeout=300)


def _account(out: Path) -> dict[str, dict[str, str]]:
    with (out / "rinec_report_data" / "report_account.tsv").open() as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def test_a_second_follow_up_date_is_kept_and_named(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    _write(run / "clinical.tsv", [
        ["patient_id", "age", "Date of diagnosis", "Date of last follow-up", "Last follow-up date"],
        *[[f"P{i}", str(50 + i), f"2015-01-0{i}", f"2020-01-0{i}", f"2020-03-0{i}"] for i in range(1, 5)],
    ])
    done = _run(run, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    # Both headers named in one warning; the file is read, not refused.
    assert "'Date of last follow-up' and 'Last follow-up date' both look like" in done.stderr
    row = _account(tmp_path / "out")["clinical.tsv"]
    assert "Date of last follow-up as last_followup_date" in row["fields"]
    assert row["extra_columns"] == "Last follow-up date"


def test_two_patient_id_columns_are_still_refused(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    _write(run / "clinical.tsv", [["patient_id", "Patient ID", "age"], ["P1", "X1", "50"], ["P2", "X2", "60"]])
    done = _run(run, tmp_path / "out")
    assert "both read as 'patient_id'" in done.stderr


def test_a_status_without_its_time_is_a_look_alike(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    _write(run / "survival.tsv", [
        ["patient_id", "os_months", "os_event", "dfs_status"],
        *[[f"P{i}", str(3 * i), str(i % 2), "1"] for i in range(1, 5)],
    ])
    done = _run(run, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert stderr_lines_with(done.stderr, "'dfs_status' looks like the DFS status") == 1
    row = _account(tmp_path / "out")["survival.tsv"]
    assert row["ignored_columns"].startswith("dfs_status (looks like the DFS status")


def stderr_lines_with(stderr: str, text: str) -> int:
    return sum(text in line for line in stderr.splitlines())
