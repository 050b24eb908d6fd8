"""The example run's enrichment: the study's 12 genes against Reactome, panel background."""

from __future__ import annotations

import csv
import html
import re

import pytest
from enrichment_helpers import STUDY_GENES
from scipy.stats import hypergeom


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_example_report_enrichment(example_report):
    text = _text(example_report.read_text())
    assert f"Genes tested 12: {', '.join(sorted(STUDY_GENES))}" in text
    assert "Genes from high-frequency genes of the variants plugin" in text
    assert "Background the sequencing panel's 688 genes (variants plugin)" in text
    assert "No interaction data is available offline" in text
    with (example_report.parent / "rinec_report_data" / "enrichment_terms.tsv").open(newline="") as handle:
        terms = list(csv.DictReader(handle, delimiter="\t"))
    assert terms and {t["library"] for t in terms} == {"Reactome"}
    for term in terms[:20]:
        overlap, size = int(term["overlap"]), int(term["set_size"])
        assert float(term["p_value"]) == pytest.approx(hypergeom.sf(overlap - 1, 688, size, 12), rel=1e-9)
        assert 5 <= size <= 500
        assert set(term["genes"].split(", ")) <= set(STUDY_GENES)
