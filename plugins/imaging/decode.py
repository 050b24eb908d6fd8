"""Reading pixels: photographs and scans (Pillow), DICOM (pydicom), whole slides (OpenSlide).

Each reader returns a :class:`Decoded`: one RGB or greyscale plane ready for the
report, the size of the original image (the coordinate system of annotations), the
few header fields the report may show, and for slides the open slide so that zoom
tiles can be cut from a deeper level. Nothing else from a header leaves this module:
EXIF (GPS included), ICC profiles and every other DICOM tag are dropped here.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from PIL import Image

from rinec_report.safeio import LinkRefused, NotRegularFile, checked_path, open_regular

from .meta import DICOM_EXTENSIONS, SLIDE_EXTENSIONS, normalise_date

# Pictures and DICOM frames above this many pixels are refused (a decompression-bomb
# guard: 150 MP of 16-bit grey is 300 MB as the library decodes it, of RGB 600 MB).
# Whole slides are read level by level through OpenSlide and have no such bound.
MAX_PIXELS = 150_000_000
# Memory per decoded plane, beyond the pixels the library itself decoded. The plane the
# plugin works on (colour conversion, windowing, scaling) has at most WORK_PIXELS: a
# larger one is first reduced by a whole factor on its integer pixels (box averages;
# a DICOM frame by striding), a strip of rows at a time. Float arithmetic then runs on
# strips of at most STRIP_PIXELS values, and percentiles on at most SAMPLE_PIXELS of
# them (every value of a plane that small, evenly spread ones of a larger). Together
# under 200 MB, whatever the picture: a 12000x12000 16-bit PNG once took 6 GB.
WORK_PIXELS = 16_000_000
STRIP_PIXELS = 1 << 20
SAMPLE_PIXELS = 1 << 21
# Pillow's own reducing gap in the final resize: reducing by no more than a third of the
# display ratio leaves the last step to Lanczos, as a resize of the full plane would.
REDUCING_GAP = 3
# The short side a reduction for the display keeps (more than a thumbnail's least, 50).
KEEP_SHORT_SIDE = 64


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
    # The physical height of a pixel over its width (PixelSpacing, PixelAspectRatio): the
    # image above is already drawn in that aspect; the original's pixel grid stays the
    # coordinate system of annotations.
    aspect: float = 1.0
    # DICOM with a stack asked for: the window presets' names, and the slices (StackFrame).
    presets: list[str] = field(default_factory=list)
    stack: list[Any] = field(default_factory=list)
    slide: Any = None  # openslide.OpenSlide for zoom tiles
    # What must stay open while the slide is read (the checked descriptor OpenSlide reads).
    resources: contextlib.ExitStack | None = None

    def close(self) -> None:
        if self.slide is not None:
            self.slide.close()
            self.slide = None
        if self.resources is not None:
            self.resources.close()
            self.resources = None


def reduction(width: int, height: int, max_side: int | None) -> int:
    """The whole factor a plane is reduced by before any other work: enough to bring it
    to :data:`WORK_PIXELS`, and more when the display size is far smaller."""
    factor = math.ceil(math.sqrt(width * height / WORK_PIXELS)) if width * height > WORK_PIXELS else 1
    if max_side:
        by_display = max(width, height) // (REDUCING_GAP * max_side)
        # Never for the display below KEEP_SHORT_SIDE on the short side: a panorama's
        # thumbnail is cut from its middle at a readable height (encode.thumbnail).
        by_display = min(by_display, max(min(width, height) // KEEP_SHORT_SIDE, 1))
        factor = max(factor, by_display)
    return max(factor, 1)


def decode(
    path: str,
    max_side: int,
    frame: int | None = None,
    percentiles: tuple[float, float] = (1.0, 99.0),
    slide_side: int | None = None,
    stack_side: int = 0,
) -> Decoded:
    """Read ``path`` into a plane whose long side is at most about ``max_side``
    (JPEG decoding and slides are scaled while reading, which is what keeps a
    thousand photographs or a gigapixel slide cheap)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "mrxs":
        return decode_slide(path, slide_side or max_side)
    # Every reader gets the checked file, never the name (which could be swapped for a
    # link after the scan); OSError (a link, a FIFO) goes to the caller.
    with open_regular(path) as handle:
        if suffix in DICOM_EXTENSIONS or _is_dicom(handle):
            header = _wsi_header(handle)
            if header is not None:
                return decode_dicom_slide(path, header, slide_side or max_side)
            return decode_dicom(handle, frame, percentiles, max_side, stack_side)
        if suffix in SLIDE_EXTENSIONS or (suffix in ("tif", "tiff") and _slide_format(handle)):
            return decode_slide(path, slide_side or max_side)
        return decode_picture(handle, max_side, percentiles)


