"""Offline enrichment: GMT reading, hypergeometric p-values, BH FDR (against scipy and gseapy)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from enrichment_helpers import REACTOME, STUDY_GENES
from rinec_plugins.enrichment.gmt import bundled_library, parse_gmt, read_gmt
from rinec_plugins.enrichment.ora import filter_sets, run_ora
from scipy.stats import false_discovery_control, hypergeom

from rinec_report.model import InputError


@pytest.fixture(scope="module")
def reactome():
    return read_gmt(REACTOME, name="Reactome")


def test_reactome_counts_match_the_provenance(reactome):
    # data/README.md: 2,694 sets, 11,668 genes.
    assert len(reactome.sets) == 2694
    assert len(reactome.genes) == 11668
    first = reactome.sets[0]
    assert (first.term_id, first.description) == ("R-HSA-164843", "2-LTR circle formation")
    assert first.genes[:3] == ("BANF1", "HMGA1", "LIG4")


def test_bundled_copy_is_the_public_file():
    # The SHA-256 of the unmodified Reactome download, as plugins/enrichment/data/README.md records it.
    digest = hashlib.sha256(REACTOME.read_bytes()).hexdigest()
    assert digest == "54eb5a0cf45aa6b9a575c9c00b61394973b7f0ec7c78060e35b1ceecf0223ef4"
    bundled = bundled_library()
    assert bundled.name == "Reactome"
    assert bundled.sets == read_gmt(REACTOME).sets


def test_gmt_duplicates_empty_sets_and_crlf():
    text = (
        "Set A\tID-1\tG1\tG2\tG2\tG3\t\r\n"
        "Empty set\tID-2\r\n"
        "Only tabs\tID-3\t\t\t\r\n"
        "\r\n"
        "Set B\thttp://example.org/b\tG3\tG4\r\n"
        "Set A again\tID-1\tG3\tG9\r\n"
    )
    lib = parse_gmt(text, "custom", "custom.gmt")
    assert [(s.term_id, s.description, s.genes) for s in lib.sets] == [
        ("ID-1", "Set A", ("G1", "G2", "G3", "G9")),
        ("Set B", "Set B", ("G3", "G4")),  # a URL is not an id
    ]
    assert lib.empty_sets == 2
    assert lib.duplicate_genes == 1  # G2 twice within set A
    assert lib.merged_sets == 1
    assert not any(g.endswith("\r") for s in lib.sets for g in s.genes)


def test_gmt_without_sets_is_an_input_error():
    with pytest.raises(InputError, match="no gene set"):
        parse_gmt("Empty\tID\n\n", "x", "x.gmt")
    with pytest.raises(InputError, match="line 2"):
        parse_gmt("A\tID\tG1\nno tabs here\n", "x", "x.gmt")


def test_hypergeometric_against_scipy_on_the_study_genes(reactome):
    background = reactome.genes
    result = run_ora(STUDY_GENES, reactome, background=None)
    annotated = [g for g in STUDY_GENES if g in background]
    assert result.query_size == len(annotated) == 11  # EPPK1 is in no Reactome set
    assert result.background_size == 11668
    sets = {s.term_id: s for s in reactome.sets}
    checked = 0
    for row in result.terms.itertuples():
        genes = set(sets[row.term_id].genes)
        hits = sorted(genes & set(annotated))
        assert row.genes == ", ".join(hits)
        assert row.set_size == len(genes)
        expected = hypergeom.sf(len(hits) - 1, 11668, len(genes), 11)
        assert row.p_value == pytest.approx(expected, rel=1e-12)
        checked += 1
    assert checked == len(result.terms) > 100
    # Senescence-associated heterochromatin foci holds RB1 and TP53: best term.
    top = result.terms.iloc[0]
    assert (top.term_id, top.genes, top.overlap) == ("R-HSA-2559584", "RB1, TP53", 2)
    expected_fdr = false_discovery_control(result.terms["p_value"].to_numpy(), method="bh")
    assert np.allclose(result.terms["fdr"], expected_fdr, rtol=1e-12, atol=0)


def test_panel_background_restricts_sets_and_query(reactome):
    panel = set(STUDY_GENES[:6]) | {"CDKN2A", "MDM2", "ATM", "CHEK2", "BRCA1", "BRCA2", "EGFR"}
    result = run_ora(STUDY_GENES, reactome, background=panel, min_size=2, max_size=500)
    assert result.background_size == len(panel)
    assert result.query_size == 6
    assert result.not_in_background == sorted(STUDY_GENES[6:])
    for row in result.terms.itertuples():
        size = len(set(next(s for s in reactome.sets if s.term_id == row.term_id).genes) & panel)
        assert row.set_size == size
        assert size >= 2
        assert row.p_value == pytest.approx(hypergeom.sf(row.overlap - 1, 13, size, 6), rel=1e-12)


def test_size_limits(reactome):
    kept = filter_sets(reactome, None, 5, 500)
    sizes = [len(g) for _, g in kept.values()]
    assert min(sizes) >= 5 and max(sizes) <= 500
    assert len(kept) == sum(5 <= len(s.genes) <= 500 for s in reactome.sets)
    small = run_ora(STUDY_GENES, reactome, None, min_size=5, max_size=20)
    assert small.terms["set_size"].between(5, 20).all()


@pytest.mark.parametrize("background", ["panel", "union", "number"])
def test_equals_gseapy_enrich(reactome, background):
    gseapy = pytest.importorskip("gseapy")
    panel = sorted(reactome.genes)[::9] + STUDY_GENES[:8]
    bg = {"panel": set(panel), "union": None, "number": 20000}[background]
    ours = run_ora(STUDY_GENES, reactome, bg, min_size=5, max_size=500).terms
    restrict = bg if isinstance(bg, set) else (reactome.genes if bg is None else None)
    gene_sets = {k: genes for k, (_, genes) in filter_sets(reactome, restrict, 5, 500).items()}
    gs_bg = sorted(restrict) if restrict is not None else bg
    theirs = gseapy.enrich(
        gene_list=STUDY_GENES, gene_sets=gene_sets, background=gs_bg, outdir=None, no_plot=True
    ).results
    assert len(theirs) == len(ours) > 0
    merged = ours.merge(theirs, left_on="term_id", right_on="Term", validate="one_to_one")
    assert len(merged) == len(ours)
    assert np.allclose(merged["p_value"], merged["P-value"], rtol=1e-10, atol=0)
    assert np.allclose(merged["fdr"], merged["Adjusted P-value"], rtol=1e-10, atol=0)
    overlap = merged["Overlap"].str.split("/", expand=True).astype(int)
    assert (overlap[0] == merged["overlap"]).all()
    assert (overlap[1] == merged["set_size"]).all()
    assert (merged["genes"] == merged["Genes"].map(lambda g: ", ".join(sorted(g.split(";"))))).all()


def test_terms_table_is_deterministic(reactome):
    a = run_ora(STUDY_GENES, reactome).terms
    b = run_ora(list(reversed(STUDY_GENES)), reactome).terms
    pd.testing.assert_frame_equal(a, b)
