"""Fuzzing every parser and the config loader (hypothesis).

Any bytes under a plugin's file names must give a parsed result or a one-line
input error (an ``InputError`` or a broken-file failure the core reports in one
line): never an unexpected exception (a traceback), a hang or a memory blow-up.
Inputs are random bytes, and real files (the example run's, the public test
files) with random bytes inserted, deleted or replaced: the mutations reach past
the first line, where random bytes rarely get.

Bounds: each example runs under an alarm (a hang guard, not a speed test) and
under an address-space limit a few GiB above what the process already maps, in a
forked child (so that a crash in a C library is a failed example too).
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import resource
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rinec_report.model import FoundFile
from rinec_report.parse import ParseTask, parse_one

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "example_run"
DATA = REPO / "tests" / "data"
HANG_S = 60
HEADROOM = 3 * 2**30
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _head(path: Path, limit: int = 3000) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    cut = data[:limit]
    return cut[: cut.rfind(b"\n") + 1] or cut


def _xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# (plugin module, pattern key, file name, seed bytes) for every pattern of the built-in plugins.
def _targets() -> list[tuple[str, str, str, bytes]]:
    clinical = b"patient_id,sample_id,age,sex,os_months,os_event\nP1,S1,61,M,12,1\nP2,S2;S3,55,F,30,0\n"
    survival = b"patient_id\tos_months\tos_event\tpfs_months\tpfs_event\nP1\t12\t1\t6\t1\nP2\t30\t0\t30\t0\n"
    string_enrichment = (
        b"#category\tterm ID\tterm description\tobserved gene count\tbackground gene count\tstrength\t"
        b"false discovery rate\tmatching proteins in your network (labels)\nKEGG\thsa05218\tMelanoma\t3\t72\t"
        b"1.62\t0.0021\tTP53,RB1,PTEN\n"
    )
    string_interactions = (
        b"#node1\tnode2\tnode1_string_id\tnode2_string_id\tcombined_score\n"
        b"TP53\tRB1\t9606.ENSP00000269305\t9606.ENSP00000267163\t0.999\n"
    )
    gmt = b"SET_A\thttp://x\tTP53\tRB1\tPTEN\nSET_B\tna\tEGFR\tKRAS\n"
    sidecar = b"file\tpatient_id\tdate\tmodality\tannotations\nP1/2019-05_MRI.png\tP1\t2019-05-01\tMRI\t" \
              b"arrow 1,2,10,12 'tumour'; circle 8,8,3\n"
    return [
        ("rinec_plugins.cohort", "clinical", "clinical.csv", clinical),
        ("rinec_plugins.cohort", "clinical", "clinical.tsv", clinical.replace(b",", b"\t")),
        ("rinec_plugins.cohort", "clinical", "clinical.xlsx", _xlsx([["patient_id", "age"], ["P1", 61]])),
        ("rinec_plugins.survival", "table", "survival.tsv", survival),
        ("rinec_plugins.ihc", "scores", "ihc_scores.csv", _head(EXAMPLE / "ihc_scores.csv")),
        ("rinec_plugins.ihc", "scores", "ihc_scores.xlsx",
         _xlsx([["patient_id", "specimen", "marker", "intensity", "percent"], ["P1", "NEC", "Ki-67", 3, 80]])),
        ("rinec_plugins.variants", "vcf", "s.vcf", _head(DATA / "vcf" / "bcftools_split-vep.7.vcf", 6000)),
        ("rinec_plugins.variants", "vcf", "s.vcf.gz", gzip.compress(_head(DATA / "vcf" / "bcftools_split-vep.7.vcf"))),
        ("rinec_plugins.variants", "maf", "s.maf", _head(DATA / "vcf2maf" / "test.maf", 6000)),
        ("rinec_plugins.variants", "panel", "panel.bed", _head(EXAMPLE / "panel.bed")),
        ("rinec_plugins.variants", "panel", "panel.bed.gz", gzip.compress(_head(EXAMPLE / "panel.bed"))),
        ("rinec_plugins.enrichment", "genes", "genes.txt", b"TP53\nRB1\n# a comment\nPTEN\n"),
        ("rinec_plugins.enrichment", "gmt", "sets.gmt", gmt),
        ("rinec_plugins.enrichment", "string_enrichment", "enrichment.all.tsv", string_enrichment),
        ("rinec_plugins.enrichment", "string_interactions", "string_interactions.tsv", string_interactions),
        ("rinec_plugins.imaging", "image", "images/P1/2019-05_MRI.png", _png()),
        ("rinec_plugins.imaging", "image", "images/P1/2019-05_CT.dcm", (DATA / "dicom" / "CT_small.dcm").read_bytes()),
        ("rinec_plugins.imaging", "sidecar", "images/images.tsv", sidecar),
        ("rinec_plugins.custom", "table", "depth_rr.tsv", b"# title: Depth\n# plot_type: bar\nsample\tdepth\nS1\t3\n"),
        ("rinec_plugins.custom", "image", "plot_rr.png", _png()),
    ]  # fmt: skip


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (16, 12), 128).save(out, format="PNG")
    return out.getvalue()


TARGETS = _targets()


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few random insertions, deletions and replacements."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        chunk = draw(st.binary(min_size=1, max_size=16) | st.sampled_from([b"\t", b",", b"\n", b"\r", b'"', b"\x00",
                                                                            b"\xff\xfe", b"NA", b"-1", b"1e309"]))
        if op == "insert":
            data[at:at] = chunk
        elif op == "delete":
            del data[at : at + len(chunk)]
        elif op == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            del data[at:]
    return bytes(data)


def inputs(seed: bytes) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=2048) | mutated(seed)


def isolated(task: ParseTask) -> tuple[str, str | None, str | None]:
    """Parse in a forked child under an alarm and an address-space limit, so that a
    hang, a memory blow-up or a crash in a C library is a failed example, not a
    dead test run. Returns ("ok" | "error" | "crash", error, traceback)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read_end)
            mapped = _mapped_bytes()
            if mapped:
                _, hard = resource.getrlimit(resource.RLIMIT_AS)
                resource.setrlimit(resource.RLIMIT_AS, (mapped + HEADROOM, hard))
            signal.alarm(HANG_S)
            outcome = parse_one(task)
            result = ("ok" if outcome.error is None else "error", outcome.error, outcome.traceback)
        except BaseException as exc:  # the alarm, or anything parse_one let through
            result = ("error", f"{type(exc).__name__}: {exc}", "raised out of parse_one")
        with os.fdopen(write_end, "wb") as fh:
            pickle.dump(result, fh)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "crash", f"killed by signal {os.WTERMSIG(status)}", None
    return pickle.loads(data)


