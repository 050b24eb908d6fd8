"""Re-encoding for the page, and the size budget shared by every embedded image.

Each image is encoded once, in the worker that decoded it, at a few sizes (a
thumbnail for the gallery and display sizes halving from ``max_side``). The budget
is then met without decoding anything again: the largest images step down a size
until the total fits. The AVIF (libaom, one thread: see ``AVIF_THREADS``), WebP and
JPEG encoders are deterministic for the same pixels and settings, so the same inputs
give the same report bytes.
"""

from __future__ import annotations

import atexit
import base64
import heapq
import io
import os
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

MIME = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg"}
FORMATS = tuple(MIME)

# The default quality of each format, chosen for equal fidelity: AVIF's is the quality
# at which it matches WebP's default (80, method 2) on real pictures. Measured on the
# display images (long side at most 1600) of 14 real pictures (scikit-image's data:
# ihc, retina, cell, astronaut, coffee, chelsea, hubble_deep_field, camera, moon, coins;
# matplotlib's grace_hopper photograph and s1045 MRI; pydicom's CT_small and MR_small;
# 5.2 megapixels) and of the example run's 35 (its 24 pictures, the slide's 11 zoom
# tiles; 5.8 megapixels), mean PSNR and SSIM against the pixels encoded, CPU seconds:
#
#   real pictures    WebP q80: 460 KB, 38.0 dB, SSIM 0.960, 0.15 s
#                    AVIF q60: 368 KB, 37.9 dB, 0.955; q65: 414 KB, 38.6 dB, 0.961, 0.66 s;
#                    q70: 514 KB, 40.0 dB, 0.972
#   example run      WebP q80: 744 KB, 36.6 dB, SSIM 0.977, 0.20 s
#                    AVIF q60: 415 KB, 35.6 dB, 0.960; q65: 458 KB, 36.5 dB, 0.966, 0.95 s;
#                    q70: 540 KB, 37.7 dB, 0.978
#
# AVIF q65 is the lowest quality at or above WebP's fidelity on the real pictures (PSNR
# +0.6 dB, SSIM +0.001) and within 0.2 dB on the example's drawings: 10% fewer bytes on
# the real pictures, 38% on the example's, for 4-5 times the encoding time.
QUALITY = {"avif": 65, "webp": 80, "jpeg": 80}
# libaom's speed (0 slowest to 10). At q65, real pictures / example run: speed 6 402 KB
# 39.1 dB 1.78 s / 455 KB 36.9 dB 2.81 s; speed 7 410 KB 38.8 dB 1.08 s / 444 KB 36.5 dB
# 1.63 s; speed 8 414 KB 38.6 dB 0.66 s / 458 KB 36.5 dB 0.95 s; speeds 9 and 10 (libaom's
# real-time mode) 438 KB 38.6 dB 0.24 s / 780 KB 35.3 dB 0.34 s, larger than WebP on the
# example. 8 is the fastest that stays small.
AVIF_SPEED = 8
# libaom's output depends on its thread count (measured: the same 26 pictures gave other
# bytes with 1 thread than with 2 or 8), and Pillow's default is the machine's cores: a
# report would then differ between machines. One thread: the same pixels give the same
# bytes everywhere, and the plugin already encodes one picture per worker process.
AVIF_THREADS = 1


def avif_available() -> bool:
    """Whether this Pillow was built with an AVIF encoder (its wheels are, from 11.3)."""
    from PIL import features

    try:
        return bool(features.check("avif"))
    except (ValueError, OSError):  # a Pillow that does not know the feature's name at all
        return False


# The section's note when AVIF was asked for and this Pillow cannot write it.
NO_AVIF = ("This Pillow has no AVIF encoder: the images are WebP (install Pillow 11.3 or newer, whose wheels "
           "have it, for pages about a third smaller).")


def settings(options: dict[str, Any]) -> tuple[str, int]:
    """The format and quality to encode with: ``imaging.format`` (AVIF falls back to WebP
    where Pillow cannot write it) and ``imaging.quality``, or the format's default."""
    fmt = options.get("format") or "avif"
    quality = options.get("quality")
    if fmt == "avif" and not avif_available():
        fmt = "webp"
        quality = None  # a quality meant for AVIF is not WebP's equal
    return fmt, int(quality) if quality is not None else QUALITY[fmt]


