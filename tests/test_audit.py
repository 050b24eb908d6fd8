"""``rinec-report audit``: its recall on identifiers planted in an identified report,
and its silence on the de-identified example."""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from audit_helpers import SVG, Attach, dicom_with, jpeg_with_exif, png_with_text
from hardening_helpers import cli

import rinec_report
from rinec_report import Pattern, Section, Table, hookimpl
from rinec_report.audit import audit

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "example_run"

CLINICAL = (
    "patient_id,full_name,mrn,street,phone,email,gp,sex,age,age_at_diagnosis,birth_date,notes\n"
    "P1,John Smith,4410021,12 Baker Street,555-123-4567,john.smith@example.org,Dr Amelia Hartwell,male,97,96,"
    "1961-03-14,seen on March 14th 1961\n"
    "P2,Mary Fitzgerald,4410022,7 Elm Road,555-987-6543,mary.fitz@example.net,Dr Kofi Mensah,female,101,99,"
    "1923-11-02,review 14.03.61 and 3/14/61\n"
    "P3,Hans Zimmermann,4410023,Hauptstraße 5,+49 30 1234 5678,hans.z@example.de,Dr Wei Lindqvist,male,64,60,"
    "1958-07-30,O'Brien & Müller\n"
)
VISITS = "patient_id\tremark\nP1\tReferred by Dr Okonkwo\nP2\tcalled the daughter Annika\n"

# Hand list: each planted value, as written into the run directory, and the kind of
# finding that must name it (pattern kinds for shapes, "text" for input values).
PLANTED = [
    ("John Smith", "text"), ("Mary Fitzgerald", "text"), ("Hans Zimmermann", "text"),
    ("4410021", "digits"), ("4410022", "digits"),
    ("12 Baker Street", "street"), ("7 Elm Road", "street"), ("Hauptstraße 5", "street"),
    ("555-123-4567", "phone"), ("+49 30 1234 5678", "phone"),
    ("john.smith@example.org", "email"), ("mary.fitz@example.net", "email"),
    ("Dr Amelia Hartwell", "text"), ("Dr Kofi Mensah", "text"),
    ("97", "age"), ("101", "age"), ("96", "age"), ("99", "age"),
    ("1961-03-14", "date"), ("March 14th 1961", "date"), ("14.03.61", "date"), ("3/14/61", "date"),
    ("O'Brien & Müller", "text"),
    ("Referred by Dr Okonkwo", "text"), ("called the daughter Annika", "text"),
    ("Jane Roe-Planted", "text"), ("patient Peter Planted", "text"), ("Ingrid Itxt-Planted", "text"),
    ("Dr Exif Planted", "text"), ("Exif Description Planted", "text"), ("a comment by Nurse Comment", "text"),
    ("Dicom^Planted", "text"),
]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def planted_run(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "clinical.csv").write_text(CLINICAL, encoding="utf-8")
    (root / "visits_rr.tsv").write_text(VISITS)
    (root / "scan_rr.svg").write_text(SVG)
    (root / "chart_rr.png").write_bytes(png_with_text({
        "Author": ("tEXt", "Jane Roe-Planted"), "Comment": ("zTXt", "patient Peter Planted"),
        "Description": ("iTXt", "Ingrid Itxt-Planted")}))
    (root / "attach_photo.jpg").write_bytes(jpeg_with_exif("Dr Exif Planted", "Exif Description Planted",
                                                           "2019:05:06 10:11:12", "a comment by Nurse Comment"))
    (root / "attach_scan.dcm").write_bytes(dicom_with("Dicom^Planted", "19610314"))
    return root


def _report(run_dir: Path, out: Path, **kw: object) -> rinec_report.results.Report:
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        return rinec_report.run(run_dir, outdir=out, force=True, extra_plugins={"attach": Attach()}, **kw)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("audit_planted")
    run_dir = planted_run(tmp / "run")
    page_only = _report(run_dir, tmp / "page_only", data_dir=False)
    with_data = _report(run_dir, tmp / "with_data")
    return run_dir, page_only.html_path, with_data.html_path


def _missing(hits, expected: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(value, kind) for value, kind in expected
            if not any(h.kind == kind and _fold(value) in _fold(h.value) for h in hits)]


