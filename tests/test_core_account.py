"""The account API: statements reach the ledger of the recording, and nothing else."""

import pytest

from rinec_report import account


def test_statements_outside_a_recording_do_nothing():
    account.rows(read=3, used=2)
    account.dropped("no id", 1)
    account.column("x", "extra")  # no error, nowhere kept


def test_a_recording_keeps_rows_drops_and_columns_by_file():
    with account.recording("clinical.tsv") as ledger:
        account.rows(read=5, used=3)
        account.dropped("no patient id", 1)
        account.dropped("no patient id", 1)
        account.column("OS (days)", "field", as_field="os_time")
        account.column("mrn", "ignored", reason="an identifier")
        account.dropped("no follow-up time", 4, file="survival.tsv")
    got = ledger.files["clinical.tsv"]
    # hand count: 5 read, 3 used, 2 dropped for one reason
    assert (got.rows_read, got.rows_used, got.dropped) == (5, 3, {"no patient id": 2})
    assert got.columns["OS (days)"] == account.ColumnUse("field", "os_time")
    assert ledger.files["survival.tsv"].dropped == {"no follow-up time": 4}


def test_an_ignored_column_needs_a_reason_and_roles_are_checked():
    with account.recording("a.tsv"), pytest.raises(ValueError):
        account.column("x", "ignored")
    with pytest.raises(ValueError):
        account.column("x", "used")


def test_merge_adds_drops_and_keeps_the_later_counts():
    a = account.FileAccount("a.tsv", rows_read=10, rows_used=8, dropped={"x": 2})
    b = account.FileAccount("a.tsv", rows_used=6, dropped={"x": 1, "y": 1})
    a.merge(b)
    assert (a.rows_read, a.rows_used, a.dropped) == (10, 6, {"x": 3, "y": 1})
