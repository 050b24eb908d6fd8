"""A reader that crashes costs its file, nothing more; out of memory is a message.

htslib (through cyvcf2) used to hand the variants plugin records it had failed to
parse, and reading one was a segmentation fault that took the run with it (in the
pool: a BrokenProcessPool and no report for the good files). Each file is now read
in a watched child process: a crash, a kill or a hang costs that file, reported in
one line, and every other file is parsed, locally and on Dask. A run short of
memory ends with one line, never a traceback or a hang.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hardening_fuzz import isolated

from rinec_report.model import FoundFile
from rinec_report.parse import ParseTask

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
EXAMPLE = REPO / "example_run"
CHILD_S = 240  # a bound on a child run: a hang guard, not a speed test

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=1>\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
)
RECORD = "1\t{pos}\t.\tA\tC\t.\tPASS\t.\tGT\t0/1\n"

# The three defects measured on the old code, each a segmentation fault; the bad
# record's line counted by hand.
MALFORMED = {
    # No ##contig line: htslib flags the record's contig as undefined and cyvcf2 hands
    # it over although its POS did not parse (line 3: fileformat, #CHROM, the record).
    "posx.vcf": ("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
                 "1\tx\t.\tA\tC\t.\tPASS\t.\tGT\t0/1\n1\t5\t.\tA\tC\t.\tPASS\t.\tGT\t0/1\n", 3),
    # A ## header line after the first record (4 header lines, the record on line 5).
    "header_after.vcf": (HEADER + RECORD.format(pos=4) + "##INFO=<ID=X>\n" + RECORD.format(pos=9), 6),
    # Binary bytes where the first record should be.
    "binary.vcf": (HEADER + "\x00\x01\xff\xfe\x07garbage\x00\x00\n" + RECORD.format(pos=9), 5),
}


def _task(path: Path, pattern: str = "vcf") -> ParseTask:
    from rinec_plugins import variants

    from rinec_report.options import with_defaults

    options = with_defaults(variants.rinec_options(), {})
    return ParseTask("rinec_plugins.variants", FoundFile(str(path), path.name, "variants", pattern,
                                                         path.stat().st_size), options)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_record_htslib_could_not_parse_fails_its_file_in_one_line(tmp_path: Path, name: str) -> None:
    text, line = MALFORMED[name]
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    kind, error, tb = isolated(_task(path))
    assert kind == "error", (kind, error)  # not "crash": the child was not killed by a signal
    assert tb is None and "\n" not in error
    assert error.startswith(f"line {line}: "), error


def _bgzf(data: bytes) -> bytes:
    """BGZF as the SAM/BAM specification (section 4.1) lays it out: gzip members with
    a BC extra field giving the block size, then the 28-byte end-of-file block."""
    out = bytearray()
    for i in range(0, len(data), 60000):
        chunk = data[i:i + 60000]
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = deflate.compress(chunk) + deflate.flush()
        out += struct.pack("<BBBBIBBHBBHH", 31, 139, 8, 4, 0, 0, 255, 6, 66, 67, 2, len(body) + 25)
        out += body + struct.pack("<II", zlib.crc32(chunk), len(chunk))
    return bytes(out) + bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


_BAD_FIELDS = st.sampled_from([b"x", b"", b"\x00\x01\xff", b"-5", b"99999999999999999999", b"A,,C", b"=", b"%",
                               b"9e99", b";;=;", b"GT:GT", b"0/1/2/3/4/5/6/7/8/9", b"\x00abc", b"##INFO=<ID=X>"])


@st.composite
def malformed_vcfs(draw: st.DrawFn) -> bytes:
    """A VCF whose records break in the ways that crashed htslib's callers: a field
    that does not parse (POS ``x``, binary bytes), a header line after a record, a
    line cut short; with or without the header's contig line; plain, gzip or BGZF,
    and cut short after compression."""
    header = HEADER if draw(st.booleans()) else HEADER.replace("##contig=<ID=1>\n", "")
    lines = [header.encode()]
    for k in range(draw(st.integers(1, 5))):
        cols = RECORD.format(pos=10 + k).rstrip("\n").encode().split(b"\t")
        kind = draw(st.sampled_from(["good", "field", "cut", "header", "binary"]))
        if kind == "field":
            cols[draw(st.integers(0, 9))] = draw(_BAD_FIELDS | st.binary(max_size=12))
        elif kind == "cut":
            cols = cols[: draw(st.integers(1, 9))]
        line = b"\t".join(cols)
        if kind == "header":
            line = b"##INFO=<ID=DP,Number=1,Type=Integer>"
        elif kind == "binary":
            line = draw(st.binary(min_size=1, max_size=40))
        lines.append(line + b"\n")
    data = b"".join(lines)
    packing = draw(st.sampled_from(["plain", "gzip", "bgzf"]))
    if packing == "gzip":
        data = gzip.compress(data)
    elif packing == "bgzf":
        data = _bgzf(data)
    if packing != "plain" and draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # a truncated download
    return data


@pytest.mark.slow
@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=malformed_vcfs())
def test_malformed_vcf_records_never_crash_the_reader(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / ("s.vcf.gz" if data[:2] == b"\x1f\x8b" else "s.vcf")
    path.write_bytes(data)
    kind, error, tb = isolated(_task(path))
    assert kind != "crash", error
    if kind == "error":
        assert tb is None, f"{error}\n{tb}"
        assert error and "\n" not in error


def _good_vcf(i: int) -> str:
    return HEADER.replace("S1", f"T{i:02d}") + RECORD.format(pos=100 + i)


def _run_script(run_dir: Path, out: Path, *, env: dict[str, str] | None = None, extra: str = "",
                **kw: object) -> dict:
    """``rinec_report.run`` in a child process (a hang or a crash there fails the test,
    it does not stop the suite): exit status, message lines, exported tables' rows."""
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "import rinec_report\n"
        f"{extra}\n"
        f"r = rinec_report.run({str(run_dir)!r}, outdir={str(out)!r}, force=True, **{kw!r}, **EXTRA)\n"
        "tables = {k: v.astype(str).to_dict('records') for k, v in r.tables.items()}\n"
        "print(json.dumps({'status': r.exit_status, 'lines': [m.line() for m in r.messages],"
        " 'errors': {m.file: m.text for m in r.messages if m.level == 'error'},"
        " 'tracebacks': [m.traceback for m in r.messages if m.traceback], 'tables': tables}))\n"
    )
    if "EXTRA" not in extra:
        script = script.replace("import rinec_report\n", "import rinec_report\nEXTRA = {}\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=CHILD_S,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1600000000", **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_sixteen_files_a_few_malformed_the_good_ones_are_reported(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for i in range(17):  # with the three bad ones, 20 files: past POOL_MIN_ITEMS, so the pool parses them
        (run_dir / f"T{i:02d}.vcf").write_text(_good_vcf(i))
    for name, (text, _) in MALFORMED.items():
        (run_dir / name).write_bytes(text.encode("latin-1"))
    got = _run_script(run_dir, tmp_path / "out", plugins=["variants"], jobs=2)
    assert got["status"] == 1
    assert sorted(got["errors"]) == sorted(MALFORMED)
    for name, (_, line) in MALFORMED.items():
        assert got["errors"][name].startswith(f"line {line}: "), got["errors"][name]
    samples = {row["sample"] for row in got["tables"]["variants_mutations"]}
    assert samples == {f"T{i:02d}" for i in range(17)}


def _bcf_of(vcf_text: str, tmp: Path) -> bytes:
    """A BCF of ``vcf_text``, written by htslib (through cyvcf2's writer)."""
    from cyvcf2 import VCF, Writer

    source = tmp / "seed.vcf"
    source.write_text(vcf_text)
    reader = VCF(str(source))
    writer = Writer(str(tmp / "seed.bcf"), reader, mode="wb")
    for record in reader:
        writer.write_record(record)
    writer.close()
    reader.close()
    return (tmp / "seed.bcf").read_bytes()


@pytest.mark.slow
@settings(max_examples=8, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(vcf=malformed_vcfs(), bcf_cut=st.integers(0, 2000), bcf_noise=st.binary(min_size=1, max_size=64),
       bcf_at=st.integers(0, 2000))
def test_a_run_with_malformed_vcf_and_bcf_files_reports_every_good_file(
        tmp_path_factory: pytest.TempPathFactory, vcf: bytes, bcf_cut: int, bcf_noise: bytes, bcf_at: int) -> None:
    """The command in a child process over 16 good VCFs, a malformed VCF and a BCF with
    random bytes written over it (records included) and possibly cut short: the command
    is never killed by a signal, each bad file gets at most one error line, and every
    good file's variant is in the report."""
    tmp = tmp_path_factory.mktemp("fuzzrun")
    run_dir = tmp / "run"
    run_dir.mkdir()
    for i in range(16):
        (run_dir / f"T{i:02d}.vcf").write_text(_good_vcf(i))
    (run_dir / ("bad.vcf.gz" if vcf[:2] == b"\x1f\x8b" else "bad.vcf")).write_bytes(vcf)
    # Noise over the records themselves: the BCF decompressed, its records overwritten
    # after the header (magic, length, text: the BCF specification's layout), BGZF again.
    raw = bytearray(gzip.decompress(_bcf_of(HEADER.replace("S1", "B1") + RECORD.format(pos=7)
                                            + RECORD.format(pos=8), tmp)))
    body = 9 + struct.unpack("<I", raw[5:9])[0]
    at = body + bcf_at % (len(raw) - body)
    raw[at:at + len(bcf_noise)] = bcf_noise
    packed = _bgzf(bytes(raw))
    (run_dir / "bad.bcf").write_bytes(packed if bcf_cut % 3 else packed[: len(packed) - 1 - bcf_cut % len(packed)])
    done = subprocess.run([sys.executable, "-c", "from rinec_report.cli import console; console()", str(run_dir),
                           "-o", str(tmp / "out"), "-f", "-v", "-m", "variants"],
                          capture_output=True, text=True, errors="replace", timeout=CHILD_S,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1600000000"})
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-3000:])
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("rinec-report: error")]
    for name in ("bad.vcf", "bad.vcf.gz", "bad.bcf"):
        assert len([e for e in errors if f" {name}: " in e or f"/{name}: " in e]) <= 1, errors
    assert not [e for e in errors if "T0" in e or "T1" in e], errors
    table = (tmp / "out" / "rinec_report_data" / "variants_mutations.tsv").read_text()
    for i in range(16):
        assert f"T{i:02d}" in table


def _values(n: int, run_dir: Path, bad: tuple[str, ...]) -> dict[str, int]:
    run_dir.mkdir(parents=True, exist_ok=True)
    good = {f"S{i:02d}": i * i for i in range(n)}
    for name, value in good.items():
        (run_dir / f"{name}.val").write_text(str(value))
    for name in bad:
        (run_dir / name).write_text("0")
    return good


CRASH_EXTRA = "import crash_plugin\nEXTRA = {'extra_plugins': {'crash': crash_plugin}}"
BUILTINS = ["cohort", "survival", "ihc", "variants", "enrichment", "imaging", "custom"]


@pytest.mark.parametrize("n", [3, 18], ids=["small map", "pool"])
def test_a_reader_that_crashes_is_killed_or_hangs_costs_its_file(tmp_path: Path, n: int) -> None:
    bad = ("crash1.val", "kill1.val", "hang1.val")
    good = _values(n, tmp_path / "run", bad)
    started = time.monotonic()
    got = _run_script(tmp_path / "run", tmp_path / "out", env={"RINEC_PARSE_TIMEOUT": "3"}, extra=CRASH_EXTRA,
                      exclude=BUILTINS, jobs=2)
    assert time.monotonic() - started < CHILD_S
    assert got["status"] == 1
    assert got["errors"] == {
        "crash1.val": "the reader crashed (signal 11, SIGSEGV) on this file",
        "kill1.val": "the reader was killed (signal 9, SIGKILL; out of memory?) on this file",
        "hang1.val": "reading took longer than 3 s (the limit; RINEC_PARSE_TIMEOUT sets it)",
    }
    assert not got["tracebacks"]
    rows = got["tables"]["crash_values"]
    assert {r["sample"]: int(r["value"]) for r in rows} == good


def _limited(mb: int):
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mb * 2**20, mb * 2**20))

    return set_limit


