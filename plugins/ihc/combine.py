"""Joining the parsed IHC files into the datasets the plugin publishes."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from rinec_report import InputWarning

from .names import NEC, NPC
from .panel import MarkerGroups, panel_table
from .parse import SCORE_COLUMNS, to_frame


def combine(
    frames: list[pd.DataFrame],
    options: dict[str, Any],
    datasets: Any = None,
    patients: Any = None,
) -> dict[str, Any] | None:
    """``{"scores", "panel"}`` from the parsed files, or ``None`` without readings."""
    frames = [f for f in frames if f is not None and not f.empty]
    if not frames:
        return None
    scores = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()
    if patients is not None:
        ids = {p: patients.canonical(p) for p in pd.unique(scores["patient_id"])}
        scores["patient_id"] = scores["patient_id"].map(ids)

    key = ["patient_id", "specimen", "marker"]
    doubled = scores.duplicated(key, keep="first")
    if doubled.any():
        first = scores[doubled].iloc[0]
        count = int(doubled.sum())
        warnings.warn(
            f"{count} reading{' appears' if count == 1 else 's appear'} in more than one "
            f"file (first: "
            f"{first['marker']!r} of {first['patient_id']}, {first['specimen']!r}); "
            "the first file's reading is kept",
            InputWarning,
            stacklevel=2,
        )
        scores = scores[~doubled]

    cohort = _cohort_patients(datasets)
    groups = MarkerGroups.from_options(options)
    scores = order(scores, groups, cohort)
    if cohort is not None:
        known = set(cohort)  # a list would make this quadratic: minutes at 100,000 patients
        strangers = [p for p in dict.fromkeys(scores["patient_id"]) if p not in known]
        if strangers:
            warnings.warn(
                f"IHC readings for patients not in the clinical table: {', '.join(strangers)}",
                InputWarning,
                stacklevel=2,
            )
    return {"scores": scores, "panel": panel_table(scores, groups)}


def _cohort_patients(datasets: Any) -> list[str] | None:
    if datasets is None:
        return None
    patients = datasets.get("cohort", "patients")
    if patients is None or "patient_id" not in getattr(patients, "columns", ()):
        return None
    return [str(p) for p in patients["patient_id"]]


def order(scores: pd.DataFrame, groups: MarkerGroups, cohort: list[str] | None = None) -> pd.DataFrame:
    """Rows sorted by patient (clinical-table order, then as read), specimen
    type (NPC, NEC, others), specimen and marker (panel groups first)."""
    patients = list(dict.fromkeys([*(cohort or []), *scores["patient_id"]]))
    types = list(dict.fromkeys([NPC, NEC, *sorted(set(scores["specimen_type"]))]))
    specimens = list(dict.fromkeys(scores["specimen"]))
    markers = marker_order(scores, groups)
    ranks = pd.DataFrame(
        {
            "p": scores["patient_id"].map({p: i for i, p in enumerate(patients)}),
            "t": scores["specimen_type"].map({t: i for i, t in enumerate(types)}),
            "s": scores["specimen"].map({s: i for i, s in enumerate(specimens)}),
            "m": scores["marker"].map({m: i for i, m in enumerate(markers)}),
        },
        index=scores.index,
    )
    sizes = [len(patients), len(types), len(specimens), len(markers)]
    if ranks.isna().to_numpy().any() or math.prod(max(n, 1) for n in sizes) >= 2**62:
        ordered = scores.loc[ranks.sort_values(["p", "t", "s", "m"], kind="stable").index]
        # The frame itself, not a round trip through a million dicts; to_frame sets the dtypes.
        return to_frame(ordered[SCORE_COLUMNS].reset_index(drop=True))
    # The four ranks as one number, sorted stably: the order of the four-key stable sort,
    # without sorting by each key; the columns taken in that order once (loc, the column
    # selection and reset_index each copied the million readings).
    combined = np.zeros(len(ranks), dtype=np.int64)
    for column, size in zip(ranks.columns, sizes, strict=True):
        combined = combined * max(size, 1) + ranks[column].to_numpy(dtype=np.int64)
    positions = np.argsort(combined, kind="stable")
    # Fresh arrays, so not copied again into one block (to_frame sets each column anyway).
    taken = {c: scores[c].to_numpy()[positions] if scores[c].dtype == object else scores[c].array.take(positions)
             for c in SCORE_COLUMNS}
    return to_frame(pd.DataFrame(taken, copy=False))


def marker_order(scores: pd.DataFrame, groups: MarkerGroups) -> list[str]:
    present = list(dict.fromkeys(scores["marker"]))
    return [m for m in groups.ordered if m in present] + [m for m in present if m not in groups.ordered]
