"""The imaging sections in a real browser: the viewer opens, zooms and pans, annotations
toggle, the patient highlighter filters the gallery, and nothing is fetched from outside."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def page(example_report):
    playwright = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 1400, "height": 1000})

        def block(route):  # offline: anything but the file itself and data: URIs is a failure
            outside.append(route.request.url)
            route.abort()

        context.route(lambda url: not url.startswith(("file:", "data:")), block)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(example_report.as_uri())
        page.wait_for_function("document.querySelector('#imaging-timeline img.rri-thumb[src^=\"data:\"]')")
        yield page
        assert outside == [] and errors == []
        browser.close()


def test_thumbnails_are_drawn_from_the_one_data_block(page):
    thumbs = page.locator("#imaging-timeline img.rri-thumb")
    assert thumbs.count() == 21  # the example's images, a DICOM series counted once
    assert page.evaluate("Array.from(document.querySelectorAll('img.rri-thumb')).every(i => i.naturalWidth > 0)")
    # Each is its display image (every one of the example's is at least 160 px, larger than
    # or as large as its thumbnail), drawn in the box its width and height attributes give,
    # so no picture has a second encoding in the page and nothing moves as they arrive.
    assert page.evaluate("""Array.from(document.querySelectorAll('img.rri-thumb')).every(i => {
      const d = window.rriImaging.images[i.dataset.thumb], r = i.getBoundingClientRect();
      return !d.thumb && i.src === d.src
        && Math.abs(r.height - r.width * i.getAttribute('height') / i.getAttribute('width')) < 1; })""")
    # The pathology panel shows the same images without a second copy of their bytes.
    assert page.locator("#imaging-pathology img.rri-thumb").count() == 16
    assert page.locator("script.rri-data").count() == 1
    # On screen the timeline shows every one of them; only paper leaves the pathology ones to the grid.
    assert page.locator("#imaging-timeline img.rri-thumb:visible").count() == 21
    assert page.locator(".rri-print-note").is_hidden()


def test_viewer_opens_zooms_pans_and_moves_with_the_keyboard(page):
    first = page.locator("#imaging-timeline .rri-open").first
    first.focus()
    page.keyboard.press("Enter")
    viewer = page.locator(".rri-viewer")
    assert viewer.is_visible()
    assert viewer.locator(".rri-count").text_content() == "1 of 21"
    assert viewer.get_attribute("data-zoom") == "1.000"
    page.keyboard.press("+")
    assert viewer.get_attribute("data-zoom") == "1.500"
    stage = viewer.locator(".rri-stage").bounding_box()
    page.mouse.move(stage["x"] + 300, stage["y"] + 300)
    # The first image is a DICOM series: its wheel moves through the slices, Ctrl+wheel zooms.
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    assert float(viewer.get_attribute("data-zoom")) == pytest.approx(1.8)
    before = viewer.locator(".rri-canvas").evaluate("e => e.style.transform")
    page.mouse.down()
    page.mouse.move(stage["x"] + 200, stage["y"] + 250, steps=4)
    page.mouse.up()
    assert viewer.locator(".rri-canvas").evaluate("e => e.style.transform") != before
    page.keyboard.press("0")
    assert viewer.get_attribute("data-zoom") == "1.000"
    page.keyboard.press("ArrowRight")
    assert viewer.locator(".rri-count").text_content() == "2 of 21"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert viewer.locator(".rri-count").text_content() == "21 of 21"
    page.keyboard.press("Escape")
    assert not viewer.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('rri-open')")  # focus back on the gallery


def test_whole_slide_zoom_tiles_are_in_the_viewer(page):
    slide = page.locator("#imaging-timeline .rri-open[aria-label*='H&E 2020-03']")
    slide.click()
    viewer = page.locator(".rri-viewer")
    assert "whole-slide" in viewer.locator(".rri-caption").text_content()
    tiles = viewer.locator(".rri-tiles img")
    assert tiles.count() == 12  # the 2048x1536 slide cut into 512-pixel tiles, under max_tiles=16
    assert page.evaluate("Array.from(document.querySelectorAll('.rri-tiles img')).every(i => i.naturalWidth > 0)")


def test_annotations_toggle_in_the_viewer_and_the_gallery(page):
    annotated = page.locator("#imaging-timeline .rri-open:has(svg.rri-ann)")
    assert annotated.count() == 3  # P1's MRI slice and progression, P3's metastasis
    svg = annotated.first.locator("svg.rri-ann")
    assert svg.is_visible()
    annotated.first.click()
    overlay = page.locator(".rri-viewer .rri-overlay svg")
    assert overlay.is_visible() and overlay.locator("text").first.text_content() == "NEC"
    page.keyboard.press("a")
    assert not overlay.is_visible()
    page.keyboard.press("Escape")
    assert not svg.is_visible()  # one switch for the whole page
    box = page.locator("#imaging-timeline .rri-ann-toggle")
    assert not box.is_checked()
    box.check()
    assert svg.is_visible()


def test_the_patient_highlighter_filters_the_gallery(page):
    page.select_option("#rr-patient", "P3")
    visible = page.evaluate(
        "Array.from(document.querySelectorAll('#imaging-timeline .rri-patient'))"
        ".filter(e => !e.hidden).map(e => e.dataset.patient)")
    assert visible == ["P3"]
    assert page.locator("#imaging-pathology .rri-patho:visible").count() == 0  # P3 has no pathology images
    page.locator("#imaging-timeline .rri-open:visible").first.click()
    assert page.locator(".rri-viewer .rri-count").text_content() == "1 of 2"
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Stop highlighting P3").click()  # the highlighter's chip
    assert page.locator("#imaging-timeline .rri-patient:visible").count() == 3
    # A second patient highlighted beside the first shows both patients' pictures.
    page.select_option("#rr-patient", "P3")
    page.select_option("#rr-patient", "P1")
    assert page.evaluate("window.rinecHighlight.chosen") == ["P3", "P1"]
    shown = page.evaluate("Array.from(document.querySelectorAll('#imaging-timeline .rri-patient'))"
                          ".filter(e => !e.hidden).map(e => e.dataset.patient)")
    assert shown == ["P1", "P3"]


def test_print_lays_the_pictures_out_as_a_compact_gallery(page):
    # Paper: A4 less the core's 12 mm margins is 186 mm = 703 CSS px wide.
    page.set_viewport_size({"width": 703, "height": 1000})
    page.emulate_media(media="print")
    figures = page.evaluate("""() => Array.from(document.querySelectorAll('.rri-fig'))
      .filter(f => f.getClientRects().length).map(f => {
      const img = f.querySelector('img').getBoundingClientRect();
      const cap = f.querySelector('figcaption').getBoundingClientRect();
      return {patient: f.dataset.patient, grid: !!f.closest('.rri-grid'), top: Math.round(img.top),
              picture: f.querySelector('button').dataset.img,
              right: Math.max(img.right, cap.right), overlap: cap.top < img.bottom - 1 && cap.left < img.right - 1,
              avoid: getComputedStyle(f).breakInside};
    })""")
    # Every picture is laid out on paper, once: the example's 21 pictures (hand count of
    # example_run/images/, the DICOM series once), its 16 H&E and IHC ones in the pathology
    # grid only, the timeline keeping P1's 3 radiology and endoscopy pictures and P3's 2.
    assert len(figures) == 21
    assert len({f["picture"] for f in figures}) == 21
    assert sum(f["grid"] for f in figures) == 16
    assert sorted(f["patient"] for f in figures if not f["grid"]) == ["P1"] * 3 + ["P3"] * 2
    assert all(f["right"] <= 703 for f in figures)  # nothing past the right margin
    assert not any(f["overlap"] for f in figures)  # a caption never over its picture
    assert {f["avoid"] for f in figures} == {"avoid"}  # nor split from it by a page break
    # several pictures per row: P1's 3 timeline pictures (two at diagnosis, one at follow-up) in one
    p1 = {f["top"] for f in figures if f["patient"] == "P1" and not f["grid"]}
    assert len(p1) == 1
    # and the timeline says where the pathology pictures went
    assert "printed once, in the section" in page.locator("#imaging-timeline .rri-print-note").inner_text()
    # the pathology grids of P1 and P2 side by side, narrower than the timeline's pictures
    tops = page.evaluate("Array.from(document.querySelectorAll('.rri-patho')).map(e => e.getBoundingClientRect().top)")
    assert len(tops) == 2 and tops[0] == tops[1]
    widths = page.evaluate("""() => ['.rri-patient .rri-thumb', '.rri-grid .rri-thumb'].map(
      s => Array.from(document.querySelectorAll(s)).find(t => t.getClientRects().length)
        .getBoundingClientRect().width)""")
    assert widths[1] < widths[0]
