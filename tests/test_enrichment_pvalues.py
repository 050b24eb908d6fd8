"""The enrichment's p-values without importing scipy.stats: the same numbers as
scipy.stats (to the last bit) and as R."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import false_discovery_control, hypergeom

from plugins.enrichment.pvalues import bh_fdr, hypergeom_sf
from rinec_report import stats


def _grid() -> list[tuple[int, int, int, int]]:
    """Every x from below the support to above it, for small and genome-sized urns."""
    cases = []
    for total, draws in [(13, 6), (50, 49), (11668, 11), (19000, 15000)]:
        for size in sorted({1, 2, 5, min(total, 500), total - 1, total}):
            for x in sorted({-1, 0, 1, size // 2, draws - 1, size - 1, size, size + 3}):
                cases.append((x, total, size, draws))
    return cases


@pytest.mark.parametrize("use_boost", [True, False])
def test_hypergeom_sf_is_scipys_to_the_bit(monkeypatch, use_boost):
    if not use_boost:  # the route taken when scipy moves its private ufunc
        monkeypatch.setattr(stats, "_boost_sf", lambda: None)
    by_urn = itertools.groupby(_grid(), key=lambda c: (c[1], c[3]))
    for (total, draws), cases in by_urn:
        cases = list(cases)
        x = np.array([c[0] for c in cases], dtype=float)
        n = np.array([c[2] for c in cases], dtype=float)
        ours = hypergeom_sf(x, total, n, draws)
        theirs = hypergeom.sf(x, total, n, draws)
        assert np.array_equal(ours, theirs), (total, draws)


def test_hypergeom_sf_against_r():
    # R 4.2.2, options(digits = 17): phyper(q, m, n, k, lower.tail = FALSE) with
    # m genes in the set, n outside it, k drawn.
    cases = [  # (q, m, n, k, R's value)
        (2, 40, 960, 30, 0.11409910912784565),
        (0, 120, 11548, 11, 1.0753207494520189e-01),
        (3, 120, 11548, 11, 3.3211096649907102e-06),
        (9, 120, 11548, 11, 9.8591329104614042e-20),
        (420, 500, 18500, 15000, 1.5995042271088251e-03),
        (450, 500, 18500, 15000, 8.8780515656627204e-12),
    ]
    for q, m, n, k, r_value in cases:
        ours = hypergeom_sf(np.array([float(q)]), m + n, np.array([float(m)]), k)[0]
        assert ours == pytest.approx(r_value, rel=1e-12), (q, m, n, k)


def test_bh_fdr_is_scipys_and_r_p_adjust():
    # R 4.2.2: p.adjust(c(0.5, 0.6, 0.1, 0.001, 0.02, 0.02), "BH")
    assert np.allclose(bh_fdr(np.array([0.5, 0.6, 0.1, 0.001, 0.02, 0.02])),
                       [0.6, 0.6, 0.15, 0.006, 0.04, 0.04], rtol=1e-15, atol=0)
    rng = np.random.default_rng(7)
    for m in (1, 2, 17, 1000):
        p = rng.uniform(size=m) ** 3
        p[: m // 3] = p[0]  # ties
        assert np.array_equal(bh_fdr(p), false_discovery_control(p, method="bh"))
    assert bh_fdr(np.array([])).size == 0
