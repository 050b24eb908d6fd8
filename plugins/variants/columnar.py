"""VCF text read as whole columns by pyarrow's CSV reader, beside cyvcf2's record loop.

A plain or gzip/BGZF VCF is read in blocks as tab-separated text: CHROM, POS, REF,
ALT, FILTER, INFO, FORMAT and the tumour's (and its normal's) columns arrive as
Arrow string columns, with no Python step per record. The chunks it yields are the
ones cyvcf2's loop (``vcf._Reader``) yields, so everything after the read (allele
choice, annotation split, transcript choice, classification, depths, the account) is
the same code on both paths.

cyvcf2 reads what htslib *parsed*; this reads the text. They agree only where htslib
hands the text back unchanged, so each block is checked first and the whole file goes
to cyvcf2 (the reason logged once) when anything is outside that: a cohort VCF,
structural variants, a BCF, a header htslib would amend, a contig, FILTER, INFO or
FORMAT key the header does not declare (htslib warns about those), REF/ALT/POS/QUAL
text htslib would refuse or rewrite, a depth tag of another type than Integer or String,
a sample column whose fields do not match its FORMAT, a non-integer or out-of-range
count, CRLF line ends, bytes that are not UTF-8, a line longer than a block. A fallback
midway discards what was read: the account and the warnings come from one reader.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from .alleles import pick_allele
from .depth import DEPTH_TAGS, depths_per_allele, sample_fields

# pyarrow reads this much text at a time (larger blocks cost memory, not time); a line
# longer than a block goes to cyvcf2.
BLOCK = 2 << 20
READER_ENV = "RINEC_VCF_READER"  # auto (default), columnar or cyvcf2: which reader a VCF gets

# Text htslib keeps as written. POS: 1..2^31-1 with no leading zero. Counts: at most nine
# digits (int32, far from htslib's reserved missing values), or '.'.
_POS = r"^[1-9][0-9]{0,9}$"
_REF = r"^[ACGTN]+$"
_ALLELE = r"(?:[ACGTN*]+|<[A-Za-z0-9_:.]+>)"
_ALT = rf"^(?:\.|{_ALLELE}(?:,{_ALLELE})*)$"
_QUAL = r"^(?:\.|[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)$"  # never read: valid is enough
_INT = r"(?:\.|0|-?[1-9][0-9]{0,8})"
_INTS = rf"{_INT}(?:,{_INT})*"
_GT = r"^[.0-9]{1,2}(?:[/|][.0-9]{1,2})*$"


class Unsupported(Exception):
    """The file needs cyvcf2 (the message says why)."""


def wanted(path: str) -> str:
    """Which reader the environment asks for: 'auto', 'columnar' or 'cyvcf2'."""
    value = os.environ.get(READER_ENV, "auto").strip().lower() or "auto"
    if value not in ("auto", "columnar", "cyvcf2"):
        from rinec_report.model import InputError

        raise InputError(f"{READER_ENV} must be auto, columnar or cyvcf2, not {value!r}")
    return value


class ColumnarReader:
    """``vcf._Reader``'s chunks, from the text. Raises :class:`Unsupported` (at
    construction or from :meth:`chunks`) when the file needs cyvcf2."""

    def __init__(self, path: str, raw_header: str, header_lines: int, tag: str | None,
                 samples: list[str], roles: Any, chunk_size: int):
        if roles.tumor is None:
            raise Unsupported("a cohort VCF (its carriers are read from parsed genotypes)")
        with open(path, "rb") as fh:
            magic = fh.read(4)
        if magic[:3] == b"BCF" or (magic[:2] == b"\x1f\x8b" and _is_bcf(path)):
            raise Unsupported("a BCF file")
        self.path, self.header_lines, self.tag = path, header_lines, tag
        self.chunk_size = chunk_size
        self.n_samples = len(samples)
        self.tumor_i = samples.index(roles.tumor)
        self.normal_i = samples.index(roles.normal) if roles.normal is not None else None
        self.tail_is_columns = (self.tumor_i, self.normal_i) in ((0, 1), (0, None)) and \
            self.n_samples == (1 if self.normal_i is None else 2)
        self.header = _Header(raw_header, tag)
        self.has_depths = bool(self.header.format_types.keys() & DEPTH_TAGS)
        self.records = 0
        self._check_text_start()

    def _check_text_start(self) -> None:
        """Header lines htslib would amend or refuse, and CRLF line ends."""
        head = _read_head(self.path, 1 << 20)
        if not head.startswith(b"##fileformat=VCF"):
            raise Unsupported("no ##fileformat line first")
        if b"\r" in head:
            raise Unsupported("CRLF line ends")
        if self.header.has_svs:
            raise Unsupported("structural variants (INFO/SVTYPE is declared)")
        if self.tag is not None and self.header.info_types.get(self.tag) != "String":
            raise Unsupported(f"INFO/{self.tag} is not declared as a String")

    def chunks(self) -> Iterator[tuple[int, dict[str, Any]]]:
        import pyarrow as pa

        start, pending = 0, None
        for batch in self._batches():
            pending = batch if pending is None else pa.concat_tables([pending, batch])
            while pending.num_rows >= self.chunk_size:
                head, pending = pending.slice(0, self.chunk_size), pending.slice(self.chunk_size)
                yield start, self._chunk(head, start)
                start += head.num_rows
        if pending is not None and (pending.num_rows or start == 0):
            yield start, self._chunk(pending, start)
        elif pending is None and start == 0:
            yield 0, self._chunk(None, 0)

    def _batches(self) -> Iterator[Any]:
        import pyarrow as pa
        import pyarrow.csv as csv

        width = 9 + self.n_samples
        names = [f"c{i}" for i in range(width)]
        wanted_cols = ["c0", "c1", "c3", "c4", "c5", "c6", "c7", "c8", f"c{9 + self.tumor_i}"]
        if self.normal_i is not None:
            wanted_cols.append(f"c{9 + self.normal_i}")
        compression = "gzip" if _read_head(self.path, 2) == b"\x1f\x8b" else None
        try:
            stream = pa.input_stream(self.path, compression=compression)
            reader = csv.open_csv(
                stream,
                read_options=csv.ReadOptions(skip_rows=self.header_lines, column_names=names,
                                             block_size=BLOCK, use_threads=False),
                parse_options=csv.ParseOptions(delimiter="\t", quote_char=False,
                                               double_quote=False, escape_char=False,
                                               newlines_in_values=False,
                                               ignore_empty_lines=False),
                convert_options=csv.ConvertOptions(
                    column_types={n: pa.string() for n in names}, include_columns=wanted_cols,
                    strings_can_be_null=False, quoted_strings_can_be_null=False,
                    null_values=[]),
            )
            for batch in reader:
                table = pa.Table.from_batches([batch])
                yield self._check(table)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, EOFError) as exc:
            raise Unsupported(f"the text did not read as {width} tab-separated columns "
                              f"({str(exc).splitlines()[0][:120]})") from None

    def _check(self, t: Any) -> Any:
        """The table with its INFO/tag values as column ``ann``; raise
        :class:`Unsupported` unless htslib would hand this text back as is."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        h = self.header

        def all_match(col: str, pattern: str) -> bool:
            return bool(pc.all(pc.match_substring_regex(t[col], pattern)).as_py()) \
                if t.num_rows else True

        chroms = pc.unique(t["c0"]).to_pylist()
        undeclared = [c for c in chroms if c not in h.contigs]
        if undeclared:
            raise Unsupported(f"contig {undeclared[0][:40]!r} is not declared in the header")
        for col, pattern, what in (("c1", _POS, "POS"), ("c3", _REF, "REF"), ("c4", _ALT, "ALT"),
                                   ("c5", _QUAL, "QUAL")):
            if not all_match(col, pattern):
                raise Unsupported(f"a {what} htslib would refuse or rewrite")
        for value in pc.unique(t["c6"]).to_pylist():
            if value in (".", "PASS"):
                continue
            names = value.split(";")
            if len(set(names)) != len(names) or "PASS" in names or \
                    not all(n in h.filters for n in names):
                raise Unsupported(f"FILTER {value[:40]!r} (undeclared, repeated or with PASS)")
        # INFO split at ';' and '=' (string copies, no pattern over the long CSQ text).
        info = t["c7"].combine_chunks()
        lists = pc.split_pattern(info, ";")
        entries = pc.list_flatten(lists)
        keys = pc.list_element(pc.split_pattern(entries, "=", max_splits=1), 0)
        bad = [k for k in pc.unique(keys).to_pylist() if k not in h.info_types and k != "."]
        if bad:
            raise Unsupported(f"INFO/{bad[0][:40]} is not declared in the header")
        if h.numeric_info:
            numeric = pc.filter(entries, pc.is_in(keys, pa.array(h.numeric_info)))
            if len(numeric) and not pc.all(pc.match_substring_regex(
                    numeric, r"^[^=]+=[-+0-9.,eE]+$")).as_py():
                raise Unsupported("an Integer or Float INFO value that is not a number")
        ann = pa.nulls(t.num_rows, type=pa.large_string())
        if self.tag is not None:
            mine = pc.equal(keys, self.tag)
            parent = pc.filter(pc.list_parent_indices(lists), mine).to_numpy()
            values = pc.utf8_slice_codeunits(pc.filter(entries, mine), len(self.tag) + 1)
            if len(np.unique(parent)) != len(parent) or (len(values) and pc.any(
                    pc.is_in(values, pa.array(["", "."]))).as_py()):
                raise Unsupported(f"an empty, missing or repeated INFO/{self.tag}")
            at = np.full(t.num_rows, -1, dtype=np.int64)
            at[parent] = np.arange(len(parent))
            ann = values.cast(pa.large_string()).take(pa.array(at, mask=at < 0))
        self._check_samples(t, pa, pc)
        # INFO is read only for the tag: its text is not held twice while the chunk waits.
        return t.drop_columns(["c7"]).append_column("ann", ann)
        self._check_samples(t, pa, pc)

    def _check_samples(self, t: Any, pa: Any, pc: Any) -> None:
        import numpy as np

        h = self.header
        sample_cols = ["c" + str(9 + self.tumor_i)]
        if self.normal_i is not None:
            sample_cols.append("c" + str(9 + self.normal_i))
        enc = t["c8"].combine_chunks().dictionary_encode()
        codes = enc.indices.to_numpy(zero_copy_only=False)
        for g, fmt in enumerate(enc.dictionary.to_pylist()):
            names = fmt.split(":")
            if len(set(names)) != len(names) or any(n not in h.format_types for n in names):
                raise Unsupported(f"FORMAT {fmt[:40]!r} (an undeclared or repeated key)")
            if "GT" in names and names[0] != "GT":
                raise Unsupported("FORMAT/GT is not the first key")
            rows = pa.array(np.flatnonzero(codes == g))
            checks = []
            for k, name in enumerate(names):
                kind = h.format_types[name]
                if name == "GT":
                    continue
                if name in DEPTH_TAGS:
                    if kind == "Integer":
                        checks.append((k, _INTS))
                    elif kind != "String":
                        raise Unsupported(f"FORMAT/{name} is a {kind}, which htslib reformats")
            for col in sample_cols:
                text = pc.take(t[col], rows)
                if not pc.all(pc.equal(pc.count_substring(text, ":"), len(names) - 1)).as_py():
                    raise Unsupported("a sample column whose fields do not match its FORMAT")
                for k, pattern in checks:
                    if not pc.all(pc.match_substring_regex(
                            text, rf"^(?:[^:]*:){{{k}}}{pattern}(?::|$)")).as_py():
                        raise Unsupported(f"a FORMAT/{names[k]} that is not whole numbers")
                # An allele index the record lacks (0/4) is kept by htslib as written.
                if names[0] == "GT" and len(text) and not pc.all(pc.match_substring_regex(
                        text, _GT[:-1] + "(?::|$)")).as_py():
                    raise Unsupported("a genotype htslib would refuse or rewrite")

    def _chunk(self, t: Any, start: int) -> dict[str, Any]:
        import pyarrow as pa
        import pyarrow.compute as pc

        if t is None or t.num_rows == 0:
            self.records += 0
            return {"chrom": [], "pos": [], "ref": [], "alt": [], "filter": [],
                    "ann": pa.array([], type=pa.large_string()), "multi": {}, "allele": {},
                    "carriers": None, "columns": [], "svs": {}}
        n = t.num_rows
        self.records += n
        alt_text = t["c4"]
        alts = pc.list_element(pc.split_pattern(alt_text, ","), 0)
        alts = pc.if_else(pc.equal(alts, "."), "", alts)
        ann = t["ann"].combine_chunks()
        tumor = t["c" + str(9 + self.tumor_i)]
        normal = t["c" + str(9 + self.normal_i)] if self.normal_i is not None else None
        if not self.has_depths:
            columns = [""] * n
        elif self.tail_is_columns:
            parts = [t["c8"], tumor] if normal is None else [t["c8"], tumor, normal]
            columns = pc.binary_join_element_wise(*parts, "\t").to_pylist()
        else:
            columns = pc.binary_join_element_wise(
                t["c8"], tumor, normal if normal is not None else pa.array([""] * n), "\t"
            ).to_pylist()
        refs = t["c3"].to_pylist()
        multi: dict[int, list[str]] = {}
        allele: dict[int, int] = {}
        multi_rows = pc.indices_nonzero(pc.match_substring(alt_text, ",")).to_pylist()
        if multi_rows:
            take = pa.array(multi_rows)
            m_alts = pc.take(alt_text, take).to_pylist()
            m_fmt = pc.take(t["c8"], take).to_pylist()
            m_tumor = pc.take(tumor, take).to_pylist()
            m_normal = pc.take(normal, take).to_pylist() if normal is not None else None
            for k, j in enumerate(multi_rows):
                a = m_alts[k].split(",")
                multi[j] = a
                allele[j] = self._allele_of(refs[j], a, m_fmt[k], m_tumor[k],
                                            m_normal[k] if m_normal is not None else None)
        return {"chrom": t["c0"].to_pylist(),
                "pos": pc.cast(t["c1"], pa.int64()).to_pylist(),
                "ref": refs, "alt": alts.to_pylist(), "filter": t["c6"].to_pylist(),
                "ann": ann, "multi": multi, "allele": allele, "carriers": None,
                "columns": columns, "svs": {}}

    def _allele_of(self, ref: str, alts: list[str], fmt: str, tumor: str,
                   normal: str | None) -> int:
        """vcf2maf's tumour allele of a multi-allelic record, from the GT text as
        cyvcf2's genotypes give it (allele indices, -1 for '.')."""
        names = fmt.split(":")
        n_alleles = len(alts) + 1
        if names[0] == "GT":
            t_gt = _genotype(tumor.split(":", 1)[0])
            n_gt = _genotype(normal.split(":", 1)[0]) if normal is not None else None
        else:
            t_gt, n_gt = [-1], None
        depths = depths_per_allele([ref, *alts], sample_fields(fmt, tumor))
        return pick_allele(t_gt, n_gt, depths, n_alleles)


