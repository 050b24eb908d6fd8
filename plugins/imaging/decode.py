"""Reading pixels: photographs and scans (Pillow), DICOM (pydicom), whole slides (OpenSlide).

Each reader returns a :class:`Decoded`: one RGB or greyscale plane ready for the
report, the size of the original image (the coordinate system of annotations), the
few header fields the report may show, and for slides the open slide so that zoom
tiles can be cut from a deeper level. Nothing else from a header leaves this module:
EXIF (GPS included), ICC profiles and every other DICOM tag are dropped here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from .meta import DICOM_EXTENSIONS, SLIDE_EXTENSIONS, normalise_date

# Ordinary pictures above this many pixels are refused (a decompression-bomb guard and a
# bound on a worker's memory: 150 MP of RGB is 450 MB). Whole slides do not go through
# Pillow and have no such bound: OpenSlide reads only the levels it needs.
MAX_PIXELS = 150_000_000


class Unreadable(Exception):
    """The file cannot be shown; the message says why in one line."""


@dataclass
class Decoded:
    image: Any  # PIL.Image in mode RGB or L, possibly smaller than the original
    width: int  # the original's size: annotations are in these coordinates
    height: int
    kind: str  # photo, dicom or slide
    tags: dict[str, Any] = field(default_factory=dict)  # patient_id, date, modality, series_uid, ...
    notes: list[str] = field(default_factory=list)
    slide: Any = None  # openslide.OpenSlide for zoom tiles


def decode(
    path: str,
    max_side: int,
    frame: int | None = None,
    percentiles: tuple[float, float] = (1.0, 99.0),
    slide_side: int | None = None,
) -> Decoded:
    """Read ``path`` into a plane whose long side is at most about ``max_side``
    (JPEG decoding and slides are scaled while reading, which is what keeps a
    thousand photographs or a gigapixel slide cheap)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in DICOM_EXTENSIONS or _is_dicom(path):
        return decode_dicom(path, frame, percentiles)
    if suffix in SLIDE_EXTENSIONS or (suffix in ("tif", "tiff") and _slide_format(path)):
        return decode_slide(path, slide_side or max_side)
    return decode_picture(path, max_side, percentiles)


