"""Survival from dates in a clinical table, against R: the cohort derives OS by the
rule the survival plugin reads dates with (rinec_report.survival_dates), and makes no
PFS from a table without progression information.

tests/data/survival/gbsg_dates.csv is R's survival::gbsg re-spelt as dates (provenance
in tests/data/README.md); here it is written as a clinical table, its start column named
"Date of diagnosis". R's figures for it (n 686, 299 events, median 1807 days and its
limits) are read from tests/data/survival/r_edges.out, written by r_edges.R.
"""

from __future__ import annotations

import csv
import datetime as dt
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cohort_helpers import build_cohort, write_table
from rinec_plugins.survival.build import assemble
from rinec_plugins.survival.km import analyse

from rinec_report import Patients, account
from rinec_report.options import with_defaults

DATA = Path(__file__).parent / "data" / "survival"
R_OUT = DATA / "r_edges.out"
DAYS_PER_MONTH = 365.25 / 12
HEADER = ["patient_id", "Date of diagnosis", "Date of death", "Last follow-up date", "hormon"]
PROGRESSION_DAY = 100  # every fifth patient (0, 5, 10, ... in file order) progresses on day 100


def gbsg_rows() -> list[list[str]]:
    with (DATA / "gbsg_dates.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["patient_id", "Date of surgery", "Date of death", "Last follow-up date"]
    return rows[1:]


def clinical(tmp_path: Path, progression: bool = False, start: str = "Date of diagnosis") -> Path:
    rows = gbsg_rows()
    header = [HEADER[0], start, *HEADER[2:]] + (["Date of progression"] if progression else [])
    out = []
    for i, row in enumerate(rows):
        if progression:
            day = dt.date.fromisoformat(row[1]) + dt.timedelta(days=PROGRESSION_DAY)
            row = [*row, day.isoformat() if i % 5 == 0 else ""]
        out.append(row)
    return write_table(tmp_path / "clinical.csv", [header, *out])


def r_quantile(conf: str = "log") -> list[str]:
    """R's median row for gbsg, all patients: n, events, median, lower, upper."""
    for line in R_OUT.read_text().splitlines():
        cells = line.split("\t")
        if cells[:5] == ["quantile", "gbsg", conf, "all", "50"]:
            return cells[5:]
    raise AssertionError("no gbsg median in r_edges.out")


def survival_of(cohort: Any, conf: str = "log") -> tuple[Any, dict[str, Any]]:
    """The survival plugin's assembly and analysis of the cohort's patients, in days."""
    from rinec_plugins.survival import rinec_options

    opts = with_defaults(rinec_options(), {"time_unit": "days", "conf_type": conf}, "survival.")
    dataset = {"patients": cohort.patients, "survival_rule": cohort.survival_rule}
    data = assemble([], dataset, opts, Patients({}, {}))
    return data, analyse(data, opts)


@pytest.mark.parametrize(("conf", "start"), [("log", "Date of diagnosis"), ("log-log", "Date of diagnosis"),
                                             ("log", "Date of surgery")])
def test_os_from_clinical_dates_equals_r(tmp_path: Path, conf: str, start: str) -> None:
    """The start spellings are the synonym table's, the survival plugin's too: a
    surgery date starts survival when the table has no diagnosis date."""
    cohort = build_cohort(clinical(tmp_path, start=start), {})
    _, out = survival_of(cohort, conf)
    n, events, median, lower, upper = r_quantile(conf)
    overall = out["medians"].query("endpoint == 'os'").set_index("group").loc["all"]
    assert (int(overall["n"]), int(overall["events"])) == (int(n), int(events)) == (686, 299)
    for got, want in zip(overall[["median", "ci_lower", "ci_upper"]], (median, lower, upper), strict=True):
        assert float(got) == pytest.approx(float(want), rel=1e-12)


def test_no_pfs_from_a_table_without_progression(tmp_path: Path) -> None:
    cohort = build_cohort(clinical(tmp_path), {})
    assert "pfs_months" not in cohort.patients.columns and "pfs_event" not in cohort.patients.columns
    assert "PFS not derived: no progression column" in cohort.survival_rule
    from rinec_plugins.cohort.sections import cohort_table_section

    from rinec_report.model import Note

    notes = [b.text for b in cohort_table_section(cohort).blocks if isinstance(b, Note)]
    assert "PFS not derived: no progression column." in notes
    data, _ = survival_of(cohort)
    assert list(data.endpoints) == ["os"]


def test_pfs_with_a_progression_column_is_first_of_progression_or_death(tmp_path: Path) -> None:
    cohort = build_cohort(clinical(tmp_path, progression=True), {})
    df = cohort.patients.set_index("patient_id")
    # Hand count (awk over gbsg_dates.csv): 299 deaths; 138 patients progress, 86 of them alive.
    assert df["pfs_months"].notna().sum() == 686
    assert int(df["pfs_event"].sum()) == 299 + 86
    # Patient 132 (the first row) is alive at 2005-01-12 and progressed on day 100;
    # patient 1575 (the second) has no progression and died 2001-02-07 (day 403).
    assert df.loc["132", "pfs_months"] * DAYS_PER_MONTH == pytest.approx(PROGRESSION_DAY, rel=1e-12)
    assert df.loc["132", "pfs_event"] == 1 and df.loc["132", "os_event"] == 0
    assert df.loc["1575", "pfs_months"] * DAYS_PER_MONTH == pytest.approx(403, rel=1e-12)
    assert df.loc["1575", "pfs_months"] == df.loc["1575", "os_months"]
    _, out = survival_of(cohort)
    pfs = out["medians"].query("endpoint == 'pfs'").set_index("group").loc["all"]
    assert (int(pfs["n"]), int(pfs["events"])) == (686, 385)


def test_left_out_patients_are_counted_once_per_reason(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["patient_id", "Date of diagnosis", "Date of death", "Last follow-up date"],
        ["A", "", "2010-05-01", ""],            # no start
        ["B", "", "", "2010-05-01"],            # no start
        ["C", "", "2011-01-01", ""],            # no start
        ["D", "2010-06-01", "2010-05-01", ""],  # death before diagnosis
        ["E", "2010-06-01", "", "2010-01-01"],  # follow-up before diagnosis
        ["F", "2010-01-01", "", ""],            # no end
        ["G", "2010-01-01", "2010-03-01", "2010-06-01"],  # death before the follow-up
        ["H", "2010-01-01", "2010-07-01", "2010-08-01"],  # death before the follow-up
    ])
    from rinec_plugins.cohort import rinec_datasets, rinec_options
    from rinec_plugins.cohort.parse import parse_clinical

    from rinec_report.options import validate

    options = validate(rinec_options(), {}, "cohort.")
    found = SimpleNamespace(file=SimpleNamespace(relpath="clinical.csv"), data=parse_clinical(str(path), options))
    with account.recording() as ledger, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = rinec_datasets(files=[found], options=options, patients=Patients({}, {}))
    said = [str(w.message) for w in caught]
    assert ledger.files["clinical.csv"].dropped == {
        "OS: no start date": 3, "OS: end date before the start date": 2,
        "OS: no date of death or last follow-up": 1}
    assert said.count("OS: 3 patient(s) left out: no start date") == 1
    assert "OS: 2 patient(s) left out: end date before the start date" in said
    assert "OS: 2 patient(s) with a date of death before their last follow-up date; the death is used" in said
    assert not [s for s in said if s.startswith("patient ")]  # nothing said per patient
    df = result["patients"].set_index("patient_id")
    assert df.loc["G", "os_event"] == 1 and df.loc["G", "os_months"] * DAYS_PER_MONTH == pytest.approx(59)


def test_partial_dates_are_taken_at_their_middle(tmp_path: Path) -> None:
    path = write_table(tmp_path / "clinical.csv", [
        ["patient_id", "Date of diagnosis", "Date of death", "Last follow-up date"],
        ["A", "2010-01", "2010-03-01", ""],  # 2010-01-16 (the middle of January) to 1 March: 44 days
        ["B", "2010-01-01", "", "2011"],     # the middle of 2011: 2011-07-02, 547 days
    ])
    df = build_cohort(path, {}).patients.set_index("patient_id")
    assert df.loc["A", "os_months"] * DAYS_PER_MONTH == pytest.approx(44, rel=1e-12)
    assert df.loc["B", "os_months"] * DAYS_PER_MONTH == pytest.approx(547, rel=1e-12)
