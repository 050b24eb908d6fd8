"""Lollipop plots: positions and counts per position against a count made here from the
MAF's raw columns (maftools' APL MAF; vcf2maf's MAF for Protein_position lengths)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from page_helpers import page_text

import rinec_report

DATA = Path(__file__).parent / "data" / "variants"
# maftools' non-synonymous classes (read.maf's vc_nonSyn).
NONSYN = {"Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site", "Nonsense_Mutation",
          "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation"}
GENES = ["FLT3", "WT1", "NRAS", "KRAS", "EGFLAM"]


def raw_apl() -> pd.DataFrame:
    # The file has old-Mac line ends: split on \r by hand, not through the plugin's reader.
    lines = gzip.decompress((DATA / "maftools_APL_primary.maf.gz").read_bytes()).decode().split("\r")
    rows = [line.split("\t") for line in lines if line]
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    frame = frame[frame["Start_Position"].str.fullmatch(r"\d+")]
    # maftools' read.maf keeps the first of repeated (sample, chromosome, start, ref, alt) calls.
    return frame.drop_duplicates(["Tumor_Sample_Barcode", "Chromosome", "Start_Position",
                                  "Reference_Allele", "Tumor_Seq_Allele2"])


def report(tmp_path: Path, maf: Path, config: dict) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(maf, run / maf.name)
    out = tmp_path / "out"
    result = rinec_report.run(str(run), outdir=str(out), force=True, config=config)
    assert result.exit_status == 0, [m.line() for m in result.messages]
    return out


def test_positions_and_counts_equal_a_count_from_the_raw_column(tmp_path: Path) -> None:
    out = report(tmp_path, DATA / "maftools_APL_primary.maf.gz",
                 {"genomics": {"lollipop_top_genes": 0, "lollipop_genes": GENES}})
    raw = raw_apl()
    raw = raw[raw["Variant_Classification"].isin(NONSYN) & raw["Hugo_Symbol"].isin(GENES)].copy()
    # The first amino-acid number of the change as the APL MAF writes it (V536L, .E546K).
    raw["position"] = raw["amino_acid_change"].str.extract(r"^\.?[A-Z*]?(\d+)", expand=False)
    expected = (raw.dropna(subset=["position"]).assign(position=lambda f: f["position"].astype(int))
                .groupby(["Hugo_Symbol", "position"]).size().to_dict())
    got = pd.read_csv(out / "rinec_report_data" / "genomics_lollipop_positions.tsv", sep="\t")
    assert dict(zip(zip(got["gene"], got["protein_position"], strict=True), got["mutations"],
                    strict=True)) == expected
    genes = pd.read_csv(out / "rinec_report_data" / "genomics_lollipop_genes.tsv", sep="\t").set_index("gene")
    assert genes["without_position"].to_dict() == raw[raw["position"].isna()].groupby(
        "Hugo_Symbol").size().reindex(GENES, fill_value=0).to_dict()
    assert genes.loc["EGFLAM", "without_position"] == 1  # its splice site has no protein change ("NA")
    assert genes["mutations"].to_dict() == raw.groupby("Hugo_Symbol").size().to_dict()
    html = (out / "rinec_report.html").read_text()
    assert "1 mutation without a protein position" in html


def test_a_known_hotspot_is_the_tallest_stem(tmp_path: Path) -> None:
    # NRAS G12/G13/Q61 in APL: counted by hand from the raw column.
    out = report(tmp_path, DATA / "maftools_APL_primary.maf.gz",
                 {"genomics": {"lollipop_top_genes": 0, "lollipop_genes": ["NRAS"]}})
    raw = raw_apl()
    nras = raw.loc[(raw["Hugo_Symbol"] == "NRAS") & raw["Variant_Classification"].isin(NONSYN),
                   "amino_acid_change"]
    by_hand = {p: sum(1 for v in nras if re.match(rf"^[A-Z]{p}[A-Z]", v)) for p in (12, 13, 61)}
    got = pd.read_csv(out / "rinec_report_data" / "genomics_lollipop_positions.tsv", sep="\t")
    got = dict(zip(got["protein_position"], got["mutations"], strict=True))
    assert {p: got.get(p, 0) for p in (12, 13, 61)} == by_hand
    assert max(got, key=got.get) == max(by_hand, key=by_hand.get)


def test_protein_length_comes_from_the_inputs_protein_position(tmp_path: Path) -> None:
    maf = DATA / "vcf2maf_test_pindel.vep.maf"
    lines = [line for line in maf.read_text().splitlines() if not line.startswith("#")]
    raw = pd.DataFrame([line.split("\t") for line in lines[1:]], columns=lines[0].split("\t"))
    raw = raw[raw["Variant_Classification"].isin(NONSYN)]
    lengths = raw["Protein_position"].str.extract(r"/(\d+)$", expand=False).dropna().astype(int)
    gene = raw.loc[lengths.index, "Hugo_Symbol"].iloc[0]
    out = report(tmp_path, maf, {"genomics": {"lollipop_top_genes": 0, "lollipop_genes": [gene]}})
    genes = pd.read_csv(out / "rinec_report_data" / "genomics_lollipop_genes.tsv", sep="\t").set_index("gene")
    expected = lengths[raw.loc[lengths.index, "Hugo_Symbol"] == gene].mode().max()
    assert genes.loc[gene, "protein_length"] == expected
    assert genes.loc[gene, "length_source"] == "Protein_position of the input"


def test_without_a_length_the_axis_ends_at_the_largest_position_and_says_so(tmp_path: Path) -> None:
    maf = tmp_path / "made.maf"
    maf.write_text("Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
                   "Variant_Classification\tTumor_Sample_Barcode\tHGVSp_Short\n"
                   "NOTAGENE1\t1\t100\tC\tT\tMissense_Mutation\tS1\tp.R273H\n"
                   "NOTAGENE1\t1\t200\tC\tT\tMissense_Mutation\tS2\tp.R273C\n"
                   "NOTAGENE1\t1\t300\tCAG\t-\tIn_Frame_Del\tS2\tp.E746_A750del\n")
    out = report(tmp_path, maf, {"genomics": {"lollipop_top_genes": 1}})
    genes = pd.read_csv(out / "rinec_report_data" / "genomics_lollipop_genes.tsv", sep="\t").set_index("gene")
    assert genes.loc["NOTAGENE1", "protein_length"] == 746
    assert genes.loc["NOTAGENE1", "length_source"] == "largest position seen"
    positions = pd.read_csv(out / "rinec_report_data" / "genomics_lollipop_positions.tsv", sep="\t")
    assert dict(zip(positions["protein_position"], positions["mutations"], strict=True)) == {273: 2, 746: 1}
    html = (out / "rinec_report.html").read_text()
    assert "the axis ends at the largest position seen" in html


def test_the_chart_follows_the_highlighter_with_one_dot_per_mutation(tmp_path: Path) -> None:
    out = report(tmp_path, DATA / "maftools_APL_primary.maf.gz",
                 {"genomics": {"lollipop_top_genes": 0, "lollipop_genes": ["KRAS"]}})
    html = page_text((out / "rinec_report.html").read_text())  # the chart's JSON unpacked
    start = html.index('id="genomics-lollipop"')
    section = html[start:html.index("</section>", start)]
    assert "indexof(rinec_patient, datum['p'])" in section
    raw = raw_apl()
    kras = raw[(raw["Hugo_Symbol"] == "KRAS") & raw["Variant_Classification"].isin(NONSYN)]
    # One data row per mutation carries its sample in the chart ("s").
    assert section.count('\\"s\\"') + section.count('"s":') >= len(kras)


@pytest.mark.parametrize("bad", ["not\ta\ttable\n", "gene\tprotein_length\tdomain\tstart\tend\tsource\n"
                                 "TP53\t393\tP53\tx\t288\tPfam\n"])
def test_a_bad_domain_table_is_one_line_naming_the_file(tmp_path: Path, bad: str) -> None:
    from rinec_plugins.genomics.lollipop import read_domains

    path = tmp_path / "domains.tsv"
    path.write_text(bad)
    with pytest.raises(rinec_report.InputError, match=r"^domains\.tsv(, line 2)?: ") as info:
        read_domains(path, "domains.tsv")
    assert "\n" not in str(info.value)


def test_shipped_tables_state_their_provenance() -> None:
    data = Path(__file__).parents[1] / "plugins" / "genomics" / "data"
    readme = (data / "README.md").read_text()
    for name in ("protein_domains.tsv", "oncogenic_pathways.tsv"):
        assert (data / name).is_file() and name in readme
    assert "c8ff3283" in readme and "MIT" in readme
    domains = pd.read_csv(data / "protein_domains.tsv", sep="\t")
    assert list(domains.columns) == ["gene", "protein_length", "domain", "start", "end", "source"]
    # TP53: 393 amino acids (UniProt P04637), its DNA-binding domain within it.
    tp53 = domains[domains["gene"] == "TP53"]
    assert set(tp53["protein_length"]) == {393} and (tp53["end"] <= 393).all()


def test_a_vep_protein_position_with_a_length_is_published(tmp_path: Path) -> None:
    from rinec_plugins.variants.vcf import parse_vcf

    example = Path(__file__).parents[1] / "example_run" / "variants" / "19S0735242.vcf.gz"
    text = gzip.decompress(example.read_bytes()).decode()
    # The example's VEP writes Protein_position without the length (554): write it as
    # pipelines that add it do (554/2549).
    assert "|1661|554|" in text
    path = tmp_path / "with_length.vcf"
    path.write_text(text.replace("|1661|554|", "|1661|554/2549|"))
    m = parse_vcf(str(path), {})["mutations"]
    row = m[m["hgvsp_short"] == "p.V554D"]
    assert row[["protein_position", "protein_length"]].values.tolist() == [[554.0, 2549.0]]
    other = m[(m["hgvsp_short"] != "p.V554D") & m["protein_position"].notna()]
    assert len(other) and other["protein_length"].isna().all()


@pytest.mark.parametrize(("text", "position", "length"), [
    ("273/393", 273, 393), ("273", 273, None), ("746-750/1210", 746, 1210), ("?-5/393", 5, 393),
    ("", None, None), ("-", None, None)])
def test_protein_position_spellings(text: str, position: int | None, length: int | None) -> None:
    from rinec_plugins.variants.frames import protein_numbers

    pos, size = protein_numbers([text])
    assert (None if pos[0] != pos[0] else int(pos[0])) == position
    assert (None if size[0] != size[0] else int(size[0])) == length


def test_past_the_dot_limit_one_mark_per_position_and_class(tmp_path: Path) -> None:
    import numpy as np
    from rinec_plugins import genomics
    from rinec_plugins.genomics import lollipop

    from rinec_report.charts import altair_settings
    from rinec_report.options import with_defaults

    n = lollipop.MAX_DOTS + 500
    rng = np.random.default_rng(7)
    position = rng.integers(1, 394, n)
    cls = np.where(rng.random(n) < 0.8, "Missense_Mutation", "Nonsense_Mutation")
    samples = [f"S{i:05d}" for i in rng.integers(0, 10_000, n)]
    mutations = pd.DataFrame({"sample": samples, "patient_id": samples, "gene": "TP53",
                              "variant_classification": cls, "hgvsp_short": [f"p.R{p}H" for p in position],
                              "protein_position": np.nan, "protein_length": np.nan})
    variants = {"mutations": mutations, "genes": pd.DataFrame({"gene": ["TP53"]}),
                "samples": pd.DataFrame({"sample": sorted(set(samples))})}
    options = with_defaults(genomics.rinec_options(), {})
    data = lollipop.build(variants, None, None, options)
    with altair_settings():
        section, = lollipop.sections(data, options)
    spec = json.dumps(section.blocks[0].spec)
    expected = len(set(zip(position.tolist(), cls.tolist(), strict=True)))
    heads = next(v for k, v in section.blocks[0].spec["datasets"].items()
                 if v and "k" in v[0] and "c" in v[0])
    assert len(heads) == expected
    assert sum(row["k"] for row in heads) == n
    assert '"s"' not in spec  # no sample per mark
    text = " ".join(getattr(b, "text", "") for b in section.blocks)
    assert "does not follow the patient highlighter" in text


def test_a_domain_table_the_config_names_replaces_its_genes_rows(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(DATA / "maftools_APL_primary.maf.gz", run / "apl.maf.gz")
    # Hand-written: NRAS as 200 amino acids with one made-up domain (the shipped table says 189).
    (run / "my_domains.tsv").write_text("gene\tprotein_length\tdomain\tstart\tend\tsource\n"
                                        "NRAS\t200\tMyGTPase\t5\t150\thand-written\n")
    out = tmp_path / "out"
    result = rinec_report.run(str(run), outdir=str(out), force=True, config={
        "genomics": {"lollipop_top_genes": 0, "lollipop_genes": ["NRAS", "KRAS"],
                     "lollipop_domains": "my_domains.tsv"}})
    assert result.exit_status == 0, [m.line() for m in result.messages]
    domains = pd.read_csv(out / "rinec_report_data" / "genomics_lollipop_domains.tsv", sep="\t")
    nras = domains[domains["gene"] == "NRAS"]
    assert nras[["domain", "start", "end", "protein_length"]].values.tolist() == [["MyGTPase", 5, 150, 200]]
    assert (domains["gene"] == "KRAS").any()  # a gene the table does not hold keeps the shipped rows
    genes = pd.read_csv(out / "rinec_report_data" / "genomics_lollipop_genes.tsv", sep="\t").set_index("gene")
    assert genes.loc["NRAS", "protein_length"] == 200


def test_a_domain_table_outside_the_run_directory_is_refused(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(DATA / "maftools_APL_primary.maf.gz", run / "apl.maf.gz")
    (tmp_path / "elsewhere.tsv").write_text("gene\tprotein_length\tdomain\tstart\tend\tsource\n")
    result = rinec_report.run(str(run), outdir=str(tmp_path / "out"), force=True, config={
        "genomics": {"lollipop_domains": "../elsewhere.tsv"}})
    lines = [m.line() for m in result.messages]
    assert any("lollipop_domains" in line and "outside the run directory" in line for line in lines), lines


def test_joined_values_per_group_are_pandas_sorted_distinct_joins() -> None:
    """The positions' protein changes and classes: each group's distinct values sorted
    and joined, as pandas' groupby gives them with ``lambda v: ", ".join(sorted(set(v)))``
    (the reference here), empty strings, repeats and a missing key included."""
    import numpy as np
    from rinec_plugins.genomics.lollipop import joined_per_group

    rng = np.random.default_rng(7)
    n = 4000
    frame = pd.DataFrame({
        "gene": rng.choice(["TP53", "KRAS", "A1BG", "ZNF"], n).astype(object),
        "protein_position": pd.array(rng.integers(1, 60, n), dtype="Int64"),
        "protein_change": rng.choice(["p.R175H", "", "p.G12D", "p.G12V", "p.X1_splice", "p.A2T",
                                      "p.B3C", "p.Q61K"], n).astype(object),
    })
    frame.loc[5, "protein_position"] = pd.NA
    keys = ["gene", "protein_position"]
    grouped = frame.groupby(keys, sort=True)["protein_change"]
    assert joined_per_group(frame, keys, "protein_change") == \
        grouped.agg(lambda v: ", ".join(sorted(set(v)))).tolist()
    assert joined_per_group(frame, keys, "protein_change", first=2) == \
        grouped.agg(lambda v: ", ".join(sorted(set(v))[:2])).tolist()
    assert joined_per_group(frame.iloc[:0], keys, "protein_change") == []
