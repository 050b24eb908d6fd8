"""The mutation table every reader produces, and the per-sample/per-gene tables
derived from it."""

from __future__ import annotations

import re
from typing import Any

from .classify import SNV_CLASSES, hgvsp_short
from .depth import DEPTH_COLUMNS

MUTATION_COLUMNS = [
    "sample",
    "patient_id",
    "gene",
    "chrom",
    "pos",
    "ref",
    "alt",
    "variant_classification",
    "variant_type",
    "hgvsp_short",
    "filter",
    *DEPTH_COLUMNS,
    # The annotation's Protein_position ("273/393": position, protein length); NaN without.
    "protein_position",
    "protein_length",
    "context",  # reference bases centred on the call (a MAF's CONTEXT), else empty
]
GENE_COLUMNS = ["gene", "samples_mutated", "percent_samples", "mutations", "high_frequency"]
SAMPLE_COLUMNS = [
    "sample",
    "patient_id",
    "variants",
    "nonsynonymous",
    "tmb_per_mb",
    *SNV_CLASSES,
    "ti_tv",
]


_VTYPES = ["", "SNP", "DNP", "TNP", "ONP", "INS", "DEL"]
# Below this many values a column step runs as a Python loop: each Arrow kernel call
# has a fixed cost of tens of microseconds, more than a loop over a few rows.
_SMALL = 256
_PREFIX = re.compile(r"^.*:")  # vcf2maf: s/^.*://


