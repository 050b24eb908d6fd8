"""Defects 1 and 2 (STRING): code from the cache, the per-read timeout, unbounded answers.

Each test plays an attacker against a local server (pytest-httpserver) or a crafted
cache file in the run directory.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sqlite3
import time

from enrichment_helpers import QUERY_GENES, install_string, make_run, online_options, run_report
from rinec_plugins.enrichment.json_cache import FORMAT, JsonCache
from rinec_plugins.enrichment.string_api import query_string
from werkzeug import Response


class _Exploit:
    """Unpickling this writes a marker file: proof that the cache ran code."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _old_keys(api: str) -> list[str]:
    """The keys the earlier requests-cache client looked up first with STRING unreachable
    (the version call), when requests-cache is installed to compute them."""
    keys = ["k"]
    try:
        import requests
        import requests_cache
    except ImportError:
        return keys
    payload = {"caller_identity": "rinec-report"}
    prepared = requests.Session().prepare_request(requests.Request("POST", f"{api}/json/version", data=payload))
    keys.append(hashlib.sha256(f"|{requests_cache.create_key(prepared)}".encode()).hexdigest()[:32])
    return keys


def _crafted_sqlite(path, marker, api) -> None:
    """A requests-cache SQLite whose rows are pickles that run code when read, under
    the keys the earlier client read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    for table in ("responses", "redirects"):
        con.execute(f"CREATE TABLE {table} (key PRIMARY KEY, value)")
    payload = pickle.dumps(_Exploit(str(marker)))
    for key in _old_keys(api):
        con.execute("INSERT INTO responses VALUES (?, ?)", (key, payload))
    con.commit()
    con.close()


def test_defect1_a_pickled_sqlite_cache_is_never_opened(tmp_path):
    run_dir = make_run(tmp_path / "run", ["TP53", "RB1"])
    marker = tmp_path / "pwned"
    api = "http://127.0.0.1:9/api"
    _crafted_sqlite(run_dir / ".rinec_cache" / "string_api.sqlite", marker, api)
    # STRING unreachable: the earlier code then read the cached version answer.
    options = {"online": True, "string_api": api, "retries": 0, "backoff": 0.01, "min_interval": 0, "timeout": 2}
    run_report(run_dir, tmp_path / "out", options)
    assert not marker.exists()


def test_defect1_a_json_cache_row_that_is_not_data_is_dropped(httpserver, tmp_path):
    cache = tmp_path / "c.json"
    cache.write_text(json.dumps({
        "format": FORMAT, "version": 1,
        "entries": {
            "0" * 32: {"method": "network", "created": "2024-01-01T00:00:00+00:00", "body": "__import__('os')"},
            "nothex": {"method": "network", "created": "2024-01-01T00:00:00+00:00", "body": []},
            "1" * 32: {"method": "x; rm", "created": "2024-01-01T00:00:00+00:00", "body": []},
        },
    }))  # fmt: skip
    loaded = JsonCache(cache)
    assert loaded.entries == {}
    assert loaded.problem == "3 malformed cache entries ignored"
    install_string(httpserver)
    out = query_string(QUERY_GENES, online_options(httpserver), cache)
    assert out.errors == ["STRING cache: 3 malformed cache entries ignored"]
    assert out.ok  # the answers came from the server and replaced the cache
    assert len(JsonCache(cache).entries) == 5


def test_defect1_a_cache_that_is_not_ours_or_too_large_is_not_used(tmp_path):
    cache = tmp_path / "c.json"
    cache.write_bytes(b"\x80\x04\x95 not json")
    assert JsonCache(cache).problem == "the cache is not valid JSON; not used"
    cache.write_text(json.dumps({"format": FORMAT, "version": 1, "entries": {}, "pad": "x" * 5000}))
    assert JsonCache(cache, max_bytes=1000).problem == "the cache is larger than 1,000 bytes; not used"


def test_defect1_a_string_for_online_does_not_turn_the_network_on(httpserver, tmp_path):
    install_string(httpserver)
    run_dir = make_run(tmp_path / "run", ["TP53", "RB1"])
    # The user's own config (the run directory's may not set online or string_api at all).
    mine = tmp_path / "mine.yaml"
    mine.write_text(f"enrichment: {{online: 'no', string_api: '{httpserver.url_for('/api')}'}}\n")
    from rinec_report import run

    try:
        run(run_dir, outdir=tmp_path / "out", force=True, plugins=("enrichment",), jobs=1, config=str(mine))
    except Exception as exc:  # typed options may refuse the value: a usage error, never a request
        assert "online" in str(exc)
    assert httpserver.log == []


def _drip(request):
    def body():
        for _ in range(60):
            yield b" "
            time.sleep(0.5)

    return Response(body(), content_type="application/json")


def test_defect2_a_slow_drip_server_meets_a_total_deadline(httpserver, tmp_path):
    httpserver.expect_request("/api/json/get_string_ids").respond_with_handler(_drip)
    install_string(httpserver, skip=("get_string_ids",))
    started = time.monotonic()
    out = query_string(QUERY_GENES, online_options(httpserver, timeout=1, retries=0), tmp_path / "c.json")
    # The drip lasts 30 s; per-read timeouts would wait for all of it.
    assert time.monotonic() - started < 15
    assert out.errors == ["get_string_ids: no answer within 1 s after 1 attempts"]
    assert not out.ok


def test_defect2_a_huge_answer_is_refused_and_not_cached(httpserver, tmp_path):
    huge = json.dumps([{"stringId_A": "x" * 100, "score": 1}] * 30_000)  # about 3.5 MB
    httpserver.expect_request("/api/json/network").respond_with_data(huge, content_type="application/json")

    def chunked(request):  # no Content-Length: the cap must hold while reading
        return Response((huge[i : i + 65536] for i in range(0, len(huge), 65536)), content_type="application/json")

    httpserver.expect_request("/api/json/enrichment").respond_with_handler(chunked)
    install_string(httpserver, skip=("network", "enrichment"))
    cache = tmp_path / "c.json"
    out = query_string(QUERY_GENES, online_options(httpserver, max_answer_mb=1), cache)
    assert out.errors[0].startswith("network: the answer announces 3,")
    assert out.errors[0].endswith("bytes, more than 1,048,576; not used")
    assert out.errors[1] == "enrichment: the answer is larger than 1,048,576 bytes; not used"
    assert out.network is None and out.terms is None and out.ok
    assert cache.stat().st_size < 100_000
    assert {e.method for e in JsonCache(cache).entries.values()} == {"version", "get_string_ids", "ppi_enrichment"}


def test_the_cache_stays_within_its_bound(httpserver, tmp_path):
    install_string(httpserver)
    cache = tmp_path / "c.json"
    query_string(QUERY_GENES, online_options(httpserver, max_cache_mb=0.002), cache)
    assert cache.stat().st_size <= 0.002 * 2**20
    assert 0 < len(JsonCache(cache).entries) < 5  # the oldest answers went first
