"""The report page with a keyboard, a screen reader and axe-core, in light, dark and on a phone.

axe-core is not a Python package: .ci/run installs it with npm into .cache/axe (or
RINEC_AXE_JS names the file). Without it the axe tests skip on a developer's machine and
fail in CI (CI=true), so that CI never passes by not running them.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from page_helpers import Opened, print_to_pdf

REPO = Path(__file__).resolve().parents[1]
AXE_JS = Path(os.environ.get("RINEC_AXE_JS") or REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js")
VIEWS = {"light": (1400, "light"), "dark": (1400, "dark"), "phone": (390, "light")}


def axe_source() -> str:
    if not AXE_JS.is_file():
        message = (f"axe-core is missing ({AXE_JS}): npm install --prefix .cache/axe --no-save "
                   "axe-core@4.14.1, or set RINEC_AXE_JS")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE_JS.read_text(encoding="utf-8")


def serious(page) -> list[str]:
    """axe's serious and critical violations on the whole page (the imaging plugin's
    gallery and viewer included)."""
    page.add_script_tag(content=axe_source())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {n['target']} {n.get('failureSummary', '')[:200]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical") for n in v["nodes"]]


def test_axe_version() -> None:
    # The rules measured here are those of axe-core 4.14 (label-content-name-mismatch among
    # the serious ones).
    assert re.search(r"axe v4\.1[4-9]", axe_source()[:300])


@pytest.mark.parametrize("view", VIEWS)
def test_example_report_passes_axe(browser, example_report: Path, view: str) -> None:
    width, scheme = VIEWS[view]
    opened = Opened(browser, example_report, width, color_scheme=scheme)
    try:
        found = serious(opened.page)
    finally:
        opened.close()
    assert not found, "\n".join(found)


@pytest.fixture(scope="module")
def cohort_report(tmp_path_factory) -> Path:
    """A 60-patient run (the benchmarks' synthetic clinical, survival and IHC tables)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from clinical_tables import write_clinical, write_ihc, write_survival
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    run_dir = tmp_path_factory.mktemp("cohort60")
    write_clinical(run_dir / "clinical.csv", 60)
    write_survival(run_dir / "survival.csv", 60)
    write_ihc(run_dir / "ihc_scores.csv", 60)
    out = run_dir / "out"
    from rinec_report import run

    os.environ["SOURCE_DATE_EPOCH"] = "1600000000"
    try:
        run(run_dir, outdir=out, force=True)
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    return out / "rinec_report.html"


@pytest.mark.parametrize("view", VIEWS)
def test_sixty_patient_report_passes_axe(browser, cohort_report: Path, view: str) -> None:
    width, scheme = VIEWS[view]
    opened = Opened(browser, cohort_report, width, color_scheme=scheme)
    try:
        assert opened.page.locator("#rr-patient option").count() == 61  # the prompt and 60 patients
        found = serious(opened.page)
    finally:
        opened.close()
    assert not found, "\n".join(found)


# ---------------------------------------------------------------- keyboard


def chips(page) -> list[str]:
    return page.locator("#rr-chips .rr-chip").all_inner_texts()


@pytest.mark.parametrize("field, chip", [("#rr-patient", "P3 \u00d7"), ("#rr-hide", "hidden: P3 \u00d7")])
def test_arrows_move_without_choosing_and_enter_chooses(browser, example_report: Path, field: str, chip: str) -> None:
    opened = Opened(browser, example_report, 1400)
    page = opened.page
    try:
        page.focus(field)
        page.keyboard.press("ArrowDown")
        # The first patient is shown, not chosen (Chromium chose it at once).
        assert page.eval_on_selector(field, "el => el.value") == "P1"
        assert chips(page) == []
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowDown")
        assert page.eval_on_selector(field, "el => el.value") == "P3"
        assert chips(page) == [] and "P3" not in page.url
        page.keyboard.press("Enter")
        assert chips(page) == [chip]
        assert "P3" in page.url
        # The field is back at its prompt; End reaches the last patient, Escape goes back.
        assert page.eval_on_selector(field, "el => el.selectedIndex") == 0
        page.keyboard.press("End")
        assert page.eval_on_selector(field, "el => el.value") == "P5"
        page.keyboard.press("Escape")
        assert page.eval_on_selector(field, "el => el.selectedIndex") == 0
        assert chips(page) == [chip]
        # Space chooses too; typing a patient's id moves to it.
        page.keyboard.type("p4")
        assert page.eval_on_selector(field, "el => el.value") == "P4"
        assert len(chips(page)) == 1
        page.wait_for_timeout(1100)
        page.keyboard.press(" ")
        assert len(chips(page)) == 2
    finally:
        opened.close()


def test_a_pick_with_the_mouse_still_chooses_at_once(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400)
    try:
        opened.page.select_option("#rr-patient", "P2")
        assert chips(opened.page) == ["P2 \u00d7"]
    finally:
        opened.close()


SCROLLING_BOXES = """() => Array.from(document.querySelectorAll('main *')).filter(el => {
    const s = getComputedStyle(el);
    return /auto|scroll/.test(s.overflowX + s.overflowY)
      && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
  }).map(el => [el.className, el.tabIndex, el.getAttribute('aria-label') || ''])"""


@pytest.mark.parametrize("width", [390, 1400])
def test_every_scrolling_box_can_be_focused_and_is_named(browser, example_report: Path, width: int) -> None:
    opened = Opened(browser, example_report, width)
    try:
        page = opened.page
        # The boxes are looked at again a moment after the charts are drawn.
        page.wait_for_timeout(500)
        boxes = page.evaluate(SCROLLING_BOXES)
        if width == 390:
            # The tables and Table 1 scroll on a phone (axe found three without a tab stop).
            assert len(boxes) >= 3
        assert all(tab == 0 and label for _, tab, label in boxes), boxes
        # Wider, a box that no longer scrolls is no tab stop any more.
        page.set_viewport_size({"width": 1900, "height": 1000})
        page.wait_for_timeout(500)
        stops = page.evaluate("document.querySelectorAll('[data-rr-scroller]').length")
        assert stops == len([b for b in page.evaluate(SCROLLING_BOXES) if "rr-table-wrap" not in b[0]])
    finally:
        opened.close()


def test_names_hold_the_visible_words_and_landmarks_are_unique(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400)
    try:
        csv = opened.page.locator(".rr-csv").evaluate_all(
            "els => els.map(e => [e.textContent, e.getAttribute('aria-label')])")
        regions = opened.page.locator("[role=region]").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
        empty = opened.page.locator("thead th").evaluate_all("els => els.filter(e => !e.textContent.trim()).length")
    finally:
        opened.close()
    assert len(csv) >= 19
    assert all(label.startswith(text + ": ") for text, label in csv), csv
    assert len(regions) == len(set(regions)), sorted(regions)
    assert empty == 0


# ---------------------------------------------------------------- theme


def background(page) -> tuple[int, ...]:
    value = page.evaluate("getComputedStyle(document.body).backgroundColor")
    return tuple(int(x) for x in re.findall(r"\d+", value)[:3])


def test_theme_overrides_the_system_and_is_kept_in_the_address(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400, color_scheme="light")
    try:
        page = opened.page
        assert background(page) == (255, 255, 255)
        page.select_option("#rr-theme", "dark")
        assert background(page) == (0x15, 0x19, 0x1E)  # --bg of the dark scheme
        assert page.url.endswith("#theme=dark")
        page.select_option("#rr-patient", "P2")
        assert page.url.endswith("#highlight=P2&theme=dark")
    finally:
        opened.close()
    again = Opened(browser, example_report, 1400, fragment="#highlight=P2&theme=light", color_scheme="dark")
    try:
        assert background(again.page) == (255, 255, 255)
        assert again.page.eval_on_selector("#rr-theme", "el => el.value") == "light"
        assert chips(again.page) == ["P2 \u00d7"]
    finally:
        again.close()


# ---------------------------------------------------------------- paper


@pytest.fixture(scope="module")
def paper(browser, example_report: Path, tmp_path_factory) -> list[str]:
    """The example report printed to A4, as the text of each page (poppler's pdftotext)."""
    _pdf, text = print_to_pdf(browser, example_report, tmp_path_factory.mktemp("paper"))
    return [page for page in text.split("\f") if page.strip()]


def test_a_table_over_several_pages_repeats_its_titles(paper: list[str]) -> None:
    # The pathway table runs over several pages (its rows start with the library's name).
    pages = [p for p in paper if re.search(r"^\s*Reactome\s+Reactome\s+R-HSA-", p, re.M)]
    assert len(pages) >= 2
    for page in pages:
        assert re.search(r"Library\s+Category\s+Term\s+Description", page), page[:400]


def test_no_page_ends_with_a_heading(paper: list[str], example_report: Path) -> None:
    import html

    source = example_report.read_text(encoding="utf-8")
    headings = {html.unescape(re.sub(r"<[^>]+>", "", h)).strip()
                for h in re.findall(r"<h[2-5][^>]*>(.*?)</h[2-5]>", source, re.S)}
    alone = []
    for number, page in enumerate(paper, 1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        alone += [f"page {number}: {line}" for line in lines[-2:] if line in headings]
    assert not alone, alone


# ---------------------------------------------------------------- page weight

RECORD_DRAWING = """
window.rrDrawn = [];
new MutationObserver(records => records.forEach(r => {
  if (r.target.dataset.rendered) { window.rrDrawn.push(r.target.id); }
})).observe(document, {subtree: true, attributeFilter: ['data-rendered']});
"""


def test_charts_in_view_are_drawn_first_and_every_chart_is_drawn(browser, example_report: Path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                      else route.abort())
        page = context.new_page()
        page.add_init_script(RECORD_DRAWING)
        # Opened at the last plugin's section: its charts are the ones in view.
        page.goto(example_report.as_uri() + "#genomics-tcga-compare")
        page.wait_for_function("document.querySelectorAll('.rr-chart').length === window.rrDrawn.length",
                               timeout=60_000)
        drawn = page.evaluate("window.rrDrawn")
        in_view = page.evaluate("""Array.from(document.querySelectorAll('#genomics-tcga-compare .rr-chart'))
            .map(el => el.id)""")
    finally:
        context.close()
    assert in_view and drawn[0] in in_view, (drawn[:3], in_view)
    assert len(set(drawn)) == len(drawn) >= 20  # each chart once


def test_printing_draws_every_chart_before_the_paper_is_laid_out(browser, example_report: Path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                      else route.abort())
        page = context.new_page()
        page.goto(example_report.as_uri())
        # The library is running, the charts out of view not drawn yet (they wait for the
        # reader to leave the page alone for two seconds).
        page.wait_for_function("typeof window.vegaEmbed === 'function'", timeout=30_000)
        counts = page.evaluate("""() => new Promise(done => {
            const charts = () => document.querySelectorAll('.rr-chart').length;
            const drawn = () => document.querySelectorAll('.rr-chart[data-rendered]').length;
            const before = drawn();
            window.dispatchEvent(new Event('beforeprint'));
            // The browser lays the paper out in a task after the event: by then every chart is drawn.
            setTimeout(() => done([before, drawn(), charts()]), 0);
        })""")
    finally:
        context.close()
    before, after, charts = counts
    assert before < charts and after == charts >= 20, counts


def test_the_chart_library_is_packed_and_the_page_unpacks_it(browser, example_report: Path) -> None:
    import base64
    import zlib

    import vl_convert

    html = example_report.read_text(encoding="utf-8")
    # What the browser parses as script before it shows the page: the page's own and the
    # plugins' (the imaging viewer), not the 900 KB chart library.
    code = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert sum(len(c) for c in code) < 150_000
    packed = re.search(r'<script type="application/x-rinec-vega" id="rr-vega">([A-Za-z0-9+/=]+)</script>', html)
    # Unpacked by Python's zlib, it is vl-convert's own bundle, byte for byte.
    assert zlib.decompress(base64.b64decode(packed.group(1)), -15).decode("utf-8") == vl_convert.javascript_bundle()
    opened = Opened(browser, example_report, 1400)
    try:
        assert opened.page.evaluate("typeof window.vegaEmbed") == "function"
        assert opened.page.locator("#rr-vega").count() == 0  # let go once run
        assert opened.page.locator(".rr-chart[data-rendered='1']").count() >= 20
        assert not opened.errors and not opened.requests
    finally:
        opened.close()


def test_a_table_holds_its_page_on_screen_and_every_row_for_paper(browser, example_report: Path) -> None:
    import csv

    with open(example_report.parent / "rinec_report_data" / "variants_mutations.tsv", encoding="utf-8") as fh:
        total = len(list(csv.DictReader(fh, delimiter="\t")))  # the exported table, read by csv
    opened = Opened(browser, example_report, 1400)
    page = opened.page
    try:
        index = page.evaluate("window.rinecTables.findIndex(t => t.data.name === 'variants_mutations')")
        rows = page.locator(".rr-table").nth(index).locator("tbody tr")
        page.locator(".rr-table").nth(index).scroll_into_view_if_needed()
        page.wait_for_function("i => window.rinecTables[i].live", arg=index)
        assert total > 25 and rows.count() == 25  # a page of rows (model.Table's page_size)
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert rows.count() == total
        assert page.locator(".rr-table").nth(index).locator(".rr-print-note").inner_text() == f"All {total} rows."
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        assert rows.count() == 25
    finally:
        opened.close()


# ---------------------------------------------------------------- highlight by pattern


@pytest.mark.parametrize("pattern, expected", [
    ("P*", ["P1", "P2", "P3", "P4", "P5"]),   # a glob: any text
    ("?3", ["P3"]),                          # one character, the whole id
    ("/^P[24]$/", ["P2", "P4"]),             # a regular expression
    ("/^p[24]$/i", ["P2", "P4"]),            # with its flags
    ("p*", []),                              # a glob is case-sensitive, as in a shell
])
def test_highlight_by_pattern_in_a_colour_of_ones_choice(browser, example_report: Path, pattern: str,
                                                          expected: list[str]) -> None:
    opened = Opened(browser, example_report, 1400)
    page = opened.page
    try:
        page.fill("#rr-pattern", pattern)
        page.fill("#rr-pattern-colour", "#123456")
        page.press("#rr-pattern", "Enter")
        assert chips(page) == [f"{p} \u00d7" for p in expected]
        colours = page.locator("#rr-chips .rr-chip").evaluate_all(
            "els => els.map(e => e.style.getPropertyValue('--hlc'))")
        assert set(colours) <= {"#123456"}
        message = page.inner_text("#rr-pattern-msg")
        words = {0: f"No patient matches {pattern}.", 1: "1 patient highlighted."}
        assert message == words.get(len(expected), f"{len(expected)} patients highlighted.")
        assert not opened.errors
    finally:
        opened.close()


def test_a_bad_regular_expression_is_a_message(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400)
    page = opened.page
    try:
        page.fill("#rr-pattern", "/P(1/")
        page.click("#rr-pattern-go")
        assert page.inner_text("#rr-pattern-msg").startswith("Not a regular expression: ")
        assert chips(page) == [] and not opened.errors
    finally:
        opened.close()


# ---------------------------------------------------------------- export


def png_width(data: bytes) -> int:
    # PNG: the 8-byte signature, then the IHDR chunk whose data starts with the width
    # (4 bytes, big-endian) at byte 16 (the PNG specification, 11.2.2).
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big")


def export_all(opened: Opened, fmt: str, scale: int) -> dict[str, bytes]:
    page = opened.page
    downloads: list = []

    def keep(download) -> None:
        downloads.append(download)

    page.on("download", keep)
    page.eval_on_selector("#rr-export-msg", "el => { el.textContent = ''; }")
    page.select_option("#rr-export-format", fmt)
    page.select_option("#rr-export-scale", str(scale))
    page.click("#rr-export-go")
    page.wait_for_function("document.getElementById('rr-export-msg').textContent.includes('saved')", timeout=60_000)
    page.wait_for_timeout(1000)
    page.remove_listener("download", keep)
    return {d.suggested_filename: Path(d.path()).read_bytes() for d in downloads}


def test_every_chart_is_saved_at_once_as_svg_or_png_at_a_chosen_scale(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400)
    try:
        charts = opened.page.locator(".rr-chart[data-rendered='1']").evaluate_all("els => els.map(e => e.dataset.name)")
        svgs = export_all(opened, "svg", 1)
        assert opened.page.inner_text("#rr-export-msg") == f"{len(charts)} charts saved as SVG."
        # One file a chart: a second chart of one name gets "-2" (the survival section's).
        assert len(svgs) == len(charts)
        assert {re.sub(r"-\d+(?=\.svg$)", "", name) for name in svgs} == {f"{name}.svg" for name in charts}
        assert all(data.lstrip().startswith(b"<svg") for data in svgs.values())
        small = export_all(opened, "png", 1)
        large = export_all(opened, "png", 3)
    finally:
        opened.close()
    name = f"{charts[0]}.png"
    assert len(small) == len(charts) and sorted(large) == sorted(small)
    assert png_width(large[name]) == 3 * png_width(small[name])


# ---------------------------------------------------------------- summary table tools


def test_summary_columns_can_be_chosen_and_the_rows_shown_copied(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400, permissions=["clipboard-read", "clipboard-write"])
    page = opened.page
    try:
        table = page.locator(".rr-table").first
        assert table.locator("thead th").first.inner_text() == "Patient"
        titles = table.locator("thead th").all_inner_texts()
        assert "Age" in titles
        table.locator(".rr-cols summary").click()
        table.get_by_role("checkbox", name="Age", exact=True).uncheck()
        assert "Age" not in [t for t in table.locator("thead th:visible").all_inner_texts()]
        assert table.locator("tbody tr").first.locator("td:visible").count() == len(titles) - 2
        table.locator(".rr-copy").click()
        page.wait_for_function("document.querySelector('.rr-table [role=status]').textContent")
        text = page.evaluate("navigator.clipboard.readText()")
    finally:
        opened.close()
    lines = text.rstrip("\n").split("\n")
    # The header and the example's five patients, Age left out, one cell a column shown.
    assert len(lines) == 6
    header = lines[0].split("\t")
    assert header == [t for t in titles if t != "Age"]
    assert [line.split("\t")[0] for line in lines[1:]] == ["P1", "P2", "P3", "P4", "P5"]
    assert all(len(line.split("\t")) == len(header) for line in lines)
