"""The scanner: patterns as data, one walk, every real file once, ignores, skips with reasons."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from rinec_report.model import Pattern
from rinec_report.scan import PatternError, PluginPattern, apply_overrides, scan

PATTERNS = [
    PluginPattern("cohort", Pattern("clinical", glob=("*clinical*.csv", "*clinical*.xlsx"))),
    PluginPattern("variants", Pattern("vcf", glob=("*.vcf", "*.vcf.gz"), contents=r"^##fileformat=VCF")),
    PluginPattern("qc", Pattern("metrics", contents=r"^#qc-metrics v1")),
]


def _write(path: Path, text: str = "x\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _found(result) -> dict[str, str]:
    return {f.relpath: f"{f.plugin}/{f.pattern}" for f in result.found}


def test_globs_are_case_insensitive_and_contents_are_sniffed(tmp_path: Path) -> None:
    _write(tmp_path / "Clinical_Table.CSV")
    _write(tmp_path / "a.vcf", "##fileformat=VCFv4.2\n#CHROM\n")
    _write(tmp_path / "not_really.vcf", "chrom\tpos\n")
    with gzip.open(tmp_path / "b.vcf.gz", "wt") as fh:
        fh.write("##fileformat=VCFv4.1\n")
    _write(tmp_path / "deep" / "er" / "metrics.txt", "#qc-metrics v1\nfoo 1\n")
    _write(tmp_path / "other.txt", "nothing\n")
    found = _found(scan(tmp_path, PATTERNS))
    assert found == {
        "Clinical_Table.CSV": "cohort/clinical",
        "a.vcf": "variants/vcf",
        "b.vcf.gz": "variants/vcf",
        "deep/er/metrics.txt": "qc/metrics",
    }


def test_hidden_folders_output_folder_and_ignore_globs(tmp_path: Path) -> None:
    _write(tmp_path / ".cache" / "clinical.csv")
    _write(tmp_path / "report_out" / "clinical.csv")
    _write(tmp_path / "old" / "clinical.csv")
    _write(tmp_path / "keep" / "clinical.csv")
    _write(tmp_path / "keep" / "clinical_draft.csv")
    result = scan(
        tmp_path,
        PATTERNS,
        ignore=["old", "*draft*"],
        skip_dirs=[tmp_path / "report_out"],
    )
    assert _found(result) == {"keep/clinical.csv": "cohort/clinical"}


def test_ignore_wins_over_any_pattern(tmp_path: Path) -> None:
    # A path glob drops a file that a content pattern (no glob) would take.
    _write(tmp_path / "sub" / "metrics.txt", "#qc-metrics v1\n")
    assert _found(scan(tmp_path, PATTERNS, ignore=["sub/*"])) == {}
    assert _found(scan(tmp_path, PATTERNS)) == {"sub/metrics.txt": "qc/metrics"}


def test_symlink_loops_and_duplicate_links_visit_each_real_file_once(tmp_path: Path) -> None:
    _write(tmp_path / "data" / "clinical.csv")
    os.symlink(tmp_path, tmp_path / "data" / "loop")
    os.symlink(tmp_path / "data", tmp_path / "alias")
    os.symlink(tmp_path / "data" / "clinical.csv", tmp_path / "clinical_link.csv")
    result = scan(tmp_path, PATTERNS)
    assert len(result.found) == 1
    assert result.dirs_seen == 2  # the root and data/, each once


def test_unreadable_and_oversized_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    os.symlink(tmp_path / "gone.csv", tmp_path / "clinical_broken.csv")
    _write(tmp_path / "clinical_big.csv", "x" * 5000)
    with open(tmp_path / "c.vcf.gz", "wb") as fh:
        fh.write(b"\x1f\x8b\x08\x00garbage")
    result = scan(tmp_path, PATTERNS, max_file_size=1000)
    reasons = dict(result.failed)
    assert result.found == []
    assert reasons["clinical_broken.csv"].startswith("unreadable")
    assert "max_file_size_mb: 1" in reasons["clinical_big.csv"]
    assert reasons["c.vcf.gz"].startswith("unreadable")
    # Tables have a limit of their own, named in the message.
    tables = scan(tmp_path, PATTERNS, max_file_size=10_000, max_table_size=1000)
    assert "over the size limit of 0 MB (raise it in the config: max_table_size_mb: 1)" in dict(tables.failed)[
        "clinical_big.csv"
    ]


def test_pattern_overrides_from_config(tmp_path: Path) -> None:
    _write(tmp_path / "patients.tsv")
    patterns, warnings = apply_overrides(
        PATTERNS, {"cohort/clinical": {"glob": ["patients.tsv"]}, "cohort/nope": {"glob": "x"}}
    )
    assert _found(scan(tmp_path, patterns)) == {"patients.tsv": "cohort/clinical"}
    assert warnings == ["config 'patterns' names no pattern 'cohort/nope'"]


def test_a_pattern_needs_a_glob_or_contents() -> None:
    with pytest.raises(ValueError, match="needs a glob or a contents"):
        Pattern("empty")


def test_a_content_expression_that_backtracks_is_stopped_once(tmp_path: Path) -> None:
    # ^(a|aa)+$ against a run of a's ending in another letter tries every way of
    # splitting the run into ones and twos (Fibonacci(60), about 1.5e12), both in
    # Python's re and in regex.
    slow = [PluginPattern("qc", Pattern("metrics", glob=("*.txt",), contents=r"^(a|aa)+$")),
            PluginPattern("cohort", Pattern("clinical", glob=("*clinical*.csv",)))]
    for k in range(3):
        _write(tmp_path / f"m{k}.txt", "a" * 60 + "b\n")
    _write(tmp_path / "clinical.csv")
    result = scan(tmp_path, slow)
    assert _found(result) == {"clinical.csv": "cohort/clinical"}
    assert len(result.failed) == 1  # reported on the first file only; then left out
    rel, reason = result.failed[0]
    assert rel in {"m0.txt", "m1.txt", "m2.txt"}
    assert reason.startswith("pattern qc/metrics: its contents expression ran over 1 s")


def test_content_expressions_keep_pythons_syntax(tmp_path: Path) -> None:
    # Named groups, look-arounds and inline flags, as re reads them.
    patterns = [PluginPattern("qc", Pattern("m", glob=("*.txt",),
                                            contents=r"(?i)^#(?P<tag>qc)-metrics(?= v\d)"))]
    _write(tmp_path / "yes.txt", "#QC-metrics v2\n")
    _write(tmp_path / "no.txt", "#qc-metrics vX\n")
    assert _found(scan(tmp_path, patterns)) == {"yes.txt": "qc/m"}


def test_a_patterns_exclude_keeps_a_name_out_and_the_config_can_change_it(tmp_path: Path) -> None:
    # MultiQC's software versions start like its sample tables ("Sample\t..."): the name keeps them out.
    for name in ("multiqc_fastp.txt", "multiqc_software_versions.txt"):
        (tmp_path / name).write_text("Sample\tvalue\nS1\t1\n")
    patterns = [PluginPattern("qc", Pattern("table", glob=("multiqc_*.txt",), contents=r"\ASample\t",
                                            exclude=("multiqc_software_versions.txt",)))]
    assert _found(scan(tmp_path, patterns)) == {"multiqc_fastp.txt": "qc/table"}
    overridden, _ = apply_overrides(patterns, {"qc/table": {"exclude": []}})
    assert _found(scan(tmp_path, overridden)) == {"multiqc_fastp.txt": "qc/table",
                                                   "multiqc_software_versions.txt": "qc/table"}
    with pytest.raises(PatternError, match="exclude must be a text or a list of texts"):
        apply_overrides(patterns, {"qc/table": {"exclude": 3}})
