"""Timing one whole report in a fresh process: wall time, peak memory, HTML size.

Shared by the scale benchmarks. A fresh interpreter per measurement, so that the
imports are counted as a user would pay them and the memory peak is the run's own.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHILD = """
import sys, rinec_report
r = rinec_report.run(sys.argv[1], outdir=sys.argv[2], force=True, plugins=("variants",))
print("exit_status", r.exit_status, "messages", len(r.messages))
for m in r.messages[:5]:
    print(" ", m.line())
"""


@dataclass
class Measured:
    ok: bool  # the run exited 0 with no error message
    seconds: float
    peak_gb: float  # the largest process (the run or one of its parse workers)
    html_mb: float


def measure(run_dir: Path, out: Path) -> Measured:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(run_dir), str(out)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 / 1024
    print(proc.stdout.strip())
    if proc.returncode:
        print(proc.stderr[-3000:])
        return Measured(False, seconds, peak_gb, 0.0)
    html_mb = (out / "rinec_report.html").stat().st_size / 1e6
    return Measured("exit_status 0" in proc.stdout, seconds, peak_gb, html_mb)


def generate_once(folder: Path, key: str, make: Callable[[], str]) -> None:
    """Run ``make`` (which returns what it made, for the log) unless ``folder``
    already holds data generated with the same ``key`` (sizes, counts)."""
    marker = folder / f".generated_{key}"
    if marker.exists():
        return
    started = time.perf_counter()
    made = make()
    marker.touch()
    print(f"generated {made} in {time.perf_counter() - started:.1f} s: {folder}")
