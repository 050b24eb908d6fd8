"""The report page as a clinician uses it: desktop and phone widths, paper, the keyboard,
the highlighter and every table feature, in Debian's chromium (playwright), network cut.

Expected values come from the exported tables in the data folder (read here with the
csv module, not with the page's code) or from hand counts of the example run.
"""

from __future__ import annotations

import csv
import itertools
import re
import subprocess
from pathlib import Path

import pytest
from page_helpers import Opened, print_to_pdf

pytestmark = pytest.mark.browser

# Sections that show something per patient, so the highlighter must reach them (hand list
# from the example report: every section but the selection flow, enrichment, somatic
# interactions (genes, not patients) and run info).
PATIENT_SECTIONS = [
    "report-summary",
    "cohort-table",
    "cohort-rin",
    "cohort-timeline",
    "survival-km",
    "ihc-heatmap",
    "ihc-comparison",
    "ihc-panel",
    "variants-oncoplot",
    "variants-snv-classes",
    "variants-tmb",
    "variants-genes",
    "genomics-clinical",
]


@pytest.fixture
def desktop(browser, example_report: Path):
    opened = Opened(browser, example_report, 1400)
    yield opened
    opened.close()


def _exported(report: Path, name: str) -> list[dict[str, str]]:
    with open(report.parent / "rinec_report_data" / f"{name}.tsv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _table(page, name: str):
    index = page.evaluate(f"window.rinecTables.findIndex(t => t.data.name === {name!r})")
    assert index >= 0, name
    return page.locator(".rr-table").nth(index)


# ---------------------------------------------------------------- layout


BROKEN_WORDS = """() => {
  // A word is broken when it is drawn on more than one line.
  const bad = [];
  const cells = '.rr-table tbody td, .rr-table tbody th, .rr-html td, .rr-html th, .rr-kv td';
  document.querySelectorAll(cells).forEach(cell => {
    if (!cell.offsetParent) return;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // a hyphen is a fair place to break (non-/keratinizing), a letter is not
      for (const w of node.data.matchAll(/\\S+/g)) {
        if (w[0].length > 24) continue;  // a long token may break (a path, a checksum)
        for (const m of w[0].matchAll(/[^-]+-?/g)) {
          const range = document.createRange();
          range.setStart(node, w.index + m.index);
          range.setEnd(node, w.index + m.index + m[0].length);
          const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
          if (tops.size > 1) bad.push(m[0] + ' @' + (cell.closest('section') || {}).id);
        }
      }
    }
  });
  return bad;
}"""


def test_words_never_wrap_letter_by_letter_at_1400(desktop) -> None:
    # "male" as "mal/e", "20S3087569" split, "0.02/3": every word fits its cell.
    assert desktop.page.evaluate(BROKEN_WORDS) == []


def test_summary_table_scrolls_in_its_own_box_with_sticky_header_and_first_column(desktop) -> None:
    page = desktop.page
    wrap = _table(page, "report_summary").locator(".rr-table-wrap")
    assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    first = wrap.locator("tbody tr").first.locator("> *").first
    assert first.evaluate("el => getComputedStyle(el).position") == "sticky"
    assert wrap.locator("thead th").first.evaluate("el => getComputedStyle(el).position") == "sticky"
    # the page itself never scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_phone_layout_has_no_horizontal_scroll_and_a_folding_navigation(browser, example_report: Path) -> None:
    phone = Opened(browser, example_report, 390, is_mobile=True, has_touch=True)
    page = phone.page
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert not page.locator("#rr-sidebar").is_visible()
        widths = page.eval_on_selector_all("section.rr-section", "els => els.map(e => e.clientWidth)")
        assert min(widths) >= 340, widths  # not 96 px squeezed beside a sidebar
        toggle = page.locator("#rr-nav-toggle")
        assert toggle.get_attribute("aria-expanded") == "false"
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator("#rr-sidebar").is_visible()
        page.locator("#rr-sidebar a[href='#variants-tmb']").click()
        assert not page.locator("#rr-sidebar").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert phone.errors == []
    finally:
        phone.close()


def test_dark_mode_follows_the_system(browser, example_report: Path) -> None:
    dark = Opened(browser, example_report, 1400, color_scheme="dark")
    try:
        bg = dark.page.evaluate("getComputedStyle(document.body).backgroundColor")
        r, g, b = (int(x) for x in re.findall(r"\d+", bg)[:3])
        assert r + g + b < 150, bg
    finally:
        dark.close()


# ---------------------------------------------------------------- print


@pytest.fixture(scope="module")
def printed(browser, example_report: Path, tmp_path_factory) -> tuple[Path, str]:
    return print_to_pdf(browser, example_report, tmp_path_factory.mktemp("print"))


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def test_print_has_every_row_or_says_where_they_are(printed, example_report: Path) -> None:
    _pdf, text = printed
    # Every gene of the genes table (48) and every mutation's protein change (77) is printed.
    for row in _exported(example_report, "variants_genes"):
        assert re.search(rf"\b{re.escape(row['gene'])}\b", text), row["gene"]
    proteins = {r["hgvsp_short"] for r in _exported(example_report, "variants_mutations") if r["hgvsp_short"]}
    missing = [p for p in proteins if p not in text]
    assert missing == []
    assert "All 77 rows." in text and "All 48 rows." in text


def test_print_has_the_whole_configuration(printed, example_report: Path) -> None:
    # The configuration in effect scrolls in a box on screen; on paper every line of it is
    # printed (the reference is the page's own <pre>, compared without whitespace or hyphens:
    # the paper wraps long lines and sets the text in columns, and pdftotext joins a word
    # broken after a hyphen).
    import html

    page = example_report.read_text(encoding="utf-8")
    pre = re.search(r'Configuration in effect.*?<pre class="rr-code">(.*?)</pre>', page, re.S).group(1)
    lines = ["".join(html.unescape(line).split()).replace("-", "") for line in pre.splitlines() if line.strip()]
    assert len(lines) > 100
    pdf, _ = printed
    raw = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(raw.split()).replace("-", "")
    assert [line for line in lines if line not in flat] == []


def test_print_has_no_controls_no_closed_help_and_no_cut_table(printed, example_report: Path) -> None:
    pdf, text = printed
    for word in ("Download CSV", "Previous", "Next", "Help", "add a patient", "Skip to the report"):
        assert word not in text, word
    # the summary keeps its right-hand columns
    header = text[text.index("Patient summary"):][:3000]
    for title in ("TMB", "Dominant", "Variants"):
        assert title in header, title
    # 18 pages without the genomics plugin (the imaging pictures in a compact gallery); 26
    # with its six sections (lollipops, somatic interactions, mutation status with two genes'
    # mutated and wild-type curves, pathways, spectrum, TMB beside TCGA): a section or table
    # printing whole pages more than that is a defect
    assert _pages(pdf) <= 26


# The pictures of the example's imaging sections, by hand from example_run/images/: 21 images
# (P1 11, the 4-slice DICOM series counting once; P2 8; P3 2). On paper each prints once: the
# 16 H&E and IHC images (8 for P1, 8 for P2) in the pathology grid, the other 5 in the timeline.
EXAMPLE_PICTURES = 21


def test_print_has_every_imaging_picture(printed) -> None:
    # Every drawing of a picture in the PDF (pdfimages, poppler), thumbnails told from charts
    # drawn on a canvas by their size: a thumbnail's long side is at most imaging.thumb_side
    # (200 px, docs/plugins/imaging.md); a canvas chart is rasterised at page size.
    pdf, _ = printed
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    sizes = [(int(f[3]), int(f[4])) for f in (line.split() for line in listing.splitlines()[2:])]
    assert sum(1 for w, h in sizes if max(w, h) <= 200) == EXAMPLE_PICTURES


def test_print_layout_fits_the_paper(printed) -> None:
    # Nothing is cut at the right margin: every word printed lies inside the 12 mm
    # margins of the A4 page (pdftotext's word boxes, in points).
    pdf, _ = printed
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))
    right = width - 12 / 25.4 * 72 + 1
    outside = [w for x, w in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)<', boxes)
               if float(x) > right]
    assert outside == []


