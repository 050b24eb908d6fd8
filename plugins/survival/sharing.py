"""What the survival plugin shares in a de-identified report: its estimates, times relative
to each patient's start, and its group labels only when every group_by column is one the
cohort plugin recognises (a label is a value of that column: a column of the user's own is
not shared unless kept, ``deidentify: keep_columns: [group]``)."""

from __future__ import annotations

from typing import Any

FIELDS = {
    # curves, medians, landmark survival, numbers at risk, tests
    "endpoint": "category", "time": "interval", "survival": "measure", "ci_lower": "measure",
    "ci_upper": "measure", "at_risk": "count", "median": "interval", "n": "count", "events": "count",
    "censored": "count", "status": "category", "row": "category", "count": "count", "test": "category",
    "statistic": "measure", "p_value": "measure", "group_by": "category",
    # chart geometry
    "x": "measure", "x2": "measure", "y": "measure", "y2": "measure",
    # per patient: time and event of each endpoint, and the summary's "9 m, died"
    "*_time": "interval", "*_event": "category", "os": "interval", "pfs": "interval", "dfs": "interval",
    "dss": "interval",
}


def declared(data: dict[str, Any]) -> dict[str, str]:
    from rinec_plugins.cohort.columns import CANONICAL

    out = dict(FIELDS)
    survival = data.get("_data")
    # A published group (the genomics plugin's mutated/wild-type) holds the plugin's own labels.
    extra = set(getattr(survival, "extra_groups", []) or [])
    groups = list(getattr(survival, "group_by", []) or [])
    if all(g in CANONICAL or g in extra for g in groups):
        out["group"] = "category"
    out.update({g: "category" for g in extra})  # the per-patient table's mutated/wild-type columns
    return out
