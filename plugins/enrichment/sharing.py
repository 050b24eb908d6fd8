"""What the enrichment plugin shares in a de-identified report: gene sets, terms and their
statistics, the network's genes and edges, and the charts' technical fields.

A term's name is shared as it is only when it comes from a library the plugin ships (Reactome)
or from STRING: in a de-identified report, a library the user brought (a ``.gmt`` in the run
directory or ``gene_sets``) is named "Gene sets 1" and its terms "set 1.1", "Gene set 1.1"...
(``build.gather_libraries``), since its file name and its term names are text someone typed."""

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

