"""MultiQC's data folder, in every layout its versions write.

- ``multiqc_data.json``: the general-statistics table as lists in the same order
  (MultiQC < 1.20: ``report_general_stats_data`` / ``_headers``) or as dicts by module
  (>= 1.20). Values there are the tool's raw numbers. A header's ``modify`` is a number
  up to 1.2x (MultiQC writes its modifier function called on 1: ``1e-06`` is "in
  millions"); from 1.25 on it is null and the modified values are in
  ``report_saved_raw_data.multiqc_general_stats``, keyed by the header's ``rid``.
- ``multiqc.parquet`` (>= 1.29, which names it ``BETA-multiqc.parquet``): one row per (sample, metric) with ``val_raw``,
  ``val_mod`` and the column's header as ``column_meta``.
- ``multiqc_<module>.txt``: one table per module (tab-separated, ``Sample`` first; ``.csv``
  and ``.yaml`` with MultiQC's ``-k csv`` / ``-k yaml``); the JSON keeps the same tables in
  ``report_saved_raw_data``, read in their place where the JSON is beside them (MultiQC's CSV
  breaks a row at a nested value's commas). ``multiqc_general_stats.*`` is read only where
  neither the JSON nor the parquet is beside it.

Every reader returns a plain dict (picklable: it travels back from the parse workers).
A general-statistics column is keyed by MultiQC's own column id, ``<module>-<key>``
(the header of ``multiqc_general_stats.txt`` from 1.25 on); its value is the one MultiQC's
table shows (the modified one), and ``factor`` is modified / raw where that is known.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import io
import json
import math
import re
from pathlib import PurePath
from typing import Any

from rinec_report import InputError, account
from rinec_report.safeio import open_content, read_content

# MultiQC < 1.25 prefixes its general-statistics column ids with this.
OLD_PREFIX = "mqc-generalstats-"
# The header fields the report keeps (the rest is MultiQC's page layout).
HEADER_FIELDS = ("title", "description", "namespace", "format", "suffix", "scale", "min", "max", "hidden")
# A cell holding a Python dict (fastp's table in MultiQC >= 1.2x) is expanded if it is this small.
MAX_LITERAL = 100_000
# MultiQC's own files in the data folder that are no sample table.
NOT_SAMPLE_TABLES = {"multiqc_sources", "multiqc_citations", "multiqc_software_versions",
                     "multiqc_config"}  # the last is MultiQC's own config file (multiqc_config.yaml)


def read_file(path: str) -> dict[str, Any]:
    """The parsed content of one MultiQC file, by its name."""
    name = PurePath(path).name.lower()
    if name.endswith(".parquet"):
        return read_parquet(path)
    if name.endswith(".json"):
        return read_json(path)
    if name.endswith((".yaml", ".yml")):
        return read_yaml_table(path)
    return read_text_table(path)


def column_id(rid: str) -> str:
    """``mqc-generalstats-samtools_stats-error_rate`` (and 1.25's ``samtools_stats-error_rate``)
    as ``samtools_stats-error_rate``."""
    rid = str(rid)
    if "_" + OLD_PREFIX in rid:  # a text table's header: "Namespace_mqc-generalstats-<id>"
        rid = rid.split("_" + OLD_PREFIX, 1)[1]
    return rid[len(OLD_PREFIX):] if rid.startswith(OLD_PREFIX) else rid


def _number(value: Any) -> float | int | str | None:
    """A cell as a number where it is one (MultiQC 1.14 writes some as text), else as text."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, (int, float)):
        return None if isinstance(value, float) and math.isnan(value) else value
    text = str(value).strip()
    if text == "" or text.lower() in ("nan", "none", "null"):
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _header(spec: dict[str, Any], key: str, module: str) -> dict[str, Any]:
    out = {k: spec.get(k) for k in HEADER_FIELDS if spec.get(k) is not None}
    out["hidden"] = bool(spec.get("hidden"))
    out.update(key=str(key), module=module)
    return out


def _factor(modify: Any) -> float | None:
    return float(modify) if isinstance(modify, (int, float)) and not isinstance(modify, bool) else None


def read_json(path: str) -> dict[str, Any]:
    with open_content(path) as fh:
        try:
            doc = json.load(fh)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"not MultiQC's JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InputError("not MultiQC's JSON: the top level is not an object")
    data, headers = doc.get("report_general_stats_data"), doc.get("report_general_stats_headers")
    if isinstance(data, dict):  # MultiQC >= 1.20: dicts by module id
        data, headers = list(data.values()), [(headers or {}).get(k, {}) for k in data]
    if not isinstance(data, list) or not isinstance(headers, list) or len(data) != len(headers):
        raise InputError("report_general_stats_data and report_general_stats_headers do not pair up")
    saved = ((doc.get("report_saved_raw_data") or {}).get("multiqc_general_stats") or {})
    saved = saved if isinstance(saved, dict) else {}
    columns: dict[str, dict[str, Any]] = {}
    raw: dict[str, dict[str, Any]] = {}
    for table, header in zip(data, headers, strict=True):
        if not isinstance(table, dict) or not isinstance(header, dict):
            raise InputError("a general-statistics table is not an object")
        ids = {}
        prefix = _module_prefix(header, saved)
        for key, spec in header.items():
            if not isinstance(spec, dict):
                continue
            cid = column_id(spec.get("rid") or f"{prefix}-{_clean(key)}")
            ids[str(key)] = cid
            head = columns.setdefault(cid, _header(spec, key, cid.split("-", 1)[0]))
            head["factor"] = _factor(spec.get("modify"))
            # From 1.25 on the modified values are saved under the column id; before, raw x modify.
            head["_saved"] = str(spec.get("rid") or cid)
        for sample, row in table.items():
            # MultiQC >= 1.20 may nest a sample's rows by group: {sample: [{"data": {...}}]}, and
            # 1.25 writes each such row as a JSON string of its own.
            items = row if isinstance(row, list) else [row]
            items = [_loads(r) if isinstance(r, str) else r for r in items]
            rows = [r.get("data", {}) if isinstance(r, dict) and isinstance(r.get("data"), dict) else r for r in items]
            for one in rows:
                if not isinstance(one, dict):
                    continue
                for key, value in one.items():
                    number = _number(value)
                    if str(key) in ids and number is not None:
                        raw.setdefault(str(sample), {})[ids[str(key)]] = number
    values: dict[str, dict[str, Any]] = {}
    for sample, row in raw.items():
        mine = saved.get(sample) if isinstance(saved.get(sample), dict) else {}
        for cid, value in row.items():
            head = columns[cid]
            shown = _number(mine.get(head["_saved"])) if head["factor"] is None else None
            if shown is None:
                shown = value * head["factor"] if head["factor"] is not None and isinstance(value, (int, float)) \
                    else value
            values.setdefault(sample, {})[cid] = shown
    for head in columns.values():
        head.pop("_saved")
    _derive_factors(columns, raw, values)
    account.rows(read=len(values), used=len(values), unit="samples")
    return {"kind": "general", "source": "json", "version": str(doc.get("config_version") or ""),
            "values": values, "modules": saved_tables(doc),
            "columns": {c: h for c, h in columns.items() if any(c in v for v in values.values())}}


def _clean(key: Any) -> str:
    """A header key as MultiQC's column ids spell it (``non-primary_alignments`` ->
    ``non_primary_alignments``)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", str(key))


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _module_prefix(header: dict[str, Any], saved: dict[str, Any]) -> str:
    """The module part of a general-statistics table's column ids: from its headers' rid, or,
    where MultiQC 1.25 wrote none, the prefix of the saved column ids that end in the
    table's keys (``samtools_stats-error_rate`` for ``error_rate``)."""
    rid = next((h["rid"] for h in header.values() if isinstance(h, dict) and h.get("rid")), None)
    if rid:
        return column_id(rid).split("-", 1)[0]
    keys = {_clean(k) for k in header}
    found: dict[str, int] = {}
    for row in saved.values():
        if isinstance(row, dict):
            for cid in row:
                module, _sep, key = column_id(str(cid)).partition("-")
                if key in keys:
                    found[module] = found.get(module, 0) + 1
        break  # one sample names every column
    return max(sorted(found), key=lambda m: found[m]) if found else "general"


def _derive_factors(columns: dict[str, dict[str, Any]], raw: dict[str, dict[str, Any]],
                    shown: dict[str, dict[str, Any]]) -> None:
    """modified / raw of each column where every sample agrees on one number (MultiQC's
    modifiers are "in millions", "as %"): a module's own table, which holds raw numbers, is
    then shown on the general table's scale."""
    for cid, head in columns.items():
        if head.get("factor") is not None:
            continue
        ratios = []
        for sample, row in raw.items():
            a, b = row.get(cid), shown.get(sample, {}).get(cid)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a != 0:
                ratios.append(b / a)
        if ratios and all(math.isclose(r, ratios[0], rel_tol=1e-9) for r in ratios):
            # A power of ten as MultiQC wrote it (1e-06, not 9.99e-07 from the division).
            exp = round(math.log10(abs(ratios[0]))) if ratios[0] else 0
            head["factor"] = float(10.0 ** exp) if math.isclose(ratios[0], 10.0 ** exp, rel_tol=1e-9) \
                else ratios[0]
        # Only zeros: the scale is unknown (and a module table's column keeps its own name).


def read_parquet(path: str) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(read_content(path)))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(f"not MultiQC's parquet: {' '.join(str(exc).split())[:200]}") from None
    need = {"anchor", "type", "metric", "val_raw", "val_mod", "column_meta"}
    if not need <= set(table.column_names):
        raise InputError(f"not MultiQC's parquet: no column {', '.join(sorted(need - set(table.column_names)))}")
    frame = table.to_pandas()
    rows = frame[(frame["type"] == "plot_input_row") & (frame["anchor"] == "general_stats_table")]
    sample_col = "row_sample" if "row_sample" in rows else "sample"
    columns: dict[str, dict[str, Any]] = {}
    values: dict[str, dict[str, Any]] = {}
    raw: dict[str, dict[str, Any]] = {}
    bad = 0
    for sample, metric, v_raw, v_mod, meta in zip(rows[sample_col], rows["metric"], rows["val_raw"],
                                                  rows["val_mod"], rows["column_meta"], strict=True):
        try:
            spec = json.loads(meta) if isinstance(meta, str) else {}
        except ValueError:
            spec = {}
        if not isinstance(spec, dict) or sample is None or metric is None:
            bad += 1
            continue
        cid = column_id(spec.get("rid") or metric)
        if cid not in columns:
            columns[cid] = _header(spec, metric, cid.split("-", 1)[0])
            columns[cid]["factor"] = _factor(spec.get("modify"))
        shown, number = _number(v_mod), _number(v_raw)
        if shown is None:
            shown = number
        if shown is None:
            continue
        values.setdefault(str(sample), {})[cid] = shown
        if number is not None:
            raw.setdefault(str(sample), {})[cid] = number
    account.rows(read=len(rows), used=len(rows) - bad, unit="values")
    account.dropped("no sample, metric or column header", bad)
    _derive_factors(columns, raw, values)
    version = ""
    if "multiqc_version" in frame:
        known = frame["multiqc_version"].dropna()
        version = str(known.iloc[0]) if len(known) else ""
    return {"kind": "general", "source": "parquet", "version": version, "values": values,
            "columns": {c: h for c, h in columns.items() if any(c in v for v in values.values())}}


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> int:
    """A dict cell as ``prefix.key`` columns; returns how many list values it left out."""
    skipped = 0
    for key, item in value.items():
        name = f"{prefix}.{key}"
        if isinstance(item, dict):
            skipped += _flatten(name, item, out)
        elif isinstance(item, (list, tuple, set)):
            skipped += 1  # a histogram or curve: MultiQC's plots, not a per-sample value
        else:
            number = _number(item)
            if number is not None:
                out[name] = number
    return skipped


