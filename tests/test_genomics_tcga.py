"""TMB beside TCGA: the medians come from the shipped maftools file, read here with pandas."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rinec_plugins.genomics import tcga

from rinec_report.charts import altair_settings

DATA = Path(__file__).resolve().parents[1] / "plugins" / "genomics" / "data" / "tcga_cohort.txt.gz"


def _variants(counts, size=2.0):
    samples = pd.DataFrame({"sample": [f"S{i}" for i in range(len(counts))],
                            "patient_id": [f"P{i}" for i in range(len(counts))],
                            "nonsynonymous": counts})
    return {"samples": samples, "mutations": pd.DataFrame(), "panel_size_mb": size}


def test_the_shipped_file_is_maftools_33_mc3_cohorts():
    with gzip.open(DATA, "rt") as fh:
        header = fh.readline().rstrip("\n").split("\t")
    assert header == ["cohort", "Tumor_Sample_Barcode", "total", "site"]
    table = pd.read_csv(DATA, sep="\t")
    assert table["cohort"].nunique() == 33 and len(table) == 10200


def test_medians_per_cohort_equal_pandas_on_the_shipped_file():
    table = pd.read_csv(DATA, sep="\t")
    want = (table["total"] / 35.8).groupby(table["cohort"]).median()
    data = tcga.build(_variants([4, 10, 0, 6]), None, None, {})["_tcga"]
    got = data["table"].set_index("cohort")
    for cohort, median in want.items():
        assert got.loc[cohort, "median"] == pytest.approx(median)
        assert got.loc[cohort, "samples"] == (table["cohort"] == cohort).sum()
    # Ours: 4, 10, 6 over 2 Mb (the zero left out, as tcgaCompare's rm_zero): median 3.
    assert got.loc[tcga.COHORT, "median"] == pytest.approx(3.0)
    assert got.loc[tcga.COHORT, "samples"] == 3 and data["zero"] == 1
    assert list(data["table"]["median"]) == sorted(data["table"]["median"])


def test_without_a_panel_size_raw_counts_beside_raw_counts():
    table = pd.read_csv(DATA, sep="\t")
    data = tcga.build(_variants([4, 10, 6], size=None), None, None, {})["_tcga"]
    got = data["table"].set_index("cohort")
    assert got.loc["SKCM", "median"] == pytest.approx(table.loc[table["cohort"] == "SKCM", "total"].median())
    assert got.loc[tcga.COHORT, "median"] == 6
    with altair_settings():  # the core's chart settings (no Altair row limit)
        blocks = tcga.sections({"_tcga": data}, {})[0].blocks
    texts = " ".join(getattr(b, "text", "") for b in blocks)
    assert "No panel size" in texts


def test_ten_thousand_samples_draw_a_bounded_column_with_the_exact_median():
    counts = np.random.default_rng(3).integers(1, 500, 10_000)
    data = tcga.build(_variants(list(counts), size=1.0), None, None, {})
    state = data["_tcga"]
    assert state["table"].set_index("cohort").loc[tcga.COHORT, "median"] == np.median(counts)
    with altair_settings():
        section = tcga.sections(data, {})[0]
    chart = section.blocks[0].spec
    values = [v for ds in chart.get("datasets", {}).values() for v in ds
              if isinstance(v, dict) and v.get("cohort") == tcga.COHORT and "x" in v]
    assert 0 < len(values) <= tcga.MAX_DOTS
    assert any("evenly spaced" in getattr(b, "text", "") for b in section.blocks)


R_SCRIPT = Path(__file__).resolve().parent / "data" / "genomics" / "tcga_pairwise_reference.R"
R_OUT = Path(__file__).resolve().parent / "data" / "genomics" / "tcga_pairwise_reference.tsv"
# The R script's hand-chosen cohort, in mutations per Mb: six samples over a 1 Mb panel.
R_COHORT = [0.8, 1.2, 1.9, 0.6, 2.4, 14.5]


def _r_reference() -> dict[frozenset, tuple[float, float]]:
    table = pd.read_csv(R_OUT, sep="\t", comment="#", header=None,
                        names=["cohort_a", "cohort_b", "p_value", "q_value"])
    return {frozenset((a, b)): (p, q) for a, b, p, q in table.itertuples(index=False)}


def test_the_pairwise_t_test_equals_r_pairwise_t_test_on_every_pair():
    data = tcga.build(_variants(R_COHORT, size=1.0), None, None, {})
    tests = data["_tcga"]["tests"]
    want = _r_reference()
    assert len(want) == 34 * 33 // 2 and len(tests) == len(want)
    for a, b, p, q in tests.itertuples(index=False):
        r_p, r_q = want[frozenset((a, b))]
        assert p == pytest.approx(r_p, rel=1e-6, abs=1e-300), (a, b)
        assert q == pytest.approx(r_q, rel=1e-6, abs=1e-300), (a, b)
    with altair_settings():
        blocks = tcga.sections(data, {})[0].blocks
    shown = next(b for b in blocks if getattr(b, "name", "") == "tcga_this_cohort_t_test")
    exported = next(b for b in blocks if getattr(b, "name", "") == "tcga_pairwise_t_test")
    assert len(exported.data) == 561 and not exported.show
    assert len(shown.data) == 33 and set(shown.data["direction"]) <= {"this cohort higher",
                                                                       "this cohort lower"}


def test_a_cohort_of_one_sample_gets_no_test():
    data = tcga.build(_variants([5], size=1.0), None, None, {})
    tests = data["_tcga"]["tests"]
    assert tcga.COHORT not in set(tests["cohort_a"]) | set(tests["cohort_b"])
    with altair_settings():
        blocks = tcga.sections(data, {})[0].blocks
    assert any("fewer than 2 samples" in getattr(b, "text", "") for b in blocks)


@pytest.mark.skipif(__import__("shutil").which("Rscript") is None, reason="R is not installed")
def test_the_vendored_pairwise_r_output_is_what_r_writes_today():
    import subprocess

    root = Path(__file__).resolve().parents[1]
    fresh = subprocess.run(["Rscript", str(R_SCRIPT)], cwd=root, check=True, timeout=120,
                           capture_output=True, text=True).stdout
    assert fresh == R_OUT.read_text()
