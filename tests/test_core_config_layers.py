"""Configuration files stack as MultiQC's do: the user's, the run directory's, each -c, the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import rinec_report


def _run_dir(tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "ihc_scores.csv").write_text("patient_id,specimen,marker,intensity,percent\nP1,NEC,CD56,2,60\n")
    (run_dir / "rinec_report.yaml").write_text("title: from the run\nihc:\n  comparison_max_patients: 7\n")
    return run_dir


def test_layers_stack_and_later_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir = _run_dir(tmp_path)
    user = tmp_path / "user.yaml"
    user.write_text("comment: from the user\nihc:\n  ebv_markers: [EBER1]\n  comparison_max_patients: 3\n")
    monkeypatch.setenv("RINEC_REPORT_USER_CONFIG", str(user))
    extra = tmp_path / "extra.yaml"
    extra.write_text("ihc:\n  squamous_markers: [p63]\n")
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", plugins=("ihc",), config=(str(extra),),
                              title="from the command line")
    ihc = report.config["ihc"]
    # user < run directory < -c < command line; a plugin's options merge key by key.
    assert (ihc["ebv_markers"], ihc["comparison_max_patients"], ihc["squamous_markers"]) == (["EBER1"], 7, ["p63"])
    assert (report.config["comment"], report.config["title"]) == ("from the user", "from the command line")
    assert report.config_path == f"{user}; {run_dir / 'rinec_report.yaml'}; {extra}"


def test_a_c_file_adds_to_the_run_directorys_config(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path)
    extra = tmp_path / "extra.yaml"
    extra.write_text("ihc:\n  squamous_markers: [p63]\n")
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", plugins=("ihc",), config=str(extra))
    assert report.config["title"] == "from the run"  # not replaced by the -c file
    assert report.config["ihc"]["squamous_markers"] == ["p63"]


def test_config_command_prints_where_each_key_came_from(tmp_path: Path) -> None:
    run_dir = _run_dir(tmp_path)
    out = subprocess.run([sys.executable, "-m", "rinec_report.cli", "config", str(run_dir)], capture_output=True,
                         text=True, check=True)
    lines = out.stdout.splitlines()
    assert f"title: from the run  # {run_dir / 'rinec_report.yaml'}" in lines
    assert f"  comparison_max_patients: 7  # {run_dir / 'rinec_report.yaml'}" in lines
    assert "  percent_bands: [25.0, 50.0, 75.0]  # default" in lines
