"""MAF input, the panel BED, and the tables built from them."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
from rinec_plugins.variants import rinec_options
from rinec_plugins.variants.classify import NONSYNONYMOUS
from rinec_plugins.variants.frames import gene_table, sample_table
from rinec_plugins.variants.maf import parse_maf
from rinec_plugins.variants.oncoplot import oncoplot_cells, waterfall_order
from rinec_plugins.variants.panel import parse_bed
from variants_helpers import EXAMPLE, TEST_DATA

from rinec_report.model import InputError, InputWarning
from rinec_report.options import validate


def test_vcf2maf_output_maf_is_read_with_its_own_classes() -> None:
    out = parse_maf(str(TEST_DATA / "vcf2maf" / "test_b38_output.maf"), {})
    m = out["mutations"]
    assert len(m) == 25 and out["samples"] == ["TUMOR"]
    assert m["variant_classification"].value_counts()["Missense_Mutation"] == 15
    assert m.loc[m["gene"] == "ICOSLG", "hgvsp_short"].tolist() == ["p.V199L", "p.E124K",
                                                                   "p.W54*"]


def test_maf_columns_match_case_insensitively_and_gz(tmp_path: Path) -> None:
    text = (TEST_DATA / "vcf2maf" / "test.maf").read_text()
    header_at = next(i for i, line in enumerate(text.splitlines()) if not line.startswith("#"))
    lines = text.splitlines()
    lines[header_at] = lines[header_at].lower()
    path = tmp_path / "lower.maf.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    out = parse_maf(str(path), {})
    assert len(out["mutations"]) == 20
    assert "IGR" in set(out["mutations"]["variant_classification"].astype(str))


def test_maf_without_a_required_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.maf"
    path.write_text("Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\t"
                    "Variant_Classification\tTumor_Sample_Barcode\nTP53\t17\t1\tC\t"
                    "Missense_Mutation\tS1\n")
    with pytest.raises(InputError, match=r"line 1: .*Tumor_Seq_Allele2"):
        parse_maf(str(path), {})


def test_maf_bad_position_costs_its_row_and_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "pos.maf"
    path.write_text("#version 2.4\nHugo_Symbol\tChromosome\tStart_Position\tReference_Allele\t"
                    "Tumor_Seq_Allele2\tVariant_Classification\tTumor_Sample_Barcode\n"
                    "TP53\t17\t100\tC\tT\tMissense_Mutation\tS1\n"
                    "RB1\t13\tabc\tC\tT\tMissense_Mutation\tS2\n")
    with pytest.warns(InputWarning, match=r"1 unreadable row skipped \(line 4: "
                                          r"Start_Position 'abc' is not a position\)"):
        out = parse_maf(str(path), {})
    assert out["mutations"]["gene"].astype(str).tolist() == ["TP53"]
    # The sample named only on the skipped row still counts (in denominators).
    assert out["samples"] == ["S1", "S2"]


def test_maf_filter_column_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "f.maf"
    path.write_text("Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\t"
                    "Tumor_Seq_Allele2\tVariant_Classification\tTumor_Sample_Barcode\tFILTER\n"
                    "TP53\t17\t100\tC\tT\tMissense_Mutation\tS1\tPASS\n"
                    "RB1\t13\t100\tC\tT\tMissense_Mutation\tS1\tpanel_of_normals\n")
    out = parse_maf(str(path), {})
    assert out["mutations"]["gene"].astype(str).tolist() == ["TP53"]
    assert out["filtered"] == {"panel_of_normals": 1}


def test_panel_bed_territory_merges_overlaps(tmp_path: Path) -> None:
    bed = tmp_path / "panel.bed"
    bed.write_text("track name=x\n1\t100\t200\tTP53_exon1\n1\t150\t300\tTP53_exon2\n"
                   "1\t400\t500\tRB1\n2\t100\t200\t.\n")
    out = parse_bed(str(bed))
    assert out["territory_bp"] == 200 + 100 + 100
    assert out["genes"] == ["RB1", "TP53"] and out["intervals"] == 4


def test_example_panel_has_688_genes() -> None:
    out = parse_bed(str(EXAMPLE / "panel.bed"))
    assert len(out["genes"]) == 688
    assert 12.0 < out["territory_mb"] < 12.3


def _toy() -> pd.DataFrame:
    rows = [
        # sample, gene, class, protein, ref, alt, type
        ("A", "TP53", "Missense_Mutation", "p.R175H", "G", "A", "SNP"),
        ("A", "TP53", "Nonsense_Mutation", "p.R196*", "C", "T", "SNP"),
        ("A", "RB1", "Frame_Shift_Del", "p.K10fs", "A", "-", "DEL"),
        ("B", "RB1", "Missense_Mutation", "p.E5K", "C", "T", "SNP"),
        ("C", "TP53", "Missense_Mutation", "p.R273H", "T", "C", "SNP"),
        ("C", "PTEN", "Silent", "p.L1=", "A", "C", "SNP"),
        ("D", "PTEN", "Intron", "", "G", "T", "SNP"),
    ]
    df = pd.DataFrame(rows, columns=["sample", "gene", "variant_classification", "hgvsp_short",
                                     "ref", "alt", "variant_type"])
    df["patient_id"] = df["sample"].map({"A": "P1", "B": "P2", "C": "P3", "D": "P4"})
    df["chrom"], df["pos"], df["filter"] = "1", 1, "PASS"
    return df


def test_gene_table_counts_nonsynonymous_samples() -> None:
    genes = gene_table(_toy(), ["A", "B", "C", "D"], NONSYNONYMOUS, 50.0)
    assert genes["gene"].tolist() == ["TP53", "RB1"]  # ties broken by mutations, then name
    assert genes["samples_mutated"].tolist() == [2, 2]
    assert genes["mutations"].tolist() == [3, 2]
    assert genes["percent_samples"].tolist() == [50.0, 50.0]
    assert genes["high_frequency"].tolist() == [True, True]
    assert gene_table(_toy(), ["A", "B", "C", "D", "E"], NONSYNONYMOUS, 50.0)[
        "high_frequency"].tolist() == [False, False]


def test_multi_hit_and_waterfall_order() -> None:
    cells = oncoplot_cells(_toy(), ["TP53", "RB1"], NONSYNONYMOUS)
    by = {(r.sample, r.gene): r for r in cells.itertuples()}
    assert by[("A", "TP53")].cls == "Multi_Hit"
    assert by[("A", "TP53")].protein == "p.R175H, p.R196*"
    assert by[("A", "RB1")].cls == "Frame_Shift_Del"
    # TP53 carriers first (A has RB1 too, so before C), then RB1-only B, then D.
    assert waterfall_order(cells, ["TP53", "RB1"], ["D", "C", "B", "A"]) == ["A", "C", "B", "D"]


def test_tmb_and_snv_classes_against_hand_computed_values() -> None:
    samples = sample_table(_toy(), ["A", "B", "C", "D"], {"A": "P1"}, NONSYNONYMOUS, 2.5)
    a = samples.set_index("sample").loc["A"]
    # A: 3 non-synonymous mutations on 2.5 Mb = 1.2/Mb; G>A folds into C>T twice.
    assert a["nonsynonymous"] == 3 and a["tmb_per_mb"] == pytest.approx(1.2)
    assert a["C>T"] == 2 and a["ti_tv"] != a["ti_tv"]  # no transversion: Ti/Tv undefined
    c = samples.set_index("sample").loc["C"]
    assert (c["T>C"], c["T>G"], c["ti_tv"]) == (1, 1, 1.0)  # A>C folds into T>G
    d = samples.set_index("sample").loc["D"]
    assert (d["variants"], d["nonsynonymous"], d["tmb_per_mb"], d["C>A"]) == (1, 0, 0.0, 1)


def test_snv_classes_with_and_without_synonymous_snvs() -> None:
    # Hand count: a missense C>T, a synonymous T>C, an intronic C>A in one sample.
    m = pd.DataFrame({"sample": ["S"] * 3, "gene": ["G1", "G2", "G3"],
                      "variant_classification": ["Missense_Mutation", "Silent", "Intron"],
                      "hgvsp_short": ["", "", ""], "ref": ["C", "T", "C"],
                      "alt": ["T", "C", "A"], "variant_type": ["SNP"] * 3})
    every = sample_table(m, ["S"], {}, NONSYNONYMOUS, None, "all").iloc[0]
    assert (every["C>T"], every["T>C"], every["C>A"], every["ti_tv"]) == (1, 1, 1, 2.0)
    # maftools' titv default (useSyn = FALSE): only the non-synonymous C>T.
    nonsyn = sample_table(m, ["S"], {}, NONSYNONYMOUS, None, "nonsynonymous").iloc[0]
    assert (nonsyn["C>T"], nonsyn["T>C"], nonsyn["C>A"]) == (1, 0, 0)
    assert nonsyn["ti_tv"] != nonsyn["ti_tv"]  # no transversion left: undefined


def test_oncoplot_spec_scales_without_per_cell_names() -> None:
    from rinec_plugins.variants.oncoplot import oncoplot_chart

    rows = [(f"S{s:04d}", f"G{g}", "Missense_Mutation", f"p.R{s}H")
            for s in range(1200) for g in range(3) if (s + g) % 2 == 0]
    m = pd.DataFrame(rows, columns=["sample", "gene", "variant_classification", "hgvsp_short"])
    m["patient_id"] = m["sample"]
    m["ref"], m["alt"], m["variant_type"] = "C", "T", "SNP"
    samples = sample_table(m, sorted(set(m["sample"])), {}, NONSYNONYMOUS, 1.0)
    genes = gene_table(m, list(samples["sample"]), NONSYNONYMOUS, 50.0)
    import altair as alt

    with alt.data_transformers.disable_max_rows():
        options = validate(rinec_options(), {"oncoplot_max_samples": 1200}, "variants.")
        chart, facts = oncoplot_chart(m, samples, genes, options, 1.0)
        spec = chart.to_dict()
        # More samples than oncoplot_max_samples: columns of consecutive samples.
        fewer = validate(rinec_options(), {"oncoplot_max_samples": 1000}, "variants.")
        _, binned = oncoplot_chart(m, samples, genes, fewer, 1.0)
    assert facts["shown"] == 1200 and facts["samples"] == 1200
    assert (binned["binned"], binned["columns"], binned["samples"]) == (2, 600, 1200)
    cells = [d for d in spec["datasets"].values() if d and "g" in d[0] and "c" in d[0]]
    assert cells and all("s" not in row for row in cells[0])  # names come from a lookup
    assert {row["c"] for row in cells[0]} == {"Missense_Mutation"}
