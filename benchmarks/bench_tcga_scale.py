"""Whole report at TCGA scale: one MAF of 3,000,000 rows and 10,000 samples.

    python benchmarks/bench_tcga_scale.py [--rows 3000000] [--samples 10000] [--runs 5] [--quick]

Generates a GDC-style MAF under /tmp/rinec_bench (written with pyarrow), then
measures, alternating, in fresh processes: the floor (pyarrow reading the columns the
plugin reads) and ``rinec-report RUN -o OUT --force``. Goals: the whole report within
5x the floor, its memory (summed over every process) under 3x the columns' in-memory
size (Arrow buffers, as the floor reports them); every chart drawn in Chromium.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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

COLUMNS = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele",
           "Tumor_Seq_Allele2", "Variant_Classification", "Variant_Type", "Tumor_Sample_Barcode",
           "HGVSp_Short", "FILTER"]
CLASSES = ["Missense_Mutation"] * 10 + ["Silent"] * 4 + ["Nonsense_Mutation", "Frame_Shift_Del",
                                                           "Frame_Shift_Ins", "Splice_Site",
                                                           "Intron", "3'UTR", "In_Frame_Del"]


def generate(path: Path, rows: int, samples: int, genes: int = 18000) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(3)
    gene_names = np.array([f"GENE{i:05d}" for i in range(genes)], dtype=object)
    # A long-tailed gene distribution, like real cohorts (a few genes in many samples).
    weights = 1.0 / np.arange(1, genes + 1) ** 0.9
    gi = rng.choice(genes, size=rows, p=weights / weights.sum())
    # Hypermutators: sample mutation counts are long-tailed too.
    sw = rng.pareto(1.5, samples) + 0.2
    si = rng.choice(samples, size=rows, p=sw / sw.sum())
    barcodes = np.array([f"TCGA-{k // 100:02d}-{k:04d}-01A" for k in range(samples)],
                        dtype=object)
    subs = np.array(["C>T", "G>A", "C>A", "G>T", "T>C", "A>G", "T>A", "C>G"], dtype=object)
    sub_i = rng.integers(0, len(subs), rows)
    cls = np.array(CLASSES, dtype=object)[rng.integers(0, len(CLASSES), rows)]
    codon = rng.integers(1, 1500, rows)
    hgvsp = np.where(cls == "Missense_Mutation",
                     np.char.add(np.char.add("p.R", codon.astype(str)), "H").astype(object), "")
    table = pa.table({
        "Hugo_Symbol": gene_names[gi],
        "Entrez_Gene_Id": np.zeros(rows, dtype=np.int64),
        "Center": np.full(rows, "BENCH", dtype=object),
        "NCBI_Build": np.full(rows, "GRCh38", dtype=object),
        "Chromosome": np.array([f"chr{1 + k % 22}" for k in range(22)], dtype=object)[gi % 22],
        "Start_Position": 1_000_000 + gi * 5_000 + rng.integers(0, 4_000, rows),
        "Variant_Classification": cls,
        "Variant_Type": np.full(rows, "SNP", dtype=object),
        "Reference_Allele": np.array([s[0] for s in subs], dtype=object)[sub_i],
        "Tumor_Seq_Allele2": np.array([s[2] for s in subs], dtype=object)[sub_i],
        "Tumor_Sample_Barcode": barcodes[si],
        "HGVSp_Short": hgvsp,
        "FILTER": np.where(rng.random(rows) < 0.97, "PASS", "panel_of_normals").astype(object),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(b"#version 2.4\n" + "\t".join(table.column_names).encode() + b"\n")
        pcsv.write_csv(table, fh, write_options=pcsv.WriteOptions(
            delimiter="\t", quoting_style="none", include_header=False))


FLOOR = """
import sys
import pyarrow as pa
import pyarrow.csv as pcsv

columns = sys.argv[2].split(",")
table = pcsv.read_csv(sys.argv[1], read_options=pcsv.ReadOptions(skip_rows=1),
                      parse_options=pcsv.ParseOptions(delimiter="\\t", quote_char=False),
                      convert_options=pcsv.ConvertOptions(
                          include_columns=columns, column_types={c: pa.string() for c in columns}))
print("rows", table.num_rows, "nbytes", table.nbytes)
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="100,000 rows, 500 samples, 2 runs")
    args = ap.parse_args()
    if args.quick:
        args.rows, args.samples, args.runs = 100_000, 500, 2
    run_dir = BENCH_ROOT / f"maf_{args.rows}_{args.samples}"
    maf = run_dir / "cohort.maf"

    def make() -> str:
        generate(maf, args.rows, args.samples)
        return f"{args.rows:,} rows, {args.samples:,} samples ({maf.stat().st_size / 1e6:.0f} MB)"

    generate_once(run_dir, "v1", make)
    out = BENCH_ROOT / f"maf_{args.rows}_{args.samples}_out"
    got = alternate({"report": report_argv(run_dir, out), "floor": python_argv(FLOOR, maf, ",".join(COLUMNS))},
                    args.runs)
    nbytes = int(got["floor"].figure("nbytes"))
    print(f"\n{args.rows:,}-row MAF, {args.samples:,} samples; the needed columns hold {nbytes / 1e6:.0f} MB")
    ratios = print_comparison(got["report"], got["floor"], "pyarrow, needed columns")
    drawn = check_in_chromium(out / "rinec_report.html")
    print_drawn(drawn)
    ok = goal("whole report / pyarrow read, wall", ratios["wall"], 5, "x")
    ok &= goal("peak memory (summed) / columns' size", got["report"].mem / nbytes, 3, "x")
    save("maf", {"rows": args.rows, "samples": args.samples, "columns_bytes": nbytes, "report": got["report"],
                 "floor": got["floor"], "ratios": ratios, "drawn": drawn})
    return 0 if ok and drawn.ok else 1


if __name__ == "__main__":
    sys.exit(main())
