"""The two Vega-Lite validators agree: jsonschema-rs (which the report asks first) and
Altair's own validation through the jsonschema package (the reference, asked when
jsonschema-rs refuses). Held on every chart of the example report, and on broken and
harmless changes of each."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import rinec_report
from rinec_report import chart_schema

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def example_charts(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[type, dict[str, Any]]]:
    seen: list[tuple[type, dict[str, Any]]] = []
    original = chart_schema.valid

    def recording(chart_class: type, spec: dict[str, Any]) -> bool:
        seen.append((chart_class, copy.deepcopy(spec)))
        return original(chart_class, spec)

    chart_schema.valid = recording
    try:
        report = rinec_report.run(REPO / "example_run", outdir=tmp_path_factory.mktemp("out"), force=True)
    finally:
        chart_schema.valid = original
    assert report.exit_status == 0
    return seen


def _altair_says(chart_class: type, spec: dict[str, Any]) -> bool:
    try:
        chart_class.validate(spec)
    except jsonschema.ValidationError:
        return False
    return True


def _first(value: Any, key: str) -> dict[str, Any] | None:
    """The first dict (depth first) that holds ``key``."""
    if isinstance(value, dict):
        if key in value:
            return value
        children = list(value.values())
    elif isinstance(value, list):
        children = value
    else:
        return None
    for child in children:
        found = _first(child, key)
        if found is not None:
            return found
    return None


def _broken(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for change in ("width", "mark", "encoding", "unknown"):
        bad = copy.deepcopy(spec)
        if change == "width":
            bad["width"] = "wide"
        elif change == "unknown":
            bad["colour_scheme"] = "rainbow"
        else:
            holder = _first(bad, change)
            if holder is None:
                continue
            if change == "mark":
                holder["mark"] = {"type": "hexagon"}
            else:
                holder["encoding"] = {**holder["encoding"], "x": {"field": "a", "type": "quantitive"}}
        out.append(bad)
    return out


def test_the_example_report_has_charts_of_every_kind(example_charts: list) -> None:
    assert len(example_charts) >= 20
    assert len({cls.__name__ for cls, _ in example_charts}) >= 2


def test_every_example_chart_is_valid_to_both(example_charts: list) -> None:
    for chart_class, spec in example_charts:
        assert _altair_says(chart_class, spec)
        assert chart_schema.valid(chart_class, spec)


def test_broken_charts_are_refused_by_both(example_charts: list) -> None:
    checked = 0
    for chart_class, spec in example_charts:
        for bad in _broken(spec):
            assert not _altair_says(chart_class, bad)
            assert not chart_schema.valid(chart_class, bad)
            checked += 1
    assert checked >= 3 * len(example_charts)


def test_harmless_changes_are_accepted_by_both(example_charts: list) -> None:
    for chart_class, spec in example_charts:
        fine = {**copy.deepcopy(spec), "padding": 7, "description": "<b>text</b> & more"}
        assert _altair_says(chart_class, fine)
        assert chart_schema.valid(chart_class, fine)


def test_a_value_that_is_not_json_is_left_to_altair() -> None:
    import altair as alt

    spec = {"mark": "point", "data": {"values": [{"a": 1}]}}
    assert chart_schema.valid(alt.Chart, spec) is True
    assert chart_schema.valid(alt.Chart, {**spec, "width": object()}) is False
