"""One input file in, one picklable result out: this runs in the core's worker processes.

An image is decoded, stripped of metadata and encoded at every size the budget may
choose from, here, in parallel; the main process only chooses among the encodings and
decodes nothing. An image file outside an ``images/`` folder is decoded only when an
images table (``images.tsv``, ...) in the run directory names it: its worker looks the
tables up itself (read once per worker process). A run directory's other pictures (a
logo, a plot) thus cost nothing. A file that no image pattern takes (a DICOM file
without an extension), which the scan therefore never hands to a worker, is decoded in
the worker of the table that names it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from rinec_report import InputError, InputWarning
from rinec_report.safeio import LinkRefused, NotRegularFile, TooLarge, open_regular, read_small

from . import meta, shapes
from .encode import Encoded, Tile, display_sides, elongated, encode, scale, settings, thumbnail
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
    thumb: Encoded | None  # None: a file of a whole-slide series that another file opens
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
    # The files its rows name that no image pattern takes, decoded in its worker; and
    # those that could not be, with why (the warning was given in the worker).
    images: list[ParsedImage] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def parse_file(path: str, relpath: str, pattern: str, options: dict[str, Any]) -> Any:
    if pattern == "sidecar":
        return _sidecar(path, relpath, options)
    from rinec_report import account

    if not meta.in_images_folder(relpath):
        named = _named_in_run(path, relpath)
        if not named:
            account.rows(read=1, used=0, unit="images")
            account.dropped(OUTSIDE if named is False else OUTSIDE_UNSEARCHED)
            return None  # a logo, a plot: not decoded
    image = parse_image(path, relpath, options)
    account.rows(read=1, used=0 if image is None else 1, unit="images")
    account.dropped(UNREADABLE, 1 if image is None else 0)
    return image


def _sidecar(path: str, relpath: str, options: dict[str, Any]) -> Sidecar:
    sidecar = Sidecar(relpath, meta.read_sidecar(path, relpath))
    root = _run_root(path, relpath)
    for row in sidecar.rows:
        rel = row["file"]
        if meta.taken_by_pattern(rel) or rel in sidecar.failed or any(i.relpath == rel for i in sidecar.images):
            continue  # its own worker decodes it (when the scan found it)
        where = f"{relpath} row {row['row']}"
        full = os.path.join(root, rel) if root is not None else None
        if full is None or not os.path.lexists(full):
            continue  # the main process names it (not found), with no decoding
        real = os.path.realpath(full)
        if os.path.commonpath([root, real]) != root:
            # The checked reads that follow would refuse it anyway; allow_links_outside is
            # the core's, unknown here, and covers what the scan hands over.
            warnings.warn(f"{where}: image {rel!r} is a link out of the run directory; not read", InputWarning,
                          stacklevel=2)
            sidecar.failed[rel] = "the image it names is outside the run directory"
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            image = parse_image(real, rel, options)
        for w in caught:  # this worker's warnings name the table: say which image
            warnings.warn(f"{rel}: {w.message}", InputWarning, stacklevel=2)
        if image is None:
            sidecar.failed[rel] = UNREADABLE
        else:
            sidecar.images.append(image)
    return sidecar


def _run_root(path: str, relpath: str) -> str | None:
    """The run directory, from a file's real path and its path in the run; None when a
    link inside the run makes the two disagree."""
    depth = len(PurePosixPath(relpath).parts)
    root = str(Path(path).parents[depth - 1]) if depth else None
    if root is None or os.path.realpath(os.path.join(root, relpath)) != os.path.realpath(path):
        return None
    return root


def _named_in_run(path: str, relpath: str) -> bool | None:
    """Whether an images table anywhere in the run directory names ``relpath``. When the
    run directory cannot be told from the path (a link inside it), the picture is decoded:
    the main process then keeps it only if a table the scan found names it. None: not
    named by the tables above it, in a run directory too large to search whole."""
    root = _run_root(path, relpath)
    if root is None:
        return True
    tables = _tables_in(root)
    for table, rel in _tables_above(root, relpath) if tables is None else tables:
        try:
            stat = os.stat(table)
        except OSError:
            continue
        if relpath in _files_named(table, rel, stat.st_mtime_ns, stat.st_size):
            return True
    return False if tables is not None else None


# A run directory this large is not searched whole for images tables: a picture outside
# images/ then finds only the tables in the folders above it.
MAX_ENTRIES = 200_000
_TABLE_NAMES = frozenset(n.casefold() for n in meta.SIDECAR_NAMES)


def _tables_above(root: str, relpath: str) -> list[tuple[str, str]]:
    """The images tables in the folders from the picture's up to the run directory."""
    out = []
    parts = PurePosixPath(relpath).parts[:-1]
    for depth in range(len(parts), -1, -1):
        folder = os.path.join(root, *parts[:depth])
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        out += [(os.path.join(folder, n), "/".join((*parts[:depth], n))) for n in names if n.casefold() in _TABLE_NAMES]
    return out


