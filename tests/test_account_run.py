"""The account of every input, end to end: a run directory whose files hold known
(hand-counted) numbers of filtered, duplicate and no-call records, unreadable rows,
extra columns, an image that cannot be decoded and a test plugin that drops rows in
two hooks; the run information, the data folder's table and the manifest say the same
counts, in-process and in the watched worker processes."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from variants_helpers import csq, write_vcf

import rinec_report

# A cohort VCF (three samples, nothing says which is a tumour): each record's fate by hand.
S = ("S1", "S2", "S3")
ANN = f"CSQ={csq('T', 'missense_variant', 'TP53')}"
VCF_RECORDS = [
    ("1", 100, "C", "T", "PASS", ANN, ("0/1", "0/0", "0/0")),       # used
    ("1", 100, "C", "T", "PASS", ANN, ("0/1", "0/0", "0/0")),       # duplicate: its one call is record 1's
    ("1", 200, "C", "T", "PASS", ANN, ("0/1", "0/1", "0/0")),       # used
    ("1", 200, "C", "T", "PASS", ANN, ("0/1", "0/0", "0/1")),       # used: S1 a duplicate, S3 new
    ("1", 300, "C", "T", "LowQual", ANN, ("0/1", "0/1", "0/1")),    # FILTER LowQual
    ("1", 400, "C", "T", "LowQual", ANN, ("0/1", "0/0", "0/0")),    # FILTER LowQual
    ("1", 500, "C", "T", "germline", ANN, ("0/1", "0/1", "0/1")),   # FILTER germline
    ("1", 600, "C", "T", "PASS", ANN, ("./.", "./.", "./.")),       # no carrier: no call
    ("1", 700, "C", "T", "PASS", ANN, ("0/0", "0/0", "0/0")),       # no carrier: reference only
    ("17", 50, "G", "A", "PASS", ANN, ("0/0", "1/1", "0/0")),       # used
]
VCF_ACCOUNT = {"read": 10, "used": 4, "dropped": 6,
               "by_reason": {"FILTER LowQual": 2, "FILTER germline": 1, "duplicate": 1, "no sample carries": 2}}

MAF_HEADER = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2",
              "Variant_Classification", "Tumor_Sample_Barcode", "FILTER", "my_note", "HGVSp", "hugo_symbol"]
MAF_ROWS = [
    ["KRAS", "12", "25398284", "C", "T", "Missense_Mutation", "M1", "PASS", "a", "p.G12D", "KRAS"],  # used
    ["TP53", "17", "7577120", "C", "T", "Missense_Mutation", "M1", "PASS", "b", "", "TP53"],          # used
    ["EGFR", "7", "55249071", "C", "T", "Missense_Mutation", "M2", ".", "c", "", "EGFR"],             # used
    ["BRAF", "7", "140453136", "A", "T", "Missense_Mutation", "M2", "LowQual", "", "", "BRAF"],       # FILTER
    ["NRAS", "1", "abc", "C", "T", "Missense_Mutation", "M2", "PASS", "", "", "NRAS"],                # position
    ["PIK3CA", "3", "178936091"],                                                                      # unreadable
    ["KRAS", "12", "25398284", "C", "T", "Missense_Mutation", "M1", "PASS", "a", "p.G12D", "KRAS"],  # duplicate
]
MAF_ACCOUNT = {"read": 7, "used": 3, "dropped": 4,
               "by_reason": {"FILTER LowQual": 1, "Start_Position": 1, "unreadable": 1, "duplicate": 1}}

# The test plugin's tables: values that are not numbers go at parse, negative ones later.
ACCT = {"a.acct": [("P1", "1"), ("P1", "x"), ("P2", "-3"), ("P3", "4")],  # 4 read, 2 used
        "b.acct": [("P1", "-1"), ("P2", "-2"), ("P3", "")]}                # 3 read, 0 used


def make_run(root: Path) -> Path:
    run = root / "run"
    (run / "images" / "P1").mkdir(parents=True)
    write_vcf(run / "calls.vcf", VCF_RECORDS, samples=S)
    with (run / "muts.maf").open("w", newline="") as fh:
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(MAF_HEADER)
        writer.writerows(MAF_ROWS)
    (run / "images" / "P1" / "2020-01_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"not an image" * 20)
    for name, rows in ACCT.items():
        lines = ["sample\tvalue\tvalue_2\tnote", *(f"{s}\t{v}\t0\tn" for s, v in rows)]
        (run / name).write_text("\n".join(lines) + "\n")
    (run / "x.quiet").write_text("nothing to say\n")
    (run / "coverage.tsv").write_text("sample\tmean_coverage\nM1\t250\nM2\t180\nS1\t300\n")
    return run


def page_table(html: str, name: str) -> list[dict]:
    for payload in re.findall(r'<script type="application/json" id="rr-table-\d+-data">(.*?)</script>', html, re.S):
        data = json.loads(payload)
        if data["name"] == name:
            return [dict(zip(data["columns"], row, strict=True)) for row in data["rows"]]
    raise AssertionError(f"no table {name} in the page")


def tsv_rows(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def reasons(text: str) -> dict[str, int]:
    """'2 FILTER LowQual; 1 duplicate call (...)' -> {'FILTER LowQual': 2, 'duplicate call (...)': 1}."""
    out = {}
    for part in filter(None, (p.strip() for p in re.split(r"; (?=\d)", text or ""))):
        n, reason = part.split(" ", 1)
        out[reason] = int(n.replace(",", ""))
    return out


def matches(got: dict[str, int], expected: dict[str, int]) -> bool:
    """Each expected reason (a prefix of the reason's text) with its hand count, nothing else."""
    if len(got) != len(expected):
        return False
    return all(sum(n for reason, n in got.items() if reason.startswith(prefix)) == count
               for prefix, count in expected.items())


@pytest.fixture(scope="module", params=["in-process", "worker processes"])
def built(request, tmp_path_factory):
    import account_plugin

    root = tmp_path_factory.mktemp(request.param.replace(" ", "_"))
    run = make_run(root)
    plugin = account_plugin.InProcess() if request.param == "in-process" else account_plugin
    report = rinec_report.run(run, outdir=root / "out", force=True,
                              plugins=("variants", "imaging", "acct", "quiet", "coverage"),
                              extra_plugins={"acct": plugin, "quiet": account_plugin.Quiet()})
    html = report.html_path.read_text()
    return report, html, report.data_dir


def by_file(rows: list[dict]) -> dict[str, dict]:
    return {r["file"]: r for r in rows}


@pytest.mark.parametrize("where", ["page", "data folder", "manifest"])
def test_the_variants_accounts_equal_the_hand_counts(built, where):
    _, html, data = built
    if where == "page":
        rows = by_file(page_table(html, "report_account"))
    elif where == "data folder":
        rows = by_file(tsv_rows(data / "report_account.tsv"))
    else:
        manifest = json.loads((data / "manifest.json").read_text())
        rows = {r["file"]: {**r, "dropped_by_reason": "; ".join(f"{n} {k}" for k, n in r["dropped_by_reason"].items())}
                for r in manifest["account"]}
    for name, expected, unit in (("calls.vcf", VCF_ACCOUNT, "records"), ("muts.maf", MAF_ACCOUNT, "rows")):
        row = rows[name]
        assert (int(row["read"]), int(row["used"]), int(row["dropped"])) == \
            (expected["read"], expected["used"], expected["dropped"]), name
        assert matches(reasons(row["dropped_by_reason"]), expected["by_reason"]), (name, row["dropped_by_reason"])
        assert row["unit"] == unit and row["account"] == "complete"


def test_the_plugins_two_hooks_are_merged_by_file(built):
    _, html, _ = built
    rows = by_file(page_table(html, "report_account"))
    # a.acct: 4 read; 'x' not a number (parse), -3 negative (datasets): 2 used.
    assert (rows["a.acct"]["read"], rows["a.acct"]["used"], rows["a.acct"]["dropped"]) == (4, 2, 2)
    assert reasons(rows["a.acct"]["dropped_by_reason"]) == {"value is not a number": 1, "negative value": 1}
    # b.acct: 3 read; '' not a number, two negative: none used.
    assert (rows["b.acct"]["read"], rows["b.acct"]["used"]) == (3, 0)
    assert reasons(rows["b.acct"]["dropped_by_reason"]) == {"negative value": 2, "value is not a number": 1}
    assert rows["a.acct"]["fields"] == "sample, value" and rows["a.acct"]["extra_columns"] == "note"
    assert "value_2" in rows["a.acct"]["ignored_columns"]


def test_a_plugin_that_states_nothing_shows_not_stated_never_a_zero(built):
    _, html, data = built
    page = by_file(page_table(html, "report_account"))["x.quiet"]
    assert page["account"] == "not stated"
    assert page["read"] is None and page["used"] is None and page["dropped"] is None
    manifest = {r["file"]: r for r in json.loads((data / "manifest.json").read_text())["account"]}
    assert manifest["x.quiet"]["read"] is None and manifest["x.quiet"]["account"] == "not stated"
    tsv = by_file(tsv_rows(data / "report_account.tsv"))["x.quiet"]
    assert tsv["read"] == "" and tsv["account"] == "not stated"


def test_an_image_that_cannot_be_read_is_dropped_in_its_account(built):
    _, html, _ = built
    row = by_file(page_table(html, "report_account"))["images/P1/2020-01_broken.png"]
    assert (row["unit"], row["read"], row["used"], row["dropped"]) == ("images", 1, 0, 1)
    assert "cannot be decoded" in row["dropped_by_reason"]


def test_the_maf_columns_are_each_recognised_ignored_or_a_look_alike(built):
    _, html, data = built
    row = by_file(page_table(html, "report_account"))["muts.maf"]
    assert "Hugo_Symbol as gene" in row["fields"] and "Tumor_Sample_Barcode as sample" in row["fields"]
    assert "my_note" in row["ignored_columns"]
    manifest = {r["file"]: r for r in json.loads((data / "manifest.json").read_text())["account"]}
    columns = manifest["muts.maf"]["columns"]
    assert columns["my_note"]["role"] == "ignored"
    assert columns["HGVSp"]["reason"].startswith("looks like")
    assert columns["hugo_symbol (column 11)"]["reason"].startswith("looks like Hugo_Symbol")


def test_each_look_alike_column_is_warned_of_once(built):
    report, _, _ = built
    texts = [m.text for m in report.warnings]
    value_2 = [t for t in texts if "'value_2'" in t]
    assert len(value_2) == 1 and "in 2 files" in value_2[0]  # a.acct and b.acct: one warning
    assert sum("'HGVSp'" in t for t in texts) == 1
    assert sum("'hugo_symbol (column 11)'" in t for t in texts) == 1


def test_the_top_of_the_page_says_how_many_inputs_dropped_rows(built):
    _, html, _ = built
    # calls.vcf, muts.maf, the broken image, a.acct, b.acct (look-alike and drops): 5 files.
    status = re.search(r'<span class="rr-status">(.*?)</span>', html, re.S).group(1)
    assert '<a class="rr-warn" href="#report-account">5 input files dropped rows or columns' in status
    assert 'id="report-account"' in html


def test_the_readme_plugin_states_its_rows(built):
    _, html, _ = built
    row = by_file(page_table(html, "report_account"))["coverage.tsv"]
    # hand count: three samples in coverage.tsv, all used
    assert (row["read"], row["used"], row["dropped"], row["account"]) == (3, 3, 0, "complete")
