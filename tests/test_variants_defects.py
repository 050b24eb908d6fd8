"""One test per defect of the variants plugin found with real-world files (each
failed before the fix). Expected values are hand-derived from vcf2maf.pl
(mskcc/vcf2maf @ bf53e52d), maftools' behaviour, or a hand count, as said."""

from __future__ import annotations

import gzip
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
from rinec_plugins.variants.maf import parse_maf
from rinec_plugins.variants.vcf import parse_vcf
from variants_helpers import DATA, TEST_DATA, csq, write_vcf

import rinec_report
from rinec_report.model import InputWarning

SNPEFF_HEADER = (
    '##INFO=<ID=ANN,Number=.,Type=String,Description="Functional annotations: \'Allele | '
    "Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | "
    "Transcript_BioType | Rank | HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / "
    "CDS.length | AA.pos / AA.length | Distance | ERRORS / WARNINGS / INFO' \">"
)
# Entries as SnpEff writes them (from pcingola/SnpEff examples/test.ann.vcf and
# cancer_pedigree.ann.vcf): upstream and intergenic entries have no cDNA position.
SNPEFF_ENTRIES = [
    "G|upstream_gene_variant|MODIFIER|DDX11L1|ENSG00000223972|transcript|ENST00000456328|"
    "processed_transcript||n.-1C>G|||||1400|",
    "G|missense_variant|MODERATE|OR4F5|ENSG00000186092|transcript|ENST00000335137|"
    "protein_coding|1/1|c.421A>G|p.Thr141Ala|421/918|421/918|141/305||",
    "G|intergenic_region|MODIFIER|DDX11L1|ENSG00000223972|intergenic_region|ENSG00000223972"
    "|||||||||",
]


def _row(out: dict, *cols: str) -> tuple:
    return tuple(str(v) for v in out["mutations"].iloc[0][list(cols)])


def test_1_snpeff_entries_without_cdna_position(tmp_path: Path) -> None:
    path = write_vcf(tmp_path / "s.vcf", [("1", 69511, "A", "G", "PASS",
                                           "ANN=" + ",".join(SNPEFF_ENTRIES))],
                     csq_header=False, extra_header=(SNPEFF_HEADER,))
    out = parse_vcf(str(path), {})
    assert out["annotation"] == "SnpEff ANN"
    # vcf2maf: protein_coding sorts first (biotype 1 before processed_transcript 6).
    assert _row(out, "gene", "variant_classification", "hgvsp_short") == \
        ("OR4F5", "Missense_Mutation", "p.T141A")


def test_2_multiallelic_record_reports_the_tumours_allele(tmp_path: Path) -> None:
    info = "CSQ=" + ",".join([
        csq("N", "missense_variant", "TP53", hgvsp="ENSP1:p.Arg175Ser"),
        csq("T", "stop_gained", "TP53", hgvsp="ENSP1:p.Arg175Ter"),
    ])
    recs = [("17", 100, "G", "N,T", "PASS", info, ("0/0", "0/2"))]
    path = write_vcf(tmp_path / "m.vcf", recs, samples=("NORMAL", "TUMOR"))
    out = parse_vcf(str(path), {})
    # vcf2maf: the first non-REF allele of the tumour GT not in the normal GT: T.
    assert _row(out, "ref", "alt", "variant_classification", "hgvsp_short") == \
        ("G", "T", "Nonsense_Mutation", "p.R175*")
    # No genotype to go by (./.): the ALT with the most reads (AD), as vcf2maf does.
    by_depth = write_vcf(tmp_path / "d.vcf", [("17", 100, "G", "N,T", "PASS", info)],
                         samples=("TUMOR",), genotypes=("./.",))
    text = by_depth.read_text().replace("\tGT\t./.", "\tGT:AD\t./.:10,2,7").replace(
        '##FORMAT=<ID=GT,', '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="AD">\n'
        '##FORMAT=<ID=GT,')
    by_depth.write_text(text)
    assert _row(parse_vcf(str(by_depth), {}), "alt") == ("T",)


def test_3_canonical_transcript_of_another_gene_when_the_worst_gene_has_none(
        tmp_path: Path) -> None:
    info = "CSQ=" + ",".join([
        csq("T", "missense_variant", "GENEB", "ENST2", hgvsp="ENSP2:p.Gly12Asp"),
        csq("T", "stop_gained", "GENEA", "ENST1", canonical="", hgvsp="ENSP1:p.Arg5Ter"),
    ])
    out = parse_vcf(str(write_vcf(tmp_path / "t.vcf", [("1", 10, "C", "T", "PASS", info)])),
                    {})
    # vcf2maf: the worst gene (GENEA) has no canonical isoform, so "the worst affected
    # VEP-preferred isoform with a gene symbol": GENEB's canonical missense.
    assert _row(out, "gene", "variant_classification", "hgvsp_short") == \
        ("GENEB", "Missense_Mutation", "p.G12D")


