"""``--pdf``: the report printed to PDF by a headless Chromium, with the page's print stylesheet.

Chromium is not a dependency: it is used when one is installed, and the user is told
plainly when none is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class PdfError(RuntimeError):
    """The PDF could not be printed; the message says why in one line."""


def find_browser() -> str | None:
    """A headless-capable Chromium on PATH, or ``$RINEC_CHROMIUM``."""
    explicit = os.environ.get("RINEC_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def print_pdf(html: Path, pdf: Path, timeout: float = 300) -> Path:
    """Prints ``html`` to ``pdf`` (written beside it under a temporary name, then renamed)."""
    browser = find_browser()
    if browser is None:
        raise PdfError("no Chromium found for --pdf (install chromium, or set RINEC_CHROMIUM to its path); "
                       "the HTML report was written")
    # Chromium writes by name: into a folder made new for it (mode 0700, a random name),
    # so that nothing placed beforehand in the output folder (a link at a predictable
    # temporary name) can redirect the write. The rename then replaces the name itself.
    staging = Path(tempfile.mkdtemp(dir=pdf.parent, prefix=f".{pdf.name}.", suffix=".rinec-new"))
    try:
        return _printed(browser, html, pdf, staging / pdf.name, timeout)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _printed(browser: str, html: Path, pdf: Path, tmp: Path, timeout: float) -> Path:
    args = [browser, "--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run",
            "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
            # time for the charts, which are drawn by script after the page loads
            "--virtual-time-budget=30000", "--run-all-compositor-stages-before-draw",
            f"--print-to-pdf={tmp}", html.resolve().as_uri()]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to start its sandbox as root
    try:
        subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        tmp.unlink(missing_ok=True)
        raise PdfError(f"{browser} did not print the PDF ({exc})") from exc
    if not tmp.exists() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise PdfError(f"{browser} did not print the PDF")
    os.replace(tmp, pdf)
    return pdf
