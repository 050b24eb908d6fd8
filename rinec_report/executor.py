"""The core's one way to run work over many files in parallel.

A run maps a plain function over plain, picklable items (parse tasks today); an
:class:`Executor` decides where that happens. :class:`LocalExecutor` uses this
process for small maps and a local process pool otherwise; another engine (a
cluster) implements the same two-method interface. Plugins never start processes
or threads of their own: concurrency belongs here.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol, TypeVar

from . import collector

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

    def map(self, fn: Callable[[T], R], items: Sequence[T], sizes: Sequence[int] | None = None) -> Iterator[R]:
        """``fn(item)`` for every item, in order. ``fn`` must be a module-level
        function and items and results picklable; ``sizes`` (bytes per item) lets the
        executor judge whether parallel work pays off."""
        ...


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class LocalExecutor:
    """This process for small maps, a pool of ``jobs`` local processes otherwise."""

    name = "local"

    def __init__(self, jobs: int | None = None, preload: Sequence[str] = ()) -> None:
        self.jobs = jobs or default_jobs()
        self.preload = tuple(preload)

    def check_paths(self, paths: Sequence[str]) -> None:
        """The local processes see what this one sees."""

    def map(self, fn: Callable[[T], R], items: Sequence[T], sizes: Sequence[int] | None = None) -> Iterator[R]:
        small = len(items) < POOL_MIN_ITEMS and sum(sizes or ()) < POOL_MIN_BYTES
        if self.jobs <= 1 or len(items) <= 1 or small:
            yield from (fn(item) for item in items)
            return
        workers = min(self.jobs, len(items))
        # forkserver, not fork: the parent may run threads (the progress display), and
        # forking a threaded process can deadlock the child. The server imports the
        # preloaded modules once, so each worker starts warm.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(self.preload))
        # Big chunks for many small items keep inter-process traffic low; one item
        # per chunk when there are few, so large files spread over the workers.
        chunksize = max(1, len(items) // (workers * 8))
        with _main_not_inherited(), ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=collector.for_a_worker) as pool:
            yield from pool.map(fn, items, chunksize=chunksize)


@contextlib.contextmanager
def _main_not_inherited() -> Iterator[None]:
    """Start workers without re-running the caller's script.

    multiprocessing re-imports ``__main__`` in every forkserver or spawn worker, so a
    script that calls ``rinec_report.run()`` without an ``if __name__ == "__main__":``
    guard would run again in each worker and break the pool. Workers here only run
    module-level functions of importable modules, never code from ``__main__``, so
    the script's path and spec are kept from them while the pool starts its workers."""
    main = sys.modules.get("__main__")
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if main and name in main.__dict__}
    for name in saved:
        if name == "__spec__":
            main.__spec__ = None
        else:
            del main.__dict__[name]
    try:
        yield
    finally:
        if main is not None:
            main.__dict__.update(saved)


class ExecutorError(RuntimeError):
    """The executor cannot run the work as set up (no scheduler, a worker without the files)."""


class DaskExecutor:
    """A Dask cluster: ``fn`` runs on its workers, results come back in item order.

    Workers read input files by the path the client sees, so they must share the run
    directory at that path (a shared file system) and have rinec-report and the
    plugins installed. A task whose worker dies is rescheduled by the scheduler on
    another worker; ``retries`` more attempts are given to a task that raised.
    """

    name = "dask"

    def __init__(self, scheduler: str, timeout: float = 30.0, retries: int = 2, preload: Sequence[str] = ()) -> None:
        self.scheduler = scheduler
        self.timeout = timeout
        self.retries = retries
        self.preload = tuple(preload)

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

    def map(self, fn: Callable[[T], R], items: Sequence[T], sizes: Sequence[int] | None = None) -> Iterator[R]:
        if not items:
            return
        with self._client() as client:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            # Every worker imports the plugins' modules at once, as the local pool's fork
            # server does, rather than in the first batch each happens to run.
            client.run(_import_modules, self.preload)
            # Batches, as the local pool's chunks: one task per small file would spend
            # more on the scheduler's round trips than on the parsing (a panel VCF
            # parses in a few milliseconds). A batch whose worker dies is run again whole.
            size = max(1, len(items) // (workers * 8))
            batches = [list(items[i:i + size]) for i in range(0, len(items), size)]
            futures = client.map(_run_batch, [fn] * len(batches), batches, pure=False, retries=self.retries)
            for future in futures:
                yield from future.result()
                future.release()


def _run_batch(fn: Callable[[T], R], batch: list[T]) -> list[R]:
    # The collector as the local pool's workers have it, for this batch only: a Dask
    # worker is a shared, long-lived process whose settings are not ours to keep.
    with collector.for_a_run():
        return [fn(item) for item in batch]


def _import_modules(names: Sequence[str]) -> None:
    import importlib

    for name in names:
        importlib.import_module(name)


def make_executor(kind: str, jobs: int | None, preload: Sequence[str], scheduler: str | None) -> Executor:
    """The executor a run asked for (``executor:`` in the config, ``--executor`` on the CLI)."""
    if kind == "dask":
        if not scheduler:
            raise ExecutorError("the dask executor needs a scheduler address: --scheduler tcp://HOST:8786")
        return DaskExecutor(scheduler, preload=preload)
    return LocalExecutor(jobs, preload)
