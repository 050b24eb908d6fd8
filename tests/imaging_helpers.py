"""Shared helpers of the imaging plugin's tests: options, generated pictures and slides."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

DICOM = Path(__file__).resolve().parent / "data" / "dicom"

# The plugin's defaults, as the core hands them over (validated, filled in).
OPTIONS: dict[str, Any] = {
    "budget_mb": 20.0,
    "format": "webp",
    "quality": 80,
    "max_side": 1600,
    "min_side": 400,
    "thumb_side": 200,
    "tile_side": 512,
    "max_tiles": 16,
    "window_low_percentile": 1.0,
    "window_high_percentile": 99.0,
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
