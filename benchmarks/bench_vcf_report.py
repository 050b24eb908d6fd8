"""Whole report of one 1,000,000-record VEP-annotated VCF against the columnar read of
the same fields.

    python benchmarks/bench_vcf_report.py [--records 1000000] [--runs 5] [--quick]

Generates the VCF.gz of bench_variants_parse.py (VEP CSQ, three transcripts per record)
under /tmp/rinec_bench, then measures, alternating, in fresh processes:

- the floor: pyarrow's CSV reader over the decompressed text, reading CHROM, POS, REF,
  ALT, FILTER, INFO (the CSQ value cut out), FORMAT and the sample as whole columns
  (floors.columnar_fields), the way the plugin's columnar reader reads them;
- a peer: the bare cyvcf2 loop over the same fields into lists (floors.cyvcf2_fields);
- the product: ``rinec-report RUN -o OUT --force``, the whole report as a user runs it
  (reading, transcript choice, classification, sections, charts, page, data folder).

Wall, whole-process-tree CPU and summed memory are compared, and the page is opened in
Chromium. Goal: whole report within 1.5x the columnar read (wall and CPU), memory
under 1.5x the read's.
"""


from __future__ import annotations

import sys

from bench_variants_parse import generate
from harness import (
    BENCH_ROOT,
    bench_args,
    floor_code,
    generate_once,
    goal,
    measure_report,
    print_comparison,
    python_argv,
    save,
)


def main() -> int:
    args = bench_args({"records": 1_000_000}, quick={"records": 20_000})
    run_dir = BENCH_ROOT / f"vcf_{args.records}"
    path = run_dir / "tumour.vcf.gz"

    def make() -> str:
        generate(str(path), args.records)
        return f"{args.records:,} records ({path.stat().st_size / 1e6:.1f} MB)"

    generate_once(run_dir, "v1", make)
    out = BENCH_ROOT / f"vcf_{args.records}_out"
    m = measure_report(run_dir, out,
                       {"floor": python_argv(floor_code("columnar_fields(sys.argv[1])"), path),
                        "cyvcf2": python_argv(floor_code("cyvcf2_fields(sys.argv[1])"), path)},
                       args.runs, f"{args.records:,}-record VEP VCF.gz", "columnar read")
    print_comparison(m.got["report"], m.got["cyvcf2"], "bare cyvcf2 loop")
    ok = goal("whole report / columnar read, wall", m.ratios["wall"], 1.5, "x")
    ok &= goal("whole report / columnar read, CPU", m.ratios["cpu"], 1.5, "x")
    ok &= goal("whole report / columnar read, memory", m.ratios["mem"], 1.5, "x")
    save("vcf", {"records": args.records, "report": m.got["report"], "floor": m.got["floor"],
                 "cyvcf2": m.got["cyvcf2"], "ratios": m.ratios, "drawn": m.drawn})
    return 0 if ok and m.drawn.ok else 1


if __name__ == "__main__":
    sys.exit(main())