def finish_mutations(sample: Any, base: dict[str, Any]) -> Any:
    """Classify VCF-derived columns into the mutation table, as an Arrow table in
    MUTATION_COLUMNS order (patient_id empty: samples are mapped to patients once every
    file is read; :mod:`.arrow` stacks the tables and makes their pandas frame).

    ``base`` holds chrom, pos, vcf_ref, vcf_alt (the reported allele; lists),
    filter and the chosen annotation's symbol, consequence, transcript, hgvsc,
    hgvsp (Arrow string arrays). ``sample`` is one name for the whole file or one
    per row. Vectorised: the classification runs once per distinct (consequence,
    type, frame) triple. Alleles, types and positions follow vcf2maf.pl.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from .classify import SPLICE_SITE_EFFECTS, classify_effect, worst_effect

    n = len(base["vcf_ref"])
    mref, malt, shift = _trim(base["vcf_ref"], base["vcf_alt"])
    lr2 = pc.utf8_length(mref).to_numpy(zero_copy_only=False).astype(np.int64)
    la2 = pc.utf8_length(malt).to_numpy(zero_copy_only=False).astype(np.int64)
    lr2[pc.equal(mref, "-").to_numpy(zero_copy_only=False)] = 0
    la2[pc.equal(malt, "-").to_numpy(zero_copy_only=False)] = 0
    # SNP, DNP, TNP, ONP (4 bases or more), INS, DEL: vcf2maf's types.
    vt = np.where(lr2 == la2, np.minimum(lr2, 4), np.where(lr2 < la2, 5, 6)).astype(np.int64)
    inframe = (np.abs(lr2 - la2) % 3 == 0).astype(np.int64)

    enc = base["consequence"]
    if not pa.types.is_dictionary(enc.type):
        enc = pc.dictionary_encode(enc)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    cons_codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    # A record without annotation has no effect (Targeted_Region); an annotated
    # entry with an empty consequence is intergenic_variant (worst_effect).
    effects = [worst_effect(c) if c else "" for c in enc.dictionary.to_pylist()]
    key = (cons_codes * 8 + vt) * 2 + inframe
    uniq, inverse = np.unique(key, return_inverse=True)
    classes = [classify_effect(effects[k // 16], _VTYPES[(k // 2) % 8], bool(k % 2))
               for k in uniq.tolist()]
    class_names = sorted(set(classes))
    class_code = np.array([class_names.index(c) for c in classes], dtype=np.int64)
    # Start_Position: the first trimmed base; an insertion after a trimmed anchor
    # starts at the anchor (vcf2maf: $pos - 1 when REF became '-').
    start_shift = shift - ((vt == 5) & (lr2 == 0) & (shift > 0)).astype(np.int64)

    hgvsp = _short_protein(base["hgvsp"])
    splice_codes = [k for k, e in enumerate(effects) if e in SPLICE_SITE_EFFECTS]
    splice = np.flatnonzero(np.isin(cons_codes, splice_codes)) if splice_codes else []
    if len(splice):
        raw_p = pc.take(base["hgvsp"], pa.array(splice)).to_pylist()
        raw_c = pc.take(base["hgvsc"], pa.array(splice)).to_pylist()
        for k, p, c in zip(splice, raw_p, raw_c, strict=True):
            hgvsp[k] = hgvsp_short(p, c, effects[cons_codes[k]])

    symbol = base["symbol"]
    if pa.types.is_dictionary(symbol.type):
        symbol = symbol.cast(pa.large_string())
    # vcf2maf's Hugo_Symbol: the symbol, else the transcript id, else Unknown.
    transcript = base.get("transcript")
    if transcript is not None:
        symbol = pc.if_else(pc.equal(symbol, ""), transcript.cast(pa.large_string()), symbol)
    genes = pc.if_else(pc.equal(symbol, ""), "Unknown", symbol)
    if isinstance(sample, str):
        sample_col = _coded(np.zeros(n, dtype=np.int32), [sample])
    else:  # one name per row: categories sorted, as pandas' Categorical sorts them
        names, codes = np.unique(np.asarray(sample, dtype=object), return_inverse=True)
        sample_col = _coded(codes.astype(np.int32), names.tolist())
    filt = base["filter"]
    # Arrow, not pandas: pandas' fixed cost per column and per Categorical was most of a
    # panel VCF's table (its worker: 13.7 ms to 11.9 ms a file), and an Arrow table is
    # pickled and stacked cheaply (arrow.py makes the frame, once for every file of the run).
    columns = {
        "sample": sample_col,
        "patient_id": pa.nulls(n),
        "gene": _encoded(genes),
        "chrom": _encoded(base["chrom"] if isinstance(base["chrom"], pa.Array)
                          else pa.array(base["chrom"], type=pa.string())),
        "pos": pa.array(np.asarray(base["pos"], dtype=np.int64) + start_shift),
        "ref": mref.cast(pa.large_string()),
        "alt": malt.cast(pa.large_string()),
        "variant_classification": _coded(class_code[inverse].astype(np.int32) if n else np.zeros(0, np.int32),
                                         class_names or ["Targeted_Region"]),
        "variant_type": _coded(vt.astype(np.int32), _VTYPES),
        "hgvsp_short": pa.array(hgvsp, type=pa.large_string()),
        "filter": _encoded(filt if isinstance(filt, pa.Array) else pa.array(list(filt), type=pa.string())),
        # Read depths: NaN where the record has none (see depth.py).
        **{c: pa.array(np.asarray(base[c], dtype=float) if c in base else np.full(n, np.nan))
           for c in DEPTH_COLUMNS},
        **dict(zip(("protein_position", "protein_length"),
                   map(pa.array, protein_numbers(base["protein"] if "protein" in base else [""] * n)),
                   strict=True)),
        "context": _coded(np.zeros(n, dtype=np.int32), [""]),
    }
    return pa.table(columns)


def _coded(codes: Any, words: list[str]) -> Any:
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()), pa.array(words, type=pa.large_string()))


def _encoded(arr: Any) -> Any:
    """Dictionary-encoded text, its words in order of first appearance (int32 codes,
    large_string words: the type every chunk and file shares, so they stack)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr.cast(pa.large_string()))
    if hasattr(enc, "combine_chunks"):
        enc = enc.combine_chunks()
    return enc


