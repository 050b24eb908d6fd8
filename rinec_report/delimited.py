"""The one writer of exported TSV and CSV text (the data folder's tables, the
identity map), on whole columns: what pandas' ``to_csv(sep=..., index=False,
lineterminator="\\n")`` writes, except that every field holding a control
character is quoted (the rule is at :data:`CONTROL`).

pandas hands every cell to Python's csv module, seconds per million rows. Here
each column becomes one Arrow string column, formatted as pandas formats it
(integers as ``str(int)``, floats with numpy's ``astype(str)``, booleans as
True/False, missing cells empty, anything else in an object column through
``str``, dates and periods by pandas itself); the cells the rule quotes are
quoted; spreadsheet formulas are neutralised on whole columns; and the rows are
joined by Arrow's string kernels and written as one buffer per block of rows.
"""

from __future__ import annotations

from functools import cache
from typing import Any, BinaryIO

_BLOCK_ROWS = 1 << 16  # about 6 MB of text per block of a mutation table
_GROUPED_ROWS = 4096  # tables up to this long have their columns of one dtype written together
# write._FORMULA in RE2, which has no look-ahead: a cell starting with = @ tab or
# CR, or with + or - unless the rest is a plain number or more signs. RE2's $ is
# the end of the text where Python's is also before a final newline (hence \n?),
# and Python's \d on text is any Unicode decimal digit (hence \p{Nd}).
_FORMULA_START = r"^[=@\t\r+\-]"
_PLAIN_SIGNED = r"^[+\-][\p{Nd}.eE%+\-/ ]*\n?$"


# One rule for every exported text field, TSV and CSV alike: a field holding the
# separator, a double quote, or any control character (C0 \x00-\x1f, DEL, C1
# \x80-\x9f) or Unicode's line and paragraph separators is written in double
# quotes, inner quotes doubled. Python's csv module (which pandas uses) quotes only
# the separator, the quote and \n, and \r only from 3.12 on: a file name holding
# \r broke rows in spreadsheets and in readers that split lines as str.splitlines.
CONTROL = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)])) + "\u2028\u2029"


def needs_quotes(text: str, sep: str) -> bool:
    """Whether a field is quoted under the export's rule."""
    return any(ch == sep or ch == '"' or ch in CONTROL for ch in text)


def quote_field(text: str, sep: str) -> str:
    """A field as the export writes it."""
    return '"' + text.replace('"', '""') + '"' if needs_quotes(text, sep) else text


def _regex_class(sep: str) -> str:
    """The rule's characters as an RE2 class."""
    return "[" + (sep if sep.isalnum() else "\\" + sep) + '"' + r"\x00-\x1f\x7f-\x{9f}\x{2028}\x{2029}]"


@cache
def _ascii_of_the_rule(sep: str) -> Any:
    """A table of the bytes that are ASCII characters of the rule."""
    import numpy as np

    table = np.zeros(256, dtype=bool)
    table[:0x20] = True
    table[[0x7F, ord('"'), ord(sep)]] = True
    return table


class _Unsupported(Exception):
    """A column not formatted here as pandas would: pandas writes the table."""


def _text(values: Any) -> tuple[Any, bool]:
    """Arrow strings of an object array (missing cells empty) as the csv module
    writes them: text as it is, anything else through ``str``; and whether every
    present cell was text."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        try:
            return pa.array(values, type=pa.string(), from_pandas=True).fill_null(""), True
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            pass
    missing = pd.isna(values)
    if kind in ("integer", "floating", "mixed-integer-float", "boolean"):
        # Numbers in an object (or nullable Int64/Float64) column: str() of each, in numpy's loop.
        out = np.full(len(values), "", dtype=object)
        out[~missing] = values[~missing].astype(str)
        return pa.array(out, type=pa.string()), False
    out = np.empty(len(values), dtype=object)
    for k, (v, gone) in enumerate(zip(values, missing, strict=True)):
        out[k] = "" if gone else (v if isinstance(v, str) else str(v))
    return pa.array(out, type=pa.string()), False


def _column_text(series: Any, neutralise: bool) -> tuple[Any, Any | None]:
    """(Arrow strings, None) for a plain column, or (category strings, integer
    codes, -1 for missing) for a categorical one. Formulas are neutralised when
    asked, in the text cells of object and categorical columns."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if dtype.categories.dtype.kind in "Mm":  # pandas formats these dates itself
            raise _Unsupported(str(dtype))
        cats = np.asarray(dtype.categories, dtype=object)
        text, all_text = _text(cats)
        if neutralise:
            text = _neutralise(text, cats, all_text)
        return text, series.cat.codes.to_numpy()
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        if dtype.kind in "iufb" and getattr(dtype, "numpy_dtype", None) is not None:
            # Nullable Int64, Float64, boolean: the numbers' own text, missing cells empty.
            import pyarrow.compute as pc

            missing = series.isna().to_numpy()
            if missing.all():
                return _empty_text(len(series)), None
            plain = pd.Series(series.to_numpy(dtype=dtype.numpy_dtype, na_value=0), name=series.name)
            text, _ = _column_text(plain, neutralise=False)
            return pc.if_else(pa.array(missing), "", text) if missing.any() else text, None
        return _text(series.astype(object).to_numpy())[0], None
    if dtype.kind in "iu":
        return pa.array(series.to_numpy()).cast(pa.string()), None
    if dtype.kind == "b":
        return pa.array(np.where(series.to_numpy(), "True", "False")), None
    if dtype.kind == "f":
        return _float_text(series.to_numpy()), None
    if dtype.kind != "O":
        raise _Unsupported(str(dtype))
    values = series.to_numpy()
    text, all_text = _text(values)
    if neutralise:
        text = _neutralise(text, values, all_text)
    return text, None


