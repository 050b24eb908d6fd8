"""Pictures, sidecars, paths, annotations, bad files, privacy and the size budget."""

from __future__ import annotations

import io
import warnings

import pytest
from imaging_helpers import options, parse, photo
from PIL import Image
from rinec_plugins.imaging import meta
from rinec_plugins.imaging.build import AT_DIAGNOSIS, FOLLOW_UP, combine
from rinec_plugins.imaging.encode import Choice, Encoded, Tile, fit
from rinec_plugins.imaging.parse import parse_file

# ---------------------------------------------------------------- privacy


def _gps_jpeg(path):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (22.0, 33.0, 12.0), "E", (114.0, 10.0, 5.0)
    return photo(path, exif=exif, quality=90)


@pytest.mark.parametrize("fmt", ["avif", "webp", "jpeg"])
def test_exif_and_gps_are_dropped(tmp_path, fmt):
    path = _gps_jpeg(tmp_path / "endo.jpg")
    with Image.open(path) as original:  # the input really carries them
        assert original.getexif().get_ifd(0x8825)[1] == "N"
    result, messages = parse(path, format=fmt)
    assert messages == []
    for encoded in [result.thumb, *result.levels]:
        assert b"Exif" not in encoded.data and b"PhoneMaker" not in encoded.data
        with Image.open(io.BytesIO(encoded.data)) as out:
            assert out.format == fmt.upper()
            assert len(out.getexif()) == 0
            assert "exif" not in out.info and "icc_profile" not in out.info and "xmp" not in out.info


def test_without_an_avif_encoder_the_pictures_are_webp_and_the_section_says_so_once(tmp_path, monkeypatch):
    # A Pillow built without libavif (a source build, Windows arm64 wheels): the default
    # format falls back to WebP at WebP's own quality, with one sentence in the section.
    from rinec_plugins.imaging import encode
    from rinec_plugins.imaging.build import combine
    from rinec_plugins.imaging.parse import parse_file
    from rinec_plugins.imaging.sections import sections

    monkeypatch.setattr(encode, "avif_available", lambda: False)
    run_dir = tmp_path / "run"
    relpath = "images/P1/2019-05_endoscopy.png"
    photo(run_dir / relpath)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed = parse_file(str(run_dir / relpath), relpath, "image", options())
        data = combine([parsed], options(), lambda raw: raw, str(run_dir))
    assert [str(w.message) for w in caught] == []
    for encoded in [parsed.thumb, *parsed.levels]:
        with Image.open(io.BytesIO(encoded.data)) as out:  # Pillow reads what was written
            assert out.format == "WEBP" and encoded.mime == "image/webp"
    timeline = sections(data, None)[0]
    said = [b.text for b in timeline.blocks if encode.NO_AVIF in str(getattr(b, "text", ""))]
    assert len(said) == 1 and said[0].count(encode.NO_AVIF) == 1
    # With the encoder, nothing is said.
    monkeypatch.setattr(encode, "avif_available", lambda: True)
    assert combine([parsed], options(), lambda raw: raw, str(run_dir))["_encoding_note"] == ""


def test_exif_orientation_is_applied_before_it_is_dropped(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = photo(tmp_path / "phone.jpg", size=(640, 480), exif=exif)
    result, _ = parse(path)
    assert (result.width, result.height) == (480, 640)
    assert (result.levels[0].width, result.levels[0].height) == (480, 640)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("name", "content", "start"),
    [
        ("empty.png", b"", "image skipped: not a readable image"),
        ("noise.jpg", bytes(range(256)) * 4, "image skipped: not a readable image"),
        ("text.dcm", b"hello, not DICOM\n" * 20, "image skipped: not a DICOM Part 10 file"),
    ],
)
def test_a_bad_file_is_one_warning(tmp_path, name, content, start):
    path = tmp_path / name
    path.write_bytes(content)
    result, messages = parse(path)
    assert result is None
    assert len(messages) == 1 and messages[0].startswith(start), messages
    assert str(tmp_path) not in messages[0]  # the core names the file; no absolute path here


