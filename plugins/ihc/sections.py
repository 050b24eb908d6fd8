"""The plugin's report sections and per-patient summary columns."""

from __future__ import annotations

from typing import Any

import pandas as pd

from rinec_report import Chart, KeyValues, Note, Section, SummaryColumn, Table, Text

from . import charts
from .combine import marker_order
from .names import NEC, NPC
from .panel import INCONCLUSIVE, RECURRENCE, SUPPORTS, MarkerGroups, cohort_line, listing
from .parse import COMPUTED
from .scoring import Bands

METHOD = (
    "Each reading is scored as staining intensity (0 none, 1 light yellow, 2 brownish "
    "yellow, 3 brown) times the percentage score of stained cells (1: 0-{p1:g}%, "
    "2: up to {p2:g}%, 3: up to {p3:g}%, 4: above {p3:g}%; edges belong to the lower "
    "score). The final score (0-12) gives the category: - for 0, + for {c1}-{c1e}, ++ for "
    "{c2}-{c2e}, +++ for {c3}-12. Intensity 0 scores 0 whatever the percentage. A reading "
    "recorded only as a category is kept as a category and has no score."
)


def method_text(bands: Bands) -> str:
    p1, p2, p3 = bands.percent
    c1, c2, c3 = bands.category
    return METHOD.format(p1=p1, p2=p2, p3=p3, c1=c1, c1e=c2 - 1, c2=c2, c2e=c3 - 1, c3=c3)


def sections(published: dict[str, Any] | None, options: dict[str, Any]) -> list[Section]:
    if not published:
        return []
    scores: pd.DataFrame = published["scores"]
    panel: pd.DataFrame = published["panel"]
    bands = Bands.from_options(options)
    groups = MarkerGroups.from_options(options)
    markers = marker_order(scores, groups)
    out = [_heatmap_section(scores, markers, bands)]
    # The second-cancer parts (NPC versus NEC, the NEC panel) only where the data has them.
    types = set(scores["specimen_type"])
    if {NPC, NEC} <= types:
        out.append(_comparison_section(scores, markers, bands, options["comparison_max_patients"]))
    if NEC in types:
        out.append(_panel_section(panel, groups, bands))
    return out


# Markers a chart draws: a wide table's thousands of markers make a chart no one can read
# (nor draw: 46 px a column), so the first ones in panel order, and a note where the rest are.
MAX_CHART_MARKERS = 100


def _drawn_note(markers: list[str]) -> list[Note]:
    if len(markers) <= MAX_CHART_MARKERS:
        return []
    return [Note(f"The chart shows the first {MAX_CHART_MARKERS} of {len(markers):,} markers; every reading is "
                 "in the table below and in the data folder (ihc_scores).")]


def _counts(scores: pd.DataFrame) -> str:
    patients = scores["patient_id"].nunique()
    specimens = len(scores.drop_duplicates(["patient_id", "specimen"]))
    markers = scores["marker"].nunique()
    given = int((scores["source"] != COMPUTED).sum())
    text = f"{len(scores)} readings of {markers} markers in {specimens} specimens from {patients} patients"
    if given:
        text += f"; {given} recorded only as a category"
    return text + "."


def _heatmap_section(scores: pd.DataFrame, markers: list[str], bands: Bands) -> Section:
    rows = len(scores.drop_duplicates(["patient_id", "specimen"]))
    if rows > MAX_HEATMAP_ROWS:
        return _distribution_section(scores, markers, bands, rows)
    heat = charts.heatmap(scores, markers[:MAX_CHART_MARKERS])
    blocks: list[Any] = [
        Text(_counts(scores)),
        *_drawn_note(markers),
        Chart(
            heat,
            title="IHC scores by patient and marker",
            # Thousands of cells: one canvas instead of a DOM node each.
            renderer="canvas" if len(heat["datasets"]["ihc_heatmap"]) > 3000 else "svg",
        ),
    ]
    if (scores["source"] != COMPUTED).any():
        blocks.append(Note("Grey cells were recorded only as a category: they have no score."))
    blocks.append(
        Table(
            "scores",
            scores,
            title="Every reading and its score",
            column_titles={
                "percent": "stained cells (%)",
                "percent_score": "percentage score",
                "score": "final score",
            },
        )
    )
    return Section(
        id="heatmap",
        title="IHC scores",
        description=(
            "Each cell is one marker in one specimen, coloured by the final score (0-12) "
            "and marked with its category; hover for intensity, percentage and score."
        ),
        help=(
            method_text(bands) + " One panel per specimen type (the primary NPC, the second NEC). White "
            "cells: that marker was not stained in that specimen, or the patient has no "
            "such specimen. The table lists every reading; 'source' says whether the score "
            "was computed or the reading was given as a category."
        ),
        blocks=blocks,
    )