def test_every_planted_identifier_is_found_in_a_page_without_its_data_folder(planted) -> None:
    run_dir, page, _ = planted
    assert not (page.parent / "rinec_report_data").exists()
    result = audit(page, run_dir, extra_plugins={"attach": Attach()})
    assert _missing(result.findings, PLANTED) == []


def test_each_payload_and_the_summary_are_named_as_the_place_of_a_finding(planted) -> None:
    run_dir, page, _ = planted
    hits = audit(page, run_dir, extra_plugins={"attach": Attach()}).findings

    def found_at(value: str, place: str) -> bool:
        return any(_fold(value) in _fold(h.value) and place in h.context for h in hits)

    assert found_at("1961-03-14", "image/svg+xml payload, SVG")  # the SVG's <text>
    assert found_at("4410021", "image/svg+xml payload, SVG")
    assert found_at("Peter Planted", "image/png payload, PNG, text 'Comment'")  # zTXt
    assert found_at("Ingrid Itxt-Planted", "image/png payload, PNG, text 'Description'")  # iTXt
    assert found_at("Dr Exif Planted", "image/jpeg payload, JPEG, EXIF Artist")
    assert found_at("Nurse Comment", "image/jpeg payload, JPEG, text 'comment'")
    assert any(h.kind == "date" and h.value == "2019:05:06" and h.context.endswith("EXIF Exif DateTimeOriginal")
               for h in hits)
    assert found_at("Dicom^Planted", "application/dicom payload, DICOM, PatientName")
    assert found_at("Referred by Dr Okonkwo", "table 'report_summary'")  # a custom column in the summary
    # Table 1 shows the note as the page escapes it: O&#39;Brien &amp; Müller.
    assert "O&#39;Brien &amp; Müller" in page.read_text(encoding="utf-8")
    assert found_at("O'Brien & Müller", "section 'cohort-table', row 'Notes'")


def test_the_data_folder_is_searched_file_by_file(planted) -> None:
    run_dir, _, page = planted
    hits = audit(page, run_dir, extra_plugins={"attach": Attach()}).findings
    data = [h for h in hits if h.where.startswith("rinec_report_data/")]
    assert _missing(data, [("john.smith@example.org", "email"), ("O'Brien & Müller", "text"), ("97", "age"),
                           ("P1", "patient")]) == []
    assert any(h.where == "rinec_report_data/cohort_patients.tsv" and h.context == "column 'email'" for h in data)


def test_the_command_names_kinds_not_values_unless_verbose(planted, tmp_path: Path) -> None:
    run_dir, page, _ = planted
    # A run directory without the test plugin: the command loads only installed plugins.
    plain_run = tmp_path / "run"
    shutil.copytree(run_dir, plain_run, ignore=shutil.ignore_patterns("attach_*"))
    done = cli("audit", page, "--run-dir", plain_run)
    assert done.returncode == 1, done.stderr
    assert "e-mail address" in done.stdout and "john.smith" not in done.stdout
    assert "John Smith" not in done.stdout + done.stderr
    verbose = cli("audit", page, "--run-dir", plain_run, "-v", "--json")
    assert verbose.returncode == 1
    findings = json.loads(verbose.stdout)["findings"]
    assert {"file": "rinec_report.html", "kind": "email", "value": "john.smith@example.org"}.items() <= next(
        f for f in findings if f["kind"] == "email").items()
    usage = cli("audit", page)  # no --run-dir
    assert usage.returncode == 2 and "--run-dir" in usage.stderr


class Wards:
    """A plugin whose ward names are declared (or not) as a category. Its input's header
    is not the field it declares (``Station`` is published as ``ward_name``), as the
    cohort plugin reads ``NEC chemo`` as ``nec_chemo`` and ``Gender`` as ``sex``."""

    def __init__(self, kind: str | None) -> None:
        self.kind = kind

    @hookimpl
    def rinec_patterns(self):
        return [Pattern("wards", glob="wards.csv")]

    @hookimpl
    def rinec_parse(self, file):
        return pd.read_csv(file.path, dtype=str).rename(columns={"Station": "ward_name"})

    @hookimpl
    def rinec_datasets(self, files):
        return {"wards": pd.concat([f.data for f in files])}

    @hookimpl
    def rinec_identifiers(self):
        return {"ward_name": self.kind} if self.kind else {}

    @hookimpl
    def rinec_sections(self, data):
        return [Section("wards", "Wards", blocks=[Table("wards", data["wards"])])]


