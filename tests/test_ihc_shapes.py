"""The ihc plugin reads long and wide tables (CSV, TSV, XLSX) into the same scores."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ihc_helpers import (
    EXAMPLE_SCORES,
    LONG_HEADER,
    example_long_rows,
    long_to_wide_rows,
    options,
    parse,
    write_rows,
    write_xlsx,
)
from rinec_plugins.ihc.combine import combine
from rinec_plugins.ihc.names import MarkerNames, specimen_type
from rinec_plugins.ihc.parse import SCORE_COLUMNS

from rinec_report import InputWarning


def _sorted(scores: pd.DataFrame) -> pd.DataFrame:
    return scores.sort_values(["patient_id", "specimen", "marker"]).reset_index(drop=True)


def test_example_file_has_the_study_categories() -> None:
    scores = parse(EXAMPLE_SCORES)
    assert list(scores.columns) == SCORE_COLUMNS
    assert len(scores) == 36
    assert (scores["source"] == "computed").all()
    got = {(r.patient_id, r.specimen_type, r.marker): r.category for r in scores.itertuples()}
    for patient in ("P1", "P2"):
        assert got[(patient, "NPC", "EBER")] == "+++"
        assert got[(patient, "NPC", "CK5/6")] == "+++"
        assert got[(patient, "NPC", "p40")] == "++"
        assert got[(patient, "NEC", "CD56")] in ("++", "+++")
        assert got[(patient, "NEC", "SYN")] in ("++", "+++")
        assert got[(patient, "NEC", "CgA")] in ("+", "++")
    for patient in ("P1", "P2", "P3", "P4", "P5"):
        for marker in ("CD56", "SYN", "CgA"):
            assert got[(patient, "NEC", marker)] != "-"
        for marker in ("EBER", "CK5/6", "p40"):
            assert got[(patient, "NEC", marker)] == "-"


@pytest.mark.parametrize("shape", ["long.tsv", "long.xlsx", "wide.csv", "wide.tsv", "wide.xlsx"])
def test_every_shape_gives_identical_scores(tmp_path: Path, shape: str) -> None:
    long_rows = example_long_rows()
    reference = _sorted(parse(EXAMPLE_SCORES))
    kind, ext = shape.split(".")
    header, rows = (LONG_HEADER, long_rows) if kind == "long" else long_to_wide_rows(long_rows)
    path = tmp_path / f"ihc_{kind}.{ext}"
    if ext == "xlsx":
        write_xlsx(path, header, rows)
    else:
        write_rows(path, header, rows, sep="\t" if ext == "tsv" else ",")
    pd.testing.assert_frame_equal(_sorted(parse(path)), reference)


def test_wide_cells_as_pathologists_write_them(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        ["Patient", "Specimen", "CD56", "SYN", "CgA", "EBER", "p40", "Comments"],
        [
            ["P1", "NEC", "2/60%", "3, 80%", "++", "neg", "0", "re-cut"],
            ["P2", "NEC", "1 / 25", "3x76%", "+++", "\u2212", "n/a", ""],
        ],
    )
    scores = parse(path).set_index(["patient_id", "marker"])
    assert scores.loc[("P1", "CD56"), "score"] == 6
    assert scores.loc[("P1", "SYN"), "score"] == 12
    assert scores.loc[("P1", "CgA"), "source"] == "category"
    assert pd.isna(scores.loc[("P1", "CgA"), "score"])
    assert scores.loc[("P1", "EBER"), "category"] == "-"
    assert scores.loc[("P1", "p40"), "score"] == 0
    assert scores.loc[("P2", "CD56"), "score"] == 1
    assert scores.loc[("P2", "SYN"), "percent_score"] == 4
    assert scores.loc[("P2", "EBER"), "category"] == "-"
    assert ("P2", "p40") not in scores.index  # 'n/a': not stained
    assert "Comments" not in set(scores.reset_index()["marker"])


def test_xlsx_percent_formatted_cells_are_percentages(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(LONG_HEADER)
    sheet.append(["P1", "NEC", "CD56", 2, 0.26])
    sheet["E2"].number_format = "0%"
    book.save(tmp_path / "ihc.xlsx")
    row = parse(tmp_path / "ihc.xlsx").iloc[0]
    assert row["percent"] == 26 and row["percent_score"] == 2


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("Synaptophysin", "SYN"),
        ("syn", "SYN"),
        ("Chromogranin A", "CgA"),
        ("CGA", "CgA"),
        ("cga", "CgA"),
        ("NCAM1", "CD56"),
        ("cd56", "CD56"),
        ("deltaNp63", "p40"),
        ("P40", "p40"),
        ("CK5/6", "CK5/6"),
        ("ck 5/6", "CK5/6"),
        ("EBER-ISH", "EBER"),
        ("eber ish", "EBER"),
    ],
)
def test_marker_synonyms(written: str, canonical: str) -> None:
    assert MarkerNames().canonical(written) == canonical


def test_synonyms_in_a_file_make_one_column(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        LONG_HEADER,
        [
            ["P1", "NEC", "Synaptophysin", 2, 60],
            ["P2", "NEC", "SYN", 2, 60],
            ["P3", "NEC", "Ki-67", 1, 10],
            ["P4", "NEC", "ki67", 1, 10],
            ["P5", "NEC", "MIB1", 1, 10],
        ],
    )
    assert list(parse(path)["marker"]) == ["SYN", "SYN", "Ki-67", "Ki-67", "MIB1"]
    configured = parse(path, marker_synonyms={"Ki-67": ["MIB1"]})
    assert list(configured["marker"]) == ["SYN", "SYN", "Ki-67", "Ki-67", "Ki-67"]


def test_specimen_types_from_labels_and_config(tmp_path: Path) -> None:
    assert specimen_type("NPC-2008") == "NPC"
    assert specimen_type("nec 2021 resection") == "NEC"
    assert specimen_type("NPC") == "NPC"
    assert specimen_type("biopsy A") is None
    assert specimen_type("NEC after NPC") is None
    assert specimen_type("biopsy A", {"Biopsy A": "NPC"}) == "NPC"
    path = write_rows(
        tmp_path / "ihc.csv",
        LONG_HEADER,
        [
            ["P1", "NPC-2008", "EBER", 3, 90],
            ["P1", "NEC-2020", "EBER", 0, 0],
            ["P1", "biopsy A", "EBER", 3, 90],
        ],
    )
    with pytest.warns(InputWarning, match=r"row 4, column 'specimen'.*'biopsy A'"):
        scores = parse(path)
    assert list(scores["specimen_type"]) == ["NPC", "NEC", "biopsy A"]
    mapped = parse(path, specimen_types={"biopsy A": "NPC"})
    assert list(mapped["specimen_type"]) == ["NPC", "NEC", "NPC"]


def test_patient_ids_are_strings_as_written_and_mapped(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ihc.xlsx", LONG_HEADER, [[1, "NEC", "CD56", 2, 60], ["007", "NEC", "CD56", 1, 5]])
    scores = parse(path)
    assert list(scores["patient_id"]) == ["1", "007"]
    from rinec_report import Patients

    published = combine([scores], options(), patients=Patients({"1": "P1", "007": "P7"}, {}))
    assert list(published["scores"]["patient_id"]) == ["P1", "P7"]
    assert list(published["panel"]["patient_id"]) == ["P1", "P7"]


def test_a_reading_in_two_files_is_kept_once(tmp_path: Path) -> None:
    first = parse(write_rows(tmp_path / "a.csv", LONG_HEADER, [["P1", "NEC", "CD56", 2, 60]]))
    second = parse(
        write_rows(tmp_path / "b.csv", LONG_HEADER, [["P1", "NEC", "NCAM1", 3, 90], ["P1", "NEC", "SYN", 1, 5]])
    )
    with pytest.warns(InputWarning, match="1 reading appears in more than one file"):
        published = combine([first, second], options())
    scores = published["scores"]
    assert len(scores) == 2
    assert scores.set_index("marker").loc["CD56", "score"] == 6


def test_specimen_type_column_and_decorated_headers(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        ["Case", "Specimen", "Specimen type", "SYN", "EBER ISH"],
        [["P1", "biopsy 2008", "NPC", "0", "3/90%"], ["P1", "resection", "neuroendocrine", "2/60%", "0"]],
    )
    scores = parse(path)
    assert list(scores["specimen_type"]) == ["NPC", "NPC", "NEC", "NEC"]
    assert list(scores["marker"]) == ["SYN", "EBER", "SYN", "EBER"]
    long_path = write_rows(
        tmp_path / "ihc_long.csv",
        ["Patient ID", "Specimen", "Marker", "Intensity (0-3)", "Percent (%)"],
        [["P1", "NEC", "CD56", "2", "60%"]],
    )
    assert parse(long_path).iloc[0]["score"] == 6


def test_the_exported_scores_table_reads_back_unchanged(tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "ihc.csv",
        [*LONG_HEADER, "category"],
        [["P1", "NPC", "EBER", "", "", "+++"], ["P1", "NEC", "CD56", 2, 60, ""], ["P1", "NEC", "SYN", 0, "", ""]],
    )
    scores = parse(path)
    exported = tmp_path / "ihc_scores.tsv"
    scores.to_csv(exported, sep="\t", index=False)
    pd.testing.assert_frame_equal(parse(exported), scores)
