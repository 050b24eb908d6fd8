"""Many files' mutation tables stacked column by column: the reference is pandas'
own ``pd.concat(frames, ignore_index=True)``, values and dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from plugins.variants.frames import stack_files


def _frame(seed: int, genes: list[str], filters: pd.CategoricalDtype | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 6))
    gene = pd.Categorical(rng.choice(genes, n) if n else [], categories=genes)
    frame = pd.DataFrame({
        "sample": [f"S{seed}"] * n,
        "gene": gene,
        "pos": rng.integers(1, 10**6, n),
        "vaf": rng.random(n),
        "hgvsp_short": [None if i % 3 == 0 else f"p.X{i}Y" for i in range(n)],
    })
    if filters is not None:
        frame["filter"] = pd.Categorical(["PASS"] * n, dtype=filters)
    return frame


def _same(got: pd.DataFrame, frames: list[pd.DataFrame]) -> None:
    expected = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.dtypes) == list(expected.dtypes)


def test_categories_that_differ_between_files_become_text_as_in_pandas() -> None:
    frames = [_frame(i, ["TP53", "RB1", "PTEN"][: 1 + i % 3]) for i in range(40)]
    _same(stack_files(frames), frames)


def test_a_dtype_shared_by_every_file_is_kept() -> None:
    shared = pd.CategoricalDtype(["PASS", "LowQual"])
    frames = [_frame(i, ["TP53", "RB1"], shared) for i in range(30)]
    got = stack_files(frames)
    _same(got, frames)
    assert got["gene"].dtype == frames[0]["gene"].dtype
    assert got["filter"].dtype == shared


def test_text_beside_categories_and_nullable_columns() -> None:
    frames = [_frame(i, ["TP53"]) for i in range(6)]
    frames[2] = frames[2].assign(gene=frames[2]["gene"].astype(object))
    for i, f in enumerate(frames):
        f["depth"] = pd.array([i] * len(f), dtype="Int64")
    frames[3]["depth"] = pd.array([None] * len(frames[3]), dtype="Int64")
    _same(stack_files(frames), frames)


@pytest.mark.parametrize("swap", [True, False])
def test_files_with_other_columns_are_stacked_by_pandas(swap: bool) -> None:
    frames = [_frame(i, ["TP53"]) for i in range(4)]
    frames[1] = frames[1][list(reversed(frames[1].columns))] if swap else frames[1].drop(columns="vaf")
    _same(stack_files(frames), frames)
