"""The core's side of the account: statements merged by file across recordings, counts
that do not add up said so, nothing made up for a file nobody stated, names kept out
of a de-identified report, and a run of many files readable in the page."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

from account_plugin import InProcess

import rinec_report
from rinec_report import account
from rinec_report.ledger_report import PAGE_ROWS, Accounts, table
from rinec_report.model import FoundFile
from rinec_report.parse import ParseTask, parse_one
from rinec_report.results import InputRecord


def found(relpath: str, plugin: str = "p") -> FoundFile:
    return FoundFile(path=f"/nowhere/{relpath}", relpath=relpath, plugin=plugin, pattern="x", size=1)


def inputs(*names: str) -> list[InputRecord]:
    return [InputRecord(found(n), "ab" * 32, "parsed") for n in names]


def test_a_later_hook_merges_into_the_parse_account_and_can_take_a_drop_back():
    book = Accounts()
    with account.recording("a.png") as parsed:
        account.rows(read=1, used=0, unit="images")
        account.dropped("outside images/")
    book.add("imaging", parsed.files.values())
    with book.recording("imaging"):  # the datasets hook: it names the file
        account.restore("outside images/", file="a.png")
        account.rows(used=1, file="a.png")
    [record] = book.records(inputs("a.png"))
    # hand count: 1 read, 1 used, nothing dropped once the sidecar's use is taken into account
    assert (record["read"], record["used"], record["dropped"], record["account"]) == (1, 1, 0, "complete")


def test_counts_that_do_not_add_up_are_said_so():
    book = Accounts()
    with book.recording("p"):
        account.rows(read=10, used=6, file="a.tsv")
        account.dropped("no id", 1, file="a.tsv")
        account.rows(read=2, used=3, file="b.tsv")
    records = {r["file"]: r for r in book.records(inputs("a.tsv", "b.tsv"))}
    assert records["a.tsv"]["account"] == "3 rows not accounted for"  # 10 - 6 - 1
    assert records["b.tsv"]["account"] == "1 rows more used and dropped than read"


def test_a_file_nobody_stated_has_no_count_at_all():
    book = Accounts()
    [record] = book.records(inputs("quiet.txt"))
    assert record["account"] == "not stated"
    assert record["read"] is record["used"] is record["dropped"] is None
    frame = table([record])
    assert frame["read"].isna().all() and frame["dropped"].isna().all()


def test_a_deidentified_account_names_no_file_and_no_column():
    book = Accounts()
    with book.recording("p"):
        account.rows(read=3, used=3, file="P1_secret.tsv")
        account.column("Jane Doe", "extra", file="P1_secret.tsv")
    [record] = book.records(inputs("P1_secret.tsv"), deidentified=True)
    text = json.dumps(record) + table([record]).to_csv()
    assert "P1_secret" not in text and "Jane Doe" not in text
    assert record["file"].startswith("input-") and "1 column" in table([record])["extra_columns"][0]


def test_the_account_travels_back_with_the_parse_outcome(tmp_path):
    path = tmp_path / "a.acct"
    path.write_text("sample\tvalue\nP1\t1\nP2\tx\n")
    file = FoundFile(str(path), "a.acct", "acct", "table", path.stat().st_size)
    outcome = pickle.loads(pickle.dumps(parse_one(ParseTask("account_plugin", file, {}))))
    [stated] = outcome.accounts
    # hand count: 2 rows read, 'x' is not a number
    assert (stated.file, stated.rows_read, stated.rows_used, stated.dropped) == \
        ("a.acct", 2, 1, {"value is not a number": 1})


def test_a_run_of_many_files_embeds_a_page_of_them_and_exports_all(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    n = PAGE_ROWS + 50
    for i in range(n):  # every tenth file has a row that is not a number
        (run / f"f{i:04d}.acct").write_text("sample\tvalue\nP1\t1\n" + ("P2\tx\n" if i % 10 == 0 else ""))
    report = rinec_report.run(run, outdir=tmp_path / "out", force=True, plugins=("acct",),
                              extra_plugins={"acct": InProcess()})
    html = report.html_path.read_text()
    payload = next(json.loads(p) for p in re.findall(r'id="rr-table-\d+-data">(.*?)</script>', html, re.S)
                   if '"name":"report_account"' in p)
    assert payload["total"] == n and len(payload["rows"]) == PAGE_ROWS
    dropped = payload["columns"].index("dropped")
    lost = -(-n // 10)  # files 0, 10, 20, ...: one row each
    assert [row[dropped] for row in payload["rows"][:lost]] == [1] * lost  # those that lost something first
    assert f"The page lists {PAGE_ROWS:,} of {n:,}" in html
    exported = (Path(report.data_dir) / "report_account.tsv").read_text().splitlines()
    assert len(exported) == n + 1
    assert f"{lost} input files dropped rows or columns" in html
