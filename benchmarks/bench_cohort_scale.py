"""Whole report of a cohort: 1,000 panel VCF.gz files (about 100 variants each), a
clinical table and an IHC table, against its floor and against MultiQC.

    python benchmarks/bench_cohort_scale.py [--samples 1000] [--variants 100] [--runs 5] [--quick]

Generates under /tmp/rinec_bench: VEP-annotated single-sample VCF.gz files, a panel
BED, clinical.csv (one patient per sample) and ihc_scores.csv (10 markers per patient),
and for MultiQC one `bcftools stats` file per sample computed from the same variants
(MultiQC reads no VCF; bcftools stats is what a MultiQC user runs over VCFs). Then
measures, alternating, in fresh processes: ``rinec-report RUN -o OUT --force``; the
floor (a bare cyvcf2 loop over every VCF plus pandas reading the two tables); and
``multiqc`` on the stats files (when MultiQC is installed). Goal: no slower than MultiQC.
"""
from __future__ import annotations

import random
import shutil
import sys
from collections import Counter
from pathlib import Path

from clinical_tables import write_clinical, write_ihc
from harness import BENCH_ROOT, bench_args, generate_once, goal, measure_report, print_comparison, python_argv, save
from vcf_writer import write_bgzf_vcf

FORMAT = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|"
          "HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|"
          "Existing_variation|DISTANCE|STRAND|FLAGS|SYMBOL_SOURCE|HGNC_ID|CANONICAL")
EFFECTS = ["missense_variant"] * 6 + ["stop_gained", "synonymous_variant", "intron_variant",
                                      "frameshift_variant", "splice_donor_variant",
                                      "3_prime_UTR_variant"]
SUBS = [("C", "T"), ("G", "A"), ("C", "A"), ("G", "T"), ("T", "C"), ("A", "G"), ("T", "A")]


def generate(run_dir: Path, samples: int, variants: int, genes: int = 500) -> None:
    rng = random.Random(11)
    (run_dir / "vcf").mkdir(parents=True, exist_ok=True)
    gene_names = [f"G{i:04d}" for i in range(genes)]
    # Gene i lives on chromosome 1 + i % 22 at 1 Mb steps; 10 kb of panel each.
    with open(run_dir / "panel.bed", "w") as bed:
        for i, g in enumerate(gene_names):
            bed.write(f"{1 + i % 22}\t{1_000_000 * (i + 1)}\t{1_000_000 * (i + 1) + 10_000}\t{g}\n")
    weights = [1.0 / (k + 1) ** 0.8 for k in range(genes)]  # a few genes hit often
    for s in range(samples):
        name = f"S{s:05d}"
        picks = rng.choices(range(genes), weights=weights, k=variants)
        rows = []
        for gi in picks:
            pos = 1_000_000 * (gi + 1) + rng.randint(0, 9_999)
            eff = rng.choice(EFFECTS)
            if eff == "frameshift_variant":
                ref, alt, allele = "CA", "C", "-"
            else:
                ref, alt = rng.choice(SUBS)
                allele = alt
            codon = rng.randint(1, 800)
            hgvsp = f"ENSP{gi:011d}.1:p.Arg{codon}His" if eff == "missense_variant" else ""
            csq = "|".join([allele, eff, "MODERATE", gene_names[gi], f"ENSG{gi:011d}",
                            "Transcript", f"ENST{gi:011d}", "protein_coding", "3/9", "",
                            f"ENST{gi:011d}.1:c.{codon * 3}+1G>A", hgvsp, "", "", "", "", "",
                            "", "", "1", "", "HGNC", "", "YES"])
            rows.append((1 + gi % 22, pos, f"{1 + gi % 22}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\t"
                         f"CSQ={csq}\tGT\t0/1\n"))
        rows.sort()
        stats = run_dir / "bcftools_stats"
        stats.mkdir(exist_ok=True)
        (stats / f"{name}.bcftools_stats.txt").write_text(bcftools_stats(name, rows))
        write_bgzf_vcf([
            "##fileformat=VCFv4.2\n" + "".join(f"##contig=<ID={c}>\n" for c in range(1, 23)) +
            '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations '
            f'from Ensembl VEP. Format: {FORMAT}">\n'
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{name}\n",
            "".join(r[2] for r in rows)], str(run_dir / "vcf" / f"{name}.vcf.gz"))


