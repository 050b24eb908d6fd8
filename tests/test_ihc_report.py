"""The ihc plugin's panel verdicts, sections, summary columns and report output."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from ihc_helpers import EXAMPLE_SCORES, LONG_HEADER, options, parse, write_rows
from rinec_plugins import ihc
from rinec_plugins.ihc.combine import combine
from rinec_plugins.ihc.panel import INCONCLUSIVE, RECURRENCE, SUPPORTS, MarkerGroups, verdict
from rinec_plugins.ihc.sections import sections, summary_columns

from rinec_report import Chart, FoundFile, Note, palettes
from rinec_report.charts import PATIENT_SIGNAL, to_spec

GROUPS = MarkerGroups.from_options(options())
NEGATIVE_OTHERS = {"EBER": "-", "CK5/6": "-", "p40": "-"}


@pytest.mark.parametrize(
    ("readings", "expected", "reason"),
    [
        ({"CD56": "++", "SYN": "-", **NEGATIVE_OTHERS}, SUPPORTS, "CD56 (++) positive; EBER, CK5/6 and p40 negative"),
        (
            {"CD56": "+++", "EBER": "++", "CK5/6": "-", "p40": "-"},
            RECURRENCE,
            "EBER (++) positive: an EBV-driven tumour, although CD56 (+++) positive",
        ),
        (
            {"CD56": "-", "SYN": "-", **NEGATIVE_OTHERS},
            INCONCLUSIVE,
            "no neuroendocrine marker positive: CD56 (-) and SYN (-)",
        ),
        ({"CD56": "++", "EBER": "-", "CK5/6": "+", "p40": "-"}, INCONCLUSIVE, "CD56 (++) positive, but also CK5/6 (+)"),
        ({"CD56": "++", "EBER": "-"}, INCONCLUSIVE, "CD56 (++) positive; EBER negative, but CK5/6 and p40 not stained"),
        ({"EBER": "-", "CK5/6": "-"}, INCONCLUSIVE, "no neuroendocrine marker stained (CD56, SYN and CgA)"),
    ],
)
def test_panel_verdicts_and_reasons(readings: dict[str, str], expected: str, reason: str) -> None:
    assert verdict(readings, GROUPS) == (expected, reason)


def test_positive_cut_off_is_configurable() -> None:
    strict = MarkerGroups.from_options(options(positive_from="++"))
    readings = {"CD56": "+", "SYN": "+", "EBER": "+", "CK5/6": "-", "p40": "-"}
    assert verdict(readings, GROUPS)[0] == RECURRENCE
    decided, reason = verdict(readings, strict)
    assert decided == INCONCLUSIVE and reason.startswith("no neuroendocrine marker positive")


def test_example_run_supports_all_five_necs() -> None:
    published = combine([parse(EXAMPLE_SCORES)], options())
    panel = published["panel"]
    assert list(panel.columns) == ["patient_id", "specimen", "verdict", "reason"]
    assert list(panel["patient_id"]) == ["P1", "P2", "P3", "P4", "P5"]
    assert (panel["verdict"] == SUPPORTS).all()
    built = sections(published, options())
    assert [s.id for s in built] == ["heatmap", "comparison", "panel"]
    assert [s.id for s in built] == ["heatmap", "comparison", "panel"]
    note = next(b for b in built[2].blocks if isinstance(b, Note))
    assert note.text == "The panel supports NEC in 5 of 5 NEC specimens."
    switch = built[1].blocks[0].text
    assert "EBER, CK5/6 and p40 positive in the NPC and negative in the NEC" in switch
    assert "CD56, SYN and CgA positive in the NEC" in switch


def _charts(built: list) -> dict[str, dict]:
    return {s.id: to_spec(b.spec) for s in built for b in s.blocks if isinstance(b, Chart)}


def _chart_rows(spec: dict) -> list[dict]:
    # Strict JSON: a NaN would stop the browser from parsing the spec.
    json.dumps(spec, allow_nan=False)
    rows = list(spec.get("data", {}).get("values", []))
    for values in spec.get("datasets", {}).values():
        rows.extend(values)
    return rows


def test_heatmap_cells_and_highlighter() -> None:
    published = combine([parse(EXAMPLE_SCORES)], options())
    spec = _charts(sections(published, options()))["heatmap"]
    text = json.dumps(spec)
    assert PATIENT_SIGNAL in text and "indexof(rinec_patient, datum['patient_id'])" in text
    cells = [r for r in _chart_rows(spec) if "state" in r]
    # 2 panels x 5 patients x 6 markers, gaps included.
    assert len(cells) == 60
    p1_eber = next(c for c in cells if c["row"] == "P1" and c["marker"] == "EBER" and c["panel"].startswith("NPC"))
    assert (p1_eber["score"], p1_eber["category"], p1_eber["intensity"], p1_eber["percent"]) == (12, "+++", "3", "95%")
    gaps = [c for c in cells if c["state"] == "gap"]
    assert {c["reading"] for c in gaps} == {"not stained", "no NPC specimen"}
    # Markers read left to right from the NPC's to the NEC's.
    assert spec["spec"]["layer"][0]["encoding"]["x"]["sort"] == ["EBER", "CK5/6", "p40", "CD56", "SYN", "CgA"]


def test_same_input_same_chart_specs() -> None:
    first = _charts(sections(combine([parse(EXAMPLE_SCORES)], options()), options()))
    second = _charts(sections(combine([parse(EXAMPLE_SCORES)], options()), options()))
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_a_patient_with_only_an_nec(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        [*LONG_HEADER, "category"],
        [
            ["P9", "NEC", "CD56", 2, 60, ""],
            ["P9", "NEC", "SYN", "", "", "++"],
            ["P9", "NEC", "EBER", 0, "", ""],
            ["P9", "NEC", "CK5/6", 0, 0, ""],
            ["P9", "NEC", "p40", 0, 0, ""],
        ],
    )
    published = combine([parse(path)], options())
    assert published["panel"].to_dict("records") == [
        {
            "patient_id": "P9",
            "specimen": "NEC",
            "verdict": SUPPORTS,
            "reason": "CD56 (++) and SYN (++) positive; EBER, CK5/6 and p40 negative",
        }
    ]
    built = sections(published, options())
    # No NPC specimen: no NPC-versus-NEC section with nothing in it.
    assert [s.id for s in built] == ["heatmap", "panel"]
    cells = [r for r in _chart_rows(_charts(built)["heatmap"]) if "state" in r]
    assert {c["panel"] for c in cells} == {"NEC (second tumour)"}
    syn = next(c for c in cells if c["marker"] == "SYN")
    assert syn["state"] == "category" and syn["score"] is None
    assert any(isinstance(b, Note) and "Grey cells" in b.text for b in built[0].blocks)
    columns = {c.name: c.values for c in summary_columns(published, options())}
    assert columns == {
        "ihc_neuroendocrine": {"P9": "CD56 ++, SYN ++"},
        "ihc_ebv": {"P9": "NEC -"},
        "ihc_verdict": {"P9": SUPPORTS},
    }


def test_a_category_only_reading_is_a_range_in_the_dumbbell(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        [*LONG_HEADER, "category"],
        [["P1", "NPC", "EBER", "", "", "++"], ["P1", "NEC", "EBER", 0, 0, ""]],
    )
    published = combine([parse(path)], options())
    spec = _charts(sections(published, options()))["comparison"]
    rows = [r for r in _chart_rows(spec) if "computed" in r]
    npc = next(r for r in rows if r["specimen_type"] == "NPC")
    assert (npc["computed"], npc["low"], npc["high"], npc["score"]) == (False, 5, 8, None)


def test_a_study_with_other_markers(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        ["patient_id", "specimen", "INSM1", "TTF-1", "Ki-67", "CK7"],
        [
            ["A", "tumour NEC", "3/90%", "2/40%", "3/80%", "0"],
            ["B", "NEC", "0", "0", "1/10%", "3/90%"],
        ],
    )
    opts = options(neuroendocrine_markers=["INSM1"], squamous_markers=["CK7"], ebv_markers=[])
    published = combine([parse(path, **opts)], opts)
    assert list(dict.fromkeys(published["scores"]["marker"])) == ["CK7", "INSM1", "TTF-1", "Ki-67"]
    panel = published["panel"].set_index("patient_id")
    assert panel.loc["A", "verdict"] == SUPPORTS
    assert panel.loc["A", "reason"] == "INSM1 (+++) positive; CK7 negative"
    assert panel.loc["B", "verdict"] == INCONCLUSIVE
    built = sections(published, opts)
    heat = _charts(built)["heatmap"]
    assert heat["spec"]["layer"][0]["encoding"]["x"]["sort"] == ["CK7", "INSM1", "TTF-1", "Ki-67"]
    kv = next(b for b in built[-1].blocks if hasattr(b, "items"))
    assert kv.items["EBV markers"] == "none"
    # With the default panel, none of these markers counts: nothing is supported.
    default = combine([parse(path)], options())
    assert set(default["panel"]["verdict"]) == {INCONCLUSIVE}


def test_hooks_parse_a_found_file_and_publish() -> None:
    assert ihc.rinec_patterns()[0].key == "scores"
    found = FoundFile(
        path=str(EXAMPLE_SCORES),
        relpath="ihc_scores.csv",
        plugin="ihc",
        pattern="scores",
        size=EXAMPLE_SCORES.stat().st_size,
    )
    import fnmatch

    assert any(fnmatch.fnmatch("ihc_scores.csv", g) for g in ihc.rinec_patterns()[0].glob)
    parsed = ihc.rinec_parse(file=found, options=options())
    assert len(parsed) == 36


def test_example_report_exports_the_public_tables(tmp_path: Path, monkeypatch) -> None:
    from rinec_report import run

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    report = run(EXAMPLE_SCORES.parent, outdir=tmp_path, force=True, plugins=("ihc",))
    assert report.exit_status == 0, [m.line() for m in report.messages]
    data = Path(report.data_dir)
    with (data / "ihc_scores.tsv").open() as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert list(rows[0]) == [
        "patient_id",
        "specimen",
        "specimen_type",
        "marker",
        "intensity",
        "percent",
        "percent_score",
        "score",
        "category",
        "source",
    ]
    assert len(rows) == 36
    with (data / "ihc_panel.tsv").open() as fh:
        panel = list(csv.DictReader(fh, delimiter="\t"))
    assert [r["verdict"] for r in panel] == [SUPPORTS] * 5
    assert list(panel[0]) == ["patient_id", "specimen", "verdict", "reason"]
    html = Path(report.html_path).read_text()
    for title in ("IHC scores", "Primary NPC versus second NEC", "Diagnostic panel"):
        assert title in html
    again = run(EXAMPLE_SCORES.parent, outdir=tmp_path / "again", force=True, plugins=("ihc",))
    assert Path(again.html_path).read_bytes() == Path(report.html_path).read_bytes()


def test_unreadable_file_becomes_a_report_error(tmp_path: Path) -> None:
    from rinec_report import run

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    write_rows(run_dir / "ihc.csv", LONG_HEADER, [["P1", "NEC", "CD56", 4, 50], ["P1", "NEC", "SYN", 2, 50]])
    report = run(run_dir, outdir=tmp_path / "out", force=True, plugins=("ihc",))
    # One bad cell costs that reading: the other is scored, the bad one named.
    assert report.exit_status == 0
    lines = [m.line() for m in report.messages]
    assert any("ihc.csv" in line and "column 'intensity'" in line and "row 2" in line for line in lines), lines
    assert list(report.tables["ihc_scores"]["marker"]) == ["SYN"]


def test_category_only_cells_have_their_own_grey_layer(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        [*LONG_HEADER, "category"],
        [["P1", "NEC", "SYN", "", "", "++"], ["P1", "NEC", "CD56", 2, 60, ""]],
    )
    spec = _charts(sections(combine([parse(path)], options()), options()))["heatmap"]
    layers = spec["spec"]["layer"]
    # Vega-Lite drops a mark whose colour field is null: the grey layer must not use the score.
    grey = [layer for layer in layers if layer["mark"].get("fill") == palettes.MISSING]
    assert len(grey) == 1
    assert grey[0]["transform"] == [{"filter": "datum.state == 'category' && datum.category != '-'"}]
    assert "color" not in grey[0]["encoding"]
    states = {(c["marker"], c["state"]) for c in _chart_rows(spec) if "state" in c}
    assert states == {("SYN", "category"), ("CD56", "computed")}


def test_comparison_chart_caps_the_patients(tmp_path: Path) -> None:
    rows = [[f"P{i}", kind, "EBER", 3 if kind == "NPC" else 0, 90] for i in range(1, 4) for kind in ("NPC", "NEC")]
    path = write_rows(tmp_path / "ihc.csv", LONG_HEADER, rows)
    opts = options(comparison_max_patients=2)
    built = sections(combine([parse(path)], opts), opts)
    spec = _charts(built)["comparison"]
    assert spec["facet"]["sort"] == ["P1", "P2"]
    assert {r["patient_id"] for r in _chart_rows(spec)} == {"P1", "P2"}
    notes = [b.text for b in built[1].blocks if isinstance(b, Note)]
    assert notes == [
        "The chart shows the first 2 of 3 patients with both specimens "
        "(option ihc.comparison_max_patients); the scores table has all."
    ]
