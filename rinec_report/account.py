"""An account of every input: the rows read, used and dropped, and the role of every column.

A reader states what it did with a file through the functions of this module, from
``rinec_parse`` (in whichever process parses the file) or later, from
``rinec_datasets`` and ``rinec_sections``, naming the file. The core keeps one
:class:`Ledger` for the hook it is calling (:func:`recording`) and gathers the
accounts into the run information, one row per input file. Outside a recording the
functions do nothing, so a reader can be called from a test or a notebook as it is.

Every plugin reports through these functions, built-in ones and third-party ones alike:
nothing is dropped silently when every row and column a reader does not use is counted
here with its reason.

A column that looks like a field the reader knows but that it does not use (a second
follow-up date, a status without its time) is stated as ``ignored`` with a reason that
starts with ``looks like`` (:data:`LOOKS_LIKE`; :func:`look_alike` writes one): the core
warns of each such column once, naming it, whatever the number of files that hold it.
The reason completes the sentence "column 'X' ...", so it reads as the warning:
``looks like the follow-up date, but only the first such column is read``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

# The roles of a column; "ignored" always carries a reason.
ROLES = ("field", "extra", "ignored")
# An ignored column whose reason starts with this is warned of (see the module's text).
LOOKS_LIKE = "looks like"


@dataclass(frozen=True)
class ColumnUse:
    """What a reader made of one column: a ``field`` it recognised (``as_field`` names
    it), an ``extra`` column shown as it is, or ``ignored`` (``reason`` says why)."""

    role: str
    as_field: str | None = None
    reason: str | None = None

    @property
    def look_alike(self) -> bool:
        """An ignored column that resembles a known field: the core warns of it."""
        return self.role == "ignored" and (self.reason or "").lower().startswith(LOOKS_LIKE)


@dataclass
class FileAccount:
    """One input file's account. ``file`` is the file's path relative to the run directory
    (``FoundFile.relpath``); counts that nobody stated are ``None``, not zero."""

    file: str
    rows_read: int | None = None
    rows_used: int | None = None
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> rows
    columns: dict[str, ColumnUse] = field(default_factory=dict)  # column header -> its use
    unit: str = "rows"  # what a row is here: rows, records, patients, samples, images
    restored: dict[str, int] = field(default_factory=dict)  # reason -> rows a later hook took back

    def merge(self, other: FileAccount) -> None:
        """Add what another recording stated about the same file (a later hook's drops)."""
        if other.rows_read is not None:
            self.rows_read = other.rows_read
        if other.rows_used is not None:
            self.rows_used = other.rows_used
        for reason, n in other.dropped.items():
            self.dropped[reason] = self.dropped.get(reason, 0) + n
        for reason, n in other.restored.items():
            left = self.dropped.get(reason, 0) - n
            if left > 0:
                self.dropped[reason] = left
            else:
                self.dropped.pop(reason, None)
        self.columns.update(other.columns)
        if other.unit != "rows":
            self.unit = other.unit


@dataclass
class Ledger:
    """The accounts stated during one recording, by file."""

    default_file: str | None = None
    files: dict[str, FileAccount] = field(default_factory=dict)

    def of(self, file: str | None) -> FileAccount | None:
        name = file if file is not None else self.default_file
        if name is None:
            return None  # a statement about no file in particular: nowhere to keep it
        if name not in self.files:
            self.files[name] = FileAccount(name)
        return self.files[name]


_LEDGER: ContextVar[Ledger | None] = ContextVar("rinec_report_ledger", default=None)


@contextmanager
def recording(default_file: str | None = None) -> Iterator[Ledger]:
    """Collect what readers state while the block runs (the core's side)."""
    ledger = Ledger(default_file)
    token = _LEDGER.set(ledger)
    try:
        yield ledger
    finally:
        _LEDGER.reset(token)


def _account(file: str | None) -> FileAccount | None:
    ledger = _LEDGER.get()
    return ledger.of(file) if ledger is not None else None


def rows(read: int | None = None, used: int | None = None, *, unit: str | None = None,
         file: str | None = None) -> None:
    """State how many rows of a file were read and used (``file``: the file's relpath;
    by default the file being parsed)."""
    account = _account(file)
    if account is None:
        return
    if read is not None:
        account.rows_read = int(read)
    if used is not None:
        account.rows_used = int(used)
    if unit:
        account.unit = unit


def dropped(reason: str, count: int = 1, *, file: str | None = None) -> None:
    """State that ``count`` rows were not used, and why (one short reason, no values:
    the account is shown in de-identified reports too)."""
    account = _account(file)
    if account is None or count <= 0:
        return
    account.dropped[reason] = account.dropped.get(reason, 0) + int(count)


def restore(reason: str, count: int = 1, *, file: str | None = None) -> None:
    """Take back ``count`` rows that an earlier statement dropped for ``reason``: a later
    hook used them after all (an image outside ``images/`` that a sidecar names). The
    earlier statement may be another hook's, in another process: it is taken back when
    the core merges the accounts."""
    account = _account(file)
    if account is None or count <= 0:
        return
    account.restored[reason] = account.restored.get(reason, 0) + int(count)


def column(name: str, role: str, as_field: str | None = None, reason: str | None = None, *,
           file: str | None = None) -> None:
    """State what became of one column: ``field`` (recognised as ``as_field``), ``extra``
    or ``ignored`` (with its ``reason``)."""
    if role not in ROLES:
        raise ValueError(f"a column's role is one of {', '.join(ROLES)}, not {role!r}")
    if role == "ignored" and not reason:
        raise ValueError("an ignored column needs its reason")
    account = _account(file)
    if account is not None:
        account.columns[str(name)] = ColumnUse(role, as_field, reason)


def look_alike(name: str, like: str, why: str, *, file: str | None = None) -> None:
    """State that column ``name`` looks like the field ``like`` but is not used, and
    ``why`` (``look_alike("os_date_2", "the follow-up date", "only the first is read")``):
    the core warns of it once."""
    column(name, "ignored", reason=f"{LOOKS_LIKE} {like}, but {why}", file=file)


__all__ = ["LOOKS_LIKE", "ColumnUse", "FileAccount", "Ledger", "column", "dropped", "look_alike", "recording",
           "restore", "rows"]
