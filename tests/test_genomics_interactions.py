"""Somatic interactions (maftools' somaticInteractions) held to R's fisher.test on a public MAF,
and to a 2x2 table counted in the test from the raw MAF with pandas."""

from __future__ import annotations

import gzip
import io
import math
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from page_helpers import page_text

import rinec_report

ROOT = Path(__file__).resolve().parent.parent
MAF = ROOT / "tests" / "data" / "variants" / "maftools_APL_primary.maf.gz"
R_SCRIPT = ROOT / "tests" / "data" / "genomics" / "interactions_reference.R"
R_OUT = ROOT / "tests" / "data" / "genomics" / "interactions_APL_primary.tsv"
NONSYN = {"Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site", "Nonsense_Mutation",
          "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation"}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("run")
    shutil.copy(MAF, run / MAF.name)
    out = tmp_path_factory.mktemp("out")
    result = rinec_report.run(str(run), outdir=str(out), force=True, config={"genomics": {"interactions_top": 10}})
    assert result.exit_status == 0
    return out


def exported(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "rinec_report_data" / "genomics_interactions.tsv", sep="\t")


def r_reference() -> pd.DataFrame:
    table = pd.read_csv(R_OUT, sep="\t", comment="#", skipinitialspace=True)
    return table.apply(lambda c: c.str.strip() if c.dtype == object else c)


def test_every_pair_equals_r_fisher_test(report: Path) -> None:
    ours = exported(report).set_index(["gene_a", "gene_b"])
    ref = r_reference().set_index(["gene_a", "gene_b"])
    assert len(ref) == 45 and set(ours.index) == set(ref.index)  # the 10 genes R ranks, C(10, 2) pairs
    for key, row in ref.iterrows():
        got = ours.loc[key]
        assert [got.both, got.a_only, got.b_only, got.neither] == [row.both, row.a_only, row.b_only, row.neither]
        assert got.p_value == pytest.approx(row.p_value, rel=1e-9), key
        assert got.q_value == pytest.approx(row.q_value, rel=1e-9), key
        # R's estimate is the conditional maximum likelihood odds ratio (0 or Inf at a zero cell),
        # a root R's uniroot finds to its default tolerance (about 1e-4); scipy solves it closer.
        assert got.odds_ratio == pytest.approx(row.odds_ratio, rel=5e-4, abs=1e-12), key
        expected = "co-occurrence" if row.odds_ratio > 1 else "mutually exclusive"
        assert got.event == expected


def test_a_pair_counted_from_the_raw_maf_with_pandas(report: Path) -> None:
    from scipy.stats import fisher_exact

    text = gzip.decompress(MAF.read_bytes()).decode().replace("\r", "\n")
    maf = pd.read_csv(io.StringIO(text), sep="\t", comment="#", dtype=str, keep_default_na=False)
    universe = set(maf["Tumor_Sample_Barcode"])
    kept = maf[(maf["Start_Position"] != "NA") & maf["Variant_Classification"].isin(NONSYN)]
    wt1 = set(kept.loc[kept["Hugo_Symbol"] == "WT1", "Tumor_Sample_Barcode"])
    kmt2c = set(kept.loc[kept["Hugo_Symbol"] == "KMT2C", "Tumor_Sample_Barcode"])
    both, a, b = len(wt1 & kmt2c), len(wt1 - kmt2c), len(kmt2c - wt1)
    neither = len(universe) - both - a - b
    p = fisher_exact([[both, a], [b, neither]]).pvalue
    row = exported(report).set_index(["gene_a", "gene_b"]).loc[("WT1", "KMT2C")]
    assert (row.both, row.a_only, row.b_only, row.neither) == (both, a, b, neither)
    assert row.p_value == pytest.approx(p, rel=1e-12)


def test_the_section_is_in_the_page(report: Path) -> None:
    html = (report / "rinec_report.html").read_text()
    assert 'id="genomics-interactions"' in html and "No pair of the 45 tested reaches p &lt; 0.05" in html


