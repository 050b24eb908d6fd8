"""Shared pieces of the hardening tests: a small run directory and the CLI in a
subprocess (so that a hang is a failed test, not a stuck suite)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLINICAL = "patient_id,sample_id,age,sex\nP1,S1,61,M\nP2,S2,55,F\n"
IHC = "patient_id,specimen,marker,intensity,percent\nP1,NEC,Ki-67,3,80\nP2,NEC,Ki-67,2,40\n"
# The bound past which a run counts as hung: generous, it is not a speed test.
HANG_S = 240


def make_run(root: Path, files: dict[str, str | bytes] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in {"clinical.csv": CLINICAL, "ihc_scores.csv": IHC, **(files or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    return root


def cli(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float = HANG_S, memory_mb: int | None = None) -> subprocess.CompletedProcess:
    """``rinec-report ARGS`` in a subprocess, with a fixed time stamp; ``memory_mb``
    bounds its address space (and its workers')."""
    full_env = {**os.environ, "SOURCE_DATE_EPOCH": "1600000000", **(env or {})}

    def bounded() -> None:
        import resource

        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run(
        [sys.executable, "-c", "from rinec_report.cli import main; main()", *map(str, args)],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        cwd=cwd,
        env=full_env,
        preexec_fn=bounded if memory_mb else None,
    )


def assert_one_line_errors(result: subprocess.CompletedProcess) -> None:
    """No traceback reaches the user; every line is rinec-report's (or click's usage)."""
    assert "Traceback" not in result.stderr, result.stderr
    for line in result.stderr.splitlines():
        assert line.startswith(("rinec-report:", "Usage:", "Try ", "Error:", "")), line
