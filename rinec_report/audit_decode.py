"""What a reader of a report could see, as pieces of text: the audit's decoders of
payloads and files.

Every ``data:`` URI of a page, and every file of its folder, is decoded by its bytes:
SVG text and attributes, PNG text chunks, JPEG comments, EXIF, XMP and IPTC, TIFF
tags, DICOM elements, PDF text, JSON, tables. Pictures are read by Pillow, DICOM
files by pydicom, PDFs by pypdf (or poppler's ``pdftotext``); markup and JSON by
:mod:`.audit_markup`.

Every decode is bounded: the report is as untrusted as its inputs. A payload too
large, nested too deep or refused by its library becomes an :class:`Unread` piece
(the audit then cannot vouch for the file), never a hang.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import csv
import html
import io
import itertools
import re
import shutil
import struct
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

# Bounds on what one report may make the audit hold or do.
MAX_PAYLOAD = 64 << 20  # decoded bytes of one data: URI or one file
MAX_DEPTH = 4  # payloads inside payloads (an SVG's PNG inside a chart's JSON...)
MAX_TRAILING_PIXELS = 16_000_000  # a PNG is decoded to reach text chunks after its pixels only up to this
MAX_FRAMES = 64  # TIFF pages read for their tags
MAX_DICOM_ELEMENTS = 200_000
MAX_PDF_PAGES = 5_000
PDF_TIMEOUT = 120  # seconds for pdftotext


@dataclass(frozen=True)
class Piece:
    """A text a reader can see, where it is and, for a value of a table or a JSON
    object, the column or key it is the value of."""

    where: str
    text: str
    field: str | None = None
    number: bool = False  # a number of the data (a JSON number, a numeric cell)
    attribute: bool = False  # the value of a markup attribute (``field`` is its name)
    row: str | None = None  # an HTML table cell's row label (Table 1's "Age at diagnosis")
    key: bool = False  # a JSON object's key, not a value


@dataclass(frozen=True)
class Unread:
    """A part of a file the audit could not read (so it cannot vouch for the file)."""

    where: str
    reason: str


Item = Piece | Unread


def place_in(where: str, more: str) -> str:
    return f"{where}, {more}" if where and more else where or more


# ------------------------------------------------------------------ payloads

_DATA_URI = re.compile(r"\s*data:([^,;]*)((?:;[^,;]*)*?),", re.I | re.S)


def data_uri(text: str) -> tuple[str, bytes] | None:
    """(mime type, bytes) of a ``data:`` URI; ``None`` when ``text`` is not one."""
    m = _DATA_URI.match(text)
    if not m:
        return None
    body = text[m.end():]
    if ";base64" in m.group(2).lower():
        cleaned = re.sub(r"\s+", "", body)
        if len(cleaned) * 3 // 4 > MAX_PAYLOAD:
            raise ValueError(f"a data: URI of more than {MAX_PAYLOAD >> 20} MiB")
        try:
            return m.group(1).lower(), base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            # A browser's decoder refuses it as well (WHATWG forgiving-base64): it shows
            # nothing, and its letters are no text of the page.
            return m.group(1).lower(), b""
    from urllib.parse import unquote_to_bytes

    return m.group(1).lower(), unquote_to_bytes(body[: MAX_PAYLOAD * 3])


def large_file(fh: BinaryIO, where: str) -> Iterator[Item]:
    """A file over :data:`MAX_PAYLOAD` (a whole-slide TIFF, a DICOM series file): a
    picture's or a DICOM file's metadata is read from the open file, never the file whole."""
    head = fh.read(132)
    fh.seek(0)
    if head[128:132] == b"DICM":
        yield from dicom(fh, place_in(where, "DICOM"))
    elif is_picture(head):
        yield from picture(fh, where)
    else:
        yield Unread(where, f"more than {MAX_PAYLOAD >> 20} MiB, and not a picture or DICOM file")


def text_of(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    return b"\x00" not in sample and text_of(sample).count("\ufffd") <= len(sample) // 100


def strings(data: bytes, where: str) -> Iterator[Item]:
    """What a file of unknown format shows a reader who opens it as text: runs of
    printable characters (as ``strings`` finds them), eight or more long so that
    compressed bytes do not spell short ids by chance."""
    for m in re.finditer(rb"[\x20-\x7e\t]{8,}", data):
        yield Piece(where, m.group(0).decode("ascii"))


_PICTURE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")


# AVIF (the imaging plugin's default encoding): an ISO base media file whose ftyp box
# names the brand avif (a still picture) or avis (a sequence), as major or compatible brand.
_AVIF_BRANDS = (b"avif", b"avis")


def is_picture(data: bytes) -> bool:
    return (data.startswith(_PICTURE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
            or _is_avif(data))


def _is_avif(data: bytes) -> bool:
    if data[4:8] != b"ftyp":
        return False
    # The box's brands: major (8:12), minor version (12:16, not a brand), compatible ones.
    end = min(int.from_bytes(data[:4], "big"), len(data), 8 + 4 * 64)
    brands = [data[8:12]] + [data[i:i + 4] for i in range(16, end - 3, 4)]
    return any(b in _AVIF_BRANDS for b in brands)


def picture(data: bytes | BinaryIO, where: str) -> Iterator[Item]:
    """Every text a picture's metadata holds, read by Pillow: PNG text chunks (tEXt,
    zTXt, iTXt; Pillow inflates each to at most 1 MiB and 64 MiB in all), EXIF (with
    its Exif and GPS directories) and XMP (of JPEG, PNG, WebP, AVIF and TIFF), JPEG and
    GIF comments, TIFF tags. ``data`` may
    be an open file: Pillow then reads only the parts that hold them."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # no pixel is decoded here
            with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as im:
                kind = im.format or "picture"
                at = place_in(where, kind)
                yield from _info(im.info, at)
                for n in range(min(getattr(im, "n_frames", 1), MAX_FRAMES)):
                    if n:
                        im.seek(n)
                    yield from _exif(im, at)
                    tags = getattr(im, "tag_v2", None)
                    for tag, value in (tags or {}).items():
                        yield from _values(value, place_in(at, f"TIFF tag {tag}"))
                if kind in ("JPEG", "TIFF"):
                    from PIL import IptcImagePlugin

                    # IPTC (a JPEG's APP13, a TIFF's tag 33723): by-line, caption, keywords.
                    for key, value in (IptcImagePlugin.getiptcinfo(im) or {}).items():
                        yield from _values(value, place_in(at, f"IPTC {key[0]}:{key[1]}"))
                if kind == "PNG":
                    yield from _trailing_png_text(im, at)
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError, struct.error, KeyError, IndexError, TypeError):
        # Broken or of no format Pillow reads: what is left to see is its bytes, as text
        # (a text chunk before the break is plain text).
        if isinstance(data, bytes):
            yield from strings(data, place_in(where, "binary"))
        else:
            yield Unread(where, "a picture Pillow cannot read")
    except (ValueError, Image.DecompressionBombError) as exc:  # a bound of Pillow's (a zTXt bomb): not searched
        yield Unread(where, f"a picture its library refuses ({_why(exc)})")


