"""The imaging sections: the timeline per patient and the pathology panel, and the
summary columns."""

from __future__ import annotations

import functools
import re
import uuid
from typing import Any

from markupsafe import Markup

from rinec_report import Html, Note, Section, SummaryColumn, Table

from . import html
from .build import AT_DIAGNOSIS, FOLLOW_UP, UNDATED, Shown
from .encode import describe
from .meta import PATHOLOGY

PRIVACY = (
    "Only the patient, date, modality and series description are taken from DICOM headers, and no EXIF "
    "data (GPS included) is kept; but text burned into the pixels (names, dates, hospital numbers on "
    "scanner screenshots) is not removed: check the images before sharing this report."
)
_COLUMN_ORDER = (AT_DIAGNOSIS, FOLLOW_UP, UNDATED)
PATHOLOGY_TITLE = "Pathology: primary tumour beside second tumour"
# Radiology first, then endoscopy, then pathology, as a tumour board goes through them.
_MODALITY_ORDER = ("MRI", "CT", "PET-CT", "PET", "X-ray", "Ultrasound", "Endoscopy", "H&E", "IHC", "Slide")


def _modality_key(name: str) -> tuple[int, str]:
    return (_MODALITY_ORDER.index(name), "") if name in _MODALITY_ORDER else (len(_MODALITY_ORDER), name.casefold())


DEIDENTIFIED = (
    "The images are left out of this de-identified report: text burned into their pixels (names, "
    "dates, hospital numbers) cannot be found and replaced. The table lists them with pseudonymised "
    "patients and dates."
)


def sections(data: dict[str, Any], ihc_scores: Any, deidentified: bool = False) -> list[Section]:
    shown: list[Shown] = data["_shown"]
    if deidentified:
        table = data["images"].drop(columns=["embedded_bytes"])
        return [Section("timeline", "Imaging timeline per patient", "The images found, by patient.",
                        blocks=[Note(DEIDENTIFIED, "warning"),
                                Table("images", table, title="Images", filters=["modality", "time_point"])])]
    index = {s.key: f"i{n}" for n, s in enumerate(shown, start=1)}
    pathology = [s for s in shown if s.modality in PATHOLOGY]
    out = [_timeline(data, shown, index, printed_in_pathology=bool(pathology))]
    if pathology:
        out.append(_pathology(pathology, index, ihc_scores))
    return out


