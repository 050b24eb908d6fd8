"""Write the example run's synthetic variant calls and panel BED (deterministic).

    python example_run/make_variants.py            # rewrites example_run/variants/*.vcf.gz
                                                   # and example_run/panel.bed

The study's raw calls are not public, so these files are synthetic. They are
built to reproduce what the study reports: four sequenced patients (sample ids
as in the study), TP53, RB1, NOTCH2, PTEN, POLG, KMT2C, U2AF1, EPPK1, ELAC2,
DAXX, COL22A1 and ABL1 each mutated in exactly 2 of the 4 samples and no gene
in more, about 50 genes in the oncoplot, C>T the dominant substitution
(radiation-associated tumours of this kind show it), and TMB under 2 per Mb.
Coordinates and alleles are invented (no reference genome is involved); the
annotation is a VEP CSQ with two transcripts per variant (the canonical one
carries the consequence, a second one a milder effect), as VEP writes it.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

SAMPLES = {"P2": "20S3087569", "P3": "19S0735242", "P4": "20S6942679", "P5": "20S6942573"}
SHARED = ["TP53", "RB1", "NOTCH2", "PTEN", "POLG", "KMT2C", "U2AF1", "EPPK1", "ELAC2", "DAXX",
          "COL22A1", "ABL1"]
# Genes mutated in one sample each (the rest of the oncoplot).
SINGLE = [
    "ARID1A", "ATM", "ATR", "BRCA2", "CDKN2A", "CREBBP", "CTNNB1", "EP300", "ERBB2", "FAT1",
    "FBXW7", "KDM6A", "KMT2D", "LRP1B", "MYC", "NF1", "NOTCH1", "PIK3CA", "PTPRD", "SMARCA4",
    "SPTA1", "TERT", "TSC2", "ZFHX3", "APC", "BRCA1", "CHD4", "CSMD3", "DNMT3A", "FLT3",
    "GRIN2A", "KEAP1", "MED12", "MTOR", "NSD1", "PBRM1",
]
# Genes with only silent, intronic or UTR changes (not in the oncoplot).
QUIET = ["ALK", "AXL", "BCL2", "CDH1", "EGFR", "FGFR1", "JAK2", "KIT", "MET", "NRAS", "RET",
         "ROS1", "SMAD4", "STK11", "VHL", "WT1"]
OTHER_CANCER_GENES = [
    "ABL2", "ACVR1", "AKT1", "AKT2", "AKT3", "AMER1", "APCDD1", "AR", "ARAF", "ARID1B", "ARID2",
    "ASXL1", "ATRX", "AURKA", "BAP1", "BARD1", "BCL6", "BCOR", "BLM", "BRAF", "BRD4", "BRIP1",
    "BTK", "CALR", "CARD11", "CBL", "CCND1", "CCND2", "CCND3", "CCNE1", "CD274", "CDK12", "CDK4",
    "CDK6", "CDKN1A", "CDKN1B", "CDKN2B", "CEBPA", "CHEK1", "CHEK2", "CIC", "CRLF2", "CSF1R",
    "CTCF", "CUL3", "CXCR4", "DDR2", "DICER1", "DOT1L", "EED", "EGFL7", "ELF3", "EPHA3", "EPHB1",
    "ERBB3", "ERBB4", "ERG", "ESR1", "ETV1", "ETV6", "EZH2", "FANCA", "FANCC", "FGF19", "FGFR2",
    "FGFR3", "FGFR4", "FH", "FOXA1", "FOXL2", "GATA3", "GNA11", "GNAQ", "GNAS", "H3-3A", "HGF",
    "HNF1A", "HRAS", "IDH1", "IDH2", "IGF1R", "IKZF1", "INPP4B", "IRS2", "JAK1", "JAK3", "KDR",
    "KRAS", "MAP2K1", "MAP2K2", "MAP3K1", "MAX", "MCL1", "MDM2", "MDM4", "MEN1", "MITF", "MLH1",
    "MPL", "MRE11", "MSH2", "MSH6", "MUTYH", "MYCN", "MYD88", "NBN", "NFE2L2", "NOTCH3", "NPM1",
    "NTRK1", "NTRK2", "NTRK3", "PALB2", "PDGFRA", "PDGFRB", "PIK3CB", "PIK3R1", "PMS2", "POLD1",
    "POLE", "PPP2R1A", "PRKAR1A", "PTCH1", "PTPN11", "RAD21", "RAD50", "RAD51", "RAF1", "RB1CC1",
    "RNF43", "RUNX1", "SETD2", "SF3B1", "SMARCB1", "SMO", "SOX2", "SOX9", "SPOP", "SRC", "SRSF2",
    "STAG2", "STAT3", "SUFU", "TET2", "TGFBR2", "TMPRSS2", "TNFAIP3", "TSC1", "U2AF2", "XPO1",
]
PANEL_SIZE = 688
CHROMS = [str(c) for c in range(1, 23)] + ["X"]


def panel_genes(rng: random.Random) -> list[str]:
    """688 gene symbols: the study's genes, the oncoplot's, a cancer-gene list,
    then genes drawn from the Reactome GMT that the enrichment plugin ships."""
    genes = list(dict.fromkeys(SHARED + SINGLE + QUIET + OTHER_CANCER_GENES))
    gmt = HERE.parent / "plugins" / "enrichment" / "data" / "ReactomePathways_2024-09-18.gmt"
    seen = set(genes)
    pool: list[str] = []
    for line in gmt.read_text().splitlines():
        for g in line.split("\t")[2:]:
            if g and g not in seen and g.replace("-", "").isalnum():
                seen.add(g)
                pool.append(g)
    pool.sort()
    rng.shuffle(pool)
    genes += pool[: PANEL_SIZE - len(genes)]
    return sorted(genes[:PANEL_SIZE])


def write_panel(genes: list[str], rng: random.Random) -> dict[str, list[tuple[str, int, int]]]:
    """Intervals per gene: 12-20 captured segments (exons with flanks and intronic
    baits) of 800-1,400 bp on an invented layout, about 17.6 kb per gene."""
    layout: dict[str, list[tuple[str, int, int]]] = {}
    starts = {c: 1_000_000 for c in CHROMS}
    lines = []
    for gene in genes:
        chrom = CHROMS[sum(map(ord, gene)) % len(CHROMS)]
        pos = starts[chrom]
        segs = []
        for _ in range(rng.randint(12, 20)):
            length = rng.randint(800, 1400)
            segs.append((chrom, pos, pos + length))
            pos += length + rng.randint(2_000, 20_000)
        starts[chrom] = pos + 100_000
        layout[gene] = segs
    for gene in genes:
        for chrom, s, e in layout[gene]:
            lines.append((CHROMS.index(chrom), s, f"{chrom}\t{s}\t{e}\t{gene}\n"))
    lines.sort()
    (HERE / "panel.bed").write_text("".join(line for _, _, line in lines))
    return layout


CSQ_FORMAT = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|"
              "HGVSc|HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|"
              "Existing_variation|DISTANCE|STRAND|FLAGS|SYMBOL_SOURCE|HGNC_ID|CANONICAL")
AA = ["Ala", "Arg", "Asn", "Asp", "Cys", "Gln", "Glu", "Gly", "His", "Ile", "Leu", "Lys", "Met",
      "Phe", "Pro", "Ser", "Thr", "Trp", "Tyr", "Val"]
# (consequence, impact, kind) to draw from for non-synonymous changes, weighted like
# a typical panel: mostly missense.
NONSYN = [("missense_variant", "MODERATE", "snv")] * 10 + [
    ("stop_gained", "HIGH", "snv"), ("stop_gained", "HIGH", "snv"),
    ("frameshift_variant", "HIGH", "del"), ("frameshift_variant", "HIGH", "ins"),
    ("splice_donor_variant", "HIGH", "snv"), ("inframe_deletion", "MODERATE", "del3"),
]
QUIET_EFFECTS = [("synonymous_variant", "LOW"), ("intron_variant", "MODIFIER"),
                 ("3_prime_UTR_variant", "MODIFIER"), ("splice_region_variant&intron_variant",
                                                      "LOW")]


def substitution(rng: random.Random) -> tuple[str, str]:
    """Mostly C>T (written as C>T or G>A), as in radiation-associated tumours."""
    r = rng.random()
    if r < 0.62:
        return rng.choice([("C", "T"), ("G", "A")])
    return rng.choice([("C", "A"), ("G", "T"), ("T", "C"), ("A", "G"), ("C", "G"), ("T", "A"),
                       ("A", "T"), ("T", "G")])


def record(gene: str, layout: dict, rng: random.Random, effect: str, impact: str, kind: str,
           filt: str = "PASS") -> tuple[tuple[int, int], str]:
    chrom, s, e = rng.choice(layout[gene])
    pos = rng.randint(s + 20, e - 20)
    enst = f"ENST{sum(map(ord, gene)) * 7919 % 10**9:011d}"
    ensp = enst.replace("ENST", "ENSP")
    codon = rng.randint(20, 900)
    if kind == "snv":
        ref, alt = substitution(rng)
        allele = alt
    elif kind == "del":
        ref = rng.choice(["AC", "GT", "CA", "TG"])
        alt = ref[0]
        allele = "-"
    elif kind == "del3":
        ref = "T" + "".join(rng.choice("ACGT") for _ in range(3))
        alt = "T"
        allele = "-"
    else:
        ref = "C"
        alt = "C" + rng.choice("ACGT")
        allele = alt[1:]
    hgvsp = ""
    if effect == "missense_variant":
        a, b = rng.sample(AA, 2)
        hgvsp = f"{ensp}.1:p.{a}{codon}{b}"
    elif effect == "stop_gained":
        hgvsp = f"{ensp}.1:p.{rng.choice(AA)}{codon}Ter"
    elif effect == "frameshift_variant":
        hgvsp = f"{ensp}.1:p.{rng.choice(AA)}{codon}{rng.choice(AA)}fsTer{rng.randint(2, 40)}"
    elif effect == "inframe_deletion":
        hgvsp = f"{ensp}.1:p.{rng.choice(AA)}{codon}del"
    elif effect == "synonymous_variant":
        hgvsp = f"{ensp}.1:p.{rng.choice(AA)}{codon}%3D"
    cpos = codon * 3 - 1
    if effect == "splice_donor_variant":
        hgvsc = f"{enst}.1:c.{cpos}+1G>A"
    elif kind in ("del", "del3"):
        hgvsc = f"{enst}.1:c.{cpos}_{cpos + len(ref) - 2}del"
    elif kind == "ins":
        hgvsc = f"{enst}.1:c.{cpos}_{cpos + 1}ins{alt[1:]}"
    else:
        hgvsc = f"{enst}.1:c.{cpos}{ref}>{alt}"
    strand = "1"
    canonical = (f"{allele}|{effect}|{impact}|{gene}|ENSG{enst[4:]}|Transcript|{enst}|"
                 f"protein_coding|3/12||{hgvsc}|{hgvsp}|{cpos + 120}|{cpos}|{codon}|||||{strand}"
                 f"||HGNC|HGNC:{sum(map(ord, gene))}|YES")
    other = "|".join([allele, "intron_variant", "MODIFIER", gene, f"ENSG{enst[4:]}",
                      "Transcript", f"{enst[:-1]}9", "protein_coding", "", "2/11", *[""] * 9,
                      strand, "", "HGNC", f"HGNC:{sum(map(ord, gene))}", ""])
    depth = rng.randint(200, 900)
    info = f"DP={depth};CSQ={other},{canonical}"
    key = (CHROMS.index(chrom), pos)
    # Read counts as a caller writes them (AD: reference, alternate), from the fraction.
    fraction = rng.randint(8, 45) / 100
    alt_reads = round(fraction * depth)
    return key, f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\t{info}\tGT:AD:DP:AF\t0/1:" \
        f"{depth - alt_reads},{alt_reads}:{depth}:{fraction:.2f}\n"


def header(sample: str, contigs: list[str]) -> str:
    lines = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality (synthetic example)">',
        '##FILTER=<ID=germline,Description="Likely germline (synthetic example)">',
        *[f"##contig=<ID={c}>" for c in contigs],
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {CSQ_FORMAT}">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Read depth of each allele">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fraction">',
        f"##tumor_sample={sample}",
        "##source=rinec-report example_run/make_variants.py (synthetic)",
        f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}",
    ]
    return "\n".join(lines) + "\n"


def write_bgzf_vcf(text: str, path: Path) -> None:
    """VCF text as BGZF (htslib's blocked gzip), written by cyvcf2's Writer."""
    from cyvcf2 import VCF, Writer

    fd, tmp = tempfile.mkstemp(suffix=".vcf")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        reader = VCF(tmp)
        writer = Writer(str(path), reader, mode="wz")
        for rec in reader:
            writer.write_record(rec)
        writer.close()
        reader.close()
    finally:
        os.unlink(tmp)


def main() -> None:
    rng = random.Random(20240611)
    genes = panel_genes(rng)
    layout = write_panel(genes, rng)
    patients = list(SAMPLES)
    calls: dict[str, list[tuple[str, str, str]]] = {p: [] for p in patients}
    # Each shared gene in exactly two samples, pairs rotating over the six pairs.
    pairs = [(a, b) for i, a in enumerate(patients) for b in patients[i + 1:]]
    for k, gene in enumerate(SHARED):
        for p in pairs[k % len(pairs)]:
            calls[p].append((gene, *rng.choice(NONSYN)))
    calls["P3"].append(("TP53", "missense_variant", "MODERATE", "snv"))  # a Multi_Hit
    for k, gene in enumerate(SINGLE):
        calls[patients[k % 4]].append((gene, *rng.choice(NONSYN)))
    for k, gene in enumerate(QUIET):
        effect, impact = QUIET_EFFECTS[k % len(QUIET_EFFECTS)]
        calls[patients[k % 4]].append((gene, effect, impact, "snv"))
    out = HERE / "variants"
    out.mkdir(exist_ok=True)
    for p in patients:
        sample = SAMPLES[p]
        records = []
        for gene, effect, impact, kind in calls[p]:
            records.append(record(gene, layout, rng, effect, impact, kind))
        # Two filtered calls per sample, to show the FILTER accounting.
        records.append(record(rng.choice(SINGLE), layout, rng, "missense_variant", "MODERATE",
                              "snv", filt="LowQual"))
        records.append(record(rng.choice(QUIET), layout, rng, "synonymous_variant", "LOW",
                              "snv", filt="germline"))
        records.sort()
        write_bgzf_vcf(header(sample, CHROMS) + "".join(line for _, line in records),
                       out / f"{sample}.vcf.gz")
    print(f"wrote {out} ({len(patients)} VCF.gz) and {HERE / 'panel.bed'}")


if __name__ == "__main__":
    main()
