"""The swimmer plot: one lane per patient from NPC diagnosis to death or last follow-up."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from rinec_report import palettes as P

from . import values as V
from .derive import Cohort

# Colour and shape both tell the events apart (colour-blind safe colours).
EVENTS = [
    ("NPC diagnosis", P.NEUTRAL, "square"),
    ("NPC radiotherapy", P.BLUE, "triangle-up"),
    ("NPC chemotherapy", P.SKY_BLUE, "diamond"),
    ("NEC diagnosis", P.VERMILLION, "circle"),
    ("Surgery", P.BLUISH_GREEN, "square"),
    ("Re-irradiation", P.REDDISH_PURPLE, "triangle-up"),
    ("NEC chemotherapy", P.VARIANT_CLASSES["Splice_Site"], "diamond"),
    ("Progression", P.ORANGE, "triangle-down"),
    ("Metastasis", P.VARIANT_CLASSES["Nonstop_Mutation"], "cross"),
    ("Death", P.BLACK, "cross"),
    # Not yellow: 1.2:1 on white, a small marker above the lane must reach 3:1 (WCAG 1.4.11).
    ("Imaging", P.INDIGO, "triangle-down"),
]


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _rt_details(row: Any, prefix: str) -> str:
    parts = []
    dose, fractions, technique = (row.get(f"{prefix}_rt_{k}") for k in
                                  ("dose_gy", "fractions", "technique"))
    if not _is_missing(dose):
        parts.append(f"{V.format_number(dose)} Gy")
    if not _is_missing(fractions):
        parts[-1:] = [f"{parts[-1]}/{V.format_number(fractions)}F" if parts else
                      f"{V.format_number(fractions)} fractions"]
    if technique and not _is_missing(technique):
        parts.append(str(technique))
    return ", ".join(parts)


def patient_events(cohort: Cohort, followup_end: str | None, images: Any = None) -> tuple[list[dict], list[dict]]:
    """(events, lanes): one dict per mark and one per patient lane, with days
    since NPC diagnosis and since NEC diagnosis. ``images`` is the imaging plugin's
    table (patient_id, date, modality): one mark per patient and image date."""
    imaged = _image_dates(images)
    events: list[dict] = []
    lanes: list[dict] = []
    for rec in cohort.patients.to_dict("records"):
        pid = rec["patient_id"]
        origin_iso = rec.get("npc_diagnosis_date")
        nec_iso = rec.get("nec_diagnosis_date")
        origin = V.midpoint(origin_iso) if origin_iso else None
        nec = V.midpoint(nec_iso) if nec_iso else None
        if origin is None and nec is None:
            continue
        marks: list[tuple[str, dt.date, str, str]] = []

        def add(event: str, iso: Any, details: str = "", shown: str | None = None,
                marks: list = marks) -> None:
            if iso and not _is_missing(iso):
                approx = len(iso) < 10
                label = shown or iso
                marks.append((event, V.midpoint(iso), label + (" (approximate)" * approx),
                               details))

        add("NPC diagnosis", origin_iso, " ".join(
            str(rec[c]) for c in ("npc_stage", "npc_histology") if rec.get(c)))
        add("NPC radiotherapy", rec.get("npc_rt_date"), _rt_details(rec, "npc"))
        kinds = cohort.kinds.get(pid, {})
        npc_chemo = rec.get("npc_chemo") or (
            "given, no details" if kinds.get("npc_chemo") == V.NO_DETAILS else None)
        nec_chemo = rec.get("nec_chemo") or (
            "given, no details" if kinds.get("nec_chemo") == V.NO_DETAILS else None)
        if npc_chemo and rec.get("npc_rt_date"):
            add("NPC chemotherapy", rec["npc_rt_date"],
                f"{npc_chemo} (date not recorded; drawn with radiotherapy)")
        add("NEC diagnosis", nec_iso, ", ".join(
            str(rec[c]) for c in ("nec_histology", "nec_site") if rec.get(c)))
        add("Surgery", rec.get("nec_surgery_date"))
        add("Re-irradiation", rec.get("nec_rt_date"), _rt_details(rec, "nec"))
        first = [rec.get(c) for c in ("nec_rt_date", "nec_surgery_date") if rec.get(c)]
        if nec_chemo and (first or nec_iso):
            where = "re-irradiation" if rec.get("nec_rt_date") else (
                "surgery" if rec.get("nec_surgery_date") else "NEC diagnosis")
            add("NEC chemotherapy", (first or [nec_iso])[0],
                f"{nec_chemo} (date not recorded; drawn at {where})")
        add("Metastasis", rec.get("metastasis_date"), str(rec.get("metastasis_site") or ""))
        end, end_label, alive = _lane_end(rec, nec, followup_end)
        if rec.get("progression_date"):
            add("Progression", rec["progression_date"])
        elif rec.get("pfs_event") == 1 and nec and not _is_missing(rec.get("pfs_months")):
            day = nec + dt.timedelta(days=float(rec["pfs_months"]) * V.DAYS_PER_MONTH)
            marks.append(("Progression", day, f"≈{day:%Y-%m}",
                          f"{V.format_number(rec['pfs_months'])} months after NEC diagnosis"))
        for iso, modalities in imaged.get(pid, {}).items():
            add("Imaging", iso, ", ".join(sorted(modalities)))
        if rec.get("death_date"):
            add("Death", rec["death_date"])
        elif rec.get("os_event") == 1 and end is not None:
            marks.append(("Death", end, end_label,
                          f"{V.format_number(round(rec['os_months'], 1))} months after NEC diagnosis"))
        for event, day, shown, details in marks:
            events.append(_point(pid, event, day, origin, nec, shown, details))
        days = [d for _, d, _, _ in marks]
        if end is None:
            end = max(days) if days else None
            alive = False
        start = origin or min(days)
        lanes.append({
            **_point(pid, "lane", start, origin, nec, "", ""),
            **{k + "_end": v for k, v in _point(pid, "", end, origin, nec, "", "").items()
               if k in ("years", "months_nec", "date")},
            "status": "alive at last follow-up" if alive else (
                "died" if rec.get("os_event") == 1 else "status unknown"),
            "end": end_label or "",
        })
    return events, lanes


def _image_dates(images: Any) -> dict[str, dict[str, set[str]]]:
    """patient -> image date -> modalities, from the imaging plugin's table."""
    out: dict[str, dict[str, set[str]]] = {}
    if images is None or len(images) == 0:
        return out
    for pid, iso, modality in zip(images["patient_id"], images["date"], images["modality"], strict=True):
        if iso:
            out.setdefault(str(pid), {}).setdefault(str(iso), set()).add(str(modality))
    return {p: dict(sorted(d.items())) for p, d in out.items()}