def test_marks_and_signs() -> None:
    from rinec_plugins.genomics.interactions import chart, interactions

    matrix = pd.DataFrame({"A": [True] * 10 + [False] * 10, "B": [True] * 10 + [False] * 10,
                           "C": [False] * 10 + [True] * 10})
    table = interactions(matrix)
    cells = {(c["x"], c["y"]): c for c in chart(table, ["A", "B", "C"])["data"]["values"]}
    # 10/0/0/10: p = 2 / C(20, 10) (two tables as extreme), R's fisher.test gives 1.082509e-05
    assert cells[("A", "B")]["p_value"] == pytest.approx(2 / math.comb(20, 10))
    assert cells[("A", "B")]["mark"] == "*" and cells[("A", "B")]["signed_log10_p"] > 0
    assert cells[("A", "C")]["event"] == "mutually exclusive" and cells[("A", "C")]["signed_log10_p"] < 0


def test_a_gene_mutated_in_every_sample_is_not_testable() -> None:
    from rinec_plugins.genomics.interactions import interactions

    table = interactions(pd.DataFrame({"A": [True, True, True], "B": [True, False, False]}))
    assert table.loc[0, "event"] == "not testable" and math.isnan(table.loc[0, "p_value"])


def test_the_table_survives_deidentification(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(MAF, run / MAF.name)
    result = rinec_report.run(str(run), outdir=str(tmp_path / "out"), force=True, deidentify=True,
                              config={"genomics": {"interactions_top": 5}})
    assert result.exit_status == 0
    table = exported(tmp_path / "out")
    assert list(table.columns) == ["gene_a", "gene_b", "both", "a_only", "b_only", "neither", "odds_ratio",
                                   "p_value", "q_value", "event"]


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")
def test_the_vendored_r_output_is_what_r_writes_today() -> None:
    fresh = subprocess.run(["Rscript", str(R_SCRIPT)], cwd=ROOT, check=True, timeout=120, capture_output=True,
                           text=True).stdout
    assert [line for line in fresh.splitlines() if not line.startswith("#")] == \
        [line for line in R_OUT.read_text().splitlines() if not line.startswith("#")]


def test_named_genes_are_capped_with_a_warning() -> None:
    from rinec_plugins.genomics.interactions import top_genes

    from rinec_report import InputWarning

    variants = {"genes": pd.DataFrame({"gene": [f"G{i}" for i in range(80)]})}
    with pytest.warns(InputWarning, match="80 mutated genes named; the first 50 are used"):
        genes = top_genes(variants, 25, [f"G{i}" for i in range(80)] + ["NOT_MUTATED"], "interactions_genes")
    assert genes == [f"G{i}" for i in range(50)]
    assert top_genes(variants, 25, ["G3", "NOT_MUTATED", "G1"]) == ["G3", "G1"]


def test_the_smallest_p_a_small_cohort_can_reach() -> None:
    from rinec_plugins.genomics.interactions import smallest_p

    # by hand: the most extreme table puts k samples mutated in both genes and the others in
    # neither, probability 1 / C(n, k) (twice that when k = n/2, its mirror as likely):
    # n = 4: k = 1 gives 1/4; n = 5: k = 2 gives 1/10; n = 6: k = 2 gives 1/15; n = 8: k = 3, 1/56
    assert smallest_p(4) == pytest.approx(1 / 4)
    assert smallest_p(5) == pytest.approx(1 / 10)
    assert smallest_p(6) == pytest.approx(1 / 15)
    assert smallest_p(8) == pytest.approx(1 / 56)


def test_an_infinite_odds_ratio_is_shown_as_infinity_and_exported_as_inf(tmp_path: Path) -> None:
    import json
    import re

    # AAA and BBB mutated in the same two of four samples, CCC in the other two: R's
    # fisher.test(matrix(c(2, 0, 0, 2), 2)) gives odds ratio Inf, p = 1/3 (1 / C(4, 2), doubled
    # for its mirror table); AAA against CCC gives 0, mutually exclusive.
    header = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2",
              "Variant_Classification", "Variant_Type", "Tumor_Sample_Barcode"]
    calls = [("AAA", "S1"), ("BBB", "S1"), ("AAA", "S2"), ("BBB", "S2"), ("CCC", "S3"), ("CCC", "S4")]
    lines = ["\t".join(header)] + ["\t".join([gene, "1", str(100 + i), "C", "T", "Missense_Mutation", "SNP",
                                              sample]) for i, (gene, sample) in enumerate(calls)]
    run = tmp_path / "run"
    run.mkdir()
    (run / "calls.maf").write_text("\n".join(lines) + "\n")
    result = rinec_report.run(str(run), outdir=str(tmp_path / "out"), force=True,
                              config={"genomics": {"interactions_top": 3}})
    assert result.exit_status == 0
    table = exported(tmp_path / "out").set_index(["gene_a", "gene_b"])
    assert table.loc[("AAA", "BBB"), "odds_ratio"] == math.inf
    assert table.loc[("AAA", "BBB"), "p_value"] == pytest.approx(1 / 3)
    assert table.loc[("AAA", "CCC"), "odds_ratio"] == 0
    page = page_text(next((tmp_path / "out").glob("*.html")).read_text())  # the charts' JSON too
    shown = None
    for block in re.findall(r'<script type="application/json" id="rr-table-\d+-data">(.*?)</script>', page, re.S):
        payload = json.loads(block)
        if payload["name"] == "genomics_interactions":
            shown = payload
    assert shown is not None
    odds = {(r[0], r[1]): r[shown["columns"].index("odds_ratio")] for r in shown["rows"]}
    assert odds[("AAA", "BBB")] == "\u221e" and odds[("AAA", "CCC")] == 0
    assert '"odds_ratio":"\u221e"' in page  # the triangle's tooltip too


