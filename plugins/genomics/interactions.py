"""Somatic interactions: mutual exclusivity and co-occurrence of the top genes, as maftools'
``somaticInteractions`` computes them (pairwise Fisher's exact tests over every sequenced
sample, the samples without a mutation in those genes included)."""

from __future__ import annotations

import math
from typing import Any

from rinec_report import Option

from .classes import MAFTOOLS_NONSYNONYMOUS, mutated_pairs, nonsynonymous

COLUMNS = ["gene_a", "gene_b", "both", "a_only", "b_only", "neither", "odds_ratio", "p_value",
           "q_value", "event"]
CO_OCCURRENCE, EXCLUSIVE, NEITHER, UNTESTABLE = ("co-occurrence", "mutually exclusive", "neither",
                                                 "not testable")
# maftools' pvalue = c(0.05, 0.01) and its marks: "*" below the lower, "." below the upper.
MARKS = ((0.01, "*"), (0.05, "."))
SHOWN_PAIRS = 10


def options() -> list[Option]:
    return [
        Option("interactions_top", "int", 25, "Somatic interactions: the most mutated genes tested pairwise "
               "(maftools' `top`).", min=2, max=50, scope="run"),
        Option("interactions_genes", "list[str]", [], "Somatic interactions: test these genes instead of the "
               "top ones (maftools' `genes`).", scope="run"),
    ]


def identifiers() -> dict[str, str]:
    return {"gene_a": "category", "gene_b": "category", "both": "count", "a_only": "count",
            "b_only": "count", "neither": "count", "odds_ratio": "measure", "p_value": "measure",
            "q_value": "measure", "event": "category", "signed_log10_p": "measure", "mark": "category",
            "x": "category", "y": "category"}


def status_matrix(mutations: Any, samples: list[str], genes: list[str],
                  classes: frozenset[str] = frozenset(MAFTOOLS_NONSYNONYMOUS)) -> Any:
    """Samples x genes, True where the sample has a mutation of the gene of one of
    ``classes`` (the non-synonymous ones)."""
    import numpy as np
    import pandas as pd

    matrix = pd.DataFrame(False, index=pd.Index(samples, dtype=object), columns=genes)
    pairs = mutated_pairs(mutations, genes, classes)
    pairs = pairs[pairs["sample"].isin(matrix.index)]
    values = matrix.to_numpy()
    values[matrix.index.get_indexer(pairs["sample"]), matrix.columns.get_indexer(pairs["gene"])] = True
    return pd.DataFrame(values, index=matrix.index, columns=genes, dtype=np.bool_)


# Named genes kept at most: the pairs grow as the square (50 genes are 1,225 tests).
MAX_NAMED = 50


def top_genes(variants: dict[str, Any], n: int, named: list[str], option: str = "") -> list[str]:
    """The named genes that are mutated (in the given order, at most :data:`MAX_NAMED`), or
    the ``n`` most mutated."""
    import warnings

    from rinec_report import InputWarning

    ranked = [str(g) for g in variants["genes"]["gene"]] if variants.get("genes") is not None else []
    if named:
        known = set(ranked)
        genes = list(dict.fromkeys(str(g) for g in named if str(g) in known))
        if len(genes) > MAX_NAMED:
            warnings.warn(f"genomics.{option}: {len(genes)} mutated genes named; the first {MAX_NAMED} are used",
                          InputWarning, stacklevel=2)
        return genes[:MAX_NAMED]
    return ranked[:n]


def pair_test(both: int, a_only: int, b_only: int, neither: int) -> tuple[float, float]:
    """(odds ratio, two-sided p) of R's ``fisher.test`` on the 2x2 table: the conditional
    maximum-likelihood odds ratio R reports, not the sample one; NaN when a margin is 0
    (R's fisher.test refuses a variable with one level)."""
    from rinec_report.stats import conditional_odds_ratio, fisher_two_sided

    table = [[neither, b_only], [a_only, both]]  # R's table(A, B): rows A = 0, 1; columns B = 0, 1
    if min(neither + b_only, a_only + both, neither + a_only, b_only + both) == 0:
        return math.nan, math.nan
    return conditional_odds_ratio(table), fisher_two_sided(table)