def test_digests_are_whole_on_screen_and_one_line_on_paper(browser, example_report: Path) -> None:
    # The example's 32 input files (its run information says "32 matched") each have a
    # sha256 in the input table, and its 21 pictures (hand count of example_run/images/,
    # the DICOM series once) one each in the Images table: 53 on paper, where every row
    # prints; fewer on screen, where long tables show a page of rows.
    opened = Opened(browser, example_report, 1400)
    page = opened.page
    cells = """() => Array.from(document.querySelectorAll('td.rr-digest')).filter(c => c.offsetParent)
      .map(c => { const r = document.createRange(); r.selectNodeContents(c);  // the text's own line boxes
                  const h = r.getBoundingClientRect().height, line = parseFloat(getComputedStyle(c).lineHeight);
                  return {text: c.textContent, cut: c.scrollWidth > c.clientWidth, lines: Math.round(h / line)}; })"""
    try:
        page.locator("#report-run").scroll_into_view_if_needed()
        shown = page.evaluate(cells)
        assert 32 <= len(shown) <= 53
        assert all(re.fullmatch(r"[0-9a-f]{64}", c["text"]) for c in shown)
        assert not any(c["cut"] for c in shown)  # whole on screen
        assert all(c["lines"] <= 2 for c in shown)  # in two lines of 32 digits, not a narrow column
        page.emulate_media(media="print")
        # On screen a table holds its current page of rows; for paper the page makes every
        # row when the print media applies (reported at the next frame) or on beforeprint.
        page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        printed = page.evaluate(cells)
        assert len(printed) == 32 + 21
        assert all(c["cut"] and c["lines"] <= 1 for c in printed)  # a prefix, on one line
    finally:
        opened.close()


