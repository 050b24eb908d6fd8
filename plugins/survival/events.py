"""Which status codes are events: the default table and the config's ``event_codes``.

The default table is data, here and nowhere else; docs/plugins/survival.md shows it
(a test checks that the two list the same codes). A code that neither the table nor
the config names is never guessed at: its column is refused, naming the codes found
and the config that would read them.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from rinec_report import InputWarning, tables
from rinec_report.shown import shown_of

EVENT, CENSORED = 1, 0

# Normalised code (lower case, runs of spaces as one) -> 1 event, 0 censored.
DEFAULT_CODES: dict[str, int] = {
    "1": EVENT,
    "0": CENSORED,
    "true": EVENT,
    "false": CENSORED,
    "yes": EVENT,
    "no": CENSORED,
    "event": EVENT,
    "censored": CENSORED,
    "dead": EVENT,
    "died": EVENT,
    "death": EVENT,
    "deceased": EVENT,
    "alive": CENSORED,
    "living": CENSORED,
    "progressed": EVENT,
    "progression": EVENT,
    "recurred": EVENT,
    "recurrence": EVENT,
    "relapse": EVENT,
    "relapsed": EVENT,
    "recurred/progressed": EVENT,
    "diseasefree": CENSORED,
    "disease free": CENSORED,
    "progression free": CENSORED,
    "no progression": CENSORED,
    "no event": CENSORED,
}
# cBioPortal's survival statuses: the number before the colon is the code, whatever the
# label after it (1:DECEASED / 0:LIVING, 1:Recurred/Progressed / 0:DiseaseFree, ...).
_CBIOPORTAL = re.compile(r"^([01])\s*:")
# R's Surv(time, status): a status of only 1s and 2s is 1 = censored, 2 = event.
R_SURV_CODES = {"1": CENSORED, "2": EVENT}
# What a config's event_codes value may say for a code.
MAPPING_WORDS = {"event": EVENT, "1": EVENT, "censored": CENSORED, "0": CENSORED, "missing": None}


class EventCodesError(ValueError):
    """A status column whose codes are not all known: refused, with the config to write."""


def code_of(value: Any) -> str | None:
    """A status cell as the tables compare it: lower case, one space between words,
    a whole number without its decimals (``1.0`` -> ``1``, as spreadsheets write it);
    ``None`` when the cell is missing (the table reader's missing codes)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if tables.is_missing(value):
        return None
    text = " ".join(str(value).split()).lower()
    if re.fullmatch(r"-?\d+\.0+", text):
        text = text.split(".")[0]
    return text


def default_event(code: str) -> int | None:
    """The default table's reading of one normalised code, or ``None`` when it has none."""
    if code in DEFAULT_CODES:
        return DEFAULT_CODES[code]
    found = _CBIOPORTAL.match(code)
    return int(found.group(1)) if found else None


def mapping_for(event_codes: Mapping[str, Any] | None, column: str, endpoint: str) -> dict[str, int | None]:
    """The config's mapping for one column: ``event_codes: {code: event|censored|missing}``
    for every status column, or ``{<column or endpoint>: {code: ...}}`` for one.
    Raises EventCodesError for a value that is not event, censored or missing."""
    if not event_codes:
        return {}
    flat = {k: v for k, v in event_codes.items() if not isinstance(v, Mapping)}
    own = next((v for k, v in event_codes.items()
                if isinstance(v, Mapping) and _name(k) in (_name(column), _name(endpoint))), {})
    out: dict[str, int | None] = {}
    for key, value in [*flat.items(), *own.items()]:
        word = " ".join(str(value).split()).lower()
        if word not in MAPPING_WORDS:
            raise EventCodesError(
                f"survival: event_codes: {str(key)!r}: {str(value)!r} is not event, censored or missing")
        code = code_of(key)
        if code is not None:
            out[code] = MAPPING_WORDS[word]
    return out


def _name(text: Any) -> str:
    return re.sub(r"[\s.\-]+", "_", str(text).strip().lower()).strip("_")


NO_STATUS = "no status"
NOT_MAPPED = "status code not mapped"


def read_events(values: Iterable[Any], column: str, endpoint: str = "",
                event_codes: Mapping[str, Any] | None = None) -> list[int | None]:
    """One status column read as 1 (event), 0 (censored) or ``None`` (missing); see
    :func:`read_status`."""
    return read_status(values, column, endpoint, event_codes)[0]


def read_status(values: Iterable[Any], column: str, endpoint: str = "",
                event_codes: Mapping[str, Any] | None = None) -> tuple[list[int | None], list[str | None]]:
    """One status column: per row 1 (event), 0 (censored) or ``None``, and why a row
    has none (:data:`NO_STATUS`, :data:`NOT_MAPPED`).

    Codes are read by the config's mapping first, then by the default table; a
    column of only the codes 1 and 2 is R's Surv coding. Without a mapping the column
    is refused (EventCodesError) when a code is not in the table, or when it holds
    more than two codes: three codes (R's pbc: 0 censored, 1 transplant, 2 dead) are
    a choice the table cannot make. With a mapping, a code that neither names leaves
    its rows out (NOT_MAPPED) with a warning naming it."""
    seen: dict[Any, str | None] = {}  # a status column repeats a handful of cells
    codes = [seen[v] if v in seen else seen.setdefault(v, code_of(v)) for v in values]
    mapping = mapping_for(event_codes, column, endpoint)
    found = sorted({c for c in codes if c is not None}, key=_code_order)
    r_coded = "2" in found and set(found) <= set(R_SURV_CODES)
    reading: dict[str, int | None] = {}
    unknown = []
    for code in found:
        if code in mapping:
            reading[code] = mapping[code]
        elif r_coded:
            reading[code] = R_SURV_CODES[code]
        elif (event := default_event(code)) is not None:
            reading[code] = event
        else:
            unknown.append(code)
    if not mapping and (unknown or len(found) > 2):
        raise EventCodesError(refusal(column, found, unknown))
    if unknown:
        warnings.warn(f"status column {column!r}: the codes {', '.join(map(quoted, unknown[:10]))} are in neither "
                      "survival: event_codes nor the default table; their rows are left out",
                      InputWarning, stacklevel=3)
    events = [None if c is None else reading.get(c) for c in codes]
    reasons = [None if e is not None else NO_STATUS if c is None or c in reading else NOT_MAPPED
               for c, e in zip(codes, events, strict=True)]
    return events, reasons


def refusal(column: str, found: list[str], unknown: list[str]) -> str:
    """The message of a refused status column: its codes, and the config to write."""
    shown = ", ".join(map(quoted, found[:12])) + (f" ({shown_of(12, len(found))})" if len(found) > 12 else "")
    why = (f"{', '.join(map(quoted, unknown[:5]))} {'is' if len(unknown) == 1 else 'are'} not a status the "
           "default table reads" if unknown else f"{len(found)} codes, more than event and censored")
    # With more than two codes the table's reading of each is no answer: the user chooses.
    template = ", ".join(
        f"{_yaml_key(c)}: {_word(default_event(c)) if c not in unknown and len(found) <= 2 else 'event or censored'}"
        for c in found[:12])
    hint = ("; a third code is often a competing event (R's pbc: 1 = transplant), censored for "
            "overall survival as R's status == 2 does" if len(found) > 2 else "")
    return (f"status column {column!r} holds the codes {shown} ({why}); say which code is an event "
            f"in rinec_report.yaml: survival: {{event_codes: {{{template}}}}}{hint}")


def _word(event: int | None) -> str:
    return "event" if event == EVENT else "censored"


def quoted(code: str) -> str:
    """A status code as a message writes it: a short number as it is, anything else quoted,
    which a de-identified report's messages replace (a status cell may hold a name or an id)."""
    return code if re.fullmatch(r"\d{1,3}", code) else repr(code)


def _yaml_key(code: str) -> str:
    return quoted(code)


def _code_order(code: str) -> tuple[int, float, str]:
    try:
        return (0, float(code), code)
    except ValueError:
        return (1, 0.0, code)
