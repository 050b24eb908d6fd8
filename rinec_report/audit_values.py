"""The values of a run directory that a report must not show: what the audit looks for.

The run directory is read as a run reads it (the same plugins and configuration),
for the patient and sample ids and the fields the plugins declare. Its inputs are
then read again, without trusting any plugin's output: every cell of every table,
the sidecars, the VCF sample names, the pictures' and DICOM files' metadata, and the
names of the files and folders. Every text value is kept unless the plugin that
reads it declared its field safe (a kind in :data:`~rinec_report.deidentify.SAFE_KINDS`).

Short values would be found everywhere (``Male``, ``yes``, ``12``): a text value is
kept from five letters and digits on, and numbers are not text (the long ones are
found by their shape). Ids are kept whatever their length, and matched whole.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .audit_decode import MAX_PAYLOAD, Piece, Unread, large_file
from .audit_markup import payload
from .audit_patterns import DATE
from .deidentify import DEFAULT_FIELDS, SAFE_KINDS, parse_day

KINDS = ("patient", "sample", "date", "text", "file", "path")
MAX_SHOWN = 100_000  # values of a published column compared with an input column's
MIN_TEXT = 5  # letters and digits a text value needs to be looked for
MAX_NAMES = 1_000_000  # files and folders of a run directory named
_TABLES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".csv.gz", ".tsv.gz", ".txt.gz")
# Files whose records are genomic, not about a person: only their sample names identify
# (the VCF header's, and the MAF's barcodes the variants plugin publishes).
_RECORDS = ("variants/", "enrichment/")
_SIDECARS = (".yaml", ".yml", ".json")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
# Attributes that draw an SVG rather than say something.
_DRAWING = re.compile(r"xmlns.*|d|points|(?:x|y|cx|cy|r|rx|ry|dx|dy)\d?|width|height|viewbox|transform|fill.*|"
                      r"stroke.*|style|class|id|font-.*|text-anchor|opacity|version|preserveaspectratio|"
                      r"dominant-baseline|clip-.*|mask|filter|offset|stop-.*|gradient.*|marker.*|href|xlink:href",
                      re.IGNORECASE)
# Sidecar keys that set how a section looks, not what it says.
_SETTINGS = {"kind", "type", "x", "y", "color", "colour", "sort", "order", "format", "scale", "mark", "group",
             "size", "shape", "patient", "patient_column", "columns", "column", "value", "values", "stack"}


@dataclass
class Wanted:
    """``values``: {kind: texts}; ``unread``: inputs that could not be read again."""

    values: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KINDS})
    unread: list[Unread] = field(default_factory=list)
    headers: set[str] = field(default_factory=set)  # every input table's headers, folded

    def without_headers(self) -> None:
        """Text values that spell an input table's header or a plugin's field name are not
        looked for: those are the tables' schema, which every report names (Table 1's rows,
        the removed-for-sharing list), so a cell that repeats one ("metastasis") says nothing
        of a person."""
        words = {w for h in self.headers for w in h.split()}  # "metastasis" of "metastasis date"
        self.values["text"] = {v for v in self.values["text"]
                               if _folded(v) not in self.headers and _folded(v) not in words}

    def add_text(self, text: str, kind: str = "text") -> None:
        for part in {text, *re.split(r"[;|\n\r\t]+", text)}:
            part = part.strip()
            if _alnum(part) >= MIN_TEXT and not _number(part):
                self.values[kind].add(part)

    def add_value(self, text: str, kind: str | None) -> None:
        """One input value under its field's kind (``None``: undeclared)."""
        text = str(text).strip()
        if not text or kind in SAFE_KINDS:
            return
        if kind in ("patient", "sample"):
            self.values[kind] |= {v.strip() for v in text.split(";") if v.strip()}
            return
        days = dates_in(text)
        if days:
            for day in days:
                self.values["date"] |= spellings(day)
            return
        if kind == "date":
            self.values["date"] |= date_spellings(text)
        elif kind != "age":
            self.add_text(text, "file" if kind == "file" else "text")


def _folded(text: str) -> str:
    return " ".join(re.split(r"[\W_]+", text.casefold())).strip()


def _alnum(text: str) -> int:
    return sum(c.isalnum() for c in text)


def _number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------ dates


