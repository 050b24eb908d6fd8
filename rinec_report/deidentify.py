"""A de-identified report, for sharing outside the care team.

After the sections are built, every value the page and the data folder will carry is
passed through one :class:`Deidentifier`:

- patient and sample ids become pseudonyms (``P001``, ``S001`` in natural order, or keyed
  HMAC codes that two runs with the same key file share), wherever they appear: in
  tables, chart data, text, notes, markup;
- declared date fields become days from the patient's first event (``relative``) or the
  year (``year``); any other date in any text keeps its year only;
- declared free-text fields are dropped unless kept by name; ages above the cap become
  ``90+``; file names become content hashes;
- the run information loses paths, file names, the command line, user and host.

What counts as which kind of field is declared per plugin through the
``rinec_identifiers`` hook, on top of the core's defaults (:data:`DEFAULT_FIELDS`).
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .options import Option, validate
from .patients import natural_key

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
           "report made with the same key (also `--deidentify-key`)."),
    Option("dates", "str", "relative", "Dates as days from the patient's first event, or the year only.",
           choices=("relative", "year")),
    Option("keep_text", "list[str]", [], "Free-text fields kept (by name)."),
    Option("age_cap", "int", 89, "Ages above this are shown as `<cap + 1>+`.", min=1),
    Option("suppress_small_cells", "bool", False, "Show Table 1 categories (other than sex) counting fewer "
           "than k patients as `<k`."),
    Option("k", "int", 3, "The smallest category count shown when small cells are suppressed.", min=1),
]

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_MONTH_NAMES = ("January|February|March|April|May|June|July|August|September|October|November|December")
# Dates as people and programs write them; the year is group "y".
DATE_PATTERNS = [
    r"(?<!\d)(?P<y>(?:19|20)\d\d)[-/.](?:0?[1-9]|1[0-2])(?:[-/.](?:0?[1-9]|[12]\d|3[01]))?(?:[T ][\d:.]+Z?)?(?!\d)",
    r"(?<!\d)(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|1[0-2])[-/.](?P<y>(?:19|20)\d\d)(?!\d)",
    r"(?<!\d)(?:0?[1-9]|1[0-2])[-/.](?P<y>(?:19|20)\d\d)(?!\d)",
    rf"(?<![\w])(?:\d{{1,2}} )?(?:{_MONTH_NAMES}|{_MONTHS})\.?,? (?:\d{{1,2}}, )?(?P<y>(?:19|20)\d\d)(?!\d)",
    r"(?<!\d)(?P<y>(?:19|20)\d\d)(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)",
]
_DATE_RE = re.compile("|".join(f"(?:{p.replace('(?P<y>', '(?:')})" for p in DATE_PATTERNS), re.IGNORECASE)
_YEAR_RE = [re.compile(p, re.IGNORECASE) for p in DATE_PATTERNS]


def rules_of(config: dict[str, Any]) -> dict[str, Any]:
    """The checked ``deidentify:`` rules of a configuration."""
    return validate(RULE_OPTIONS, dict(config.get("deidentify") or {}), "deidentify.")


def year_of(text: str) -> str:
    for pattern in _YEAR_RE:
        m = pattern.fullmatch(text)
        if m:
            return m.group("y")
    return text


def scrub_dates(text: str) -> str:
    """Every date in ``text`` reduced to its year."""
    return _DATE_RE.sub(lambda m: year_of(m.group(0)), text)


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


_TOKEN = re.compile(r"[\w-]+")


@dataclass
class Pseudonyms:
    """Raw patient and sample ids and the codes that replace them."""

    key: bytes | None = None
    codes: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    def assign(self, patients: list[str], samples: list[str]) -> None:
        for kind, prefix, ids in (("patient", "P", patients), ("sample", "S", samples)):
            ordered = sorted({i for i in ids if i and i not in self.codes}, key=natural_key)
            width = max(3, len(str(len(ordered))))
            for n, raw in enumerate(ordered, start=1):
                self.codes[raw] = self._code(prefix, raw, n, width)
                self.kinds[raw] = kind
        self._pattern = None

    def _code(self, prefix: str, raw: str, n: int, width: int) -> str:
        if self.key is None:
            return f"{prefix}{n:0{width}d}"
        digest = hmac.new(self.key, f"{prefix}:{raw}".encode(), hashlib.sha256).hexdigest()
        return f"{prefix}-{digest[:10].upper()}"

    def scrub(self, text: str) -> str:
        """``text`` with every known id, as a whole token, replaced by its code."""
        if not self.codes:
            return text
        if self._pattern is None:
            # An id of word characters and hyphens is a whole token exactly when it is a
            # maximal run of them: one dictionary look-up per run. A regular expression
            # alternating 100,000 ids costs seconds to compile and tries every id at
            # every position; only the ids with other characters (dots, spaces) need it.
            others = sorted((r for r in self.codes if not _TOKEN.fullmatch(r)), key=len, reverse=True)
            alternatives = "".join(re.escape(r) + "|" for r in others)
            self._pattern = re.compile(rf"(?<![\w-])(?:{alternatives}(?!))(?![\w-])|{_TOKEN.pattern}")
        return self._pattern.sub(lambda m: self.codes.get(m.group(0), m.group(0)), text)

    def table(self) -> list[dict[str, str]]:
        return [{"kind": self.kinds[r], "original": r, "pseudonym": c}
                for r, c in sorted(self.codes.items(), key=lambda rc: (self.kinds[rc[0]], natural_key(rc[1])))]


class Deidentifier:
    """Applies the rules to values, records, tables and chart data."""

    def __init__(self, rules: dict[str, Any], pseudonyms: Pseudonyms, files: dict[str, str],
                 declared: Callable[[str], dict[str, str]]) -> None:
        self.rules = rules
        self.ids = pseudonyms
        self.files = files  # a file's path or name -> "input-<sha>"
        self.declared = declared  # plugin -> {field or glob: kind}
        self.anchors: dict[str, date] = {}  # patient code -> first event

    # ---------------------------------------------------------------- values

    def kind_of(self, plugin: str, name: str) -> str | None:
        fields = {**DEFAULT_FIELDS, **self.declared(plugin)}
        lowered = str(name).lower()
        if lowered in fields:
            return fields[lowered]
        for pattern, kind in fields.items():
            if any(c in pattern for c in "*?[") and fnmatch.fnmatchcase(lowered, pattern):
                return kind
        return None

    def text(self, value: str) -> str:
        for name, label in self.files.items():
            if name and name in value:
                value = value.replace(name, label)
        return scrub_dates(self.ids.scrub(value))

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
            try:
                years = float(value)
            except (TypeError, ValueError):
                return self.value(value)
            cap = self.rules["age_cap"]
            return f"{cap + 1}+" if years > cap else value
        if kind == "file":
            text = str(value)
            return self.files.get(text) or self.files.get(text.rsplit("/", 1)[-1]) or _hashed_name(text)
        return self.value(value)

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

    def records(self, plugin: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Chart data rows: kinds by field name, every other string scrubbed."""
        out = []
        for row in rows:
            if not isinstance(row, dict):
                out.append(self.value(row))
                continue
            patient = self._row_patient(plugin, row)
            new = {}
            for key, value in row.items():
                kind = self.kind_of(plugin, key)
                if kind == "text" and key not in self.rules["keep_text"]:
                    continue
                new[key] = self.field(kind, value, patient)
            out.append(new)
        return out

    def _row_patient(self, plugin: str, row: dict[str, Any]) -> str | None:
        for key, value in row.items():
            if isinstance(value, str) and self.kind_of(plugin, key) == "patient":
                return self.ids.codes.get(value, value)
        return None

    def frame(self, plugin: str, df: Any) -> Any:
        """A table: text columns dropped, the others under their kinds' rules."""
        keep = [c for c in df.columns
                if not (self.kind_of(plugin, str(c)) == "text" and str(c) not in self.rules["keep_text"])]
        import pandas as pd

        rows = self.records(plugin, df[keep].to_dict("records"))
        out = pd.DataFrame(rows, columns=keep)
        out.columns = [self.text(str(c)) for c in keep]
        return out


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
