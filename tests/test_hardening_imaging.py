"""The imaging plugin against a hostile run directory: one test per finding.

Large pictures that compress to almost nothing (a 16-bit PNG, a float TIFF, a
multi-frame DICOM, a slide without reduced levels) are read in a child process whose
address space is limited to 1.5 GB, killed after a timeout: each must be shown reduced,
or skipped with one warning. An annotation cell that made a backtracking pattern run
for days must be read at once; NaN, Infinity and coordinates off the picture must be
refused with a warning, not drawn; an annotation JSON that is a link must not be
followed, wherever it leads.
"""

from __future__ import annotations

import csv
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hardening_helpers import assert_one_line_errors, cli
from hypothesis import given, settings
from hypothesis import strategies as st
from imaging_helpers import (
    embedded_pictures,
    float_tiff_strips,
    limited_cli,
    photo,
    png16_rows,
    rle_dicom,
)

CLINICAL = "patient_id,sample_id,age,sex\nP1,S1,61,M\n"
MEMORY = 3 * 2**29  # 1.5 GB of address space for the whole run
TIMEOUT_S = 180  # a bound for a hang, not a speed test (each run takes seconds alone)
SIDE = 12_000  # 144 megapixels: under the plugin's limit of 150,000,000
MAX_SIDE = 1600  # the plugin's default imaging.max_side (docs/plugins/imaging.md)
SPACES = "arrow" + " " * 3000 + "x"


def _run_dir(root: Path) -> Path:
    (root / "images" / "P1").mkdir(parents=True)
    (root / "clinical.csv").write_text(CLINICAL)
    return root


def _bounded_run(run_dir: Path, out: Path) -> subprocess.CompletedProcess:
    result = limited_cli(run_dir, "-o", out, "-j", "1", "-m", "imaging", "-m", "cohort",
                         memory=MEMORY, timeout=TIMEOUT_S)
    assert_one_line_errors(result)
    return result


