"""Writing the outputs so that nothing is ever half-written, nor half-published.

The page, its data folder and (for a de-identified report) its identity map are
published together, under a lock:

1. Every writer of an output folder holds ``.rinec_report.lock`` (``flock``) while
   it writes; a second run on the same folder waits, then fails with a clear
   message.
2. The new data folder, page and identity map are written beside their
   destinations under names ending ``.rinec-new``. The data folder's
   ``manifest.json`` names the page and its sha256, so that a page and a data
   folder can be checked against each other.
3. The folder's list of outputs (``.rinec_report.outputs.json``) gains the new
   names: the scanner never reads a file it lists, whatever it is named.
4. A journal, ``.rinec_report.commit``, is written (atomically) naming them all:
   from then on the new report is committed.
5. The identity map, then the data folder (the old one moved aside), then the page
   are renamed into place (a de-identified page is never in place without its
   map); a stale data folder of ours is removed when the report has none; the
   journal and the old folder are removed.

A run killed before step 4 leaves the previous report as it was (its
temporaries are removed by the next run); killed after it, the next run (or
:func:`recover`) completes the publication before doing anything else. A
journal that cannot be applied (unreadable, not ours, naming a folder where a
file is due) is set aside with a warning, never an error.

Every file of the output folder is opened without following a link and without
blocking, and checked on its descriptor: a FIFO or a link where the lock, the
journal or the page should be can neither hang a run nor send its bytes
elsewhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import describe
from .safeio import NotRegularFile, checked_regular, kind_of, open_regular, read_small

if TYPE_CHECKING:
    from .results import Report

log = logging.getLogger("rinec_report")

LOCK_NAME = ".rinec_report.lock"
JOURNAL_NAME = ".rinec_report.commit"
OUTPUTS_NAME = ".rinec_report.outputs.json"
STALE_JOURNAL = ".rinec_report.unusable-commit"
NEW = ".rinec-new"
OLD = ".rinec-old"
LOCK_TIMEOUT_S = 120.0
MAX_JOURNAL_BYTES = 1 << 16
MANIFEST_HEAD = re.compile(rb'^\s*\{\s*"rinec_report_version"\s*:')

_NEW_FILE = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK
             | getattr(os, "O_CLOEXEC", 0))
_LOCK_FILE = (os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK
              | getattr(os, "O_CLOEXEC", 0))


class OutputError(Exception):
    """The output folder cannot be written (a one-line message naming it)."""


def check_filename(name: str) -> None:
    """The report's file name must be a plain name inside the output folder."""
    if not name or not name.strip():
        raise OutputError("the report file name (-n) is empty")
    if "/" in name or "\\" in name or "\0" in name or name in (".", ".."):
        raise OutputError(f"the report file name (-n) must be a plain file name, not a path: {name!r}")
    if name.startswith("."):
        raise OutputError(f"the report file name (-n) must not start with a dot: {name!r}")
    if len(name.encode("utf-8", "surrogateescape")) > 200:
        raise OutputError("the report file name (-n) is longer than 200 bytes")


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _checked_regular(fd: int, path: Path) -> int:
    """``fd`` if it is a regular file, made blocking again; else closed, and an error naming ``path``."""
    try:
        return checked_regular(fd)
    except NotRegularFile as exc:
        raise OutputError(f"{path} is {exc}: move it away") from None


def create_regular(path: Path) -> BinaryIO:
    """A new file of the output folder, for writing: never an existing name, never
    through a link, never a FIFO (opened without blocking), checked on its descriptor."""
    fd = os.open(path, _NEW_FILE, 0o644)
    return os.fdopen(_checked_regular(fd, path), "wb")


