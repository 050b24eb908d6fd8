"""Every hook a rinec-report plugin can implement.

A plugin is a module (or any object) with functions marked ``@rinec_report.hookimpl``
and named like the hooks below; it is found through the ``rinec_report``
entry-point group. An implementation may accept any subset of a hook's
arguments, by name. The core calls each hook on one plugin at a time, so that
one plugin's exception never stops another's; the results are collected per
plugin. Data flows one way:

    rinec_config_defaults / rinec_cli_options / rinec_patterns   (set-up)
    -> scan -> rinec_parse (one call per file, in worker processes)
    -> rinec_datasets (one call per plugin; may read other plugins' datasets)
    -> rinec_sections, rinec_summary_columns, rinec_patient_samples
    -> render and export.

Keep a plugin module cheap to import (import pandas and friends inside the hook
functions): the CLI loads every plugin to build its ``--help``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .datasets import Datasets, ParsedFile
    from .model import CliOption, FoundFile, Pattern, RunInfo, Section, SummaryColumn

hookspec = pluggy.HookspecMarker("rinec_report")


@hookspec
def rinec_config_defaults() -> dict[str, Any]:
    """Declare the plugin's options and their default values.

    Returns a dict that becomes the plugin's section of the configuration
    (``<plugin name>:`` in ``rinec_report.yaml``). The user's values are merged
    over it key by key; keys the plugin does not declare are warned about by
    name, so declare every option here, even those whose default is ``None``.
    Called once per plugin; every result is used (not first-result).
    """


@hookspec
def rinec_cli_options() -> list[CliOption]:
    """Add command-line options to ``rinec-report``.

    Returns a list of :class:`~rinec_report.model.CliOption`; each writes its
    value into the plugin's own options under ``config_key`` (the command
    line wins over the config file). Called once per plugin when the CLI is
    built, so it must not import anything heavy. Every result is used.
    """


@hookspec
def rinec_patterns() -> list[Pattern]:
    """Declare which files the plugin reads, as data.

    Returns a list of :class:`~rinec_report.model.Pattern` (filename globs
    and/or a regex over the first lines). The user's config can replace any of
    them under ``patterns: {<plugin>/<key>: {glob: [...], contents: ...}}``.
    Called once per plugin before the scan. Every result is used.
    """


@hookspec(firstresult=True)
def rinec_parse(file: FoundFile, options: dict[str, Any]) -> Any:
    """Parse one found file into a dataset.

    Called only on the plugin whose pattern matched ``file`` (``file.pattern``
    says which), possibly in a worker process: it must be a pure function of
    its arguments, and both arguments and the return value must be picklable
    (a DataFrame, a dict, a dataclass). ``options`` is the plugin's own merged
    options. Raise :class:`~rinec_report.model.InputError` with a one-line
    message for bad input (the core adds the file name); warn with
    ``warnings.warn(msg, InputWarning)``. Returns the dataset for this one
    file, or ``None`` to ignore the file. First result wins (there is only one).
    """


@hookspec(firstresult=True)
def rinec_datasets(
    files: list[ParsedFile],
    options: dict[str, Any],
    datasets: Datasets,
    config: dict[str, Any],
    run: RunInfo,
) -> dict[str, Any] | None:
    """Combine the plugin's parsed files into the datasets it publishes.

    ``files`` holds the plugin's successfully parsed files in scan order (empty
    when it found none: a plugin may build entirely from other plugins' data,
    as survival does from cohort). ``datasets.of("cohort")`` returns another
    plugin's published datasets, building them first if needed, or ``None``
    when that plugin is not loaded, found nothing or failed. ``config`` is the
    whole effective configuration (read it for shared keys such as
    ``samples``); ``run`` describes the run. Returns a dict of named datasets
    (anything; DataFrames preferred) that other plugins may read, or ``None``
    when the plugin has nothing to show: then its other hooks are not called.
    Called at most once per plugin. First result wins.
    """


@hookspec(firstresult=True)
def rinec_sections(
    datasets: Datasets,
    options: dict[str, Any],
    config: dict[str, Any],
    run: RunInfo,
) -> list[Section]:
    """Contribute the plugin's report sections.

    Called once per plugin whose ``rinec_datasets`` returned data, after every
    file was parsed. The plugin reads its own datasets with
    ``datasets.of(<its name>)`` and anyone else's the same way. Returns a list of
    :class:`~rinec_report.model.Section`; every :class:`~rinec_report.model.Table`
    in them is also exported to the data folder. An exception here turns into an
    error card in place of the plugin's sections. First result wins.
    """


@hookspec(firstresult=True)
def rinec_summary_columns(datasets: Datasets, options: dict[str, Any], config: dict[str, Any]) -> list[SummaryColumn]:
    """Contribute columns to the per-patient summary table.

    Returns a list of :class:`~rinec_report.model.SummaryColumn`, each mapping
    patient ids to values. The core joins every plugin's columns into one table
    with a row per patient. Called once per plugin with data. First result wins.
    """


@hookspec(firstresult=True)
def rinec_patient_samples(datasets: Datasets, options: dict[str, Any], config: dict[str, Any]) -> dict[str, list[str]]:
    """Tell which sequencing samples belong to which patient.

    Returns ``{patient_id: [sample_id, ...]}``; the core merges every plugin's
    answer into the summary table's sample column. Called once per plugin
    with data. First result wins.
    """
