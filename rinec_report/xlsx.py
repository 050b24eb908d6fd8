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

import os
import zipfile
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
    book = _open(path)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _open(path: str | Path) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable .xlsx file ({exc})") from None
    except (KeyError, ValueError, TypeError, IndexError, EOFError, zipfile.LargeZipFile) as exc:
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise InputError(f"not a readable .xlsx file ({detail})") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from None
    except Exception as exc:  # lxml/ElementTree errors on broken XML parts
        raise InputError(f"not a readable .xlsx file ({type(exc).__name__})") from None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheet(
    path: str | Path,
    sheet: str | None = None,
    max_cells: int = DEFAULT_MAX_CELLS,
    max_xml_bytes: int = DEFAULT_MAX_XML_BYTES,
    number_formats: bool = False,
) -> Sheet:
    """The used cells of ``sheet`` (default: the first) of the workbook at ``path``.

    Raises :class:`InputError` for a workbook that cannot be read, a missing
    sheet, or more than ``max_cells`` stored cells (the message says how to
    raise the limit).
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    book = _open(path)
    try:
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
                    data_only=True,
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
    finally:
        book.close()
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


def check_workbook(path: str | Path, max_xml_bytes: int = DEFAULT_MAX_XML_BYTES) -> None:
    """Before a full ``openpyxl.load_workbook``: an InputError for a file that is not
    a zip archive, or whose sheets unpack to more than ``max_xml_bytes`` of XML."""
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(i.file_size for i in archive.infolist() if i.filename.startswith("xl/worksheets/"))
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable .xlsx file ({exc})") from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from None
    if total > max_xml_bytes:
        raise InputError(f"its sheets are {total / 2**20:,.0f} MB of XML once unpacked; not read")


def iter_used_rows(
    ws: Any, max_cells: int = DEFAULT_MAX_CELLS, extra: Any = ()
) -> list[tuple[int, list[Any]]]:
    """For a worksheet loaded in full (not read-only) mode: the rows that hold a
    value, as (row number, cells of the used columns), from the cells the sheet
    stores, not ``ws.iter_rows()``'s declared rectangle (which a stray cell at
    XFD1048576 makes 17 billion cells). ``extra`` are (row, column) pairs to keep
    as used although empty (the cells a merged range covers)."""
    stored = ws._cells  # {(row, column): Cell}, only the cells the file holds
    if len(stored) > max_cells:
        raise InputError(f"sheet {ws.title!r} stores more than {max_cells:,} cells; {RAISE_HINT}")
    used = {key: cell for key, cell in stored.items() if not _empty(cell.value)}
    keys = set(used) | {key for key in extra if key in stored}
    columns = sorted({c for _, c in keys})
    rows = sorted({r for r, _ in keys})
    from openpyxl.cell.cell import Cell

    return [
        (r, [stored.get((r, c)) or Cell(ws, row=r, column=c) for c in columns])
        for r in rows
    ]


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