def _entry_kind(path: Path) -> str | None:
    """What ``path`` itself is (links not followed): None when nothing is there."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    return "a file" if stat.S_ISREG(mode) else kind_of(mode)


def _open_lock(path: Path) -> int:
    try:
        fd = os.open(path, _LOCK_FILE, 0o644)
    except OSError as exc:
        kind = _entry_kind(path)
        if kind not in (None, "a file"):
            raise OutputError(f"{path} is {kind}, not a regular file: move it away") from None
        raise OutputError(f"cannot write to the output folder {path.parent}: {exc.strerror or exc}") from None
    return _checked_regular(fd, path)


@contextlib.contextmanager
def output_lock(outdir: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the output folder's lock; wait up to ``timeout`` seconds for it.

    The lock file is removed on release so that nothing is left beside the
    report; a waiter that then holds a removed file's lock sees that the path
    now names another file (or none) and tries again.
    """
    path = outdir / LOCK_NAME
    deadline = time.monotonic() + timeout
    while True:
        try:
            outdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot write to the output folder {outdir}: {exc.strerror or exc}") from None
        fd = _open_lock(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise OutputError(
                    f"another rinec-report run is writing to {outdir}; waited {timeout:g} s for it to finish"
                ) from None
            time.sleep(0.1)
            continue
        try:
            same = os.fstat(fd).st_ino == os.lstat(path).st_ino
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # closing releases the lock


def check_writable(outdir: Path) -> None:
    """Fail early (before any work) when the output folder cannot be written."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=outdir, prefix=".rinec_report.probe.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write to the output folder {outdir}: {exc.strerror or exc}") from None


def is_our_data_dir(path: Path) -> bool:
    """Whether ``path`` is a real folder (not a link) holding a manifest written by rinec-report."""
    if _entry_kind(path) != "a folder":
        return False
    try:
        with open_regular(os.path.realpath(path) + os.sep + "manifest.json") as fh:
            return bool(MANIFEST_HEAD.match(fh.read(256)))
    except OSError:
        return False


def check_destinations(outdir: Path, files: dict[str, str], data_dir: str) -> None:
    """Fail early (before any work) when a name the report will take is held by
    something it must not replace: a folder, a FIFO, a link or a device where a
    file (``files``: {what: name}) goes, or where the data folder goes anything but
    a data folder of an earlier report (``data_dir`` is checked whether or not the
    report has one: a stale folder of that name would be read as its data)."""
    for what, name in {**files, "lock": LOCK_NAME, "list of outputs": OUTPUTS_NAME}.items():
        kind = _entry_kind(outdir / name)
        if kind not in (None, "a file"):
            raise OutputError(f"{outdir / name} is {kind}, where the report's {what} goes: "
                              "move it away or choose another name (-n)")
    kind = _entry_kind(outdir / data_dir)
    if kind is not None and not is_our_data_dir(outdir / data_dir):
        raise OutputError(f"{outdir / data_dir} is {kind} that rinec-report did not write (no manifest.json "
                          "of a report), where the report's data folder goes: move it away or choose "
                          "another name (-n)")


def _remove(path: Path) -> None:
    if _entry_kind(path) == "a folder":
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _read_small(path: Path, limit: int) -> bytes:
    """A small file of the output folder, through the checked open (no link, no FIFO);
    the folder's own path is resolved first, as the user may reach it through a link."""
    return read_small(os.path.realpath(path.parent) + os.sep + path.name, limit)


_JOURNAL_KEYS = ("html", "data", "map", "drop")


def _read_journal(outdir: Path) -> tuple[dict[str, Any] | None, str]:
    """The journal, or None and why it cannot be applied."""
    try:
        doc = json.loads(_read_small(outdir / JOURNAL_NAME, MAX_JOURNAL_BYTES).decode("utf-8"))
    except OSError as exc:
        return None, f"unreadable: {exc.strerror or exc}"
    except (ValueError, RecursionError) as exc:
        return None, f"not a journal of rinec-report ({str(exc)[:80]})"
    if not isinstance(doc, dict) or not isinstance(doc.get("html"), str):
        return None, "not a journal of rinec-report"
    for key in _JOURNAL_KEYS:
        value = doc.get(key)
        if value is not None:
            try:
                if not isinstance(value, str):
                    raise OutputError(key)
                check_filename(value)
            except OutputError:
                return None, f"names an unusable {key} ({str(value)[:60]!r})"
    return doc, ""


def _unusable(outdir: Path, journal: dict[str, Any]) -> str:
    """Why the journal's renames cannot all be done, checked before any is: the
    staged files must be files and the staged folder a folder; nothing may stand
    where a file goes that a rename cannot replace (a folder)."""
    for key in ("html", "map"):
        name = journal.get(key)
        if not name:
            continue
        if _entry_kind(outdir / f".{name}{NEW}") not in (None, "a file"):
            return f"its staged {key} .{name}{NEW} is not a file"
        if _entry_kind(outdir / name) == "a folder":
            return f"it names {name}, a folder, where a file goes"
    for key in ("data", "drop"):
        name = journal.get(key)
        if name and _entry_kind(outdir / f".{name}{NEW}") not in (None, "a folder"):
            return f"its staged data folder .{name}{NEW} is not a folder"
        if key == "drop" and name and _entry_kind(outdir / name) not in (None, "a folder"):
            return f"it names {name} as a data folder to remove, and it is not one"
    return ""


def _roll_forward(outdir: Path, journal: dict[str, Any]) -> None:
    """Move a committed report's files into place; safe to repeat after a kill.
    The identity map goes before the page, so that a de-identified page is never
    in place without it."""
    mapname = journal.get("map")
    if mapname and _entry_kind(outdir / f".{mapname}{NEW}") == "a file":
        os.replace(outdir / f".{mapname}{NEW}", outdir / mapname)
    for data, staged in ((journal.get("data"), True), (journal.get("drop"), False)):
        if not data:
            continue
        target, aside = outdir / data, outdir / f".{data}{OLD}"
        new = outdir / f".{data}{NEW}"
        if staged and _entry_kind(new) != "a folder":
            continue
        if _entry_kind(target) is not None:
            if _entry_kind(aside) is not None:
                _remove(aside)
            os.replace(target, aside)
        if staged:
            os.replace(new, target)
    html = journal["html"]
    staged_html = outdir / f".{html}{NEW}"
    if _entry_kind(staged_html) == "a file":
        os.replace(staged_html, outdir / html)
    _fsync_dir(outdir)
    (outdir / JOURNAL_NAME).unlink(missing_ok=True)
    _fsync_dir(outdir)


def _clean_temporaries(outdir: Path) -> None:
    """Remove what killed runs left: our staged and set-aside names, and the
    temporaries of earlier versions (``.rinec_report_data.XXXX``, ``.*.tmp``)."""
    try:
        names = os.listdir(outdir)
    except OSError:
        return
    for name in names:
        stale = (
            name.endswith((NEW, OLD))
            or (name.startswith(".rinec_report_data.") and _entry_kind(outdir / name) == "a folder")
            or (name.startswith(".") and name.endswith(".tmp") and (".html." in name or ".identity-map." in name))
            or name.startswith(".rinec_report.probe.")
            or name.startswith((f"{JOURNAL_NAME}.", f"{OUTPUTS_NAME}."))
        )
        if stale and name.startswith("."):
            with contextlib.suppress(OSError):  # one we cannot remove does not stop the run
                _remove(outdir / name)


def _set_aside(outdir: Path, why: str) -> None:
    """A journal that cannot be applied: a file or a folder is kept under another
    name for a person to look at; anything else (a FIFO, a link) is only a name,
    removed. Never raises: a run goes on with the previous report in place."""
    path = outdir / JOURNAL_NAME
    kind = _entry_kind(path)
    try:
        if kind in ("a file", "a folder"):
            aside = outdir / f"{STALE_JOURNAL}.{time.strftime('%Y%m%d%H%M%S')}.{os.getpid()}"
            os.replace(path, aside)
            where = f"moved aside to {aside.name}"
        else:
            path.unlink()
            where = "removed"
    except OSError as exc:
        where = f"and could not be moved aside ({exc.strerror or exc})"
    log.warning("%s: a journal of an interrupted run that cannot be applied (%s), %s; the report "
                "in place was left as it was", path, why, where)


def recover(outdir: Path) -> None:
    """Finish a committed publication a killed run left, then remove stale
    temporaries. The caller holds the output lock. Never raises: a journal that
    cannot be applied is set aside with a warning."""
    if _entry_kind(outdir / JOURNAL_NAME) is not None:
        journal, why = _read_journal(outdir)
        if journal is not None:
            why = _unusable(outdir, journal)
        if not why:
            try:
                _roll_forward(outdir, journal)  # type: ignore[arg-type]
            except OSError as exc:
                why = f"cannot be completed: {exc.strerror or exc}"
        if why:
            _set_aside(outdir, why)
    _clean_temporaries(outdir)


def _write_json_atomically(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    with create_regular(tmp) as fh:
        fh.write(json.dumps(doc).encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def listed_outputs(folder: Path) -> list[str]:
    """The names a folder's list of outputs holds (none when it cannot be read)."""
    try:
        doc = json.loads(_read_small(folder / OUTPUTS_NAME, MAX_JOURNAL_BYTES * 16).decode("utf-8"))
    except (OSError, ValueError):
        return []
    files = doc.get("files") if isinstance(doc, dict) else None
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def _record_outputs(outdir: Path, names: list[str]) -> None:
    """Add ``names`` to the folder's list of outputs; names no longer there are dropped."""
    kept = [n for n in listed_outputs(outdir) if n not in names and _entry_kind(outdir / n) is not None]
    _write_json_atomically(outdir / OUTPUTS_NAME, {"rinec_report_outputs": 1, "files": [*kept, *names]})


# A text cell a spreadsheet would run as a formula (=HYPERLINK(...), @SUM(...),
# +cmd|...): it starts with = or @ (or a tab or carriage return), or with + or -
# followed by anything but a plain number or more signs (-0.5, +++, - stay as they are).
_FORMULA = re.compile(r"^[=@\t\r]|^[+\-](?![\d.eE%+\-/ ]*$)")


def _neutralised(column: Any) -> Any:
    """``neutralise`` over a column, called only on the cells that start with one of
    the formula characters (a million-row table is mostly plain text)."""
    try:
        first = column.str[:1]  # NaN for cells that are not text
    except AttributeError:  # no text at all in the column (numbers, lists...)
        return column.map(neutralise)
    suspect = first.isin(_FORMULA_STARTS).to_numpy()
    if not suspect.any():
        return column
    out = column.copy()
    out[suspect] = column[suspect].map(neutralise)
    return out


_FORMULA_STARTS = ("=", "@", "\t", "\r", "+", "-")


def neutralise(value: Any) -> Any:
    """A text cell that would be a spreadsheet formula, prefixed with an apostrophe
    (OWASP's advice on CSV injection); anything else unchanged."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def write_table(frame: Any, path: Path, data_format: str, keep_formulas: bool = False) -> None:
    """One table, in a new file at ``path``. Text cells of TSV and CSV files that a
    spreadsheet would run as formulas are neutralised unless ``keep_formulas`` (config
    key ``keep_formulas: true``), and every field holding a control character is
    quoted (:mod:`rinec_report.delimited`); JSON and Parquet keep every value as it is."""
    with create_regular(path) as fh:
        _write_table_to(frame, fh, data_format, keep_formulas)


def _write_table_to(frame: Any, fh: BinaryIO, data_format: str, keep_formulas: bool) -> None:
    import csv
    import io

    if data_format in ("tsv", "csv"):
        from .delimited import write_delimited

        sep = "\t" if data_format == "tsv" else ","
        if write_delimited(frame, fh, sep, neutralise=not keep_formulas):
            return
        # No columns, or several header rows: pandas writes it, every text field quoted.
        if not keep_formulas:
            frame = frame.copy()
            for column in range(frame.shape[1]):
                if frame.iloc[:, column].dtype == object:
                    frame.iloc[:, column] = _neutralised(frame.iloc[:, column])
        text = io.StringIO()
        frame.to_csv(text, sep=sep, index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        fh.write(text.getvalue().encode("utf-8"))
    elif data_format == "json":
        fh.write(frame.to_json(orient="records", indent=1, date_format="iso",
                               default_handler=str).encode("utf-8"))
    elif data_format == "parquet":
        # Mixed-type object columns (a plugin's free-text cells) are written as text.
        safe = frame.copy()
        for column in safe.columns:
            if safe[column].dtype == object:
                safe[column] = safe[column].map(lambda v: None if v is None else str(v))
        safe.to_parquet(fh, index=False)
    else:  # pragma: no cover - validated by the runner
        raise ValueError(data_format)


def manifest(report: Report, data_format: str, html_sha256: str | None = None) -> dict[str, Any]:
    return {
        "rinec_report_version": report.run.version,
        "report_file": report.html_path.name if report.html_path is not None else None,
        "report_sha256": html_sha256,
        "created": report.run.timestamp,
        "run_dir": report.run.run_dir or None,
        "deidentified": report.deidentified,
        "subset": report.subset,
        "title": report.run.title,
        "exit_status": report.exit_status,
        "data_format": data_format,
        "inputs": describe.inputs(report),
        "account": report.accounts,
        "plugins": describe.plugins(report),
        "tables": [
            {
                "name": name,
                "file": f"{name}.{data_format}",
                "rows": len(frame),
                "columns": [str(c) for c in frame.columns],
            }
            for name, frame in sorted(report.tables.items())
        ],
        "warnings": [m.line() for m in report.warnings],
        "errors": [m.line() for m in report.errors],
    }


def _write_data_dir(report: Report, data_format: str, staging: Path, html_sha256: str) -> None:
    staging.mkdir()
    for name, frame in sorted(report.tables.items()):
        write_table(frame, staging / f"{name}.{data_format}", data_format,
                    keep_formulas=bool(report.config.get("keep_formulas", False)))
    if report.log_lines:
        with create_regular(staging / LOG_NAME) as fh:
            fh.write("".join(f"{line}\n" for line in report.log_lines).encode("utf-8"))
    with create_regular(staging / "manifest.json") as fh:
        text = json.dumps(manifest(report, data_format, html_sha256), indent=2, ensure_ascii=False) + "\n"
        fh.write(text.encode("utf-8"))
    os.chmod(staging, 0o755)


def _write_html(path: Path, text: str, payloads: dict[str, Any] | None = None) -> str:
    """Write the page; each ``Html`` payload's placeholder is replaced by its pieces, streamed."""
    payloads = payloads or {}
    parts = re.split("(" + "|".join(map(re.escape, payloads)) + ")", text) if payloads else [text]
    digest = hashlib.sha256()
    with create_regular(path) as fh:
        for part in parts:
            for piece in payloads[part]() if part in payloads else (part,):
                data = piece.encode("utf-8")
                digest.update(data)
                fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, 0o644)
    return digest.hexdigest()


LOG_NAME = "rinec_report.log"
# An identity map is ours by its name alone (the scanner never reads one), so that
# one written before folders listed their outputs, or moved, is never an input.
IDENTITY_MAP_SUFFIX = ".identity-map.DO-NOT-SHARE.tsv"


def data_dir_name(filename: str) -> str:
    """``rinec_report.html`` -> ``rinec_report_data``: the data folder of a page."""
    return f"{Path(filename).stem}_data"


def identity_map_path(html_path: Path) -> Path:
    """Where a de-identified report's table of pseudonyms goes: beside the page, outside the
    data folder, with a name that says not to share it."""
    return html_path.with_name(f"{html_path.stem}{IDENTITY_MAP_SUFFIX}")


def pdf_path(html_path: Path) -> Path:
    """Where ``--pdf`` prints the page."""
    return html_path.with_suffix(".pdf")


def write_identity_map(report: Report, path: Path) -> None:
    """The table of pseudonyms, by the export's one writer (formulas neutralised as in
    the data folder's tables, control characters quoted)."""
    import pandas as pd

    assert report.identity_map is not None
    frame = pd.DataFrame(report.identity_map, columns=["kind", "original", "pseudonym"])
    write_table(frame, path, "tsv", keep_formulas=bool(report.config.get("keep_formulas", False)))
    os.chmod(path, 0o600)


def write_outputs(report: Report, data_format: str) -> None:
    """Render the page and publish it with its data folder and identity map (see the
    module's docstring)."""
    from .render import render_html

    html = render_html(report)
    assert report.html_path is not None
    outdir = report.html_path.parent
    html_name = report.html_path.name
    data_name = report.data_dir.name if report.data_dir is not None else None
    map_name = identity_map_path(report.html_path).name if report.identity_map is not None else None
    with output_lock(outdir):
        recover(outdir)
        # With no data folder, one of ours by the same name would be read as this page's data.
        stale = data_dir_name(html_name)
        drop = stale if data_name is None and is_our_data_dir(outdir / stale) else None
        journal = {"html": html_name, "data": data_name, "map": map_name, "drop": drop}
        try:
            payloads = {k: v for _, sec in report.sections for b in sec.blocks
                        for k, v in getattr(b, "payloads", {}).items()}
            digest = _write_html(outdir / f".{html_name}{NEW}", html, payloads)
            if data_name is not None:
                _write_data_dir(report, data_format, outdir / f".{data_name}{NEW}", digest)
            if map_name is not None:
                write_identity_map(report, outdir / f".{map_name}{NEW}")
            _record_outputs(outdir, [n for n in (html_name, data_name, map_name,
                                                 pdf_path(report.html_path).name) if n])
            _write_json_atomically(outdir / JOURNAL_NAME, journal)
        except (OSError, OutputError) as exc:
            _clean_temporaries(outdir)
            reason = exc.strerror or exc if isinstance(exc, OSError) else exc
            where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
            raise OutputError(f"cannot write the report in {outdir}: {reason}{where}") from None
        except BaseException:
            _clean_temporaries(outdir)
            raise
        # Committed: from here on a kill is completed by the next run's recover().
        try:
            _roll_forward(outdir, journal)
        except OSError as exc:
            raise OutputError(f"cannot publish the report in {outdir}: {exc.strerror or exc}; the next "
                              "run completes it") from None
        _clean_temporaries(outdir)
