"""The run's account of every input: what each reader stated (rinec_report.account),
gathered from every process and hook, merged by file, and described once for the run
information, the data folder's table and the manifest.

The parse stage records in whichever process parses a file (the accounts travel back
with its :class:`~rinec_report.parse.ParseOutcome`); the later hooks record in this
process. A file whose reader stated nothing is "not stated": no count is made up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from . import account
from .account import FileAccount
from .results import Message
from .shown import shown_of

if TYPE_CHECKING:
    from .parse import ParseOutcome
    from .results import InputRecord, Report

NOT_STATED = "not stated"
COMPLETE = "complete"
PARTIAL = "partial"
# The page embeds this many rows of the account (those that lost something first);
# the data folder's table and the manifest hold every file.
PAGE_ROWS = 100
# Column names shown per group in a cell of the page's table; the manifest lists them all.
NAMES_PER_CELL = 12
# Files named in one look-alike warning.
FILES_PER_WARNING = 3

TABLE_COLUMNS = ("file", "plugin", "account", "unit", "read", "used", "dropped", "dropped_by_reason",
                 "fields", "extra_columns", "ignored_columns")


class Accounts:
    """Every statement of a run, by file, with the plugin that made it."""

    def __init__(self) -> None:
        self.files: dict[str, FileAccount] = {}
        self.plugins: dict[str, str] = {}  # file -> the plugin that first stated it

    def add(self, plugin: str, accounts: Iterable[FileAccount]) -> None:
        for stated in accounts:
            mine = self.files.get(stated.file)
            if mine is None:
                self.files[stated.file] = mine = FileAccount(stated.file)
                self.plugins[stated.file] = plugin
            mine.merge(stated)

    def add_outcome(self, outcome: ParseOutcome) -> None:
        self.add(outcome.file.plugin, outcome.accounts)

    @contextmanager
    def recording(self, plugin: str) -> Iterator[None]:
        """Collect what ``plugin`` states while a hook of it runs (no default file:
        a statement names its file)."""
        with account.recording() as ledger:
            try:
                yield
            finally:
                self.add(plugin, ledger.files.values())

    def look_alikes(self) -> list[Message]:
        """One warning per column that looks like a known field and is not used, however
        many files hold it (the same plugin, name and reason)."""
        found: dict[tuple[str, str, str], list[str]] = {}
        for name, stated in self.files.items():
            for column, use in stated.columns.items():
                if use.look_alike:
                    found.setdefault((self.plugins[name], column, use.reason or ""), []).append(name)
        messages = []
        for (plugin, column, reason), files in found.items():
            text = f"column {column!r} {reason}"
            if len(files) == 1:
                messages.append(Message("warning", plugin, text, files[0]))
                continue
            shown = ", ".join(files[:FILES_PER_WARNING]) + (" ..." if len(files) > FILES_PER_WARNING else "")
            messages.append(Message("warning", plugin, f"{text} (in {len(files):,} files: {shown})"))
        return messages

    def records(self, inputs: list[InputRecord], deidentified: bool = False) -> list[dict[str, Any]]:
        """One record per input file (then any other file a reader stated about), in
        input order: the manifest's ``account`` and the run information's table."""
        out = []
        listed = set()
        for record in inputs:
            relpath = record.file.relpath
            listed.add(relpath)
            shown = f"input-{record.sha256[:12]}" if deidentified else relpath
            out.append(_record(shown, record.file.plugin, record.status, self.files.get(relpath), deidentified))
        for name, stated in self.files.items():
            if name not in listed:  # a file named in the configuration, read by a later hook
                shown = "a file named in the configuration" if deidentified else name
                out.append(_record(shown, self.plugins[name], "read by a hook", stated, deidentified))
        return out


def _record(file: str, plugin: str, status: str, stated: FileAccount | None, deidentified: bool) -> dict[str, Any]:
    empty = stated is None or (stated.rows_read is None and stated.rows_used is None and not stated.dropped
                               and not stated.columns)
    record: dict[str, Any] = {"file": file, "plugin": plugin, "status": status}
    if empty:
        return {**record, "account": NOT_STATED, "unit": None, "read": None, "used": None, "dropped": None,
                "dropped_by_reason": {}, "columns": {}, "look_alikes": 0}
    assert stated is not None
    dropped = sum(stated.dropped.values())
    columns = {name: {"role": use.role, "as_field": use.as_field, "reason": use.reason}
               for name, use in stated.columns.items()}
    if deidentified:  # a header may name anything: only the count of each role is shown
        columns = {}
    return {
        **record,
        "account": _completeness(stated, dropped),
        "unit": stated.unit,
        "read": stated.rows_read,
        "used": stated.rows_used,
        "dropped": dropped,
        "dropped_by_reason": dict(sorted(stated.dropped.items(), key=lambda kv: (-kv[1], kv[0]))),
        "columns": columns,
        "column_roles": {role: sum(1 for u in stated.columns.values() if u.role == role) for role in account.ROLES},
        "look_alikes": sum(1 for u in stated.columns.values() if u.look_alike),
    }


def _completeness(stated: FileAccount, dropped: int) -> str:
    """``complete`` when read = used + dropped; else what is missing, in words."""
    if stated.rows_read is None or stated.rows_used is None:
        return PARTIAL if stated.rows_read is not None or stated.rows_used is not None or dropped else COMPLETE
    gap = stated.rows_read - stated.rows_used - dropped
    if gap == 0:
        return COMPLETE
    if gap > 0:
        return f"{gap:,} {stated.unit} not accounted for"
    return f"{-gap:,} {stated.unit} more used and dropped than read"


def lost_something(record: dict[str, Any]) -> bool:
    """Whether a file's account says that something of it was not used: rows dropped,
    a look-alike column left out, or counts that do not add up."""
    return bool(record.get("dropped")) or bool(record.get("look_alikes")) or \
        record["account"] not in (COMPLETE, NOT_STATED, PARTIAL)


def flagged(report: Report) -> int:
    """The number of input files that lost something (the top of the page says so)."""
    return sum(1 for r in report.accounts if lost_something(r))


def table(records: list[dict[str, Any]]) -> Any:
    """The run information's table: one row per file, those that lost something first."""
    import pandas as pd

    order = sorted(range(len(records)), key=lambda i: (not lost_something(records[i]),
                                                       records[i]["account"] == COMPLETE, i))
    rows = [_row(records[i]) for i in order]
    frame = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for column in ("read", "used", "dropped"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _row(record: dict[str, Any]) -> dict[str, Any]:
    reasons = "; ".join(f"{n:,} {reason}" for reason, n in record["dropped_by_reason"].items())
    columns = record["columns"]
    fields = [f"{name} as {use['as_field']}" if use.get("as_field") and use["as_field"] != name else name
              for name, use in columns.items() if use["role"] == "field"]
    extra = [name for name, use in columns.items() if use["role"] == "extra"]
    ignored: dict[str, list[str]] = {}
    for name, use in columns.items():
        if use["role"] == "ignored":
            ignored.setdefault(use["reason"] or "", []).append(name)
    roles = record.get("column_roles") or {}
    if not columns and any(roles.values()):  # de-identified: counts only
        fields_text, extra_text = _count(roles.get("field", 0)), _count(roles.get("extra", 0))
        ignored_text = _count(roles.get("ignored", 0))
    else:
        fields_text, extra_text = _names(fields), _names(extra)
        ignored_text = "; ".join(f"{_names(names)} ({reason})" for reason, names in ignored.items())
    return {
        "file": record["file"],
        "plugin": record["plugin"],
        "account": record["account"] if record["status"] != "error" else f"{record['account']} (the file failed)",
        "unit": record["unit"] or "",
        "read": record["read"],
        "used": record["used"],
        "dropped": record["dropped"],
        "dropped_by_reason": reasons,
        "fields": fields_text,
        "extra_columns": extra_text,
        "ignored_columns": ignored_text,
    }


def _names(names: list[str]) -> str:
    if len(names) <= NAMES_PER_CELL:
        return ", ".join(names)
    return ", ".join(names[:NAMES_PER_CELL]) + f" ({shown_of(NAMES_PER_CELL, len(names))}: the manifest lists them)"


def _count(n: int) -> str:
    return f"{n:,} column{'s' if n != 1 else ''}" if n else ""


def summary_text(report: Report) -> str:
    """The sentence above the account's table."""
    records = report.accounts
    lost = sum(1 for r in records if lost_something(r))
    silent = sum(1 for r in records if r["account"] == NOT_STATED)
    parts = [f"{len(records):,} input file{'s' if len(records) != 1 else ''}"]
    parts.append(f"{lost:,} dropped rows or columns" if lost else "none dropped rows or columns")
    if silent:
        parts.append(f"{silent:,} whose reader stated nothing (not stated: no count is shown for "
                     f"{'it' if silent == 1 else 'them'})")
    text = "; ".join(parts) + "."
    totals = _totals(records)
    if totals:
        text += " Dropped in all: " + "; ".join(totals) + "."
    if len(records) > PAGE_ROWS:
        text += (f" The page lists {PAGE_ROWS:,} of {len(records):,}, those that dropped something first; "
                 "every file is in the data folder's report_account table and in manifest.json.")
    return text


def _unit(unit: str, n: int) -> str:
    return unit[:-1] if n == 1 and unit.endswith("s") else unit


def _totals(records: list[dict[str, Any]], shown: int = 8) -> list[str]:
    """Each plugin's drops summed over its files, by reason, largest first: a run of a
    thousand files reads in one line what its table spreads over many rows."""
    sums: dict[tuple[str, str, str], list[int]] = {}
    for r in records:
        for reason, n in r["dropped_by_reason"].items():
            entry = sums.setdefault((r["plugin"], r["unit"] or "rows", reason), [0, 0])
            entry[0] += n
            entry[1] += 1
    ranked = sorted(sums.items(), key=lambda kv: (-kv[1][0], kv[0]))
    out = [f"{plugin}: {reason}, {n:,} {_unit(unit, n)} ({files:,} file{'s' if files != 1 else ''})"
           for (plugin, unit, reason), (n, files) in ranked[:shown]]
    if len(ranked) > shown:
        out.append(f"and {len(ranked) - shown:,} other reasons")
    return out


__all__ = ["Accounts", "flagged", "lost_something", "summary_text", "table"]