def _mapped_bytes() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _options(module: str) -> dict:
    import importlib

    from rinec_report.options import with_defaults

    plugin = importlib.import_module(module)
    return with_defaults(plugin.rinec_options(), {})


@pytest.mark.slow
@pytest.mark.parametrize(("module", "pattern", "name", "seed"), TARGETS, ids=[t[2] for t in TARGETS])
def test_any_bytes_give_a_result_or_a_one_line_error(tmp_path, module, pattern, name, seed):
    options = _options(module)
    plugin = module.rsplit(".", 1)[-1]
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)

    # The seed itself must parse: otherwise the mutations test nothing.
    path.write_bytes(seed)
    first = parse_one(ParseTask(module, FoundFile(str(path), name, plugin, pattern, len(seed)), options))
    assert first.error is None, first.error

    @FUZZ
    @given(data=inputs(seed))
    def check(data: bytes) -> None:
        path.write_bytes(data)
        task = ParseTask(module, FoundFile(str(path), name, plugin, pattern, len(data)), options)
        kind, error, tb = isolated(task)
        assert kind != "crash", error
        if kind == "error":
            assert tb is None, f"{error}\n" + "\n".join(tb.splitlines()[-8:])
            assert error and "\n" not in error
            assert "TimeoutError" not in error and "too large to read in memory" not in error

    check()


@pytest.mark.slow
@FUZZ
@given(data=st.binary(max_size=2048) | mutated(b"title: T\nignore: ['old/*']\ncohort: {followup_end: 2020-09-26}\n"
                                              b"patterns:\n  cohort/clinical: {glob: ['p.csv']}\nx: &a [1, *a]\n"))
def test_the_config_loader_gives_a_mapping_or_a_one_line_error(tmp_path_factory, data):
    from rinec_report.config import ConfigError, read_config_file

    path = tmp_path_factory.mktemp("config") / "rinec_report.yaml"
    path.write_bytes(data)
    signal.alarm(HANG_S)
    try:
        got = read_config_file(path)
    except ConfigError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(got, dict)
    finally:
        signal.alarm(0)
