"""The page's Hide control says that it only hides, and gives the command that writes a
true subset; a subset report says how many of the run's patients it covers."""

from __future__ import annotations

from pathlib import Path

import pytest
from page_helpers import Opened

import rinec_report

pytestmark = pytest.mark.browser
EXAMPLE = Path(__file__).resolve().parents[1] / "example_run"


def test_hide_says_what_it_does_and_how_to_share_without(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400)
    page = opened.page
    try:
        assert not page.locator("#rr-hide-note").is_visible()
        page.select_option("#rr-hide", "P2")
        page.select_option("#rr-hide", "P5")
        note = page.locator("#rr-hide-note")
        assert note.is_visible()
        assert "every count, test, chart and exported table still includes them" in note.inner_text()
        assert page.locator("#rr-hide-command").inner_text() == "rinec-report RUN_DIR --exclude-patients P2,P5"
        assert "--exclude-patients" in page.locator("label[for='rr-hide']").get_attribute("title")
        page.locator("#rr-clear").click()
        assert not note.is_visible()
        assert opened.errors == []
    finally:
        opened.close()


def test_a_subset_report_says_n_of_m(browser, tmp_path: Path) -> None:
    report = rinec_report.run(EXAMPLE, outdir=tmp_path, force=True, include_patients=("P2", "P3", "P5"),
                              plugins=("cohort", "survival", "ihc", "imaging", "variants", "enrichment", "custom"))
    opened = Opened(browser, report.html_path, 1400, fragment="#hide=P3")
    page = opened.page
    try:
        assert "This report covers 3 of 5 patients" in page.locator("#rr-subset").inner_text()
        assert "3 of 5 patients" in page.locator("#report-run").inner_text()
        assert "(with the options that wrote this subset" in page.locator("#rr-hide-note").inner_text()
        assert page.locator("#rr-hide-command").inner_text() == "rinec-report RUN_DIR --exclude-patients P3"
        assert opened.errors == []
    finally:
        opened.close()
