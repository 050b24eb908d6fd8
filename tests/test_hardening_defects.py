"""One test per defect of the hardening review (numbers as in the review), against the CLI.

Defect 1 (the STRING cache) and the STRING half of defect 2 are in
test_hardening_string.py; defect 7's kill test in test_hardening_publish.py; defect 8
in test_hardening_charts.py.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import stat
import sys
import time
from pathlib import Path

import pytest
from hardening_helpers import assert_one_line_errors, cli, make_run

from rinec_report import run

LATIN1_STRING = "#node1\tnode2\tcombined_score\nTP53\tRB1\t0.9\ncaf\xe9\tRB1\t0.5\n".encode("latin-1")
PASSWD_LINE = Path("/etc/passwd").read_text().splitlines()[0]


def _everything_written(out: Path) -> str:
    texts = [p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()]
    return "\n".join(texts)


# ------------------------------------------------------------------ 2. hangs


def test_defect2_fifos_and_a_device_do_not_hang(tmp_path):
    run_dir = make_run(tmp_path / "run")
    (run_dir / "clinical.csv").unlink()
    os.mkfifo(run_dir / "clinical.csv")
    os.mkfifo(run_dir / "string_interactions.tsv")
    (run_dir / "variants").mkdir()
    os.symlink("/dev/zero", run_dir / "variants" / "zero.vcf")
    (tmp_path / "mine.yaml").write_text("allow_links_outside: true\n")  # even when links may leave (the user's)
    result = cli(run_dir, "-o", tmp_path / "out", "-v", "-c", tmp_path / "mine.yaml")
    assert result.returncode == 1  # inputs that could not be read
    assert_one_line_errors(result)
    assert "clinical.csv: unreadable: a FIFO, not a regular file" in result.stderr
    assert "string_interactions.tsv: unreadable: a FIFO, not a regular file" in result.stderr
    assert "variants/zero.vcf: unreadable: a device, not a regular file" in result.stderr
    assert (tmp_path / "out" / "rinec_report.html").is_file()  # the IHC file still made a report


# ------------------------------------------------------------------ 3. resource bombs


def test_defect3_a_yaml_alias_bomb_is_refused_at_once(tmp_path):
    run_dir = make_run(tmp_path / "run")
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    (run_dir / "rinec_report.yaml").write_text("\n".join(levels) + "\n")
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert "refused: its aliases expand to more than 100,000 values" in result.stderr
    assert not (tmp_path / "out" / "rinec_report.html").exists()


def test_defect3_merge_keys_and_a_few_aliases_still_work(tmp_path):
    run_dir = make_run(tmp_path / "run")
    (run_dir / "rinec_report.yaml").write_text("base: &t {title: T}\n<<: *t\n")
    report = run(run_dir, outdir=tmp_path / "out", force=True)
    assert report.run.title == "T"


def test_defect3_an_xlsx_with_a_stray_cell_at_xfd1048576(tmp_path):
    import openpyxl

    from rinec_report.xlsx import read_sheet

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["patient_id", "specimen", "marker", "intensity", "percent"])
    sheet.append(["P1", "NEC", "Ki-67", 3, 80])
    sheet["XFD1048576"] = "x"
    path = tmp_path / "ihc.xlsx"
    book.save(path)
    assert path.stat().st_size < 10_000
    # openpyxl's own view: the declared rectangle is 17 billion cells.
    assert openpyxl.load_workbook(path, read_only=True).active.max_column == 16384
    got = read_sheet(path)
    assert got.rows == [
        ["patient_id", "specimen", "marker", "intensity", "percent", None],
        ["P1", "NEC", "Ki-67", 3, 80, None],
        [None, None, None, None, None, "x"],
    ]
    assert got.row_numbers == [1, 2, 1048576] and got.columns == [1, 2, 3, 4, 5, 16384]


def test_defect3_stray_cells_in_the_ihc_and_clinical_workbooks_of_a_run(tmp_path):
    import openpyxl

    run_dir = make_run(tmp_path / "run")
    for name, rows in {
        "ihc_scores.xlsx": [
            ["patient_id", "specimen", "marker", "intensity", "percent"],
            ["P1", "NEC", "Ki-67", 3, 80],
        ],
        "clinical.xlsx": [["patient_id", "sample_id", "age", "sex"], ["P1", "S1", 61, "M"], ["P2", "S2", 55, "F"]],
    }.items():
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.active["XFD1048576"] = "stray"
        book.save(run_dir / name)
        (run_dir / name.replace(".xlsx", ".csv")).unlink()
    result = cli(run_dir, "-o", tmp_path / "out")  # in a subprocess: a bomb is a failed test, not a stuck one
    assert_one_line_errors(result)
    manifest = json.loads((tmp_path / "out" / "rinec_report_data" / "manifest.json").read_text())
    statuses = {i["file"]: i["status"] for i in manifest["inputs"]}
    # The stray cell is a row of its own: read, or refused by the reader as a row
    # without a patient; either way at once, and naming that row.
    for name, status in statuses.items():
        if status == "error":
            assert next(e for e in manifest["errors"] if name in e).split(": ")[2].startswith("row 1048576")
        else:
            assert status == "parsed"


def test_defect3_an_xlsx_over_the_cell_limit_says_how_to_raise_it(tmp_path):
    import openpyxl

    from rinec_report import InputError
    from rinec_report.xlsx import read_sheet

    book = openpyxl.Workbook()
    for row in range(1, 101):
        book.active.append([row, row * 2])
    book.save(tmp_path / "big.xlsx")
    with pytest.raises(InputError, match=r"stores more than 50 cells; .* environment variable RINEC_MAX_XLSX_CELLS"):
        read_sheet(tmp_path / "big.xlsx", max_cells=50)


# ------------------------------------------------------------------ 4. outside the run directory


def test_defect4_a_link_to_etc_passwd_is_not_read(tmp_path):
    run_dir = make_run(tmp_path / "run")
    (run_dir / "clinical.csv").unlink()
    os.symlink("/etc/passwd", run_dir / "clinical.csv")
    result = cli(run_dir, "-o", tmp_path / "out")
    assert_one_line_errors(result)
    assert PASSWD_LINE not in _everything_written(tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "rinec_report_data" / "manifest.json").read_text())
    assert "clinical.csv" not in [i["file"] for i in manifest["inputs"]]
    assert any("clinical.csv: skipped: a link out of the run directory" in w for w in manifest["warnings"])


def test_defect4_a_link_to_a_folder_outside_is_not_walked_unless_allowed(tmp_path):
    outside = tmp_path / "elsewhere"
    for i in range(50):
        make_run(outside / f"d{i}", {f"s{i}_ihc.csv": "patient_id,specimen,marker,intensity,percent\n"})
    run_dir = make_run(tmp_path / "run")
    os.symlink(outside, run_dir / "linked")
    report = run(run_dir, outdir=tmp_path / "out", force=True)
    assert [r.file.relpath for r in report.inputs] == ["clinical.csv", "ihc_scores.csv"]
    assert ("linked", "a link out of the run directory, not followed (allow_links_outside: true follows it)") in (
        report.skipped
    )
    allowed = run(run_dir, outdir=tmp_path / "out2", force=True, config={"allow_links_outside": True})
    assert len(allowed.inputs) > 2
    followed = [m.line() for m in allowed.warnings if "followed a link out of the run directory" in m.text]
    assert followed == [f"core: linked: followed a link out of the run directory to {outside.resolve()}"]


def test_defect4_files_named_in_the_run_directory_config_stay_inside_it(tmp_path):
    (tmp_path / "outside_genes.txt").write_text("TP53\nRB1\n")
    run_dir = make_run(tmp_path / "run", {"genes.txt": "TP53\nRB1\n"})
    for option in ("gene_sets: [/etc/passwd]", "genes: ../outside_genes.txt", "background: /etc/passwd"):
        (run_dir / "rinec_report.yaml").write_text(f"enrichment: {{{option}}}\n")
        result = cli(run_dir, "-o", tmp_path / "out", "-f", "-m", "enrichment")
        assert_one_line_errors(result)
        assert result.returncode == 1
        assert "is outside the run directory; copy the file into it (or set allow_links_outside: true)" in (
            result.stderr
        )
        assert PASSWD_LINE not in _everything_written(tmp_path / "out")


# ------------------------------------------------------------------ 5. the scanner and its own output


def test_defect5_a_report_inside_the_run_directory_is_not_read_back(tmp_path):
    run_dir = make_run(tmp_path / "run")
    first = cli(run_dir, "-o", run_dir / "report_v1")
    assert first.returncode == 0, first.stderr
    assert (run_dir / "report_v1" / "rinec_report_data" / "ihc_scores.tsv").is_file()
    second = cli(run_dir, "-o", run_dir / "report_v2")
    assert second.returncode == 0, second.stderr
    manifest = json.loads((run_dir / "report_v2" / "rinec_report_data" / "manifest.json").read_text())
    assert [i["file"] for i in manifest["inputs"]] == ["clinical.csv", "ihc_scores.csv"]
    # And a copy of a report, moved anywhere in the run directory, is recognised by its manifest.
    shutil.copytree(run_dir / "report_v1" / "rinec_report_data", run_dir / "old_tables")
    third = run(run_dir, outdir=tmp_path / "out3", force=True)
    assert [r.file.relpath for r in third.inputs] == ["clinical.csv", "ihc_scores.csv"]
    assert ("old_tables", "holds a report written by rinec-report, not scanned") in third.skipped


def test_defect5_running_from_a_subfolder_does_not_hide_it(tmp_path):
    run_dir = make_run(tmp_path / "run", {"ihc/ihc_more.csv": "patient_id,specimen,marker,intensity,percent\n"
                                          "P1,NPC,Ki-67,1,10\n"})  # fmt: skip
    result = cli(run_dir, cwd=run_dir / "ihc")  # the default output folder is the current one
    assert result.returncode == 0, result.stderr
    manifest = json.loads((run_dir / "ihc" / "rinec_report_data" / "manifest.json").read_text())
    assert "ihc/ihc_more.csv" in [i["file"] for i in manifest["inputs"]]
    again = cli(run_dir, "-f", cwd=run_dir / "ihc")  # and its own report there is not read back
    manifest = json.loads((run_dir / "ihc" / "rinec_report_data" / "manifest.json").read_text())
    assert again.returncode == 0
    assert sorted(i["file"] for i in manifest["inputs"]) == ["clinical.csv", "ihc/ihc_more.csv", "ihc_scores.csv"]


# ------------------------------------------------------------------ 6. one-line errors


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("clinical.xlsx", b"", "not a readable .xlsx"),
        ("clinical.xlsx", b"PK\x03\x04 this is not a workbook", "not a readable .xlsx"),
        ("string_interactions.tsv", LATIN1_STRING, "not UTF-8"),
    ],
)  # fmt: skip
def test_defect6_broken_input_files_are_one_line_errors(tmp_path, name, content, expected):
    run_dir = make_run(tmp_path / "run", {name: content})
    if name == "clinical.xlsx":
        (run_dir / "clinical.csv").unlink()
    result = cli(run_dir, "-o", tmp_path / "out")
    assert_one_line_errors(result)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("rinec-report: error:")]
    assert errors and all(name in line for line in errors), result.stderr
    assert any(expected in line for line in errors), result.stderr


def test_defect6_a_truncated_xlsx(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["patient_id", "age"])
    book.active.append(["P1", 60])
    book.save(tmp_path / "whole.xlsx")
    data = (tmp_path / "whole.xlsx").read_bytes()
    run_dir = make_run(tmp_path / "run", {"clinical.xlsx": data[: len(data) // 2]})
    (run_dir / "clinical.csv").unlink()
    result = cli(run_dir, "-o", tmp_path / "out")
    assert_one_line_errors(result)
    assert result.returncode == 1
    assert "rinec-report: error: cohort: clinical.xlsx:" in result.stderr


def test_defect6_a_latin1_survival_table(tmp_path):
    survival = "patient_id\tos_months\tos_event\tgroupe\nP1\t12\t1\tB\xe9nin\nP2\t30\t0\tMalin\n"
    run_dir = make_run(tmp_path / "run", {"survival.tsv": survival.encode("latin-1")})
    result = cli(run_dir, "-o", tmp_path / "out")
    assert_one_line_errors(result)
    assert result.returncode in (0, 1)  # read (as Latin-1) or refused in one line
    assert (tmp_path / "out" / "rinec_report.html").is_file()


def test_defect6_config_not_utf8_and_a_bad_regex(tmp_path):
    run_dir = make_run(tmp_path / "run")
    (run_dir / "rinec_report.yaml").write_bytes(b"title: Caf\xe9\n")
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert "rinec_report.yaml: line 1: not UTF-8 text (byte 0xe9); save it as UTF-8" in result.stderr
    (run_dir / "rinec_report.yaml").write_text("patterns:\n  cohort/clinical: {contents: '(unclosed'}\n")
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert "config 'patterns' cohort/clinical: contents is not a valid regular expression" in result.stderr
    # A valid expression that backtracks without bound: stopped, named, and the rest of
    # the report still made.
    (run_dir / "rinec_report.yaml").write_text("patterns:\n  cohort/clinical: {contents: '^(a|aa)+$'}\n")
    (run_dir / "clinical_extra.csv").write_text("a" * 60 + "b\n")
    result = cli(run_dir, "-o", tmp_path / "out", "--force")
    assert result.returncode == 1
    assert_one_line_errors(result)
    assert "pattern cohort/clinical: its contents expression ran over 1 s" in result.stderr
    assert (tmp_path / "out" / "rinec_report.html").exists()


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file systems refuse names that are not UTF-8")
def test_defect6_a_file_name_that_is_not_utf8(tmp_path):
    run_dir = make_run(tmp_path / "run")
    name = os.fsencode(run_dir) + b"/ihc_caf\xe9.csv"
    with open(name, "wb") as fh:
        fh.write(b"patient_id,specimen,marker,intensity,percent\nP2,NPC,Ki-67,1,10\n")
    result = cli(run_dir, "-o", tmp_path / "out")
    assert_one_line_errors(result)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "rinec_report_data" / "manifest.json").read_text(encoding="utf-8"))
    assert "ihc_caf\ufffd.csv" in [i["file"] for i in manifest["inputs"]]


def test_defect6_source_date_epoch_read_only_output_and_empty_name(tmp_path):
    run_dir = make_run(tmp_path / "run")
    result = cli(run_dir, "-o", tmp_path / "out", env={"SOURCE_DATE_EPOCH": "abc"})
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not 'abc'" in result.stderr
    result = cli(run_dir, "-o", tmp_path / "out", "-n", "")
    assert result.returncode == 2
    assert "the report file name (-n) is empty" in result.stderr
    assert_one_line_errors(result)


def test_defect6_a_read_only_output_folder_fails_before_the_work(tmp_path, monkeypatch):
    run_dir = make_run(tmp_path / "run")
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        if os.access(out, os.W_OK):  # root ignores the mode: make the folder refuse writes another way
            import rinec_report.write as write

            real_mkstemp = write.tempfile.mkstemp

            def refuse(*args, dir=None, **kwargs):
                if dir is not None and Path(dir) == out:
                    raise PermissionError(13, "Permission denied")
                return real_mkstemp(*args, dir=dir, **kwargs)

            monkeypatch.setattr(write.tempfile, "mkstemp", refuse)
        started = time.monotonic()
        with pytest.raises(Exception, match=r"cannot write to the output folder .*ro: Permission denied") as caught:
            run(run_dir, outdir=out)
        assert type(caught.value).__name__ == "UsageError"
        assert time.monotonic() - started < 60
    finally:
        out.chmod(0o755)


# ------------------------------------------------------------------ 7. -n


def test_defect7_the_file_name_is_a_plain_name(tmp_path):
    run_dir = make_run(tmp_path / "run")
    result = cli(run_dir, "-o", tmp_path / "a" / "b", "-n", "../../x.html")
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert "must be a plain file name, not a path: '../../x.html'" in result.stderr
    assert not (tmp_path / "x.html").exists()


# ------------------------------------------------------------------ 9. exit status and logs


def test_defect9_an_input_that_cannot_be_opened_exits_1(tmp_path, monkeypatch):
    run_dir = make_run(tmp_path / "run")
    target = str(run_dir / "ihc_scores.csv")
    if os.geteuid() != 0:
        os.chmod(target, 0)
    else:  # root reads any file: refuse it at the system call instead
        import rinec_report.safeio as safeio
        import rinec_report.scan as scan

        real_open = safeio.os.open

        def refusing_open(path, flags, *args, **kwargs):
            if os.fspath(path) == target:
                raise PermissionError(13, "Permission denied", target)
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(safeio.os, "open", refusing_open)
        monkeypatch.setattr(scan.os, "access", lambda path, mode: os.fspath(path) != target)
    try:
        report = run(run_dir, outdir=tmp_path / "out", force=True, jobs=1)
    finally:
        os.chmod(target, stat.S_IRUSR | stat.S_IWUSR)
    assert report.exit_status == 1
    assert [m.line() for m in report.errors] == ["core: ihc_scores.csv: unreadable: permission denied"] or [
        m.line() for m in report.errors
    ] == ["core: ihc_scores.csv: unreadable: Permission denied"]


def test_defect9_htslib_output_stays_out_of_the_log_without_v(tmp_path):
    vcf = (
        "##fileformat=VCFv4.2\n##INFO=<ID=DP,Number=1,Type=Integer>\n"
        "##SAMPLE=<ID=SECRETPATIENT42,Description=broken\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSECRETPATIENT42\n"
        "chr1\t100\t.\tA\tT\t50\tPASS\tDP=3;XX=1\tGT\t0/1\n"
    )
    run_dir = make_run(tmp_path / "run", {"variants/s.vcf": vcf})
    quiet = cli(run_dir, "-o", tmp_path / "out", "-m", "variants")
    assert "SECRETPATIENT42" not in quiet.stderr
    assert "Incomplete header line" not in quiet.stderr  # htslib's own text, kinds only
    manifest = json.loads((tmp_path / "out" / "rinec_report_data" / "manifest.json").read_text())
    summary = [w for w in manifest["warnings"] if "htslib printed" in w]
    assert len(summary) == 1 and "[W::bcf_hdr_parse_line]" in summary[0] and "SECRET" not in summary[0]
    verbose = cli(run_dir, "-o", tmp_path / "out", "-m", "variants", "-f", "-v")
    assert "[W::bcf_hdr_parse_line]" in verbose.stderr  # shown when asked for


def test_gzip_helper_sanity(tmp_path):
    # Compression is recognised by the bytes, not the name (as htslib and the table reader
    # do): a plain BED named .bed.gz reads, and so does a real gzip of the same text.
    plain = make_run(tmp_path / "plain", {"panel.bed.gz": b"chr1\t1\t100\tTP53\n"})
    report = run(plain, outdir=tmp_path / "plain_out", force=True, jobs=1)
    assert not [m for m in report.errors if "panel.bed.gz" in m.line()]
    path = tmp_path / "panel.bed.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("chr1\t1\t100\tTP53\n")
    run_dir = make_run(tmp_path / "run", {"panel.bed.gz": path.read_bytes()})
    report = run(run_dir, outdir=tmp_path / "out", force=True, jobs=1)
    assert not [m for m in report.errors if "panel.bed.gz" in m.line()]
