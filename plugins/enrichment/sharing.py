"""What the enrichment plugin shares in a de-identified report: gene sets, terms and their
statistics, the network's genes and edges, and the charts' technical fields."""

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
