"""MAF and MAF.gz (GDC/TCGA and cBioPortal columns, matched case-insensitively)
through pyarrow, row-tolerant like maftools' read.maf: a row that cannot be read
(wrong number of fields, a position that is not a number) costs that row, with
one warning counting them and quoting the first line numbers."""

from __future__ import annotations

import contextlib
import io
import re
import warnings
import zlib
from collections.abc import Iterator
from typing import Any

from rinec_report import widths
from rinec_report.model import InputError, InputWarning
from rinec_report.safeio import open_content, open_regular
from rinec_report.shown import shown_of

from .classify import variant_type
from .depth import DEPTH_COLUMNS, vaf
from .frames import MUTATION_COLUMNS, protein_numbers

REQUIRED = {
    "Hugo_Symbol": "gene",
    "Chromosome": "chrom",
    "Start_Position": "pos",
    "Reference_Allele": "ref",
    "Tumor_Seq_Allele2": "alt",
    "Variant_Classification": "variant_classification",
    "Tumor_Sample_Barcode": "sample",
}
OPTIONAL = {"Variant_Type": "variant_type", "HGVSp_Short": "hgvsp_short", "FILTER": "filter",
            "Protein_position": "protein_position",
            # GDC's reference bases around the call (11: five each side), for the spectrum.
            "CONTEXT": "context",
            # vcf2maf's read depths, and maftools' t_vaf when the MAF has one.
            **{c: c for c in DEPTH_COLUMNS}}
# Read as the protein change when a MAF has no HGVSp_Short, in this order: maftools'
# lollipopPlot looks for the first two, its APL example MAFs spell the third.
PROTEIN_CHANGE_COLUMNS = ("Protein_Change", "AAChange", "amino_acid_change")
# Read as the context when a MAF has no CONTEXT: the Broad's and TCGA Firehose MAFs write
# the reference bases around each call (21, lower case) as ref_context.
CONTEXT_COLUMNS = ("ref_context",)
_QUOTED_LINES = 5
# The Variant_Classification values of the MAF specification, as maftools' read.maf
# lists them (its silent and non-silent classes; validateMaf notes any other value).
MAF_CLASSES = frozenset({
    "3'UTR", "5'UTR", "3'Flank", "Targeted_Region", "Silent", "Intron", "RNA", "IGR",
    "Splice_Region", "5'Flank", "lincRNA", "De_novo_Start_InFrame", "De_novo_Start_OutOfFrame",
    "Start_Codon_Ins", "Start_Codon_SNP", "Stop_Codon_Del",
    "Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site",
    "Nonsense_Mutation", "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation",
})


