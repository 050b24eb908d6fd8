"""The genomics plugin: the cohort analyses users take from maftools and cBioPortal's
study view, built from the mutations the variants plugin publishes.

It reads no file of its own: it takes the variants plugin's datasets (and the cohort's
and survival's, where an analysis needs clinical data) through the core's ``datasets``,
never by importing those plugins. Each analysis is a module of this package with three
functions, listed in :data:`ANALYSES` in page order:

- ``options() -> list[Option]``: its options (names prefixed by the analysis, so that
  the plugin's options stay one flat, documented list);
- ``build(variants, datasets, patients, options) -> dict``: its published datasets
  (tables are exported to the data folder like every plugin's); a ``run`` argument, where
  the function takes one, is the run (its ``run_dir``, for a file the config names);
- ``sections(data, options) -> list[Section]``: its sections, from the plugin's data.

Kept cheap to import: each analysis imports its libraries inside its functions.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType
from typing import Any

from rinec_report import Option, hookimpl

# The analyses, in the order their sections appear.
ANALYSES: tuple[str, ...] = (
    "lollipop",
    "interactions",
    "clinical",
    "pathways",
    "spectrum",
    "tcga",
)


def _modules() -> list[ModuleType]:
    return [importlib.import_module(f"{__name__}.{name}") for name in ANALYSES]


@hookimpl
def rinec_options() -> list[Option]:
    return [option for module in _modules() for option in module.options()]


@hookimpl
def rinec_datasets(datasets: Any, patients: Any, options: dict[str, Any], run: Any) -> dict[str, Any] | None:
    variants = datasets.of("variants")
    if not variants or variants.get("mutations") is None or not len(variants["mutations"]):
        return None
    data: dict[str, Any] = {}
    for module in _modules():
        # An analysis that reads a file the config names takes the run (its directory) too.
        extra = {"run": run} if "run" in inspect.signature(module.build).parameters else {}
        data.update(module.build(variants, datasets, patients, options, **extra) or {})
    return data or None


@hookimpl
def rinec_identifiers() -> dict[str, str]:
    # Each analysis declares its own tables' and charts' fields (an optional
    # ``identifiers()``); the plugin's declaration is their union.
    out: dict[str, str] = {}
    for module in _modules():
        declare = getattr(module, "identifiers", None)
        if declare is not None:
            out.update(declare())
    return out


@hookimpl
def rinec_sections(data: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    return [section for module in _modules() for section in module.sections(data, options)]