def bcftools_stats(name: str, rows: list[tuple[int, int, str]]) -> str:
    """A `bcftools stats` file for one sample's variants (the sections MultiQC reads)."""
    snps = indels = ts = 0
    subs: Counter[str] = Counter()
    for *_, line in rows:
        ref, alt = line.split("\t")[3:5]
        if len(ref) == len(alt) == 1:
            snps += 1
            subs[f"{ref}>{alt}"] += 1
            ts += f"{ref}{alt}" in ("AG", "GA", "CT", "TC")
        else:
            indels += 1
    tv = snps - ts
    out = ["# This file was produced by bcftools stats (1.17+htslib-1.17) and can be plotted using "
           "plot-vcfstats.", f"# The command line was:\tbcftools stats  {name}.vcf.gz", "#",
           f"ID\t0\t{name}.vcf.gz",
           "SN\t0\tnumber of samples:\t1", f"SN\t0\tnumber of records:\t{len(rows)}",
           "SN\t0\tnumber of no-ALTs:\t0", f"SN\t0\tnumber of SNPs:\t{snps}", "SN\t0\tnumber of MNPs:\t0",
           f"SN\t0\tnumber of indels:\t{indels}", "SN\t0\tnumber of others:\t0",
           "SN\t0\tnumber of multiallelic sites:\t0", "SN\t0\tnumber of multiallelic SNP sites:\t0",
           f"TSTV\t0\t{ts}\t{tv}\t{ts / max(tv, 1):.2f}\t{ts}\t{tv}\t{ts / max(tv, 1):.2f}"]
    out += [f"ST\t0\t{k}\t{v}" for k, v in sorted(subs.items())]
    out += [f"IDD\t0\t-1\t{indels}\t0\t.", f"QUAL\t0\t998\t{snps}\t{ts}\t{tv}\t{indels}",
            f"DP\t0\t100\t0\t0.000000\t{len(rows)}\t100.000000"]
    return "\n".join(out) + "\n"


FLOOR = """
import sys, glob
from cyvcf2 import VCF
import pandas as pd

n = 0
for path in sorted(glob.glob(sys.argv[1] + "/vcf/*.vcf.gz")):
    vcf = VCF(path, lazy=True, threads=1)
    chroms, poss, refs, alts, filts, anns, gts = [], [], [], [], [], [], []
    for v in vcf:
        chroms.append(v.CHROM); poss.append(v.POS); refs.append(v.REF); alts.append(v.ALT)
        filts.append(v.FILTER); anns.append(v.INFO.get("CSQ")); gts.append(v.genotypes)
    vcf.close()
    n += len(chroms)
for name, sep in (("clinical.csv", ","), ("ihc_scores.csv", ",")):
    n += len(pd.read_csv(sys.argv[1] + "/" + name, sep=sep, dtype=str, keep_default_na=False))
print("records", n)
"""


def make_run(run_dir: Path, samples: int, variants: int) -> str:
    generate(run_dir, samples, variants)
    names = [f"S{s:05d}" for s in range(samples)]
    write_clinical(run_dir / "clinical.csv", samples, names)
    readings = write_ihc(run_dir / "ihc_scores.csv", samples)
    return f"{samples} VCF.gz x {variants} variants, {samples} patients, {readings:,} IHC readings"


def main() -> int:
    args = bench_args({"samples": 1000, "variants": 100}, quick={"samples": 50})
    run_dir = BENCH_ROOT / f"cohort_{args.samples}_{args.variants}"
    generate_once(run_dir, "v2", lambda: make_run(run_dir, args.samples, args.variants))
    out = BENCH_ROOT / f"cohort_{args.samples}_{args.variants}_out"
    others = {"floor": python_argv(FLOOR, run_dir)}
    multiqc = shutil.which("multiqc", path=str(Path(sys.executable).parent)) or shutil.which("multiqc")
    if multiqc:
        others["multiqc"] = [multiqc, str(run_dir / "bcftools_stats"), "-o",
                             str(BENCH_ROOT / f"cohort_{args.samples}_multiqc"), "-f", "-q"]
    else:
        print("MultiQC is not installed (pip install multiqc): the peer comparison is skipped")
    m = measure_report(run_dir, out, others, args.runs, f"{args.samples} panel VCF.gz + clinical + IHC tables",
                       "bare read (cyvcf2, pandas)", env={"MULTIQC_NO_VERSION_CHECK": "1"})
    peer = None
    ok = True
    if "multiqc" in m.got:
        peer = print_comparison(m.got["report"], m.got["multiqc"], "MultiQC, bcftools stats")
        ok = goal("whole report / MultiQC, wall", peer["wall"], 1.0, "x")
    save("cohort", {"samples": args.samples, "report": m.got["report"], "floor": m.got["floor"],
                    "multiqc": m.got.get("multiqc"), "ratios": m.ratios, "peer_ratios": peer, "drawn": m.drawn})
    return 0 if ok and m.drawn.ok else 1


if __name__ == "__main__":
    sys.exit(main())
