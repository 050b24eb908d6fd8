"""The HTML page: one file with the Vega libraries, CSS, JavaScript and all data inline."""

from __future__ import annotations

import base64
import json
import math
import os
import zlib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from .charts import NARROW_LEGEND, NARROW_WIDTH, is_prepared, labelled, to_spec
from .ledger_report import flagged
from .model import Chart, Code, Html, KeyValues, Note, Section, Table, Text

if TYPE_CHECKING:
    from .results import Report

# What may not stand raw in a <script> element's JSON: "</script>" and "<!--" (hence <, >
# and &), and the two line separators old JavaScript parsers refuse. One str.replace each:
# str.translate with a mapping goes a character at a time (0.66 s for 7.5 MB of chart data,
# against 0.04 s), and a large cohort's page holds tens of megabytes of it.
_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                   ("\u2029", "\\u2029"))


def script_json(value: Any, sort_keys: bool = False) -> Markup:
    """JSON safe to put inside a <script> element, whatever strings it holds (no
    "</script>", no HTML comment opener); NaN and infinities as null. Plugins embed their
    data in ``Html`` blocks with it; ``sort_keys`` when a dict's order is not already fixed,
    so that the same inputs give the same bytes."""
    options: dict[str, Any] = {"ensure_ascii": False, "separators": (",", ":"), "default": str,
                               "sort_keys": sort_keys}
    try:
        text = json.dumps(value, allow_nan=False, **options)
    except ValueError:
        text = json.dumps(_finite(value), **options)
    for raw, escaped in _SCRIPT_ESCAPES:
        if raw in text:
            text = text.replace(raw, escaped)
    return Markup(text)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


# The script type of a packed chart spec (and its id stays the spec's, "rr-chart-N-spec").
PACKED_TYPE = "application/x-rinec-packed"
# Every chart spec is packed, whatever its size: one rule for the page and its readers.
# Level 6, not 9: on the 10,000-sample page (bench_tcga_scale.py, 11 specs, 8.3 MB of JSON)
# level 6 takes 0.12 s for 1.31 MB of base64, level 9 0.58 s for 1.25 MB (5 % fewer bytes
# for five times the time the writer waits, issue 30); the example's 26 specs, 366 KB of
# JSON, pack to 74 KB either way.
PACK_LEVEL = 6


def packed(text: str, level: int = PACK_LEVEL, mem_level: int = 8) -> str:
    """``text`` as the page holds a packed payload: its UTF-8 deflated (raw, no zlib
    header: what the browser's DecompressionStream("deflate-raw") reads) and in base64,
    one line. zlib's output depends only on its input, settings and version: the same
    inputs give the same bytes."""
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15, mem_level)
    return base64.b64encode(deflate.compress(text.encode("utf-8")) + deflate.flush()).decode("ascii")


def vega_bundle() -> str:
    """The Vega, Vega-Lite and vega-embed JavaScript that vl-convert ships, as the page
    holds it: deflated (zlib level 9, raw) and in base64, one line. The page unpacks it
    with the browser's DecompressionStream after its first paint (templates/report.js):
    900 KB of script the browser would otherwise parse before showing anything is 400 KB
    of inert text, and the charts are drawn once it has run.

    Building it takes about a second, so it is kept in the user cache, keyed by the
    vl-convert and zlib versions (the same inputs give the same bytes).
    """
    import platformdirs
    import vl_convert

    version = getattr(vl_convert, "__version__", None) or _dist_version("vl-convert-python")
    cache = (Path(platformdirs.user_cache_dir("rinec-report"))
             / f"vega-bundle-{version}-zlib{zlib.ZLIB_RUNTIME_VERSION}.b64")
    try:
        return cache.read_text(encoding="ascii")
    except OSError:
        pass
    bundle = packed(vl_convert.javascript_bundle(), level=9, mem_level=9)  # built once, cached: the smallest
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(bundle, encoding="ascii")
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only cache only costs time
    return bundle


def _dist_version(name: str) -> str:
    import importlib.metadata

    return importlib.metadata.version(name)


def _asset(name: str) -> str:
    return resources.files("rinec_report.templates").joinpath(name).read_text(encoding="utf-8")


