"""The trust boundary's readers: every byte an input holds is read through one checked,
bounded way (rinec_report.safeio), whatever its compression or container.

Each test builds the hostile file the way an attacker would and runs the CLI in a child
process under a timeout; the expected figures are the bounds documented in
docs/security.md, not values computed by the code under test.
"""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hardening_helpers import assert_one_line_errors, make_run
from page_helpers import page_text

GIB = 1 << 30
# The bound for every hostile input: under 10 s and 1 GB of peak memory. The seconds are
# the run's CPU time (its processes' user and system time), which a busy machine does
# not stretch as it stretches wall time.
SECONDS, PEAK_BYTES = 10.0, 1 << 30


# A fresh parent for each run, so that the peak it reports is this run's own (the
# largest of the CLI's processes), not the largest child this test process ever had.
_MEASURED = """
import resource, subprocess, sys
code = subprocess.call([sys.executable, "-c", "from rinec_report.cli import main; main()", *sys.argv[2:]])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_utime + usage.ru_stime} {usage.ru_maxrss * 1024}")  # Linux: ru_maxrss in KiB
sys.exit(code)
"""


def timed_cli(*args: str | Path) -> tuple[subprocess.CompletedProcess, float, int]:
    """The CLI in a child, with its CPU seconds and its peak resident memory in bytes (the
    wall time is bounded by the timeout: a hang fails the test)."""
    import tempfile

    env = {**os.environ, "SOURCE_DATE_EPOCH": "1600000000"}
    with tempfile.NamedTemporaryFile("r", suffix=".usage") as usage_file:
        result = subprocess.run([sys.executable, "-c", _MEASURED, usage_file.name, *map(str, args)],
                                capture_output=True, text=True, errors="replace", timeout=120, env=env)
        cpu, peak = usage_file.read().split()
    return result, float(cpu), int(peak)