def _empty_text(n: int) -> Any:
    """``n`` empty Arrow strings, made from their buffers."""
    import numpy as np
    import pyarrow as pa

    return pa.StringArray.from_buffers(n, pa.py_buffer(np.zeros(n + 1, dtype=np.int32)), pa.py_buffer(b""))


def _float_text(values: Any) -> Any:
    """Floats as numpy's ``astype(str)`` writes them (what pandas' to_csv does),
    missing cells empty. numpy's shortest repr of a float64 holding a whole number
    under 1e16 is that integer and ".0" (-0.0 aside): those go through Arrow's
    integer cast, seconds less per million rows; only the others through numpy."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    nan = np.isnan(values)
    if nan.all():
        return _empty_text(len(values))
    if values.dtype != np.float64:
        text = values.astype(str)
        text[nan] = ""
        return pa.array(text, type=pa.string())
    with np.errstate(invalid="ignore"):
        whole = (values == np.trunc(values)) & (np.abs(values) < 1e16) & ~((values == 0) & np.signbit(values))
    ints = pa.array(np.where(whole, values, 0).astype(np.int64)).cast(pa.string())
    text = pc.binary_join_element_wise(ints, ".0", "")
    other = ~whole & ~nan
    if other.any():
        text = pc.replace_with_mask(text, pa.array(other), pa.array(values[other].astype(str), type=pa.string()))
    if nan.any():
        text = pc.if_else(pa.array(nan), "", text)
    return text


def _bytes_of(text: Any) -> tuple[Any, Any]:
    """The UTF-8 bytes of an Arrow string array (numpy uint8, no copy) and each
    value's start and end in them."""
    import numpy as np
    import pyarrow as pa

    width = np.int64 if text.type == pa.large_string() else np.int32
    _, offsets, data = text.buffers()
    off = np.frombuffer(offsets, dtype=width)[text.offset:text.offset + len(text) + 1] \
        if len(text) else np.zeros(1, dtype=width)
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return raw, off


def _may_need_quotes(text: Any, sep: str, ascii_only: bool = False) -> bool:
    """Whether any value holds a character of the rule: a scan of the bytes, far
    cheaper than a regex per value when (as nearly always) none does. In UTF-8 a C1
    control is 0xC2 0x80-0x9F and U+2028/2029 is 0xE2 0x80 0xA8/0xA9 (no other
    character holds those sequences). ``ascii_only``: only the ASCII characters (a
    cell the rule quoted holds a quote)."""
    import numpy as np

    raw, off = _bytes_of(text)
    used = raw[int(off[0]):int(off[-1])]
    if _ascii_of_the_rule(sep)[used].any():
        return True
    if ascii_only:
        return False
    at = np.flatnonzero(used[:-1] == 0xC2)
    if at.size and (used[at + 1] < 0xA0).any():
        return True
    at = np.flatnonzero(used[:-2] == 0xE2)
    return bool(at.size and ((used[at + 1] == 0x80) & ((used[at + 2] | 1) == 0xA9)).any())


def _formula_mask(text: Any) -> Any:
    import numpy as np
    import pyarrow.compute as pc

    # The first byte of each value first (a formula starts with an ASCII sign).
    raw, off = _bytes_of(text)
    starts = off[:-1].astype(np.int64)
    filled = off[1:] > off[:-1]
    first = np.zeros(len(text), dtype=np.uint8)
    first[filled] = raw[starts[filled]]
    start = np.isin(first, np.frombuffer(b"=@\t\r+-", dtype=np.uint8))
    if not start.any():
        return start
    plain = pc.match_substring_regex(text, _PLAIN_SIGNED).to_numpy(zero_copy_only=False)
    return start & ~plain