def _trim(refs: list[str], alts: list[str]) -> tuple[Any, Any, Any]:
    """vcf2maf's allele trimming on whole columns: every shared leading base is
    dropped (CATCACTACC>CACC becomes TCACTACC>CC, two bases on), '-' for an
    empty allele. Returns MAF ref and alt (Arrow) and the bases dropped per row.

    Only rows whose alleles share a first base need the per-row loop: for
    single-base substitutions (most rows) nothing is shared."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from .classify import trim_alleles

    r = refs if isinstance(refs, pa.Array) else pa.array(refs, type=pa.string())
    a = alts if isinstance(alts, pa.Array) else pa.array(alts, type=pa.string())
    lr = pc.utf8_length(r).to_numpy(zero_copy_only=False)
    la = pc.utf8_length(a).to_numpy(zero_copy_only=False)
    shared = pc.and_(
        pc.equal(pc.utf8_slice_codeunits(r, 0, 1), pc.utf8_slice_codeunits(a, 0, 1)),
        pc.not_equal(r, a)).fill_null(False).to_numpy(zero_copy_only=False)
    # A simple indel (one allele a single base) loses exactly its anchor base:
    # sliced on the whole column. Only longer shared prefixes need the loop.
    simple = shared & ((lr == 1) | (la == 1))
    shift = simple.astype(np.int64)
    if simple.any():
        mask = pa.array(simple)
        r = pc.if_else(mask, pc.utf8_slice_codeunits(r, 1), r)
        a = pc.if_else(mask, pc.utf8_slice_codeunits(a, 1), a)
    rows = np.flatnonzero(shared & ~simple)
    if not len(rows):
        return (pc.if_else(pc.equal(r, ""), "-", r), pc.if_else(pc.equal(a, ""), "-", a),
                shift)
    out_r = np.asarray(r.to_numpy(zero_copy_only=False), dtype=object)
    out_a = np.asarray(a.to_numpy(zero_copy_only=False), dtype=object)
    for k in rows.tolist():
        out_r[k], out_a[k], shift[k] = trim_alleles(out_r[k], out_a[k])
    r2 = pa.array(out_r, type=pa.string())
    a2 = pa.array(out_a, type=pa.string())
    return (pc.if_else(pc.equal(r2, ""), "-", r2), pc.if_else(pc.equal(a2, ""), "-", a2), shift)


def stack_files(frames: list[Any]) -> Any:
    """``pd.concat(frames, ignore_index=True)`` for many files' mutation tables, the
    same values and dtypes, built column by column.

    pandas stacks 1,000 small frames whose categorical columns differ in categories
    in about 0.7 s, most of it aligning blocks; the arrays themselves take 0.15 s.
    A column whose dtype is the same in every frame keeps it; categorical columns that
    differ become object, as pandas makes them. Anything else goes to pandas.
    """
    import numpy as np
    import pandas as pd

    from .arrow import as_frame, is_table, stack_tables

    if frames and all(is_table(f) for f in frames):
        return stack_tables(frames)
    frames = [as_frame(f) for f in frames]
    columns = list(frames[0].columns)
    if len(set(columns)) != len(columns) or any(list(f.columns) != columns for f in frames[1:]):
        return pd.concat(frames, ignore_index=True)
    # Each frame's columns taken once through items(): indexing a frame by name (f[col])
    # costs about 30 microseconds a time in pandas 2, a second for 1,000 files of 30 columns.
    by_name = [dict(f.items()) for f in frames]
    out = {}
    for col in columns:
        values = [f[col] for f in by_name]
        first = values[0].dtype
        same = all(v.dtype == first for v in values)
        if same and isinstance(first, pd.CategoricalDtype):
            out[col] = pd.Categorical.from_codes(np.concatenate([_codes_in(v.array, first) for v in values]),
                                                 dtype=first)
        elif same and isinstance(first, np.dtype):
            out[col] = np.concatenate([v.to_numpy() for v in values])
        elif all(v.dtype == object or isinstance(v.dtype, pd.CategoricalDtype) for v in values):
            out[col] = np.concatenate([np.asarray(v.array, dtype=object) for v in values])
        else:
            out[col] = pd.concat(values, ignore_index=True)
    return pd.DataFrame(out)


def _codes_in(values: Any, dtype: Any) -> Any:
    """The codes of a categorical in ``dtype``'s order of categories. Two unordered
    dtypes with the same categories in another order compare equal in pandas, so the
    codes of one are not the codes of the other (one file seeing TP53 before RB1,
    another RB1 first)."""
    import numpy as np

    codes = values.codes
    if values.categories.equals(dtype.categories):
        return codes
    recode = np.append(dtype.categories.get_indexer(values.categories), -1).astype(codes.dtype)
    return recode[codes]  # code -1 (missing) takes the last entry, -1


def _short_protein(values: Any) -> Any:
    """HGVSp to one-letter HGVSp_Short on a whole column (pyarrow string kernels,
    run on the non-empty values only)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from .classify import _AA3TO1

    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(
        list(values), type=pa.large_string())
    out = np.full(len(arr), "", dtype=object)
    if len(arr) == 0:
        return out
    rows = np.flatnonzero(pc.greater(pc.utf8_length(arr.fill_null("")), 0)
                          .to_numpy(zero_copy_only=False))
    if not len(rows):
        return out
    if len(rows) <= _SMALL:
        # A few rows (a panel VCF): the same steps in Python, without the ~25
        # whole-column kernel calls whose fixed cost would dominate.
        for k, text in zip(rows.tolist(), pc.take(arr, pa.array(rows)).to_pylist(), strict=True):
            text = _PREFIX.sub("", text).replace("%3D", "=")
            for three, one in _AA3TO1.items():
                text = text.replace(three, one)
            out[k] = text
        return out
    sub = pc.take(arr, pa.array(rows))
    sub = pc.replace_substring_regex(sub, r"^.*:", "")  # vcf2maf: s/^.*://
    sub = pc.replace_substring(sub, "%3D", "=")
    for three, one in _AA3TO1.items():
        sub = pc.replace_substring(sub, three, one)
    out[rows] = sub.to_numpy(zero_copy_only=False)
    return out


