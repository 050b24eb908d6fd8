"""What a reader of a report could see, as pieces of text: the audit's decoders.

A page is read as a browser reads it: text and attributes with their entities
decoded, the JSON behind tables and charts parsed (so ``\\u00fc`` and ``\\/`` are the
characters they stand for), and every ``data:`` URI decoded: SVG text and
attributes, PNG text chunks, JPEG comments, EXIF and XMP, TIFF tags, DICOM
elements, PDF text. Pictures are read by Pillow and pydicom, PDFs by pypdf (or
poppler's ``pdftotext``). Program code (scripts that are not JSON, styles, event
handlers) is not data and is left out.

Every decode is bounded: the report is as untrusted as its inputs. A payload too
large, nested too deep or refused by its library becomes an :class:`Unread` piece
(the audit then cannot vouch for the file), never a hang.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import csv
import io
import itertools
import json
import re
import shutil
import struct
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
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


@dataclass(frozen=True)
class Unread:
    """A part of a file the audit could not read (so it cannot vouch for the file)."""

    where: str
    reason: str


Item = Piece | Unread


def _join(where: str, more: str) -> str:
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


def payload(data: bytes, where: str, mime: str = "", depth: int = 0) -> Iterator[Item]:
    """The texts a payload (an embedded file, a file of the data folder) carries."""
    if depth > MAX_DEPTH:
        yield Unread(where, f"payloads nested more than {MAX_DEPTH} deep")
        return
    if len(data) > MAX_PAYLOAD:
        yield Unread(where, f"more than {MAX_PAYLOAD >> 20} MiB")
        return
    head = data[:512].lstrip().lower()
    try:
        if data[128:132] == b"DICM" or mime in ("application/dicom",):
            yield from _dicom(data, _join(where, "DICOM"))
        elif data.startswith(b"%PDF") or mime == "application/pdf":
            yield from pdf_text(data, _join(where, "PDF"))
        elif _is_picture(data):
            yield from _picture(data, where)
        elif b"<svg" in head or mime == "image/svg+xml":
            yield from markup(_text(data), _join(where, "SVG"), depth + 1, foreign=True)
        elif head.startswith((b"{", b"[")) or mime == "application/json":
            yield from json_text(_text(data), where, depth + 1)
        elif head.startswith((b"<!doctype html", b"<html")) or mime == "text/html":
            yield from markup(_text(data), _join(where, "HTML"), depth + 1)
        elif _looks_like_text(data) or mime.startswith("text/"):
            yield Piece(where, _text(data))
        else:
            yield from _strings(data, _join(where, "binary"))
    except RecursionError:
        yield Unread(where, "nested too deep to read")


def large_file(fh: BinaryIO, where: str) -> Iterator[Item]:
    """A file over :data:`MAX_PAYLOAD` (a whole-slide TIFF, a DICOM series file): a
    picture's or a DICOM file's metadata is read from the open file, never the file whole."""
    head = fh.read(132)
    fh.seek(0)
    if head[128:132] == b"DICM":
        yield from _dicom(fh, _join(where, "DICOM"))
    elif _is_picture(head):
        yield from _picture(fh, where)
    else:
        yield Unread(where, f"more than {MAX_PAYLOAD >> 20} MiB, and not a picture or DICOM file")


def _text(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    return b"\x00" not in sample and _text(sample).count("\ufffd") <= len(sample) // 100


def _strings(data: bytes, where: str) -> Iterator[Item]:
    """What a file of unknown format shows a reader who opens it as text: runs of
    printable characters (as ``strings`` finds them), eight or more long so that
    compressed bytes do not spell short ids by chance."""
    for m in re.finditer(rb"[\x20-\x7e\t]{8,}", data):
        yield Piece(where, m.group(0).decode("ascii"))


_PICTURE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")


def _is_picture(data: bytes) -> bool:
    return data.startswith(_PICTURE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _picture(data: bytes | BinaryIO, where: str) -> Iterator[Item]:
    """Every text a picture's metadata holds, read by Pillow: PNG text chunks (tEXt,
    zTXt, iTXt; Pillow inflates each to at most 1 MiB and 64 MiB in all), EXIF (with
    its Exif and GPS directories), XMP, JPEG and GIF comments, TIFF tags. ``data`` may
    be an open file: Pillow then reads only the parts that hold them."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # no pixel is decoded here
            with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as im:
                kind = im.format or "picture"
                at = _join(where, kind)
                yield from _info(im.info, at)
                for n in range(min(getattr(im, "n_frames", 1), MAX_FRAMES)):
                    if n:
                        im.seek(n)
                    yield from _exif(im, at)
                    tags = getattr(im, "tag_v2", None)
                    for tag, value in (tags or {}).items():
                        yield from _values(value, _join(at, f"TIFF tag {tag}"))
                if kind in ("JPEG", "TIFF"):
                    from PIL import IptcImagePlugin

                    # IPTC (a JPEG's APP13, a TIFF's tag 33723): by-line, caption, keywords.
                    for key, value in (IptcImagePlugin.getiptcinfo(im) or {}).items():
                        yield from _values(value, _join(at, f"IPTC {key[0]}:{key[1]}"))
                if kind == "PNG":
                    yield from _trailing_png_text(im, at)
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError, struct.error, KeyError, IndexError, TypeError):
        # Broken or of no format Pillow reads: what is left to see is its bytes, as text
        # (a text chunk before the break is plain text).
        if isinstance(data, bytes):
            yield from _strings(data, _join(where, "binary"))
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
        if key == "xmp":
            raw = value if isinstance(value, str) else bytes(value).decode("utf-8", errors="replace")
            yield from markup(raw, _join(where, "XMP"), MAX_DEPTH, foreign=True)
            continue
        yield from _values(value, _join(where, f"text {key!r}"), str(key))


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
            yield from _values(value, _join(where, f"{label} {name}"), name)


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
            yield from _values(value, _join(where, f"text {key!r}"), str(key))


