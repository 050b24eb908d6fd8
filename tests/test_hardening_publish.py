"""Defect 7: the page, the data folder and the identity map are published
together, under a lock.

The fault-injection test kills a run (SIGKILL, nothing can clean up) before each
file-system step of its write phase in turn, and checks after each kill that the
output folder holds either the previous report whole (page and data folder
matching: the manifest names the page's sha256) or a committed new one that the
next run completes; that a de-identified page is never in place without its
identity map; and that the next run leaves no temporaries behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hardening_helpers import HANG_S, make_run

from rinec_report import run
from rinec_report.write import JOURNAL_NAME, OUTPUTS_NAME, OutputError, output_lock, recover


def _armed_child(report, kill_at: int) -> None:
    """In a forked child: count the write phase's file-system steps and SIGKILL
    this process just before step ``kill_at``. Never returns."""
    try:
        import rinec_report.write as w

        steps = [0]

        def counted(fn):
            def wrapper(*args, **kwargs):
                steps[0] += 1
                if steps[0] == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
                return fn(*args, **kwargs)

            return wrapper

        for name in ("replace", "rename", "unlink", "mkdir", "rmdir"):
            setattr(w.os, name, counted(getattr(w.os, name)))
        shutil.rmtree = counted(shutil.rmtree)
        for name in ("write_table", "_write_html", "_write_json_atomically", "_write_data_dir",
                     "write_identity_map"):
            setattr(w, name, counted(getattr(w, name)))
        w.write_outputs(report, "tsv")
    except BaseException:
        os._exit(3)
    os._exit(0)


def _built_report(run_dir: Path, out: Path, title: str, deidentify: bool = False):
    """A run's report, every stage done but the write phase."""
    from rinec_report.runner import Run, RunOptions

    r = Run(RunOptions(run_dir=run_dir, outdir=out, force=True, title=title, jobs=1, deidentify=deidentify))
    r.options.check()
    r.configure()
    found = r.scan()
    parsed, inputs = r.parse(found)
    datasets, patients = r.build_datasets(parsed)
    results = r.contribute(datasets, patients)
    return r.assemble(results, inputs, found, patients)


def _state(out: Path) -> dict:
    html = (out / "rinec_report.html").read_bytes()
    manifest = json.loads((out / "rinec_report_data" / "manifest.json").read_text())
    return {
        "html_sha256": hashlib.sha256(html).hexdigest(),
        "manifest": manifest,
        "title": manifest["title"],
        "tables": sorted(p.name for p in (out / "rinec_report_data").iterdir()),
    }


MAP = "rinec_report.identity-map.DO-NOT-SHARE.tsv"


def _consistent(out: Path) -> dict:
    state = _state(out)
    assert state["manifest"]["report_sha256"] == state["html_sha256"], "page and data folder differ"
    assert state["manifest"]["report_file"] == "rinec_report.html"
    if state["manifest"]["deidentified"]:
        # kind, original, pseudonym: one row per patient and per sample of the run (2 + 2)
        lines = (out / MAP).read_text().splitlines()
        assert lines[0] == "kind\toriginal\tpseudonym" and len(lines) == 5, lines
    return state


def _leftovers(out: Path) -> list[str]:
    ours = ("rinec_report.html", "rinec_report_data", MAP, OUTPUTS_NAME)
    return sorted(p.name for p in out.iterdir() if p.name not in ours)


@pytest.mark.slow
@pytest.mark.parametrize("deidentify", [False, True], ids=["identified", "de-identified"])
def test_defect7_a_run_killed_at_any_step_of_the_write_phase(tmp_path, deidentify):
    """The previous report is an identified one; the new one is de-identified in the
    second case, so that its page in place without its map is seen."""
    run_dir = make_run(tmp_path / "run")
    pristine = tmp_path / "pristine"
    run(run_dir, outdir=pristine, title="first", jobs=1)
    before = _consistent(pristine)
    assert before["title"] == "first"
    out = tmp_path / "out"
    report = _built_report(run_dir, out, "second", deidentify)
    outcomes = []
    for kill_at in range(1, 200):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(pristine, out)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            _armed_child(report, kill_at)
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status):  # past the last step: the write finished
            assert os.WEXITSTATUS(status) == 0
            assert _consistent(out)["title"] == "second"
            assert bool(_state(out)["manifest"]["deidentified"]) is deidentify
            assert _leftovers(out) == []
            break
        assert os.WTERMSIG(status) == signal.SIGKILL
        # Whatever the kill left, before any recovery: a de-identified page has its map.
        if b"This report is de-identified" in (out / "rinec_report.html").read_bytes():
            assert (out / MAP).is_file(), f"killed before step {kill_at}: the page is out without its map"
        committed = (out / JOURNAL_NAME).exists()
        if not committed:
            # No journal: the previous report whole and untouched, or the new one whole
            # (killed after the publication, while removing what it replaced).
            state = _consistent(out)
            assert state == before or state["title"] == "second"
            finished = state["title"] == "second"
        # The next writer completes a committed report or removes the debris.
        with output_lock(out):
            recover(out)
        after = _consistent(out)
        assert after["title"] == ("second" if committed or finished else "first")
        assert _leftovers(out) == []
        outcomes.append("committed" if committed else "new" if finished else "previous")
    else:  # pragma: no cover
        pytest.fail("the run never finished")
    # The kill points covered both sides of the commit point.
    assert outcomes.count("previous") >= 5 and outcomes.count("committed") >= 2, outcomes
    # Once committed, never back to the previous report.
    first_commit = outcomes.index("committed")
    assert "previous" not in outcomes[first_commit:], outcomes


def test_stale_temporaries_of_killed_runs_are_removed(tmp_path):
    run_dir = make_run(tmp_path / "run")
    out = tmp_path / "out"
    run(run_dir, outdir=out, jobs=1)
    debris = [
        ".rinec_report_data.k2j4x1",  # an earlier version's staging folder
        ".rinec_report_data.old.4242",
        ".rinec_report.html.9ab3.tmp",
        ".rinec_report_data.rinec-new",
        ".rinec_report.html.rinec-new",
    ]
    for name in debris:
        if "html" in name:
            (out / name).write_text("half a page")
        else:
            (out / name).mkdir()
            (out / name / "variants_genes.tsv").write_text("half a table")
    (out / "notes.txt").write_text("the user's own file")
    run(run_dir, outdir=out, force=True, jobs=1)
    assert _leftovers(out) == ["notes.txt"]
    _consistent(out)


def test_a_second_writer_waits_for_the_lock_or_fails_clearly(tmp_path):
    out = tmp_path / "out"
    busy = r"another rinec-report run is writing to .*out; waited 0.2 s"
    with output_lock(out), pytest.raises(OutputError, match=busy), output_lock(out, timeout=0.2):
        pass
    with output_lock(out, timeout=0.2):  # released: free again
        pass
    assert list(out.iterdir()) == []  # the lock file goes with the lock


def test_two_runs_on_one_output_folder_at_once(tmp_path):
    run_dir = make_run(tmp_path / "run")
    out = tmp_path / "out"
    code = (
        "import sys; from rinec_report import run; "
        "run(sys.argv[1], outdir=sys.argv[2], force=True, title=sys.argv[3])"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(run_dir), str(out), title], stderr=subprocess.PIPE, text=True)
        for title in ("one", "two")
    ]
    for p in procs:
        _, err = p.communicate(timeout=HANG_S)
        assert p.returncode == 0, err
    state = _consistent(out)
    assert state["title"] in ("one", "two")
    assert _leftovers(out) == []
