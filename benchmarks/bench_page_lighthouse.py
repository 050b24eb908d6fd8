"""The example report's page in Lighthouse, served locally two ways.

    python benchmarks/bench_page_lighthouse.py [--runs 3] [--lighthouse PATH]

Builds the example report, then serves its folder on 127.0.0.1 twice: as files are
(Python's http.server, no compression) and gzip-compressed, as `npx serve`, nginx's
`gzip on` and most hosts serve HTML. Lighthouse's desktop preset (its simulated
10 Mbit/s link) runs on each, alternating, and the medians of performance,
accessibility, first and largest contentful paint, blocking time, layout shift and
the bytes transferred are printed. Goals (issue 28): accessibility 1.00 and
performance 0.90 or more.

Lighthouse comes from the npm registry:
`npm install --prefix /tmp/lh --no-save lighthouse` (13.5 on 7 December 2026; 12.8 gives
the same figures); CHROME_PATH is set to Debian's
chromium. The page is one file: with the simulated link, its first paint waits for the
whole document, so its bytes set the figure (the pictures are about half of them).
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
METRICS = {"first-contentful-paint": "FCP ms", "largest-contentful-paint": "LCP ms",
           "total-blocking-time": "TBT ms", "cumulative-layout-shift": "CLS", "total-byte-weight": "bytes"}


def _server(folder: Path, compress: bool) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def do_GET(self) -> None:
            path = self.translate_path(self.path)
            if not compress or not os.path.isfile(path) or "gzip" not in self.headers.get("Accept-Encoding", ""):
                return super().do_GET()
            data = gzip.compress(Path(path).read_bytes(), 6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _lighthouse(tool: str, url: str, out: Path) -> dict[str, float]:
    subprocess.run([tool, url, "--quiet", "--preset=desktop", "--only-categories=performance,accessibility",
                    "--output=json", f"--output-path={out}", f"--chrome-flags={FLAGS}"],
                   check=True, env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"}, timeout=300,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = json.loads(out.read_text())
    figures = {name: found["categories"][name]["score"] for name in ("performance", "accessibility")}
    figures.update({label: found["audits"][key]["numericValue"] for key, label in METRICS.items()})
    return figures


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lighthouse", default="/tmp/lh/node_modules/.bin/lighthouse")
    args = ap.parse_args()
    if not Path(args.lighthouse).exists():
        print(f"no Lighthouse at {args.lighthouse}: npm install --prefix /tmp/lh --no-save lighthouse")
        return 2
    work = Path(tempfile.mkdtemp(prefix="rinec_lighthouse_"))
    subprocess.run([sys.executable, "-c", "from rinec_report.cli import console; console()", str(ROOT / "example_run"),
                    "-o", str(work / "out"), "--force", "-q"], check=True,
                   env={**os.environ, "SOURCE_DATE_EPOCH": "1600000000"})
    page = work / "out" / "rinec_report.html"
    print(f"example report: {page.stat().st_size:,} bytes, gzip {len(gzip.compress(page.read_bytes(), 6)):,}")
    servers = {"as files (http.server)": _server(page.parent, False), "gzip": _server(page.parent, True)}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    for i in range(args.runs):
        for name, server in servers.items():
            url = f"http://127.0.0.1:{server.server_address[1]}/{page.name}"
            results[name].append(_lighthouse(args.lighthouse, url, work / f"lh_{i}.json"))
    met = True
    for name, runs in results.items():
        median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        print(f"\n{name}, median of {len(runs)} runs")
        for key, value in median.items():
            print(f"  {key:<14} {value:,.3f}" if value < 10 else f"  {key:<14} {value:,.0f}")
        ok = median["accessibility"] >= 1.0 and median["performance"] >= 0.90
        print(f"GOAL {name}: accessibility 1.00 and performance >= 0.90: {'MET' if ok else 'NOT MET'}")
        met = met and ok
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