def _values(value: Any, where: str, field: str | None = None) -> Iterator[Item]:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace").replace("\x00", " ")
    if isinstance(value, (tuple, list)):
        for v in value[:10_000]:
            yield from _values(v, where, field)
        return
    if isinstance(value, str) and value.strip():
        yield Piece(where, value, field)


def _dicom(data: bytes | BinaryIO, where: str) -> Iterator[Item]:
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
                yield from _strings(element.value[:MAX_PAYLOAD], _join(where, element.keyword or str(element.tag)))
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
            yield from _values(value, _join(where, name), name)
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
                yield from _values(str(value), _join(where, f"info {key}"))
        for n, page in enumerate(reader.pages):
            if n >= MAX_PDF_PAGES:
                yield Unread(where, f"more than {MAX_PDF_PAGES:,} pages")
                return
            yield Piece(_join(where, f"page {n + 1}"), page.extract_text() or "")
            for annotation in page.get("/Annots") or []:
                uri = (annotation.get_object().get("/A") or {}).get("/URI")
                if uri:
                    yield Piece(_join(where, f"page {n + 1} link"), str(uri))
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
    for n, page in enumerate(_text(done.stdout[:MAX_PAYLOAD]).split("\f")):
        yield Piece(_join(where, f"page {n + 1}"), page)


# ------------------------------------------------------------------ JSON


def json_text(text: str, where: str, depth: int = 0, data: bool = True) -> Iterator[Item]:
    """The strings (and, in data, the numbers) of a JSON document, each with its key."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        yield Piece(where, text)  # what is not JSON is still text a reader sees
        return
    yield from json_values(value, where, depth, data)


def json_values(value: Any, where: str, depth: int, data: bool, field: str | None = None) -> Iterator[Item]:
    stack: list[tuple[Any, str | None, bool]] = [(value, field, data)]
    while stack:
        value, field, in_data = stack.pop()
        if isinstance(value, dict):
            if isinstance(value.get("columns"), list) and isinstance(value.get("rows"), list):
                yield from _table_payload(value, where, depth)
                continue
            for key, v in value.items():
                yield from _string(str(key), where, depth, field)
                # A chart's spec is program structure, its data is data: numbers are
                # searched only under the keys that hold a chart's rows.
                stack.append((v, str(key), in_data or key in ("datasets", "values")))
        elif isinstance(value, list):
            stack.extend((v, field, in_data) for v in reversed(value))
        elif isinstance(value, str):
            yield from _string(value, where, depth, field)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and in_data:
            yield Piece(where, str(value), field, number=True)


def _table_payload(value: dict[str, Any], where: str, depth: int) -> Iterator[Item]:
    """A page table's JSON: its rows searched cell by cell, with their columns."""
    columns = [str(c) for c in value["columns"]]
    at = _join(where, f"table {value.get('name') or value.get('label')!r}")
    for key, v in value.items():
        if key != "rows":
            yield from json_values(v, at, depth, False, key)
    for row in value["rows"]:
        for i, cell in enumerate(row if isinstance(row, list) else []):
            column = columns[i] if i < len(columns) else None
            yield from json_values(cell, _join(at, f"column {column!r}"), depth, True, column)


