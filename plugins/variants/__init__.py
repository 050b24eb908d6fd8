"""The variants plugin: VCF/BCF/MAF ingestion with vcf2maf-exact classification,
an oncoplot with TMB, SNV classes, TMB and high-frequency genes.

Kept cheap to import: the readers and chart code load lazily inside the hooks.
"""

from __future__ import annotations

from typing import Any

from rinec_report import CliOption, Pattern, hookimpl

# classify imports nothing heavy (only re), so the plugin still loads fast.
from .classify import NONSYNONYMOUS


@hookimpl
def rinec_config_defaults() -> dict[str, Any]:
    return {
        "filters": ["PASS", "."],  # FILTER values kept; "*" keeps every record
        "annotation": "auto",  # auto (CSQ, then ANN), CSQ or ANN
        "tumor_sample": None,  # tumour column of tumour/normal VCFs, when not in the header
        "normal_sample": None,
        "panel_bed": None,  # path (relative to the run directory) of the panel BED
        "panel_size_mb": None,  # TMB denominator when there is no BED (overrides the BED)
        "nonsynonymous": list(NONSYNONYMOUS),
        "top_genes": 50,
        "high_frequency_percent": 50.0,
        "tmb_cutoff": 10.0,
        "clinical_tracks": ["sex", "nec_site", "rin_status"],
        "oncoplot_max_samples": 2000,
    }


@hookimpl
def rinec_cli_options() -> list[CliOption]:
    return [
        CliOption("--top-genes", "top_genes", "Genes in the oncoplot (default 50).", type="int"),
        CliOption("--tmb-cutoff", "tmb_cutoff", "TMB flag threshold per Mb (default 10).",
                  type="float"),
        CliOption("--panel-size-mb", "panel_size_mb",
                  "Panel territory in Mb (TMB denominator) when there is no BED.", type="float"),
    ]


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [
        Pattern("vcf", glob=("*.vcf", "*.vcf.gz", "*.vcf.bgz", "*.bcf")),
        # cBioPortal's data_mutations.txt / data_mutations_extended.txt and GDC's
        # *.maf(.gz) are MAFs too.
        Pattern("maf", glob=("*.maf", "*.maf.gz", "*.maf.txt", "*.maf.txt.gz",
                             "data_mutations*.txt", "data_mutations*.txt.gz")),
        Pattern("panel", glob=("panel.bed", "*panel*.bed", "*panel*.bed.gz", "*targets*.bed")),
    ]


@hookimpl
def rinec_parse(file: Any, options: dict[str, Any]) -> Any:
    if file.pattern == "panel":
        from .panel import parse_bed

        return {"kind": "panel", **parse_bed(file.path)}
    if file.pattern == "maf":
        from .maf import parse_maf

        return {"kind": "calls", **parse_maf(file.path, options)}
    from .vcf import parse_vcf

    return {"kind": "calls", **parse_vcf(file.path, options)}


@hookimpl
def rinec_datasets(files: list[Any], options: dict[str, Any], datasets: Any,
                   config: dict[str, Any], run: Any) -> dict[str, Any] | None:
    from .build import build_datasets

    return build_datasets(files, options, datasets, config, run)


@hookimpl
def rinec_sections(datasets: Any, options: dict[str, Any], config: dict[str, Any]) -> list[Any]:
    from .sections import build_sections

    return build_sections(datasets, options)


@hookimpl
def rinec_summary_columns(datasets: Any, options: dict[str, Any]) -> list[Any]:
    from .sections import summary_columns

    return summary_columns(datasets.of("variants"))


@hookimpl
def rinec_patient_samples(datasets: Any) -> dict[str, list[str]]:
    samples = datasets.of("variants")["samples"]
    out: dict[str, list[str]] = {}
    for sample, patient in zip(samples["sample"], samples["patient_id"], strict=True):
        if patient is not None:
            out.setdefault(str(patient), []).append(str(sample))
    return out
