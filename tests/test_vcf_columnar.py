"""The contract between the two VCF readers: the columnar reader (pyarrow's CSV reader
over the text) and cyvcf2's record loop give the same table, the same account and the
same warnings for every VCF the repository holds, and the columnar reader hands a file
to cyvcf2 (saying why, at -v) whenever its text is outside what it can read as htslib
does."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rinec_plugins.variants.vcf import parse_vcf

from rinec_report import account
from rinec_report.model import InputError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(
    p for base in (ROOT / "tests" / "data", ROOT / "example_run" / "variants")
    for p in base.rglob("*") if p.name.lower().endswith((".vcf", ".vcf.gz", ".vcf.bgz")))


def read(path: Path, reader: str, monkeypatch: pytest.MonkeyPatch, caplog=None) -> tuple:
    """parse_vcf's result, the file's account and the warnings, under one reader."""
    monkeypatch.setenv("RINEC_VCF_READER", reader)
    return read_as_set(path)


def read_as_set(path: Path) -> tuple:
    """:func:`read` under the reader RINEC_VCF_READER names now (the fuzz test's child
    process sets it itself)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with account.recording(path.name) as ledger:
            try:
                data = parse_vcf(str(path), {"filters": ["*"]})
            except InputError as exc:
                data = {"error": str(exc)}
    return data, ledger.files.get(path.name), [str(w.message) for w in caught]


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """Values compared as text (categories, string dtypes and object columns alike)."""
    out = frame.reset_index(drop=True).copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype) or out[col].dtype == object or \
                pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None).astype(str)
    return out


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if key in ("reader", "reader_note"):  # which reader read it: differs by design
            continue
        if key == "mutations":
            pd.testing.assert_frame_equal(normalised(a[key]), normalised(b[key]),
                                          check_dtype=False, check_categorical=False)
            assert list(a[key].columns) == list(b[key].columns)
        elif isinstance(a[key], np.ndarray):
            assert np.array_equal(a[key], b[key]), key
        else:
            assert a[key] == b[key], key


def test_the_fixtures_are_found() -> None:
    # tests/data holds 20 VCFs and example_run/variants four .vcf.gz (counted by hand).
    assert len(FIXTURES) == 24


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_readers_give_the_same_table_account_and_warnings(path: Path,
                                                               monkeypatch) -> None:
    fast, fast_account, fast_warnings = read(path, "auto", monkeypatch)
    slow, slow_account, slow_warnings = read(path, "cyvcf2", monkeypatch)
    assert_same(fast, slow)
    assert fast_account == slow_account
    assert fast_warnings == slow_warnings


def amended(path: Path, out: Path) -> Path:
    """A plain-text copy of ``path`` whose header declares what its records use (a
    ##fileformat line first, every contig, FILTER, INFO and FORMAT key), so that htslib
    reads it without a warning and the columnar reader can take it."""
    import gzip
    import re

    opener = gzip.open if path.name.endswith((".gz", ".bgz")) else open
    with opener(path, "rt") as fh:
        lines = fh.read().splitlines()
    head = [line for line in lines if line.startswith("#")]
    records = [line.split("\t") for line in lines if line and not line.startswith("#")]
    if not head[0].startswith("##fileformat"):
        head.insert(0, "##fileformat=VCFv4.2")
    declared = {kind: set(re.findall(rf"^##{kind}=<ID=([^,>]+)", "\n".join(head), re.M))
                for kind in ("contig", "FILTER", "INFO", "FORMAT")}
    wanted = {"contig": {r[0] for r in records},
              "FILTER": {f for r in records for f in r[6].split(";")} - {".", "PASS"},
              "INFO": {kv.split("=", 1)[0] for r in records for kv in r[7].split(";")} - {"."},
              "FORMAT": {k for r in records if len(r) > 8 for k in r[8].split(":")}}
    extra = []
    for kind in ("contig", "FILTER", "INFO", "FORMAT"):
        for name in sorted(wanted[kind] - declared[kind]):
            extra.append(f"##{kind}=<ID={name}>" if kind == "contig" else
                         f'##{kind}=<ID={name},Description="x">' if kind == "FILTER" else
                         f'##{kind}=<ID={name},Number=.,Type=String,Description="x">')
    head[1:1] = extra
    out.write_text("\n".join(head + ["\t".join(r) for r in records]) + "\n")
    return out


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_readers_agree_on_the_fixtures_with_their_headers_completed(
        path: Path, tmp_path: Path, monkeypatch) -> None:
    copy = amended(path, tmp_path / (path.name.split(".")[0] + ".vcf"))
    fast, fast_account, fast_warnings = read(copy, "auto", monkeypatch)
    slow, slow_account, slow_warnings = read(copy, "cyvcf2", monkeypatch)
    assert_same(fast, slow)
    assert fast_account == slow_account
    assert fast_warnings == slow_warnings