def _lane_end(rec: dict, nec: dt.date | None, followup_end: str | None
              ) -> tuple[dt.date | None, str, bool]:
    if rec.get("death_date"):
        return V.midpoint(rec["death_date"]), rec["death_date"], False
    months = rec.get("os_months")
    if nec is not None and not _is_missing(months):
        day = nec + dt.timedelta(days=float(months) * V.DAYS_PER_MONTH)
        alive = rec.get("os_event") == 0
        return day, (f"≈{day:%Y-%m}" if rec.get("os_event") == 1 else day.isoformat()), alive
    for iso in (rec.get("last_followup_date"), followup_end):
        if iso:
            return V.midpoint(iso), iso, rec.get("os_event") != 1
    return None, "", False


def _point(pid: str, event: str, day: dt.date | None, origin: dt.date | None,
           nec: dt.date | None, shown: str, details: str) -> dict:
    return {
        "patient_id": pid,
        "event": event,
        "date": day.isoformat() if day else None,
        "shown": shown,
        "details": details,
        "years": round((day - origin).days / V.DAYS_PER_YEAR, 3) if day and origin else None,
        "months_nec": round((day - nec).days / V.DAYS_PER_MONTH, 2) if day and nec else None,
    }


def timeline_chart(cohort: Cohort, followup_end: str | None, calendar: bool = False, images: Any = None) -> Any:
    """Two panels on shared lanes: the whole course since NPC diagnosis (or on
    calendar dates), and a close-up of the months after NEC diagnosis, where the
    NEC events are too close together to tell apart on a scale of years."""
    import altair as alt
    import pandas as pd

    from rinec_report.charts import highlight_opacity

    events, lanes = patient_events(cohort, followup_end, images)
    ev = pd.DataFrame(events, columns=list(_point("", "", None, None, None, "", "")))
    ln = pd.DataFrame(lanes)
    order = list(cohort.patients["patient_id"])
    names = [e for e, _, _ in EVENTS]
    color = alt.Color("event:N", title="Event", scale=alt.Scale(
        domain=names, range=[c for _, c, _ in EVENTS]))
    shape = alt.Shape("event:N", title="Event", scale=alt.Scale(
        domain=names, range=[s for _, _, s in EVENTS]))
    y = alt.Y("patient_id:N", title="Patient", sort=order)
    tooltip = [
        alt.Tooltip("patient_id:N", title="Patient"),
        alt.Tooltip("event:N", title="Event"),
        alt.Tooltip("shown:N", title="Date"),
        alt.Tooltip("details:N", title="Details"),
    ]
    lane_tip = [alt.Tooltip("patient_id:N", title="Patient"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("end:N", title="Last date")]

    def panel(x_field: str, x_end: str, x_title: str, x_type: str, data_ev: Any,
              data_ln: Any, width: int) -> Any:
        x = alt.X(f"{x_field}:{x_type}", title=x_title)
        base_lane = alt.Chart(data_ln)
        lane = base_lane.mark_rule(strokeWidth=5, color="#c7c7c7").encode(
            x=x, x2=f"{x_end}", y=y, opacity=highlight_opacity(), tooltip=lane_tip)
        arrow = base_lane.transform_filter(
            "datum.status == 'alive at last follow-up'"
        ).mark_point(shape="triangle-right", filled=True, size=150, color="#555555").encode(
            x=alt.X(f"{x_end}:{x_type}"), y=y, opacity=highlight_opacity(), tooltip=lane_tip)
        # Chemotherapy has no date of its own and sits on another mark's date:
        # drawn just below the lane so that both stay visible.
        chemo = "indexof(datum.event, 'chemotherapy') >= 0"
        imaging = "datum.event == 'Imaging'"  # just above the lane: images share dates with diagnoses
        imaging_points = alt.Chart(data_ev).transform_filter(imaging).mark_point(
            filled=True, size=70, yOffset=-11).encode(
            x=x, y=y, color=color, shape=shape, tooltip=tooltip, opacity=highlight_opacity())
        points = alt.Chart(data_ev).transform_filter(f"!({chemo}) && !({imaging})").mark_point(
            filled=True, size=110, strokeWidth=2).encode(
            x=x, y=y, color=color, shape=shape, tooltip=tooltip,
            opacity=highlight_opacity())
        chemo_points = alt.Chart(data_ev).transform_filter(chemo).mark_point(
            filled=True, size=80, yOffset=10).encode(
            x=x, y=y, color=color, shape=shape, tooltip=tooltip,
            opacity=highlight_opacity())
        per_lane = 40 if len(order) <= 30 else 14
        return alt.layer(lane, arrow, points, chemo_points, imaging_points).properties(
            width=width, height=per_lane * len(order))

    if calendar:
        overview = panel("date", "date_end", "Date", "T", ev.dropna(subset=["date"]),
                         ln.dropna(subset=["date"]), 560)
    else:
        overview = panel("years", "years_end", "Years since NPC diagnosis", "Q",
                         ev.dropna(subset=["years"]), ln.dropna(subset=["years"]), 560)
    near = ev.dropna(subset=["months_nec"])
    near = near[near["months_nec"] >= -3]
    lanes_near = ln.dropna(subset=["months_nec_end"]).copy()
    lanes_near["months_nec"] = 0.0
    closeup = panel("months_nec", "months_nec_end", "Months since NEC diagnosis", "Q",
                    near, lanes_near, 380)
    # One above the other: each panel then takes the box's width, on a phone as on a desktop.
    return alt.vconcat(overview, closeup, spacing=24).resolve_scale(
        color="shared", shape="shared").configure_legend(orient="bottom", columns=5)
