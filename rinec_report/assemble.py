"""Putting the plugins' contributions together: page order, the patient summary,
the run information, error cards, and the list of exported tables."""

from __future__ import annotations

import platform
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import Code, KeyValues, Note, Section, Table, Text

if TYPE_CHECKING:
    from .runner import PluginResult, Report

CORE = "report"


def natural_key(value: Any) -> tuple:
    """Sort P2 before P10."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.lower())
        for part in re.split(r"(\d+)", str(value))
        if part
    )


def assemble(report: Report, command_line: str, config_path: Path | None) -> None:
    """Fill ``report.sections`` and ``report.tables`` from the plugin results."""
    from .runner import error_section

    placed: list[tuple[tuple, str, Section]] = []
    for rank, result in enumerate(report.results):
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
        for index, section in enumerate(sections):
            placed.append(((section.order, rank, index), result.name, section))
    summary = summary_section(report.results)
    if summary is not None:
        placed.append(((0, -1, 0), CORE, summary))
    placed.append(((10_000, 0, 0), CORE, run_info_section(report, command_line, config_path)))
    placed.sort(key=lambda item: item[0])
    report.sections = [(plugin, section) for _, plugin, section in placed]

    for plugin, section in report.sections:
        for block in section.blocks:
            if isinstance(block, Table) and block.export:
                name = f"{plugin}_{block.name}"
                if name in report.tables:
                    from .runner import Message

                    report.messages.append(
                        Message(
                            "warning",
                            plugin,
                            f"two tables are named '{block.name}'; the second is not exported",
                        )
                    )
                    continue
                report.tables[name] = block.data


def _plugin_notes(report: Report, plugin: str) -> list[Note]:
    notes = []
    for m in report.messages:
        if m.plugin == plugin:
            where = f"{m.file}: " if m.file else ""
            notes.append(Note(f"{where}{m.text}", level="error" if m.level == "error" else "warning"))
    return notes


def summary_section(results: list[PluginResult]) -> Section | None:
    import pandas as pd

    samples: dict[str, list[str]] = {}
    columns: list[tuple[tuple, str, Any]] = []
    for rank, result in enumerate(results):
        for patient, ids in result.patient_samples.items():
            merged = samples.setdefault(str(patient), [])
            merged.extend(s for s in ids if s not in merged)
        for index, column in enumerate(result.summary_columns):
            columns.append(((column.order, rank, index), result.name, column))
    if not columns and not samples:
        return None
    columns.sort(key=lambda c: c[0])
    patients = set(samples)
    for _, _, column in columns:
        patients.update(str(p) for p in column.values)
    rows = sorted(patients, key=natural_key)
    frame = pd.DataFrame({"patient_id": rows})
    frame["samples"] = [";".join(sorted(samples.get(p, []))) for p in rows]
    titles = {"patient_id": "Patient", "samples": "Samples"}
    descriptions = []
    for _, plugin, column in columns:
        name = column.name if column.name not in frame.columns else f"{plugin}_{column.name}"
        values = {str(k): v for k, v in column.values.items()}
        frame[name] = [values.get(p) for p in rows]
        titles[name] = column.title
        if column.description:
            descriptions.append(f"{column.title}: {column.description}")
    return Section(
        id="summary",
        title="Patient summary",
        description="One row per patient, with a column from each plugin that knows something about patients.",
        help="\n".join(descriptions) or "Columns are contributed by the plugins.",
        blocks=[Table("summary", frame, column_titles=titles)],
    )


def run_info_section(report: Report, command_line: str, config_path: Path | None) -> Section:
    import pandas as pd
    import yaml

    run = report.run
    facts = {
        "Command line": command_line,
        "rinec-report version": run.version,
        "Started": run.timestamp,
        "Run directory": run.run_dir,
        "Configuration file": str(config_path) if config_path else "none (defaults)",
        "Python": platform.python_version(),
        "Input files": f"{len(report.inputs)} matched, {len(report.skipped)} skipped",
        "Errors / warnings": f"{len(report.errors)} / {len(report.warnings)}",
    }
    inputs = pd.DataFrame(
        [
            {
                "file": r.file.relpath,
                "plugin": r.file.plugin,
                "pattern": r.file.pattern,
                "size_bytes": r.file.size,
                "sha256": r.sha256,
                "status": r.status,
            }
            for r in report.inputs
        ],
        columns=["file", "plugin", "pattern", "size_bytes", "sha256", "status"],
    )
    plugins = pd.DataFrame(
        [
            {
                "plugin": p.name,
                "distribution": p.distribution,
                "version": p.version,
                "hooks": ", ".join(p.hooks),
            }
            for p in report.plugins
        ],
        columns=["plugin", "distribution", "version", "hooks"],
    )
    messages = pd.DataFrame(
        [{"level": m.level, "plugin": m.plugin, "file": m.file or "", "message": m.text} for m in report.messages],
        columns=["level", "plugin", "file", "message"],
    )
    blocks: list = [
        KeyValues(facts),
        Table("inputs", inputs, title="Input files", patient_column=None),
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
    config_text = yaml.safe_dump(_plain(report.config), sort_keys=True, allow_unicode=True)
    blocks.append(Code(config_text, title="Configuration in effect"))
    return Section(
        id="run",
        title="Run information",
        description="How this report was made: command, versions, inputs with checksums, configuration, messages.",
        help=(
            "Each input file is listed with its SHA-256 checksum, so a collaborator can check that a "
            "report was built from the same files. The configuration shown is the one in effect: "
            "defaults, then the configuration file, then the command line."
        ),
        blocks=blocks,
    )


def _plain(value: Any) -> Any:
    """The config as plain YAML-able data (tuples and paths as lists and strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
