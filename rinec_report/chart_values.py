"""A pandas frame as a chart's inline data values: the values Altair's own
``sanitize_pandas_dataframe`` and ``to_dict("records")`` give, column by column.

Altair copies the frame and rewrites each column through pandas (``astype(object)``,
``where``): about half a second for the charts of a 1,000-sample report. The common
column types (numbers, booleans, Python objects, text categories) are turned into Python lists here in
one numpy step each; a frame with any other type (dates, nullable or string dtypes,
arrays in cells) goes through Altair's sanitising as before. tests/test_chart_values.py
holds both to the same JSON on random frames.
"""

from __future__ import annotations

from typing import Any


def records(frame: Any) -> list[dict[str, Any]]:
    """The frame's rows as dicts of JSON-ready Python values (NaN and infinities
    as None), in Altair's column names and order."""
    import pandas as pd
    from altair.utils.core import sanitize_pandas_dataframe

    columns = _quick_columns(frame)
    if columns is None:
        frame = sanitize_pandas_dataframe(frame)
        keys = [str(c) for c in frame.columns]
        columns = [frame[c].tolist() for c in frame.columns]
    else:
        keys = [str(c) for c in (frame.columns.astype(str) if isinstance(frame.columns, pd.RangeIndex)
                                 else frame.columns)]
    return [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]


def _quick_columns(frame: Any) -> list[list[Any]] | None:
    """Each column as a list, or None when a column is of a type left to Altair (or the
    frame is one Altair refuses: it says why)."""
    import pandas as pd

    if isinstance(frame.index, pd.MultiIndex) or isinstance(frame.columns, pd.MultiIndex):
        return None
    if not isinstance(frame.columns, pd.RangeIndex) and not all(isinstance(c, str) for c in frame.columns):
        return None
    if frame.columns.has_duplicates:
        return None
    out = []
    for i in range(frame.shape[1]):
        values = _quick(frame.iloc[:, i])
        if values is None:
            return None
        out.append(values)
    return out


def _quick(column: Any) -> list[Any] | None:
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        words = dtype.categories
        if words.dtype != object or not all(isinstance(w, str) for w in words):
            return None
        table = np.array([*words.tolist(), None], dtype=object)  # code -1 (missing): None
        return table[column.array.codes].tolist()
    if not isinstance(dtype, np.dtype):
        return None
    values = column.to_numpy()
    if dtype.kind in "iub":
        return values.tolist()
    if dtype.kind == "f":
        bad = ~np.isfinite(values)
        if not bad.any():
            return values.tolist()
        boxed = values.astype(object)
        boxed[bad] = None
        return boxed.tolist()
    if dtype.kind == "O":
        listed = values.tolist()
        if any(isinstance(v, np.ndarray) for v in listed):  # Altair makes these lists
            return None
        missing = pd.isna(values)  # None, NaN, NaT, pd.NA: None, as Altair's notnull()
        if not missing.any():
            return listed
        boxed = values.copy()
        boxed[missing] = None
        return boxed.tolist()
    return None
