"""The plugin's two charts: the score heat map and the NPC-versus-NEC dumbbell.

Readings given only as a category have no score: they are drawn as such (a
grey cell, a bar over the category's whole score range), never as a number
the pathologist did not write. Both functions return Vega-Lite dicts: the
data are attached as named datasets after conversion (see ``_spec``).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from rinec_report import palettes
from rinec_report.charts import highlight_opacity

from .names import NEC, NPC
from .parse import COMPUTED
from .scoring import CATEGORIES, MAX_SCORE, Bands

TYPE_TITLES = {NPC: "NPC (primary)", NEC: "NEC (second tumour)"}
TYPE_COLOURS = {NPC: palettes.KNOWN["NPC"], NEC: palettes.KNOWN["NEC"]}
CELL = 46
DASH = "\u2013"
NOT_STAINED = "not stained"


def _spec(chart: alt.TopLevelMixin, name: str, frame: pd.DataFrame) -> dict[str, Any]:
    """The chart as a Vega-Lite dict whose data ``name`` holds ``frame``.

    The rows are attached after ``to_dict``: Altair would otherwise validate
    every row against the schema (seconds for a large cohort) and turn an
    object column of numbers and ``None`` into NaN, which is not JSON."""
    spec = chart.to_dict()
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    spec["datasets"] = {name: [{k: _plain(v) for k, v in r.items()} for r in records]}
    return spec


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, float) and value != value:  # NaN
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _reading(r: Any) -> str:
    """A reading in words, from a row of ``scores`` (a named tuple)."""
    if r.source == "percent":
        return f"{r.percent:g}% of cells (a percentage reading: no intensity, no score)"
    if r.source == "intensity":
        return f"intensity {r.intensity} ({r.category}), percentage not recorded: no score"
    if r.source != COMPUTED:
        return f"recorded only as {r.category}"
    if r.intensity == 0:
        return "intensity 0: score 0"
    return f"{r.intensity} x {r.percent_score} = {r.score}"


def _int(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _row_labels(scores: pd.DataFrame) -> dict[tuple[str, str], str]:
    """Row label per (patient, specimen): the patient id, or the patient and
    specimen when a patient has two specimens of one type."""
    specimens = scores.drop_duplicates(["patient_id", "specimen"])
    counts = specimens.groupby(["patient_id", "specimen_type"], sort=False)["specimen"].size()
    crowded = set(counts[counts > 1].index)
    return {
        (p, s): f"{p} ({s})" if (p, t) in crowded else p
        for p, s, t in specimens[["patient_id", "specimen", "specimen_type"]].itertuples(index=False)
    }


def heatmap_data(scores: pd.DataFrame, markers: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Every cell of every panel (readings and gaps) and the row order."""
    labels = _row_labels(scores)
    patients = list(dict.fromkeys(scores["patient_id"]))
    # The primary NPC panel first, then the NEC, then any other type, whatever the row order.
    first = {NPC: 0, NEC: 1}
    types = sorted(dict.fromkeys(scores["specimen_type"]), key=lambda t: first.get(t, 2))
    specimens = (
        scores.drop_duplicates(["specimen_type", "patient_id", "specimen"])
        .groupby(["specimen_type", "patient_id"], sort=False)["specimen"]
        .agg(list)
        .to_dict()
    )
    drawn = scores[scores["marker"].isin(markers)] if len(markers) < scores["marker"].nunique() else scores
    readings = {(r.patient_id, r.specimen, r.marker): r for r in drawn.itertuples(index=False)}
    rows: list[dict[str, Any]] = []
    order: dict[str, int] = {}
    for kind in types:
        panel = TYPE_TITLES.get(kind, kind)
        for rank, patient in enumerate(patients):
            for specimen in specimens.get((kind, patient), [None]):
                label = labels[(patient, specimen)] if specimen else patient
                order.setdefault(label, rank)
                for marker in markers:
                    reading = readings.get((patient, specimen, marker))
                    rows.append(_cell(panel, kind, patient, specimen, label, marker, reading))
    # Patients in table order; a patient's several specimens as first read.
    ordered = sorted(order, key=lambda label: order[label])
    return pd.DataFrame(rows), ordered


