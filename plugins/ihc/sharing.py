"""What the ihc plugin shares in a de-identified report: markers and specimens by their
(checked) names, scores and their categories, the panel's verdicts.

A specimen's label is what the run directory wrote (``HK-0001234 block 2``, a pathologist's
name): a de-identified report shows a label only when it is its type (NPC, NEC), and names every
other one by its type and a number (``NEC specimen 2``)."""

from __future__ import annotations

from typing import Any

FIELDS = {
    "specimen": "category", "specimen_type": "category", "marker": "category", "intensity": "measure",
    "percent": "measure", "percent_score": "measure", "score": "measure", "category": "category",
    "source": "category", "state": "category", "reading": "category", "panel": "category", "row": "patient",
    "verdict": "category", "reason": "category", "kind": "category", "low": "measure", "high": "measure",
    "middle": "measure", "shade": "measure", "computed": "category",
    # the summary's columns: ihc_neuroendocrine, ihc_ebv, ihc_verdict, ihc_<marker>
    "ihc_*": "category",
}


def neutral_specimens(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each specimen label that is not its own type replaced by the type and a
    number, the same in the scores and the panel."""
    scores = data["scores"]
    names: dict[tuple[str, str], str] = {}
    numbers: dict[str, int] = {}
    for label, kind in dict.fromkeys(zip(scores["specimen"].astype(str), scores["specimen_type"].astype(str),
                                         strict=True)):
        if label.strip().casefold() == kind.strip().casefold():
            names[(label, kind)] = label
            continue
        numbers[kind] = numbers.get(kind, 0) + 1
        names[(label, kind)] = f"{kind} specimen {numbers[kind]}"
    by_label = {label: name for (label, _), name in names.items()}
    out = dict(data)
    out["scores"] = scores.assign(specimen=[names[(str(a), str(b))] for a, b in
                                            zip(scores["specimen"], scores["specimen_type"], strict=True)])
    panel = data.get("panel")
    if panel is not None and "specimen" in panel.columns:
        out["panel"] = panel.assign(specimen=[by_label.get(str(v), "specimen") for v in panel["specimen"]])
    return out
