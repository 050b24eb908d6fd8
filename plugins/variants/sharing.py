"""What the variants plugin shares in a de-identified report: the calls (genes, positions,
alleles, classes, read counts), the per-sample counts, and the charts' technical fields."""

from __future__ import annotations

from typing import Any

FIELDS = {
    # mutations and genes
    "gene": "category", "chrom": "category", "pos": "measure", "ref": "category", "alt": "category",
    "variant_classification": "category", "variant_type": "category", "hgvsp_short": "category",
    "hgvsc": "category", "hgvsp": "category", "filter": "category", "t_*": "measure", "n_*": "measure",
    "protein_position": "measure", "protein_length": "measure",
    "context": "category",  # reference bases only (the MAF reader keeps nothing else)
    "samples_mutated": "count", "percent_samples": "measure", "mutations": "count", "high_frequency": "category",
    "classes": "category", "protein_changes": "category", "end": "measure", "start": "measure",
    # samples and TMB
    "variants": "count", "nonsynonymous": "count", "tmb_per_mb": "measure", "tmb": "measure", "ti_tv": "measure",
    "?>?": "count", "flag": "category", "snv_class": "category",
    # the files table: the VCF columns read as tumour and normal, and the rule that chose them
    "tumour_sample": "sample", "normal_sample": "sample", "rule": "category",
    # chart fields: oncoplot (i rank, s sample, p patient, c class, k count, t track, g gene,
    # a alteration, h protein change, r reads, pct, v track value), VAF and SNV classes
    "i": "measure", "s": "sample", "p": "patient", "c": "category", "k": "count", "t": "category",
    "g": "category", "a": "category", "h": "category", "r": "category", "pct": "measure",
    "n": "count", "q1": "measure", "median": "measure", "q3": "measure", "lo": "measure", "hi": "measure",
    "f": "measure", "cls": "category",
}


DERIVED_TRACKS = ("rin_status", "latency_years", "latency_rt_years")


def shared_tracks(tracks: list[str], rules: dict[str, Any]) -> list[str]:
    """The clinical tracks a de-identified oncoplot draws: columns the cohort plugin
    recognises (or derives), and those the user keeps by name."""
    from rinec_plugins.cohort.columns import CANONICAL

    from rinec_report.deidentify import kept_columns

    kept = kept_columns(rules)
    return [t for t in tracks if t in CANONICAL or t in DERIVED_TRACKS or str(t).lower() in kept]


def declared(options: dict[str, Any]) -> dict[str, str]:
    """FIELDS, and the oncoplot's clinical track values (``v``): a de-identified report draws
    only the tracks :func:`shared_tracks` allows (the plugin's ``rinec_sections`` leaves the
    others out), so every value it draws is one the report may share."""
    return {**FIELDS, "v": "category"}
