"""The shared tests of rinec_report.stats, held to scipy.stats (the routines they take the
steps of) bit for bit, and to R's fisher.test on tables written out here."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import false_discovery_control, fisher_exact
from scipy.stats import t as student_t
from scipy.stats.contingency import odds_ratio

from rinec_report import stats


def _tables(n: int, seed: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.2:  # large counts, as at 10,000 samples
            out.append(rng.integers(0, 3000, 4).reshape(2, 2))
        else:
            out.append(rng.multinomial(int(rng.integers(1, 60)), rng.dirichlet([1, 1, 1, 1])).reshape(2, 2))
    return out


def test_fisher_p_values_are_scipys_to_the_last_bit() -> None:
    for table in _tables(3000):
        assert stats.fisher_two_sided(table) == fisher_exact(table).pvalue, table.tolist()
        want = fisher_exact(table, alternative="greater").pvalue
        assert stats.fisher_greater(table) == want, table.tolist()


def test_the_conditional_odds_ratio_is_scipys_and_rs() -> None:
    for table in _tables(1500, seed=11):
        got = stats.conditional_odds_ratio(table)
        if 0 in table.sum(axis=0) or 0 in table.sum(axis=1):
            assert math.isnan(got)
            continue
        want = odds_ratio(table, kind="conditional").statistic
        if want in (0, np.inf):
            assert got == want, table.tolist()
        else:  # both solve the same equation to 1e-13; scipy by Brent's method, here by Newton steps
            assert got == pytest.approx(want, rel=1e-9), table.tolist()


# R 4.2.2: fisher.test(matrix(c(a, c, b, d), 2)) for the table [[a, b], [c, d]]: its estimate
# (the conditional MLE) and p, printed with signif(x, 7).
R_FISHER = [
    ([[3, 1], [1, 3]], 6.408309, 0.4857143),
    ([[10, 2], [3, 15]], 21.30533, 0.0005367241),
    ([[0, 5], [6, 2]], 0.0, 0.02097902),
]


@pytest.mark.parametrize("table, estimate, p", R_FISHER)
def test_fisher_equals_r(table, estimate, p) -> None:
    assert stats.fisher_two_sided(table) == pytest.approx(p, rel=1e-6)
    assert stats.conditional_odds_ratio(table) == pytest.approx(estimate, rel=1e-4, abs=1e-9)  # uniroot's tolerance


def test_a_table_without_association_has_an_odds_ratio_of_exactly_one() -> None:
    # The central hypergeometric mean n1 n / total equals the first cell: R's mle() returns 1,
    # and the interaction is "neither", not mutually exclusive by a rounding.
    for table in ([[1, 1], [1, 1]], [[2, 4], [3, 6]], [[10, 30], [20, 60]]):
        assert stats.conditional_odds_ratio(table) == 1.0


def test_bh_and_student_t_are_scipys() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(200) ** 3
    assert np.array_equal(stats.bh_fdr(p), false_discovery_control(p))
    assert stats.bh_fdr([]).size == 0
    t, df = rng.normal(size=50) * 4, rng.integers(1, 500, 50)
    assert np.array_equal(stats.t_two_sided(t, df), 2 * student_t.sf(np.abs(t), df))


def test_a_negative_cell_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        stats.fisher_two_sided([[1, -1], [2, 3]])


def test_the_genomics_analyses_do_not_import_scipy_stats() -> None:
    code = ("import sys, pandas as pd\n"
            "from rinec_plugins.genomics import interactions, clinical, tcga, spectrum\n"
            "m = pd.DataFrame({'A': [1, 0, 1, 0], 'B': [1, 1, 0, 0], 'C': [0, 1, 1, 1]})\n"
            "interactions.interactions(m)\n"
            "print('scipy.stats' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
