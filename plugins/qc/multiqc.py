"""MultiQC's general statistics: read, joined to patients, shown and thresholded."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

from rinec_report import InputError, Section, SummaryColumn, Table, account
from rinec_report.safeio import open_content


def read_multiqc(path: str) -> dict[str, Any]:
    """{"values": sample -> {key: value}, "headers": key -> MultiQC's header} from multiqc_data.json."""
    with open_content(path) as fh:
        try:
            doc = json.load(fh)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"not MultiQC's JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InputError("not MultiQC's JSON: the top level is not an object")
    data, headers = doc.get("report_general_stats_data"), doc.get("report_general_stats_headers")
    # MultiQC writes one table per module, as lists in the same order (1.x) or dicts by module id.
    if isinstance(data, dict):
        data, headers = list(data.values()), [(headers or {}).get(k, {}) for k in data]
    if not isinstance(data, list) or not isinstance(headers, list) or len(data) != len(headers):
        raise InputError("report_general_stats_data and report_general_stats_headers do not pair up")
    values: dict[str, dict[str, Any]] = {}
    columns: dict[str, dict[str, Any]] = {}
    for table, header in zip(data, headers, strict=True):
        if not isinstance(table, dict) or not isinstance(header, dict):
            raise InputError("a general-statistics table is not an object")
        for key, spec in header.items():
            if isinstance(spec, dict) and not spec.get("hidden"):
                columns.setdefault(str(key), spec)
        for sample, row in table.items():
            # MultiQC >= 1.20 nests a sample's rows by group: {sample: [{"data": {...}}]}.
            rows = [r.get("data", {}) for r in row] if isinstance(row, list) else [row]
            for one in rows:
                if isinstance(one, dict):
                    values.setdefault(str(sample), {}).update(
                        {str(k): v for k, v in one.items() if isinstance(v, (int, float, str)) and str(k) in header})
    account.rows(read=len(values), used=len(values))
    return {"values": values, "headers": {k: columns[k] for k in columns if any(k in v for v in values.values())},
            "version": str(doc.get("config_version", ""))}


def join(parsed: list[dict[str, Any]], patients: Any) -> dict[str, Any]:
    values: dict[str, dict[str, Any]] = {}
    headers: dict[str, dict[str, Any]] = {}
    for one in parsed:
        headers.update(one["headers"])
        for sample, row in one["values"].items():
            values.setdefault(sample, {}).update(row)
    frame = pd.DataFrame.from_dict(values, orient="index").rename_axis("sample").reset_index()
    frame.insert(1, "patient_id", [patients.patient_of(s) for s in frame["sample"]])
    return {"samples": frame, "headers": headers}


def shown(value: Any, spec: dict[str, Any]) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    fmt = spec.get("format") or "{:,.2f}"
    try:
        return fmt.format(value) + (spec.get("suffix") or "")
    except (ValueError, TypeError, IndexError, KeyError):
        return str(value)


def flags(frame: pd.DataFrame, options: dict[str, Any]) -> list[str]:
    """Each sample's verdict: "pass", "fail: <why>", or "unknown" when the metric is absent."""
    limit, key = options.get("min_mean_coverage"), options.get("coverage_metric") or "mean_coverage"
    out = []
    for _i, row in frame.iterrows():
        if limit is None:
            out.append("pass")
            continue
        value = pd.to_numeric(pd.Series([row.get(key)]), errors="coerce").iloc[0]
        if pd.isna(value):
            out.append(f"unknown: no {key}")
        elif value < limit:
            out.append(f"fail: {key} {value:g} < {limit:g}")
        else:
            out.append("pass")
    return out


def sections(data: dict[str, Any], options: dict[str, Any]) -> list[Section]:
    frame, headers = data["samples"], data["headers"]
    table = frame.assign(qc=flags(frame, options))
    titles = {k: str(spec.get("title") or k) for k, spec in headers.items() if k in table}
    table = table.rename(columns=titles)
    return [Section("multiqc", "Sequencing QC", "MultiQC's general statistics per sample, with the patient "
                    "each sample belongs to; `qc` is the config's threshold verdict.",
                    blocks=[Table("samples", table)])]


def summary_columns(data: dict[str, Any], options: dict[str, Any], patients: Any) -> list[SummaryColumn]:
    frame, headers = data["samples"], data["headers"]
    frame = frame.assign(qc=flags(frame, options))
    known = frame[frame["patient_id"].notna()]
    ids = list(patients.ids) if patients is not None else list(dict.fromkeys(known["patient_id"]))
    columns = []
    for key, spec in headers.items():
        if key not in known:
            continue
        texts = known[key].map(lambda v, spec=spec: shown(v, spec))
        per = texts.groupby(known["patient_id"]).agg(lambda s: "; ".join(t for t in s if t))
        columns.append(SummaryColumn(f"qc_{key}", str(spec.get("title") or key), per.to_dict(),
                                     description=str(spec.get("description") or "")))
    verdict = known.groupby("patient_id")["qc"].agg(
        lambda s: next((v for v in s if v.startswith("fail")), next((v for v in s if v != "pass"), "pass")))
    columns.append(SummaryColumn("qc", "Sequencing QC",
                                 {p: verdict.get(p, "unknown: no MultiQC data") for p in ids},
                                 description="The worst verdict of the patient's samples."))
    return columns
