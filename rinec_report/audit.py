"""``rinec-report audit REPORT.html``: look for a run directory's identifiers in a report.

The identifiers are read from the run directory the way a run reads it (the same
plugins, the same configuration): patient and sample ids, every value of the fields
declared as dates, free text or files, the input files' names and the run
directory's path. The report's page and every file of its data folder are then
searched for each of them, dates in every common spelling. A de-identified report
must give no hit; an identified one gives many, which is how the audit is tested.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .deidentify import DEFAULT_FIELDS, parse_day
from .safeio import display_name, open_regular

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Hit:
    where: str  # the file, relative to the report's folder
    kind: str  # patient, sample, date, text, file, path
    value: str
    context: str

    def line(self) -> str:
        if self.kind == UNREAD:
            return f"{self.where}: not searched: {self.value}"
        return f"{self.where}: {self.kind} {self.value!r} in …{self.context}…"


UNREAD = "unread"  # a Hit of this kind is a file of the report that could not be searched


class AuditError(Exception):
    """The report cannot be audited (a one-line message naming it)."""


def _read(path: Path, follow_links: bool = False) -> bytes:
    """A file of the report, only if it is a regular file reached without a link
    (the page the user named may be reached through one): a FIFO or a device is
    named, never opened so that it blocks."""
    with open_regular(os.path.realpath(path.parent) + os.sep + path.name, follow_links=follow_links) as fh:
        return fh.read()


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_report(report_html: Path) -> None:
    """Fail at once (before the run directory is read) when the page cannot be read."""
    try:
        with open_regular(report_html, follow_links=True):
            pass
    except OSError as exc:
        raise AuditError(f"{display_name(str(report_html))}: cannot be audited: {_reason(exc)}") from None


def _data_files(data_dir: Path) -> Iterator[Path]:
    """Every entry of the data folder that is not a folder: links, FIFOs and devices
    included, to be named as not searched. A link to a folder is listed, not entered."""
    for folder, dirs, files in os.walk(data_dir):
        base = Path(folder)
        entered = []
        for name in sorted(dirs):
            if os.path.islink(base / name):
                yield base / name
            else:
                entered.append(name)
        dirs[:] = entered
        for name in sorted(files):
            yield base / name


def date_spellings(value: Any) -> set[str]:
    """A date as people and programs write it (a partial date: its month forms)."""
    parsed = parse_day(value)
    if parsed is None:
        return set()
    day, partial = parsed
    text = str(value).strip()
    month = MONTHS[day.month - 1]
    if partial and not re.fullmatch(r"\d{4}-\d\d", text[:7]):
        return set()  # a year alone identifies no one
    if partial:
        return {f"{day.year}-{day.month:02d}", f"{day.year}/{day.month:02d}", f"{day.month:02d}/{day.year}",
                f"{month[:3]} {day.year}", f"{month} {day.year}"}
    d, m, y = day.day, day.month, day.year
    return {
        day.isoformat(), f"{y}/{m:02d}/{d:02d}", f"{d:02d}/{m:02d}/{y}", f"{m:02d}/{d:02d}/{y}", f"{d}/{m}/{y}",
        f"{m}/{d}/{y}", f"{d:02d}.{m:02d}.{y}", f"{y}{m:02d}{d:02d}", f"{d} {month} {y}", f"{d} {month[:3]} {y}",
        f"{month} {d}, {y}", f"{month[:3]} {d}, {y}",
    }


def identifiers(run_dir: Path, config: Any = None) -> dict[str, set[str]]:
    """What identifies people in ``run_dir``: ``{kind: values}``."""
    from .runner import Run, RunOptions

    with tempfile.TemporaryDirectory() as out:
        run = Run(RunOptions(run_dir=Path(run_dir), outdir=Path(out), config=config, data_dir=False))
        run.configure()
        found = run.scan()
        parsed, _ = run.parse(found)
        datasets, patients = run.build_datasets(parsed)
        found_ids: dict[str, set[str]] = {k: set() for k in ("patient", "sample", "date", "text", "file", "path")}
        for name in run.host.names:
            published = datasets.own(name) or {}
            fields = {**DEFAULT_FIELDS, **run._identifier_fields(name)}
            for value in _frames(published):
                _collect(value, fields, found_ids)
        table = patients.table()
        found_ids["patient"] |= set(table)
        found_ids["sample"] |= {s for samples in table.values() for s in samples} | set(patients.unmatched)
        for f in found.found:
            found_ids["file"] |= {f.relpath, Path(f.relpath).name}
        found_ids["path"].add(str(Path(run_dir).resolve()))
    found_ids["text"] = {t for t in found_ids["text"] if len(t) >= 8}
    found_ids["file"] = {f for f in found_ids["file"] if len(f) >= 6}
    return found_ids


def _frames(published: dict[str, Any]) -> Iterator[Any]:
    for value in published.values():
        if hasattr(value, "columns") and hasattr(value, "itertuples"):
            yield value
        elif hasattr(value, "patients") and hasattr(value.patients, "columns"):
            yield value.patients


def _collect(frame: Any, fields: dict[str, str], out: dict[str, set[str]]) -> None:
    import fnmatch

    for column in frame.columns:
        lowered = str(column).lower()
        kind = fields.get(lowered) or next(
            (k for p, k in fields.items() if any(c in p for c in "*?[") and fnmatch.fnmatchcase(lowered, p)), None)
        if kind not in out:
            continue
        for value in frame[column].dropna().unique():
            if kind == "date":
                out["date"] |= date_spellings(value)
            elif kind in ("patient", "sample") and isinstance(value, str):
                out[kind] |= {v.strip() for v in value.split(";") if v.strip()}
            elif isinstance(value, (str, date)):
                out[kind].add(str(value).strip())


_CODE = re.compile(r"<script(?![^>]*application/json)[^>]*>.*?</script>|<style[^>]*>.*?</style>", re.S | re.I)


# Embedded pictures and fonts: their base64 spells short ids ('+K77/') by chance.
_EMBEDDED = re.compile(r"data:[\w.+/-]*(?:;[\w.+=-]*)*;base64,[A-Za-z0-9+/=]+")


def without_code(html: str) -> str:
    """The page without its program code (the Vega libraries, the page script, the styles)
    and embedded binary data: what is left is what the report says, data included.
    Minified code is full of names such as ``P1`` that are not patients."""
    return _EMBEDDED.sub(" ", _CODE.sub(" ", html))


_MONTH_DATES = re.compile(
    r"(?<![\w])(?:\d{1,2} )?(?:" + "|".join(m for name in MONTHS for m in (name, name[:3])) +
    r")\.?,? (?:\d{1,2}, )?\d{4}(?!\d)")


def _tokens(text: str) -> set[str]:
    """Every run of id-like characters, cut three ways so an id with dots or slashes is whole in one."""
    out: set[str] = set()
    for pattern in (r"[\w-]+", r"[\w.-]+", r"[\w./-]+", r"[\d/.-]+"):
        out.update(re.findall(pattern, text))
    out.update(m.group(0) for m in _MONTH_DATES.finditer(text))
    return out


def search(report_html: Path, found: dict[str, set[str]]) -> list[Hit]:
    """Every place in the report and its data folder where an identifier appears.

    Ids, dates and file names must appear as whole tokens, which one pass over the
    text finds whatever the number of identifiers; free text and paths as substrings.
    """
    from .write import data_dir_name

    check_report(report_html)
    targets = [report_html]
    data_dir = report_html.parent / data_dir_name(report_html.name)
    if data_dir.is_dir() and not data_dir.is_symlink():
        targets += list(_data_files(data_dir))
    hits = []
    for path in targets:
        where = display_name(str(path.relative_to(report_html.parent)))
        try:
            text = _read(path, follow_links=path == report_html).decode("utf-8", errors="replace")
        except OSError as exc:
            hits.append(Hit(where, UNREAD, _reason(exc), ""))
            continue
        if path == report_html:
            text = without_code(text)
        tokens = _tokens(text)
        for kind, values in found.items():
            whole = kind in ("patient", "sample", "date", "file")
            for value in sorted(values):
                if not value or (whole and value not in tokens) or (not whole and value not in text):
                    continue
                at = text.find(value)
                hits.append(Hit(where, kind, value, text[max(0, at - 30): at + len(value) + 30].replace("\n", " ")))
    return hits