def _header(path: str) -> tuple[int, list[str]]:
    """Leading '#' lines to skip, and the column names (surrounding spaces dropped)."""
    skip = 0
    try:
        # Universal newlines: MAFs saved with old Mac line ends (\r) read too. The
        # checked, bounded stream: gzip is recognised by its bytes, not the name.
        with io.TextIOWrapper(open_content(path), encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("#"):
                    skip += 1
                    continue
                if not line.strip():
                    skip += 1
                    continue
                return skip, [c.strip() for c in line.rstrip("\r\n").split("\t")]
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(f"cannot be read: {exc}") from None
    raise InputError("the MAF has no header line")


@contextlib.contextmanager
def _source(path: str) -> Iterator[Any]:
    """What pyarrow reads: a plain file as the checked descriptor's own path (pyarrow's
    fast native reader; no link can be swapped in), gzip through the checked stream that
    refuses content past the file's limit once decompressed."""
    from rinec_report.safeio import GZIP_MAGIC, checked_path

    with open_regular(path) as fh:
        compressed = fh.read(2) == GZIP_MAGIC
    if compressed:
        with open_content(path) as stream:
            yield stream
    else:
        with checked_path(path) as proc:
            yield proc


def parse_maf(path: str, options: dict[str, Any]) -> dict[str, Any]:
    """Read the columns rinec-report uses; the MAF's own Variant_Classification
    is kept (it was computed by whoever wrote the MAF). ``options`` may be partial."""
    from rinec_report.options import with_defaults

    from . import rinec_options

    options = with_defaults(rinec_options(), options, "variants.")
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    skip, names = _header(path)
    widths.check_width(len(names))  # a MAF has about 120 columns: a wider one is refused before pyarrow reads it
    lower = {n.lower(): n for n in reversed(names)}  # the first of duplicate names
    missing = [c for c in REQUIRED if c.lower() not in lower]
    if missing:
        raise InputError(
            f"line {skip + 1}: the MAF lacks required column(s) {', '.join(missing)}"
        )
    wanted = {lower[c.lower()]: new for c, new in {**REQUIRED, **OPTIONAL}.items()
              if c.lower() in lower}
    if "hgvsp_short" not in wanted.values():
        other = next((lower[c.lower()] for c in PROTEIN_CHANGE_COLUMNS if c.lower() in lower), None)
        if other is not None:
            wanted[other] = "hgvsp_short"
    if "context" not in wanted.values():
        other = next((lower[c.lower()] for c in CONTEXT_COLUMNS if c.lower() in lower), None)
        if other is not None:
            wanted[other] = "context"
    # Unique names for pyarrow (a MAF may repeat a column it does not need).
    unique = [n if names.index(n) == i else f"{n}.{i}" for i, n in enumerate(names)]
    bad_rows: list[tuple[int, str]] = []

    def skip_row(row: Any) -> str:
        # pyarrow numbers physical lines from 1; kept here as data rows from 1.
        number = row.number - skip - 1 if row.number is not None else None
        bad_rows.append((number, f"{row.actual_columns} fields where the header has "
                                 f"{row.expected_columns}"))
        return "skip"

    def refuse_row(_row: Any) -> str:
        return "error"

    # Every column but the position is read dictionary-encoded: half the memory of
    # plain strings, and the codes are what the categorical columns need.
    text = pa.dictionary(pa.int32(), pa.string())

    def read(threads: bool) -> Any:
        with _source(path) as source:
            return pcsv.read_csv(
                source,
                read_options=pcsv.ReadOptions(skip_rows=skip + 1, column_names=unique,
                                              block_size=1 << 24, use_threads=threads),
                parse_options=pcsv.ParseOptions(delimiter="\t", quote_char=False,
                                                invalid_row_handler=refuse_row if threads else skip_row),
                convert_options=pcsv.ConvertOptions(
                    include_columns=list(wanted),
                    column_types={c: pa.string() if wanted[c] == "pos" else text for c in wanted},
                    strings_can_be_null=False,
                ),
            )

    try:
        try:
            # Blocks parsed on every core; but a threaded read cannot number a bad row,
            # so a file with one is read again on one thread, which names each.
            table = read(threads=True)
        except pa.ArrowInvalid:
            table = read(threads=False)
    except (pa.ArrowInvalid, OSError, EOFError, zlib.error) as exc:
        raise InputError(f"cannot be read as a tab-separated MAF: {exc}") from None
    table = table.rename_columns([wanted[c] for c in table.column_names])
    columns = {name: _Coded(table[name]) for name in table.column_names if name != "pos"}
    pos_text = pc.utf8_trim_whitespace(table["pos"])
    del table
    pa.default_memory_pool().release_unused()  # the read's buffers, back to the system
    # Samples count from every row that names one, even a row skipped below.
    sample = columns["sample"] = columns["sample"].trimmed()
    all_samples = [w for w in sample.in_order_of_appearance() if w]
    ok = pc.match_substring_regex(pos_text, r"^\d+$").to_numpy(zero_copy_only=False)
    ok &= np.array([w != "" for w in sample.words] + [False], dtype=bool)[sample.codes]
    first_data_line = skip + 2
    unreadable = len(bad_rows)  # rows pyarrow could not split: not in the table
    if not ok.all():
        rows = _row_numbers(len(ok), bad_rows)
        for k in map(int, (~ok).nonzero()[0]):
            value = pos_text[k].as_py()
            why = (f"Start_Position {value!r} is not a position" if not
                   re.fullmatch(r"\s*\d+\s*", value) else "no Tumor_Sample_Barcode")
            bad_rows.append((rows[k], why))
    _warn_skipped(bad_rows, first_data_line)
    keep_all, accepted = _accepted(options)
    filtered: dict[str, int] = {}
    keep = ok
    if "filter" in columns:
        # An empty FILTER cell says nothing: the row is kept, shown as '.'.
        filt = columns["filter"] = columns["filter"].trimmed(empty=".")
        if not keep_all:
            passes = np.array([w in accepted or w == "." for w in filt.words] + [False])
            keep = ok & passes[filt.codes]
            dropped = filt.codes[ok & ~keep]
            if len(dropped):
                counts = np.bincount(dropped, minlength=len(filt.words))
                filtered = {filt.words[c]: int(counts[c]) for c in pd.unique(dropped).tolist()}
    _check_classes(columns["variant_classification"], keep)
    pos = pc.cast(pos_text if keep.all() else pc.filter(pos_text, pa.array(keep)), pa.int64())
    del pos_text
    df = _frame(columns, keep, pos.to_numpy(zero_copy_only=False))
    has_filter = "filter" in columns
    del columns, pos
    pa.default_memory_pool().release_unused()
    _state_account(names, wanted, unreadable, bad_rows[unreadable:], len(ok), len(df), filtered)
    return {
        "mutations": df,
        "samples": all_samples,
        "records": int(len(df) + sum(filtered.values())),
        "filtered": filtered,
        "kept_filters": "all" if keep_all or not has_filter
        else ", ".join(sorted(v for v in accepted if v)),
        "annotation": "MAF Variant_Classification",
        "tumor_column": None,
        "normal_column": None,
    }


UNREADABLE = "unreadable row (not the header's number of fields)"
NOT_READ = "not read by the variants plugin (docs/plugins/variants.md lists the columns it reads)"


def _state_account(names: list[str], wanted: dict[str, str], unreadable: int, refused: list[tuple[int, str]],
                   table_rows: int, used: int, filtered: dict[str, int]) -> None:
    """The file's rows (read, used, dropped by reason) and what became of each column."""
    from rinec_report import account

    from .accounts import filter_reason

    account.rows(read=table_rows + unreadable, used=used)
    account.dropped(UNREADABLE, unreadable)
    no_position = sum(1 for _, why in refused if why.startswith("Start_Position"))
    account.dropped("Start_Position is not a position", no_position)
    account.dropped("no Tumor_Sample_Barcode", len(refused) - no_position)
    for value, n in sorted(filtered.items()):
        account.dropped(filter_reason(value), n)
    canonical = {c.lower(): c for c in {**REQUIRED, **OPTIONAL}}
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        key = name.lower()
        if key in canonical and key in first:  # a second Hugo_Symbol (any case): only the first is read
            account.look_alike(f"{name} (column {i + 1})", canonical[key],
                               f"only the first such column (column {first[key] + 1}) is read")
            continue
        first.setdefault(key, i)
        if name in wanted:
            account.column(name, "field", as_field=wanted[name])
        elif key == "hgvsp" and "hgvsp_short" not in first and not any(n.lower() == "hgvsp_short" for n in names):
            account.look_alike(name, "HGVSp_Short (the protein change)", "only HGVSp_Short is read")
        else:
            account.column(name, "ignored", reason=NOT_READ)


def _check_classes(classes: _Coded, keep: Any) -> None:
    """Warn of Variant_Classification values outside the MAF specification (named,
    with their rows); refuse a file in which no kept row has one."""
    import numpy as np

    counts = np.bincount(classes.codes[keep], minlength=len(classes.words))
    used = {classes.words[k]: int(c) for k, c in enumerate(counts.tolist()) if c}
    other = {w: c for w, c in used.items() if w not in MAF_CLASSES}
    if not other:
        return
    shown = ", ".join(f"{w or '(empty)'!r} ({c:,} row{'s' if c != 1 else ''})"
                      for w, c in sorted(other.items(), key=lambda kv: (-kv[1], kv[0]))[:10])
    more = f", and {len(other) - 10} other values" if len(other) > 10 else ""
    if len(other) == len(used):
        raise InputError(
            f"no row has a Variant_Classification of the MAF specification ({shown}{more}); "
            "is this column a MAF's?")
    warnings.warn(
        f"Variant_Classification values outside the MAF specification: {shown}{more}; "
        "kept as written, non-synonymous only if listed in variants.nonsynonymous",
        InputWarning, stacklevel=3)


class _Coded:
    """A dictionary-encoded column as one array of codes over every row and the
    words they stand for (the chunks' dictionaries unified)."""

    def __init__(self, column: Any = None) -> None:
        import numpy as np
        import pyarrow as pa

        if column is None:
            return
        if isinstance(column, pa.ChunkedArray):
            column = column.unify_dictionaries()
            chunks = column.chunks
        else:
            chunks = [column]
        self.dictionary = chunks[0].dictionary if chunks else pa.array([], type=pa.string())
        self.words = self.dictionary.to_pylist()
        # int32 as Arrow gives them: a code array per column is the mutation table's size.
        self.codes = (np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in chunks])
                      if chunks else np.zeros(0, dtype=np.int32))

    def trimmed(self, empty: str | None = None) -> _Coded:
        """Surrounding whitespace dropped (Arrow's utf8_trim_whitespace, on the words
        only), an empty word replaced by ``empty`` when given; words that became
        equal merged."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        words = pc.utf8_trim_whitespace(self.dictionary)
        if empty is not None:
            words = pc.if_else(pc.equal(words, ""), empty, words)
        index: dict[str, int] = {}
        remap = np.array([index.setdefault(w, len(index)) for w in words.to_pylist()],
                         dtype=np.int32)
        out = _Coded()
        out.words = list(index)
        out.dictionary = pa.array(out.words, type=pa.string())
        out.codes = remap[self.codes] if len(remap) else self.codes
        return out

    def in_order_of_appearance(self) -> list[str]:
        import pandas as pd

        return [self.words[c] for c in pd.unique(self.codes).tolist()]

    def categorical(self, keep: Any) -> Any:
        """The kept rows as a pandas Categorical whose categories are the words
        present, sorted (what ``astype("category")`` on the text gives)."""
        import numpy as np
        import pandas as pd

        codes = self.codes[keep]
        used = np.flatnonzero(np.bincount(codes, minlength=len(self.words)))
        order = sorted(used.tolist(), key=self.words.__getitem__)
        remap = np.full(len(self.words), -1, dtype=np.int32)
        remap[order] = np.arange(len(order), dtype=np.int32)
        return pd.Categorical.from_codes(remap[codes] if len(codes) else codes,
                                         categories=pd.Index([self.words[k] for k in order],
                                                             dtype=object))

    def numbers(self, keep: Any) -> Any:
        """The kept rows as floats: NaN for '.', '', 'NA' or any other text."""
        import numpy as np

        values = np.full(len(self.words) + 1, np.nan)
        for k, word in enumerate(self.words):
            with contextlib.suppress(ValueError):
                values[k] = float(word)
        values[~np.isfinite(values)] = np.nan
        return values[self.codes[keep]]

    def objects(self, keep: Any) -> Any:
        """The kept rows as an object array (each distinct word one Python string)."""
        import numpy as np

        return np.asarray(self.words, dtype=object)[self.codes[keep]]


def _row_numbers(n: int, skipped: list[tuple[int, str]]) -> list[int]:
    """The 1-based data row number of each row pyarrow kept (rows it skipped as
    malformed are not in the table)."""
    gone = sorted(r for r, _ in skipped if r is not None)
    out, g, row = [], 0, 1
    while len(out) < n:
        if g < len(gone) and gone[g] == row:
            g += 1
        else:
            out.append(row)
        row += 1
    return out


def _warn_skipped(bad_rows: list[tuple[int | None, str]], first_data_line: int) -> None:
    if not bad_rows:
        return
    bad_rows = sorted(bad_rows, key=lambda r: (r[0] is None, r[0] or 0))
    shown = "; ".join(
        (f"line {first_data_line + r - 1}" if r is not None else "a line") + f": {why}"
        for r, why in bad_rows[:_QUOTED_LINES])
    more = f"; {shown_of(_QUOTED_LINES, len(bad_rows))}" if len(bad_rows) > _QUOTED_LINES else ""
    warnings.warn(
        f"{len(bad_rows):,} unreadable row{'s' if len(bad_rows) != 1 else ''} skipped "
        f"({shown}{more}); the other rows are read",
        InputWarning,
        stacklevel=3,
    )


_SEQUENCE = re.compile(r"[ACGTNacgtn]{3,41}")


def _bases(column: _Coded) -> _Coded:
    """A context column's words that are reference bases of odd length, upper-cased; any
    other word (text, '.', an even length without a centre) becomes empty."""
    import numpy as np
    import pyarrow as pa

    index: dict[str, int] = {}
    remap = np.array([index.setdefault(w.upper() if isinstance(w, str) and len(w) % 2
                                       and _SEQUENCE.fullmatch(w) else "", len(index))
                      for w in column.words], dtype=np.int32)
    out = _Coded()
    out.words = list(index)
    out.dictionary = pa.array(out.words, type=pa.string())
    out.codes = remap[column.codes] if len(remap) else column.codes
    return out


def _frame(columns: dict[str, _Coded], keep: Any, pos: Any) -> Any:
    import numpy as np
    import pandas as pd

    def cat(name: str) -> Any:
        return columns[name].categorical(keep)

    # Text columns with many rows are categorical too (as build_datasets makes the
    # others past 100,000 rows): a code per row instead of an object pointer.
    many = int(np.count_nonzero(keep)) > 100_000

    def text(name: str) -> Any:
        return cat(name) if many else columns[name].objects(keep)

    data: dict[str, Any] = {
        "sample": cat("sample"),
        "patient_id": None,
        "gene": cat("gene"),
        "chrom": cat("chrom"),
        "pos": pos,
        "ref": text("ref"),
        "alt": text("alt"),
        "variant_classification": cat("variant_classification"),
    }
    n = len(pos)
    if "variant_type" in columns:
        data["variant_type"] = cat("variant_type")
    else:
        # One call per distinct (ref, alt) pair, not per row.
        ref, alt = columns["ref"], columns["alt"]
        width = max(len(alt.words), 1)
        key = ref.codes[keep].astype(np.int64) * width + alt.codes[keep]
        pairs, inverse = np.unique(key, return_inverse=True)
        types = [variant_type(ref.words[k // width], alt.words[k % width]) for k in pairs.tolist()]
        names = sorted(set(types))
        code = np.array([names.index(t) for t in types], dtype=np.int64)
        data["variant_type"] = pd.Categorical.from_codes(
            code[inverse.reshape(-1)] if len(key) else np.zeros(0, dtype=np.int64),
            categories=names)
    data["hgvsp_short"] = text("hgvsp_short") if "hgvsp_short" in columns else ""
    data["filter"] = cat("filter") if "filter" in columns else "PASS"
    for c in DEPTH_COLUMNS:
        data[c] = columns[c].numbers(keep) if c in columns else np.full(n, np.nan)
    if "t_vaf" not in columns:
        data["t_vaf"] = vaf(data["t_ref_count"], data["t_alt_count"])
    if "protein_position" in columns:
        data["protein_position"], data["protein_length"] = protein_numbers(columns["protein_position"].objects(keep))
    else:
        data["protein_position"], data["protein_length"] = np.full(n, np.nan), np.full(n, np.nan)
    data["context"] = (_bases(columns["context"]).categorical(keep) if "context" in columns
                       else pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[""]))
    # Built once in the table's order: a column set after the frame exists, and the
    # reordering, each copied the table's blocks.
    return pd.DataFrame(copy=False, data={c: data[c] for c in MUTATION_COLUMNS})


def _accepted(options: dict[str, Any]) -> tuple[bool, set[str]]:
    values = options["filters"]
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",")]
    values = {str(v) for v in values}
    return ("*" in values or "all" in values), values
