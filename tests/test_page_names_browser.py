"""Display names for the patients (MultiQC's "rename samples"), in Debian's chromium.

The expected names are written by hand here; the example run's patients are P1 to P5
(example_run/clinical.xlsx), which the summary lists in that order.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from page_helpers import Opened

pytestmark = pytest.mark.browser

SUMMARY_IDS = "els => els.map(e => e.textContent)"
TIMELINE_TEXT = "#cohort-timeline .rr-chart svg text"
HEATMAP_TEXT = "#ihc-heatmap .rr-chart svg text"


def summary_patients(page) -> list[str]:
    return page.locator(".rr-table").first.locator("tbody th").evaluate_all(SUMMARY_IDS)


def chart_texts(page, selector: str) -> list[str]:
    return page.locator(selector).evaluate_all(SUMMARY_IDS)


def wait_for_label(page, selector: str, text: str) -> None:
    page.wait_for_function("([sel, text]) => Array.from(document.querySelectorAll(sel))"
                           ".some(t => t.textContent === text)", arg=[selector, text], timeout=30_000)


def rename(page, pairs: str = "", find: str = "", by: str = "") -> str:
    page.locator("#rr-names summary").click()
    page.fill("#rr-names-list", pairs)
    page.fill("#rr-names-find", find)
    page.fill("#rr-names-with", by)
    page.click("#rr-names-apply")
    return page.inner_text("#rr-names-msg")


def test_a_pasted_list_renames_the_patients_in_tables_charts_and_the_address(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400)
    page = opened.page
    try:
        assert summary_patients(page) == ["P1", "P2", "P3", "P4", "P5"]
        # A tab, a comma or spaces between id and name; an id the report does not have is named.
        message = rename(page, "P3\tAlice Smith\nP5,Bob\nP9 Nobody\n")
        assert message == "2 patients renamed. Not patients of this report: P9."
        assert summary_patients(page) == ["P1", "P2", "Alice Smith", "P4", "Bob"]
        # The charts are drawn again with the names: the timeline's patient axis and the IHC
        # heat map's rows (a label field that holds the patient's id).
        wait_for_label(page, TIMELINE_TEXT, "Alice Smith")
        timeline = chart_texts(page, TIMELINE_TEXT)
        assert "Bob" in timeline and "P3" not in timeline and "P5" not in timeline and "P1" in timeline
        wait_for_label(page, HEATMAP_TEXT, "Alice Smith")
        assert "P3" not in chart_texts(page, HEATMAP_TEXT)
        assert page.url.endswith("#names=P3:Alice%20Smith,P5:Bob")
        # The highlighter says the names, and its charts follow: they hold the names now.
        page.select_option("#rr-patient", "P3")
        assert page.locator("#rr-chips .rr-chip").all_inner_texts() == ["Alice Smith \u00d7"]
        assert page.url.endswith("#highlight=P3&names=P3:Alice%20Smith,P5:Bob")
        signal = page.evaluate("""() => document.querySelector('#cohort-timeline .rr-chart').rrView
            .signal('rinec_patient')""")
        assert signal == ["Alice Smith"]
        row = page.locator(".rr-table").first.locator("tbody tr.rr-hl th")
        assert row.all_inner_texts() == ["Alice Smith"]
        # The id is still the data: the row says it on hover, the hide command would use it.
        assert row.get_attribute("title") == "P3"
        assert not opened.errors
    finally:
        opened.close()
    again = Opened(browser, example_report, 1400, fragment="#names=P3:Alice%20Smith,P5:Bob")
    try:
        assert summary_patients(again.page) == ["P1", "P2", "Alice Smith", "P4", "Bob"]
        assert again.page.input_value("#rr-names-list") == "P3\tAlice Smith\nP5\tBob"
        assert "Alice Smith" in chart_texts(again.page, TIMELINE_TEXT)
    finally:
        again.close()


@pytest.mark.parametrize("find, by, expected", [
    ("/^P(\\d)$/", "Case $1", ["Case 1", "Case 2", "Case 3", "Case 4", "Case 5"]),  # a group
    ("P", "Patient ", ["Patient 1", "Patient 2", "Patient 3", "Patient 4", "Patient 5"]),  # plain text
    ("/[135]$/", "$&*", ["P1*", "P2", "P3*", "P4", "P5*"]),  # only the ids it matches
])
def test_a_replace_over_the_ids_renames_them(browser, example_report: Path, find: str, by: str,
                                            expected: list[str]) -> None:
    opened = Opened(browser, example_report, 1400)
    page = opened.page
    try:
        renamed = sum(1 for name, p in zip(expected, ["P1", "P2", "P3", "P4", "P5"], strict=True) if name != p)
        assert rename(page, find=find, by=by) == f"{renamed} patients renamed."
        assert summary_patients(page) == expected
        wait_for_label(page, TIMELINE_TEXT, expected[0])
        page.click("#rr-names-reset")
        assert summary_patients(page) == ["P1", "P2", "P3", "P4", "P5"]
        assert "names=" not in page.url
        wait_for_label(page, TIMELINE_TEXT, "P1")
        assert not opened.errors
    finally:
        opened.close()


def test_a_bad_regular_expression_is_a_message_and_changes_nothing(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400)
    page = opened.page
    try:
        assert rename(page, find="/P(/", by="x").startswith("Not a regular expression: ")
        assert summary_patients(page) == ["P1", "P2", "P3", "P4", "P5"]
        assert not opened.errors
    finally:
        opened.close()
