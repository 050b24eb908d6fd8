"""The TSV/CSV export on whole columns writes what pandas' ``to_csv`` (Python's csv
module, cell by cell) writes, byte for byte, with every field holding a control
character quoted: pandas is the reference here, told that those characters end a
row (the csv module quotes a field holding any character of the row's end)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rinec_report.write import neutralise, write_table

AWKWARD_TEXT = [
    "plain", "", None, np.nan, "tab\there", 'a "quoted" word', "new\nline", "carriage\rreturn",
    "comma, inside", "=HYPERLINK(\"x\")", "@SUM(A1)", "+cmd|x", "-5", "-", "+1.5e3", "--",
    "-x", "\tlead", "ünïcødé ✓", "-١٢", "-5\n", " spaced ", "'already",
    "nul\x00", "unit\x1fsep", "del\x7f", "c1\x85", "line\u2028sep", "°µé",
]
# The export's rule: these characters call for quotes, as the separator and the quote do.
CONTROL = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)])) + "\u2028\u2029"
ROW_END = "\n" + CONTROL.replace("\n", "")


def _reference(frame: pd.DataFrame, path: Path, sep: str, keep_formulas: bool) -> bytes:
    """pandas' to_csv after write.neutralise on every text cell (categorical ones too)."""
    frame = frame.copy()
    if not keep_formulas:
        for column in frame.columns:
            if frame[column].dtype == object or isinstance(frame[column].dtype, pd.CategoricalDtype):
                cat = isinstance(frame[column].dtype, pd.CategoricalDtype)
                # Cell by cell and kept as objects: Series.map would turn a column of
                # numbers and None into floats, which is not what the table holds.
                cells = [neutralise(v) if isinstance(v, str) else v for v in frame[column].astype(object)]
                frame[column] = pd.Series(cells, index=frame.index, dtype=object)
                if cat:
                    frame[column] = frame[column].astype("category")
    text = frame.to_csv(sep=sep, index=False, lineterminator=ROW_END)
    return text.replace(ROW_END, "\n").encode("utf-8")