# A control shown on paper, unless it is printable content by the plugins' documented
# mechanism (docs/writing_plugins.md, "Paper"): a button marked rr-print-keep that holds a
# drawn picture, no text, and none of a control's border, background or padding.
SHOWN_CONTROLS = """() => Array.from(document.querySelectorAll('button:not(.rr-sort), summary, select, input'))
  .filter(b => b.offsetParent)
  .filter(b => {
    if (!b.classList.contains('rr-print-keep')) return true;
    const s = getComputedStyle(b);
    const picture = Array.from(b.querySelectorAll('img')).some(i => i.naturalWidth > 0 && i.offsetParent);
    const chrome = ['Top', 'Right', 'Bottom', 'Left'].some(e => parseFloat(s['border' + e + 'Width']) > 0
      || parseFloat(s['padding' + e]) > 0) || s.backgroundColor !== 'rgba(0, 0, 0, 0)' || s.backgroundImage !== 'none';
    const words = b.cloneNode(true);  // the labels of an annotation drawn over the picture are the picture
    words.querySelectorAll('svg').forEach(svg => svg.remove());
    return !picture || words.textContent.trim() !== '' || chrome;
  })
  .map(b => b.outerHTML.slice(0, 60))"""


def test_print_shows_no_controls(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400)
    page = opened.page
    try:
        # the image viewer open when the user prints: it stays off paper with its controls
        page.locator("#imaging-timeline .rri-open").first.click()
        assert page.locator(".rri-viewer").is_visible()
        page.emulate_media(media="print")
        assert page.evaluate(SHOWN_CONTROLS) == []
        assert page.locator(".rri-viewer").evaluate("v => v.getClientRects().length") == 0
        # the exemption is used by the imaging thumbnails only: each of the 21 pictures once, 16 in
        # the pathology grid and 5 in the timeline (hand count of example_run/images/, as in
        # test_imaging_browser.py)
        assert page.locator("button.rr-print-keep:visible").count() == 21
        # every row of every table is in the page, or the table says where they are
        for note in page.locator(".rr-print-note").all_inner_texts():
            assert note.startswith("All ") or "all rows are in the report's data folder" in note
    finally:
        opened.close()


# ---------------------------------------------------------------- tables


def test_sort_by_keyboard_with_aria_sort(desktop, example_report: Path) -> None:
    page = desktop.page
    table = _table(page, "report_summary")
    age = table.locator("thead th").filter(has_text=re.compile(r"^\s*Age\s*$"))  # not "Images"
    button = age.locator("button")
    button.focus()
    page.keyboard.press("Enter")
    assert age.get_attribute("aria-sort") == "ascending"
    ages = sorted(int(float(r["age"])) for r in _exported(example_report, "report_summary"))
    col = page.evaluate("window.rinecTables[0].data.columns.indexOf('age')")
    shown = [int(t) for t in table.locator(f"tbody tr > :nth-child({col + 1})").all_inner_texts()]
    assert shown == ages  # 49, 50, 56, 59, 67 by hand
    page.keyboard.press(" ")
    assert age.get_attribute("aria-sort") == "descending"
    shown = [int(t) for t in table.locator(f"tbody tr > :nth-child({col + 1})").all_inner_texts()]
    assert shown == ages[::-1]


