"""Whole report at cohort scale: 1,000 panel VCF.gz files of about 100 variants.

    python benchmarks/bench_cohort_scale.py [--samples 1000] [--variants 100]

Generates the run directory in /tmp (VEP-annotated single-sample VCF.gz files
and a panel BED), then builds the report with the variants plugin only, in a
child process so that its peak memory (ru_maxrss of the process tree) is
measured. Targets: under 30 s on 2 cores, peak memory under 1.5 GB, HTML under
10 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

from vcf_writer import write_bgzf_vcf
from whole_report import generate_once, measure

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
        write_bgzf_vcf([
            "##fileformat=VCFv4.2\n" + "".join(f"##contig=<ID={c}>\n" for c in range(1, 23)) +
            '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations '
            f'from Ensembl VEP. Format: {FORMAT}">\n'
            '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
            f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{name}\n",
            "".join(r[2] for r in rows)], str(run_dir / "vcf" / f"{name}.vcf.gz"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--variants", type=int, default=100)
    ap.add_argument("--dir", default="/tmp/rinec_bench/cohort_run")
    args = ap.parse_args()
    run_dir = Path(args.dir)
    def make() -> str:
        generate(run_dir, args.samples, args.variants)
        return f"{args.samples} VCF.gz x {args.variants} variants"

    generate_once(run_dir, f"{args.samples}_{args.variants}", make)
    m = measure(run_dir, Path("/tmp/rinec_bench/cohort_out"))
    ok = m.ok and m.seconds < 30 and m.peak_gb < 1.5 and m.html_mb < 10
    print(f"whole report: {m.seconds:.1f} s (target < 30 s on {os.cpu_count()} cores)")
    print(f"peak memory (largest process): {m.peak_gb:.2f} GB (target < 1.5 GB)")
    print(f"HTML: {m.html_mb:.2f} MB (target < 10 MB)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