def _is_dicom(handle: BinaryIO) -> bool:
    handle.seek(128)
    found = handle.read(4) == b"DICM"
    handle.seek(0)
    return found


# VL Whole Slide Microscopy Image Storage: a tiled pyramid, one file per level (PS3.3 A.32.8).
WSI_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.77.1.6"


def _wsi_header(handle: BinaryIO) -> Any:
    """The header (without pixel data) of a DICOM whole-slide image, None for any other file."""
    import pydicom

    try:
        ds = pydicom.dcmread(handle, stop_before_pixels=True)
        meta = getattr(ds, "file_meta", None)
        sop = str((meta.get("MediaStorageSOPClassUID") if meta is not None else None) or ds.get("SOPClassUID", ""))
    except Exception:  # decode_dicom says what is wrong with it
        return None
    finally:
        handle.seek(0)
    return ds if sop == WSI_SOP_CLASS else None


def _slide_format(handle: BinaryIO) -> str | None:
    """OpenSlide's name for a tiled (pyramidal) TIFF, None for a plain striped one."""
    try:
        import openslide

        return openslide.OpenSlide.detect_format(f"/proc/self/fd/{handle.fileno()}")
    except Exception:  # a library that cannot load means: not a slide
        return None


# ---------------------------------------------------------------- Pillow


# EXIF orientation -> the transposition that shows the picture upright (as ImageOps.exif_transpose).
_ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def decode_picture(source: str | BinaryIO, max_side: int, percentiles: tuple[float, float]) -> Decoded:
    try:
        with warnings.catch_warnings():
            # Our own bound below replaces Pillow's warning for large images.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(source)
            with img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise Unreadable(f"image of {width}x{height} pixels, more than {MAX_PIXELS:,}")
                if img.format == "JPEG":
                    # DCT scaling: decode at 1/2, 1/4 or 1/8 size when that still covers max_side.
                    img.draft("RGB", (max_side, max_side))
                img.load()
                turn = _ORIENTATIONS.get(img.getexif().get(0x0112, 1))
                # Reduced first, on the decoded integers: a copy of a full plane as floats
                # (or only turned upright) is what made a 304 KB PNG cost gigabytes.
                work = reduce_plane(img, reduction(*img.size, max_side))
                if turn is not None:
                    work = work.transpose(turn)
                    if turn in (Image.Transpose.TRANSPOSE, Image.Transpose.TRANSVERSE,
                                Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270):
                        width, height = height, width
                plane = _to_display_mode(work, percentiles)
    except Image.DecompressionBombError:
        raise Unreadable(f"image larger than {MAX_PIXELS:,} pixels") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise Unreadable(f"not a readable image ({_reason(exc)})") from None
    plane.info = {}  # EXIF, GPS, ICC, comments, text chunks: none of it goes further
    return Decoded(plane, width, height, "photo")


