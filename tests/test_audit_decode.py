"""The audit's reading of a page: what a reader sees is searched, program code is not,
and every decode is bounded (hand-written pages, so each expectation is the page's)."""

from __future__ import annotations

import base64
import struct
import time
import zlib
from pathlib import Path

import pytest
from audit_helpers import (
    SVG,
    data_uri,
    dicom_with,
    jpeg_with_exif,
    jpeg_with_iptc,
    jpeg_with_xmp,
    png_with_text,
    tiff_with_description,
)
from hardening_helpers import cli, make_run

from rinec_report.audit import UNREAD, search
from rinec_report.audit_match import Matcher
from rinec_report.audit_patterns import shapes


def _page(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "report.html"
    page.write_text(f"<!doctype html><html><body><section id='s1'><h2>S</h2>{body}</section></body></html>",
                    encoding="utf-8")
    return page


def _kinds(hits, value: str) -> set[str]:
    return {h.kind for h in hits if value.casefold() in h.value.casefold()}


def test_entities_json_escapes_and_ids_in_longer_tokens_are_found(tmp_path: Path) -> None:
    table = ('{"name":"t","columns":["specimen","note","age_at_diagnosis"],'
             '"rows":[["HK-0001234-NEC","M\\u00fcller","97"],["hk-0001236 NEC","a\\/b",64]]}')
    page = _page(tmp_path, "<p>O&#39;Brien &amp; M&uuml;ller</p><p title='Jos&#xE9; Ortega'>x</p>"
                           f'<script type="application/json" id="rr-table-1-data">{table}</script>')
    found = {"text": {"O'Brien & Müller", "José Ortega", "Hans Müller"}, "sample": {"HK-0001234", "HK-0001236"}}
    hits = search(page, found)
    assert "text" in _kinds(hits, "O'Brien & Müller") and "text" in _kinds(hits, "José Ortega")
    assert _kinds(hits, "HK-0001234") == {"sample"} and _kinds(hits, "HK-0001236") == {"sample"}
    assert any(h.kind == "age" and h.context.endswith("column 'age_at_diagnosis'") for h in hits)
    assert not _kinds(hits, "Hans Müller")  # "Müller" alone is not the value


def test_json_in_an_attribute_is_decoded(tmp_path: Path) -> None:
    page = _page(tmp_path, """<div data-rows='[{"who":"Hans M\\u00fcller"}]'>x</div>""")
    assert "Müller" not in page.read_text(encoding="utf-8")
    hits = search(page, {"text": {"Hans Müller"}})
    assert [(h.kind, h.context) for h in hits] == [("text", "section 's1', <div data-rows>")]


def test_program_code_is_not_searched_but_json_data_is(tmp_path: Path) -> None:
    page = _page(tmp_path, '<script>var who = "John Smith", born = "1961-03-14";</script>'
                           "<style>.x::after { content: 'John Smith 1961-03-14'; }</style>"
                           '<button onclick="alert(\'John Smith\')">b</button>'
                           '<script type="application/json" id="rr-chart-1-spec">'
                           '{"datasets":{"d":[{"who":"John Smith","born":"1961-03-14"}]}}</script>')
    hits = search(page, {"text": {"John Smith"}})
    assert {(h.kind, h.context) for h in hits} == {("text", "section 's1' rr-chart-1-spec"),
                                                   ("date", "section 's1' rr-chart-1-spec")}


@pytest.mark.parametrize(("payload", "mime", "value"), [
    (SVG.encode(), "image/svg+xml", "John Smith"),
    (png_with_text({"Comment": ("zTXt", "for Anna Karlsson")}), "image/png", "Anna Karlsson"),
    (png_with_text({"Title": ("iTXt", "Anna Karlsson")}), "image/png", "Anna Karlsson"),
    (jpeg_with_exif("Anna Karlsson", "x", "2019:05:06 10:11:12", "c"), "image/jpeg", "Anna Karlsson"),
    (tiff_with_description("Anna Karlsson"), "image/tiff", "Anna Karlsson"),
    (dicom_with("Karlsson^Anna", "19610314"), "application/dicom", "Karlsson^Anna"),
    (dicom_with("x", "19610314", private="seen by Anna Karlsson"), "application/dicom", "Anna Karlsson"),
    (jpeg_with_iptc("Anna Karlsson"), "image/jpeg", "Anna Karlsson"),
    (jpeg_with_xmp("Karlsson & Lund"), "image/jpeg", "Karlsson & Lund"),
])
def test_each_payload_kind_is_decoded(tmp_path: Path, payload: bytes, mime: str, value: str) -> None:
    page = _page(tmp_path, f'<a href="{data_uri(mime, payload)}">download</a>')
    # The raw base64 does not spell the value: only decoding finds it.
    assert value.encode() not in page.read_bytes()
    hits = search(page, {"text": {value}})
    assert any(h.kind == "text" and mime in h.context for h in hits), [h.line(True) for h in hits]


def _avif_with(artist: str, creator: str) -> bytes:
    """An AVIF (Pillow's writer) whose EXIF names an artist and whose XMP packet names a
    creator, with an entity in the name."""
    import io

    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = artist
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="'
           + creator.replace("&", "&amp;") + '"/></rdf:RDF></x:xmpmeta>')
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 200)).save(out, "AVIF", exif=exif, xmp=xmp.encode(), quality=65)
    return out.getvalue()


