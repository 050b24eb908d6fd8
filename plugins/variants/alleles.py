"""Which ALT allele a sample carries at a multi-allelic record, as vcf2maf.pl
(mskcc/vcf2maf @ bf53e52d) chooses it.

vcf2maf: the first non-REF allele of the tumour genotype that the normal
genotype does not have; when the genotype does not settle it (missing, only REF,
or an allele the record does not have), the ALT with the most supporting reads,
ties to the first; failing that, the first ALT.
"""

from __future__ import annotations

from typing import Any

_MISSING_DEPTH = -2147483647  # htslib's int32 missing/vector-end values and below


def pick_allele(tumor_gt: list[int], normal_gt: list[int] | None,
                depths: list[int] | None, n_alleles: int, carrier_only: bool = False) -> int:
    """The allele index (1 = first ALT) reported for this sample.

    ``tumor_gt``/``normal_gt``: cyvcf2 genotype allele indices (-1 for '.').
    ``depths``: reads per allele, REF first (None when the record has none).
    ``carrier_only`` (cohort VCFs): 0 unless the genotype names an ALT allele,
    and no fallback to depths."""
    called = [a for a in tumor_gt if a >= 0]
    if carrier_only:
        first = next((a for a in tumor_gt if a > 0), 0)
        return first if first < n_alleles else 0
    idx: int | None = 1
    gt_usable = bool(called)
    if gt_usable:
        alts = [a for a in tumor_gt if a != 0]
        idx = alts[0] if alts else None
        if normal_gt is not None and any(a >= 0 for a in normal_gt):
            seen = set(normal_gt)
            idx = next((a for a in tumor_gt if a != 0 and a not in seen), None)
        if idx is None or idx < 1 or idx >= n_alleles:
            idx, gt_usable = 1, False
    if not gt_usable and depths:
        for i in range(1, min(len(depths), n_alleles)):
            if depths[i] > _MISSING_DEPTH and depths[i] > max(depths[idx], 0):
                idx = i
    return idx


def record_depths(v: Any, sample: int) -> list[int] | None:
    """Reads per allele (REF first) of one sample: FORMAT/AD, else RO and AO
    (Ion Torrent, freebayes), else Strelka's AU/CU/GU/TU tier-1 counts."""
    try:
        ad = v.format("AD")
    except KeyError:
        ad = None
    if ad is not None and ad.ndim == 2 and ad.shape[1] > 1:
        return [int(x) for x in ad[sample]]
    try:
        ro, ao = v.format("RO"), v.format("AO")
    except KeyError:
        ro = ao = None
    if ro is not None and ao is not None:
        return [int(ro[sample][0]), *(int(x) for x in ao[sample])]
    counts = {}
    for base in "ACGT":
        try:
            col = v.format(f"{base}U")
        except KeyError:
            col = None
        if col is None:
            return None
        counts[base] = int(col[sample][0])
    return [counts.get(a, 0) if len(a) == 1 else 0 for a in [v.REF, *v.ALT]]
