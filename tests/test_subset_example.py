"""The example run without P1 and P4: nothing of theirs in the page or the data folder,
and every count is over P2, P3 and P5 (hand counts from example_run/clinical.xlsx)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

import rinec_report
from rinec_report.render import _asset, vega_bundle

EXAMPLE = Path(__file__).resolve().parents[1] / "example_run"
# P4's sequencing sample (P1 has none), and P1's pictures (images/P1/...).
P4_SAMPLE = "20S6942679"
P1_PICTURES = ["2008_HE_NPC.jpg", "2018-09_endoscopy.jpg", "2019-05_MRI_progression.dcm", "2018-09_IHC_CD56_NEC.jpg"]
# The imaging plugin's help names a path as an example of the layout it reads: text of
# the program, the same in every report.
HELP_EXAMPLE = "images/P1/2019-05_MRI.png"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> rinec_report.Report:
    out = tmp_path_factory.mktemp("example_subset")
    return rinec_report.run(EXAMPLE, outdir=out, force=True, exclude_patients=("P1", "P4"),
                            plugins=("cohort", "survival", "ihc", "imaging", "variants", "enrichment", "custom"))


def _token(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(word)}(?![A-Za-z0-9])")


def test_no_trace_of_p1_and_p4(report: rinec_report.Report) -> None:
    page = report.html_path.read_text()
    # The page's own scripts (the chart library, the page script) are program text.
    for asset in (vega_bundle(), _asset("report.js")):
        page = page.replace(asset, "")
    texts = {"page": page, "page, unescaped": html.unescape(page).replace(HELP_EXAMPLE, "")}
    texts.update({p.name: p.read_text(errors="replace") for p in report.data_dir.iterdir()})
    for name, text in texts.items():
        if name == "page":
            text = text.replace(HELP_EXAMPLE, "")
        for word in ["P1", "P4", P4_SAMPLE, *P1_PICTURES]:
            assert not _token(word).search(text), f"{word} in {name}"


def test_counts_are_the_subset_s(report: rinec_report.Report) -> None:
    assert list(report.tables["report_summary"]["patient_id"]) == ["P2", "P3", "P5"]
    page = report.html_path.read_text()
    assert "All (n=3)" in page and "3 of 5 patients" in page
    risk = report.tables["survival_at_risk"]
    assert risk[risk["time"] == 0]["at_risk"].astype(int).unique().tolist() == [3]
    samples = report.tables["variants_samples"]
    assert sorted(samples["sample"]) == ["19S0735242", "20S3087569", "20S6942573"]
    assert set(report.tables["imaging_images"]["patient_id"]) <= {"P2", "P3", "P5"}
    manifest = pd.read_json(report.data_dir / "manifest.json", typ="series")
    assert manifest["subset"]["of"] == 5 and manifest["subset"]["patients"] == 3