def spellings(day: date) -> set[str]:
    """A day as people and programs write it, two-digit years and ordinals included."""
    d, m, y = day.day, day.month, day.year
    month = _MONTHS[m - 1]
    ordinal = f"{d}{'th' if 10 <= d % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"
    # The separators do not matter to the match (14/03/1961 is 14.03.1961); the usual
    # ones are written out so that the list reads as the spellings it stands for.
    out = {f"{y}{m:02d}{d:02d}", f"{y}-{m:02d}-{d:02d}", f"{y}-{m}-{d}", f"{y}/{m:02d}/{d:02d}",
           f"{d:02d}.{m:02d}.{y}"}
    for year in (str(y), f"{y % 100:02d}"):
        for dd in {f"{d:02d}", str(d)}:
            for mm in {f"{m:02d}", str(m)}:
                out |= {f"{dd}/{mm}/{year}", f"{mm}/{dd}/{year}"}
        for name in {month, month[:3], "Sept" if m == 9 else month[:3]}:
            for dd in (str(d), f"{d:02d}", ordinal):
                out |= {f"{dd} {name} {year}", f"{name} {dd}, {year}", f"{dd} of {name} {year}"}
    return out


def date_spellings(value: Any) -> set[str]:
    """A date value's spellings; a month without its day: its month forms (a year
    alone identifies no one)."""
    parsed = parse_day(value)
    if parsed is None:
        return set()
    day, partial = parsed
    if not partial:
        return spellings(day)
    if not re.fullmatch(r"\d{4}-\d\d", str(value).strip()[:7]):
        return set()
    month = _MONTHS[day.month - 1]
    return {f"{day.year}-{day.month:02d}", f"{day.month:02d}/{day.year}", f"{month[:3]} {day.year}",
            f"{month} {day.year}"}


_EXIF_DAY = re.compile(r"((?:19|20)\d\d)[:\-/.]?(0[1-9]|1[0-2])[:\-/.]?(0[1-9]|[12]\d|3[01])(?:[ T].*)?")


def dates_in(text: str) -> set[date]:
    """The day (or both readings of an ambiguous day) a value spells, if it is a date."""
    text = text.strip()
    if len(text) > 40:
        return set()
    m = _EXIF_DAY.fullmatch(text)  # ISO, EXIF (2018:09:20 10:00:00), DICOM (20180920)
    if m:
        return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if not DATE.fullmatch(text):
        return set()
    from dateutil import parser

    found = set()
    for dayfirst in (True, False):
        try:
            found.add(parser.parse(text, dayfirst=dayfirst).date())
        except (ValueError, OverflowError):
            continue
    return found


def _valid(y: int, m: int, d: int) -> set[date]:
    try:
        return {date(y, m, d)}
    except ValueError:
        return set()


# ------------------------------------------------------------------ the run


def wanted(run: Any, run_dir: Path) -> Wanted:
    """Everything in ``run_dir`` that a report must not show; ``run`` is a
    :class:`~rinec_report.runner.Run` of it, configured (the audit's entry point
    makes it: only the entry points import the runner)."""
    out = Wanted()
    found = run.scan()
    parsed, _ = run.parse(found)
    datasets, patients = run.build_datasets(parsed)
    declared = {name: {**DEFAULT_FIELDS, **run._identifier_fields(name)} for name in run.host.names}
    fields = {}
    for name in run.host.names:
        frames = list(_frames(datasets.own(name) or {}))
        for frame in frames:
            _published(frame, declared[name], out)
            out.headers |= {_folded(str(c)) for c in frame.columns}  # the plugins' field names
        fields[name] = Fields(declared[name], frames)
    table = patients.table()
    out.values["patient"] |= set(table)
    out.values["sample"] |= {s for samples in table.values() for s in samples} | set(patients.unmatched)
    limit = int(run.config["max_table_size_mb"] * 1e6)
    for f in found.found:
        _input(f, fields.get(f.plugin) or Fields(DEFAULT_FIELDS, []), limit, out)
    _names(Path(run_dir), out, read={f.path for f in found.found})
    out.values["path"].add(str(Path(run_dir).resolve()))
    out.without_headers()
    return out


