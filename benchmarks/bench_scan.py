"""Scan speed: a run directory of 20,000 small irrelevant files plus the example inputs.

Target: the scan takes under 1 s (MultiQC 1.35 needs about 10 s to search such a tree on
this kind of machine). The baseline measured in the same run is a bare ``os.walk`` that
only lists the same tree, the floor for any scanner written in Python.

    python benchmarks/bench_scan.py [--files 20000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rinec_report.plugins import PluginHost
from rinec_report.scan import PluginPattern, scan

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0


def make_tree(root: Path, n_files: int) -> None:
    shutil.copytree(REPO / "example_run", root / "example_run")
    per_dir = 200
    for i in range(n_files):
        d = root / "noise" / f"lane{i // (per_dir * 10):02d}" / f"dir{i // per_dir:03d}"
        if i % per_dir == 0:
            d.mkdir(parents=True, exist_ok=True)
        suffix = (".txt", ".log", ".json", ".md", ".fastq.gz.md5", ".png")[i % 6]
        (d / f"file_{i:05d}{suffix}").write_bytes(b"irrelevant\n")


def best_of(n: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    args = parser.parse_args()
    host = PluginHost.load()
    patterns = [PluginPattern(n, p) for n in host.names for p in host.call(n, "rinec_patterns") or []]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_tree(root, args.files)
        walk_s, walked = best_of(3, lambda: sum(len(f) for _, _, f in os.walk(root)))
        scan_s, result = best_of(3, lambda: scan(root, patterns))
    print(f"tree: {walked} files ({args.files} irrelevant + the example run), {len(patterns)} patterns")
    print(f"baseline os.walk (list only): {walk_s:.3f} s, {walked / walk_s:,.0f} files/s")
    print(f"rinec-report scan:            {scan_s:.3f} s, {result.files_seen / scan_s:,.0f} files/s, "
          f"{len(result.found)} matched")
    print(f"scan / os.walk time ratio:    {scan_s / walk_s:.2f}")
    ok = scan_s < TARGET_SECONDS
    print(f"target: scan under {TARGET_SECONDS:.1f} s -> {'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
