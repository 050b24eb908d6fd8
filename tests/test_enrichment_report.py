"""The enrichment plugin inside a whole run: sections, exported tables, STRING files,
the online path against a local server, and same input -> same bytes."""

from __future__ import annotations

import csv
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from enrichment_helpers import (
    QUERY_GENES,
    STRING_ENRICHMENT_EXPORT,
    STRING_INTERACTIONS_EXPORT,
    STUDY_GENES,
    install_string,
    make_run,
    online_options,
    run_report,
)

TERMS_HEADER = [
    "library", "category", "term_id", "description", "set_size", "overlap",
    "p_value", "fdr", "genes", "source",
]  # fmt: skip


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _header(path: Path) -> list[str]:
    return path.read_text().splitlines()[0].split("\t")


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_offline_report_with_a_gene_list(tmp_path):
    run_dir = make_run(tmp_path / "run", STUDY_GENES)
    report = run_report(run_dir, tmp_path / "out")
    assert report.exit_status == 0, [m.line() for m in report.messages]
    data = report.data_dir
    assert _header(data / "enrichment_terms.tsv") == TERMS_HEADER
    assert _header(data / "enrichment_network.tsv") == ["gene_a", "gene_b", "score", "source"]
    terms = _tsv(data / "enrichment_terms.tsv")
    assert {t["library"] for t in terms} == {"Reactome"}
    assert terms[0]["term_id"] == "R-HSA-2559584" and terms[0]["genes"] == "RB1, TP53"
    assert not (data / "enrichment_genes.tsv").exists()
    assert _tsv(data / "enrichment_network.tsv") == []
    html = report.html_path.read_text()
    for anchor in ("enrichment-pathways", "enrichment-network", "enrichment-genes"):
        assert f'id="{anchor}"' in html
    text = _text(html)
    assert "No interaction data is available offline" in text
    assert "In no gene set of any library (unknown symbol or no annotation): EPPK1" in text
    assert "Background the union of each library's genes" in text
    assert "enrichment_term" in html  # the term selector of the network chart
    # The terms table offers drop-down filters on its first two columns (library, category).
    assert re.search(r'"name":"enrichment_terms".*?"filters":\[0,1\]', html)
    assert not (run_dir / ".rinec_cache").exists()  # offline: no cache, no network


def test_same_input_same_bytes(tmp_path):
    run_dir = make_run(tmp_path / "run", STUDY_GENES, {"string_interactions.tsv": STRING_INTERACTIONS_EXPORT})
    first = run_report(run_dir, tmp_path / "a")
    second = run_report(run_dir, tmp_path / "b")
    assert first.html_path.read_bytes() == second.html_path.read_bytes()


def test_string_exports_are_shown_as_such(tmp_path):
    run_dir = make_run(
        tmp_path / "run",
        STUDY_GENES,
        {"enrichment.all.tsv": STRING_ENRICHMENT_EXPORT, "string_interactions.tsv": STRING_INTERACTIONS_EXPORT},
    )
    report = run_report(run_dir, tmp_path / "out")
    assert report.exit_status == 0, [m.line() for m in report.messages]
    terms = _tsv(report.data_dir / "enrichment_terms.tsv")
    exported = [t for t in terms if t["library"] == "STRING export"]
    assert [(t["category"], t["term_id"], t["overlap"], t["set_size"], t["fdr"], t["genes"]) for t in exported] == [
        ("KEGG", "hsa05218", "3", "72", "0.0021", "TP53, RB1, PTEN"),
        ("GO Process", "GO:0007050", "2", "250", "0.04", "TP53, RB1"),
    ]
    assert {t["source"] for t in exported} == {"STRING web export enrichment.all.tsv"}
    assert terms[0]["library"] == "STRING export"  # STRING first, KEGG first
    edges = _tsv(report.data_dir / "enrichment_network.tsv")
    assert [(e["gene_a"], e["gene_b"], e["score"]) for e in edges] == [
        ("DAXX", "TP53", "0.871"),
        ("RB1", "TP53", "0.999"),  # the two directions count once
    ]
    assert {e["source"] for e in edges} == {"STRING web export string_interactions.tsv"}
    text = _text(report.html_path.read_text())
    assert "No interaction data" not in text
    assert "STRING web exports found in the run directory" in text


def test_gmt_files_are_libraries_of_their_own(tmp_path):
    gmt = "Set one\tS1\tTP53\tRB1\tPTEN\tAAA\tBBB\r\nSet two\tS2\tDAXX\tCCC\tDDD\tEEE\tFFF\r\nEmpty\tS3\r\n"
    run_dir = make_run(tmp_path / "run", STUDY_GENES, {"mine.gmt": gmt})
    (run_dir / "more").mkdir()
    (run_dir / "more" / "other.gmt").write_text("Other\tO1\tTP53\tX1\tX2\tX3\tX4\tX5\n")
    (tmp_path / "outside.gmt").write_text("Outside\tX9\tRB1\tY1\tY2\tY3\tY4\n")
    # mine.gmt named again in the config is not counted twice; outside.gmt is only there.
    options = {"reactome": False, "min_size": 5, "gene_sets": ["mine.gmt", str(tmp_path / "outside.gmt")]}
    # A file outside the run directory is read only when the config allows it.
    report = run_report(run_dir, tmp_path / "out", options, config={"allow_links_outside": True})
    assert report.exit_status == 0, [m.line() for m in report.messages]
    terms = _tsv(report.data_dir / "enrichment_terms.tsv")
    assert [(t["library"], t["term_id"], t["genes"]) for t in terms] == [
        ("mine", "S1", "PTEN, RB1, TP53"),
        ("mine", "S2", "DAXX"),
        ("other", "O1", "TP53"),
        ("outside", "X9", "RB1"),
    ]
    # Union of the library's genes is the background: 10 genes in "mine".
    from scipy.stats import hypergeom

    assert float(terms[0]["p_value"]) == pytest.approx(hypergeom.sf(2, 10, 5, 4))
    assert "1 empty set(s) skipped" in _text(report.html_path.read_text())


