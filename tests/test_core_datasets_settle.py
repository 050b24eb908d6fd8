"""Datasets.settle: every plugin's datasets built, then what they were built from let
go (the parsed files of a large VCF are its whole table as the worker sent it)."""

from __future__ import annotations

import gc
import weakref

import pytest

from rinec_report.datasets import Datasets


class _Parsed:
    """Stands for the parsed files the runner's build function holds."""


def test_settle_builds_the_rest_and_lets_the_inputs_go() -> None:
    parsed = _Parsed()
    alive = weakref.ref(parsed)
    calls: list[str] = []

    def build(name: str, parsed: _Parsed = parsed) -> dict[str, int] | None:
        calls.append(name)
        return {"n": len(calls)} if name != "empty" else None

    datasets = Datasets(["a", "b", "empty"], build)
    del parsed, build
    assert datasets.own("b") == {"n": 1}
    datasets.settle()
    gc.collect()
    assert alive() is None  # nothing holds the parsed files any more
    assert calls == ["b", "a", "empty"]  # each built once; b was built before
    assert datasets.own("a") == {"n": 2} and datasets.of("b") == {"n": 1} and datasets.own("empty") is None
    assert datasets.own("not loaded") is None


def test_a_run_lets_its_parsed_files_go_before_it_writes(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole run: when the page is written, no parsed file is alive."""
    from pathlib import Path

    import rinec_report
    from rinec_report import datasets as module
    from rinec_report import write

    made: list[weakref.ref] = []
    original_init = module.ParsedFile.__init__

    def tracked(self, file, data):
        original_init(self, file, data)
        made.append(weakref.ref(self))

    monkeypatch.setattr(module.ParsedFile, "__init__", tracked)
    alive_at_write: list[int] = []
    original_write = write.write_outputs

    def counting(report, data_format):
        gc.collect()
        alive_at_write.append(sum(ref() is not None for ref in made))
        return original_write(report, data_format)

    monkeypatch.setattr(write, "write_outputs", counting)
    repo = Path(__file__).resolve().parents[1]
    report = rinec_report.run(repo / "example_run", outdir=tmp_path / "out", force=True)
    assert report.exit_status == 0
    assert len(made) > 10  # the example's files were parsed
    assert alive_at_write == [0]
