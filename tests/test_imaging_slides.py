"""Whole-slide images through OpenSlide, on pyramidal TIFFs generated here."""

from __future__ import annotations

import io

import openslide
import tifffile
from imaging_helpers import parse, pyramid_tiff
from PIL import Image

TISSUE = (2600, 400, 3800, 1400)  # x0, y0, x1, y1 in level-0 pixels


def _overlaps(tile, box) -> bool:
    x0, y0, x1, y1 = box
    return tile.x < x1 and tile.x + tile.w > x0 and tile.y < y1 and tile.y + tile.h > y0


def test_generic_pyramidal_tiff_gives_an_overview_and_tiles_from_the_tissue(tmp_path):
    path = pyramid_tiff(tmp_path / "slide.tif", tissue=TISSUE)
    assert openslide.OpenSlide.detect_format(str(path)) == "generic-tiff"
    result, messages = parse(path, max_tiles=6)
    assert messages == []
    assert result.kind == "slide"
    with tifffile.TiffFile(path) as tif:  # the level-0 size, read by tifffile rather than OpenSlide
        height, width = tif.pages[0].shape[:2]
    assert (result.width, result.height) == (width, height) == (4096, 3072)
    assert max(result.thumb.width, result.thumb.height) == 200
    assert max(result.levels[0].width, result.levels[0].height) == 800  # a slide's overview: half of max_side
    assert len(result.tiles) == 6  # bounded by max_tiles
    for tile in result.tiles:
        assert 0 <= tile.x < width and 0 <= tile.y < height
        assert tile.x + tile.w <= width and tile.y + tile.h <= height
        assert _overlaps(tile, TISSUE), f"tile at {tile.x},{tile.y} is blank glass"
        decoded = Image.open(io.BytesIO(tile.image.data))
        # Cut from a level finer than the overview: more pixels per level-0 pixel than 800/4096.
        assert decoded.width / tile.w > 800 / 4096


def test_aperio_svs_is_read_through_openslide(tmp_path):
    path = pyramid_tiff(tmp_path / "slide.svs", levels=3, step=4, description="Aperio Image Library v10.0.50\n"
                        "4096x3072 [0,0 4096x3072] (256x256) |AppMag = 20|MPP = 0.5")
    assert openslide.OpenSlide.detect_format(str(path)) == "aperio"
    result, messages = parse(path, max_tiles=2)
    assert messages == []
    assert result.kind == "slide" and (result.width, result.height) == (4096, 3072)
    assert len(result.tiles) == 2


def test_no_tiles_when_the_overview_already_shows_every_pixel(tmp_path):
    path = pyramid_tiff(tmp_path / "small.tif", size=(1024, 768), tissue=(100, 100, 900, 600), levels=2)
    result, _ = parse(path)
    assert result.kind == "slide" and result.tiles == []


def test_tiles_zero_means_overview_only(tmp_path):
    path = pyramid_tiff(tmp_path / "slide.tif", tissue=TISSUE)
    result, _ = parse(path, max_tiles=0)
    assert result.tiles == [] and result.levels


def test_a_damaged_slide_is_one_warning(tmp_path):
    path = tmp_path / "broken.svs"
    path.write_bytes(b"II*\x00" + b"\x00" * 64)
    result, messages = parse(path)
    assert result is None
    assert len(messages) == 1 and messages[0].startswith("image skipped: not a readable whole-slide image")
