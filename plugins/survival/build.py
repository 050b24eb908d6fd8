"""Assembling one row per patient with survival times from the cohort and/or survival tables."""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rinec_report import InputWarning, account
from rinec_report.shown import shown_of

from .parse import UNIT_DAYS, normalize_name, unit_name


@dataclass
class SurvivalData:
    """Per-patient times in the display unit, and where they came from."""

    patients: Any  # DataFrame: patient_id, <ep>_time, <ep>_event, group columns (text)
    endpoints: dict[str, str]  # endpoint key -> title, only those with data
    unit: str
    group_by: list[str]  # group columns that exist and are usable
    rules: list[str] = field(default_factory=list)  # how the times were obtained, per source
    # endpoint -> reason -> patients left out of it (parse.NO_TIME ...), and of how many
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)
    considered: dict[str, int] = field(default_factory=dict)
    group_files: dict[str, str] = field(default_factory=dict)  # group column -> the table it came from
    extra_groups: list[str] = field(default_factory=list)  # group columns another plugin published


def group_columns(value: Any) -> list[str]:
    """``group_by`` as a list, whether written as a YAML list or 'sex, stage' on the CLI."""
    if not value:
        return []
    if isinstance(value, str):
        value = [value]
    names = [part for v in value for part in str(v).split(",")]
    return [normalize_name(v) for v in names if v.strip()]


