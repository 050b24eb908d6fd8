"""Parsing as a map over files: (plugin module, file, options) -> outcome.

Each task and each outcome is plain picklable data, and a worker needs nothing
but the task to do its work (it imports the plugin module by name), so the map
runs the same in this process, on a local process pool, or on a distributed
engine that can map a function over a list.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import importlib
import logging
import multiprocessing
import os
import re
import sys
import tempfile
import traceback
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from .model import FoundFile, InputError, InputWarning
from .safeio import open_regular


@dataclass(frozen=True)
class ParseTask:
    module: str | None  # None: the plugin is not an importable module; parse in-process
    file: FoundFile
    options: dict[str, Any]


@dataclass
class ParseOutcome:
    file: FoundFile
    sha256: str = ""
    data: Any = None
    error: str | None = None  # one line, for users
    traceback: str | None = None  # for the log, when the error was not an InputError
    warnings: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)  # what C libraries printed (identifiers: for -v only)


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def _module_caller(module: str) -> Any:
    """A hook caller for one plugin module, built once per worker process."""
    from .plugins import new_manager

    pm = new_manager()
    pm.register(importlib.import_module(module), name=module)
    return pm.hook.rinec_parse


def guarded(fn: Callable[[], Any]) -> tuple[Any, str | None, str | None, list[str]]:
    """Run ``fn`` and capture its result, error and warnings.

    Returns ``(result, error, traceback, warnings)``. An :class:`InputError`
    becomes its message; any other exception a one-line summary plus the
    traceback for the log.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn()
            error = tb = None
        except InputError as exc:
            result, error, tb = None, _first_line(str(exc)) or "bad input", None
        except INPUT_FAILURES as exc:
            # What a reader raises on a broken file is a finding about the input, not a bug.
            result, error, tb = None, input_failure(exc), None
        except Exception as exc:
            result = None
            detail = _first_line(str(exc))
            error = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
            tb = traceback.format_exc()
    seen: list[str] = []
    for w in caught:
        if not issubclass(w.category, InputWarning):
            # Libraries' own warnings (openpyxl styles, pandas dtypes) are not findings about the input.
            logging.getLogger("rinec_report").debug("%s: %s", w.category.__name__, w.message)
            continue
        message = str(w.message)
        if message not in seen:
            seen.append(message)
    return result, error, tb, seen


def _pandas_errors() -> tuple[type[BaseException], ...]:
    try:
        from pandas.errors import EmptyDataError, ParserError
    except ImportError:  # pragma: no cover - pandas is a dependency
        return ()
    return (EmptyDataError, ParserError)


INPUT_FAILURES: tuple[type[BaseException], ...] = (
    OSError,
    UnicodeError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    MemoryError,
    RecursionError,
    *_pandas_errors(),
)