def _cell(
    panel: str, kind: str, patient: str, specimen: str | None, label: str, marker: str, reading: Any
) -> dict[str, Any]:
    if reading is None:
        return {
            "panel": panel,
            "patient_id": patient,
            "row": label,
            "specimen": specimen or f"no {kind} specimen",
            "marker": marker,
            "state": "gap",
            "score": None,
            "category": "",
            "intensity": DASH,
            "percent": DASH,
            "reading": NOT_STAINED if specimen else f"no {kind} specimen",
        }
    return {
        "panel": panel,
        "patient_id": patient,
        "row": label,
        "specimen": specimen,
        "marker": marker,
        "state": COMPUTED if reading.source == COMPUTED else "category",
        "score": _int(reading.score),
        "category": reading.category,
        "intensity": DASH if pd.isna(reading.intensity) else str(reading.intensity),
        "percent": DASH if pd.isna(reading.percent) else f"{reading.percent:g}%",
        "reading": _reading(reading),
    }


def heatmap(scores: pd.DataFrame, markers: list[str]) -> dict[str, Any]:
    """Patients by markers, one panel per specimen type, coloured by score."""
    data, rows = heatmap_data(scores, markers)
    panels = list(dict.fromkeys(data["panel"]))
    # Many patients: thinner rows, smaller symbols, so the page stays scrollable.
    row_height, font = (CELL * 0.8, 13) if len(rows) <= 40 else (16, 9)
    x = alt.X("marker:N", sort=markers, title=None, axis=alt.Axis(orient="top", labelAngle=0))
    if sum(len(m) for m in markers) > 6 * len(markers):
        x = alt.X("marker:N", sort=markers, title=None, axis=alt.Axis(orient="top", labelAngle=-45))
    y = alt.Y("row:N", sort=rows, title=None)
    tooltip = [
        alt.Tooltip("patient_id:N", title="Patient"),
        alt.Tooltip("specimen:N", title="Specimen"),
        alt.Tooltip("marker:N", title="Marker"),
        alt.Tooltip("intensity:N", title="Intensity"),
        alt.Tooltip("percent:N", title="Stained cells"),
        alt.Tooltip("score:Q", title="Score (0-12)"),
        alt.Tooltip("category:N", title="Category"),
        alt.Tooltip("reading:N", title="Reading"),
    ]
    base = alt.Chart().encode(x=x, y=y, opacity=highlight_opacity(), tooltip=tooltip)
    grid = base.mark_rect(fill="#ffffff", stroke="#d0d0d0", strokeWidth=1)
    colour = alt.Color(
        "shade:Q",
        title="Score",
        scale=alt.Scale(scheme="yelloworangebrown", domain=[0, MAX_SCORE]),
        legend=alt.Legend(values=[0, 4, 8, 12], gradientLength=120),
    )
    # Two layers: Vega-Lite drops marks whose colour field is null, so the
    # category-only cells (no score) get their own grey layer.
    cells = (
        base.mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(color=colour)
        .transform_filter(f"datum.state == '{COMPUTED}'")
        .transform_calculate(shade="datum.score")
    )
    # A negative reading given only as "-" is drawn as score 0 is (negative is
    # negative); the other category-only readings, which span several scores, are grey.
    negative = (
        base.mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(color=colour)
        .transform_filter(f"datum.state == 'category' && datum.category == '{CATEGORIES[0]}'")
        .transform_calculate(shade="0")
    )
    given = base.mark_rect(stroke="#ffffff", strokeWidth=1, fill=palettes.MISSING).transform_filter(
        f"datum.state == 'category' && datum.category != '{CATEGORIES[0]}'"
    )
    symbols = (
        base.mark_text(fontSize=font, fontWeight="bold")
        .encode(
            text="category:N",
            color=alt.condition("datum.score >= 8", alt.value("#ffffff"), alt.value("#222222")),
        )
        .transform_filter("datum.state != 'gap'")
    )
    chart = (
        alt.layer(grid, cells, negative, given, symbols, data=alt.NamedData(name="ihc_heatmap"))
        .properties(width=CELL * len(markers), height=row_height * len(rows))
        .facet(
            column=alt.Column(
                "panel:N", sort=panels, title=None, header=alt.Header(labelFontSize=13, labelFontWeight="bold")
            ),
            spacing=24,
        )
        .resolve_scale(x="shared", y="shared")
    )
    return _spec(chart, "ihc_heatmap", data)


