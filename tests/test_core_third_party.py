"""A plugin from its own distribution (tests/third_party_plugin, installed beside rinec-report)
adds a section and a summary column without any change to the core."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rinec_report import run
from rinec_report.plugins import PluginHost


@pytest.fixture(scope="module")
def installed() -> None:
    names = {i.name: i for i in PluginHost.load().info()}
    if "coverage" not in names:
        pytest.fail("install the test plugin first: pip install ./tests/third_party_plugin (see README)")


def test_plugins_command_lists_it_with_distribution_and_patterns(installed: None) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "rinec_report.cli", "plugins", "--json"], capture_output=True, text=True, check=True
    )
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert rows["coverage"]["distribution"] == "rinec-coverage"
    assert rows["coverage"]["version"] == "0.3.0"
    assert rows["coverage"]["patterns"][0]["glob"] == ["coverage.tsv"]
    assert rows["coverage"]["patterns"][0]["exclude"] == []
    # MultiQC's software versions start like its tables ("Sample\t"): the qc pattern names them as excluded.
    table = next(p for p in rows["qc"]["patterns"] if p["name"] == "qc/table")
    assert "multiqc_software_versions.txt" in table["exclude"]
    assert "rinec_summary_columns" in rows["coverage"]["hooks"]
    for builtin in ("cohort", "survival", "ihc", "variants", "enrichment"):
        assert rows[builtin]["distribution"] == "rinec-report"
        assert rows[builtin]["patterns"], f"{builtin} declares no file patterns"


def test_its_section_and_summary_column_appear(installed: None, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "coverage.tsv").write_text("sample\tmean_coverage\nS1\t512.5\nS2\t150\n")
    # The core's resolver places each sample with its patient for every plugin.
    report = run(run_dir, outdir=tmp_path / "out", jobs=2, config={"samples": {"S1": "P1", "S2": "P2"}})
    assert report.exit_status == 0, [m.line() for m in report.errors]
    assert ("coverage", "Sequencing coverage") in [(p, s.title) for p, s in report.sections]
    summary = pd.read_csv(tmp_path / "out" / "rinec_report_data" / "report_summary.tsv", sep="\t")
    assert summary.set_index("patient_id")["coverage"].to_dict() == {"P1": 512.5, "P2": 150.0}
    assert "Sequencing coverage" in report.html_path.read_text()


def test_parsing_on_a_process_pool_gives_what_one_process_gives(installed: None, tmp_path: Path) -> None:
    from rinec_report.executor import POOL_MIN_ITEMS as POOL_MIN_FILES

    run_dir = tmp_path / "run"
    for i in range(POOL_MIN_FILES + 4):  # enough files for the pool to be used
        lane = run_dir / f"lane{i:02d}"
        lane.mkdir(parents=True)
        (lane / "coverage.tsv").write_text(f"sample\tmean_coverage\nS{i}\t{100 + i}\n")
    builtins = ("cohort", "survival", "ihc", "variants", "enrichment")
    pooled = run(run_dir, outdir=tmp_path / "a", jobs=2, exclude=builtins)
    serial = run(run_dir, outdir=tmp_path / "b", jobs=1, exclude=builtins)
    a = pooled.tables["coverage_samples"].reset_index(drop=True)
    assert len(a) == POOL_MIN_FILES + 4
    pd.testing.assert_frame_equal(a, serial.tables["coverage_samples"].reset_index(drop=True))
    assert [r.sha256 for r in pooled.inputs] == [r.sha256 for r in serial.inputs]


def test_a_script_without_a_main_guard_runs_once_on_the_pool(installed: None, tmp_path: Path) -> None:
    # Process-pool workers would re-run a script that calls rinec_report.run() at its
    # top level (no `if __name__ == "__main__":`) and break the pool.
    from rinec_report.executor import POOL_MIN_ITEMS

    run_dir = tmp_path / "run"
    for i in range(POOL_MIN_ITEMS + 2):
        lane = run_dir / f"lane{i:02d}"
        lane.mkdir(parents=True)
        (lane / "coverage.tsv").write_text(f"sample\tmean_coverage\nS{i}\t{100 + i}\n")
    script = tmp_path / "make_report.py"
    script.write_text(
        "import rinec_report\n"
        "print('top level')\n"
        f"report = rinec_report.run({str(run_dir)!r}, outdir={str(tmp_path / 'out')!r}, jobs=2,\n"
        "                           exclude=('cohort', 'survival', 'ihc', 'variants', 'enrichment'))\n"
        "print('rows', len(report.tables['coverage_samples']), 'exit', report.exit_status)\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines() == ["top level", f"rows {POOL_MIN_ITEMS + 2} exit 0"]