def test_search_filters_rows(desktop, example_report: Path) -> None:
    page = desktop.page
    table = _table(page, "variants_mutations")
    table.locator("input[type=search]").fill("TP53")
    expected = [r for r in _exported(example_report, "variants_mutations")
                if any("tp53" in v.lower() for v in r.values())]
    assert table.locator("tbody tr:not(.rr-off)").count() == min(25, len(expected))
    assert table.locator(".rr-table-count").inner_text().startswith(f"{len(expected)} of 77 rows")


def test_drop_down_filter(desktop, example_report: Path) -> None:
    page = desktop.page
    table = _table(page, "enrichment_terms")
    rows = _exported(example_report, "enrichment_terms")
    category = sorted({r["category"] for r in rows})[0]
    table.locator("select").nth(1).select_option(category)
    expected = sum(1 for r in rows if r["category"] == category)
    assert table.locator(".rr-table-count").inner_text().startswith(f"{expected} of {len(rows)} rows")


def test_paging(desktop) -> None:
    page = desktop.page
    table = _table(page, "variants_gene_details")
    assert table.locator("tbody tr:not(.rr-off)").count() == 25
    assert "page 1 of 2" in table.locator(".rr-pager").inner_text()
    table.locator(".rr-pager button", has_text="Next").click()
    assert table.locator("tbody tr:not(.rr-off)").count() == 48 - 25
    assert "page 2 of 2" in table.locator(".rr-pager").inner_text()
    assert table.locator(".rr-pager button", has_text="Next").is_disabled()


def test_csv_download_matches_the_export(desktop, example_report: Path, tmp_path: Path) -> None:
    page = desktop.page
    table = _table(page, "variants_mutations")
    with page.expect_download() as info:
        table.locator("button.rr-csv").click()
    path = tmp_path / "mutations.csv"
    info.value.save_as(path)
    with open(path, encoding="utf-8", newline="") as fh:
        got = list(csv.DictReader(fh))
    want = _exported(example_report, "variants_mutations")
    assert len(got) == len(want) == 77
    # The page's CSV has the headers the page shows; the export keeps the field names.
    shown = ("Sample", "Gene", "Position", "Ref", "Alt", "Protein change")
    key = ("sample", "gene", "pos", "ref", "alt", "hgvsp_short")
    assert sorted(tuple(r[k] for k in shown) for r in got) == sorted(tuple(r[k] for k in key) for r in want)


# ---------------------------------------------------------------- highlighter


def _snap(page, section: str) -> bytes:
    return page.locator(f"#{section}").screenshot(animations="disabled")


def test_highlighter_reaches_every_section_that_shows_patients(desktop) -> None:
    page = desktop.page
    before = {s: _snap(page, s) for s in PATIENT_SECTIONS}
    page.select_option("#rr-patient", "P3")
    page.wait_for_timeout(300)
    unchanged = [s for s in PATIENT_SECTIONS if _snap(page, s) == before[s]]
    assert unchanged == []


def test_several_patients_each_in_its_colour_and_kept_in_the_url(desktop) -> None:
    page = desktop.page
    page.select_option("#rr-patient", "P3")
    page.select_option("#rr-patient", "P5")
    assert page.evaluate("location.hash") == "#highlight=P3,P5"
    summary = _table(page, "report_summary")
    rows = summary.locator("tbody tr.rr-hl")
    assert rows.count() == 2
    colours = {rows.nth(i).evaluate("el => el.style.getPropertyValue('--hlc')") for i in range(2)}
    assert len(colours) == 2
    # Table 1: the two patients' columns are marked, in the same two colours
    marked = page.locator("#cohort-table th.rr-hl[data-patient]")
    assert sorted(marked.all_inner_texts()) == ["P3", "P5"]
    # the charts got both patients
    signals = page.evaluate("window.rinecViews.map(v => v.signal('rinec_patient'))")
    assert signals and all(s == ["P3", "P5"] for s in signals)
    page.reload()
    page.wait_for_function("Array.from(document.querySelectorAll('.rr-chart')).every(el => el.dataset.rendered)")
    assert _table(page, "report_summary").locator("tbody tr.rr-hl").count() == 2
    assert page.locator("#rr-chips .rr-chip").count() == 2


