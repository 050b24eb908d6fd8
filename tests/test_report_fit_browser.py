"""The example report's charts on a phone and in people's words: every chart within its
box at 390 px, every Kaplan-Meier band to its curve's last step, one title and one export
name per chart, and tables with labels, Yes/No and whole numbers, on the page and in the
exports. In Debian's chromium (playwright), network cut.

Expected values by hand: the ages are column "Age" of example_run/clinical.xlsx (P1 59,
P2 67, P3 50, P4 56, P5 49); the high-frequency genes are the study's (2 of 4 samples).
"""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import pytest
from page_helpers import Opened, chart_specs

pytestmark = pytest.mark.browser

AGES = {"P1": "59", "P2": "67", "P3": "50", "P4": "56", "P5": "49"}  # clinical.xlsx, by hand
PHONE = 390


@pytest.fixture(scope="module")
def phone(browser, example_report: Path):
    opened = Opened(browser, example_report, PHONE)
    yield opened
    opened.close()


def _chart_specs(report: Path) -> list[tuple[str, dict]]:
    html = report.read_text(encoding="utf-8")
    names = dict(re.findall(r'<figure class="rr-chart" id="(rr-chart-\d+)"[^>]*? data-name="([^"]*)"', html))
    return [(names[cid.removesuffix("-spec")], spec) for cid, spec in chart_specs(html)]


def test_every_chart_fits_its_box_on_a_phone(phone) -> None:
    sizes = phone.page.evaluate("""() => Array.from(document.querySelectorAll('.rr-chart')).map(el => {
        const drawn = el.querySelector('svg, canvas');
        return {name: el.dataset.name, right: el.getBoundingClientRect().right, inner: el.clientWidth,
                kind: drawn ? drawn.tagName : null, drawn: drawn ? drawn.getBoundingClientRect().width : null,
                scrolls: el.scrollWidth > el.clientWidth, overflow: getComputedStyle(el).overflowX};
    })""")
    assert len(sizes) >= 20  # every plugin's charts of the example
    canvases = 0
    for size in sizes:
        assert size["right"] <= PHONE + 0.5, size  # the box itself is on the screen
        if size["kind"] == "svg":
            assert size["drawn"] <= size["inner"] + 0.5 and size["drawn"] <= PHONE, size
            assert not size["scrolls"], size  # nothing else in the box (a chooser) is wider
        else:
            # A canvas (the oncoplot, TMB beside TCGA) keeps the width Vega gives it: what
            # its box cannot show scrolls inside the box, never the page.
            assert size["kind"] == "CANVAS" and size["overflow"] == "auto", size
            canvases += 1
    assert canvases == 2
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE
    assert phone.errors == []


def test_legends_go_below_the_plot_on_a_phone(phone) -> None:
    # Vega names a legend's group by its place: "legend" items with orient bottom sit
    # below the plot, so the legend's top is below the plot's bottom.
    placed = phone.page.evaluate("""() => window.rinecViews.map(v => {
        const found = [];
        (function walk(item) {
          if (!item) { return; }
          if (item.orient && item.mark && item.mark.role === 'legend') { found.push(item.orient); }
          (item.items || []).forEach(walk);
        })(v.scenegraph().root);
        return found;
    }).flat()""")
    assert placed, "no legend drawn"
    assert set(placed) == {"bottom"}, placed


def _layer_rows(spec: dict, mark: str) -> list[dict]:
    """The data rows of the one layer of a KM plot drawn with ``mark``."""
    plot = spec["vconcat"][0]
    layers = [la for la in plot["layer"] if (la["mark"] if isinstance(la["mark"], str)
                                              else la["mark"]["type"]) == mark]
    assert len(layers) == 1, mark
    return spec["datasets"][layers[0]["data"]["name"]]


def test_every_km_band_reaches_its_curves_last_step(example_report: Path) -> None:
    km = [(name, spec) for name, spec in _chart_specs(example_report) if name.startswith("survival_")]
    assert len(km) == 6  # OS, PFS, each by TP53 and ABL1 status
    for name, spec in km:
        line_end: dict[str, float] = {}
        for r in _layer_rows(spec, "line"):
            line_end[r["group"]] = max(line_end.get(r["group"], r["time"]), r["time"])
        band_end: dict[str, float] = {}
        for r in _layer_rows(spec, "area"):
            if r["ci_lower"] is not None and r["ci_upper"] is not None:
                band_end[r["group"]] = max(band_end.get(r["group"], r["time"]), r["time"])
        assert band_end == line_end, name


def test_every_chart_has_its_own_title_and_export_name(phone) -> None:
    charts = phone.page.evaluate("""() => Array.from(document.querySelectorAll('.rr-chart'))
        .map(el => [el.dataset.name, el.dataset.label])""")
    names = [n for n, _ in charts]
    titles = [t for _, t in charts]
    assert all(names) and all(titles)
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)
    assert len(set(titles)) == len(titles), sorted(t for t in titles if titles.count(t) > 1)


def test_the_summary_export_has_whole_ages(example_report: Path) -> None:
    path = example_report.parent / "rinec_report_data" / "report_summary.tsv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert {r["patient_id"]: r["age"] for r in rows if r["patient_id"] in AGES} == AGES
    for r in rows:
        for column in ("age", "images", "variants", "nonsynonymous"):
            assert not re.fullmatch(r"-?\d+\.0", r[column]), (column, r[column])


