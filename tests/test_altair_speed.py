"""The specs the report's Altair speed-ups make (rinec_report/altair_speed.py) are the
specs Altair makes without them: held on every chart of the example report against
Altair's own ``to_dict`` (its default data transformer, no row limit), and on charts
holding every kind of value Altair converts specially."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest
from altair.utils import schemapi
from spec_helpers import canonical

import rinec_report
from rinec_report.altair_speed import NamedData, quicker_conversion
from rinec_report.charts import altair_settings, chart_dict

REPO = Path(__file__).resolve().parents[1]


def _reference(chart: Any) -> dict[str, Any]:
    """Altair's spec: its own data transformer (no row limit), its own conversion."""
    with alt.data_transformers.enable("default", max_rows=None), schemapi.debug_mode(False):
        return chart.to_dict(validate=False)


@pytest.fixture(scope="module")
def example_charts(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    seen: list[Any] = []
    original = alt.TopLevelMixin.to_dict

    def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        if NamedData.current() is not None and kwargs.get("context") is None:
            seen.append(self)  # a chart chart_dict converts, at its top level
        return original(self, *args, **kwargs)

    alt.TopLevelMixin.to_dict = recording
    try:
        report = rinec_report.run(REPO / "example_run", outdir=tmp_path_factory.mktemp("out"), force=True)
    finally:
        alt.TopLevelMixin.to_dict = original
    assert report.exit_status == 0
    return seen


def test_every_example_chart_is_the_spec_altair_makes(example_charts: list[Any]) -> None:
    assert len(example_charts) >= 15  # every plugin's charts, not a few
    for chart in example_charts:
        with altair_settings():
            ours = chart_dict(chart)
        ref = _reference(chart)
        assert canonical(ours) == canonical(ref)


def test_a_frame_shared_by_layers_is_one_dataset() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3], "y": [0.5, None, 2.0], "who": ["a", "b", "c"]})
    base = alt.Chart(frame).encode(x="x:Q", y="y:Q")
    chart = alt.layer(base.mark_point(), base.mark_line(), alt.Chart(frame.copy()).mark_rule().encode(x="x:Q"))
    with altair_settings():
        ours = chart_dict(chart)
    # Two frames (one a copy): two datasets by identity, where Altair's names by content made one.
    assert sorted(ours["datasets"]) == ["rinec-data-0", "rinec-data-1"]
    assert ours["datasets"]["rinec-data-0"] == [{"x": 1, "y": 0.5, "who": "a"}, {"x": 2, "y": None, "who": "b"},
                                                {"x": 3, "y": 2.0, "who": "c"}]
    assert canonical(ours) == canonical(_reference(chart))


def _values_of_every_kind() -> alt.LayerChart:
    with schemapi.debug_mode(False):  # values the schema does not know, such as dates in usermeta
        return _of_every_kind()


def _of_every_kind() -> alt.LayerChart:
    frame = pd.DataFrame({"n": np.arange(4, dtype=np.int64), "f": [0.25, np.nan, 3.0, -1.5],
                          "t": ["a", "b", "c", "d"], "b": [True, False, True, False]})
    marks = alt.Chart(frame).mark_point().encode(
        x=alt.X("n:Q", scale=alt.Scale(domain=[np.int64(0), np.float64(3.5)]),
                axis=alt.Axis(values=(0, 1, 2), title=None)),
        y=alt.Y("f:Q", sort=["d", "c", None, True, 1.5]),
        color=alt.Color("t:N", scale=alt.Scale(domain=np.array(["a", "b", "c", "d"]),
                                               range=[[1, 2], (3, "x")])),
        opacity=alt.condition(alt.datum.b, alt.value(1.0), alt.value(np.float32(0.25))),
        tooltip=[alt.Tooltip("t:N", title="named"), "n:Q"],
    ).properties(width=200, description="kinds", usermeta={"when": dt.date(2024, 2, 29),
                                                            "at": pd.Timestamp("2024-03-01 10:30"),
                                                            "nested": {"deep": [np.int32(7), [None, False]]},
                                                            "moment": np.datetime64("2024-01-02")})
    rule = alt.Chart(alt.Data(values=[{"v": [1, 2]}, {"v": [3]}])).transform_flatten(["v"]).mark_rule().encode(
        y="v:Q")
    return alt.layer(marks, rule).resolve_scale(y="independent")


