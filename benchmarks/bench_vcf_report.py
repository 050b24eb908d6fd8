"""Whole report of one 1,000,000-record VEP-annotated VCF against a bare cyvcf2 read.

    python benchmarks/bench_vcf_report.py [--records 1000000] [--runs 5] [--quick]

Generates the VCF.gz of bench_variants_parse.py (VEP CSQ, three transcripts per record)
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
import sys

from bench_variants_parse import generate
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
