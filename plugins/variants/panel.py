"""A panel BED: its territory (the TMB denominator) and its gene list."""

from __future__ import annotations

import io
import re
from typing import Any

from rinec_report.model import InputError
from rinec_report.safeio import open_content

_GENE_SPLIT = re.compile(r"[;,|:\s_]")
_LOOKS_LIKE_REGION = re.compile(r"^(chr)?[0-9XYMT]+[:\-]\d")


def parse_bed(path: str) -> dict[str, Any]:
    """Merged territory in base pairs and Mb, interval count, and the sorted gene
    symbols of the name column (the part before ';', ',', '|', ':' or '_', so
    ``TP53_exon5`` counts as TP53)."""
    by_chrom: dict[str, list[tuple[int, int]]] = {}
    genes: set[str] = set()
    intervals = 0
    # The checked, bounded stream (gzip recognised by its bytes, not the name).
    with io.TextIOWrapper(open_content(path), encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 3:
                cols = line.split()
            if len(cols) < 3:
                raise InputError(f"line {lineno}: a BED line needs chrom, start and end")
            try:
                start, end = int(cols[1]), int(cols[2])
            except ValueError:
                raise InputError(
                    f"line {lineno}: start/end {cols[1]!r}, {cols[2]!r} are not integers"
                ) from None
            if end < start or start < 0:
                raise InputError(f"line {lineno}: end {end} is before start {start}")
            by_chrom.setdefault(cols[0], []).append((start, end))
            intervals += 1
            if len(cols) > 3 and cols[3] and not _LOOKS_LIKE_REGION.match(cols[3]):
                gene = _GENE_SPLIT.split(cols[3].strip(), maxsplit=1)[0]
                if gene and gene != ".":
                    genes.add(gene)
    if not intervals:
        raise InputError("the BED file has no intervals")
    territory = 0
    for spans in by_chrom.values():
        spans.sort()
        cur_s, cur_e = spans[0]
        for s, e in spans[1:]:
            if s > cur_e:
                territory += cur_e - cur_s
                cur_s, cur_e = s, e
            else:
                cur_e = max(cur_e, e)
        territory += cur_e - cur_s
    return {
        "territory_bp": territory,
        "territory_mb": territory / 1e6,
        "intervals": intervals,
        "genes": sorted(genes) or None,
    }