@pytest.mark.slow
@pytest.mark.parametrize("mb", [200, 400, 600, 800, 1000, 1600, 2000, 3000])
def test_under_an_address_space_limit_the_run_completes_or_says_so_in_one_line(tmp_path: Path, mb: int) -> None:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "from rinec_report.cli import console; console()",
                           str(EXAMPLE), "-o", str(tmp_path / "out"), "-f", "-q"],
                          capture_output=True, text=True, errors="replace", timeout=120, preexec_fn=_limited(mb),
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1600000000"})
    assert time.monotonic() - started < 60
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    if done.returncode == 0:
        assert (tmp_path / "out" / "rinec_report.html").is_file()
        return
    assert done.returncode == 1, done.stderr[-3000:]
    ours = [line for line in done.stderr.splitlines() if line.startswith("rinec-report:")]
    assert ours == [f"rinec-report: not enough memory for the report; {mb:,} MB available, try -j 1"] or \
        ours == [f"rinec-report: not enough memory for the parse workers; {mb:,} MB available, try -j 1"], \
        done.stderr[-3000:]


def test_memory_failures_are_recognised() -> None:
    from rinec_report.memory import is_memory_failure

    # The errors measured under `prlimit --as`: vl_convert's shared object, a worker's import.
    assert is_memory_failure(ImportError("/x/vl_convert.abi3.so: failed to map segment from shared object"))
    assert is_memory_failure(MemoryError())
    assert is_memory_failure(OSError(12, "Cannot allocate memory"))
    assert is_memory_failure(RuntimeError("can't start new thread"))
    # pandas' import under `ulimit -v 200M` (CI): a C extension returned NULL with no exception set.
    assert is_memory_failure(SystemError("error return without exception set"), limited=True)
    assert not is_memory_failure(SystemError("error return without exception set"), limited=False)
    assert not is_memory_failure(ImportError("No module named 'x'"))
    assert not is_memory_failure(OSError(2, "No such file or directory"))