def test_page_tables_speak_in_labels_yes_no_and_whole_numbers(phone, tmp_path: Path) -> None:
    page = phone.page
    index = page.evaluate("window.rinecTables.findIndex(t => t.data.name === 'report_summary')")
    table = page.locator(".rr-table").nth(index)
    headers = table.locator("thead th").all_inner_texts()
    assert headers[:3] == ["Patient", "Samples", "Age"]
    assert not [h for h in headers if "_" in h]
    with page.expect_download() as info:
        table.locator("button.rr-csv").click()
    path = tmp_path / "summary.csv"
    info.value.save_as(path)
    with open(path, encoding="utf-8", newline="") as fh:
        got = list(csv.DictReader(fh))
    assert list(got[0])[:3] == ["Patient", "Samples", "Age"]  # the headers shown, not field names
    assert {r["Patient"]: r["Age"] for r in got if r["Patient"] in AGES} == AGES
    # No table of the page has a field name for a header or True/False for a value.
    for data in page.evaluate("window.rinecTables.map(t => t.data)"):
        assert "patient_id" not in data["titles"] and "samples_mutated" not in data["titles"], data["name"]
        assert not any(isinstance(v, bool) for r in data["rows"] for v in r), data["name"]
    genes = page.evaluate("window.rinecTables.find(t => t.data.name === 'variants_gene_details').data")
    at = genes["titles"].index("High frequency")
    gene = genes["titles"].index("Gene")
    high = {r[gene] for r in genes["rows"] if r[at] == "Yes"}
    assert {"TP53", "ABL1"} <= high and {r[at] for r in genes["rows"]} == {"Yes", "No"}


# The example's four sequenced samples and their patients: column "Sample ID" of clinical.xlsx.
SAMPLES = {"20S3087569": "P2", "19S0735242": "P3", "20S6942679": "P4", "20S6942573": "P5"}


@pytest.mark.parametrize("chart", ["variants_snv_classes", "variants_tumour_mutational_burden"])
def test_per_sample_charts_name_patients(phone, chart: str) -> None:
    texts = phone.page.evaluate(f"""() => Array.from(document.querySelectorAll(
        '.rr-chart[data-name="{chart}"] svg text')).map(t => t.textContent)""")
    assert set(SAMPLES.values()) <= set(texts)
    assert not set(SAMPLES) & set(texts)  # sample ids only in the tooltip
    assert "Patient" in texts


@pytest.fixture(scope="module")
def many_samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """52 patients PT01..PT52, one sample each (S0001..S0052): the example's four VCFs in
    turn, each with its sample column renamed."""
    import gzip
    import shutil

    from rinec_report import run

    root = Path(__file__).parents[1] / "example_run"
    run_dir = tmp_path_factory.mktemp("many_samples_run")
    vcfs = sorted((root / "variants").glob("*.vcf.gz"))
    rows = ["patient_id,sample_id,age,sex"]
    for i in range(52):
        sample = f"S{i + 1:04d}"
        lines = gzip.decompress(vcfs[i % 4].read_bytes()).decode().splitlines()
        lines = [ln.rsplit("\t", 1)[0] + "\t" + sample if ln.startswith("#CHROM") else ln for ln in lines]
        (run_dir / f"{sample}.vcf").write_text("\n".join(lines) + "\n")
        rows.append(f"PT{i + 1:02d},{sample},{40 + i},{'male' if i % 2 else 'female'}")
    (run_dir / "clinical.csv").write_text("\n".join(rows) + "\n")
    shutil.copy(root / "panel.bed", run_dir / "panel.bed")
    out = tmp_path_factory.mktemp("many_samples_out")
    report = run(run_dir, outdir=out, force=True)
    assert report.exit_status == 0
    return out / "rinec_report.html"


# The oncoplot's column labels as Vega drew them: text, shown or thinned out, and their box
# in the page's pixels (the view's origin plus every enclosing group's offset).
ONCOPLOT_LABELS = """() => {
  const el = document.querySelector('.rr-chart[data-name="variants_oncoplot"]');
  const view = window.rinecViews.find(v => v.container() === el || el.contains(v.container()));
  const canvas = el.querySelector('canvas').getBoundingClientRect();
  const [ox, oy] = view.origin();
  const out = [];
  (function walk(item, x, y) {
    if (item.mark && item.mark.role === 'axis-label' && item.text !== undefined) {
      const b = item.bounds;
      out.push({text: String(item.text), shown: item.opacity !== 0,
                left: canvas.left + ox + x + b.x1, right: canvas.left + ox + x + b.x2,
                top: canvas.top + oy + y + b.y1});
    }
    const gx = item.mark && item.mark.marktype === 'group' ? x + (item.x || 0) : x;
    const gy = item.mark && item.mark.marktype === 'group' ? y + (item.y || 0) : y;
    (item.items || []).forEach(child => walk(child, gx, gy));
  })(view.scenegraph().root, 0, 0);
  return {labels: out, left: canvas.left};
}"""


@pytest.mark.parametrize("width", [PHONE, 1400])
def test_an_oncoplot_of_52_samples_names_them_without_overprinting(browser, many_samples: Path,
                                                                     width: int) -> None:
    opened = Opened(browser, many_samples, width)
    try:
        drawn = opened.page.evaluate(ONCOPLOT_LABELS)
    finally:
        opened.close()
    patients = {f"PT{i:02d}" for i in range(1, 53)}
    columns = [lb for lb in drawn["labels"] if lb["text"] in patients]
    assert len(columns) == 52  # one label per column, by patient (the sample is in the tooltip)
    shown = sorted((lb for lb in columns if lb["shown"]), key=lambda lb: lb["left"])
    assert len(shown) >= 13  # thinned, not all gone
    for a, b in itertools.pairwise(shown):
        assert a["right"] <= b["left"] + 0.5, (a, b)  # no two labels overprint
    assert all(lb["left"] >= drawn["left"] - 0.5 for lb in shown)  # none cut at the left edge
