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

from .deidentify import SAFE_KINDS, TRANSFORMED_KINDS, Deidentifier, Pseudonyms, read_key, rules_of
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
        # A message or a plugin's text may name the file alone (John_Smith_rr.tsv in a folder).
        files.setdefault(record.file.relpath.rsplit("/", 1)[-1], label)
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
    origins = _summary_kinds(report, tool)
    names = field_names(report, tool)
    for plugin, section in report.sections:
        _learn_anchors(tool, _owner(plugin, section), section)
    for plugin, section in report.sections:
        owner = _owner(plugin, section)
        section.title = tool.text(section.title)
        section.description = tool.text(section.description)
        section.help = tool.text(section.help)
        blocks = []
        for block in section.blocks:
            blocks.extend(_block(tool, owner, block, origins if owner == SUMMARY else None, names))
        section.blocks = blocks
    for message in report.messages:
        message.text = tool.text(without_values(message.text, names))
        message.file = tool.files.get(message.file or "", tool.text(message.file)) if message.file else None
        message.traceback = None
    report.run = dataclasses.replace(report.run, title=tool.text(report.run.title), run_dir="", outdir="")
    report.config = {**report.config, "comment": tool.text(report.config.get("comment") or "")}
    report.command_line = NOT_SHOWN
    report.config_path = None


SUMMARY = "report/summary"  # the namespace of the patient summary's columns
CORE = "report"  # the core's sections' plugin name (assemble.CORE; not imported: assemble imports this module)


# A quoted string in a message: Python's repr of a cell ('x', "O'Brien", 'a\\'b') or a name
# written in quotes. A quote inside a word (patient's) opens nothing.
_QUOTED = re.compile(r"""(?<![\w'"])(?:'((?:[^'\\\n]|\\.|'')*)'|"((?:[^"\\\n]|\\.)*)")(?![\w'"])""")
VALUE = "[value]"


def field_names(report: Report, tool: Deidentifier) -> frozenset[str]:
    """Every name a message may quote and the report shows anyway, in lower case: the
    columns of its tables, the fields of its charts' data, what the plugins declare, and the
    configuration's options (``deidentify.age_cap``; not the keys of an option's own mapping,
    such as a status code under ``survival.event_codes``)."""
    found: set[str] = set(tool.kept)
    for key, value in report.config.items():
        found.add(str(key).lower())
        if isinstance(value, dict):
            found.update(f"{key}.{option}".lower() for option in value if re.fullmatch(r"[A-Za-z_]\w*", str(option)))
    for plugin, section in report.sections:
        found.update(k.lower() for k in tool._declared(_owner(plugin, section))[0])
        for block in section.blocks:
            if isinstance(block, Table):
                found.update(str(c).lower() for c in block.data.columns)
            elif isinstance(block, Chart):
                found.update(_data_fields(block.spec))
    return frozenset(found)


