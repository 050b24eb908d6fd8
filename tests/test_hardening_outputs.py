"""The output folder as an attacker would lay it out, and the outputs as inputs.

Each test runs the command in a subprocess with a time limit (a hang is a failed
test) and checks its exit status, that what it says is one line naming the file,
and that no traceback reaches the user. Expected values are counted by hand from
the small run directory of ``hardening_helpers`` (two patients, one clinical
table, one IHC table).
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from hardening_helpers import assert_one_line_errors, cli, make_run

from rinec_report.write import write_table

JOURNAL = ".rinec_report.commit"
RUN_INPUTS = ["clinical.csv", "ihc_scores.csv"]  # what make_run writes


def _inputs(data_dir: Path) -> list[str]:
    """The inputs a report read, from its manifest (de-identified: their kinds)."""
    manifest = json.loads((data_dir / "manifest.json").read_text())
    return sorted(f"{r['plugin']}/{r['pattern']}" for r in manifest["inputs"])


def _leftovers(out: Path) -> list[str]:
    """Our temporaries and journal: nothing of them may stay after a run."""
    return sorted(p.name for p in out.iterdir() if p.name.endswith((".rinec-new", ".rinec-old"))
                  or p.name.startswith(JOURNAL))


# ------------------------------------------------ the journal, the lock, the page


def test_a_fifo_where_the_journal_goes_is_removed_with_a_warning(tmp_path):
    run = make_run(tmp_path / "run")
    os.mkfifo(run / JOURNAL)  # the output folder is the run directory
    done = cli(run, "-o", run)
    assert done.returncode == 0, done.stderr
    assert_one_line_errors(done)
    warned = [line for line in done.stderr.splitlines() if JOURNAL in line]
    assert len(warned) == 1 and "cannot be applied" in warned[0], done.stderr
    assert (run / "rinec_report.html").is_file()
    assert not os.path.lexists(run / JOURNAL)


@pytest.mark.parametrize("kind", ["fifo", "link", "folder"])
def test_a_lock_that_is_not_a_file_is_a_usage_error(tmp_path, kind):
    run = make_run(tmp_path / "run")
    out = tmp_path / "out"
    out.mkdir()
    lock = out / ".rinec_report.lock"
    if kind == "fifo":
        os.mkfifo(lock)
    elif kind == "link":
        lock.symlink_to(tmp_path / "elsewhere")
    else:
        lock.mkdir()
    done = cli(run, "-o", out)
    assert done.returncode == 2, done.stderr
    assert_one_line_errors(done)
    assert ".rinec_report.lock" in done.stderr
    assert not (tmp_path / "elsewhere").exists()  # nothing created through the link
    assert not (out / "rinec_report.html").exists()


@pytest.mark.parametrize("what", ["page", "identity map", "PDF"])
@pytest.mark.parametrize("kind", ["fifo", "folder", "link"])
def test_a_name_the_report_takes_held_by_a_non_file_is_a_usage_error(tmp_path, what, kind):
    run = make_run(tmp_path / "run")
    out = tmp_path / "out"
    out.mkdir()
    name = {"page": "r.html", "identity map": "r.identity-map.DO-NOT-SHARE.tsv", "PDF": "r.pdf"}[what]
    if kind == "fifo":
        os.mkfifo(out / name)
    elif kind == "folder":
        (out / name).mkdir()
    else:
        (tmp_path / "target").write_text("not ours")
        (out / name).symlink_to(tmp_path / "target")
    done = cli(run, "-o", out, "-n", "r.html", "-f", "--deidentify")
    assert done.returncode == 2, done.stderr
    assert_one_line_errors(done)
    named = [line for line in done.stderr.splitlines() if name in line]
    assert len(named) == 1 and what in named[0], done.stderr
    assert (tmp_path / "target").read_text() == "not ours" if kind == "link" else True
    assert not (out / "r_data").exists() and _leftovers(out) == []


def test_a_page_named_as_an_earlier_reports_data_folder(tmp_path):
    run = make_run(tmp_path / "run")
    out = tmp_path / "out"
    assert cli(run, "-o", out, "-n", "r.html").returncode == 0
    done = cli(run, "-o", out, "-n", "r_data", "-f")
    assert done.returncode == 2, done.stderr
    assert_one_line_errors(done)
    assert "r_data is a folder" in done.stderr
    assert _leftovers(out) == []
    # and every later run into the folder works
    again = cli(run, "-o", out, "-f")
    assert again.returncode == 0, again.stderr
    assert_one_line_errors(again)


@pytest.mark.parametrize("journal", ["not json", "a folder", "a link", "names a folder", "too big", "nested"])
def test_a_journal_that_cannot_be_applied_is_set_aside(tmp_path, journal):
    """What main's ``-n r_data`` left (its journal names r_data, a folder, as the page)
    and other journals no run can apply: the next run warns, sets it aside and writes."""
    run = make_run(tmp_path / "run")
    out = tmp_path / "out"
    assert cli(run, "-o", out, "-n", "r.html").returncode == 0
    path = out / JOURNAL
    if journal == "not json":
        path.write_text("{half a journal")
    elif journal == "a folder":
        path.mkdir()
    elif journal == "a link":
        path.symlink_to("/dev/zero")
    elif journal == "names a folder":
        path.write_text(json.dumps({"html": "r_data", "data": "r_data_data"}))
        (out / ".r_data.rinec-new").write_text("a staged page")
        (out / ".r_data_data.rinec-new").mkdir()
    elif journal == "too big":
        path.write_bytes(b" " * (1 << 20) + b"{}")
    else:  # deeper than Python's JSON reader goes
        path.write_text("[" * 30000 + "]" * 30000)
    done = cli(run, "-o", out, "-f")
    assert done.returncode == 0, done.stderr
    assert_one_line_errors(done)
    warned = [line for line in done.stderr.splitlines() if JOURNAL in line]
    assert len(warned) == 1 and "cannot be applied" in warned[0], done.stderr
    assert (out / "rinec_report.html").is_file()
    assert (out / "r_data").is_dir() and (out / "r.html").is_file()  # the earlier report untouched
    assert _leftovers(out) == []
    assert cli(run, "-o", out, "-f").stderr.count(JOURNAL) == 0  # handled once and for all


def test_a_committed_de_identified_report_is_completed_with_its_map(tmp_path):
    """What a run killed after its commit leaves (the journal, the staged page, data
    folder and map): the next run into the folder, whatever its name, publishes all three."""
    run = make_run(tmp_path / "run")
    made = tmp_path / "made"
    assert cli(run, "-o", made, "-n", "r.html", "--deidentify").returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    mapname = "r.identity-map.DO-NOT-SHARE.tsv"
    for name in ("r.html", "r_data", mapname):
        (made / name).rename(out / f".{name}.rinec-new")
    (out / JOURNAL).write_text(json.dumps({"html": "r.html", "data": "r_data", "map": mapname}))
    done = cli(run, "-o", out, "-n", "other.html")
    assert done.returncode == 0, done.stderr
    assert_one_line_errors(done)
    assert (out / "r.html").is_file() and (out / "r_data" / "manifest.json").is_file()
    assert (out / mapname).read_text().startswith("kind\toriginal\tpseudonym\n")
    assert _leftovers(out) == []


# ------------------------------------------------------------ outputs as inputs


@pytest.mark.parametrize("name", ["ihc.html", "cohort_clinical.html"])
def test_a_de_identified_report_written_twice_into_its_run_directory(tmp_path, name):
    """The identity map of ``ihc.html`` is named like an IHC table, that of
    ``cohort_clinical.html`` like a clinical table: the second run reads neither."""
    run = make_run(tmp_path / "run")
    for _ in range(2):
        done = cli(run, "-o", run, "-n", name, "--deidentify", "-f")
        assert done.returncode == 0, done.stderr
        assert_one_line_errors(done)
    data = run / f"{Path(name).stem}_data"
    assert _inputs(data) == ["cohort/clinical", "ihc/scores"]


def test_no_output_of_an_earlier_report_is_read_whatever_the_new_name(tmp_path):
    run = make_run(tmp_path / "run")
    first = cli(run, "-o", run, "-n", "cohort_clinical.html", "--deidentify")
    assert first.returncode == 0, first.stderr
    (run / "cohort_clinical.pdf").write_bytes(b"%PDF-1.4 as --pdf would leave it")
    second = cli(run, "-o", run, "-n", "ihc_again.html", "--deidentify")
    assert second.returncode == 0, second.stderr
    assert_one_line_errors(second)
    assert _inputs(run / "ihc_again_data") == ["cohort/clinical", "ihc/scores"]
    third = cli(run, "-o", run, "-n", "third.html")  # identified: file names are shown
    assert third.returncode == 0, third.stderr
    inputs = pd.read_csv(run / "third_data" / "report_inputs.tsv", sep="\t")
    assert sorted(inputs["file"]) == RUN_INPUTS


def test_no_data_dir_removes_a_stale_data_folder_of_ours(tmp_path):
    run = make_run(tmp_path / "run")
    out = tmp_path / "out"
    assert cli(run, "-o", out, "-n", "r.html").returncode == 0
    assert (out / "r_data" / "manifest.json").is_file()
    done = cli(run, "-o", out, "-n", "r.html", "-f", "--no-data-dir")
    assert done.returncode == 0, done.stderr
    assert not os.path.lexists(out / "r_data")
    assert _leftovers(out) == []


def test_no_data_dir_refuses_a_folder_that_is_not_ours(tmp_path):
    run = make_run(tmp_path / "run")
    out = tmp_path / "out"
    (out / "r_data").mkdir(parents=True)
    (out / "r_data" / "mine.txt").write_text("the user's own")
    done = cli(run, "-o", out, "-n", "r.html", "--no-data-dir")
    assert done.returncode == 2, done.stderr
    assert_one_line_errors(done)
    assert "r_data" in done.stderr and "did not write" in done.stderr
    assert (out / "r_data" / "mine.txt").read_text() == "the user's own"


# ------------------------------------------------------------- one quoting rule

CONTROL_NAMES = [f"c{c:02x}{chr(c)}_ihc.csv" for c in range(1, 0x20)]  # NUL cannot be in a name


def _read_back(path: Path) -> tuple[pd.DataFrame, list[list[str]]]:
    text = path.read_bytes().decode("utf-8")
    frame = pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))
    return frame, rows


def test_file_names_with_control_characters_keep_the_input_list_whole(tmp_path):
    run = make_run(tmp_path / "run", {name: "patient_id,marker,percent\nP1,Ki-67,5\n" for name in CONTROL_NAMES})
    out = tmp_path / "out"
    done = cli(run, "-o", out)
    assert_one_line_errors(done)
    assert done.returncode in (0, 1), done.stderr
    frame, rows = _read_back(out / "rinec_report_data" / "report_inputs.tsv")
    # one header and one row per input: 2 of make_run and 31 with a control character
    assert frame.shape == (33, 6) and len(rows) == 34
    assert all(len(r) == 6 for r in rows)
    assert sorted(frame["file"]) == sorted([*RUN_INPUTS, *CONTROL_NAMES])


def test_every_control_character_round_trips_through_the_export(tmp_path):
    cells = [f"a{chr(c)}b" for c in [*range(0x20), 0x7F, 0x85, 0x9F, 0x2028, 0x2029]] + ['q"uote', "t\tab"]
    frame = pd.DataFrame({"value": cells, "n": range(len(cells)), "again": cells[::-1]})
    for fmt, sep in (("tsv", "\t"), ("csv", ",")):
        path = tmp_path / f"t.{fmt}"
        write_table(frame, path, fmt, keep_formulas=True)
        text = path.read_bytes().decode("utf-8")
        # pandas' C parser ends a text at NUL (its rows and columns stay right); its
        # Python parser and the csv module give every value back.
        fast = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
        assert fast.shape == frame.shape and list(fast["n"]) == [str(k) for k in range(len(cells))]
        back = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, engine="python")
        assert back.shape == frame.shape
        assert list(back["value"]) == cells and list(back["again"]) == cells[::-1]
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        assert len(rows) == len(cells) + 1 and {len(r) for r in rows} == {3}
        assert [r[0] for r in rows[1:]] == cells
        # A line-based reader sees one line per row: every break inside a cell is in quotes.
        outside = "".join(text.split('"')[0::2])
        assert outside.count("\n") == len(cells) + 1 and "\r" not in outside


def test_the_identity_map_quotes_control_characters(tmp_path):
    clinical = 'patient_id,sample_id,age,sex\n"P\r1",S1,61,M\nP2,S\x1f2,55,F\n'
    run = make_run(tmp_path / "run", {"clinical.csv": clinical})
    out = tmp_path / "out"
    done = cli(run, "-o", out, "--deidentify")
    assert_one_line_errors(done)
    frame, rows = _read_back(out / "rinec_report.identity-map.DO-NOT-SHARE.tsv")
    assert {len(r) for r in rows} == {3}
    assert {"P\r1", "S\x1f2"} <= set(frame["original"])


# ------------------------------------------------------------------------ audit


def test_audit_of_a_fifo_is_a_usage_error(tmp_path):
    run = make_run(tmp_path / "run")
    os.mkfifo(tmp_path / "report.html")
    done = cli("audit", tmp_path / "report.html", "--run-dir", run)
    assert done.returncode == 2, done.stderr
    assert_one_line_errors(done)
    assert "report.html" in done.stderr and "FIFO" in done.stderr


def test_audit_names_what_it_cannot_read_in_the_data_folder(tmp_path):
    run = make_run(tmp_path / "run")
    out = tmp_path / "out"
    assert cli(run, "-o", out, "--deidentify").returncode == 0
    data = out / "rinec_report_data"
    os.mkfifo(data / "fifo.tsv")
    (data / "zero.tsv").symlink_to("/dev/zero")
    (data / "outside.tsv").symlink_to(run / "clinical.csv")
    done = cli("audit", out / "rinec_report.html", "--run-dir", run)
    assert_one_line_errors(done)
    assert done.returncode == 1, done.stderr
    unread = sorted(line.split(":")[0] for line in done.stdout.splitlines() if "not searched" in line)
    assert unread == [f"rinec_report_data/{n}" for n in ("fifo.tsv", "outside.tsv", "zero.tsv")], done.stdout
    assert "0 identifier(s) found, 3 file(s) not searched" in done.stderr


# ------------------------------------------------------- the page's Download CSV

PAGE_CELLS = [f"a{chr(c)}b" for c in [*range(1, 0x20), 0x7F, 0x85, 0x2028]] + ['q"uote', "c,omma"]


def test_the_pages_csv_download_quotes_every_control_character(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="install the test extras")
    from page_helpers import Opened, launch

    table = "patient_id,label\n" + "".join(
        f'P1,"{cell.replace(chr(34), chr(34) * 2)}"\n' for cell in PAGE_CELLS)
    run = make_run(tmp_path / "run", {"labels_rr.csv": table})
    out = tmp_path / "out"
    done = cli(run, "-o", out)
    assert done.returncode == 0, done.stderr
    _, exported = _read_back(out / "rinec_report_data" / "custom_labels.tsv")
    # (the custom table reader turns \v, \f and \r into \n: the page shows what it read)
    shown = [r[1] for r in exported[1:]]
    assert len(shown) == len(PAGE_CELLS) and [c for c in shown if "\x1f" in c] == ["a\x1fb"]
    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            opened = Opened(browser, out / "rinec_report.html")
            text = opened.page.evaluate(
                "window.rinecTables.find(t => t.data.name === 'custom_labels').csv()")
            opened.close()
        finally:
            browser.close()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["patient_id", "label"] and len(rows) == len(PAGE_CELLS) + 1
    assert sorted(r[1] for r in rows[1:]) == sorted(shown)
    # each of these cells holds a control character, a quote or a comma: each is in quotes
    assert all(f'"{cell}"' in text for cell in shown if '"' not in cell), text
    # every row ends with CRLF outside quotes; no other line break is outside quotes
    outside = "".join(text.split('"')[0::2])
    assert outside.count("\n") == outside.count("\r\n") == len(PAGE_CELLS) + 1