def _string(text: str, where: str, depth: int, field: str | None) -> Iterator[Item]:
    if text[:5].lower() == "data:":
        yield from _uri(text, where, depth)
        return
    yield Piece(where, text, field)
    if "<" in text and ">" in text:  # markup a page script may show as HTML
        yield from markup(text, where, depth + 1)
    elif "&" in text:
        import html

        yield Piece(where, html.unescape(text), field)


def _uri(text: str, where: str, depth: int) -> Iterator[Item]:
    try:
        decoded = data_uri(text)
    except ValueError as exc:
        yield Unread(where, str(exc))
        return
    if decoded is None:
        yield Piece(where, text)
        return
    mime, data = decoded
    if not data:
        return
    yield from payload(data, _join(where, f"{mime or 'data'} payload"), mime, depth + 1)


# ---------------------------------------------------------------- markup


_CSS_URI = re.compile(r"""url\(\s*['"]?(data:[^'")\s]+)""", re.I)


class _Reader(HTMLParser):
    """Text and attributes as a browser shows them (entities decoded), the JSON of
    data scripts, and data: URIs; in a page of ours, scripts and styles are code."""

    def __init__(self, where: str, depth: int, foreign: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.where, self.depth, self.foreign = where, depth, foreign
        self.items: list[Item] = []
        self.section = ""
        self.raw: str | None = None  # inside <script> or <style>: "code", "json" or "text"
        self.block = ""
        self.script: list[str] = []  # a data script's JSON, whole before it is parsed
        self.texts: list[str] = []  # a foreign document's text nodes, to be read together too
        # An HTML table's cells are values of a field: their column's header, or their
        # row's first cell (Table 1 has one row per characteristic).
        self.header: list[str] = []
        self.row: list[str] = []
        self.cell: list[str] | None = None

    def place(self) -> str:
        return _join(self.where, " ".join(p for p in (self.section, self.block) if p))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self._table_tag(tag)
        if tag == "th" and not self.header and len(self.row) == 0:
            self.header = self.row  # a first row of headers names the columns below
        if tag == "section" and values.get("id"):
            self.section = f"section {values['id']!r}"
        if tag in ("script", "style"):
            typed = (values.get("type") or "").lower()
            self.raw = "json" if "json" in typed else "text" if self.foreign else "code"
            self.block = values.get("id") or values.get("class") or tag
        for name, value in attrs:
            if value is None or (name.startswith("on") and not self.foreign):
                continue
            if value.lstrip()[:5].lower() == "data:":
                self.items.extend(_uri(value, _join(self.place(), f"<{tag} {name}>"), self.depth))
            elif value.strip():
                self.items.append(Piece(_join(self.place(), f"<{tag} {name}>"), value, name, attribute=True))
                if value.lstrip()[:1] in ("{", "["):  # a data-* attribute's JSON: its escapes decoded
                    with contextlib.suppress(ValueError, RecursionError):
                        self.items.extend(json_values(json.loads(value), _join(self.place(), f"<{tag} {name}>"),
                                                      self.depth, True))
                if name == "style":
                    for m in _CSS_URI.finditer(value):
                        self.items.extend(_uri(m.group(1), _join(self.place(), f"<{tag} style> url()"), self.depth))

    def _table_tag(self, tag: str) -> None:
        if tag == "table":
            self.header, self.row = [], []
        elif tag == "tr":
            self._end_cell()
            self.row = []
        elif tag in ("td", "th"):
            self._end_cell()
            self.cell = []

    def _end_cell(self) -> None:
        if self.cell is not None:
            self.row.append(" ".join(self.cell).strip())
            self.cell = None

    def _field(self) -> tuple[str | None, str | None]:
        """The cell's column header and row label."""
        if self.cell is None:
            return None, None
        column = len(self.row)
        header = self.header[column] or None if column < len(self.header) and self.header is not self.row else None
        return header, self.row[0] if column > 0 and self.row else None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.raw, self.block = None, ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr" and self.row is self.header:
            self.header = list(self.row)
        if tag in ("script", "style"):
            if self.raw == "json":
                self.items.extend(json_text("".join(self.script), self.place(), self.depth))
            self.raw, self.block, self.script = None, "", []

    def handle_data(self, data: str) -> None:
        if not data.strip():
            return
        if self.raw == "code":
            # A style's url(data:...) is a picture a reader sees, whoever wrote the style.
            for m in _CSS_URI.finditer(data):
                self.items.extend(_uri(m.group(1), _join(self.place(), "url()"), self.depth))
            return
        if self.foreign:
            self.texts.append(data)
        if self.raw == "json":
            self.script.append(data)
            return
        field, row = self._field()
        if self.cell is not None:
            self.cell.append(data)
        where = self.place()
        if row:
            where = _join(where, f"row {row!r}")
        if field:
            where = _join(where, f"column {field!r}")
        self.items.append(Piece(where, data, field, number=self.cell is not None and _numeric(data.strip()), row=row))

    def handle_comment(self, data: str) -> None:
        self.items.append(Piece(_join(self.place(), "comment"), data))

    def handle_decl(self, decl: str) -> None:  # an SVG's DOCTYPE may define entities it shows
        self.items.append(Piece(_join(self.place(), "declaration"), decl))

    def handle_pi(self, data: str) -> None:
        self.items.append(Piece(_join(self.place(), "processing instruction"), data))

    def unknown_decl(self, data: str) -> None:  # CDATA sections of SVG and XMP
        self.items.append(Piece(self.place(), data.removeprefix("CDATA[")))


def markup(text: str, where: str, depth: int = 0, foreign: bool = False) -> Iterator[Item]:
    """The texts of an HTML page or an SVG/XML document. ``foreign``: not one of our
    pages, so its scripts and styles are text like the rest."""
    if depth > MAX_DEPTH:
        yield Unread(where, f"payloads nested more than {MAX_DEPTH} deep")
        return
    reader = _Reader(where, depth, foreign)
    reader.feed(text)
    reader.close()
    yield from reader.items
    if len(reader.texts) > 1:
        # An SVG may spell a name across <tspan>s: its text is also read as a reader reads it, in one.
        yield Piece(_join(where, "its text read together"), " ".join(t.strip() for t in reader.texts))


# ---------------------------------------------------------------- a data folder's files


def table_text(text: str, where: str, sep: str) -> Iterator[Item]:
    """A TSV or CSV file of the data folder, cell by cell with its column."""
    csv.field_size_limit(MAX_PAYLOAD)
    rows = csv.reader(io.StringIO(text), delimiter=sep)
    header = next(rows, [])
    for name in header:
        yield Piece(_join(where, "header"), name)
    for n, row in enumerate(rows, start=2):
        for i, cell in enumerate(row):
            column = header[i] if i < len(header) else None
            if cell:
                yield Piece(_join(where, f"line {n}, column {column!r}"), cell, column, _numeric(cell))


def _numeric(cell: str) -> bool:
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
        yield Piece(_join(where, "header"), name)
        for value in table.column(name).to_pylist():
            if value is not None:
                yield Piece(_join(where, f"column {name!r}"), str(value), name,
                            isinstance(value, (int, float)) and not isinstance(value, bool))


def file_items(name: str, data: bytes, where: str) -> Iterator[Item]:
    """The texts of one file of a report's folder, by its kind."""
    lowered = name.lower()
    if lowered.endswith((".tsv", ".csv")) and _looks_like_text(data):
        yield from table_text(_text(data), where, "\t" if lowered.endswith(".tsv") else ",")
    elif lowered.endswith(".parquet"):
        yield from parquet_text(data, where)
    elif lowered.endswith((".html", ".htm")):
        yield from markup(_text(data), where)
    elif lowered.endswith(".json"):
        yield from json_text(_text(data), where)
    else:
        yield from payload(data, where)
