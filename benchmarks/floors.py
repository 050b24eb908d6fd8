"""Floors shared by several benchmarks: the bare read of the same files, written the
way a practitioner would, and importing nothing the read does not need (the floor is
often run as a fresh interpreter, whose start-up is part of what it costs)."""

from __future__ import annotations


def cyvcf2_fields(path: str) -> int:
    """Read the fields the variants plugin reads (CHROM, POS, REF, ALT, FILTER,
    INFO/CSQ) into lists: the practical limit of the library. Returns the records read."""
    from cyvcf2 import VCF

    vcf = VCF(path, lazy=True, threads=1)
    chroms, poss, refs, alts, filts, anns = [], [], [], [], [], []
    for v in vcf:
        chroms.append(v.CHROM)
        poss.append(v.POS)
        refs.append(v.REF)
        alts.append(v.ALT)
        filts.append(v.FILTER)
        anns.append(v.INFO.get("CSQ"))
    vcf.close()
    return len(chroms)