class Fields:
    """The kinds of one plugin's fields, for the columns of the files it reads.

    A plugin declares the fields of what it publishes (``nec_chemo``), not the headers
    of its inputs (``NEC chemo``, or an alias such as ``Gender`` for ``sex``). An input
    column takes the kind of its header, of its header in snake case, else of the one
    published column (or the columns of one kind) that holds all its values."""

    def __init__(self, declared: dict[str, str], frames: list[Any]) -> None:
        self.declared = declared
        self.columns: list[tuple[str, frozenset[str]]] = []
        for frame in frames:
            for column in frame.columns:
                try:
                    values = frame[column].dropna().astype(str).str.strip().str.casefold().unique()[:MAX_SHOWN]
                except (TypeError, ValueError, AttributeError):
                    continue
                self.columns.append((str(column), frozenset(values)))

    def kind(self, column: str, values: Iterable[str] = ()) -> str | None:
        found = kind_of(self.declared, column) or kind_of(self.declared, re.sub(r"\W+", "_", column.strip()))
        if found is not None:
            return found
        folded = {v.strip().casefold() for v in values if v.strip()}
        if not folded:
            return None
        kinds = {kind_of(self.declared, name) for name, shown in self.columns if folded <= shown}
        return kinds.pop() if len(kinds) == 1 else None  # columns of two kinds hold them: none is trusted

    __call__ = kind


def kind_of(fields: dict[str, str], name: str) -> str | None:
    """A field's kind by its plugin's declarations (names, then globs), as the
    de-identifier reads them."""
    lowered = str(name).lower()
    if lowered in fields:
        return fields[lowered]
    return next((k for p, k in fields.items() if any(c in p for c in "*?[") and fnmatch.fnmatchcase(lowered, p)),
                None)


def _frames(published: Any, depth: int = 0) -> Iterator[Any]:
    """The tables a plugin publishes, wherever it keeps them (a dict, a list of items,
    an object's ``patients``)."""
    if depth > 3:
        return
    if hasattr(published, "columns") and hasattr(published, "itertuples"):
        yield published
    elif isinstance(published, dict):
        for value in published.values():
            yield from _frames(value, depth + 1)
    elif isinstance(published, (list, tuple)):
        for value in published[:10_000]:
            yield from _frames(value, depth + 1)
    elif hasattr(published, "patients") and hasattr(published.patients, "columns"):
        yield published.patients


def _published(frame: Any, fields: dict[str, str], out: Wanted) -> None:
    """A plugin's table: the values of the fields it declares as identifying."""
    for column in frame.columns:
        kind = kind_of(fields, column)
        if kind not in ("patient", "sample", "date", "text", "file"):
            continue
        for value in frame[column].dropna().unique():
            if isinstance(value, (date, datetime)) or hasattr(value, "date"):
                out.values["date"] |= date_spellings(value)
            elif isinstance(value, str) or kind in ("patient", "sample"):
                out.add_value(str(value), kind)


def _input(f: Any, kind: Fields, limit: int, out: Wanted) -> None:
    """One input file, read again by its format."""
    name = f.relpath.lower()
    try:
        if f.pattern and f"{f.plugin}/{f.pattern}".startswith(_RECORDS):
            if name.endswith((".vcf", ".vcf.gz", ".vcf.bgz", ".bcf")):
                _vcf_samples(f.path, out)
        elif name.endswith(_TABLES):
            _table(f.path, kind, limit, out)
        else:
            _metadata(f.path, f.relpath, kind, out)
    except (OSError, ValueError) as exc:
        out.unread.append(Unread(f.relpath, f"could not be read again: {exc}"))
    except Exception as exc:  # a reader's own error type (InputError, a library's) on a bad input
        out.unread.append(Unread(f.relpath, f"could not be read again: {type(exc).__name__}: {exc}"))


def _table(path: str, kind: Fields, limit: int, out: Wanted) -> None:
    from .safeio import limited_to
    from .tables import read_table

    with limited_to(limit):
        table = read_table(path)
    for line in table.comments:  # a custom table's "# key: value" header, cBioPortal's labels
        out.add_text(line.split(":", 1)[-1])
    out.headers |= {_folded(h) for h in table.header}
    for i, column in enumerate(table.header):
        values = {row[i] for row in table.rows if i < len(row)}
        k = kind(column, values)
        if k in SAFE_KINDS:
            continue
        for value in values:
            out.add_value(value, k)


