"""What the enrichment plugin shares in a de-identified report: gene sets, terms and their
statistics, the network's genes and edges, and the charts' technical fields.

A term's name is a category only when it comes from a library the plugin ships (Reactome) or
from STRING: a library the user brought (a ``.gmt`` in the run directory or ``gene_sets``) is
text someone typed, and a term may be named after anyone, so its term names are then free text
(dropped unless kept: ``deidentify: keep_columns: [description, term_id, label, terms]``)."""

from __future__ import annotations

from typing import Any

FIELDS = {
    "library": "category", "category": "category", "term_id": "category", "description": "category",
    "set_size": "count", "overlap": "count", "p_value": "measure", "fdr": "measure", "genes": "category",
    "source": "category", "gene_ratio": "measure", "label": "category", "neg_log10_fdr": "measure",
    "x": "measure", "y": "measure", "gene": "category", "percent_samples": "measure", "term_keys": "category",
    "in_query": "category", "gene_a": "category", "gene_b": "category", "score": "measure",
    "in_background": "category", "in_gene_sets": "category", "significant_terms": "count", "terms": "category",
    "sets": "count", "sets_in_limits": "count", "terms_with_overlap": "count", "genes_counted": "count",
    "background_genes": "count", "notes": "category",  # the plugin's own notes on a library, not a person's
}

# The fields that hold a term's name or id, as the terms table, the gene table and the charts write them.
TERM_NAMES = ("term_id", "description", "label", "terms", "term_keys")


def declared(data: dict[str, Any]) -> dict[str, str]:
    """:data:`FIELDS`, with the term names free text when a library came from the user."""
    info = data.get("info") if isinstance(data, dict) else None
    libraries = getattr(info, "libraries", None) or []
    if any(not str(lib.source).startswith("bundled") for lib in libraries):
        return {**FIELDS, **dict.fromkeys(TERM_NAMES, "text")}
    return FIELDS
