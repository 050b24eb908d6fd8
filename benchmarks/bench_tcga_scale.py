"""Whole report at TCGA scale: one MAF of 3,000,000 rows and 10,000 samples.

    python benchmarks/bench_tcga_scale.py [--rows 3000000] [--samples 10000] [--runs 5] [--quick]

Generates a GDC-style MAF under /tmp/rinec_bench (written with pyarrow), then
measures, alternating, in fresh processes: the floor (pyarrow reading the columns the
plugin reads, then writing them as the data folder's mutations table with pyarrow's CSV
writer, as issue 30 sets it) and ``rinec-report RUN -o OUT --force``. Goals: the whole
report within 3x the floor, its memory (summed over every process) under 3x the columns' in-memory
size (Arrow buffers, as the floor reports them); every chart drawn in Chromium.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness import BENCH_ROOT, bench_args, generate_once, goal, measure_report, python_argv, save

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
# The data folder's table of every mutation, written as whole columns (to a file in
# the same folder as the report's, so both pay the same disk).
pcsv.write_csv(table, sys.argv[3], pcsv.WriteOptions(delimiter="\t", quoting_style="none"))
print("rows", table.num_rows, "nbytes", table.nbytes)
"""


def main() -> int:
    args = bench_args({"rows": 3_000_000, "samples": 10_000}, quick={"rows": 100_000, "samples": 500})
    run_dir = BENCH_ROOT / f"maf_{args.rows}_{args.samples}"
    maf = run_dir / "cohort.maf"

    def make() -> str:
        generate(maf, args.rows, args.samples)
        return f"{args.rows:,} rows, {args.samples:,} samples ({maf.stat().st_size / 1e6:.0f} MB)"

    generate_once(run_dir, "v1", make)
    out = BENCH_ROOT / f"maf_{args.rows}_{args.samples}_out"
    written = BENCH_ROOT / f"maf_{args.rows}_{args.samples}_floor.tsv"
    m = measure_report(run_dir, out, {"floor": python_argv(FLOOR, maf, ",".join(COLUMNS), written)}, args.runs,
                       f"{args.rows:,}-row MAF, {args.samples:,} samples",
                       "pyarrow, needed columns read and written")
    nbytes = int(m.got["floor"].figure("nbytes"))
    print(f"the needed columns hold {nbytes / 1e6:.0f} MB")
    ok = goal("whole report / pyarrow read and write, wall", m.ratios["wall"], 3, "x")
    ok &= goal("peak memory (summed) / columns' size", m.got["report"].mem / nbytes, 3, "x")
    save("maf", {"rows": args.rows, "samples": args.samples, "columns_bytes": nbytes, "report": m.got["report"],
                 "floor": m.got["floor"], "ratios": m.ratios, "drawn": m.drawn})
    return 0 if ok and m.drawn.ok else 1


if __name__ == "__main__":
    sys.exit(main())
