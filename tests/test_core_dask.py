"""Parsing on a real Dask cluster on the loopback interface: a scheduler and two workers, started
as separate processes the way a user starts them (`dask scheduler`, `dask worker`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed")

import dask_slow_plugin

import rinec_report
from rinec_report import UsageError

TESTS = Path(__file__).resolve().parent
BUILTINS = ("cohort", "survival", "ihc", "variants", "enrichment")
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
                    "RINEC_TEST_STARTED": str(tmp / "started")}
        self.logs = tmp
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                     "--dashboard-address", ":0", "--no-show")
        self.workers = [self._start("worker", self.address, "--nthreads", "1", "--no-nanny",
                                    "--host", "127.0.0.1", "--dashboard-address", ":0") for _ in range(2)]
        self._wait_for_workers(2)

    def _start(self, *args: str) -> subprocess.Popen:
        log = (self.logs / f"dask-{args[0]}-{time.monotonic_ns()}.log").open("w")
        return subprocess.Popen([sys.executable, "-m", "dask", *args], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def _wait_for_workers(self, n: int) -> None:
        from distributed import Client

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with Client(self.address, timeout=5) as client:
                    client.wait_for_workers(n, timeout=30)
                    return
            except (OSError, TimeoutError):
                time.sleep(0.5)
        raise RuntimeError("the dask cluster did not start")

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [*self.workers, self.scheduler]:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.stop()


def _run_dir(tmp: Path, n: int = 24) -> Path:
    run_dir = tmp / "run"
    for i in range(n):
        folder = run_dir / f"lane{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"S{i:02d}.slow").write_text(str(i * i))
    return run_dir


def _report(run_dir: Path, out: Path, **kw: object) -> rinec_report.results.Report:
    return rinec_report.run(run_dir, outdir=out, force=True, exclude=BUILTINS, command_line="rinec-report run",
                            extra_plugins={"slow": dask_slow_plugin}, **kw)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_report_on_the_cluster_is_byte_for_byte_the_local_one(cluster: Cluster, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run_dir = _run_dir(tmp_path)
    local = _report(run_dir, tmp_path / "local", jobs=2)
    remote = _report(run_dir, tmp_path / "remote", executor="dask", scheduler=cluster.address)
    assert remote.exit_status == 0, [m.line() for m in remote.messages]
    values = remote.tables["slow_values"]
    assert list(values["value"]) == [i * i for i in sorted(range(24), key=lambda i: (i % 3, i))]
    assert _tree(tmp_path / "local") == _tree(tmp_path / "remote")
    assert local.exit_status == 0


def test_a_worker_killed_mid_run_costs_nothing(cluster: Cluster, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run_dir = _run_dir(tmp_path, n=12)
    started = Path(cluster.env["RINEC_TEST_STARTED"])
    started.unlink(missing_ok=True)
    config = {"slow": {"delay": 0.5}, "executor": "dask", "scheduler": cluster.address}
    victim = cluster.workers[0]

    def kill_when_busy() -> None:
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        os.killpg(victim.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_when_busy)
    killer.start()
    report = _report(run_dir, tmp_path / "out", config=config)
    killer.join()
    assert victim.poll() is not None  # the worker really died during the run
    assert report.exit_status == 0, [m.line() for m in report.messages]
    assert sorted(report.tables["slow_values"]["value"]) == sorted(i * i for i in range(12))
    local = _report(run_dir, tmp_path / "local", config={"slow": {"delay": 0.0}}, jobs=1)
    assert report.tables["slow_values"].equals(local.tables["slow_values"])


def test_an_unreachable_scheduler_or_a_blind_worker_is_a_clear_usage_error(cluster: Cluster, tmp_path: Path) -> None:
    from rinec_report.executor import DaskExecutor, ExecutorError

    with pytest.raises(ExecutorError, match="cannot see /no/such/run: workers read the input files"):
        DaskExecutor(cluster.address).check_paths(["/no/such/run"])
    run_dir = _run_dir(tmp_path, n=2)
    with pytest.raises(UsageError, match=r"cannot reach the dask scheduler at tcp://127\.0\.0\.1:9"):
        _report(run_dir, tmp_path / "out", executor="dask", scheduler="tcp://127.0.0.1:9")
    with pytest.raises(UsageError, match="needs a scheduler address"):
        _report(run_dir, tmp_path / "out", executor="dask")
