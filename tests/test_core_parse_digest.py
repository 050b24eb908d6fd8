"""Each input's SHA-256 in the run's record, whether the file is hashed before its
parse (small files) or beside it in a thread (large ones). Reference digests come
from coreutils' ``sha256sum``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from rinec_report import parse
from rinec_report.model import FoundFile
from rinec_report.parse import ParseTask, parse_one


def _task(path: Path) -> ParseTask:
    return ParseTask(None, FoundFile(str(path), path.name, "demo", "demo", path.stat().st_size), {})


def _sha256sum(path: Path) -> str:
    return subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout.split()[0]


@pytest.mark.parametrize("size", [0, 1000, parse.HASH_BESIDE_BYTES + 12345])
def test_digest_matches_sha256sum(tmp_path: Path, size: int) -> None:
    path = tmp_path / "input.bin"
    path.write_bytes(os.urandom(size))
    seen = []
    outcome = parse_one(_task(path), lambda file, options: seen.append(file.path) or {"rows": size})
    assert outcome.error is None
    assert outcome.data == {"rows": size} and seen == [str(path)]
    assert outcome.sha256 == _sha256sum(path)


@pytest.mark.parametrize("beside", [False, True])
def test_a_file_that_cannot_be_read_whole_is_an_error(tmp_path: Path, monkeypatch, beside: bool) -> None:
    path = tmp_path / "input.bin"
    path.write_bytes(b"x" * 100)
    if beside:
        monkeypatch.setattr(parse, "HASH_BESIDE_BYTES", 10)

    def unreadable(_path: str) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(parse, "sha256_of", unreadable)
    outcome = parse_one(_task(path), lambda file, options: {"rows": 1})
    assert outcome.data is None and outcome.sha256 == ""
    assert "Permission denied" in outcome.error


def test_warnings_are_kept_once_each_in_order_in_linear_time():
    # 50,000 warnings of 40,000 distinct texts: each kept once, first occurrence first.
    # A list search made this quadratic (minutes); a dict keeps it within a second.
    import time
    import warnings

    from rinec_report import InputWarning
    from rinec_report.parse import guarded

    def noisy() -> None:
        for i in range(50_000):
            warnings.warn(f"reading {i % 40_000} is odd", InputWarning, stacklevel=2)

    started = time.process_time()
    _, error, _, seen = guarded(noisy)
    assert error is None
    assert len(seen) == 40_000
    assert seen[:2] == ["reading 0 is odd", "reading 1 is odd"] and seen[-1] == "reading 39999 is odd"
    assert time.process_time() - started < 5