def _why(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__).splitlines()[0][:120]


def _info(info: dict[str, Any], where: str) -> Iterator[Item]:
    for key, value in info.items():
        if key in ("exif", "icc_profile", "dpi", "transparency", "gamma", "duration", "loop", "background"):
            continue  # EXIF is read by getexif; the others are numbers or colour data
        if key == "xmp":  # an XML packet: its values are in its text and attributes, entities decoded
            raw = value if isinstance(value, str) else bytes(value).decode("utf-8", errors="replace")
            yield Piece(place_in(where, "XMP"), html.unescape(raw))
            continue
        yield from _values(value, place_in(where, f"text {key!r}"), str(key))


def _exif(im: Any, where: str) -> Iterator[Item]:
    from PIL import ExifTags

    exif = im.getexif()
    directories = [(exif, "EXIF")]
    for ifd in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo, ExifTags.IFD.Interop):
        with contextlib.suppress(KeyError, ValueError, TypeError, OSError):
            directories.append((exif.get_ifd(ifd), f"EXIF {ifd.name}"))
    for directory, label in directories:
        for tag, value in directory.items():
            name = ExifTags.TAGS.get(tag) or ExifTags.GPSTAGS.get(tag) or str(tag)
            yield from _values(value, place_in(where, f"{label} {name}"), name)


def _trailing_png_text(im: Any, where: str) -> Iterator[Item]:
    """Text chunks after a PNG's pixels, which Pillow reaches only by decoding them."""
    width, height = im.size
    if width * height > MAX_TRAILING_PIXELS:
        yield Unread(where, f"text after the pixels of a picture over {MAX_TRAILING_PIXELS:,} pixels is not read")
        return
    before = dict(im.info)
    im.load()
    for key, value in im.text.items():
        if before.get(key) != value:
            yield from _values(value, place_in(where, f"text {key!r}"), str(key))


def _values(value: Any, where: str, field: str | None = None) -> Iterator[Item]:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace").replace("\x00", " ")
    if isinstance(value, (tuple, list)):
        for v in value[:10_000]:
            yield from _values(v, where, field)
        return
    if isinstance(value, str) and value.strip():
        yield Piece(where, value, field)


