"""The command ends without Python's teardown: its status and its output must be
exactly those of :func:`rinec_report.cli.main`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_RUN

from rinec_report import cli

COMMAND = [sys.executable, "-m", "rinec_report.cli"]  # runs cli.console, as the installed script


def test_exit_status_as_python_gives_it():
    # Python's own rule for SystemExit(code): None is 0, an int is itself, anything else 1.
    for code in (None, 0, 1, 2, 7, "a message", ["x"]):
        expected = subprocess.run([sys.executable, "-c", f"import sys; sys.exit({code!r})"],
                                  capture_output=True).returncode
        assert cli._exit_status(code) == expected, code


def test_a_long_listing_reaches_a_pipe_whole(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as ended:
        cli.main(["plugins"])
    assert ended.value.code == 0
    in_process = capsys.readouterr().out
    piped = subprocess.run([*COMMAND, "plugins"], capture_output=True, text=True)
    assert piped.returncode == 0
    assert piped.stdout == in_process
    assert len(piped.stdout.splitlines()) > 20


def test_statuses_of_a_usage_error_and_of_a_written_report(tmp_path: Path):
    bad = subprocess.run([*COMMAND, str(tmp_path / "missing")], capture_output=True, text=True)
    assert bad.returncode == 2
    assert "does not exist" in bad.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = subprocess.run([*COMMAND, str(empty), "-o", str(tmp_path)], capture_output=True, text=True)
    assert nothing.returncode == 1
    assert nothing.stderr.startswith("rinec-report: ")
    out = tmp_path / "out"
    done = subprocess.run([*COMMAND, str(EXAMPLE_RUN), "-o", str(out), "-m", "ihc", "-m", "cohort"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    page = out / "rinec_report.html"
    assert page.read_text(encoding="utf-8").rstrip().endswith("</html>")
    # the page, its data folder and the list of outputs, nothing staged or half-written beside them
    assert sorted(p.name for p in out.iterdir()) == [
        ".rinec_report.outputs.json", "rinec_report.html", "rinec_report_data"]


def test_an_uncaught_exception_takes_the_usual_way_out(tmp_path: Path):
    script = ("import rinec_report.cli as c\n"
              "def boom(argv=None):\n    raise RuntimeError('boom')\n"
              "c.main = boom\nc.console()\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 1
    assert "RuntimeError: boom" in out.stderr
