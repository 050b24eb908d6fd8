"""Over-representation analysis: one-sided hypergeometric test per gene set and
Benjamini-Hochberg FDR within a library.

The numbers follow the usual convention (clusterProfiler, gseapy's ``enrich``):
with a background gene set B, the query and every gene set are first restricted
to B; a set's size is counted within B; only sets sharing at least one gene with
the query are tested, and the FDR is computed over those.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .gmt import GeneSetLibrary
from .pvalues import bh_fdr, hypergeom_sf

# Genes within a term: comma and space, so that long lists wrap in the page.
GENE_SEP = ", "

TERM_COLUMNS = [
    "library",
    "category",
    "term_id",
    "description",
    "set_size",
    "overlap",
    "p_value",
    "fdr",
    "genes",
    "source",
]


@dataclass(frozen=True)
class OraResult:
    terms: pd.DataFrame  # TERM_COLUMNS plus gene_ratio
    query_size: int  # k: query genes counted in the test
    background_size: int  # N
    sets_in_limits: int  # sets of allowed size (within the background)
    not_in_background: list[str]


def filter_sets(
    library: GeneSetLibrary, background: set[str] | None, min_size: int, max_size: int
) -> dict[str, tuple[str, list[str]]]:
    """term_id -> (description, genes within the background) for sets of allowed size."""
    kept: dict[str, tuple[str, list[str]]] = {}
    for gene_set in library.sets:
        genes = [g for g in gene_set.genes if background is None or g in background]
        if min_size <= len(genes) <= max_size:
            kept[gene_set.term_id] = (gene_set.description, genes)
    return kept


def run_ora(
    query: Iterable[str],
    library: GeneSetLibrary,
    background: set[str] | int | None = None,
    min_size: int = 5,
    max_size: int = 500,
    source: str = "offline",
) -> OraResult:
    """Test every set of ``library`` for over-representation of ``query``.

    ``background``: a gene set (query and sets are restricted to it), a number of
    genes (nothing is restricted), or None for the union of the library's genes.
    """
    query_genes = sorted(set(query))
    if background is None:
        background = library.genes
    if isinstance(background, int):
        restrict: set[str] | None = None
        n_background = background
        tested = query_genes
        outside: list[str] = []
    else:
        restrict = set(background)
        n_background = len(restrict)
        tested = [g for g in query_genes if g in restrict]
        outside = [g for g in query_genes if g not in restrict]
    k = len(tested)
    query_set = set(tested)
    sets = filter_sets(library, restrict, min_size, max_size)
    rows = []
    for term_id, (description, genes) in sets.items():
        hits = [g for g in genes if g in query_set]
        if not hits:
            continue
        m = len(genes)
        x = len(hits)
        rows.append(
            {
                "library": library.name,
                "category": library.name,
                "term_id": term_id,
                "description": description,
                "set_size": m,
                "overlap": x,
                "genes": GENE_SEP.join(sorted(hits)),
                "source": source,
            }
        )
    terms = pd.DataFrame(rows, columns=[c for c in TERM_COLUMNS if c not in ("p_value", "fdr")])
    # One vectorised call: scipy's per-call overhead dominates for thousands of sets.
    overlap = terms["overlap"].to_numpy(dtype=float)
    sizes = terms["set_size"].to_numpy(dtype=float)
    terms["p_value"] = hypergeom_sf(overlap - 1, n_background, sizes, k) if len(terms) else []
    terms["fdr"] = bh_fdr(terms["p_value"].to_numpy()) if len(terms) else []
    terms["gene_ratio"] = terms["overlap"] / k if k else np.nan
    terms = terms.sort_values(["p_value", "term_id"], kind="stable").reset_index(drop=True)
    return OraResult(
        terms=terms[[*TERM_COLUMNS, "gene_ratio"]],
        query_size=k,
        background_size=n_background,
        sets_in_limits=len(sets),
        not_in_background=outside,
    )