def dicom(data: bytes | BinaryIO, where: str) -> Iterator[Item]:
    """Every text element of a DICOM file (sequences included), pixels never read."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(io.BytesIO(data) if isinstance(data, bytes) else data, stop_before_pixels=True,
                             force=True)
        meta = getattr(ds, "file_meta", None)
        elements = itertools.chain(meta.iterall() if meta is not None else (), ds.iterall())
        for n, element in enumerate(elements):
            if n >= MAX_DICOM_ELEMENTS:
                yield Unread(where, f"more than {MAX_DICOM_ELEMENTS:,} elements")
                return
            if element.VR in ("OB", "UN") and isinstance(element.value, bytes) and element.tag != 0x7FE00010:
                # Private and unknown elements (a vendor's header) are bytes that may spell a name.
                yield from strings(element.value[:MAX_PAYLOAD], place_in(where, element.keyword or str(element.tag)))
                continue
            if element.VR in ("SQ", "OB", "OW", "OF", "OD", "OL", "OV", "UN") or element.tag == 0x7FE00010:
                continue
            name = element.keyword or str(element.tag)
            value = element.value
            if element.VR == "PN" and value is not None:
                value = [str(v) for v in value] if element.VM > 1 else str(value)
            elif element.VM > 1 and value is not None:
                value = [str(v) for v in value]
            elif value is not None and not isinstance(value, (str, bytes)):
                value = str(value)
            yield from _values(value, place_in(where, name), name)
    except (InvalidDicomError, OSError, ValueError, TypeError, KeyError, AttributeError, EOFError,
            OverflowError) as exc:
        yield Unread(where, f"a DICOM file pydicom refuses ({_why(exc)})")


# ----------------------------------------------------------------- PDF


def pdf_text(data: bytes, where: str) -> Iterator[Item]:
    """A PDF's text, page by page, and its document information, by pypdf; by
    poppler's ``pdftotext`` when pypdf is not installed."""
    try:
        import pypdf
    except ImportError:
        yield from _pdftotext(data, where)
        return
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        for key, value in (reader.metadata or {}).items():
            if key not in ("/CreationDate", "/ModDate"):  # when the printer ran, not about anyone
                yield from _values(str(value), place_in(where, f"info {key}"))
        for n, page in enumerate(reader.pages):
            if n >= MAX_PDF_PAGES:
                yield Unread(where, f"more than {MAX_PDF_PAGES:,} pages")
                return
            yield Piece(place_in(where, f"page {n + 1}"), page.extract_text() or "")
            for annotation in page.get("/Annots") or []:
                uri = (annotation.get_object().get("/A") or {}).get("/URI")
                if uri:
                    yield Piece(place_in(where, f"page {n + 1} link"), str(uri))
    except Exception as exc:  # pypdf raises many kinds on a malformed file: each means "cannot read"
        yield Unread(where, f"a PDF pypdf cannot read ({_why(exc)})")


def _pdftotext(data: bytes, where: str) -> Iterator[Item]:
    tool = shutil.which("pdftotext")
    if tool is None:
        yield Unread(where, "neither pypdf nor pdftotext is installed (pip install 'rinec-report[audit]')")
        return
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        try:
            done = subprocess.run([tool, "-q", "-enc", "UTF-8", tmp.name, "-"], capture_output=True,
                                  timeout=PDF_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            yield Unread(where, f"pdftotext took more than {PDF_TIMEOUT} s")
            return
    if done.returncode != 0:
        yield Unread(where, "a PDF pdftotext cannot read")
        return
    for n, page in enumerate(text_of(done.stdout[:MAX_PAYLOAD]).split("\f")):
        yield Piece(place_in(where, f"page {n + 1}"), page)


# ---------------------------------------------------------------- a data folder's files


def table_text(text: str, where: str, sep: str) -> Iterator[Item]:
    """A TSV or CSV file of the data folder, cell by cell with its column."""
    csv.field_size_limit(MAX_PAYLOAD)
    rows = csv.reader(io.StringIO(text), delimiter=sep)
    header = next(rows, [])
    for name in header:
        yield Piece(place_in(where, "header"), name)
    for n, row in enumerate(rows, start=2):
        for i, cell in enumerate(row):
            column = header[i] if i < len(header) else None
            if cell:
                yield Piece(place_in(where, f"line {n}, column {column!r}"), cell, column, is_number(cell))


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def parquet_text(data: bytes, where: str) -> Iterator[Item]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        yield Unread(where, f"a Parquet file pyarrow refuses ({_why(exc)})")
        return
    for name in table.column_names:
        yield Piece(place_in(where, "header"), name)
        for value in table.column(name).to_pylist():
            if value is not None:
                yield Piece(place_in(where, f"column {name!r}"), str(value), name,
                            isinstance(value, (int, float)) and not isinstance(value, bool))
