"""A fresh clone passes its tests alone: nothing under tests/ reads the public data
folder kept beside the checkout, and every vendored file has its provenance row."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DATA = TESTS / "data"

# The ways a path to the shared data folder beside the clone has been spelled: as text, or built
# with pathlib. (The examples below are assembled from parts, so this file names no such path itself.)
OUTSIDE = re.compile(
    rb"\.\.[/\\]shared\b"
    rb"|\bshared[/\\]data\b"
    rb"|[\"']shared[\"']\s*/\s*[\"']data[\"']"
    rb"|\.parents?\b[^\n]*[\"']shared[\"']"
)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def test_the_pattern_catches_the_old_spellings() -> None:
    # The lines the tests used before their data moved into tests/data/.
    old = [
        b'SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"',
        b'SHARED_DATA = REPO.parent / "shared" / "data"',
        b"expected .." + b"/shared beside the clone",
        b"copied from shared" + b"/data/reactome/",
    ]
    assert all(OUTSIDE.search(line) for line in old)
    assert not OUTSIDE.search(b'TEST_DATA = REPO / "tests" / "data"')


def test_no_file_under_tests_refers_to_the_shared_data() -> None:
    here = Path(__file__).resolve()
    offenders = []
    for path in _files(TESTS):
        if path == here:
            continue
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}")
    assert offenders == []


def test_every_vendored_file_has_its_row_and_checksum() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip() for line in readme.splitlines() if line.startswith("| ")}
    sums = dict(
        (name, digest)
        for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, flags=re.MULTILINE)
    )
    files = [p.relative_to(DATA).as_posix() for p in _files(DATA) if p.name != "README.md"]
    assert files, "tests/data/ is empty"
    assert sorted(f for f in files if f not in rows) == []
    assert sorted(f for f in files if f not in sums) == []
    for name in files:
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == sums[name], name


def test_every_plugin_package_is_in_the_wheel() -> None:
    # A plugin folder missing from the explicit package list works in an editable install
    # and is absent from `pip install .` (its entry point then fails to load).
    import tomllib

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    packages = set(config["tool"]["setuptools"]["packages"])
    folders = {f"rinec_plugins.{p.parent.name}" for p in (root / "plugins").glob("*/__init__.py")}
    assert folders - packages == set()
    entry_points = set(config["project"]["entry-points"]["rinec_report"].values())
    assert entry_points - packages == set()