def _images_table(out: Path) -> list[dict[str, str]]:
    with open(out / "rinec_report_data" / "imaging_images.tsv", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _assert_shown_reduced(out: Path, result: subprocess.CompletedProcess, width: int, height: int) -> np.ndarray:
    """The picture is in the page at the display size, from a plane of the original size."""
    assert result.returncode == 0, result.stderr
    assert "image skipped" not in result.stderr, result.stderr
    rows = _images_table(out)
    assert [(int(r["width"]), int(r["height"])) for r in rows] == [(width, height)]
    pictures = embedded_pictures((out / "rinec_report.html").read_text())
    largest = max(pictures, key=lambda p: max(p.size))
    assert max(largest.size) == MAX_SIDE
    return np.asarray(largest.convert("L"), dtype=np.float64)


def _assert_horizontal_stripes(grey: np.ndarray) -> None:
    # Every source row holds one value and the rows differ: the shown picture must be
    # flat along each row and vary down the columns (not blank, not turned).
    assert grey.std(axis=1).max() < 3
    assert grey.std(axis=0).min() > 20


# ------------------------------------------------------------------ memory


def test_a_12000_pixel_16bit_png_is_shown_reduced_in_bounded_memory(tmp_path):
    run_dir = _run_dir(tmp_path / "run")
    png16_rows(run_dir / "images" / "P1" / "2019-05_MRI_large.png", SIDE, SIDE,
               lambda y: np.full(SIDE, (y % 256) * 200, np.uint16))
    assert (run_dir / "images" / "P1" / "2019-05_MRI_large.png").stat().st_size < 1_000_000
    result = _bounded_run(run_dir, tmp_path / "out")
    _assert_horizontal_stripes(_assert_shown_reduced(tmp_path / "out", result, SIDE, SIDE))


def test_a_12000_pixel_float_tiff_is_shown_reduced_in_bounded_memory(tmp_path):
    run_dir = _run_dir(tmp_path / "run")
    float_tiff_strips(run_dir / "images" / "P1" / "2019-05_CT_large.tif", SIDE, SIDE,
                      lambda y: np.full(SIDE, float(y % 100) / 7, np.float32))
    assert (run_dir / "images" / "P1" / "2019-05_CT_large.tif").stat().st_size < 2_000_000
    result = _bounded_run(run_dir, tmp_path / "out")
    _assert_horizontal_stripes(_assert_shown_reduced(tmp_path / "out", result, SIDE, SIDE))


def test_a_large_multiframe_16bit_dicom_is_shown_reduced_in_bounded_memory(tmp_path):
    # Four frames of 8000x8000 16-bit pixels: 512 MB decoded, 8 MB as RLE.
    run_dir = _run_dir(tmp_path / "run")
    rle_dicom(run_dir / "images" / "P1" / "ct.dcm", 8000, 4)
    result = _bounded_run(run_dir, tmp_path / "out")
    _assert_horizontal_stripes(_assert_shown_reduced(tmp_path / "out", result, 8000, 8000))


def test_a_slide_without_reduced_levels_is_one_warning_in_bounded_memory(tmp_path):
    # A tiled TIFF of 20000x20000 pixels and one level: OpenSlide's thumbnail would
    # decode all 400 megapixels (1.6 GB of RGBA) at once.
    import tifffile

    run_dir = _run_dir(tmp_path / "run")
    tile = np.full((256, 256, 3), 240, np.uint8)
    count = ((20_000 + 255) // 256) ** 2
    tifffile.imwrite(run_dir / "images" / "P1" / "2019-05_slide_HE.tif", (tile for _ in range(count)),
                     shape=(20_000, 20_000, 3), dtype="uint8", tile=(256, 256), photometric="rgb",
                     compression="zlib", metadata=None)
    photo(run_dir / "images" / "P1" / "2019-06_endoscopy.png")
    result = _bounded_run(run_dir, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    skipped = [line for line in result.stderr.splitlines() if "image skipped" in line]
    assert len(skipped) == 1 and "2019-05_slide_HE.tif" in skipped[0] and "150,000,000" in skipped[0]
    assert [r["file"] for r in _images_table(tmp_path / "out")] == ["images/P1/2019-06_endoscopy.png"]


def test_an_annotation_json_of_gigabytes_is_refused_without_reading_it(tmp_path):
    # A sparse 4 GB file where the annotations are expected: read whole, it would not
    # fit in the run's 1.5 GB.
    run_dir = _run_dir(tmp_path / "run")
    photo(run_dir / "images" / "P1" / "2019-05_MRI.png")
    with open(run_dir / "images" / "P1" / "2019-05_MRI.png.json", "wb") as fh:
        fh.truncate(4 * 2**30)
    result = _bounded_run(run_dir, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "annotations in 2019-05_MRI.png.json ignored: larger than 64 KB; not read" in result.stderr
    assert len(_images_table(tmp_path / "out")) == 1


# ------------------------------------------------------------------ annotations


def test_an_annotation_cell_of_spaces_is_read_at_once(tmp_path):
    sidecar = tmp_path / "images.tsv"
    sidecar.write_text(f"file\tannotations\nimages/P1/a.png\tcircle 5,6,7\nimages/P1/b.png\t{SPACES}\n")
    code = ("import sys; from rinec_plugins.imaging.meta import read_sidecar; "
            "rows = read_sidecar(sys.argv[1], 'images.tsv'); "
            "print(rows[0]['annotations']); print(rows[1].get('annotation_problem'))")
    child = subprocess.run([sys.executable, "-c", code, str(sidecar)], capture_output=True, text=True, timeout=10)
    assert child.returncode == 0, child.stderr
    drawn, problem = child.stdout.splitlines()
    assert drawn == "[{'type': 'circle', 'cx': 5.0, 'cy': 6.0, 'r': 7.0}]"
    assert problem.startswith("row 3, column 'annotations': 'arrow x' is not 'arrow x1,y1,x2,y2'")


def test_a_malformed_annotation_is_a_warning_naming_the_sidecar_and_row(tmp_path):
    run_dir = _run_dir(tmp_path / "run")
    photo(run_dir / "images" / "P1" / "2019-05_MRI.png")
    photo(run_dir / "images" / "P1" / "2019-06_CT.png")
    (run_dir / "images.tsv").write_text(
        "file\tannotations\n"
        f"images/P1/2019-05_MRI.png\t{SPACES}; circle 30,40,5\n"
        "images/P1/2019-06_CT.png\tarrow 1,2,3 'short'\n"
    )
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_one_line_errors(result)
    assert "images.tsv: row 2, column 'annotations': 'arrow x' is not" in result.stderr
    assert """images.tsv: row 3, column 'annotations': "arrow 1,2,3 'short'": arrow needs 4 numbers, got 3""" \
        in result.stderr
    page = (tmp_path / "out" / "rinec_report.html").read_text()
    assert '<circle cx="30" cy="40" r="5"' in page  # the good shape beside the bad one is drawn


def test_nan_infinity_and_off_picture_coordinates_are_refused_not_drawn(tmp_path):
    run_dir = _run_dir(tmp_path / "run")
    photo(run_dir / "images" / "P1" / "2019-05_MRI.png")  # 640 x 480
    photo(run_dir / "images" / "P1" / "2019-06_CT.png")
    (run_dir / "images.tsv").write_text(
        "file\tannotations\n"
        'images/P1/2019-05_MRI.png\t[{"type": "circle", "cx": NaN, "cy": 10, "r": 5}, '
        '{"type": "arrow", "x1": 1, "y1": 2, "x2": Infinity, "y2": 4}, '
        '{"type": "text", "x": -Infinity, "y": 4, "label": "gone"}, '
        '{"type": "circle", "cx": 30, "cy": 40, "r": 5}]\n'
    )
    (run_dir / "images" / "P1" / "2019-06_CT.png.json").write_text(
        '[{"type": "circle", "cx": "nan", "cy": 10, "r": 5}, {"type": "circle", "cx": 5000, "cy": 10, "r": 5},'
        ' {"type": "text", "x": 1e999, "y": 3, "label": "far"}, {"type": "circle", "cx": 60, "cy": 70, "r": 8}]'
    )
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_one_line_errors(result)
    page = (tmp_path / "out" / "rinec_report.html").read_text()
    overlays = "".join(re.findall(r'<svg class="rri-ann".*?</svg>', page, flags=re.S))
    assert '<circle cx="30" cy="40" r="5"' in overlays and '<circle cx="60" cy="70" r="8"' in overlays
    assert not re.search(r"nan|inf", overlays, flags=re.I), overlays
    assert "gone" not in overlays and "far" not in overlays and 'cx="5000"' not in overlays
    assert "images.tsv: row 2, column 'annotations': shape 1 (circle): 'cx' is nan, not a finite number" \
        in result.stderr
    assert "shape 2 (arrow): 'x2' is inf, not a finite number" in result.stderr
    assert "annotations in 2019-06_CT.png.json: shape 1 (circle): 'cx' is nan, not a finite number" in result.stderr
    assert "1 annotation outside the picture (640x480 pixels) left out" in result.stderr


def test_annotations_past_the_per_picture_limits_are_left_out_with_a_warning(tmp_path):
    from rinec_plugins.imaging import shapes

    cell = "; ".join(f"circle {i % 600},{i % 400},3" for i in range(1500))
    found = shapes.read(cell)
    assert len(found) == 1000
    assert found.problems == ["more than 1,000 shapes for one picture: the first 1,000 are read"]
    with pytest.raises(ValueError, match="more than 64 KB"):
        shapes.read("circle 1,2,3; " * 6000)  # 84,000 bytes
    assert len(shapes.read([{"type": "text", "x": 1, "y": 2}] * 1001)) == 1000


# ------------------------------------------------------------------ links


@pytest.mark.parametrize("where", ["outside", "inside"])
def test_an_annotation_json_that_is_a_link_is_not_followed(tmp_path, where):
    run_dir = _run_dir(tmp_path / "run")
    photo(run_dir / "images" / "P1" / "2019-05_MRI.png")
    photo(run_dir / "images" / "P1" / "2019-06_CT.png")
    target = tmp_path / "elsewhere.json" if where == "outside" else run_dir / "notes" / "labels.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text('[{"type": "text", "x": 5, "y": 5, "label": "LABEL-FROM-THE-LINK"}]')
    os.symlink(target, run_dir / "images" / "P1" / "2019-05_MRI.png.json")
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_one_line_errors(result)
    assert "annotations in 2019-05_MRI.png.json ignored: a link, not followed" in result.stderr
    assert "LABEL-FROM-THE-LINK" not in (tmp_path / "out" / "rinec_report.html").read_text()
    assert len(_images_table(tmp_path / "out")) == 2  # both pictures are still shown


def test_a_picture_or_dicom_that_became_a_link_after_the_scan_is_not_read(tmp_path):
    from imaging_helpers import DICOM, parse

    real = photo(tmp_path / "elsewhere" / "scan.png")
    os.symlink(real, tmp_path / "scan.png")
    os.symlink(DICOM / "CT_small.dcm", tmp_path / "ct.dcm")
    for name in ("scan.png", "ct.dcm"):
        result, messages = parse(tmp_path / name)
        assert result is None
        assert len(messages) == 1
        assert messages[0].startswith("image skipped: cannot read the file (a link, not followed")


def test_an_mrxs_slide_whose_folder_holds_a_link_is_not_handed_to_openslide(tmp_path):
    from imaging_helpers import parse

    (tmp_path / "slide.mrxs").write_text("[GENERAL]\n")
    (tmp_path / "slide").mkdir()
    (tmp_path / "slide" / "Slidedat.ini").write_text("[GENERAL]\n")
    os.symlink("/etc/passwd", tmp_path / "slide" / "Data0000.dat")
    result, messages = parse(tmp_path / "slide.mrxs")
    assert result is None
    assert messages == ["image skipped: cannot read the file (slide/Data0000.dat is a link, not followed)"]


_SHAPE_TEXT = st.text(alphabet=st.sampled_from(list("arowcieltx 0123456789.,-+eE;'\"nafIN\t")), max_size=400)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(text=_SHAPE_TEXT | st.text(max_size=200))
def test_any_annotation_text_gives_finite_shapes_or_a_one_line_reason(text):
    from rinec_plugins.imaging import shapes

    try:
        found = shapes.read(text)
    except ValueError as exc:
        assert "\n" not in str(exc)
        return
    assert len(found) <= shapes.MAX_SHAPES
    for shape in found:
        numbers = [v for k, v in shape.items() if k in shapes.KEYS[shape["type"]]]
        assert len(numbers) == len(shapes.KEYS[shape["type"]])
        assert all(math.isfinite(v) and abs(v) <= shapes.MAX_COORDINATE for v in numbers)
    assert all("\n" not in p for p in found.problems)
