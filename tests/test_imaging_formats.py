"""Pictures of every format Pillow reads are shown or named, and a file name gives a date
only when it is a real one. Expected sizes come from Pillow and dates from pydicom, the
reference decoders, reading the same files."""

from __future__ import annotations

import csv
from pathlib import Path

import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from rinec_plugins.imaging.meta import normalise_date

import rinec_report


def _images(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "rinec_report_data" / "imaging_images.tsv", encoding="utf-8", newline="") as fh:
        return {row["file"]: row for row in csv.DictReader(fh, delimiter="\t")}


@pytest.mark.parametrize(("text", "want"), [
    ("2008", "2008"), ("2019-05", "2019-05"), ("2019-02-28", "2019-02-28"), ("20190228", "2019-02-28"),
    ("4467", ""), ("0004", ""), ("1850", ""), ("2019-02-30", ""), ("2019-13", ""), ("2021-04-31", ""),
])
def test_a_date_is_a_real_date(text: str, want: str) -> None:
    assert normalise_date(text) == want


def test_a_four_digit_file_name_leaves_the_studydate(tmp_path: Path) -> None:
    source = get_testdata_file("CT_small.dcm")
    # One patient each: the same file twice in one folder would be one series.
    for patient, name in (("P1", "4467.dcm"), ("P2", "0004.dcm")):
        folder = tmp_path / "run" / "images" / patient
        folder.mkdir(parents=True)
        (folder / name).write_bytes(Path(source).read_bytes())
    study = str(pydicom.dcmread(source).StudyDate)  # 20040119
    result = rinec_report.run(str(tmp_path / "run"), outdir=str(tmp_path / "out"), force=True)
    assert result.exit_status == 0
    rows = _images(tmp_path / "out")
    want = f"{study[:4]}-{study[4:6]}-{study[6:]}"
    assert rows["images/P1/4467.dcm"]["date"] == want
    assert rows["images/P2/0004.dcm"]["date"] == want


def test_other_pillow_formats_are_shown_and_an_unreadable_one_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "run" / "images" / "P1"
    folder.mkdir(parents=True)
    picture = Image.new("RGB", (64, 48), (200, 30, 30))
    made = {}
    for ext in ("gif", "bmp", "webp", "pgm"):
        path = folder / f"2019-05_photo_{ext}.{ext}"
        (picture.convert("L") if ext == "pgm" else picture).save(path)
        with Image.open(path) as reread:  # the reference decoder's size
            made[f"images/P1/{path.name}"] = reread.size
    (folder / "2019-06_phone.heic").write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64)
    result = rinec_report.run(str(tmp_path / "run"), outdir=str(tmp_path / "out"), force=True)
    assert result.exit_status == 0
    rows = _images(tmp_path / "out")
    for file, (width, height) in made.items():
        assert (int(rows[file]["width"]), int(rows[file]["height"])) == (width, height), file
        assert int(rows[file]["embedded_bytes"]) > 0, file
    messages = " ".join(str(w) for w in result.warnings)
    assert "2019-06_phone.heic" in messages and "not a readable image" in messages


def test_a_dicom_without_its_preamble_is_named_with_what_a_reader_can_do(tmp_path: Path) -> None:
    folder = tmp_path / "run" / "images" / "P1"
    folder.mkdir(parents=True)
    # The dataset alone, as old scanners wrote it: no 128-byte preamble, no 'DICM', no file
    # meta (pydicom reads it only when told to force).
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    raw = folder / "2019-05_CT_raw.dcm"
    from pydicom.filebase import DicomBytesIO

    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, False  # CT_small's syntax
    pydicom.filewriter.write_dataset(buffer, ds)
    raw.write_bytes(buffer.getvalue())
    with pytest.raises(pydicom.errors.InvalidDicomError):
        pydicom.dcmread(raw)
    result = rinec_report.run(str(tmp_path / "run"), outdir=str(tmp_path / "out"), force=True)
    messages = [str(w) for w in result.warnings if "2019-05_CT_raw.dcm" in str(w)]
    assert messages and "force=True" not in messages[0] and "dcmconv" in messages[0]


def test_a_palette_colour_dicom_is_shown_through_its_palette() -> None:
    import numpy as np
    from pydicom.pixels import apply_color_lut
    from rinec_plugins.imaging.decode import decode

    path = get_testdata_file("examples_palette.dcm")  # shipped in pydicom's wheel
    ds = pydicom.dcmread(path)
    assert ds.PhotometricInterpretation == "PALETTE COLOR"
    # The reference: pydicom's own palette lookup, 16-bit entries brought to 8 bits.
    want = apply_color_lut(ds.pixel_array, ds)
    want = (want / 257.0).round().astype(np.uint8) if want.dtype != np.uint8 else want
    got = decode(path, max_side=4096, percentiles=(0.5, 99.5))
    assert got.image.mode == "RGB" and got.image.size == (ds.Columns, ds.Rows)
    assert np.array_equal(np.asarray(got.image), want[..., :3])
    assert len({tuple(p) for p in want.reshape(-1, 3)[::97]}) > 10  # truly in colour
