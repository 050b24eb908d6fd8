"""The network chart in a real browser: choosing a term recolours the genes."""

from __future__ import annotations

from pathlib import Path

import pytest
from enrichment_helpers import STRING_INTERACTIONS_EXPORT, STUDY_GENES, make_run, run_report

from rinec_report import palettes

CHROMIUM = Path("/usr/bin/chromium")
MARKED = f'g.mark-symbol.role-mark path[fill="{palettes.VERMILLION}"]'

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_term_selector_recolours_the_network(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    run_dir = make_run(tmp_path / "run", STUDY_GENES, {"string_interactions.tsv": STRING_INTERACTIONS_EXPORT})
    report = run_report(run_dir, tmp_path / "out")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(report.html_path.as_uri())
        section = page.locator("#enrichment-network")
        section.locator("g.mark-symbol.role-mark path").first.wait_for(timeout=15000)
        select = section.locator("select").first
        options = select.evaluate("e => Array.from(e.options).map(o => [o.value, o.text])")
        assert options[0] == ["", "(no term)"]
        # The best Reactome term for these genes holds RB1 and TP53.
        assert options[1][1].startswith("Formation of Senescence-Associated Heterochromatin Foci")
        assert section.locator("g.mark-symbol.role-mark path").count() == len(STUDY_GENES)
        assert section.locator(MARKED).count() == 2
        assert section.locator("g.mark-rule.role-mark line, g.mark-rule.role-mark path").count() == 2
        select.select_option("")
        page.wait_for_timeout(300)
        assert section.locator(MARKED).count() == 0
        broad = next(value for value, text in options if text.startswith("Transcriptional Regulation by TP53"))
        select.select_option(broad)
        page.wait_for_timeout(300)
        assert section.locator(MARKED).count() == 3  # DAXX, PTEN, TP53
        browser.close()