def _timeline(data: dict[str, Any], shown: list[Shown], index: dict[str, str],
              printed_in_pathology: bool = False) -> Section:
    # On paper each picture prints once: pathology pictures are in the pathology grid, so
    # their groups here (and a time point or patient with nothing else) are marked
    # rri-in-patho, which the print rules leave out.
    def marked(cls: str, pathology_only: bool) -> str:
        return f"{cls} rri-in-patho" if printed_in_pathology and pathology_only else cls

    cards = []
    for patient in _patients(shown):
        mine = [s for s in shown if s.patient_id == patient]
        columns = []
        for point in _COLUMN_ORDER + tuple(sorted({s.time_point for s in mine} - set(_COLUMN_ORDER))):
            here = [s for s in mine if s.time_point == point]
            if not here:
                continue
            groups = []
            for modality in sorted({s.modality for s in here}, key=_modality_key):
                figures = Markup("").join(html.figure(s, index) for s in here if s.modality == modality)
                groups.append(Markup('<div class="{c}"><h5>{m}</h5><div class="rri-strip">{f}</div></div>')
                              .format(c=marked("rri-modality", modality in PATHOLOGY), m=modality, f=figures))
            dates = sorted({s.date for s in here if s.date})
            span = f" ({dates[0]}" + (f" to {dates[-1]})" if len(dates) > 1 else ")") if dates else ""
            columns.append(Markup('<div class="{c}"><h4>{p}{s}</h4>{g}</div>').format(
                c=marked("rri-col", all(s.modality in PATHOLOGY for s in here)), p=point, s=span,
                g=Markup("").join(groups)))
        only_pathology = all(s.modality in PATHOLOGY for s in mine)
        cards.append(Markup('<div class="{cls}" data-patient="{p}"><h3>{p}</h3><div class="rri-columns">{c}'
                            "</div></div>").format(cls=marked("rri-patient", only_pathology), p=patient,
                                                   c=Markup("").join(columns)))
    # The pictures go into the file as the page is written, one image at a time (keys
    # sorted: the same images give the same bytes); here the page holds a placeholder.
    token = f"rinec-imaging-data-{uuid.uuid4().hex}"
    data_json = Markup(token)
    on_paper = Markup('<p class="rri-print-note">H&amp;E, IHC and slide pictures are printed once, in the '
                      "section \u201c{}\u201d.</p>").format(PATHOLOGY_TITLE) if printed_in_pathology else ""
    body = Markup('{}<div class="rri" data-rri="timeline">{}{}</div>'
                  '<script type="application/json" class="rri-data">{}</script>{}').format(
        on_paper, html.toolbar(), Markup("").join(cards), data_json, html.assets())
    reductions = describe(data["_budget"])
    if data.get("_encoding_note"):
        reductions += " " + data["_encoding_note"]
    notes = sorted({n for s in shown for n in s.notes})
    percentile = "windowed from percentiles"
    if percentile in notes:
        reductions += " DICOM without a window in its header: windowed from percentiles (1st to 99th)."
    others = [n for n in notes if n != percentile]
    if others:  # each said once, with how many images it concerns
        counts = {n: sum(1 for s in shown if n in s.notes) for n in others}
        reductions += " DICOM: " + "; ".join(f"{n} ({k} image{'s' if k != 1 else ''})" for n, k in counts.items()) + "."
    return Section(
        "timeline",
        "Imaging timeline per patient",
        "Radiology, endoscopy and pathology images by patient, at diagnosis beside follow-up, grouped by "
        "modality and ordered by date.",
        help=(
            "Who and when come from images.tsv (or .csv, .xlsx) when it names the file, else from the path "
            "(images/P1/2019-05_MRI.png), else from the DICOM tags. 'At diagnosis' holds images up to 45 days "
            "after the second tumour's diagnosis date in the clinical table (or the patient's first image); "
            "later ones are follow-up. A DICOM series is shown by its annotated slice, else its middle one. "
            "Annotations (arrows, circles, labels) are drawn over the image and can be hidden. Whole-slide "
            "images show an overview with zoom tiles from the areas with the most tissue.\n\n"
            "Images are downscaled and re-encoded to keep the page within imaging.budget_mb; the note says what "
            "was reduced. The patient highlighter shows one patient's images only."
        ),
        blocks=[
            Note(PRIVACY, "warning"),
            Note(reductions),
            Html(str(body), payloads={token: functools.partial(html.image_data_pieces, shown, index)}),
            Table("images", data["images"], title="Images", filters=["modality", "time_point"]),
        ],
    )


def _pathology(items: list[Shown], index: dict[str, str], scores: Any) -> Section:
    lookup = _score_lookup(scores)
    blocks = []
    for patient in _patients(items):
        mine = [s for s in items if s.patient_id == patient]
        specimens = _specimen_columns(mine)
        rows = []
        for stain in ["H&E", *sorted({_stain(s) for s in mine} - {"H&E"}, key=str.casefold)]:
            cells = []
            for specimen in specimens:
                here = [s for s in mine if s.specimen == specimen and _stain(s) == stain]
                figures = Markup("").join(html.figure(s, index, _label(s, lookup)) for s in here)
                cells.append(Markup("<td>{}</td>").format(figures or Markup('<span class="rri-none">no image</span>')))
            if any("<figure" in str(c) for c in cells):
                rows.append(Markup("<tr><th scope=\"row\">{}</th>{}</tr>").format(stain, Markup("").join(cells)))
        head = Markup("").join(Markup('<th scope="col">{}</th>').format(_specimen_title(s)) for s in specimens)
        blocks.append(Markup('<div class="rri-patho" data-patient="{p}"><h3>{p}</h3><table class="rri-grid">'
                             "<thead><tr><th></th>{h}</tr></thead><tbody>{r}</tbody></table></div>")
                      .format(p=patient, h=head, r=Markup("").join(rows)))
    body = Markup('<div class="rri" data-rri="pathology">{}{}</div>').format(html.toolbar(), Markup("").join(blocks))
    return Section(
        "pathology",
        PATHOLOGY_TITLE,
        "H&E, then each IHC marker, for the primary NPC and the second NEC, each IHC image labelled with the "
        "ihc plugin's score and category for that patient, specimen and marker.",
        help=(
            "Columns are the specimens (NPC as the primary tumour, NEC as the second), read from images.tsv's "
            "specimen column or a word in the file name. An IHC label reads 'marker: score (category)', with the "
            "score as intensity times percentage score from the ihc plugin; 'no IHC score' means the ihc table "
            "has no reading for that patient, specimen and marker."
        ),
        blocks=[Html(str(body))],
    )


