"""rinec-report: one interactive, self-contained HTML report for a clinical-genomic cohort.

Plugins import what they need from here::

    from rinec_report import hookimpl, Section, Table, Chart, InputError
"""

from __future__ import annotations

import importlib.metadata

import pluggy

from . import account
from .datasets import Datasets, ParsedFile
from .model import (
    Chart,
    Code,
    FoundFile,
    Html,
    InputError,
    InputWarning,
    KeyValues,
    Note,
    Pattern,
    RunInfo,
    Section,
    SummaryColumn,
    Table,
    Text,
)
from .options import Option
from .patients import Patients
from .results import NothingFound, UsageError
from .subset import Subset
from .tables import read_table as read_table

try:
    __version__ = importlib.metadata.version("rinec-report")
except importlib.metadata.PackageNotFoundError:  # pragma: no cover - not installed
    __version__ = "0+unknown"

hookimpl = pluggy.HookimplMarker("rinec_report")


def run(run_dir, **options):
    """Build the report for ``run_dir`` and write it; see :func:`rinec_report.runner.run`.

    ``rinec_report.run("example_run", outdir="out", force=True, config={"title": "My cohort"})``
    """
    from .notebook import plugin_mapping
    from .runner import run as _run

    if "extra_plugins" in options:
        options["extra_plugins"] = plugin_mapping(options["extra_plugins"])
    return _run(run_dir, **options)


__all__ = [
    "Chart",
    "Code",
    "Datasets",
    "FoundFile",
    "Html",
    "InputError",
    "InputWarning",
    "KeyValues",
    "Note",
    "NothingFound",
    "Option",
    "ParsedFile",
    "Patients",
    "Pattern",
    "RunInfo",
    "Section",
    "Subset",
    "SummaryColumn",
    "Table",
    "Text",
    "UsageError",
    "__version__",
    "account",
    "hookimpl",
    "run",
]
