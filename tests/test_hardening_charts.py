"""Defect 8: data values that broke charts (patients called 'constructor', a gene
called '__proto__', a sample name holding U+2028), drawn in a real browser."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rinec_report import run
from rinec_report.charts import OBJECT_KEYS, chart_text, highlight_test, to_spec

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PATIENTS = ["constructor", "toString", "__proto__", "hasOwnProperty", "P5"]
SAMPLES = ["S1", "S2", "S3", "S\u2028four", "valueOf"]
ANN = (
    "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | Annotation | "
    "Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | "
    "HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
    "ERRORS / WARNINGS / INFO'\">\n"
)


def test_chart_texts_are_rewritten_the_same_way_everywhere():
    # Expected values written by hand from the rule: separators become spaces,
    # Object.prototype names get a U+200B.
    assert chart_text("constructor") == "constructor\u200b"
    assert chart_text("__proto__") == "__proto__\u200b"
    assert chart_text("a\u2028b\u2029c") == "a b c"
    assert chart_text("constructors") == "constructors"
    spec = to_spec(
        {
            "data": {"values": [{"patient_id": "toString", "g": "__proto__"}]},
            "mark": "point",
            "encoding": {"x": {"field": "g", "type": "nominal", "sort": ["__proto__", "S\u2028x"]}},
        }
    )
    assert spec["data"]["values"] == [{"patient_id": "toString\u200b", "g": "__proto__\u200b"}]
    assert spec["encoding"]["x"]["sort"] == ["__proto__\u200b", "S x"]
    # The highlighter's expressions name fields, never values.
    assert "toString" not in highlight_test("patient_id")


def _adversarial_run(root: Path) -> Path:
    (root / "variants").mkdir(parents=True)
    rows = ["patient_id,sample_id,age,sex,os_months,os_event,nec_site"]
    for i, (p, s) in enumerate(zip(PATIENTS, SAMPLES, strict=True)):
        sample = s if "\u2028" not in s else "S4"
        rows.append(f"{p},{sample},{50 + i},{'MF'[i % 2]},{10 + i * 5},{i % 2},__proto__")
    (root / "clinical.csv").write_text("\n".join(rows) + "\n")
    ihc = ["patient_id,specimen,marker,intensity,percent"]
    for p in PATIENTS:
        for marker in ("constructor", "toString", "__proto__", "Ki-67"):
            ihc += [f"{p},NEC,{marker},2,50", f"{p},NPC,{marker},1,20"]
    (root / "ihc_scores.csv").write_text("\n".join(ihc) + "\n")
    header = "##fileformat=VCFv4.2\n" + ANN + '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    for n, s in enumerate(SAMPLES):
        body = header + f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{s}\n"
        for j, gene in enumerate(["__proto__", "constructor", "TP53", "toString"]):
            body += (
                f"chr17\t{7670000 + j * 10}\t.\tC\tT\t50\tPASS\tANN=T|missense_variant|MODERATE|{gene}|G{j}|"
                f"transcript|T{j}|protein_coding|1/1|c.1C>T|p.R1W|1|1|1||\tGT\t0/1\n"
            )
        (root / "variants" / f"sample{n}.vcf").write_text(body)
    (root / "genes.txt").write_text("constructor\nTP53\ntoString\n")
    return root


@pytest.mark.browser
def test_defect8_charts_with_hostile_values_draw_and_highlight(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="install the test extras")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is needed for the browser tests: apt-get install -y chromium")
    run_dir = _adversarial_run(tmp_path / "run")
    report = run(run_dir, outdir=tmp_path / "out", force=True, jobs=1)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(report.html_path.as_uri())
            page.wait_for_function(
                "Array.from(document.querySelectorAll('.rr-chart')).every(el => el.dataset.rendered)",
                timeout=60_000,
            )
            charts = page.query_selector_all(".rr-chart")
            assert len(charts) >= 7  # survival, IHC, oncoplot, spectrum, TMB, enrichment
            for chart in charts:
                assert chart.get_attribute("data-rendered") == "1", chart.inner_text()[:200]
                assert chart.query_selector("svg, canvas") is not None
            # The page's own list of Object.prototype names is the browser's.
            names = page.evaluate("Object.getOwnPropertyNames(Object.prototype)")
            assert set(names) == OBJECT_KEYS
            # Highlighting the patient 'constructor' dims the other patients' IHC cells.
            page.select_option("#rr-patient", "constructor")
            page.wait_for_timeout(500)
            heatmap = page.locator("section[id^='ihc'] .rr-chart svg").first
            opacities = heatmap.evaluate(
                "svg => Array.from(svg.querySelectorAll('.mark-rect path')).map(p => p.getAttribute('opacity'))"
            )
            assert "0.15" in opacities and any(o in (None, "1") for o in opacities), opacities
            assert errors == []
        finally:
            browser.close()
