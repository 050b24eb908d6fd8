"""Reading a survival table and the cells clinicians write in it.

Pure functions of their arguments: ``read_table`` runs in a worker process.
"""

from __future__ import annotations

import math
import re
from typing import Any

from rinec_report import InputError, account, headers, tables, typing_, widths

# Length of one unit in days; months and years are the mean Gregorian ones.
UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12, "years": 365.25}
UNIT_ABBREV = {"days": "d", "weeks": "w", "months": "m", "years": "y"}
_UNIT_WORDS = {
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "wks": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "m": "months",
    "mo": "months",
    "mos": "months",
    "mon": "months",
    "month": "months",
    "months": "months",
    "y": "years",
    "yr": "years",
    "yrs": "years",
    "year": "years",
    "years": "years",
}

_NUMBER = re.compile(r"^([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-zA-Z]*)\s*(\+?)$")


def normalize_name(name: Any) -> str:
    """A header's key, as every table reader compares it (rinec_report.headers.normalise):
    lower case, any run of other characters read as '_', so "OS (days)" is os_days."""
    return headers.normalise(name)


def is_missing(value: Any) -> bool:
    return tables.is_missing(value)


def unit_name(value: str) -> str:
    """A unit as the options write it (``days``/``d``/``Months``) -> ``"days"``."""
    unit = _UNIT_WORDS.get(str(value).strip().lower())
    if unit is None:
        raise ValueError(f"unknown time unit {value!r}; use days, weeks, months or years")
    return unit


def parse_time(value: Any) -> tuple[float, str | None, bool] | None:
    """``"6 m"`` -> (6.0, "months", False); ``"5+"`` -> (5.0, None, True): the '+'
    marks a censored time, as survival tables often write it. ``None`` if missing."""
    if is_missing(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value), None, False
    match = _NUMBER.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a time (write a number, optionally '6 m' or '5+')")
    number, unit, plus = match.groups()
    unit_full = None
    if unit:
        unit_full = _UNIT_WORDS.get(unit.lower())
        if unit_full is None:
            raise ValueError(f"{value!r}: unknown time unit {unit!r}")
    return float(number), unit_full, bool(plus)