@dataclass(frozen=True)
class Encoded:
    width: int
    height: int
    stored: bytes  # the encoded bytes; empty once spooled (see ``data``)
    mime: str
    # The part of the image shown, as fractions (x0, y0, x1, y1) of its width and height:
    # None for the whole image (every display size); a panorama's thumbnail is its middle.
    crop: tuple[float, float, float, float] | None = None
    spooled: tuple[int, int] | None = None  # (offset, length) in this process's spool

    @property
    def data(self) -> bytes:
        return self.stored if self.spooled is None else _spool_read(*self.spooled)

    def uri(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"

    @property
    def size(self) -> int:
        """Bytes in the page: base64 makes four characters of every three bytes."""
        length = len(self.stored) if self.spooled is None else self.spooled[1]
        return 4 * ((length + 2) // 3)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled out of the worker that encoded it; where it is unpickled (the main
        # process) the bytes go to the spool at once, so that process never holds every
        # image's every size together: only the ones the page takes are read back.
        return (_arrived, (self.width, self.height, self.data, self.mime, self.crop))


# ---------------------------------------------------------------- the spool
#
# One unnamed temporary file per process (tempfile.TemporaryFile: unlinked at once, so
# the system frees it when the process ends, however it ends), appended to as encodings
# arrive and read back by offset (os.pread: no shared file position between threads).
_SPOOL: Any = None
_SPOOL_LOCK = threading.Lock()
_SPOOLED = 0  # encodings alive that point into the spool: at none, it is closed (a notebook's next run starts empty)


def _arrived(width: int, height: int, data: bytes, mime: str,
             crop: tuple[float, float, float, float] | None) -> Encoded:
    global _SPOOL, _SPOOLED
    with _SPOOL_LOCK:
        try:
            if _SPOOL is None:
                # Open while an encoding points into it (see _released), closed at exit.
                _SPOOL = tempfile.TemporaryFile(prefix="rinec-imaging-")  # noqa: SIM115
                atexit.register(_SPOOL.close)
            offset = _SPOOL.seek(0, os.SEEK_END)
            _SPOOL.write(data)
            _SPOOL.flush()
        except OSError:  # no room for the spool: keep the bytes in memory, as before
            return Encoded(width, height, data, mime, crop)
        encoded = Encoded(width, height, b"", mime, crop, (offset, len(data)))
        _SPOOLED += 1
        weakref.finalize(encoded, _released)
    return encoded


def _released() -> None:
    global _SPOOL, _SPOOLED
    with _SPOOL_LOCK:
        _SPOOLED -= 1
        if _SPOOLED == 0 and _SPOOL is not None:
            _SPOOL.close()  # its space goes back to the system now, not at the process's end
            _SPOOL = None


def _spool_read(offset: int, length: int) -> bytes:
    data = os.pread(_SPOOL.fileno(), length, offset)
    if len(data) != length:
        raise OSError(f"the image spool lost {length - len(data)} bytes")
    return data


@dataclass(frozen=True)
class Tile:
    x: int  # rectangle in the original's pixel coordinates
    y: int
    w: int
    h: int
    image: Encoded


# An image this small (long side, in pixels) is encoded without loss. Lossy AVIF, WebP
# and JPEG keep colour at half the resolution (4:2:0 chroma subsampling): each colour
# sample covers 2x2 pixels, so in a 3x3 RGB image a yellow row beside a blue one came out
# grey. Below 64 pixels a lossless encoding costs a few kilobytes at most. It is WebP
# lossless in the AVIF format too: AVIF through Pillow stores YUV even at quality 100 and
# 4:4:4, which moved that 3x3 picture's colours by one level; WebP lossless keeps them.
LOSSLESS_SIDE = 64
# A thumbnail's short side is at least its long side over this (50 of 200 pixels): see thumbnail().
THUMB_ELONGATION = 4


def encode(image: Image.Image, side: int, fmt: str, quality: int,
           crop: tuple[float, float, float, float] | None = None) -> Encoded:
    """``image`` scaled so that its long side is at most ``side``, encoded without metadata."""
    scaled = scale(image, side)
    buffer = io.BytesIO()
    clean = scaled if scaled is not image else image.copy()
    clean.info = {}  # no EXIF, ICC profile or comment is written
    tiny = max(clean.size) <= LOSSLESS_SIDE
    if fmt == "avif" and not tiny:
        # 4:2:0 like WebP (Pillow's default; grey pictures are 4:0:0). 4:4:4 was measured
        # at 4% more bytes on the real pictures above for 0.2 dB; no colour test needs it.
        clean.save(buffer, "AVIF", quality=quality, speed=AVIF_SPEED, max_threads=AVIF_THREADS)
    elif fmt in ("avif", "webp"):
        fmt = "webp"
        # method 2 rather than libwebp's default 4: half the time for about 7% more bytes
        # (measured on 1280x960 photographs), and encoding is most of the plugin's work.
        if tiny:
            clean.save(buffer, "WEBP", lossless=True, quality=100, method=2)
        else:
            clean.save(buffer, "WEBP", quality=quality, method=2)
    else:
        # JPEG has no lossless mode in Pillow: full-resolution colour (4:4:4) and quality 95.
        extra = {"subsampling": 0, "quality": max(quality, 95)} if tiny else {"quality": quality}
        clean.convert("RGB" if clean.mode != "L" else "L").save(buffer, "JPEG", optimize=True, **extra)
    return Encoded(clean.width, clean.height, buffer.getvalue(), MIME[fmt], crop)


def covers(display: Encoded, thumb: Encoded) -> bool:
    """True when ``display`` has at least the thumbnail's pixels over the part of the image
    the thumbnail shows (its ``crop``, or all of it). The gallery then draws the display
    image in the thumbnail's box, scaled (a panorama's cut to its middle) by the browser,
    and the thumbnail's own encoding stays out of the page: the picture is in it once.
    Not so when the budget stepped the display below the thumbnail, or when a panorama's
    display is thinner than its thumbnail (16000x400 shown at 1600x40, thumbnail 200x50):
    the thumbnail would be enlarged, so its own encoding is embedded. One pixel of slack
    for the rounding of the two scalings."""
    x0, y0, x1, y1 = thumb.crop or (0.0, 0.0, 1.0, 1.0)
    return display.width * (x1 - x0) >= thumb.width - 1 and display.height * (y1 - y0) >= thumb.height - 1


def elongated(size: tuple[int, int], side: int) -> bool:
    """True when fitting ``size`` into ``side`` would leave a short side under the
    thumbnail's minimum (then the thumbnail is cut from the middle, see thumbnail())."""
    long_side, short_side = max(size), min(size)
    return long_side > side and short_side * side / long_side < max(1, side // THUMB_ELONGATION)


def thumbnail(image: Image.Image, side: int, fmt: str, quality: int) -> Encoded:
    """The gallery's thumbnail: ``image`` fitted into ``side`` pixels square, unless that
    would make its short side less than ``side / THUMB_ELONGATION`` (50 of 200 pixels).

    Then (an image more than four times longer than wide: a panorama, a strip, a long
    radiograph) the short side is kept at that minimum, or at the image's own short side
    when that is smaller (never enlarged), and the thumbnail is the middle of the image
    along its long side, ``side`` pixels long: a 16000x400 panorama gives 200x50 of its
    middle, not a 200x5 line. The viewer shows the whole image; ``crop`` says which part
    the thumbnail is, so its annotations are drawn in place."""
    if not elongated(image.size, side):
        return encode(image, side, fmt, quality)
    width, height = image.size
    short_side, least = min(width, height), max(1, side // THUMB_ELONGATION)
    ratio = min(short_side, least) / short_side
    size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    scaled = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0) if size != image.size else image
    along = size[0] if width >= height else size[1]
    start = (along - side) // 2
    if width >= height:
        box = (start, 0, start + side, size[1])
        crop = (start / size[0], 0.0, (start + side) / size[0], 1.0)
    else:
        box = (0, start, size[0], start + side)
        crop = (0.0, start / size[1], 1.0, (start + side) / size[1])
    return encode(scaled.crop(box), side, fmt, quality, crop)


def scale(image: Image.Image, side: int) -> Image.Image:
    """A copy whose long side is ``side`` (never enlarged)."""
    long_side = max(image.size)
    if long_side <= side:
        return image
    ratio = side / long_side
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def display_sides(max_side: int, min_side: int, long_side: int) -> list[int]:
    """The display sizes to encode: ``max_side`` halving down to ``min_side``,
    none larger than the image itself."""
    sides = []
    side = max_side
    while side >= min_side:
        if side < long_side or not sides:
            sides.append(min(side, long_side))
        side //= 2
    return sorted(set(sides), reverse=True)


# ---------------------------------------------------------------- the budget


@dataclass
class Choice:
    """What of one image goes into the page."""

    key: str
    thumb: Encoded | None
    levels: list[Encoded]  # largest first
    tiles: list[Tile]
    level: int = 0  # index into levels; len(levels) means none (the viewer enlarges the thumbnail)
    keep_tiles: bool = True
    embedded: bool = True
    notes: list[str] = field(default_factory=list)
    stack: Any = None  # stack.Stack: a DICOM series' slices for the viewer
    keep_stack: bool = True

    @property
    def display(self) -> Encoded | None:
        return self.levels[self.level] if self.embedded and self.level < len(self.levels) else None

    @property
    def thumb_shared(self) -> bool:
        """The gallery draws the display image as the thumbnail (see covers())."""
        display = self.display
        return display is not None and self.thumb is not None and covers(display, self.thumb)

    @property
    def bytes(self) -> int:
        """What of this image the page holds: the thumbnail only when it is not drawn
        from the display image, so that no picture is counted (or embedded) twice."""
        if not self.embedded:
            return 0
        total = self.thumb.size if self.thumb is not None and not self.thumb_shared else 0
        if self.display is not None:
            total += self.display.size
        if self.keep_tiles:
            total += sum(t.image.size for t in self.tiles)
        if self.stack is not None and self.keep_stack:
            total += self.stack.bytes
        return total


@dataclass
class BudgetReport:
    budget: int
    total: int
    images: int
    downscaled: int  # shown smaller than their largest encoded size
    tiles_dropped: int
    display_dropped: int  # only the thumbnail is embedded
    not_embedded: int
    stacks_dropped: int = 0  # DICOM series shown by their key slice only


def fit(choices: list[Choice], budget: int) -> BudgetReport:
    """Reduce ``choices`` in place until their bytes fit ``budget``.

    In order, each step taken only while over budget: drop DICOM series' stacks
    (largest first: the key slice stays); drop whole-slide zoom tiles
    (largest sets first); step the largest display image down one size, again and
    again; drop display images (largest first, the viewer then enlarges the
    thumbnail); leave out whole images, last in page order first. Ties go by key,
    so the outcome depends only on the encoded sizes.
    """
    total = sum(c.bytes for c in choices)
    stacks_dropped = 0
    for c in sorted((c for c in choices if c.stack is not None), key=lambda c: (-c.stack.bytes, c.key)):
        if total <= budget:
            break
        total -= c.stack.bytes
        c.keep_stack = False
        stacks_dropped += 1
    tiles_dropped = 0
    for c in sorted((c for c in choices if c.tiles), key=lambda c: (-sum(t.image.size for t in c.tiles), c.key)):
        if total <= budget:
            break
        total -= sum(t.image.size for t in c.tiles)
        c.keep_tiles = False
        tiles_dropped += len(c.tiles)
    heap = [(-c.display.size, c.key, i) for i, c in enumerate(choices) if c.display is not None]
    heapq.heapify(heap)
    while total > budget and heap:
        _, _, i = heapq.heappop(heap)
        c = choices[i]
        if c.level + 1 < len(c.levels):
            before = c.bytes
            c.level += 1
            total += c.bytes - before
            heapq.heappush(heap, (-c.levels[c.level].size, c.key, i))
    display_dropped = 0
    for c in sorted((c for c in choices if c.display is not None), key=lambda c: (-c.display.size, c.key)):
        if total <= budget:
            break
        before, level = c.bytes, c.level
        c.level = len(c.levels)
        if c.bytes >= before:  # its thumbnail would take as much: keep the display
            c.level = level
            continue
        total += c.bytes - before
        display_dropped += 1
    not_embedded = 0
    for c in reversed(choices):
        if total <= budget:
            break
        if c.embedded:
            total -= c.bytes
            c.embedded = False
            not_embedded += 1
    downscaled = sum(1 for c in choices if c.embedded and c.levels and 0 < c.level < len(c.levels))
    return BudgetReport(budget, total, len(choices), downscaled, tiles_dropped, display_dropped, not_embedded,
                        stacks_dropped)


def describe(report: BudgetReport) -> str:
    """One sentence for the section: what was reduced to stay within the budget."""
    mb = 1_000_000
    head = f"{report.images} image{'s' if report.images != 1 else ''} embedded in {report.total / mb:.1f} MB"
    head += f" (budget {report.budget / mb:g} MB)"
    cuts = []
    if report.downscaled:
        cuts.append(f"{report.downscaled} shown at a smaller size")
    if report.stacks_dropped:
        cuts.append(f"{report.stacks_dropped} DICOM series shown by one slice, without their stack")
    if report.tiles_dropped:
        cuts.append(f"{report.tiles_dropped} whole-slide zoom tiles left out")
    if report.display_dropped:
        cuts.append(f"{report.display_dropped} shown as thumbnails only")
    if report.not_embedded:
        cuts.append(f"{report.not_embedded} not embedded at all")
    if not cuts:
        return head + "; nothing had to be reduced."
    return head + "; to fit: " + ", ".join(cuts) + ". Raise imaging.budget_mb to keep more."
