"""The sequencing-QC section and summary columns, in MultiQC's own titles, formats and scales."""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from rinec_report import Chart, KeyValues, Note, Section, SummaryColumn, Table, Text

from .build import verdict_text

_DECIMALS = re.compile(r"\{:[^}]*\.(\d+)[fe%]\}")


def shown(value: Any, head: dict[str, Any]) -> str:
    """The value as MultiQC's table writes it: its ``format`` (default ``{:,.1f}``) and ``suffix``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    fmt = str(head.get("format") or "{:,.1f}")
    try:
        text = fmt.format(value)
    except (ValueError, TypeError, IndexError, KeyError):
        try:
            text = fmt.format(float(value))  # "{:,d}" on a float that is a whole number
        except (ValueError, TypeError, IndexError, KeyError):
            text = str(value)
    return text + str(head.get("suffix") or "")


def rounded(value: Any, head: dict[str, Any]) -> Any:
    """A number rounded as MultiQC's format shows it (the page sorts it as a number)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
        return value
    fmt = str(head.get("format") or "{:,.1f}")
    if "d}" in fmt:
        return round(value)
    m = _DECIMALS.search(fmt)
    return round(value, int(m.group(1))) if m and "e}" not in fmt else value


def title(head: dict[str, Any], cid: str) -> str:
    """MultiQC's column title, with its suffix as a unit where the title lacks one."""
    text = str(head.get("title") or cid)
    unit = str(head.get("suffix") or "").strip()
    return f"{text} ({unit})" if unit and unit not in text else text


def unique_titles(heads: dict[str, dict[str, Any]]) -> dict[str, str]:
    titles = {c: title(h, c) for c, h in heads.items()}
    counts = pd.Series(list(titles.values())).value_counts()
    # Two modules may both title a column "% Dups": then the module's name tells them apart.
    return {c: (f"{heads[c].get('namespace') or heads[c].get('module')}: {t}" if counts[t] > 1 else t)
            for c, t in titles.items()}


def header_table(heads: dict[str, dict[str, Any]], where: str) -> pd.DataFrame:
    rows = [{"table": where, "column": c, "title": str(h.get("title") or c),
             "description": str(h.get("description") or ""), "format": str(h.get("format") or "{:,.1f}"),
             "suffix": str(h.get("suffix") or ""), "scale": str(h.get("scale") or ""),
             "factor": h.get("factor"), "hidden": bool(h.get("hidden"))} for c, h in heads.items()]
    return pd.DataFrame(rows, columns=["table", "column", "title", "description", "format", "suffix", "scale",
                                       "factor", "hidden"])


