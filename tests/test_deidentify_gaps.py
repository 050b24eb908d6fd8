"""De-identification of what is not a table column: identifiers planted in cells a warning
quotes, in a custom table's file name, an image caption, a gene-set library's term names, a
clinical track and a survival group of a column nobody declares safe. None may reach the
shared page (raw, unescaped, decoded data: URIs) nor its data folder, and the audit of the
shared report finds nothing; the identified report of the same run shows them all."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest
from deid_helpers import make_cohort, readings

import rinec_report
from rinec_report.audit import audit

# Planted by hand, one per place (lower case is compared).
AGE_NAME, AGE_MRN = "John Smith", "MRN4410021"  # two cells of the age column
IHC_CELL = "Zelda Fitzwilliam"  # an IHC intensity
SPECIMEN = "Fairweather block NEC"  # an IHC specimen label, read as an NEC
STRANGER = "Gilchrist-0077"  # an IHC patient the clinical table does not know
STATUS_CODE = "Quigley"  # an OS status code
CUSTOM_FILE = "John_Smith_MRN4410021_rr.tsv"
CUSTOM_CELL = "Nurse Abernathy"  # a custom table's numeric column
CAPTION = "Dr Thistlewood"  # an image sidecar's caption
MISSING_IMAGE = "Barnaby_Cartwright.jpg"  # a picture the sidecar names and the run directory lacks
TERM, TERM_TEXT = "HARGREAVES_FAMILY_SET", "Hargreaves family set"  # a GMT term
GMT_FILE = "Pennywhistle_family.gmt"  # a gene-set library named after someone, with an empty set
ARMS = ("Okonkwo arm", "Pemberton arm")  # a column of the user's own, a track and a group_by
PLANTED = [AGE_NAME, AGE_MRN, IHC_CELL, STATUS_CODE, "John_Smith", "john smith mrn", CUSTOM_CELL, CAPTION,
           "Thistlewood", "Fairweather", "Cartwright", STRANGER, "Gilchrist", "Pennywhistle", TERM, *ARMS,
           "Okonkwo", "Pemberton"]



def plant(run_dir: Path) -> None:
    cohort = make_cohort(run_dir, n=20, seed=5)
    path = run_dir / "clinical.csv"
    rows = list(csv.DictReader(path.open()))
    for i, row in enumerate(rows):
        row["trt"] = ARMS[i % 2]
        row["os_event"] = {0: "died", 1: "alive"}.get(i % 2)
    rows[2]["age"], rows[4]["age"] = AGE_NAME, AGE_MRN
    rows[6]["os_event"] = STATUS_CODE
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    ihc = (run_dir / "ihc_scores.csv").read_text().splitlines()
    first = ihc[1].split(",")
    ihc[1] = ",".join([*first[:3], IHC_CELL, first[4]])
    for i in (3, 4):  # both markers of the second patient
        cells = ihc[i].split(",")
        ihc[i] = ",".join([cells[0], SPECIMEN, *cells[2:]])
    ihc.append(f"{STRANGER},NEC,CD56,2,40")
    (run_dir / "ihc_scores.csv").write_text("\n".join(ihc) + "\n")
    ids = cohort["patients"]
    custom = ["patient_id\tdose_gy"] + [f"{p}\t{40 + i}" for i, p in enumerate(ids[:8])]
    custom[3] = f"{ids[2]}\t{CUSTOM_CELL}"
    (run_dir / CUSTOM_FILE).write_text("\n".join(custom) + "\n")
    sidecar = (run_dir / "images" / "images.tsv").read_text().splitlines()
    cells = sidecar[1].split("\t")
    sidecar[1] = "\t".join([*cells[:4], CAPTION])
    sidecar.append("\t".join([MISSING_IMAGE, *cells[1:4], "slide lost in transit"]))
    (run_dir / "images" / "images.tsv").write_text("\n".join(sidecar) + "\n")
    genes = sorted({line.split("\t")[3].strip() for line in (run_dir / "panel.bed").read_text().splitlines()
                    if line.count("\t") >= 3})
    (run_dir / GMT_FILE).write_text(f"{TERM}\t{TERM_TEXT}\t" + "\t".join(genes[:400]) + "\nEMPTY_SET\tnone\n")
    (run_dir / "rinec_report.yaml").write_text(
        "survival:\n  group_by: [sex, trt]\nvariants:\n  clinical_tracks: [sex, trt]\n")


def _run(run_dir: Path, out: Path, **kw: object) -> rinec_report.results.Report:
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        return rinec_report.run(run_dir, outdir=out, force=True, command_line="rinec-report run", **kw)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]




@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("gaps")
    plant(tmp / "run")
    plain = _run(tmp / "run", tmp / "plain")
    shared = _run(tmp / "run", tmp / "shared", deidentify=True)
    return tmp / "run", plain, shared


def test_the_identified_report_shows_what_was_planted(planted) -> None:
    # The checks below must be able to fail: the same run, not de-identified, has each one.
    _, plain, _ = planted
    everything = " ".join(readings(plain).values()).lower()
    missing = [v for v in PLANTED if v.lower() not in everything]
    assert not missing


def test_no_planted_value_reaches_the_shared_page_or_data_folder(planted) -> None:
    _, _, shared = planted
    for where, text in readings(shared).items():
        lowered = text.lower()
        found = [v for v in PLANTED if v.lower() in lowered]
        assert not found, f"{where} holds {found}"


def test_messages_keep_their_column_names_not_their_cells(planted) -> None:
    _, plain, shared = planted
    said = [m.text for m in plain.messages if AGE_MRN in m.text]
    assert said and "'age'" in said[0]
    redacted = [m.text for m in shared.messages if "'age'" in m.text and "could not be read" in m.text]
    assert redacted and "'[value]'" in redacted[0]


def test_one_track_and_one_group_are_left_out_not_the_charts(planted) -> None:
    _, _, shared = planted
    notes = " ".join(b.text for _, s in shared.sections for b in s.blocks if type(b).__name__ == "Note")
    assert "Clinical track(s) left out of this de-identified report: trt" in notes
    assert "Not compared in this de-identified report: by trt" in notes
    sections = {f"{p}/{s.id}": s for p, s in shared.sections}
    charts = [b for b in sections["variants/oncoplot"].blocks if type(b).__name__ == "Chart"]
    assert charts, "the oncoplot is drawn"
    assert '"sex"' in str(charts[0].spec).replace("'", '"') or "Sex" in str(charts[0].spec)
    grouped = [b for b in sections["survival/groups"].blocks if type(b).__name__ == "Chart"]
    assert grouped and all(" by sex" in (b.spec.get("title") or b.title or str(b.spec)) for b in grouped)


def test_custom_titles_are_neutral(planted) -> None:
    _, _, shared = planted
    titles = [s.title for p, s in shared.sections if p == "custom"]
    assert titles == ["Custom table 1"]
    assert "custom_table-1" in shared.tables


def test_the_audit_finds_nothing_in_the_shared_report(planted) -> None:
    run_dir, _, shared = planted
    result = audit(shared.html_path, run_dir)
    assert [h.line(True) for h in result.findings] == []


@pytest.mark.parametrize(("text", "expected"), [
    ("column 'age': row 3: 'MRN4410021'; row 4: 'John Smith'", "column 'age': row 3: '[value]'; row 4: '[value]'"),
    ("specimen \"O'Brien\" and the patient's block", "specimen '[value]' and the patient's block"),
    (r"code 'a\'b' and {'O''Hara': event}", "code '[value]' and {'[value]': event}"),
    ("no quotes at all", "no quotes at all"),
])
def test_quoted_values_are_replaced_and_names_kept(text: str, expected: str) -> None:
    from rinec_report.share import without_values

    assert without_values(text, frozenset({"age"})) == expected


def test_the_stratified_table1_shows_capped_ages_as_90_plus(tmp_path: Path) -> None:
    make_cohort(tmp_path / "run", n=12, seed=5)
    path = tmp_path / "run" / "clinical.csv"
    rows = list(csv.DictReader(path.open()))
    for i, row in enumerate(rows):
        row["age"] = "40" if i == 0 else "97"  # every quartile of either sex is an age above the cap
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (tmp_path / "run" / "rinec_report.yaml").write_text("cohort:\n  table1_by: sex\n")
    shared = _run(tmp_path / "run", tmp_path / "shared", deidentify=True, plugins=("cohort",))
    table = shared.tables["cohort_table1_by"]
    age = table[table["characteristic"].str.startswith("Age")]
    cells = [str(v) for c in age.columns if "(n=" in c for v in age[c]]
    assert cells and all("90+" in c for c in cells), cells
    assert not [c for c in cells if re.search(r"\b9[0-9](?:\.\d+)?\b(?!\+)", c)], cells


def test_a_status_code_a_message_names_is_quoted_and_then_replaced() -> None:
    from rinec_plugins.survival.events import refusal

    from rinec_report.share import without_values

    said = refusal("os_status", ["0", "1", "Quigley"], ["Quigley"])
    assert "'Quigley'" in said and "holds the codes 0, 1, 'Quigley'" in said
    shared = without_values(said, frozenset({"os_status"}))
    assert "Quigley" not in shared and "'os_status'" in shared
