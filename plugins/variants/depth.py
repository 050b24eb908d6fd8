"""Read depth and allele counts of a tumour or normal column, as vcf2maf.pl
(mskcc/vcf2maf @ bf53e52d, FixAlleleDepths and the lines that fill t_depth,
t_ref_count, t_alt_count, n_depth, n_ref_count, n_alt_count) computes them.

vcf2maf works on the text of the FORMAT column, so this does too: a tag is
"present" when the record's FORMAT names it and the sample has a value for it,
and values are compared with Perl's rules (a string is true unless it is empty
or "0"; arithmetic reads a string's leading number, else 0). The sources, in
vcf2maf's order (the first that applies wins):

1. AD (one depth per allele; a value that is not a whole number is blank);
2. VarScan: AD holds one depth and RD the reference depth;
3. SomaticSniper: BCOUNT (A,C,G,T) looked up per allele (only without AD);
4. Strelka SNVs: AU, CU, GU, TU, their tier-1 (first) counts per allele;
5. Strelka indels: TAR (reference) and TIR (alternate), tier 1;
6. CaVEMan: FAZ..FTZ plus RAZ..RTZ per allele;
7. FreeBayes / Ion Torrent: RO (reference) and AO (per alternate);
8. Delly: RR (reference) and RV (alternate) junction reads;
9. DP4: ref-forward + ref-reverse, alt-forward + alt-reverse;
10. cgpPindel: PP + NP alternate, PR + NR the depth;
11. FA (alternate fraction) times DP, rounded;
12. bcftools mpileup: DV (alternate) with DP;
13. AD with a single value: the alternate's depth;
14. any other count of depths that is not one per allele: all blank.

Then DP is recomputed as the sum of the depths when a depth exceeds it (or the
reference and alternate together do), and set to that sum when it is missing
but both the reference and the alternate depth exist. A DP-only column gives
t_depth and no counts. VarScan's FREQ is not read (vcf2maf does not read it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

DEPTH_COLUMNS = ["t_depth", "t_ref_count", "t_alt_count", "t_vaf", "n_depth", "n_ref_count",
                 "n_alt_count"]
# The tags any rule reads: a VCF whose header declares none of them has no depths
# to read, and its record loop does not format records as text.
DEPTH_TAGS = frozenset({"AD", "DP", "RD", "BCOUNT", "AU", "CU", "GU", "TU", "TAR", "TIR",
                        "FAZ", "FCZ", "FGZ", "FTZ", "RAZ", "RCZ", "RGZ", "RTZ", "AO", "RO",
                        "RR", "RV", "DP4", "PP", "NP", "PR", "NR", "FA", "DV"})

_NUMBER = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)")
_DIGITS = re.compile(r"\d+")
_NAN = float("nan")


def sample_fields(format_keys: str, column: str) -> dict[str, str]:
    """The FORMAT tags of one sample column as vcf2maf reads them: keys paired with
    ':'-separated values, trailing empty values dropped (Perl's split)."""
    values = column.split(":")
    while values and values[-1] == "":
        values.pop()
    return dict(zip(format_keys.split(":"), values, strict=False))


def allele_counts(alleles: list[str], var: int, info: dict[str, str]) -> tuple[float, float, float]:
    """(depth, reference count, alternate count) of one sample for allele ``var``
    (1 = first ALT), NaN where vcf2maf writes '.' or nothing."""
    depths, dp = fix_allele_depths(alleles, var, info)
    depth = _as_float(dp) if dp is not None and dp != "." else _NAN
    if not depths:
        return depth, _NAN, _NAN
    ref = _as_float(depths[0])
    alt = _as_float(depths[var]) if var < len(depths) else _NAN
    return depth, ref, alt


def count_columns(keys: Any, columns: Any, biallelic: Any,
                  alleles_of: Callable[[int], tuple[list[str], int]]) -> tuple[Any, Any, Any]:
    """:func:`allele_counts` of many rows (a FORMAT string and a sample column each,
    as lists of str or arrow string arrays without nulls;
    ``biallelic`` per row; ``alleles_of(k)``: row k's alleles and reported allele,
    asked only for the rows the rules handle): arrays of depth, reference and
    alternate count.

    The common case is computed on whole columns (pyarrow regular expressions and
    numpy): a biallelic record whose AD is two whole numbers and whose DP is a whole
    number, '.', or not in its FORMAT, under a FORMAT that names no tag twice. It
    gives what the rules give (DP replaced by AD's sum when either count or both
    exceed it, or when DP is missing). Every other row goes through the rules."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(columns)
    if not isinstance(keys, pa.Array):
        keys = pa.array(keys, type=pa.string())
    if not isinstance(columns, pa.Array):
        columns = pa.array(columns, type=pa.string())
    depth, ref, alt = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    done = np.zeros(n, dtype=bool)
    # Rows grouped by FORMAT text and their columns taken in arrow, not row by row in
    # Python: a file has a handful of FORMATs and a row's work is then all in C.
    encoded = keys.dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    for g, key in enumerate(encoded.dictionary.to_pylist()):
        names = key.split(":")
        if "AD" not in names or len(set(names)) != len(names):
            continue
        rows_a = np.flatnonzero((codes == g) & biallelic)
        if not len(rows_a):
            continue
        text = columns.take(pa.array(rows_a))
        ad = pc.extract_regex(text, rf"^(?:[^:]*:){{{names.index('AD')}}}(?P<r>\d+),(?P<a>\d+)(?::|$)")
        ok = pc.is_valid(ad).to_numpy(zero_copy_only=False)
        r = np.zeros(len(text))
        a = np.zeros(len(text))
        if ok.any():
            r[ok] = pc.cast(pc.filter(pc.struct_field(ad, "r"), pa.array(ok)), pa.float64()).to_numpy()
            a[ok] = pc.cast(pc.filter(pc.struct_field(ad, "a"), pa.array(ok)), pa.float64()).to_numpy()
        total = r + a
        if "DP" in names:
            dp = pc.extract_regex(text, rf"^(?:[^:]*:){{{names.index('DP')}}}(?P<d>\d+|\.)(?::|$)")
            has = pc.is_valid(dp).to_numpy(zero_copy_only=False)
            ok &= has
            d = np.full(len(text), np.nan)
            if has.any():
                dtext = pc.filter(pc.struct_field(dp, "d"), pa.array(has))
                d[has] = pc.cast(pc.if_else(pc.equal(dtext, "."), None, dtext),
                                 pa.float64()).to_numpy(zero_copy_only=False)
            d = np.where(np.isnan(d) | (r > d) | (a > d) | (total > d), total, d)
        else:
            d = total
        take = rows_a[ok]
        depth[take], ref[take], alt[take] = d[ok], r[ok], a[ok]
        done[take] = True
    rest = np.flatnonzero(~done)
    rest_keys = keys.take(pa.array(rest)).to_pylist()
    rest_columns = columns.take(pa.array(rest)).to_pylist()
    for k, key, column in zip(rest.tolist(), rest_keys, rest_columns, strict=True):
        if key:
            alleles, var = alleles_of(k)
            depth[k], ref[k], alt[k] = allele_counts(alleles, var, sample_fields(key, column))
    # A count too large for a float (hundreds of digits in a hostile file) is none.
    for values in (depth, ref, alt):
        values[~np.isfinite(values)] = np.nan
    return depth, ref, alt


def depths_per_allele(alleles: list[str], info: dict[str, str]) -> list[int] | None:
    """Reads per allele (REF first) as vcf2maf weighs the alleles of a record whose
    tumour genotype does not settle the allele (depths computed with the first ALT
    as the variant); -2147483648 for a blank, None when there are none."""
    depths, _ = fix_allele_depths(alleles, 1, info)
    if not depths:
        return None
    out = []
    for d in depths:
        value = _as_float(d)
        # A count too large for a number (hundreds of digits) is none, as in the MAF.
        out.append(int(value) if math.isfinite(value) and value >= 0 else -2147483648)
    return out


def fix_allele_depths(alleles: list[str], var: int,
                      info: dict[str, str]) -> tuple[list[str], str | None]:
    """vcf2maf's FixAlleleDepths: the depth per allele ('' for blank) and DP."""
    f = info
    n = len(alleles)
    depths: list[str] = []
    ad = f.get("AD")
    if ad is not None and ad != ".":
        depths = [d if _DIGITS.fullmatch(d) else "" for d in _perl_split(ad)]

    def blanks() -> list[str]:
        return [""] * n

    def put(ds: list[str], i: int, value: str) -> None:
        while len(ds) <= i:
            ds.append("")
        ds[i] = value

    if len(depths) == 1 and "RD" in f:  # VarScan
        depths = blanks()
        put(depths, 0, f["RD"])
        put(depths, var, ad or "")
    elif ad is None and "BCOUNT" in f:  # SomaticSniper
        bcount = _perl_split(f["BCOUNT"])
        index = {"A": 0, "C": 1, "G": 2, "T": 3}
        depths = [bcount[index[a]] if a in index and index[a] < len(bcount) else ""
                  for a in alleles]
    elif ad is None and all(k in f for k in ("AU", "CU", "GU", "TU")):  # Strelka SNV
        tier1 = dict(f)
        for base in "ACGT":
            first = _perl_split(f[base + "U"])
            if first:
                tier1[base + "U"] = first[0]
            else:
                del tier1[base + "U"]
        # vcf2maf also replaces a lone ALT of 'N' by the deepest other base; that
        # changes the reported allele, which the reader does not do.
        depths = [tier1.get(a + "U", "") for a in alleles]
    elif ad is None and "TIR" in f and "TAR" in f:  # Strelka indel
        depths = blanks()
        put(depths, 0, _first(f["TAR"]))
        put(depths, var, _first(f["TIR"]))
    elif ad is None and all(k in f for k in ("FAZ", "FCZ", "FGZ", "FTZ", "RAZ", "RCZ", "RGZ",
                                             "RTZ")):  # CaVEMan
        summed = dict(f)
        for base in "ACGT":
            summed[base + "Z"] = _perl_str(_num(f["F" + base + "Z"]) + _num(f["R" + base + "Z"]))
        depths = [summed.get(a + "Z", "") for a in alleles]
    elif ad is None and "AO" in f and "RO" in f:  # FreeBayes, Ion Torrent
        depths = [f["RO"], *(d if _DIGITS.fullmatch(d) else "" for d in _perl_split(f["AO"]))]
    elif ad is None and "RR" in f and "RV" in f:  # Delly
        depths = blanks()
        put(depths, 0, f["RR"])
        put(depths, var, f["RV"])
    elif ad is None and "DP4" in f and len(_perl_split(f["DP4"])) == 4:
        depths = blanks()
        c = [_num(x) for x in _perl_split(f["DP4"])]
        put(depths, 0, _perl_str(c[0] + c[1]))
        put(depths, var, _perl_str(c[2] + c[3]))
    elif ad is None and all(k in f for k in ("PP", "NP", "PR", "NR")):  # cgpPindel
        depths = blanks()
        put(depths, var, _perl_str(_num(f["PP"]) + _num(f["NP"])))
        f = {**f, "DP": _perl_str(_num(f["PR"]) + _num(f["NR"]))}
    elif ad is None and "FA" in f and f.get("DP", ".") != ".":
        depths = blanks()
        put(depths, var, _perl_str(_round_half_even(_num(f["FA"]) * _num(f["DP"]))))
    elif ad is None and "DV" in f and "DP" in f:  # bcftools mpileup
        depths = blanks()
        put(depths, var, f["DV"])
    elif ad is not None and len(depths) == 1:
        depths = blanks()
        put(depths, var, ad)
    elif depths and len(depths) != n:
        depths = blanks()

    dp = f.get("DP")
    d0 = depths[0] if depths else None
    dv = depths[var] if var < len(depths) else None
    if dp is not None and dp != "." and (
            (_true(d0) and _num(d0) > _num(dp)) or (_true(dv) and _num(dv) > _num(dp))
            or (_true(d0) and _true(dv) and _num(d0) + _num(dv) > _num(dp))):
        dp = _perl_str(_sum(depths))
    if d0 is not None and dv is not None and (dp is None or dp == "."):
        dp = _perl_str(_sum(depths))
    return depths, dp


def vaf(ref: Any, alt: Any) -> Any:
    """maftools' t_vaf when a MAF has none: t_alt_count / (t_ref_count +
    t_alt_count), NaN where either count is missing or both are 0."""
    import numpy as np

    ref = np.asarray(ref, dtype=float)
    alt = np.asarray(alt, dtype=float)
    total = ref + alt
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, alt / total, np.nan)


def _perl_split(text: str) -> list[str]:
    parts = text.split(",") if text else []
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def _first(text: str) -> str:
    parts = _perl_split(text)
    return parts[0] if parts else ""


def _true(value: str | None) -> bool:
    return value is not None and value not in ("", "0")


def _num(value: str | None) -> float:
    if not value:
        return 0.0
    m = _NUMBER.match(value)
    return float(m.group(1)) if m else 0.0


def _sum(depths: list[str]) -> float:
    return sum(_num(d) for d in depths if _true(d) and d != ".")


def _perl_str(value: float) -> str:
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return f"{value:.15g}"


def _round_half_even(value: float) -> float:
    # sprintf("%.0f") rounds as C does: halves to even.
    return float(round(value))


def _as_float(value: str) -> float:
    """A depth as vcf2maf would print it, as a number: NaN for '.', '' or text."""
    if not value or value == ".":
        return _NAN
    try:
        return float(value)
    except ValueError:
        return _NAN