# More specimens than this: per-marker score distributions instead of one row each.
MAX_HEATMAP_ROWS = 300


def _distribution_section(scores: pd.DataFrame, markers: list[str], bands: Bands, rows: int) -> Section:
    """The heat map of a large cohort: how the scores of each marker are distributed."""
    blocks: list[Any] = [
        Text(_counts(scores)),
        Note(f"{rows:,} specimens are too many for one heat map row each: the chart shows, per marker, "
             "the share of readings at each score; every reading is in the table below and in the data "
             "folder (ihc_scores)."),
        *_drawn_note(markers),
        Chart(charts.score_distribution(scores, markers[:MAX_CHART_MARKERS]), title="IHC score distribution by marker"),
    ]
    if (scores["source"] != COMPUTED).any():
        blocks.append(Note("Readings recorded only as a category have no score and are not counted in the chart."))
    blocks.append(Table("scores", scores, title="Every reading and its score",
                        column_titles={"percent": "stained cells (%)", "percent_score": "percentage score",
                                       "score": "final score"}))
    return Section(
        id="heatmap",
        title="IHC scores",
        description="Per marker and specimen type, the share of readings at each final score (0-12).",
        help=method_text(bands) + " One panel per specimen type. The table lists every reading; 'source' says "
        "whether the score was computed or the reading was given as a category.",
        blocks=blocks,
    )


def _comparison_section(scores: pd.DataFrame, markers: list[str], bands: Bands, limit: int) -> Section:
    chart = charts.dumbbell(scores, markers[:MAX_CHART_MARKERS], bands, max_patients=limit)
    patients = charts.dumbbell_patients(scores)
    if chart is None:
        blocks: list[Any] = [
            Note("No patient has both an NPC and an NEC specimen stained, so there is nothing to compare.")
        ]
    else:
        blocks = [
            Text(_switch_sentence(scores, patients, markers)),
            *_drawn_note(markers),
            Chart(chart, title="Scores in the primary NPC and the second NEC"),
        ]
        if len(patients) > limit:
            blocks.append(
                Note(
                    f"The chart shows the first {limit} of {len(patients)} patients with both "
                    "specimens (option ihc.comparison_max_patients); the scores table has all."
                )
            )
    return Section(
        id="comparison",
        title="Primary NPC versus second NEC",
        description=(
            "For patients with both tumours stained, each marker's score in the NPC (blue) "
            "and in the NEC (red), joined by a line."
        ),
        help=(
            "The x axis is the final score (0-12); the shaded bands are the categories. "
            "A bar instead of a dot is a reading recorded only as a category: it spans "
            "every score that category stands for. A marker with one dot was stained in "
            "one specimen only. When a patient has several specimens of one type, the "
            "first listed is shown. " + method_text(bands)
        ),
        blocks=blocks,
    )


def _switch_sentence(scores: pd.DataFrame, patients: list[str], markers: list[str]) -> str:
    """Which markers were lost and which gained from the NPC to the NEC, in words."""
    paired = scores[scores["patient_id"].isin(patients)]
    # Each marker's categories per specimen type, in one pass: a look-up of the readings
    # per marker made this quadratic in a wide table's markers.
    categories: dict[tuple[str, str], list[str]] = {}
    for marker, kind, category in zip(paired["marker"], paired["specimen_type"], paired["category"], strict=True):
        categories.setdefault((marker, kind), []).append(category)
    lost, gained = [], []
    for marker in markers:
        npc = categories.get((marker, NPC), [])
        nec = categories.get((marker, NEC), [])
        if npc and nec and all(c != "-" for c in npc) and all(c == "-" for c in nec):
            lost.append(marker)
        elif nec and all(c != "-" for c in nec) and all(c == "-" for c in npc):
            gained.append(marker)
    who = f"{len(patients)} patient" + ("s" if len(patients) != 1 else "")
    parts = []
    if lost:
        parts.append(f"{listing(lost)} positive in the NPC and negative in the NEC")
    if gained:
        parts.append(f"{listing(gained)} positive in the NEC and negative or not stained in the NPC")
    if not parts:
        return f"{who} with both specimens stained; no marker switched in all of them."
    return f"{who} with both specimens stained: " + "; ".join(parts) + "."


