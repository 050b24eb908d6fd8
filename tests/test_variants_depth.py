"""Read depth and allele counts as vcf2maf.pl computes them: each caller's FORMAT
fields (tests/data/variants/depth/*.vcf) against vcf2maf.pl's own MAF for that
file, and the public vcf2maf fixtures whose MAFs already hold t_depth and the
counts. Expected values are vcf2maf's output, never the plugin's."""

from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path

import pytest
from rinec_plugins.variants.maf import parse_maf
from rinec_plugins.variants.vcf import parse_vcf
from variants_helpers import DATA, TEST_DATA

DEPTH = DATA / "depth"
MAF_COLUMNS = ["Start_Position", "Tumor_Seq_Allele2", "t_depth", "t_ref_count", "t_alt_count",
               "n_depth", "n_ref_count", "n_alt_count"]
PLUGIN = ["pos", "alt", "t_depth", "t_ref_count", "t_alt_count", "n_depth", "n_ref_count",
          "n_alt_count"]
CALLERS = sorted(p.stem for p in DEPTH.glob("*.vcf"))


def _text(value: object) -> str:
    """A value as vcf2maf prints it ('.' and '' both mean none)."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value == int(value) else str(value)
    return "" if str(value) in (".", "") else str(value)


def maf_rows(path: Path) -> list[tuple[str, ...]]:
    with open(path) as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return [tuple(_text(r[c]) for c in MAF_COLUMNS) for r in rows]


def plugin_rows(path: Path) -> list[tuple[str, ...]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = parse_vcf(str(path), {"filters": ["*"]})["mutations"]
    return [tuple(_text(v) for v in row) for row in m[PLUGIN].itertuples(index=False)]


def test_every_caller_format_has_a_fixture() -> None:
    # vcf2maf.pl's FixAlleleDepths: AD (and its edge cases), VarScan RD, SomaticSniper
    # BCOUNT, Strelka AU..TU and TAR/TIR, CaVEMan, FreeBayes RO/AO, Delly RR/RV, DP4,
    # cgpPindel, FA, DV; and a DP-only file.
    assert CALLERS == ["ad", "caveman", "cgppindel", "delly", "dp4", "dp_only", "dv", "fa",
                       "freebayes", "somaticsniper", "strelka_indel", "strelka_snv", "sv", "varscan"]


@pytest.mark.parametrize("caller", CALLERS)
def test_depths_agree_with_vcf2maf_on_every_row(caller: str) -> None:
    got = plugin_rows(DEPTH / f"{caller}.vcf")
    want = maf_rows(DEPTH / f"{caller}.maf")
    assert len(got) == len(want) > 0
    assert got == want


def test_ad_fixture_values_by_hand() -> None:
    """Spot checks of vcf2maf's rules, read off its MAF and the VCF by hand."""
    rows = {r[0]: r for r in maf_rows(DEPTH / "ad.maf")}
    assert rows["110"][2:] == ("50", "30", "20", "37", "35", "2")  # AD sum over DP: DP = sum
    assert rows["130"][2:] == ("25", "", "", "30", "", "")  # AD '.': DP only
    assert rows["140"][2:] == ("33", "", "9", "28", "", "0")  # one AD value: the ALT's
    assert rows["160"][2:] == ("18", "10", "7", "15", "15", "0")  # GT 0/2: the second ALT


def test_public_b38_fixture_depths_match_vcf2maf_on_every_row() -> None:
    got = plugin_rows(TEST_DATA / "vcf2maf" / "test_b38.vcf")
    want = maf_rows(TEST_DATA / "vcf2maf" / "test_b38_output.maf")
    assert len(got) == len(want) == 25
    assert got == want


def test_public_pindel_fixture_depths_match_vcf2maf() -> None:
    got = plugin_rows(DATA / "vcf2maf_test_pindel.vep.vcf")
    want = maf_rows(DATA / "vcf2maf_test_pindel.vep.maf")
    assert len(got) == len(want) == 31
    differ = [(g, w) for g, w in zip(got, want, strict=True) if g != w]
    # The row whose tumour GT is 0/4 (an allele the record lacks): the vcf2maf of
    # 2016 that wrote this MAF took allele 4 (no count, no allele); vcf2maf.pl today
    # falls back to the first ALT, whose AD is 15 (AD 36,15 in the VCF).
    assert [(g[2:], w[2:]) for g, w in differ] == [
        (("51", "36", "15", "24", "24", "0"), ("51", "36", "", "24", "24", ""))]


def test_vaf_is_maftools_alt_over_ref_plus_alt() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = parse_vcf(str(DEPTH / "ad.vcf"), {"filters": ["*"]})["mutations"]
    vaf = dict(zip(m["pos"], m["t_vaf"], strict=True))
    assert vaf[100] == pytest.approx(12 / 42)  # AD 30,12
    assert vaf[110] == pytest.approx(20 / 50)  # AD 30,20 (DP 45 is not the denominator)
    assert math.isnan(vaf[130])  # no counts