def test_an_avif_pictures_exif_and_xmp_are_read_as_pillow_reads_them(tmp_path: Path) -> None:
    # AVIF is the imaging plugin's default: a picture in the page's image data as the
    # plugin writes it (a data URI in the rri-data JSON block). The EXIF Artist is found
    # under its field's name, and the XMP creator with its entity decoded ("&amp;" in the
    # file): Pillow's reading of the picture, not the printable runs of its bytes.
    payload = _avif_with("Dr Exif Planted", "Karlsson & Lund")
    assert payload[4:12] == b"ftypavif" and b"Karlsson &amp; Lund" in payload
    data = '{"i1":{"src":"' + data_uri("image/avif", payload) + '","w":80,"h":60}}'
    page = _page(tmp_path, f'<script type="application/json" class="rri-data">{data}</script>')
    assert b"Dr Exif Planted" not in page.read_bytes()
    hits = search(page, {"text": {"Dr Exif Planted", "Karlsson & Lund"}})
    where = {h.value: h.context for h in hits if h.kind == "text"}
    assert where["Dr Exif Planted"].endswith("image/avif payload, AVIF, EXIF Artist"), where
    assert where["Karlsson & Lund"].endswith("image/avif payload, AVIF, XMP"), where


def test_payloads_in_a_chart_json_and_an_svg_inside_a_png_link_are_followed(tmp_path: Path) -> None:
    svg = SVG.replace("<rect", f'<image href="{data_uri("image/png", png_with_text({"A": ("tEXt", "Ola Nordmann")}))}"'
                               ' width="1" height="1"/><rect')
    spec = '{"datasets":{"d":[{"img":"' + data_uri("image/svg+xml", svg.encode()) + '"}]}}'
    page = _page(tmp_path, f'<script type="application/json" id="rr-chart-1-spec">{spec}</script>')
    hits = search(page, {"text": {"Ola Nordmann"}})
    assert any("image/svg+xml payload, SVG" in h.context and "image/png payload" in h.context for h in hits)


