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
        frozen = gc.get_freeze_count()
        with collector.for_a_run():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