def test_a_maf_gives_its_own_depth_columns() -> None:
    path = TEST_DATA / "vcf2maf" / "test_b38_output.maf"
    m = parse_maf(str(path), {"filters": ["*"]})["mutations"]
    got = [tuple(_text(v) for v in row) for row in m[PLUGIN[2:]].itertuples(index=False)]
    assert got == [r[2:] for r in maf_rows(path)]
    # First row: t_ref_count '.', t_alt_count 21: no VAF; second: 123 / (778 + 123).
    assert math.isnan(m["t_vaf"][0])
    assert m["t_vaf"][1] == pytest.approx(123 / 901)


def test_cohort_vcf_carriers_get_their_own_counts(tmp_path: Path) -> None:
    from variants_helpers import csq, write_vcf

    # Three samples, no tumour/normal: a cohort. S1 and S3 carry the ALT. By hand:
    # S1 AD 20,5 DP 25; S3 AD 8,8 and DP '.', so DP is the sum 16.
    path = write_vcf(tmp_path / "cohort.vcf", [
        ("1", 100, "A", "G", "PASS", "CSQ=" + csq("G", "missense_variant", "GENE1"),
         ("0/1:20,5:25", "0/0:30,0:30", "0/1:8,8:.")),
    ], samples=("S1", "S2", "S3"), extra_header=(
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="AD">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="DP">'))
    text = path.read_text().replace("\tGT\t", "\tGT:AD:DP\t")
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = parse_vcf(str(path), {})["mutations"]
    got = {str(s): (d, r, a) for s, d, r, a in
           zip(m["sample"], m["t_depth"], m["t_ref_count"], m["t_alt_count"], strict=True)}
    assert got == {"S1": (25, 20, 5), "S3": (16, 8, 8)}
    assert m["n_depth"].isna().all()


def test_the_column_shortcut_agrees_with_the_rules_row_by_row() -> None:
    """count_columns' whole-column shortcut against the rules it stands in for
    (allele_counts, checked against vcf2maf above) on random AD/DP texts."""
    import random

    import numpy as np
    from rinec_plugins.variants.depth import allele_counts, count_columns, sample_fields

    rng = random.Random(7)
    pieces = ["0", "5", "12", "30", "", ".", "x", "07"]
    keys, columns = [], []
    for _ in range(2000):
        fmt = rng.choice(["GT:AD:DP", "GT:DP:AD", "GT:AD", "AD:DP:AD", "GT:DP4:DP"])
        values = {"GT": "0/1", "DP": rng.choice(pieces),
                  "AD": ",".join(rng.choice(pieces) for _ in range(rng.choice([1, 2, 2, 3]))),
                  "DP4": "1,2,3,4"}
        fields = [values[t] for t in fmt.split(":")][: rng.choice([1, 2, 3, 3, 3])]
        keys.append(fmt)
        columns.append(":".join(fields))
    alleles = ["A", "C"]
    d, r, a = count_columns(keys, columns, np.ones(len(keys), dtype=bool),
                            lambda k: (alleles, 1))
    for k in range(len(keys)):
        want = allele_counts(alleles, 1, sample_fields(keys[k], columns[k]))
        got = (d[k], r[k], a[k])
        assert np.allclose(got, want, equal_nan=True), (keys[k], columns[k], got, want)


def test_structural_variants_are_written_as_vcf2maf_writes_them() -> None:
    """sv.vcf: a <DEL>, a BND (ALT A]2:3000], CHR2=2), a symbolic <INS>, a DEL
    written in bases, a <DUP>; vcf2maf's MAF has each DEL/BND/DUP twice (second
    breakpoint first), the bases-written DEL once, and no row for the <INS>."""
    columns = ["Chromosome", "Start_Position", "Variant_Classification", "Variant_Type",
               "Reference_Allele", "Tumor_Seq_Allele2"]
    with open(DEPTH / "sv.maf") as fh:
        want = [tuple(r[c] for c in columns) for r in csv.DictReader(
            (line for line in fh if not line.startswith("#")), delimiter="\t")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = parse_vcf(str(DEPTH / "sv.vcf"), {"filters": ["*"]})
    m = out["mutations"]
    got = [tuple(str(v) for v in row) for row in m[["chrom", "pos", "variant_classification",
                                                    "variant_type", "ref", "alt"]]
           .itertuples(index=False)]
    assert len(want) == 7
    assert got == want
    assert out["records"] == 5
    assert sum(out["filtered"].values()) == 1  # the <INS>, named in the filtered reasons


def test_counts_too_large_for_a_number_are_none() -> None:
    import numpy as np
    from rinec_plugins.variants.depth import count_columns

    huge = "9" * 400
    d, r, a = count_columns(["GT:AD:DP", "GT:DP4"], [f"0/1:{huge},5:.", f"0/1:{huge},1,2,3"],
                            np.ones(2, dtype=bool), lambda k: (["A", "C"], 1))
    assert np.isnan(d[0]) and np.isnan(r[0]) and a[0] == 5
    assert np.isnan(r[1]) and a[1] == 5