# Below this many samples the sections say the smallest p any 2x2 table of them can give.
SMALL_COHORT = 10


def smallest_p(n: int) -> float:
    """The smallest two-sided Fisher p of any 2x2 table of ``n`` samples (every margin, every
    cell): what a cohort this small can show at best. Quick below :data:`SMALL_COHORT`."""
    from rinec_report.stats import fisher_two_sided

    best = 1.0
    for r in range(1, n):
        for c in range(1, n):
            for a in range(max(0, r + c - n), min(r, c) + 1):
                best = min(best, fisher_two_sided([[a, r - a], [c - a, n - r - c + a]]))
    return best


def event_of(odds: float) -> str:
    if math.isnan(odds):
        return UNTESTABLE
    return CO_OCCURRENCE if odds > 1 else EXCLUSIVE if odds < 1 else NEITHER


def interactions(matrix: Any) -> Any:
    """Every pair of the matrix's genes (in its order): the 2x2 counts, R's odds ratio, p,
    the Benjamini-Hochberg q over the pairs tested, and the event."""
    import numpy as np
    import pandas as pd

    from rinec_report.stats import bh_fdr

    genes = list(matrix.columns)
    values = matrix.to_numpy(dtype=np.int64)
    n = len(values)
    both_all = values.T @ values  # gene x gene: samples mutated in both
    counts = values.sum(axis=0)
    rows = []
    for i in range(len(genes)):
        for j in range(i + 1, len(genes)):
            both = int(both_all[i, j])
            a_only, b_only = int(counts[i]) - both, int(counts[j]) - both
            neither = n - both - a_only - b_only
            odds, p = pair_test(both, a_only, b_only, neither)
            rows.append((genes[i], genes[j], both, a_only, b_only, neither, odds, p, math.nan, event_of(odds)))
    table = pd.DataFrame(rows, columns=COLUMNS)
    tested = table["p_value"].notna().to_numpy()
    if tested.any():
        table.loc[tested, "q_value"] = bh_fdr(table.loc[tested, "p_value"].to_numpy())
    return table


def build(variants: dict[str, Any], datasets: Any, patients: Any, options: dict[str, Any]) -> dict[str, Any]:
    genes = top_genes(variants, options["interactions_top"], list(options["interactions_genes"]),
                      "interactions_genes")
    if len(genes) < 2:
        return {}
    samples = [str(s) for s in variants["samples"]["sample"]]
    matrix = status_matrix(variants["mutations"], samples, genes, nonsynonymous(variants))
    return {"interactions": interactions(matrix), "_interactions_samples": len(samples)}


def mark_of(p: float) -> str:
    for threshold, mark in MARKS:
        if p < threshold:
            return mark
    return ""


def odds_text(odds: float) -> str | None:
    """The odds ratio as the tooltip shows it: three significant digits, ∞ for a pair
    with an empty cell (never together, or never apart), nothing when untestable."""
    from rinec_report.render import INFINITY

    if math.isnan(odds):
        return None
    return INFINITY if math.isinf(odds) else f"{odds:.3g}"


