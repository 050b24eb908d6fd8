"""vcf2maf parity end to end: public annotated VCFs through the whole VCF path
(parse_vcf: sample roles, the tumour's allele, transcript choice, trimming,
classification), compared row by row with vcf2maf's own MAF where one is public,
and with the reference implementation of vcf2maf.pl's rules in
tests/vcf2maf_reference.py for every file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import vcf2maf_reference as reference
from rinec_plugins.variants.vcf import parse_vcf
from variants_helpers import DATA, TEST_DATA, add_sample_column

COLUMNS = ["Hugo_Symbol", "Variant_Classification", "Variant_Type", "Start_Position",
           "Reference_Allele", "Tumor_Seq_Allele2", "HGVSp_Short"]
PLUGIN = ["gene", "variant_classification", "variant_type", "pos", "ref", "alt", "hgvsp_short"]


def plugin_rows(path: Path, options: dict | None = None) -> list[tuple[str, ...]]:
    out = parse_vcf(str(path), {"filters": ["*"], **(options or {})})
    m = out["mutations"]
    return [tuple(str(v) for v in row) for row in m[PLUGIN].itertuples(index=False)]


def maf_rows(path: Path) -> list[tuple[str, ...]]:
    with open(path) as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")),
                              delimiter="\t")
        return [tuple(r[c] for c in COLUMNS) for r in rows]


def reference_rows(path: Path, tumor: str, normal: str | None) -> list[tuple[str, ...]]:
    return [tuple(r[c] for c in COLUMNS) for r in reference.convert(path, tumor, normal)]


PINDEL = DATA / "vcf2maf_test_pindel.vep.vcf"


def test_vep_tumour_normal_vcf_agrees_with_vcf2maf_output_row_by_row() -> None:
    """mskcc/vcf2maf's own MAF for its VEP-annotated pindel VCF (TUMOR and NORMAL
    columns, ALLELE_NUM, canonical and non-canonical transcripts)."""
    got = plugin_rows(PINDEL)
    want = maf_rows(DATA / "vcf2maf_test_pindel.vep.maf")
    assert len(got) == len(want) == 31
    differ = [(g, w) for g, w in zip(got, want, strict=True) if g != w]
    # One row differs, and by design: its tumour GT is 0/4 (an allele the record
    # lacks). The vcf2maf of 2016 that wrote this MAF then reported no allele
    # ('Unknown', Targeted_Region); vcf2maf.pl today falls back to the read depths
    # (AD 36,15: the first ALT), as the plugin and the reference do.
    assert differ == [(
        ("AKAP9", "Frame_Shift_Ins", "INS", "91726612", "-", "A", "p.L3448Tfs*10"),
        ("Unknown", "Targeted_Region", "DEL", "91726612", "G", "", ""),
    )]


def test_the_reference_reproduces_vcf2maf_output_except_the_fixed_row() -> None:
    got = reference_rows(PINDEL, "TUMOR", "NORMAL")
    want = maf_rows(DATA / "vcf2maf_test_pindel.vep.maf")
    assert sum(g != w for g, w in zip(got, want, strict=True)) == 1


PUBLIC_VCFS = [
    # (file, tumour, normal, options): VEP tumour/normal (mskcc/vcf2maf); SnpEff
    # -cancer tumour/normal, multi-allelic, ##PEDIGREE (pcingola/SnpEff); VEP
    # single sample with 34 multi-allelic records and ALLELE_NUM (samtools/bcftools);
    # an old short VEP CSQ without an Allele field beside SnpEff ANN, one of its 189
    # samples taken as the tumour (brentp/cyvcf2).
    (DATA / "vcf2maf_test_pindel.vep.vcf", "TUMOR", "NORMAL", {}),
    (DATA / "snpeff_cancer_pedigree.ann.vcf", "Patient_01_Somatic", "Patient_01_Germline", {}),
    (TEST_DATA / "vcf" / "bcftools_split-vep.vcf", "S1", None, {}),
    (TEST_DATA / "vcf" / "cyvcf2_test.vcf.gz", "101976-101976", None,
     {"tumor_sample": "101976-101976"}),
]


@pytest.mark.parametrize(("path", "tumor", "normal", "options"), PUBLIC_VCFS,
                         ids=[p[0].name for p in PUBLIC_VCFS])
def test_public_vcf_agrees_with_the_reference_row_by_row(tmp_path: Path, path: Path, tumor: str,
                                                         normal: str | None,
                                                         options: dict) -> None:
    if "bcftools" in path.name:  # sites only: a sample column is added
        path = add_sample_column(path, tmp_path / "bcftools.vcf", second_alt=True)
    got = plugin_rows(path, options)
    want = reference_rows(path, tumor, normal)
    assert len(got) == len(want) > 0
    assert [(i, g, w) for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w] == []


def test_snpeff_pedigree_reports_the_tumours_own_allele() -> None:
    out = parse_vcf(str(DATA / "snpeff_cancer_pedigree.ann.vcf"), {})
    assert out["samples"] == ["Patient_01_Somatic"]
    assert (out["tumor_column"], out["normal_column"]) == ("Patient_01_Somatic",
                                                           "Patient_01_Germline")
    m = out["mutations"]
    # GT normal 1/0, tumour 2/1: the tumour's allele absent from the normal is the
    # second ALT (hand-read from the file), with that allele's SnpEff entries.
    assert m[["pos", "ref", "alt", "variant_classification", "hgvsp_short"]].astype(str) \
        .values.tolist() == [
            ["69091", "A", "G", "Translation_Start_Site", "p.M1?"],
            ["69849", "G", "C", "Missense_Mutation", "p.W253C"],
            ["69511", "A", "G", "Missense_Mutation", "p.T141A"],
        ]


def test_unannotated_tumour_normal_vcf_positions_alleles_and_types_match_vcf2maf() -> None:
    """vcf2maf's test_b38.vcf has no annotation (vcf2maf ran VEP itself), so only
    what does not depend on it is compared: start, alleles and type, every row."""
    out = parse_vcf(str(TEST_DATA / "vcf2maf" / "test_b38.vcf"), {"filters": ["*"]})
    got = [tuple(str(v) for v in r) for r in
           out["mutations"][["pos", "ref", "alt", "variant_type"]].itertuples(index=False)]
    want = [(r[3], r[4], r[5], r[2]) for r in maf_rows(TEST_DATA / "vcf2maf" /
                                                       "test_b38_output.maf")]
    assert len(got) == 25 and got == want
