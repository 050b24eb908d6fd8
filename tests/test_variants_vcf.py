"""Reading VCFs: annotations, transcript choice, tumour/normal, FILTER, bad input."""

from __future__ import annotations

import gzip
import shutil
import warnings
from pathlib import Path

import pytest
from rinec_plugins.variants.vcf import parse_vcf
from variants_helpers import EXAMPLE, TEST_DATA, add_sample_column, csq, write_bgzf, write_vcf

from rinec_report.model import InputError, InputWarning


def test_vep_csq_from_bcftools_test_file(tmp_path: Path) -> None:
    vcf = add_sample_column(TEST_DATA / "vcf" / "bcftools_split-vep.vcf", tmp_path / "s.vcf")
    out = parse_vcf(str(vcf), {})
    m = out["mutations"]
    assert out["records"] == 802 and len(m) == 802
    assert out["annotation"] == "VEP CSQ"
    # First record: WASH7P (unprocessed_pseudogene) and DDX11L1 (processed_transcript):
    # vcf2maf prefers the better biotype, DDX11L1, whose effect is downstream.
    first = m.iloc[0]
    assert (first["gene"], first["variant_classification"]) == ("DDX11L1", "3'Flank")
    missense = m[m["variant_classification"] == "Missense_Mutation"]
    assert len(missense) == 15
    assert missense["hgvsp_short"].str.match(r"^p\.[A-Z*]\d+[A-Z*]$").all()


def test_vep_format_string_under_ann(tmp_path: Path) -> None:
    out = parse_vcf(str(TEST_DATA / "vcf" / "bcftools_split-vep.7.vcf"), {})
    assert out["annotation"] == "VEP ANN"
    row = out["mutations"].iloc[0]
    assert (row["gene"], row["variant_classification"], row["sample"]) == \
        ("FAM87B", "5'Flank", "HG001")


def test_snpeff_ann_from_cyvcf2_cohort_vcf() -> None:
    path = str(TEST_DATA / "vcf" / "cyvcf2_test.vcf.gz")
    ann = parse_vcf(path, {"annotation": "ANN"})
    vep = parse_vcf(path, {})
    assert ann["annotation"] == "SnpEff ANN" and vep["annotation"] == "VEP CSQ"
    # A 189-sample cohort VCF: one row per carrier (GT 0/1 or 1/1) per record.
    assert len(ann["samples"]) == 189
    assert len(ann["mutations"]) == len(vep["mutations"]) == 4590
    first = ann["mutations"].iloc[0]
    assert first["gene"] == "DDX11L1" and first["variant_classification"] == "5'Flank"


def test_canonical_transcript_beats_a_more_severe_one(tmp_path: Path) -> None:
    info = "CSQ=" + ",".join([
        csq("T", "stop_gained", "TP53", "ENST2", canonical=""),
        csq("T", "missense_variant", "TP53", "ENST1", hgvsp="ENSP1:p.Arg175His"),
        csq("T", "stop_gained", "WRAP53", "ENST3", biotype="lncRNA"),
    ])
    out = parse_vcf(str(write_vcf(tmp_path / "a.vcf", [("17", 100, "C", "T", "PASS", info)])),
                    {})
    row = out["mutations"].iloc[0]
    assert (row["gene"], row["variant_classification"], row["hgvsp_short"]) == \
        ("TP53", "Missense_Mutation", "p.R175H")


def test_without_canonical_the_most_severe_effect_wins(tmp_path: Path) -> None:
    info = "CSQ=" + ",".join([
        csq("-", "intron_variant", "RB1", "ENST1", canonical=""),
        csq("-", "frameshift_variant", "RB1", "ENST2", canonical="",
            hgvsp="ENSP2:p.Lys10AsnfsTer5"),
    ])
    out = parse_vcf(str(write_vcf(tmp_path / "a.vcf", [("1", 50, "CA", "C", "PASS", info)])), {})
    row = out["mutations"].iloc[0]
    assert (row["variant_classification"], row["variant_type"], row["ref"], row["alt"],
            row["pos"], row["hgvsp_short"]) == ("Frame_Shift_Del", "DEL", "A", "-", 51,
                                                "p.K10Nfs*5")