@pytest.mark.parametrize(("consequence", "expected"), [
    # Not in today's GetVariantClassification: Targeted_Region there, and here.
    ("splice_polypyrimidine_tract_variant&intron_variant", "Targeted_Region"),
    ("splice_donor_5th_base_variant&intron_variant", "Targeted_Region"),
    ("splice_donor_region_variant&intron_variant", "Targeted_Region"),
    ("start_retained_variant", "Targeted_Region"),
    # protein_altering_variant is listed twice in GetEffectPriority; Perl keeps the
    # last (7), so missense (6) is the worse term.
    ("protein_altering_variant&missense_variant", "Missense_Mutation"),
])
def test_4_newer_vep_terms_as_vcf2maf_maps_them_today(tmp_path: Path, consequence: str,
                                                      expected: str) -> None:
    info = "CSQ=" + csq("T", consequence, "GENE1")
    out = parse_vcf(str(write_vcf(tmp_path / "v.vcf", [("1", 10, "C", "T", "PASS", info)])),
                    {})
    assert _row(out, "variant_classification") == (expected,)


def test_5_trimming_onp_and_empty_maf_filter(tmp_path: Path) -> None:
    info = "CSQ=" + csq("-", "intron_variant", "GENE1")
    recs = [("1", 100, "CATCACTACC", "CACC", "PASS", info),
            ("1", 200, "ACGT", "TGCA", "PASS", "CSQ=" + csq("TGCA", "missense_variant", "G2"))]
    m = parse_vcf(str(write_vcf(tmp_path / "t.vcf", recs)), {})["mutations"]
    # vcf2maf strips every shared leading base: CA, two bases on.
    assert m[["pos", "ref", "alt", "variant_type"]].astype(str).values.tolist() == [
        ["102", "TCACTACC", "CC", "DEL"], ["200", "ACGT", "TGCA", "ONP"]]
    maf = tmp_path / "f.maf"
    maf.write_text("Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2"
                   "\tVariant_Classification\tTumor_Sample_Barcode\tFILTER\n"
                   "TP53\t17\t100\tC\tT\tMissense_Mutation\tS1\t\n"
                   "RB1\t13\t200\tC\tT\tMissense_Mutation\tS1\tPASS\n")
    assert parse_maf(str(maf), {"filters": ["PASS"]})["mutations"]["gene"].astype(str) \
        .tolist() == ["TP53", "RB1"]


def test_6_pedigree_normal_is_never_reported_and_filter_dot_stays(tmp_path: Path) -> None:
    info = "CSQ=" + csq("T", "missense_variant", "TP53")
    recs = [("17", 100, "C", "T", ".", info, ("0/1", "0/1")),
            ("17", 200, "C", "T", "PASS", info, ("0/0", "0/1"))]
    path = write_vcf(tmp_path / "p.vcf", recs, samples=("A1", "B1"),
                     extra_header=("##PEDIGREE=<Derived=B1,Original=A1>",))
    out = parse_vcf(str(path), {})
    assert out["samples"] == ["B1"]
    m = out["mutations"]
    assert m["sample"].astype(str).tolist() == ["B1", "B1"]
    assert m["filter"].astype(str).tolist() == [".", "PASS"]


def test_7_a_few_bad_maf_rows_cost_only_themselves() -> None:
    # maftools' APL_primary.maf.gz: 269 rows, four FLT3_ITD rows with Start_Position NA,
    # 124 samples (hand count: awk -F'\t' on the CR-split file).
    with pytest.warns(InputWarning, match=r"^4 unreadable rows skipped \(line 232: "
                                          r"Start_Position 'NA' is not a position"):
        out = parse_maf(str(DATA / "maftools_APL_primary.maf.gz"), {})
    assert len(out["mutations"]) == 265 and len(out["samples"]) == 124
    with pytest.warns(InputWarning, match=r"^1 unreadable row skipped \(line 145"):
        relapse = parse_maf(str(DATA / "maftools_APL_relapse.maf.gz"), {})
    assert len(relapse["mutations"]) == 160 and len(relapse["samples"]) == 58


