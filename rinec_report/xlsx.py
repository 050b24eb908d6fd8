"""Reading one sheet of an .xlsx by the cells it really holds.

openpyxl (and pandas over it) pads every row to the sheet's *declared*
dimension: a 5 KB workbook with one stray cell at ``XFD1048576`` becomes 17
billion empty cells (minutes, gigabytes). Here the sheet's XML is read cell by
cell as stored, every cell counts against ``max_cells``, and the result is the
non-empty rows, restricted to the columns that hold a value in some row. A
broken workbook is an :class:`~rinec_report.InputError` with a one-line message.

Table readers call :func:`read_sheet`; it never imports pandas.
"""

from __future__ import annotations

import contextlib
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import InputError


def _env_limit(name: str, default: int) -> int:
    # An environment variable, not an option: it reaches the parsing worker
    # processes and every table reader without plumbing.
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else default


DEFAULT_MAX_CELLS = _env_limit("RINEC_MAX_XLSX_CELLS", 5_000_000)
RAISE_HINT = "if it is really that large, raise the limit with the environment variable RINEC_MAX_XLSX_CELLS"
# A sheet's XML larger than this once decompressed is refused before parsing (a
# zip bomb would otherwise cost its full decompression).
DEFAULT_MAX_XML_BYTES = 1 << 30


@dataclass
class Sheet:
    """The used cells of one sheet.

    ``rows`` are the non-empty rows, each a list as long as ``columns``;
    ``row_numbers`` their 1-based numbers in the workbook (for messages);
    ``columns`` the 1-based numbers of the columns kept (any that holds a value).
    """

    name: str
    rows: list[list[Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)
    cells_read: int = 0
    # With number_formats=True: each row's cells' number formats ("0%", "General" ...).
    formats: list[list[str | None]] = field(default_factory=list)


def sheet_names(path: str | Path) -> list[str]:
    with _opened(path) as book:
        return list(book.sheetnames)


@contextlib.contextmanager
def _opened(path: str | Path, check: bool = True) -> Iterator[Any]:
    """The workbook in openpyxl's read-only mode, from the checked open of ``path``
    (a read-only workbook reads its archive until it is closed)."""
    import openpyxl

    from .safeio import open_regular

    if check:
        check_workbook(path)
    try:
        source = open_regular(path)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from None
    with source:
        try:
            book = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except zipfile.BadZipFile as exc:
            raise InputError(f"not a readable .xlsx file ({exc})") from None
        except (KeyError, ValueError, TypeError, IndexError, EOFError, zipfile.LargeZipFile) as exc:
            detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
            raise InputError(f"not a readable .xlsx file ({detail})") from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}") from None
        except Exception as exc:  # lxml/ElementTree errors on broken XML parts
            raise InputError(f"not a readable .xlsx file ({type(exc).__name__})") from None
        try:
            yield book
        finally:
            book.close()


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheet(
    path: str | Path,
    sheet: str | None = None,
    max_cells: int = DEFAULT_MAX_CELLS,
    max_xml_bytes: int = DEFAULT_MAX_XML_BYTES,
    number_formats: bool = False,
    data_only: bool = True,
    checked: bool = False,
) -> Sheet:
    """The used cells of ``sheet`` (default: the first) of the workbook at ``path``.

    Raises :class:`InputError` for a workbook that cannot be read, a missing
    sheet, or more than ``max_cells`` stored cells (the message says how to
    raise the limit). With ``data_only=False`` a formula cell's value is its
    formula (``"=SUM(A1:A3)"``) rather than the value Excel saved for it.
    ``checked``: :func:`check_workbook` has already passed this file.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    with _opened(path, check=not checked) as book:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise InputError(f"no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}")
            ws = book[sheet]
        else:
            if not book.worksheets:
                raise InputError("the workbook has no sheet")
            ws = book.worksheets[0]
        if not hasattr(ws, "_get_source"):  # a chart sheet
            raise InputError(f"sheet {ws.title!r} holds no cells")
        out = Sheet(name=ws.title)
        _check_xml_size(book, ws, max_xml_bytes)
        cells: dict[int, dict[int, Any]] = {}
        formats: dict[int, dict[int, str | None]] = {}
        used_columns: set[int] = set()
        try:
            with ws._get_source() as src:
                parser = WorkSheetParser(
                    src,
                    ws._shared_strings,
                    data_only=data_only,
                    epoch=book.epoch,
                    date_formats=book._date_formats,
                    timedelta_formats=book._timedelta_formats,
                )
                for number, row in parser.parse():
                    out.cells_read += len(row) + 1
                    if out.cells_read > max_cells:
                        raise InputError(f"sheet {ws.title!r} stores more than {max_cells:,} cells; {RAISE_HINT}")
                    values = {c["column"]: c["value"] for c in row if not _empty(c["value"])}
                    if values:
                        cells[number] = values
                        used_columns.update(values)
                        if number_formats:
                            styles = {c["column"]: c.get("style_id", 0) for c in row}
                            formats[number] = {k: _number_format(book, styles.get(k)) for k in values}
        except InputError:
            raise
        except (zipfile.BadZipFile, EOFError, KeyError, ValueError, TypeError, IndexError) as exc:
            detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
            raise InputError(f"sheet {ws.title!r} cannot be read ({detail})") from None
        except Exception as exc:  # broken XML inside the archive
            raise InputError(f"sheet {ws.title!r} cannot be read ({type(exc).__name__})") from None
    out.columns = sorted(used_columns)
    for number in sorted(cells):
        values = cells[number]
        out.rows.append([values.get(c) for c in out.columns])
        out.row_numbers.append(number)
        if number_formats:
            out.formats.append([formats[number].get(c) for c in out.columns])
    return out


def _number_format(book: Any, style_id: Any) -> str | None:
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    try:
        fmt_id = book._cell_styles[int(style_id or 0)].numFmtId
        if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
            return BUILTIN_FORMATS.get(fmt_id, "General")
        return book._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):
        return None


# Merged ranges and hyperlink ranges are expanded cell by cell when openpyxl loads a
# sheet in full: one 1.7 KB range A10:XFD1048576 is 17 billion cells. Real sheets merge
# a few header cells; the ranges' cells are counted before anything is loaded.
MAX_RANGE_CELLS = 100_000
_RANGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(mergeCell|hyperlink)[\s/>]")
_REF_ATTR = re.compile(rb"""\sref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_CHUNK = 1 << 20
# A tag is looked at whole: one that has not ended within this many bytes is refused
# (attributes padded past a chunk's edge must not hide a range from the count).
_MAX_TAG = 1 << 16


