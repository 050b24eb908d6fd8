"""A call repeated for one sample (same sample, chromosome, start, reference and
alternate allele) is counted once, as maftools' read.maf does by default
(removeDuplicatedVariants = TRUE), with the number removed reported."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from page_helpers import page_text
from variants_helpers import csq, write_vcf

import rinec_report

MAF_HEADER = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele",
              "Tumor_Seq_Allele2", "Variant_Classification", "Variant_Type",
              "Tumor_Sample_Barcode", "HGVSp_Short"]


def _report(tmp_path: Path) -> tuple[rinec_report.Report, Path]:
    report = rinec_report.run(tmp_path / "run", outdir=tmp_path / "out", force=True,
                              plugins=("variants",), config={"variants": {"panel_size_mb": 2}})
    return report, tmp_path / "out" / "rinec_report_data"


def test_a_duplicated_maf_row_is_counted_once(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    rows = [
        ["KMT2C", "7", "152235000", "G", "A", "Nonsense_Mutation", "SNP", "S1", "p.Q1379*"],
        ["TP53", "17", "7675088", "C", "T", "Missense_Mutation", "SNP", "S1", "p.R175H"],
        ["KMT2C", "7", "152235000", "G", "A", "Nonsense_Mutation", "SNP", "S1", "p.Q1379*"],
        ["RB1", "13", "48303000", "C", "T", "Missense_Mutation", "SNP", "S1", "p.R1H"],
        # The same position in another sample is no duplicate.
        ["KMT2C", "7", "152235000", "G", "A", "Nonsense_Mutation", "SNP", "S2", "p.Q1379*"],
    ]
    (run / "calls.maf").write_text("\n".join(["\t".join(MAF_HEADER)]
                                             + ["\t".join(r) for r in rows]) + "\n")
    report, data = _report(tmp_path)
    assert report.exit_status == 0
    assert any("1 duplicate mutation call " in m.line() for m in report.messages)
    samples = pd.read_csv(data / "variants_samples.tsv", sep="\t").set_index("sample")
    # By hand: S1 has three distinct non-synonymous calls (KMT2C, TP53, RB1), not four;
    # TMB 3 / 2 Mb = 1.5 (2.0 if the duplicate counted).
    assert samples.loc["S1", "nonsynonymous"] == 3
    assert samples.loc["S1", "tmb_per_mb"] == 1.5
    assert samples.loc["S2", "nonsynonymous"] == 1
    assert len(pd.read_csv(data / "variants_mutations.tsv", sep="\t")) == 4
    html = page_text((tmp_path / "out" / "rinec_report.html").read_text())  # the oncoplot's JSON unpacked
    assert "Duplicate calls counted once" in html
    # The oncoplot cell of S1 x KMT2C is one nonsense call, not a Multi_Hit of two.
    assert "p.Q1379*, p.Q1379*" not in html


def test_two_vcfs_of_one_sample_share_a_call_once(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    shared = ("17", 7675088, "C", "T", "PASS",
              "CSQ=" + csq("T", "missense_variant", "TP53", hgvsp="ENSP1:p.Arg175His"))
    write_vcf(run / "snv.vcf", [shared, ("1", 1000, "A", "G", "PASS",
                                        "CSQ=" + csq("G", "missense_variant", "GENE1"))],
              samples=("S1",))
    write_vcf(run / "more.vcf", [shared, ("1", 2000, "T", "C", "PASS",
                                         "CSQ=" + csq("C", "stop_gained", "GENE2"))],
              samples=("S1",))
    report, data = _report(tmp_path)
    assert report.exit_status == 0
    samples = pd.read_csv(data / "variants_samples.tsv", sep="\t").set_index("sample")
    # By hand: TP53 (in both files), GENE1, GENE2: three calls, TMB 3 / 2 = 1.5.
    assert samples.loc["S1", "nonsynonymous"] == 3
    assert samples.loc["S1", "tmb_per_mb"] == 1.5
    assert any("1 duplicate mutation call " in m.line() for m in report.messages)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_repeated_calls_found_are_pandas_duplicated(seed: int) -> None:
    """The quick search (sample, chromosome and position as one integer; only the rows
    that repeat it compared on all five columns) against pandas' DataFrame.duplicated,
    the reference, on tables with repeats, missing samples and alleles that differ."""
    import numpy as np
    from rinec_plugins.variants.build import DUPLICATE_KEY, _duplicated

    rng = np.random.default_rng(seed)
    n = 20_000
    frame = pd.DataFrame({
        "sample": pd.Categorical(rng.choice(["S1", "S2", "S3", None], n)),
        "chrom": pd.Categorical(rng.choice(["1", "2", "X"], n)),
        "pos": rng.integers(1, 400, n).astype(np.int64),
        "ref": pd.Categorical(rng.choice(["A", "C", "-"], n)),
        "alt": pd.Categorical(rng.choice(["T", "G", None], n)),
        "gene": "TP53",
    })
    want = frame.duplicated(subset=DUPLICATE_KEY, keep="first").to_numpy()
    assert want.sum() > 0 and (~want).sum() > 0
    assert (_duplicated(frame) == want).all()
    # Text columns instead of categoricals: pandas' own path, the same answer.
    plain = frame.astype({"sample": object, "chrom": object})
    assert (_duplicated(plain) == want).all()
