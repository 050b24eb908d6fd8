"""Wall time of `rinec-report --help` (target: under 0.5 s), beside a bare `python -c pass`
measured in the same run (the interpreter's own start-up, which no CLI can beat).

    python benchmarks/bench_help.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

TARGET_SECONDS = 0.5


def best_of(n: int, cmd: list[str]) -> float:
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    exe = shutil.which("rinec-report")
    cmd = [exe, "--help"] if exe else [sys.executable, "-m", "rinec_report.cli", "--help"]
    bare = best_of(5, [sys.executable, "-c", "pass"])
    helped = best_of(5, cmd)
    print(f"python -c pass:       {bare:.3f} s")
    print(f"rinec-report --help:  {helped:.3f} s  ({helped / bare:.1f} x the bare interpreter)")
    ok = helped < TARGET_SECONDS
    print(f"target: under {TARGET_SECONDS} s -> {'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
