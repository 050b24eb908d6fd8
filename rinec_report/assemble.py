"""Putting the plugins' contributions together: page order, the patient summary,
the run information, error cards, and the list of exported tables."""

from __future__ import annotations

import fnmatch
import platform
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import describe, labels, ledger_report
from .config import RUNTIME_KEYS
from .model import Code, Html, KeyValues, Note, Section, Table, Text
from .patients import natural_key
from .results import Message, error_section
from .subset import SUBSET_KEYS

if TYPE_CHECKING:
    from .results import PluginResult, Report

CORE = "report"

__all__ = ["assemble", "natural_key", "run_info_section", "summary_section"]


def assemble(report: Report, declared: Callable[[str], dict[str, str]] | None = None) -> None:
    """Fill ``report.sections`` and ``report.tables`` from the plugin results.

    With ``deidentify`` in the config, every section is de-identified before the
    tables are collected; ``declared`` gives each plugin's identifier fields.
    """
    order = report.config["section_order"]
    results = sorted(report.results, key=lambda r: _rank(order, f"{r.name}-*"))
    placed: list[tuple[str, Section]] = []
    summary = summary_section(results, report.patient_samples, report.unmatched_samples)
    if summary is not None:
        if report.subset:
            summary.blocks.insert(0, Note(subset_note(report.subset)))
        placed.append((CORE, summary))
    for result in results:
        placed.extend((result.name, s) for s in _plugin_sections(report, result))
    report.sections = placed
    if report.config["deidentify"].get("enabled"):
        _deidentify(report, declared or (lambda plugin: {}))
    placed = report.sections
    placed.append((CORE, run_info_section(report)))
    # Stable: within one rank, plugins keep the order above and sections the plugin's own.
    placed.sort(key=lambda item: _rank(order, f"{item[0]}-{item[1].id}"))
    report.sections = placed
    _collect_tables(report)


def _deidentify(report: Report, declared: Callable[[str], dict[str, str]]) -> None:
    from .share import banner_section, deidentifier, deidentify_sections, manifest_rules

    tool = deidentifier(report, declared)
    deidentify_sections(report, tool)
    report.sections.insert(0, (CORE, banner_section(tool)))
    report.deidentified = manifest_rules(tool)
    report.identity_map = tool.ids.table()
    report.private_config = tool.value(
        {k: v for k, v in report.config.items() if k not in ("patients", "samples", "patterns", "ignore", "deidentify")}
    )


def _rank(order: list[str], anchor: str) -> int:
    """Where ``anchor`` goes: the first entry of ``section_order`` that matches it."""
    for i, entry in enumerate(order):
        if anchor == entry or fnmatch.fnmatchcase(anchor, entry):
            return i
    wildcard = order.index("*") if "*" in order else len(order)
    return wildcard


def _plugin_sections(report: Report, result: PluginResult) -> list[Section]:
    sections = list(result.sections)
    notes = _plugin_notes(report, result.name)
    if result.failed and not sections:
        text = "; ".join(m.line() for m in report.errors if m.plugin == result.name)
        sections = [error_section(result.name, text or "the plugin failed")]
        notes = [n for n in notes if n.level != "error"]
    elif not sections and notes:
        sections = [
            Section(
                id="input",
                title=f"{result.name}: nothing to show",
                description="The plugin's input files could not be used.",
            )
        ]
    if sections and notes:
        sections[0].blocks[:0] = notes
    return sections


def _collect_tables(report: Report) -> None:
    for plugin, section in report.sections:
        for block in section.blocks:
            if isinstance(block, Html):
                _collect_files(report, plugin, block)
            if not isinstance(block, Table):
                continue
            # Whole numbers as integers on the page and in every export; Yes/No only on
            # the page (an export's true/false is what a program reads back).
            exported = labels.plain_values(block.data, booleans=False)
            block.data = labels.plain_values(exported)
            block.column_titles = labels.column_titles(block.data.columns, block.column_titles)
            if block.export:
                name = f"{plugin}_{block.name}"
                if name in report.tables:
                    report.messages.append(
                        Message("warning", plugin, f"two tables are named '{block.name}'; the second is not exported")
                    )
                    continue
                report.tables[name] = exported


# A data-folder file's name as a plugin gives it: no folder, no hidden file, no clash with a table's.
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,100}")
_CORE_FILES = {"manifest.json", "rinec_report.log"}  # the core's own (write.MANIFEST, write.LOG_NAME)


def _collect_files(report: Report, plugin: str, block: Html) -> None:
    for name, data in block.files.items():
        full = f"{plugin}_{name}"
        taken = full in report.files or full.rsplit(".", 1)[0] in report.tables or full in _CORE_FILES
        if not _FILE_NAME.fullmatch(str(name)) or taken:
            report.messages.append(Message("warning", plugin, f"a data-folder file named {str(name)[:60]!r} is "
                                           "not written: the name is taken or is not a plain file name"))
            continue
        report.files[full] = bytes(data)


def _plugin_notes(report: Report, plugin: str) -> list[Note]:
    notes = []
    for m in report.messages:
        if m.plugin == plugin:
            where = f"{m.file}: " if m.file else ""
            notes.append(Note(f"{where}{m.text}", level="error" if m.level == "error" else "warning"))
    return notes


