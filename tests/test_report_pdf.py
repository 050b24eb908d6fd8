"""--pdf: the report printed by Debian's chromium, and a plain error when there is none."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_RUN

CODE = "import sys; from rinec_report.cli import main; main(sys.argv[1:])"


@pytest.mark.browser
def test_pdf_is_printed_with_the_charts_drawn(tmp_path: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("chromium is needed for the browser tests: apt-get install -y chromium")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", CODE, str(EXAMPLE_RUN), "-o", str(out), "--pdf"],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    pdf = out / "rinec_report.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # axis titles are drawn by the chart script: the charts were drawn before printing
    assert "Oncoplot" in text and "Survival probability" in text and "Fraction of all SNVs" in text
    assert "Download CSV" not in text


def test_without_chromium_the_html_is_written_and_the_run_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", CODE, str(EXAMPLE_RUN), "-o", str(out), "--pdf", "-m", "cohort"],
                          capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "RINEC_CHROMIUM": str(tmp_path / "no-such-browser")})
    assert done.returncode == 1
    assert "no Chromium found for --pdf" in done.stderr
    assert (out / "rinec_report.html").exists() and not (out / "rinec_report.pdf").exists()


@pytest.mark.browser
@pytest.mark.parametrize(("paper", "size"), [("A4", "(A4)"), ("letter", "(letter)"), ("auto", "(letter)")])
def test_pdf_is_printed_on_the_configured_paper(tmp_path: Path, paper: str, size: str) -> None:
    # The reference is poppler's pdfinfo, which names the page size it reads in the PDF;
    # with `auto` the choice is Chromium's, letter.
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("chromium is needed for the browser tests: apt-get install -y chromium")
    config = tmp_path / "paper.yaml"
    config.write_text(f"paper: {paper}\n", encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", CODE, str(EXAMPLE_RUN), "-o", str(out), "--pdf", "-m", "cohort",
                           "-c", str(config)], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    info = subprocess.run(["pdfinfo", str(out / "rinec_report.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert size in next(line for line in info.splitlines() if line.startswith("Page size:"))
