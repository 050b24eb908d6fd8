"""Fixtures shared by the core's tests (plugin tests keep theirs in tests/<plugin>_helpers.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_RUN = REPO / "example_run"


@pytest.fixture(autouse=True, scope="session")
def no_user_config() -> None:
    """The tests never read the developer's own ~/.config/rinec-report/rinec_report.yaml."""
    os.environ["RINEC_REPORT_USER_CONFIG"] = str(REPO / "tests" / "no-such-user-config.yaml")


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, driven by playwright: one browser per test module."""
    from page_helpers import launch

    sync_api = pytest.importorskip("playwright.sync_api", reason="install the test extras")
    with sync_api.sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def example_run() -> Path:
    return EXAMPLE_RUN


@pytest.fixture
def fixed_time(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    return "2020-09-13T12:26:40+00:00"


@pytest.fixture(scope="session")
def example_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example run's report, built once for the tests that only read it."""
    from rinec_report import run

    out = tmp_path_factory.mktemp("example_report")
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1600000000"
    try:
        run(EXAMPLE_RUN, outdir=out, force=True, exclude=_third_party())
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return out / "rinec_report.html"


def _third_party() -> tuple[str, ...]:
    """Plugins installed in the environment that are not built in (the example
    report should not depend on what else is installed)."""
    from rinec_report.plugins import PluginHost

    return tuple(i.name for i in PluginHost.load().info() if i.distribution != "rinec-report")
