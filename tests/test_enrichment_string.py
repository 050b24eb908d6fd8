"""STRING online, against a local server that answers in STRING's public shapes."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pandas as pd
import pytest
from enrichment_helpers import QUERY_GENES, install_string, online_options, string_records
from rinec_plugins.enrichment import rinec_options
from rinec_plugins.enrichment.string_api import (
    parse_enrichment,
    parse_ids,
    parse_network,
    parse_ppi,
    query_string,
)
from werkzeug import Response

from rinec_report.options import with_defaults


def _query(httpserver, tmp_path, **extra):
    return query_string(QUERY_GENES, online_options(httpserver, **extra), tmp_path / "c.json")


def _calls(httpserver) -> list[str]:
    return [req.path.rsplit("/", 1)[-1] for req, _ in httpserver.log]


def test_normal_answers(httpserver, tmp_path):
    install_string(httpserver)
    out = _query(httpserver, tmp_path)
    assert out.errors == []
    assert out.version == "12.0"
    assert out.mapped == {
        "TP53": ("9606.ENSP00000269305", "TP53"),
        "BRCA1": ("9606.ENSP00000418960", "BRCA1"),
        "EGFR": ("9606.ENSP00000275493", "EGFR"),
    }
    assert out.unmapped == ["NOTAGENE1"]
    assert out.network.to_dict("records") == [
        {"gene_a": "BRCA1", "gene_b": "TP53", "score": 0.999, "source": "STRING 12.0 API"},
        {"gene_a": "EGFR", "gene_b": "TP53", "score": 1.02, "source": "STRING 12.0 API"},
    ]
    term = out.terms.iloc[0]
    assert (term.category, term.term_id, term.overlap, term.set_size) == (
        "GO Process", "GO:0000162", 5, 9,
    )  # fmt: skip
    assert term.genes == "trpA, trpB, trpC, trpD, trpE"
    assert term.p_value == pytest.approx(1.97e-13) and term.fdr == pytest.approx(6.18e-10)
    assert out.ppi["p_value"] == pytest.approx(1.03e-10)  # sent as a string
    assert out.ppi["number_of_edges"] == 91
    assert _calls(httpserver) == [
        "version", "get_string_ids", "network", "enrichment", "ppi_enrichment",
    ]  # fmt: skip
    # What was sent: POST form data with species, caller identity, score, ids.
    forms = {req.path.rsplit("/", 1)[-1]: req.form for req, _ in httpserver.log}
    assert forms["get_string_ids"]["identifiers"] == "\r".join(QUERY_GENES)
    assert forms["get_string_ids"]["species"] == "9606"
    assert forms["network"]["required_score"] == "400"
    assert forms["network"]["identifiers"].split("\r") == [
        "9606.ENSP00000269305", "9606.ENSP00000418960", "9606.ENSP00000275493",
    ]  # fmt: skip
    assert all(f["caller_identity"] == "rinec-report" for f in forms.values())
    assert out.responses == 5 and out.cached_responses == 0


def test_second_query_comes_from_the_cache_without_the_server(httpserver, tmp_path):
    install_string(httpserver)
    first = _query(httpserver, tmp_path)
    httpserver.clear()  # nothing answers any more: every request would fail
    started = time.monotonic()
    second = _query(httpserver, tmp_path, min_interval=2.0)
    assert time.monotonic() - started < 1.5  # answers from the cache do not wait their turn
    assert second.errors == []
    assert second.cached_responses == second.responses == 5
    # Only the live version check reached the server (and found nobody answering).
    assert _calls(httpserver) == ["version"]
    pd.testing.assert_frame_equal(first.terms, second.terms)
    pd.testing.assert_frame_equal(first.network, second.network)
    assert first.ppi == second.ppi and first.mapped == second.mapped


def test_cache_is_keyed_by_string_version(httpserver, tmp_path):
    install_string(httpserver)
    _query(httpserver, tmp_path)
    httpserver.clear()
    newer = [{"string_version": "12.5", "stable_address": "x"}]
    httpserver.expect_request("/api/json/version").respond_with_json(newer)
    install_string(httpserver, skip=("version",))
    out = _query(httpserver, tmp_path)
    # A new version is a new key: nothing but the version call came from the cache.
    assert out.version == "12.5"
    assert out.cached_responses == 0
    assert _calls(httpserver) == [
        "version", "get_string_ids", "network", "enrichment", "ppi_enrichment",
    ]  # fmt: skip


def test_429_then_success_is_retried(httpserver, tmp_path):
    httpserver.expect_oneshot_request("/api/json/enrichment").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0"}
    )
    install_string(httpserver)
    out = _query(httpserver, tmp_path)
    assert out.errors == []
    assert _calls(httpserver).count("enrichment") == 2
    assert len(out.terms) == 1


def test_500_everywhere_falls_back_with_a_reason(httpserver, tmp_path):
    httpserver.expect_request("/api/json/version").respond_with_data("boom", status=500)
    httpserver.expect_request("/api/json/get_string_ids").respond_with_data("boom", status=503)
    out = _query(httpserver, tmp_path, retries=2)
    assert not out.ok
    assert out.errors == [
        "version: HTTP 500, and no earlier answer is cached",
        "get_string_ids: HTTP 503 after 3 attempts",
    ]
    assert _calls(httpserver) == ["version"] + ["get_string_ids"] * 3
    assert out.terms is None and out.network is None


def test_timeout_is_retried(httpserver, tmp_path):
    def slow(request):
        time.sleep(0.8)
        return Response("[]", content_type="application/json")

    httpserver.expect_oneshot_request("/api/json/get_string_ids").respond_with_handler(slow)
    install_string(httpserver)
    # The server is single-threaded: the retry is answered once the slow reply is done.
    out = _query(httpserver, tmp_path, timeout=0.5, retries=2)
    assert out.errors == []
    assert len(out.mapped) == 3
    assert _calls(httpserver).count("get_string_ids") == 2


def test_timeout_everywhere_is_a_note_not_a_crash(httpserver, tmp_path):
    def slow(request):
        time.sleep(0.6)
        return Response("[]", content_type="application/json")

    httpserver.expect_request("/api/json/ppi_enrichment").respond_with_handler(slow)
    install_string(httpserver, skip=("ppi_enrichment",))
    out = _query(httpserver, tmp_path, timeout=0.2, retries=1)
    assert out.errors == ["ppi_enrichment: no answer within 0.2 s after 2 attempts"]
    assert out.ppi is None and out.terms is not None


def test_malformed_json_is_reported_and_not_cached(httpserver, tmp_path):
    httpserver.expect_request("/api/json/enrichment").respond_with_data(
        '[{"category": "KEGG", ', content_type="application/json"
    )
    install_string(httpserver, skip=("enrichment",))
    out = _query(httpserver, tmp_path)
    assert out.errors == ["enrichment: the answer is not valid JSON"]
    assert out.terms is None and out.network is not None
    httpserver.clear()
    install_string(httpserver)
    again = _query(httpserver, tmp_path)
    assert again.errors == [] and len(again.terms) == 1
    assert _calls(httpserver) == ["version", "enrichment"]  # the rest came from the cache


def test_string_error_message(httpserver, tmp_path):
    error = {"Error": "not found", "ErrorMessage": "Species 9606 unknown"}
    httpserver.expect_request("/api/json/get_string_ids").respond_with_json(error, status=400)
    install_string(httpserver, skip=("get_string_ids",))
    out = _query(httpserver, tmp_path)
    assert len(out.errors) == 1 and out.errors[0].startswith("get_string_ids: HTTP 400")


def test_unreachable_server(tmp_path):
    options = with_defaults(rinec_options(), {"online": True, "string_api": "http://127.0.0.1:9/api", "retries": 1,
               "backoff": 0.01, "min_interval": 0, "timeout": 2})  # fmt: skip
    out = query_string(["TP53"], options, tmp_path / "c.json")
    assert not out.ok
    assert out.errors[-1].startswith("get_string_ids: cannot connect")


def test_at_most_one_request_per_interval(httpserver, tmp_path):
    stamps: list[float] = []
    records = string_records()

    def stamp(method):
        def handler(request):
            stamps.append(time.monotonic())
            if method == "get_string_ids":
                from enrichment_helpers import ids_answer

                return Response(json.dumps(ids_answer(request.form["identifiers"])))
            return Response(json.dumps(records[method]))

        return handler

    for method in ("version", "get_string_ids", "network", "enrichment", "ppi_enrichment"):
        httpserver.expect_request(f"/api/json/{method}").respond_with_handler(stamp(method))
    _query(httpserver, tmp_path, min_interval=0.2)
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(stamps) == 5
    assert min(gaps) >= 0.19


def test_tolerant_parsing_of_lists_and_strings():
    enrichment = string_records()["enrichment"]
    as_lists = [
        {**r, "inputGenes": r["inputGenes"].split(","), "preferredNames": r["preferredNames"].split(","),
         "number_of_genes": "5", "p_value": "1.97e-13", "fdr": "6.18e-10"}
        for r in enrichment
    ]  # fmt: skip
    a = parse_enrichment(enrichment, {}, "s")
    b = parse_enrichment(as_lists, {}, "s")
    pd.testing.assert_frame_equal(a, b)
    # Names map back to the user's symbols.
    c = parse_enrichment(enrichment, {"trpD": "TRPD_USER"}, "s")
    assert c.loc[0, "genes"] == "TRPD_USER, trpA, trpB, trpC, trpE"
    network = string_records()["network"]
    edges = parse_network(network, {}, "s")
    assert edges["score"].tolist() == [0.999, 1.02]
    ids = string_records()["get_string_ids"]
    without_query = [{k: v for k, v in r.items() if k != "queryItem"} for r in ids]
    assert parse_ids(without_query, ["TP53", "BRCA1"]) == parse_ids(ids, ["TP53", "BRCA1"])
    assert parse_ppi(string_records()["ppi_enrichment"])["average_node_degree"] == 13


def test_cache_locations(tmp_path):
    import platformdirs
    from rinec_plugins.enrichment.build import cache_file

    run_dir = str(tmp_path)
    assert cache_file(with_defaults(rinec_options(), {}), run_dir) == tmp_path / ".rinec_cache" / "string_api.json"
    assert cache_file({"cache": "run"}, run_dir) == tmp_path / ".rinec_cache" / "string_api.json"
    user = cache_file({"cache": "user"}, run_dir)
    assert user.parent == Path(platformdirs.user_cache_dir("rinec-report"))
    assert cache_file({"cache": "elsewhere"}, run_dir) == tmp_path / "elsewhere" / "string_api.json"


def test_unexpected_shapes_are_errors(httpserver, tmp_path):
    httpserver.expect_request("/api/json/enrichment").respond_with_json({"category": "KEGG"})
    httpserver.expect_request("/api/json/network").respond_with_json(["not a record"])
    install_string(httpserver, skip=("enrichment", "network"))
    out = _query(httpserver, tmp_path)
    assert out.errors == ["network: unexpected answer shape", "enrichment: unexpected answer shape"]
    assert out.ppi is not None and out.terms is None and out.network is None
    httpserver.clear()
    install_string(httpserver)
    again = _query(httpserver, tmp_path)  # the broken answers were not kept
    assert again.errors == [] and _calls(httpserver) == ["version", "network", "enrichment"]