def test_both_readers_agree_on_a_multi_allelic_single_sample_vcf(tmp_path: Path,
                                                                  monkeypatch) -> None:
    """bcftools' split-vep VCF (34 multi-allelic records, ALLELE_NUM) with a sample
    column added, as the vcf2maf parity test reads it."""
    from variants_helpers import TEST_DATA, add_sample_column

    path = add_sample_column(TEST_DATA / "vcf" / "bcftools_split-vep.vcf",
                             tmp_path / "bcftools.vcf", second_alt=True)
    fast, fast_account, fast_warnings = read(path, "columnar", monkeypatch)
    slow, slow_account, slow_warnings = read(path, "cyvcf2", monkeypatch)
    assert "error" not in fast
    assert_same(fast, slow)
    assert (fast_account, fast_warnings) == (slow_account, slow_warnings)


# Read by the columnar reader as they are (the others need cyvcf2, for a reason below).
COLUMNAR_AS_IS = ["vcf2maf/test_b38.vcf", "vcf/bcftools_split-vep.7.vcf", "variants/depth/ad.vcf",
                  "variants/depth/caveman.vcf", "variants/depth/strelka_snv.vcf",
                  "variants/depth/varscan.vcf", "variants/depth/freebayes.vcf"]


@pytest.mark.parametrize("name", COLUMNAR_AS_IS)
def test_the_columnar_reader_reads_plain_vcfs_itself(name: str, monkeypatch) -> None:
    data, _, _ = read(ROOT / "tests" / "data" / name, "columnar", monkeypatch)
    assert "error" not in data and len(data["mutations"]) > 0


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "example_run" / "variants").iterdir()))
def test_the_example_runs_vcfs_are_read_by_the_columnar_reader(name: str, monkeypatch) -> None:
    data, _, _ = read(ROOT / "example_run" / "variants" / name, "columnar", monkeypatch)
    assert "error" not in data and len(data["mutations"]) > 0


@pytest.mark.parametrize(("name", "reason"), [
    ("vcf/cyvcf2_test.vcf.gz", "a cohort VCF"),
    ("variants/depth/fa.vcf", "FORMAT/FA is a Float"),
    ("variants/depth/sv.vcf", "structural variants"),
    ("variants/vcf2maf_test_pindel.vep.vcf", "contig '1' is not declared"),
    ("variants/snpeff_cancer_pedigree.ann.vcf", "no ##fileformat line"),
])
def test_a_file_the_columnar_reader_cannot_take_goes_to_cyvcf2_saying_why(
        name: str, reason: str, monkeypatch) -> None:
    forced, _, _ = read(ROOT / "tests" / "data" / name, "columnar", monkeypatch)
    assert reason in forced["error"]
    data, _, _ = read(ROOT / "tests" / "data" / name, "auto", monkeypatch)
    assert data["reader"] == "cyvcf2" and reason in data["reader_note"]


def test_the_fallback_reason_is_logged_once_at_v(tmp_path: Path) -> None:
    from hardening_helpers import cli, make_run

    run = make_run(tmp_path / "run")
    (run / "variants").mkdir()
    for name in ("fa.vcf", "ad.vcf"):
        (run / "variants" / name).write_bytes((ROOT / "tests/data/variants/depth" / name).read_bytes())
    done = cli(run, "-o", tmp_path / "out", "--force", "-v")
    said = [line for line in done.stderr.splitlines() if "not the columnar reader" in line]
    assert done.returncode == 0, done.stderr[-2000:]
    # fa.vcf's FA is a Float; ad.vcf is read by the columnar reader and not named.
    assert len(said) == 1 and "fa.vcf" in said[0] and "FORMAT/FA is a Float" in said[0]
    quiet = cli(run, "-o", tmp_path / "out2", "--force")
    assert "not the columnar reader" not in quiet.stderr


