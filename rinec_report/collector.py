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


@contextlib.contextmanager
def for_a_run() -> Iterator[None]:
    """The collector set for one run, and set back after it: what exists before the run
    (modules, the caller's objects) is left out of collections, and :data:`THRESHOLDS`
    apply. A program that calls ``run()`` gets its own settings back; one that froze
    objects itself keeps them frozen (nothing is frozen or unfrozen for it)."""
    before = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if freeze:
            gc.unfreeze()


def for_a_worker() -> None:
    """The collector set for a parse worker's life: the modules the fork server
    preloaded are left out of collections (nor are their pages copied when a
    collection would touch them), and :data:`THRESHOLDS` apply."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
