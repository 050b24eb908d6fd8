"""Whole-run measurement shared by the scale benchmarks.

A report is measured as a user runs it: a fresh process ``rinec-report RUN -o OUT
--force``. Its floor (the bare read of the same files) is measured the same way, in a
fresh interpreter, in the same benchmark run, the two alternating so that other load on
the machine hits both alike. For each process tree we record:

- wall time;
- CPU time of the whole tree: the larger of the children's rusage (every descendant the
  run waited for) and the sum over the processes seen by sampling (parse workers that
  were never waited for by us);
- memory: the process tree is sampled every 20 ms with psutil and the peak of the SUM of
  the resident sets is kept (parse workers included; pages a forked worker still shares
  with its parent are counted twice, so this is an upper bound).

Then the report is opened in Chromium (playwright, /usr/bin/chromium): every
``.rr-chart`` must hold an ``svg`` or ``canvas`` and no console error may appear; the
time until the last chart is drawn is recorded.

Results are printed and kept as JSON under /tmp/rinec_bench/results/ for the summary.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_ROOT = Path(os.environ.get("RINEC_BENCH_DIR", "/tmp/rinec_bench"))
RESULTS = BENCH_ROOT / "results"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@dataclass
class Sample:
    """One process tree's run."""

    rc: int
    wall: float  # seconds
    cpu: float  # seconds, the whole tree
    mem: float  # bytes, peak of the summed resident sets
    largest: float  # bytes, the largest single process seen
    procs: int  # processes seen in the tree
    stdout: str = ""
    stderr: str = ""


def _tree_sampler(pid: int, stop: threading.Event, out: dict) -> None:
    import psutil

    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    cpu: dict[int, float] = {}
    seen: set[int] = set()
    peak = largest = 0
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        total = 0
        for p in procs:
            try:
                with p.oneshot():
                    rss = p.memory_info().rss
                    t = p.cpu_times()
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            total += rss
            largest = max(largest, rss)
            seen.add(p.pid)
            cpu[p.pid] = max(cpu.get(p.pid, 0.0), t.user + t.system)
        peak = max(peak, total)
        stop.wait(0.02)
    out.update(peak=peak, largest=largest, cpu=sum(cpu.values()), procs=len(seen))


def run_tree(argv: Sequence[str], env: dict[str, str] | None = None, cwd: str | None = None) -> Sample:
    """Run ``argv`` as a fresh process and measure its whole tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, cwd=cwd)
    stop = threading.Event()
    seen: dict = {}
    sampler = threading.Thread(target=_tree_sampler, args=(proc.pid, stop, seen), daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Sample(proc.returncode, wall, max(waited, seen.get("cpu", 0.0)), float(seen.get("peak", 0)),
                  float(seen.get("largest", 0)), int(seen.get("procs", 1)), stdout, stderr)


def report_argv(run_dir: Path, out: Path, *extra: str) -> list[str]:
    """The command a user types."""
    exe = shutil.which("rinec-report", path=str(Path(sys.executable).parent)) or shutil.which("rinec-report")
    if exe is None:
        raise SystemExit("rinec-report is not installed in this environment (pip install -e .)")
    return [exe, str(run_dir), "-o", str(out), "--force", "-q", *extra]


def python_argv(code: str, *args: str) -> list[str]:
    """A fresh interpreter running ``code`` (the floor: imports are paid as the report pays them)."""
    return [sys.executable, "-c", code, *map(str, args)]


@dataclass
class Summary:
    name: str
    runs: int
    wall: float
    cpu: float
    mem: float
    largest: float
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    stdout: str = ""  # the last run's
    outputs: list[str] = field(default_factory=list)  # every run's stdout

    def figure(self, key: str) -> float:
        """The median over the runs of a figure the command printed as ``key value``."""
        return statistics.median(float(o.split(key)[1].split()[0]) for o in self.outputs)


def _summary(name: str, samples: list[Sample]) -> Summary:
    return Summary(name, len(samples), statistics.median(s.wall for s in samples),
                   statistics.median(s.cpu for s in samples), statistics.median(s.mem for s in samples),
                   statistics.median(s.largest for s in samples), [s.wall for s in samples],
                   [s.cpu for s in samples], samples[-1].stdout, [s.stdout for s in samples])


def alternate(commands: dict[str, list[str]], runs: int, env: dict[str, str] | None = None) -> dict[str, Summary]:
    """Median of ``runs`` runs of each command, run in turn (A B A B ...).
    A failing command stops the benchmark with its error output."""
    samples: dict[str, list[Sample]] = {k: [] for k in commands}
    for i in range(runs):
        for name, argv in commands.items():
            s = run_tree(argv, env)
            if s.rc != 0:
                print(f"{name} failed (exit {s.rc}):\n{s.stdout[-2000:]}\n{s.stderr[-4000:]}")
                raise SystemExit(1)
            samples[name].append(s)
            print(f"  run {i + 1}/{runs} {name}: {s.wall:.2f} s wall, {s.cpu:.2f} s CPU, "
                  f"{s.mem / 1e6:.0f} MB summed over {s.procs} processes", flush=True)
    return {k: _summary(k, v) for k, v in samples.items()}


def print_comparison(report: Summary, base: Summary, label: str) -> dict[str, float]:
    ratios = {"wall": report.wall / base.wall, "cpu": report.cpu / base.cpu, "mem": report.mem / base.mem}
    print(f"\n{'':24}{'wall s':>10}{'CPU s':>10}{'memory MB':>12}")
    for s, name in ((report, "rinec-report"), (base, label)):
        print(f"{name:24}{s.wall:10.2f}{s.cpu:10.2f}{s.mem / 1e6:12.0f}")
    print(f"{'ratio':24}{ratios['wall']:10.2f}{ratios['cpu']:10.2f}{ratios['mem']:12.2f}")
    # Each run of the report beside the run of the other command just after it: the
    # machine's speed drifts (by a fifth within an hour here), and a pair shares it.
    paired = {key: statistics.median(a / b for a, b in zip(getattr(report, key + "s"), getattr(base, key + "s"),
                                                            strict=True))
              for key in ("wall", "cpu")}
    print(f"{'ratio, run by run':24}{paired['wall']:10.2f}{paired['cpu']:10.2f}"
          f"   (median of the {report.runs} runs' own ratios; the goal uses the ratio above)")
    print(f"(medians of {report.runs} alternating runs; memory = peak of the sum over every process)")
    return ratios


@dataclass
class Drawn:
    ok: bool
    charts: int
    seconds: float  # navigation start until the last chart holds an svg/canvas
    problems: list[str]
    html_mb: float


def check_in_chromium(html: Path, timeout_s: float = 120.0) -> Drawn:
    """Open the report and wait until every chart is drawn; console errors and page
    errors are failures, as is a chart still empty at the timeout."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    size = html.stat().st_size / 1e6
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text[:300]}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {str(e)[:300]}"))
            started = time.perf_counter()
            page.goto(html.resolve().as_uri(), wait_until="load", timeout=timeout_s * 1000)
            n = page.locator(".rr-chart").count()
            try:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.rr-chart')]"
                    ".every(c => c.querySelector('svg, canvas'))", timeout=timeout_s * 1000, polling=50)
            except Exception:  # playwright's TimeoutError: say which charts stayed empty
                empty = page.evaluate(
                    "() => [...document.querySelectorAll('.rr-chart')]"
                    ".filter(c => !c.querySelector('svg, canvas')).map(c => c.dataset.name + ': ' + "
                    "c.textContent.slice(0, 200))")
                problems.extend(f"not drawn: {e}" for e in empty)
            seconds = time.perf_counter() - started
        finally:
            browser.close()
    return Drawn(not problems, n, seconds, problems, size)


