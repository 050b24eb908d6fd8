"""Reading a survival table and the cells clinicians write in it.

Pure functions of their arguments: ``read_table`` runs in a worker process.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

from rinec_report import InputError, InputWarning, account, headers, missing, tables, typing_, widths
from rinec_report.shown import shown_of

from . import dates, events
from .events import EventCodesError

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

    Exactly the default table of events.py (docs/plugins/survival.md): 1/0, yes/no,
    true/false, Dead/Alive, Censored, Progressed, cBioPortal's ``1:DECEASED``/``0:LIVING``;
    R's 1/2 coding and the config's ``event_codes`` are resolved per column by
    :func:`events_of_column`, not here. Raises ValueError for any other code."""
    code = events.code_of(value)
    if code is None:
        return None
    event = events.default_event(code)
    if event is None:
        raise ValueError(f"{value!r} is not an event (use 1/0, yes/no, dead/alive, censored)")
    return event


def events_of_column(
    values: list[Any], column: str, lines: list[int] | None = None, event_codes: Any = None, endpoint: str = ""
) -> list[int | None]:
    """Parse one status column: 1 event, 0 censored, ``None`` missing.

    By the config's ``event_codes`` for that column, then the default table; a column
    of only 1 and 2 is R's ``Surv`` coding (1 censored, 2 event). A column with a
    code neither names, or with more than two codes and no mapping, is refused:
    events.EventCodesError, whose message names the codes and the config to write."""
    return events.read_events(values, column, endpoint, event_codes)


def status_of_column(values: list[Any], column: str, event_codes: Any = None,
                     endpoint: str = "") -> tuple[list[int | None], list[str | None]]:
    """:func:`events_of_column` with, per row, why there is no status (events.read_status)."""
    return events.read_status(values, column, endpoint, event_codes)


def _as_number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _time_cell(value: Any) -> tuple[float, str | None, bool] | None:
    text = "" if is_missing(value) else str(value).strip()
    if text.startswith("-") and _NUMBER.match(text[1:].strip()):
        # Named as what it is: '-3' is a negative time, not an unreadable one.
        raise ValueError(f"negative time {value!r}")
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
    lonely: dict[str, str] = {}  # a status column whose endpoint has no time column -> that endpoint
    for ep in endpoints:
        time_col, unit, event_col = endpoint_columns(columns, ep, mapping, matches)
        if time_col:
            found[ep] = (time_col, unit, event_col)
        elif event_col:
            lonely[event_col] = ep  # a status without a time: not used, and said so
    if not found and endpoints and "time" in columns:
        # A bare time/status pair (R's lung data) is the first endpoint.
        event = next((c for c in ("event", "status") if c in columns), None)
        found[endpoints[0]] = ("time", None, event)
    dated = _dated_columns(columns, mapping, endpoints, found)
    if not found and not dated:
        raise InputError(
            f"no survival time column; found columns: {', '.join(raw_names)}; expected "
            + " or ".join(f"{ep}_time/{ep}_months/{ep}_days" for ep in endpoints)
            + ", or a start date with a date of death and/or a last follow-up date"
        )

    # The missing codes judged once per distinct text (one id per patient: no cache helps).
    kinds = missing.kinds_of(v for v in pd.unique(frame[id_col]) if isinstance(v, str))
    ids = frame[id_col].map(lambda v: ("" if kinds[v] is not None else str(v).strip()) if isinstance(v, str)
                            else "" if is_missing(v) else str(v).strip())
    empty = [str(lines[i]) for i, v in enumerate(ids) if not v]
    if empty:
        raise InputError(f"row {', '.join(empty[:5])}: empty {id_col!r}")
    duplicated = sorted(set(ids[ids.duplicated()]))
    if duplicated:
        shown = duplicated[:5]
        raise InputError(f"{len(duplicated)} duplicate patient id(s): {', '.join(shown)} "
                         f"({shown_of(len(shown), len(duplicated))})")

    out = pd.DataFrame({"patient_id": ids.to_numpy()})
    units: dict[str, str] = {}
    used = {id_col}
    dropped: dict[str, dict[str, int]] = {}
    rules: dict[str, str] = {}
    refused: list[str] = []
    ignored: set[str] = set()  # the columns of a refused endpoint
    for ep, (time_col, col_unit, event_col) in found.items():
        try:
            times, events, reasons = _endpoint(frame, lines, ep, (time_col, col_unit or default_unit), event_col,
                                               options["event_codes"])
        except EventCodesError as err:
            # That endpoint only: the file's other endpoints and columns are still read.
            refused.append(f"{ep.upper()} left out: {err}")
            dropped[ep] = {"status codes not mapped": len(frame)}
            ignored |= {time_col, event_col or time_col}
            continue
        out[f"{ep}_time"] = times
        out[f"{ep}_event"] = events
        units[ep] = col_unit or default_unit
        dropped[ep] = _count(reasons)
        used |= {time_col, event_col or time_col}
    if dated:
        ep, date_cols = dated
        raw = dict(zip(frame.columns, raw_names, strict=True))
        result = dates.os_of_columns(frame, date_cols, lines, options["date_format"], raw)
        out[f"{ep}_time"] = [math.nan if d is None else d for d in result.days]
        out[f"{ep}_event"] = [math.nan if e is None else float(e) for e in result.events]
        units[ep] = "days"
        dropped[ep] = _count(result.reasons)
        rules[ep] = dates.describe(date_cols, raw)
        if result.conflicts:
            warnings.warn(f"{ep.upper()}: {result.conflicts} patient(s) with a date of death before their "
                          "last follow-up date; the death is used", InputWarning, stacklevel=2)
            rules[ep] += f" ({result.conflicts} with a death dated before their last follow-up)"
        if result.approximate:
            rules[ep] += f"; {result.approximate} time(s) from a partial date, taken at its middle"
        used |= set(date_cols.values())
    if not units:
        raise InputError("; ".join(refused))
    for message in refused:
        warnings.warn(message, InputWarning, stacklevel=2)
    for ep, reasons in dropped.items():
        for reason, n in reasons.items():
            account.dropped(f"{ep.upper()}: {reason}", n)
    analysed = out[[f"{ep}_time" for ep in units]].notna().any(axis=1)
    account.rows(read=len(frame), used=int(analysed.sum()), unit="patients")
    for col in frame.columns:
        if col not in used and col not in ignored and col not in out.columns:
            out[col] = [None if is_missing(v) else str(v).strip() for v in frame[col]]
    # The account names each column's field (os_time, os_event, a date's role), not its key.
    roles = {id_col: "patient_id"}
    for ep, (time_col, _, event_col) in found.items():
        roles[time_col] = f"{ep}_time"
        if event_col:
            roles[event_col] = f"{ep}_event"
    if dated:
        roles.update({col: role for role, col in dated[1].items()})
    for raw_col, col in zip(raw_names, frame.columns, strict=True):
        if col in used:
            account.column(raw_col, "field", as_field=roles.get(col, col))
        elif col in ignored:
            account.column(raw_col, "ignored", reason="its endpoint's status codes are not mapped")
        elif col in lonely:
            account.look_alike(raw_col, f"the {lonely[col].upper()} status",
                               f"there is no {lonely[col].upper()} time column, so it is kept as text")
        else:
            account.column(raw_col, "extra")
    return {"table": out, "units": units, "endpoints": list(units), "dropped": dropped, "rows": len(frame),
            "rules": rules}


