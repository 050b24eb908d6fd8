"""read_ahead: the items in order, the producer's error at its item, a bounded lead,
and the caller's context in the producer's thread."""

from __future__ import annotations

import contextvars
import threading
import time

import pytest

from rinec_report.readahead import read_ahead


def test_items_come_in_order_and_all_of_them() -> None:
    assert list(read_ahead(range(1000))) == list(range(1000))
    assert list(read_ahead([])) == []
    assert list(read_ahead(iter(["only"]), depth=3)) == ["only"]


def test_the_producers_error_is_raised_after_the_items_before_it() -> None:
    def items():
        yield 1
        yield 2
        raise KeyError("third")

    got = []
    with pytest.raises(KeyError, match="third"):
        for item in read_ahead(items()):
            got.append(item)
    assert got == [1, 2]


def test_the_producer_runs_in_another_thread() -> None:
    threads = []

    def items():
        for k in range(3):
            threads.append(threading.current_thread())
            yield k

    list(read_ahead(items()))
    assert all(t is not threading.current_thread() for t in threads)


def test_a_caller_that_stops_early_stops_the_producer_within_its_lead() -> None:
    made = []
    closed = threading.Event()

    def items():
        try:
            for k in range(10_000):
                made.append(k)
                yield k
        finally:
            closed.set()

    depth = 2
    stream = read_ahead(items(), depth=depth)
    assert next(stream) == 0
    time.sleep(0.3)  # time for the producer to run as far ahead as it may
    # The one handed out, `depth` queued and one waiting to be queued.
    assert len(made) <= 1 + depth + 1
    stream.close()
    assert closed.wait(5)
    assert len(made) <= 1 + depth + 1


def test_an_error_in_the_caller_stops_the_producer() -> None:
    closed = threading.Event()

    def items():
        try:
            yield from range(10_000)
        finally:
            closed.set()

    with pytest.raises(RuntimeError):
        for k in read_ahead(items()):
            if k == 5:
                raise RuntimeError("the caller's")
    assert closed.wait(5)


LIMIT: contextvars.ContextVar[str] = contextvars.ContextVar("LIMIT", default="unset")


def test_the_producer_sees_the_callers_context() -> None:
    token = LIMIT.set("the caller's limit")
    try:
        assert list(read_ahead(LIMIT.get() for _ in range(3))) == ["the caller's limit"] * 3
    finally:
        LIMIT.reset(token)


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError):
        list(read_ahead([1], depth=0))
