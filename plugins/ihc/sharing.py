"""What the ihc plugin shares in a de-identified report: markers and specimens by their
(checked) names, scores and their categories, the panel's verdicts."""

FIELDS = {
    "specimen": "category", "specimen_type": "category", "marker": "category", "intensity": "measure",
    "percent": "measure", "percent_score": "measure", "score": "measure", "category": "category",
    "source": "category", "state": "category", "reading": "category", "panel": "category", "row": "patient",
    "verdict": "category", "reason": "category", "kind": "category", "low": "measure", "high": "measure",
    "middle": "measure", "shade": "measure", "computed": "category",
    # the summary's columns: ihc_neuroendocrine, ihc_ebv, ihc_verdict, ihc_<marker>
    "ihc_*": "category",
}
