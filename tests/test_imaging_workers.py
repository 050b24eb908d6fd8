"""Every picture is decoded in a parse worker, also one that only an images table names
outside images/, and the scan's ignore globs (-x) hold for it. Expected sizes come from
Pillow and pydicom reading the same files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pydicom
import pytest
from imaging_helpers import options, photo
from PIL import Image
from pydicom.data import get_testdata_file

import rinec_report


def _shown(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "rinec_report_data" / "imaging_images.tsv", encoding="utf-8", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


def test_pictures_a_table_names_outside_images_are_decoded_in_the_workers(tmp_path: Path, monkeypatch) -> None:
    import rinec_plugins.imaging.decode as decode_module

    def refuse(*args, **kwargs):
        raise AssertionError("a picture was decoded in the main process")

    run = tmp_path / "run"
    photo(run / "images" / "P1" / "2019-05_MRI.png", (320, 240))
    photo(run / "scans" / "endo.png", (300, 200), seed=1)
    photo(run / "scans" / "skipped.png", (300, 200), seed=2)
    photo(run / "logo.png", (64, 64), seed=3)
    ct = get_testdata_file("CT_small.dcm", download=False)
    shutil.copyfile(ct, run / "scans" / "raw_ct")  # no extension: no image pattern takes it
    (run / "images.tsv").write_text(
        "file\tpatient_id\tdate\tmodality\n"
        "scans/endo.png\tP1\t2019-06\tendoscopy\n"
        "scans/raw_ct\tP1\t2019-07\tCT\n"
        "scans/skipped.png\tP1\t2019-08\tendoscopy\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(decode_module, "decode", refuse)  # in this process only: workers are fresh
    report = rinec_report.run(str(run), outdir=str(tmp_path / "out"), force=True, plugins=["imaging"], jobs=2,
                              ignore=["scans/skipped.png"])
    assert report.exit_status == 0, [m.text for m in report.messages]
    shown = _shown(tmp_path / "out")
    assert sorted(shown) == ["images/P1/2019-05_MRI.png", "scans/endo.png", "scans/raw_ct"]
    with Image.open(run / "scans" / "endo.png") as reference:
        assert (int(shown["scans/endo.png"]["width"]), int(shown["scans/endo.png"]["height"])) == reference.size
    ds = pydicom.dcmread(ct)
    assert (int(shown["scans/raw_ct"]["width"]), int(shown["scans/raw_ct"]["height"])) == (ds.Columns, ds.Rows)
    messages = " | ".join(str(w) for w in report.warnings)
    assert "scans/skipped.png" in messages and "left it out" in messages  # -x holds, and it is said
    assert "logo.png" not in messages


@pytest.mark.parametrize("where", ["images.tsv", "scans/images.tsv", "other/images.tsv"])
def test_a_table_anywhere_in_the_run_is_found_by_the_pictures_worker(tmp_path: Path, where: str) -> None:
    from rinec_plugins.imaging.parse import parse_file

    run = tmp_path / "run"
    photo(run / "scans" / "endo.png", (300, 200))
    table = run / where
    table.parent.mkdir(parents=True, exist_ok=True)
    name = {"images.tsv": "scans/endo.png", "scans/images.tsv": "endo.png", "other/images.tsv": "../scans/endo.png"}
    table.write_text(f"file\tpatient_id\n{name[where]}\tP1\n", encoding="utf-8")
    got = parse_file(str(run / "scans" / "endo.png"), "scans/endo.png", "image", options())
    assert got is not None and got.width == 300
    table.unlink()
    other = run / "x"
    photo(other / "logo.png", (64, 64))
    assert parse_file(str(other / "logo.png"), "x/logo.png", "image", options()) is None


def test_in_a_run_too_large_to_search_the_tables_above_a_picture_are_read(tmp_path: Path, monkeypatch) -> None:
    import rinec_plugins.imaging.parse as parse_module

    monkeypatch.setattr(parse_module, "MAX_ENTRIES", 0)
    run = tmp_path / "run"
    photo(run / "scans" / "a" / "endo.png", (300, 200))
    photo(run / "other" / "logo.png", (64, 64))
    (run / "scans" / "images.tsv").write_text("file\tpatient_id\na/endo.png\tP1\n", encoding="utf-8")
    (run / "notes").mkdir()
    (run / "notes" / "images.tsv").write_text("file\tpatient_id\n../other/logo.png\tP1\n", encoding="utf-8")
    got = parse_module.parse_file(str(run / "scans/a/endo.png"), "scans/a/endo.png", "image", options())
    assert got is not None and (got.width, got.height) == (300, 200)
    # A table beside, not above, is not searched here (its own worker decodes nothing for it,
    # and the report names the row): the documented limit of a run this large.
    assert parse_module.parse_file(str(run / "other/logo.png"), "other/logo.png", "image", options()) is None
