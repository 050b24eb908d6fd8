"""Clinical tables as people have them: a cBioPortal study folder copied unchanged,
bad cells, quoted line breaks, cp1252 files, columns the plugins do not know, Excel's
merged cells and formulas, another cancer cohort, and Table 1 stratified with tests.

One test (or more) per defect of the issue "Clinical tables from the real world"; each
fails on the code before it. Expected values come from independent references named
beside them: R (tests/data/survival/km_reference.R and its .out), pandas counts of the
vendored files, or counts by hand of the few rows written here.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from rinec_report import InputError, InputWarning, run
from rinec_report.options import with_defaults

DATA = Path(__file__).parent / "data"
STUDY = DATA / "clinical" / "cbioportal_study_es_0"
R_OUT = DATA / "survival" / "km_reference.out"


def r_rows(kind: str, name: str) -> list[list[str]]:
    rows = [line.split("\t")[1:] for line in R_OUT.read_text().splitlines() if line.startswith(kind + "\t")]
    return [r for r in rows if r[0] == name]


def cohort_options(**given: object) -> dict:
    from rinec_plugins.cohort import rinec_options

    return with_defaults(rinec_options(), given, "cohort.")


def messages(report: object, level: str = "warning") -> list[str]:
    return [m.text for m in report.messages if m.level == level]


@pytest.fixture(scope="module")
def study_report(tmp_path_factory: pytest.TempPathFactory) -> object:
    out = tmp_path_factory.mktemp("es0")
    return run(STUDY, outdir=out / "report", force=True, plugins=("cohort", "survival", "variants"))


# ------------------------------------------------------------------ 1. cBioPortal study folders


def test_cbioportal_folder_patients_are_the_patient_files_not_the_samples(study_report: object) -> None:
    """Both cBioPortal spellings are read; samples are mapped to their patients."""
    patients_file = pd.read_csv(STUDY / "data_clinical_patients.txt", sep="\t", comment="#")
    samples_file = pd.read_csv(STUDY / "data_clinical_samples.txt", sep="\t", comment="#")
    expected = list(dict.fromkeys([*patients_file["PATIENT_ID"], *samples_file["PATIENT_ID"]]))
    patients = study_report.tables["cohort_patients"]
    assert list(patients["patient_id"]) == expected
    assert "TCGA-A1-A0SB-01" not in set(patients["patient_id"])
    row = patients.set_index("patient_id").loc["TCGA-A1-A0SB"]
    assert row["sample_id"] == "TCGA-A1-A0SB-01;TCGA-A1-A0SB-02"
    # The sample file's attribute, labelled from cBioPortal's first header line.
    table1 = study_report.tables["cohort_table1"]
    assert "Subtype" in set(table1["characteristic"])
    # The MAF's samples reach the variants plugin through the sample file.
    samples = study_report.tables["variants_samples"].set_index("sample")
    assert samples.loc["TCGA-A1-A0SB-01", "patient_id"] == "TCGA-A1-A0SB"
    assert samples["patient_id"].notna().all()
    assert not [m for m in messages(study_report, "error")]


def test_cbioportal_endpoints_and_medians_as_r(study_report: object) -> None:
    """OS and DFS from <EP>_STATUS/<EP>_MONTHS; R's survfit on the same file (es0_os)."""
    (_name, _conf, _group, n, events, median, lower, upper), = [
        r for r in r_rows("median", "es0_os") if r[1] == "log-log"]
    medians = study_report.tables["survival_medians"].set_index(["endpoint", "group"])
    assert set(medians.index.get_level_values(0)) == {"os", "dfs"}
    got = medians.loc[("os", "all")]
    assert (int(got["n"]), int(got["events"])) == (int(n), int(events))
    assert [got["median"], got["ci_lower"], got["ci_upper"]] == pytest.approx(
        [float(median), float(lower), float(upper)])
    dfs = next(r for r in r_rows("median", "es0_dfs") if r[1] == "log-log")
    assert int(medians.loc[("dfs", "all"), "n"]) == int(dfs[3])


