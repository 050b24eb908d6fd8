"""Whole report of 100,000 patients: clinical table, survival table, IHC readings.

    python benchmarks/bench_patients_scale.py [--patients 100000] [--runs 3] [--quick]

Generates under /tmp/rinec_bench clinical.csv (dates, treatment, outcome), survival.tsv
(OS and PFS with a three-arm grouping column) and ihc_scores.csv (10 markers per
patient: 1,000,000 readings at 100,000 patients), then measures, alternating, in fresh
processes: ``rinec-report RUN -o OUT --force`` and its floor (pandas reading the three
tables). Goals: the report in under 20 s on 2 cores (issue 30; it was 60 s before),
every chart drawn in Chromium within 5 s, the page under 25 MB.
"""

from __future__ import annotations

import sys

from clinical_tables import FLOOR_TABLES, write_clinical, write_ihc, write_survival
from harness import BENCH_ROOT, bench_args, generate_once, goal, measure_report, python_argv, save

CONFIG = """title: "Scale: synthetic cohort"
cohort:
  followup_end: 2024-12-31
survival:
  time_unit: months
  group_by: [arm]
"""


def main() -> int:
    args = bench_args({"patients": 100_000}, quick={"patients": 2_000}, runs=3)
    run_dir = BENCH_ROOT / f"patients_{args.patients}"

    def make() -> str:
        write_clinical(run_dir / "clinical.csv", args.patients)
        write_survival(run_dir / "survival.tsv", args.patients)
        readings = write_ihc(run_dir / "ihc_scores.csv", args.patients)
        (run_dir / "rinec_report.yaml").write_text(CONFIG)
        return f"{args.patients:,} patients, {readings:,} IHC readings"

    generate_once(run_dir, "v1", make)
    out = BENCH_ROOT / f"patients_{args.patients}_out"
    tables = [run_dir / n for n in ("clinical.csv", "survival.tsv", "ihc_scores.csv")]
    m = measure_report(run_dir, out, {"floor": python_argv(FLOOR_TABLES, *tables)}, args.runs,
                       f"{args.patients:,} patients (clinical, survival, IHC)", "pandas reading the tables",
                       draw_limit=5)
    ok = goal("whole report, wall", m.got["report"].wall, 20, " s")
    ok &= goal("every chart drawn in Chromium", m.drawn.seconds if m.drawn.ok else float("inf"), 5, " s")
    ok &= goal("page size", m.drawn.html_mb, 25, " MB")
    save("patients", {"patients": args.patients, "report": m.got["report"], "floor": m.got["floor"],
                      "ratios": m.ratios, "drawn": m.drawn})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
