"""A de-identified report, for sharing outside the care team.

After the sections are built, every value the page and the data folder will carry is
passed through one :class:`Deidentifier`. It denies by default: a column of a table, or
a field of chart data, is shared only when

- its plugin declares it safe through the ``rinec_identifiers`` hook with one of
  :data:`SAFE_KINDS` (a measure, a category checked against a vocabulary, a count, a
  relative time), and its values are still scrubbed of ids and dates; or
- it is of a kind that is transformed (:data:`TRANSFORMED_KINDS`): patient and sample ids
  become pseudonyms, dates days from the patient's first event or the year, ages above
  the cap ``90+``, file names content hashes; or
- the user keeps it by name (``deidentify: keep_columns``, a user-scope rule).

Every other column is dropped and named (never its values) in the report's "Removed for
sharing" table. Any other text (titles, notes, markup) has its ids replaced by their
pseudonyms (:mod:`rinec_report.pseudonyms`) and its dates by their year
(:mod:`rinec_report.dates_text`).
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from .dates_text import scrub_dates
from .options import Option, validate
from .pseudonyms import Pseudonyms

__all__ = ["DEFAULT_FIELDS", "KINDS", "RULE_OPTIONS", "SAFE_KINDS", "TRANSFORMED_KINDS", "Deidentifier",
           "Pseudonyms", "is_age_field", "parse_day", "read_key", "rules_of", "scrub_dates"]

# Kinds whose values are replaced: an id by its pseudonym, a date by a relative day or the
# year, an age above the cap by "90+", a file name by a content hash.
TRANSFORMED_KINDS = ("patient", "sample", "date", "age", "file")
# Free text typed by people: dropped unless the user keeps it.
KINDS = ("patient", "sample", "date", "text", "age", "file")
# Kinds a plugin declares for fields that identify no one and are shared as they are:
# a numeric measure, a category whose values the plugin checked against a vocabulary
# (sex, stage, IHC score, variant class), a derived count, a time relative to the patient.
SAFE_KINDS = ("measure", "category", "count", "interval")

# Field names every plugin's tables and charts are read with, whatever they declare.
DEFAULT_FIELDS: dict[str, str] = {
    "patient_id": "patient",
    "patient": "patient",
    "sample": "sample",
    "sample_id": "sample",
    "samples": "sample",
    "tumor_sample_barcode": "sample",
    "*_date": "date",
    "date": "date",
    "age": "age",
    "note": "text",
    "notes": "text",
    "comment": "text",
    "comments": "text",
    "remarks": "text",
    "file": "file",
    "path": "file",
}

RULE_OPTIONS = [
    Option("enabled", "bool", False, "Write a de-identified report (also `--deidentify`)."),
    Option("key_file", "path", None, "A secret key file: pseudonyms become keyed HMAC codes shared by every "
           "report made with the same key (also `--deidentify-key`).", scope="user"),
    Option("dates", "str", "relative", "Dates as days from the patient's first event, or the year only.",
           choices=("relative", "year")),
    Option("keep_columns", "list[str]", [], "Columns kept although no plugin declares them safe (by name, "
           "any case): their values are still scrubbed of ids and dates.", scope="user"),
    Option("keep_text", "list[str]", [], "The former name of `keep_columns`; both lists are kept.", scope="user"),
    Option("age_cap", "int", 89, "Ages above this are shown as `<cap + 1>+`.", min=1),
    Option("suppress_small_cells", "bool", False, "Show Table 1 categories (other than sex) counting fewer "
           "than k patients as `<k`."),
    Option("k", "int", 3, "The smallest category count shown when small cells are suppressed.", min=1),
]

# An age under any name: age, age_at_diagnosis, diagnosis_age, age_years, "Age (years)".
_AGE_NAME = re.compile(r"(?:^|_)age(?:_|$)")


def is_age_field(name: str) -> bool:
    """Whether a column's name says it holds an age (``age``, ``age_*``, ``*_age``, ``*_age_*``)."""
    return bool(_AGE_NAME.search(re.sub(r"[^0-9a-z]+", "_", str(name).lower())))


def kept_columns(rules: dict[str, Any]) -> set[str]:
    """The names the user keeps, in lower case (``keep_columns`` and its former name ``keep_text``)."""
    return {str(n).lower() for n in [*rules.get("keep_columns", []), *rules.get("keep_text", [])]}


def rules_of(config: dict[str, Any]) -> dict[str, Any]:
    """The checked ``deidentify:`` rules of a configuration."""
    return validate(RULE_OPTIONS, dict(config.get("deidentify") or {}), "deidentify.")