def test_tumour_normal_from_names_header_and_config(tmp_path: Path) -> None:
    # vcf2maf's test VCF has TUMOR and NORMAL columns: the file name names the sample.
    with pytest.warns(InputWarning, match="no INFO/CSQ"):
        out = parse_vcf(str(TEST_DATA / "vcf2maf" / "test_b38.vcf"), {})
    assert out["tumor_column"] == "TUMOR" and out["samples"] == ["test_b38"]
    assert len(out["mutations"]) == 25
    info = "CSQ=" + csq("T", "missense_variant", "TP53")
    recs = [("17", 100, "C", "T", "PASS", info, ("0/0", "0/1"))]
    by_header = write_vcf(tmp_path / "h.vcf", recs, samples=("N1", "T1"),
                          extra_header=("##tumor_sample=T1", "##normal_sample=N1"))
    assert parse_vcf(str(by_header), {})["samples"] == ["T1"]
    plain = write_vcf(tmp_path / "p.vcf", recs, samples=("N1", "T1"))
    assert parse_vcf(str(plain), {"tumor_sample": "T1"})["samples"] == ["T1"]
    assert parse_vcf(str(plain), {"normal_sample": "N1"})["samples"] == ["T1"]
    # Names that read as tumour and normal (a -T1/-N1 suffix) settle a pair.
    assert parse_vcf(str(plain), {})["samples"] == ["T1"]
    # Without any hint, two samples are a cohort: only the carrier gets the mutation.
    anon = write_vcf(tmp_path / "c.vcf", recs, samples=("A1", "B1"))
    cohort = parse_vcf(str(anon), {})
    assert cohort["samples"] == ["A1", "B1"]
    assert cohort["mutations"]["sample"].tolist() == ["B1"]


def test_filter_pass_by_default_and_counted(tmp_path: Path) -> None:
    info = "CSQ=" + csq("T", "missense_variant", "TP53")
    recs = [("17", 100, "C", "T", "PASS", info), ("17", 200, "C", "T", ".", info),
            ("17", 300, "C", "T", "LowQual", info), ("17", 400, "C", "T", "LowQual;germline",
                                                     info),
            ("17", 500, "C", "T", "germline", info)]
    path = str(write_vcf(tmp_path / "f.vcf", recs))
    out = parse_vcf(path, {})
    assert out["records"] == 5 and len(out["mutations"]) == 2
    assert out["filtered"] == {"LowQual": 1, "LowQual;germline": 1, "germline": 1}
    assert parse_vcf(path, {"filters": ["*"]})["mutations"]["pos"].tolist() == \
        [100, 200, 300, 400, 500]
    # FILTER as written: '.' stays '.', and is kept only when '.' is asked for.
    assert parse_vcf(path, {})["mutations"]["filter"].astype(str).tolist() == ["PASS", "."]
    kept = parse_vcf(path, {"filters": ["PASS", "germline"]})["mutations"]
    assert kept["filter"].astype(str).tolist() == ["PASS", "germline"]


def test_multiallelic_record_uses_its_first_alt_annotation(tmp_path: Path) -> None:
    info = "CSQ=" + ",".join([csq("T", "missense_variant", "TP53", "ENST1"),
                              csq("G", "stop_gained", "TP53", "ENST1")])
    out = parse_vcf(str(write_vcf(tmp_path / "m.vcf",
                                  [("17", 100, "C", "T,G", "PASS", info)])), {})
    row = out["mutations"].iloc[0]
    assert (row["alt"], row["variant_classification"]) == ("T", "Missense_Mutation")


