"""rinec-report: one interactive, self-contained HTML report for a clinical-genomic cohort.

Plugins import what they need from here::

    from rinec_report import hookimpl, Section, Table, Chart, InputError
"""

from __future__ import annotations

import importlib.metadata

import pluggy

from .model import (
    Chart,
    CliOption,
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
from .tables import read_table as read_table

try:
    __version__ = importlib.metadata.version("rinec-report")
except importlib.metadata.PackageNotFoundError:  # pragma: no cover - not installed
    __version__ = "0+unknown"

hookimpl = pluggy.HookimplMarker("rinec_report")


def run(run_dir, **options):
    """Build the report for ``run_dir``; see :func:`rinec_report.runner.run`."""
    from .runner import run as _run

    return _run(run_dir, **options)


__all__ = [
    "Chart",
    "CliOption",
    "Code",
    "FoundFile",
    "Html",
    "InputError",
    "InputWarning",
    "KeyValues",
    "Note",
    "Pattern",
    "RunInfo",
    "Section",
    "SummaryColumn",
    "Table",
    "Text",
    "__version__",
    "hookimpl",
    "run",
]
