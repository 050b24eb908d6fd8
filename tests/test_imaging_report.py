"""The imaging plugin inside whole runs: the example's sections and table, privacy, bad files."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pydicom
from conftest import EXAMPLE_RUN
from imaging_helpers import DICOM, photo

from rinec_report import run

COLUMNS = ["patient_id", "date", "time_point", "modality", "marker", "specimen", "caption", "file", "sha256",
           "width", "height", "embedded_bytes"]


def test_example_images_table(example_report: Path) -> None:
    table = pd.read_csv(example_report.parent / "rinec_report_data" / "imaging_images.tsv", sep="\t",
                        dtype=str, keep_default_na=False)
    assert list(table.columns) == COLUMNS
    # Counted by hand from example_run/images: P1 11 (the 4-slice MRI series once), P2 8, P3 2.
    assert table["patient_id"].value_counts().to_dict() == {"P1": 11, "P2": 8, "P3": 2}
    for row in table.itertuples():
        assert row.sha256 == hashlib.sha256((EXAMPLE_RUN / row.file).read_bytes()).hexdigest()
    mri = table[table["modality"] == "MRI"].set_index("date")
    # The annotated slice stands for P1's diagnostic series (images.tsv annotates slice2).
    assert mri.loc["2018-09", "file"] == "images/P1/2018-09_MRI/slice2.dcm"
    assert mri.loc["2018-09", "time_point"] == "At diagnosis"  # NEC diagnosed 2018-09-20
    assert mri.loc["2019-05", "time_point"] == "Follow-up"
    assert mri.loc["2019-06", "patient_id"] == "P3"
    # P2's NEC was diagnosed 2020-03-09: its pathology images of 2020-03 are at diagnosis.
    assert set(table[(table["patient_id"] == "P2") & (table["date"] == "2020-03")]["time_point"]) == {"At diagnosis"}
    assert int(table["embedded_bytes"].astype(int).sum()) < 20_000_000


def test_example_page_keeps_headers_out(example_report: Path) -> None:
    from page_helpers import page_text

    html = page_text(example_report.read_text(encoding="utf-8"))  # the timeline chart's JSON too
    ds = pydicom.dcmread(EXAMPLE_RUN / "images" / "P1" / "2019-05_MRI_progression.dcm")
    for secret in (str(ds.PatientName), str(ds.InstitutionName), str(ds.PatientBirthDate), "SyntheticScope",
                   "Endo-1"):
        assert secret not in html
    assert "text burned into the pixels" in html
    assert 'id="imaging-timeline"' in html and 'id="imaging-pathology"' in html
    # The IHC score of P1's NEC CD56 from the ihc plugin: intensity 3 x percentage score 4 (85%) = 12, +++.
    assert "CD56: score 12 (+++)" in html


def test_bad_files_each_cost_one_warning_and_nothing_else(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    images = run_dir / "images"
    photo(images / "P1" / "2019-05_MRI.png")
    (images / "P1" / "2019-06_CT.png").parent.mkdir(parents=True, exist_ok=True)
    (images / "P1" / "2019-06_CT.png").write_bytes(b"not a picture")
    shutil.copy(DICOM / "rtplan.dcm", images / "P1" / "plan.dcm")
    shutil.copy(DICOM / "MR_small.dcm", images / "mr.dcm")  # PatientID 4MR1, a patient the run does not know
    (run_dir / "clinical.csv").write_text("patient_id,age\nP1,60\n", encoding="utf-8")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["cohort", "imaging"])
    imaging = sorted(m.line() for m in report.messages if m.plugin == "imaging")
    assert imaging == [
        "imaging: images/P1/2019-06_CT.png: image skipped: not a readable image (unknown image format)",
        "imaging: images/P1/plan.dcm: image skipped: DICOM without pixel data (RTPLAN object: nothing to show)",
        "imaging: images/mr.dcm: unknown patient; the image is left out",
    ]
    assert report.errors == []
    assert list(report.tables["imaging_images"]["file"]) == ["images/P1/2019-05_MRI.png"]
    assert "cohort_patients" in report.tables  # the other plugin is unaffected
    assert not any("4MR1" in line for line in imaging)  # the id itself stays out of the plugin's message


def test_a_run_without_a_clinical_table_takes_dicom_patient_ids(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    (run_dir / "scans").mkdir(parents=True)
    shutil.copy(DICOM / "MR_small.dcm", run_dir / "scans" / "mr.dcm")
    shutil.copy(DICOM / "CT_small.dcm", run_dir / "scans" / "ct.dcm")
    # Outside images/: only what the sidecar names is read.
    (run_dir / "images.csv").write_text("file,caption\nscans/mr.dcm,head\n", encoding="utf-8")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"])
    table = report.tables["imaging_images"]
    assert list(zip(table["patient_id"], table["date"], table["modality"], table["caption"], strict=True)) == [
        ("4MR1", "2004-08-26", "MRI", "head")]


def test_text_from_input_files_is_escaped(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    photo(run_dir / "images" / "P1" / "2019-05_MRI.png")
    (run_dir / "images" / "images.tsv").write_text(
        "file\tcaption\tmarker\tannotations\n"
        "P1/2019-05_MRI.png\t<script>alert(1)</script>\t<b>x</b>\ttext 10,10 '<img src=x onerror=alert(2)>'\n",
        encoding="utf-8")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=["imaging"])
    html = report.html_path.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html


def test_a_deidentified_report_carries_no_pixels(tmp_path: Path) -> None:
    report = run(EXAMPLE_RUN, outdir=tmp_path, force=True, plugins=["cohort", "ihc", "imaging"], deidentify=True)
    assert report.errors == []
    html = report.html_path.read_text(encoding="utf-8")
    assert "data:image/" not in html and "rri-data" not in html
    assert "left out of this de-identified report" in html
    table = report.tables["imaging_images"]
    assert len(table) == 21 and "P1" not in set(table["patient_id"])  # pseudonyms
    assert "caption" not in table.columns  # free text, declared so: dropped
    assert not table["date"].astype(str).str.fullmatch(r"\d{4}-\d{2}(-\d{2})?").any()  # no calendar dates
