"""What the survival plugin shares in a de-identified report: its estimates, times relative
to each patient's start, and its group labels only when every group_by column is one the
cohort plugin recognises (a label is a value of that column: a column of the user's own is
not shared unless kept, ``deidentify: keep_columns: [group]``)."""

from __future__ import annotations

from typing import Any

FIELDS = {
    # curves, medians, landmark survival, numbers at risk, tests
    "endpoint": "category", "time": "interval", "survival": "measure", "ci_lower": "measure",
    "ci_upper": "measure", "ci_lower_text": "measure", "ci_upper_text": "measure",  # the limits as shown ("—": NA)
    "at_risk": "count", "median": "interval", "n": "count", "events": "count",
    "censored": "count", "status": "category", "row": "category", "count": "count", "test": "category",
    "statistic": "measure", "p_value": "measure", "group_by": "category",
    # chart geometry
    "x": "measure", "x2": "measure", "y": "measure", "y2": "measure",
    # per patient: time and event of each endpoint, and the summary's "9 m, died"
    "*_time": "interval", "*_event": "category", "os": "interval", "pfs": "interval", "dfs": "interval",
    "dss": "interval",
}


def shared_groups(group_by: list[str], rules: dict[str, Any]) -> list[str]:
    """The group_by columns a de-identified report compares: those the cohort plugin
    recognises, and those the user keeps by name."""
    from rinec_plugins.cohort.columns import CANONICAL

    from rinec_report.deidentify import kept_columns

    kept = kept_columns(rules)
    return [g for g in group_by if g in CANONICAL or str(g).lower() in kept]


def declared(data: dict[str, Any]) -> dict[str, str]:
    """FIELDS, and the group labels when every group compared may be shared (a de-identified
    report compares only those, :func:`shared_groups`)."""
    from rinec_plugins.cohort.columns import CANONICAL

    from rinec_report.deidentify import kept_columns

    out = dict(FIELDS)
    survival = data.get("_data")
    # A published group (the genomics plugin's mutated/wild-type) holds the plugin's own labels.
    extra = set(getattr(survival, "extra_groups", []) or [])
    groups = list(getattr(survival, "group_by", []) or [])
    kept = kept_columns(data.get("_rules") or {})
    if all(g in CANONICAL or g in extra or str(g).lower() in kept for g in groups):
        out["group"] = "category"
    out.update({g: "category" for g in extra})  # the per-patient table's mutated/wild-type columns
    return out
