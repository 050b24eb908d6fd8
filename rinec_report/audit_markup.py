"""Reading markup and JSON as a reader sees them, for the audit: a page's (or an
SVG's, an XMP packet's) text and attributes with their entities decoded, each table
cell with its column and row, and the JSON behind tables and charts parsed, so that
``\\u00fc`` and ``\\/`` are the characters they stand for. In one of our pages,
scripts that are not JSON, styles and event handlers are program code, not data.
Payloads (``data:`` URIs, a data folder's files) are told apart here by their bytes and
decoded by :mod:`.audit_decode`'s readers (an SVG comes back here). A page's packed
blocks (``<script type="application/x-rinec-packed">``: the chart specs, deflated and in
base64, see :func:`rinec_report.render.packed`) are inflated, to at most
:data:`~.audit_decode.MAX_PAYLOAD` bytes, and read as the payload they hold.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import html
import json
import re
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

from .audit_decode import (
    MAX_DEPTH,
    MAX_PAYLOAD,
    Item,
    Piece,
    Unread,
    data_uri,
    dicom,
    is_number,
    is_picture,
    looks_like_text,
    parquet_text,
    pdf_text,
    picture,
    place_in,
    strings,
    table_text,
    text_of,
)
from .render import PACKED_TYPE

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
                if str(key)[:5].lower() == "data:":
                    yield from _string(str(key), where, depth, field)
                else:
                    yield Piece(where, str(key), field, key=True)
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
    at = place_in(where, f"table {value.get('name') or value.get('label')!r}")
    for key, v in value.items():
        if key != "rows":
            yield from json_values(v, at, depth, False, key)
    for row in value["rows"]:
        for i, cell in enumerate(row if isinstance(row, list) else []):
            column = columns[i] if i < len(columns) else None
            yield from json_values(cell, place_in(at, f"column {column!r}"), depth, True, column)


def _string(text: str, where: str, depth: int, field: str | None) -> Iterator[Item]:
    if text[:5].lower() == "data:":
        yield from _uri(text, where, depth)
        return
    yield Piece(where, text, field)
    if "<" in text and ">" in text:  # markup a page script may show as HTML
        yield from markup(text, where, depth + 1)
    elif "&" in text:
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
    yield from payload(data, place_in(where, f"{mime or 'data'} payload"), mime, depth + 1)


# ---------------------------------------------------------------- packed blocks



def _packed(text: str, where: str, depth: int) -> Iterator[Item]:
    """A packed block: base64 of raw deflate. Inflated to at most MAX_PAYLOAD bytes: a
    hostile page's block could inflate a thousandfold (a deflate bomb), and is then named
    as not searched, as every other bounded decode is."""
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        yield Unread(where, "a packed block that is not base64")
        yield Piece(where, text)  # what it shows as is still searched
        return
    inflate = zlib.decompressobj(-15)
    try:
        out = inflate.decompress(data, MAX_PAYLOAD + 1)
    except zlib.error as exc:
        yield Unread(where, f"a packed block that does not inflate ({exc})")
        return
    if len(out) > MAX_PAYLOAD or inflate.unconsumed_tail:
        yield Unread(where, f"a packed block of more than {MAX_PAYLOAD >> 20} MiB unpacked")
        return
    if not inflate.eof:
        yield Unread(where, "a packed block cut short (what it holds up to there is searched)")
    yield from payload(out, where, "application/json", depth)


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
        self.raw: str | None = None  # inside <script> or <style>: "code", "json", "packed" or "text"
        self.block = ""
        self.script: list[str] = []  # a data script's JSON, whole before it is parsed
        self.texts: list[str] = []  # a foreign document's text nodes, to be read together too
        # An HTML table's cells are values of a field: their column's header, or their
        # row's first cell (Table 1 has one row per characteristic).
        self.header: list[str] = []
        self.row: list[str] = []
        self.cell: list[str] | None = None

    def place(self) -> str:
        return place_in(self.where, " ".join(p for p in (self.section, self.block) if p))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self._table_tag(tag)
        if tag == "th" and not self.header and len(self.row) == 0:
            self.header = self.row  # a first row of headers names the columns below
        if tag == "section" and values.get("id"):
            self.section = f"section {values['id']!r}"
        if tag in ("script", "style"):
            typed = (values.get("type") or "").lower()
            self.raw = ("packed" if typed == PACKED_TYPE else "json" if "json" in typed
                        else "text" if self.foreign else "code")
            self.block = values.get("id") or values.get("class") or tag
        for name, value in attrs:
            if value is None or (name.startswith("on") and not self.foreign):
                continue
            if value.lstrip()[:5].lower() == "data:":
                self.items.extend(_uri(value, place_in(self.place(), f"<{tag} {name}>"), self.depth))
            elif value.strip():
                self.items.append(Piece(place_in(self.place(), f"<{tag} {name}>"), value, name, attribute=True))
                if value.lstrip()[:1] in ("{", "["):  # a data-* attribute's JSON: its escapes decoded
                    with contextlib.suppress(ValueError, RecursionError):
                        self.items.extend(json_values(json.loads(value), place_in(self.place(), f"<{tag} {name}>"),
                                                      self.depth, True))
                if name == "style":
                    for m in _CSS_URI.finditer(value):
                        self.items.extend(_uri(m.group(1), place_in(self.place(), f"<{tag} style> url()"), self.depth))

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
            elif self.raw == "packed":
                self.items.extend(_packed("".join(self.script), self.place(), self.depth))
            self.raw, self.block, self.script = None, "", []

    def handle_data(self, data: str) -> None:
        if not data.strip():
            return
        if self.raw == "code":
            # A style's url(data:...) is a picture a reader sees, whoever wrote the style.
            for m in _CSS_URI.finditer(data):
                self.items.extend(_uri(m.group(1), place_in(self.place(), "url()"), self.depth))
            return
        if self.foreign:
            self.texts.append(data)
        if self.raw in ("json", "packed"):
            self.script.append(data)
            return
        field, row = self._field()
        if self.cell is not None:
            self.cell.append(data)
        where = self.place()
        if row:
            where = place_in(where, f"row {row!r}")
        if field:
            where = place_in(where, f"column {field!r}")
        self.items.append(Piece(where, data, field, number=self.cell is not None and is_number(data.strip()), row=row))

    def handle_comment(self, data: str) -> None:
        self.items.append(Piece(place_in(self.place(), "comment"), data))

    def handle_decl(self, decl: str) -> None:  # an SVG's DOCTYPE may define entities it shows
        self.items.append(Piece(place_in(self.place(), "declaration"), decl))

    def handle_pi(self, data: str) -> None:
        self.items.append(Piece(place_in(self.place(), "processing instruction"), data))

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
        yield Piece(place_in(where, "its text read together"), " ".join(t.strip() for t in reader.texts))


# ---------------------------------------------------------------- payloads and files


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
            yield from dicom(data, place_in(where, "DICOM"))
        elif data.startswith(b"%PDF") or mime == "application/pdf":
            yield from pdf_text(data, place_in(where, "PDF"))
        elif is_picture(data):
            yield from picture(data, where)
        elif b"<svg" in head or mime == "image/svg+xml":
            yield from markup(text_of(data), place_in(where, "SVG"), depth + 1, foreign=True)
        elif head.startswith((b"{", b"[")) or mime == "application/json":
            yield from json_text(text_of(data), where, depth + 1)
        elif head.startswith((b"<!doctype html", b"<html")) or mime == "text/html":
            yield from markup(text_of(data), place_in(where, "HTML"), depth + 1)
        elif looks_like_text(data) or mime.startswith("text/"):
            yield Piece(where, text_of(data))
        else:
            yield from strings(data, place_in(where, "binary"))
    except RecursionError:
        yield Unread(where, "nested too deep to read")


def file_items(name: str, data: bytes, where: str) -> Iterator[Item]:
    """The texts of one file of a report's folder, by its kind."""
    lowered = name.lower()
    if lowered.endswith((".tsv", ".csv")) and looks_like_text(data):
        yield from table_text(text_of(data), where, "\t" if lowered.endswith(".tsv") else ",")
    elif lowered.endswith(".parquet"):
        yield from parquet_text(data, where)
    elif lowered.endswith((".html", ".htm")):
        yield from markup(text_of(data), where)
    elif lowered.endswith(".json"):
        yield from json_text(text_of(data), where)
    else:
        yield from payload(data, where)
