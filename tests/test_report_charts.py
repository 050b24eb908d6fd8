"""The chart conventions the core applies to every spec (rinec_report.charts.to_spec)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from rinec_report.charts import highlight_opacity, to_spec

DATA = pd.DataFrame({"patient_id": ["P1", "P2"], "x": [1, 2], "y": [3, 4]})


def test_parameters_title_and_description_are_declared() -> None:
    spec = to_spec(alt.Chart(DATA).mark_bar().encode(x="x:Q", y="y:Q"), title="Purity")
    names = [p["name"] for p in spec["params"]]
    assert names == ["rinec_patient", "rinec_hidden", "rinec_colors"]
    assert spec["description"] == "Purity" and spec["usermeta"]["title"] == "Purity"
    assert spec["config"]["mark"]["aria"] is False  # no "x: 1; y: 3" labels in exported SVG


def test_filled_marks_of_chosen_patients_get_an_outline_in_their_colour() -> None:
    bars = alt.Chart(DATA).mark_bar().encode(x="x:Q", y="y:Q", opacity=highlight_opacity())
    encoding = to_spec(bars)["encoding"]
    assert encoding["stroke"]["condition"]["value"] == {"expr": "rinec_colors[datum['patient_id']]"}
    assert encoding["strokeWidth"]["value"] == 0
    # hidden patients vanish first, then chosen ones stay, others are dimmed
    tests = [c["test"] for c in encoding["opacity"]["condition"]]
    assert tests[0] == "indexof(rinec_hidden, datum['patient_id']) >= 0"
    assert encoding["opacity"]["condition"][0]["value"] == 0


def test_hollow_points_and_lines_keep_their_colour_channel() -> None:
    # Vega-Lite drops "color" when a hollow point or a line also has "stroke".
    layered = alt.layer(
        alt.Chart(DATA).mark_point().encode(x="x:Q", y="y:Q", color="patient_id:N", opacity=highlight_opacity()),
        alt.Chart(DATA).mark_line().encode(x="x:Q", y="y:Q", opacity=highlight_opacity()),
    )
    for layer in to_spec(layered)["layer"]:
        assert "stroke" not in layer["encoding"]


def test_an_outline_the_plugin_drew_is_kept_for_other_patients() -> None:
    cells = alt.Chart(DATA).mark_rect(stroke="#ffffff", strokeWidth=1).encode(
        x="x:O", y="y:O", opacity=highlight_opacity())
    encoding = to_spec(cells)["encoding"]
    assert encoding["stroke"]["value"] == "#ffffff" and encoding["strokeWidth"]["value"] == 1


def test_the_narrow_legend_config_is_the_pages_not_each_charts(example_report) -> None:
    import json
    import re

    from page_helpers import chart_specs

    from rinec_report.charts import NARROW_LEGEND, NARROW_WIDTH

    html = example_report.read_text(encoding="utf-8")
    specs = [spec for _, spec in chart_specs(html)]
    assert len(specs) >= 20  # every plugin's charts of the example
    assert not [s for s in specs if "rinec_narrow" in s.get("usermeta", {})]
    # One rule in the page, which the page applies to every chart below its width.
    rules = re.findall(r'<script type="application/json" id="rr-narrow">(.*?)</script>', html, re.S)
    assert [json.loads(r) for r in rules] == [{"width": NARROW_WIDTH, "legend": NARROW_LEGEND}]
    assert NARROW_LEGEND["orient"] == "bottom"
