"""vcf2maf-exact classification, checked against vcf2maf's own MAFs."""

from __future__ import annotations

import pandas as pd
import pytest
from rinec_plugins.variants.classify import (
    classify,
    hgvsp_short,
    snv_class,
    trim_alleles,
    variant_type,
    worst_effect,
)
from variants_helpers import TEST_DATA

VCF2MAF_OUTPUTS = ["test_b38_output.maf", "test_output.vep_isoforms.maf"]


@pytest.mark.parametrize("name", VCF2MAF_OUTPUTS)
def test_classification_agrees_with_vcf2maf_on_every_row(name: str) -> None:
    maf = pd.read_csv(TEST_DATA / "vcf2maf" / name, sep="\t", comment="#", dtype=str,
                      keep_default_na=False)
    assert len(maf) >= 20
    mismatches = []
    for row in maf.itertuples(index=False):
        vc, vt = classify(row.Consequence, row.Reference_Allele, row.Tumor_Seq_Allele2)
        short = hgvsp_short(row.HGVSp, row.HGVSc, worst_effect(row.Consequence))
        got = (vc, vt, short)
        want = (row.Variant_Classification, row.Variant_Type, row.HGVSp_Short)
        if got != want:
            mismatches.append((row.Consequence, got, want))
    assert mismatches == []


def test_the_maf_files_exercise_the_hard_cases() -> None:
    maf = pd.concat(
        pd.read_csv(TEST_DATA / "vcf2maf" / n, sep="\t", comment="#", dtype=str,
                    keep_default_na=False) for n in VCF2MAF_OUTPUTS)
    classes = set(maf["Variant_Classification"])
    # in-frame vs frameshift from allele lengths, splice, UTR-free flank, IGR, translation start
    assert {"In_Frame_Ins", "Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Splice_Region",
            "5'Flank", "IGR", "Translation_Start_Site", "Nonsense_Mutation"} <= classes


def test_protein_altering_variant_uses_the_allele_lengths() -> None:
    assert classify("protein_altering_variant", "-", "ATA") == ("In_Frame_Ins", "INS")
    assert classify("protein_altering_variant", "-", "AT") == ("Frame_Shift_Ins", "INS")
    assert classify("protein_altering_variant", "CAG", "-") == ("In_Frame_Del", "DEL")
    assert classify("protein_altering_variant", "CA", "-") == ("Frame_Shift_Del", "DEL")


def test_most_severe_term_wins_and_ties_keep_the_first() -> None:
    assert worst_effect("splice_region_variant&synonymous_variant") == "splice_region_variant"
    assert worst_effect("intron_variant,splice_donor_variant") == "splice_donor_variant"
    assert worst_effect("intron_variant&non_coding_transcript_variant") == "intron_variant"
    assert classify("stop_gained&frameshift_variant", "A", "T")[0] == "Nonsense_Mutation"
    assert classify("not_a_real_term", "A", "T")[0] == "Targeted_Region"


def test_variant_types_and_trimming() -> None:
    assert trim_alleles("CA", "C") == ("A", "-", 1)
    assert trim_alleles("C", "CTT") == ("-", "TT", 1)
    assert trim_alleles("AG", "CA") == ("AG", "CA", 0)
    # vcf2maf strips every shared leading base, substitutions included.
    assert trim_alleles("CATCACTACC", "CACC") == ("TCACTACC", "CC", 2)
    assert trim_alleles("ACGT", "AGGA") == ("CGT", "GGA", 1)
    assert [variant_type(*p) for p in [("A", "T"), ("AG", "CA"), ("AGT", "CAA"),
                                       ("AGTC", "CAAG"), ("-", "T"), ("TT", "-")]] == \
        ["SNP", "DNP", "TNP", "ONP", "INS", "DEL"]


def test_hgvsp_short() -> None:
    assert hgvsp_short("ENSP00000269305.4:p.Arg175His") == "p.R175H"
    assert hgvsp_short("ENSP1:p.Trp54Ter") == "p.W54*"
    assert hgvsp_short("ENSP1:p.Leu212%3D") == "p.L212="
    # vcf2maf strips with s/^.*:// (greedy: up to the last colon), as the column version does.
    assert hgvsp_short("GRCh38:ENSP1:p.Arg175His") == "p.R175H"
    assert hgvsp_short("", "c.498+1G>A", "splice_donor_variant") == "p.X166_splice"
    # Only splice acceptor/donor effects get p.X<n>_splice (not transcript_ablation).
    assert hgvsp_short("", "c.498+1G>A", "transcript_ablation") == ""


@pytest.mark.parametrize(("ref", "alt", "cls"), [
    ("C", "T", "C>T"), ("G", "A", "C>T"), ("C", "A", "C>A"), ("G", "T", "C>A"),
    ("C", "G", "C>G"), ("G", "C", "C>G"), ("T", "A", "T>A"), ("A", "T", "T>A"),
    ("T", "C", "T>C"), ("A", "G", "T>C"), ("T", "G", "T>G"), ("A", "C", "T>G"),
])
def test_six_classes_fold_onto_the_pyrimidine(ref: str, alt: str, cls: str) -> None:
    assert snv_class(ref, alt) == cls


def test_non_snvs_have_no_snv_class() -> None:
    assert snv_class("CA", "C") is None
    assert snv_class("-", "T") is None
    assert snv_class("C", "C") is None
