"""Writing the outputs so that nothing is ever half-written, nor half-published.

The page and the data folder are published together, under a lock:

1. Every writer of an output folder holds ``.rinec_report.lock`` (``flock``) while
   it writes; a second run on the same folder waits, then fails with a clear
   message.
2. The new data folder and page are written beside their destinations under
   names ending ``.rinec-new``. The data folder's ``manifest.json`` names the
   page and its sha256, so that a page and a data folder can be checked against
   each other.
3. A journal, ``.rinec_report.commit``, is written (atomically) naming both: from
   then on the new report is committed.
4. The old data folder is moved aside, the new one and the new page are renamed
   into place, and the journal and the old folder are removed.

A run killed before step 3 leaves the previous report as it was (its
temporaries are removed by the next run); killed after it, the next run (or
:func:`recover`) completes the publication before doing anything else.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import describe

if TYPE_CHECKING:
    from .results import Report

LOCK_NAME = ".rinec_report.lock"
JOURNAL_NAME = ".rinec_report.commit"
NEW = ".rinec-new"
OLD = ".rinec-old"
LOCK_TIMEOUT_S = 120.0


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
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as exc:
            raise OutputError(f"cannot write to the output folder {outdir}: {exc.strerror or exc}") from None
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
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
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


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _read_journal(outdir: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((outdir / JOURNAL_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("html"), str):
        return None
    for key in ("html", "data"):
        value = doc.get(key)
        if value is not None:
            try:
                check_filename(value)
            except OutputError:
                return None
    return doc


def _roll_forward(outdir: Path, journal: dict[str, Any]) -> None:
    """Move a committed report's files into place; safe to repeat after a kill."""
    data = journal.get("data")
    if data:
        staged, target, aside = outdir / f".{data}{NEW}", outdir / data, outdir / f".{data}{OLD}"
        if staged.is_dir():
            if target.exists() or target.is_symlink():
                if aside.exists():
                    _remove(aside)
                os.replace(target, aside)
            os.replace(staged, target)
    html = journal["html"]
    staged_html = outdir / f".{html}{NEW}"
    if staged_html.is_file():
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
            or (name.startswith(".rinec_report_data.") and (outdir / name).is_dir())
            or (name.startswith(".") and name.endswith(".tmp") and (".html." in name or ".identity-map." in name))
            or name.startswith(".rinec_report.probe.")
            or name.startswith(f"{JOURNAL_NAME}.")
        )
        if stale and name.startswith("."):
            _remove(outdir / name)


def recover(outdir: Path) -> None:
    """Finish a committed publication a killed run left, then remove stale
    temporaries. The caller holds the output lock."""
    if (outdir / JOURNAL_NAME).exists():
        journal = _read_journal(outdir)
        if journal is not None:
            _roll_forward(outdir, journal)
        else:
            (outdir / JOURNAL_NAME).unlink(missing_ok=True)
    _clean_temporaries(outdir)


def _write_json_atomically(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    """One table in the data folder. Text cells of TSV and CSV files that a spreadsheet
    would run as formulas are neutralised unless ``keep_formulas`` (config key
    ``keep_formulas: true``); JSON and Parquet keep every value as it is."""
    if data_format in ("tsv", "csv"):
        from .delimited import write_delimited

        # On whole columns, the same bytes as pandas' to_csv below, many times faster.
        if write_delimited(frame, path, "\t" if data_format == "tsv" else ",",
                           neutralise=not keep_formulas):
            return
    if data_format in ("tsv", "csv") and not keep_formulas:
        frame = frame.copy()
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = _neutralised(frame[column])
    if data_format == "tsv":
        frame.to_csv(path, sep="\t", index=False, lineterminator="\n")
    elif data_format == "csv":
        frame.to_csv(path, index=False, lineterminator="\n")
    elif data_format == "json":
        frame.to_json(path, orient="records", indent=1, date_format="iso", default_handler=str)
    elif data_format == "parquet":
        # Mixed-type object columns (a plugin's free-text cells) are written as text.
        safe = frame.copy()
        for column in safe.columns:
            if safe[column].dtype == object:
                safe[column] = safe[column].map(lambda v: None if v is None else str(v))
        safe.to_parquet(path, index=False)
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
        "title": report.run.title,
        "exit_status": report.exit_status,
        "data_format": data_format,
        "inputs": describe.inputs(report),
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
        (staging / LOG_NAME).write_text("".join(f"{line}\n" for line in report.log_lines), encoding="utf-8")
    (staging / "manifest.json").write_text(
        json.dumps(manifest(report, data_format, html_sha256), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    os.chmod(staging, 0o755)


def _write_html(path: Path, text: str) -> str:
    data = text.encode("utf-8")
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, 0o644)
    return hashlib.sha256(data).hexdigest()


LOG_NAME = "rinec_report.log"


def identity_map_path(html_path: Path) -> Path:
    """Where a de-identified report's table of pseudonyms goes: beside the page, outside the
    data folder, with a name that says not to share it."""
    return html_path.with_name(f"{html_path.stem}.identity-map.DO-NOT-SHARE.tsv")


def write_identity_map(report: Report) -> None:
    import pandas as pd

    assert report.html_path is not None and report.identity_map is not None
    frame = pd.DataFrame(report.identity_map, columns=["kind", "original", "pseudonym"])
    atomic_write_text(identity_map_path(report.html_path), frame.to_csv(sep="\t", index=False, lineterminator="\n"))


def write_outputs(report: Report, data_format: str) -> None:
    """Render the page and publish it with its data folder (see the module's docstring)."""
    from .render import render_html

    html = render_html(report)
    assert report.html_path is not None
    outdir = report.html_path.parent
    html_name = report.html_path.name
    data_name = report.data_dir.name if report.data_dir is not None else None
    with output_lock(outdir):
        recover(outdir)
        staged_html = outdir / f".{html_name}{NEW}"
        staged_data = outdir / f".{data_name}{NEW}" if data_name else None
        try:
            digest = _write_html(staged_html, html)
            if staged_data is not None:
                _write_data_dir(report, data_format, staged_data, digest)
            _write_json_atomically(outdir / JOURNAL_NAME, {"html": html_name, "data": data_name})
        except OSError as exc:
            _clean_temporaries(outdir)
            raise OutputError(f"cannot write the report in {outdir}: {exc.strerror or exc}") from None
        except BaseException:
            _clean_temporaries(outdir)
            raise
        # Committed: from here on a kill is completed by the next run's recover().
        _roll_forward(outdir, {"html": html_name, "data": data_name})
        if report.identity_map is not None:
            write_identity_map(report)
        _clean_temporaries(outdir)
