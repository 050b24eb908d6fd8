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