def test_vcf2maf_parity_on_the_columnar_reader(tmp_path: Path, monkeypatch) -> None:
    """mskcc/vcf2maf's own MAF for its pindel VCF, read by the columnar reader (the
    header completed with its contigs): the same rows, and the same one designed
    difference, as tests/test_variants_parity.py states for cyvcf2."""
    import csv

    data_dir = ROOT / "tests" / "data" / "variants"
    copy = amended(data_dir / "vcf2maf_test_pindel.vep.vcf", tmp_path / "pindel.vcf")
    data, _, _ = read(copy, "columnar", monkeypatch)
    cols = ["gene", "variant_classification", "variant_type", "pos", "ref", "alt", "hgvsp_short"]
    got = [tuple(str(v) for v in row) for row in data["mutations"][cols].itertuples(index=False)]
    maf_cols = ["Hugo_Symbol", "Variant_Classification", "Variant_Type", "Start_Position",
                "Reference_Allele", "Tumor_Seq_Allele2", "HGVSp_Short"]
    with open(data_dir / "vcf2maf_test_pindel.vep.maf") as fh:
        want = [tuple(r[c] for c in maf_cols) for r in csv.DictReader(
            (line for line in fh if not line.startswith("#")), delimiter="\t")]
    assert len(got) == len(want) == 31
    assert [(g, w) for g, w in zip(got, want, strict=True) if g != w] == [(
        ("AKAP9", "Frame_Shift_Ins", "INS", "91726612", "-", "A", "p.L3448Tfs*10"),
        ("Unknown", "Targeted_Region", "DEL", "91726612", "G", "", ""),
    )]


