"""A DICOM series (and a multi-frame file) as a stack in the viewer: slices ordered by
position, window presets from the file, the per-series budget, burned-in slices left out,
and the viewer scrolling through them in Chromium. The series are written here with
pydicom from pydicom's own MR_small.dcm (tests/data/dicom/); the reference for each slice
is pydicom's pixel data windowed by the standard's formula in the test."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import numpy as np
import pydicom
import pytest
from imaging_helpers import DICOM, open_in_viewer
from PIL import Image
from pydicom.uid import generate_uid

from rinec_report import run

CHROMIUM = Path("/usr/bin/chromium")
# Slices written out of order: (instance number, z position in mm); viewing order is by z.
SLICES = [(3, 10.0), (1, -5.0), (5, 20.0), (2, 2.5), (4, 15.0)]
WINDOWS = ([600.0, 300.0], [1600.0, 400.0], ["SOFT", "NARROW"])


def write_series(folder: Path, burned_in: tuple[int, ...] = ()) -> str:
    """Five slices of one series: MR_small's pixels plus 100 x instance number, so that
    each slice is told apart by its mean; two windows with their explanations."""
    folder.mkdir(parents=True, exist_ok=True)
    series = generate_uid()
    for number, z in SLICES:
        ds = pydicom.dcmread(DICOM / "MR_small.dcm")
        ds.PatientID, ds.SeriesInstanceUID, ds.SOPInstanceUID = "P1", series, generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = number
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]  # axial: the normal is +z
        ds.ImagePositionPatient = [0, 0, z]
        ds.WindowCenter, ds.WindowWidth, ds.WindowCenterWidthExplanation = WINDOWS
        ds.PixelData = (ds.pixel_array.astype(np.int32) + 100 * number).astype(ds.pixel_array.dtype).tobytes()
        if number in burned_in:
            ds.BurnedInAnnotation = "YES"
        ds.save_as(folder / f"slice{number}.dcm")
    return series


def _reference(number: int, center: float, width: float) -> np.ndarray:
    """PS3.3 C.11.2.1.2.1 (linear) on pydicom's pixels, by hand."""
    ds = pydicom.dcmread(DICOM / "MR_small.dcm")
    values = ds.pixel_array.astype(np.float64) + 100 * number
    return np.clip(np.rint(((values - (center - 0.5)) / (width - 1) + 0.5) * 255), 0, 255)


def _image_data(report) -> dict:
    html = report.html_path.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" class="rri-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(block)


def _pixels(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("L")).astype(float)


def test_a_series_becomes_a_stack_in_position_order_with_its_presets(tmp_path):
    run_dir = tmp_path / "run"
    write_series(run_dir / "images" / "P1" / "2019-05_MRI")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"])
    assert [m.line() for m in report.messages if m.plugin == "imaging"] == []
    (entry,) = _image_data(report).values()
    stack = entry["stack"]
    assert [s[0] for s in stack["slices"]] == [1, 2, 3, 4, 5]  # sorted by z: -5, 2.5, 10, 15, 20
    assert [s[1] for s in stack["slices"]] == [-5.0, 2.5, 10.0, 15.0, 20.0]
    assert stack["key"] == 2  # the middle slice by instance number is the one the gallery shows
    assert stack["presets"] == ["SOFT", "NARROW"]
    for number, _, uris in stack["slices"]:
        assert len(uris) == 2
        for uri, center, width in zip(uris, WINDOWS[0], WINDOWS[1], strict=True):
            # 64x64 at most 64 pixels: encoded without loss, so equal to the reference.
            assert np.max(np.abs(_pixels(uri) - _reference(number, center, width))) <= 1


def test_a_multi_frame_file_is_its_own_stack(tmp_path):
    from test_imaging_dicom_frames import enhanced_mr

    run_dir = tmp_path / "run"
    (run_dir / "images" / "P1").mkdir(parents=True)
    enhanced_mr(run_dir / "images" / "P1" / "2019-05_MRI.dcm")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"])
    (entry,) = _image_data(report).values()
    assert [s[0] for s in entry["stack"]["slices"]] == [1, 2, 3] and entry["stack"]["key"] == 1


def test_burned_in_slices_stay_out_of_the_stack_unless_allowed(tmp_path):
    run_dir = tmp_path / "run"
    write_series(run_dir / "images" / "P1" / "2019-05_MRI", burned_in=(1, 5))
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"])
    (entry,) = _image_data(report).values()
    assert [s[0] for s in entry["stack"]["slices"]] == [2, 3, 4]
    assert "2 slices marked as carrying burned-in annotation left out of the stack" in \
        report.html_path.read_text(encoding="utf-8")
    # The user's own config (stack_burned_in is a user option) lets them in.
    allowed = run(run_dir, outdir=tmp_path / "out2", force=True, plugins=["imaging"],
                  config={"imaging": {"stack_burned_in": True}})
    (entry,) = _image_data(allowed).values()
    assert [s[0] for s in entry["stack"]["slices"]] == [1, 2, 3, 4, 5]