@functools.lru_cache(maxsize=4)
def _tables_in(root: str) -> tuple[tuple[str, str], ...] | None:
    """The images tables under ``root`` (path, path in the run), found once per worker
    process; no link is followed. None when the run directory is too large to search."""
    names = _TABLE_NAMES
    found, seen = [], 0
    for folder, dirs, files in os.walk(root, followlinks=False):
        seen += len(dirs) + len(files)
        if seen > MAX_ENTRIES:
            return None
        dirs.sort()
        for name in sorted(files):
            if name.casefold() in names:
                path = os.path.join(folder, name)
                found.append((path, os.path.relpath(path, root).replace(os.sep, "/")))
    return tuple(found)


@functools.lru_cache(maxsize=256)
def _files_named(table: str, relpath: str, mtime_ns: int, size: int) -> frozenset[str]:
    """What one images table names, read quietly (its own worker states its problems)."""
    from rinec_report import account

    try:
        with warnings.catch_warnings(), account.recording():
            warnings.simplefilter("ignore")
            return frozenset(r["file"] for r in meta.read_sidecar(table, relpath))
    except Exception:  # a table its own worker cannot read names nothing
        return frozenset()


# What the account of an image file says when it is not shown.
OUTSIDE = "outside an images/ folder, and no images table names it"
UNREADABLE = "cannot be decoded (see its warning)"
OUTSIDE_UNSEARCHED = (f"outside an images/ folder, and no images table in a folder above it names it (the run "
                      f"directory has more than {MAX_ENTRIES:,} entries, too many to look for one elsewhere)")


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
        if decoded.image is None:  # a file of a DICOM whole-slide series that another file opens
            return _part_of_slide(relpath, decoded, annotations)
        return _encoded(path, relpath, options, decoded, annotations)
    finally:
        decoded.close()


def _part_of_slide(relpath: str, decoded: Any, annotations: list[dict[str, Any]]) -> ParsedImage:
    """A file of a DICOM whole-slide series whose slide its opener reads (decode.slide_opener):
    its header only, so that the series is gathered as before; nothing decoded."""
    folder = str(PurePosixPath(relpath).parent)
    opener = decoded.tags.pop("slide_opener")
    tags = dict(decoded.tags, slide_opener=f"{folder}/{opener}" if folder not in ("", ".") else opener)
    return ParsedImage(relpath=relpath, sha256="", kind="slide", width=decoded.width, height=decoded.height,
                       tags=tags, path_info=meta.from_path(relpath), annotations=annotations, thumb=None,
                       levels=[])


def _encoded(path: str, relpath: str, options: dict[str, Any], decoded: Any,
             annotations: list[dict[str, Any]]) -> ParsedImage:
    from .decode import slide_tiles

    max_side = int(options["max_side"])
    fmt, quality = settings(options)
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
