"""The plugin's report sections: pathway enrichment, interaction network, genes."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from rinec_report import palettes
from rinec_report.model import Chart, KeyValues, Note, Section, Table, Text

from .build import Info
from .network import network_chart, term_choices
from .ora import TERM_COLUMNS
from .string_api import CATEGORY_ORDER

TERM_TITLES = {
    "library": "Library",
    "category": "Category",
    "term_id": "Term",
    "description": "Description",
    "set_size": "Set size",
    "overlap": "Overlap",
    "p_value": "p-value",
    "fdr": "FDR",
    "genes": "Genes",
    "source": "Source",
}

LIBRARY_TITLES = {
    "library": "Library",
    "source": "File",
    "sets": "Sets",
    "sets_in_limits": "Sets within size limits",
    "terms_with_overlap": "Sets sharing a gene (tested)",
    "genes_counted": "Genes counted (k)",
    "background_genes": "Background (N)",
    "notes": "Notes",
}

PARAMETER_TITLES = {
    "API": "API base",
    "species": "Species (NCBI taxon)",
    "required_score": "Required score (network, PPI)",
    "network_type": "Network type",
    "caller_identity": "Caller identity",
}

ENRICHMENT_HELP = (
    "Offline: for each gene set, a one-sided hypergeometric test asks whether the "
    "tested genes fall into it more often than chance (scipy.stats.hypergeom; "
    "p = P(X >= overlap) with N background genes, m genes of the set within the "
    "background and k tested genes within the background). Only sets whose size within "
    "the background lies within the limits, and that share at least one gene with the "
    "list, are tested; the false discovery rate (Benjamini-Hochberg) is computed within "
    "each library. For a targeted panel the right background is the panel's genes: "
    "genes never sequenced cannot be found mutated. With a dozen genes, few terms can "
    "reach a low FDR; read the overlap and the genes, not only the p-values. "
    "STRING terms (online, or from a STRING web export) come with STRING's own FDR "
    "(Benjamini-Hochberg within each category, against the whole genome) and are shown "
    "as STRING computed them. The table is searchable: type a library name to filter."
)

NETWORK_HELP = (
    "Nodes are the tested genes, sized by the share of samples with a mutation in the "
    "gene; choose a term above the chart to colour the genes it contains. Edges are "
    "STRING's functional associations (combined score 0-1; wider is stronger). Positions "
    "come from a force-directed layout (networkx) with a fixed seed: the same input "
    "gives the same picture. The PPI-enrichment p-value (STRING) asks whether the genes "
    "have more interactions among themselves than expected for a random set of proteins "
    "of the same size and degree distribution."
)


def _fmt_genes(genes: list[str]) -> str:
    return ", ".join(genes) if genes else "none"


def sections(data: dict[str, Any], options: dict[str, Any]) -> list[Section]:
    info: Info = data["info"]
    return [
        enrichment_section(data, info, options),
        network_section(data, info, options),
        genes_section(data, info),
    ]


def _string_blocks(info: Info) -> list[Any]:
    blocks: list[Any] = []
    outcome = info.string
    if not info.online_requested or outcome is None:
        return [
            Text(
                "STRING was not queried (offline run; use --online or 'enrichment: online: "
                "true' to ask STRING for KEGG, Reactome, GO and WikiPathways terms and for "
                "the interaction network)."
            )
        ]
    cached = outcome.cached_responses
    if outcome.responses == 0:
        origin = "no answer"
    elif cached == outcome.responses:
        origin = f"all {cached} answers from the cache"
    elif cached == 0:
        origin = f"all {outcome.responses} answers fetched now (and cached)"
    else:
        origin = f"{cached} of {outcome.responses} answers from the cache"
    facts = {
        "STRING version": outcome.version or "unknown",
        "Responses dated": outcome.response_date(),
        "Cache": f"{origin}; {outcome.cache_file}",
        **{PARAMETER_TITLES.get(k, k): v for k, v in outcome.parameters.items()},
        "Genes mapped": f"{len(outcome.mapped)} of {len(info.genes)}",
        "Not mapped by STRING": _fmt_genes(outcome.unmapped),
    }
    blocks.append(KeyValues(facts, title="STRING API"))
    if outcome.errors:
        fallback = "the offline results are shown" if not outcome.ok else "the rest is shown"
        blocks.append(
            Note(
                "STRING could not answer every request; " + fallback + ". " + "; ".join(outcome.errors),
                level="warning",
            )
        )
    return blocks


def _label_terms(frame: pd.DataFrame) -> pd.DataFrame:
    labels = [d if len(d) <= 60 else d[:57] + "..." for d in frame["description"]]
    counts = pd.Series(labels).value_counts()
    frame = frame.copy()
    frame["label"] = [
        f"{lab} [{tid}]" if counts[lab] > 1 else lab for lab, tid in zip(labels, frame["term_id"], strict=True)
    ]
    return frame


def top_terms_chart(frame: pd.DataFrame, threshold: float) -> Any:
    import altair as alt

    frame = _label_terms(frame)
    frame["neg_log10_fdr"] = [-math.log10(max(f, 1e-300)) if f == f else None for f in frame["fdr"]]
    base = alt.Chart(frame)
    dots = base.mark_circle(opacity=0.9, stroke="#333333", strokeWidth=0.5).encode(
        x=alt.X("neg_log10_fdr:Q", title="-log10 FDR", scale=alt.Scale(zero=True)),
        # Long term names take at most half of a narrow box: the dots need the rest.
        y=alt.Y("label:N", title=None, sort=None,
                axis=alt.Axis(labelLimit=alt.ExprRef(
                    "isFinite(containerSize()[0]) ? clamp(containerSize()[0] / 2, 120, 420) : 420"))),
        size=alt.Size("gene_ratio:Q", title="Gene ratio", scale=alt.Scale(domain=[0, 1], range=[40, 600])),
        color=alt.Color("category:N", title="Category", sort=None, scale=palettes.scale(frame["category"]))
        if frame["category"].nunique() > 1
        else alt.value(palettes.BLUE),
        tooltip=[
            alt.Tooltip("description:N", title="Term"),
            alt.Tooltip("term_id:N", title="Id"),
            alt.Tooltip("category:N", title="Category"),
            alt.Tooltip("overlap:Q", title="Overlap"),
            alt.Tooltip("set_size:Q", title="Set size"),
            alt.Tooltip("gene_ratio:Q", title="Gene ratio", format=".2f"),
            alt.Tooltip("p_value:Q", title="p-value", format=".2e"),
            alt.Tooltip("fdr:Q", title="FDR", format=".2e"),
            alt.Tooltip("genes:N", title="Genes"),
        ],
    )
    rule = (
        alt.Chart(pd.DataFrame({"x": [-math.log10(threshold)]}))
        .mark_rule(strokeDash=[4, 4], color=palettes.VERMILLION)
        .encode(x="x:Q")
    )
    return alt.layer(rule, dots).properties(width=420, height=max(80, 22 * len(frame)))


def chart_groups(terms: pd.DataFrame, info: Info) -> list[tuple[str, pd.DataFrame, int]]:
    """One chart per offline library, and per main category of STRING's terms (KEGG
    first): the other STRING categories (PubMed, InterPro, ...) stay in the table.
    Each with k, the number of genes the gene ratio divides by."""
    groups: list[tuple[str, pd.DataFrame, int]] = []
    sizes = {lib.name: lib.query_size for lib in info.libraries}
    mapped = len(info.string.mapped) if info.string and info.string.mapped else len(info.genes)
    for library, frame in terms.groupby("library", sort=False):
        if library in ("STRING", "STRING export"):
            k = mapped if library == "STRING" else len(info.genes)
            for category, part in frame.groupby("category", sort=False):
                if category in CATEGORY_ORDER:
                    groups.append((f"{library} {category}", part, k))
        else:
            groups.append((str(library), frame, sizes.get(library) or len(info.genes)))
    return groups


def enrichment_section(data: dict[str, Any], info: Info, options: dict[str, Any]) -> Section:
    terms: pd.DataFrame = data["terms"]
    blocks: list[Any] = []
    facts = {
        "Genes tested": f"{len(info.genes)}: {_fmt_genes(info.genes)}",
        "Genes from": info.gene_source,
        "Background": info.background,
        "Set size limits": f"{info.min_size}-{info.max_size} genes (within the background)",
        "Test": "one-sided hypergeometric; Benjamini-Hochberg FDR within each library",
        "Significance": f"FDR <= {info.fdr_threshold:g}",
    }
    blocks.append(KeyValues(facts, title="Offline enrichment"))
    if info.not_in_background:
        blocks.append(
            Note(
                "Not in the background, so not counted in the test: " + _fmt_genes(info.not_in_background),
                level="warning",
            )
        )
    if info.unannotated:
        blocks.append(
            Note(
                "In no gene set of any library (unknown symbol or no annotation): " + _fmt_genes(info.unannotated),
                level="info",
            )
        )
    library_rows = pd.DataFrame(
        [
            {
                "library": lib.name,
                "source": lib.source,
                "sets": lib.sets,
                "sets_in_limits": lib.sets_in_limits,
                "terms_with_overlap": lib.tested_terms,
                "genes_counted": lib.query_size,
                "background_genes": lib.background_size,
                "notes": "; ".join(lib.notes),
            }
            for lib in info.libraries
        ]
    )
    if not library_rows.empty:
        blocks.append(
            Table(
                "libraries",
                library_rows,
                title="Gene-set libraries",
                export=False,
                patient_column=None,
                column_titles=LIBRARY_TITLES,
            )
        )
    if info.exports:
        blocks.append(
            Text(
                "STRING web exports found in the run directory, shown as they are "
                "(labelled 'STRING export'): " + ", ".join(info.exports)
            )
        )
    blocks.extend(_string_blocks(info))

    top_n = options["top_terms"]
    for heading, frame, k in chart_groups(terms, info):
        significant = int((frame["fdr"] <= info.fdr_threshold).sum())
        frame = frame.head(top_n).copy()
        frame["gene_ratio"] = frame["overlap"].astype(float) / max(k, 1)
        title = f"{heading}: top {len(frame)} terms ({significant} with FDR <= {info.fdr_threshold:g})"
        blocks.append(Chart(top_terms_chart(frame, info.fdr_threshold), title=title))
    if terms.empty:
        blocks.append(Note("No gene set shares a gene with the list.", level="info"))
    blocks.append(
        Table(
            "terms",
            terms[TERM_COLUMNS],
            title="Every tested term",
            patient_column=None,
            column_titles=TERM_TITLES,
            filters=["library", "category"],
        )
    )
    return Section(
        id="pathways",
        title="Pathway enrichment",
        description=(
            "Which pathways the frequently mutated genes fall into more often than chance: "
            "offline with the bundled Reactome sets (and any GMT given), and from STRING when "
            "asked."
        ),
        help=ENRICHMENT_HELP,
        blocks=blocks,
    )


def network_section(data: dict[str, Any], info: Info, options: dict[str, Any]) -> Section:
    edges: pd.DataFrame = data["network"]
    blocks: list[Any] = []
    genes_frame: pd.DataFrame = data["genes"]
    share = {
        g: float(p)
        for g, p in zip(genes_frame["gene"], genes_frame["percent_samples"], strict=True)
        if p is not None and p == p
    }
    if edges.empty:
        if info.network_source == "STRING API":
            reason = "STRING reports no interaction among these genes at the required score."
        elif info.online_requested:
            reason = (
                "No interaction data: STRING could not be reached and the run directory "
                "holds no STRING interactions export (string_interactions*.tsv)."
            )
        else:
            reason = (
                "No interaction data is available offline: put a STRING interactions "
                "export (string_interactions*.tsv) in the run directory, or run with "
                "--online to ask STRING."
            )
        blocks.append(Note(reason, level="info"))
    else:
        sources = ", ".join(sorted(set(edges["source"])))
        facts: dict[str, Any] = {
            "Edges from": sources,
            "Genes": len(info.genes),
            "Interactions": len(edges),
        }
        ppi = info.string.ppi if info.string else None
        if ppi and "p_value" in ppi:
            # STRING rounds p-values below its precision down to 0.
            p = ppi["p_value"]
            facts["PPI enrichment p-value"] = f"{p:.3g}" if p > 0 else "< 1e-16"
            if "expected_number_of_edges" in ppi:
                facts["Edges expected"] = f"{ppi['expected_number_of_edges']:g}"
        blocks.append(KeyValues(facts, title="Network"))
    choices = term_choices(data["terms"], info.genes, options["network_terms"])
    if not edges.empty or not choices.empty:
        chart = network_chart(info.genes, edges, share, choices, options["seed"])
        blocks.append(Chart(chart, title="Genes and their interactions"))
        blocks.append(Text("Red: the genes of the term chosen in the selector under the chart; blue: the others."))
    blocks.append(
        Table(
            "network",
            edges,
            title="Interactions",
            show=not edges.empty,
            patient_column=None,
            column_titles={"gene_a": "Gene A", "gene_b": "Gene B", "score": "Combined score", "source": "Source"},
        )
    )
    return Section(
        id="network",
        title="Protein interaction network",
        description="How the tested genes' proteins are known to interact (STRING).",
        help=NETWORK_HELP,
        blocks=blocks,
    )


def genes_section(data: dict[str, Any], info: Info) -> Section:
    table = data["genes"]
    return Section(
        id="genes",
        title="Genes and their terms",
        description=(f"Each tested gene and the terms with FDR <= {info.fdr_threshold:g} that contain it."),
        help="in_background: counted in the offline test; in_gene_sets: found in any library.",
        blocks=[
            Table(
                "genes",
                table,
                title="Genes",
                patient_column=None,
                export=False,
                column_titles={"percent_samples": "% samples mutated"},
            )
        ],
    )