def _frames() -> dict[str, pd.DataFrame]:
    n = len(AWKWARD_TEXT)
    rng = np.random.default_rng(1)
    return {
        "mixed": pd.DataFrame({
            "text": AWKWARD_TEXT,
            "cat": pd.Categorical(AWKWARD_TEXT[::-1]),
            "int": np.arange(n) * 7919 - 50,
            "float": [1e-5, 100.0, 0.1 + 0.2, 1e16, np.nan, np.inf, -0.0, 2.5, 1 / 3, 1e-300,
                      123456789.125, 0.94] + [float(k) for k in range(n - 12)],
            "bool": [k % 3 == 0 for k in range(n)],
            "objects": [1, 2.5, None, "x", True, [1, 2], "=1", np.nan, -3, "a\tb", 0.1, "y"]
            + ["z"] * (n - 12),
            "nullable": pd.array([1, None] * (n // 2) + [3] * (n % 2), dtype="Int64"),
            "string": pd.array(AWKWARD_TEXT[:1] * n, dtype="string"),
            "nullable_float": pd.array([0.1 + 0.2, None, 1e16, -0.0, 60.0, 1 / 3] * (n // 6) + [2.5] * (n % 6),
                                       dtype="Float64"),
            "nullable_bool": pd.array([True, None, False] * (n // 3) + [True] * (n % 3), dtype="boolean"),
            "object_ints": pd.Series([-5, None, 12, 10**18] * (n // 4) + [0] * (n % 4), dtype=object),
            "object_floats": pd.Series([1e-5, None, -2.5, np.nan, 3] * (n // 5) + [0.5] * (n % 5), dtype=object),
            "int_cat": pd.Categorical([k % 4 for k in range(n)]),
            "float32": rng.random(n).astype(np.float32),
        }),
        "lone": pd.DataFrame({"only": ["a", "", None, "b\tc", "=x"]}),
        "lone_cat": pd.DataFrame({"only": pd.Categorical(["a", None, "", "a"])}),
        "empty": pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype=float)}),
        "odd names": pd.DataFrame({"a\tb": [1], 'q"': ["x"], 3: [2.0]}),
    }


def _wide() -> pd.DataFrame:
    """Every column of the mixed frame twelve times over (columns of one dtype are
    written together)."""
    mixed = _frames()["mixed"]
    wide = pd.concat([mixed] * 12, axis=1)
    wide.columns = [f"{c}_{k}" for k, c in enumerate(wide.columns)]
    return wide


@pytest.mark.parametrize("sep", ["\t", ","])
@pytest.mark.parametrize("keep_formulas", [False, True])
@pytest.mark.parametrize("name", list(_frames()))
def test_export_matches_pandas(tmp_path: Path, sep: str, keep_formulas: bool, name: str) -> None:
    frame = _frames()[name]
    fmt = "tsv" if sep == "\t" else "csv"
    got = tmp_path / f"got.{fmt}"
    write_table(frame, got, fmt, keep_formulas=keep_formulas)
    assert got.read_bytes() == _reference(frame, tmp_path / f"ref.{fmt}", sep, keep_formulas)


@pytest.mark.parametrize("sep", ["\t", ","])
@pytest.mark.parametrize("keep_formulas", [False, True])
def test_a_wide_export_matches_pandas(tmp_path: Path, sep: str, keep_formulas: bool) -> None:
    frame = _wide()
    fmt = "tsv" if sep == "\t" else "csv"
    write_table(frame, tmp_path / f"got.{fmt}", fmt, keep_formulas=keep_formulas)
    assert (tmp_path / f"got.{fmt}").read_bytes() == _reference(frame, tmp_path / f"ref.{fmt}", sep, keep_formulas)


def test_export_of_many_rows_crosses_blocks(tmp_path: Path) -> None:
    n = 600_000  # more than two blocks of the writer
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "sample": pd.Categorical(rng.choice(["S1", "S2", "=S3"], n)),
        "pos": rng.integers(1, 10**9, n),
        "ref": rng.choice(["A", "C", "-", "GT"], n).astype(object),
        "vaf": rng.random(n).round(3),
        "depth": np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 500, n)),  # beside vaf: together
        "alt": rng.choice(["T", "=G", "A\tC"], n).astype(object),  # beside ref: together
    })
    write_table(frame, tmp_path / "got.tsv", "tsv")
    assert (tmp_path / "got.tsv").read_bytes() == _reference(frame, tmp_path / "ref.tsv", "\t", False)


def test_dates_are_left_to_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-02", None]), "x": ["=a", "b"]})
    write_table(frame, tmp_path / "got.tsv", "tsv")
    assert (tmp_path / "got.tsv").read_text() == "when\tx\n2024-01-02\t'=a\n\tb\n"


def test_columns_of_one_text_match_pandas(tmp_path: Path) -> None:
    # A MAF without read depths: runs of empty columns, one FILTER value, whole-number floats.
    n = 140_000  # past two blocks, with a column constant in one block and not the next
    rng = np.random.default_rng(11)
    frame = pd.DataFrame({
        "filter": pd.Categorical(["PASS"] * n),
        "gene": pd.Categorical(rng.choice(["TP53", "KRAS"], n)),
        "t_depth": pd.array([None] * n, dtype="Int64"),
        "t_vaf": np.full(n, np.nan),
        "context": pd.Categorical([""] * n),
        "late": pd.Categorical(["a"] * 70_000 + list(rng.choice(["a", "=b", 'c"d'], n - 70_000))),
        "depth": np.where(rng.random(n) < 0.5, np.nan, rng.integers(-3, 10**6, n).astype(float)),
        "tail": np.full(n, np.nan),
    })
    for sep, fmt in (("\t", "tsv"), (",", "csv")):
        write_table(frame, tmp_path / f"got.{fmt}", fmt)
        assert (tmp_path / f"got.{fmt}").read_bytes() == _reference(frame, tmp_path / "ref", sep, False)
    one = frame.iloc[:1]
    write_table(one[["filter", "t_vaf"]], tmp_path / "one.tsv", "tsv")
    assert (tmp_path / "one.tsv").read_bytes() == _reference(one[["filter", "t_vaf"]], tmp_path / "ref", "\t", False)