def _panel_section(panel: pd.DataFrame, groups: MarkerGroups, bands: Bands) -> Section:
    line = cohort_line(panel)
    all_supported = len(panel) > 0 and (panel["verdict"] == SUPPORTS).all()
    blocks: list[Any] = [
        Note(line, level="info" if all_supported or panel.empty else "warning"),
        KeyValues(
            {
                "Neuroendocrine markers": ", ".join(groups.neuroendocrine) or "none",
                "Squamous markers": ", ".join(groups.squamous) or "none",
                "EBV markers": ", ".join(groups.ebv) or "none",
                "Positive": f"category {groups.positive_from} or above",
            },
            title="Panel",
        ),
    ]
    if not panel.empty:
        blocks.append(Table("panel", panel, title="Verdict per NEC specimen"))
    else:
        blocks.append(Table("panel", panel, title="Verdict per NEC specimen", show=False))
    return Section(
        id="panel",
        title="Diagnostic panel",
        description=(
            "Per NEC specimen: do the neuroendocrine markers, against the squamous and EBV "
            "markers, support a neuroendocrine carcinoma rather than a recurrence of the NPC?"
        ),
        help=(
            f"'{SUPPORTS}': at least one neuroendocrine marker positive and every squamous "
            f"and EBV marker stained and negative. '{RECURRENCE}': an EBV marker (EBER) is "
            f"positive. '{INCONCLUSIVE}': anything else (no neuroendocrine marker positive, "
            "a squamous marker positive, or a squamous/EBV marker not stained). The marker "
            "groups and the positivity cut-off are options of the ihc plugin "
            "(neuroendocrine_markers, squamous_markers, ebv_markers, positive_from). "
            "This is a summary of the staining, not a diagnosis."
        ),
        blocks=blocks,
    )


def joined(keys: Any, values: Any) -> dict[Any, str]:
    """``values`` joined with ", " per key, keys in first-seen order."""
    parts: dict[Any, list[str]] = {}
    for key, value in zip(keys, values, strict=True):
        parts.setdefault(key, []).append(value)
    return {key: ", ".join(items) for key, items in parts.items()}


def _marker_columns(scores: pd.DataFrame, options: dict[str, Any], per_patient: Any) -> list[SummaryColumn]:
    """One summary column per configured marker (ihc: summary_markers): its reading
    in each specimen, e.g. 'primary 2 x 4 = 8 (++); metastasis 80%'."""
    from .names import MarkerNames

    names = MarkerNames(options["marker_synonyms"])
    out = []
    for written in options["summary_markers"]:
        marker = names.canonical(str(written))
        rows = scores[scores["marker"] == marker]
        if rows.empty:
            continue
        values = per_patient({
            (r.patient_id, r.specimen): f"{r.specimen} {_short(r)}" for r in rows.itertuples(index=False)
        })
        slug = "".join(ch if ch.isalnum() else "_" for ch in marker.lower())
        out.append(SummaryColumn(f"ihc_{slug}", marker, values, description=f"{marker} per specimen."))
    return out


def _short(r: Any) -> str:
    if r.source == "computed":
        return f"{r.category} ({r.score})"
    return str(r.category)


def summary_columns(published: dict[str, Any] | None, options: dict[str, Any]) -> list[SummaryColumn]:
    if not published:
        return []
    scores: pd.DataFrame = published["scores"]
    panel: pd.DataFrame = published["panel"]
    groups = MarkerGroups.from_options(options)
    patients = list(dict.fromkeys(scores["patient_id"]))
    nec = scores[scores["specimen_type"] == NEC]

    def per_patient(parts: dict[tuple[str, str], str]) -> dict[str, Any]:
        collected: dict[str, list[str]] = {p: [] for p in patients}
        for (patient, _), text in parts.items():
            collected[patient].append(text)
        return {p: "; ".join(texts) if texts else None for p, texts in collected.items()}

    ne = nec[nec["marker"].isin(groups.neuroendocrine)]
    # Joined on plain lists: a groupby loop makes a frame per patient (minutes at 100,000).
    ne_values = per_patient(joined(zip(ne["patient_id"], ne["specimen"], strict=True),
                                   [f"{m} {c}" for m, c in zip(ne["marker"], ne["category"], strict=True)]))
    ebv = scores[scores["marker"].isin(groups.ebv)]
    ebv_values = per_patient(
        {key: f"{key[1]} {text}" for key, text in
         joined(zip(ebv["patient_id"], ebv["specimen_type"], strict=True), ebv["category"]).items()}
    )
    verdicts = per_patient({(r.patient_id, r.specimen): r.verdict for r in panel.itertuples(index=False)})
    ebv_name = "/".join(groups.ebv) or "EBV"
    chosen = _marker_columns(scores, options, per_patient)
    if nec.empty:
        return chosen
    return [
        *chosen,
        SummaryColumn("ihc_neuroendocrine", "NEC neuroendocrine IHC", ne_values,
                      description="Categories of the neuroendocrine markers in the NEC specimen."),
        SummaryColumn("ihc_ebv", ebv_name, ebv_values,
                      description=f"{ebv_name} category per specimen type (NPC, NEC)."),
        SummaryColumn("ihc_verdict", "IHC panel", verdicts,
                      description="The diagnostic panel's verdict for the NEC specimen."),
    ]
