"""From parsed files to the plugin's datasets: who and when each image is, which
slice stands for a DICOM series, and what fits the size budget.

Runs once in the main process, after the workers decoded everything. The public
``images`` table is what ``imaging_images.tsv`` exports and what other plugins may
read (the cohort timeline's image markers); pixels stay private.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rinec_report import InputWarning

from . import encode, meta, shapes
from .encode import Choice, fit
from .parse import OUTSIDE, UNREADABLE, ParsedImage, Sidecar

COLUMNS = [
    "patient_id",
    "date",
    "time_point",
    "modality",
    "marker",
    "specimen",
    "caption",
    "file",
    "sha256",
    "width",
    "height",
    "embedded_bytes",
]
AT_DIAGNOSIS = "At diagnosis"
FOLLOW_UP = "Follow-up"
UNDATED = "Undated"
# Images within this many days after the diagnosis date still count as "at diagnosis".
DIAGNOSIS_WINDOW_DAYS = 45


@dataclass
class Shown:
    """One image as the sections draw it."""

    key: str
    patient_id: str
    date: str
    time_point: str
    modality: str
    marker: str
    specimen: str
    caption: str
    file: str
    width: int
    height: int
    annotations: list[dict[str, Any]]
    choice: Choice
    sha256: str
    series_uid: str = ""  # DICOM series: its slices are gathered, one is shown
    instance: int = 0
    series_size: int = 1
    notes: list[str] = field(default_factory=list)
    aspect: float = 1.0  # a pixel's physical height over its width
    kind: str = ""  # photo, dicom or slide (a DICOM slide's files are one slide, not slices)
    slices: list[Any] = field(default_factory=list)  # stack.Slice: this file's slices for the stack
    presets: list[str] = field(default_factory=list)  # its window presets' names
    opener: str = ""  # a file of a DICOM whole-slide series: the file that reads the slide


def combine(
    parsed: list[Any],
    options: dict[str, Any],
    resolve: Callable[[str], str | None],
    run_dir: str,
    diagnosis_dates: dict[str, str] | None = None,
    links_outside: bool = False,
    found: set[str] | None = None,
) -> dict[str, Any] | None:
    """The plugin's datasets from its parsed files.

    Nothing is decoded here (the workers did it). A sidecar row naming an image outside
    ``run_dir`` (an absolute path, a link out of it unless ``links_outside``, the core's
    ``allow_links_outside``), one not there, or one the scan left out (``found``: the
    plugin's files the scan handed over) is named with why.

    ``resolve`` maps a patient id as written (a folder name, a sidecar cell, a DICOM
    PatientID) to the report's patient, or None when the run knows no such patient.
    ``diagnosis_dates`` (patient -> YYYY[-MM[-DD]], the second tumour's diagnosis from
    the clinical table) splits "at diagnosis" from "follow-up".
    """
    import pandas as pd

    from rinec_report import account

    sidecars = [p for p in parsed if isinstance(p, Sidecar)]
    images = {p.relpath: p for p in parsed if isinstance(p, ParsedImage)}
    rows = _sidecar_rows(sidecars)
    for relpath in [r for r in images if not meta.in_images_folder(r) and r not in rows]:
        # Decoded in its worker, which found a table naming it, but no table the scan
        # found does (one left out with -x, or a row that lost to an earlier one).
        del images[relpath]
        _image_dropped(relpath, OUTSIDE)
    decoded_by_table = {i.relpath: i for s in sidecars for i in s.images}
    failed_by_table = {rel: why for s in sidecars for rel, why in s.failed.items()}
    for relpath in sorted(rows):
        if relpath in images:
            continue
        # No decoding here: every picture was decoded in a worker (its own, or, for a file
        # no image pattern takes, its table's). What is left is to say why one was not.
        row = rows[relpath]
        path = os.path.join(run_dir, relpath)
        if not _inside(run_dir, path, links_outside):
            warnings.warn(f"{row['where']}: image {relpath!r} is outside the run directory; not read",
                          InputWarning, stacklevel=2)
            _row_dropped(row, "the image it names is outside the run directory")
            continue
        if not os.path.lexists(path):
            warnings.warn(f"{row['where']}: image {relpath!r} not found", InputWarning, stacklevel=2)
            _row_dropped(row, "the image it names is not found")
            continue
        if relpath in decoded_by_table:
            images[relpath] = decoded_by_table[relpath]
            # The scan left it out (no image pattern takes its name): a table named it after all.
            account.rows(used=1, file=relpath)
        elif relpath in failed_by_table:
            if failed_by_table[relpath] == UNREADABLE:
                account.dropped(UNREADABLE, file=relpath)
            else:
                _row_dropped(row, failed_by_table[relpath])
        elif found is not None and relpath not in found and meta.taken_by_pattern(relpath):
            warnings.warn(f"{row['where']}: image {relpath!r} not read: the scan left it out (an ignore glob, "
                          "-x or the config's ignore, or a size limit; see the run's messages)", InputWarning,
                          stacklevel=2)
            _row_dropped(row, "the image it names was left out by the scan")
        # Else its own worker could not decode it: that worker warned and stated it.
    _state_sidecars(sidecars)
    if not images:
        return None
    shown = []
    for relpath in sorted(images):
        item = _describe(images[relpath], rows.get(relpath, {}), resolve)
        if item is not None:
            shown.append(item)
    # A series' other slices are used too: the series is shown by one of them (not a loss).
    shown = _one_per_series(shown, options)
    _time_points(shown, diagnosis_dates or {})
    shown.sort(key=lambda s: (_natural(s.patient_id), s.date or "9999", s.modality, s.file))
    budget = fit([s.choice for s in shown], int(float(options["budget_mb"]) * 1_000_000))
    table = pd.DataFrame(
        [
            {
                "patient_id": s.patient_id,
                "date": s.date,
                "time_point": s.time_point,
                "modality": s.modality,
                "marker": s.marker,
                "specimen": s.specimen,
                "caption": s.caption,
                "file": s.file,
                "sha256": s.sha256,
                "width": s.width,
                "height": s.height,
                "embedded_bytes": s.choice.bytes,
            }
            for s in shown
        ],
        columns=COLUMNS,
    )
    # Asked for AVIF where Pillow has no AVIF encoder: the workers wrote WebP (encode.settings),
    # which the section says once; not an error, the page is whole.
    fallback = encode.NO_AVIF if (options.get("format") or "avif") == "avif" and not encode.avif_available() else ""
    return {"images": table, "_shown": shown, "_budget": budget, "_encoding_note": fallback}


def _inside(run_dir: str, path: str, links_outside: bool) -> bool:
    root = os.path.realpath(run_dir)
    if os.path.commonpath([root, os.path.abspath(path)]) != root:
        return False  # an absolute path written in the sidecar
    return links_outside or os.path.commonpath([root, os.path.realpath(path)]) == root


def _sidecar_rows(sidecars: list[Sidecar]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for sidecar in sorted(sidecars, key=lambda s: s.relpath):
        for row in sidecar.rows:
            row = dict(row, where=f"{sidecar.relpath} row {row['row']}")
            for problem in ("date_problem", "annotation_problem"):
                if row.get(problem):
                    warnings.warn(f"{sidecar.relpath}: {row[problem]}", InputWarning, stacklevel=2)
            if row["file"] in rows:
                warnings.warn(f"{row['where']}: {row['file']!r} is described twice; the first row wins",
                              InputWarning, stacklevel=2)
                _row_dropped(row, "describes an image an earlier row describes", sidecar)
                continue
            rows[row["file"]] = dict(row, sidecar=sidecar)
    return rows


def _row_dropped(row: dict[str, Any], why: str, sidecar: Sidecar | None = None) -> None:
    """A sidecar row that describes no image shown: counted in the sidecar's account."""
    from rinec_report import account

    owner = sidecar or row["sidecar"]
    owner.unused += 1
    account.dropped(why, file=owner.relpath)


def _state_sidecars(sidecars: list[Sidecar]) -> None:
    from rinec_report import account

    for sidecar in sidecars:
        if sidecar.unused:
            account.rows(used=len(sidecar.rows) - sidecar.unused, file=sidecar.relpath)


def _image_dropped(relpath: str, why: str) -> None:
    from rinec_report import account

    account.dropped(why, file=relpath)
    account.rows(used=0, file=relpath)


def _describe(image: ParsedImage, row: dict[str, Any], resolve: Callable[[str], str | None]) -> Shown | None:
    """Sidecar, then path, then DICOM tags: the first source that says wins, per field."""
    tags = image.tags
    dicom = {
        "patient_id": tags.get("patient_id", ""),
        "date": tags.get("date", ""),
        "modality": meta.modality_name(tags["modality"]) if tags.get("modality") else "",
        "caption": tags.get("series_description", ""),
    }
    if image.kind == "slide":
        dicom["modality"] = "Slide"

    def pick(name: str) -> str:
        for source in (row, image.path_info, dicom):
            value = source.get(name)
            if value not in (None, ""):
                return str(value)
        return ""

    raw_patient = pick("patient_id")
    if not raw_patient:
        warnings.warn(f"{image.relpath}: no patient (put it under images/<patient>/ or name it in images.tsv)",
                      InputWarning, stacklevel=2)
        _image_dropped(image.relpath, "no patient (neither its folder nor the images table names one)")
        return None
    patient = resolve(raw_patient)
    if patient is None:
        # The id itself stays out of the message: identifiers are logged only with -v.
        warnings.warn(f"{image.relpath}: unknown patient; the image is left out", InputWarning, stacklevel=2)
        _image_dropped(image.relpath, "a patient the run does not know")
        return None
    modality = meta.modality_name(pick("modality")) if pick("modality") else "Other"
    annotations = _on_the_picture(row.get("annotations") or image.annotations, image,
                                  row.get("where") or image.relpath)
    return Shown(
        key=image.relpath,
        patient_id=patient,
        date=pick("date"),
        time_point=str(row.get("time_point") or ""),
        modality=modality,
        marker=pick("marker"),
        specimen=_specimen(pick("specimen")),
        caption=pick("caption"),
        file=image.relpath,
        width=image.width,
        height=image.height,
        annotations=list(annotations),
        choice=Choice(image.relpath, image.thumb, list(image.levels), list(image.tiles)),
        sha256=image.sha256,
        series_uid=str(tags.get("series_uid") or ""),
        instance=int(tags.get("instance") or 0),
        notes=list(image.notes),
        aspect=image.aspect,
        kind=image.kind,
        slices=list(image.stack),
        presets=list(image.presets),
        opener=str(tags.get("slide_opener") or ""),
    )


def _on_the_picture(found: list[dict[str, Any]], image: ParsedImage, where: str) -> list[dict[str, Any]]:
    """The shapes that lie on the picture; the others are left out with one warning."""
    kept = [a for a in found if not shapes.outside(a, image.width, image.height)]
    if len(kept) < len(found):
        off = len(found) - len(kept)
        warnings.warn(f"{where}: {off} annotation{'s' if off != 1 else ''} outside the picture "
                      f"({image.width}x{image.height} pixels) left out", InputWarning, stacklevel=3)
    return kept


def _specimen(text: str) -> str:
    return meta.SPECIMENS.get(text.strip().casefold(), text.strip())


def _one_per_series(shown: list[Shown], options: dict[str, Any] | None = None) -> list[Shown]:
    """A DICOM series is shown by one slice: the annotated one, else the middle one. Its
    slices (or a multi-frame file's frames) become that slice's stack in the viewer."""
    from .stack import gather

    options = options or {}
    budget = int(float(options.get("stack_mb", 0) or 0) * 1_000_000)
    allow = bool(options.get("stack_burned_in", False))
    groups: dict[tuple[str, str], list[Shown]] = {}
    out = []
    for item in shown:
        if item.series_uid:
            groups.setdefault((item.patient_id, item.series_uid), []).append(item)
        else:
            out.append(item)
            if len(item.slices) > 1:  # a multi-frame file outside any series
                _stack(item, [item], budget, allow, gather)
    for members in groups.values():
        members.sort(key=lambda s: (s.instance, s.key))
        if any(m.kind == "slide" for m in members):
            # A DICOM whole slide: one of its files (the opener) read the slide for all.
            members = [m for m in members if m.kind == "slide"]
            opened = [m for m in members if m.choice.thumb is not None]
            if not opened:
                _slide_not_opened(members)
                continue
            annotated = [m for m in opened if m.annotations]
            chosen = annotated[0] if annotated else opened[0]
            chosen.series_size = 1
            out.append(chosen)
            continue
        annotated = [m for m in members if m.annotations]
        chosen = annotated[0] if annotated else members[(len(members) - 1) // 2]
        # The files of a DICOM whole-slide image (its levels, label, overview) are one slide.
        chosen.series_size = 1 if chosen.kind == "slide" else len(members)
        if chosen.kind == "dicom":
            # A multi-frame key file is its own stack; else the series' single slices are.
            _stack(chosen, [chosen] if len(chosen.slices) > 1 else members, budget, allow, gather)
        out.append(chosen)
    return out


def _slide_not_opened(members: list[Shown]) -> None:
    """The files of a whole-slide series whose opener was not read (left out by the scan,
    or unreadable): named, each, with the file to look at."""
    opener = members[0].opener or "its opener"
    why = f"part of a whole-slide image read through {opener}, which was not read"
    for m in members:
        warnings.warn(f"{m.key}: {why} (see its message, or the scan's); the slide is not shown", InputWarning,
                      stacklevel=3)
        _image_dropped(m.key, why)


def _stack(chosen: Shown, members: list[Shown], budget: int, allow: bool, gather: Callable[..., Any]) -> None:
    stack = gather([(m.slices, m is chosen) for m in members], chosen.presets, allow, budget)
    if stack is not None:
        chosen.choice.stack = stack
        chosen.notes.extend(stack.notes)


def _time_points(shown: list[Shown], diagnosis_dates: dict[str, str]) -> None:
    """'At diagnosis' up to a few weeks after the diagnosis date (the clinical table's,
    else the patient's first imaging date), 'Follow-up' after; a sidecar's time_point wins."""
    first: dict[str, str] = {}
    for s in shown:
        if s.date and (s.patient_id not in first or s.date < first[s.patient_id]):
            first[s.patient_id] = s.date
    for s in shown:
        if s.time_point:
            continue
        anchor = meta.normalise_date(diagnosis_dates.get(s.patient_id)) or first.get(s.patient_id, "")
        if not s.date:
            s.time_point = UNDATED
        elif _days_after(anchor, s.date) <= DIAGNOSIS_WINDOW_DAYS:
            s.time_point = AT_DIAGNOSIS
        else:
            s.time_point = FOLLOW_UP


def _days_after(anchor: str, date: str) -> int:
    """Days from ``anchor`` to ``date``; partial dates count from their first day."""
    import datetime as dt

    def day(text: str) -> dt.date:
        parts = [int(p) for p in text.split("-")] + [1, 1]
        return dt.date(parts[0], parts[1], parts[2])

    if not anchor:
        return 0
    try:
        return (day(date) - day(anchor)).days
    except ValueError:
        return 0


def _natural(value: str) -> tuple:
    import re

    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in re.split(r"(\d+)", value) if p)