def _vcf_samples(path: str, out: Wanted) -> None:
    from cyvcf2 import VCF

    from .safeio import open_regular

    with open_regular(path) as fh:
        vcf = VCF(f"/proc/self/fd/{fh.fileno()}", lazy=True)
        try:
            out.values["sample"] |= set(vcf.samples)
            for line in vcf.raw_header.splitlines():
                m = re.match(r"##(?:tumou?r_sample|normal_sample|SAMPLE=<ID)=?([^,>\s]+)", line, re.I)
                if m:
                    out.values["sample"].add(m.group(1))
        finally:
            vcf.close()


def _metadata(path: str, relpath: str, kind: Callable[[str], str | None], out: Wanted) -> None:
    """A picture's, an SVG's or a DICOM file's texts (its metadata, never its pixels)."""
    from .safeio import open_regular

    with open_regular(path) as fh:
        if os.fstat(fh.fileno()).st_size > MAX_PAYLOAD:  # a whole slide: its tags, not its gigabytes
            items = list(large_file(fh, relpath))
        else:
            items = list(payload(fh.read(MAX_PAYLOAD + 1), relpath))
    for item in items:
        if isinstance(item, Unread):
            out.unread.append(item)
        elif item.key and not _named(item.text):
            # The keys of a JSON file that a plugin reads are its schema, as a table's header
            # is (MultiQC's "report_plot_data", "title"); a key that may say who (a digit,
            # a letter beyond ASCII, two capitalised words) is still looked for.
            out.headers.add(_folded(item.text))
        elif not (item.attribute and _DRAWING.fullmatch(item.field or "")):
            out.add_value(item.text, kind(item.field) if item.field else None)


def _names(run_dir: Path, out: Wanted, read: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """The names of the run directory's files and folders, and its sidecars' texts.

    A YAML or JSON file that a plugin reads (``read``: real paths) was read again by its
    format with that plugin's field kinds (:func:`_input`); as a sidecar here its every
    text, MultiQC's layout keys and column titles among them, would count as input text."""
    from .yamltext import load_yaml

    seen = 0
    for folder, dirs, files in os.walk(run_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(folder, d)))
        base = Path(folder)
        for name in [*dirs, *files]:
            seen += 1
            if seen > MAX_NAMES:
                out.unread.append(Unread(str(run_dir), f"more than {MAX_NAMES:,} files and folders"))
                return
            rel = (base / name).relative_to(run_dir).as_posix()
            if "/" in rel or _named(rel):
                out.add_text(rel, "file")
            if _named(name):
                out.add_text(name, "file")
            stem = name.split(".", 1)[0]
            if stem != name and _named(stem):
                out.add_text(stem, "file")
        for name in files:
            if (name.lower().endswith(_SIDECARS) and name != "rinec_report.yaml" and not name.startswith(".")
                    and os.path.realpath(base / name) not in read):
                _sidecar(base / name, load_yaml, out)


def _named(name: str) -> bool:
    """A name that may say who: one with a digit (an id, a date), a letter beyond
    ASCII, or two capitalised words (``John_Smith_MRI.png``); not the names a layout
    gives (``images``, ``panel.bed``, ``README.md``, ``ihc_scores.csv``), which the page
    says of itself."""
    stem = name.split(".", 1)[0]
    return (any(c.isdigit() for c in stem) or any(ord(c) > 127 for c in stem)
            or len(re.findall(r"[A-Z][a-z]+", stem)) >= 2)


def _sidecar(path: Path, load: Callable[[bytes], Any], out: Wanted) -> None:
    from .safeio import read_small

    try:
        document = load(read_small(path, 1 << 20))
    except Exception:  # not YAML or JSON, too large, not a regular file: its name is still looked for
        return
    stack: list[tuple[Any, str | None]] = [(document, None)]
    while stack:
        value, key = stack.pop()
        if isinstance(value, dict):
            stack.extend((v, str(k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, key) for v in value[:100_000])
        elif isinstance(value, (str, date)) and (key or "").lower() not in _SETTINGS:
            out.add_value(str(value), kind_of(DEFAULT_FIELDS, key) if key else None)


# Re-exported for the pieces the audit searches.
__all__ = ["KINDS", "Piece", "Wanted", "date_spellings", "dates_in", "kind_of", "spellings", "wanted"]