def score_distribution(scores: pd.DataFrame, markers: list[str]) -> dict[str, Any]:
    """Per marker and specimen type, how many readings have each score (0-12): the heat
    map of a cohort too large to draw one row per patient."""
    computed = scores[(scores["source"] == COMPUTED) & scores["marker"].isin(markers)].dropna(subset=["score"])
    counts = (computed.assign(score=computed["score"].astype(int))
              .groupby(["specimen_type", "marker", "score"], sort=True).size().rename("readings").reset_index())
    counts["panel"] = counts["specimen_type"].map(lambda kind: TYPE_TITLES.get(kind, kind))
    counts["share"] = counts["readings"] / counts.groupby(["panel", "marker"])["readings"].transform("sum")
    panels = list(dict.fromkeys(counts["panel"]))
    chart = (
        alt.Chart(counts[["panel", "marker", "score", "readings", "share"]])
        .mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X("score:O", title="Score (0-12)", scale=alt.Scale(domain=list(range(MAX_SCORE + 1))),
                    axis=alt.Axis(labelAngle=0)),
            y=alt.Y("marker:N", sort=markers, title=None),
            color=alt.Color("share:Q", title="Share of readings", scale=alt.Scale(scheme="blues"),
                            legend=alt.Legend(format="%", gradientLength=120)),
            tooltip=[alt.Tooltip("panel:N", title="Specimen"), alt.Tooltip("marker:N", title="Marker"),
                     alt.Tooltip("score:O", title="Score"), alt.Tooltip("readings:Q", title="Readings", format=","),
                     alt.Tooltip("share:Q", title="Share", format=".1%")],
        )
        .properties(width=CELL * 6, height=22 * len(markers))
        .facet(column=alt.Column("panel:N", sort=panels, title=None,
                                 header=alt.Header(labelFontSize=13, labelFontWeight="bold")), spacing=24)
    )
    return chart.to_dict()


def dumbbell_patients(scores: pd.DataFrame) -> list[str]:
    """Patients with both an NPC and an NEC specimen, in table order."""
    npc = set(scores.loc[scores["specimen_type"] == NPC, "patient_id"])
    nec = set(scores.loc[scores["specimen_type"] == NEC, "patient_id"])
    return [p for p in dict.fromkeys(scores["patient_id"]) if p in npc and p in nec]


def dumbbell_data(scores: pd.DataFrame, patients: list[str], bands: Bands,
                  markers: list[str] | None = None) -> pd.DataFrame:
    """For each patient: its first NPC and first NEC specimen's readings (of the
    ``markers``, by default all) with the score range each stands for (one value when
    computed), a span row per marker joining them, and the category bands behind
    them (``kind``)."""
    # Percentage and intensity-only readings have no score or category to draw here.
    chosen = scores[scores["patient_id"].isin(patients) & scores["specimen_type"].isin([NPC, NEC])
                    & scores["source"].isin([COMPUTED, "category"])
                    & (scores["marker"].isin(markers) if markers is not None else True)]
    first = chosen.drop_duplicates(["patient_id", "specimen_type"])[["patient_id", "specimen"]]
    chosen = chosen.merge(first, on=["patient_id", "specimen"])
    rows: list[dict[str, Any]] = []
    for r in chosen.itertuples(index=False):
        computed = r.source == COMPUTED
        low, high = (int(r.score), int(r.score)) if computed else bands.category_range(r.category)
        rows.append(
            {
                "kind": "reading",
                "patient_id": r.patient_id,
                "specimen": r.specimen,
                "specimen_type": r.specimen_type,
                "marker": r.marker,
                "computed": computed,
                "low": low,
                "high": high,
                "score": int(r.score) if computed else None,
                "category": r.category,
                "reading": _reading(r),
            }
        )
    readings = pd.DataFrame(rows)
    spans = readings.groupby(["patient_id", "marker"], sort=False).agg(low=("low", "min"), high=("high", "max"))
    spans = spans.reset_index().assign(kind="span")
    backdrop = []
    for patient in patients:
        for category in CATEGORIES:
            low, high = bands.category_range(category)
            backdrop.append(
                {
                    "kind": "band",
                    "patient_id": patient,
                    "category": category,
                    "low": low - 0.5,
                    "high": high + 0.5,
                    "middle": (low + high) / 2,
                    "shade": CATEGORIES.index(category) % 2,
                }
            )
    return (
        pd.concat([pd.DataFrame(backdrop), spans, readings], ignore_index=True)
        .astype(object)
        .where(lambda frame: frame.notna(), None)
    )