def test_not_available_status_costs_the_cell_not_the_file(tmp_path: Path) -> None:
    text = (STUDY / "data_clinical_patients.txt").read_text()
    lines = text.splitlines(keepends=True)
    lines[6] = lines[6].replace("1:DECEASED", "[Not Available]", 1)  # TCGA-A1-A0SK
    (tmp_path / "data_clinical_patients.txt").write_text("".join(lines))
    report = run(tmp_path, outdir=tmp_path / "out", force=True, plugins=("cohort",))
    assert report.exit_status == 0
    patients = report.tables["cohort_patients"].set_index("patient_id")
    assert len(patients) == len(lines) - 5
    assert pd.isna(patients.loc["TCGA-A1-A0SK", "os_event"])


def test_meta_study_name_is_published(tmp_path: Path) -> None:
    from rinec_plugins.cohort.parse import parse_meta_study

    meta = parse_meta_study(str(STUDY / "meta_study.txt"))
    assert (meta.name, meta.description) == ("Test study es_0", "Test study es_0")


# ------------------------------------------------------------------ 2. one bad cell


def test_bad_cells_cost_their_cells(tmp_path: Path) -> None:
    from rinec_plugins.cohort.parse import parse_clinical

    path = tmp_path / "clinical.csv"
    path.write_text(
        "patient_id,age,os_months,os_event,diagnosis_date\n"
        "A,61,12,[Unknown],12/03/2005\n"
        "B,sixty,7,1,25/12/2004\n"
        "C,58,3,0,01/02/2006\n"
    )
    with pytest.warns(InputWarning) as caught:
        parsed = parse_clinical(str(path), cohort_options())
    rows = {r["patient_id"]: r for r in parsed.rows}
    assert len(rows) == 3
    assert rows["A"]["os_event"] is None and rows["C"]["os_event"] == 0
    assert rows["A"]["diagnosis_date"] == "2005-03-12"  # 25/12/2004 tells the order
    assert rows["B"]["age"] is None
    text = [str(w.message) for w in caught]
    assert any("column 'age': 1 cell" in t and "row 3: 'sixty'" in t for t in text), text


def test_ihc_words_and_percent_cells_are_readings(tmp_path: Path) -> None:
    from ihc_helpers import write_rows
    from rinec_plugins.ihc.parse import parse_file

    path = write_rows(tmp_path / "ihc.csv", ["patient_id", "specimen", "PD-L1", "Ki-67", "p53"],
                      [["A", "primary", "weak", "80%", "strong, 70%"], ["B", "metastasis", "moderate", "5%", "??"]])
    with pytest.warns(InputWarning, match=r"column 'p53': 1 cell.*row 3: '\?\?'"):
        scores = parse_file(path, {}).set_index(["patient_id", "marker"])
    assert scores.loc[("A", "PD-L1"), "intensity"] == 1 and scores.loc[("B", "PD-L1"), "intensity"] == 2
    assert scores.loc[("A", "Ki-67"), "percent"] == 80 and scores.loc[("A", "Ki-67"), "source"] == "percent"
    assert scores.loc[("A", "p53"), "score"] == 3 * 3  # strong (3) x 70% (percentage score 3)
    assert ("B", "p53") not in scores.index
    # Another cohort's specimens are whatever the table says, without a warning.
    assert set(scores["specimen_type"]) == {"primary", "metastasis"}


# ------------------------------------------------------------------ 3. rows, encodings


def test_quoted_line_break_is_one_cell_not_a_patient(tmp_path: Path) -> None:
    from rinec_plugins.cohort.parse import parse_clinical

    path = tmp_path / "clinical.csv"
    path.write_bytes(b'patient_id,nec_histology,age\r\nA,"small cell\r\nNEC",50\r\nB,large cell NEC,61\r\n')
    parsed = parse_clinical(str(path), cohort_options())
    assert [r["patient_id"] for r in parsed.rows] == ["A", "B"]
    assert parsed.rows[0]["nec_histology"] == "small cell\r\nNEC"
    assert parsed.lines == [2, 4]


