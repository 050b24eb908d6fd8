"""One input file in, one picklable result out: this runs in the core's worker processes.

An image is decoded, stripped of metadata and encoded at every size the budget may
choose from, here, in parallel; the main process only chooses among the encodings.
An image file outside an ``images/`` folder is ignored here (the report lists it as
ignored); if a sidecar names it, the main process decodes it. A run directory's other
pictures (a logo, a plot) thus cost nothing.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

from rinec_report import InputError, InputWarning
from rinec_report.safeio import LinkRefused, NotRegularFile, TooLarge, open_regular, read_small

from . import meta, shapes
from .encode import Encoded, Tile, display_sides, elongated, encode, scale, thumbnail
from .stack import encode_frames


@dataclass
class ParsedImage:
    relpath: str
    sha256: str
    kind: str  # photo, dicom or slide
    width: int
    height: int
    tags: dict[str, Any]  # from DICOM: patient_id, date, modality, series_description, series_uid, ...
    path_info: dict[str, str]  # what the path says
    annotations: list[dict[str, Any]]
    thumb: Encoded
    levels: list[Encoded]
    tiles: list[Tile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    aspect: float = 1.0  # a pixel's physical height over its width (the levels are drawn in it)
    stack: list[Any] = field(default_factory=list)  # stack.Slice: this file's slices for the viewer
    presets: list[str] = field(default_factory=list)  # the window presets' names


@dataclass
class Sidecar:
    relpath: str
    rows: list[dict[str, Any]]
    unused: int = 0  # rows that described no image shown (counted when the files are combined)


def parse_file(path: str, relpath: str, pattern: str, options: dict[str, Any]) -> Any:
    if pattern == "sidecar":
        return Sidecar(relpath, meta.read_sidecar(path, relpath))
    from rinec_report import account

    if not meta.in_images_folder(relpath):
        account.rows(read=1, used=0, unit="images")
        account.dropped(OUTSIDE)
        return None  # ignored here; the main process decodes it if a sidecar names it
    image = parse_image(path, relpath, options)
    account.rows(read=1, used=0 if image is None else 1, unit="images")
    account.dropped(UNREADABLE, 1 if image is None else 0)
    return image


# What the account of an image file says when it is not shown.
OUTSIDE = "outside an images/ folder, and no images table names it"
UNREADABLE = "cannot be decoded (see its warning)"


def parse_image(path: str, relpath: str, options: dict[str, Any], frame: int | None = None) -> ParsedImage | None:
    """Decode and encode one image; an unreadable one costs a warning and is skipped."""
    from .decode import Unreadable, decode

    annotations, problems = _annotations_beside(path)
    for problem in problems:
        warnings.warn(problem, InputWarning, stacklevel=2)
    if frame is None:
        frames = [a["frame"] for a in annotations if "frame" in a]
        frame = frames[0] if frames else None
    percentiles = (float(options["window_low_percentile"]), float(options["window_high_percentile"]))
    max_side = int(options["max_side"])
    try:
        # A slide's overview is half the display size: its detail comes from the zoom tiles.
        # A DICOM's slices for the viewer's stack, unless stacks are off (stack_mb 0).
        stack_side = int(options.get("stack_side", 0)) if float(options.get("stack_mb", 0) or 0) > 0 else 0
        decoded = decode(path, max_side, frame, percentiles, slide_side=max(max_side // 2, 64),
                         stack_side=stack_side)
    except Unreadable as exc:
        warnings.warn(f"image skipped: {exc}", InputWarning, stacklevel=2)
        return None
    except OSError as exc:
        warnings.warn(f"image skipped: cannot read the file ({exc.strerror or exc})", InputWarning, stacklevel=2)
        return None
    try:
        return _encoded(path, relpath, options, decoded, annotations)
    finally:
        decoded.close()


def _encoded(path: str, relpath: str, options: dict[str, Any], decoded: Any,
             annotations: list[dict[str, Any]]) -> ParsedImage:
    from .decode import slide_tiles

    max_side = int(options["max_side"])
    fmt, quality = options["format"], int(options["quality"])
    image = decoded.image
    levels = []
    current = image
    for side in display_sides(max_side, int(options["min_side"]), max(image.size)):
        current = scale(current, side)  # each size from the one above: cheaper than from the original
        levels.append(encode(current, side, fmt, quality))
    side = int(options["thumb_side"])
    # From the smallest display size, unless the thumbnail is cut from a panorama's middle:
    # then from the decoded plane, whose short side has the pixels that cut needs.
    thumb = thumbnail(image if elongated(image.size, side) else current, side, fmt, quality)
    tiles: list[Tile] = []
    if decoded.slide is not None:
        try:
            cut = slide_tiles(decoded.slide, image, int(options["tile_side"]), int(options["max_tiles"]))
        except Exception as exc:  # a damaged deeper level still leaves the overview
            warnings.warn(f"whole-slide zoom tiles skipped ({exc})", InputWarning, stacklevel=2)
            cut = []
        tiles = [Tile(x, y, w, h, encode(img, max(img.size), fmt, quality)) for x, y, w, h, img in cut]
    return ParsedImage(
        relpath=relpath,
        sha256=_sha256(path),
        kind=decoded.kind,
        width=decoded.width,
        height=decoded.height,
        tags=decoded.tags,
        path_info=meta.from_path(relpath),
        annotations=annotations,
        thumb=thumb,
        levels=levels,
        tiles=tiles,
        notes=decoded.notes,
        aspect=decoded.aspect,
        stack=encode_frames(decoded.stack, bool(decoded.tags.get("burned_in")), fmt, quality),
        presets=list(decoded.presets),
    )


def _annotations_beside(path: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The shapes of the JSON file beside the image, and what was wrong with it.

    Opened by name beside the picture, so checked as every input is: a link there
    (wherever it leads) is named and not followed, and a file larger than the
    per-picture budget is refused unread."""
    for candidate in meta.annotation_files(path):
        name = candidate.name
        try:
            data = read_small(candidate, shapes.MAX_BYTES)
        except FileNotFoundError:
            continue
        except TooLarge:
            return [], [f"annotations in {name} ignored: larger than {shapes.MAX_BYTES // 1024} KB; not read"]
        except LinkRefused:
            return [], [f"annotations in {name} ignored: a link, not followed"]
        except NotRegularFile as exc:
            if os.path.isdir(candidate):  # a folder called scan.json is not an annotation file
                continue
            return [], [f"annotations in {name} ignored: {exc}"]
        except OSError as exc:
            return [], [f"annotations in {name} ignored: cannot read it ({exc.strerror or exc})"]
        try:
            found = shapes.loads(data)
        except ValueError as exc:
            return [], [f"annotations in {name} ignored: {exc}"]
        return list(found), [f"annotations in {name}: {problem}; left out" for problem in found.problems]
    return [], []


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    try:
        with open_regular(path) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})") from None
    return digest.hexdigest()