def parse_event(value: Any) -> int | None:
    """1 for an event (death, progression), 0 for censored, ``None`` if missing.

    The words every plugin reads (rinec_report.tables.parse_event): 1/0, yes/no,
    Dead/Alive, Censored, Progressed, cBioPortal's ``1:DECEASED``/``0:LIVING``; R's 1/2
    coding is resolved per column by :func:`events_of_column`, not here."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        if value in (0, 1):
            return int(value)
        raise ValueError(f"{value!r} is not an event (use 1/0, yes/no, dead/alive, censored)")
    return tables.parse_event(str(value))


def events_of_column(values: list[Any], column: str, lines: list[int] | None = None) -> list[int | None]:
    """Parse one event column; a cell that is no event is left missing, with one
    warning for the column.

    A column holding only 1 and 2 is R's ``Surv`` coding (1 censored, 2 event),
    which R itself accepts, so it is read the same way here."""
    numeric = [_as_number(v) for v in values if not is_missing(v)]
    if numeric and all(n in (1.0, 2.0) for n in numeric) and 2.0 in numeric:
        return [None if is_missing(v) else int(_as_number(v) == 2.0) for v in values]
    lines = lines or [i + 2 for i in range(len(values))]
    out, _ = tables.convert_column(list(values), lines, parse_event, column, "event")
    return out


def _as_number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _time_cell(value: Any) -> tuple[float, str | None, bool] | None:
    parsed = parse_time(value)
    if parsed is not None and parsed[0] < 0:
        raise ValueError(f"negative time {value!r}")
    return parsed


def endpoint_columns(
    columns: list[str], endpoint: str, mapping: dict[str, str],
    matches: dict[str, headers.Match] | None = None,
) -> tuple[str | None, str | None, str | None]:
    """Find an endpoint's time and event columns: (time column, its unit or None, event column).

    Recognised: the ``columns`` option (``<ep>_time`` / ``<ep>_event`` -> a header); then
    the synonym table's ``<ep>_time`` and ``<ep>_event`` fields (``matches``: column key ->
    its match, the unit from the header's brackets or last word: "OS (days)", OS_MONTHS,
    "Overall Survival (Months)"); then ``<ep>_time`` or ``<ep>``, ``<ep>_months`` /
    ``_days`` / ``_weeks`` / ``_years``, ``<ep>_event`` or ``<ep>_status``."""
    present = set(columns)
    matches = matches or {}
    time_col = unit = event_col = None
    if f"{endpoint}_time" in mapping:
        time_col = mapping[f"{endpoint}_time"]
        unit = matches[time_col].unit if time_col in matches else headers.split_time_unit(time_col)[1]
    else:
        found = [c for c in columns if c in matches and matches[c].field == f"{endpoint}_time"]
        if found:
            time_col, unit = found[0], matches[found[0]].unit
        else:
            for suffix, suffix_unit in (("time", None), ("months", "months"), ("days", "days"),
                                        ("weeks", "weeks"), ("years", "years"), ("", None)):
                name = f"{endpoint}_{suffix}".rstrip("_")
                if name in present:
                    time_col, unit = name, suffix_unit
                    break
    if f"{endpoint}_event" in mapping:
        event_col = mapping[f"{endpoint}_event"]
    else:
        found = [c for c in columns if c in matches and matches[c].field == f"{endpoint}_event"]
        event_col = found[0] if found else next(
            (f"{endpoint}_{s}" for s in ("event", "status") if f"{endpoint}_{s}" in present), None)
    return time_col, unit, event_col


def _typed_frame(path: str, options: dict[str, Any]) -> tuple[Any, list[int], list[str], dict[str, headers.Match]]:
    """The table read by the core's one pass (headers normalised, missing codes applied),
    every column as text (None when missing): the survival vocabularies (a '+' time, R's
    1/2 events) are read here. Returns the frame by column key, the row numbers, the
    headers as written and each key's synonym match."""
    import pandas as pd

    widths.check_header(path)  # before any per-column work, from the header line alone
    table = tables.read_table(path, options["sheet"])
    widths.check_width(len(table.header))
    try:
        extra = headers.check_synonyms_option(options["synonyms"], "survival")
    except ValueError as err:
        raise InputError(str(err)) from None
    typed = typing_.read_typed(path, table=table, synonyms=extra, missing_values=options["missing_values"],
                               types={h: "text" for h in table.header})
    keys: dict[str, str] = {}
    for column in typed.columns:
        key = column.header.key
        if key in keys:
            raise InputError(f"columns {keys[key]!r} and {column.name!r} both read as {key!r}: rename one")
        keys[key] = column.name
    frame = pd.DataFrame({c.header.key: pd.array(c.values, dtype=object) for c in typed.columns})
    synonyms = headers.synonyms(extra)
    matches = {c.header.key: m for c in typed.columns if (m := synonyms.match(c.name)) is not None}
    return frame, list(typed.lines), [c.name for c in typed.columns], matches