def test_a_truncated_jpeg_is_one_warning(tmp_path):
    good = photo(tmp_path / "good.jpg", quality=90)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(good.read_bytes()[:2000])
    result, messages = parse(cut)
    assert result is None and len(messages) == 1 and messages[0].startswith("image skipped")


def test_bad_files_do_not_cost_the_others(tmp_path):
    (tmp_path / "images" / "P1").mkdir(parents=True)
    photo(tmp_path / "images" / "P1" / "2019-05_MRI.png")
    (tmp_path / "images" / "P1" / "2019-06_CT.png").write_bytes(b"broken")
    parsed = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for rel in ("images/P1/2019-05_MRI.png", "images/P1/2019-06_CT.png"):
            result = parse_file(str(tmp_path / rel), rel, "image", options())
            if result is not None:
                parsed.append(result)
        data = combine(parsed, options(), lambda raw: raw, str(tmp_path))
    assert len(caught) == 1
    assert list(data["images"]["file"]) == ["images/P1/2019-05_MRI.png"]


# ---------------------------------------------------------------- who and when


def test_the_path_says_patient_date_modality_marker_specimen():
    assert meta.from_path("images/P1/2019-05_MRI_progression.png") == {
        "patient_id": "P1", "date": "2019-05", "modality": "MRI", "caption": "progression"}
    assert meta.from_path("images/P2/2020-03_IHC_CK5-6_NEC.jpg") == {
        "patient_id": "P2", "date": "2020-03", "modality": "IHC", "marker": "CK5/6", "specimen": "NEC"}
    assert meta.from_path("scans/P3_20190612_endoscopy.jpg") == {
        "patient_id": "P3", "date": "2019-06-12", "modality": "Endoscopy"}
    assert meta.in_images_folder("a/Images/P1/x.png") and not meta.in_images_folder("images.png")


def test_sidecar_rows_resolve_paths_and_read_annotations(tmp_path):
    sidecar = tmp_path / "imaging" / "images.tsv"
    sidecar.parent.mkdir()
    sidecar.write_text(
        "File\tPatient\tDate\tModality\tAnnotations\n"
        "../scans/a.png\tP1\t2019/05/02\tCT\tarrow 1,2,3,4 'here'; circle 5,6,7\n"
        "b.png\tP2\tsoon\tMRI\tsquare 1,2\n",
        encoding="utf-8",
    )
    rows = meta.read_sidecar(str(sidecar), "imaging/images.tsv")
    assert rows[0]["file"] == "scans/a.png" and rows[0]["date"] == "2019-05-02"
    assert rows[0]["annotations"] == [
        {"type": "arrow", "x1": 1.0, "y1": 2.0, "x2": 3.0, "y2": 4.0, "label": "here"},
        {"type": "circle", "cx": 5.0, "cy": 6.0, "r": 7.0},
    ]
    assert rows[1]["file"] == "imaging/b.png"
    assert rows[1]["date_problem"] == "row 3, column 'date': 'soon' is not a date"
    assert rows[1]["annotation_problem"].startswith("row 3, column 'annotations': 'square 1,2' is not")


def test_sidecar_from_xlsx(tmp_path):
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["file", "patient_id", "date", "modality", "marker", "specimen"])
    sheet.append(["P1/x.jpg", "P1", dt.datetime(2018, 9, 20), "IHC", "SYN", "nec"])
    book.save(tmp_path / "images.xlsx")
    rows = meta.read_sidecar(str(tmp_path / "images.xlsx"), "images/images.xlsx")
    assert rows == [{"row": 2, "file": "images/P1/x.jpg", "patient_id": "P1", "date": "2018-09-20",
                     "modality": "IHC", "marker": "SYN", "specimen": "nec"}]


def test_json_annotations_beside_the_image(tmp_path):
    path = photo(tmp_path / "images" / "P3" / "2019-06_MRI.png")
    (tmp_path / "images" / "P3" / "2019-06_MRI.png.json").write_text(
        '{"annotations": [{"type": "arrow", "x1": 10, "y1": 10, "x2": 50, "y2": 60, "label": "<b>met</b>"}]}')
    result, messages = parse(path, "images/P3/2019-06_MRI.png")
    assert messages == []
    assert result.annotations == [{"type": "arrow", "x1": 10.0, "y1": 10.0, "x2": 50.0, "y2": 60.0,
                                   "label": "<b>met</b>"}]


