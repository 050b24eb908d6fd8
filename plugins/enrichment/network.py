"""The protein interaction network: a fixed-seed layout and a Vega-Lite chart whose
node colours follow a term chosen in the page."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from rinec_report import palettes

from .string_files import split_genes

TERM_PARAM = "enrichment_term"
MARKED = palettes.VERMILLION
UNMARKED = palettes.SKY_BLUE


def layout(genes: list[str], edges: pd.DataFrame, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Node positions within [-1, 1]; same genes and edges, same positions.

    Connected genes get a force-directed layout in the middle; genes without any
    interaction sit on an outer ring, so that they neither crowd nor squeeze the
    connected part (a spring layout of the whole graph pushes loners far out and
    shrinks everything else when rescaled).
    """
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(sorted(set(genes) | set(edges["gene_a"]) | set(edges["gene_b"])))
    for rec in edges.sort_values(["gene_a", "gene_b"]).itertuples():
        graph.add_edge(rec.gene_a, rec.gene_b)
    connected = sorted(n for n in graph if graph.degree(n) > 0)
    loners = sorted(n for n in graph if graph.degree(n) == 0)
    positions: dict[str, tuple[float, float]] = {}
    if connected:
        core = graph.subgraph(connected)
        spring = nx.spring_layout(core, seed=seed, k=1.5 / math.sqrt(len(connected)), iterations=300)
        xs = [float(p[0]) for p in spring.values()]
        ys = [float(p[1]) for p in spring.values()]
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        extent = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9) / 2
        radius = 0.6 if loners else 0.95
        for node, p in spring.items():
            positions[node] = ((float(p[0]) - cx) / extent * radius, (float(p[1]) - cy) / extent * radius)
    ring = 1.0 if connected else 0.9
    for i, node in enumerate(loners):
        angle = math.pi / 2 - 2 * math.pi * i / len(loners)
        positions[node] = (ring * math.cos(angle), ring * math.sin(angle))
    # Rounded so that float noise cannot change the report's bytes.
    return {n: (round(x, 4), round(y, 4)) for n, (x, y) in sorted(positions.items())}


def term_choices(terms: pd.DataFrame, genes: list[str], limit: int) -> pd.DataFrame:
    """The terms offered in the page's selector: the best-ranked ones that contain at
    least one network gene, with a short key each."""
    gene_set = set(genes)
    ranked = terms.assign(_fdr=terms["fdr"].fillna(2.0), _p=terms["p_value"].fillna(2.0))
    ranked = ranked.sort_values(["_fdr", "_p", "library", "term_id"], kind="stable")
    rows = []
    for rec in ranked.itertuples():
        members = sorted(set(split_genes(rec.genes)) & gene_set)
        if not members:
            continue
        fdr = f"FDR {rec.fdr:.2g}" if rec.fdr == rec.fdr else "FDR n/a"
        label = f"{rec.description} ({rec.category}, {fdr})"
        if len(label) > 90:
            label = label[:87] + "..."
        rows.append({"key": f"t{len(rows) + 1:02d}", "label": label, "members": members})
        if len(rows) >= limit:
            break
    return pd.DataFrame(rows, columns=["key", "label", "members"])


def network_chart(
    genes: list[str],
    edges: pd.DataFrame,
    share: dict[str, float],
    choices: pd.DataFrame,
    seed: int = 7,
) -> Any:
    import altair as alt

    positions = layout(genes, edges, seed)
    keys: dict[str, list[str]] = {g: [] for g in positions}
    for rec in choices.itertuples():
        for gene in rec.members:
            if gene in keys:
                keys[gene].append(rec.key)
    nodes = pd.DataFrame(
        [
            {
                "gene": gene,
                "x": x,
                "y": y,
                "percent_samples": share.get(gene),
                "term_keys": "|" + "|".join(keys[gene]) + "|",
                "in_query": "yes" if gene in genes else "no (from the interaction data)",
            }
            for gene, (x, y) in sorted(positions.items())
        ]
    )
    lines = edges.copy()
    lines["x"] = [positions[g][0] for g in lines["gene_a"]]
    lines["y"] = [positions[g][1] for g in lines["gene_a"]]
    lines["x2"] = [positions[g][0] for g in lines["gene_b"]]
    lines["y2"] = [positions[g][1] for g in lines["gene_b"]]

    options = ["", *choices["key"]]
    labels = ["(no term)", *choices["label"]]
    term = alt.param(
        name=TERM_PARAM,
        value=options[1] if len(options) > 1 else "",
        bind=alt.binding_select(options=options, labels=labels, name="Colour the genes of: "),
    )
    scale_x = alt.Scale(domain=[-1.25, 1.25])
    scale_y = alt.Scale(domain=[-1.2, 1.2])
    x = alt.X("x:Q", axis=None, scale=scale_x)
    y = alt.Y("y:Q", axis=None, scale=scale_y)
    edge_layer = (
        alt.Chart(lines)
        .mark_rule(color="#888888", opacity=0.7)
        .encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            strokeWidth=alt.StrokeWidth(
                "score:Q",
                scale=alt.Scale(domain=[0, 1], range=[0.5, 6], clamp=True),
                title="Combined score",
            ),
            tooltip=[
                alt.Tooltip("gene_a:N", title="Gene A"),
                alt.Tooltip("gene_b:N", title="Gene B"),
                alt.Tooltip("score:Q", title="Combined score", format=".3f"),
                alt.Tooltip("source:N", title="Source"),
            ],
        )
    )
    known_share = nodes["percent_samples"].notna().any()
    size = (
        alt.Size(
            "percent_samples:Q",
            scale=alt.Scale(domain=[0, 100], range=[60, 1600]),
            title="% samples mutated",
        )
        if known_share
        else alt.value(500)
    )
    marked = f"{TERM_PARAM} != '' && indexof(datum.term_keys, '|' + {TERM_PARAM} + '|') >= 0"
    node_layer = (
        alt.Chart(nodes)
        .mark_circle(opacity=0.95, stroke="#333333", strokeWidth=0.8)
        .encode(
            x=x,
            y=y,
            size=size,
            color=alt.condition(marked, alt.value(MARKED), alt.value(UNMARKED)),
            tooltip=[
                alt.Tooltip("gene:N", title="Gene"),
                alt.Tooltip("percent_samples:Q", title="% samples mutated", format=".0f"),
                alt.Tooltip("in_query:N", title="Tested gene"),
            ],
        )
    )
    text_layer = (
        alt.Chart(nodes)
        .mark_text(dy=-16, fontSize=12, fontWeight="bold", color="#222222")
        .encode(x=x, y=y, text="gene:N")
    )
    layers = [node_layer, text_layer] if lines.empty else [edge_layer, node_layer, text_layer]
    return alt.layer(*layers).add_params(term).properties(width=640, height=520).configure_view(stroke=None)