def test_a_name_across_tspans_and_a_picture_in_a_style_are_found(tmp_path: Path) -> None:
    svg = ("<svg xmlns='http://www.w3.org/2000/svg'><text><tspan>Anna</tspan> <tspan x='40'>Karlsson</tspan>"
           "</text></svg>")
    png = png_with_text({"Author": ("tEXt", "Ola Nordmann")})
    page = _page(tmp_path, f'<img src="{data_uri("image/svg+xml", svg.encode())}">'
                           f'<div style="background: url(\'{data_uri("image/png", png)}\')">x</div>')
    hits = search(page, {"text": {"Anna Karlsson", "Ola Nordmann"}})
    assert {(h.value, h.context) for h in hits} == {
        ("Anna Karlsson", "section 's1', <img src>, image/svg+xml payload, SVG, its text read together"),
        ("Ola Nordmann", "section 's1', <div style> url(), image/png payload, PNG, text 'Author'")}


def test_a_picture_no_library_reads_is_searched_as_bytes(tmp_path: Path) -> None:
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00garbage\x01" + b"scanned for Anna Karlsson\x00"
    page = _page(tmp_path, f'<img src="{data_uri("image/png", broken)}">')
    hits = search(page, {"text": {"Anna Karlsson"}})
    assert [(h.kind, h.context) for h in hits] == [("text", "section 's1', <img src>, image/png payload, binary")]


