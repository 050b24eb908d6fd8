"""Time of parse_vcf on a tumour/normal VCF with read counts, numeric and text.

    python benchmarks/bench_depth_parse.py [--records 100000] [--repeats 5]

    python benchmarks/bench_depth_parse.py --before /path/to/older/checkout

Generates (once, in /tmp) a two-sample VCF (##tumor_sample/##normal_sample,
FORMAT GT:AD:DP, four VEP CSQ entries per record, one record in 21 with two
ALTs) and times ``parse_vcf``, and with ``--before`` another checkout's, best of
``--repeats`` runs each, alternating; then checks that both give the same
mutation table.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

from bench_variants_parse import load_parse_vcf
from rinec_plugins.variants import rinec_options
from rinec_plugins.variants.vcf import parse_vcf

FORMAT = ("Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|EXON|INTRON|HGVSc|"
          "HGVSp|cDNA_position|CDS_position|Protein_position|Amino_acids|Codons|"
          "Existing_variation|DISTANCE|STRAND|FLAGS|SYMBOL_SOURCE|HGNC_ID|CANONICAL")
EFFECTS = ["missense_variant", "synonymous_variant", "intron_variant", "stop_gained",
           "3_prime_UTR_variant", "frameshift_variant", "upstream_gene_variant"]


def generate(path: str, n: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    header = "\n".join([
        "##fileformat=VCFv4.2",
        *[f"##contig=<ID={c}>" for c in range(1, 23)],
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
        f'Ensembl VEP. Format: {FORMAT}">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
        "##tumor_sample=TUMOR", "##normal_sample=NORMAL",
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR\tNORMAL",
    ]) + "\n"
    per_chrom = n // 22 + 1
    with open(path, "w") as fh:
        fh.write(header)
        for i in range(n):
            chrom, pos = i // per_chrom + 1, 10_000 + (i % per_chrom) * 50
            ref, alts = rng.choice([("C", ["T"]), ("G", ["A"]), ("A", ["AT"]), ("CT", ["C"]),
                                    ("C", ["T"])] * 4 + [("C", ["T", "G"])])
            entries = []
            for k in range(4):
                a = alts[k % len(alts)]
                allele = a if len(ref) == len(a) else (a[1:] or "-")
                entries.append("|".join([
                    allele, rng.choice(EFFECTS), "MODERATE", f"GENE{i % 2000}",
                    f"ENSG{i % 2000:011d}", "Transcript", f"ENST{i % 2000 * 4 + k:011d}",
                    "protein_coding", "3/10", "", f"ENST{i % 2000 * 4 + k:011d}.1:c.{i % 900}C>T",
                    "", "", "", "", "", "", "", "", "1", "", "HGNC", f"HGNC:{i % 2000}",
                    "YES" if k == 0 else ""]))
            depths = [rng.randint(0, 80) for _ in range(len(alts) + 1)]
            normal = [rng.randint(0, 80)] + [rng.randint(0, 2) for _ in alts]
            gt = "0/1" if len(alts) == 1 else rng.choice(["0/1", "0/2", "1/2"])
            fh.write(f"{chrom}\t{pos}\t.\t{ref}\t{','.join(alts)}\t50\tPASS\t"
                     f"CSQ={','.join(entries)}\tGT:AD:DP\t"
                     f"{gt}:{','.join(map(str, depths))}:{sum(depths) + rng.randint(0, 3)}\t"
                     f"0/0:{','.join(map(str, normal))}:{sum(normal)}\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--path", default="/tmp/rinec_bench/depth_parse.vcf")
    ap.add_argument("--before", default=None,
                    help="another checkout whose plugins/variants to time on the same file")
    args = ap.parse_args()
    os.makedirs(os.path.dirname(args.path), exist_ok=True)
    if not os.path.exists(args.path) or os.environ.get("REGENERATE"):
        generate(args.path, args.records)
    fns = {"this checkout": parse_vcf}
    if args.before:
        fns[f"before ({args.before})"] = load_parse_vcf(args.before)
        # Its options are declared in the package's __init__, which is not run.
        sys.modules["before_variants"].rinec_options = rinec_options
    best = dict.fromkeys(fns, float("inf"))
    tables = {}
    for _ in range(args.repeats):  # alternating, so other load hits both alike
        for name, fn in fns.items():
            t0 = time.perf_counter()
            out = fn(args.path, {})
            best[name] = min(best[name], time.perf_counter() - t0)
            tables[name] = out["mutations"]
    for name in fns:
        print(f"{name}: {best[name]:.3f} s for {args.records:,} records (best of {args.repeats})")
    first = next(iter(tables.values()))
    same = all(t.equals(first) for t in tables.values())
    print(f"same mutation table: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