def dumbbell(scores: pd.DataFrame, markers: list[str], bands: Bands, max_patients: int = 24) -> dict[str, Any] | None:
    """Each marker's score in the NPC and the NEC, one panel per patient (the
    first ``max_patients`` patients with both specimens)."""
    patients = dumbbell_patients(scores)[:max_patients]
    if not patients:
        return None
    data = dumbbell_data(scores, patients, bands, markers)
    present = set(data["marker"].dropna())
    shown = [m for m in markers if m in present]
    scale_x = alt.Scale(domain=[-0.5, MAX_SCORE + 0.5], nice=False, zero=False)
    x_low = alt.X("low:Q", scale=scale_x, title="Score (intensity x percentage score)")
    y = alt.Y("marker:N", sort=shown, title=None)
    colour = alt.Color(
        "specimen_type:N",
        title="Specimen",
        scale=alt.Scale(domain=[NPC, NEC], range=[TYPE_COLOURS[NPC], TYPE_COLOURS[NEC]]),
    )
    tooltip = [
        alt.Tooltip("patient_id:N", title="Patient"),
        alt.Tooltip("specimen:N", title="Specimen"),
        alt.Tooltip("marker:N", title="Marker"),
        alt.Tooltip("reading:N", title="Reading"),
        alt.Tooltip("category:N", title="Category"),
    ]
    backdrop = (
        alt.Chart()
        .transform_filter("datum.kind == 'band'")
        .mark_rect()
        .encode(
            x=x_low,
            x2="high:Q",
            fill=alt.condition("datum.shade == 1", alt.value("#f1f1f1"), alt.value("#ffffff")),
        )
    )
    band_labels = (
        alt.Chart()
        .transform_filter("datum.kind == 'band'")
        .mark_text(dy=-8, color="#777777")
        .encode(x=alt.X("middle:Q", scale=scale_x), y=alt.value(0), text="category:N")
    )
    spans = (
        alt.Chart()
        .transform_filter("datum.kind == 'span'")
        .mark_rule(color="#9e9e9e", strokeWidth=2)
        .encode(x=x_low, x2="high:Q", y=y, opacity=highlight_opacity())
    )
    ranges = (
        alt.Chart()
        .transform_filter("datum.kind == 'reading' && !datum.computed")
        .mark_rule(strokeWidth=8, strokeCap="round")
        .encode(x=x_low, x2="high:Q", y=y, color=colour, tooltip=tooltip, opacity=highlight_opacity(dim=0.1))
    )
    points = (
        alt.Chart()
        .transform_filter("datum.kind == 'reading' && datum.computed")
        .mark_point(filled=True, size=140)
        .encode(
            x=alt.X("score:Q", scale=scale_x),
            y=y,
            color=colour,
            tooltip=tooltip,
            opacity=highlight_opacity(dim=0.1),
        )
    )
    chart = (
        alt.layer(backdrop, band_labels, spans, ranges, points, data=alt.NamedData(name="ihc_dumbbell"))
        .properties(width=300, height=28 * len(shown))
        .facet(
            facet=alt.Facet("patient_id:N", sort=patients, title=None, header=alt.Header(labelFontSize=13)),
            columns=min(len(patients), 3),
            spacing=24,
        )
    )
    return _spec(chart, "ihc_dumbbell", data)
