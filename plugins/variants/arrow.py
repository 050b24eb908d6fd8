"""The mutation table in Arrow: what the VCF reader builds in its worker and sends
back, and the pandas frame made from it once for all the files of a run.

A pandas frame costs a panel VCF's worker several milliseconds (a fixed cost per
column and per Categorical), and the main process as much again to unpickle and stack
it: seconds of a 1,000-file report. An Arrow table is built, sent and stacked in a
fraction of that. The frame it becomes has the values and dtypes of
``pd.concat`` over each file's own frame (tests/test_variants_arrow.py holds it to that).
"""

from __future__ import annotations

from typing import Any


def is_table(value: Any) -> bool:
    import pyarrow as pa

    return isinstance(value, pa.Table)


def as_frame(mutations: Any) -> Any:
    """A mutation table as a pandas frame, whichever the reader made."""
    return mutation_frame(mutations) if is_table(mutations) else mutations


def concat_chunks(tables: list[Any]) -> Any:
    """One file's chunks as one table, each text column's words united in order of
    first appearance (as pandas' ``union_categoricals``)."""
    import pyarrow as pa

    tables = [t for t in tables if t.num_rows] or tables[:1]
    if len(tables) == 1:
        return tables[0]
    return pa.concat_tables(tables).unify_dictionaries().combine_chunks()


def mutation_frame(table: Any) -> Any:
    """The pandas frame of one table: dictionary columns as Categoricals (their words
    in the table's order), text as Python strings, the empty patient_id as None."""
    import pandas as pd

    return pd.DataFrame({name: _column([table.column(name)]) for name in table.column_names})


def stack_tables(tables: list[Any]) -> Any:
    """``pd.concat([mutation_frame(t) for t in tables], ignore_index=True)``, one pass
    per column: a text column whose files hold the same words (in any order) stays
    categorical, in the first file's order; one whose words differ becomes text, as
    pandas makes it."""
    import pandas as pd

    names = tables[0].column_names
    if any(t.column_names != names for t in tables[1:]):
        return pd.concat([mutation_frame(t) for t in tables], ignore_index=True)
    return pd.DataFrame({name: _column([t.column(name) for t in tables]) for name in names})


def _column(columns: list[Any]) -> Any:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    kind = columns[0].type
    if any(c.type != kind for c in columns[1:]):
        return pd.concat([pd.Series(_column([c])) for c in columns], ignore_index=True).array
    if not pa.types.is_dictionary(kind):
        chunks = [chunk for c in columns for chunk in c.chunks]
        return pa.chunked_array(chunks, type=kind).to_numpy()
    # One file's words are its dictionary (a file of several chunks has them united first).
    columns = [c.unify_dictionaries() if c.num_chunks > 1 else c for c in columns]
    sizes = [len(c.chunk(0).dictionary) if c.num_chunks else 0 for c in columns]
    # Arrow unites the run's dictionaries in one call: the first file's words first, in its
    # order, then each word no file before had; every chunk's codes point into the union.
    whole = pa.chunked_array([chunk for c in columns for chunk in c.chunks], type=kind).unify_dictionaries()
    union = whole.chunk(0).dictionary if whole.num_chunks else pa.array([], type=kind.value_type)
    if any(size != len(union) for size in sizes):  # a file without every word of the others
        text = whole.cast(kind.value_type).to_numpy()
        if whole.null_count:
            text[pd.isna(text)] = np.nan  # a missing category is NaN in pandas' text
        return text
    # Every file holds the same words, so the union is the first file's words in its order.
    codes = whole.combine_chunks().indices.fill_null(-1).to_numpy(zero_copy_only=False)
    dtype = pd.CategoricalDtype(pd.Index(union.to_pylist(), dtype=object))
    return pd.Categorical.from_codes(codes, dtype=dtype)