def parse_day(value: Any) -> tuple[date, bool] | None:
    """A date value as (the day, whether it was partial), or ``None``."""
    if isinstance(value, date):
        return value, False
    if hasattr(value, "date") and callable(value.date):  # pandas.Timestamp, datetime
        try:
            return value.date(), False
        except (TypeError, ValueError):
            return None
    m = re.fullmatch(r"\s*((?:19|20)\d\d)(?:-(\d\d))?(?:-(\d\d))?(?:[T ].*)?\s*", str(value))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)), not m.group(3)
    except ValueError:
        return None



@dataclass(frozen=True)
class Removed:
    """A column left out of the de-identified report: where it was and why (never its values)."""

    plugin: str
    where: str
    column: str
    why: str


class Deidentifier:
    """Applies the rules to values, records, tables and chart data."""

    def __init__(self, rules: dict[str, Any], pseudonyms: Pseudonyms, files: dict[str, str],
                 declared: Callable[[str], dict[str, str]]) -> None:
        self.rules = rules
        self.ids = pseudonyms
        self.files = files  # a file's path or name -> "input-<sha>"
        self.declared = declared  # plugin -> {field or glob: kind}
        self.anchors: dict[str, date] = {}  # patient code -> first event
        self.kept = kept_columns(rules)
        self.kept_by_user = set(self.kept)
        self.removed: dict[tuple[str, str, str], Removed] = {}  # in the order found
        self.pictures = 0  # embedded pictures removed
        self._fields: dict[str, tuple[dict[str, str], list[tuple[str, str]]]] = {}
        self._kinds: dict[tuple[str, str], str | None] = {}
        self._scrubbed: dict[str, str] = {}

    # ---------------------------------------------------------------- kinds

    def _declared(self, plugin: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
        if plugin not in self._fields:
            fields = {**DEFAULT_FIELDS, **{str(k).lower(): str(v) for k, v in self.declared(plugin).items()}}
            globs = [(p, k) for p, k in fields.items() if any(c in p for c in "*?[")]
            self._fields[plugin] = (fields, globs)
        return self._fields[plugin]

    def declare(self, plugin: str, fields: dict[str, str]) -> None:
        """Declare the fields of a table the core builds itself (``plugin`` names it)."""
        self._fields[plugin] = ({**DEFAULT_FIELDS, **{k.lower(): v for k, v in fields.items()}}, [])
        self._kinds = {k: v for k, v in self._kinds.items() if k[0] != plugin}

    def kind_of(self, plugin: str, name: str) -> str | None:
        """The kind of field ``name`` of ``plugin``: declared, the core's default, or an age by its name."""
        cached = (plugin, str(name))
        if cached in self._kinds:
            return self._kinds[cached]
        fields, globs = self._declared(plugin)
        lowered = str(name).lower()
        kind = fields.get(lowered)
        if kind is None:
            kind = next((k for p, k in globs if fnmatch.fnmatchcase(lowered, p)), None)
        if is_age_field(lowered) and kind in (None, "measure", "category", "count"):
            kind = "age"  # an age is capped whatever else is said of it
        self._kinds[cached] = kind
        return kind

    def shared(self, plugin: str, name: str) -> tuple[bool, str]:
        """Whether field ``name`` of ``plugin`` is shared, and if not why."""
        kind = self.kind_of(plugin, name)
        if kind in TRANSFORMED_KINDS or kind in SAFE_KINDS or str(name).lower() in self.kept:
            return True, ""
        if kind == "text":
            return False, "free text"
        if kind is None:
            return False, "not declared safe"
        return False, f"unknown kind {kind!r}"

    def drop(self, plugin: str, where: str, column: str, why: str) -> None:
        key = (plugin, where, column)
        if key not in self.removed:
            self.removed[key] = Removed(plugin, where, column, why)

    # ---------------------------------------------------------------- values

    def text(self, value: str) -> str:
        if not value:
            return value
        done = self._scrubbed.get(value)
        if done is not None:
            return done
        out = value
        for name, label in self.files.items():
            if name and name in out:
                out = out.replace(name, label)
        out = scrub_dates(self.ids.scrub(out))
        if len(value) < 256 and len(self._scrubbed) < 200_000:  # categories repeat: each scrubbed once
            self._scrubbed[value] = out
        return out

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        if isinstance(value, date):
            return str(value.year)
        return value

    def field(self, kind: str | None, value: Any, patient: str | None) -> Any:
        """One field's value under its kind's rule (``patient``: the row's pseudonymised patient)."""
        if value is None or (isinstance(value, float) and value != value):
            return value
        if kind == "date":
            return self._date(value, patient)
        if kind == "age":
            return self.age(value)
        if kind == "file":
            text = str(value)
            return self.files.get(text) or self.files.get(text.rsplit("/", 1)[-1]) or _hashed_name(text)
        return self.value(value)

    def age(self, value: Any) -> Any:
        """An age, ``90+`` above the cap; a number written in text (``97 y``) too."""
        cap = self.rules["age_cap"]
        try:
            years = float(value)
        except (TypeError, ValueError):
            m = re.match(r"\s*(\d+(?:[.,]\d+)?)", str(value))
            if m and float(m.group(1).replace(",", ".")) > cap:
                return f"{cap + 1}+"
            return self.value(value)
        return f"{cap + 1}+" if years > cap else value

    def _date(self, value: Any, patient: str | None) -> Any:
        parsed = parse_day(value)
        if parsed is None:
            return self.value(value)
        day, partial = parsed
        anchor = self.anchors.get(patient or "")
        if self.rules["dates"] == "relative" and anchor is not None:
            days = (day - anchor).days
            return f"{'~' if partial else ''}day {days}"
        return str(day.year)

    def learn_anchor(self, patient: str, value: Any) -> None:
        parsed = parse_day(value)
        if parsed is not None and (patient not in self.anchors or parsed[0] < self.anchors[patient]):
            self.anchors[patient] = parsed[0]

    # ---------------------------------------------------------------- records

    def records(self, plugin: str, rows: list[dict[str, Any]], where: str = "") -> list[dict[str, Any]]:
        """Chart data rows: the shared fields under their kinds' rules, the others dropped."""
        out = []
        decided: dict[str, tuple[bool, str | None]] = {}
        for row in rows:
            if not isinstance(row, dict):
                out.append(self.value(row))
                continue
            patient = self._row_patient(plugin, row)
            new = {}
            for key, value in row.items():
                if key not in decided:
                    keep, why = self.shared(plugin, key)
                    if not keep:
                        self.drop(plugin, where, str(key), why)
                    decided[key] = (keep, self.kind_of(plugin, key))
                keep, kind = decided[key]
                if keep:
                    new[key] = self.field(kind, value, patient)
            out.append(new)
        return out

    def _row_patient(self, plugin: str, row: dict[str, Any]) -> str | None:
        for key, value in row.items():
            if isinstance(value, str) and self.kind_of(plugin, key) == "patient":
                return self.ids.codes.get(value, value)
        return None

    def frame(self, plugin: str, df: Any, where: str = "") -> Any:
        """A table: the shared columns under their kinds' rules; the others dropped and named.

        Column by column: a numeric column of a kind kept as it is stays the same array, so
        a table of 100,000 patients costs a pass over its text cells only."""
        import pandas as pd

        keep = []
        for c in df.columns:
            shared, why = self.shared(plugin, str(c))
            if shared:
                keep.append(c)
            else:
                self.drop(plugin, where, str(c), why)
        kinds = {c: self.kind_of(plugin, str(c)) for c in keep}
        # Each row's patient, for dates relative to that patient's first event.
        patients: list[Any] = [None] * len(df)
        owner = next((c for c in keep if kinds[c] == "patient"), None)
        if owner is not None and any(kinds[c] == "date" for c in keep):
            patients = [self.ids.codes.get(v, v) if isinstance(v, str) else None for v in df[owner].tolist()]
        columns: dict[str, Any] = {}
        for c in keep:
            kind, series = kinds[c], df[c]
            if series.dtype.kind in "biuf" and kind not in ("age", "date", "file"):
                out: Any = series.to_numpy()  # numbers pass as they are
            elif kind == "date":
                out = [self.field(kind, v, p) for v, p in zip(series.tolist(), patients, strict=True)]
            else:
                out = [self.field(kind, v, None) for v in series.tolist()]
            columns[self.text(str(c))] = out
        return pd.DataFrame(columns, columns=list(columns)) if columns else pd.DataFrame(index=range(len(df)))


def _hashed_name(text: str) -> str:
    return "file-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def read_key(path: str) -> bytes:
    """The key file's bytes (any secret; 16 bytes or more)."""
    from .safeio import open_regular

    # A regular file only, and a bounded read: a FIFO or /dev/zero must not hang the run.
    try:
        with open_regular(path, follow_links=True) as fh:  # the user's own file: a link is theirs
            key = fh.read(1 << 20)
    except OSError as exc:
        raise ValueError(f"the key file {path} cannot be read: {exc.strerror or exc}") from None
    if len(key.strip()) < 16:
        raise ValueError(f"the key file {path} holds fewer than 16 bytes: use a long random secret")
    return key.strip()
