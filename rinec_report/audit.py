"""``rinec-report audit REPORT.html``: look for identifiers in a report, trusting
neither the de-identifier nor the plugins' output.

Two searches over everything a reader of the report could see (the page decoded as
a browser shows it, the JSON behind its tables and charts, every embedded payload,
every file of the data folder, the PDF; :mod:`.audit_decode`):

- the run directory's values (:mod:`.audit_values`): ids, dates in every spelling,
  and every text value of its inputs that no plugin declared safe;
- the shapes of identifiers, whatever the inputs (:mod:`.audit_patterns`): e-mail
  addresses, phone numbers, street addresses, long numbers, dates, ages of 90 or more.

A finding names the file, the place in it and the kind; the value only when asked
(``-v``), so that the audit's own output can be shared with the report.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .audit_decode import Item, Piece, Unread
from .audit_markup import file_items, markup, payload
from .audit_match import Matcher
from .audit_patterns import shapes
from .audit_values import Wanted, date_spellings
from .audit_values import wanted as _wanted
from .safeio import display_name, open_regular

__all__ = ["UNREAD", "AuditError", "Hit", "audit", "check_report", "date_spellings", "identifiers", "search"]

UNREAD = "unread"  # a Hit of this kind is a part of the report that could not be searched
MAX_FILE = 1 << 30  # a file of the report read for the search
# What each kind of finding is, in the audit's lines.
KIND_NAMES = {
    "patient": "patient id", "sample": "sample id", "date": "date", "text": "text of an input",
    "file": "input file or folder name", "path": "run directory path", "email": "e-mail address",
    "phone": "phone number", "street": "street address", "digits": "number of six or more digits",
    "age": "age of 90 or more",
}


@dataclass(frozen=True)
class Hit:
    """One finding: ``where`` is the file (relative to the report's folder),
    ``context`` the place in it (section, table, column, payload)."""

    where: str
    kind: str
    value: str
    context: str = ""

    def line(self, verbose: bool = False) -> str:
        place = f"{self.where}: {self.context}" if self.context else self.where
        if self.kind == UNREAD:
            return f"{self.where}: not searched: {self.value}" + (f" ({self.context})" if self.context else "")
        return f"{place}: {KIND_NAMES.get(self.kind, self.kind)}" + (f": {self.value!r}" if verbose else "")

    def as_dict(self, verbose: bool = False) -> dict[str, str]:
        out = {"file": self.where, "location": self.context, "kind": self.kind}
        if self.kind == UNREAD:
            out["reason"] = self.value
        elif verbose:
            out["value"] = self.value
        return out


class AuditError(Exception):
    """The report cannot be audited (a one-line message naming it)."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_report(report_html: Path) -> None:
    """Fail at once (before the run directory is read) when the page cannot be read."""
    try:
        with open_regular(report_html, follow_links=True):
            pass
    except OSError as exc:
        raise AuditError(f"{display_name(str(report_html))}: cannot be audited: {_reason(exc)}") from None


def _read(path: Path, follow_links: bool = False) -> bytes:
    """A file of the report, only if it is a regular file reached without a link (the
    page the user named may be reached through one), and at most :data:`MAX_FILE`."""
    with open_regular(os.path.realpath(path.parent) + os.sep + path.name, follow_links=follow_links) as fh:
        data = fh.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise OSError(0, f"larger than {MAX_FILE >> 20} MiB")
    return data


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


def report_files(report_html: Path) -> list[Path]:
    """The page, every file of its data folder, and its PDF: what is shared with it."""
    from .write import data_dir_name, pdf_path

    files = [report_html]
    data_dir = report_html.parent / data_dir_name(report_html.name)
    if data_dir.is_dir() and not data_dir.is_symlink():
        files += list(_data_files(data_dir))
    pdf = pdf_path(report_html)
    if os.path.lexists(pdf):
        files.append(pdf)
    return files


def wanted(run_dir: Path, config: Any = None, extra_plugins: dict[str, object] | None = None) -> Wanted:
    """What ``run_dir`` holds that a report must not show, read as a run reads it
    (the same plugins and configuration)."""
    from .runner import Run, RunOptions

    with tempfile.TemporaryDirectory() as out:
        run = Run(RunOptions(run_dir=Path(run_dir), outdir=Path(out), config=config, data_dir=False),
                  extra_plugins=extra_plugins)
        run.configure()
        return _wanted(run, Path(run_dir))


def identifiers(run_dir: Path, config: Any = None, extra_plugins: dict[str, object] | None = None
                ) -> dict[str, set[str]]:
    """What identifies people in ``run_dir``: ``{kind: values}``."""
    return wanted(Path(run_dir), config, extra_plugins).values


def _items(path: Path, report_html: Path) -> Iterator[Item]:
    data = _read(path, follow_links=path == report_html)
    if path == report_html:
        yield from markup(data.decode("utf-8", errors="replace"), "")
    elif path.suffix.lower() == ".pdf":
        yield from payload(data, "", "application/pdf")
    else:
        yield from file_items(path.name, data, "")


def search(report_html: Path, found: dict[str, set[str]], patterns: bool = True) -> list[Hit]:
    """Every place in the report, its data folder and its PDF where one of ``found``
    appears, and (``patterns``) every identifier shape; parts that cannot be read
    are Hits of kind :data:`UNREAD`."""
    check_report(report_html)
    matcher = Matcher((kind, value) for kind, values in found.items() for value in values)
    hits: dict[tuple[str, str, str, str], Hit] = {}
    for path in report_files(report_html):
        where = display_name(str(path.relative_to(report_html.parent)))
        try:
            for item in _items(path, report_html):
                for hit in _hits(item, where, matcher, patterns):
                    hits.setdefault((hit.where, hit.context, hit.kind, hit.value.casefold()), hit)
        except OSError as exc:
            hits.setdefault((where, "", UNREAD, ""), Hit(where, UNREAD, _reason(exc)))
        except (MemoryError, RecursionError) as exc:
            hits.setdefault((where, "", UNREAD, ""), Hit(where, UNREAD, f"too large to search ({type(exc).__name__})"))
        except Exception as exc:  # a library's own error on hostile bytes: that file is not vouched for
            hits.setdefault((where, "", UNREAD, ""), Hit(where, UNREAD, f"cannot be read ({type(exc).__name__})"))
    return list(hits.values())


def _hits(item: Item, where: str, matcher: Matcher, patterns: bool) -> Iterable[Hit]:
    if isinstance(item, Unread):
        return [Hit(where, UNREAD, item.reason, item.where)]
    context = _place(item)
    # A date is named as the report spells it: its spellings are the audit's, not the input's.
    out = [Hit(where, n.kind, matched if n.kind == "date" else n.value, context)
           for n, matched in matcher.find(item.text)]
    if patterns:
        out += [Hit(where, kind, text, context) for kind, text in shapes(item.text, item.field, item.number, item.row)]
    return out


def _place(item: Piece) -> str:
    # A data file's line number would make one finding per row of a column.
    where = item.where
    if where.startswith("line ") and ", " in where:
        where = where.split(", ", 1)[1]
    return where


@dataclass
class Audit:
    hits: list[Hit]
    looked_for: dict[str, int]
    inputs_unread: list[Unread]

    @property
    def findings(self) -> list[Hit]:
        return [h for h in self.hits if h.kind != UNREAD]

    @property
    def unread(self) -> list[Hit]:
        return [h for h in self.hits if h.kind == UNREAD]


def audit(report_html: Path, run_dir: Path, config: Any = None,
          extra_plugins: dict[str, object] | None = None) -> Audit:
    """The audit of a report against the run directory it was made from."""
    check_report(report_html)
    looked = wanted(Path(run_dir), config, extra_plugins)
    hits = search(report_html, looked.values)
    return Audit(hits, {k: len(v) for k, v in looked.values.items()}, looked.unread)
