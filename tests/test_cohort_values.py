"""Cell readers of the cohort plugin: dates, missing kinds, outcomes, column names."""

from __future__ import annotations

import datetime as dt

import pytest
from rinec_plugins.cohort import values as V
from rinec_plugins.cohort.columns import map_columns, normalise


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2018-09-20", "2018-09-20"),
        ("2018/09/20", "2018-09-20"),
        ("2018/9/2", "2018-09-02"),
        ("2019-05", "2019-05"),
        ("2019/05", "2019-05"),
        ("2008", "2008"),
        ("2018-09-20 00:00:00", "2018-09-20"),
    ],
)
def test_dates_keep_the_precision_given(text: str, iso: str) -> None:
    assert V.parse_date(text) == iso


@pytest.mark.parametrize(
    ("text", "iso"),
    [("20/09/2018", "2018-09-20"), ("Sept 2018", "2018-09"), ("Sep 2018", "2018-09"),
     ("20 September 2018", "2018-09-20"), ("Sep 20, 2018", "2018-09-20"), ("09/2018", "2018-09"),
     ("12/20/2018", "2018-12-20"), ("20.09.2018", "2018-09-20"), ("43363", "2018-09-20")],
)
def test_dates_as_people_write_them(text: str, iso: str) -> None:
    # 43363: Excel's serial for 2018-09-20 (=DATE(2018,9,20) in Excel or LibreOffice).
    assert V.parse_date(text) == iso


def test_ambiguous_day_month_needs_the_option() -> None:
    from rinec_report.tables import AmbiguousDate

    with pytest.raises(AmbiguousDate):
        V.parse_date("12/03/2005")
    assert V.parse_date("12/03/2005", "DD/MM/YYYY") == "2005-03-12"
    assert V.parse_date("12/03/2005", "MM/DD/YYYY") == "2005-12-03"


@pytest.mark.parametrize("text", ["2018-13", "2019-02-30", "18", "31/02/2019", "soon"])
def test_unparseable_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"date|month|day|year"):
        V.parse_date(text)


def test_partial_date_bounds_and_midpoint() -> None:
    assert V.bounds("2008") == (dt.date(2008, 1, 1), dt.date(2008, 12, 31))
    assert V.bounds("2020-02") == (dt.date(2020, 2, 1), dt.date(2020, 2, 29))
    assert V.midpoint("2019-05") == dt.date(2019, 5, 16)


def test_interval_at_the_coarser_precision_with_bounds() -> None:
    estimate, approx, shortest, longest = V.interval_years("2008", "2018-09-20")
    assert (estimate, approx) == (10.0, True)
    assert shortest == pytest.approx((dt.date(2018, 9, 20) - dt.date(2008, 12, 31)).days / 365.25)
    assert longest == pytest.approx((dt.date(2018, 9, 20) - dt.date(2008, 1, 1)).days / 365.25)
    estimate, approx, _, _ = V.interval_years("2019-01", "2019-07-31")
    assert (estimate, approx) == (0.5, True)
    exact = V.interval_years("2020-04-29", "2020-09-26")
    assert exact[1] is False and exact[0] * 12 == pytest.approx(150 / V.DAYS_PER_MONTH)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", V.UNKNOWN),
        ("NA", V.UNKNOWN),
        ("unknown", V.UNKNOWN),
        ("*", V.NO_DETAILS),
        ("yes (*)", V.NO_DETAILS),
        ("-", V.NOT_PERFORMED),
        ("\u2013", V.NOT_PERFORMED),
        ("not performed", V.NOT_PERFORMED),
        ("DDP", None),
    ],
)
def test_missing_kinds_are_kept_apart(text: str, kind: str | None) -> None:
    assert V.missing_kind(text) == kind


def test_no_means_not_performed_only_for_treatments() -> None:
    assert V.missing_kind("no", treatment=True) == V.NOT_PERFORMED
    assert V.missing_kind("no") is None


@pytest.mark.parametrize(
    ("text", "months", "event"),
    [
        ("Alive", None, 0),
        ("Censored", None, 0),
        ("Dead", None, 1),
        ("Died", None, 1),
        ("6 m", 6.0, None),
        ("6", 6.0, None),
        ("6.5 months", 6.5, None),
        ("9 m, died", 9.0, 1),
        ("6 m, progressed", 6.0, 1),
        ("4,5 m", 4.5, None),
        ("1:DECEASED", None, 1),
        ("0:LIVING", None, 0),
    ],
)
def test_outcome_cells_as_clinicians_write_them(
    text: str, months: float | None, event: int | None
) -> None:
    assert V.parse_outcome(text) == (months, event)


@pytest.mark.parametrize(
    ("text", "event"),
    [("yes", 1), ("no", 0), ("1", 1), ("0", 0), ("Dead", 1), ("alive", 0),
     ("progressed", 1), ("progression free", 0), ("0:CENSORED", 0), ("1:PROGRESSION", 1)],
)
def test_event_cells(text: str, event: int) -> None:
    assert V.parse_event(text) == event


def test_nonsense_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="not an event"):
        V.parse_event("maybe")
    with pytest.raises(ValueError):
        V.parse_outcome("-3 m")


def test_numbers_in_clinical_cells() -> None:
    assert V.parse_number("GTV 70 Gy") == 70
    # A number is never pulled out of a text: '35F' (age and sex run together) is not 35.
    with pytest.raises(ValueError, match="'35F' is not a number"):
        V.parse_number("35F")
    with pytest.raises(ValueError, match="'sixty' is not a number"):
        V.parse_number("sixty")


def test_header_names_are_normalised() -> None:
    assert normalise("PFS (months)") == "pfs_months"
    assert normalise(" NPC RT dose (Gy) ") == "npc_rt_dose_gy"
    assert normalise("nec.diagnosis-date") == "nec_diagnosis_date"
    assert normalise("PATIENT_ID") == "patient_id"


def test_configured_column_names_win() -> None:
    mapping = map_columns(["Case", "Age", "Notes"], {"patient_id": "case"})
    assert mapping == {0: "patient_id", 1: "age", 2: "notes"}


def test_configured_column_that_is_absent_is_named() -> None:
    with pytest.raises(ValueError, match="'Case' not found; columns found: 'ID', 'Age'"):
        map_columns(["ID", "Age"], {"patient_id": "Case"})


def test_two_headers_for_one_column_are_refused() -> None:
    # Two synonyms of one column: neither is the column's own name.
    with pytest.raises(ValueError, match="'Patient' and 'Subject ID' both read as 'patient_id'"):
        map_columns(["Patient", "Subject ID"], None)
    # The column's own name wins over a synonym, which keeps its own name.
    assert map_columns(["Patient", "patient_id"], None) == {0: "patient", 1: "patient_id"}
