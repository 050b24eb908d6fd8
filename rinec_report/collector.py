"""How a run uses Python's cycle collector.

A report makes millions of objects that live for one stage (row lists, chart spec
dicts, unpickled parse results). With CPython's default thresholds the collector
runs every 700 new containers and, now and then, walks every object of the process,
imported modules included: 1.0 s of a 1,000-sample report and 2.6 s of a
100,000-patient one went to it, with next to nothing to collect.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

# A youngest generation of 10,000 containers rather than 700, and older generations
# collected a little less often: collections stay frequent enough that a cycle made
# in a loop does not pile up (memory of the benchmarks' runs is unchanged).
THRESHOLDS = (10_000, 20, 20)


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off while objects that cannot be in a cycle are made by the
    million (a table's row lists): each collection would walk all those made so far."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class _Shared:
    """The collector is one per process, so overlapping users of :func:`for_a_run` (a
    program's runs in threads, parse batches in a Dask worker's threads) share one
    setting: the first to start sets it, the last to end restores what was before."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.before: tuple[tuple[int, ...], bool] = ((), False)

    def enter(self) -> None:
        with self.lock:
            if self.users == 0:
                # A program that froze objects itself keeps them frozen: nothing is
                # frozen or unfrozen for it.
                freeze = gc.get_freeze_count() == 0
                self.before = (gc.get_threshold(), freeze)
                if freeze:
                    gc.freeze()
                gc.set_threshold(*THRESHOLDS)
            self.users += 1

    def leave(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users == 0:
                threshold, froze = self.before
                gc.set_threshold(*threshold)
                if froze:
                    gc.unfreeze()


_SHARED = _Shared()


@contextlib.contextmanager
def for_a_run() -> Iterator[None]:
    """The collector set for one run (or one batch of parses on a shared Dask worker),
    and set back after it: what exists before (modules, the caller's objects) is left
    out of collections, and :data:`THRESHOLDS` apply. A program that calls ``run()``
    gets its own settings back."""
    _SHARED.enter()
    try:
        yield
    finally:
        _SHARED.leave()


def for_a_worker() -> None:
    """The collector set for a parse worker's life: the modules the fork server
    preloaded are left out of collections (nor are their pages copied when a
    collection would touch them), and :data:`THRESHOLDS` apply."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
