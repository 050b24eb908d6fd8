"""MultiQC's folders joined to patients, and each sample's verdict against the config's thresholds."""

from __future__ import annotations

import math
import warnings
from pathlib import PurePath
from typing import Any

import pandas as pd

from rinec_report import InputWarning, account

# Within one MultiQC data folder the general-statistics table is read from the first of these.
SOURCE_ORDER = ("json", "parquet", "txt")


def join(files: list[Any], patients: Any, options: dict[str, Any]) -> dict[str, Any] | None:
    """{"samples": general statistics per sample, "columns": their headers, "modules": {table:
    frame}, "module_columns": {table: {column: header}}, "sample_qc": verdicts or None}."""
    folders: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for f in files:
        if f.data is not None:
            folders.setdefault(str(PurePath(f.file.relpath).parent), []).append((f.file.relpath, f.data))
    if not folders:
        return None
    values: dict[str, dict[str, Any]] = {}
    columns: dict[str, dict[str, Any]] = {}
    modules: dict[str, dict[str, dict[str, Any]]] = {}
    versions, sources = [], []
    for folder in sorted(folders):
        parsed = folders[folder]
        general = [d for _p, d in parsed if d["kind"] == "general"]
        general.sort(key=lambda d: SOURCE_ORDER.index(d["source"]))
        if general:
            chosen = general[0]
            sources.append(chosen["source"])
            if chosen["version"]:
                versions.append(chosen["version"])
            for cid, head in chosen["columns"].items():
                columns.setdefault(cid, head)
            for sample, row in chosen["values"].items():
                values.setdefault(sample, {}).update(row)
            for relpath, d in parsed:
                if d["kind"] == "general" and d is not chosen:
                    account.column("general statistics", "ignored", file=relpath,
                                   reason=f"the same table is read from MultiQC's {chosen['source']} beside it")
        json_tables = next((d.get("modules") for d in general if d["source"] == "json" and d.get("modules")), None)
        if json_tables:
            for relpath, d in parsed:
                if d["kind"] == "module":
                    account.column("module table", "ignored", file=relpath,
                                   reason="the same table is read from MultiQC's JSON beside it")
        tables = sorted(json_tables.items()) if json_tables else [
            (d["table"], d["values"]) for _p, d in sorted(parsed, key=lambda x: x[0]) if d["kind"] == "module"]
        for name, rows in tables:
            table = modules.setdefault(name, {})
            for sample, row in rows.items():
                table.setdefault(sample, {}).update(row)
    order = [c for c in columns]
    frame = pd.DataFrame([{"sample": s, **{c: values[s].get(c) for c in order}} for s in sorted(values)],
                         columns=["sample", *order])
    frame.insert(1, "patient_id", [patients.patient_of(s) for s in frame["sample"]])
    module_frames, module_columns = {}, {}
    for table in sorted(modules):
        heads = module_headers(table, modules[table], columns)
        names = list(dict.fromkeys(k for row in modules[table].values() for k in row))
        rows = []
        for sample in sorted(modules[table]):
            row = {"sample": sample, "patient_id": patients.patient_of(sample)}
            for name in names:
                value = modules[table][sample].get(name)
                factor = heads.get(name, {}).get("factor")
                if factor not in (None, 1.0) and isinstance(value, (int, float)):
                    value = value * factor  # on the general table's scale ("in millions")
                row[name] = value
            rows.append(row)
        module_frames[table] = pd.DataFrame(rows, columns=["sample", "patient_id", *names])
        module_columns[table] = heads
    return {"samples": frame, "columns": columns, "modules": module_frames, "module_columns": module_columns,
            "versions": sorted(set(versions)), "sources": sorted(set(sources)),
            "thresholds": (rules := thresholds(options)),
            "sample_qc": (qc := verdicts(frame, columns, rules)), "patient_qc": patient_verdicts(qc)}


