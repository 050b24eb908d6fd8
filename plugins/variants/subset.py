"""Variant files cut to a patient subset (``--patients``): the calls, sample names and
read counts of the subset's samples only, so that the oncoplot, TMB, gene
frequencies, the high-frequency genes the enrichment plugin reads and the exports
cover the subset only. A multi-sample VCF or a MAF keeps the subset's samples; a file
with none of them is left out (the core counts it, unnamed)."""

from __future__ import annotations

from typing import Any

from rinec_report import ParsedFile

from .arrow import as_frame


def cut(files: list[ParsedFile], subset: Any) -> list[ParsedFile]:
    out = []
    for f in files:
        data = f.data
        if not data or data.get("kind") != "calls":  # a panel BED: genes and territory, no patient
            out.append(f)
            continue
        samples = [s for s in data["samples"] if subset.keeps_sample(s)]
        if not samples:
            continue
        if len(samples) == len(data["samples"]):
            out.append(f)  # as it was: the core keeps what its reading said
            continue
        data = dict(data)
        # Records and FILTER counts were taken over every sample column: only the kept
        # calls are the subset's own.
        data["filtered"] = {}
        data["samples"] = samples
        data["mutations"] = subset.rows(as_frame(data["mutations"]), sample="sample")
        if data.get("roles"):
            roles = dict(data["roles"])
            roles["left_out"] = [s for s in roles.get("left_out") or [] if not subset.names_excluded(s)]
            data["roles"] = roles
        data["records"] = len(data["mutations"])
        out.append(ParsedFile(f.file, data))
    return out
