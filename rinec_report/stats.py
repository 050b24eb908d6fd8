"""The tests the plugins share, from ``scipy.special`` alone.

Importing ``scipy.stats`` builds the docstrings of a hundred distributions: 0.4-0.9 s of
every report that runs a Fisher test, longer than the tests themselves. The functions
here take the Boost routines that ``scipy.stats`` calls (``hypergeom``'s pmf, cdf and sf;
Student's t through ``stdtr``), in scipy's own steps, so the p-values are scipy's to the
last bit; ``tests/test_stats.py`` holds them to scipy.stats and to R. Plugins call them
instead of importing each other.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def bh_fdr(p: Any) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values, in the order given: R's
    ``p.adjust(p, "BH")``, computed as ``scipy.stats.false_discovery_control`` does."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p)
    ranked = p[order] * (m / np.arange(1, m + 1))
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.clip(ranked, 0, 1)
    return out


def t_two_sided(t: Any, df: Any) -> np.ndarray:
    """Two-sided p of Student's t: ``2 * scipy.stats.t.sf(|t|, df)``."""
    from scipy.special import stdtr

    return 2 * stdtr(np.asarray(df, dtype=float), -np.abs(np.asarray(t, dtype=float)))


def _hypergeom() -> tuple[Any, Any, Any]:
    from scipy.special._ufuncs import _hypergeom_cdf, _hypergeom_pmf, _hypergeom_sf

    # scipy.stats.hypergeom(M, n, N) calls these as (k, n, N, M).
    return _hypergeom_pmf, _hypergeom_cdf, _hypergeom_sf


def _binary_search(a: Any, d: float, lo: int, hi: int) -> int:
    """The i in [lo, hi] with a(i) <= d < a(i + 1), for a ascending (scipy's own search)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        value = a(mid)
        if value < d:
            lo = mid + 1
        elif value > d:
            hi = mid - 1
        else:
            return mid
    return lo if a(lo) <= d else lo - 1


def _cells(table: Any) -> tuple[int, int, int, int]:
    (a, b), (c, d) = ((int(v) for v in row) for row in table)
    if min(a, b, c, d) < 0:
        raise ValueError("a 2x2 table of counts cannot hold a negative cell")
    return a, b, c, d


def fisher_greater(table: Any) -> float:
    """The one-sided p of Fisher's exact test on a 2x2 table, odds ratio above 1 (R's
    ``fisher.test(alternative = "greater")``, ``scipy.stats.fisher_exact``'s steps)."""
    _, cdf_, _ = _hypergeom()
    a, b, c, d = _cells(table)
    if 0 in (a + b, c + d, a + c, b + d):
        return 1.0
    total, draws = a + b + c + d, b + d
    low, high = max(0, draws - (c + d)), min(draws, a + b)
    return 0.0 if b < low else 1.0 if b >= high else min(float(cdf_(b, a + b, draws, total)), 1.0)


def fisher_two_sided(table: Any) -> float:
    """The two-sided p of Fisher's exact test on a 2x2 table (R's ``fisher.test``), by the
    steps of ``scipy.stats.fisher_exact``: every table at most as likely as this one,
    within a relative 1e-14; 1 when a row or a column is empty."""
    pmf_, cdf_, sf_ = _hypergeom()
    a, b, c, d = _cells(table)
    if 0 in (a + b, c + d, a + c, b + d):
        return 1.0
    n1, n2, n = a + b, c + d, a + c
    total = n1 + n2
    low, high = max(0, n - n2), min(n, n1)  # the support: Boost's routines are NaN outside it

    def pmf(x: int) -> float:
        return float(pmf_(x, n1, n, total)) if low <= x <= high else 0.0

    def cdf(x: int) -> float:
        return 0.0 if x < low else 1.0 if x >= high else float(cdf_(x, n1, n, total))

    def sf(x: int) -> float:
        return 1.0 if x < low else 0.0 if x >= high else float(sf_(x, n1, n, total))

    mode = int((n + 1) * (n1 + 1) / (total + 2))
    pexact, pmode = pmf(a), pmf(mode)
    gamma = 1 + 1e-14
    if abs(pexact - pmode) / max(pexact, pmode) <= 1e-14:
        return 1.0
    if a < mode:
        plower = cdf(a)
        if pmf(n) > pexact * gamma:
            return min(plower, 1.0)
        guess = _binary_search(lambda x: -pmf(x), -pexact * gamma, mode, n)
        return min(plower + sf(guess), 1.0)
    pupper = sf(a - 1)
    if pmf(0) > pexact * gamma:
        return min(pupper, 1.0)
    guess = _binary_search(pmf, pexact * gamma, 0, mode)
    return min(pupper + cdf(guess), 1.0)


