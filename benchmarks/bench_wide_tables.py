"""Wide tables: a clinical table and an IHC table of 10,000 to 80,000 columns (20
patients), each report against pandas' bare read of the same file.

    python benchmarks/bench_wide_tables.py [--smallest 10000] [--largest 80000] [--patients 20] [--runs 3]
                                           [--quick]

Generates under /tmp/rinec_bench one run directory per kind and width (clinical.csv,
or ihc_scores.csv), doubling the columns from ``--smallest`` to ``--largest``, then
measures, alternating, in fresh processes: ``rinec-report RUN -o OUT --force`` and its
floor (pandas reading the table). The column limit is raised for the run
(``RINEC_MAX_COLUMNS``) so that widths past it are measured too. Printed per width: the
report's wall time, the floor's, their ratio, and the report's seconds per 10,000
columns, and the CPU seconds per 10,000 columns added since the previous width (start-up
and imports cancel out), which stays flat when the time grows with the columns and rises
when it grows with their square. Goal: that figure at the largest width no more than 1.5
times its value at the second smallest. CPU rather than wall time for the goal: on a
shared machine the wall time also counts the waits for a core.
"""

from __future__ import annotations

import functools
import sys

from clinical_tables import FLOOR_TABLES, write_wide_clinical, write_wide_ihc
from harness import BENCH_ROOT, alternate, bench_args, generate_once, goal, python_argv, report_argv, save

KINDS = {"clinical": ("clinical.csv", write_wide_clinical), "ihc": ("ihc_scores.csv", write_wide_ihc)}


def _make(kind: str, run_dir, columns: int, patients: int) -> str:
    name, write = KINDS[kind]
    write(run_dir / name, columns, patients)
    return f"{kind} table of {columns:,} columns x {patients} patients"


def main() -> int:
    args = bench_args({"smallest": 10_000, "largest": 80_000, "patients": 20},
                      quick={"smallest": 2_500, "largest": 10_000}, runs=3)
    widths = []
    width = args.smallest
    while width <= args.largest:
        widths.append(width)
        width *= 2
    env = {"RINEC_MAX_COLUMNS": str(max(widths))}
    figures: dict[str, list[dict[str, float]]] = {}
    ok = True
    for kind, (name, _) in KINDS.items():
        for columns in widths:
            run_dir = BENCH_ROOT / f"wide_{kind}_{columns}_{args.patients}"

            generate_once(run_dir, "v1", functools.partial(_make, kind, run_dir, columns, args.patients))
            out = BENCH_ROOT / f"wide_{kind}_{columns}_out"
            print(f"\n{kind}, {columns:,} columns", flush=True)
            got = alternate({"report": report_argv(run_dir, out),
                             "floor": python_argv(FLOOR_TABLES, run_dir / name)}, args.runs, env)
            report, floor = got["report"], got["floor"]
            figures.setdefault(kind, []).append({
                "columns": columns, "report_wall": report.wall, "report_cpu": report.cpu, "report_mem": report.mem,
                "floor_wall": floor.wall, "per_10k": report.wall / columns * 10_000})
    print(f"\n{'table':10}{'columns':>9}{'wall s':>8}{'pandas s':>9}{'ratio':>7}{'wall/10k':>9}{'CPU s':>8}"
          f"{'CPU/10k':>8}{'added CPU/10k':>14}{'MB':>7}")
    for kind, rows in figures.items():
        for i, row in enumerate(rows):
            # The CPU of the columns added since the previous width, per 10,000: start-up
            # and imports cancel out, so this rises only when a column costs more as they grow.
            added = ((row["report_cpu"] - rows[i - 1]["report_cpu"]) / (row["columns"] - rows[i - 1]["columns"])
                     * 10_000 if i else float("nan"))
            row["added_cpu_per_10k"] = added
            print(f"{kind:10}{row['columns']:>9,}{row['report_wall']:>8.2f}{row['floor_wall']:>9.2f}"
                  f"{row['report_wall'] / row['floor_wall']:>7.1f}{row['per_10k']:>9.2f}{row['report_cpu']:>8.2f}"
                  f"{row['report_cpu'] / row['columns'] * 10_000:>8.2f}{added:>14.2f}{row['report_mem'] / 1e6:>7.0f}")
    print(f"(medians of {args.runs} alternating runs; CPU of the whole process tree; memory = peak of the sum "
          "over every process)")
    for kind, rows in figures.items():
        if len(rows) < 3:
            continue
        growth = rows[-1]["added_cpu_per_10k"] / rows[1]["added_cpu_per_10k"]
        ok &= goal(f"{kind}: CPU per 10,000 added columns, {rows[-2]['columns']:,} to {rows[-1]['columns']:,} "
                   f"against {rows[0]['columns']:,} to {rows[1]['columns']:,}", growth, 1.5, "x")
    save("wide", {"patients": args.patients, "figures": figures})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
