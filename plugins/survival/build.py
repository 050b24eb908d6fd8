"""Assembling one row per patient with survival times from the cohort and/or survival tables."""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from rinec_report import InputWarning

from .parse import UNIT_DAYS, normalize_name, unit_name


@dataclass
class SurvivalData:
    """Per-patient times in the display unit, and where they came from."""

    patients: Any  # DataFrame: patient_id, <ep>_time, <ep>_event, group columns (text)
    endpoints: dict[str, str]  # endpoint key -> title, only those with data
    unit: str
    group_by: list[str]  # group columns that exist and are usable
    rules: list[str] = field(default_factory=list)  # how the times were obtained, per source


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
) -> SurvivalData | None:
    """Merge parsed survival tables (``(relpath, parsed)``) and the cohort's patients.

    For each endpoint a survival table wins over the cohort (``source: auto``);
    ``source: cohort`` or ``table`` uses only that one. ``None`` when no endpoint
    has any time."""
    import pandas as pd

    unit = unit_name(options["time_unit"])
    endpoints: dict[str, str] = dict(options["endpoints"])
    source = options["source"]

    table, table_units, table_rule = _merge_tables(tables, patients) if tables else (None, {}, "")
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
        incomplete = [pid for pid, t, e in zip(order, times, events, strict=True) if math.isnan(t) != math.isnan(e)]
        if incomplete:
            warnings.warn(
                f"{title}: time or event missing for {', '.join(incomplete[:10])}; left out of that analysis",
                InputWarning,
                stacklevel=2,
            )
        out[f"{ep}_time"] = times.to_numpy(dtype=float)
        out[f"{ep}_event"] = events.to_numpy(dtype=float)
        invalid = ~out[f"{ep}_event"].isin([0.0, 1.0]) & out[f"{ep}_event"].notna()
        out.loc[invalid, f"{ep}_event"] = math.nan
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
    return SurvivalData(out, present, unit, groups, rules)


def _is_time(col: str) -> bool:
    return col.endswith(("_time", "_event"))


def _group_values(col: str, order: list[str], table: Any, cohort_df: Any) -> Any:
    from .parse import is_missing

    for frame in (table, cohort_df):
        if frame is not None and col in frame.columns:
            values = frame.set_index("patient_id")[col].reindex(order)
            return values.map(lambda v: None if is_missing(v) else _label(v))
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
    rule = f"times and events as given in {', '.join(names)} ({unit_text})."
    return merged, units, rule