def test_the_variants_nonsynonymous_option_decides_who_is_mutated(tmp_path: Path) -> None:
    # Hand count on a four-sample MAF: AAA has a missense in S1 and S2 and a silent change in
    # S3; BBB a missense in S1, S2 and S3. With maftools' default classes AAA is mutated in 2
    # samples (both 2, a_only 0, b_only 1); counting Silent as non-synonymous makes it 3.
    header = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2",
              "Variant_Classification", "Variant_Type", "Tumor_Sample_Barcode"]
    calls = [("AAA", "S1", "Missense_Mutation"), ("AAA", "S2", "Missense_Mutation"), ("AAA", "S3", "Silent"),
             ("BBB", "S1", "Missense_Mutation"), ("BBB", "S2", "Missense_Mutation"),
             ("BBB", "S3", "Missense_Mutation"), ("CCC", "S4", "Missense_Mutation")]
    lines = ["\t".join(header)] + ["\t".join([g, "1", str(100 + i), "C", "T", vc, "SNP", s])
                                   for i, (g, s, vc) in enumerate(calls)]
    run = tmp_path / "run"
    run.mkdir()
    (run / "calls.maf").write_text("\n".join(lines) + "\n")
    counts = {}
    for name, extra in (("default", {}), ("silent", {"variants": {"nonsynonymous": [
            "Missense_Mutation", "Silent"]}})):
        out = tmp_path / name
        result = rinec_report.run(str(run), outdir=str(out), force=True,
                                  config={"genomics": {"interactions_genes": ["AAA", "BBB"]}, **extra})
        assert result.exit_status == 0
        row = exported(out).set_index(["gene_a", "gene_b"]).loc[("AAA", "BBB")]
        counts[name] = (int(row["both"]), int(row["a_only"]), int(row["b_only"]), int(row["neither"]))
    assert counts == {"default": (2, 0, 1, 1), "silent": (3, 0, 0, 1)}
