"""The variants plugin: VCF/BCF/MAF ingestion with vcf2maf-exact classification,
an oncoplot with TMB, SNV classes, TMB and high-frequency genes.

Kept cheap to import: the readers and chart code load lazily inside the hooks.
"""

from __future__ import annotations

from typing import Any

from rinec_report import Option, Pattern, hookimpl

# classify imports nothing heavy (only re), so the plugin still loads fast.
from .classify import NONSYNONYMOUS


@hookimpl
def rinec_options() -> list[Option]:
    return [
        Option("filters", "list[str]", ["PASS", "."], "FILTER values kept; `*` keeps every record.", scope="run"),
        Option("annotation", "str", "auto", "Which annotation to read: auto (CSQ, then ANN), CSQ or ANN.",
               choices=("auto", "CSQ", "ANN"), scope="run"),
        Option("tumor_sample", "str", None, "The tumour column of tumour/normal VCFs, when not in the header.",
               scope="run"),
        Option("normal_sample", "str", None, "The normal column of tumour/normal VCFs, when not in the header.",
               scope="run"),
        Option("panel_bed", "path", None, "The panel BED, relative to the run directory.", scope="user"),
        Option("panel_size_mb", "float", None, "Panel territory in Mb (TMB denominator); overrides the BED.",
               cli="--panel-size-mb", min=0.001, scope="run"),
        Option("nonsynonymous", "list[str]", list(NONSYNONYMOUS), "Variant classes counted as non-synonymous.",
               scope="run"),
        Option("snv_classes", "str", "all", "The SNVs counted in the SNV classes and Ti/Tv: all "
               "(maftools' titv useSyn=TRUE) or nonsynonymous (the `nonsynonymous` classes, "
               "maftools' default).", choices=("all", "nonsynonymous"), scope="run"),
        Option("top_genes", "int", 50, "Genes in the oncoplot.", cli="--top-genes", min=1, scope="run"),
        Option("high_frequency_percent", "float", 50.0, "A gene mutated in at least this % of samples is "
               "high-frequency.", min=0, max=100, scope="run"),
        Option("tmb_cutoff", "float", 10.0, "TMB flag threshold per Mb.", cli="--tmb-cutoff", min=0, scope="run"),
        Option("clinical_tracks", "list[str]", ["sex", "nec_site", "rin_status"],
               "Clinical columns drawn as tracks under the oncoplot.", scope="run"),
        # Filters on the read depths, applied when the files are combined (not when
        # each is parsed): like the FILTER values, the run's own choice.
        Option("min_depth", "int", None, "Leave out calls whose tumour depth (t_depth) is below "
               "this; calls without a depth are kept.", min=0, scope="run"),
        Option("min_alt_count", "int", None, "Leave out calls with fewer tumour alternate reads "
               "(t_alt_count); calls without counts are kept.", min=0, scope="run"),
        Option("min_vaf", "float", None, "Leave out calls whose tumour VAF (t_vaf) is below "
               "this fraction; calls without a VAF are kept.", min=0, max=1, scope="run"),
        Option("oncoplot_max_samples", "int", 2000, "Samples drawn one column each in the oncoplot; more are binned.",
               min=1, scope="run"),
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
        from rinec_report import account

        from .panel import parse_bed

        panel = parse_bed(file.path)
        account.rows(read=panel["intervals"], used=panel["intervals"], unit="intervals")
        return {"kind": "panel", **panel}
    if file.pattern == "maf":
        from .maf import parse_maf

        return {"kind": "calls", **parse_maf(file.path, options)}
    from .vcf import parse_vcf

    return {"kind": "calls", **parse_vcf(file.path, options, as_arrow=True)}


@hookimpl
def rinec_identifiers(options: dict[str, Any]) -> dict[str, str]:
    # The files table names the VCF columns read as tumour and normal: a normal's
    # barcode is no reported sample, so only its field says it is one.
    from .sharing import declared

    return declared(options)


@hookimpl
def rinec_subset(files: list[Any], subset: Any) -> list[Any]:
    from .subset import cut

    return cut(files, subset)


@hookimpl
def rinec_datasets(files: list[Any], options: dict[str, Any], patients: Any, run: Any) -> dict[str, Any] | None:
    from .build import build_datasets

    return build_datasets(files, options, patients, run)


@hookimpl
def rinec_sections(data: dict[str, Any], datasets: Any, options: dict[str, Any],
                   config: dict[str, Any] | None = None) -> list[Any]:
    from .sections import build_sections

    private = (config or {}).get("deidentify") or {}
    if not private.get("enabled"):
        return build_sections(data, datasets, options)
    # A de-identified report draws only the tracks it may share: one track of a column of the
    # user's own is left out (and named), not the whole oncoplot.
    from rinec_report import Note

    from .sharing import shared_tracks

    tracks = list(options["clinical_tracks"] or [])
    kept = shared_tracks(tracks, private)
    sections = build_sections(data, datasets, {**options, "clinical_tracks": kept})
    left_out = [t for t in tracks if t not in kept]
    if left_out:
        for section in sections:
            if section.id == "oncoplot":
                section.blocks.insert(0, Note(
                    f"Clinical track(s) left out of this de-identified report: {', '.join(left_out)} (a column "
                    "no plugin declares safe; deidentify: keep_columns keeps one).", level="info"))
    return sections


@hookimpl
def rinec_summary_columns(data: dict[str, Any]) -> list[Any]:
    from .sections import summary_columns

    return summary_columns(data)