@pytest.fixture(scope="module")
def nanny_cluster(tmp_path_factory: pytest.TempPathFactory):
    """A scheduler and two workers under nannies (a killed worker comes back, as in a
    deployment); the scheduler gives up on a task at its first dead worker, so that
    the test does not wait through three."""
    pytest.importorskip("distributed")
    from test_core_dask import Cluster, _free_port

    class NannyCluster(Cluster):
        def __init__(self, tmp: Path) -> None:
            self.port = _free_port()
            self.address = f"tcp://127.0.0.1:{self.port}"
            self.env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
                        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"}
            self.logs = tmp
            self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                         "--dashboard-address", ":0", "--no-show")
            self.workers = [self._start("worker", self.address, "--nthreads", "1", "--nanny", "--host", "127.0.0.1",
                                        "--dashboard-address", ":0") for _ in range(2)]
            self._wait_for_workers(2)

    cluster = NannyCluster(tmp_path_factory.mktemp("nanny_cluster"))
    yield cluster
    cluster.stop()


@pytest.mark.slow
def test_on_dask_files_that_crash_hang_or_kill_their_worker_are_named_and_the_rest_reported(
        nanny_cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import crash_plugin

    import rinec_report

    monkeypatch.setenv("RINEC_PARSE_TIMEOUT", "3")
    run_dir = tmp_path / "run"
    good = _values(10, run_dir, ("crash1.val", "hang1.val", "worker1.val"))
    # htslib prints this header's sample id (duplicated) to the reader's stderr.
    (run_dir / "dup.vcf").write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT"
                                     "\tSECRET7\tSECRET7\n")
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", force=True, extra_plugins={"crash": crash_plugin},
                              exclude=[b for b in BUILTINS if b != "variants"], executor="dask",
                              scheduler=nanny_cluster.address)
    assert report.exit_status == 1
    errors = {m.file: m.text for m in report.messages if m.level == "error"}
    assert errors.pop("dup.vcf").startswith("cannot be read as VCF/BCF")
    assert errors == {
        "crash1.val": "the reader crashed (signal 11, SIGSEGV) on this file",
        "hang1.val": "reading took longer than 3 s (the limit; RINEC_PARSE_TIMEOUT sets it)",
        "worker1.val": "its dask worker died while reading this file (killed for memory?)",
    }
    assert not [m for m in report.messages if m.traceback]
    assert dict(zip(report.tables["crash_values"]["sample"], report.tables["crash_values"]["value"],
                    strict=True)) == good
    # What htslib printed was captured on the worker, summarised without the sample id.
    warned = [m.text for m in report.messages if m.file == "dup.vcf" and m.level == "warning"]
    assert any("[E::bcf_hdr_add_sample_len]" in w for w in warned), report.messages
    logs = "".join(p.read_text(errors="replace") for p in nanny_cluster.logs.glob("dask-*.log"))
    assert "SECRET7" not in logs


