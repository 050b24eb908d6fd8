"""The table readers' shared rules: one header normaliser and synonym table, one list of
missing codes, values read whole, duplicate rows merged or named, samples kept with a
stated patient rule, log lines that keep their counts.

Expected values come from R (tests/data/respelt/respelt.out, written by respelt.R from
R's survival package), from cBioPortal's own study folder (tests/data/clinical), or from
a hand count of the few rows a test writes.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from cohort_helpers import write_table
from rinec_plugins.cohort.parse import parse_clinical
from rinec_plugins.survival.parse import read_table as read_survival

import rinec_report
from rinec_report import account, headers
from rinec_report.logmask import LogPseudonyms
from rinec_report.model import InputError, InputWarning

ROOT = Path(__file__).parent
RESPELT = ROOT / "data" / "respelt"
STUDY = ROOT / "data" / "clinical" / "cbioportal_study_es_0"
DOCS = ROOT.parent / "docs" / "plugins" / "synonyms.md"


def r_reference() -> dict[tuple[str, str], str]:
    out = {}
    for line in (RESPELT / "respelt.out").read_text().splitlines():
        if line.startswith("#"):
            continue
        what, key, value = line.split("\t")
        out[(what, key)] = value.strip()
    return out


# ------------------------------------------------------------------ headers


@pytest.mark.parametrize(("written", "key", "unit"), [
    ("OS (days)", "os_days", "days"),
    ("Overall Survival (Months)", "overall_survival_months", "months"),
    ("Dose [Gy]", "dose_gy", "Gy"),
    ("Intensity (0-3)", "intensity", None),
    ("Percent (%)", "percent", "%"),
    (" PATIENT_ID ", "patient_id", None),
    ("nec.diagnosis-date", "nec_diagnosis_date", None),
])
def test_a_header_is_normalised_and_its_unit_kept(written: str, key: str, unit: str | None) -> None:
    header = headers.parse_header(written)
    assert (header.key, header.unit) == (key, unit)


@pytest.mark.parametrize(("written", "field", "unit"), [
    # cBioPortal's study files
    ("PATIENT_ID", "patient_id", None), ("OS_MONTHS", "os_time", "months"), ("OS_STATUS", "os_event", None),
    ("DFS_MONTHS", "dfs_time", "months"), ("DFS_STATUS", "dfs_event", None), ("PFS_MONTHS", "pfs_time", "months"),
    ("PFS_STATUS", "pfs_event", None), ("AGE", "age", "years"), ("SEX", "sex", None),
    # its web download
    ("Patient ID", "patient_id", None), ("Sample ID", "sample_id", None),
    ("Overall Survival (Months)", "os_time", "months"), ("Overall Survival Status", "os_event", None),
    ("Disease Free (Months)", "dfs_time", "months"), ("Disease Free Status", "dfs_event", None),
    ("Diagnosis Age", "age", "years"),
    # clinical spreadsheets
    ("Date of death", "death_date", None), ("Last follow-up date", "last_followup_date", None),
    ("Date of last follow-up", "last_followup_date", None), ("vital status", "os_event", None),
    ("dob", "birth_date", None), ("OS (days)", "os_time", "days"), ("os_days", "os_time", "days"),
])
def test_the_synonym_table_knows_cbioportal_and_clinical_spellings(written: str, field: str,
                                                                   unit: str | None) -> None:
    match = headers.synonyms().match(written)
    assert match is not None and (match.field, match.unit) == (field, unit)


def test_the_docs_list_every_shipped_spelling() -> None:
    text = DOCS.read_text(encoding="utf-8")
    table = headers.synonyms()
    for name, spec in table.fields.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, name
        for spelling in spec.spellings:
            assert f"`{spelling}`" in row, (name, spelling)


def test_a_config_adds_spellings_and_missing_codes(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["dossier", "survie", "statut", "age"], ["A", "12", "1", "inconnu"], ["B", "30", "0", "50"]])
    parsed = parse_clinical(str(path), {"synonyms": {"patient_id": ["dossier"], "os_time": "survie",
                                                     "os_event": ["statut"]},
                                        "missing_values": ["inconnu"]})
    assert [r["patient_id"] for r in parsed.rows] == ["A", "B"]
    assert [r["os_months"] for r in parsed.rows] == [(12.0, None), (30.0, None)]
    assert [r["age"] for r in parsed.rows] == [None, 50.0]
    assert parsed.kinds[0]["age"] == "unknown"


# ------------------------------------------------------------------ survival headers


def test_a_survival_table_headed_os_days_finds_os(tmp_path: Path) -> None:
    path = tmp_path / "survival.csv"
    path.write_text("patient_id,OS (days),OS status,DFS_MONTHS,DFS_STATUS\nA,300,1,2,0\nB,150,0,3,1\n")
    got = read_survival(str(path), {})
    assert got["endpoints"] == ["os", "dfs"]
    assert got["units"] == {"os": "days", "dfs": "months"}
    assert got["table"]["os_time"].tolist() == [300, 150]


def _web_download(tmp_path: Path) -> Path:
    """cBioPortal's web download of study es_0 rebuilt from its study folder: one row per
    sample, the display names of the '#' line as headers, "Patient ID"/"Sample ID"."""
    def read(name: str) -> tuple[list[str], list[str], list[list[str]]]:
        lines = (STUDY / name).read_text(encoding="utf-8").splitlines()
        shown = lines[0][1:].split("\t")
        body = [line.split("\t") for line in lines if not line.startswith("#")]
        return shown, body[0], body[1:]

    p_shown, p_head, p_rows = read("data_clinical_patients.txt")
    s_shown, s_head, s_rows = read("data_clinical_samples.txt")
    by_patient = {r[0]: r for r in p_rows}
    p_cols = [i for i, h in enumerate(p_head) if h != "PATIENT_ID"]
    s_cols = [i for i, h in enumerate(s_head) if h not in ("PATIENT_ID", "SAMPLE_ID")]
    head = ["Study ID", "Patient ID", "Sample ID", *(p_shown[i] for i in p_cols), *(s_shown[i] for i in s_cols)]
    run = tmp_path / "web"
    run.mkdir()
    with (run / "study_es_0_clinical_data.tsv").open("w", encoding="utf-8") as out:
        out.write("\t".join(head) + "\n")
        for row in s_rows:
            patient = by_patient.get(row[0], [row[0]] + [""] * len(p_head))
            out.write("\t".join(["study_es_0", row[0], row[1], *(patient[i] for i in p_cols),
                                 *(row[i] for i in s_cols)]) + "\n")
    assert "Overall Survival (Months)" in head and "Overall Survival Status" in head
    return run


def test_cbioportal_web_download_gives_the_study_folders_survival(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "study"
    folder.mkdir()
    for name in ("data_clinical_patients.txt", "data_clinical_samples.txt", "meta_study.txt"):
        shutil.copy(STUDY / name, folder / name)
    reports = {name: rinec_report.run(run, outdir=tmp_path / f"out-{name}", plugins=("cohort", "survival"),
                                      force=True)
               for name, run in (("study", folder), ("web", _web_download(tmp_path)))}
    for table in ("survival_medians", "survival_at_risk", "survival_patients"):
        study, web = reports["study"].tables[table], reports["web"].tables[table]
        assert len(study) and study.equals(web), table
    medians = reports["web"].tables["survival_medians"].set_index("endpoint")
    # cBioPortal's file: 808 patients with an OS time and status (hand count: awk over OS_MONTHS
    # and OS_STATUS of data_clinical_patients.txt), 87 of them 1:DECEASED.
    assert (medians.loc["os", "n"], medians.loc["os", "events"]) == (808, 87)


# ------------------------------------------------------------------ R's lung, re-spelt


def test_lung_respelt_reads_as_r_reads_it(tmp_path: Path) -> None:
    ref = r_reference()
    run = tmp_path / "run"
    run.mkdir()
    (run / "clinical_lung.csv").write_bytes((RESPELT / "lung_respelt.csv").read_bytes())
    report = rinec_report.run(run, outdir=tmp_path / "out", plugins=("cohort", "survival"), force=True)
    assert report.exit_status == 0
    medians = report.tables["survival_medians"].set_index("endpoint")
    assert int(medians.loc["os", "n"]) == int(ref[("km", "n")])
    assert int(medians.loc["os", "events"]) == int(ref[("km", "events")])
    # "OS (days)": the cohort shows months (days / (365.25 / 12)).
    assert medians.loc["os", "median"] == pytest.approx(float(ref[("km", "median_days")]) / (365.25 / 12))
    table1 = report.tables["cohort_table1"].set_index("characteristic")["summary"]
    q25, q50, q75 = (ref[("calories", f"q{q}")] for q in (25, 50, 75))
    # '.' is missing: a median of the numbers, not a category ". 47 (20.6%)".
    assert table1["Calories"].startswith(f"median {q50} (IQR {q25}\u2013{q75};")
    assert table1["Calories"].endswith(f"unknown {ref[('calories', 'missing')]}")
    patients = report.tables["cohort_patients"]
    ecog = patients["ecog"].dropna().astype(int).value_counts().to_dict()
    assert ecog == {int(k): int(v) for (w, k), v in ref.items() if w == "ecog" and k != "missing"}
    assert int(patients["ecog"].isna().sum()) == int(ref[("ecog", "missing")])
    assert table1["Sex"] == (f"male {ref[('sex', 'Male')]} (60.5%), female {ref[('sex', 'Female')]} (39.5%)")


def test_a_dot_is_missing_not_a_group(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["patient_id", "trt", "karno"], ["1", "A", "60"], ["2", "B", "."], ["3", ".", "80"], ["4", "A", "70"]])
    parsed = parse_clinical(str(path), {})
    assert [r["trt"] for r in parsed.rows] == ["A", "B", None, "A"]  # two groups
    assert parsed.types["karno"] == "number" and [r["karno"] for r in parsed.rows] == [60, None, 80, 70]


# ------------------------------------------------------------------ values read whole


def test_a_number_is_never_pulled_out_of_a_text(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["patient_id", "age"], ["A", "MRN4410021"], ["B", "4O"], ["C", "1e308"], ["D", "61"], ["E", "-5"],
        ["F", "200"], ["G", "45.5"]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed = parse_clinical(str(path), {})
    assert [r["age"] for r in parsed.rows] == [None, None, None, 61, None, None, 45.5]
    texts = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert any(re.search(r"column 'age': 3 cell\(s\) could not be read as a number", t) for t in texts), texts
    assert any("column 'age': 2 value(s) outside the plausible range 0 to 120" in t
               and "row 6: '-5'" in t and "row 7: '200'" in t for t in texts), texts


def test_a_duplicate_id_error_gives_the_count_and_the_first_five(tmp_path: Path) -> None:
    rows = ["patient_id,os_months,os_event"] + [f"P{i},{i},1\nP{i},{i + 1},0" for i in range(7)]
    path = tmp_path / "survival.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"^7 duplicate patient id\(s\): P0, P1, P2, P3, P4 \(5 of 7 shown\)$"):
        read_survival(str(path), {})


# ------------------------------------------------------------------ samples


def test_samples_are_kept_and_patients_follow_the_stated_rule(tmp_path: Path) -> None:
    from rinec_plugins.cohort.derive import build

    from rinec_report import Patients
    from rinec_report.options import validate

    tmb = ["0.067", "0.5", "0.967", "0.1", "0.2", "0.3", "0.4"]
    patients = write_table(tmp_path / "data_clinical_patient.txt",
                           [["PATIENT_ID", "AGE"], ["P1", "60"], ["P2", "70"]], delimiter="\t")
    samples = write_table(tmp_path / "data_clinical_sample.txt", [
        ["PATIENT_ID", "SAMPLE_ID", "TMB_NONSYNONYMOUS", "ER_STATUS"],
        *[["P1", f"P1-{i}", value, ""] for i, value in enumerate(tmb)],
        ["P2", "P2-a", "1.5", "Positive"], ["P2", "P2-b", "1.5", "Negative"]])
    from rinec_plugins.cohort import rinec_options

    options = validate(rinec_options(), {}, "cohort.")
    cohort = build([parse_clinical(str(patients), options), parse_clinical(str(samples), options)],
                   options, Patients({}, {}))
    frame = cohort.patients.set_index("patient_id")
    assert frame.loc["P1", "tmb"] == 0.967  # the maximum of the seven, by hand
    assert frame.loc["P2", "tmb"] == 1.5
    assert frame.loc["P2", "er_status"] == "Negative; Positive"
    assert len(cohort.samples) == 9
    assert cohort.sample_rules == {"tmb": "the maximum over the patient's samples",
                                   "er_status": "the distinct values over the patient's samples, sorted"}
    # The other order gives the same set.
    other = write_table(tmp_path / "data_clinical_sample2.txt", [
        ["PATIENT_ID", "SAMPLE_ID", "ER_STATUS"], ["P2", "b", "Negative"], ["P2", "a", "Positive"]], delimiter="\t")
    again = build([parse_clinical(str(other), options)], options, Patients({}, {}))
    assert again.patients.set_index("patient_id").loc["P2", "er_status"] == "Negative; Positive"


def test_the_samples_table_is_in_the_page_and_the_data_folder(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    write_table(run / "data_clinical_sample.txt", [
        ["PATIENT_ID", "SAMPLE_ID", "TMB_NONSYNONYMOUS"], ["P1", "S1", "0.1"], ["P1", "S2", "0.9"],
        ["P2", "S3", "2"]], delimiter="\t")
    report = rinec_report.run(run, outdir=tmp_path / "out", plugins=("cohort",), force=True)
    samples = report.tables["cohort_samples"]
    assert list(samples["sample_id"]) == ["S1", "S2", "S3"]
    html = report.html_path.read_text(encoding="utf-8")
    assert "the maximum over the patient" in html


# ------------------------------------------------------------------ account and log


def test_the_readers_state_their_rows_and_columns(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["Patient ID", "Diagnosis Age", "notes"], ["A", "50", "x"], ["", "", ""], ["B", "60", ""], ["A", "50", ""]])
    with account.recording("clinical.csv") as ledger, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parse_clinical(str(path), {})
    got = ledger.files["clinical.csv"]
    # The blank row is no row at all; 3 read, A's second row merged into its first.
    assert (got.rows_read, got.rows_used) == (3, 2)
    assert got.dropped == {"merged into an earlier row of the same patient": 1}
    assert got.columns["Patient ID"] == account.ColumnUse("field", "patient_id")
    assert got.columns["Diagnosis Age"] == account.ColumnUse("field", "age")
    assert got.columns["notes"].role == "extra"
    survival = tmp_path / "survival.csv"
    survival.write_text("Patient ID,OS (days),vital status,grade\n1,30,2,G1\n2,40,1,G2\n")
    with account.recording("survival.csv") as ledger:
        read_survival(str(survival), {})
    got = ledger.files["survival.csv"]
    assert (got.rows_read, got.rows_used, got.unit) == (2, 2, "patients")
    assert got.columns["OS (days)"] == account.ColumnUse("field", "os_time")
    assert got.columns["vital status"] == account.ColumnUse("field", "os_event")
    assert got.columns["grade"].role == "extra"


def _masked(codes: dict[str, str], text: str) -> str:
    mask = LogPseudonyms()
    mask.assign([c for c, k in codes.items() if k == "patient"], [c for c, k in codes.items() if k == "sample"])
    mask.codes = {raw: f"<{mask.kinds[raw]}>" for raw in mask.codes}
    return mask.scrub(text)


def test_the_log_masks_ids_and_keeps_counts() -> None:
    ids: dict[str, Any] = {str(i): "patient" for i in range(1, 229)} | {"TCGA-A2-A04P": "patient"}
    assert _masked(ids, "106 patient(s) without a trt value") == "106 patient(s) without a trt value"
    assert _masked(ids, "row 12: patient '106' has no date") == "row 12: patient '<patient>' has no date"
    assert _masked(ids, "no date for patient 7") == "no date for patient <patient>"
    assert _masked(ids, "TCGA-A2-A04P: 3 readings") == "<patient>: 3 readings"


def test_the_run_log_keeps_a_count_equal_to_an_integer_patient_id(tmp_path: Path) -> None:
    from rinec_report.runner import message_lines

    run = tmp_path / "run"
    run.mkdir()
    # Patients 1..5; three ages that are not numbers: the warning says "3 cell(s)".
    write_table(run / "clinical.csv", [["patient_id", "age"], ["1", "x"], ["2", "y"], ["3", "z"], ["4", "50"],
                                       ["5", "60"]])
    report = rinec_report.run(run, outdir=tmp_path / "out", plugins=("cohort",), force=True)
    lines = message_lines(report, verbose=False)
    assert any("column 'age': 3 cell(s) could not be read as a number" in line for line in lines), lines


def test_the_ihc_and_custom_readers_state_their_columns(tmp_path: Path) -> None:
    from rinec_plugins.custom.parse import read_table as read_custom
    from rinec_plugins.ihc.parse import parse_file

    ihc = write_table(tmp_path / "ihc.csv", [
        ["Case", "Specimen", "SYN", "comments"], ["P1", "biopsy", "2/60%", "x"], ["P2", "biopsy", "3/90%", ""]])
    with account.recording("ihc.csv") as ledger:
        parse_file(str(ihc), {})
    got = ledger.files["ihc.csv"]
    assert (got.rows_read, got.rows_used) == (2, 2)
    assert got.columns["Case"] == account.ColumnUse("field", "patient_id")
    assert got.columns["SYN"] == account.ColumnUse("field", "marker")
    assert got.columns["comments"].role == "ignored"
    custom = tmp_path / "plot.tsv"
    custom.write_text("gene\tvalue\nTP53\t.\nKRAS\t2\n")
    with account.recording("plot.tsv") as ledger:
        frame = read_custom(str(custom), "plot.tsv")["frame"]
    assert ledger.files["plot.tsv"].rows_read == 2
    assert ledger.files["plot.tsv"].columns["value"].role == "extra"
    # '.' is missing in every reader: the column stays numeric.
    assert frame["value"].isna().tolist() == [True, False] and frame["value"].dtype.kind == "f"


def test_the_ihc_reader_applies_the_configs_missing_codes(tmp_path: Path) -> None:
    from rinec_plugins.ihc.parse import parse_file

    ihc = write_table(tmp_path / "ihc.csv", [["Case", "Specimen", "SYN", "CD56"], ["P1", "biopsy", "2/60%", "pending"]])
    with pytest.warns(InputWarning, match="pending"):
        parse_file(str(ihc), {})  # 'pending' is no reading: warned about
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = parse_file(str(ihc), {"missing_values": ["pending"]})  # a missing cell: no warning
    assert list(scores["marker"]) == ["SYN"]