def test_bgzf_round_trip_and_truncated_gzip(tmp_path: Path) -> None:
    src = add_sample_column(TEST_DATA / "vcf" / "bcftools_split-vep.vcf", tmp_path / "s.vcf")
    gz = tmp_path / "s.vcf.gz"
    write_bgzf(src.read_text(), gz)
    assert len(parse_vcf(str(gz), {})["mutations"]) == 802
    data = gz.read_bytes()
    cut = tmp_path / "cut.vcf.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputError, match="truncated"):
        parse_vcf(str(cut), {})
    # A plain (non-blocked) gzip cut short is caught too.
    plain = tmp_path / "plain.vcf.gz"
    plain.write_bytes(gzip.compress(src.read_bytes())[:-100])
    with pytest.raises(InputError, match="truncated"):
        parse_vcf(str(plain), {})


def test_vcf_without_samples_is_refused() -> None:
    with pytest.raises(InputError, match="no sample columns"):
        parse_vcf(str(TEST_DATA / "vcf" / "bcftools_split-vep.vcf"), {})


def test_csq_missing_from_header(tmp_path: Path) -> None:
    info = "CSQ=" + csq("T", "missense_variant", "TP53")
    path = write_vcf(tmp_path / "n.vcf", [("17", 100, "C", "T", "PASS", info)], csq_header=False)
    with pytest.raises(InputError, match=r"line \d+: INFO/CSQ is present but not described"):
        parse_vcf(str(path), {})


def test_csq_header_without_consequence_field(tmp_path: Path) -> None:
    bad = ('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
           'Ensembl VEP. Format: Allele|SYMBOL|Feature">')
    path = write_vcf(tmp_path / "b.vcf", [("17", 100, "C", "T", "PASS", "CSQ=T|TP53|ENST1")],
                     csq_header=False, extra_header=(bad,))
    with pytest.raises(InputError, match="'Consequence'"):
        parse_vcf(str(path), {})


def test_unknown_consequence_term_is_warned_with_its_line(tmp_path: Path) -> None:
    info = "CSQ=" + csq("T", "made_up_variant", "TP53")
    path = write_vcf(tmp_path / "u.vcf", [("17", 100, "C", "T", "PASS", info)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = parse_vcf(str(path), {})
    messages = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert any("'made_up_variant'" in m and m.startswith("line 10:") for m in messages)
    assert out["mutations"].iloc[0]["variant_classification"] == "Targeted_Region"


def test_parse_is_deterministic_and_chunking_invariant(tmp_path: Path, monkeypatch) -> None:
    from rinec_plugins.variants import vcf as vcf_module

    src = add_sample_column(TEST_DATA / "vcf" / "bcftools_split-vep.vcf", tmp_path / "s.vcf")
    whole = parse_vcf(str(src), {})["mutations"]
    monkeypatch.setattr(vcf_module, "CHUNK", 37)
    chunked = parse_vcf(str(src), {})["mutations"]
    assert whole.astype(str).equals(chunked.astype(str))


def test_bcf_reads_like_the_vcf(tmp_path: Path) -> None:
    from cyvcf2 import VCF, Writer

    src = tmp_path / "ex.vcf.gz"
    shutil.copy(EXAMPLE / "variants" / "19S0735242.vcf.gz", src)
    bcf = tmp_path / "ex.bcf"
    reader = VCF(str(src))
    writer = Writer(str(bcf), reader, mode="wb")
    for record in reader:
        writer.write_record(record)
    writer.close()
    reader.close()
    a = parse_vcf(str(src), {})["mutations"].astype(str)
    b = parse_vcf(str(bcf), {})["mutations"].astype(str)
    assert len(a) == 20 and a.equals(b)


def test_cohort_vcf_counts_filtered_records_not_carriers(tmp_path: Path) -> None:
    info = "CSQ=" + csq("T", "missense_variant", "TP53")
    recs = [("17", 100, "C", "T", "LowQual", info, ("0/1", "1/1")),
            ("17", 200, "C", "T", "PASS", info, ("0/1", "0/0"))]
    out = parse_vcf(str(write_vcf(tmp_path / "c.vcf", recs, samples=("A1", "B1"))), {})
    assert out["records"] == 2 and out["filtered"] == {"LowQual": 1}
    assert out["mutations"]["sample"].astype(str).tolist() == ["A1"]