def _combine(tmp_path, files, sidecar=None, resolve=lambda raw: raw if raw.startswith("P") else None, **kw):
    parsed = []
    if sidecar:  # there before the scan: a worker of a picture outside images/ looks it up
        (tmp_path / "images").mkdir(parents=True, exist_ok=True)
        (tmp_path / "images" / "images.tsv").write_text(sidecar)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for rel in files:
            result = parse_file(str(tmp_path / rel), rel, "image", options())
            if result is not None:
                parsed.append(result)
        if sidecar:
            parsed.append(parse_file(str(tmp_path / "images/images.tsv"), "images/images.tsv", "sidecar", options()))
        data = combine(parsed, options(), resolve, str(tmp_path), **kw)
    return data, [str(w.message) for w in caught]


def test_sidecar_wins_over_the_path_and_time_points_follow_the_diagnosis(tmp_path):
    for rel in ("images/P1/2018-09_MRI.png", "images/P1/2019-05_MRI.png", "images/X/2019-01_CT.png",
                "elsewhere/scan.png"):
        photo(tmp_path / rel)
    sidecar = "file\tpatient_id\tdate\tmodality\n../elsewhere/scan.png\tP1\t2018-10-01\tendoscopy\n"
    data, messages = _combine(tmp_path, ["images/P1/2018-09_MRI.png", "images/P1/2019-05_MRI.png",
                                         "images/X/2019-01_CT.png", "elsewhere/scan.png"], sidecar,
                              diagnosis_dates={"P1": "2018-09-20"})
    assert messages == ["images/X/2019-01_CT.png: unknown patient; the image is left out"]
    table = data["images"]
    assert list(zip(table["file"], table["date"], table["modality"], table["time_point"], strict=True)) == [
        ("images/P1/2018-09_MRI.png", "2018-09", "MRI", AT_DIAGNOSIS),
        ("elsewhere/scan.png", "2018-10-01", "Endoscopy", AT_DIAGNOSIS),  # 11 days after diagnosis
        ("images/P1/2019-05_MRI.png", "2019-05", "MRI", FOLLOW_UP),
    ]


def test_an_image_outside_images_is_ignored_unless_named(tmp_path):
    photo(tmp_path / "images" / "P1" / "2019-05_MRI.png")
    photo(tmp_path / "logo.png")
    data, messages = _combine(tmp_path, ["images/P1/2019-05_MRI.png", "logo.png"])
    assert messages == [] and list(data["images"]["file"]) == ["images/P1/2019-05_MRI.png"]


def test_a_sidecar_reads_no_image_outside_the_run_directory(tmp_path):
    # Nothing outside the run directory is read by default: not by an absolute path,
    # not by climbing with '..', not through a link (unless links out are allowed).
    run_dir = tmp_path / "run"
    outside = tmp_path / "outside.png"
    photo(outside)
    photo(run_dir / "images" / "P1" / "2019-05_MRI.png")
    (run_dir / "scans").mkdir()
    (run_dir / "scans" / "linked.png").symlink_to(outside)
    sidecar = f"file\tpatient_id\n{outside}\tP1\n../../outside.png\tP1\n../scans/linked.png\tP1\n"
    data, messages = _combine(run_dir, ["images/P1/2019-05_MRI.png"], sidecar)
    assert list(data["images"]["file"]) == ["images/P1/2019-05_MRI.png"]
    # '..' stops at the run directory: row 3 names outside.png inside it, which is not there.
    assert [m.split(": ", 1)[0] for m in messages] == [f"images/images.tsv row {r}" for r in (2, 3, 4)]
    assert [m.endswith("outside the run directory; not read") for m in messages] == [True, False, True]
    # With links out allowed, the scan hands the link's target over as scans/linked.png,
    # and its own worker decodes it (the main process decodes nothing).
    parsed = [parse_file(str(run_dir / "images/P1/2019-05_MRI.png"), "images/P1/2019-05_MRI.png", "image",
                         options()),
              parse_file(str(outside), "scans/linked.png", "image", options()),
              parse_file(str(run_dir / "images/images.tsv"), "images/images.tsv", "sidecar", options())]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = combine(parsed, options(), lambda raw: raw, str(run_dir), links_outside=True)
    assert list(data["images"]["file"]) == ["images/P1/2019-05_MRI.png", "scans/linked.png"]
    assert len(caught) == 2, [str(w.message) for w in caught]


