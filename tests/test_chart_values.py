"""A frame's chart values: the reference is Altair's own sanitising
(``altair.utils.core.sanitize_pandas_dataframe``) followed by pandas'
``to_dict("records")``, compared as the JSON the page holds."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from altair.utils.core import sanitize_pandas_dataframe

from rinec_report.chart_values import records


def _reference(frame: pd.DataFrame) -> str:
    return json.dumps(sanitize_pandas_dataframe(frame).to_dict(orient="records"))


def _column(rng: np.random.Generator, kind: str, n: int) -> object:
    if kind == "float":
        values = rng.normal(size=n)
        values[rng.random(n) < 0.2] = np.nan
        values[rng.random(n) < 0.1] = np.inf
        values[rng.random(n) < 0.1] = -np.inf
        return values
    if kind == "int":
        return rng.integers(-5, 10**12, n)
    if kind == "uint8":
        return rng.integers(0, 255, n).astype(np.uint8)
    if kind == "bool":
        return rng.random(n) < 0.5
    if kind == "text":
        return np.array([f"P{k}" if k % 3 else "héllo \u2028" for k in range(n)], dtype=object)
    if kind == "object":  # text beside None, NaN and Python numbers
        pool = ["a", None, float("nan"), 3, 2.5, True, "b"]
        return np.array([pool[k] for k in rng.integers(0, len(pool), n)], dtype=object)
    if kind == "category":
        codes = rng.integers(-1, 3, n)
        return pd.Categorical.from_codes(codes, categories=["TP53", "RB1", "x y"])
    if kind == "int_category":
        return pd.Categorical(rng.integers(0, 3, n))
    if kind == "date":
        return pd.to_datetime(rng.integers(0, 10**9, n), unit="s")
    if kind == "nullable":
        return pd.array([1, None, 3] * (n // 3) + [None] * (n % 3), dtype="Int64")
    if kind == "string":
        return pd.array(["a", None] * (n // 2) + ["c"] * (n % 2), dtype="string")
    raise AssertionError(kind)


KINDS = ["float", "int", "uint8", "bool", "text", "object", "category", "int_category", "date",
         "nullable", "string"]


@pytest.mark.parametrize("seed", range(30))
def test_random_frames_give_altair_s_values(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40))
    kinds = list(rng.choice(KINDS, size=int(rng.integers(1, 6))))
    frame = pd.DataFrame({f"c{i}_{k}": _column(rng, k, n) for i, k in enumerate(kinds)})
    assert json.dumps(records(frame)) == _reference(frame)


def test_common_columns_take_the_quick_way_and_agree() -> None:
    from rinec_report import chart_values

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({k: _column(rng, k, 25) for k in ("float", "int", "bool", "text", "object", "category")})
    assert chart_values._quick_columns(frame) is not None  # not Altair's path
    assert json.dumps(records(frame)) == _reference(frame)


def test_an_array_in_a_cell_becomes_a_list_as_altair_makes_it() -> None:
    frame = pd.DataFrame({"a": [np.array([1, 2]), None]})
    assert json.dumps(records(frame)) == _reference(frame)


def test_a_frame_altair_refuses_is_refused_alike() -> None:
    with pytest.raises(ValueError, match="column name"):
        records(pd.DataFrame({1: [1.0], "b": [2.0]}))
