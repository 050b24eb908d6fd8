"""Oncogenic signalling pathways: the shares of samples altered and of genes mutated
against a pandas count made here from maftools' APL MAF and the shipped gene lists."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd

import rinec_report

ROOT = Path(__file__).parents[1]
DATA = Path(__file__).parent / "data" / "variants"
LISTS = ROOT / "plugins" / "genomics" / "data" / "oncogenic_pathways.tsv"
NONSYN = {"Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site", "Nonsense_Mutation",
          "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation"}
# Sanchez-Vega et al. 2018, table S3: the ten pathways.
TEN = {"Cell_Cycle", "Hippo", "MYC", "NOTCH", "NRF2", "PI3K", "RTK-RAS", "TGF-Beta", "TP53", "WNT"}


def raw_apl() -> pd.DataFrame:
    lines = gzip.decompress((DATA / "maftools_APL_primary.maf.gz").read_bytes()).decode().split("\r")
    rows = [line.split("\t") for line in lines if line]
    return pd.DataFrame(rows[1:], columns=rows[0])


def run(tmp_path: Path, files: dict[str, bytes | Path], config: dict | None = None) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for name, content in files.items():
        if isinstance(content, Path):
            shutil.copy(content, run_dir / name)
        else:
            (run_dir / name).write_bytes(content)
    out = tmp_path / "out"
    result = rinec_report.run(str(run_dir), outdir=str(out), force=True, config=config or {})
    assert result.exit_status == 0, [m.line() for m in result.messages]
    return out / "rinec_report_data"


def test_shares_equal_a_count_from_the_gene_lists(tmp_path: Path) -> None:
    data = run(tmp_path, {"apl.maf.gz": DATA / "maftools_APL_primary.maf.gz"})
    lists = pd.read_csv(LISTS, sep="\t")
    assert set(lists["Pathway"]) == TEN
    raw = raw_apl()
    n_samples = raw["Tumor_Sample_Barcode"].nunique()
    hits = raw[raw["Variant_Classification"].isin(NONSYN)].merge(lists, left_on="Hugo_Symbol", right_on="Gene")
    altered = hits.groupby("Pathway")["Tumor_Sample_Barcode"].nunique()
    mutated = hits.groupby("Pathway")["Gene"].nunique()
    got = pd.read_csv(data / "genomics_pathways.tsv", sep="\t").set_index("pathway")
    assert set(got.index) == TEN
    assert (got["cohort_samples"] == n_samples).all()
    for pathway in TEN:
        assert got.loc[pathway, "samples_altered"] == altered.get(pathway, 0), pathway
        assert abs(got.loc[pathway, "fraction_altered"] - altered.get(pathway, 0) / n_samples) < 1e-4
        assert got.loc[pathway, "genes"] == (lists["Pathway"] == pathway).sum()
        assert got.loc[pathway, "genes_mutated"] == mutated.get(pathway, 0), pathway
    # RTK-RAS (FLT3, NRAS, KRAS...) is APL's most altered pathway.
    assert got["samples_altered"].idxmax() == "RTK-RAS"


def test_a_panel_restricts_the_lists_and_says_so(tmp_path: Path) -> None:
    maf = ("Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
           "Variant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\n"
           "KRAS\t12\t25398284\tC\tT\tMissense_Mutation\tS1\tp.G12D\n"
           "TP53\t17\t7577120\tC\tT\tMissense_Mutation\tS2\tp.R273H\n"
           "TP53\t17\t7577121\tG\tA\tSilent\tS3\tp.R273=\n"
           "APC\t5\t112175639\tC\tT\tNonsense_Mutation\tS3\tp.R1450*\n")
    # The panel covers KRAS, TP53 and NRAS, not APC.
    bed = "12\t25398200\t25398300\tKRAS\n17\t7577000\t7577200\tTP53\n1\t115258700\t115258800\tNRAS\n"
    data = run(tmp_path, {"calls.maf": maf.encode(), "panel.bed": bed.encode()})
    got = pd.read_csv(data / "genomics_pathways.tsv", sep="\t").set_index("pathway")
    # By hand: RTK-RAS has KRAS and NRAS on the panel, one mutated, in S1 of three samples;
    # TP53's pathway has TP53 only, mutated in S2 (S3's is silent); WNT has no panel gene.
    assert got.loc["RTK-RAS", ["genes", "genes_mutated", "samples_altered"]].tolist() == [2, 1, 1]
    assert got.loc["TP53", ["genes", "genes_mutated", "samples_altered"]].tolist() == [1, 1, 1]
    assert abs(got.loc["TP53", "fraction_altered"] - 1 / 3) < 1e-4
    assert "WNT" not in got.index
    html = (data.parent / "rinec_report.html").read_text()
    assert "on the panel only" in html


def test_a_deidentified_report_keeps_every_genomics_field(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = rinec_report.run(str(ROOT / "example_run"), outdir=str(out), force=True, deidentify=True)
    assert result.exit_status == 0, [m.line() for m in result.messages]
    html = (out / "rinec_report.html").read_text()
    end = html.index('"label":"Removed for sharing"')
    removed = html[html.rindex('"rows":', 0, end):end]
    assert '["genomics",' not in removed.replace('["genomics","rinec-report"', "")
    pathways = pd.read_csv(out / "rinec_report_data" / "genomics_pathways.tsv", sep="\t")
    assert {"pathway", "samples_altered", "fraction_altered"} <= set(pathways.columns)
    mutations = pd.read_csv(out / "rinec_report_data" / "genomics_lollipop_mutations.tsv", sep="\t")
    assert {"gene", "protein_change", "protein_position", "variant_classification"} <= set(mutations.columns)
    # Samples are pseudonyms, never the example's barcodes.
    assert not mutations["sample"].astype(str).str.match(r"\d\dS\d+").any()
