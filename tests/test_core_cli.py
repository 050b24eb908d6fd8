"""The command line over the example run: options reach the run, plugin options appear."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLE_RUN, _third_party

CLI = [sys.executable, "-m", "rinec_report.cli"]


def rinec(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=None)


def test_help_lists_core_and_plugin_options() -> None:
    out = rinec("--help")
    assert out.returncode == 0
    for option in ("--outdir", "--ignore", "--jobs", "--data-format", "--strict", "--online", "--tmb-cutoff"):
        assert option in out.stdout
    assert "[enrichment]" in out.stdout


def test_ignore_plugin_selection_and_formats(tmp_path: Path) -> None:
    excluded = [a for name in _third_party() for a in ("-e", name)]
    out = rinec(
        str(EXAMPLE_RUN),
        "-o",
        str(tmp_path),
        "-n",
        "ihc_only.html",
        "-m",
        "ihc",
        "-m",
        "cohort",
        "-x",
        "clinical*",
        "--data-format",
        "csv",
        "-q",
        *excluded,
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # -q: nothing but errors
    # The data folder follows the page's name.
    manifest = json.loads((tmp_path / "ihc_only_data" / "manifest.json").read_text())
    assert [i["file"] for i in manifest["inputs"]] == ["ihc_scores.csv"]  # the clinical table was ignored
    assert (tmp_path / "ihc_only_data" / "ihc_scores.csv").is_file()
    assert (tmp_path / "ihc_only.html").is_file()
    again = rinec(str(EXAMPLE_RUN), "-o", str(tmp_path), "-n", "ihc_only.html", "-m", "ihc")
    assert again.returncode == 2
    assert "exists; use --force" in again.stderr


def test_plugin_option_reaches_the_plugin(tmp_path: Path) -> None:
    out = rinec(str(EXAMPLE_RUN), "-o", str(tmp_path), "-m", "variants", "--tmb-cutoff", "1.25", "-q")
    assert out.returncode == 0, out.stderr
    manifest = json.loads((tmp_path / "rinec_report_data" / "manifest.json").read_text())
    assert manifest["exit_status"] == 0
    html = (tmp_path / "rinec_report.html").read_text()
    assert "tmb_cutoff: 1.25" in html  # the configuration in effect shows the command line's value
    assert "1 of 4 samples are at or above 1.25 mutations/Mb" in html  # and the plugin used it
