"""Parse throughput on a Dask cluster of two local workers against the local process pool.

    python benchmarks/bench_dask_parse.py [--samples 1000] [--runs 5] [--quick]

Uses the cohort of bench_cohort_scale.py (generated if missing). Starts a scheduler and
two single-threaded workers on the loopback interface (`dask scheduler`, `dask worker`,
as a user starts them), then times the parse stage of a run (``Run.parse``: every
file through ``rinec_parse`` on the executor, results back in the client) in fresh
processes, alternating: ``--executor local -j 2`` and ``--executor dask``. Goal: the
Dask throughput within 10% of the local pool's (the point is that it scales out).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from bench_cohort_scale import make_run
from harness import BENCH_ROOT, alternate, bench_args, generate_once, goal, python_argv, save

STAGE = """
import sys, time
from pathlib import Path
from rinec_report.runner import Run, RunOptions

executor, scheduler = sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else None)
run = Run(RunOptions(Path(sys.argv[1]), outdir=Path("/tmp"), jobs=2, executor=executor, scheduler=scheduler))
run.configure()
found = run.scan()
started = time.perf_counter()
parsed, inputs = run.parse(found)
seconds = time.perf_counter() - started
bad = [m.line() for m in run.messages if m.level == "error"]
assert not bad, bad[:3]
print("files", len(inputs), "parse_seconds", seconds)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(logs: str) -> tuple[str, list[subprocess.Popen]]:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"

    def start(*args: str) -> subprocess.Popen:
        log = open(f"{logs}/dask-{args[0]}-{time.monotonic_ns()}.log", "w")  # noqa: SIM115 - lives with the process
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    procs = [start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0",
                   "--no-show")]
    procs += [start("worker", address, "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
                    "--dashboard-address", ":0") for _ in range(2)]
    from distributed import Client

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with Client(address, timeout=5) as client:
                client.wait_for_workers(2, timeout=60)
                return address, procs
        except (OSError, TimeoutError):
            time.sleep(0.5)
    stop_cluster(procs)
    raise SystemExit("the dask cluster did not start")


def stop_cluster(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def main() -> int:
    args = bench_args({"samples": 1000, "variants": 100}, quick={"samples": 50})
    run_dir = BENCH_ROOT / f"cohort_{args.samples}_{args.variants}"
    generate_once(run_dir, "v2", lambda: make_run(run_dir, args.samples, args.variants))
    logs = BENCH_ROOT / "dask_logs"
    logs.mkdir(parents=True, exist_ok=True)
    address, procs = start_cluster(str(logs))
    try:
        got = alternate({"local": python_argv(STAGE, run_dir, "local"),
                         "dask": python_argv(STAGE, run_dir, "dask", address)}, args.runs)
    finally:
        stop_cluster(procs)

    files = int(got["local"].figure("files"))
    local_s, dask_s = got["local"].figure("parse_seconds"), got["dask"].figure("parse_seconds")
    print(f"\n{files} files parsed; parse stage (medians of {args.runs}): local pool {local_s:.2f} s "
          f"({files / local_s:.0f} files/s), dask 2 workers {dask_s:.2f} s ({files / dask_s:.0f} files/s)")
    print(f"whole stage process, medians of {args.runs}: local {got['local'].wall:.2f} s, "
          f"dask {got['dask'].wall:.2f} s")
    ratio = local_s / dask_s  # throughput of dask / throughput of local
    ok = goal("dask throughput shortfall vs local pool", max(0.0, 1 - ratio) * 100, 10, " %")
    save("dask", {"files": files, "local_parse_s": local_s, "dask_parse_s": dask_s, "local": got["local"],
                  "dask": got["dask"]})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
