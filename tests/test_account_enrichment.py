"""The enrichment and imaging plugins' accounts on a small run directory, against hand
counts: a gene list with a repeat and genes no library has, a GMT file with an empty and
a repeated set, a STRING export with a self pair and a pair given both ways, an images
table with an unknown column, a row naming no file and an image outside images/ that it
names."""

from __future__ import annotations

import json

from imaging_helpers import photo

import rinec_report

GENES = "TP53\nRB1\nTP53\nNOTAGENE1\nNOTAGENE2\n"  # 5 read: TP53 again; two genes no set holds
GMT = ("SET_A\tA1\tTP53\tRB1\tPTEN\n"
       "SET_B\tB1\t\t\n"                       # no gene: dropped
       "SET_A2\tA1\tDAXX\n"                    # id A1 again: merged into SET_A
       "SET_C\tC1\tTP53\tDAXX\tABL1\tPTEN\n")  # 4 lines read, 2 sets used
INTERACTIONS = ("#node1\tnode2\tcombined_score\textra\n"
                "TP53\tRB1\t0.9\tx\n"
                "RB1\tTP53\t0.8\tx\n"    # the same pair, lower score: dropped
                "TP53\tTP53\t0.5\tx\n"   # a protein with itself: dropped
                "TP53\tDAXX\t0.7\tx\n")  # 4 read, 2 used
SIDECAR = ("file\tpatient_id\tscanner\n"
           "../outside.png\tP1\tA\n"     # an image outside images/, named here: read after all
           "\tP1\tB\n")                  # names no file: dropped


def test_enrichment_and_imaging_inputs_state_their_hand_counts(tmp_path):
    run = tmp_path / "run"
    (run / "images").mkdir(parents=True)
    (run / "genes.txt").write_text(GENES)
    (run / "sets.gmt").write_text(GMT)
    (run / "string_interactions.tsv").write_text(INTERACTIONS)
    (run / "images" / "images.tsv").write_text(SIDECAR)
    photo(run / "outside.png", size=(64, 48))
    report = rinec_report.run(run, outdir=tmp_path / "out", force=True, plugins=("enrichment", "imaging"),
                              config={"enrichment": {"reactome": False, "min_size": 1}})
    got = {r["file"]: r for r in json.loads((report.data_dir / "manifest.json").read_text())["account"]}

    genes = got["genes.txt"]
    assert (genes["unit"], genes["read"], genes["used"]) == ("genes", 5, 2)
    assert genes["dropped_by_reason"] == {"in no gene set of the libraries (cannot be tested)": 2,
                                          "listed again (counted once)": 1}
    gmt = got["sets.gmt"]
    assert (gmt["unit"], gmt["read"], gmt["used"], gmt["account"]) == ("gene sets", 4, 2, "complete")
    assert set(gmt["dropped_by_reason"].values()) == {1} and len(gmt["dropped_by_reason"]) == 2
    edges = got["string_interactions.tsv"]
    assert (edges["read"], edges["used"], edges["dropped"]) == (4, 2, 2)
    assert edges["columns"]["extra"]["role"] == "ignored" and edges["columns"]["node1"]["as_field"] == "gene_a"

    sidecar = got["images/images.tsv"]
    assert (sidecar["read"], sidecar["used"], sidecar["dropped"]) == (2, 1, 1)
    assert sidecar["columns"]["scanner"]["role"] == "ignored"
    assert sidecar["columns"]["patient_id"] == {"role": "field", "as_field": "patient_id", "reason": None}
    # Left out by its parse (outside images/), then read for the sidecar and shown: no drop stays.
    outside = got["outside.png"]
    assert (outside["read"], outside["used"], outside["dropped"], outside["account"]) == (1, 1, 0, "complete")
    assert report.tables["imaging_images"]["file"].tolist() == ["outside.png"]