def conditional_odds_ratio(table: Any) -> float:
    """The conditional maximum-likelihood odds ratio of a 2x2 table, the estimate R's
    ``fisher.test`` reports (and ``scipy.stats.contingency.odds_ratio(kind="conditional")``):
    the noncentrality of Fisher's noncentral hypergeometric distribution whose mean is the
    table's first cell. 0 or infinite at the ends of the support, NaN for an empty margin.

    The mean is a sum over the support in logarithms; its root in log(odds) is found to
    1e-13 relative by safeguarded Newton steps (scipy's Brent step stops at 1e-13 too, R's
    uniroot at about 1e-4)."""
    from scipy.special import gammaln

    a, b, c, d = _cells(table)
    n1, n2, n = a + b, c + d, a + c
    if 0 in (n1, n2, n, b + d):
        return math.nan
    lo, hi = max(0, n - n2), min(n, n1)
    if a == lo:
        return 0.0
    if a == hi:
        return math.inf
    if a * (n1 + n2) == n1 * n:  # the central distribution's mean, n1 n / total: odds of exactly 1
        return 1.0
    x = np.arange(lo, hi + 1, dtype=float)
    # log C(n1, x) + log C(n2, n - x): the central weights of the support.
    log_c = (gammaln(n1 + 1) - gammaln(x + 1) - gammaln(n1 - x + 1)
             + gammaln(n2 + 1) - gammaln(n - x + 1) - gammaln(n2 - n + x + 1))

    def moments(log_odds: float) -> tuple[float, float]:
        """The mean's excess over the first cell, and its slope (the variance)."""
        w = log_c + x * log_odds
        w = np.exp(w - w.max())
        w /= w.sum()
        mean = float((x * w).sum())
        return mean - a, float(((x - mean) ** 2 * w).sum())

    # The mean rises with the odds (its slope in log(odds) is the variance): Newton's
    # steps, kept inside the bracket the signs have drawn so far and halving it where a
    # step would leave it, to 1e-13 relative: a few evaluations where bisection took
    # fifty (a second of a 10,000-sample cohort's gene pairs).
    t, low, high = 0.0, -math.inf, math.inf
    for _ in range(200):
        f, slope = moments(t)
        if f == 0:
            return math.exp(t)
        if f < 0:
            low = t
        else:
            high = t
        step = t - f / slope if slope > 0 else math.nan
        if not low < step < high:
            if math.isinf(low) or math.isinf(high):
                step = t + (1.0 if f < 0 else -1.0) * max(1.0, 2 * abs(t))
            else:
                step = (low + high) / 2
        if abs(step - t) <= 1e-13 * max(1.0, abs(t)) or \
                high - low <= 1e-13 * max(1.0, abs(low), abs(high)) < math.inf:
            return math.exp(step)
        t = step
    return math.exp(t)


def _boost_sf():  # type: ignore[no-untyped-def]
    """Boost's hypergeometric survival function, as a ufunc of (k, n, N, M), or None."""
    try:
        return _hypergeom()[2]
    except ImportError:  # a scipy that moved it: the public route in hypergeom_sf
        return None


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