@pytest.mark.parametrize("launcher", ["fork server", "subprocess"])
def test_a_worker_stuck_in_its_imports_ends_the_run_with_a_message(launcher: str) -> None:
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "from rinec_report.supervise import WorkerStartError, run_supervised\n"
        "try:\n"
        f"    list(run_supervised(abs, [-1, -2], 2, preload=['hang_on_import'], start_limit=3,\n"
        f"                        launcher={launcher!r}))\n"
        "except WorkerStartError as exc:\n"
        "    print(exc)\n"
    )
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=CHILD_S)
    assert done.stdout.strip() == "a parse worker did not start within 3 s", done.stderr[-2000:]
    assert time.monotonic() - started < 30


def test_a_hook_out_of_memory_ends_the_run_not_in_an_error_card(tmp_path: Path) -> None:
    # Under a memory limit a plugin's rinec_datasets may be the one that runs out (CI, 600 MB):
    # the run ends, and the command says so in one line, rather than a card calling it an input.
    from rinec_report import hookimpl, run

    class Greedy:
        @hookimpl
        def rinec_datasets(self, files):
            raise MemoryError

    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes_rr.tsv").write_text("patient_id\tnote\nP1\tok\n", encoding="utf-8")
    with pytest.raises(MemoryError):
        run(tmp_path / "run", outdir=tmp_path / "out", force=True, extra_plugins={"greedy": Greedy()})
    assert not (tmp_path / "out" / "rinec_report.html").exists()
