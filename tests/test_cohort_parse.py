"""The clinical table, read and derived: the example run's five patients, the file
formats, bad input, survival times, RIN criteria."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from cohort_helpers import (
    EXAMPLE_OPTIONS,
    EXAMPLE_RUN,
    EXAMPLE_XLSX,
    build_cohort,
    example_rows,
    patient,
    write_table,
)
from rinec_plugins.cohort.derive import survival_time
from rinec_plugins.cohort.parse import parse_clinical

from rinec_report.model import InputError, InputWarning

# ------------------------------------------------------------------ the example run


def test_example_patients_in_table_order_with_samples() -> None:
    df = build_cohort(EXAMPLE_XLSX).patients
    assert list(df["patient_id"]) == ["P1", "P2", "P3", "P4", "P5"]
    assert list(df["sample_id"]) == [None, "20S3087569", "19S0735242", "20S6942679", "20S6942573"]
    assert list(df["age"]) == [59, 67, 50, 56, 49]
    assert set(df["sex"]) == {"male"}
    # dates keep their precision: a year stays a year
    assert list(df["npc_diagnosis_date"]) == ["2008", "2007", "2005", "2010", "2002"]
    assert df.loc[0, "progression_date"] == "2019-05"


def test_example_latency_is_10_to_18_years() -> None:
    df = build_cohort(EXAMPLE_XLSX).patients
    assert list(df["latency_years"]) == [10, 13, 14, 10, 18]
    assert list(df["latency_rt_years"]) == [10, 13, 14, 10, 18]


def test_example_all_five_meet_the_three_rin_criteria() -> None:
    cohort = build_cohort(EXAMPLE_XLSX)
    df = cohort.patients
    for column in ("rin_prior_rt_in_field", "rin_latency", "rin_histology", "rin_status"):
        assert set(df[column]) == {"met"}, column
    assert "inside the irradiated field" in cohort.reasons["P1"]["rin_prior_rt_in_field"]


def test_example_survival_times_and_censoring() -> None:
    cohort = build_cohort(EXAMPLE_XLSX)
    df = cohort.patients.set_index("patient_id")
    assert list(df["os_months"][:3]) == [9, 3, 9]
    assert list(df["os_event"]) == [1, 1, 1, 0, 0]
    assert list(df["pfs_months"][:3]) == [6, 3, 4]
    assert list(df["pfs_event"]) == [1, 1, 1, 0, 0]
    # the two living patients: censored at follow-up end 2020-09-26, about 5 and 1 months
    assert df.loc["P4", "os_months"] == pytest.approx(150 / (365.25 / 12))
    assert df.loc["P5", "os_months"] == pytest.approx(25 / (365.25 / 12))
    assert round(df.loc["P4", "os_months"]) == 5 and round(df.loc["P5", "os_months"]) == 1
    assert "2020-09-26" in cohort.survival_rule and "P4, P5" in cohort.survival_rule


def test_example_km_medians_os_9_pfs_4() -> None:
    from lifelines import KaplanMeierFitter

    df = build_cohort(EXAMPLE_XLSX).patients
    for endpoint, median in (("os", 9), ("pfs", 4)):
        kmf = KaplanMeierFitter().fit(df[f"{endpoint}_months"], df[f"{endpoint}_event"])
        assert kmf.median_survival_time_ == median


def test_example_missing_kinds_are_kept_apart() -> None:
    kinds = build_cohort(EXAMPLE_XLSX).kinds
    assert kinds["P1"]["nec_surgery_date"] == "not performed"
    assert kinds["P3"]["npc_rt_dose_gy"] == "no details"
    assert kinds["P5"]["npc_chemo"] == "no details"
    assert kinds["P2"]["progression_date"] == "unknown"


def test_example_xlsx_script_is_deterministic_and_current() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_clinical_xlsx", EXAMPLE_RUN / "make_clinical_xlsx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    first, second = module.build(), module.build()
    assert first == second
    assert EXAMPLE_XLSX.read_bytes() == first


# ------------------------------------------------------------------ formats


def test_csv_tsv_and_cbioportal_read_as_the_xlsx(tmp_path: Path) -> None:
    rows = example_rows()
    reference = build_cohort(EXAMPLE_XLSX).patients
    csv_file = write_table(tmp_path / "clinical.csv", rows)
    tsv_file = write_table(tmp_path / "clinical.tsv", rows, "\t")
    header = ["PATIENT_ID" if h == "Patient" else h for h in rows[0]]
    cbio = write_table(
        tmp_path / "data_clinical_patient.txt", [header, *rows[1:]], "\t",
        comments=["#Patient Identifier\tSample", "#desc\tdesc", "#STRING\tSTRING", "#1\t1"],
    )
    for path in (csv_file, tsv_file, cbio):
        got = build_cohort(path).patients
        assert got.equals(reference), path.name


def test_cbioportal_status_columns(tmp_path: Path) -> None:
    path = write_table(
        tmp_path / "data_clinical_patient.txt",
        [["PATIENT_ID", "OS_MONTHS", "OS_STATUS", "PFS_MONTHS", "PFS_STATUS"],
         ["A", "12.5", "1:DECEASED", "3", "1:PROGRESSION"],
         ["B", "20", "0:LIVING", "20", "0:CENSORED"]],
        "\t", comments=["#Patient", "#Patient", "#STRING", "#1"],
    )
    df = build_cohort(path, {}).patients
    assert list(df["os_months"]) == [12.5, 20] and list(df["os_event"]) == [1, 0]
    assert list(df["pfs_event"]) == [1, 0]


# ------------------------------------------------------------------ bad input


def test_missing_patient_column_names_found_and_expected(tmp_path: Path) -> None:
    # ("Case" is a patient id in the shared synonym table, as the IHC reader always read it.)
    path = write_table(tmp_path / "clinical.csv", [["Name", "Age"], ["A", "50"]])
    with pytest.raises(InputError) as err:
        parse_clinical(str(path), {})
    message = str(err.value)
    assert "columns found: 'Name', 'Age'" in message
    assert "expected 'patient_id'" in message and "cohort: columns:" in message
    assert "\n" not in message


def test_configured_patient_column(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [["Case", "Age"], ["A", "50"]])
    parsed = parse_clinical(str(path), {"columns": {"patient_id": "Case"}})
    assert parsed.rows[0]["patient_id"] == "A"


def test_unparseable_date_costs_the_cell_and_names_row_and_column(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["patient_id", "NEC diagnosis date"], ["A", "2019-01-31"], ["B", "31/01/2019"], ["C", "soon"]])
    with pytest.warns(InputWarning, match=r"column 'NEC diagnosis date': 1 cell.*row 4: 'soon'"):
        parsed = parse_clinical(str(path), {})
    assert [r["nec_diagnosis_date"] for r in parsed.rows] == ["2019-01-31", "2019-01-31", None]


def test_ambiguous_dates_are_an_error_naming_the_option(tmp_path: Path) -> None:
    rows = [["patient_id", "NEC diagnosis date"], ["A", "12/03/2005"], ["B", "01/02/2006"]]
    path = write_table(tmp_path / "clinical.csv", rows)
    with pytest.raises(InputError, match=r"row 2, column 'NEC diagnosis date': '12/03/2005'.*date_format"):
        parse_clinical(str(path), {})
    parsed = parse_clinical(str(path), {"date_format": "DD/MM/YYYY"})
    assert [r["nec_diagnosis_date"] for r in parsed.rows] == ["2005-03-12", "2006-02-01"]
    # One day above 12 in the column tells the order for the others.
    path = write_table(tmp_path / "clinical.csv", [*rows, ["C", "25/12/2005"]])
    assert parse_clinical(str(path), {}).rows[0]["nec_diagnosis_date"] == "2005-03-12"


def test_bad_number_costs_the_cell_and_names_row_and_column(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [["patient_id", "age"], ["A", "sixty"], ["B", "61"]])
    with pytest.warns(InputWarning, match="column 'age': 1 cell.*row 2: 'sixty'"):
        parsed = parse_clinical(str(path), {})
    assert [r["age"] for r in parsed.rows] == [None, 61]


def test_duplicate_rows_of_a_patient_are_merged_or_their_conflict_named(tmp_path: Path) -> None:
    # Two rows of one patient: merged when they agree (a value beside a blank agrees);
    # a conflict is named with its column and a count, and the first row's value kept.
    path = write_table(tmp_path / "clinical.csv", [
        ["patient_id", "age", "sex"], ["A", "1", ""], ["B", "2", "F"], ["A", "3", "M"], ["C", "4", "F"]])
    with pytest.warns(InputWarning, match=r"1 patient\(s\) have more than one row \('A'; 1 of 1 shown\); "
                      r"their rows disagree in 'age' \(1 patient\(s\)\): the first row's value is kept"):
        parsed = parse_clinical(str(path), {})
    assert [r["patient_id"] for r in parsed.rows] == ["A", "B", "C"]
    assert parsed.rows[0]["age"] == 1 and parsed.rows[0]["sex"] == "male"
    same = write_table(tmp_path / "same.csv", [["patient_id", "age"], ["A", "1"], ["A", "1"]])
    with pytest.warns(InputWarning, match="their rows agree and are merged"):
        assert len(parse_clinical(str(same), {}).rows) == 1


def test_ids_made_duplicate_by_the_patients_mapping(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [["patient_id"], ["A"], ["a-1"]])
    cohort = build_cohort(path, {}, {"patients": {"a-1": "A"}})
    assert list(cohort.patients["patient_id"]) == ["A"]
    assert any("1 patient(s) have more than one row ('A'" in p for p in cohort.problems)


def test_impossible_order_is_a_problem_not_an_error(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["patient_id", "npc_diagnosis_date", "nec_diagnosis_date", "death_date"],
        ["A", "2010", "2005-03-01", "2004-01-01"],
        ["B", "2010", "2010-03-01", ""],
    ])
    cohort = build_cohort(path, {})
    problems = " | ".join(cohort.problems)
    assert "patient A: NEC diagnosed before NPC diagnosis (2005-03-01 < 2010)" in problems
    assert "patient A: death before NEC diagnosis" in problems
    # B's NEC may be after a 2010 NPC diagnosis: the year does not say
    assert "patient B" not in problems


def test_empty_rows_skipped_but_rows_without_id_refused(tmp_path: Path) -> None:
    ok = write_table(tmp_path / "clinical.csv", [["patient_id", "age"], ["A", "1"], ["", ""]])
    assert len(parse_clinical(str(ok), {}).rows) == 1
    bad = write_table(tmp_path / "clinical2.csv", [["patient_id", "age"], ["", "50"]])
    with pytest.raises(InputError, match="row 2: no patient id"):
        parse_clinical(str(bad), {})


# ------------------------------------------------------------------ ids and samples


def test_patients_and_samples_config_apply(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["patient_id", "sample_id"], ["pt-1", "S1"], ["P2", ""]])
    config = {"patients": {"pt-1": "P1"}, "samples": {"S9": "pt-1", "S2": "P2"}}
    df = build_cohort(path, {}, config).patients
    assert list(df["patient_id"]) == ["P1", "P2"]
    # The table's own samples; the config's samples: are the core resolver's to add.
    assert list(df["sample_id"]) == ["S1", None]


# ------------------------------------------------------------------ survival from dates


def _row(**kw: object) -> dict:
    return {"nec_diagnosis_date": "2020-01-01", **kw}


def test_death_date_is_an_os_event() -> None:
    months, event, source, _ = survival_time(_row(death_date="2020-07-01"), "os",
                                             "nec_diagnosis", None)
    assert event == 1 and months == pytest.approx(182 / (365.25 / 12))
    assert source.startswith("dates")


def test_alive_is_censored_at_last_followup_before_study_end() -> None:
    months, event, _, _ = survival_time(
        _row(last_followup_date="2020-03-01", os_event=0), "os", "nec_diagnosis", "2020-12-31")
    assert event == 0 and months == pytest.approx(60 / (365.25 / 12))


def test_alive_never_counted_as_event_even_with_progression() -> None:
    row = _row(progression_date="2020-04-01", os_event=0)
    os_months, os_event, _, _ = survival_time(row, "os", "nec_diagnosis", "2020-12-31")
    pfs_months, pfs_event, _, _ = survival_time(row, "pfs", "nec_diagnosis", "2020-12-31")
    assert os_event == 0 and os_months == pytest.approx(365 / (365.25 / 12))
    assert pfs_event == 1 and pfs_months == pytest.approx(91 / (365.25 / 12))


def test_first_treatment_start() -> None:
    row = _row(nec_surgery_date="2020-02-01", death_date="2020-08-01")
    months, _, source, _ = survival_time(row, "os", "first_treatment", None)
    assert months == pytest.approx(182 / (365.25 / 12)) and "first NEC treatment" in source


def test_event_without_date_or_time_is_unknown_and_said() -> None:
    months, event, _, problem = survival_time(_row(os_event=1), "os", "nec_diagnosis", None)
    assert months is None and event == 1 and "without a date" in problem


def test_months_columns_win_over_dates(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["patient_id", "nec_diagnosis_date", "death_date", "os_months", "os_event"],
        ["A", "2020-01-01", "2021-01-01", "6 m", "Died"],
        ["B", "2020-01-01", "", "", "alive"],
    ])
    cohort = build_cohort(path, {"followup_end": "2020-04-01"})
    a, b = patient(cohort, "A"), patient(cohort, "B")
    assert (a["os_months"], a["os_event"]) == (6, 1)
    assert b["os_event"] == 0 and b["os_months"] == pytest.approx(91 / (365.25 / 12))
    # no progression column: no PFS, rather than a PFS made of the deaths alone
    assert "pfs_months" not in a and "PFS not derived: no progression column" in cohort.survival_rule


# ------------------------------------------------------------------ RIN criteria


def test_rin_criteria_not_met_and_unknown(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["patient_id", "npc_diagnosis_date", "npc_histology", "npc_rt_date", "nec_diagnosis_date",
         "nec_histology", "nec_in_rt_field"],
        ["short", "2019-01", "squamous carcinoma", "2019-02", "2020-01-15", "small cell NEC", "yes"],
        ["same", "2005", "undifferentiated carcinoma", "2005", "2019-01-31",
         "undifferentiated carcinoma", "yes"],
        ["no_rt", "2005", "squamous carcinoma", "-", "2019-01-31", "small cell NEC", ""],
        ["vague", "2016", "squamous carcinoma", "2016", "2018", "small cell NEC", ""],
        ["outside", "2005", "squamous carcinoma", "2005", "2019-01-31", "osteosarcoma", "no"],
    ])
    cohort = build_cohort(path, {"latency_min_years": 2})
    got = {r["patient_id"]: r for r in cohort.patients.to_dict("records")}
    assert got["short"]["rin_latency"] == "not met"
    assert got["same"]["rin_histology"] == "not met"
    assert got["no_rt"]["rin_prior_rt_in_field"] == "not met"
    assert got["no_rt"]["rin_status"] == "not met"
    # 2016 -> 2018 may be 1 to 3 years: too imprecise for a 2-year threshold
    assert got["vague"]["rin_latency"] == "unknown"
    assert "too imprecise" in cohort.reasons["vague"]["rin_latency"]
    assert got["vague"]["rin_prior_rt_in_field"] == "unknown"
    assert got["vague"]["rin_status"] == "unknown"
    assert got["outside"]["rin_prior_rt_in_field"] == "not met"
    assert got["outside"]["rin_histology"] == "met"


def test_latency_threshold_is_configurable() -> None:
    df = build_cohort(EXAMPLE_XLSX, {**EXAMPLE_OPTIONS, "latency_min_years": 12}).patients
    assert list(df["rin_latency"]) == ["not met", "met", "met", "not met", "met"]


def test_warnings_not_raised_while_building(tmp_path: Path) -> None:
    # problems are returned for the hook to warn about, once
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_cohort(EXAMPLE_XLSX)


def test_xlsx_cells_of_every_type_and_sheet_option(tmp_path: Path) -> None:
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["nothing here"])
    sheet = book.create_sheet("patients")
    sheet.append([None])  # a blank first row: the header is the first non-empty one
    sheet.append(["Patient", "Age", "NPC diagnosis date", "NEC diagnosis date", "OS (months)"])
    sheet.append([7, 59.0, 2008, dt.datetime(2018, 9, 20, 14, 30), 9])
    sheet.append(["007", 61.5, "2008/05", "2019.01.31", "alive"])
    path = tmp_path / "my_clinical.xlsx"
    book.save(path)
    parsed = parse_clinical(str(path), {"sheet": "patients"})
    assert [r["patient_id"] for r in parsed.rows] == ["7", "007"]
    assert parsed.lines == [3, 4]
    first, second = parsed.rows
    assert (first["age"], first["npc_diagnosis_date"], first["nec_diagnosis_date"]) == (
        59, "2008", "2018-09-20")
    assert first["os_months"] == (9, None)
    assert (second["age"], second["npc_diagnosis_date"], second["os_months"]) == (
        61.5, "2008-05", (None, 0))
    with pytest.raises(InputError, match="no sheet 'other'; sheets: notes, patients"):
        parse_clinical(str(path), {"sheet": "other"})
