"""The survival plugin's own log-rank test (plugins/survival/logrank.py) against the
two references it replaces and follows: R's ``survdiff`` (tests/data/survival/
km_reference.out, written by km_reference.R) and lifelines' ``multivariate_logrank_test``,
which the plugin called until importing it was found to cost 0.7 s a report: the same
statistic and p-value bit for bit, so that reports are unchanged. lifelines (a test
reference only) is skipped where it is not installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rinec_plugins.survival.logrank import logrank

DATA = Path(__file__).parent / "data" / "survival"

# name -> (time column, event column, how the event is coded, group columns)
SETS = {
    "lung": ("time", "status", 2, ["sex", "ph.ecog"]),
    "veteran": ("time", "status", 1, ["trt", "celltype", "prior"]),
    "ovarian": ("futime", "fustat", 1, ["rx", "resid.ds"]),
    "aml": ("time", "status", 1, ["x"]),
    "pbc": ("time", "status", 2, ["trt", "sex"]),
}


def _r_survdiff() -> dict[str, tuple[float, float]]:
    lines = (DATA / "km_reference.out").read_text().splitlines()
    rows = [line.split("\t")[1:] for line in lines if line.startswith("logrank\t")]
    return {name: (float(chisq), float(p)) for name, chisq, p in rows}


def _cases() -> list[tuple[str, pd.Series, pd.Series, pd.Series]]:
    out = []
    for name, (time, event, coded, groups) in SETS.items():
        frame = pd.read_csv(DATA / f"{name}.csv")
        for column in groups:
            rows = frame[frame[column].notna() & frame[time].notna()]
            out.append((f"{name}-{column}", rows[time].astype(float), rows[column].astype(str),
                        (rows[event] == coded).astype(int)))
    rng = np.random.default_rng(20261207)
    for i in range(60):  # ties, 2 to 5 groups, groups of one, whole and fractional times
        n = int(rng.integers(3, 300))
        times = (rng.integers(1, max(2, n // 3), n).astype(float) if i % 2
                 else np.round(rng.exponential(20.0, n), 2))
        groups = pd.Series(rng.choice([f"g{j}" for j in range(int(rng.integers(2, 6)))], n))
        if groups.nunique() > 1:
            out.append((f"random-{i}", pd.Series(times), groups, pd.Series(rng.integers(0, 2, n))))
    return out


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_logrank_is_lifelines_bit_for_bit(case) -> None:
    statistics = pytest.importorskip("lifelines.statistics", reason="lifelines is the reference here")
    _, time, group, event = case
    ref = statistics.multivariate_logrank_test(time, group, event)
    statistic, p_value, df = logrank(time, group, event)
    assert (statistic, p_value) == (float(ref.test_statistic), float(ref.p_value))
    assert df == ref.degrees_of_freedom


@pytest.mark.parametrize("name", ["lung", "veteran", "ovarian", "aml"])
def test_logrank_equals_r_survdiff(name: str) -> None:
    chisq, p = _r_survdiff()[name]
    case = next(c for c in CASES if c[0] == f"{name}-{SETS[name][3][0]}")
    statistic, p_value, df = logrank(*case[1:])
    assert (statistic, p_value, df) == (pytest.approx(chisq, rel=1e-8), pytest.approx(p, rel=1e-8), 1)


def test_one_group_is_refused() -> None:
    with pytest.raises(ValueError, match="two groups"):
        logrank([1.0, 2.0], ["a", "a"], [1, 0])


def test_the_plugins_log_rank_imports_no_lifelines() -> None:
    """lifelines' import (its fitters, autograd, scipy.stats) was 0.7 s of a report."""
    code = ("import sys; from rinec_plugins.survival.logrank import logrank; "
            "logrank([1.0, 2.0, 3.0, 4.0], ['a', 'b', 'a', 'b'], [1, 1, 0, 1]); "
            "print(sorted(m for m in ('lifelines', 'scipy.stats') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "[]"
