"""One header normaliser and one synonym table for every table reader.

A header is compared by its normalised key: lower case, any run of characters other
than letters and digits read as '_' (so "OS (days)", "os.days" and "OS_DAYS" are one
key). A unit in brackets at the end ("Overall Survival (Months)", "Dose [Gy]") is kept
as the column's unit, and the key keeps it as its last word, as cBioPortal's own names
do (OS_MONTHS). The synonym table (``rinec_report/data/synonyms.yaml``, documented in
docs/plugins/synonyms.md) says which keys mean which field; a run's config adds
spellings (``<plugin>: synonyms:``), never removes the shipped ones.

Pure functions of their arguments: they run in worker processes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"

# Units a header may carry, by the word written -> the unit's name.
TIME_UNITS = {
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "wk": "weeks", "wks": "weeks", "week": "weeks", "weeks": "weeks",
    "m": "months", "mo": "months", "mos": "months", "mon": "months", "month": "months", "months": "months",
    "y": "years", "yr": "years", "yrs": "years", "year": "years", "years": "years",
}
OTHER_UNITS = {"gy": "Gy", "cgy": "cGy", "%": "%", "percent": "%", "kg": "kg", "cm": "cm", "mm": "mm",
               "mg": "mg", "ml": "mL", "fractions": "fractions", "fx": "fractions"}
_SCALE = re.compile(r"[\d\s.,/%+\-\u2013]+")
_BRACKETED = re.compile(r"^(.*?)\s*[(\[]\s*([^()\[\]]{1,20}?)\s*[)\]]\s*$")


@dataclass(frozen=True)
class Header:
    """A header as written, its normalised key, and the unit its brackets give."""

    written: str
    key: str
    unit: str | None = None


def _unit_of(text: str) -> str | None:
    low = text.strip().lower()
    return TIME_UNITS.get(low) or OTHER_UNITS.get(low)


@functools.lru_cache(maxsize=1 << 14)
def parse_header(written: str) -> Header:
    """``"OS (days)"`` -> Header("OS (days)", "os_days", "days")."""
    text = str(written).strip()
    unit = None
    match = _BRACKETED.match(text)
    if match and not _unit_of(match.group(2)) and _SCALE.fullmatch(match.group(2)):
        text = match.group(1)  # "Intensity (0-3)": the scale is a note, not the name
    elif match and _unit_of(match.group(2)):
        unit = _unit_of(match.group(2))
        # The unit stays the key's last word, as cBioPortal writes OS_MONTHS ("Ki-67 (%)"
        # stays ki_67: a percent sign was never part of a key).
        text = f"{match.group(1)} {match.group(2)}" if unit != "%" else match.group(1)
    key = re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")
    return Header(str(written), key, unit)


def normalise(name: object) -> str:
    """A header's key (see :func:`parse_header`)."""
    return parse_header(str(name)).key


def split_time_unit(key: str) -> tuple[str, str | None]:
    """``"os_days"`` -> ("os", "days"); a key without a time unit as its last word is
    returned whole."""
    base, sep, last = key.rpartition("_")
    if sep and base and last in TIME_UNITS:
        return base, TIME_UNITS[last]
    return key, None


@dataclass(frozen=True)
class FieldSpec:
    """One field of the table: its spellings (keys), type, unit kind and plausible range."""

    name: str
    spellings: tuple[str, ...]
    type: str | None = None
    units: str | None = None  # "time": a time unit may be the key's last word
    unit: str | None = None
    range: tuple[float, float] | None = None
    reader: str | None = None  # a field of one plugin's tables ("ihc"); None: every reader's


@dataclass(frozen=True)
class Match:
    """A header recognised as ``field`` (``unit``: the unit its spelling gives)."""

    field: str
    unit: str | None
    header: Header


@dataclass
class Synonyms:
    """The synonym table: field -> spec, and every key -> its field."""

    fields: dict[str, FieldSpec]
    by_key: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.by_key:
            for spec in self.fields.values():
                for spelling in (spec.name, *spec.spellings):
                    self.by_key.setdefault(normalise(spelling), spec.name)

    def match(self, written: str, reader: str | None = None) -> Match | None:
        """The field a header means, or None; a field of another ``reader``'s tables
        (IHC's marker, specimen) is not matched."""
        found = self._match(written)
        if found is not None and self.fields[found.field].reader not in (None, reader):
            return None
        return found

    def _match(self, written: str) -> Match | None:
        header = parse_header(written)
        name = self.by_key.get(header.key)
        if name is not None:
            return Match(name, header.unit or self.fields[name].unit, header)
        base, unit = split_time_unit(header.key)
        name = self.by_key.get(base)
        if unit and name is not None and self.fields[name].units == "time":
            return Match(name, unit, header)
        return None

    def spellings(self, name: str) -> list[str]:
        return [k for k, f in self.by_key.items() if f == name]

    def extended(self, extra: Mapping[str, Iterable[str]] | None) -> Synonyms:
        """The table with a config's spellings added (``{field: [spelling, ...]}``); a
        spelling a config gives for a new field makes that field."""
        if not extra:
            return self
        fields = dict(self.fields)
        by_key = dict(self.by_key)
        for name, spellings in extra.items():
            if isinstance(spellings, str):
                spellings = [spellings]
            name = normalise(name)
            spec = fields.get(name) or FieldSpec(name, ())
            added = tuple(normalise(s) for s in spellings)
            fields[name] = FieldSpec(spec.name, (*spec.spellings, *added), spec.type, spec.units, spec.unit,
                                     spec.range, spec.reader)
            for key in added:
                by_key[key] = name  # the config's word wins over the shipped table
            by_key.setdefault(name, name)
        return Synonyms(fields, by_key)


@functools.lru_cache(maxsize=1)
def _shipped() -> Synonyms:
    from .yamltext import load_yaml

    raw = load_yaml((DATA / "synonyms.yaml").read_bytes())
    fields: dict[str, FieldSpec] = {}
    for name, spec in raw["fields"].items():
        bounds = spec.get("range")
        fields[name] = FieldSpec(name, tuple(spec.get("spellings") or ()), spec.get("type"), spec.get("units"),
                                 spec.get("unit"), (float(bounds[0]), float(bounds[1])) if bounds else None,
                                 spec.get("reader"))
    return Synonyms(fields)


def synonyms(extra: Mapping[str, Any] | None = None) -> Synonyms:
    """The shipped synonym table, with a config's spellings added."""
    return _shipped().extended(extra)


def check_synonyms_option(value: Any, where: str) -> dict[str, list[str]]:
    """A config's ``synonyms:`` as {field: [spellings]}; ValueError naming ``where`` otherwise."""
    if value in (None, {}):
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: synonyms must map a field to its spellings, e.g. {{os_time: [survie]}}")
    out: dict[str, list[str]] = {}
    for name, spellings in value.items():
        items = [spellings] if isinstance(spellings, str) else spellings
        if not isinstance(items, list) or not all(isinstance(s, str | int | float) for s in items):
            raise ValueError(f"{where}: synonyms: {name!r} must be a spelling or a list of spellings")
        out[str(name)] = [str(s) for s in items]
    return out


__all__ = ["FieldSpec", "Header", "Match", "Synonyms", "normalise", "parse_header", "split_time_unit", "synonyms"]