# ---------------------------------------------------------------- the budget


def _enc(size: int, width: int = 10, height: int = 10) -> Encoded:
    return Encoded(width, height, b"x" * (size * 3 // 4), "image/webp")  # base64 size == size


def test_budget_steps_down_the_largest_first_then_drops():
    # Sizes in page bytes (base64), counted by hand: thumbnails 12 each, drawn from the
    # display images (as large as they are) while those are in, so not counted; displays
    # a 1000 (or 400), b 600 (or 300), c 200; c's zoom tiles 500. All in: 1800 + 500 = 2300.
    def choices():
        return [
            Choice("a", _enc(12), [_enc(1000), _enc(400)], []),
            Choice("b", _enc(12), [_enc(600), _enc(300)], []),
            Choice("c", _enc(12), [_enc(200)], [Tile(0, 0, 1, 1, _enc(500))]),
        ]

    everything = choices()
    report = fit(everything, 2500)
    assert (report.total, report.downscaled, report.tiles_dropped) == (2300, 0, 0)
    assert all(c.thumb_shared for c in everything)

    # 2000: the tiles go first (1800).
    report = fit(choices(), 2000)
    assert (report.total, report.downscaled, report.tiles_dropped) == (1800, 0, 1)

    # 1300: then the largest display, a, steps down to 400 (1200).
    reduced = choices()
    report = fit(reduced, 1300)
    assert [c.level for c in reduced] == [1, 0, 0] and not reduced[2].keep_tiles
    assert (report.total, report.downscaled) == (1200, 1)

    # 1000: then b, now the largest, steps down to 300 (900).
    tight = choices()
    report = fit(tight, 1000)
    assert [c.level for c in tight] == [1, 1, 0] and (report.total, report.downscaled) == (900, 2)

    # 30: displays go, largest first (a, b, c), each leaving its thumbnail (36 left), then
    # whole images from the page's end (c: 24).
    tiny = choices()
    report = fit(tiny, 30)
    assert (report.display_dropped, report.not_embedded, report.total) == (3, 1, 24)
    assert [c.embedded for c in tiny] == [True, True, False]
    assert [c.bytes for c in tiny] == [12, 12, 0]


def test_the_budget_counts_a_thumbnail_once_the_display_cannot_stand_for_it():
    # A thumbnail of 200x150 (48 bytes) and displays of 400x300 (300) and 100x75 (60), by
    # hand: at 400x300 the display is the thumbnail (300 in the page); stepped to 100x75 it
    # is smaller than the thumbnail, whose own encoding comes back (60 + 48 = 108).
    def choice():
        return Choice("d", _enc(48, 200, 150), [_enc(300, 400, 300), _enc(60, 100, 75)], [])

    whole = choice()
    assert fit([whole], 1000).total == 300 and whole.bytes == 300 and whole.thumb_shared
    stepped = choice()
    report = fit([stepped], 200)
    assert (report.total, report.downscaled, stepped.level, stepped.thumb_shared) == (108, 1, 1, False)
    # A display no larger than its thumbnail (a 3x3 picture: both 3x3, 8 bytes) is never
    # dropped for it, which would gain nothing: the image is left out instead.
    small = Choice("e", _enc(8, 3, 3), [_enc(8, 3, 3)], [])
    report = fit([small], 4)
    assert (report.display_dropped, report.not_embedded, report.total) == (0, 1, 0)


def test_a_picture_over_the_pixel_bound_is_one_warning(tmp_path, monkeypatch):
    from rinec_plugins.imaging import decode

    monkeypatch.setattr(decode, "MAX_PIXELS", 100_000)  # the real bound is 150 MP: too big for a test
    result, messages = parse(photo(tmp_path / "big.png", size=(640, 480)))
    assert result is None
    assert messages == ["image skipped: image of 640x480 pixels, more than 100,000"]
