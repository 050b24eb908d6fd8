"""Every hook is typed, documented in its docstring and in docs/plugin_hooks.md."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from rinec_report import hookdocs, hookspecs

DOC = Path(__file__).resolve().parents[1] / "docs" / "plugin_hooks.md"
HOOKS = sorted(n for n, f in vars(hookspecs).items() if n.startswith("rinec_") and inspect.isfunction(f))


def signature(name: str) -> str:
    return f"def {name}{inspect.signature(getattr(hookspecs, name))}:".replace("'", "")


def test_there_are_hooks() -> None:
    assert len(HOOKS) >= 7


def test_plugin_hooks_page_is_generated_from_the_docstrings() -> None:
    # Word for word: regenerate with `python -m rinec_report.hookdocs > docs/plugin_hooks.md`.
    assert DOC.read_text() == hookdocs.render()


@pytest.mark.parametrize("name", HOOKS)
def test_no_hook_is_first_result_and_each_says_so(name: str) -> None:
    fn = getattr(hookspecs, name)
    assert fn.rinec_report_spec["firstresult"] is False
    assert "Not first-result" in (inspect.getdoc(fn) or "")


@pytest.mark.parametrize("name", HOOKS)
def test_each_hook_has_an_example(name: str) -> None:
    assert "Example::" in (inspect.getdoc(getattr(hookspecs, name)) or "")


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_typed_and_has_a_docstring(name: str) -> None:
    fn = getattr(hookspecs, name)
    sig = inspect.signature(fn)
    assert sig.return_annotation is not inspect.Signature.empty, f"{name} has no return type"
    for param in sig.parameters.values():
        assert param.annotation is not inspect.Parameter.empty, f"{name}({param.name}) has no type"
    doc = inspect.getdoc(fn) or ""
    assert len(doc.split()) >= 25, f"{name} needs a docstring that says what it is for"
    assert "Returns" in doc, f"{name}'s docstring does not say what it returns"
    first = fn.rinec_report_spec["firstresult"]
    said = "First result wins" in doc or "first-result" in doc.lower() or "Every result is used" in doc
    assert said, f"{name}'s docstring does not say whether the first result wins (firstresult={first})"


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_in_the_plugin_docs_with_its_exact_signature(name: str) -> None:
    text = DOC.read_text()
    assert f"\n## {name}\n" in text, f"docs/plugin_hooks.md has no heading for {name}"
    section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
    assert signature(name) in section, f"docs/plugin_hooks.md shows another signature for {name}"


@pytest.mark.parametrize("plugin", ["cohort", "survival", "ihc", "variants", "enrichment", "custom", "genomics"])
def test_plugin_docs_hold_the_option_table_generated_from_the_declaration(plugin: str) -> None:
    import importlib

    page = (DOC.parent / "plugins" / f"{plugin}.md").read_text()
    table = hookdocs.option_table(importlib.import_module(f"rinec_plugins.{plugin}"))
    # Regenerate with `python -m rinec_report.hookdocs --options`.
    assert f"{hookdocs.OPTIONS_BEGIN}\n{table}\n{hookdocs.OPTIONS_END}" in page