def test_7b_rows_with_the_wrong_field_count_and_padded_header(tmp_path: Path) -> None:
    maf = tmp_path / "p.maf"
    maf.write_text("Hugo_Symbol \tChromosome\tStart_Position\tReference_Allele\t"
                   "Tumor_Seq_Allele2\tVariant_Classification\tTumor_Sample_Barcode \n"
                   "TP53\t17\t100\tC\tT\tMissense_Mutation\tS1\n"
                   "RB1\t13\t200\tC\tT\tMissense_Mutation\n"
                   "PTEN\t10\t300\tC\tT\tNonsense_Mutation\tS2\n")
    with pytest.warns(InputWarning, match=r"1 unreadable row skipped \(line 3: 6 fields "
                                          r"where the header has 7\)"):
        out = parse_maf(str(maf), {})
    assert out["mutations"]["gene"].astype(str).tolist() == ["TP53", "PTEN"]


def test_8_annotation_entry_with_the_wrong_field_count_is_warned(tmp_path: Path) -> None:
    shifted = csq("T", "stop_gained", "ENSG9", hgvsp="ENSP9:p.Arg1Ter").replace(
        "|ENSG1|", "|ENSG1|extra|")
    info = "CSQ=" + ",".join([shifted, csq("T", "missense_variant", "TP53",
                                           hgvsp="ENSP1:p.Arg175His")])
    path = write_vcf(tmp_path / "w.vcf", [("17", 100, "C", "T", "PASS", info)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = parse_vcf(str(path), {})
    messages = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert any(m.startswith("line 10: an INFO/CSQ entry has 25 '|'-separated fields where "
                            "the header's Format lists 24") for m in messages), messages
    assert _row(out, "gene", "hgvsp_short") == ("TP53", "p.R175H")


@pytest.mark.parametrize("name", ["data_mutations.txt", "data_mutations_extended.txt",
                                  "data_mutations_extended.maf"])
def test_9_cbioportal_and_gdc_mutation_file_names(tmp_path: Path, name: str) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(TEST_DATA / "vcf2maf" / "test_b38_output.maf", run_dir / name)
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", force=True,
                              plugins=("variants",))
    mutations = pd.read_csv(report.data_dir / "variants_mutations.tsv", sep="\t")
    assert len(mutations) == 25


def test_gzip_maf_with_cr_line_ends_reads(tmp_path: Path) -> None:
    text = gzip.decompress((DATA / "maftools_APL_relapse.maf.gz").read_bytes())
    assert b"\r" in text and b"\n" not in text


def test_2b_strelka_record_without_gt_goes_by_its_tier1_depths(tmp_path: Path) -> None:
    # Strelka writes no GT; vcf2maf then reads allele depths from AU/CU/GU/TU (tier 1).
    fmt = "".join(f'##FORMAT=<ID={b}U,Number=2,Type=Integer,Description="{b}">\n'
                  for b in "ACGT")
    path = tmp_path / "strelka.vcf"
    path.write_text(
        "##fileformat=VCFv4.2\n##contig=<ID=1>\n" + fmt +
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        'Ensembl VEP. Format: Allele|Consequence|SYMBOL">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR\n"
        "1\t100\t.\tA\tC,G\t.\tPASS\tCSQ=C|missense_variant|X,G|stop_gained|X\tAU:CU:GU:TU\t"
        "30,30:0,0:0,0:0,0\t20,20:2,2:18,18:0,0\n")
    out = parse_vcf(str(path), {})
    assert _row(out, "alt", "variant_classification") == ("G", "Nonsense_Mutation")


def test_a_record_with_bytes_that_are_not_utf8_names_its_line(tmp_path):
    # Header: ##fileformat, three ##FILTER, two ##contig, ##INFO CSQ, ##FORMAT GT, the AD
    # line, #CHROM: 10 lines (a hand count), so the first record is line 11. A 0xff in
    # its AD is not a truncation, and the message says what it is.
    from rinec_plugins.variants.vcf import parse_vcf
    from variants_helpers import csq, write_vcf

    from rinec_report import InputError

    info = "CSQ=" + csq("T", "missense_variant", "TP53")
    records = [("17", 7675088, "C", "T", "PASS", info), ("17", 7675090, "C", "T", "PASS", info)]
    path = write_vcf(tmp_path / "s.vcf", records,
                     extra_header=('##FORMAT=<ID=AD,Number=R,Type=String,Description="depths">',))
    path.write_bytes(path.read_bytes().replace(b"\tGT\t0/1\n", b"\tGT:AD\t0/1:\xff,3\n", 1))
    with pytest.raises(InputError, match=r"^line 11: the record holds bytes that are not UTF-8 text"):
        parse_vcf(str(path), {})
