"""Whole report at TCGA scale: one MAF of 3,000,000 rows and 10,000 samples.

    python benchmarks/bench_tcga_scale.py [--rows 3000000] [--samples 10000]

Generates a GDC-style MAF in /tmp (written with pyarrow), times pyarrow alone
reading the columns the plugin reads, then builds the whole report with the
variants plugin only (in a child process, for its peak memory). Target: the
whole report under 90 s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from whole_report import generate_once, measure

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


def pyarrow_alone(path: Path) -> float:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    t0 = time.perf_counter()
    pcsv.read_csv(path, read_options=pcsv.ReadOptions(skip_rows=1),
                  parse_options=pcsv.ParseOptions(delimiter="\t", quote_char=False),
                  convert_options=pcsv.ConvertOptions(
                      include_columns=COLUMNS, column_types={c: pa.string() for c in COLUMNS}))
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--samples", type=int, default=10_000)
    ap.add_argument("--dir", default="/tmp/rinec_bench/tcga_run")
    args = ap.parse_args()
    run_dir = Path(args.dir)
    maf = run_dir / "cohort.maf"
    def make() -> str:
        generate(maf, args.rows, args.samples)
        return f"{args.rows:,} rows, {args.samples:,} samples ({maf.stat().st_size / 1e6:.0f} MB)"

    generate_once(run_dir, f"{args.rows}_{args.samples}", make)
    t_arrow = pyarrow_alone(maf)
    m = measure(run_dir, Path("/tmp/rinec_bench/tcga_out"))
    ok = m.ok and m.seconds < 90
    print(f"pyarrow alone reading the same columns: {t_arrow:.1f} s")
    print(f"whole report: {m.seconds:.1f} s (target < 90 s), {m.seconds / t_arrow:.1f} x pyarrow alone")
    print(f"peak memory (largest process): {m.peak_gb:.2f} GB; HTML {m.html_mb:.1f} MB")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