def _png_with_chunk(kind: bytes, body: bytes) -> bytes:
    def chunk(name: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + name + data + struct.pack(">I", zlib.crc32(name + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(kind, body) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def test_a_ztxt_decompression_bomb_is_refused_quickly_and_small(tmp_path: Path) -> None:
    # 1 GiB of zeros in a zTXt chunk (PNG spec 11.3.4.4), about 1 MB compressed.
    bomb = zlib.compressobj(9)
    body = b"".join(bomb.compress(b"\x00" * (1 << 24)) for _ in range(64)) + bomb.flush()
    png = _png_with_chunk(b"zTXt", b"Comment\x00\x00" + body)
    page = _page(tmp_path, f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}">')
    run = make_run(tmp_path / "run")
    started = time.monotonic()
    done = cli("audit", page, "--run-dir", run, timeout=120, memory_mb=3000)
    assert time.monotonic() - started < 60
    assert done.returncode == 1, done.stderr
    assert "not searched" in done.stdout and "image/png payload" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_payload_nested_too_deep_is_named(tmp_path: Path) -> None:
    svg = "<svg xmlns='http://www.w3.org/2000/svg'>{}</svg>"
    inner = svg.format("<text>x</text>")
    for _ in range(8):
        inner = svg.format(f"<image href='{data_uri('image/svg+xml', inner.encode())}'/>")
    page = _page(tmp_path, f'<img src="{data_uri("image/svg+xml", inner.encode())}">')
    assert any(h.kind == UNREAD and "nested" in h.value for h in search(page, {}))


@pytest.mark.parametrize("reader", ["pypdf", "pdftotext"])
def test_the_pdf_beside_the_page_is_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str) -> None:
    import shutil
    import sys

    from rinec_report.pdf import PdfError, find_browser, print_pdf

    if reader == "pypdf":
        pytest.importorskip("pypdf")
    elif shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed")
    else:
        monkeypatch.setitem(sys.modules, "pypdf", None)  # as if pypdf were not installed

    if find_browser() is None:
        pytest.skip("no Chromium to print the PDF")
    page = _page(tmp_path, "<p>write to anna.karlsson@example.org</p>")
    try:
        print_pdf(page, page.with_suffix(".pdf"))
    except PdfError as exc:
        pytest.skip(str(exc))
    page.write_text("<!doctype html><p>nothing here</p>")  # the page is clean, its PDF is not
    hits = search(page, {})
    assert [(h.where, h.kind) for h in hits] == [("report.pdf", "email")]
    assert hits[0].context.startswith("PDF, page 1")


# --------------------------------------------------------------- shapes and matching


@pytest.mark.parametrize("text", ["chr7:55249071", "g.55249071T>G", "ENSG00000146648", "ENST00000275493.7",
                                  "GO:0006915", "R-HSA-1640170", "rs121434568", "p = 1.234567e-10",
                                  "input-1a2b3c4d5e6f", "input-123456789012", "P-3F2A1B0C9D",
                                  "Generated 2023-11-14T22:13:20+00:00", "fill #555555", "NM_005228.5",
                                  "Made with rinec-report 0.1.0", "90+",
                                  'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'])
def test_shapes_that_identify_no_one(text: str) -> None:
    assert list(shapes(text)) == []


@pytest.mark.parametrize(("text", "kind"), [
    ("born March 14th 1961", "date"), ("seen 14.03.61", "date"), ("seen 3/14/61", "date"),
    ("on 14/03/1961", "date"), ("1961-03-14", "date"), ("the 2nd of Sept 2019", "date"),
    ("MRN4410021", "digits"), ("call (555) 123-4567", "phone"), ("+44 20 7946 0958", "phone"),
    ("a@b.example.org", "email"), ("lives at 221 Baker Street", "street"), ("Hauptstraße 5", "street"),
    ("age_at_diagnosis 97", "age"), ("a 101-year-old", "age"), ("aged 93", "age")])
def test_shapes_of_identifiers(text: str, kind: str) -> None:
    assert kind in {k for k, _ in shapes(text)}


def test_ages_by_field_and_short_values_match_whole() -> None:
    assert list(shapes("97", field="age")) == [("age", "97")]
    assert list(shapes("median 58 (range 30\u201395)", row="Age (years)")) == [("age", "95")]  # an en dash
    assert list(shapes("12 (90.0%)", row="Age (years)")) == [] and list(shapes("90+", field="age")) == []
    assert list(shapes("89", field="age")) == [] and list(shapes("97", field="stage")) == []
    matcher = Matcher([("patient", "P1"), ("text", "Smith")])
    assert [n.value for n, _ in matcher.find("P10 and P1a and Smithson")] == ["P1"]
    assert [n.value for n, _ in matcher.find("p 1 smith")] == ["Smith"]  # a short id only as it is written


def test_a_large_slide_in_the_run_directory_is_read_for_its_tags_only(tmp_path: Path) -> None:
    from rinec_report.audit_decode import MAX_PAYLOAD
    from rinec_report.audit_values import Wanted, _metadata

    slide = tmp_path / "slide.tif"
    slide.write_bytes(tiff_with_description("slide of Anna Karlsson"))
    with slide.open("r+b") as fh:
        fh.truncate(MAX_PAYLOAD + (1 << 20))  # past the payload bound, as a whole-slide image is (sparse)
    wanted = Wanted()
    started = time.monotonic()
    _metadata(str(slide), "images/slide.tif", lambda column: None, wanted)
    assert time.monotonic() - started < 5
    assert wanted.values["text"] == {"slide of Anna Karlsson"} and wanted.unread == []


def test_nested_json_and_entity_definitions_are_read_without_expanding(tmp_path: Path) -> None:
    deep = "[" * 200_000 + "]" * 200_000  # past Python's recursion limit: json refuses it
    laughs = ("<!DOCTYPE svg [<!ENTITY a 'Anna Karlsson'>" + "".join(
        f"<!ENTITY {chr(98 + i)} '{('&' + chr(97 + i) + ';') * 10}'>" for i in range(9)) + "]>"
        "<svg xmlns='http://www.w3.org/2000/svg'><text>&j;</text></svg>")
    page = _page(tmp_path, f'<script type="application/json" id="rr-chart-1-spec">{deep}</script>'
                           f'<img src="{data_uri("image/svg+xml", laughs.encode())}">')
    started = time.monotonic()
    hits = search(page, {"text": {"Anna Karlsson"}})
    assert time.monotonic() - started < 10
    # The entity's text is in the SVG's DOCTYPE, and found there; nothing is expanded a billion times.
    assert [h.context for h in hits] == ["section 's1', <img src>, image/svg+xml payload, SVG, declaration"]
