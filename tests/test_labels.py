"""Column labels, Yes/No and whole numbers (rinec_report.labels); expected values by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from rinec_report.labels import column_label, column_titles, plain_values


@pytest.mark.parametrize(("name", "label"), [
    ("patient_id", "Patient"),
    ("samples_mutated", "Samples mutated"),
    ("high_frequency", "High frequency"),
    ("t_vaf", "Tumour VAF"),
    ("tmb_per_mb", "TMB per mb"),
    ("TP53_status", "TP53 status"),
    ("p_value", "p-value"),
    ("Median (95% CI)", "Median (95% CI)"),  # already words
])
def test_a_field_name_reads_as_words(name: str, label: str) -> None:
    assert column_label(name) == label


def test_a_plugins_own_label_wins() -> None:
    assert column_titles(["patient_id", "age"], {"age": "Age (years)"}) == {"patient_id": "Patient",
                                                                            "age": "Age (years)"}


def test_whole_floats_become_integers_and_booleans_yes_no() -> None:
    frame = pd.DataFrame({"age": [59.0, None, 67.0], "tmb": [1.23, 2.0, None],
                          "high": [True, False, True], "maybe": [True, None, False]})
    out = plain_values(frame)
    assert str(out["age"].dtype) == "Int64" and out["age"].tolist()[::2] == [59, 67]
    assert out["age"].isna().tolist() == [False, True, False]
    assert out["tmb"].dtype == float  # 1.23 is not whole
    assert out["high"].tolist() == ["Yes", "No", "Yes"]
    assert out["maybe"].tolist() == ["Yes", None, "No"]
    kept = plain_values(frame, booleans=False)
    assert kept["high"].dtype == bool and str(kept["age"].dtype) == "Int64"
    assert frame["age"].dtype == float  # the plugin's frame is left as it was


def test_the_summary_tsv_and_csv_write_whole_numbers(tmp_path) -> None:
    from rinec_report.write import write_table

    frame = plain_values(pd.DataFrame({"patient_id": ["P1", "P2"], "age": [59.0, None]}), booleans=False)
    for fmt, sep in (("tsv", "\t"), ("csv", ",")):
        path = tmp_path / f"t.{fmt}"
        write_table(frame, path, fmt)
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[1].split(sep) == ["P1", "59"] and lines[2].split(sep)[1] in ("", '""'), lines


def _per_column(frame: pd.DataFrame, booleans: bool) -> pd.DataFrame:
    """The rule written out one column at a time with pandas (the reference)."""
    import numpy as np

    out = frame.copy()
    for k in range(frame.shape[1]):
        series = frame.iloc[:, k]
        if series.dtype == bool:
            if booleans:
                out.isetitem(k, series.map({True: "Yes", False: "No"}).astype(object))
        elif series.dtype == object:
            present = [v for v in series if v is not None]
            if booleans and present and all(isinstance(v, bool) for v in present):
                out.isetitem(k, series.map(lambda v: None if v is None else "Yes" if v else "No"))
        elif pd.api.types.is_float_dtype(series.dtype):
            known = series.dropna().to_numpy(dtype=float)
            if len(known) and np.isfinite(known).all() and (known == np.round(known)).all() \
                    and (np.abs(known) < 2**53).all():
                out.isetitem(k, series.astype("Int64"))
    return out


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("booleans", [True, False])
def test_wide_random_tables_as_the_rule_column_by_column(seed: int, booleans: bool) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    n, width = int(rng.integers(0, 6)), int(rng.integers(1, 120))
    pool = {
        "whole": lambda: np.where(rng.random(n) < 0.3, np.nan, rng.integers(-9, 9, n).astype(float)),
        "float": lambda: rng.normal(size=n),
        "inf": lambda: np.full(n, np.inf),
        "int": lambda: rng.integers(0, 5, n),
        "bool": lambda: rng.random(n) < 0.5,
        "flags": lambda: np.array([[True, None, False][i % 3] for i in range(n)], dtype=object),
        "text": lambda: np.array([f"t{i}" for i in range(n)], dtype=object),
        "nullable": lambda: pd.array([1.0, None, 2.5][:1] * n, dtype="Float64"),
    }
    kinds = rng.choice(list(pool), size=width)
    frame = pd.DataFrame({k: pool[kind]() for k, kind in enumerate(kinds)})
    frame.columns = [f"c{k % 50}" for k in range(width)]  # repeated names, as a table may have
    got = plain_values(frame, booleans=booleans)
    pd.testing.assert_frame_equal(got, _per_column(frame, booleans))


def test_one_whole_column_among_many_is_changed_alone() -> None:
    import numpy as np

    frame = pd.DataFrame(np.random.default_rng(1).normal(size=(3, 100)))
    frame[100] = [1.0, 2.0, None]
    got = plain_values(frame)
    pd.testing.assert_frame_equal(got, _per_column(frame, True))
    assert str(got[100].dtype) == "Int64" and all(kind == np.float64 for kind in got.dtypes[:100])  # by hand