def _data_fields(spec: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "values" and isinstance(value, list):
                found.update(str(k).lower() for row in value[:1000] if isinstance(row, dict) for k in row)
            else:
                found |= _data_fields(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= _data_fields(value)
    return found


def without_values(text: str, names: frozenset[str]) -> str:
    """``text`` with every quoted string that is not a column or field name replaced by
    ``'[value]'``: a warning quotes the cells it could not read, and a cell may hold a name or
    an id the de-identifier does not know. The names stay: the report shows them anyway."""
    if not text or ("'" not in text and '"' not in text):
        return text

    def replace(m: re.Match[str]) -> str:
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        return m.group(0) if inner.strip().lower() in names else f"'{VALUE}'"

    return _QUOTED.sub(replace, text)


def _owner(plugin: str, section: Section) -> str:
    return SUMMARY if plugin == CORE and section.id == "summary" else plugin


def _summary_kinds(report: Report, tool: Deidentifier) -> dict[str, str]:
    """Declare each patient-summary column with its source's kind; return column -> plugin.

    A column made from a field that is not shared is not shared either. The summary names
    a plugin's column after the plugin when an earlier one took its name (as
    :func:`rinec_report.assemble.summary_section` does)."""
    table = next((b for p, s in report.sections if _owner(p, s) == SUMMARY for b in s.blocks
                  if isinstance(b, Table)), None)
    names = {str(c) for c in table.data.columns} if table is not None else set()
    owners: dict[str, int] = {}
    for result in report.results:
        for column in result.summary_columns:
            owners[column.name] = owners.get(column.name, 0) + 1
    fields: dict[str, str] = {"patient_id": "patient", "samples": "sample"}
    origins: dict[str, str] = {}
    for result in report.results:
        for column in result.summary_columns:
            prefixed = f"{result.name}_{column.name}"
            taken = owners[column.name] > 1 or column.name in ("patient_id", "samples")
            name = prefixed if prefixed in names and taken else column.name
            source = str(column.source or column.name)
            kind = column.kind or tool.kind_of(result.name, source)
            shared = kind in TRANSFORMED_KINDS or kind in SAFE_KINDS
            if not shared and (source.lower() in tool.kept or name.lower() in tool.kept):
                tool.kept.add(name.lower())
                shared = True
            fields[name] = kind if shared or kind == "text" else "not shared"
            origins[name] = result.name
    tool.declare(SUMMARY, fields)
    return origins


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


def _block(tool: Deidentifier, plugin: str, block: Any, origins: dict[str, str] | None = None,
           names: frozenset[str] = frozenset()) -> list[Any]:
    """The block's de-identified form, as a list: a chart that needs a column that is not
    shared becomes a note, and a picture removed from markup adds one."""
    if isinstance(block, Table):
        where = block.title or block.name
        before = set(tool.removed)
        data = tool.frame(plugin, block.data, where)
        if origins:  # the summary's columns are named with the plugin they came from
            for key in set(tool.removed) - before:
                removed = tool.removed.pop(key)
                tool.drop(origins.get(removed.column, removed.plugin), "Patient summary", removed.column,
                          removed.why if removed.why != "unknown kind 'not shared'" else "its source is not shared")
        names = {str(c): tool.text(str(c)) for c in block.data.columns}
        shown = set(data.columns)

        def renamed(column: str | None) -> str | None:
            new = names.get(str(column)) if column is not None else None
            return new if new in shown else None

        return [dataclasses.replace(
            block,
            data=data,
            title=tool.text(block.title),
            patient_column=renamed(block.patient_column),
            filters=[f for f in (renamed(c) for c in block.filters) if f],
            column_titles={new: tool.text(v) for k, v in block.column_titles.items()
                           if (new := renamed(k)) is not None},
        )]
    if isinstance(block, Chart):
        title = tool.text(block.title)
        dropped: set[str] = set()
        spec = _spec(tool, plugin, block.spec, title or "chart", dropped)
        needed = sorted(_referenced(_without_tooltips(spec, dropped)) & dropped)
        if needed:
            return [Note(f"A chart{f' ({title})' if title else ''} is not shown in this de-identified report: it "
                         f"draws columns that are not shared ({', '.join(tool.text(n) for n in needed)}).")]
        return [dataclasses.replace(block, spec=spec, title=title)]
    if isinstance(block, Text):
        return [Text(tool.text(block.text))]
    if isinstance(block, Note):  # a plugin's warnings are shown as its notes too
        return [Note(tool.text(without_values(block.text, names)), block.level)]
    if isinstance(block, KeyValues):
        return [KeyValues({tool.text(str(k)): tool.value(v) for k, v in block.items.items()}, tool.text(block.title))]
    if isinstance(block, Code):
        return [Code(tool.text(block.text), tool.text(block.title))]
    if isinstance(block, Html):
        html, pictures = without_pictures(block.html)
        tool.pictures += pictures
        out: list[Any] = [Html(_markup(tool, html))]
        if pictures:
            out.append(Note(f"{pictures} embedded picture(s) removed: a de-identified report carries no pictures "
                            "(text burned into pixels cannot be found).", level="info"))
        return out
    return [block]


def _spec(tool: Deidentifier, plugin: str, spec: Any, where: str, dropped: set[str]) -> Any:
    """A Vega-Lite spec with its data rows under the field rules and every other string
    scrubbed; the fields left out are added to ``dropped``."""
    if isinstance(spec, dict):
        out = {}
        for key, value in spec.items():
            if key == "values" and isinstance(value, list):
                out[key] = _rows(tool, plugin, value, where, dropped)
            elif key == "datasets" and isinstance(value, dict):
                out[key] = {name: _rows(tool, plugin, rows, where, dropped) if isinstance(rows, list) else rows
                            for name, rows in value.items()}
            else:
                out[key] = _spec(tool, plugin, value, where, dropped)
        return out
    if isinstance(spec, list):
        return [_spec(tool, plugin, v, where, dropped) for v in spec]
    if isinstance(spec, str):
        return tool.text(spec)
    return spec


def _rows(tool: Deidentifier, plugin: str, rows: list[Any], where: str, dropped: set[str]) -> list[Any]:
    out = tool.records(plugin, rows, where)
    for before, after in zip(rows, out, strict=True):
        if isinstance(before, dict) and len(before) != len(after):
            dropped.update(str(k) for k in before if k not in after)
    return out


_EXPRESSION_FIELD = re.compile(r"datum(?:\.([A-Za-z_]\w*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")


def _referenced(spec: Any) -> set[str]:
    """The data fields a Vega-Lite spec reads: encodings, sorts, transforms, expressions."""
    found: set[str] = set()
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("values", "datasets"):
                continue
            if key == "field" and isinstance(value, str):
                found.add(value)
            elif key in ("groupby", "fields", "fold") and isinstance(value, list):
                found.update(v for v in value if isinstance(v, str))
            elif key in ("calculate", "filter", "test", "expr") and isinstance(value, str):
                found.update(a or b for a, b in _EXPRESSION_FIELD.findall(value))
            found |= _referenced(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= _referenced(value)
    return found


def _without_tooltips(spec: Any, dropped: set[str]) -> Any:
    """``spec`` with the tooltip entries that show a dropped field taken out, in place:
    a tooltip is no reason to lose the chart."""
    if isinstance(spec, dict):
        tip = spec.get("tooltip")
        if isinstance(tip, list):
            spec["tooltip"] = [t for t in tip if not (isinstance(t, dict) and t.get("field") in dropped)]
        elif isinstance(tip, dict) and tip.get("field") in dropped:
            del spec["tooltip"]
        for value in spec.values():
            _without_tooltips(value, dropped)
    elif isinstance(spec, list):
        for value in spec:
            _without_tooltips(value, dropped)
    return spec


# A picture embedded in markup: the element that shows it, or the data URI alone (CSS).
_PICTURE_TAG = re.compile(r"<(?:img|image|source|input)\b[^>]*?data:image/[^>]*>", re.IGNORECASE)
_PICTURE_URI = re.compile(r"data:image/[^\s\"')>]*", re.IGNORECASE)


def without_pictures(html: str) -> tuple[str, int]:
    """``html`` without its embedded pictures (``data:image/...``), and how many there were."""
    if "data:image/" not in html.lower():
        return html, 0
    html, tags = _PICTURE_TAG.subn("", html)
    html, uris = _PICTURE_URI.subn("", html)
    return html, tags + uris


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
    import pandas as pd

    rules = tool.rules
    dates = ("days from each patient's first event" if rules["dates"] == "relative" else "the year only")
    kept = ", ".join(sorted(tool.kept_by_user)) or "none"
    removed = pd.DataFrame(
        [{"plugin": r.plugin, "table": tool.text(r.where), "column": tool.text(r.column), "why": r.why}
         for r in tool.removed.values()],
        columns=["plugin", "table", "column", "why"],
    )
    blocks: list[Any] = [
        Note("This report is de-identified: ids are pseudonyms, dates are intervals. The table of "
             "pseudonyms is kept beside the original report and is not part of it.", level="info"),
        KeyValues({
            "Patient and sample ids": "keyed HMAC codes" if tool.ids.key else "pseudonyms in natural order",
            "Dates": dates,
            "Columns": "only those a plugin declares safe (measures, checked categories, counts, intervals) "
                       "or transforms (ids, dates, ages, file names), and those kept by name",
            "Columns kept by name": kept,
            "Ages": f"above {rules['age_cap']} shown as {rules['age_cap'] + 1}+",
            "Pictures": f"{tool.pictures} removed" if tool.pictures else "none embedded",
            "Run information": "inputs by content hash; no paths, file names, command line, user or host",
        }, title="Rules"),
    ]
    if len(removed):
        blocks.append(Table("removed", removed, title="Removed for sharing", patient_column=None,
                            column_titles={"plugin": "Plugin", "table": "Table or chart", "column": "Column",
                                           "why": "Why"}, filters=["plugin"]))
    else:
        blocks.append(Text("No column was removed for sharing."))
    return Section(
        id="deidentified",
        title="De-identified report",
        description="Patient and sample identifiers, exact dates, free text, undeclared columns, pictures, "
                    "file names and paths were removed.",
        help=(
            "A column is shared only when the plugin that made it declares it safe, or you keep it "
            "(deidentify: keep_columns). The columns removed are listed by name, never by value. Rare "
            "combinations of values (a very old patient with a rare tumour) can still be recognised: "
            "check before sharing."
        ),
        blocks=blocks,
    )


def manifest_rules(tool: Deidentifier) -> dict[str, Any]:
    rules = dict(tool.rules)
    rules.pop("key_file", None)
    return {**rules, "ids": "hmac" if tool.ids.key else "sequential"}
