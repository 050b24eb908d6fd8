"""Tables in people's words: column labels, Yes/No, whole numbers as whole numbers.

A plugin names its table columns as fields (``samples_mutated``) and may give each a
label (``Table.column_titles``). A column without one is labelled from its name here,
the same way in every table: underscores become spaces, the first letter is capital,
and the words a reader knows as abbreviations keep their spelling (``t_vaf`` is
"Tumour VAF", ``patient_id`` "Patient"). Labels a plugin gives always win.

Values: pandas reads a column of counts with a missing cell as floats (59.0), and keeps
booleans as ``True``/``False``; :func:`plain_values` gives the page and every export
whole numbers as nullable integers (``Int64``) and booleans as Yes/No.
"""

from __future__ import annotations

import re
from typing import Any

# Whole field names with a label of their own.
NAMES: dict[str, str] = {
    "patient_id": "Patient",
    "sample_id": "Sample",
    "sha256": "SHA-256",
    "size_bytes": "Size (bytes)",
    "embedded_bytes": "Embedded (bytes)",
    "hgvsp_short": "Protein change",
    "chrom": "Chr",
    "pos": "Position",
    "ref": "Ref",
    "alt": "Alt",
    "t_depth": "Tumour depth",
    "t_ref_count": "Tumour ref",
    "t_alt_count": "Tumour alt",
    "t_vaf": "Tumour VAF",
    "n_depth": "Normal depth",
    "n_ref_count": "Normal ref",
    "n_alt_count": "Normal alt",
    "p_value": "p-value",
    "q_value": "q-value",
    "wild_type": "Wild type",
}
# Words written as abbreviations, in any field name.
WORDS: dict[str, str] = {
    "id": "ID",
    "ids": "IDs",
    "vaf": "VAF",
    "tmb": "TMB",
    "snv": "SNV",
    "ihc": "IHC",
    "rin": "RIN",
    "npc": "NPC",
    "nec": "NEC",
    "ebv": "EBV",
    "os": "OS",
    "pfs": "PFS",
    "fdr": "FDR",
    "tcga": "TCGA",
    "ci": "CI",
    "dna": "DNA",
    "rna": "RNA",
    "tp53": "TP53",
}
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def column_label(name: str) -> str:
    """A column's label from its field name: ``samples_mutated`` is "Samples mutated".
    A name that is already words (it holds a space, or capitals other than the first
    letter, as a gene's ``TP53_status``) keeps its own spelling but for underscores."""
    name = str(name)
    if name in NAMES:
        return NAMES[name]
    if " " in name or not name.replace("_", "").isascii():
        return name
    words = [w for w in name.replace("-", "_").split("_") if w]
    if not words:
        return name
    out = []
    for i, word in enumerate(words):
        lowered = word.casefold()
        if lowered in WORDS:
            out.append(WORDS[lowered])
        elif word != lowered:  # a gene, a marker: as it is written
            out.append(word)
        else:
            out.append(word.capitalize() if i == 0 else word)
    return " ".join(out)


def column_titles(columns: Any, given: dict[str, str] | None = None) -> dict[str, str]:
    """Every column's label: ``given``'s where it has one, else :func:`column_label`."""
    given = given or {}
    return {str(c): given.get(str(c)) or column_label(str(c)) for c in columns}


def plain_values(frame: Any, booleans: bool = True) -> Any:
    """``frame`` with float columns that hold only whole numbers as ``Int64`` and, with
    ``booleans``, boolean columns as Yes/No (missing stays missing); the frame itself
    when nothing changes."""
    import numpy as np
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        return frame
    # Columns found by dtype; in a wide table their cells are read as one array per
    # dtype, not one Series at a time (about 50 microseconds each in pandas: seconds for
    # a table of 50,000 columns). Only a column that changes is taken out as a Series.
    dtypes = list(frame.dtypes)
    wide = frame.shape[1] > _WIDE
    changed: dict[Any, Any] = {}
    objects = [k for k, kind in enumerate(dtypes) if pd.api.types.is_object_dtype(kind)]
    if booleans:
        for position in (k for k, kind in enumerate(dtypes) if pd.api.types.is_bool_dtype(kind)):
            changed[position] = frame.iloc[:, position].map({True: "Yes", False: "No"}).astype(object)
        if objects and len(frame):
            block = frame.iloc[:, objects].to_numpy(dtype=object) if wide else None
            for j, position in enumerate(objects):
                if _booleans(block[:, j] if wide else frame.iloc[:, position]):
                    changed[position] = frame.iloc[:, position].map(
                        lambda v: None if v is None else "Yes" if v else "No")
    floats = [k for k, kind in enumerate(dtypes)
              if pd.api.types.is_float_dtype(kind) and not isinstance(kind, pd.CategoricalDtype)]
    if floats:
        if wide:
            whole = _whole(frame.iloc[:, floats].to_numpy(dtype=float, na_value=np.nan))
        else:
            whole = [_whole(frame.iloc[:, k].to_numpy(dtype=float, na_value=np.nan)[:, None])[0] for k in floats]
        for j in np.flatnonzero(whole).tolist():
            changed[floats[j]] = frame.iloc[:, floats[j]].astype("Int64")
    if not changed:
        return frame
    if wide and len(changed) * 8 > frame.shape[1]:
        # Many columns change: the frame is made once (isetitem per column splits its blocks).
        parts = {k: (changed[k] if k in changed else frame.iloc[:, k]).array for k in range(frame.shape[1])}
        out = pd.DataFrame(parts, index=frame.index)
        out.columns = frame.columns
        return out
    out = frame.copy()
    for position, series in changed.items():
        out.isetitem(position, series)
    return out


_WIDE = 64  # a table of more columns is read by dtype, as whole arrays


def _whole(values: Any) -> Any:
    """Per column of a 2-D float array: some number, and only whole, finite ones under 2**53."""
    import numpy as np

    known = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        fine = ~known | (np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 2**53))
    return known.any(axis=0) & fine.all(axis=0)


def _booleans(series: Any) -> bool:
    """Whether an object column holds only booleans and missing cells, at least one boolean."""
    seen = False
    for value in series:
        if value is None:
            continue
        if not isinstance(value, bool):
            return False
        seen = True
    return seen