def test_state_restored_from_a_link(browser, example_report: Path) -> None:
    opened = Opened(browser, example_report, 1400, fragment="#highlight=P2&hide=P1")
    page = opened.page
    try:
        summary = _table(page, "report_summary")
        assert summary.locator("tbody tr.rr-hl").all_inner_texts()[0].startswith("P2")
        first_cells = summary.locator("tbody tr > :first-child").all_inner_texts()
        assert "P1" not in first_cells and len(first_cells) == 4
        assert not page.locator("#cohort-table th[data-patient='P1']").is_visible()
        assert page.evaluate("window.rinecViews.every(v => JSON.stringify(v.signal('rinec_hidden')) === '[\"P1\"]')")
        # a nav click keeps the state in the address
        page.locator("#rr-sidebar a[href='#variants-tmb']").click()
        assert page.evaluate("location.hash") == "#highlight=P2&hide=P1"
        assert opened.errors == []
    finally:
        opened.close()


# ---------------------------------------------------------------- accessibility


def test_heading_outline_skip_link_and_current_section(desktop) -> None:
    page = desktop.page
    levels = page.eval_on_selector_all("h1, h2, h3, h4, h5, h6", "els => els.map(e => +e.tagName[1])")
    assert levels[0] == 1
    jumps = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert jumps == []
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "rr-skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "rr-content"
    page.locator("#variants-tmb").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('variants-tmb').scrollIntoView()")
    page.wait_for_timeout(300)
    current = page.locator("#rr-sidebar a[aria-current]")
    assert current.count() == 1 and current.get_attribute("href") == "#variants-tmb"


def test_charts_have_titles_descriptions_named_menus_and_human_svg(desktop) -> None:
    page = desktop.page
    specs = page.eval_on_selector_all(
        ".rr-chart", "els => els.map(e => JSON.parse(document.getElementById(e.id + '-spec').textContent))")
    assert specs and all(s.get("description") for s in specs)
    labels = page.eval_on_selector_all(".rr-chart", "els => els.map(e => e.getAttribute('aria-label'))")
    assert all(label and label != "Chart" for label in labels), labels
    menus = page.eval_on_selector_all(
        ".rr-chart details > summary", "els => els.map(e => e.getAttribute('aria-label'))")
    assert len(menus) == len(specs) and all(m and m.startswith("Save the chart") for m in menus)
    svgs = page.evaluate("Promise.all(window.rinecViews.map(v => v.toSVG()))")
    for svg in svgs:
        assert not re.search(r'aria-label="[a-z]: ', svg), re.search(r'aria-label="[a-z]: [^"]*', svg).group(0)


# ---------------------------------------------------------------- custom content


@pytest.fixture(scope="module")
def custom_report(tmp_path_factory) -> Path:
    import shutil

    from conftest import EXAMPLE_RUN

    from rinec_report import run

    run_dir = tmp_path_factory.mktemp("custom_run")
    shutil.copytree(EXAMPLE_RUN, run_dir, dirs_exist_ok=True)
    (run_dir / "purity_rr.tsv").write_text(
        "# title: Tumour purity\n# plot_type: bar\n# y: purity_percent\n"
        "patient_id\tpurity_percent\tblock\n"
        'P1\t60\t=HYPERLINK("http://example.invalid","click")\nP3\t45\t"A2, B1"\nP5\t80\t-x\n',
        encoding="utf-8")
    out = tmp_path_factory.mktemp("custom_out")
    run(run_dir, outdir=out, force=True)
    return out / "rinec_report.html"


def test_custom_table_is_a_section_that_follows_the_highlighter(browser, custom_report: Path, tmp_path: Path) -> None:
    opened = Opened(browser, custom_report, 1400, fragment="#highlight=P3")
    page = opened.page
    try:
        section = page.locator("#custom-purity")
        assert section.locator("h2").inner_text() == "Tumour purity"
        assert section.locator("tbody tr.rr-hl").all_inner_texts()[0].startswith("P3")
        assert "purity_percent" in page.locator("#report-summary thead").inner_text()
        table = section.locator(".rr-table")
        with page.expect_download() as info:
            table.locator("button.rr-csv").click()
        path = tmp_path / "purity.csv"
        info.value.save_as(path)
        raw = path.read_text(encoding="utf-8")
        # formula neutralised, comma and quote cells quoted (RFC 4180), by hand:
        assert '"\'=HYPERLINK(""http://example.invalid"",""click"")"' in raw
        assert '"A2, B1"' in raw and "'-x" in raw
        assert opened.errors == []
    finally:
        opened.close()