def test_cp1252_file_ellipsis_and_en_dash(tmp_path: Path) -> None:
    from rinec_plugins.cohort.parse import parse_clinical

    path = tmp_path / "clinical.csv"
    # Excel on Windows: ';' separated, cp1252: 0x85 is the ellipsis, 0x96 the en dash.
    path.write_bytes(b"patient_id;notes;nec_surgery_date\r\nA;biopsy\x85 then surgery;2019-01-04\r\nB;none;\x96\r\n")
    parsed = parse_clinical(str(path), cohort_options())
    assert [r["patient_id"] for r in parsed.rows] == ["A", "B"]
    assert parsed.rows[0]["notes"] == "biopsy\u2026 then surgery"
    assert parsed.kinds[1]["nec_surgery_date"] == "not performed"


def test_one_vocabulary_of_events_and_missing_values() -> None:
    from rinec_plugins.cohort import values
    from rinec_plugins.survival import parse as survival

    from rinec_report import tables

    for word in ("1:DECEASED", "0:LIVING", "1:Recurred/Progressed", "0:DiseaseFree", "DECEASED",
                 "Recurred/Progressed", "Dead", "censored"):
        assert values.parse_event(word) == survival.parse_event(word) == tables.parse_event(word)
    for token in ("[Not Available]", "[Unknown]", "[Not Evaluated]", "NA", "N/A", "unknown"):
        assert tables.missing_kind(token) == "unknown" and survival.is_missing(token)
    assert tables.missing_kind("[Not Applicable]") == "not applicable"
    assert tables.missing_kind("-") == tables.missing_kind("\u2013") == "not performed"


# ------------------------------------------------------------------ 4. every column kept and typed


def test_unknown_columns_are_typed_and_summarised(tmp_path: Path) -> None:
    from rinec_plugins.cohort.derive import build
    from rinec_plugins.cohort.parse import parse_clinical
    from rinec_plugins.cohort.table1 import build_table1

    from rinec_report import Patients

    path = tmp_path / "clinical.csv"
    path.write_text("Patient,Age at diagnosis,ECOG,Smoking\nA,47,0,never\nB,58,1,former\nC,63,1,never\n")
    opts = cohort_options(types={"ECOG": "category"})
    cohort = build([parse_clinical(str(path), opts)], opts, Patients({}, {}))
    table = build_table1(cohort).set_index("characteristic")
    # numpy/R type-7 quartiles of 47, 58, 63: 52.5 and 60.5 (by hand).
    # "Age at diagnosis" is the age in the shared synonym table.
    assert table.loc["Age (years)", "summary"] == "median 58 (IQR 52.5\u201360.5; range 47\u201363)"
    assert table.loc["Smoking", "summary"] == "never 2 (66.7%), former 1 (33.3%)"
    assert table.loc["Ecog", "summary"] == "1 2 (66.7%), 0 1 (33.3%)"


def test_second_cancer_preset_without_its_columns_says_so(tmp_path: Path) -> None:
    (tmp_path / "clinical.csv").write_text("Patient,Date of NEC,age\nA,2019-01-02,50\n")
    (tmp_path / "rinec_report.yaml").write_text("cohort: {profile: second_cancer}\n")
    report = run(tmp_path, outdir=tmp_path / "out", force=True, plugins=("cohort",))
    assert any("nec_diagnosis_date" in w and "Date of NEC" in w for w in messages(report)), messages(report)


def lung_cohort(tmp_path: Path, name: str = "lung") -> Path:
    """R's data set as a clinical table: the rows unchanged, a patient id added."""
    frame = pd.read_csv(DATA / "survival" / f"{name}.csv", dtype=str, keep_default_na=False)
    frame.insert(0, "patient_id", [f"{name}{i + 1}" for i in range(len(frame))])
    path = tmp_path / "clinical.csv"
    frame.to_csv(path, index=False)
    return path


