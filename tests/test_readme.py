"""The README's promises: its test command is what CI runs, and its plugin is the tested one."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def code_blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(b.strip() for b in code_blocks("bash") if "pytest" in b)
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_readme_plugin_is_the_tested_third_party_plugin_and_short() -> None:
    plugin = next(b for b in code_blocks("python") if "@hookimpl" in b)
    source = (REPO / "tests" / "third_party_plugin" / "rinec_coverage" / "__init__.py").read_text()
    assert plugin == source
    assert len(plugin.splitlines()) <= 45