def _is_dicom(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            handle.seek(128)
            return handle.read(4) == b"DICM"
    except OSError:
        return False


def _slide_format(path: str) -> str | None:
    """OpenSlide's name for a tiled (pyramidal) TIFF, None for a plain striped one."""
    try:
        import openslide

        return openslide.OpenSlide.detect_format(path)
    except Exception:  # a library that cannot load means: not a slide
        return None


# ---------------------------------------------------------------- Pillow


def decode_picture(path: str, max_side: int, percentiles: tuple[float, float]) -> Decoded:
    try:
        with warnings.catch_warnings():
            # Our own bound below replaces Pillow's warning for large images.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)
        with img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise Unreadable(f"image of {width}x{height} pixels, more than {MAX_PIXELS:,}")
            if img.format == "JPEG":
                # DCT scaling: decode at 1/2, 1/4 or 1/8 size when that still covers max_side.
                img.draft("RGB", (max_side, max_side))
            img.load()
            oriented = ImageOps.exif_transpose(img)
            if oriented is not img and oriented.size != img.size:
                width, height = height, width
            plane = _to_display_mode(oriented, percentiles)
    except Image.DecompressionBombError:
        raise Unreadable(f"image larger than {MAX_PIXELS:,} pixels") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise Unreadable(f"not a readable image ({_reason(exc)})") from None
    plane.info = {}  # EXIF, GPS, ICC, comments, text chunks: none of it goes further
    return Decoded(plane, width, height, "photo")


def _to_display_mode(img: Image.Image, percentiles: tuple[float, float]) -> Image.Image:
    if img.mode in ("RGB", "L"):
        return img.copy()
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return Image.fromarray(window(np.asarray(img, dtype=np.float64), None, percentiles), "L")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def window(
    values: np.ndarray, center_width: tuple[float, float] | None, percentiles: tuple[float, float]
) -> np.ndarray:
    """Grey values mapped to 0-255 through a window: the file's centre/width when given
    (DICOM PS3.3 C.11.2.1.2.1, the linear function), else from the ``percentiles`` of the
    values (robust to a few bright pixels)."""
    values = values.astype(np.float64, copy=False)
    if center_width is not None and center_width[1] >= 1:
        center, width = center_width
        if width == 1:  # the standard's formula divides by width - 1
            scaled = np.where(values < center - 0.5, 0.0, 1.0)
        else:
            scaled = (values - (center - 0.5)) / (width - 1) + 0.5
        return np.clip(np.rint(scaled * 255.0), 0, 255).astype(np.uint8)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(values.shape, dtype=np.uint8)
    low, high = (float(v) for v in np.percentile(finite, percentiles))
    if high <= low:
        high = low + 1
    scaled = (np.nan_to_num(values, nan=low) - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # Pillow names the path in some messages; the core already names the file.
    return text.replace("cannot identify image file", "unknown image format").split(" '/")[0]


# ---------------------------------------------------------------- DICOM

# The DICOM tags that may reach the report (the list); every other tag is dropped.
DICOM_FIELDS = ("PatientID", "StudyDate", "Modality", "SeriesDescription")


def decode_dicom(path: str, frame: int | None, percentiles: tuple[float, float]) -> Decoded:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(path)
    except (InvalidDicomError, OSError, ValueError, EOFError) as exc:
        raise Unreadable(f"not a readable DICOM file ({_reason(exc)})") from None
    if not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        raise Unreadable(f"DICOM without pixel data (a {ds.get('Modality', 'non-image')} object)")
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    index = frames // 2 if frame is None else min(max(frame, 0), frames - 1)
    try:
        from pydicom.pixels import apply_modality_lut

        pixels = ds.pixel_array
        if frames > 1:
            pixels = pixels[index]
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        if samples == 1:
            values = apply_modality_lut(pixels, ds)
            plane = window(np.asarray(values), _window_of(ds), percentiles)
            if str(ds.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1":
                plane = 255 - plane  # MONOCHROME1 shows low values white
            image = Image.fromarray(plane, "L")
        else:
            rgb = np.asarray(pixels)
            if rgb.dtype != np.uint8:
                rgb = window(rgb, None, (0.0, 100.0))
            image = Image.fromarray(np.ascontiguousarray(rgb[..., :3]), "RGB")
    except Exception as exc:  # pydicom raises many types for bad pixel data
        raise Unreadable(f"DICOM pixel data cannot be decoded ({_reason(exc)})") from None
    tags = {
        "patient_id": str(ds.get("PatientID", "") or "").strip(),
        "date": normalise_date(ds.get("StudyDate") or ds.get("SeriesDate") or ""),
        "modality": str(ds.get("Modality", "") or "").strip(),
        "series_description": str(ds.get("SeriesDescription", "") or "").strip(),
        # Not shown: used to gather a series and choose its slice.
        "series_uid": str(ds.get("SeriesInstanceUID", "") or ""),
        "instance": _number(ds.get("InstanceNumber")),
        "frames": frames,
        "frame": index,
    }
    notes = [] if _window_of(ds) or samples != 1 else ["windowed from percentiles"]
    return Decoded(image, image.width, image.height, "dicom", tags, notes)


def _window_of(ds: Any) -> tuple[float, float] | None:
    center, width = ds.get("WindowCenter"), ds.get("WindowWidth")
    if center is None or width is None:
        return None
    try:
        # Several windows may be given (MultiValue); the first is the default view.
        first = (float(center[0] if _multi(center) else center), float(width[0] if _multi(width) else width))
    except (TypeError, ValueError, IndexError):
        return None
    return first if first[1] >= 1 else None


def _multi(value: Any) -> bool:
    return not isinstance(value, (str, bytes, int, float)) and hasattr(value, "__getitem__")


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- whole slides


def decode_slide(path: str, max_side: int) -> Decoded:
    try:
        import openslide
    except ImportError as exc:  # openslide-bin missing on this platform
        raise Unreadable(f"whole-slide image needs OpenSlide ({exc})") from None
    try:
        slide = openslide.OpenSlide(path)
        width, height = slide.dimensions
        thumb = slide.get_thumbnail((max_side, max_side)).convert("RGB")
    except Exception as exc:  # OpenSlideError, OSError, unsupported format
        raise Unreadable(f"not a readable whole-slide image ({_reason(exc)})") from None
    thumb.info = {}
    return Decoded(thumb, width, height, "slide", {"levels": slide.level_count}, slide=slide)


def slide_tiles(
    slide: Any, overview: Image.Image, tile: int, limit: int
) -> list[tuple[int, int, int, int, Image.Image]]:
    """Up to ``limit`` zoom tiles, cut at twice to four times the overview's resolution
    from the places with the most tissue (the least white in the overview).

    Returns (x, y, width, height, image) with the rectangle in level-0 coordinates.
    """
    if limit <= 0:
        return []
    width, height = slide.dimensions
    # The factor from the overview to level 0, and a zoom level about 4x finer than the overview.
    factor = width / overview.width
    if factor < 1.5:  # the overview already shows about every pixel
        return []
    target = max(factor / 4, 1.0)
    level = slide.get_best_level_for_downsample(target)
    down = slide.level_downsamples[level]
    span = round(tile * down)  # a tile's size in level-0 pixels
    if span >= max(width, height):
        return []
    grey = np.asarray(overview.convert("L"), dtype=np.float64)
    cells = []
    for y0 in range(0, height, span):
        for x0 in range(0, width, span):
            gx0, gy0 = int(x0 / factor), int(y0 / factor)
            gx1, gy1 = max(int((x0 + span) / factor), gx0 + 1), max(int((y0 + span) / factor), gy0 + 1)
            tissue = float(np.mean(255 - grey[gy0:gy1, gx0:gx1])) if grey[gy0:gy1, gx0:gx1].size else 0.0
            cells.append((-tissue, y0, x0))
    cells.sort()  # most tissue first; ties by position, so the choice is the same every run
    out = []
    for _, y0, x0 in cells[:limit]:
        w0, h0 = min(span, width - x0), min(span, height - y0)
        size = (max(1, round(w0 / down)), max(1, round(h0 / down)))
        region = slide.read_region((x0, y0), level, size)
        background = Image.new("RGBA", region.size, (255, 255, 255, 255))
        rgb = Image.alpha_composite(background, region).convert("RGB")
        rgb.info = {}
        out.append((x0, y0, w0, h0, rgb))
    out.sort(key=lambda t: (t[1], t[0]))
    return out
