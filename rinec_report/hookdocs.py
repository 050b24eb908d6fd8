"""``docs/plugin_hooks.md``, generated from the hook specifications' docstrings.

    python -m rinec_report.hookdocs > docs/plugin_hooks.md

A test checks that the file is exactly what this prints, so the docs and the
code cannot drift apart.
"""

from __future__ import annotations

import inspect

from . import hookspecs

HEADER = """# Plugin hooks

Every hook a plugin can implement, in the order the core calls them. This page is generated from
the docstrings in `rinec_report/hookspecs.py` (`python -m rinec_report.hookdocs > docs/plugin_hooks.md`);
a test fails when the two differ. An implementation may take any subset of the arguments, by name:
pluggy passes only the ones it names. The core calls each hook on one plugin at a time, so one
plugin's exception never stops another's, and no hook is first-result. A function marked
`@hookimpl` whose name is not one of these hooks is refused when the plugin loads.

Types: `Option`, `Pattern`, `FoundFile`, `Section`, `SummaryColumn`, `RunInfo`, the blocks (`Text`,
`Note`, `KeyValues`, `Chart`, `Table`, `Code`, `Html`), `Datasets`, `ParsedFile` and `Patients` are
importable from `rinec_report`.
"""

ORDER = (
    "rinec_options",
    "rinec_patterns",
    "rinec_parse",
    "rinec_datasets",
    "rinec_patient_samples",
    "rinec_sections",
    "rinec_summary_columns",
    "rinec_identifiers",
)


def hook_names() -> list[str]:
    """Every hook, in call order (hooks missing from ``ORDER`` last, by name)."""
    names = [n for n, f in vars(hookspecs).items() if n.startswith("rinec_") and inspect.isfunction(f)]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def signature(name: str) -> str:
    return f"def {name}{inspect.signature(getattr(hookspecs, name))}:".replace("'", "")


def render() -> str:
    parts = [HEADER]
    for name in hook_names():
        fn = getattr(hookspecs, name)
        first = "yes" if fn.rinec_report_spec["firstresult"] else "no (each plugin's answer is used)"
        code = f"```python\n{signature(name)}\n```"
        parts.append(f"## {name}\n\n{code}\n\n{inspect.getdoc(fn)}\n\nFirst result wins: {first}.\n")
    return "\n".join(parts)




OPTIONS_BEGIN = "<!-- options: generated from rinec_options() by `python -m rinec_report.hookdocs --options` -->"
OPTIONS_END = "<!-- options: end -->"


def option_table(plugin_module: object) -> str:
    """The plugin's options as the Markdown table its docs page holds."""
    from .options import markdown_table

    return markdown_table(plugin_module.rinec_options())  # type: ignore[attr-defined]


def with_option_table(page: str, table: str) -> str:
    """``page`` with the text between the option markers replaced by ``table``."""
    before, rest = page.split(OPTIONS_BEGIN, 1)
    _, after = rest.split(OPTIONS_END, 1)
    return f"{before}{OPTIONS_BEGIN}\n{table}\n{OPTIONS_END}{after}"


def _write_option_tables() -> None:  # pragma: no cover - a maintainer's command
    import importlib
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs" / "plugins"
    for page in sorted(docs.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        if OPTIONS_BEGIN not in text:  # a page of no plugin's (synonyms.md)
            continue
        module = importlib.import_module(f"rinec_plugins.{page.stem}")
        page.write_text(with_option_table(text, option_table(module)), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    import sys

    if "--options" in sys.argv:
        _write_option_tables()
    else:
        print(render(), end="")