def input_failure(exc: BaseException) -> str:
    """A one-line message for an exception raised while reading a broken input file."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
    if isinstance(exc, zipfile.BadZipFile | zipfile.LargeZipFile):
        return f"not a readable .xlsx (zip) file: {_first_line(str(exc)) or 'broken archive'}"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"not a readable gzip file: {_first_line(str(exc)) or 'broken data'}"
    if isinstance(exc, EOFError):
        return "truncated: the file ends in the middle of its compressed data"
    if isinstance(exc, MemoryError):
        return "too large to read in memory"
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or _first_line(str(exc)) or type(exc).__name__}"
    detail = _first_line(str(exc))
    return f"cannot be read: {detail}" if detail else f"cannot be read ({type(exc).__name__})"


# htslib's messages look like "[W::vcf_parse] ..." or "[E::bcf_hdr_parse_line] ...".
HTSLIB_LINE = re.compile(r"^\[([EWID])::([A-Za-z0-9_]+)\]")
MAX_CAPTURED = 1 << 20


@contextlib.contextmanager
def captured_stderr() -> Iterator[list[str]]:
    """Capture what C libraries write to file descriptor 2 (htslib prints a
    malformed VCF's header lines, sample ids included). Lines that are not
    htslib's are written back to stderr afterwards; htslib's are returned."""
    lines: list[str] = []
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable stderr: nothing to capture
        yield lines
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            data = sink.read(MAX_CAPTURED)
            others = []
            for line in data.decode("utf-8", "replace").splitlines(keepends=True):
                (lines if HTSLIB_LINE.match(line) else others).append(line)
            if others:
                with contextlib.suppress(OSError):
                    os.write(2, "".join(others).encode("utf-8", "replace"))
    lines[:] = [line.rstrip("\n") for line in lines]


def summarise_stderr(lines: list[str]) -> str | None:
    """One warning for what htslib printed, naming its message kinds, not their text."""
    if not lines:
        return None
    counts: dict[str, int] = {}
    for line in lines:
        m = HTSLIB_LINE.match(line)
        tag = f"[{m.group(1)}::{m.group(2)}]" if m else "other"
        counts[tag] = counts.get(tag, 0) + 1
    kinds = ", ".join(f"{tag} x{n}" for tag, n in sorted(counts.items()))
    return f"htslib printed {len(lines)} message(s) while reading it ({kinds}); -v shows them"


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def parse_one(task: ParseTask, caller: Any = None) -> ParseOutcome:
    """Parse one file; never raises."""
    outcome = ParseOutcome(file=task.file)
    try:
        outcome.sha256 = sha256_of(task.file.path)
    except OSError as exc:
        outcome.error = input_failure(exc)
        return outcome
    hook = caller if caller is not None else _module_caller(task.module)
    with captured_stderr() as printed:
        data, outcome.error, outcome.traceback, outcome.warnings = guarded(
            lambda: hook(file=task.file, options=task.options)
        )
    outcome.data = data
    outcome.stderr = printed
    summary = summarise_stderr(printed)
    if summary:
        outcome.warnings.append(summary)
    return outcome


def parse_all(
    tasks: list[ParseTask],
    jobs: int,
    local_callers: dict[str, Any],
    progress: Callable[[ParseOutcome], None] = lambda o: None,
) -> list[ParseOutcome]:
    """Parse every task, on ``jobs`` worker processes when that pays off.

    Tasks whose plugin is not an importable module run in this process with
    the caller from ``local_callers`` (keyed by plugin name). Outcomes come
    back in task order.
    """
    outcomes: list[ParseOutcome | None] = [None] * len(tasks)
    pooled = [i for i, t in enumerate(tasks) if t.module is not None]
    local = [i for i, t in enumerate(tasks) if t.module is None]
    for i in local:
        outcomes[i] = parse_one(tasks[i], local_callers[tasks[i].file.plugin])
        progress(outcomes[i])
    for i, outcome in zip(pooled, _map([tasks[i] for i in pooled], jobs), strict=True):
        outcomes[i] = outcome
        progress(outcome)
    return [o for o in outcomes if o is not None]


# Below these, starting worker processes (each imports pandas and the plugins)
# costs more than parsing in this process.
POOL_MIN_FILES = 16
POOL_MIN_BYTES = 64 * 2**20


def _map(tasks: list[ParseTask], jobs: int) -> Iterator[ParseOutcome]:
    small = len(tasks) < POOL_MIN_FILES and sum(t.file.size for t in tasks) < POOL_MIN_BYTES
    if jobs <= 1 or len(tasks) <= 1 or small:
        yield from (parse_one(t) for t in tasks)
        return
    workers = min(jobs, len(tasks))
    # forkserver, not fork: the parent may run threads (the progress display), and
    # forking a threaded process can deadlock the child. The server imports the
    # plugin modules once, so each worker starts warm.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["rinec_report.parse", *sorted({t.module for t in tasks if t.module})])
    # Big chunks for many small files keep inter-process traffic low; one file
    # per chunk when there are few, so large files spread over the workers.
    chunksize = max(1, len(tasks) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(parse_one, tasks, chunksize=chunksize)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


__all__ = ["ParseOutcome", "ParseTask", "default_jobs", "guarded", "parse_all"]
