"""The variants plugin end to end, through rinec_report.run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from variants_helpers import EXAMPLE, TEST_DATA, csq, write_bgzf, write_vcf

import rinec_report

STUDY_GENES = ["ABL1", "COL22A1", "DAXX", "ELAC2", "EPPK1", "KMT2C", "NOTCH2", "POLG", "PTEN",
               "RB1", "TP53", "U2AF1"]
SAMPLES = {"20S3087569": "P2", "19S0735242": "P3", "20S6942679": "P4", "20S6942573": "P5"}


def _example_dir(tmp_path: Path) -> Path:
    """The example's variant files alone, with the sample->patient mapping in the
    config (the clinical table's sample_id does the same in the full example)."""
    run_dir = tmp_path / "run"
    shutil.copytree(EXAMPLE / "variants", run_dir / "variants")
    shutil.copy(EXAMPLE / "panel.bed", run_dir / "panel.bed")
    lines = ["samples:"] + [f"  '{s}': {p}" for s, p in SAMPLES.items()]
    (run_dir / "rinec_report.yaml").write_text("\n".join(lines) + "\n")
    return run_dir


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("variants_example")
    report = rinec_report.run(_example_dir(tmp), outdir=tmp / "out", force=True,
                              plugins=("variants",))
    return report


def test_example_reproduces_the_study(example) -> None:
    assert example.exit_status == 0, [m.line() for m in example.messages]
    data = example.data_dir
    genes = pd.read_csv(data / "variants_genes.tsv", sep="\t")
    assert list(genes.columns) == ["gene", "samples_mutated", "percent_samples", "mutations",
                                   "high_frequency"]
    high = genes[genes["high_frequency"]]
    assert sorted(high["gene"]) == STUDY_GENES
    assert (high["samples_mutated"] == 2).all() and genes["samples_mutated"].max() == 2
    assert 45 <= len(genes) <= 55  # about 50 genes in the oncoplot
    samples = pd.read_csv(data / "variants_samples.tsv", sep="\t")
    assert list(samples.columns) == ["sample", "patient_id", "variants", "nonsynonymous",
                                     "tmb_per_mb", "C>A", "C>G", "C>T", "T>A", "T>C", "T>G",
                                     "ti_tv"]
    assert sorted(samples["patient_id"]) == ["P2", "P3", "P4", "P5"]
    assert (samples["tmb_per_mb"] < 2).all() and (samples["tmb_per_mb"] > 1).all()
    totals = samples[["C>A", "C>G", "C>T", "T>A", "T>C", "T>G"]].sum()
    assert totals.idxmax() == "C>T"
    mutations = pd.read_csv(data / "variants_mutations.tsv", sep="\t")
    assert list(mutations.columns) == ["sample", "patient_id", "gene", "chrom", "pos", "ref",
                                       "alt", "variant_classification", "variant_type",
                                       "hgvsp_short", "filter", "t_depth", "t_ref_count",
                                       "t_alt_count", "t_vaf", "n_depth", "n_ref_count",
                                       "n_alt_count", "protein_position", "protein_length",
                                       "context"]
    assert mutations["context"].isna().all()  # a VCF carries no reference context
    assert set(mutations["filter"]) == {"PASS"}
    # The example's VEP writes Protein_position without a length (example_run/make_variants.py).
    assert mutations["protein_position"].notna().any() and mutations["protein_length"].isna().all()
    # Depths as the example VCFs' AD and DP fields give them (FORMAT GT:AD:DP:AF), read
    # here from the text: t_depth = DP, t_ref_count and t_alt_count = AD, t_vaf = alt/(ref+alt).
    import gzip

    expected = {}
    for vcf in sorted((EXAMPLE / "variants").glob("*.vcf.gz")):
        with gzip.open(vcf, "rt") as text:
            for line in text:
                if not line.startswith("#"):
                    f = line.rstrip("\n").split("\t")
                    ad, dp = f[9].split(":")[1:3]
                    ref, alt = map(int, ad.split(","))
                    expected[(vcf.name.split(".")[0], f[0], int(f[1]))] = (int(dp), ref, alt, alt / (ref + alt))
    for row in mutations.itertuples():
        # A MAF deletion starts at the first deleted base, one after the VCF's POS.
        key = next(k for k in ((row.sample, str(row.chrom), row.pos), (row.sample, str(row.chrom), row.pos - 1))
                   if k in expected)
        assert (row.t_depth, row.t_ref_count, row.t_alt_count) == expected[key][:3]
        assert row.t_vaf == pytest.approx(expected[key][3])
    assert mutations["n_depth"].isna().all()  # tumour-only VCFs


def test_example_sections_and_text(example) -> None:
    titles = [s.title for plugin, s in example.sections if plugin == "variants"]
    assert titles == ["Oncoplot", "Allele fractions", "SNV classes", "Tumour mutational burden", "Genes"]
    html = example.html_path.read_text()
    assert "8 records were filtered out by their FILTER value (LowQual: 4, germline: 4)" in html
    assert "the dominant class is C&gt;T" in html or "the dominant class is C>T" in html
    assert "12,171,225 bp merged" in html


def test_example_summary_columns(example) -> None:
    summary = pd.read_csv(example.data_dir / "report_summary.tsv", sep="\t")
    p3 = summary.set_index("patient_id").loc["P3"]
    assert (p3["samples"], p3["variants"], p3["nonsynonymous"], p3["snv_class"]) == \
        ("19S0735242", 20, 16, "C>T")
    # 16 non-synonymous mutations over the 12.171225 Mb panel
    assert p3["tmb"] == pytest.approx(round(16 / 12.171225, 2))


def test_same_input_same_bytes(tmp_path: Path, example) -> None:
    again = rinec_report.run(_example_dir(tmp_path), outdir=tmp_path / "out2", force=True,
                             plugins=("variants",))
    for name in ("variants_genes.tsv", "variants_samples.tsv", "variants_mutations.tsv"):
        assert (again.data_dir / name).read_bytes() == (example.data_dir / name).read_bytes()


def test_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    good = write_vcf(tmp_path / "good.vcf", [
        ("17", 100, "C", "T", "PASS", "CSQ=" + csq("T", "missense_variant", "TP53",
                                                   hgvsp="ENSP1:p.Arg175His"))])
    write_bgzf(good.read_text(), run_dir / "good.vcf.gz")
    data = (run_dir / "good.vcf.gz").read_bytes()
    (run_dir / "cut.vcf.gz").write_bytes(data[: len(data) // 2])
    shutil.copy(TEST_DATA / "vcf" / "bcftools_split-vep.vcf", run_dir / "sites_only.vcf")
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", force=True,
                              plugins=("variants",))
    errors = [m.line() for m in report.errors]
    assert report.exit_status == 1
    assert any("cut.vcf.gz" in e and "truncated" in e for e in errors), errors
    assert any("sites_only.vcf" in e and "no sample columns" in e for e in errors), errors
    mutations = pd.read_csv(report.data_dir / "variants_mutations.tsv", sep="\t")
    assert mutations["gene"].tolist() == ["TP53"]
