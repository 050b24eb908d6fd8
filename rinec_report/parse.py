"""Parsing as a map over files: (plugin module, file, options) -> outcome.

Each task and each outcome is plain picklable data, and a worker needs nothing
but the task to do its work (it imports the plugin module by name), so the map
runs the same in this process, on a local process pool, or on a distributed
engine that can map a function over a list.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from . import account
from .account import FileAccount
from .executor import Executor
from .failures import captured_stderr, input_failure, input_failures, raised_by_reader, summarise_stderr
from .model import FoundFile, InputError, InputWarning
from .safeio import limited_to, open_regular


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
    accounts: list[FileAccount] = field(default_factory=list)  # what the reader stated (rinec_report.account)


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def _module_caller(module: str) -> Callable[..., Any]:
    """The ``rinec_parse`` of one plugin module, built once per worker process."""
    from .plugins import new_manager

    pm = new_manager()
    pm.register(importlib.import_module(module), name=module)
    hook = pm.hook.rinec_parse

    def call(**kwargs: Any) -> Any:
        results = hook(**kwargs)  # no hook is first-result: a list of this one plugin's answer
        return results[0] if results else None

    return call


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
        except input_failures() as exc:
            # What a reader raises on a broken file is a finding about the input, not a bug.
            result, error, tb = None, input_failure(exc), None
        except Exception as exc:
            result = None
            detail = _first_line(str(exc))
            if raised_by_reader(exc):  # a reading library refused the file: a finding about the input
                error, tb = input_failure(exc), None
            else:
                error = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
                tb = traceback.format_exc()
    # A dict keeps the first occurrence of each message in order, in time linear in
    # their number (a plugin may warn once per reading of a table of thousands).
    seen: dict[str, None] = {}
    for w in caught:
        if not issubclass(w.category, InputWarning):
            # Libraries' own warnings (openpyxl styles, pandas dtypes) are not findings about the input.
            logging.getLogger("rinec_report").debug("%s: %s", w.category.__name__, w.message)
            continue
        seen.setdefault(str(w.message))
    return result, error, tb, list(seen)


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


# A file at least this big is hashed beside its parse rather than before it: reading
# and hashing release the GIL, so the digest of a 400 MB MAF (0.8 s) costs no wall
# time while the parse holds the other core. Below it a thread costs more than it saves.
HASH_BESIDE_BYTES = 8 * 2**20


def parse_one(task: ParseTask, caller: Any = None) -> ParseOutcome:
    """Parse one file; never raises. A file that cannot be read whole (for its
    digest) is an error, whatever its parser made of it."""
    try:  # only the digest can raise: _parsed never does
        if task.file.size < HASH_BESIDE_BYTES:
            digest = sha256_of(task.file.path)  # first: an unreadable file is not parsed
            outcome = _parsed(task, caller)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=1) as hasher:
                hashing = hasher.submit(sha256_of, task.file.path)
                outcome = _parsed(task, caller)
                digest = hashing.result()
    except OSError as exc:
        return ParseOutcome(file=task.file, error=input_failure(exc))
    outcome.sha256 = digest
    return outcome


def _parsed(task: ParseTask, caller: Any) -> ParseOutcome:
    outcome = ParseOutcome(file=task.file)
    hook = caller if caller is not None else _module_caller(task.module)
    # Every reader the plugin calls is bounded by this file's limit, decompressed bytes included.
    # What it states of the file is recorded here, in the process that parses it, and
    # travels back with the outcome.
    with captured_stderr() as printed, limited_to(task.file.limit, task.file.limit_key), \
            account.recording(task.file.relpath) as ledger:
        data, outcome.error, outcome.traceback, outcome.warnings = guarded(
            lambda: hook(file=task.file, options=task.options)
        )
    outcome.data = data
    outcome.accounts = list(ledger.files.values())
    outcome.stderr = printed
    summary = summarise_stderr(printed)
    if summary:
        outcome.warnings.append(summary)
    return outcome


# Plugin modules whose readers are Python code (over pandas and openpyxl): they
# cannot kill the interpreter, so a small map parses their files in this process.
# Any other plugin (htslib behind the variants plugin, image decoders and OpenSlide
# behind imaging, any third-party plugin) parses in a watched child process always.
PURE_PYTHON_READERS = frozenset({
    "rinec_plugins.cohort", "rinec_plugins.survival", "rinec_plugins.ihc", "rinec_plugins.enrichment",
    "rinec_plugins.custom",
})


def failed_outcome(task: ParseTask, why: str) -> ParseOutcome:
    """The outcome of a file whose reader's process died or ran out of time."""
    return ParseOutcome(file=task.file, error=why)


def _takes_failed(executor: Executor) -> bool:
    import inspect

    try:
        parameters = inspect.signature(executor.map).parameters
    except (TypeError, ValueError):
        return False
    return "failed" in parameters and "in_process" in parameters


def parse_all(
    tasks: list[ParseTask],
    executor: Executor,
    local_callers: dict[str, Any],
    progress: Callable[[ParseOutcome], None] = lambda o: None,
) -> list[ParseOutcome]:
    """Parse every task; outcomes come back in task order.

    Tasks whose plugin is an importable module go to ``executor``; the others (plugin
    objects registered in code) run in this process with the caller from
    ``local_callers``, keyed by plugin name.
    """
    outcomes: list[ParseOutcome | None] = [None] * len(tasks)
    pooled = [i for i, t in enumerate(tasks) if t.module is not None]
    for i, t in enumerate(tasks):
        if t.module is None:
            outcomes[i] = parse_one(t, local_callers[t.file.plugin])
            progress(outcomes[i])
    mine = [tasks[i] for i in pooled]
    sizes = [tasks[i].file.size for i in pooled]
    if _takes_failed(executor):
        mapped = executor.map(parse_one, mine, sizes=sizes, failed=failed_outcome,
                              in_process=[t.module in PURE_PYTHON_READERS for t in mine])
    else:  # an executor written before crashes were survivable: as it was
        mapped = executor.map(parse_one, mine, sizes=sizes)
    for i, outcome in zip(pooled, mapped, strict=True):
        outcomes[i] = outcome
        progress(outcome)
    return [o for o in outcomes if o is not None]


# The core's own data libraries: plugin modules import them lazily (at their first
# parse), which would otherwise cost every worker its own import (about a second).
PRELOADED_LIBRARIES = ("numpy", "pandas", "pyarrow")


# What the run's own process imports while its parse workers start (the datasets,
# sections and page need them all): no longer at the start of every run, in the
# time the workers' fork server takes to import its own.
BESIDE_THE_WORKERS = PRELOADED_LIBRARIES
# And once the workers have work, in the time it would wait for them: what every
# report's sections and page import (the charts, the page's templates, and scipy's
# special functions: every p-value of the enrichment, genomics and survival statistics).
AFTER_THE_WORKERS = ("altair", "jinja2", "scipy.special")


def preload_modules(tasks: list[ParseTask]) -> list[str]:
    """What a worker process should import before its first task: the plugin modules
    and the data libraries they use, once in the fork server rather than per worker."""
    return [*PRELOADED_LIBRARIES, "rinec_report.parse", *sorted({t.module for t in tasks if t.module})]


__all__ = ["AFTER_THE_WORKERS", "BESIDE_THE_WORKERS", "ParseOutcome", "ParseTask", "failed_outcome", "guarded",
           "parse_all", "preload_modules"]
