"""DICOM whole-slide images (VL Whole Slide Microscopy, TILED_FULL) through OpenSlide 4,
on a small pyramid written here with pydicom: one file per level, uncompressed RGB tiles.
The reference is the pixels written (NumPy) and pydicom's and OpenSlide's own reading."""

from __future__ import annotations

import io
import os

import numpy as np
import openslide
import pydicom
import pytest
from imaging_helpers import parse
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import ExplicitVRLittleEndian, JPEGBaseline8Bit, generate_uid

from rinec_report import run

WSI = "1.2.840.10008.5.1.4.1.1.77.1.6"
TISSUE = (600, 200, 900, 500)  # x0, y0, x1, y1 in level-0 pixels
PINK, GLASS = (200, 110, 170), (245, 245, 245)


def write_wsi(folder, size=(1024, 768), tile=256, levels=3, label=True, jpeg=False) -> list:
    """A TILED_FULL pyramid (PS3.3 C.7.6.17.3): level n is level 0 taken every 2**n pixels,
    cut into tile x tile frames row by row (the last row and column padded), one file per
    level; and a LABEL image, as scanners write one. Tiles uncompressed RGB, or (``jpeg``)
    JPEG Baseline in YBR_FULL_422 as most scanners write them (Pillow encodes each tile)."""
    folder.mkdir(parents=True, exist_ok=True)
    width, height = size
    pixels = np.full((height, width, 3), GLASS, np.uint8)
    x0, y0, x1, y1 = TISSUE
    pixels[y0:y1, x0:x1] = PINK
    series, study = generate_uid(), generate_uid()
    planes = [(f"level{n}.dcm", "VOLUME", pixels[:: 2**n, :: 2**n]) for n in range(levels)]
    if label:
        planes.append(("label.dcm", "LABEL", np.full((128, 256, 3), 255, np.uint8)))
    paths = []
    for number, (name, flavor, plane) in enumerate(planes, start=1):
        plane_h, plane_w = plane.shape[:2]
        across, down = -(-plane_w // tile), -(-plane_h // tile)
        frames = np.zeros((down * across, tile, tile, 3), np.uint8)
        for r in range(down):
            for c in range(across):
                part = plane[r * tile:(r + 1) * tile, c * tile:(c + 1) * tile]
                frames[r * across + c, :part.shape[0], :part.shape[1]] = part
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = WSI
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = JPEGBaseline8Bit if jpeg else ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = WSI, meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.PatientID, ds.Modality, ds.StudyDate, ds.InstanceNumber = "P1", "SM", "20200301", number
        ds.PatientName = "Secret^Name"
        ds.ImageType = ["ORIGINAL" if number == 1 else "DERIVED", "PRIMARY", flavor, "NONE"]
        ds.Rows = ds.Columns = tile
        ds.TotalPixelMatrixColumns, ds.TotalPixelMatrixRows = plane_w, plane_h
        ds.TotalPixelMatrixFocalPlanes = 1
        ds.NumberOfFrames = len(frames)
        ds.DimensionOrganizationType = "TILED_FULL"
        ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        if jpeg:
            ds.PhotometricInterpretation = "YBR_FULL_422"
            ds.PixelData = encapsulate([_jpeg(f) for f in frames])
            ds["PixelData"].VR = "OB"
            ds.LossyImageCompression = "01"
        else:
            ds.PixelData = frames.tobytes()
        ds.save_as(folder / name, enforce_file_format=True)
        paths.append(folder / name)
    return paths


def _jpeg(frame: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(frame).save(out, "JPEG", quality=95, subsampling=1)  # 4:2:2
    return out.getvalue()


def _decoded(encoded) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(encoded.data)).convert("RGB")).astype(int)


def test_openslide_reads_the_generated_pyramid(tmp_path):
    paths = write_wsi(tmp_path / "slide")
    assert int(openslide.__library_version__.split(".")[0]) >= 4  # DICOM came with OpenSlide 4.0
    assert openslide.OpenSlide.detect_format(str(paths[1])) == "dicom"
    with openslide.OpenSlide(str(paths[1])) as slide:  # any file of the series opens the whole slide
        assert slide.level_dimensions == ((1024, 768), (512, 384), (256, 192))


