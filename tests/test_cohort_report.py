"""The cohort plugin end to end through rinec_report.run: sections, exported tables,
messages for bad input, escaping, same bytes for the same input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from cohort_helpers import EXAMPLE_RUN, EXAMPLE_XLSX, write_table
from page_helpers import page_text

import rinec_report
from rinec_report import Pattern, Section, Text, hookimpl

pytestmark = pytest.mark.slow


def _example_run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(EXAMPLE_XLSX, run_dir / "clinical.xlsx")
    shutil.copy(EXAMPLE_RUN / "rinec_report.yaml", run_dir / "rinec_report.yaml")
    return run_dir


def _messages(report: object, plugin: str) -> list[str]:
    return [m.text for m in report.messages if m.plugin == plugin]


@pytest.fixture(scope="module")
def example_report(tmp_path_factory: pytest.TempPathFactory) -> object:
    tmp = tmp_path_factory.mktemp("cohort_example")
    return rinec_report.run(_example_run(tmp), outdir=tmp / "out", plugins=("cohort",),
                            force=True)


def test_example_sections_in_order(example_report: object) -> None:
    ours = [s.id for plugin, s in example_report.sections if plugin == "cohort"]
    assert ours == ["table", "rin", "timeline", "selection"]
    assert example_report.exit_status == 0
    assert _messages(example_report, "cohort") == []


def test_example_exported_patients_table(example_report: object) -> None:
    path = example_report.data_dir / "cohort_patients.tsv"
    df = pd.read_csv(path, sep="\t", dtype={"patient_id": str})
    assert list(df["patient_id"]) == ["P1", "P2", "P3", "P4", "P5"]
    for column in ("sample_id", "age", "latency_years", "latency_rt_years",
                   "rin_prior_rt_in_field", "rin_latency", "rin_histology", "rin_status",
                   "os_months", "os_event", "pfs_months", "pfs_event"):
        assert column in df.columns, column
    assert df["latency_years"].min() == 10 and df["latency_years"].max() == 18
    assert set(df["rin_status"]) == {"met"}
    assert list(df["os_event"]) == [1, 1, 1, 0, 0]


def test_example_page_says_what_the_study_says(example_report: object) -> None:
    html = page_text(example_report.html_path.read_text(encoding="utf-8"))  # the charts' words too
    assert "5 of 5 patients meet all three criteria" in html
    assert "median ≈13 (range 10\u201318)" in html  # latency row of Table 1
    assert "not performed" in html and "yes, no details" in html
    assert "1,026 not selected" in html  # the selection flow's data


def test_example_summary_columns_and_samples(example_report: object) -> None:
    summary = pd.read_csv(example_report.data_dir / "report_summary.tsv", sep="\t")
    assert list(summary["rin_status"]) == ["met"] * 5
    assert summary.set_index("patient_id").loc["P2", "samples"] == "20S3087569"


def test_same_input_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    run_dir = _example_run(tmp_path)
    pages = []
    for _ in range(2):
        report = rinec_report.run(run_dir, outdir=tmp_path / "out", plugins=("cohort",),
                                  force=True)
        pages.append(report.html_path.read_bytes())
        assert (report.data_dir / "cohort_patients.tsv").read_bytes()
    assert pages[0] == pages[1]


class _OtherPlugin:
    """A stand-in for another plugin, to see that it renders when cohort fails."""

    @hookimpl
    def rinec_patterns(self) -> list[Pattern]:
        return [Pattern("other", glob="*.other")]

    @hookimpl
    def rinec_parse(self, file: object) -> str:
        return "data"

    @hookimpl
    def rinec_datasets(self, files: list) -> dict | None:
        return {"n": len(files)} if files else None

    @hookimpl
    def rinec_sections(self) -> list[Section]:
        return [Section("other", "Other plugin", blocks=[Text("still here")])]


def test_bad_clinical_table_is_an_error_and_others_render(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    # (Two rows of one patient are merged now, not refused: a row with values and no id is.)
    write_table(run_dir / "clinical.csv", [["patient_id", "age"], ["A", "50"], ["", "60"]])
    (run_dir / "x.other").write_text("x")
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", plugins=("cohort", "other"),
                              extra_plugins={"other": _OtherPlugin()}, force=True)
    errors = [m for m in report.errors if m.plugin == "cohort"]
    assert errors and "row 3: no patient id (1 row(s) have values but no patient id)" in errors[0].text
    assert errors[0].file == "clinical.csv"
    assert report.exit_status == 1
    assert any(p == "other" for p, _ in report.sections)
    assert "still here" in report.html_path.read_text(encoding="utf-8")


def test_impossible_order_is_a_warning_shown_in_the_report(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_table(run_dir / "clinical.csv", [
        ["patient_id", "npc_diagnosis_date", "nec_diagnosis_date"],
        ["A", "2010-05-01", "2008-01-01"], ["B", "2005", "2019-01-31"]])
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", plugins=("cohort",),
                              force=True)
    warnings = [m.text for m in report.warnings if m.plugin == "cohort"]
    assert any("patient A: NEC diagnosed before NPC diagnosis" in w for w in warnings)
    assert report.exit_status == 0
    html = report.html_path.read_text(encoding="utf-8")
    assert "NEC diagnosed before NPC diagnosis" in html


def test_input_text_is_escaped(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    evil = "<img src=x onerror=alert(1)>"
    write_table(run_dir / "clinical.csv", [
        ["patient_id", "nec_site", "nec_histology"], [evil, evil, "small cell <b>NEC</b>"]])
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", plugins=("cohort",),
                              force=True)
    html = page_text(report.html_path.read_text(encoding="utf-8"))  # the charts' JSON too
    assert evil not in html and "<b>NEC</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # Table 1 shows it as text
