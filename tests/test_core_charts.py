"""The core's handling of Altair: no row limit for plugins (each decides what to draw by
its data size), schema validation that still catches a wrong chart, and the same
values as Altair's own conversion."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from spec_helpers import canonical

from rinec_report import Chart, Pattern, Section, hookimpl, run
from rinec_report.charts import altair_settings, chart_dict

BUILTINS = ("cohort", "survival", "ihc", "variants", "enrichment")
ROWS = 6000  # over Altair's default limit of 5,000 rows


class Points:
    """Draws one point per line of `*.points` files; ``broken`` draws an invalid mark."""

    def __init__(self, broken: bool = False) -> None:
        self.broken = broken

    @hookimpl
    def rinec_patterns(self):
        return [Pattern("points", glob=("*.points",))]

    @hookimpl
    def rinec_parse(self, file):
        return [float(x) for x in Path(file.path).read_text().split()]

    @hookimpl
    def rinec_datasets(self, files):
        return {"points": pd.DataFrame({"x": [x for f in files for x in f.data]})}

    @hookimpl
    def rinec_sections(self, data):
        import altair as alt

        chart = alt.Chart(data["points"]).mark_point().encode(x="x:Q")
        if self.broken:
            chart.mark = {"type": "point", "opacity": "high"}
        return [Section("points", "Points", blocks=[Chart(chart)])]


def _run(tmp_path: Path, plugin: Points):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "a.points").write_text("\n".join(str(i) for i in range(ROWS)))
    return run(run_dir, outdir=tmp_path / "out", force=True, exclude=BUILTINS, extra_plugins={"points": plugin})


def test_a_chart_over_altairs_row_limit_is_drawn(tmp_path: Path) -> None:
    report = _run(tmp_path, Points())
    assert report.exit_status == 0, [m.line() for m in report.errors]
    chart = next(b for _, s in report.sections for b in s.blocks if isinstance(b, Chart))
    values = [row for rows in chart.spec["datasets"].values() for row in rows]
    assert values == [{"x": float(i)} for i in range(ROWS)]


def test_an_invalid_chart_is_still_an_error_in_its_place(tmp_path: Path) -> None:
    report = _run(tmp_path, Points(broken=True))
    assert report.exit_status == 1
    assert any("chart in 'Points' is invalid: SchemaValidationError" in m.line() for m in report.errors)


@pytest.mark.parametrize("rows", [3, 200])
def test_same_spec_as_altairs_own_conversion(rows: int) -> None:
    import altair as alt

    frame = pd.DataFrame({
        "patient_id": [f"P{i}" if i % 7 else None for i in range(rows)],
        "when": pd.to_datetime("2020-01-01") + pd.to_timedelta(range(rows), unit="D"),
        "value": [float(i) if i % 5 else float("nan") for i in range(rows)],
        "group": pd.Categorical(["a", "b"] * (rows // 2) + ["a"] * (rows % 2)),
    })
    chart = alt.Chart(frame).mark_point().encode(x="when:T", y="value:Q", color="group:N")
    with alt.data_transformers.disable_max_rows():
        expected = chart.to_dict()
    with altair_settings():
        ours = chart_dict(chart)
    # The same spec and data; the report names its datasets by order, Altair by a hash.
    assert json.dumps(canonical(ours), sort_keys=True) == json.dumps(canonical(expected), sort_keys=True)


def test_encodings_made_in_the_core_settings_are_altairs_own() -> None:
    """The shared schema table (altair_speed.schema_table_once) builds the same channel
    objects as Altair's own ``from_dict``: shorthand strings, ``alt.value``,
    ``alt.condition`` and the highlighter's opacity, held to Altair outside the settings."""
    import altair as alt
    from altair.utils import schemapi

    from rinec_report.charts import highlight_opacity

    frame = pd.DataFrame({"patient_id": ["P1", "P2"], "x": [1.0, 2.0], "k": ["a", "b"]})

    def chart() -> alt.LayerChart:
        points = alt.Chart(frame).mark_point().encode(
            x="x:Q", y=alt.Y("k:N", title="K"), color=alt.condition("datum.x > 1", alt.value("red"), "k:N"),
            size=alt.value(60), opacity=highlight_opacity(), tooltip=["patient_id:N", "x:Q"])
        return alt.layer(points, points.mark_text().encode(text="k:N"))

    original = schemapi._FromDict
    with alt.data_transformers.disable_max_rows():
        expected = chart().to_dict(validate=False)
        built_outside = [type(v).__name__ for v in chart().layer[0].encoding._kwds.values()]
    with altair_settings():
        assert schemapi._FromDict is not original
        made = chart()
        got = made.to_dict(validate=False)
        built_inside = [type(v).__name__ for v in made.layer[0].encoding._kwds.values()]
        assert canonical(chart_dict(made)) == canonical(expected)
    assert schemapi._FromDict is original  # Altair is left as it was
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert built_inside == built_outside