def gzip_of_zeros(total: int, member: int = 64 << 20) -> bytes:
    """Gzip content that decompresses to ``total`` zero bytes, made quickly: one member
    compressed once, repeated (a valid multi-member gzip, as bgzip writes)."""
    one = gzip.compress(b"\0" * member, compresslevel=9)
    return one * (total // member)


def xlsx_with(sheet_xml_extra: bytes) -> bytes:
    """A small, valid workbook whose first sheet's XML gets ``sheet_xml_extra`` after its
    cells (where Excel writes <mergeCells> and <hyperlinks>)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["patient_id", "age", "sex"], ["P1", 61, "M"], ["P2", 55, "F"]):
        sheet.append(row)
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"</sheetData>" + sheet_xml_extra)
            dst.writestr(info.filename, data)
    return out.getvalue()


def test_a_gzip_bomb_named_csv_is_refused_by_its_decompressed_size(tmp_path):
    # 1.6 MB on disk, 1.5 GiB once decompressed: the default table limit (1,024 MB)
    # counts the decompressed bytes.
    run_dir = make_run(tmp_path / "run", {"clinical.csv": gzip_of_zeros(3 * GIB // 2)})
    assert (run_dir / "clinical.csv").stat().st_size < 2_000_000
    result, seconds, peak = timed_cli(run_dir, "-o", tmp_path / "out", "-v")
    assert result.returncode == 1, result.stderr
    assert_one_line_errors(result)
    assert "clinical.csv: cannot read: its content is larger than 1,024 MB once decompressed" in result.stderr
    assert "max_table_size_mb" in result.stderr
    assert seconds < SECONDS and peak < PEAK_BYTES, (seconds, peak)
    assert (tmp_path / "out" / "rinec_report.html").is_file()  # the IHC table still made a report


def test_a_decompressed_limit_follows_the_users_table_limit(tmp_path):
    # 6 MB of content (a long note) in a small gzip: over a 5 MB limit set by the user,
    # under the default.
    clinical = b"patient_id,age,note\nP1,61," + b"x" * 6_000_000 + b"\nP2,55,short\n"
    run_dir = make_run(tmp_path / "run", {"clinical.csv": gzip.compress(clinical, compresslevel=1)})
    config = tmp_path / "user.yaml"
    config.write_text("max_table_size_mb: 5\n")
    result, _, _ = timed_cli(run_dir, "-o", tmp_path / "out", "-c", config, "-v")
    assert result.returncode == 1
    assert "clinical.csv: cannot read: its content is larger than 5 MB once decompressed" in result.stderr
    default, _, _ = timed_cli(run_dir, "-o", tmp_path / "out2", "-v")
    assert "larger than" not in default.stderr  # the positive control: read whole under the default


def test_a_sniff_reads_its_budget_whatever_the_line_length(tmp_path):
    # 3 GiB of gzip content without one newline, under a name the STRING reader sniffs.
    run_dir = make_run(tmp_path / "run", {"enrichment_x.tsv": gzip_of_zeros(3 * GIB)})
    result, seconds, peak = timed_cli(run_dir, "-o", tmp_path / "out", "-v")
    assert_one_line_errors(result)
    assert "MemoryError" not in result.stderr
    assert result.returncode in (0, 1)
    assert seconds < SECONDS and peak < PEAK_BYTES, (seconds, peak)
    assert (tmp_path / "out" / "rinec_report.html").is_file()


@pytest.mark.parametrize(("extra", "shown"), [
    # One 1.7 KB range over 17 billion cells.
    (b'<mergeCells count="1"><mergeCell ref="A10:XFD1048576"/></mergeCells>', "A10:XFD1048576"),
    # Five million merged cells, and the same range written with a character reference.
    (b'<mergeCells count="1"><mergeCell ref="A10:E1000009"/></mergeCells>', "A10:E1000009"),
    (b'<mergeCells count="1"><mergeCell ref="A10&#58;XFD1048576"/></mergeCells>', "A10:XFD1048576"),
    # Whole columns, and a hyperlink range (openpyxl makes a cell for each of its cells).
    (b'<mergeCells count="1"><mergeCell ref="A:Z"/></mergeCells>', "A:Z"),
    (b'<hyperlinks><hyperlink ref="A1:Z1000000" display="x"/></hyperlinks>', "A1:Z1000000"),
])
def test_a_workbooks_ranges_are_counted_before_anything_is_expanded(tmp_path, extra, shown):
    run_dir = make_run(tmp_path / "run")
    (run_dir / "clinical.csv").unlink()
    (run_dir / "clinical.xlsx").write_bytes(xlsx_with(extra))
    assert (run_dir / "clinical.xlsx").stat().st_size < 10_000
    result, seconds, peak = timed_cli(run_dir, "-o", tmp_path / "out", "-v")
    assert result.returncode == 1, result.stderr
    assert_one_line_errors(result)
    assert "clinical.xlsx: sheet 'Sheet': its " in result.stderr
    assert shown in result.stderr and "more than 100,000" in result.stderr
    assert seconds < SECONDS and peak < PEAK_BYTES, (seconds, peak)


def test_a_workbook_with_a_few_merged_cells_still_reads(tmp_path):
    # The positive control: a header merged over two cells is filled, as Excel shows it.
    from rinec_report.tables import read_table

    path = tmp_path / "clinical.xlsx"
    path.write_bytes(xlsx_with(b'<mergeCells count="1"><mergeCell ref="C2:C3"/></mergeCells>'))
    with pytest.warns(UserWarning, match="merged cells filled"):
        table = read_table(path)
    assert table.header == ["patient_id", "age", "sex"]
    assert [row[2] for row in table.rows] == ["M", "M"]  # C3's 'F' is under the merge


def test_a_workbooks_parts_count_against_the_table_limit_once_unpacked(tmp_path):
    # A shared-strings part of 1.5 GiB of zeros: a few MB in the archive.
    run_dir = make_run(tmp_path / "run")
    (run_dir / "clinical.csv").unlink()
    base = xlsx_with(b"")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        with dst.open("xl/padding.bin", "w", force_zip64=True) as pad:
            block = b"\0" * (64 << 20)
            for _ in range(24):
                pad.write(block)
    (run_dir / "clinical.xlsx").write_bytes(out.getvalue())
    result, seconds, peak = timed_cli(run_dir, "-o", tmp_path / "out", "-v")
    assert result.returncode == 1
    assert_one_line_errors(result)
    assert "clinical.xlsx: cannot read:" in result.stderr and "once decompressed" in result.stderr
    assert seconds < SECONDS and peak < PEAK_BYTES, (seconds, peak)


BILLION_LAUGHS = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True))


@pytest.mark.parametrize(("files", "refusal"), [
    ({"depth_rr.tsv": "sample\tdepth\nS1\t300\n", "depth_rr.yaml": BILLION_LAUGHS},
     "depth_rr.tsv: sidecar depth_rr.yaml: not readable (refused: its aliases expand to more than 100,000"),
    ({"depth_rr.tsv": "".join(f"# {line}\n" for line in BILLION_LAUGHS.splitlines()) + "sample\tdepth\nS1\t300\n"},
     "depth_rr.tsv: the '#' header lines (1-9): refused: its aliases expand to more than 100,000"),
], ids=["sidecar", "header"])
def test_billion_laughs_in_a_custom_sidecar_or_header_is_refused_at_once(tmp_path, files, refusal):
    run_dir = make_run(tmp_path / "run", files)
    result, seconds, peak = timed_cli(run_dir, "-o", tmp_path / "out", "-v")
    assert result.returncode == 1
    assert_one_line_errors(result)
    assert refusal in result.stderr
    assert seconds < SECONDS and peak < PEAK_BYTES, (seconds, peak)


def test_a_custom_sidecar_that_links_out_is_not_followed(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("title: OUTSIDE-SECRET-TITLE\n")
    run_dir = make_run(tmp_path / "run", {"depth_rr.tsv": "sample\tdepth\nS1\t300\n"})
    (run_dir / "depth_rr.yaml").symlink_to(outside)
    result, _, _ = timed_cli(run_dir, "-o", tmp_path / "out", "-v")
    assert result.returncode == 0, result.stderr
    assert_one_line_errors(result)
    assert "sidecar depth_rr.yaml: a link, not followed" in result.stderr
    page = page_text((tmp_path / "out" / "rinec_report.html").read_text())  # the charts' JSON too
    assert "OUTSIDE-SECRET-TITLE" not in page
    # The positive control: the same sidecar as a file of the run directory is read.
    (run_dir / "depth_rr.yaml").unlink()
    (run_dir / "depth_rr.yaml").write_text("title: INSIDE-TITLE\n")
    timed_cli(run_dir, "-o", tmp_path / "out", "-f")
    assert "INSIDE-TITLE" in (tmp_path / "out" / "rinec_report.html").read_text()


def test_the_checked_open_follows_no_link_in_any_component(tmp_path):
    from rinec_report.safeio import LinkRefused, NotRegularFile, checked_path, open_regular

    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "f.csv").write_text("x\n")
    (tmp_path / "folder_link").symlink_to(tmp_path / "real")
    (tmp_path / "file_link.csv").symlink_to(tmp_path / "real" / "f.csv")
    os.mkfifo(tmp_path / "fifo.csv")
    with open_regular(tmp_path / "real" / "f.csv") as fh:
        assert fh.read() == b"x\n"
    for linked in (tmp_path / "folder_link" / "f.csv", tmp_path / "file_link.csv"):
        with pytest.raises(LinkRefused):
            open_regular(linked)
    with pytest.raises(NotRegularFile):
        open_regular(tmp_path / "fifo.csv")  # at once: opened without blocking
    with open_regular(tmp_path / "file_link.csv", follow_links=True) as fh:  # the user's own paths
        assert fh.read() == b"x\n"
    with checked_path(tmp_path / "real" / "f.csv") as proc:
        (tmp_path / "real" / "f.csv").unlink()  # swapped after the check: the library still reads the checked file
        (tmp_path / "real" / "f.csv").symlink_to("/etc/passwd")
        assert Path(proc).read_bytes() == b"x\n"


def test_the_string_cache_neither_reads_nor_writes_through_a_link(tmp_path):
    from datetime import UTC, datetime

    from rinec_plugins.enrichment.json_cache import JsonCache

    # The positive control: a cache in a real folder is written and read back.
    real = JsonCache(tmp_path / "run" / ".rinec_cache" / "string_api.json")
    real.put("0" * 32, "network", [{"a": 1}], datetime(2020, 1, 1, tzinfo=UTC))
    real.save()
    assert JsonCache(real.path).get("0" * 32) is not None
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "string_api.json").write_bytes(real.path.read_bytes())
    before = (elsewhere / "string_api.json").read_bytes()
    for linked in ("folder", "file"):
        run_dir = tmp_path / f"run_{linked}"
        run_dir.mkdir()
        if linked == "folder":
            (run_dir / ".rinec_cache").symlink_to(elsewhere)
        else:
            (run_dir / ".rinec_cache").mkdir()
            (run_dir / ".rinec_cache" / "string_api.json").symlink_to(elsewhere / "string_api.json")
        cache = JsonCache(run_dir / ".rinec_cache" / "string_api.json")
        assert cache.get("0" * 32) is None and "link" in (cache.problem or "")
        cache.put("1" * 32, "network", [{"b": 2}], datetime(2021, 1, 1, tzinfo=UTC))
        with pytest.raises(OSError):
            cache.save()
        assert (elsewhere / "string_api.json").read_bytes() == before
        assert sorted(p.name for p in elsewhere.iterdir()) == ["string_api.json"]  # no temporary left there
