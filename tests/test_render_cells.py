"""A table's cells on the page: the reference is each row as pandas iterates it
(``DataFrame.itertuples``), through the same cell rule, on frames of every column
type a plugin's table may hold."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rinec_report.render import _cell, _rows


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "text": [f"P{k}" if k % 4 else None for k in range(n)],
        "int": rng.integers(-10, 10**12, n),
        "float": np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
        "inf": np.where(rng.random(n) < 0.5, np.inf, -np.inf),
        "float32": rng.random(n).astype(np.float32),
        "bool": rng.random(n) < 0.5,
        "cat": pd.Categorical(rng.choice(["a", "b"], n)).add_categories("c").set_categories(["a", "b", "c"]),
        "cat_missing": pd.Categorical([None if k % 3 == 0 else "x" for k in range(n)]),
        "nullable": pd.array([1, None] * (n // 2) + [3] * (n % 2), dtype="Int64"),
        "date": pd.to_datetime(rng.integers(0, 10**9, n), unit="s"),
        "objects": [[1, 2.5, None, "x", True, (1, 2), {"a": 1}, np.int64(3)][k % 8] for k in range(n)],
        "uint8": rng.integers(0, 255, n).astype(np.uint8),
    })


@pytest.mark.parametrize("seed", range(6))
def test_cells_are_those_of_each_row_as_pandas_iterates_it(seed: int) -> None:
    rng = np.random.default_rng(seed)
    frame = _frame(rng, int(rng.integers(0, 30)))
    frame = pd.concat([frame] * 3, axis=1)  # columns of one type side by side, as a wide table has
    # The reference: pandas' own iteration of the rows, through the same cell rule.
    expected = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    got = _rows(frame)
    assert json.dumps(got, default=str) == json.dumps(expected, default=str)
    assert [type(v) for row in got for v in row] == [type(v) for row in expected for v in row]


def test_a_row_s_cells_on_the_page() -> None:
    frame = pd.DataFrame({"p": ["P1"], "n": [3], "x": [np.nan], "inf": [np.inf], "d": pd.to_datetime(["2024-01-02"]),
                          "i": pd.array([None], dtype="Int64"), "f32": np.array([0.5], dtype=np.float32)})
    # By hand: text and numbers as they are, missing as None, infinity as its sign, dates as ISO text.
    assert _rows(frame) == [["P1", 3, None, "\u221e", "2024-01-02T00:00:00", None, 0.5]]