@dataclass
class WorkbookScan:
    """What the byte scan of a workbook's sheets saw, by sheet title: the merged
    ranges (A1-style refs) and whether any formula is stored."""

    merged: dict[str, list[str]] = field(default_factory=dict)
    formulas: set[str] = field(default_factory=set)


def check_workbook(
    path: str | Path,
    max_xml_bytes: int = DEFAULT_MAX_XML_BYTES,
    max_cells: int = DEFAULT_MAX_CELLS,
    max_range_cells: int = MAX_RANGE_CELLS,
) -> WorkbookScan:
    """Before a full ``openpyxl.load_workbook``: an InputError for a file that is not a
    zip archive, whose members unpack to more than the read limit in force (the same
    limit as a plain file), whose sheets are more than ``max_xml_bytes`` of XML, store
    more than ``max_cells`` cells, or whose merged and hyperlink ranges cover more than
    ``max_range_cells`` cells. Only the archive's directory and a byte scan of each
    sheet's XML are read: nothing is expanded."""
    from .safeio import current_limit, open_regular

    limit = current_limit()
    try:
        with open_regular(path) as raw, zipfile.ZipFile(raw) as archive:
            members = archive.infolist()
            unpacked = sum(i.file_size for i in members)
            if limit.bytes is not None and unpacked > limit.bytes:
                raise limit.refusal(f"its {len(members)} parts unpack to {unpacked / 1e6:,.0f} MB, which")
            sheets = [i for i in members if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
            total = sum(i.file_size for i in sheets)
            if total > max_xml_bytes:
                raise InputError(f"its sheets are {total / 2**20:,.0f} MB of XML once unpacked; not read")
            titles = _sheet_titles(archive)
            seen = WorkbookScan()
            for info in sheets:
                title = titles.get(info.filename, info.filename)
                merged, formulas = _check_sheet_xml(archive, info, title, max_cells, max_range_cells)
                seen.merged[title] = merged
                if formulas:
                    seen.formulas.add(title)
            return seen
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable .xlsx file ({exc})") from None


def _check_sheet_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, title: str, max_cells: int,
                     max_range_cells: int) -> tuple[list[str], bool]:
    """The sheet's merged ranges and whether it stores a formula; InputError past a bound."""
    import html

    cells = covered = 0
    merged: list[str] = []
    formulas = False
    data = b""
    with archive.open(info) as member:
        while True:
            chunk = member.read(_CHUNK)
            data += chunk
            # Tags starting before `cut` are read now; the rest, with the bytes after
            # them, wait for the next chunk (unless this was the last one).
            cut = len(data) - _MAX_TAG if chunk else len(data)
            if cut <= 0 and chunk:
                continue
            cells += len(_CELL_TAG.findall(data, 0, cut))
            formulas = formulas or _FORMULA_TAG.search(data, 0, cut) is not None
            for match in _RANGE_TAG.finditer(data, 0, cut):
                end = data.find(b">", match.start(), match.start() + _MAX_TAG)
                if end < 0:
                    raise InputError(f"sheet {title!r}: a <{match.group(1).decode()}> tag longer than "
                                     f"{_MAX_TAG // 1024} KB; not read")
                attr = _REF_ATTR.search(data, match.start(), end)
                if attr is None:
                    continue
                ref = html.unescape((attr.group(1) or attr.group(2) or b"").decode("utf-8", "replace")).strip()
                covered += _range_area(ref)
                if match.group(1) == b"mergeCell":
                    merged.append(ref)
                if covered > max_range_cells:
                    kind = "merged range" if match.group(1) == b"mergeCell" else "hyperlink range"
                    raise InputError(
                        f"sheet {title!r}: its {kind} {ref[:40]} brings the cells its ranges cover to more "
                        f"than {max_range_cells:,}; not read (merge a few cells, not whole columns or rows)")
            if cells > max_cells:
                raise InputError(f"sheet {title!r} stores more than {max_cells:,} cells; {RAISE_HINT}")
            if not chunk:
                return merged, formulas
            data = data[cut:]