def _row_values(row: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A sample's cells as numbers or text, nested dicts as ``a.b`` columns; (values, lists left out)."""
    one: dict[str, Any] = {}
    skipped = 0
    for name, cell in row.items():
        if isinstance(cell, str) and cell.startswith("{") and len(cell) <= MAX_LITERAL:
            with contextlib.suppress(ValueError, SyntaxError, MemoryError, RecursionError):
                cell = ast.literal_eval(cell)  # a Python dict as MultiQC's text tables write it
        if isinstance(cell, dict):
            skipped += _flatten(str(name), cell, one)
        elif isinstance(cell, (list, tuple, set)):
            skipped += 1
        else:
            number = _number(cell)
            if number is not None:
                one[str(name)] = number
    return one, skipped


def _stem(path: str) -> str:
    name = PurePath(path).name
    return name.rsplit(".", 1)[0] if "." in name else name


def _table(stem: str, values: dict[str, dict[str, Any]], source: str) -> dict[str, Any]:
    """A module's table, or the general-statistics one (keyed by MultiQC's column ids, no headers)."""
    if stem.lower() == "multiqc_general_stats":
        names = list(dict.fromkeys(k for row in values.values() for k in row))
        ids = {h: column_id(h) for h in names}
        columns = {ids[h]: {"title": ids[h].split("-", 1)[-1], "key": ids[h].split("-", 1)[-1],
                            "module": ids[h].split("-", 1)[0], "hidden": False, "factor": None} for h in names}
        return {"kind": "general", "source": source, "version": "", "columns": columns,
                "values": {s: {ids[k]: v for k, v in row.items()} for s, row in values.items()}}
    return {"kind": "module", "table": stem[len("multiqc_"):] if stem.lower().startswith("multiqc_") else stem,
            "values": values}


def read_text_table(path: str) -> dict[str, Any]:
    """A ``multiqc_<module>.txt`` (or ``.csv``, MultiQC's ``-k csv``): {"kind": "module", "table",
    "values"}; the general-statistics one as {"kind": "general", "source": "txt"}."""
    stem = _stem(path)
    if stem.lower() in NOT_SAMPLE_TABLES:
        # 1.2x's software versions start with "Sample" too, but its rows are tools, not samples.
        account.rows(read=0, used=0)
        return {"kind": "other", "values": {}}
    with open_content(path) as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline="").read()
    delimiter = "," if path.lower().endswith(".csv") else "\t"
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows or not rows[0] or rows[0][0] != "Sample":
        raise InputError("not a MultiQC table: the first column is not 'Sample'")
    head = rows[0]
    values: dict[str, dict[str, Any]] = {}
    short = wide = skipped = 0
    for row in rows[1:]:
        if not row or not row[0].strip():
            short += 1
            continue
        if len(row) > len(head):
            # MultiQC's CSV writes a nested value's commas unquoted: the row no longer lines up.
            wide += 1
            continue
        one, lists = _row_values(dict(zip(head[1:], row[1:], strict=False)))
        skipped += lists
        values.setdefault(row[0], {}).update(one)
    account.rows(read=len(rows) - 1, used=len(rows) - 1 - short - wide, unit="samples")
    account.dropped("no sample name", short)
    account.dropped("more cells than the header has columns", wide)
    if skipped:
        account.column("lists inside cells", "ignored", reason="plot data (histograms, curves), not per-sample values")
    return _table(stem, values, "txt")