def test_config_genes_and_background(tmp_path):
    run_dir = make_run(tmp_path / "run", ["IGNORED1"])
    (run_dir / "bg.txt").write_text("\n".join([*STUDY_GENES[:8], "ATM", "CHEK2", "MDM2"]))
    options = {"genes": ["TP53", "RB1", "NOT_A_GENE"], "background": "bg.txt", "min_size": 1}
    report = run_report(run_dir, tmp_path / "out", options)
    assert report.exit_status == 0, [m.line() for m in report.messages]
    text = _text(report.html_path.read_text())
    assert "Not in the background, so not counted in the test: NOT_A_GENE" in text
    assert "11 genes listed in bg.txt (config)" in text
    terms = _tsv(report.data_dir / "enrichment_terms.tsv")
    assert terms and all(set(t["genes"].split(", ")) <= {"TP53", "RB1"} for t in terms)


def test_online_report_and_a_second_run_from_the_cache(httpserver, tmp_path):
    install_string(httpserver)
    run_dir = make_run(tmp_path / "run", QUERY_GENES)
    options = online_options(httpserver)
    first = run_report(run_dir, tmp_path / "a", options)
    assert (run_dir / ".rinec_cache" / "string_api.json").is_file()
    text = _text(first.html_path.read_text())
    assert "STRING version 12.0" in text
    assert "all 5 answers fetched now (and cached); .rinec_cache/string_api.json in the run directory" in text
    assert "Not mapped by STRING NOTAGENE1" in text
    assert "PPI enrichment p-value 1.03e-10" in text
    terms = _tsv(first.data_dir / "enrichment_terms.tsv")
    assert terms[0]["library"] == "STRING" and terms[0]["term_id"] == "GO:0000162"
    assert any(t["library"] == "Reactome" for t in terms)  # offline results stay
    edges = _tsv(first.data_dir / "enrichment_network.tsv")
    assert [(e["gene_a"], e["gene_b"], e["source"]) for e in edges] == [
        ("BRCA1", "TP53", "STRING 12.0 API"),
        ("EGFR", "TP53", "STRING 12.0 API"),
    ]

    httpserver.stop()  # STRING is gone
    second = run_report(run_dir, tmp_path / "b", options)
    for name in ("enrichment_terms.tsv", "enrichment_network.tsv"):
        assert (first.data_dir / name).read_bytes() == (second.data_dir / name).read_bytes()
    text2 = _text(second.html_path.read_text())
    assert "all 5 answers from the cache" in text2
    assert "STRING could not answer" not in text2
    httpserver.start()  # the fixture expects to stop it itself


def test_online_failure_is_a_visible_note(httpserver, tmp_path):
    httpserver.expect_request("/api/json/get_string_ids").respond_with_data("down", status=500)
    install_string(httpserver, skip=("get_string_ids",))
    run_dir = make_run(tmp_path / "run", STUDY_GENES)
    report = run_report(run_dir, tmp_path / "out", online_options(httpserver, retries=1))
    text = _text(report.html_path.read_text())
    assert "STRING could not answer every request; the offline results are shown." in text
    assert "get_string_ids: HTTP 500 after 2 attempts" in text
    terms = _tsv(report.data_dir / "enrichment_terms.tsv")
    assert terms and {t["library"] for t in terms} == {"Reactome"}
    assert "No interaction data: STRING could not be reached" in text


def test_online_flag_on_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "rinec_report.cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "--online" in result.stdout


def test_per_gene_table(tmp_path):
    run_dir = make_run(tmp_path / "run", STUDY_GENES)
    report = run_report(run_dir, tmp_path / "out")
    section = next(s for plugin, s in report.sections if plugin == "enrichment" and s.id == "genes")
    table = next(b for b in section.blocks if getattr(b, "name", None) == "genes").data
    assert table["gene"].tolist() == STUDY_GENES
    terms = _tsv(report.data_dir / "enrichment_terms.tsv")
    for gene in STUDY_GENES:
        expected = sum(float(t["fdr"]) <= 0.05 and gene in t["genes"].split(", ") for t in terms)
        assert table.loc[table["gene"] == gene, "significant_terms"].item() == expected
    eppk1 = table.set_index("gene").loc["EPPK1"]
    assert (eppk1["in_gene_sets"], eppk1["significant_terms"], eppk1["terms"]) == ("no", 0, "")
    tp53 = table.set_index("gene").loc["TP53"]
    assert tp53["terms"].startswith("Formation of Senescence-Associated Heterochromatin Foci (SAHF) (Reactome)")


def test_genes_in_no_gene_set(tmp_path):
    run_dir = make_run(tmp_path / "run", ["FOO1", "BAR2"])
    report = run_report(run_dir, tmp_path / "out")
    assert report.exit_status == 0, [m.line() for m in report.messages]
    text = _text(report.html_path.read_text())
    assert "No gene set shares a gene with the list." in text
    assert "In no gene set of any library (unknown symbol or no annotation): FOO1, BAR2" in text
    assert _tsv(report.data_dir / "enrichment_terms.tsv") == []
