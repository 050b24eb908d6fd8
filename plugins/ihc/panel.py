"""The diagnostic panel: does each NEC specimen's staining support the NEC?

A second tumour in an irradiated nasopharynx may be a new neuroendocrine
carcinoma or a recurrence of the (EBV-driven, squamous) NPC. The verdict
weighs neuroendocrine markers against squamous and EBV markers, and says why
in words so that a reader can disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rinec_report import InputError

from .names import NEC, MarkerNames
from .scoring import CATEGORIES, category_rank

SUPPORTS = "supports NEC"
RECURRENCE = "suggests NPC recurrence"
INCONCLUSIVE = "inconclusive"
PANEL_COLUMNS = ["patient_id", "specimen", "verdict", "reason"]


@dataclass(frozen=True)
class MarkerGroups:
    neuroendocrine: tuple[str, ...]
    squamous: tuple[str, ...]
    ebv: tuple[str, ...]
    positive_from: str

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> MarkerGroups:
        names = MarkerNames(options["marker_synonyms"])

        def group(key: str) -> tuple[str, ...]:
            value = options[key] or []
            if isinstance(value, str):
                value = [value]
            return tuple(dict.fromkeys(names.canonical(str(m)) for m in value))

        positive_from = options["positive_from"]
        if positive_from not in CATEGORIES[1:]:
            raise InputError(f"option ihc.positive_from: {positive_from!r} must be +, ++ or +++")
        return cls(group("neuroendocrine_markers"), group("squamous_markers"), group("ebv_markers"), positive_from)

    @property
    def ordered(self) -> tuple[str, ...]:
        """EBV and squamous markers first, then neuroendocrine ones: the order
        in which the switch from NPC to NEC reads left to right."""
        return tuple(dict.fromkeys((*self.ebv, *self.squamous, *self.neuroendocrine)))

    def positive(self, category: str) -> bool:
        return category_rank(category) >= category_rank(self.positive_from)


def listing(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _described(readings: dict[str, str], markers: list[str]) -> str:
    return listing([f"{m} ({readings[m]})" for m in markers])


def verdict(readings: dict[str, str], groups: MarkerGroups) -> tuple[str, str]:
    """(verdict, reason) for one NEC specimen's ``{marker: category}``."""
    ne_read = [m for m in groups.neuroendocrine if m in readings]
    ne_pos = [m for m in ne_read if groups.positive(readings[m])]
    other = tuple(dict.fromkeys((*groups.ebv, *groups.squamous)))
    ebv_pos = [m for m in groups.ebv if m in readings and groups.positive(readings[m])]
    squamous_pos = [m for m in groups.squamous if m in readings and groups.positive(readings[m])]
    missing = [m for m in other if m not in readings]
    negative = [m for m in other if m in readings and not groups.positive(readings[m])]

    if ebv_pos:
        reason = f"{_described(readings, ebv_pos)} positive: an EBV-driven tumour"
        if ne_pos:
            reason += f", although {_described(readings, ne_pos)} positive"
        return RECURRENCE, reason
    if not groups.neuroendocrine:
        return INCONCLUSIVE, "no neuroendocrine markers configured (ihc.neuroendocrine_markers)"
    if not ne_read:
        return INCONCLUSIVE, (f"no neuroendocrine marker stained ({listing(list(groups.neuroendocrine))})")
    if not ne_pos:
        return INCONCLUSIVE, (f"no neuroendocrine marker positive: {_described(readings, ne_read)}")
    reason = f"{_described(readings, ne_pos)} positive"
    if squamous_pos:
        return INCONCLUSIVE, f"{reason}, but also {_described(readings, squamous_pos)}"
    if missing:
        tail = f"; {listing(negative)} negative" if negative else ""
        return INCONCLUSIVE, f"{reason}{tail}, but {listing(missing)} not stained"
    if negative:
        reason += f"; {listing(negative)} negative"
    return SUPPORTS, reason


def panel_table(scores: pd.DataFrame, groups: MarkerGroups) -> pd.DataFrame:
    """One row per NEC specimen, in the order of ``scores``."""
    # Percentage and intensity-only readings have no category to weigh.
    nec = scores[(scores["specimen_type"] == NEC) & scores["source"].isin(["computed", "category"])]
    if nec.empty:
        return pd.DataFrame(columns=PANEL_COLUMNS)
    patient_codes, _ = pd.factorize(nec["patient_id"])
    specimen_codes, labels = pd.factorize(nec["specimen"])
    codes, _ = pd.factorize(patient_codes * len(labels) + specimen_codes)
    _, firsts = np.unique(codes, return_index=True)
    # The verdict reads only the grouped markers: specimens are judged once per
    # distinct panel of those readings (at most a few thousand however large the cohort).
    weighed = nec["marker"].isin(groups.ordered).to_numpy()
    weighed_codes = codes[weighed]
    by_specimen = np.argsort(weighed_codes, kind="stable")
    markers = nec["marker"].to_numpy()[weighed][by_specimen]
    categories = nec["category"].to_numpy()[weighed][by_specimen]
    pairs = list(zip(markers, categories, strict=True))
    ends = np.cumsum(np.bincount(weighed_codes, minlength=len(firsts))).tolist()
    verdicts: dict[tuple[tuple[str, str], ...], tuple[str, str]] = {}
    decided = []
    for start, stop in zip([0, *ends[:-1]], ends, strict=True):
        panel = tuple(pairs[start:stop])
        if panel not in verdicts:
            verdicts[panel] = verdict(dict(panel), groups)
        decided.append(verdicts[panel])
    return pd.DataFrame(
        {
            "patient_id": nec["patient_id"].to_numpy(dtype=object)[firsts],
            "specimen": nec["specimen"].to_numpy(dtype=object)[firsts],
            "verdict": [v for v, _ in decided],
            "reason": [r for _, r in decided],
        },
        columns=PANEL_COLUMNS,
    )


def cohort_line(panel: pd.DataFrame) -> str:
    """One sentence: how many NEC specimens the panel supports."""
    total = len(panel)
    if total == 0:
        return "No NEC specimen was stained."
    supported = int((panel["verdict"] == SUPPORTS).sum())
    noun = "specimen" if total == 1 else "specimens"
    line = f"The panel supports NEC in {supported} of {total} NEC {noun}"
    others = [
        f"{int((panel['verdict'] == v).sum())} {v}" for v in (RECURRENCE, INCONCLUSIVE) if (panel["verdict"] == v).any()
    ]
    patients = panel["patient_id"].nunique()
    if patients != total:
        line += f" from {patients} patients"
    return line + (f" ({'; '.join(others)})." if others else ".")