def _neutralise(text: Any, values: Any, all_text: bool) -> Any:
    """write.neutralise on a whole column: cells that read as formulas get a
    leading apostrophe; where some cells were not text (numbers printed by
    ``str``), only the text ones."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = _formula_mask(text)
    if not mask.any():
        return text
    if not all_text:
        for k in mask.nonzero()[0].tolist():
            mask[k] = isinstance(values[k], str)
    return pc.if_else(pa.array(mask), pc.binary_join_element_wise("'", text, ""), text)


def _quote(text: Any, sep: str, lone: bool) -> Any:
    """Cells holding a character of the rule: in quotes, inner quotes doubled
    (csv's doublequote). ``lone``: the table has one column, where csv writes an
    empty cell as ``""``."""
    import pyarrow.compute as pc

    if not lone and not _may_need_quotes(text, sep):
        return text
    needs = pc.match_substring_regex(text, _regex_class(sep))
    if lone:
        needs = pc.or_(needs, pc.equal(text, ""))
    if not pc.any(needs).as_py():
        return text
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, text)


def write_delimited(frame: Any, out: BinaryIO, sep: str, neutralise: bool) -> bool:
    """Write ``frame`` to the binary file ``out`` as pandas' ``to_csv(sep=sep,
    index=False, lineterminator="\\n")`` would after write.neutralise on its text
    cells (when ``neutralise``), every field quoted by the export's rule. False, with
    nothing written, for a table with no columns or with several header rows."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    columns = list(frame.columns)
    if isinstance(frame.columns, pd.MultiIndex) or not columns:
        return False
    lone = len(columns) == 1
    dtypes = list(frame.dtypes)
    # In a short table, columns of one numpy dtype (numbers, booleans, objects) are
    # turned into text together, as one column of all their cells: every step is per
    # cell, so the bytes are the same, and a table of 50,000 columns costs a few
    # whole-array steps rather than pandas' and Arrow's fixed cost 50,000 times. In a
    # long one that fixed cost is nothing beside the cells, and copying them into one
    # array would cost more (a 3,000,000-row mutation table: 2 s).
    by_dtype: dict[Any, list[int]] = {}
    for k, dtype in enumerate(dtypes):
        if isinstance(dtype, np.dtype) and dtype.kind in "iufbO":
            by_dtype.setdefault(dtype, []).append(k)
    together = [positions for positions in by_dtype.values()
                if len(positions) > 1 and not lone and len(frame) <= _GROUPED_ROWS]
    grouped = {k for positions in together for k in positions}
    series = {k: frame.iloc[:, k] for k in range(len(columns)) if k not in grouped}
    # Categorical columns: their categories' text once, written as dictionary
    # columns; other columns block by block (every step is per cell, so blocks give
    # the same bytes and bound the memory). Numbers never need quotes. Columns of
    # a kind pandas formats itself (dates, periods) are formatted by pandas, once.
    words: dict[int, Any] = {}
    formatted: dict[int, Any] = {}
    for k, column in series.items():
        try:
            if isinstance(column.dtype, pd.CategoricalDtype):
                text, codes = _column_text(column, neutralise)
                missing = _quote(pa.array([""], type=pa.string()), sep, lone)
                words[k] = (pa.concat_arrays([_quote(text, sep, lone), missing]), codes)
            else:
                _column_text(column.iloc[:0], neutralise)  # unsupported kinds fail here
        except _Unsupported:
            formatted[k] = _pandas_text(column)
    plain = {k for k, dtype in enumerate(dtypes) if dtype.kind in "iufb" and not lone}
    header = _quote(pa.array([str(c) for c in columns], type=pa.string()), sep, lone)
    out.write((sep.join(header.to_pylist()) + "\n").encode("utf-8"))
    n = len(frame)
    for start in range(0, n, _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, n)
        ready = {}
        for positions in together:
            block = frame.iloc[start:stop, positions].to_numpy()
            text, _ = _column_text(pd.Series(block.ravel(order="F")), neutralise)
            if positions[0] not in plain:
                text = _quote(text, sep, lone)
            rows = stop - start
            ready.update({k: text.slice(j * rows, rows) for j, k in enumerate(positions)})
        cells = []
        for k in range(len(columns)):
            if k in ready:
                cells.append(ready[k])
            elif k in words:
                text, codes = words[k]
                idx = codes[start:stop].astype(np.int32)
                idx[idx < 0] = len(text) - 1  # a missing category: the empty cell
                cells.append(pa.DictionaryArray.from_arrays(pa.array(idx), text))
            elif k in formatted:
                cells.append(_quote(formatted[k][start:stop], sep, lone))
            else:
                text, _ = _column_text(series[k].iloc[start:stop], neutralise)
                cells.append(text if k in plain else _quote(text, sep, lone))
        _write_block(out, cells, sep)
    return True