def reduce_plane(img: Image.Image, factor: int) -> Image.Image:
    """``img`` reduced by ``factor`` (box averages), a strip of rows at a time, so that
    no copy of the whole plane is made (16-bit modes, which Pillow cannot reduce, are
    widened to 32-bit a strip at a time). ``img`` itself when ``factor`` is 1."""
    if factor <= 1:
        return img
    mode = _reducible(img)
    width, height = img.size
    out = Image.new(mode, (math.ceil(width / factor), math.ceil(height / factor)))
    rows = max(1, STRIP_PIXELS // max(width, 1) // factor) * factor  # whole boxes per strip
    for top in range(0, height, rows):
        strip = img.crop((0, top, width, min(height, top + rows)))
        if strip.mode != mode:
            strip = strip.convert(mode)
        out.paste(strip.reduce(factor), (0, top // factor))
    return out


def _reducible(img: Image.Image) -> str:
    """The mode to reduce ``img`` in: its own where Pillow can reduce it."""
    if img.mode in ("L", "LA", "RGB", "RGBA", "I", "F", "CMYK"):
        return img.mode
    if img.mode.startswith("I;16"):
        return "I"
    if img.mode == "1":
        return "L"
    if img.mode in ("PA", "La", "RGBa") or (img.mode == "P" and "transparency" in img.info):
        return "RGBA"
    return "RGB"


def _to_display_mode(img: Image.Image, percentiles: tuple[float, float]) -> Image.Image:
    if img.mode in ("RGB", "L"):
        return img.copy()
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return Image.fromarray(window(np.asarray(img), None, percentiles), "L")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def window(
    values: np.ndarray, center_width: tuple[Any, ...] | None, percentiles: tuple[float, float]
) -> np.ndarray:
    """Grey values mapped to 0-255 through a window: the file's centre, width and VOI LUT
    Function when given (DICOM PS3.3 C.11.2.1.2: LINEAR, the default; C.11.2.1.3:
    LINEAR_EXACT and SIGMOID), else from the ``percentiles`` of the values (robust to a
    few bright pixels)."""
    values = np.asarray(values)
    out = np.empty(values.shape, dtype=np.uint8)
    if center_width is not None:
        center, width = float(center_width[0]), float(center_width[1])
        function = str(center_width[2]).upper() if len(center_width) > 2 else "LINEAR"
        for rows, block in _strips(values):
            if function == "SIGMOID":
                scaled = 1.0 / (1.0 + np.exp(np.clip(-4.0 * (block - center) / width, -700, 700)))
            elif function == "LINEAR_EXACT":
                scaled = (block - center) / width + 0.5
            elif width == 1:  # the standard's formula divides by width - 1
                scaled = np.where(block < center - 0.5, 0.0, 1.0)
            else:
                scaled = (block - (center - 0.5)) / (width - 1) + 0.5
            out[rows] = np.clip(np.rint(scaled * 255.0), 0, 255)
        return out
    sample = _sample(values)
    finite = sample[np.isfinite(sample)]
    if finite.size == 0:
        out.fill(0)
        return out
    low, high = (float(v) for v in np.percentile(finite, percentiles))
    del sample, finite
    if high <= low:
        high = low + 1
    for rows, block in _strips(values):
        scaled = (np.nan_to_num(block, nan=low) - low) * (255.0 / (high - low))
        out[rows] = np.clip(np.rint(scaled), 0, 255)
    return out


def _strips(values: np.ndarray) -> Any:
    """(row slice, those rows as float64), at most STRIP_PIXELS values at a time."""
    if values.ndim == 0 or values.shape[0] == 0:
        return
    per_row = max(values[0].size, 1)
    step = max(1, STRIP_PIXELS // per_row)
    for top in range(0, values.shape[0], step):
        rows = slice(top, top + step)
        yield rows, values[rows].astype(np.float64)


def _sample(values: np.ndarray) -> np.ndarray:
    """At most about SAMPLE_PIXELS of the values as float64: all of them when there are
    that few, else every n-th row and column (evenly spread, the same every run)."""
    if values.ndim < 2 or values.size <= SAMPLE_PIXELS:
        return values.astype(np.float64).reshape(-1)
    step = math.ceil(math.sqrt(values.size / SAMPLE_PIXELS))
    return values[::step, ::step].astype(np.float64).reshape(-1)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    # Pillow names the path (or the open file) in some messages; the core already names the file.
    return text.replace("cannot identify image file", "unknown image format").split(" '/")[0].split(" <_io.")[0]


# ---------------------------------------------------------------- DICOM

# The DICOM tags that may reach the report (the list); every other tag is dropped.
DICOM_FIELDS = ("PatientID", "StudyDate", "Modality", "SeriesDescription")


def decode_dicom(
    source: str | BinaryIO, frame: int | None, percentiles: tuple[float, float], max_side: int | None = None,
    stack_side: int = 0,
) -> Decoded:
    """One frame of a DICOM file, shown; with ``stack_side``, also the file's slices (its
    frames, or the one slice a single-frame file is) at that size for the viewer's stack."""
    if isinstance(source, str):
        with open_regular(source) as handle:
            return decode_dicom(handle, frame, percentiles, max_side, stack_side)
    from pydicom.errors import InvalidDicomError

    try:
        ds, pixels_follow = _dicom_header(source)
    except InvalidDicomError:
        # pydicom's own words end "Use force=True": a call, not something a reader can do.
        raise Unreadable("not a DICOM Part 10 file (no 'DICM' preamble or file meta "
                         "information); re-export it from the PACS or the scanner, or convert "
                         "it with DCMTK's dcmconv") from None
    except (OSError, ValueError, EOFError) as exc:
        raise Unreadable(f"not a readable DICOM file ({_reason(exc)})") from None
    if not pixels_follow and not any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData")):
        # Nothing to show: an RT plan, a structured report, a DICOMDIR (an object, not a failure).
        raise Unreadable(f"DICOM without pixel data ({ds.get('Modality', None) or 'non-image'} object: "
                         "nothing to show)")
    try:
        frames = max(int(ds.get("NumberOfFrames", 1) or 1), 1)
        rows, columns = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    except (TypeError, ValueError):
        raise Unreadable("DICOM with an unreadable Rows, Columns or NumberOfFrames") from None
    if rows * columns > MAX_PIXELS:
        raise Unreadable(f"DICOM frame of {columns}x{rows} pixels, more than {MAX_PIXELS:,}")
    index = frames // 2 if frame is None else min(max(frame, 0), frames - 1)
    # An enhanced (multi-frame) CT or MR keeps its rescale, window and spacing per frame
    # in functional groups: the frame shown is read with its own.
    view = frame_view(ds, index)
    presets = window_presets(view)
    try:
        pixels = _one_frame(source, ds, pixels_follow, index if frames > 1 else None)
        height, width = pixels.shape[:2]
        # Strided on the stored integers, before the rescale makes floats of them.
        step = reduction(width, height, max_side)
        if step > 1:
            pixels = np.ascontiguousarray(pixels[::step, ::step])
        views = _render(pixels, ds, view, percentiles, [w for _, w in presets])
    except Exception as exc:  # pydicom raises many types for bad pixel data
        raise Unreadable(f"DICOM pixel data cannot be decoded ({_undecodable(exc, ds)})") from None
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    photometric = str(ds.get("PhotometricInterpretation", "")).upper()
    notes = [] if presets or samples != 1 or photometric == "PALETTE COLOR" else ["windowed from percentiles"]
    aspect = pixel_aspect(view)
    if aspect is None:
        aspect = 1.0
        notes.append("pixel spacing or aspect ratio unreadable; shown with square pixels")
    views = [physical(v, aspect) for v in views]
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
        "burned_in": str(ds.get("BurnedInAnnotation", "") or "").strip().upper() == "YES",
    }
    decoded = Decoded(views[0], width, height, "dicom", tags, notes, aspect=aspect)
    if stack_side:
        decoded.presets = [label for label, _ in presets]
        number = (index + 1) if frames > 1 else (tags["instance"] or 0)
        decoded.stack = [StackFrame(number, slice_position(view), [_fit(v, stack_side) for v in views])]
        if frames > 1:
            try:
                decoded.stack = _frame_stack(source, ds, pixels_follow, frames, index, decoded.stack[0],
                                             percentiles, presets, aspect, stack_side)
            except Exception as exc:  # one damaged frame costs the stack, not the image
                decoded.notes.append(f"no stack: a frame cannot be decoded ({_reason(exc)})")
    return decoded


@dataclass
class StackFrame:
    """One slice of a stack for the viewer: its number (instance, or frame from 1), its
    position along the slice normal in mm (None when the file gives none), and the slice
    at the stack size once per window preset."""

    number: int
    position: float | None
    images: list[Any]


# Frames of one multi-frame file put in its stack, evenly spread (each is decoded on its own).
MAX_STACK_FRAMES = 120
# Windows offered as presets, of those the file lists (Window Center/Width values).
MAX_PRESETS = 4


def _fit(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    ratio = side / max(image.size)
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _frame_stack(source: BinaryIO, ds: Any, from_file: bool, frames: int, shown: int, key: StackFrame,
                 percentiles: tuple[float, float], presets: list[tuple[str, tuple[float, float, str]]],
                 aspect: float, side: int) -> list[StackFrame]:
    """The frames of a multi-frame file as a stack, each decoded alone at the stack size
    (reduced on its stored integers first), with the shown frame's presets for all: a
    window that changed from frame to frame would flicker as the reader scrolls."""
    count = min(frames, MAX_STACK_FRAMES)
    chosen = sorted({round(i * (frames - 1) / max(count - 1, 1)) for i in range(count)} | {shown})
    out = []
    for i in chosen:
        if i == shown:
            out.append(key)
            continue
        view = frame_view(ds, i)
        pixels = _one_frame(source, ds, from_file, i)
        step = max(1, max(pixels.shape[:2]) // (REDUCING_GAP * side))
        if step > 1:
            pixels = np.ascontiguousarray(pixels[::step, ::step])
        windows = [w for _, w in presets] or None
        views = _render(pixels, ds, view, percentiles, windows)
        out.append(StackFrame(i + 1, slice_position(view), [_fit(physical(v, aspect), side) for v in views]))
    return out


def _render(pixels: np.ndarray, ds: Any, view: Any, percentiles: tuple[float, float],
            windows: list[tuple[float, float, str]] | None) -> list[Image.Image]:
    """The stored pixels as shown: one image per window given (percentiles when none);
    one image for colour, which has no window."""
    from pydicom.pixels import apply_modality_lut

    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    photometric = str(ds.get("PhotometricInterpretation", "")).upper()
    if samples == 1 and photometric == "PALETTE COLOR":
        # The stored values are indices into the file's own colour table.
        from pydicom.pixels import apply_color_lut

        rgb = np.asarray(apply_color_lut(pixels, ds))
        if rgb.dtype != np.uint8:  # 16-bit table entries span the whole 16-bit range
            rgb = (rgb.astype(np.float64) / 257.0).round().astype(np.uint8)
        return [Image.fromarray(np.ascontiguousarray(rgb[..., :3]), "RGB")]
    if samples == 1:
        values = np.asarray(apply_modality_lut(pixels, view))
        out = []
        for center_width in windows or [None]:
            plane = window(values, center_width, percentiles)
            if photometric == "MONOCHROME1":
                plane = 255 - plane  # MONOCHROME1 shows low values white
            out.append(Image.fromarray(plane, "L"))
        return out
    rgb = np.asarray(pixels)
    if rgb.dtype != np.uint8:
        rgb = window(rgb, None, (0.0, 100.0))
    return [Image.fromarray(np.ascontiguousarray(rgb[..., :3]), "RGB")]


def window_presets(ds: Any) -> list[tuple[str, tuple[float, float, str]]]:
    """The windows the file offers (Window Center/Width may hold several, PS3.3
    C.11.2.1.2), each named by its Window Center & Width Explanation, else by its
    numbers, with the file's VOI LUT Function; the first is the default view. Empty when
    there is none usable (LINEAR needs a width of at least 1, the others more than 0)."""
    function = str(ds.get("VOILUTFunction", "") or "LINEAR").strip().upper()
    if function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
        function = "LINEAR"
    center, width = ds.get("WindowCenter"), ds.get("WindowWidth")
    if center is None or width is None:
        return []
    centers = list(center) if _multi(center) else [center]
    widths = list(width) if _multi(width) else [width]
    explanation = ds.get("WindowCenterWidthExplanation")
    names = (list(explanation) if _multi(explanation) else [explanation]) if explanation else []
    out = []
    for i, (c, w) in enumerate(zip(centers, widths, strict=False)):
        try:
            pair = (float(c), float(w))
        except (TypeError, ValueError):
            continue
        if pair[1] < (1 if function == "LINEAR" else 1e-9) or not all(math.isfinite(v) for v in pair):
            continue
        name = str(names[i]).strip() if i < len(names) and str(names[i]).strip() else ""
        out.append((name or f"C {pair[0]:g} / W {pair[1]:g}", (*pair, function)))
        if len(out) == MAX_PRESETS:
            break
    return out


def slice_position(ds: Any) -> float | None:
    """Where the slice lies along its normal, in mm: Image Position (Patient) projected on
    the cross product of Image Orientation (Patient)'s row and column directions (the
    order a viewer sorts slices by), else Slice Location; None when neither is usable."""
    try:
        position = [float(v) for v in ds.get("ImagePositionPatient")]
        orientation = [float(v) for v in ds.get("ImageOrientationPatient")]
        if len(position) == 3 and len(orientation) == 6:
            normal = np.cross(orientation[:3], orientation[3:])
            value = float(np.dot(normal, position))
            if math.isfinite(value) and np.linalg.norm(normal) > 0.5:
                return round(value, 3)
    except (TypeError, ValueError):
        pass
    try:
        value = float(ds.get("SliceLocation"))
        return round(value, 3) if math.isfinite(value) else None
    except (TypeError, ValueError):
        return None


# Functional-group macros (DICOM PS3.3 C.7.6.16) that carry what a frame is shown with,
# and the attributes taken from each: an enhanced CT or MR has no top-level rescale or
# window, and a frame's own (per-frame group) wins over the shared one.
_FRAME_MACROS = (
    ("PixelValueTransformationSequence", ("RescaleSlope", "RescaleIntercept", "RescaleType")),
    ("FrameVOILUTSequence", ("WindowCenter", "WindowWidth", "VOILUTFunction", "WindowCenterWidthExplanation")),
    ("PixelMeasuresSequence", ("PixelSpacing",)),
    ("PlanePositionSequence", ("ImagePositionPatient",)),
    ("PlaneOrientationSequence", ("ImageOrientationPatient",)),
)
# What the modality LUT, the window and the aspect read from the top level.
_FRAME_TOP = ("RescaleSlope", "RescaleIntercept", "RescaleType", "ModalityLUTSequence", "WindowCenter",
              "WindowWidth", "VOILUTFunction", "PixelSpacing", "ImagerPixelSpacing", "PixelAspectRatio",
              "PixelRepresentation", "BitsStored", "BitsAllocated", "PhotometricInterpretation", "SamplesPerPixel",
              "WindowCenterWidthExplanation", "ImagePositionPatient", "ImageOrientationPatient", "SliceLocation")


def frame_view(ds: Any, index: int) -> Any:
    """The attributes frame ``index`` is shown with: the top level's, overridden by the
    shared functional groups, overridden by the frame's own per-frame group. ``ds``
    itself when it has no functional groups (every classic single- or multi-frame file)."""
    shared = ds.get("SharedFunctionalGroupsSequence")
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if not shared and not per_frame:
        return ds
    from pydicom.dataset import Dataset

    view = Dataset()
    for keyword in _FRAME_TOP:
        if keyword in ds:
            view[keyword] = ds[keyword]
    groups = [shared[0] if shared else None, per_frame[index] if per_frame and index < len(per_frame) else None]
    for group in groups:
        if group is None:
            continue
        for macro, keywords in _FRAME_MACROS:
            items = group.get(macro)
            if not items:
                continue
            for keyword in keywords:
                if keyword in items[0]:
                    view[keyword] = items[0][keyword]
    return view


# A pixel more than this many times taller than wide (or wider than tall) is taken as a
# broken header rather than drawn: no modality acquires such pixels.
MAX_PIXEL_ASPECT = 16.0


def pixel_aspect(ds: Any) -> float | None:
    """The physical height of a pixel over its width: from Pixel Spacing (row spacing,
    column spacing; PS3.3 10.7.1.3), else Imager Pixel Spacing (projection X-ray), else
    Pixel Aspect Ratio (vertical, horizontal; C.7.6.3.1.7). 1.0 when the file gives none,
    None when what it gives is unusable (zero, negative, not two numbers, beyond
    :data:`MAX_PIXEL_ASPECT`)."""
    for keyword in ("PixelSpacing", "ImagerPixelSpacing", "PixelAspectRatio"):
        value = ds.get(keyword)
        if value is None or value == "":
            continue
        try:
            vertical, horizontal = (float(v) for v in value)
        except (TypeError, ValueError):
            return None
        if not (math.isfinite(vertical) and math.isfinite(horizontal)) or vertical <= 0 or horizontal <= 0:
            return None
        ratio = vertical / horizontal
        return ratio if 1 / MAX_PIXEL_ASPECT <= ratio <= MAX_PIXEL_ASPECT else None
    return 1.0


def physical(image: Image.Image, aspect: float) -> Image.Image:
    """``image`` resampled so that it has the physical aspect of the acquisition: the
    axis whose pixels are longer is stretched, then both are scaled so the long side
    stays what it was (nothing grows, and the display sizes are counted as before).
    ``image`` itself when the pixels are square (within 0.5%)."""
    if abs(aspect - 1.0) <= 0.005:
        return image
    width, height = image.size
    physical_w, physical_h = (width, height * aspect) if aspect > 1 else (width / aspect, height)
    fit = max(width, height) / max(physical_w, physical_h)
    size = (max(1, round(physical_w * fit)), max(1, round(physical_h * fit)))
    return image if size == image.size else image.resize(size, Image.Resampling.LANCZOS)


# Transfer syntaxes newer than pydicom 3.0's dictionary, named for the warning.
_LATER_SYNTAXES = {
    "1.2.840.10008.1.2.4.110": "JPEG XL Lossless",
    "1.2.840.10008.1.2.4.111": "JPEG XL JPEG Recompression",
    "1.2.840.10008.1.2.4.112": "JPEG XL",
    "1.2.840.10008.1.2.8.1": "Deflated Image Frame Compression",
}


def _undecodable(exc: BaseException, ds: Any) -> str:
    """Why the pixel data cannot be decoded; for a compressed file, its transfer syntax
    by name and what would decode it (pydicom's own list of the missing decoders)."""
    meta = getattr(ds, "file_meta", None)
    syntax = meta.get("TransferSyntaxUID") if meta is not None else None
    if syntax is None:
        return _reason(exc)
    import pydicom
    from pydicom.pixels.decoders.base import get_decoder

    known = syntax.is_transfer_syntax
    if known and not syntax.is_compressed:
        return _reason(exc)
    label = syntax.name if known else _LATER_SYNTAXES.get(str(syntax), "an unknown transfer syntax")
    name = f"{label} ({syntax})"
    try:
        if not known:
            raise NotImplementedError
        decoder = get_decoder(syntax)
    except NotImplementedError:
        return (f"transfer syntax {name}, which pydicom {pydicom.__version__} cannot decode; export it uncompressed "
                "(Explicit VR Little Endian) from the PACS, or convert it with a tool that reads it")
    missing = "; ".join(decoder.missing_dependencies)
    if not decoder.is_available:
        return f"transfer syntax {name} needs a decoder that is not installed: {missing or 'a decoder plugin'}"
    # pydicom says "... by all available plugins:" and then each plugin's reason, a line each.
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    detail = "; ".join(lines[1:]) if len(lines) > 1 and lines[0].endswith(":") else _reason(exc)
    detail = detail if len(detail) <= 300 else detail[:297] + "..."
    more = f"; not tried, not installed: {missing}" if missing else ""
    return f"transfer syntax {name}: {detail}{more}"


_PIXEL_TAGS = ((0x7FE0, 0x0010), (0x7FE0, 0x0008), (0x7FE0, 0x0009))  # Pixel Data, Float and Double Float


def _dicom_header(handle: BinaryIO) -> tuple[Any, bool]:
    """The dataset without its pixel data, and True when pixel data follows it (then
    one frame can be read from the file alone, without holding every frame's bytes);
    else (a deflated or big-endian file, or no pixel data) the whole dataset and False."""
    import struct

    import pydicom

    ds = pydicom.dcmread(handle, stop_before_pixels=True)
    syntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
    if syntax is not None and syntax.is_transfer_syntax and syntax.is_little_endian and not syntax.is_deflated:
        head = handle.read(4)
        if len(head) == 4 and struct.unpack("<HH", head) in _PIXEL_TAGS:
            return ds, True
    handle.seek(0)
    return pydicom.dcmread(handle), False


def _one_frame(handle: BinaryIO, ds: Any, from_file: bool, index: int | None) -> np.ndarray:
    """The frame ``index`` (None: the only one) as pydicom decodes it: read from the file
    alone when it can be, else from the whole dataset."""
    from pydicom.pixels import pixel_array

    if from_file:
        try:
            handle.seek(0)
            return pixel_array(handle, index=index)
        except Exception:  # a file pydicom reads only whole (as the whole dataset below)
            import pydicom

            handle.seek(0)
            ds = pydicom.dcmread(handle)
    return pixel_array(ds, index=index) if index is not None else ds.pixel_array


def _multi(value: Any) -> bool:
    return not isinstance(value, (str, bytes, int, float)) and hasattr(value, "__getitem__")


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- whole slides


# A folder of more entries than this is not searched for a series' first file: each file
# of a DICOM whole-slide series there then opens the slide itself, as any file can.
MAX_SERIES_FOLDER = 2000


def slide_opener(path: str, header: Any) -> str | None:
    """The file of a DICOM whole-slide series (in ``path``'s folder) that opens the slide
    for the whole series: the smallest of the folder's files of the same SeriesInstanceUID
    (ties by name; the smallest, a label or the lowest level, is the one least likely to
    be left out by a size limit). Every file of the series opens the same slide (OpenSlide
    reads the levels from the folder), so the others need not: one open, one overview and
    one set of zoom tiles per series instead of one per file. None when it cannot be told
    (no series UID, a folder too large): then the file opens the slide itself."""
    import pydicom

    series = str(header.get("SeriesInstanceUID", "") or "")
    folder, own = os.path.split(path)
    if not series:
        return None
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return None
    if len(names) > MAX_SERIES_FOLDER:
        return None
    members = []
    for name in names:
        try:
            with open_regular(os.path.join(folder, name)) as handle:
                size = os.fstat(handle.fileno()).st_size
                if name != own:
                    if not _is_dicom(handle):
                        continue
                    other = pydicom.dcmread(handle, stop_before_pixels=True,
                                            specific_tags=["SeriesInstanceUID", "SOPClassUID"])
                    if (str(other.get("SeriesInstanceUID", "")) != series
                            or str(other.get("SOPClassUID", "")) != WSI_SOP_CLASS):
                        continue
        except Exception:  # a link, a FIFO, not DICOM: no opener (OpenSlide's folder check names it)
            continue
        members.append((size, name))
    return min(members)[1] if members else None


def dicom_slide_tags(header: Any) -> dict[str, Any]:
    return {
        "patient_id": str(header.get("PatientID", "") or "").strip(),
        "date": normalise_date(header.get("StudyDate") or header.get("SeriesDate") or ""),
        "modality": str(header.get("Modality", "") or "").strip(),
        "series_description": str(header.get("SeriesDescription", "") or "").strip(),
        # Every file of the series (a level, the label, the overview) opens the same slide:
        # gathered as a series, it is shown once.
        "series_uid": str(header.get("SeriesInstanceUID", "") or ""),
        "instance": _number(header.get("InstanceNumber")),
    }


def decode_dicom_slide(path: str, header: Any, max_side: int) -> Decoded:
    """A DICOM whole-slide image, through OpenSlide (4.0 reads the levels of the series
    from the other files of the folder): the slide's overview, as other slides, with the
    header fields any DICOM gives. A file that is not its series' opener (see
    slide_opener) is not opened: its Decoded has no image and names the opener."""
    # Only in a folder that passes OpenSlide's checks (no link, no FIFO: each file says so
    # itself, as the opener would) is the series left to its opener.
    _check_folder(path)
    opener = slide_opener(path, header)
    if opener is not None and opener != os.path.basename(path):
        width = _number(header.get("TotalPixelMatrixColumns")) or _number(header.get("Columns")) or 0
        height = _number(header.get("TotalPixelMatrixRows")) or _number(header.get("Rows")) or 0
        return Decoded(None, width, height, "slide", dicom_slide_tags(header) | {"slide_opener": opener})
    decoded = decode_slide(path, max_side, in_folder=True)
    decoded.tags.update(dicom_slide_tags(header))
    return decoded


def decode_slide(path: str, max_side: int, in_folder: bool = False) -> Decoded:
    """A whole-slide image through OpenSlide. ``in_folder``: the slide is read from the
    files of its folder (a DICOM series), so OpenSlide must be given the path itself."""
    try:
        import openslide
    except ImportError as exc:  # openslide-bin missing on this platform
        raise Unreadable(f"whole-slide image needs OpenSlide ({exc})") from None
    resources = contextlib.ExitStack()
    try:
        if in_folder:
            # OpenSlide lists the file's folder and opens each file of the series by name: a
            # checked descriptor's name (/proc/self/fd/N) would make it list the open files.
            _check_folder(path)
            name = path
        elif path.lower().endswith(".mrxs"):
            # MIRAX reads its companion folder's files by name, so it cannot be handed a
            # checked descriptor: the folder and each file in it are checked instead.
            _check_mrxs(path)
            name = path
        else:
            # OpenSlide opens the file again whenever it reads: it is given the checked
            # descriptor's name, kept open until the slide is closed.
            name = resources.enter_context(checked_path(path))
        slide = openslide.OpenSlide(name)
    except (LinkRefused, NotRegularFile):
        resources.close()
        raise
    except Exception as exc:  # OpenSlideError, OSError, unsupported format
        resources.close()
        raise Unreadable(f"not a readable whole-slide image ({_reason(exc)})") from None
    try:
        width, height = slide.dimensions
        thumb = overview(slide, max_side)
    except Unreadable:
        slide.close()
        resources.close()
        raise
    except Exception as exc:  # a damaged level
        slide.close()
        resources.close()
        raise Unreadable(f"not a readable whole-slide image ({_reason(exc)})") from None
    thumb.info = {}
    return Decoded(thumb, width, height, "slide", {"levels": slide.level_count}, slide=slide, resources=resources)


def _check_mrxs(path: str) -> None:
    """The .mrxs file, its companion folder and every file in it: regular files and a
    real folder, none of them a link (the scanner resolved the path itself)."""
    import stat

    from rinec_report.safeio import open_fd

    os.close(open_fd(path))
    folder = os.path.splitext(path)[0]
    try:
        mode = os.lstat(folder).st_mode
    except OSError:
        return  # OpenSlide says what is missing
    if stat.S_ISLNK(mode):
        raise LinkRefused(f"its folder {os.path.basename(folder)} is a link, not followed")
    if not stat.S_ISDIR(mode):
        return
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_symlink():
                raise LinkRefused(f"{os.path.basename(folder)}/{entry.name} is a link, not followed")
            if not entry.is_file(follow_symlinks=False):
                raise NotRegularFile(f"{os.path.basename(folder)}/{entry.name} is not a regular file")


def _check_folder(path: str) -> None:
    """The folder of a DICOM slide, whose every file OpenSlide opens by name: no entry is
    a link (wherever it leads) or a FIFO, socket or device (a FIFO would block the read)."""
    import stat

    folder = os.path.dirname(path) or "."
    with os.scandir(folder) as entries:
        for entry in entries:
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                raise LinkRefused(f"{entry.name}, beside it in the slide's folder, is a link, not followed")
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise NotRegularFile(f"{entry.name}, beside it in the slide's folder, is not a regular file")


def overview(slide: Any, max_side: int) -> Image.Image:
    """The slide fitted into ``max_side``, in RGB on the slide's background colour.

    From the level OpenSlide's own thumbnail would use; a level larger than
    :data:`WORK_PIXELS` (a slide without a pyramid) is read a region at a time, each
    scaled to its share, so that the level is never in memory whole."""
    width, height = slide.dimensions
    scale_by = max(width / max_side, height / max_side, 1.0)
    level = slide.get_best_level_for_downsample(scale_by)
    lw, lh = slide.level_dimensions[level]
    if lw * lh <= WORK_PIXELS:
        return slide.get_thumbnail((max_side, max_side)).convert("RGB")
    if lw * lh > MAX_PIXELS:
        # A slide without reduced levels: every pixel would have to be decoded.
        raise Unreadable(f"whole-slide image whose coarsest usable level has {lw}x{lh} pixels, more than "
                         f"{MAX_PIXELS:,} (a slide without a pyramid of reduced levels)")
    size = (max(1, round(width / scale_by)), max(1, round(height / scale_by)))
    down = slide.level_downsamples[level]
    background = "#" + str(slide.properties.get("openslide.background-color") or "ffffff")
    out = Image.new("RGB", size, background)
    span = 2048  # level pixels per region's side: 16 MB of RGBA
    for top in range(0, lh, span):
        for left in range(0, lw, span):
            w, h = min(span, lw - left), min(span, lh - top)
            region = slide.read_region((round(left * down), round(top * down)), level, (w, h))
            box = (left * size[0] // lw, top * size[1] // lh,
                   max((left + w) * size[0] // lw, left * size[0] // lw + 1),
                   max((top + h) * size[1] // lh, top * size[1] // lh + 1))
            flat = Image.new("RGB", region.size, background)
            flat.paste(region, None, region)
            out.paste(flat.resize((box[2] - box[0], box[3] - box[1]), Image.Resampling.LANCZOS), box[:2])
    return out


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
