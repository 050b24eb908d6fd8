"""The example report in a real browser (Debian's chromium driven by playwright), network cut."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def opened(browser, example_report: Path):
    """The example report, opened with every request but the file itself refused."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    errors: list[str] = []

    def refuse(route) -> None:
        url = route.request.url
        if url == example_report.as_uri():
            route.continue_()
        else:
            requests.append(url)
            route.abort()

    context.route("**/*", refuse)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(example_report.as_uri())
    page.wait_for_function(
        "Array.from(document.querySelectorAll('.rr-chart')).every(el => el.dataset.rendered)", timeout=30_000
    )
    yield page, requests, errors
    context.close()


def test_every_chart_renders_and_nothing_is_requested(opened) -> None:
    page, requests, errors = opened
    charts = page.query_selector_all(".rr-chart")
    assert charts, "the example report has no charts"
    for chart in charts:
        assert chart.get_attribute("data-rendered") == "1", chart.inner_text()[:200]
        assert chart.query_selector("svg, canvas") is not None, chart.get_attribute("id")
    assert errors == []
    assert requests == []


def test_tables_sort_search_and_highlight_a_patient(opened) -> None:
    page, _, errors = opened
    summary = page.locator("#report-summary .rr-table")
    rows = summary.locator("tbody tr")
    n = rows.count()
    assert n >= 1
    first_patient = rows.nth(0).locator("> *").nth(0).inner_text()
    page.select_option("#rr-patient", first_patient)
    assert summary.locator("tbody tr.rr-hl").count() == 1
    summary.locator("input[type=search]").fill(first_patient)
    assert 1 <= rows.count() <= n
    header = summary.locator("thead th").nth(0)
    header.click()
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert errors == []


def test_sidebar_lists_every_section(opened) -> None:
    page, _, _ = opened
    links = page.eval_on_selector_all(".rr-sidebar a", "els => els.map(e => e.getAttribute('href'))")
    ids = page.eval_on_selector_all("section.rr-section", "els => els.map(e => '#' + e.id)")
    assert links == ids