def read_yaml_table(path: str) -> dict[str, Any]:
    """A ``multiqc_<module>.yaml`` (MultiQC's ``-k yaml``): {sample: {column: value}}."""
    from rinec_report.yamltext import YamlRefused, load_yaml

    stem = _stem(path)
    if stem.lower() in NOT_SAMPLE_TABLES:
        account.rows(read=0, used=0)
        return {"kind": "other", "values": {}}
    try:
        doc = load_yaml(read_content(path))
    except YamlRefused as exc:
        raise InputError(f"not MultiQC's YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise InputError("not a MultiQC table: the YAML is not a mapping of samples")
    values: dict[str, dict[str, Any]] = {}
    bad = skipped = 0
    for sample, row in doc.items():
        if not isinstance(row, dict) or sample is None:
            bad += 1
            continue
        values[str(sample)], lists = _row_values(row)
        skipped += lists
    account.rows(read=len(doc), used=len(doc) - bad, unit="samples")
    account.dropped("not a mapping of columns", bad)
    return _table(stem, values, "txt")


def saved_tables(doc: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """The module tables MultiQC keeps in its JSON (``report_saved_raw_data``): the same as its
    ``multiqc_<module>.txt`` files, and the only copy when it was run with ``-k json``."""
    saved = doc.get("report_saved_raw_data")
    out: dict[str, dict[str, dict[str, Any]]] = {}
    if not isinstance(saved, dict):
        return out
    for name, table in saved.items():
        if str(name) == "multiqc_general_stats" or str(name) in NOT_SAMPLE_TABLES or not isinstance(table, dict):
            continue
        rows = {str(s): _row_values(r)[0] for s, r in table.items() if isinstance(r, dict)}
        if rows:
            out[str(name)[len("multiqc_"):] if str(name).startswith("multiqc_") else str(name)] = rows
    return out
