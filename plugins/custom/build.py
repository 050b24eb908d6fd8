"""Custom items ready to show: the patient column found and its ids made canonical."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

from rinec_report.model import InputWarning

PATIENT_NAMES = ("patient_id", "patient", "patient id", "case", "case_id", "subject", "subject_id")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "custom"


def patient_column(frame: Any, chosen: Any, where: str) -> str | None:
    if chosen is not None:
        if str(chosen) not in frame.columns:
            warnings.warn(f"{where}: patient_column {chosen!r} is not a column", InputWarning, stacklevel=2)
            return None
        return str(chosen)
    by_name = {str(c).strip().lower(): str(c) for c in frame.columns}
    return next((by_name[n] for n in PATIENT_NAMES if n in by_name), None)


def build(items: list[dict[str, Any]], canonical: Callable[[Any], str], neutral: bool = False) -> list[dict[str, Any]]:
    """Each item with ``id`` (unique), ``title`` and, for tables, ``patient`` (the
    column whose ids were replaced by the canonical patient ids).

    ``neutral`` (a de-identified report): the title, id and description a file's name or its
    own settings would give are neutral labels ("Custom table 1"), since a file name or a
    sidecar in a run directory may name a patient (John_Smith_rr.tsv)."""
    out = []
    seen: set[str] = set()
    numbers = {"table": 0, "image": 0}
    for item in sorted(items, key=lambda i: i["relpath"]):
        item = dict(item)
        cfg = item["settings"]
        if neutral:
            numbers[item["kind"]] = numbers.get(item["kind"], 0) + 1
            label = f"Custom {item['kind']} {numbers[item['kind']]}"
            cfg = {**cfg, "title": label, "section_id": f"{item['kind']}-{numbers[item['kind']]}",
                   "description": ""}
        base = _slug(str(cfg.get("section_id") or item["stem"].removesuffix("_rr")))
        sid, n = base, 2
        while sid in seen:
            sid, n = f"{base}-{n}", n + 1
        seen.add(sid)
        item["id"] = sid
        item["title"] = str(cfg.get("title") or item["stem"].removesuffix("_rr").replace("_", " ").strip().capitalize())
        item["description"] = str(cfg.get("description") or "")
        if item["kind"] == "table":
            frame = item["frame"].copy()
            column = patient_column(frame, cfg.get("patient_column"), item["relpath"])
            if column is not None:
                frame[column] = [None if v is None or v != v else canonical(v) for v in frame[column]]
            item["frame"] = frame
            item["patient"] = column
        out.append(item)
    return out