def assemble(
    tables: list[tuple[str, dict[str, Any]]],
    cohort: dict[str, Any] | None,
    options: dict[str, Any],
    patients: Any,
    extra_groups: Any = None,
) -> SurvivalData | None:
    """Merge parsed survival tables (``(relpath, parsed)``) and the cohort's patients.

    ``extra_groups``: a table of patient_id and group columns another plugin publishes
    (the genomics plugin's mutation status); each column with two values or more is
    compared after ``group_by``'s, its patients missing from the table in no group.

    For each endpoint a survival table wins over the cohort (``source: auto``);
    ``source: cohort`` or ``table`` uses only that one. ``None`` when no endpoint
    has any time."""
    import pandas as pd

    unit = unit_name(options["time_unit"])
    endpoints: dict[str, str] = dict(options["endpoints"])
    source = options["source"]

    table, table_units, table_rule = _merge_tables(tables, patients) if tables else (None, {}, "")
    table_dropped = _table_drops(tables)
    cohort_df = None
    if cohort is not None and cohort.get("patients") is not None:
        cohort_df = cohort["patients"].copy()
        cohort_df["patient_id"] = cohort_df["patient_id"].astype(str)
    if source == "cohort":
        table = None

    order: list[str] = []
    if cohort_df is not None:
        order = list(cohort_df["patient_id"])
    if table is not None:
        known = set(order)  # built once: inside the comprehension it made this quadratic
        extra = [p for p in table["patient_id"] if p not in known]
        if order and extra:
            warnings.warn(
                f"the survival table lists patients missing from the clinical table: {', '.join(extra[:10])}",
                InputWarning,
                stacklevel=2,
            )
        order += extra
    if not order:
        return None
    out = pd.DataFrame({"patient_id": order})
    rules: list[str] = []
    used: dict[str, str] = {}
    dropped: dict[str, dict[str, int]] = {}
    for ep, title in endpoints.items():
        times = events = None
        if table is not None and f"{ep}_time" in table.columns:
            factor = UNIT_DAYS[table_units[ep]] / UNIT_DAYS[unit]
            indexed = table.set_index("patient_id")
            times = indexed[f"{ep}_time"].reindex(order) * factor
            events = indexed[f"{ep}_event"].reindex(order)
            used[ep] = "table"
        elif source != "table" and cohort_df is not None and f"{ep}_months" in cohort_df.columns:
            indexed = cohort_df.set_index("patient_id")
            factor = UNIT_DAYS["months"] / UNIT_DAYS[unit]
            times = pd.to_numeric(indexed[f"{ep}_months"], errors="coerce").reindex(order) * factor
            if f"{ep}_event" in indexed.columns:
                events = pd.to_numeric(indexed[f"{ep}_event"], errors="coerce").reindex(order)
            else:
                events = pd.Series(math.nan, index=times.index)
            used[ep] = "cohort"
        if times is None or not times.notna().any():
            continue
        time_values = times.to_numpy(dtype=float)
        event_values = events.to_numpy(dtype=float)
        invalid = ~np.isin(event_values, [0.0, 1.0]) & ~np.isnan(event_values)
        event_values[invalid] = math.nan
        if used[ep] == "table":
            reasons = dict(table_dropped.get(ep, {}))
            absent = len(set(order) - set(table["patient_id"]))
            if absent:
                reasons[NOT_IN_TABLE] = absent
        else:
            reasons = _cohort_drops(time_values, event_values, invalid)
            for reason, n in reasons.items():
                account.dropped(f"{ep.upper()}: {reason}", n)
        incomplete = [pid for pid, t, e in zip(order, time_values, event_values, strict=True)
                      if math.isnan(t) != math.isnan(e)]
        if incomplete:
            warnings.warn(
                f"{title}: time or event missing for {len(incomplete)} patient(s): {', '.join(incomplete[:10])}"
                + (f" ({shown_of(10, len(incomplete))})" if len(incomplete) > 10 else "")
                + "; left out of that analysis",
                InputWarning,
                stacklevel=2,
            )
        # A patient is analysed with both or neither: the tables show no half of a pair.
        half = np.isnan(time_values) | np.isnan(event_values)
        time_values[half] = math.nan
        event_values[half] = math.nan
        out[f"{ep}_time"] = time_values
        out[f"{ep}_event"] = event_values
        dropped[ep] = {r: n for r, n in reasons.items() if n}
    present = {ep: t for ep, t in endpoints.items() if f"{ep}_time" in out.columns}
    if not present:
        return None
    for src in ("cohort", "table"):
        eps = [ep.upper() for ep in present if used.get(ep) == src]
        if not eps:
            continue
        if src == "cohort":
            rule = str(cohort.get("survival_rule") or "").strip() if cohort else ""
            rule = rule or "Times and events as published by the clinical table."
        else:
            rule = table_rule
        rules.append(f"{' and '.join(eps)}: {rule}")

    groups: list[str] = []
    for col in group_columns(options["group_by"]):
        values = _group_values(col, order, table, cohort_df)
        if values is None:
            table_cols = table.columns if table is not None else []
            cohort_cols = cohort_df.columns if cohort_df is not None else []
            available = sorted(({c for c in table_cols if not _is_time(c)} | set(cohort_cols)) - {"patient_id"})
            warnings.warn(
                f"group_by: no column {col!r}; available: {', '.join(available)}",
                InputWarning,
                stacklevel=2,
            )
            continue
        levels = values.dropna().unique()
        if len(levels) < 2:
            warnings.warn(
                f"group_by: {col!r} has fewer than two groups with data; not compared",
                InputWarning,
                stacklevel=2,
            )
            continue
        max_levels = options["max_groups"]
        if len(levels) > max_levels:
            warnings.warn(
                f"group_by: {col!r} has {len(levels)} distinct values (more than max_groups = "
                f"{max_levels}); it does not look categorical, so it is not used",
                InputWarning,
                stacklevel=2,
            )
            continue
        out[col] = values.to_numpy()
        groups.append(col)
    extra: list[str] = []
    if extra_groups is not None and "patient_id" in extra_groups.columns:
        indexed = extra_groups.astype({"patient_id": str}).drop_duplicates("patient_id").set_index("patient_id")
        for col in indexed.columns:
            values = indexed[col].reindex(order)
            if col in groups or col in out.columns or values.dropna().nunique() < 2:
                continue  # a gene mutated in every patient (or none) has no comparison
            out[col] = values.astype(object).where(values.notna(), None).to_numpy()
            groups.append(col)
            extra.append(col)
    considered = {ep: len(order) for ep in present}
    return SurvivalData(out, present, unit, groups, rules, {ep: dropped.get(ep, {}) for ep in present}, considered,
                        _group_files(tables, groups), extra)