def test_table1_stratified_tests_as_r(tmp_path: Path) -> None:
    from rinec_plugins.cohort.derive import build
    from rinec_plugins.cohort.parse import parse_clinical
    from rinec_plugins.cohort.stratified import stratified_table1

    from rinec_report import Patients

    expected = {r[1]: float(r[3]) for r in r_rows("table1", "lung") if r[2] != "count_ph.ecog" and len(r) > 3}
    opts = cohort_options(types={"ph.ecog": "category", "status": "category"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cohort = build([parse_clinical(str(lung_cohort(tmp_path)), opts)], opts, Patients({}, {}))
    table, _notes = stratified_table1(cohort, "sex")
    assert list(table.columns[2:4]) == ["1 (n=138)", "2 (n=90)"]
    head = table[table["characteristic"] != ""].set_index("characteristic")
    assert head.loc["Age (years), median [IQR]", "p_value"] == pytest.approx(expected["age"], rel=1e-6)
    assert head.loc["Age (years), median [IQR]", "test"] == "Mann-Whitney U"
    assert head.loc["Meal cal, median [IQR]", "p_value"] == pytest.approx(expected["meal.cal"], rel=1e-6)
    assert head.loc["Ph ecog, n (%)", "test"] == "Fisher's exact"
    assert head.loc["Ph ecog, n (%)", "p_value"] == pytest.approx(expected["ph.ecog"], rel=1e-6)
    assert head.loc["Status, n (%)", "test"] == "chi-square"
    assert head.loc["Status, n (%)", "p_value"] == pytest.approx(expected["status"], rel=1e-6)
    # Counts as R's table(lung$ph.ecog, lung$sex) (and pandas) count them.
    counts = [int(c) for c in r_rows("table1", "lung")[-1][2].split(",")]
    ecog = table[(table["level"] != "") & (table.index > table.index[table["characteristic"] == "Ph ecog, n (%)"][0])]
    got = [int(v.split(" ")[0]) for v in ecog["1 (n=138)"][:4]] + [int(v.split(" ")[0]) for v in ecog["2 (n=90)"][:4]]
    assert got == counts


def test_table1_kruskal_wallis_for_more_groups(tmp_path: Path) -> None:
    from rinec_plugins.cohort.derive import build
    from rinec_plugins.cohort.parse import parse_clinical
    from rinec_plugins.cohort.stratified import stratified_table1

    from rinec_report import Patients

    (_, _, _, p), = r_rows("table1", "veteran")
    opts = cohort_options()
    cohort = build([parse_clinical(str(lung_cohort(tmp_path, "veteran")), opts)], opts, Patients({}, {}))
    table, _ = stratified_table1(cohort, "celltype")
    row = table.set_index("characteristic").loc["Karno, median [IQR]"]
    assert row["test"] == "Kruskal-Wallis" and row["p_value"] == pytest.approx(float(p), rel=1e-6)


# ------------------------------------------------------------------ 5. xlsx


def test_xlsx_merged_cells_formulas_and_sheets(tmp_path: Path) -> None:
    import openpyxl

    from rinec_report.tables import read_table

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "notes"
    ws["A1"] = "written by hand"
    data = book.create_sheet("patients")
    data.append(["patient_id", "sex", "age", "age_months"])
    for i, age in enumerate([50, 61, 47, 70, 55]):
        data.append([f"P{i + 1}", "male" if i == 0 else None, age, f"=C{i + 2}*12"])
    data.merge_cells("B2:B6")
    path = tmp_path / "clinical.xlsx"
    book.save(path)
    with pytest.warns(InputWarning) as caught:
        table = read_table(path, "patients")
    text = " ".join(str(w.message) for w in caught)
    assert table.column("sex") == ["male"] * 5
    assert "B2:B6" in text and "merged" in text
    assert "5 formula cell(s) have no saved value" in text and "D2" in text
    with pytest.raises(InputError, match="no sheet 'other'; sheets: notes, patients"):
        read_table(path, "other")


def test_duplicate_columns_name_them(tmp_path: Path) -> None:
    from rinec_report.tables import read_table

    path = tmp_path / "clinical.tsv"
    path.write_text("patient_id\tage\tAge\nA\t1\t2\n")
    with pytest.raises(InputError, match=r"column 'Age' appears twice \(columns 2 and 3\)"):
        read_table(path)


# ------------------------------------------------------------------ 6. another cancer cohort


def test_a_lung_cohort_gets_nothing_empty(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(lung_cohort(tmp_path), run_dir / "clinical.csv")
    (run_dir / "ihc_scores.csv").write_text(
        "patient_id,specimen,PD-L1,Ki-67\nlung1,tumour,2/60%,40%\nlung2,tumour,0,15%\n")
    (run_dir / "rinec_report.yaml").write_text("ihc: {summary_markers: [PD-L1]}\n")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=("cohort", "ihc"))
    assert report.exit_status == 0, messages(report, "error")
    summary = report.tables["report_summary"]
    assert "ihc_neuroendocrine" not in summary and "ihc_ebv" not in summary and "ihc_verdict" not in summary
    assert summary.set_index("patient_id").loc["lung1", "ihc_pd_l1"] == "tumour ++ (6)"
    assert not any("NPC or the NEC" in w for w in messages(report))
    patients = report.tables["cohort_patients"]
    assert not any(c.startswith(("rin_", "latency")) for c in patients.columns)
    html = Path(report.html_path).read_text()
    assert "No NEC specimen was stained" not in html and "Radiation-induced" not in html


def test_old_single_file_cbioportal_format_is_one_row_per_sample(tmp_path: Path) -> None:
    """cBioPortal's format before 2016: data_clinical.txt with SAMPLE_ID and PATIENT_ID;
    here the test study's sample file's first rows under that name (counted by hand)."""
    lines = (STUDY / "data_clinical_samples.txt").read_text().splitlines(keepends=True)
    head = [line for line in lines if line.startswith("TCGA-A1-A0SB")]
    (tmp_path / "data_clinical.txt").write_text("".join(lines[:5] + head))
    report = run(tmp_path, outdir=tmp_path / "out", force=True, plugins=("cohort",))
    patients = report.tables["cohort_patients"]
    assert list(patients["patient_id"]) == ["TCGA-A1-A0SB"]
    assert patients["sample_id"].iloc[0] == "TCGA-A1-A0SB-01;TCGA-A1-A0SB-02"


def test_supplement_style_title_rows_above_the_header(tmp_path: Path) -> None:
    import openpyxl

    from rinec_report.tables import read_table

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Supplementary Table S1. Patient characteristics"])
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["Patient", "Age", "Sex", "Stage"])
    ws.append(["A", 61, "F", "II"])
    ws.append(["B", 70, "M", "III"])
    path = tmp_path / "clinical.xlsx"
    book.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = read_table(path)
    assert table.header == ["Patient", "Age", "Sex", "Stage"]
    assert table.header_line == 3 and table.lines == [4, 5]


def test_table1_by_from_the_config_reaches_the_report(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(lung_cohort(tmp_path), run_dir / "clinical.csv")
    (run_dir / "rinec_report.yaml").write_text("cohort: {table1: {by: sex}}\n")
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=("cohort",))
    table = report.tables["cohort_table1_by"]
    assert list(table.columns[2:5]) == ["1 (n=138)", "2 (n=90)", "Overall (n=228)"]
    # pandas' count of lung's sexes: 138 men, 90 women.
    counts = pd.read_csv(DATA / "survival" / "lung.csv")["sex"].value_counts()
    assert (counts[1], counts[2]) == (138, 90)