def chart(table: Any, genes: list[str]) -> dict[str, Any]:
    """The lower triangle: a cell per pair, -log10(p) signed (+ co-occurrence, - exclusive)."""
    cells = []
    for row in table.itertuples(index=False):
        p = row.p_value
        signed = math.nan if math.isnan(p) else -math.log10(max(p, 1e-300)) * (1 if row.odds_ratio > 1 else -1)
        cells.append({"x": row.gene_a, "y": row.gene_b, "signed_log10_p": None if math.isnan(signed) else signed,
                      "p_value": None if math.isnan(p) else p, "q_value": None if math.isnan(row.q_value) else
                      row.q_value, "odds_ratio": odds_text(row.odds_ratio),
                      "both": row.both, "a_only": row.a_only, "b_only": row.b_only, "neither": row.neither,
                      "event": row.event, "mark": mark_of(p) if not math.isnan(p) else ""})
    finite = [abs(c["signed_log10_p"]) for c in cells if c["signed_log10_p"] is not None]
    limit = max(3.0, max(finite, default=0.0))
    size = max(240, min(600, 16 * len(genes)))
    axis = {"labelFontStyle": "italic", "title": None, "labelAngle": -90}
    tooltip = [{"field": "x", "title": "gene A"}, {"field": "y", "title": "gene B"},
               {"field": "event"}, {"field": "both", "title": "samples with both"},
               {"field": "a_only", "title": "A only"}, {"field": "b_only", "title": "B only"},
               {"field": "neither"},
               {"field": "odds_ratio", "title": "odds ratio"},
               {"field": "p_value", "title": "p", "format": ".3g"},
               {"field": "q_value", "title": "q (BH)", "format": ".3g"}]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": cells},
        "width": size, "height": size,
        "encoding": {
            "x": {"field": "x", "type": "nominal", "sort": genes, "axis": axis},
            "y": {"field": "y", "type": "nominal", "sort": genes, "axis": {**axis, "labelAngle": 0}},
        },
        "layer": [
            {"mark": {"type": "rect", "stroke": "white", "strokeWidth": 0.5},
             "encoding": {"color": {"field": "signed_log10_p", "type": "quantitative",
                                    "title": ["-log10(p)", "+ co-occurrence", "- exclusive"],
                                    "scale": {"scheme": "brownbluegreen", "domain": [-limit, limit]}},
                          "tooltip": tooltip}},
            {"mark": {"type": "text", "fontSize": 14, "fontWeight": "bold", "baseline": "middle"},
             "encoding": {"text": {"field": "mark"}, "tooltip": tooltip}},
        ],
    }


def sections(data: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    from rinec_report import Chart, Section, Table, Text

    table = data.get("interactions")
    if table is None or not len(table):
        return []
    genes = list(dict.fromkeys([*table["gene_a"], *table["gene_b"]]))
    n_samples = data.get("_interactions_samples", 0)
    tested = table["p_value"].notna()
    significant = int((table["p_value"] < 0.05).sum())
    reading = (f"{significant} of {int(tested.sum())} pairs have p < 0.05" if significant else
               f"No pair of the {int(tested.sum())} tested reaches p < 0.05")
    small = ""
    if n_samples < SMALL_COHORT:
        best = smallest_p(n_samples)
        small = (f" With {n_samples} samples the smallest p any pair could reach is {best:.2g} (two genes "
                 "mutated in exactly the same samples): "
                 + ("no pair can be significant" if best >= 0.05 else "only such a pair could be significant")
                 + ", and a pale chart says the cohort is small, not that the genes are independent.")
    text = (f"{reading} (Fisher's exact test over all {n_samples:,} sequenced samples; q-values by "
            "Benjamini-Hochberg over the pairs). A pair mutated together more often than chance "
            "is co-occurring (green), less often mutually exclusive (brown); '*' marks p < 0.01 and '.' "
            f"0.01 <= p < 0.05, as maftools' plot does.{small} A p-value is not a q-value: with "
            f"{int(tested.sum())} pairs some p < 0.05 are expected by chance.")
    return [Section(
        "interactions", "Somatic interactions",
        description=f"Mutual exclusivity and co-occurrence of {len(genes)} genes, pair by pair, as maftools' "
                    "somaticInteractions tests them.",
        help="Per pair, the samples mutated (non-synonymous) in both, in A only, in B only and in neither, "
             "over every sequenced sample, including those with no mutation in these genes. Fisher's exact "
             "test, two-sided; the odds ratio is R's fisher.test estimate (conditional maximum likelihood); "
             "odds ratio > 1 is co-occurrence, < 1 mutual exclusivity. A pair where a gene is mutated in "
             "every sample (or none) cannot be tested.",
        blocks=[
            Text(text),
            Chart(chart(table, genes), title="Somatic interactions"),
            # The page holds the lowest p (a 50-gene run has 1,225 pairs); the export has every pair.
            Table("interactions", table.sort_values("p_value", na_position="last"), title="Gene pairs, lowest p first",
                  filters=["event"], max_rows=SHOWN_PAIRS),
        ],
    )]
