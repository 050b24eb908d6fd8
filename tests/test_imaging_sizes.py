"""Thumbnails of elongated pictures keep a readable short side; tiny images keep their colours.

References: the pixels as Pillow (of the generated PNGs) or pydicom (of pydicom's own
SC_rgb_small_odd.dcm, shipped in pydicom's wheel) read them, in the test."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pydicom
import pytest
from imaging_helpers import parse
from PIL import Image
from pydicom.data import get_testdata_file
from rinec_plugins.imaging.html import overlay


def _pixels(encoded) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(encoded.data)).convert("RGB")).astype(int)


def _gradient(path, width, height):
    """Red rises along the long axis from 0 to 255; green marks the first and last 5%."""
    long_side = max(width, height)
    ramp = np.linspace(0, 255, long_side)
    pixels = np.zeros((height, width, 3), np.uint8)
    if width >= height:
        pixels[..., 0] = ramp[None, :]
    else:
        pixels[..., 0] = ramp[:, None]
    Image.fromarray(pixels).save(path)
    return np.asarray(Image.open(path)).astype(float)  # as Pillow reads it back


def test_a_panorama_thumbnail_is_its_middle_with_a_readable_short_side(tmp_path):
    original = _gradient(tmp_path / "pano.png", 16000, 400)
    result, messages = parse(tmp_path / "pano.png")
    assert messages == []
    thumb = result.thumb
    assert (thumb.width, thumb.height) == (200, 50)  # not 200x5: the short side is thumb_side / 4
    # At 50 px high the panorama is 2000 px long; the thumbnail is its middle 200 px.
    assert thumb.crop == pytest.approx((0.45, 0.0, 0.55, 1.0), abs=0.002)
    x0, x1 = int(0.45 * 16000), int(0.55 * 16000)
    expected_red = original[:, x0:x1, 0].mean()  # the same span of the original
    assert abs(_pixels(thumb)[..., 0].mean() - expected_red) < 2
    # The display sizes still show the whole picture.
    assert (result.levels[0].width, result.levels[0].height) == (1600, 40) and result.levels[0].crop is None


def test_a_tall_strip_is_cut_along_its_height(tmp_path):
    _gradient(tmp_path / "tall.png", 300, 9000)
    result, _ = parse(tmp_path / "tall.png")
    assert (result.thumb.width, result.thumb.height) == (50, 200)
    assert result.thumb.crop[0] == 0.0 and result.thumb.crop[2] == 1.0


def test_a_strip_thinner_than_the_minimum_is_not_enlarged(tmp_path):
    _gradient(tmp_path / "thin.png", 16000, 30)
    result, _ = parse(tmp_path / "thin.png")
    assert (result.thumb.width, result.thumb.height) == (200, 30)


def test_up_to_four_to_one_the_thumbnail_is_the_whole_picture(tmp_path):
    _gradient(tmp_path / "wide.png", 800, 200)
    result, _ = parse(tmp_path / "wide.png")
    assert (result.thumb.width, result.thumb.height) == (200, 50) and result.thumb.crop is None


def test_the_thumbnail_overlay_shows_the_part_the_thumbnail_shows():
    item = SimpleNamespace(width=16000, height=400, annotations=[{"type": "circle", "cx": 8000, "cy": 200, "r": 50}])
    assert 'viewBox="7200.00 0.00 1600.00 400.00"' in str(overlay(item, (0.45, 0.0, 0.55, 1.0)))
    assert 'viewBox="0 0 16000 400"' in str(overlay(item))


@pytest.mark.parametrize("fmt", ["avif", "webp", "jpeg"])
def test_a_3x3_rgb_dicom_keeps_its_colours(fmt):
    # 3x3 RGB: rows of (166,141,52), (63,87,176) and grey. Lossy WebP and JPEG keep colour
    # at half resolution (2x2 pixels per colour sample), which turned the first two rows grey.
    path = get_testdata_file("SC_rgb_small_odd.dcm", download=False)
    reference = pydicom.dcmread(path).pixel_array.astype(int)
    assert reference.shape == (3, 3, 3)
    from pathlib import Path

    result, messages = parse(Path(path), format=fmt)
    assert messages == []
    # Lossless WebP (in the AVIF format too: AVIF through Pillow is YUV even at quality 100);
    # JPEG at 4:4:4, quality 95.
    tolerance = 6 if fmt == "jpeg" else 0
    assert {e.mime for e in (result.thumb, *result.levels)} == {"image/jpeg" if fmt == "jpeg" else "image/webp"}
    for encoded in (result.thumb, *result.levels):
        assert np.max(np.abs(_pixels(encoded) - reference)) <= tolerance
