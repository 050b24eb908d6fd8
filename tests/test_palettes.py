"""Colours: safe under the three common colour-vision deficiencies, keyed by value, one grey
for missing; and the chart conventions the issue lists (NPC heat map first, negative IHC as
score 0, readable grouped survival plots).

The deficiencies are simulated with colorspacious (Machado, Oliveira & Fernandes 2009, at
full severity), an implementation independent of this project; distances are CAM02-UCS
Delta E, where about 10 is the least difference a reader tells apart at a glance in a legend.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from page_helpers import chart_specs

from rinec_report import palettes

colorspacious = pytest.importorskip("colorspacious", reason="install the test extras")

DEFICIENCIES = ("deuteranomaly", "protanomaly", "tritanomaly")
MIN_DELTA_E = 10.0


def _rgb(hex_colour: str) -> list[float]:
    h = hex_colour.lstrip("#")
    return [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]


def _seen(hex_colour: str, deficiency: str | None) -> list[float]:
    import numpy as np

    rgb = _rgb(hex_colour)
    if deficiency is None:
        return rgb
    cvd = {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}
    return list(np.clip(colorspacious.cspace_convert(rgb, cvd, "sRGB1"), 0, 1))


def _closest(colours: list[str]) -> tuple[float, str, str, str]:
    """The smallest distance between two of ``colours`` under any deficiency (or none)."""
    return min(
        (colorspacious.deltaE(_seen(a, d), _seen(b, d), input_space="sRGB1"), str(d), a, b)
        for d in (None, *DEFICIENCIES)
        for a, b in itertools.combinations(sorted(set(colours)), 2)
    )


@pytest.mark.parametrize(
    "name, colours",
    [
        ("categorical and missing", [*palettes.CATEGORICAL, palettes.MISSING]),
        ("variant classes", list(palettes.VARIANT_CLASSES.values())),
        ("variant classes over the oncoplot's grey", [*palettes.VARIANT_CLASSES.values(), "#E8E8E8"]),
        ("SNV classes", list(palettes.SNV_CLASSES.values())),
        ("oncoplot tracks and missing", [*palettes.TRACKS, palettes.MISSING]),
    ],
)
def test_palettes_stay_apart_under_colour_blindness(name: str, colours: list[str]) -> None:
    worst = _closest(colours)
    assert worst[0] >= MIN_DELTA_E, f"{name}: {worst[2]} and {worst[3]} under {worst[1]}: {worst[0]:.1f}"


def test_the_pairs_the_issue_names_are_told_apart() -> None:
    # Missense vs Nonsense, C>T vs T>C (Okabe-Ito bluish green vs vermillion), by name.
    for a, b in (("Missense_Mutation", "Nonsense_Mutation"), ("C>T", "T>C")):
        worst = _closest([palettes.KNOWN[a], palettes.KNOWN[b]])
        # maftools' green and red were 5.8 apart under deuteranopia
        assert worst[0] >= 20, (a, b, worst)


def _chart_specs(report: Path) -> list[dict]:
    html = report.read_text(encoding="utf-8")
    return [spec for _, spec in chart_specs(html)]


def _scales(node, out: list) -> list:
    if isinstance(node, dict):
        scale = node.get("scale")
        if isinstance(scale, dict) and isinstance(scale.get("range"), list):
            colours = [c for c in scale["range"] if isinstance(c, str) and c.startswith("#")]
            if len(colours) == len(scale["range"]):
                out.append((scale.get("domain") or [], colours))
        for value in node.values():
            _scales(value, out)
    elif isinstance(node, list):
        for value in node:
            _scales(value, out)
    return out


def _light(colour: str) -> bool:
    """A background tint (boxes of the selection flow), not a data colour."""
    return colorspacious.cspace_convert(_rgb(colour), "sRGB1", "CAM02-UCS")[0] > 90


def test_every_colour_scale_of_the_example_report_is_safe(example_report: Path) -> None:
    checked = 0
    for spec in _chart_specs(example_report):
        for domain, colours in _scales(spec, []):
            if len(set(colours)) < 2 or all(_light(c) for c in colours):
                continue
            worst = _closest(colours)
            assert worst[0] >= MIN_DELTA_E, (domain, worst)
            checked += 1
    assert checked >= 5


def test_a_value_keeps_its_colour_across_charts_and_runs(example_report: Path) -> None:
    # known values alone or among others, and any values in any order: the same colour
    assert palettes.colors(["male"])["male"] == palettes.colors(["female", "male", "unknown"])["male"]
    a = palettes.colors(["left nasal cavity", "right hard palate", "left ethmoidal sinus"])
    b = palettes.colors(["right hard palate", "left ethmoidal sinus", "left nasal cavity"])
    assert a == b
    # no two values of one chart share a colour while the palette lasts
    assert len(set(palettes.colors([f"site {i}" for i in range(8)]).values())) == 8
    # in the report: the oncoplot's sex track names its colours (no scheme that hands them
    # out in data order), and "male" has its own colour there
    seen = {colours[domain.index("male")] for spec in _chart_specs(example_report)
            for domain, colours in _scales(spec, []) if "male" in domain}
    assert seen == {palettes.KNOWN["male"]}
    # and across the report's charts a value has one colour
    colour_of: dict[str, set[str]] = {}
    for spec in _chart_specs(example_report):
        for domain, colours in _scales(spec, []):
            for value, colour in zip(domain, colours, strict=False):
                colour_of.setdefault(str(value), set()).add(colour)
    assert {v: c for v, c in colour_of.items() if len(c) > 1} == {}


def test_missing_is_one_grey_everywhere(example_report: Path) -> None:
    for word in ("unknown", "", "NA", "not known", None):
        assert palettes.colors([word, "x"]).get("" if word is None else str(word), palettes.MISSING) == palettes.MISSING
    for spec in _chart_specs(example_report):
        for domain, colours in _scales(spec, []):
            for value, colour in zip(domain, colours, strict=False):
                if str(value).lower() in ("unknown", "missing", "not known"):
                    assert colour == palettes.MISSING, (domain, colours)


# ---------------------------------------------------------------- IHC and survival charts


def _ihc_heatmap(rows: list[list[str]], tmp_path: Path) -> dict:
    from ihc_helpers import LONG_HEADER, options, parse, write_rows
    from rinec_plugins.ihc import charts as ihc_charts
    from rinec_plugins.ihc.combine import combine

    path = write_rows(tmp_path / "ihc.csv", [*LONG_HEADER, "category"], rows)
    published = combine([parse(path)], options())
    scores = published["scores"]
    return ihc_charts.heatmap(scores, list(dict.fromkeys(scores["marker"])))


def test_npc_heat_map_comes_before_nec_whatever_the_row_order(tmp_path: Path) -> None:
    # NEC rows first in the file: the NPC (primary) panel is still drawn first.
    spec = _ihc_heatmap([["P1", "NEC", "SYN", 2, 60, ""], ["P1", "NPC", "SYN", 0, 0, ""]], tmp_path)
    assert spec["facet"]["column"]["sort"][0].startswith("NPC")


def test_negative_reading_has_the_colour_of_score_zero(tmp_path: Path) -> None:
    spec = _ihc_heatmap([["P1", "NEC", "SYN", "", "", "-"], ["P1", "NEC", "CD56", 0, 0, ""]], tmp_path)
    layers = spec["spec"]["layer"]
    coloured = [layer for layer in layers if layer.get("encoding", {}).get("color", {}).get("field") == "shade"]
    # the computed scores and the "-" readings share one colour scale, "-" at 0
    assert len(coloured) == 2
    negative = next(layer for layer in coloured if "datum.category == '-'" in json.dumps(layer["transform"]))
    assert {"calculate": "0", "as": "shade"} in negative["transform"]


def test_grouped_survival_plot_has_no_muddy_bands_and_a_legend_beside_it(tmp_path: Path) -> None:
    # R's lung data by ECOG score: four groups (0 to 3).
    from survival_helpers import run_survival, write_lung_run

    config = "survival:\n  input_time_unit: days\n  group_by: [ph.ecog]\n"
    report = run_survival(write_lung_run(tmp_path / "run", config), tmp_path / "out")
    grouped = [spec for spec in _chart_specs(report.html_path) if "ph_ecog" in json.dumps(spec)]
    assert grouped
    for spec in grouped:
        text = json.dumps(spec)
        assert '"type": "area"' not in text and '"mark": "area"' not in text  # no overlapping bands
        orients = re.findall(r'"orient": "([a-z-]+)"', text)
        # a legend beside the plot, never inside it over the curves
        assert orients and not any(o in ("top-right", "top-left", "bottom-right", "bottom-left") for o in orients)
        domains = [d for d, _ in _scales(spec, []) if any("ph_ecog" in str(v) for v in d)]
        assert domains and all(len(d) == 4 for d in domains)


def test_oncoplot_tracks_give_no_colour_two_meanings(example_report: Path) -> None:
    # The example's tracks (hand reading of clinical.xlsx): sex (all M), NEC site (four
    # sites), RIN criteria (met): six meanings, so six colours, none shared between tracks.
    spec = next(s for s in _chart_specs(example_report) if "Variant classification" in json.dumps(s))
    tracks = [row for row in spec["vconcat"][2:]]
    seen: dict[str, tuple[str, str]] = {}
    count = 0
    for track in tracks:
        scale = track["encoding"]["color"]["scale"]
        for value, colour in zip(scale["domain"], scale["range"], strict=True):
            count += 1
            if colour == palettes.MISSING:
                continue
            assert colour not in seen, (value, colour, seen[colour])
            seen[colour] = (track["encoding"]["color"]["title"], value)
    assert count == 6


def _luminance(hex_colour: str) -> float:
    # WCAG 2.x relative luminance (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance)
    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(hex_colour)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def test_the_timelines_imaging_marker_stands_out_on_white(example_report: Path) -> None:
    spec = next(s for s in _chart_specs(example_report) if '"Imaging"' in json.dumps(s))
    colour = next(colours[domain.index("Imaging")] for domain, colours in _scales(spec, []) if "Imaging" in domain)
    ratio = (1.0 + 0.05) / (_luminance(colour) + 0.05)
    assert ratio >= 3.0, (colour, ratio)  # WCAG 1.4.11, graphics against the white chart card
