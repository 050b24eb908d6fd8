"""The one list of missing-value codes, applied to every cell before any column is typed.

The codes are data (``rinec_report/data/missing_values.yaml``), by kind: the report keeps
"not performed" ('-') apart from "unknown" (blank, NA, '.', cBioPortal's [Not Available])
and from "not applicable", and a cell of '*' (performed, details not recorded) apart
from all three. A run's config adds codes (``<plugin>: missing_values: [...]``), read as
unknown.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from typing import Any

from .headers import DATA

UNKNOWN = "unknown"
NOT_PERFORMED = "not performed"
NOT_APPLICABLE = "not applicable"
NO_DETAILS = "no details"
KINDS = {"unknown": UNKNOWN, "not_applicable": NOT_APPLICABLE, "not_performed": NOT_PERFORMED}
_NO_DETAILS = re.compile(r"^(yes\s*)?[(\[]?\s*\*\s*[)\]]?$")


def _fold(text: str) -> str:
    return " ".join(str(text).split()).lower()


@functools.lru_cache(maxsize=1)
def codes() -> dict[str, str]:
    """Every shipped code (folded) -> its kind."""
    from .yamltext import load_yaml

    raw = load_yaml((DATA / "missing_values.yaml").read_bytes())
    out: dict[str, str] = {}
    for kind, listed in raw.items():
        for code in listed:
            out.setdefault(_fold(str(code)), KINDS[kind])
    return out


def extra_codes(values: Iterable[Any] | None) -> frozenset[str]:
    """A config's ``missing_values:`` as the folded codes :func:`missing_kind` takes."""
    return frozenset(_fold(str(v)) for v in values or ())


def missing_kind(text: str, extra: frozenset[str] = frozenset()) -> str | None:
    """The kind of missing value a cell holds, or None when it holds a value."""
    return _missing_kind(str(text), extra)


# Clinical columns repeat a handful of values over thousands of rows.
@functools.lru_cache(maxsize=1 << 16)
def _missing_kind(text: str, extra: frozenset[str]) -> str | None:
    if text[:1].isdigit():
        # No shipped code starts with a digit: a number is looked up in the config's codes only.
        return UNKNOWN if extra and _fold(text) in extra else None
    low = _fold(text)
    kind = codes().get(low)
    if kind is not None:
        return kind
    if low in extra:
        return UNKNOWN
    if _NO_DETAILS.match(low):
        return NO_DETAILS
    return None


def kinds_of(cells: Iterable[str], extra: frozenset[str] = frozenset()) -> dict[str, str | None]:
    """:func:`missing_kind` of each distinct cell, by cell: a column's worth at once, without
    the cache (a column of ids or dates holds more distinct cells than it keeps) and
    without a call per cell."""
    table = codes()
    no_details = _NO_DETAILS.match
    out: dict[str, str | None] = {}
    for cell in set(cells):
        text = str(cell)
        if text[:1].isdigit():
            out[cell] = UNKNOWN if extra and " ".join(text.split()).lower() in extra else None
            continue
        low = " ".join(text.split()).lower()
        kind = table.get(low)
        if kind is None and low in extra:
            kind = UNKNOWN
        # '*' is in every cell the pattern matches.
        out[cell] = kind if kind is not None or "*" not in low or not no_details(low) else NO_DETAILS
    return out


def is_missing(value: Any, extra: frozenset[str] = frozenset()) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return missing_kind(str(value), extra) is not None
