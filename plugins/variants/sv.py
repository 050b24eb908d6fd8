"""Structural variants as vcf2maf.pl (mskcc/vcf2maf @ bf53e52d) writes them.

vcf2maf reads a record with INFO/SVTYPE thus: when REF and ALT are plain bases
it is an ordinary record; otherwise a BND, TRA, DEL, DUP or INV becomes two
breakpoint rows, its ALT replaced by ``<SVTYPE>``: first the second breakpoint
(INFO/CHR2, else the record's chromosome, at INFO/END, with the reference base
there, or the record's REF when none is at hand), then the record's own position.
Both keep the record's annotation, FILTER and genotype columns. Any other SVTYPE
with a symbolic ALT (``<INS>``, ``<CNV>``...) is left out. The plugin reads no
reference FASTA, so the second breakpoint's REF is the record's (vcf2maf's
fallback), and a record without END keeps only its own row.
"""

from __future__ import annotations

import re
from typing import Any

SPLIT_TYPES = frozenset({"BND", "TRA", "DEL", "DUP", "INV"})
_BASES = re.compile(r"[ACGTN]+", re.IGNORECASE)
_BASES_LIST = re.compile(r"[ACGTN,]+", re.IGNORECASE)
LEFT_OUT = "symbolic SV vcf2maf leaves out (SVTYPE not BND, TRA, DEL, DUP, INV)"


def sv_info(v: Any) -> tuple[str, Any, Any] | None:
    """(SVTYPE, END, CHR2) of a record with a true SVTYPE, else None."""
    info = v.INFO
    svtype = info.get("SVTYPE")
    if not svtype or svtype == "0":
        return None
    return str(svtype), info.get("END"), info.get("CHR2")


def expand_svs(chunk: dict[str, Any], svs: dict[int, tuple[str, Any, Any]]) -> dict[str, Any]:
    """The chunk with each SV record's rows as vcf2maf writes them, ``record_of``
    (each row's record in the chunk, for line numbers) and ``sv_left_out``."""
    plan: list[tuple[int, Any]] = []  # (record, None = as is | (chrom, pos) = extra row first)
    left_out = 0
    for j in range(len(chunk["chrom"])):
        sv = svs.get(j)
        if sv is None:
            plan.append((j, None))
            continue
        svtype, end, chr2 = sv
        alts = chunk["multi"].get(j) or [chunk["alt"][j]]
        if _BASES.fullmatch(chunk["ref"][j] or "") and _BASES_LIST.fullmatch(",".join(alts)):
            plan.append((j, None))
        elif svtype in SPLIT_TYPES:
            if end is not None:
                plan.append((j, (str(chr2) if chr2 else chunk["chrom"][j], int(end))))
            plan.append((j, "own"))
        else:
            left_out += 1
    out: dict[str, Any] = {k: [] for k in ("chrom", "pos", "ref", "alt", "filter", "ann",
                                           "columns", "record_of")}
    carriers = [] if chunk.get("carriers") is not None else None
    multi, allele = {}, {}
    for j, how in plan:
        k = len(out["chrom"])
        if how is None or how == "own":
            out["chrom"].append(chunk["chrom"][j])
            out["pos"].append(chunk["pos"][j])
        else:
            out["chrom"].append(how[0])
            out["pos"].append(how[1])
        out["ref"].append(chunk["ref"][j])
        if how is None:
            out["alt"].append(chunk["alt"][j])
            if j in chunk["multi"]:
                multi[k] = chunk["multi"][j]
            if j in chunk["allele"]:
                allele[k] = chunk["allele"][j]
        else:
            # One ALT, <SVTYPE>: the reported allele, whatever the record's ALTs were.
            out["alt"].append(f"<{svs[j][0]}>")
        out["filter"].append(chunk["filter"][j])
        out["ann"].append(chunk["ann"][j])
        out["columns"].append(chunk["columns"][j])
        out["record_of"].append(j)
        if carriers is not None:
            # A cohort carrier of an SV whose ALT became <SVTYPE> carries allele 1.
            carriers.append(chunk["carriers"][j] if how is None else
                            [(s, 1) for s, _ in chunk["carriers"][j]])
    out.update(multi=multi, allele=allele, carriers=carriers, sv_left_out=left_out)
    return out
