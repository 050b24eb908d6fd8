"""The issue's rule over whole collections: every file is shown as the reference decoder
shows it, or listed with a reason a user can act on; nothing is left out silently.

The collections are every DICOM file in pydicom's installed test data (only what ships in
its wheel: ``get_testdata_files`` never downloads) and a picture in every format Pillow
writes (Pillow's own test images are not in its wheel). The references are pydicom (with
its pixel plugins) and Pillow reading the same files: their sizes, their colour (grey or
not) and, for DICOM, the correlation of the plugin's plane with pydicom's windowed one.
"""

from __future__ import annotations

import csv
import shutil
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_files
from rinec_plugins.imaging.decode import decode
from rinec_plugins.imaging.meta import PICTURE_EXTENSIONS

import rinec_report

# Pillow writes these, but they are no picture (documents, scientific containers read
# with outside help, Windows metafiles) or have no file name extension: not taken.
NOT_PICTURES = {"PDF", "EPS", "HDF5", "BUFR", "GRIB", "WMF", "SPIDER", "PALM"}


def _tables(out: Path) -> tuple[dict[str, dict[str, str]], dict[str, list[str]], list[str]]:
    data = out / "rinec_report_data"

    def rows(name: str) -> list[dict[str, str]]:
        if not (data / name).exists():  # no message at all: the file is not written
            return []
        with open(data / name, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh, delimiter="\t"))

    shown = {r["file"]: r for r in rows("imaging_images.tsv")}
    reasons: dict[str, list[str]] = {}
    for r in rows("report_messages.tsv"):
        reasons.setdefault(r["file"], []).append(r["message"])
    inputs = [r["file"] for r in rows("report_inputs.tsv")]
    return shown, reasons, inputs


def _dicom_files() -> list[Path]:
    """pydicom's shipped files that are DICOM: by name, or by the 'DICM' preamble."""
    out = []
    for name in sorted(get_testdata_files()):
        path = Path(name)
        if not path.is_file():
            continue
        with open(path, "rb") as fh:
            head = fh.read(132)
        if path.suffix == ".dcm" or head[128:132] == b"DICM":
            out.append(path)
    return out


