"""The core's one way to run work over many files in parallel.

A run maps a plain function over plain, picklable items (parse tasks today); an
:class:`Executor` decides where that happens. :class:`LocalExecutor` uses this
process for small maps and a local process pool otherwise; another engine (a
cluster) implements the same two-method interface. Plugins never start processes
or threads of their own: concurrency belongs here.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below these, starting worker processes (each imports pandas and the plugins)
# costs more than doing the work in this process.
POOL_MIN_ITEMS = 16
POOL_MIN_BYTES = 64 * 2**20


class Executor(Protocol):
    """Maps a function over items, yielding results in item order."""

    name: str

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
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            yield from pool.map(fn, items, chunksize=chunksize)