def test_the_stack_counts_in_the_budget_and_goes_first(tmp_path):
    run_dir = tmp_path / "run"
    write_series(run_dir / "images" / "P1" / "2019-05_MRI")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"])
    (entry,) = _image_data(report).values()
    stack_bytes = sum(len(u) - u.index(",") - 1 for s in entry["stack"]["slices"] for u in s[2])
    without = run(run_dir, outdir=tmp_path / "off", force=True, plugins=["imaging"],
                  config={"imaging": {"stack_mb": 0}})
    (plain,) = _image_data(without).values()
    assert "stack" not in plain
    embedded = int(report.tables["imaging_images"]["embedded_bytes"].iloc[0])
    alone = int(without.tables["imaging_images"]["embedded_bytes"].iloc[0])
    assert embedded - alone == stack_bytes  # the stack's bytes are counted as the image's
    # A page budget the stack does not fit in: the stack goes first, the key slice stays.
    from rinec_plugins.imaging.encode import Choice, Encoded, describe, fit
    from rinec_plugins.imaging.stack import Slice, Stack

    def enc(n):
        return Encoded(8, 8, b"x" * (n * 3 // 4), "image/webp")  # n base64 bytes

    stack = Stack([], [Slice(i, None, ((enc(5000),),)) for i in range(4)], 1)
    choice = Choice("a.dcm", enc(1000), [enc(10000)], [], stack=stack)
    # The display (10000) and the stack (4 x 5000); the thumbnail is drawn from the display
    # (both 8x8), so its 1000 are not in the page.
    assert choice.bytes == 10000 + 20000
    budget = fit([choice], 15000)
    assert not choice.keep_stack and choice.display is not None and choice.bytes == 10000
    assert "1 DICOM series shown by one slice, without their stack" in describe(budget)


def test_a_per_series_budget_keeps_every_nth_slice_and_the_key():
    from rinec_plugins.imaging.encode import Encoded
    from rinec_plugins.imaging.stack import Slice, gather

    def slice_(n):
        big, half = Encoded(8, 8, b"x" * 3000, "image/webp"), Encoded(4, 4, b"x" * 1500, "image/webp")
        return Slice(n, float(n), ((big,), (half,)))

    slices = [slice_(n) for n in range(1, 11)]
    members = [([s], s.number == 6) for s in slices]
    whole = gather(members, [], False, 10 * 4000)  # 4,000 base64 bytes a slice: all ten fit
    assert whole.size == 0 and len(whole.slices) == 10
    half = gather(members, [], False, 10 * 2000)  # only at half size
    assert half.size == 1 and len(half.slices) == 10
    sparse = gather(members, [], False, 5 * 2000)  # half size, every second slice, the key among them
    assert [s.number for s in sparse.slices] == [2, 4, 6, 8, 10] and sparse.slices[sparse.key].number == 6
    assert sparse.notes == ["the stack shows every second of 10 slices (imaging.stack_mb)"]
    assert gather(members, [], False, 0) is None


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_the_viewer_scrolls_the_stack_in_chromium(tmp_path):
    run_dir = tmp_path / "run"
    write_series(run_dir / "images" / "P1" / "2019-05_MRI")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"])
    with open_in_viewer(report) as page:
        viewer = page.locator(".rri-viewer")
        label = viewer.locator(".rri-slice-label")
        assert viewer.get_attribute("data-slice") == "2"
        assert label.text_content() == "slice 3 of 5 (no. 3) \u00b7 10 mm \u00b7 key slice"
        key_src = viewer.locator(".rri-base").get_attribute("src")
        page.keyboard.press("ArrowDown")
        assert viewer.get_attribute("data-slice") == "3"
        assert label.text_content() == "slice 4 of 5 (no. 4) \u00b7 15 mm"
        assert viewer.locator(".rri-base").get_attribute("src") != key_src
        assert viewer.locator(".rri-overlay").evaluate("e => e.style.visibility") == "hidden"
        stage = viewer.locator(".rri-stage").bounding_box()
        page.mouse.move(stage["x"] + 200, stage["y"] + 200)
        page.mouse.wheel(0, 100)
        page.wait_for_function("document.querySelector('.rri-viewer').getAttribute('data-slice') === '4'")
        page.mouse.wheel(0, 100)  # the last slice: stays
        page.wait_for_timeout(100)
        assert viewer.get_attribute("data-slice") == "4"
        assert viewer.get_attribute("data-zoom") == "1.000"  # the wheel moved slices, it did not zoom
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowUp")
        assert label.text_content().startswith("slice 1 of 5 (no. 1) \u00b7 -5 mm")
        slider = viewer.locator(".rri-slice")
        slider.fill("2")
        assert viewer.get_attribute("data-slice") == "2"
        assert viewer.locator(".rri-base").get_attribute("src") == key_src
        preset = viewer.locator(".rri-preset")
        assert preset.is_visible()
        assert preset.locator("option").all_text_contents() == ["SOFT", "NARROW"]
        preset.select_option("1")
        narrow = viewer.locator(".rri-base").get_attribute("src")
        assert narrow != key_src
        data = page.evaluate("window.rriImaging.images")
        (entry,) = data.values()
        assert narrow == entry["stack"]["slices"][2][2][1]
        page.keyboard.press("+")
        assert viewer.get_attribute("data-zoom") == "1.500"  # + still zooms
        page.screenshot(path=str(tmp_path / "stack.png"))
        page.keyboard.press("Escape")
        page.emulate_media(media="print")  # paper: the key slice, as the gallery's thumbnail
        assert viewer.is_hidden() and page.locator("img.rri-thumb").count() == 1


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_physical_aspect_and_a_panorama_thumbnail_in_chromium(tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    run_dir = tmp_path / "run"
    (run_dir / "images" / "P1").mkdir(parents=True)
    ds = pydicom.dcmread(DICOM / "MR_small.dcm")
    ds.PatientID, ds.PixelSpacing = "P1", [0.5, 1.0]  # rows half as far apart as columns
    ds.save_as(run_dir / "images" / "P1" / "2019-05_MRI.dcm")
    pano = np.zeros((400, 16000, 3), np.uint8)
    pano[..., 0] = np.linspace(0, 255, 16000)[None, :]
    Image.fromarray(pano).save(run_dir / "images" / "P1" / "2019-06_endoscopy.png")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"])
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(report.html_path.as_uri())
        page.wait_for_function("document.querySelectorAll('img.rri-thumb[src^=\"data:\"]').length === 2")
        sizes = page.evaluate("Array.from(document.querySelectorAll('img.rri-thumb'))"
                              ".map(i => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().height])")
        assert sorted(s[:2] for s in sizes) == [[64, 32], [200, 50]]  # the MR in its aspect; the panorama's middle
        assert all(s[2] >= 30 for s in sizes)  # drawn at a readable height in the gallery
        buttons = page.locator(".rri-open")
        for i in range(buttons.count()):
            buttons.nth(i).click()
            canvas = page.locator(".rri-canvas").evaluate(
                "e => [parseFloat(e.style.width), parseFloat(e.style.height)]")
            expected = 16000 / 400 if canvas[0] > 1000 else 64 / 32  # 64x64 pixels of 1.0 x 0.5 mm
            assert canvas[0] / canvas[1] == pytest.approx(expected)
            page.keyboard.press("Escape")
        browser.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_a_thumbnail_drawn_from_the_display_image_is_its_middle_in_its_own_box(tmp_path):
    # A 3000x400 panorama, red rising from 0 at the left to 255 at the right. Its thumbnail
    # (by hand, docs/plugins/imaging.md): scaled to 50 px high (375x50), the middle 200 px,
    # x from 87/375 = 0.232 to 287/375 = 0.765 of the width. Its display image (1600x213) has
    # more pixels than that, so the gallery draws it, cut by the browser: the same middle.
    playwright = pytest.importorskip("playwright.sync_api")
    run_dir = tmp_path / "run"
    (run_dir / "images" / "P1").mkdir(parents=True)
    pano = np.zeros((400, 3000, 3), np.uint8)
    pano[..., 0] = np.linspace(0, 255, 3000).round().astype(np.uint8)[None, :]
    Image.fromarray(pano).save(run_dir / "images" / "P1" / "2019-06_endoscopy.png")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"])
    page_text = report.html_path.read_text(encoding="utf-8")
    assert page_text.count("data:image/") == 1  # one picture: no thumbnail of its own
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(report.html_path.as_uri())
        thumb = page.locator("img.rri-thumb")
        # Before any script ran, the box is the thumbnail's: nothing moves when the picture comes.
        assert (thumb.get_attribute("width"), thumb.get_attribute("height")) == ("200", "50")
        page.wait_for_function("document.querySelector('img.rri-thumb').complete "
                               "&& document.querySelector('img.rri-thumb').naturalWidth > 0")
        natural, box = thumb.evaluate("i => [[i.naturalWidth, i.naturalHeight], "
                                      "[i.getBoundingClientRect().width, i.getBoundingClientRect().height]]")
        assert natural == [1600, 213]
        assert box[0] / box[1] == pytest.approx(200 / 50, rel=0.01)
        shot = np.asarray(Image.open(io.BytesIO(thumb.screenshot())).convert("RGB")).astype(float)
        row = shot[shot.shape[0] // 2, :, 0]
        assert row[2] == pytest.approx(0.232 * 255, abs=8) and row[-3] == pytest.approx(0.765 * 255, abs=8)
        # For paper it is drawn at the thumbnail's own size (200x50), the same middle, so a
        # PDF does not hold the whole display image.
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        paper = page.evaluate("""() => { const c = document.querySelector('canvas.rri-paper');
          const px = c.getContext('2d').getImageData(0, 25, 200, 1).data;
          return [c.width, c.height, px[4 * 1], px[4 * 198]]; }""")
        assert paper[:2] == [200, 50]
        assert paper[2] == pytest.approx(0.232 * 255, abs=8) and paper[3] == pytest.approx(0.765 * 255, abs=8)
        # The viewer shows the whole panorama from the same bytes.
        page.locator(".rri-open").click()
        assert page.locator(".rri-base").get_attribute("src") == thumb.get_attribute("src")
        browser.close()
