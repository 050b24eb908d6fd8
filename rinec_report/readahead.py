"""An iterator's next items made in a thread while the caller works on the current one.

A large file's parse alternates two kinds of work: reading and checking a block of
text (pyarrow's CSV reader and compute kernels, which release the GIL) and turning
the block into table rows (numpy, pyarrow and some Python). Run one after the other
they leave a core idle; with the reading one block ahead, they overlap. Only a file
of more than one block gains: the caller decides, by the file's size, whether to use it.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


def read_ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """Yield ``items`` in order, producing up to ``depth`` items ahead in a thread.

    The producer runs in a copy of the caller's context (its read limits and ledgers
    are the caller's). An exception it raises is raised here, at the item where it
    happened. When the caller stops early (an error, ``close()``), the producer stops
    at its next item: at most ``depth + 2`` items are held (the caller's, the queued
    ones and the one being made).
    """
    if depth < 1:
        raise ValueError("depth must be at least 1")
    source = iter(items)
    handoff: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object, error: BaseException | None = None) -> bool:
        while not stop.is_set():
            try:
                handoff.put((item, error), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            put(None, exc)
            return
        finally:
            close = getattr(source, "close", None)
            if close is not None:  # a generator stopped early runs its cleanup here
                close()
        put(_DONE)

    context = contextvars.copy_context()
    worker = threading.Thread(target=context.run, args=(produce,), name="rinec-read-ahead",
                              daemon=True)
    worker.start()
    try:
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
