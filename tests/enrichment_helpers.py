"""Shared pieces of the enrichment plugin's tests: the public STRING response shapes,
a local server that plays STRING with them, and small run directories."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# Provenance of both files: tests/data/README.md and plugins/enrichment/data/README.md.
FIXTURES_PATH = REPO / "tests" / "data" / "string" / "string_api_fixtures.json"
REACTOME = REPO / "plugins" / "enrichment" / "data" / "ReactomePathways_2024-09-18.gmt"

# The 12 high-frequency genes of the study.
STUDY_GENES = [
    "TP53", "RB1", "NOTCH2", "PTEN", "POLG", "KMT2C",
    "U2AF1", "EPPK1", "ELAC2", "DAXX", "COL22A1", "ABL1",
]  # fmt: skip


# Written in the layout of STRING's web downloads (enrichment tab "all" export, and
# the exports tab "as tabular text output"), with this test's own values.
STRING_ENRICHMENT_EXPORT = (
    "#category\tterm ID\tterm description\tobserved gene count\tbackground gene count\t"
    "strength\tsignal\tfalse discovery rate\tmatching proteins in your network (IDs)\t"
    "matching proteins in your network (labels)\n"
    "KEGG\thsa05218\tMelanoma\t3\t72\t1.62\t0.9\t0.0021\t"
    "9606.ENSP00000269305,9606.ENSP00000267163,9606.ENSP00000361021\tTP53,RB1,PTEN\n"
    "GO Process\tGO:0007050\tCell cycle arrest\t2\t250\t1.2\t0.5\t0.04\t"
    "9606.ENSP00000269305,9606.ENSP00000267163\tTP53,RB1\n"
)
STRING_INTERACTIONS_EXPORT = (
    "#node1\tnode2\tnode1_string_id\tnode2_string_id\tneighborhood_on_chromosome\tgene_fusion\t"
    "phylogenetic_cooccurrence\thomology\tcoexpression\texperimentally_determined_interaction\t"
    "database_annotated\tautomated_textmining\tcombined_score\n"
    "TP53\tRB1\t9606.ENSP00000269305\t9606.ENSP00000267163\t0\t0\t0\t0\t0.1\t0.8\t0.9\t0.9\t0.999\n"
    "RB1\tTP53\t9606.ENSP00000267163\t9606.ENSP00000269305\t0\t0\t0\t0\t0.1\t0.8\t0.9\t0.9\t0.999\n"
    "TP53\tDAXX\t9606.ENSP00000269305\t9606.ENSP00000266000\t0\t0\t0\t0\t0\t0.6\t0\t0.7\t0.871\n"
)


def fixtures() -> dict[str, Any]:
    return json.loads(FIXTURES_PATH.read_text())


def string_records() -> dict[str, list[dict[str, Any]]]:
    """The public response records, without the fixture file's own annotations
    (keys starting with '_')."""
    data = fixtures()
    out = {}
    for method in ("get_string_ids", "network", "enrichment", "ppi_enrichment", "version"):
        out[method] = [{k: v for k, v in rec.items() if not k.startswith("_")} for rec in data[method]["response"]]
    return out


# TP53 and BRCA1 map as in the public get_string_ids answer; EGFR's id is the one the
# public network answer gives it. Anything else is unknown to this server.
QUERY_GENES = ["TP53", "BRCA1", "EGFR", "NOTAGENE1"]


def ids_answer(identifiers: str) -> list[dict[str, Any]]:
    known = {rec["queryItem"]: rec for rec in string_records()["get_string_ids"]}
    known["EGFR"] = {
        "queryIndex": 0,
        "queryItem": "EGFR",
        "stringId": "9606.ENSP00000275493",
        "ncbiTaxonId": 9606,
        "taxonName": "Homo sapiens",
        "preferredName": "EGFR",
        "annotation": "",
    }
    answer = []
    for index, symbol in enumerate(identifiers.split("\r")):
        if symbol in known:
            answer.append({**known[symbol], "queryIndex": index})
    return answer


def install_string(httpserver: Any, prefix: str = "/api", skip: tuple[str, ...] = ()) -> None:
    """Permanent handlers answering every call with the public shapes."""
    from werkzeug import Response

    records = string_records()

    def ids_handler(request: Any) -> Response:
        body = ids_answer(request.form["identifiers"])
        return Response(json.dumps(body), content_type="application/json")

    if "get_string_ids" not in skip:
        httpserver.expect_request(f"{prefix}/json/get_string_ids", method="POST").respond_with_handler(ids_handler)
    for method in ("network", "enrichment", "ppi_enrichment", "version"):
        if method not in skip:
            httpserver.expect_request(f"{prefix}/json/{method}", method="POST").respond_with_json(records[method])


def online_options(httpserver: Any, **extra: Any) -> dict[str, Any]:
    """Options for a fast online run against the local server (declared defaults for the rest)."""
    from rinec_plugins.enrichment import rinec_options

    from rinec_report.options import with_defaults

    return with_defaults(rinec_options(), {
        "online": True,
        "string_api": httpserver.url_for("/api"),
        "min_interval": 0.0,
        "backoff": 0.01,
        "retries": 2,
        "timeout": 5,
        **extra,
    })


def make_run(root: Path, genes: list[str], files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "genes.txt").write_text("\n".join(genes) + "\n")
    for name, text in (files or {}).items():
        (root / name).write_text(text)
    return root


def run_report(run_dir: Path, out: Path, options: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """The report with the enrichment plugin alone, at a fixed time."""
    from rinec_report import run

    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1600000000"
    try:
        return run(
            run_dir,
            outdir=out,
            force=True,
            plugins=kwargs.pop("plugins", ("enrichment",)),
            plugin_options={"enrichment": options or {}},
            jobs=1,
            **kwargs,
        )
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
