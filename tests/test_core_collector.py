"""The cycle collector's settings during a run, and after it."""

from __future__ import annotations

import gc

from rinec_report import collector


def test_a_run_gives_the_callers_settings_back():
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    with collector.for_a_run():
        assert gc.get_threshold() == collector.THRESHOLDS
        assert gc.get_freeze_count() >= frozen_before + 1  # what existed is set aside
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0  # unfrozen: the caller's objects can be collected again


def test_a_run_that_fails_gives_the_settings_back_too():
    before = gc.get_threshold()
    try:
        with collector.for_a_run():
            raise KeyError("stage failed")
    except KeyError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_during_a_run_are_still_collected():
    class Node:
        pass

    with collector.for_a_run():
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2


def test_paused_turns_it_back_on_only_if_it_was_on():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_program_that_froze_objects_keeps_them_frozen():
    gc.freeze()
    try:
        with collector.for_a_run():
            pass
        # Not unfrozen (that would empty the permanent generation); its count may fall a
        # little as frozen objects die.
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()


def test_overlapping_users_share_one_setting_and_the_last_restores_it():
    # Two parse batches in a Dask worker's threads: A starts, B starts, A ends, B ends.
    import threading

    before = gc.get_threshold()
    a_in, a_may_leave, a_out, b_may_leave = (threading.Event() for _ in range(4))
    seen: dict[str, object] = {}

    def a() -> None:
        with collector.for_a_run():
            a_in.set()
            a_may_leave.wait(5)
        a_out.set()

    def b() -> None:
        a_in.wait(5)
        with collector.for_a_run():
            a_may_leave.set()
            a_out.wait(5)
            seen["after A left"] = gc.get_threshold()
            b_may_leave.wait(5)

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    a_out.wait(5)
    b_may_leave.set()
    for t in threads:
        t.join(5)
    assert seen["after A left"] == collector.THRESHOLDS  # B still runs with them
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
