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


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
