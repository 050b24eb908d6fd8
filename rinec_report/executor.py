"""The core's one way to run work over many files in parallel.

A run maps a plain function over plain, picklable items (parse tasks today); an
:class:`Executor` decides where that happens. :class:`LocalExecutor` uses watched
local child processes (:mod:`rinec_report.supervise`), and this process only for
the items of a small map that cannot crash it; another engine (a cluster)
implements the same two-method interface. Either way a reader that kills its
process costs its own file, nothing more. Plugins never start processes or
threads of their own: concurrency belongs here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

from .supervise import START_LIMIT_S, SUBPROCESS, TASK_LIMIT_S, run_supervised, task_limit

T = TypeVar("T")
R = TypeVar("R")

# Below these, starting worker processes (each imports pandas and the plugins)
# costs more than doing the work in this process.
POOL_MIN_ITEMS = 16
POOL_MIN_BYTES = 16 * 2**20


class Executor(Protocol):
    """Maps a function over items, yielding results in item order."""

    name: str

    def check_paths(self, paths: Sequence[str]) -> None:
        """Raise :class:`ExecutorError` when the places that run ``fn`` cannot see ``paths``."""
        ...

    def map(self, fn: Callable[[T], R], items: Sequence[T], sizes: Sequence[int] | None = None,
            failed: Callable[[T, str], R] | None = None,
            in_process: Sequence[bool] | None = None) -> Iterator[R]:
        """``fn(item)`` for every item, in order. ``fn`` must be a module-level
        function and items and results picklable; ``sizes`` (bytes per item) lets the
        executor judge whether parallel work pays off. An item whose process died
        or that ran past the time limit gives ``failed(item, why)`` (a module-level
        function too). ``in_process`` marks the items that cannot crash a process
        (pure-Python readers): only those may run in the caller's."""
        ...


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class LocalExecutor:
    """Watched local child processes (``jobs`` of them); for a small map, this
    process for the items that cannot crash it and one child for the rest."""

    name = "local"

    def __init__(self, jobs: int | None = None, preload: Sequence[str] = (), limit: float = TASK_LIMIT_S,
                 beside: Sequence[str] = (), later: Sequence[str] = ()) -> None:
        self.jobs = jobs or default_jobs()
        self.preload = tuple(preload)
        self.limit = limit
        # What this process imports while its children start, and once they have work.
        self.beside, self.later = tuple(beside), tuple(later)

    def check_paths(self, paths: Sequence[str]) -> None:
        """The local processes see what this one sees."""

    def map(self, fn: Callable[[T], R], items: Sequence[T], sizes: Sequence[int] | None = None,
            failed: Callable[[T, str], R] | None = None,
            in_process: Sequence[bool] | None = None) -> Iterator[R]:
        n = len(items)
        safe = list(in_process) if in_process is not None else [False] * n
        small = n < POOL_MIN_ITEMS and sum(sizes or ()) < POOL_MIN_BYTES
        if self.jobs <= 1 or n <= 1 or small:
            # The child starts first, so its imports overlap the work done here.
            risky = [items[i] for i in range(n) if not safe[i]]
            children = run_supervised(fn, risky, 1, max(1, len(risky)), self.preload, failed, self.limit,
                                      beside=self.beside, later=self.later)
            for item, here in zip(items, safe, strict=True):
                yield fn(item) if here else next(children)
            return
        workers = min(self.jobs, n)
        # Big chunks for many small items keep inter-process traffic low; one item
        # per chunk when there are few, so large files spread over the workers.
        chunksize = max(1, n // (workers * 8))
        yield from run_supervised(fn, items, workers, chunksize, self.preload, failed, self.limit,
                                  beside=self.beside, later=self.later)


class ExecutorError(RuntimeError):
    """The executor cannot run the work as set up (no scheduler, a worker without the files)."""


class DaskExecutor:
    """A Dask cluster: ``fn`` runs on its workers, results come back in item order.

    Workers read input files by the path the client sees, so they must share the run
    directory at that path (a shared file system) and have rinec-report and the
    plugins installed. On a worker each batch runs in a watched child process, as
    local work does: a reader that crashes or hangs costs its file, and the worker
    lives on. A task whose worker dies (killed for memory) is rescheduled by the
    scheduler; when the scheduler gives up on it (``KilledWorker``), its files are
    run again one per task, and a file whose own task kills its worker too is
    reported as failed. ``retries`` more attempts are given to a task that raised.
    """

    name = "dask"

    def __init__(self, scheduler: str, timeout: float = 30.0, retries: int = 2, preload: Sequence[str] = (),
                 limit: float = TASK_LIMIT_S) -> None:
        self.scheduler = scheduler
        self.timeout = timeout
        self.retries = retries
        self.preload = tuple(preload)
        self.limit = limit

    def _client(self):
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorError(
                "the dask executor needs the dask extra: pip install 'rinec-report[dask]'"
            ) from None
        try:
            return Client(self.scheduler, timeout=self.timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"cannot reach the dask scheduler at {self.scheduler}: {exc}") from None

    def check_paths(self, paths: Sequence[str]) -> None:
        """Fail clearly when a worker cannot see a folder the work reads."""
        with self._client() as client:
            for path in paths:
                seen = client.run(os.path.isdir, path)
                blind = sorted(worker for worker, ok in seen.items() if not ok)
                if blind:
                    raise ExecutorError(
                        f"dask worker(s) {', '.join(blind)} cannot see {path}: workers read the input "
                        "files at the path this machine sees, so they need the run directory on a "
                        "shared file system at that path"
                    )
                if not seen:
                    raise ExecutorError(f"the dask scheduler at {self.scheduler} has no workers")

    def map(self, fn: Callable[[T], R], items: Sequence[T], sizes: Sequence[int] | None = None,
            failed: Callable[[T, str], R] | None = None,
            in_process: Sequence[bool] | None = None) -> Iterator[R]:
        if not items:
            return
        from distributed import KilledWorker

        with self._client() as client:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            # Batches, as the local pool's chunks: one task per small file would spend
            # more on the scheduler's round trips than on the parsing. Each batch pays
            # for its child's imports (about a second), so a worker gets a few, not many.
            size = max(1, -(-len(items) // (workers * 2)))
            batches = [list(items[i:i + size]) for i in range(0, len(items), size)]
            futures = self._submit(client, fn, batches, failed)
            for batch, future in zip(batches, futures, strict=True):
                try:
                    yield from self._wait(future, batch)
                except KilledWorker:
                    # The scheduler gave up on the batch: one file per task finds the file
                    # that kills its worker, and the others are parsed.
                    singles = self._submit(client, fn, [[item] for item in batch], failed)
                    for item, single in zip(batch, singles, strict=True):
                        try:
                            yield from self._wait(single, [item])
                        except KilledWorker:
                            why = "its dask worker died while reading this file (killed for memory?)"
                            if failed is None:
                                raise ExecutorError(why) from None
                            yield failed(item, why)
                finally:
                    future.release()

    def _submit(self, client, fn, batches, failed):
        n = len(batches)
        return client.map(_run_batch, [fn] * n, batches, [failed] * n, [self.preload] * n, [self.limit] * n,
                          pure=False, retries=self.retries)

    def _wait(self, future, batch: list) -> list:
        """The batch's results; the worker's own limit ends a hanging parse, this one
        a worker that stopped answering altogether."""
        from distributed import TimeoutError as DaskTimeout

        try:
            return future.result(timeout=self.limit * len(batch) + 2 * START_LIMIT_S + 60)
        except (TimeoutError, DaskTimeout):
            future.cancel()
            raise ExecutorError(f"a dask task took longer than {self.limit:g} s per file; "
                                "is a worker stuck?") from None


def _run_batch(fn: Callable[[T], R], batch: list[T], failed: Callable[[T, str], R] | None,
               preload: Sequence[str], limit: float) -> list[R]:
    """One batch on a Dask worker, in a watched child process: a crash or a hang
    costs its file, not the worker, and what htslib prints goes to the child's
    stderr, where each parse captures it (a worker's threads share one)."""
    return list(run_supervised(fn, batch, 1, len(batch), preload, failed, limit, launcher=SUBPROCESS))


def make_executor(kind: str, jobs: int | None, preload: Sequence[str], scheduler: str | None,
                  limit: float | None = None, beside: Sequence[str] = (), later: Sequence[str] = ()) -> Executor:
    """The executor a run asked for (``executor:`` in the config, ``--executor`` on the CLI);
    ``limit``: seconds per file (default :data:`TASK_LIMIT_S`, or RINEC_PARSE_TIMEOUT)."""
    if limit is None:
        try:
            limit = task_limit()
        except ValueError as exc:
            raise ExecutorError(str(exc)) from None
    if kind == "dask":
        if not scheduler:
            raise ExecutorError("the dask executor needs a scheduler address: --scheduler tcp://HOST:8786")
        return DaskExecutor(scheduler, preload=preload, limit=limit)
    return LocalExecutor(jobs, preload, limit, beside, later)
