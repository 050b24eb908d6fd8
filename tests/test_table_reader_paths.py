"""The table reader's two paths for text files read the same rows.

A text without quotes is split a line at a time (fast); any other goes through
Python's csv module (RFC 4180). The csv module is the reference here: every text
below is read by both, and the rows, their line numbers and the comment lines
must agree exactly.
"""

from __future__ import annotations

import csv
import io
import random

import pytest

from rinec_report import tables


def csv_module_grid(text: str, delimiter: str) -> tuple[list[list[str]], list[int], list[str]]:
    """What Python's csv module makes of a quote-free text, with the reader's rules
    written out plainly: '#' lines before the data are comments, blank rows are
    dropped, cells are stripped, rows numbered by the line they start on."""
    comments: list[str] = []
    grid: list[list[str]] = []
    numbers: list[int] = []
    seen_data = False
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if line.startswith("#"):
            if not seen_data:
                comments.append(line.rstrip("\r\n")[1:])
            continue
        seen_data = seen_data or bool(line.strip())
        row = next(csv.reader([line], delimiter=delimiter), [])
        if any(cell.strip() for cell in row):
            grid.append([cell.strip() for cell in row])
            numbers.append(number)
    return grid, numbers, comments


CASES = [
    "patient_id,age\nP1,61\nP2,\n",
    "patient_id,age\r\nP1,61\r\n\r\nP2, 70 \r\n",
    "# title\n#types\npatient_id\tage\nP1\t61\n# a note after the data\nP2\t5",
    "a;b\rx;y\r;\r",
    ",,\n,,\nid,v\n x , y \n\u00a0P3\u00a0,z\n",
    "",
    "\n\n\n",
]


@pytest.mark.parametrize("text", CASES)
@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_quote_free_text_reads_as_the_csv_module_reads_it(text: str, delimiter: str) -> None:
    assert tables._text_grid(text, delimiter) == csv_module_grid(text, delimiter)


def test_random_quote_free_texts_read_as_the_csv_module_reads_them() -> None:
    pieces = ["a", "b", " ", "\t", ",", ";", "\n", "\r", "\r\n", "#", "x y", "\u00a0", "1", ""]
    rng = random.Random(15)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        for delimiter in (",", "\t", ";"):
            assert tables._text_grid(text, delimiter) == csv_module_grid(text, delimiter), repr(text)


def test_a_table_gzipped_in_many_members_reads_as_the_plain_one(tmp_path) -> None:
    # bgzip writes one gzip member per 64 KB block; every member must be read.
    import gzip

    text = "patient_id,age\n" + "".join(f"P{i},{20 + i % 60}\n" for i in range(3000))
    (tmp_path / "plain.csv").write_text(text)
    data = text.encode()
    members = b"".join(gzip.compress(data[i:i + 1000]) for i in range(0, len(data), 1000))
    (tmp_path / "blocks.csv.gz").write_bytes(members)
    plain, blocks = tables.read_table(tmp_path / "plain.csv"), tables.read_table(tmp_path / "blocks.csv.gz")
    assert blocks.rows == plain.rows and len(blocks.rows) == 3000 and blocks.lines == plain.lines
