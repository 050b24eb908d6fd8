"""Options with a trust scope: a run directory's own config sets only `run` options, and every
option value is checked before any work.

The run directory is filled by others, so each test plays its owner: it writes the keys into
the run directory's `rinec_report.yaml`, and shows that the same keys from the user (a `-c`
file outside the run directory, the command line) do take effect, so that the test can fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hardening_helpers import assert_one_line_errors, cli, make_run

from rinec_report.config import (
    CORE_OPTIONS,
    DEIDENTIFY_FROM_RUN,
    DEIDENTIFY_UNLESS_SET,
    DEIDENTIFY_USER_ONLY,
    Layer,
    merge_layers,
)
from rinec_report.options import Option

RUN_YAML = "rinec_report.yaml"
FORMULA = '=HYPERLINK("http://example.invalid","click")'


class Listener:
    """A TCP socket on 127.0.0.1 that counts the connections made to it (and closes each)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def wait_for_a_connection(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.connections:
                return True
            time.sleep(0.05)
        return bool(self.connections)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def _lines_naming(stderr: str, *words: str) -> list[str]:
    return [line for line in stderr.splitlines() if all(w in line for w in words)]


def _started(*args: str | Path) -> subprocess.Popen:
    """The command in the background (for a run that is stopped once it has connected)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1600000000"}
    return subprocess.Popen([sys.executable, "-c", "from rinec_report.cli import main; main()", *map(str, args)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def _stopped(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(30)


def _tsv_cells(path: Path) -> list[str]:
    import csv

    with path.open(encoding="utf-8", newline="") as fh:
        return [cell for row in csv.reader(fh, delimiter="\t") for cell in row]


# ------------------------------------------------------------- the executor and the scheduler


def test_a_run_directory_cannot_name_a_dask_scheduler(tmp_path: Path, listener: Listener) -> None:
    pytest.importorskip("distributed")
    run_dir = make_run(tmp_path / "run")
    address = f"tcp://127.0.0.1:{listener.port}"
    (run_dir / RUN_YAML).write_text(f"executor: dask\nscheduler: '{address}'\n")
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr  # parsed on local processes
    assert_one_line_errors(result)
    assert listener.connections == 0
    for key in ("executor", "scheduler"):
        named = _lines_naming(result.stderr, f"config key '{key}' ignored", str(run_dir / RUN_YAML))
        assert len(named) == 1, result.stderr


@pytest.mark.parametrize("given_by", ["a -c file outside", "the command line"])
def test_the_user_can_name_a_dask_scheduler(tmp_path: Path, listener: Listener, given_by: str) -> None:
    """The positive control: the same address from the user is connected to."""
    pytest.importorskip("distributed")
    run_dir = make_run(tmp_path / "run")
    address = f"tcp://127.0.0.1:{listener.port}"
    if given_by == "the command line":
        args = ["--executor", "dask", "--scheduler", address]
    else:
        (tmp_path / "mine.yaml").write_text(f"executor: dask\nscheduler: '{address}'\n")
        args = ["-c", tmp_path / "mine.yaml"]
    proc = _started(run_dir, "-o", tmp_path / "out", *args)
    try:
        assert listener.wait_for_a_connection(60)
    finally:
        _stopped(proc)


def test_a_scheduler_of_no_known_scheme_is_refused_before_any_work(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run")
    started = time.monotonic()
    result = cli(run_dir, "-o", tmp_path / "out", "--executor", "dask", "--scheduler", "nonsense://x")
    assert time.monotonic() - started < 30  # not distributed's 60-second connect timeout
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert _lines_naming(result.stderr, "scheduler: 'nonsense://x' is not an address of a known scheme")
    assert "scanned" not in result.stderr  # before the scan
    # inproc:// reaches only a scheduler of the same process; a host without a port is no address
    for bad in ("inproc://127.0.0.1/1/2", "tcp://127.0.0.1"):
        result = cli(run_dir, "-o", tmp_path / "out", "--executor", "dask", "--scheduler", bad)
        assert result.returncode == 2 and f"scheduler: '{bad}'" in result.stderr, result.stderr


# ------------------------------------------------------------- STRING


def test_a_run_directory_cannot_send_the_genes_to_a_server(tmp_path: Path, httpserver) -> None:
    from enrichment_helpers import install_string

    install_string(httpserver)
    run_dir = make_run(tmp_path / "run", {"genes.txt": "TP53\nRB1\n"})
    (run_dir / RUN_YAML).write_text(
        f"enrichment: {{online: true, string_api: '{httpserver.url_for('/api')}', retries: 0, timeout: 2}}\n")
    result = cli(run_dir, "-o", tmp_path / "out", "-m", "enrichment")
    assert result.returncode == 0, result.stderr
    assert_one_line_errors(result)
    assert httpserver.log == []
    for key in ("enrichment.online", "enrichment.string_api", "enrichment.retries", "enrichment.timeout"):
        assert len(_lines_naming(result.stderr, f"config key '{key}' ignored", str(run_dir / RUN_YAML))) == 1

    # The positive control: the same keys from a -c file outside the run directory ask the server.
    mine = tmp_path / "mine.yaml"
    mine.write_text(f"enrichment: {{online: true, string_api: '{httpserver.url_for('/api')}', retries: 0, "
                    "min_interval: 0, timeout: 5}\n")
    (run_dir / RUN_YAML).unlink()
    result = cli(run_dir, "-o", tmp_path / "out2", "-m", "enrichment", "-c", mine)
    assert result.returncode == 0, result.stderr
    assert len(httpserver.log) > 0


def test_string_api_must_be_an_http_address(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", {"genes.txt": "TP53\n"})
    mine = tmp_path / "mine.yaml"
    mine.write_text("enrichment: {string_api: 'file:///etc/passwd'}\n")
    result = cli(run_dir, "-o", tmp_path / "out", "-c", mine)
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert _lines_naming(result.stderr, str(mine), "enrichment.string_api: 'file:///etc/passwd'",
                         "http://, https://")


# ------------------------------------------------------------- links and paths out of the run directory


def test_a_run_directory_cannot_let_links_or_paths_out(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "more_ihc.csv").write_text("patient_id,specimen,marker,intensity,percent\nP1,NEC,OUTSIDEMARK,3,90\n")
    (outside / "genes_out.txt").write_text("TP53\nRB1\n")
    run_dir = make_run(tmp_path / "run")
    os.symlink(outside / "more_ihc.csv", run_dir / "linked_ihc.csv")
    (run_dir / RUN_YAML).write_text("allow_links_outside: true\nenrichment: {genes: ../elsewhere/genes_out.txt}\n")
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 1, result.stderr  # the enrichment plugin refused its gene list
    assert_one_line_errors(result)
    assert len(_lines_naming(result.stderr, "config key 'allow_links_outside' ignored", str(run_dir / RUN_YAML))) == 1
    assert _lines_naming(result.stderr, "a link out of the run directory, not followed")
    assert _lines_naming(result.stderr, "genes_out.txt is outside the run directory")
    assert "OUTSIDEMARK" not in (tmp_path / "out" / "rinec_report_data" / "ihc_scores.tsv").read_text()

    # From the user (a -c file outside), the link is followed and the gene list read.
    (run_dir / RUN_YAML).write_text("enrichment: {genes: ../elsewhere/genes_out.txt}\n")
    mine = tmp_path / "mine.yaml"
    mine.write_text("allow_links_outside: true\n")
    result = cli(run_dir, "-o", tmp_path / "out2", "-c", mine)
    assert "outside the run directory;" not in result.stderr, result.stderr
    assert "OUTSIDEMARK" in (tmp_path / "out2" / "rinec_report_data" / "ihc_scores.tsv").read_text()
    assert "gene list ../elsewhere/genes_out.txt (config)" in (
        tmp_path / "out2" / "rinec_report.html").read_text(encoding="utf-8")


def test_a_c_file_inside_the_run_directory_is_the_run_directorys(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "more_ihc.csv").write_text("patient_id,specimen,marker,intensity,percent\nP1,NEC,OUTSIDEMARK,3,90\n")
    run_dir = make_run(tmp_path / "run")
    os.symlink(outside / "more_ihc.csv", run_dir / "linked_ihc.csv")
    (run_dir / "conf").mkdir()
    (run_dir / "conf" / "extra.yaml").write_text("allow_links_outside: true\n")
    result = cli(run_dir, "-o", tmp_path / "out", "-c", run_dir / "conf" / "extra.yaml")
    assert result.returncode == 0, result.stderr
    assert len(_lines_naming(result.stderr, "config key 'allow_links_outside' ignored",
                             str(run_dir / "conf" / "extra.yaml"))) == 1
    assert "OUTSIDEMARK" not in (tmp_path / "out" / "rinec_report_data" / "ihc_scores.tsv").read_text()
    # A link in the run directory to a config elsewhere is the run directory's choice: refused.
    (outside / "theirs.yaml").write_text("allow_links_outside: true\n")
    os.symlink(outside / "theirs.yaml", run_dir / "conf" / "linked.yaml")
    result = cli(run_dir, "-o", tmp_path / "out", "-f", "-c", run_dir / "conf" / "linked.yaml")
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert _lines_naming(result.stderr, "linked.yaml", "cannot read")


def test_a_path_option_out_of_the_run_directory_is_the_users(tmp_path: Path) -> None:
    """variants.panel_bed is read wherever it points: only the user may name it."""
    bed = tmp_path / "elsewhere.bed"
    bed.write_text("chr1\t0\t1000000\tOUTSIDEGENE\n")
    run_dir = make_run(tmp_path / "run")
    (run_dir / RUN_YAML).write_text(f"variants: {{panel_bed: '{bed}'}}\n")
    result = cli("config", run_dir)
    assert result.returncode == 0, result.stderr
    assert "  panel_bed: null  # default" in result.stdout.splitlines()
    assert any(line.startswith(f"# ignored: variants.panel_bed: {bed}  # {run_dir / RUN_YAML}: ")
               for line in result.stdout.splitlines()), result.stdout


# ------------------------------------------------------------- export safety


def _custom_run(root: Path) -> Path:
    run_dir = make_run(root)
    (run_dir / "block_rr.tsv").write_text(f"patient_id\tblock\nP1\t{FORMULA}\nP2\tA2\n", encoding="utf-8")
    return run_dir


def test_a_run_directory_cannot_keep_formulas_in_the_exports(tmp_path: Path) -> None:
    run_dir = _custom_run(tmp_path / "run")
    (run_dir / RUN_YAML).write_text("keep_formulas: true\n")
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_one_line_errors(result)
    assert len(_lines_naming(result.stderr, "config key 'keep_formulas' ignored", str(run_dir / RUN_YAML))) == 1
    cells = _tsv_cells(tmp_path / "out" / "rinec_report_data" / "custom_block.tsv")
    assert "'" + FORMULA in cells and FORMULA not in cells

    mine = tmp_path / "mine.yaml"
    mine.write_text("keep_formulas: true\n")
    (run_dir / RUN_YAML).unlink()
    result = cli(run_dir, "-o", tmp_path / "out2", "-c", mine)
    assert result.returncode == 0, result.stderr
    assert FORMULA in _tsv_cells(tmp_path / "out2" / "rinec_report_data" / "custom_block.tsv")


# ------------------------------------------------------------- limits


def test_a_run_directory_cannot_lift_a_limit_and_an_infinite_one_is_refused(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run")
    (run_dir / RUN_YAML).write_text("max_file_size_mb: 1e400\nmax_table_size_mb: 1e9\n")
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_one_line_errors(result)
    for key in ("max_file_size_mb", "max_table_size_mb"):
        assert len(_lines_naming(result.stderr, f"config key '{key}' ignored", str(run_dir / RUN_YAML))) == 1

    (run_dir / RUN_YAML).unlink()
    mine = tmp_path / "mine.yaml"
    mine.write_text("max_file_size_mb: 1e400\n")  # YAML reads 1e400 as text; as a number it is infinity
    result = cli(run_dir, "-o", tmp_path / "out2", "-c", mine)
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert _lines_naming(result.stderr, str(mine), "max_file_size_mb: '1e400' is not a finite number")
    assert "scanned" not in result.stderr
    mine.write_text("max_file_size_mb: .inf\n")
    result = cli(run_dir, "-o", tmp_path / "out2", "-c", mine)
    assert result.returncode == 2 and "max_file_size_mb: inf is not a finite number" in result.stderr


# ------------------------------------------------------------- de-identification


def test_deidentify_that_is_not_a_mapping_is_a_usage_error(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run")
    (run_dir / RUN_YAML).write_text("deidentify: yes\n")
    for extra in ([], ["--deidentify"]):
        result = cli(run_dir, "-o", tmp_path / "out", *extra)
        assert result.returncode == 2, result.stderr
        assert_one_line_errors(result)
        assert _lines_naming(result.stderr, str(run_dir / RUN_YAML), "deidentify: True is not a mapping")
    (run_dir / RUN_YAML).unlink()
    mine = tmp_path / "mine.yaml"
    mine.write_text("deidentify: yes\n")
    result = cli(run_dir, "-o", tmp_path / "out", "--deidentify", "-c", mine)
    assert result.returncode == 2, result.stderr
    assert_one_line_errors(result)
    assert _lines_naming(result.stderr, str(mine), "deidentify: True is not a mapping")


def test_a_run_directory_may_make_a_report_more_private_never_less(tmp_path: Path, monkeypatch) -> None:
    import rinec_report

    run_dir = make_run(tmp_path / "run")
    (run_dir / RUN_YAML).write_text("deidentify: {enabled: true, age_cap: 80}\n")
    report = rinec_report.run(run_dir, outdir=tmp_path / "on", force=True, plugins=("cohort",))
    assert report.config["deidentify"]["enabled"] is True and report.config["deidentify"]["age_cap"] == 80
    assert "P1" not in (tmp_path / "on" / "rinec_report_data" / "cohort_patients.tsv").read_text()

    key = tmp_path / "outside.key"
    key.write_text("k" * 64)
    user = tmp_path / "user.yaml"
    user.write_text("deidentify: {enabled: true, age_cap: 70, dates: year}\n")
    monkeypatch.setenv("RINEC_REPORT_USER_CONFIG", str(user))
    (run_dir / RUN_YAML).write_text(
        f"deidentify: {{enabled: false, age_cap: 95, key_file: '{key}', keep_text: [notes], dates: relative}}\n")
    report = rinec_report.run(run_dir, outdir=tmp_path / "still", force=True, plugins=("cohort",))
    rules = report.config["deidentify"]
    assert (rules["enabled"], rules["age_cap"], rules["key_file"], rules["keep_text"], rules["dates"]) == (
        True, 70, None, [], "year")
    ignored = sorted(m.text.split("'")[1] for m in report.warnings if "ignored" in m.text)
    assert ignored == ["deidentify.age_cap", "deidentify.dates", "deidentify.enabled", "deidentify.keep_text",
                       "deidentify.key_file"]
    assert "P1" not in (tmp_path / "still" / "rinec_report_data" / "cohort_patients.tsv").read_text()


def test_every_deidentify_rule_has_a_run_directory_policy() -> None:
    from rinec_report.deidentify import RULE_OPTIONS

    policies = set(DEIDENTIFY_FROM_RUN) | set(DEIDENTIFY_UNLESS_SET) | set(DEIDENTIFY_USER_ONLY)
    assert {o.name for o in RULE_OPTIONS} == policies


# ------------------------------------------------------------- dates and plugin flags


def test_a_date_that_is_not_a_day_is_refused_at_the_start(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run")
    result = cli(run_dir, "-o", tmp_path / "out", "--followup-end", "2020-13-45")
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert _lines_naming(result.stderr, "--followup-end", "cohort.followup_end: '2020-13-45' is not a real date")
    assert "scanned" not in result.stderr
    (run_dir / RUN_YAML).write_text("cohort: {followup_end: '2021-02-29'}\n")  # 2021 is no leap year
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert _lines_naming(result.stderr, str(run_dir / RUN_YAML), "cohort.followup_end: '2021-02-29' is not a real")
    (run_dir / RUN_YAML).write_text("cohort: {followup_end: 2021-02-29}\n")  # unquoted: YAML's own date fails
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert _lines_naming(result.stderr, str(run_dir / RUN_YAML), "day is out of range for month")
    (run_dir / RUN_YAML).write_text("cohort: {followup_end: 2020-02-29}\n")  # 2020 is
    assert cli(run_dir, "-o", tmp_path / "out", "-f").returncode == 0


# ------------------------------------------------------------- the config command


def test_the_config_command_shows_what_was_ignored_and_why(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run")
    (run_dir / RUN_YAML).write_text("title: Ours\nexecutor: dask\nenrichment: {online: true, top_terms: 9}\n")
    out = cli("config", run_dir)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    source = str(run_dir / RUN_YAML)
    assert f"title: Ours  # {source}" in lines
    assert "executor: local  # default" in lines
    assert "  online: false  # default" in lines
    assert f"  top_terms: 9  # {source}" in lines
    for key, value in (("executor", "dask"), ("enrichment.online", "true")):
        [line] = [x for x in lines if x.startswith(f"# ignored: {key}: {value}  # {source}: ")]
        assert "a run directory's config may not set it" in line


# ------------------------------------------------------------- declarations


def test_an_option_without_a_scope_defaults_by_its_type_and_name() -> None:
    assert Option("reference", "path", None, "A FASTA.").scope == "user"
    assert Option("server", "url", None, "Where to ask.").scope == "user"
    assert Option("lookup_url", "str", None, "Where to ask.").scope == "user"
    assert Option("mirror", "str", "https://example.org", "Where to ask.").scope == "user"
    assert Option("min_depth", "int", 10, "Depth.").scope == "run"
    undeclared = Option("reference", "path", None, "A FASTA.")
    assert not undeclared.scope_declared and Option("x", "int", 1, "h", scope="run").scope_declared
    with pytest.raises(ValueError, match="scope must be one of run, user"):
        Option("x", "int", 1, "h", scope="everyone")


def test_a_third_party_path_option_is_the_users_in_the_layering(tmp_path: Path) -> None:
    declared = {"thirdparty": [Option("reference", "path", None, "A FASTA."), Option("depth", "int", 1, "Depth.")]}
    layers = [Layer(str(tmp_path / "run" / RUN_YAML), {"thirdparty": {"reference": "/etc/passwd", "depth": 4}},
                    trusted=False)]
    merged, _, ignored = merge_layers(layers, declared)
    assert merged == {"thirdparty": {"depth": 4}}
    assert [i.key for i in ignored] == ["thirdparty.reference"]


def test_an_empty_section_in_the_run_directory_clears_none_of_the_users_options(tmp_path: Path) -> None:
    from rinec_report.plugins import PluginHost

    declared = PluginHost.load().options()
    users = {"enrichment": {"max_answer_mb": 1.0, "online": True}, "deidentify": {"enabled": True}}
    layers = [Layer("user.yaml", users),
              Layer(str(tmp_path / RUN_YAML), {"enrichment": None, "deidentify": None, "ignore": None}, trusted=False)]
    merged, _, ignored = merge_layers(layers, declared)
    assert merged["enrichment"] == {"max_answer_mb": 1.0, "online": True}
    assert merged["deidentify"] == {"enabled": True}
    assert ignored == []
    run_dir = make_run(tmp_path / "run")
    (run_dir / RUN_YAML).write_text("ignore:\nsection_order:\ncohort:\ndeidentify:\n")  # keys with no value
    result = cli(run_dir, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert_one_line_errors(result)


def test_every_core_and_built_in_option_declares_its_scope() -> None:
    from rinec_report.plugins import PluginHost

    host = PluginHost.load()
    built_in = {info.name for info in host.info() if (info.module or "").startswith("rinec_plugins.")}
    assert {"cohort", "survival", "ihc", "imaging", "variants", "enrichment", "custom"} <= built_in
    undeclared = [o.name for o in CORE_OPTIONS if not o.scope_declared]
    undeclared += [f"{name}.{o.name}" for name, options in host.options().items() if name in built_in
                   for o in options if not o.scope_declared]
    assert undeclared == []


def test_the_user_scope_holds_the_options_that_reach_out() -> None:
    """Spot checks against the rule: network, executor, cache, export safety, paths out, limits."""
    from rinec_report.plugins import PluginHost

    scopes = {o.name: o.scope for o in CORE_OPTIONS}
    scopes.update({f"{n}.{o.name}": o.scope for n, opts in PluginHost.load().options().items() for o in opts})
    for key in ("executor", "scheduler", "allow_links_outside", "keep_formulas", "max_file_size_mb",
                "max_table_size_mb", "enrichment.online", "enrichment.string_api", "enrichment.cache",
                "enrichment.timeout", "variants.panel_bed"):
        assert scopes[key] == "user", key
    for key in ("title", "comment", "section_order", "patterns", "ignore", "samples", "patients",
                "cohort.columns", "cohort.followup_end", "variants.top_genes", "enrichment.genes"):
        assert scopes[key] == "run", key


def test_the_imaging_page_holds_its_generated_option_table() -> None:
    import importlib

    from rinec_report import hookdocs

    page = (Path(__file__).resolve().parents[1] / "docs" / "plugins" / "imaging.md").read_text()
    table = hookdocs.option_table(importlib.import_module("rinec_plugins.imaging"))
    assert f"{hookdocs.OPTIONS_BEGIN}\n{table}\n{hookdocs.OPTIONS_END}" in page
    assert "| scope |" in table