def print_drawn(d: Drawn, limit_s: float | None = None) -> None:
    status = "all drawn" if d.ok else "FAILED"
    print(f"Chromium: {d.charts} charts, {status}, {d.seconds:.2f} s to draw; page {d.html_mb:.1f} MB"
          + (f" (goal: within {limit_s:g} s)" if limit_s else ""))
    for p in d.problems[:20]:
        print(f"  {p}")


def goal(text: str, value: float, limit: float, unit: str = "") -> bool:
    met = value <= limit
    print(f"GOAL {text}: {value:.2f}{unit} (goal <= {limit:g}{unit}): {'MET' if met else 'NOT MET'}")
    return met


def save(name: str, payload: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)

    def plain(v: object) -> object:
        if hasattr(v, "__dataclass_fields__"):
            return {k: x for k, x in asdict(v).items() if k not in ("stdout", "outputs")}
        return v

    (RESULTS / f"{name}.json").write_text(json.dumps({k: plain(v) for k, v in payload.items()}, indent=1,
                                                     default=str))


def generate_once(folder: Path, key: str, make: Callable[[], str]) -> None:
    """Run ``make`` (which returns what it made, for the log) unless ``folder``
    already holds data generated with the same ``key`` (sizes, counts)."""
    marker = folder / f".generated_{key}"
    if marker.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(".generated_*"):
        old.unlink()
    started = time.perf_counter()
    made = make()
    marker.touch()
    print(f"generated {made} in {time.perf_counter() - started:.1f} s: {folder}")


def bench_args(sizes: dict[str, int], quick: dict[str, int], runs: int = 5) -> argparse.Namespace:
    """Every benchmark's command line: ``--<size>`` per size, ``--runs``, and ``--quick``
    (the ``quick`` sizes and 2 runs)."""
    ap = argparse.ArgumentParser()
    for name, default in sizes.items():
        ap.add_argument(f"--{name}", type=int, default=default)
    ap.add_argument("--runs", type=int, default=runs)
    small = ", ".join(f"{v:,} {k}" for k, v in quick.items())
    ap.add_argument("--quick", action="store_true", help=f"{small}, 2 runs")
    args = ap.parse_args()
    if args.quick:
        for name, value in quick.items():
            setattr(args, name, value)
        args.runs = 2
    return args


def floor_code(call: str) -> str:
    """Code for a fresh interpreter that prints ``records N`` from a function of
    floors.py, e.g. ``floor_code("cyvcf2_fields(sys.argv[1])")``."""
    here = str(Path(__file__).resolve().parent)
    return f"import sys\nsys.path.insert(0, {here!r})\nfrom floors import *\nprint('records', {call})\n"


@dataclass
class Measured:
    got: dict[str, Summary]  # "report", "floor" and any peers
    ratios: dict[str, float]  # report / floor
    drawn: Drawn


def measure_report(run_dir: Path, out: Path, others: dict[str, list[str]], runs: int, heading: str,
                   floor_label: str, draw_limit: float | None = None,
                   env: dict[str, str] | None = None) -> Measured:
    """The whole report alternated with ``others`` (its ``floor`` and any peers), the
    comparison with the floor printed, and the page opened in Chromium."""
    got = alternate({"report": report_argv(run_dir, out), **others}, runs, env)
    print(f"\n{heading}, {os.cpu_count()} cores")
    ratios = print_comparison(got["report"], got["floor"], floor_label)
    drawn = check_in_chromium(out / "rinec_report.html")
    print_drawn(drawn, draw_limit)
    return Measured(got, ratios, drawn)