def summary_section(
    results: list[PluginResult], patient_samples: dict[str, list[str]], unmatched: list[str]
) -> Section | None:
    """One row per patient: the resolver's patients and samples, then every plugin's columns."""
    import pandas as pd

    columns = [(result.name, column) for result in results for column in result.summary_columns]
    if not columns and not patient_samples:
        return None
    # map() over C-level calls rather than generator expressions: at 100,000 patients and
    # a dozen columns these loops were over a second.
    keyed = [dict(zip(map(str, column.values), column.values.values(), strict=True)) for _, column in columns]
    patients = set(patient_samples)
    for values in keyed:
        patients.update(values)
    rows = sorted(patients, key=natural_key)
    no_samples: list[str] = []
    data: dict[str, list] = {"patient_id": rows,
                             "samples": [";".join(sorted(patient_samples.get(p, no_samples))) for p in rows]}
    titles = {"patient_id": "Patient", "samples": "Samples"}
    descriptions = []
    for (plugin, column), values in zip(columns, keyed, strict=True):
        name = column.name if column.name not in data else f"{plugin}_{column.name}"
        data[name] = list(map(values.get, rows))
        titles[name] = column.title
        if column.description:
            descriptions.append(f"{column.title}: {column.description}")
    frame = pd.DataFrame(data)  # built once: a column assigned to a frame copies its blocks
    blocks: list = [Table("summary", frame, column_titles=titles)]
    if unmatched:
        blocks.insert(0, Note(
            f"{len(unmatched)} sample(s) belong to no patient of the clinical table and are not in this table: "
            + ", ".join(unmatched[:50]) + (" ..." if len(unmatched) > 50 else ""), level="warning"))
    return Section(
        id="summary",
        title="Patient summary",
        description="One row per patient, with a column from each plugin that knows something about patients.",
        help="\n".join(descriptions) or "Columns are contributed by the plugins.",
        blocks=blocks,
    )


def run_info_section(report: Report) -> Section:
    import pandas as pd
    import yaml

    run = report.run
    facts = {
        "Command line": report.command_line,
        "rinec-report version": run.version,
        "Started": run.timestamp,
        "Run directory": run.run_dir,
        "Configuration file": str(report.config_path) if report.config_path else "none (defaults)",
        "Python": platform.python_version(),
        "Input files": f"{len(report.inputs)} matched, {len(report.skipped)} skipped"
        + (f", {report.subset['inputs_excluded']} excluded by the patient subset" if report.subset else ""),
        "Errors / warnings": f"{len(report.errors)} / {len(report.warnings)}",
    }
    if report.subset:
        facts["Patients"] = f"{report.subset['text']} (a patient subset: nothing of the others is in this report)"
    if report.accounts:
        lost = ledger_report.flagged(report)
        facts["Inputs that dropped rows or columns"] = f"{lost:,} of {len(report.accounts):,} (the account below)"
    if report.deidentified:
        for private in ("Command line", "Run directory", "Configuration file"):
            facts.pop(private)
    inputs = pd.DataFrame(describe.inputs(report), columns=list(describe.INPUT_FIELDS))
    plugins = pd.DataFrame(describe.plugins(report), columns=list(describe.PLUGIN_FIELDS))
    messages = pd.DataFrame(describe.messages(report), columns=list(describe.MESSAGE_FIELDS))
    blocks: list = [
        KeyValues(facts),
        Table("inputs", inputs, title="Input files", patient_column=None),
        *_account_blocks(report),
        Table("plugins", plugins, title="Plugins", patient_column=None),
    ]
    if len(messages):
        blocks.append(
            Table(
                "messages",
                messages,
                title="Warnings and errors",
                patient_column=None,
                filters=["level", "plugin"],
            )
        )
    else:
        blocks.append(Text("No warnings or errors."))
    config = report.private_config if report.deidentified else report.config
    # The subset's keys are shown when a subset was asked for (as counts, not ids).
    shown = {k: v for k, v in config.items() if k not in RUNTIME_KEYS and (v or k not in SUBSET_KEYS)}
    config_text = yaml.safe_dump(_plain(shown), sort_keys=True, allow_unicode=True)
    blocks.append(Code(config_text, title="Configuration in effect"))
    return Section(
        id="run",
        title="Run information",
        description="How this report was made: command, versions, inputs with checksums, what each input gave, "
                    "configuration, messages.",
        help=(
            "Each input file is listed with its SHA-256 checksum, so a collaborator can check that a "
            "report was built from the same files. The configuration shown is the one in effect: "
            "defaults, then the configuration file, then the command line.\n"
            "What each input gave is its reader's own account: how many rows (records, images, genes) it "
            "read and used, how many it dropped and why, and what became of each column. A file whose "
            "reader says nothing of it is 'not stated': no count is shown rather than a made-up zero."
        ),
        blocks=blocks,
    )


def subset_note(subset: dict[str, Any]) -> str:
    """The summary's first line in a subset report."""
    return (f"This report covers {subset['text']}: a subset chosen with --patients or --exclude-patients. "
            "Every table, chart, count, test and exported file covers these patients only.")


ACCOUNT_ANCHOR = "report-account"
ACCOUNT_TITLES = {"read": "Read", "used": "Used", "dropped": "Dropped", "dropped_by_reason": "Dropped, by reason",
                  "fields": "Columns recognised (as field)", "extra_columns": "Kept as extra columns",
                  "ignored_columns": "Columns ignored (why)", "account": "Account", "unit": "Unit"}


def _account_blocks(report: Report) -> list:
    """The account of every input: a heading the top of the page links to, a sentence,
    and one row per file (those that lost something first)."""
    if not report.accounts:
        return []
    frame = ledger_report.table(report.accounts)
    return [
        Html(f'<h3 id="{ACCOUNT_ANCHOR}">What each input gave</h3>'),
        Text(ledger_report.summary_text(report)),
        Table("account", frame, patient_column=None, max_rows=ledger_report.PAGE_ROWS,
              column_titles=ACCOUNT_TITLES, filters=["plugin", "account"]),
    ]


def _plain(value: Any) -> Any:
    """The config as plain YAML-able data (tuples and paths as lists and strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