def gene_table(mutations: Any, samples: list[str], nonsyn: tuple[str, ...],
               threshold: float) -> Any:
    """See summaries.gene_table (counted there on integer codes)."""
    from .summaries import gene_table as table

    return table(mutations, samples, nonsyn, threshold)


def sample_table(mutations: Any, samples: list[str], patients: dict[str, str],
                 nonsyn: tuple[str, ...], territory_mb: float | None,
                 snv_scope: str = "all") -> Any:
    """See summaries.sample_table (counted there on integer codes)."""
    from .summaries import sample_table as table

    return table(mutations, samples, patients, nonsyn, territory_mb, snv_scope)


_PROTEIN_POSITION = re.compile(r"^\s*\??-?(\d+)(?:-(?:\d+|\?))?\s*(?:/\s*(\d+))?\s*$")


def protein_numbers(values: Any) -> tuple[Any, Any]:
    """A Protein_position column (VEP's and vcf2maf's "273", "273/393", "746-750/1210",
    "?-5/393"; SnpEff's AA.pos / AA.length "273/393") as two float arrays: the first
    position and the protein length, NaN where the text has none. Parsed once per
    distinct text."""
    import numpy as np
    import pandas as pd

    if hasattr(values, "to_pylist"):
        values = values.to_pylist()
    if len(values) <= _SMALL:  # a panel VCF: a dict, not pandas' fixed cost per call
        seen: dict[str, int] = {}
        codes = np.array([seen.setdefault(v or "", len(seen)) for v in values], dtype=np.intp)
        words = list(seen)
    else:
        codes, words = pd.factorize(pd.Series(values, dtype=object).fillna(""))
    pos = np.full(len(words) + 1, np.nan)
    length = np.full(len(words) + 1, np.nan)
    for k, word in enumerate(words):
        m = _PROTEIN_POSITION.match(str(word))
        if m:
            pos[k] = float(m.group(1))
            if m.group(2):
                length[k] = float(m.group(2))
    return pos[codes], length[codes]