def _stain(item: Shown) -> str:
    return "H&E" if item.modality == "H&E" or not item.marker else _display_marker(item.marker)


def _display_marker(name: str) -> str:
    """The ihc plugin's name for a marker (CGA and Chromogranin A are CgA), else as written."""
    return _marker_names().get(_marker_key(name), name)


def _specimen_columns(items: list[Shown]) -> list[str]:
    found = {s.specimen for s in items}
    return [s for s in ("NPC", "NEC") if s in found] + sorted(found - {"NPC", "NEC"})


def _specimen_title(specimen: str) -> str:
    return {"NPC": "Primary tumour (NPC)", "NEC": "Second tumour (NEC)", "": "Specimen not given"}.get(
        specimen, specimen)


def _marker_key(name: str) -> str:
    return re.sub(r"[\s\-_./]+", "", str(name)).casefold()


def _score_lookup(scores: Any) -> dict[tuple[str, str, str], tuple[Any, str]]:
    """(patient, specimen type or label, marker key) -> (score, category) from the ihc plugin."""
    if scores is None or len(scores) == 0:
        return {}
    synonyms = _marker_synonyms()
    out: dict[tuple[str, str, str], tuple[Any, str]] = {}
    for row in scores.to_dict("records"):
        marker = synonyms.get(_marker_key(row["marker"]), _marker_key(row["marker"]))
        for specimen in (row.get("specimen_type"), row.get("specimen")):
            if specimen:
                out.setdefault((str(row["patient_id"]), str(specimen), marker), (row.get("score"), row.get("category")))
    return out


def _marker_synonyms() -> dict[str, str]:
    """The ihc plugin's spellings of a marker (Synaptophysin = SYN), so that an image's
    marker finds the reading whatever name each file used."""
    return {key: _marker_key(name) for key, name in _marker_names().items()}


def _marker_names() -> dict[str, str]:
    """Any spelling's key -> the ihc plugin's canonical marker name."""
    try:
        from rinec_plugins.ihc.names import BUILTIN_SYNONYMS
    except ImportError:  # the ihc plugin is not installed: names must match as written
        return {}
    return {_marker_key(o): c for c, others in BUILTIN_SYNONYMS.items() for o in (c, *others)}


def _label(item: Shown, lookup: dict[tuple[str, str, str], tuple[Any, str]]) -> str:
    """The panel's caption: the stain, the ihc plugin's score when there is one, the date."""
    tail = " · ".join(p for p in (item.date or "undated", item.caption) if p)
    if item.modality == "H&E" or not item.marker:
        return f"H&E · {tail}"
    synonyms = _marker_synonyms()
    key = synonyms.get(_marker_key(item.marker), _marker_key(item.marker))
    found = lookup.get((item.patient_id, item.specimen, key))
    marker = _display_marker(item.marker)
    if found is None:
        return f"{marker}: no IHC score · {tail}"
    score, category = found
    if score is None or score != score:
        return f"{marker}: {category} · {tail}"
    return f"{marker}: score {float(score):g} ({category}) · {tail}"


def _patients(items: list[Shown]) -> list[str]:
    seen: dict[str, None] = {}
    for s in items:
        seen.setdefault(s.patient_id, None)
    return list(seen)


def summary_columns(data: dict[str, Any]) -> list[SummaryColumn]:
    shown: list[Shown] = data["_shown"]
    counts: dict[str, int] = {}
    modalities: dict[str, set[str]] = {}
    for s in shown:
        counts[s.patient_id] = counts.get(s.patient_id, 0) + 1
        modalities.setdefault(s.patient_id, set()).add(s.modality)
    return [
        SummaryColumn("images", "Images", counts, "Images in the imaging sections (a DICOM series counts once)."),
        SummaryColumn("modalities", "Imaging", {p: ", ".join(sorted(m)) for p, m in modalities.items()},
                      "Imaging modalities per patient."),
    ]
