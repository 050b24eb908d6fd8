"""The missing codes judged a column at a time (rinec_report.missing.kinds_of), as the
typed pass reads every table: expected kinds written by hand from the shipped list
(rinec_report/data/missing_values.yaml, read by eye) and docs/plugins/synonyms.md."""

from __future__ import annotations

from rinec_report import missing, typing_

# (cell, kind) as the shipped list says: folded to lower case, runs of white space as one.
HAND = [
    ("", missing.UNKNOWN),
    ("NA", missing.UNKNOWN),
    ("  n/a ", missing.UNKNOWN),
    ("[Not Available]", missing.UNKNOWN),
    ("Not   Known", missing.UNKNOWN),
    (".", missing.UNKNOWN),
    ("-", missing.NOT_PERFORMED),
    ("\u2014", missing.NOT_PERFORMED),
    ("ND", missing.NOT_PERFORMED),
    ("[Not Applicable]", missing.NOT_APPLICABLE),
    ("*", missing.NO_DETAILS),
    ("yes (*)", missing.NO_DETAILS),
    ("Yes *", missing.NO_DETAILS),
    ("a*", None),
    ("59", None),
    ("2019-05-03", None),
    ("P000123", None),
    ("adenocarcinoma", None),
]


def test_a_column_of_cells_gets_the_shipped_kinds() -> None:
    cells = [cell for cell, _ in HAND] * 3  # repeated, as a column repeats its codes
    kinds = missing.kinds_of(cells)
    assert kinds == dict(HAND)


def test_the_configs_codes_are_unknown_digits_included() -> None:
    extra = missing.extra_codes(["999", "Pending review"])
    # Folded before the comparison: " 999" is the code 999.
    kinds = missing.kinds_of(["999", " 999", "998", "pending  REVIEW", "-", "reviewed"], extra)
    assert kinds == {"999": missing.UNKNOWN, " 999": missing.UNKNOWN, "998": None, "pending  REVIEW": missing.UNKNOWN,
                     "-": missing.NOT_PERFORMED, "reviewed": None}


def test_a_typed_column_counts_each_repeated_bad_cell(tmp_path) -> None:
    # Rows counted by hand: the header is row 1; '35F' is in rows 3 and 5, 'NA' in row 4.
    path = tmp_path / "ages.csv"
    path.write_text("patient_id,age\nP1,61\nP2,35F\nP3,NA\nP4,35F\nP5,61\n", encoding="utf-8")
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = typing_.read_typed(path, types={"age": "number"})
    age = table.columns[1]
    assert age.values == [61.0, None, None, None, 61.0]
    assert age.kinds == [None, missing.UNKNOWN, missing.UNKNOWN, missing.UNKNOWN, None]
    assert [str(w.message) for w in caught] == [
        "column 'age': 2 cell(s) could not be read as a number and are left missing "
        "(row 3: '35F'; row 5: '35F'; '35F' is not a number)"]