def test_values_of_every_kind_convert_as_in_altair() -> None:
    chart = _values_of_every_kind()
    reference = _reference(chart)
    originals = schemapi._todict, schemapi._deep_copy
    with quicker_conversion():
        assert schemapi._todict is not originals[0]  # in effect on the Altair installed
        assert schemapi._deep_copy is not originals[1]
        quick = chart.to_dict(validate=False)
        copied = chart.copy(deep=True).to_dict(validate=False)
    assert quick == reference
    assert copied == reference
    assert (schemapi._todict, schemapi._deep_copy) == originals


def test_a_deep_copy_is_altairs() -> None:
    chart = _values_of_every_kind()
    with quicker_conversion():
        ours = chart.copy(deep=True)
    theirs = chart.copy(deep=True)
    assert ours.to_dict(validate=False) == theirs.to_dict(validate=False)
    # Copies all the way down: changing the copy leaves the chart as it was.
    ours.layer[0]["usermeta"]["nested"]["deep"][1].append("changed")
    ours.layer[0].encoding.y["sort"].append("e")
    assert chart.to_dict(validate=False) == theirs.to_dict(validate=False)


def test_unexpected_internals_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def other(obj: Any, context: Any) -> Any:  # a different signature: a later Altair
        return obj

    monkeypatch.setattr(schemapi, "_todict", other)
    with quicker_conversion():
        assert schemapi._todict is other


def _encoded(frame: pd.DataFrame) -> alt.LayerChart:
    from rinec_report.charts import highlight_opacity

    points = alt.Chart(frame).mark_point().encode(
        x="x:Q", y=alt.Y("k:N", title="K"), color=alt.condition("datum.x > 1", alt.value("red"), "k:N"),
        size=alt.value(60), opacity=highlight_opacity(), tooltip=["patient_id:N", "x:Q", alt.Tooltip("k", title="k")],
        shape=alt.value(True) if len(frame) > 2 else alt.value("circle"))
    return alt.layer(points, points.mark_text().encode(text="k:N", x=alt.X("x:O", sort=[2, 1]), y="x:Q"))


def test_remembered_verdicts_build_altairs_own_objects() -> None:
    frame = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "x": [1.0, 2.0, 3.0], "k": ["a", "b", "c"]})
    expected = [_encoded(frame).to_dict(validate=False), _encoded(frame.head(2)).to_dict(validate=False)]
    kinds = [type(v).__name__ for v in _encoded(frame).layer[1].encoding._kwds.values()]
    with altair_settings():
        for _ in range(2):  # the second time from the verdicts kept
            made = [_encoded(frame), _encoded(frame.head(2))]
            assert [m.to_dict(validate=False) for m in made] == expected
            assert [type(v).__name__ for v in made[0].layer[1].encoding._kwds.values()] == kinds


def test_a_remembered_refusal_is_altairs_error() -> None:
    import jsonschema

    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point()
    with schemapi.debug_mode(False), pytest.raises(jsonschema.ValidationError) as outside:
        chart.properties(width="wide")
    with altair_settings():
        for _ in range(2):
            with pytest.raises(jsonschema.ValidationError) as inside:
                chart.properties(width="wide")
            assert type(inside.value) is type(outside.value)
            assert str(inside.value) == str(outside.value)
            assert len(inside.value._all_errors) == len(outside.value._all_errors)


def test_verdicts_are_kept_apart_by_python_type() -> None:
    from rinec_report.altair_speed import _typed_key

    # jsonschema tells these apart (a bool is no integer to it, a tuple no array).
    assert len({_typed_key(v) for v in (1, True, 1.0, "1", None)}) == 5
    assert _typed_key({"a": [1, {"b": None}]}) == _typed_key({"a": [1, {"b": None}]})
    assert _typed_key({"a": [1]}) != _typed_key({"a": [True]})
    assert _typed_key((1, 2)) is None and _typed_key({"a": (1,)}) is None and _typed_key({1: "a"}) is None