def module_headers(table: str, rows: dict[str, dict[str, Any]],
                   columns: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The general-statistics header of each of a module table's columns, where MultiQC has one:
    the column of the same key in a general-statistics module named like the table
    (``samtools_stats`` for multiqc_samtools_stats.txt; 1.14's ``samtools``)."""
    by_key: dict[str, dict[str, Any]] = {}
    for head in columns.values():
        module = str(head.get("module", ""))
        if table == module or table.startswith(module + "_") or module.startswith(table + "_"):
            by_key.setdefault(str(head.get("key")), head)
    names = {k for row in rows.values() for k in row}
    # A header whose scale is not known is not used: its suffix would mislabel the raw number.
    return {k: by_key[k] for k in sorted(names) if k in by_key and by_key[k].get("factor") is not None}


def thresholds(options: dict[str, Any]) -> list[tuple[str, str, float]]:
    """(metric, "min" | "max", limit) from the config."""
    out: list[tuple[str, str, float]] = []
    if options.get("min_mean_coverage") is not None:
        out.append((options.get("coverage_metric") or "mean_coverage", "min", float(options["min_mean_coverage"])))
    for kind in ("min", "max"):
        for metric, limit in sorted((options.get(f"{kind}_values") or {}).items()):
            try:
                number = float(limit)
            except (TypeError, ValueError):
                number = math.nan
            if math.isnan(number):
                warnings.warn(f"qc.{kind}_values.{metric}: {limit!r} is not a number; that threshold is not applied",
                              InputWarning, stacklevel=2)
                continue
            out.append((str(metric), kind, number))
    return out


def matching(metric: str, columns: dict[str, dict[str, Any]]) -> list[str]:
    """The columns a threshold's metric names: MultiQC's column id (``mosdepth-mean_coverage``)
    or its key in any module (``mean_coverage``)."""
    if metric in columns:
        return [metric]
    return [c for c, head in columns.items() if head.get("key") == metric or c.split("-", 1)[-1] == metric]


def verdicts(frame: pd.DataFrame, columns: dict[str, dict[str, Any]],
             rules: list[tuple[str, str, float]]) -> pd.DataFrame | None:
    """One row per MultiQC sample: ``qc`` is "pass", "fail" or "unknown", ``reason`` says why.
    ``None`` when the config sets no threshold (nothing to judge a sample by)."""
    if not rules:
        return None
    rows = []
    for _i, row in frame.iterrows():
        fails, unknown = [], []
        for metric, kind, limit in rules:
            found = [(c, row.get(c)) for c in matching(metric, columns)]
            found = [(c, v) for c, v in found if isinstance(v, (int, float)) and not pd.isna(v)]
            if not found:
                unknown.append(f"no {metric}")
                continue
            cid, value = found[0]
            title = str(columns[cid].get("title") or cid)
            if (kind == "min" and value < limit) or (kind == "max" and value > limit):
                sign = "<" if kind == "min" else ">"
                fails.append(f"{title} {value:g} {sign} {limit:g}")
        qc = "fail" if fails else "unknown" if unknown else "pass"
        rows.append({"sample": row["sample"], "patient_id": row["patient_id"], "qc": qc,
                     "reason": "; ".join(fails or unknown)})
    return pd.DataFrame(rows, columns=["sample", "patient_id", "qc", "reason"])


def verdict_text(qc: str, reason: str) -> str:
    return f"{qc}: {reason}" if reason else qc


RANK = {"fail": 2, "unknown": 1, "pass": 0}


def patient_verdicts(sample_qc: pd.DataFrame | None) -> pd.DataFrame | None:
    """Each patient's worst sample verdict (patient_id, qc, reason, sample)."""
    if sample_qc is None:
        return None
    known = sample_qc[sample_qc["patient_id"].notna()]
    rows = []
    for patient, group in known.groupby("patient_id", sort=True):
        worst = max(group.itertuples(index=False), key=lambda r: (RANK[r.qc], str(r.sample)))
        rows.append({"patient_id": patient, "qc": worst.qc, "reason": worst.reason, "sample": worst.sample})
    return pd.DataFrame(rows, columns=["patient_id", "qc", "reason", "sample"])