def test_both_readers_agree_on_hand_made_edge_records(tmp_path: Path, monkeypatch) -> None:
    """Records the columnar reader takes itself that exercise each rule: no ALT, a
    failed FILTER, no annotation, a multi-allelic record whose tumour carries the
    second ALT (and one settled by depths), a deletion, '*' and <DEL> alleles without
    SVTYPE, missing AD and DP values, an unknown consequence term."""
    from variants_helpers import VEP_FORMAT, csq

    header = ["##fileformat=VCFv4.2", "##contig=<ID=1>", "##contig=<ID=2>",
              '##FILTER=<ID=LowQual,Description="x">',
              '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
              f'Ensembl VEP. Format: {VEP_FORMAT}">',
              '##INFO=<ID=DP,Number=1,Type=Integer,Description="x">',
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="x">',
              '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="x">',
              '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="x">',
              "##tumor_sample=TUMOR", "##normal_sample=NORMAL",
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL\tTUMOR"]
    two = csq("C", "missense_variant", "TP53") + "," + csq("T", "stop_gained", "TP53")
    rows = [
        ("1", 100, "A", ".", "PASS", "DP=5", "0/0:5:5", "0/0:5:5"),
        ("1", 200, "C", "T", "LowQual", f"CSQ={csq('T', 'missense_variant', 'KRAS')}",
         "0/0:9,0:9", "0/1:5,4:9"),
        ("1", 300, "G", "A", ".", "DP=7", "0/0:7,0:.", "0/1:4,3:."),
        ("1", 400, "A", "C,T", "PASS", f"CSQ={two}", "0/1:10,5,0:15", "1/2:2,6,7:15"),
        ("1", 500, "A", "C,T", "PASS", f"CSQ={two}", "./.:10,0,0:10", "./.:1,2,9:12"),
        ("2", 600, "ACGT", "A", "PASS", f"CSQ={csq('-', 'frameshift_variant', 'EGFR')}",
         "0/0:.:20", "0/1:.:20"),
        ("2", 700, "A", "C,*", "PASS", f"CSQ={csq('C', 'made_up_variant', 'EGFR')}",
         "0/0:3,0,0:3", "0/1:3,3,0:6"),
        ("2", 800, "A", "<DEL>", "PASS", f"CSQ={csq('<DEL>', 'intron_variant', 'EGFR')}",
         "0/0:8,0:8", "0/1:4,4:8"),
    ]
    lines = header + ["\t".join([c, str(p), ".", r, a, ".", f, i, "GT:AD:DP", n, t])
                      for c, p, r, a, f, i, n, t in rows]
    path = tmp_path / "edges.vcf"
    path.write_text("\n".join(lines) + "\n")
    fast, fast_account, fast_warnings = read(path, "columnar", monkeypatch)
    slow, slow_account, slow_warnings = read(path, "cyvcf2", monkeypatch)
    assert "error" not in fast
    assert_same(fast, slow)
    assert (fast_account, fast_warnings) == (slow_account, slow_warnings)
    # By hand: eight records; the one without ALT gives no row, every other one row.
    assert fast["records"] == 8 and len(fast["mutations"]) == 7


@pytest.mark.parametrize("reader", ["auto", "cyvcf2"])
def test_the_vcf2maf_parity_tests_pass_on_each_reader(reader: str) -> None:
    """tests/test_variants_parity.py as it is, under each reader (auto takes the
    columnar reader wherever it can; the pindel file, read as is, needs cyvcf2, and is
    held to vcf2maf on the columnar reader above)."""
    import os
    import subprocess
    import sys

    from hardening_helpers import HANG_S

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_variants_parity.py"],
        capture_output=True, text=True, timeout=HANG_S, cwd=ROOT,
        env={**os.environ, "RINEC_VCF_READER": reader})
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(ROOT)))
def test_reading_ahead_in_a_thread_gives_the_same_table_account_and_warnings(
        path: Path, monkeypatch) -> None:
    """A large file's blocks are read and checked a chunk ahead in a thread. Small
    blocks and chunks of a few records make every fixture a many-chunk file, read with
    and without the thread: the same table, account and warnings."""
    from rinec_plugins.variants import columnar, vcf

    monkeypatch.setattr(columnar, "BLOCK", 4096)
    monkeypatch.setattr(vcf, "CHUNK", 7)
    monkeypatch.setattr(vcf, "READ_AHEAD_BYTES", 1 << 62)
    plain, plain_account, plain_warnings = read(path, "auto", monkeypatch)
    monkeypatch.setattr(vcf, "READ_AHEAD_BYTES", 0)
    ahead, ahead_account, ahead_warnings = read(path, "auto", monkeypatch)
    assert_same(ahead, plain)
    assert (ahead.get("reader"), ahead.get("reader_note")) == \
        (plain.get("reader"), plain.get("reader_note"))
    assert (ahead_account, ahead_warnings) == (plain_account, plain_warnings)


def test_a_block_refused_after_others_were_read_ahead_goes_to_cyvcf2(
        tmp_path: Path, monkeypatch) -> None:
    """A contig the header lacks, 3,000 records into the file: the thread reading
    ahead meets it after chunks were classified; the whole file goes to cyvcf2, saying
    why, and reads as cyvcf2 reads it."""
    from rinec_plugins.variants import columnar, vcf
    from variants_helpers import VEP_FORMAT, csq

    header = ["##fileformat=VCFv4.2", "##contig=<ID=1>",
              '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
              f'Ensembl VEP. Format: {VEP_FORMAT}">',
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="x">',
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR"]
    info = "CSQ=" + csq("T", "missense_variant", "TP53")
    lines = header + ["\t".join(["1" if k != 3000 else "2", str(100 + k), ".", "C", "T", ".",
                                 "PASS", info, "GT", "0/1"]) for k in range(4000)]
    path = tmp_path / "late.vcf"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(columnar, "BLOCK", 4096)
    monkeypatch.setattr(vcf, "CHUNK", 50)
    monkeypatch.setattr(vcf, "READ_AHEAD_BYTES", 0)
    forced, _, _ = read(path, "columnar", monkeypatch)
    assert "contig '2' is not declared" in forced["error"]
    ahead, ahead_account, ahead_warnings = read(path, "auto", monkeypatch)
    slow, slow_account, slow_warnings = read(path, "cyvcf2", monkeypatch)
    assert ahead["reader"] == "cyvcf2" and "contig '2'" in ahead["reader_note"]
    assert_same(ahead, slow)
    assert (ahead_account, ahead_warnings) == (slow_account, slow_warnings)
    assert ahead["records"] == 4000  # by construction