def _dated_columns(
    columns: list[str], mapping: dict[str, str], endpoints: list[str], found: dict[str, Any]
) -> tuple[str, dict[str, str]] | None:
    """OS from dates when the table has no OS time column but has the dates."""
    if "os" not in endpoints or "os" in found:
        return None
    date_cols = dates.find_date_columns(columns, mapping)
    return ("os", date_cols) if date_cols else None


def _count(reasons: list[str | None]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for reason in reasons:
        if reason:
            counts[reason] = counts.get(reason, 0) + 1
    return counts


# Why a row has no time or status for an endpoint (the account's and the note's words).
NO_TIME = "no follow-up time"
BAD_TIME = "time not readable"
NEGATIVE_TIME = "negative time"
NO_STATUS = events.NO_STATUS


def _endpoint(
    frame: Any, lines: list[int], ep: str, time: tuple[str, str], event_col: str | None, event_codes: Any
) -> tuple[list[float], list[float], list[str | None]]:
    """One endpoint's times (in the column's unit: ``time`` is the column and its unit),
    events and, per row, why it is left out (``None`` when it is analysed).
    Raises EventCodesError, InputError."""
    time_col, unit = time
    cells = list(frame[time_col])
    parsed, bad = tables.convert_column(cells, lines, _time_cell, time_col, "time")
    bad_rows = {line: reason for line, _, reason in bad}
    times: list[tuple[float, str | None, bool] | None] = list(parsed)
    plus_seen = any(t is not None and t[2] for t in times)
    if event_col:
        events, status_reasons = status_of_column(list(frame[event_col]), event_col, event_codes, ep)
        for i, (parsed_time, event) in enumerate(zip(times, events, strict=True)):
            if parsed_time is not None and parsed_time[2] and event == 1:
                raise InputError(
                    f"row {lines[i]}: time {cells[i]!r} is marked censored "
                    f"('+') but {event_col!r} says an event happened"
                )
    elif plus_seen:
        events = [None if t is None else int(not t[2]) for t in times]
        status_reasons = [NO_STATUS] * len(times)
    else:
        raise InputError(
            f"{time_col!r} has no event column: add {ep}_event (1 = event, 0 = censored) "
            "or mark censored times with '+'"
        )
    out_times, out_events, reasons = [], [], []
    for i, (parsed_time, event) in enumerate(zip(times, events, strict=True)):
        reason = None
        if parsed_time is None:
            why = bad_rows.get(lines[i])
            reason = NO_TIME if why is None else NEGATIVE_TIME if why.startswith("negative") else BAD_TIME
        elif event is None:
            reason = status_reasons[i]
        reasons.append(reason)
        if reason:
            out_times.append(math.nan)
        else:
            number, cell_unit, _ = parsed_time
            out_times.append(number * UNIT_DAYS[cell_unit] / UNIT_DAYS[unit] if cell_unit and cell_unit != unit
                             else number)
        out_events.append(math.nan if reason else float(event))
    return out_times, out_events, reasons

