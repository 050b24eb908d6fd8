"""The clinical tables cut to a patient subset (``--patients``): the rows of the
subset's patients only, so that Table 1, the RIN criteria, the timelines, the
survival times the cohort publishes and the run's list of patients cover them only."""

from __future__ import annotations

import dataclasses
from typing import Any

from rinec_report import ParsedFile


def cut(files: list[ParsedFile], subset: Any) -> list[ParsedFile]:
    from .parse import ClinicalFile

    out = []
    for f in files:
        data = f.data
        if not isinstance(data, ClinicalFile):  # meta_study.txt: the study's name, no patient
            out.append(f)
            continue
        keep = [i for i, row in enumerate(data.rows) if subset.keeps(row.get("patient_id"))]
        if not keep:
            continue  # only patients left out: the core counts the file as excluded, unnamed
        if len(keep) == len(data.rows):
            out.append(f)  # handed back as it was: nothing of a left-out patient in it
            continue
        out.append(ParsedFile(f.file, dataclasses.replace(
            data,
            rows=[data.rows[i] for i in keep],
            kinds=[data.kinds[i] for i in keep],
            lines=[data.lines[i] for i in keep],
            samples=[(s, p) for s, p in data.samples if subset.keeps(p)],
        )))
    return out
