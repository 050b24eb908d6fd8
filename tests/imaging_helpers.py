"""Shared helpers of the imaging plugin's tests: options, generated pictures and slides."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

DICOM = Path(__file__).resolve().parent / "data" / "dicom"

# The plugin's defaults, as the core hands them over (validated, filled in).
OPTIONS: dict[str, Any] = {
    "budget_mb": 20.0,
    "format": "avif",
    "quality": None,  # the format's own default (encode.QUALITY)
    "max_side": 1600,
    "min_side": 400,
    "thumb_side": 200,
    "tile_side": 512,
    "max_tiles": 16,
    "window_low_percentile": 1.0,
    "window_high_percentile": 99.0,
    "stack_mb": 2.0,
    "stack_side": 256,
    "stack_burned_in": False,
}


def options(**changes: Any) -> dict[str, Any]:
    return {**OPTIONS, **changes}


def parse(path: Path, relpath: str | None = None, **changes: Any) -> tuple[Any, list[str]]:
    """parse_image on one file: (result, warning messages)."""
    from rinec_plugins.imaging.parse import parse_image

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = parse_image(str(path), relpath or f"images/P1/{path.name}", options(**changes))
    return result, [str(w.message) for w in caught]


def photo(path: Path, size: tuple[int, int] = (640, 480), seed: int = 0, **save: Any) -> Path:
    """A seeded RGB picture with some structure (so encoders have work to do)."""
    g = np.random.default_rng(seed)
    img = Image.new("RGB", size, (200, 120, 110))
    draw = ImageDraw.Draw(img)
    for _ in range(200):
        x, y, r = g.uniform(0, size[0]), g.uniform(0, size[1]), g.uniform(3, 20)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(v) for v in g.integers(0, 255, 3)))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, **save)
    return path


def pyramid_tiff(path: Path, size: tuple[int, int] = (4096, 3072), tissue: tuple[int, int, int, int] = (2600, 400,
                 3800, 1400), levels: int = 3, description: str | None = None, step: int = 2) -> Path:
    """A tiled pyramidal TIFF: white glass with one pink tissue rectangle (x0, y0, x1, y1)
    in level-0 pixels; OpenSlide reads it as a generic TIFF (or Aperio with that description)."""
    import tifffile

    width, height = size
    pixels = np.full((height, width, 3), 245, np.uint8)
    x0, y0, x1, y1 = tissue
    pixels[y0:y1, x0:x1] = (200, 110, 170)
    pixels[y0:y1:16, x0:x1] = (90, 40, 120)  # stripes of nuclei
    path.parent.mkdir(parents=True, exist_ok=True)
    with tifffile.TiffWriter(path) as tif:
        for level in range(levels):
            factor = step**level
            plane = np.ascontiguousarray(pixels[::factor, ::factor])
            kwargs: dict[str, Any] = {"description": description} if description else {"subfiletype": 1 if level else 0}
            tif.write(plane, tile=(256, 256), photometric="rgb", compression="zlib", metadata=None, **kwargs)
    return path


# ---------------------------------------------------------------- large pictures, written a strip at a time
# (so that making a 144-megapixel test picture costs the test process a few MB, not the
# gigabytes the plugin must not spend reading it)


def png16_rows(path: Path, width: int, height: int, row: Any) -> Path:
    """A 16-bit greyscale PNG (PNG spec: colour type 0, bit depth 16, big-endian
    samples, filter type 0 per row), written row by row; ``row(y)`` gives a row's values."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(6)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0)))
        data = bytearray()
        for y in range(height):
            data += packer.compress(b"\x00" + np.asarray(row(y), dtype=">u2").tobytes())
            if len(data) > 1 << 20:
                out.write(chunk(b"IDAT", bytes(data)))
                data.clear()
        data += packer.flush()
        out.write(chunk(b"IDAT", bytes(data)))
        out.write(chunk(b"IEND", b""))
    return path


def float_tiff_strips(path: Path, width: int, height: int, row: Any, rows_per_strip: int = 64) -> Path:
    """A striped (not tiled) float32 TIFF, zlib-compressed, written a strip at a time."""
    import zlib

    import tifffile

    def strips():
        for top in range(0, height, rows_per_strip):
            bottom = min(height, top + rows_per_strip)
            block = np.stack([np.asarray(row(y), dtype=np.float32) for y in range(top, bottom)])
            yield zlib.compress(block.tobytes())

    tifffile.imwrite(path, strips(), shape=(height, width), dtype="float32", compression="zlib",
                     rowsperstrip=rows_per_strip, metadata=None)
    return path


def rle_dicom(path: Path, side: int, frames: int, patient: str = "P1") -> Path:
    """A 16-bit multi-frame CT of ``side`` x ``side`` pixels, RLE Lossless (PS3.5 Annex G:
    a 64-byte header of segment offsets, the high bytes then the low bytes as PackBits
    runs, each row encoded on its own); row y of every frame holds the value 16 * (y % 256)."""
    import struct

    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.uid import RLELossless, generate_uid

    def runs(value: int) -> bytes:  # one row of ``side`` equal bytes: replicate runs of at most 128
        out = bytearray()
        left = side
        while left:
            n = min(128, left)
            out += bytes(((257 - n) & 0xFF, value))
            left -= n
        return bytes(out)

    high = b"".join(runs((16 * (y % 256)) >> 8) for y in range(side))
    low = b"".join(runs((16 * (y % 256)) & 0xFF) for y in range(side))
    high += b"\x80" * (len(high) % 2)  # segments are of even length (-128 is a no-op)
    low += b"\x80" * (len(low) % 2)
    header = struct.pack("<16I", 2, 64, 64 + len(high), *([0] * 13))
    frame = header + high + low
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = RLELossless
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID
    ds.PatientID, ds.Modality, ds.StudyDate = patient, "CT", "20190501"
    ds.Rows = ds.Columns = side
    ds.NumberOfFrames = frames
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    ds.PixelData = encapsulate([frame] * frames)
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)
    return path


def limited_cli(*args: str | Path, memory: int, timeout: float) -> Any:
    """``rinec-report ARGS`` in a child process whose address space is limited to
    ``memory`` bytes (resource.setrlimit(RLIMIT_AS), inherited by its workers), killed
    after ``timeout`` seconds."""
    import os
    import subprocess
    import sys

    code = ("import resource; resource.setrlimit(resource.RLIMIT_AS, ({0}, {0})); "
            "from rinec_report.cli import main; main()").format(int(memory))
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True, text=True, errors="replace", timeout=timeout,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1600000000"},
    )


def embedded_pictures(page: str) -> list[Image.Image]:
    """Every image embedded in a page (its data: URIs), decoded."""
    import base64
    import io
    import re

    return [Image.open(io.BytesIO(base64.b64decode(m))) for m in
            re.findall(r"data:image/(?:avif|webp|jpeg|png);base64,([A-Za-z0-9+/=]+)", page)]


@contextlib.contextmanager
def open_in_viewer(report: Any, viewport: tuple[int, int] = (1200, 900)) -> Iterator[Any]:
    """The report's gallery in Chromium, its first picture opened in the viewer. Yields the
    page; on leaving, no request may have left the file and no script error happened."""
    import playwright.sync_api as playwright
    from page_helpers import Opened, launch

    with playwright.sync_playwright() as p:
        browser = launch(p)
        opened = Opened(browser, report.html_path, width=viewport[0])
        page = opened.page
        page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        page.wait_for_function("document.querySelector('img.rri-thumb[src^=\"data:\"]')")
        page.locator(".rri-open").first.click()
        yield page
        opened.close()
        browser.close()
    assert opened.requests == [] and opened.errors == []
