"""Whole report of one 1,000,000-record VEP-annotated VCF against a bare cyvcf2 read.

    python benchmarks/bench_variants_parse.py [--records 1000000] [--runs 5] [--quick]

Generates an annotated single-sample VCF.gz (VEP CSQ, three transcripts per record)
under /tmp/rinec_bench, then measures, alternating, in fresh processes:

- the floor: a bare cyvcf2 loop reading the fields the plugin reads (CHROM, POS, REF,
  ALT, FILTER, INFO/CSQ) into lists, the practical limit of the library;
- the product: ``rinec-report RUN -o OUT --force``, the whole report as a user runs it
  (reading, transcript choice, classification, sections, charts, page, data folder).

Wall, whole-process-tree CPU and summed memory are compared, and the page is opened in
Chromium. Goal: whole report within 1.5x the bare read (wall and CPU).
"""

from __future__ import annotations

import argparse
import os
import random
import sys

from harness import (
    BENCH_ROOT,
    alternate,
    check_in_chromium,
    generate_once,
    goal,
    print_comparison,
    print_drawn,
    python_argv,
    report_argv,
    save,
)
from rinec_plugins.variants.bgzf import BgzfWriter

FORMAT = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|"
          "HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|"
          "Existing_variation|DISTANCE|STRAND|FLAGS|SYMBOL_SOURCE|HGNC_ID|CANONICAL")
EFFECTS = ["missense_variant", "synonymous_variant", "intron_variant", "stop_gained",
           "3_prime_UTR_variant", "splice_region_variant&intron_variant", "frameshift_variant",
           "upstream_gene_variant"]
AA = ["Ala", "Arg", "Gly", "Leu", "Ser", "Val", "Thr", "Pro"]


def generate(path: str, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    header = [
        "##fileformat=VCFv4.2",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=LowQual,Description="Low quality">',
        '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
        *[f"##contig=<ID={c}>" for c in range(1, 23)],
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {FORMAT}">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        "##tumor_sample=BENCH",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tBENCH",
    ]
    genes = [f"GENE{i}" for i in range(2000)]
    with BgzfWriter(path, level=1) as out:
        out.write("\n".join(header) + "\n")
        lines = []
        per_chrom = n // 22 + 1
        for i in range(n):
            chrom = i // per_chrom + 1
            pos = 10_000 + (i % per_chrom) * 50
            ref, alt = rng.choice([("C", "T"), ("G", "A"), ("C", "A"), ("T", "C"), ("A", "AT"),
                                   ("CT", "C")])
            allele = alt if len(ref) == len(alt) else (alt[1:] or "-")
            gene = genes[i % 2000]
            eff = EFFECTS[rng.randrange(len(EFFECTS))]
            codon = rng.randint(1, 900)
            hgvsp = (f"ENSP{i % 2000:011d}.1:p.{rng.choice(AA)}{codon}{rng.choice(AA)}"
                     if eff == "missense_variant" else "")
            entries = [
                f"{allele}|{eff}|MODERATE|{gene}|ENSG{i % 2000:011d}|Transcript|"
                f"ENST{i % 2000:011d}|protein_coding|3/10||ENST{i % 2000:011d}.1:c.{codon * 3}"
                f"C>T|{hgvsp}|{codon * 3 + 50}|{codon * 3}|{codon}|||||1||HGNC|HGNC:{i % 2000}|YES",
                "|".join([allele, "intron_variant", "MODIFIER", gene, f"ENSG{i % 2000:011d}",
                          "Transcript", f"ENST{i % 2000 + 5000:011d}", "protein_coding", "",
                          "2/9", *[""] * 9, "1", "", "HGNC", "", ""]),
                "|".join([allele, "downstream_gene_variant", "MODIFIER", f"OTHER{i % 500}",
                          f"ENSG{i % 500 + 9000:011d}", "Transcript", f"ENST{i % 500 + 9000:011d}",
                          "lncRNA", *[""] * 11, "1", "", "HGNC", "", "YES"]),
            ]
            filt = "PASS" if rng.random() < 0.95 else "LowQual"
            lines.append(f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\t{filt}\tDP=100;CSQ="
                         f"{','.join(entries)}\tGT\t0/1\n")
            if len(lines) >= 20000:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines))


FLOOR = """
import sys
from cyvcf2 import VCF

vcf = VCF(sys.argv[1], lazy=True, threads=1)
chroms, poss, refs, alts, filts, anns = [], [], [], [], [], []
for v in vcf:
    chroms.append(v.CHROM)
    poss.append(v.POS)
    refs.append(v.REF)
    alts.append(v.ALT)
    filts.append(v.FILTER)
    anns.append(v.INFO.get("CSQ"))
vcf.close()
print("records", len(chroms))
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="20,000 records, 2 runs")
    args = ap.parse_args()
    if args.quick:
        args.records, args.runs = 20_000, 2
    run_dir = BENCH_ROOT / f"vcf_{args.records}"
    path = run_dir / "tumour.vcf.gz"

    def make() -> str:
        generate(str(path), args.records)
        return f"{args.records:,} records ({path.stat().st_size / 1e6:.1f} MB)"

    generate_once(run_dir, "v1", make)
    out = BENCH_ROOT / f"vcf_{args.records}_out"
    got = alternate({"report": report_argv(run_dir, out), "floor": python_argv(FLOOR, path)}, args.runs)
    print(f"\n{args.records:,}-record VEP VCF.gz, {os.cpu_count()} cores")
    ratios = print_comparison(got["report"], got["floor"], "bare cyvcf2 loop")
    drawn = check_in_chromium(out / "rinec_report.html")
    print_drawn(drawn)
    ok = goal("whole report / bare cyvcf2 read, wall", ratios["wall"], 1.5, "x")
    ok &= goal("whole report / bare cyvcf2 read, CPU", ratios["cpu"], 1.5, "x")
    save("vcf", {"records": args.records, "report": got["report"], "floor": got["floor"], "ratios": ratios,
                 "drawn": drawn})
    return 0 if ok and drawn.ok else 1


if __name__ == "__main__":
    sys.exit(main())