def _pandas_text(column: Any) -> Any:
    """A column's cells as pandas' to_csv formats them (dates as 2024-01-02 when no
    cell has a time, missing cells empty), as Arrow strings."""
    import pyarrow as pa

    lines = column.to_frame().to_csv(index=False, header=False, lineterminator="\n").split("\n")[:-1]
    if len(lines) != len(column) or any('"' in line and line != '""' for line in lines):
        lines = ["" if v is None or v != v else str(v) for v in column.astype(object)]
    return pa.array(["" if line == '""' else line for line in lines], type=pa.string())


def _write_block(fh: Any, cells: list[Any], sep: str) -> None:
    """Rows of ready cells. A column holding one text in every row of the block (an
    empty depth column, a lone FILTER value) is no column to join: runs of them become
    one constant, and Arrow's string kernels join the rest around it. Otherwise
    Arrow's CSV writer (unquoted) joins them when no cell may hold a character of the
    rule, as nearly always, and the string kernels when cells were quoted above.
    Dictionary columns are decoded first: the writer's own decoding costs twice a take."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    texts = [c.dictionary if isinstance(c, pa.DictionaryArray) else c for c in cells]
    # A cell the rule quoted holds a quote; a C1 control or U+2028 is never left unquoted.
    quoted = any(_may_need_quotes(t, sep, ascii_only=True) for t in texts)
    n = len(cells[0])
    fields: list[Any] = []  # arrays, and str for a run of constant columns
    for c in cells:
        value = _constant(c)
        if value is None:
            fields.append(c.dictionary.take(c.indices) if isinstance(c, pa.DictionaryArray) else c)
        elif fields and isinstance(fields[-1], str):
            fields[-1] += sep + value
        else:
            fields.append(value)
    if not quoted and not any(isinstance(f, str) for f in fields):
        table = pa.table(fields, names=[str(k) for k in range(len(fields))])
        out = pa.BufferOutputStream()  # whole or nothing: Arrow may refuse a cell
        try:
            pcsv.write_csv(table, out, pcsv.WriteOptions(include_header=False, delimiter=sep,
                                                         quoting_style="none"))
        except pa.ArrowInvalid:
            pass
        else:
            fh.write(memoryview(out.getvalue()))
            return
    if not any(isinstance(f, pa.Array) for f in fields):
        fh.write((sep.join(fields) + "\n").encode("utf-8") * n)
        return
    # The line's end joins the last field, so a constant last run costs nothing more.
    if isinstance(fields[-1], str):
        fields[-1] += "\n"
        end = ""
    else:
        end = "\n"
    args = [pa.scalar(f, type=pa.string()) if isinstance(f, str) else f for f in fields]
    lines = args[0] if len(args) == 1 else pc.binary_join_element_wise(*args, sep)
    if end:
        lines = pc.binary_join_element_wise(lines, "", end)
    fh.write(_joined_bytes(lines))


def _constant(cells: Any) -> str | None:
    """The one text of every cell of a block, or None: from a dictionary column's
    codes, or a text column's bytes (empty cells only, as a missing column's)."""
    import pyarrow as pa

    if not len(cells):
        return None
    if isinstance(cells, pa.DictionaryArray):
        codes = cells.indices.to_numpy(zero_copy_only=False)
        return cells.dictionary[int(codes[0])].as_py() if (codes == codes[0]).all() else None
    _, off = _bytes_of(cells)
    return "" if off[0] == off[-1] and cells.null_count == 0 else None


def _joined_bytes(lines: Any) -> memoryview:
    """The values of an Arrow string array, end to end, without a copy per value."""
    import numpy as np
    import pyarrow as pa

    if not len(lines):
        return memoryview(b"")
    width = np.int64 if lines.type == pa.large_string() else np.int32
    _, offsets, data = lines.buffers()
    off = np.frombuffer(offsets, dtype=width)[lines.offset:lines.offset + len(lines) + 1]
    return memoryview(data)[int(off[0]):int(off[-1])]