def sections(data: dict[str, Any], options: dict[str, Any]) -> list[Section]:
    frame, columns = data["samples"], data["columns"]
    qc = data.get("sample_qc")
    blocks: list[Any] = []
    rules = data.get("thresholds") or []
    if qc is not None:
        failing = qc[qc["qc"] == "fail"]
        unknown = qc[qc["qc"] == "unknown"]
        blocks.append(Note(f"{len(failing):,} of {len(qc):,} samples fail the QC thresholds"
                           + (f"; {len(unknown):,} cannot be judged (the metric is missing)" if len(unknown) else "")
                           + ".", level="warning" if len(failing) else "info"))
        blocks.append(KeyValues({f"{m} {'at least' if k == 'min' else 'at most'}": f"{v:g}" for m, k, v in rules},
                                title="Thresholds (config qc:)"))
    visible = {c: h for c, h in columns.items() if not h.get("hidden")}
    titles = unique_titles(visible)
    page = frame[["sample", "patient_id", *visible]].copy()
    for c, h in visible.items():
        page[c] = [rounded(v, h) for v in page[c]]
    if qc is not None:
        page.insert(2, "qc", [verdict_text(q, r) for q, r in zip(qc["qc"], qc["reason"], strict=True)])
    from .chart import MAX_SAMPLES, heatmap

    chart = heatmap(frame, visible, titles, shown)
    if chart is not None:
        blocks.append(Chart(chart, title="General statistics in MultiQC's colour scales"))
        if len(frame) > MAX_SAMPLES:
            blocks.append(Note(f"The chart shows the first {MAX_SAMPLES:,} of {len(frame):,} samples; the table "
                               "below has every one."))
    blocks.append(Table("general_stats", page, title="General statistics",
                        column_titles={**titles, "qc": "QC verdict"}, export=False))
    export = frame.copy()
    if qc is not None:
        export.insert(2, "qc", list(qc["qc"]))
        export.insert(3, "qc_reason", list(qc["reason"]))
    blocks.append(Table("samples", export, show=False))
    heads = [header_table(columns, "general statistics")]
    for table, module in data["modules"].items():
        mine = data["module_columns"].get(table, {})
        named = unique_titles(mine)
        page = module.copy()
        for c, h in mine.items():
            page[c] = [rounded(v, h) for v in page[c]]
        blocks.append(Table(f"module_{table}", page, title=f"multiqc_{table}.txt",
                            column_titles={c: named[c] for c in mine}, export=False, page_size=10))
        blocks.append(Table(f"module_{table}_values", module, show=False))
        heads.append(header_table(mine, f"multiqc_{table}.txt"))
    blocks.append(Table("columns", pd.concat(heads, ignore_index=True), title="MultiQC's column headers",
                        patient_column=None, page_size=10))
    version = ", ".join(data.get("versions") or []) or "unknown"
    blocks.insert(0, Text(f"MultiQC version {version}; general statistics read from "
                          f"{', '.join(data.get('sources') or [])}."))
    return [Section("multiqc", "Sequencing QC",
                    "MultiQC's general statistics and module tables per sample, with the patient each sample "
                    "belongs to, in MultiQC's own column titles, number formats and scales.",
                    help=("Values are the ones MultiQC's own table shows: its modified values (read counts in "
                          "millions where its header says so, rates as percentages), rounded as its column "
                          "format says; the data folder (qc_samples, qc_module_*_values) has them unrounded. A "
                          "module table's column takes the title and scale of the general-statistics column of "
                          "the same key. The chart colours each cell as MultiQC's table does: by the column's "
                          "colour scale, between its min and max (else the samples' range), in the scale's light "
                          "part; MultiQC's red-to-green scales are drawn red-to-blue, which colour-blind readers "
                          "tell apart. The `qc` column is the verdict against the config's thresholds (qc: "
                          "min_mean_coverage, min_values, max_values): fail when a value is outside a threshold, "
                          "unknown when the sample lacks the metric. `scale` in the headers table is MultiQC's "
                          "colour scale for the column."),
                    blocks=blocks)]


def summary_columns(data: dict[str, Any], options: dict[str, Any], patients: Any) -> list[SummaryColumn]:
    frame, columns = data["samples"], data["columns"]
    known = frame[frame["patient_id"].notna()]
    ids = list(patients.ids) if patients is not None else list(dict.fromkeys(known["patient_id"]))
    out = []
    titles = unique_titles({c: h for c, h in columns.items() if not h.get("hidden")})
    for cid, name in titles.items():
        head = columns[cid]
        texts = known[cid].map(lambda v, head=head: shown(v, head))
        per = texts.groupby(known["patient_id"]).agg(lambda s: "; ".join(t for t in s if t))
        out.append(SummaryColumn(f"qc_{re.sub(r'[^A-Za-z0-9_]', '_', cid)}", name, per.to_dict(),
                                 description=str(head.get("description") or "")))
    patient_qc = data.get("patient_qc")
    if patient_qc is not None:
        by = {p: verdict_text(q, r) for p, q, r in zip(patient_qc["patient_id"], patient_qc["qc"],
                                                        patient_qc["reason"], strict=True)}
        out.append(SummaryColumn("qc", "Sequencing QC", {p: by.get(p, "unknown: no MultiQC data") for p in ids},
                                 description="The worst verdict of the patient's samples against the QC thresholds."))
    return out