class _Blocks:
    """Turns blocks into HTML, numbering charts and tables in page order."""

    def __init__(self) -> None:
        self.charts = 0
        self.tables = 0
        self.section = ""

    def render(self, plugin: str, block: Any) -> Markup:
        if isinstance(block, Text):
            paragraphs = [p for p in str(block.text).split("\n\n") if p.strip()]
            return Markup("").join(Markup("<p>{}</p>").format(p) for p in paragraphs)
        if isinstance(block, Note):
            return Markup('<div class="rr-note rr-note-{}" role="note">{}</div>').format(block.level, block.text)
        if isinstance(block, KeyValues):
            rows = Markup("").join(
                Markup("<tr><th>{}</th><td>{}</td></tr>").format(k, _fmt(v)) for k, v in block.items.items()
            )
            head = Markup("<h3>{}</h3>").format(block.title) if block.title else Markup("")
            return Markup('{}<div class="rr-scroll"><table class="rr-kv">{}</table></div>').format(head, rows)
        if isinstance(block, Code):
            head = Markup("<h3>{}</h3>").format(block.title) if block.title else Markup("")
            return Markup('{}<pre class="rr-code">{}</pre>').format(head, block.text)
        if isinstance(block, Html):
            return Markup('<div class="rr-html">{}</div>').format(Markup(block.html))
        if isinstance(block, Chart):
            return self._chart(plugin, block)
        if isinstance(block, Table):
            return self._table(plugin, block)
        raise TypeError(f"unknown block type {type(block).__name__}")

    def _chart(self, plugin: str, block: Chart) -> Markup:
        self.charts += 1
        cid = f"rr-chart-{self.charts}"
        head = Markup("<h3>{}</h3>").format(block.title) if block.title else Markup("")
        # Screen readers and exported files get a human name: the chart's title,
        # else its section's. A titled chart is one box with its title (kept together on paper).
        label = block.title or self.section
        description = f"Chart: {label}" if label else ""
        # The run prepared every chart when its plugin's sections came back (checked_charts);
        # anything else is prepared here.
        spec = (labelled(block.spec, label, description) if is_prepared(block.spec)
                else to_spec(block.spec, label, description))
        return Markup(
            '{}{}<figure class="rr-chart" id="{}" data-renderer="{}" data-name="{}" data-label="{}"'
            ' role="group" aria-label="{}"></figure>'
            '<script type="{}" id="{}-spec">{}</script>{}'
        ).format(
            Markup('<div class="rr-keep">') if head else Markup(""),
            head,
            cid,
            block.renderer,
            _slug(f"{plugin} {label or 'chart'}"),
            label,
            f"Chart: {label}" if label else "Chart",
            PACKED_TYPE,
            cid,
            # A browser waits for the whole document before it paints: the JSON (a quarter
            # of the example page) is sent at a fifth of its size and unpacked once the page
            # is on screen (templates/report.js unpackSpecs). Still the escaped text
            # script_json writes, so that it inflates to the same JSON a plain block held.
            packed(script_json(spec)),
            Markup("</div>") if head else Markup(""),
        )

    def _table(self, plugin: str, block: Table) -> Markup:
        if not block.show:
            return Markup("")
        self.tables += 1
        tid = f"rr-table-{self.tables}"
        frame = block.data
        shown = frame.head(block.max_rows)
        columns = [str(c) for c in frame.columns]
        payload = {
            "name": f"{plugin}_{block.name}",
            "columns": columns,
            "titles": [block.column_titles.get(c, c) for c in columns],
            "rows": _rows(shown),
            "total": len(frame),
            "patient": columns.index(block.patient_column) if block.patient_column in columns else None,
            "filters": [columns.index(c) for c in block.filters if c in columns],
            "pageSize": block.page_size or 0,
            "label": block.title or self.section,
        }
        head = Markup("<h3>{}</h3>").format(block.title) if block.title else Markup("")
        # The page script makes the table as soon as the parser has read it (templates/report.js).
        return Markup(
            '{}<div class="rr-table" id="{}"></div><script type="application/json" id="{}-data">{}</script>'
            '<script>rinecTable("{}")</script>'
        ).format(head, tid, tid, script_json(payload), tid)


# How a table cell shows an infinite number (templates/report.js sorts them as numbers).
INFINITY, MINUS_INFINITY = "\u221e", "\u2212\u221e"