@pytest.mark.parametrize(("which", "jpeg"), [(0, False), (2, False), (3, False), (1, True)])
def test_any_file_of_the_series_shows_the_slide_overview(tmp_path, which, jpeg):
    # level 0, the smallest level, the label; and a level of a JPEG-tiled slide
    paths = write_wsi(tmp_path / "images" / "P1", jpeg=jpeg)
    level0 = pydicom.dcmread(paths[0], stop_before_pixels=True)
    # The series' opener, by the documented rule: its smallest file, ties by name.
    opener = min((p.stat().st_size, p.name) for p in paths)[1]
    if paths[which].name != opener:  # it names the opener and opens nothing itself
        part, messages = parse(paths[which], relpath=f"images/P1/{paths[which].name}")
        assert messages == [] and part.thumb is None and part.levels == [] and part.tiles == []
        assert part.tags["slide_opener"] == f"images/P1/{opener}"
        assert part.tags["series_uid"] == level0.SeriesInstanceUID and part.kind == "slide"
        which = [p.name for p in paths].index(opener)
    # max_side 800: an overview of 400x300, so that zoom tiles from level 0 add detail.
    result, messages = parse(paths[which], relpath=f"images/P1/{paths[which].name}", max_side=800, max_tiles=4,
                             tile_side=128)
    assert messages == []
    assert result.kind == "slide"
    assert (result.width, result.height) == (level0.TotalPixelMatrixColumns, level0.TotalPixelMatrixRows)
    assert result.tags["series_uid"] == level0.SeriesInstanceUID and result.tags["patient_id"] == "P1"
    assert result.tags["date"] == "2020-03-01"
    overview = result.levels[0]
    assert (overview.width, overview.height) == (400, 300)  # a slide's overview: half of max_side
    pixels = _decoded(overview)
    k = 400 / 1024
    x0, y0, x1, y1 = (round(v * k) for v in TISSUE)
    assert np.abs(pixels[y0 + 4:y1 - 4, x0 + 4:x1 - 4] - PINK).max() <= 8  # the tissue, where it was written
    assert np.abs(pixels[4:y0 - 4, 4:x0 - 4] - GLASS).max() <= 8  # glass elsewhere
    assert 0 < len(result.tiles) <= 4
    for tile in result.tiles:  # zoom tiles from the tissue, not the glass
        assert tile.x < TISSUE[2] and tile.x + tile.w > TISSUE[0] and tile.y < TISSUE[3] and tile.y + tile.h > TISSUE[1]


def test_the_series_is_one_slide_in_the_report(tmp_path):
    run_dir = tmp_path / "run"
    write_wsi(run_dir / "images" / "P1")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"])
    assert [m.line() for m in report.messages if m.plugin == "imaging"] == []
    table = report.tables["imaging_images"]
    assert len(table) == 1 and table.iloc[0]["modality"] == "Slide" and table.iloc[0]["patient_id"] == "P1"
    assert (int(table.iloc[0]["width"]), int(table.iloc[0]["height"])) == (1024, 768)
    from page_helpers import page_text

    html = page_text(report.html_path.read_text(encoding="utf-8"))  # the timeline chart's JSON too
    assert "slice of a series" not in html and "Secret" not in html


def test_a_link_beside_a_dicom_slide_is_not_followed(tmp_path):
    paths = write_wsi(tmp_path / "images" / "P1", levels=2, label=False)
    os.symlink(tmp_path, paths[0].parent / "elsewhere.dcm")
    result, messages = parse(paths[0])
    assert result is None
    assert messages == ["image skipped: cannot read the file (elsewhere.dcm, beside it in the slide's folder, "
                        "is a link, not followed)"]


def test_the_slide_of_a_series_is_opened_once(tmp_path, monkeypatch):
    paths = write_wsi(tmp_path / "images" / "P1", levels=3, label=True)
    opened = []
    real = openslide.OpenSlide

    def counting(name):
        opened.append(name)
        return real(name)

    monkeypatch.setattr(openslide, "OpenSlide", counting)
    results = [parse(p)[0] for p in paths]
    assert len(opened) == 1  # four files, one slide: opened by one of them
    assert sum(r.thumb is not None for r in results) == 1


def test_a_series_whose_opener_is_left_out_is_named(tmp_path):
    run_dir = tmp_path / "run"
    paths = write_wsi(run_dir / "images" / "P1")
    opener = min((p.stat().st_size, p.name) for p in paths)[1]
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"], ignore=[opener])
    assert len(report.tables.get("imaging_images", [])) == 0
    lines = [m.line() for m in report.messages if m.plugin == "imaging"]
    others = [p.name for p in paths if p.name != opener]
    for name in others:
        assert any(f"images/P1/{name}" in line and f"read through images/P1/{opener}" in line for line in lines), lines