def _reference_plane(ds: pydicom.Dataset) -> np.ndarray:
    """What pydicom shows: the frame the plugin shows (the middle one), its modality LUT
    and first window, MONOCHROME1 inverted, a palette through its colour table."""
    from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi_lut

    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    arr = ds.pixel_array
    if frames > 1:
        arr = arr[frames // 2]
    kind = ds.PhotometricInterpretation
    if kind == "PALETTE COLOR":
        return apply_color_lut(arr, ds).astype(float)
    if kind not in ("MONOCHROME1", "MONOCHROME2"):
        return arr.astype(float)
    values = apply_modality_lut(arr, ds).astype(float)
    if frames == 1 and "WindowCenter" in ds:
        values = apply_voi_lut(values, ds).astype(float)
    return values.max() - values if kind == "MONOCHROME1" else values


def test_every_pydicom_test_file_is_shown_as_pydicom_shows_it_or_named(tmp_path: Path) -> None:
    files = _dicom_files()
    assert len(files) > 150  # pydicom 3 ships about 170
    run = tmp_path / "run"
    where = {}
    for n, source in enumerate(files):
        # One patient each: files of one series would otherwise be shown by one slice.
        name = source.name if source.suffix == ".dcm" else f"{source.name}.dcm"
        target = run / "images" / f"P{n}" / name
        target.parent.mkdir(parents=True)
        shutil.copyfile(source, target)
        where[f"images/P{n}/{name}"] = source
    result = rinec_report.run(str(run), outdir=str(tmp_path / "out"), force=True)
    assert result.exit_status == 0
    shown, reasons, inputs = _tables(tmp_path / "out")
    assert sorted(inputs) == sorted(where)  # every file reached the plugin
    silent = [f for f in where if f not in shown and not any(r.strip() for r in reasons.get(f, []))]
    assert not silent, silent
    assert len(shown) > 80
    for rel, row in shown.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(where[rel])
            reference = _reference_plane(ds)
            got = decode(str(run / rel), max_side=4096)
        assert (int(row["width"]), int(row["height"])) == (ds.Columns, ds.Rows), rel
        grey = ds.PhotometricInterpretation in ("MONOCHROME1", "MONOCHROME2")
        assert got.image.mode == ("L" if grey else "RGB"), rel
        # The documented aspect rule: the axis with the longer pixels is stretched, the
        # long side kept (square pixels: the stored grid itself).
        aspect = got.aspect
        height, width = ds.Rows * aspect, ds.Columns
        scale = max(ds.Columns, ds.Rows) / max(width, height)
        assert got.image.size == (round(width * scale), round(height * scale)), rel
        plane = np.asarray(got.image.resize((ds.Columns, ds.Rows))).astype(float)
        if reference.ndim == 3 and grey:
            reference = reference.mean(-1)
        if plane.std() > 0 and reference.std() > 0:  # a flat plane has no correlation
            assert np.corrcoef(plane.ravel(), reference.ravel())[0, 1] > 0.9, rel


def _pillow_formats() -> list[tuple[str, str]]:
    """(format, extension) for every format Pillow writes that is a picture."""
    Image.init()
    first: dict[str, str] = {}
    for ext, fmt in Image.registered_extensions().items():
        first.setdefault(fmt, ext.lstrip("."))
    return sorted((fmt, first[fmt]) for fmt in Image.SAVE if fmt not in NOT_PICTURES and fmt in first)


def test_a_picture_in_every_format_pillow_writes_is_shown_as_pillow_reads_it_or_named(tmp_path: Path) -> None:
    folder = tmp_path / "run" / "images" / "P1"
    folder.mkdir(parents=True)
    picture = Image.new("RGB", (96, 64), (200, 40, 30))
    picture.paste((30, 60, 210), (0, 32, 96, 64))  # red above blue: orientation and colour
    made: dict[str, tuple[str, tuple[int, int], str]] = {}
    unwritable = []
    for fmt, ext in _pillow_formats():
        assert ext in PICTURE_EXTENSIONS, f"{fmt} (.{ext}) is not taken by the plugin"
        path = folder / f"2019-05_photo_{fmt.lower()}.{ext}"
        candidates = [picture]
        candidates += [picture.convert(m) for m in ("RGBA", "P", "L", "1")]
        for image in candidates:
            try:
                image.save(path, format=fmt)
                with Image.open(path) as reread:  # the reference decoder
                    reread.load()
                    made[f"images/P1/{path.name}"] = (fmt, reread.size, reread.convert("RGB").getpixel((48, 8)))
                break
            except (OSError, ValueError, KeyError, TypeError):
                path.unlink(missing_ok=True)
        else:
            unwritable.append(fmt)
    assert len(made) > 15, unwritable
    result = rinec_report.run(str(tmp_path / "run"), outdir=str(tmp_path / "out"), force=True)
    assert result.exit_status == 0
    shown, reasons, inputs = _tables(tmp_path / "out")
    assert sorted(inputs) == sorted(made)
    for rel, (fmt, size, top) in made.items():
        if rel not in shown:
            assert any(r.strip() for r in reasons.get(rel, [])), f"{fmt}: neither shown nor named"
            continue
        assert (int(shown[rel]["width"]), int(shown[rel]["height"])) == size, fmt
        got = decode(str(tmp_path / "run" / rel), max_side=4096)
        assert got.image.size == size, fmt
        pixel = got.image.convert("RGB").getpixel((48, 8))
        assert max(abs(a - b) for a, b in zip(pixel, top, strict=True)) <= 40, (fmt, pixel, top)


@pytest.mark.parametrize("fmt", sorted(NOT_PICTURES - {"SPIDER"}))
def test_what_is_not_a_picture_is_not_taken(fmt: str) -> None:
    Image.init()
    extensions = [e.lstrip(".") for e, f in Image.registered_extensions().items() if f == fmt]
    assert extensions and not set(extensions) & set(PICTURE_EXTENSIONS)