NOT_IN_TABLE = "not in the survival table"
NO_TIME_OR_STATUS = "no follow-up time or status"
BAD_STATUS = "status not 0 or 1"


def _table_drops(tables: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """Per endpoint, the rows the survival tables' readers left out, by reason."""
    out: dict[str, dict[str, int]] = {}
    for _, parsed in tables:
        for ep, reasons in (parsed.get("dropped") or {}).items():
            for reason, n in reasons.items():
                out.setdefault(ep, {})[reason] = out.setdefault(ep, {}).get(reason, 0) + n
    return out


def _cohort_drops(times: Any, events: Any, invalid: Any) -> dict[str, int]:
    """The cohort's patients without a time or a status, by reason."""
    from .parse import NO_STATUS, NO_TIME

    no_time, no_event = np.isnan(times), np.isnan(events) & ~invalid
    return {
        NO_TIME_OR_STATUS: int((no_time & (no_event | invalid)).sum()),
        NO_TIME: int((no_time & ~no_event & ~invalid).sum()),
        NO_STATUS: int((~no_time & no_event).sum()),
        BAD_STATUS: int((~no_time & invalid).sum()),
    }


def _group_files(tables: list[tuple[str, dict[str, Any]]], groups: list[str]) -> dict[str, str]:
    """The survival table each group column came from (the first that has it)."""
    out: dict[str, str] = {}
    for relpath, parsed in tables:
        for col in groups:
            if col not in out and col in parsed["table"].columns:
                out[col] = relpath
    return out


def _is_time(col: str) -> bool:
    return col.endswith(("_time", "_event"))


def _group_values(col: str, order: list[str], table: Any, cohort_df: Any) -> Any:
    import numpy as np
    import pandas as pd

    from .parse import is_missing

    for frame in (table, cohort_df):
        if frame is not None and col in frame.columns:
            values = frame.set_index("patient_id")[col].reindex(order)
            # Each distinct value labelled once (a group column has few): per patient,
            # this was most of the time of grouping 100,000 patients.
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            labels = np.array([None if is_missing(v) else _label(v) for v in uniques] + [None], dtype=object)
            return pd.Series(labels[codes], index=values.index, name=values.name, dtype=object)
    return None


def _label(value: Any) -> str:
    """Group labels are text; a float such as 2.0 reads as '2'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # A numeric code column with blanks is written out by pandas as "1.0".
    return text.split(".")[0] if re.fullmatch(r"-?\d+\.0+", text) else text


def _merge_tables(tables: list[tuple[str, dict[str, Any]]], patients: Any) -> tuple[Any, dict[str, str], str]:
    import pandas as pd

    frames, units, names = [], {}, []
    for relpath, parsed in tables:
        frame = parsed["table"].copy()
        frame["patient_id"] = frame["patient_id"].map(patients.canonical)
        for ep, unit in parsed["units"].items():
            if ep in units and units[ep] != unit:
                # Put this file's times into the first file's unit.
                frame[f"{ep}_time"] *= UNIT_DAYS[unit] / UNIT_DAYS[units[ep]]
            units.setdefault(ep, unit)
        frames.append(frame)
        names.append(relpath)
    merged = pd.concat(frames, ignore_index=True)
    duplicated = merged["patient_id"].duplicated()
    if duplicated.any():
        warnings.warn(
            "patients in more than one survival table, the first kept: "
            + ", ".join(sorted(set(merged.loc[duplicated, "patient_id"]))[:10]),
            InputWarning,
            stacklevel=3,
        )
        merged = merged.loc[~duplicated].reset_index(drop=True)
    unit_text = ", ".join(f"{ep.upper()} in {u}" for ep, u in units.items())
    dated = "; ".join(dict.fromkeys(r for _, parsed in tables for r in (parsed.get("rules") or {}).values()))
    rule = f"times and events as given in {', '.join(names)} ({unit_text})" + (f"; {dated}." if dated else ".")
    return merged, units, rule