def _genotype(text: str) -> list[int]:
    return [-1 if a == "." else int(a) for a in re.split(r"[/|]", text)]


class _Header:
    """What the checks need of the header text htslib read."""

    def __init__(self, raw: str, tag: str | None):
        def declared(kind: str) -> dict[str, str]:
            out = {}
            for m in re.finditer(rf"^##{kind}=<ID=([^,>]+)(.*)$", raw, flags=re.MULTILINE):
                t = re.search(r"Type=([A-Za-z]+)", m.group(2))
                out[m.group(1)] = t.group(1) if t else ""
            return out

        self.contigs = frozenset(declared("contig"))
        self.filters = frozenset(declared("FILTER")) | {"PASS"}
        self.info_types = declared("INFO")
        self.format_types = declared("FORMAT")
        self.has_svs = "SVTYPE" in self.info_types
        self.numeric_info = [k for k, v in self.info_types.items() if v in ("Integer", "Float")]


def _read_head(path: str, size: int) -> bytes:
    import gzip
    import zlib

    with open(path, "rb") as fh:
        magic = fh.read(2)
    if size <= 2:
        return magic[:size]
    try:
        with (gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")) as fh:
            return fh.read(size)
    except (OSError, EOFError, zlib.error):
        return b""


def _is_bcf(path: str) -> bool:
    return _read_head(path, 3) == b"BCF"