_CELL_REF = r"\$?([A-Za-z]{0,3})\$?(\d{0,7})"
_REF = re.compile(rf"^{_CELL_REF}(?::{_CELL_REF})?$")
_COLUMNS, _ROWS = 16_384, 1_048_576  # a sheet's columns and rows


def _range_area(ref: str) -> int:
    """Cells of an A1-style range (``B2:D10`` is 27; ``A:C`` three whole columns); a
    ref that is not a range counts as the whole sheet, so it cannot slip past the count."""
    m = _REF.match(ref)
    if not m or not (m.group(1) or m.group(2)):
        return _COLUMNS * _ROWS
    c1, r1 = m.group(1), m.group(2)
    c2, r2 = (m.group(3), m.group(4)) if m.group(3) is not None else (c1, r1)
    if bool(c1) != bool(c2) or bool(r1) != bool(r2):
        return _COLUMNS * _ROWS
    columns = abs(_column_number(c2) - _column_number(c1)) + 1 if c1 else _COLUMNS
    rows = abs(int(r2) - int(r1)) + 1 if r1 else _ROWS
    return columns * rows


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """``xl/worksheets/sheet1.xml`` -> the sheet's title, for messages; {} when unknown."""
    try:
        book = archive.read("xl/workbook.xml")[: 1 << 20].decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels")[: 1 << 20].decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    def attributes(tag: str) -> dict[str, str]:
        return dict(re.findall(r'([\w:]+)\s*=\s*"([^"]*)"', tag))

    targets = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        found = attributes(tag)
        targets[found.get("Id", "")] = found.get("Target", "")
    titles = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        found = attributes(tag)
        target = targets.get(found.get("r:id", ""), "")
        titles[target.lstrip("/") if target.startswith("/") else f"xl/{target}"] = found.get("name", "")
    return titles


def _check_xml_size(book: Any, ws: Any, max_xml_bytes: int) -> None:
    archive = getattr(book, "_archive", None)
    name = getattr(ws, "_worksheet_path", None)
    if archive is None or name is None:
        return
    try:
        size = archive.getinfo(name).file_size
    except KeyError:
        return
    if size > max_xml_bytes:
        raise InputError(f"sheet {ws.title!r} is {size / 2**20:,.0f} MB of XML once unpacked; not read")
