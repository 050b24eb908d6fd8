"""Custom content without a plugin (``*_rr`` tables and images) and the neutralised
formula cells of the exported tables.

The expected values are hand-written from the small inputs below.
"""

from __future__ import annotations

import csv
import json
import re
import struct
import zlib
from pathlib import Path

import pytest
from page_helpers import chart_specs

from rinec_report import InputError, run
from rinec_report.write import neutralise


def _png(width: int = 4, height: int = 2) -> bytes:
    """A valid RGB PNG written by hand (PNG specification, section 11)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x00\x72\xb2" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.mark.parametrize(
    "cell, expected",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+HYPERLINK(1)", "'-2+HYPERLINK(1)"),
        ("-0.5", "-0.5"),  # a negative number stays a number
        ("+++", "+++"),  # an IHC category
        ("-", "-"),
        ("p.R273H", "p.R273H"),
        (12, 12),
    ],
)
def test_neutralise(cell, expected) -> None:
    assert neutralise(cell) == expected


@pytest.fixture
def custom_run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "purity_rr.tsv").write_text(
        "# title: Tumour purity\n"
        "# description: Tumour cell content per patient.\n"
        "# plot_type: bar\n"
        "# y: purity_percent\n"
        "patient_id\tpurity_percent\tblock\n"
        'P1\t60\t=HYPERLINK("http://example.invalid")\n'
        "P2\t45\tA2\n",
        encoding="utf-8",
    )
    (run_dir / "expression_rr.csv").write_text("gene,P1,P2\nTP53,1.5,2\nRB1,0.2,3.1\n", encoding="utf-8")
    (run_dir / "expression_rr.yaml").write_text("title: Expression\nplot_type: heatmap\n", encoding="utf-8")
    (run_dir / "slide_rr.png").write_bytes(_png())
    (run_dir / "slide_rr.yaml").write_text("title: A slide\ndescription: One field.\n", encoding="utf-8")
    return run_dir


def test_tables_and_images_become_sections_and_join_the_summary(custom_run: Path, tmp_path: Path) -> None:
    report = run(custom_run, outdir=tmp_path / "out", force=True)
    html = report.html_path.read_text(encoding="utf-8")
    titles = re.findall(r'<h2 id="custom-[^"]+">([^<]+)</h2>', html)
    assert titles == ["Expression", "Tumour purity", "A slide"]  # in file name order
    assert 'src="data:image/png;base64,' in html and 'alt="A slide"' in html
    # the purity table names patients: two summary columns, one value per patient
    summary = {r["patient_id"]: r for r in _tsv(report.data_dir / "report_summary.tsv")}
    assert summary["P1"]["purity_purity_percent"] in ("60", "60.0")
    assert summary["P2"]["purity_block"] == "A2"
    # exported, with the formula neutralised
    purity = _tsv(report.data_dir / "custom_purity.tsv")
    assert [r["block"] for r in purity] == ["'=HYPERLINK(\"http://example.invalid\")", "A2"]
    assert len(_tsv(report.data_dir / "custom_expression.tsv")) == 2
    # the bar chart follows the highlighter (opacity by patient_id)
    specs = [spec for _, spec in chart_specs(html)]
    bar = next(s for s in specs if s.get("usermeta", {}).get("title") == "Tumour purity")
    assert "indexof(rinec_patient, datum['patient_id'])" in json.dumps(bar)


def test_a_custom_image_is_in_the_data_folder_as_given(custom_run: Path, tmp_path: Path) -> None:
    import hashlib

    report = run(custom_run, outdir=tmp_path / "out", force=True)
    given = (custom_run / "slide_rr.png").read_bytes()
    # Named by its section (custom-slide on the page), byte for byte the user's file.
    assert (report.data_dir / "custom_slide.png").read_bytes() == given
    manifest = json.loads((report.data_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"] == [{"name": "custom_slide.png", "bytes": len(given),
                                  "sha256": hashlib.sha256(given).hexdigest()}]
    shared = run(custom_run, outdir=tmp_path / "shared", force=True, deidentify=True)
    assert not list(shared.data_dir.glob("*.png"))  # a de-identified report carries no picture
    assert json.loads((shared.data_dir / "manifest.json").read_text(encoding="utf-8"))["files"] == []


def test_a_data_folder_file_with_a_path_for_a_name_is_not_written(tmp_path: Path) -> None:
    from rinec_report import Html, Section, hookimpl

    class Writer:
        @hookimpl
        def rinec_datasets(self, files):
            return {"written": True}

        @hookimpl
        def rinec_sections(self, data):
            return [Section("s", "S", blocks=[Html("<p>x</p>", files={"../escape.txt": b"x", "ok.txt": b"y"})])]

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes_rr.tsv").write_text("patient_id\tnote\nP1\tok\n", encoding="utf-8")
    report = run(tmp_path / "run", outdir=tmp_path / "out", force=True, extra_plugins={"writer": Writer()})
    assert sorted(p.name for p in report.data_dir.iterdir() if p.suffix == ".txt") == ["writer_ok.txt"]
    assert not (tmp_path / "out" / "escape.txt").exists()
    assert any("'../escape.txt' is not written" in m.text for m in report.messages)


def test_keep_formulas_keeps_the_raw_cells(custom_run: Path, tmp_path: Path) -> None:
    report = run(custom_run, outdir=tmp_path / "out", force=True, config={"keep_formulas": True})  # the user's
    purity = _tsv(report.data_dir / "custom_purity.tsv")
    assert purity[0]["block"] == '=HYPERLINK("http://example.invalid")'
    assert 'data-keep-formulas="true"' in report.html_path.read_text(encoding="utf-8")


def test_a_bad_custom_file_costs_only_itself(custom_run: Path, tmp_path: Path) -> None:
    (custom_run / "broken_rr.tsv").write_text("# plot_type: pie\na\tb\n1\t2\n", encoding="utf-8")
    (custom_run / "fake_rr.png").write_bytes(b"GIF89a not a png")
    report = run(custom_run, outdir=tmp_path / "out", force=True)
    errors = [m.line() for m in report.errors]
    assert any("broken_rr.tsv" in e and "plot_type 'pie'" in e for e in errors), errors
    assert any("fake_rr.png" in e and "not a PNG" in e for e in errors), errors
    assert "Tumour purity" in report.html_path.read_text(encoding="utf-8")


def test_unknown_header_key_is_warned_about_by_name(tmp_path: Path) -> None:
    from rinec_plugins.custom.parse import read_table

    path = tmp_path / "x_rr.tsv"
    path.write_text("# titel: typo\na\tb\n1\t2\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="unknown key 'titel'"):
        item = read_table(str(path), "x_rr.tsv")
    assert item["frame"]["a"].tolist() == [1]


def test_a_table_with_only_a_header_is_an_input_error(tmp_path: Path) -> None:
    from rinec_plugins.custom.parse import read_table

    path = tmp_path / "x_rr.tsv"
    path.write_text("# title: nothing\n", encoding="utf-8")
    with pytest.raises(InputError, match="no table"):
        read_table(str(path), "x_rr.tsv")


def test_quoted_cells_keep_their_control_characters(tmp_path):
    # A quoted CSV cell (RFC 4180) may hold a vertical tab, a form feed, \r and \n: the
    # cell is read as written, not split at what str.splitlines takes for line breaks.
    from rinec_plugins.custom.parse import read_table

    path = tmp_path / "notes_rr.csv"
    path.write_bytes(b'# title: Notes\nsample,note\nS1,"a\x0bb\x0cc\rd\ne"\nS2,plain\n')
    table = read_table(str(path), "notes_rr.csv")
    assert table["settings"]["title"] == "Notes"
    assert table["frame"]["note"].tolist() == ["a\x0bb\x0cc\rd\ne", "plain"]


def test_a_heat_map_of_a_table_with_columns_named_column_and_value(tmp_path):
    # The melted table's own columns must not clash with the user's "column" and "value".
    from rinec_report import run

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "clinical.csv").write_text("patient_id,age\nP1,61\nP2,55\n")
    (run_dir / "scores_rr.tsv").write_text("# plot_type: heatmap\ncolumn\tvalue\ta\nP1\t1\t2\nP2\t3\t4\n")
    report = run(run_dir, outdir=tmp_path / "out", force=True, jobs=1)
    assert not [m for m in report.messages if m.level == "error"], report.messages
    assert 'mark' in report.html_path.read_text()