@pytest.mark.parametrize(("declared", "found"), [(None, True), ("text", True), ("category", False),
                                                 ("measure", False)])
def test_a_field_declared_safe_is_not_looked_for(tmp_path: Path, declared: str | None, found: bool) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "wards.csv").write_text("Station,beds\nLindqvist Pavilion,12\nOkafor Wing,9\n")
    plugins = {"wards": Wards(declared)}
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        report = rinec_report.run(run_dir, outdir=tmp_path / "out", force=True, extra_plugins=plugins,
                                  plugins=("wards",))
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    values = {h.value for h in audit(report.html_path, run_dir, extra_plugins=plugins).findings}
    assert ("Lindqvist Pavilion" in values) is found and ("Okafor Wing" in values) is found


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("audit_example")
    run_dir = tmp / "run"
    shutil.copytree(EXAMPLE, run_dir)
    done = cli(run_dir, "-o", tmp / "shared", "--deidentify", "--force")
    assert done.returncode == 0, done.stderr
    return run_dir, tmp / "shared" / "rinec_report.html"


def test_the_deidentified_example_shows_no_id_date_name_or_shape(example) -> None:
    run_dir, page = example
    result = audit(page, run_dir)
    assert result.unread == [] and result.inputs_unread == []
    assert [h.line(True) for h in result.findings if h.kind != "text"] == []


def test_the_deidentified_example_passes_the_audit(example) -> None:
    run_dir, page = example
    done = cli("audit", page, "--run-dir", run_dir)
    assert done.returncode == 0, done.stdout
    assert done.stdout == "" and "no identifier found" in done.stderr


def test_a_clean_report_gets_one_all_clear_line(tmp_path: Path) -> None:
    from hardening_helpers import make_run

    run_dir = make_run(tmp_path / "run")
    page = tmp_path / "out" / "rinec_report.html"
    page.parent.mkdir()
    page.write_text("<!doctype html><html><body><p>Cohort of 2 patients, day 0 to day 312.</p></body></html>")
    done = cli("audit", page, "--run-dir", run_dir)
    assert done.returncode == 0, done.stdout
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1 and "no identifier found" in done.stderr
    as_json = cli("audit", page, "--run-dir", run_dir, "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["clean"] is True


def test_a_json_input_s_keys_are_its_schema_unless_they_may_say_who(tmp_path: Path) -> None:
    from rinec_report.audit_values import Wanted, _metadata

    path = tmp_path / "multiqc_data.json"
    path.write_text(json.dumps({"report_plot_data": {"config": {"title": "Duplicates"}},
                                "report_general_stats_data": [{"Jane Doe": {"pct": 1}, "P0042": {"pct": 2}}]}))
    out = Wanted()
    _metadata(str(path), path.name, lambda field: None, out)
    out.without_headers()
    # Layout keys are not looked for; a key with a digit or two capitalised words still is.
    assert "report_plot_data" not in out.values["text"] and "config" not in out.values["text"]
    assert {"Jane Doe", "P0042", "Duplicates"} <= out.values["text"]


def test_a_deidentified_report_with_multiqc_data_is_not_held_to_multiqc_s_layout(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(EXAMPLE, run_dir)
    mqc = Path(__file__).resolve().parent / "data" / "multiqc" / "1.21" / "multiqc_data"
    shutil.copytree(mqc, run_dir / "multiqc_data")
    done = cli(run_dir, "-o", tmp_path / "shared", "--deidentify", "--force")
    assert done.returncode == 0, done.stderr
    result = audit(tmp_path / "shared" / "rinec_report.html", run_dir)
    found = {h.value for h in result.findings}
    # MultiQC's JSON keys without a digit (read here with json, not by the audit) are its layout.
    document = json.loads((mqc / "multiqc_data.json").read_text())
    keys, stack = set(), [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            keys |= {k for k in value if not any(c.isdigit() for c in k)}
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    assert found & {"report_plot_data", "config", "columns", "title"} == set()
    assert not found & {k for k in keys if k.islower() and "_" in k}
    # The software versions table lists tools, not samples.
    assert not [h for h in result.findings if h.kind == "sample"]
