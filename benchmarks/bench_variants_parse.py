"""Parsing speed of the variants plugin against a bare cyvcf2 loop.

    python benchmarks/bench_variants_parse.py [--records 1000000] [--before /path/to/checkout]

Generates an annotated single-sample VCF.gz (VEP CSQ, three transcripts per
record) in /tmp, then times, in the same run and on the same file:

- baseline: a bare cyvcf2 loop reading the fields the plugin reads (CHROM, POS,
  REF, ALT, FILTER, INFO/CSQ) into lists, the practical limit of the library;
- plugin: ``rinec_plugins.variants.vcf.parse_vcf`` (reading, transcript choice,
  classification, HGVSp_Short, the mutation table).

and, with ``--before``, the variants plugin of another checkout (an older
version) on the same file in the same run.

Rates are records per CPU second (this process and its children, threads
included), so a parser that spreads work over several cores is not flattered
against the single-core loop; wall times are printed too.

Target: plugin records/s >= 0.7 x baseline records/s. Best of three runs each, alternating.
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import resource
import sys
import time

from floors import cyvcf2_fields
from rinec_plugins.variants.vcf import parse_vcf
from vcf_writer import write_bgzf_vcf

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
    write_bgzf_vcf(_lines(header, n, rng), path)


def _lines(header: list[str], n: int, rng: random.Random):
    genes = [f"GENE{i}" for i in range(2000)]
    yield "\n".join(header) + "\n"
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
            yield "".join(lines)
            lines.clear()
    yield "".join(lines)


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def interleaved(fns: list, repeats: int = 3) -> list[tuple[float, float, object]]:
    """Best wall and best CPU time of each function, runs alternating so that
    other load on the machine hits all of them alike."""
    wall: list[float] = [float("inf")] * len(fns)
    cpu: list[float] = [float("inf")] * len(fns)
    results: list[object] = [None] * len(fns)
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            c0, t0 = _cpu(), time.perf_counter()
            results[k] = fn()
            wall[k] = min(wall[k], time.perf_counter() - t0)
            cpu[k] = min(cpu[k], _cpu() - c0)
    return list(zip(wall, cpu, results, strict=True))


def load_parse_vcf(checkout: str):
    """parse_vcf of the variants plugin in another checkout, as a package of its
    own (its __init__, with that version's hook declarations, is not run)."""
    import types

    package = types.ModuleType("before_variants")
    package.__path__ = [os.path.join(checkout, "plugins", "variants")]
    sys.modules["before_variants"] = package
    return importlib.import_module("before_variants.vcf").parse_vcf


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--path", default="/tmp/rinec_bench/variants_parse.vcf.gz")
    ap.add_argument("--before", default=None,
                    help="another checkout whose plugins/variants to time on the same file")
    args = ap.parse_args()
    os.makedirs(os.path.dirname(args.path), exist_ok=True)
    if not os.path.exists(args.path) or os.path.getsize(args.path) == 0 or \
            os.environ.get("REGENERATE"):
        t0 = time.perf_counter()
        generate(args.path, args.records)
        print(f"generated {args.records:,} records in {time.perf_counter() - t0:.1f} s "
              f"({os.path.getsize(args.path) / 1e6:.1f} MB): {args.path}")
    fns = [lambda: cyvcf2_fields(args.path), lambda: parse_vcf(args.path, {})]
    if args.before:
        before = load_parse_vcf(args.before)
        fns.append(lambda: before(args.path, {}))
    timings = interleaved(fns)
    (w_base, c_base, n), (w_plugin, c_plugin, result) = timings[:2]
    kept = len(result["mutations"])
    base_rate = n / c_base
    print(f"records: {n:,} (kept after FILTER: {kept:,})")
    print(f"bare cyvcf2 loop: {c_base:.2f} CPU s ({w_base:.2f} s wall), "
          f"{base_rate:,.0f} records/CPU s")
    rows = [("plugin parse_vcf", w_plugin, c_plugin)]
    if args.before:
        rows.append((f"before ({args.before})", timings[2][0], timings[2][1]))
    ratio = 0.0
    for name, w, c in rows:
        r = (n / c) / base_rate
        ratio = ratio or r
        print(f"{name}: {c:.2f} CPU s ({w:.2f} s wall), {n / c:,.0f} records/CPU s, "
              f"ratio to the bare loop {r:.2f} (wall-time ratio {w_base / w:.2f})")
    print(f"ratio plugin/baseline: {ratio:.2f} (target >= 0.70): "
          f"{'PASS' if ratio >= 0.7 else 'FAIL'}")
    return 0 if ratio >= 0.7 else 1


if __name__ == "__main__":
    sys.exit(main())