def read_table(path: str, options: dict[str, Any]) -> dict[str, Any]:
    """Parse a survival table into per-patient times and events.

    Returns ``{"table": DataFrame(patient_id, <ep>_time, <ep>_event, other columns as
    text), "units": {endpoint: unit of its times}, "endpoints": [found endpoints]}``."""
    from rinec_report.options import with_defaults

    from . import rinec_options

    options = with_defaults(rinec_options(), options, "survival.")
    import pandas as pd

    frame, lines, raw_names, matches = _typed_frame(path, options)
    mapping = {str(k): normalize_name(v) for k, v in options["columns"].items() if v}
    for key, col in mapping.items():
        if col not in frame.columns:
            raise InputError(
                f"the columns option maps {key!r} to {col!r}, which is not a column (found: {', '.join(raw_names)})"
            )
    id_col = mapping.get("patient_id") or ("patient_id" if "patient_id" in frame.columns else next(
        (c for c, m in matches.items() if m.field == "patient_id"), "patient_id"))
    if id_col not in frame.columns:
        raise InputError(
            f"no {id_col!r} column; found columns: {', '.join(raw_names)}; expected "
            "patient_id and per endpoint <ep>_time (or _months/_days/_years) and <ep>_event, "
            "or map them with survival: columns: {patient_id: ..., os_time: ..., os_event: ...}"
        )
    endpoints = list(options["endpoints"])
    default_unit = unit_name(options["input_time_unit"])
    columns = list(frame.columns)
    found: dict[str, tuple[str, str | None, str | None]] = {}
    for ep in endpoints:
        time_col, unit, event_col = endpoint_columns(columns, ep, mapping, matches)
        if time_col:
            found[ep] = (time_col, unit, event_col)
    if not found and endpoints and "time" in columns:
        # A bare time/status pair (R's lung data) is the first endpoint.
        event = next((c for c in ("event", "status") if c in columns), None)
        found[endpoints[0]] = ("time", None, event)
    if not found:
        raise InputError(
            f"no survival time column; found columns: {', '.join(raw_names)}; expected "
            + " or ".join(f"{ep}_time/{ep}_months/{ep}_days" for ep in endpoints)
        )

    ids = frame[id_col].map(lambda v: "" if is_missing(v) else str(v).strip())
    empty = [str(lines[i]) for i, v in enumerate(ids) if not v]
    if empty:
        raise InputError(f"row {', '.join(empty[:5])}: empty {id_col!r}")
    duplicated = sorted(set(ids[ids.duplicated()]))
    if duplicated:
        shown = duplicated[:5]
        raise InputError(f"{len(duplicated)} duplicate patient id(s): {', '.join(shown)} "
                         f"({len(shown)} of {len(duplicated)} shown)")

    out = pd.DataFrame({"patient_id": ids.to_numpy()})
    units: dict[str, str] = {}
    used = {id_col}
    for ep, (time_col, col_unit, event_col) in found.items():
        times, plus_seen = [], False
        unit = col_unit or default_unit
        parsed_times, _ = tables.convert_column(list(frame[time_col]), lines, _time_cell, time_col, "time")
        for parsed in parsed_times:
            if parsed is None:
                times.append((math.nan, None))
                continue
            number, cell_unit, plus = parsed
            if cell_unit and cell_unit != unit:
                number = number * UNIT_DAYS[cell_unit] / UNIT_DAYS[unit]
            plus_seen |= plus
            times.append((number, plus))
        if event_col:
            events = events_of_column(list(frame[event_col]), event_col, lines)
            for i, ((_, plus), event) in enumerate(zip(times, events, strict=True)):
                if plus and event == 1:
                    raise InputError(
                        f"row {lines[i]}: time {frame[time_col].iloc[i]!r} is marked censored "
                        f"('+') but {event_col!r} says an event happened"
                    )
        elif plus_seen:
            events = [None if plus is None else int(not plus) for _, plus in times]
        else:
            raise InputError(
                f"{time_col!r} has no event column: add {ep}_event (1 = event, 0 = censored) "
                "or mark censored times with '+'"
            )
        out[f"{ep}_time"] = [t for t, _ in times]
        out[f"{ep}_event"] = [math.nan if e is None else float(e) for e in events]
        units[ep] = unit
        used |= {time_col, event_col or time_col}
    for col in frame.columns:
        if col not in used and col not in out.columns:
            out[col] = [None if is_missing(v) else str(v).strip() for v in frame[col]]
    _state(raw_names, frame.columns, used, id_col, found, len(out))
    return {"table": out, "units": units, "endpoints": list(found)}


def _state(raw_names: list[str], keys: Any, used: set[str], id_col: str,
           found: dict[str, tuple[str, str | None, str | None]], rows: int) -> None:
    """The account: every row is a patient's; each column a field, or an extra kept as text."""
    roles = {id_col: "patient_id"}
    for ep, (time_col, _, event_col) in found.items():
        roles[time_col] = f"{ep}_time"
        if event_col:
            roles[event_col] = f"{ep}_event"
    for written, key in zip(raw_names, keys, strict=True):
        if key in roles:
            account.column(written, "field", as_field=roles[key])
        else:
            account.column(written, "extra")
    account.rows(read=rows, used=rows, unit="patients")
