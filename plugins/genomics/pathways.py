"""Oncogenic signalling pathways: the ten pathways of Sanchez-Vega et al. (Cell 2018),
as maftools' pathways()/plotPathways count them: the share of samples with at least
one non-synonymous mutation in a pathway's genes, and how many of its genes are mutated.

The gene lists ship with the plugin (data/oncogenic_pathways.tsv, from maftools'
inst/extdata/oncogenic_sig_patwhays.tsv; the lists are the paper's table S3).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from rinec_report import Option

from .classes import nonsynonymous

PATHWAYS_FILE = "oncogenic_pathways.tsv"
# Below this many samples the section says what a handful of samples cannot show.
SMALL_COHORT = 30


def options() -> list[Option]:
    return [
        Option("pathways_classes", "list[str]", [],
               "Variant classes that alter a pathway; empty: the variants plugin's non-synonymous "
               "classes (its `nonsynonymous` option).", scope="run"),
    ]


def identifiers() -> dict[str, str]:
    return {"pathway": "category", "gene": "category", "role": "category", "genes": "count",
            "genes_mutated": "count", "samples_altered": "count", "cohort_samples": "count",
            "fraction_altered": "measure", "fraction_genes_mutated": "measure", "mutated": "category",
            "samples_mutated": "count", "share": "measure"}


def pathway_genes() -> Any:
    """The shipped table: pathway, gene, role (OG or TSG)."""
    import pandas as pd

    path = resources.files(__package__).joinpath("data", PATHWAYS_FILE)
    with path.open("r", encoding="utf-8") as fh:
        table = pd.read_csv(fh, sep="\t", dtype=str)
    return table.rename(columns={"Pathway": "pathway", "Gene": "gene", "OG_TSG": "role"})


def build(variants: dict[str, Any], datasets: Any, patients: Any, options: dict[str, Any]) -> dict[str, Any]:

    lists = pathway_genes()
    panel = variants.get("panel_genes")
    if panel:
        lists = lists[lists["gene"].isin(set(map(str, panel)))]
    samples = variants["samples"]
    n_samples = len(samples)
    mutations = variants["mutations"]
    classes = nonsynonymous(variants, options["pathways_classes"])
    hit = mutations.loc[mutations["variant_classification"].isin(classes)
                        & mutations["gene"].isin(set(lists["gene"])), ["sample", "patient_id", "gene"]]
    hit = hit.astype(object).drop_duplicates(["sample", "gene"])
    hit["patient_id"] = hit["patient_id"].where(hit["patient_id"].notna(), None)
    per_gene = hit.groupby("gene")["sample"].nunique()
    genes = lists.assign(samples_mutated=lists["gene"].map(per_gene).fillna(0).astype(int))
    genes["mutated"] = genes["samples_mutated"] > 0
    pairs = hit.merge(lists[["pathway", "gene"]], on="gene")
    altered = pairs.groupby("pathway")["sample"].nunique()
    table = genes.groupby("pathway").agg(genes=("gene", "size"), genes_mutated=("mutated", "sum")).reset_index()
    table["samples_altered"] = table["pathway"].map(altered).fillna(0).astype(int)
    table["cohort_samples"] = n_samples
    table["fraction_altered"] = (table["samples_altered"] / n_samples).round(4) if n_samples else 0.0
    table["fraction_genes_mutated"] = (table["genes_mutated"] / table["genes"]).round(4)
    table = table.sort_values(["samples_altered", "genes_mutated", "pathway"],
                              ascending=[False, False, True]).reset_index(drop=True)
    return {"pathways": table[["pathway", "genes", "genes_mutated", "fraction_genes_mutated",
                               "samples_altered", "cohort_samples", "fraction_altered"]],
            "pathway_genes": genes.sort_values(["pathway", "samples_mutated", "gene"],
                                               ascending=[True, False, True]).reset_index(drop=True),
            "pathway_samples": pairs[["pathway", "gene", "sample", "patient_id"]]
            .sort_values(["pathway", "sample", "gene"]).reset_index(drop=True),
            "pathways_panel": bool(panel)}


def _chart(table: Any, pairs: Any) -> Any:
    """Two bars per pathway: the share of samples altered (follows the highlighter through
    one mark per altered sample) and the share of its genes mutated."""
    import altair as alt

    from rinec_report import palettes
    from rinec_report.charts import highlight_opacity

    order = table["pathway"].tolist()
    n = max(int(table["cohort_samples"].iloc[0]), 1)
    y = alt.Y("pathway:N", sort=order, title=None)
    per_sample = pairs.drop_duplicates(["pathway", "sample"]).rename(columns={"patient_id": "p"})
    per_sample["share"] = 1.0 / n
    if len(per_sample) <= 20_000:
        # One segment per altered sample: the highlighter shows the chosen patient's part.
        samples_bar = alt.Chart(per_sample).mark_bar(color=palettes.BLUE, stroke="white",
                                                     strokeWidth=0.3 if n <= 200 else 0).encode(
            y=y, x=alt.X("sum(share):Q", title="Samples altered", axis=alt.Axis(format="%"),
                         scale=alt.Scale(domain=[0, 1])),
            detail="sample:N", opacity=highlight_opacity(field="p"),
            tooltip=[alt.Tooltip("pathway:N"), alt.Tooltip("sample:N"), alt.Tooltip("p:N", title="patient"),
                     alt.Tooltip("gene:N", title="gene (first mutated)")])
    else:
        samples_bar = alt.Chart(table).mark_bar(color=palettes.BLUE).encode(
            y=y, x=alt.X("fraction_altered:Q", title="Samples altered", axis=alt.Axis(format="%"),
                         scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("pathway:N"), alt.Tooltip("samples_altered:Q", title="samples altered"),
                     alt.Tooltip("fraction_altered:Q", title="share", format=".1%")])
    genes_bar = alt.Chart(table).mark_bar(color=palettes.NEUTRAL).encode(
        y=alt.Y("pathway:N", sort=order, axis=None),
        x=alt.X("fraction_genes_mutated:Q", title="Pathway genes mutated", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("pathway:N"), alt.Tooltip("genes_mutated:Q", title="genes mutated"),
                 alt.Tooltip("genes:Q", title="genes in the pathway"),
                 alt.Tooltip("fraction_genes_mutated:Q", title="share", format=".1%")])
    return alt.hconcat(samples_bar.properties(width=300, height=18 * len(order)),
                       genes_bar.properties(width=200, height=18 * len(order)), spacing=12).configure_view(
        stroke=None)


def sections(data: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    from rinec_report.charts import chart_dict
    from rinec_report.model import Chart, Note, Section, Table, Text

    table = data.get("pathways")
    if table is None or not len(table):
        return []
    pairs = data["pathway_samples"]
    first = pairs.drop_duplicates(["pathway", "sample"])
    n = int(table["cohort_samples"].iloc[0])
    scope = ("the pathways' genes on the panel only (a gene the panel does not cover cannot be seen mutated)"
             if data.get("pathways_panel") else "every gene of the pathways (no panel is known)")
    top = table.iloc[0]
    text = (f"{int((table['samples_altered'] > 0).sum())} of {len(table)} pathways have at least one altered "
            f"sample of {n:,}; the most altered is {top['pathway']} ({int(top['samples_altered']):,} samples, "
            f"{float(top['fraction_altered']):.0%}). Counted over {scope}.")
    absent = 10 - len(table)
    if absent > 0:
        text += f" {absent} of the ten pathways have no gene on the panel and are not shown."
    blocks: list[Any] = []
    if 0 < n < SMALL_COHORT:
        blocks.append(Note(
            f"{n} samples: a share here is a count of {n} (one sample is {1 / n:.0%}), so it says which "
            "pathways these samples' mutations touch, not how often the disease alters them; and a "
            "pathway without a mutation may be altered by copy-number changes or fusions, which are not "
            "counted."))
    return [Section(
        "pathways", "Oncogenic signalling pathways",
        description=("The share of samples with a non-synonymous mutation in each of the ten oncogenic "
                     "signalling pathways of Sanchez-Vega et al. (Cell 2018), and the share of each "
                     "pathway's genes mutated."),
        help=("A sample is altered in a pathway when it carries at least one mutation of a class in "
              "genomics.pathways_classes in one of the pathway's genes; copy-number changes and fusions, "
              "which the paper counts too, are not in the input and not counted. Gene lists: the paper's "
              "table S3, as maftools ships them (oncogenic_sig_patwhays.tsv). Where a panel is known, only "
              "the pathway genes it covers are counted, so a pathway's share of genes is of those. "
              "As maftools' pathways() and plotPathways()."),
        blocks=[
            *blocks,
            Chart(chart_dict(_chart(table, first)),
                  title="Samples altered and genes mutated per pathway",
                  renderer="canvas" if len(first) > 2000 else "svg"),
            Text(text),
            Table("pathways", table, title="Pathways", patient_column=None),
            Table("pathway_genes", data["pathway_genes"], title="Pathway genes", patient_column=None,
                  filters=["pathway"]),
            Table("pathway_samples", pairs, title="Altered samples per pathway", show=False),
        ])]
