"""The two numbers of every enrichment test: the hypergeometric upper tail and
Benjamini-Hochberg's FDR.

Both are scipy's, reached without importing ``scipy.stats``: that import builds
the docstrings of a hundred distributions and costs about a second, more than the
rest of the enrichment of a 1,000-sample cohort. The tail is the Boost routine
that ``scipy.stats.hypergeom.sf`` itself calls, so the values are the same to the
last bit; ``tests/test_enrichment_pvalues.py`` holds them to that.
"""

from __future__ import annotations

import numpy as np

from rinec_report.stats import bh_fdr

__all__ = ["bh_fdr", "hypergeom_sf"]


def _boost_sf():  # type: ignore[no-untyped-def]
    """Boost's hypergeometric survival function, as a ufunc of (k, n, N, M), or None."""
    try:
        from scipy.special._ufuncs import _hypergeom_sf
    except ImportError:  # a scipy that moved it: the public route below
        return None
    return _hypergeom_sf


def hypergeom_sf(x: np.ndarray, total: int, drawn_from: np.ndarray, draws: int) -> np.ndarray:
    """P(X > x) for X hypergeometric: ``draws`` genes taken from ``total``, of which
    ``drawn_from`` (per set) are in the set. Arguments as ``scipy.stats.hypergeom.sf(x,
    M=total, n=drawn_from, N=draws)``, with its values outside the support (1 below it,
    0 at or above its top)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(drawn_from, dtype=float)
    boost = _boost_sf()
    if boost is None:
        from scipy.stats import hypergeom

        return np.asarray(hypergeom.sf(x, total, n, draws), dtype=float)
    low = np.maximum(draws - (total - n), 0)
    high = np.minimum(n, draws)
    inside = (x >= low) & (x < high)
    out = np.where(x < low, 1.0, 0.0)
    if inside.any():
        out[inside] = boost(x[inside], n[inside], float(draws), float(total))
    return out
