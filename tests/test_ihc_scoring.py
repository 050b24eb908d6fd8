"""The ihc plugin's scoring: every band edge, configurable bands, bad values."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from ihc_helpers import LONG_HEADER, one_reading, options, parse, write_rows, write_xlsx
from rinec_plugins.ihc import scoring
from rinec_plugins.ihc.scoring import Bands

from rinec_report import InputError, InputWarning
from rinec_report.options import OptionError


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(0, 1), (1, 1), (25, 1), (25.5, 2), (26, 2), (50, 2), (51, 3), (75, 3), (76, 4), (100, 4)],
)
def test_percentage_score_edges(percent: float, expected: int) -> None:
    assert scoring.percent_score(percent, Bands()) == expected


@pytest.mark.parametrize(
    ("score", "category"),
    [(0, "-"), (1, "+"), (4, "+"), (5, "++"), (8, "++"), (9, "+++"), (12, "+++")],
)
def test_category_edges(score: int, category: str) -> None:
    assert scoring.category_of(score, Bands()) == category


@pytest.mark.parametrize(
    ("intensity", "percent", "pscore", "score", "category"),
    [
        (1, "25", 1, 1, "+"),
        (1, "26", 2, 2, "+"),
        (2, "50", 2, 4, "+"),
        (1, "51", 3, 3, "+"),
        (3, "75", 3, 9, "+++"),
        (2, "76", 4, 8, "++"),
        (2, "51%", 3, 6, "++"),
        (3, "100", 4, 12, "+++"),
        (0, "100", 4, 0, "-"),  # intensity 0 scores 0 whatever the percentage
    ],
)
def test_file_readings_score_as_the_study(
    tmp_path: Path, intensity: int, percent: str, pscore: int, score: int, category: str
) -> None:
    row = one_reading(tmp_path, intensity, percent)
    assert (row["intensity"], row["percent_score"], row["score"], row["category"]) == (
        intensity,
        pscore,
        score,
        category,
    )
    assert row["percent"] == float(percent.rstrip("%"))
    assert row["source"] == "computed"


def test_every_possible_reading_lands_in_its_category() -> None:
    for intensity in range(4):
        for percent in range(101):
            score = scoring.final_score(intensity, scoring.percent_score(percent, Bands()))
            assert 0 <= score <= 12
            expected = "-" if score == 0 else "+" if score <= 4 else "++" if score <= 8 else "+++"
            assert scoring.category_of(score, Bands()) == expected


def test_configured_bands_move_the_edges(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        LONG_HEADER,
        [["P1", "NEC", m, 2, p] for m, p in (("A", 10), ("B", 11), ("C", 90), ("D", 91))],
    )
    scores = parse(path, percent_bands=[10, 50, 90], category_bands=[2, 6, 10])
    assert list(scores["percent_score"]) == [1, 2, 3, 4]
    assert list(scores["score"]) == [2, 4, 6, 8]
    assert list(scores["category"]) == ["+", "+", "++", "++"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("percent_bands", [50, 25, 75]),
        ("percent_bands", [25, 50]),
        ("percent_bands", [25, 50, 150]),
        ("category_bands", [1, 5, 13]),
        ("category_bands", "many"),
    ],
)
def test_bad_band_options_are_refused(key: str, value: object) -> None:
    # A value of the wrong type is refused by the declaration, a wrong shape by the plugin.
    with pytest.raises((InputError, OptionError), match=f"ihc.{key}"):
        Bands.from_options(options(**{key: value}))


def test_category_only_readings_stay_categories(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        ["patient_id", "specimen", "marker", "intensity", "percent", "category"],
        [
            ["P1", "NPC", "EBER", "", "", "+++"],
            ["P1", "NPC", "p40", "", "", "neg"],
            ["P1", "NEC", "CD56", "2", "60", ""],
        ],
    )
    scores = parse(path)
    given = scores[scores["source"] == "category"]
    assert list(given["marker"]) == ["EBER", "p40"]
    assert list(given["category"]) == ["+++", "-"]
    for column in ("intensity", "percent", "percent_score", "score"):
        assert given[column].isna().all(), column
    assert scores.iloc[2]["score"] == 6


def test_percent_score_column_instead_of_percent(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        ["patient_id", "specimen", "marker", "intensity", "percent_score"],
        [["P1", "NEC", "CD56", 3, 2], ["P1", "NEC", "SYN", 0, ""]],
    )
    scores = parse(path)
    assert list(scores["score"]) == [6, 0]
    assert scores["percent"].isna().all()
    assert list(scores["category"]) == ["++", "-"]


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (LONG_HEADER, ["P1", "NEC", "CD56", 4, 50], r"row 2, column 'intensity': intensity 4 is out of range \(0-3\)"),
        (LONG_HEADER, ["P1", "NEC", "CD56", 2, 120], r"row 2, column 'percent': percent 120 is out of range \(0-100\)"),
        (LONG_HEADER, ["P1", "NEC", "CD56", 2, -5], r"row 2, column 'percent': percent -5 is out of range"),
        (
            LONG_HEADER,
            ["P1", "NEC", "CD56", "very", 50],
            r"row 2, column 'intensity': intensity 'very' is not a number",
        ),
        (LONG_HEADER, ["P1", "NEC", "CD56", 1.5, 50], r"row 2, column 'intensity': intensity 1.5 is out of range"),
        (LONG_HEADER, ["P1", "NEC", "CD56", 2, ""], r"row 2, column 'intensity': intensity 2 needs a percent"),
        (LONG_HEADER, ["P1", "", "CD56", 2, 50], r"row 2, column 'specimen': empty"),
        (
            ["patient_id", "specimen", "marker", "intensity", "percent_score"],
            ["P1", "NEC", "CD56", 2, 0],
            r"row 2, column 'percent_score': percent score 0 is out of range \(1-4\)",
        ),
        (
            ["patient_id", "specimen", "marker", "category"],
            ["P1", "NEC", "CD56", "++++"],
            r"row 2, column 'category': '\+\+\+\+' is not a category",
        ),
        (
            ["patient_id", "specimen", "CD56"],
            ["P1", "NEC", "4/50%"],
            r"row 2, column 'CD56': intensity 4 is out of range",
        ),
        (
            ["patient_id", "specimen", "CD56"],
            ["P1", "NEC", "2/120%"],
            r"row 2, column 'CD56': percent 120 is out of range",
        ),
        (
            ["patient_id", "specimen", "CD56"],
            ["P1", "NEC", "positive"],
            r"row 2, column 'CD56': 'positive' is not a reading",
        ),
        (["case", "marker", "intensity"], ["P1", "CD56", 1], r"no 'specimen' column"),
        (LONG_HEADER, ["P1", "NEC", "CD56", "", ""], r"row 2, column 'intensity': empty"),
        (LONG_HEADER, ["P1", "NEC", "CD56", "", "40"], r"row 2, column 'percent': a percentage without intensity"),
    ],
)
def test_bad_values_name_row_and_column(tmp_path: Path, header: list[str], row: list[object], message: str) -> None:
    path = write_rows(tmp_path / "ihc.csv", header, [row])
    if "'specimen'" in message:
        with pytest.raises(InputError, match=message):
            parse(path)
        return
    # A bad cell costs that reading: one warning for the column, naming the row.
    column = re.search(r"column '([^']+)'", message).group(1)
    reason = message.split(": ", 1)[1]
    with pytest.warns(InputWarning, match=rf"column '{re.escape(column)}': 1 cell.*row 2: .*{reason}"):
        assert parse(path).empty


def test_row_numbers_are_the_spreadsheet_rows(tmp_path: Path) -> None:
    rows = [["P1", "NEC", "CD56", 2, 50], ["", "", "", "", ""], ["P1", "NEC", "SYN", 9, 50]]
    path = write_xlsx(tmp_path / "ihc.xlsx", LONG_HEADER, rows)
    with pytest.warns(InputWarning, match=r"column 'intensity'.*row 4: '9'"):
        parse(path)
    csv_path = write_rows(tmp_path / "ihc.csv", LONG_HEADER, rows)
    with pytest.warns(InputWarning, match=r"column 'intensity'.*row 4: '9'"):
        parse(csv_path)


def test_stained_intensity_with_no_stained_cells_warns(tmp_path: Path) -> None:
    with pytest.warns(InputWarning, match=r"row 2, column 'percent': intensity 2 with 0%"):
        row = one_reading(tmp_path, 2, 0)
    assert row["percent_score"] == 1 and row["score"] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert one_reading(tmp_path, 0, 0, name="zero.csv")["score"] == 0


def test_disagreeing_category_warns_and_the_score_wins(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        [*LONG_HEADER, "category"],
        [["P1", "NEC", "CD56", 2, 60, "+"]],
    )
    with pytest.warns(InputWarning, match=r"category '\+' disagrees with the score 6"):
        scores = parse(path)
    assert scores.iloc[0]["category"] == "++"


def test_two_readings_of_one_marker_are_an_error(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        LONG_HEADER,
        [["P1", "NEC", "SYN", 2, 60], ["P1", "NEC", "CD56", 1, 10], ["P1", "NEC", "Synaptophysin", 3, 80]],
    )
    with pytest.raises(InputError, match=r"rows 2 and 4: two readings of SYN for patient P1"):
        parse(path)


def test_disagreeing_percent_score_warns_and_the_percent_wins(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        [*LONG_HEADER, "percent_score"],
        [["P1", "NEC", "CD56", 2, 60, 2]],
    )
    with pytest.warns(InputWarning, match=r"percent score 2 disagrees with 60% \(percentage score 3\)"):
        scores = parse(path)
    assert scores.iloc[0]["percent_score"] == 3 and scores.iloc[0]["score"] == 6


def test_a_repeated_reading_that_warns_is_warned_about_on_each_of_its_rows(tmp_path: Path) -> None:
    # Readings are scored once per distinct combination of cells; a combination that
    # warns must still name every row it stands on (rows 2 and 4, counted by hand).
    path = write_rows(
        tmp_path / "ihc.csv",
        LONG_HEADER,
        [["P1", "NEC", "CD56", 2, 0], ["P1", "NEC", "SYN", 1, 10], ["P2", "NEC", "CD56", 2, 0]],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = parse(path)
    rows = sorted(re.findall(r"row (\d+), column 'percent'", " ".join(str(w.message) for w in caught)))
    assert rows == ["2", "4"]
    assert list(scores["score"]) == [2, 1, 2]
