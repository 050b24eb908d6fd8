"""Opening a report in Debian's chromium through playwright, network refused."""

from __future__ import annotations

import base64
import json
import re
import shutil
import zlib
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
DRAWN = "Array.from(document.querySelectorAll('.rr-chart')).every(el => el.dataset.rendered)"


def launch(playwright: Any) -> Any:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is needed for the browser tests: apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


class Opened:
    """A page of ``report`` at ``width`` px, with its console errors and refused requests."""

    def __init__(self, browser: Any, report: Path, width: int = 1400, fragment: str = "", **context: Any) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": 1000}, accept_downloads=True, **context)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.report = report

        def refuse(route: Any) -> None:
            if route.request.url.split("#")[0] == report.as_uri():
                route.continue_()
            else:
                self.requests.append(route.request.url)
                route.abort()

        self.context.route("**/*", refuse)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(report.as_uri() + fragment)
        self.page.wait_for_function(DRAWN, timeout=60_000)

    def close(self) -> None:
        self.context.close()


def print_to_pdf(browser: Any, report: Path, folder: Path) -> tuple[Path, str]:
    """The report opened at 1400 px and printed to A4 (backgrounds on), and the PDF's
    text as poppler's pdftotext lays it out (pages split by form feeds)."""
    import subprocess

    opened = Opened(browser, report, 1400)
    try:
        pdf = folder / "report.pdf"
        opened.page.pdf(path=str(pdf), format="A4", print_background=True)
    finally:
        opened.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=120).stdout
    return pdf, text


# A chart's spec as the page holds it: deflate-raw in base64 (rinec_report/render.py packed).
_PACKED_SPEC = re.compile(
    r'<script type="application/x-rinec-packed" id="(rr-chart-\d+-spec)">([A-Za-z0-9+/=]*)</script>')


def chart_specs(html: str) -> list[tuple[str, dict]]:
    """Every chart spec of a page, in page order, with its block's id: unpacked here with
    Python's base64 and zlib (wbits -15, raw deflate), not with the code that wrote it.
    A page whose charts are not all packed this way fails (every one of ours is)."""
    found = [(cid, json.loads(zlib.decompress(base64.b64decode(text, validate=True), -15).decode("utf-8")))
             for cid, text in _PACKED_SPEC.findall(html)]
    assert len(found) == html.count('class="rr-chart"'), "a chart whose spec is not a packed block"
    return found


def page_text(html: str) -> str:
    """The page with each packed chart spec unpacked (by :func:`chart_specs`' reading) into
    the JSON text it holds, for a test that looks for a chart's words in the page."""
    def unpacked(m: re.Match[str]) -> str:
        text = zlib.decompress(base64.b64decode(m.group(2), validate=True), -15).decode("utf-8")
        return f'<script type="application/json" id="{m.group(1)}">{text}</script>'

    return _PACKED_SPEC.sub(unpacked, html)
