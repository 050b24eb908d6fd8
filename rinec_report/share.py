"""De-identifying a whole report: every section, table, chart, message and fact.

Runs after the plugins built their sections and before the tables are collected, so
that the page and the data folder carry the same de-identified values. The rules
for single values live in :mod:`rinec_report.deidentify`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from .deidentify import Deidentifier, Pseudonyms, read_key, rules_of
from .model import Chart, Code, Html, KeyValues, Note, Section, Table, Text

if TYPE_CHECKING:
    from .results import Report

NOT_SHOWN = "not shown (de-identified report)"


def deidentifier(report: Report, declared: Callable[[str], dict[str, str]]) -> Deidentifier:
    """The de-identifier of a run: its pseudonyms, file labels and date anchors."""
    rules = rules_of(report.config)
    key = read_key(rules["key_file"]) if rules["key_file"] else None
    ids = Pseudonyms(key=key)
    samples = [s for values in report.patient_samples.values() for s in values]
    patients = list(report.patient_samples)
    for result in report.results:
        for column in result.summary_columns:
            patients.extend(str(p) for p in column.values)
    samples = [*samples, *report.unmatched_samples]
    files: dict[str, str] = {}
    for record in report.inputs:
        label = f"input-{record.sha256[:12]}" if record.sha256 else "input"
        files[record.file.relpath] = label
        files[record.file.path] = label
    files[report.run.run_dir] = "RUN_DIR"
    files[report.run.outdir] = "OUT_DIR"
    tool = Deidentifier(rules, ids, files, declared)
    # Ids a plugin shows in a column it declares (or the core knows) count as well as the resolver's.
    for plugin, section in report.sections:
        for block in section.blocks:
            if isinstance(block, Table):
                for column in block.data.columns:
                    kind = tool.kind_of(plugin, str(column))
                    if kind in ("patient", "sample"):
                        values = [str(v) for v in block.data[column].dropna().unique()]
                        target = patients if kind == "patient" else samples
                        target.extend(p for v in values for p in v.split(";") if p)
    ids.assign(patients, samples)
    return tool


def deidentify_sections(report: Report, tool: Deidentifier) -> None:
    """Replace every section's content by its de-identified form, in place."""
    for plugin, section in report.sections:
        _learn_anchors(tool, plugin, section)
    for plugin, section in report.sections:
        section.title = tool.text(section.title)
        section.description = tool.text(section.description)
        section.help = tool.text(section.help)
        section.blocks = [_block(tool, plugin, b) for b in section.blocks]
    for message in report.messages:
        message.text = tool.text(message.text)
        message.file = tool.files.get(message.file or "", tool.text(message.file)) if message.file else None
        message.traceback = None
    report.run = dataclasses.replace(report.run, title=tool.text(report.run.title), run_dir="", outdir="")
    report.config = {**report.config, "comment": tool.text(report.config.get("comment") or "")}
    report.command_line = NOT_SHOWN
    report.config_path = None


def _learn_anchors(tool: Deidentifier, plugin: str, section: Section) -> None:
    """Each patient's first event, from every dated table row that names the patient."""
    for block in section.blocks:
        if not isinstance(block, Table):
            continue
        frame = block.data
        kinds = {c: tool.kind_of(plugin, str(c)) for c in frame.columns}
        patient_cols = [c for c, k in kinds.items() if k == "patient"]
        date_cols = [c for c, k in kinds.items() if k == "date"]
        if not patient_cols or not date_cols:
            continue
        for row in frame[[patient_cols[0], *date_cols]].itertuples(index=False, name=None):
            patient = tool.ids.codes.get(str(row[0]), str(row[0]))
            for value in row[1:]:
                tool.learn_anchor(patient, value)


def _block(tool: Deidentifier, plugin: str, block: Any) -> Any:
    if isinstance(block, Table):
        return dataclasses.replace(
            block,
            data=tool.frame(plugin, block.data),
            title=tool.text(block.title),
            column_titles={tool.text(k): tool.text(v) for k, v in block.column_titles.items()},
        )
    if isinstance(block, Chart):
        return dataclasses.replace(block, spec=_spec(tool, plugin, block.spec), title=tool.text(block.title))
    if isinstance(block, Text):
        return Text(tool.text(block.text))
    if isinstance(block, Note):
        return Note(tool.text(block.text), block.level)
    if isinstance(block, KeyValues):
        return KeyValues({tool.text(str(k)): tool.value(v) for k, v in block.items.items()}, tool.text(block.title))
    if isinstance(block, Code):
        return Code(tool.text(block.text), tool.text(block.title))
    if isinstance(block, Html):
        return Html(_markup(tool, block.html))
    return block


def _spec(tool: Deidentifier, plugin: str, spec: Any) -> Any:
    """A Vega-Lite spec with its data rows under the field rules and every other string scrubbed."""
    if isinstance(spec, dict):
        out = {}
        for key, value in spec.items():
            if key == "values" and isinstance(value, list):
                out[key] = tool.records(plugin, value)
            elif key == "datasets" and isinstance(value, dict):
                out[key] = {name: tool.records(plugin, rows) if isinstance(rows, list) else rows
                            for name, rows in value.items()}
            else:
                out[key] = _spec(tool, plugin, value)
        return out
    if isinstance(spec, list):
        return [_spec(tool, plugin, v) for v in spec]
    if isinstance(spec, str):
        return tool.text(spec)
    return spec


# An embedded picture or font: its base64 may spell an id ('+K77/') or a date by chance.
_EMBEDDED = re.compile(r"(data:[\w.+/-]*(?:;[\w.+=-]*)*;base64,[A-Za-z0-9+/=]+)")


def _markup(tool: Deidentifier, html: str) -> str:
    """Markup a plugin built: ids and dates replaced in its text, escaped forms
    included; embedded data (base64 URIs) left whole."""
    parts = _EMBEDDED.split(html)
    for i in range(0, len(parts), 2):  # the text between the embedded data
        text = parts[i]
        for raw, code in sorted(tool.ids.codes.items(), key=lambda rc: -len(rc[0])):
            escaped = str(escape(raw))
            if escaped != raw:
                text = text.replace(escaped, code)
        parts[i] = tool.text(text)
    return "".join(parts)


def banner_section(tool: Deidentifier) -> Section:
    rules = tool.rules
    dates = ("days from each patient's first event" if rules["dates"] == "relative" else "the year only")
    kept = ", ".join(rules["keep_text"]) or "none"
    return Section(
        id="deidentified",
        title="De-identified report",
        description="Patient and sample identifiers, exact dates, free text, file names and paths were removed.",
        help=(
            "Text burned into the pixels of images is not removed, nor are rare combinations of values "
            "(a very old patient with a rare tumour can still be recognised): check before sharing."
        ),
        blocks=[
            Note("This report is de-identified: ids are pseudonyms, dates are intervals. The table of "
                 "pseudonyms is kept beside the original report and is not part of it.", level="info"),
            KeyValues({
                "Patient and sample ids": "keyed HMAC codes" if tool.ids.key else "pseudonyms in natural order",
                "Dates": dates,
                "Free-text fields kept": kept,
                "Ages": f"above {rules['age_cap']} shown as {rules['age_cap'] + 1}+",
                "Run information": "inputs by content hash; no paths, file names, command line, user or host",
            }, title="Rules"),
        ],
    )


def manifest_rules(tool: Deidentifier) -> dict[str, Any]:
    rules = dict(tool.rules)
    rules.pop("key_file", None)
    return {**rules, "ids": "hmac" if tool.ids.key else "sequential"}
