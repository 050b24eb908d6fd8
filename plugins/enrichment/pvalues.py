"""The two numbers of every enrichment test: the hypergeometric upper tail and
Benjamini-Hochberg's FDR.

Both are scipy's, reached without importing ``scipy.stats``: that import builds
the docstrings of a hundred distributions and costs about a second, more than the
rest of the enrichment of a 1,000-sample cohort. The tail is the Boost routine
that ``scipy.stats.hypergeom.sf`` itself calls, so the values are the same to the
last bit; ``tests/test_enrichment_pvalues.py`` holds them to that. Both live in
``rinec_report.stats``, beside the Fisher tests built on the same routines.
"""

from __future__ import annotations

from rinec_report.stats import bh_fdr, hypergeom_sf

__all__ = ["bh_fdr", "hypergeom_sf"]
