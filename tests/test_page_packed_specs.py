"""Chart specs travel packed (deflate-raw in base64, rinec_report/render.py ``packed``):
each inflates, with Python's own zlib and base64 (the reference here), to the JSON a plain
block held; the audit still reads them, within its bound; the browser draws from them."""

from __future__ import annotations

import base64
import json
import re
import time
import zlib
from pathlib import Path

import altair as alt
import pandas as pd
from page_helpers import Opened, chart_specs

from rinec_report import Chart, Section, hookimpl, run
from rinec_report.audit import UNREAD, audit, search
from rinec_report.audit_markup import PACKED_TYPE as AUDIT_PACKED_TYPE
from rinec_report.charts import to_spec
from rinec_report.render import PACKED_TYPE, _Blocks, script_json

TRICKY = ["</script><!--", "Müller & Söhne", "line\u2028break", "a > b"]


def _chart() -> alt.Chart:
    frame = pd.DataFrame({"patient_id": TRICKY, "value": [1.5, 2.0, 3.25, 4.0]})
    return alt.Chart(frame).mark_bar().encode(x="patient_id:N", y="value:Q")


def test_a_chart_spec_is_packed_and_inflates_to_the_json_a_plain_block_held() -> None:
    chart = _chart()
    markup = str(_Blocks().render("p", Chart(chart, title="Purity")))
    block = re.search(r'<script type="([^"]+)" id="rr-chart-1-spec">([^<]*)</script>', markup)
    assert block and block.group(1) == PACKED_TYPE == AUDIT_PACKED_TYPE == "application/x-rinec-packed"
    assert re.fullmatch(r"[A-Za-z0-9+/]+=*", block.group(2))  # one line of base64, nothing to escape
    text = zlib.decompress(base64.b64decode(block.group(2), validate=True), -15).decode("utf-8")
    expected = to_spec(chart, "Purity", "Chart: Purity")
    assert json.loads(text) == expected
    # The very text a plain <script type="application/json"> block held (escaped for a script).
    assert text == str(script_json(expected))
    assert "</script>" not in text and "\\u003c/script\\u003e" in text
    for value in TRICKY:  # the raw values are not in the page's markup: only inflating shows them
        assert value not in markup
    # Same chart, same bytes.
    assert str(_Blocks().render("p", Chart(_chart(), title="Purity"))) == markup


def test_every_chart_of_the_example_is_packed_and_a_fraction_of_its_json(example_report: Path) -> None:
    html = example_report.read_text(encoding="utf-8")
    specs = chart_specs(html)  # fails if a chart's spec is not a packed block
    assert len(specs) >= 20
    assert not re.search(r'<script type="application/json" id="rr-chart-', html)
    packed_bytes = sum(len(m) for m in re.findall(r'type="application/x-rinec-packed" id="[^"]+">([^<]*)<', html))
    json_bytes = sum(len(str(script_json(spec)).encode("utf-8")) for _, spec in specs)
    assert packed_bytes < 0.35 * json_bytes, (packed_bytes, json_bytes)


class Charter:
    """A lab's own plugin that charts a value of its input (a name, here)."""

    @hookimpl
    def rinec_datasets(self, files):
        return {"charted": True}

    @hookimpl
    def rinec_sections(self, data):
        frame = pd.DataFrame({"who": ["Hildegard Planted-Chart"], "visits": [3]})
        chart = alt.Chart(frame).mark_bar().encode(x="who:N", y="visits:Q")
        return [Section("charted", "Charted", blocks=[Chart(chart, title="Visits")])]


def test_the_audit_finds_an_identifier_planted_in_a_packed_chart(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "clinical.csv").write_text("patient_id,full_name,sex\nP1,Hildegard Planted-Chart,female\n"
                                          "P2,Ola Other,male\n", encoding="utf-8")
    report = run(run_dir, outdir=tmp_path / "out", force=True, data_dir=False, extra_plugins={"charter": Charter()})
    html = report.html_path.read_text(encoding="utf-8")
    chart_id = next(cid for cid, spec in chart_specs(html) if "Hildegard Planted-Chart" in json.dumps(spec))
    hits = audit(report.html_path, run_dir, extra_plugins={"charter": Charter()}).findings
    assert any(h.kind == "text" and h.value == "Hildegard Planted-Chart" and chart_id in h.context for h in hits), \
        [h.line(True) for h in hits if chart_id in h.context]


def _page(tmp_path: Path, body: str) -> Path:
    page = tmp_path / "report.html"
    page.write_text(f"<!doctype html><html><body><section id='s1'><h2>S</h2>{body}</section></body></html>",
                    encoding="utf-8")
    return page


def _pack(data: bytes, level: int = 6) -> str:
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
    return base64.b64encode(deflate.compress(data) + deflate.flush()).decode("ascii")


def _block(n: int, text: str) -> str:
    return f'<script type="application/x-rinec-packed" id="rr-chart-{n}-spec">{text}</script>'


def test_packed_blocks_are_read_and_a_deflate_bomb_is_named_not_searched(tmp_path: Path) -> None:
    spec = b'{"datasets":{"d":[{"who":"John Smith","born":"1961-03-14"}]}}'
    # 80 MiB of spaces in 80 KB: past the audit's 64 MiB bound for one payload.
    bomb = _pack(b"[" + b" " * (80 << 20) + b'"John Smith"]', 9)
    assert len(bomb) < 200_000
    page = _page(tmp_path, _block(1, _pack(spec)) + _block(2, bomb) + _block(3, "not base64!")
                 + _block(4, base64.b64encode(b"\xff\xff not deflate").decode()))
    started = time.monotonic()
    hits = search(page, {"text": {"John Smith"}})
    assert time.monotonic() - started < 30
    found = {(h.kind, h.context) for h in hits if h.kind != UNREAD}
    assert ("text", "section 's1' rr-chart-1-spec") in found and ("date", "section 's1' rr-chart-1-spec") in found
    assert not any("rr-chart-2-spec" in context for _, context in found)
    unread = {h.context: h.value for h in hits if h.kind == UNREAD}
    assert unread["section 's1' rr-chart-2-spec"] == "a packed block of more than 64 MiB unpacked"
    assert unread["section 's1' rr-chart-3-spec"] == "a packed block that is not base64"
    assert unread["section 's1' rr-chart-4-spec"].startswith("a packed block that does not inflate")


def test_a_spec_that_cannot_be_unpacked_costs_only_its_chart(browser, example_report: Path, tmp_path: Path) -> None:
    html = example_report.read_text(encoding="utf-8")
    # The first chart's block replaced by bytes that are not deflate ("\xff\xff..."), in base64.
    broken = re.sub(r'(id="rr-chart-1-spec">)[^<]*', lambda m: m.group(1) + "//8AAAAA", html, count=1)
    assert broken != html
    page_file = tmp_path / "rinec_report.html"
    page_file.write_text(broken, encoding="utf-8")
    opened = Opened(browser, page_file, 1400)
    try:
        states = opened.page.eval_on_selector_all(".rr-chart", "els => els.map(e => e.dataset.rendered)")
        assert states[0] == "error" and states[1:] and all(s == "1" for s in states[1:]), states
        assert opened.page.locator("#rr-chart-1").inner_text().startswith("This chart could not be drawn")
        # Unpacked once, the blocks are let go (as the library's is).
        assert opened.page.locator(f'script[type="{PACKED_TYPE}"]').count() == 0
        assert not opened.requests
    finally:
        opened.close()
