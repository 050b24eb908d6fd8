"""VEP CSQ and SnpEff ANN strings to one effect per variant, vectorised.

A million annotated records carry several million transcript entries; looping
over them in Python would cost more than reading the VCF. The strings are
split with pyarrow, priorities are looked up once per distinct value, and
vcf2maf's transcript choice (vcf2maf.pl, mskcc/vcf2maf @ bf53e52d) is done with a sort:

1. keep the entries of the reported allele (ALLELE_NUM when VEP wrote it, else
   the Allele field) and sort them by biotype priority, then effect priority,
   then longer transcript first;
2. the gene is the first entry's gene that has a symbol;
3. report that gene's canonical transcript (CANONICAL=YES) if annotated, else
   the worst-affected canonical transcript of any gene with a symbol, else the
   first entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .classify import biotype_priority, effect_priority, unknown_terms, worst_effect

SPLICE_SITE = {"splice_acceptor_variant", "splice_donor_variant", "transcript_ablation",
               "exon_loss_variant"}

# Canonical names of the fields we read, and how each annotation spells them.
VEP_FIELDS = {
    "allele": "Allele",
    "consequence": "Consequence",
    "symbol": "SYMBOL",
    "transcript": "Feature",
    "biotype": "BIOTYPE",
    "hgvsc": "HGVSc",
    "hgvsp": "HGVSp",
    "cdna": "cDNA_position",
    "protein": "Protein_position",
    "canonical": "CANONICAL",
    "allele_num": "ALLELE_NUM",
}
SNPEFF_FIELDS = {
    "allele": "Allele",
    "consequence": "Annotation",
    "symbol": "Gene_Name",
    "transcript": "Feature_ID",
    "biotype": "Transcript_BioType",
    "hgvsc": "HGVS.c",
    "hgvsp": "HGVS.p",
    "cdna": "cDNA.pos / cDNA.length",
    "protein": "AA.pos / AA.length",
}


@dataclass(frozen=True)
class AnnotationFormat:
    tag: str  # INFO key: CSQ or ANN
    kind: str  # "vep" or "snpeff"
    index: dict[str, int]  # canonical field name -> position in the '|' list
    width: int  # number of '|' fields in the header


def parse_format(tag: str, description: str) -> AnnotationFormat:
    """The field order of a CSQ/ANN INFO header description.

    VEP writes ``... Format: Allele|Consequence|...`` (under CSQ, or under ANN
    with --vcf_info_field ANN); SnpEff writes ``'Allele | Annotation | ...'``.
    """
    m = re.search(r"Format:\s*([^\"']+)", description)
    if m and "Annotation_Impact" not in m.group(1):
        names = [f.strip() for f in m.group(1).strip().split("|")]
        wanted, kind = VEP_FIELDS, "vep"
    else:
        body = description.split("'")[1] if description.count("'") >= 2 else description
        names = [f.strip() for f in body.split("|")]
        wanted, kind = SNPEFF_FIELDS, "snpeff"
    required = wanted["consequence"]
    if required not in names:
        raise ValueError(
            f"the INFO/{tag} header does not list a '{required}' field, so its consequences "
            "cannot be read (fields: " + "|".join(names)[:200] + ")"
        )
    index = {key: names.index(name) for key, name in wanted.items() if name in names}
    return AnnotationFormat(tag=tag, kind=kind, index=index, width=len(names))


class _Entries:
    """The '|' fields of every annotation entry of a chunk of records.

    Fast path: the strings are put into one Arrow string array (a single byte
    buffer and the records' offsets into it) and the positions of ',' and '|' are
    found with numpy; when every entry has the header's number of fields, field k
    of every entry is a (start, end) pair of arrays, and a field's values are
    gathered into an Arrow string array in one go. Any irregular entry falls back
    to pyarrow's split kernels. (The separators are ASCII, so byte positions split
    UTF-8 text correctly.)
    """

    def __init__(self, strings: list[str | None], fmt: AnnotationFormat):
        import numpy as np
        import pyarrow as pa

        self.fmt = fmt
        # (entries left out, first record index, its field count) when some
        # entries do not have the header's number of fields.
        self.malformed: tuple[int, int, int] | None = None
        texts = strings if isinstance(strings, pa.Array) else pa.array(strings, type=pa.large_string())
        if texts.null_count:
            texts = texts.fill_null("")
        if not pa.types.is_large_string(texts.type):
            texts = texts.cast(pa.large_string())
        _, offsets_buf, data_buf = texts.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int64)[texts.offset:texts.offset + len(texts) + 1]
        buf = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
        self.fast = True
        self._fast_init(buf, offsets)
        if not self.fast:
            self._arrow_init(texts)

    def _fast_init(self, buf: Any, offsets: Any) -> None:
        import numpy as np

        n = len(offsets) - 1
        commas = np.flatnonzero(buf == 44)
        commas = commas[(commas >= offsets[0]) & (commas < offsets[-1])] if n else commas[:0]
        # Entries: from each record's start or a comma to the next comma or the
        # record's end. Starts and ends sorted alike pair up entry by entry.
        comma_rec = np.searchsorted(offsets, commas, side="right") - 1
        starts = np.concatenate([offsets[:-1], commas + 1])
        rec = np.concatenate([np.arange(n, dtype=np.int64), comma_rec])
        order = np.lexsort((rec, starts))
        starts, rec = starts[order], rec[order]
        ends = np.concatenate([offsets[1:], commas])
        ends.sort()
        nonempty = ends > starts
        if not nonempty.all():
            starts, ends, rec = starts[nonempty], ends[nonempty], rec[nonempty]
        pipes = np.flatnonzero(buf == 124)
        if n and (offsets[0] > 0 or offsets[-1] < len(buf)):
            pipes = pipes[(pipes >= offsets[0]) & (pipes < offsets[-1])]
        width = self.fmt.width
        # Every entry has width - 1 pipes iff the counts add up and each entry's
        # first and last pipe fall inside it.
        if len(pipes) != (width - 1) * len(starts) or width < 2:
            self.fast = False
            return
        grid = pipes.reshape(-1, width - 1)
        if len(starts) and not ((grid[:, 0] >= starts).all() and (grid[:, -1] < ends).all()):
            self.fast = False
            return
        self.buf = buf
        self.rec = rec
        self.starts, self.ends = starts, ends
        self.pipes = grid

    def _arrow_init(self, texts: Any) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        entries = pc.split_pattern(texts, ",")
        flat = pc.list_flatten(entries)
        self.rec = pc.list_parent_indices(entries).to_numpy()
        # Records without annotation split into one empty entry: drop them.
        nonempty = pc.greater(pc.utf8_length(flat), 0)
        self.rec = self.rec[nonempty.to_numpy(zero_copy_only=False)]
        flat = pc.filter(flat, nonempty)
        fields = pc.split_pattern(flat, "|")
        lengths = pc.list_value_length(fields).to_numpy()
        # An entry with more or fewer fields than the header's Format would be
        # read with shifted fields (a gene id as the gene): it is left out, and
        # counted for a warning naming its line.
        bad = lengths != self.fmt.width
        if len(bad) and bad.any():
            first = int(np.argmax(bad))
            self.malformed = (int(bad.sum()), int(self.rec[first]), int(lengths[first]))
            good = ~bad
            self.rec = self.rec[good]
            fields = pc.filter(fields, pa.array(good))
        self.fields = fields

    def __len__(self) -> int:
        return len(self.rec)

    def is_yes(self, key: str) -> Any:
        """Boolean per entry: the field is exactly 'YES' (VEP's CANONICAL flag)."""
        import numpy as np
        import pyarrow.compute as pc

        if key not in self.fmt.index:
            return np.zeros(len(self.rec), dtype=bool)
        if not self.fast:
            return pc.equal(self.field(key), "YES").to_numpy(zero_copy_only=False)
        k = self.fmt.index[key]
        starts = self.starts if k == 0 else self.pipes[:, k - 1] + 1
        ends = self.ends if k == self.fmt.width - 1 else self.pipes[:, k]
        out = (ends - starts) == 3
        rows = np.flatnonzero(out)
        s = starts[rows]
        out[rows] = ((self.buf[s] == 89) & (self.buf[s + 1] == 69) & (self.buf[s + 2] == 83))
        return out

    def field(self, key: str, rows: Any = None) -> Any:
        """The values of one field (all entries, or the entry indices ``rows``),
        as an Arrow string array; None when the annotation lacks the field."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if key not in self.fmt.index:
            return None
        k = self.fmt.index[key]
        if not self.fast:
            col = pc.list_element(self.fields, k)
            return col if rows is None else pc.take(col, pa.array(rows))
        starts = self.starts if k == 0 else self.pipes[:, k - 1] + 1
        ends = self.ends if k == self.fmt.width - 1 else self.pipes[:, k]
        return _gather(self.buf, starts, ends, rows)


def _gather(buf: Any, starts: Any, ends: Any, rows: Any = None) -> Any:
    """Arrow strings from (start, end) byte ranges of ``buf`` (ranges in buffer
    order), optionally only those at ``rows``.

    No bytes are copied to build it: an Arrow string array over the whole buffer
    whose offsets alternate start, end, next start, ... has the wanted strings at
    even positions (the text between them at odd ones); Arrow's take then copies
    just the wanted ones."""
    import numpy as np
    import pyarrow as pa

    n = len(starts)
    offsets = np.empty(2 * n + 1, dtype=np.int64)
    offsets[0:2 * n:2] = starts
    offsets[1:2 * n:2] = ends
    offsets[2 * n] = ends[-1] if n else 0
    whole = pa.LargeStringArray.from_buffers(2 * n, pa.py_buffer(offsets),
                                             pa.py_buffer(buf))
    pick = np.arange(0, 2 * n, 2) if rows is None else 2 * np.asarray(rows, dtype=np.int64)
    return whole.take(pa.array(pick))


@dataclass
class Chosen:
    """The entry chosen for each record: Arrow string columns aligned with the
    records ('' where a record has no usable annotation), the consequence terms
    vcf2maf does not know (term -> first record index carrying it) and the
    entries left out for a wrong field count (count, first record, its fields)."""

    columns: dict[str, Any]
    unknown: dict[str, int]
    malformed: tuple[int, int, int] | None


def choose_effects(
    strings: list[str | None],
    fmt: AnnotationFormat,
    alleles: dict[int, tuple[int, tuple[str, ...]]] | None = None,
) -> Chosen:
    """One chosen entry per record from its annotation string, by vcf2maf's rules.

    ``alleles`` (record index -> (allele number, allele spellings)) restricts a
    multi-allelic record to the entries of the allele being reported: by the
    ALLELE_NUM field when the annotation has it (vcf2maf's own rule), else by the
    Allele field (then a record none of whose entries match keeps them all).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = ("symbol", "consequence", "transcript", "hgvsc", "hgvsp", "protein")
    n = len(strings)
    unknown: dict[str, int] = {}
    entries = _Entries(strings, fmt)
    rec = entries.rec
    if len(rec) == 0:
        return Chosen({k: pa.array([""] * n, type=pa.large_string()) for k in keys}, unknown,
                      entries.malformed)

    def codes_and_values(col: Any) -> tuple[Any, list[str]]:
        enc = pc.dictionary_encode(col)
        return enc.indices.to_numpy(zero_copy_only=False), enc.dictionary.to_pylist()

    cons_codes, cons_values = codes_and_values(entries.field("consequence"))
    # vcf2maf: an entry with no consequence is an intergenic_variant.
    cons_values = [c or "intergenic_variant" for c in cons_values]
    eff = np.array([effect_priority(c) for c in cons_values], dtype=np.int16)[cons_codes]
    for code, c in enumerate(cons_values):
        for term in unknown_terms(c):
            if term not in unknown:
                unknown[term] = int(rec[np.argmax(cons_codes == code)])

    if "biotype" in fmt.index:
        bio_codes, bio_values = codes_and_values(entries.field("biotype"))
        bio = np.array([biotype_priority(b) for b in bio_values], dtype=np.int16)[bio_codes]
    else:
        bio = np.full(len(rec), biotype_priority(""), dtype=np.int16)
    tlen = _transcript_lengths(entries, fmt)
    if "symbol" in fmt.index:
        sym_codes, sym_values = codes_and_values(entries.field("symbol"))
        empty = sym_values.index("") if "" in sym_values else -1
    else:
        sym_codes, empty = np.zeros(len(rec), dtype=np.int32), 0
    canon_np = entries.is_yes("canonical")

    keep = np.ones(len(rec), dtype=bool)
    if alleles:
        keep = _allele_entries(entries, fmt, rec, alleles, n)

    idx = np.nonzero(keep)[0]
    order = idx[np.lexsort((-tlen[idx], eff[idx], bio[idx], rec[idx]))]
    rec_o = rec[order]
    starts = np.r_[0, np.nonzero(np.diff(rec_o))[0] + 1] if len(order) else np.zeros(0, int)
    chosen = np.full(n, -1, dtype=np.int64)
    chosen[rec_o[starts]] = order[starts]

    # The reported gene: the first sorted entry with a symbol. Its canonical
    # transcript if annotated; else the first canonical entry with a symbol (of
    # any gene); else the first entry.
    has_sym = sym_codes[order] != empty
    gene = np.full(n, -2, dtype=np.int64)
    sym_order = order[has_sym]
    if len(sym_order):
        r_sym = rec[sym_order]
        s_starts = np.r_[0, np.nonzero(np.diff(r_sym))[0] + 1]
        gene[r_sym[s_starts]] = sym_codes[sym_order[s_starts]]
    canon_sym = order[canon_np[order] & has_sym]
    if len(canon_sym):
        _first_per_record(canon_sym, rec, chosen)  # any gene's canonical entry
        same_gene = canon_sym[sym_codes[canon_sym] == gene[rec[canon_sym]]]
        if len(same_gene):
            _first_per_record(same_gene, rec, chosen)  # the gene's own: wins

    have = chosen >= 0
    pick = chosen[have]

    def expand(col: Any) -> Any:
        """A column over the chosen entries, '' for records without annotation."""
        if have.all():
            return col.cast(pa.large_string())
        full = np.full(n, -1, dtype=np.int64)
        full[have] = np.arange(len(pick))
        return pc.take(col, pa.array(full, mask=full < 0)).fill_null("").cast(pa.large_string())

    def from_codes(codes: Any, values: list[str]) -> Any:
        # Symbol and consequence were dictionary-encoded already: no second read.
        picked = np.full(n, len(values), dtype=np.int32)
        picked[have] = codes[pick]
        return pa.DictionaryArray.from_arrays(pa.array(picked),
                                              pa.array([*values, ""], type=pa.large_string()))

    def field(key: str) -> Any:
        col = entries.field(key, pick)
        return expand(col) if col is not None else pa.array([""] * n, type=pa.large_string())

    out: dict[str, Any] = {"consequence": from_codes(cons_codes, cons_values)}
    out["symbol"] = (from_codes(sym_codes, sym_values) if "symbol" in fmt.index
                     else pa.array([""] * n, type=pa.large_string()))
    out["hgvsp"] = field("hgvsp")
    out["protein"] = field("protein")
    # The transcript only names a record whose chosen entry has no symbol (vcf2maf's
    # Hugo_Symbol falls back to it): read it for those alone.
    transcript = np.full(n, "", dtype=object)
    if "transcript" in fmt.index:
        rows = np.flatnonzero(have)
        rows = rows[sym_codes[chosen[rows]] == empty]
        if len(rows):
            transcript[rows] = entries.field("transcript", chosen[rows]).to_numpy(
                zero_copy_only=False)
    out["transcript"] = pa.array(transcript, type=pa.large_string())
    # HGVSc only matters for splice sites (p.X<n>_splice): read it for those alone.
    splice_codes = [k for k, c in enumerate(cons_values) if worst_effect(c) in SPLICE_SITE]
    hgvsc = np.full(n, "", dtype=object)
    if splice_codes and "hgvsc" in fmt.index:
        rows = np.flatnonzero(have)
        rows = rows[np.isin(cons_codes[chosen[rows]], splice_codes)]
        if len(rows):
            hgvsc[rows] = entries.field("hgvsc", chosen[rows]).to_numpy(zero_copy_only=False)
    out["hgvsc"] = pa.array(hgvsc, type=pa.large_string())
    return Chosen(out, unknown, entries.malformed)


def _first_per_record(candidates: Any, rec: Any, chosen: Any) -> None:
    """chosen[record] = the first of ``candidates`` (sorted entry indices) per record."""
    import numpy as np

    r = rec[candidates]
    starts = np.r_[0, np.nonzero(np.diff(r))[0] + 1]
    chosen[r[starts]] = candidates[starts]


def _transcript_lengths(entries: _Entries, fmt: AnnotationFormat) -> Any:
    """vcf2maf's Transcript_Length: the number after '/' in cDNA_position (VEP
    writes it with --total_length; SnpEff always), else 0."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(entries)
    if "cdna" not in fmt.index or n == 0:
        return np.zeros(n, dtype=np.int64)
    if n <= _SMALL:
        return _transcript_lengths_small([v or "" for v in entries.field("cdna").to_pylist()])
    # VEP writes "pos/length" for every entry with a position when run with
    # --total_length, else never: a spread sample of entries settles which, unless
    # none of them has a position at all.
    sample = entries.field("cdna", np.linspace(0, n - 1, num=min(n, 2000)).astype(np.int64))
    if not pc.any(pc.match_substring(sample, "/")).as_py() and \
            pc.any(pc.greater(pc.utf8_length(sample), 0)).as_py():
        return np.zeros(n, dtype=np.int64)
    cdna = entries.field("cdna")
    # Entries without a position (upstream, intergenic) have '' here: null, then 0.
    lens = pc.extract_regex(cdna, r"/\s*(?P<n>\d+)$").field("n")
    lens = pc.if_else(pc.equal(lens, ""), None, lens)
    return pc.cast(lens, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)


# Below this many entries a column step runs as a Python loop: each Arrow kernel
# call (a regex compiled per call) costs more than a loop over a panel VCF's entries.
_SMALL = 512
# RE2's /\s*(?P<n>\d+)$ spelled for Python's re: ASCII digits and RE2's whitespace,
# and the very end of the text.
_LENGTH_RE = re.compile(r"/[\t\n\f\r ]*([0-9]+)\Z")


def _transcript_lengths_small(values: list[str]) -> Any:
    """:func:`_transcript_lengths` for a few entries (all of them are the sample)."""
    import numpy as np

    if not any("/" in v for v in values) and any(values):
        return np.zeros(len(values), dtype=np.int64)
    out = np.zeros(len(values), dtype=np.int64)
    for k, v in enumerate(values):
        m = _LENGTH_RE.search(v)
        if m:
            out[k] = int(m.group(1))
    return out


def _allele_entries(entries: _Entries, fmt: AnnotationFormat, rec: Any,
                    alleles: dict[int, tuple[int, tuple[str, ...]]], n: int) -> Any:
    """Which entries belong to the reported allele of their record."""
    import numpy as np

    keep = np.ones(len(rec), dtype=bool)
    multi = np.fromiter(alleles.keys(), dtype=np.int64)
    rows = np.nonzero(np.isin(rec, multi))[0]
    if not len(rows):
        return keep
    if "allele_num" in fmt.index:
        # vcf2maf's own rule: an allele none of whose entries is annotated (VEP
        # skips '*') has no effect at all.
        values = entries.field("allele_num", rows).to_pylist()
        for r, v in zip(rows, values, strict=True):
            if v and v != str(alleles[int(rec[r])][0]):
                keep[r] = False
        return keep
    if "allele" in fmt.index:
        values = entries.field("allele", rows).to_pylist()
        for r, v in zip(rows, values, strict=True):
            if v not in alleles[int(rec[r])][1]:
                keep[r] = False
    matched = np.zeros(n, dtype=bool)
    matched[rec[keep]] = True
    keep |= ~matched[rec]
    return keep