def _rows(frame: Any) -> list[list[Any]]:
    """Cell values at full precision (pandas' JSON writer rounds p-values like 1e-13 to 0);
    missing values as None, infinities as the signs ∞ and minus ∞, dates and other objects as text."""
    # The cells by rows of one object array (made block by block): itertuples takes each
    # column out as a Series first, seconds for a table of 50,000 columns.
    return [[_cell(v) for v in row] for row in frame.to_numpy(dtype=object).tolist()]


def _cell(value: Any) -> Any:
    import pandas as pd

    kind = type(value)
    # Text and whole numbers are most cells: answered before pandas' isna, which
    # costs a microsecond a cell (a second for a table of 100,000 rows of ten).
    if kind is str or kind is int or kind is bool:
        return value
    if kind is float and not math.isinf(value):
        return None if value != value else value
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
    if isinstance(value, float) and math.isinf(value):
        # JSON has no infinity, and an empty cell would read as missing: an odds ratio
        # over a table with a zero cell is infinite, and says so (the page sorts it last).
        return INFINITY if value > 0 else MINUS_INFINITY
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    return str(value)


def _slug(text: str) -> str:
    """A file name from a title: letters, digits and single underscores."""
    import re

    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()[:80] or "chart"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def render_html(report: Report) -> str:
    """The whole page as a string."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: _asset(name)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    blocks = _Blocks()
    rendered = []
    for plugin, section in report.sections:
        blocks.section = section.title
        bodies = [(b, blocks.render(plugin, b)) for b in section.blocks]
        bodies = [(b, html) for b, html in bodies if html]
        # On paper a section's heading and description stay with what follows: its first
        # lines of text and notes, and the chart after them, go with them in one
        # unbreakable box (report.css, .rr-lead); before anything else the box keeps room.
        lead: list[Markup] = []
        while bodies and isinstance(bodies[0][0], (Text, Note)) and len(lead) < 3:
            lead.append(bodies.pop(0)[1])
        charted = bool(bodies) and isinstance(bodies[0][0], Chart)
        if charted:
            lead.append(bodies.pop(0)[1])
        rendered.append(
            {
                "anchor": f"{plugin}-{section.id}",
                "first": not rendered or rendered[-1]["plugin"] != plugin,
                "plugin": plugin,
                "section": section,
                "help": [p for p in section.help.split("\n") if p.strip()],
                "lead": Markup("\n").join(lead),
                "charted": charted,
                "body": Markup("\n").join(html for _, html in bodies),
            }
        )
    patients = _patients(report.sections)
    return env.get_template("report.html.j2").render(
        run=report.run,
        config=report.config,
        sections=rendered,
        nav=_nav(rendered),
        patients=patients,
        patients_json=script_json(patients),
        subset=report.subset,
        hide_title=("Hide takes patients off the screen only: the counts, tests and this file still include them "
                    "(--exclude-patients writes a report without them)"),
        n_errors=len(report.errors),
        n_warnings=len(report.warnings),
        n_dropped=flagged(report),
        n_charts=blocks.charts,
        narrow_json=script_json({"width": NARROW_WIDTH, "legend": NARROW_LEGEND}),
        keep_formulas=bool(report.config.get("keep_formulas", False)),
        css=Markup(_asset("report.css") + _paper_rule(report.config.get("paper", "auto"))),
        js=Markup(_asset("report.js")),
        vega=Markup(vega_bundle()),
    )


def _paper_rule(paper: str) -> str:
    """The configured paper as a print rule; ``auto`` leaves the size to the browser."""
    if paper not in ("A4", "letter"):
        return ""
    return f"\n@media print {{ @page {{ size: {paper}; }} }}\n"


def _nav(rendered: list[dict]) -> list[dict]:
    return [{"anchor": r["anchor"], "title": r["section"].title, "plugin": r["plugin"]} for r in rendered]


def _patients(sections: list[tuple[str, Section]]) -> list[str]:
    """The patients of the summary table, for the highlighter."""
    for plugin, section in sections:
        if section.id == "summary" and plugin == "report":
            table = next(b for b in section.blocks if isinstance(b, Table))
            return [str(p) for p in table.data["patient_id"]]
    return []
