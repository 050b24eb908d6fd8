"""What the custom plugin shares in a de-identified report."""

from __future__ import annotations

from typing import Any


def declared(items: list[dict[str, Any]]) -> dict[str, str]:
    """Each table's patient column (pseudonymised), its numeric columns (measures) and
    the heat map's own long-table fields; its text columns are not declared."""
    import pandas as pd

    from .sections import _free_name

    found: dict[str, str] = {}
    texts: set[str] = set()
    for item in items:
        if item["kind"] != "table":
            continue
        frame, patient = item["frame"], item.get("patient")
        if patient:
            found[str(patient).lower()] = "patient"
        # The heat map's long table names the drawn column and its value apart from the table's.
        found[_free_name(frame.columns, "column").lower()] = "category"
        found[_free_name(frame.columns, "value").lower()] = "measure"
        for column in frame.columns:
            name = str(column).lower()
            if column == patient:
                continue
            if pd.api.types.is_numeric_dtype(frame[column]):
                found.setdefault(name, "measure")
            else:
                texts.add(name)
    # A name numeric in one table and text in another is text: denied wherever it is.
    return {k: v for k, v in found.items() if k not in texts or v == "patient"}
