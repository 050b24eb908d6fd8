"""A custom table's columns typed as a whole table: the reference is pandas' own
steps on each column as a Series (``isin`` of the missing codes, ``where``,
``to_numeric(errors="coerce")``, ``notna``), which the reader took one column at a time
before; the tables are random mixes of numbers, text, empty cells and missing codes."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from plugins.custom.parse import _typed_columns
from rinec_report import missing


def _reference(frame: pd.DataFrame) -> dict[int, pd.Series]:
    out = {}
    for k, (_, cells) in enumerate(frame.items()):
        codes = {c for c in pd.unique(cells) if missing.missing_kind(c) is not None}
        if codes:
            cells = cells.where(~cells.isin(codes), None)
        numbers = pd.to_numeric(cells, errors="coerce")
        given = int(cells.notna().sum())
        out[k] = numbers if given and int(numbers.notna().sum()) == given else cells
    return out


CELLS = ["1", "2", "-3", "+4", "0.5", "1e3", "7.", "NA", ".", "", "[Not Available]", "n/a", "x", "P1",
         "inf", "nan", "12345678901234567890", "TRUE", " 8"]


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_are_typed_as_pandas_types_each_column(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, width = int(rng.integers(1, 8)), int(rng.integers(1, 30))
    pools = [rng.choice(CELLS, size=int(rng.integers(1, 5))) for _ in range(width)]
    text = "\n".join([",".join(f"c{j}" for j in range(width))]
                     + [",".join(str(rng.choice(pools[j])) for j in range(width)) for _ in range(rows)]) + "\n"
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    got = pd.DataFrame(_typed_columns(frame), index=frame.index)
    expected = pd.DataFrame(_reference(frame), index=frame.index)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.dtypes) == list(expected.dtypes)


def test_a_short_row_s_missing_cells_are_missing() -> None:
    frame = pd.read_csv(io.StringIO("a,b,c\n1,2\n3,4,5\n"), dtype=str, keep_default_na=False, na_filter=False)
    got = _typed_columns(frame)
    # By hand: c is 5 beside an empty (missing) cell, so a number column with a NaN.
    assert np.isnan(got[2][0]) and got[2][1] == 5
