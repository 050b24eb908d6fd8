"""STRING's REST API, used only when the user asks (``--online``).

Every answer is cached for good (as JSON data, see ``json_cache``) under a key made
of the request and the STRING version, so a later run without network reproduces the
report. Any failure ends in a :class:`StringError`; the caller falls back to the
offline results and says why.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import bounded_http
from .json_cache import JsonCache
from .ora import GENE_SEP, TERM_COLUMNS
from .string_files import NETWORK_COLUMNS, normalise_edges, split_genes

log = logging.getLogger(__name__)

# KEGG first, as in the study's figure; then the other pathway databases, then GO.
CATEGORY_NAMES = {
    "KEGG": "KEGG",
    "RCTM": "Reactome",
    "WikiPathways": "WikiPathways",
    "Process": "GO Process",
    "Function": "GO Function",
    "Component": "GO Component",
}
CATEGORY_ORDER = list(CATEGORY_NAMES.values())


class StringError(Exception):
    """STRING could not be reached or gave an unusable answer (one line)."""


@dataclass
class StringOutcome:
    """What the online step produced; ``errors`` say what failed."""

    parameters: dict[str, Any]
    cache_file: str
    version: str | None = None
    mapped: dict[str, tuple[str, str]] = field(default_factory=dict)  # symbol -> (id, name)
    unmapped: list[str] = field(default_factory=list)
    terms: pd.DataFrame | None = None
    network: pd.DataFrame | None = None
    ppi: dict[str, float] | None = None
    errors: list[str] = field(default_factory=list)
    responses: int = 0
    cached_responses: int = 0
    response_times: list[datetime] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.mapped)

    def response_date(self) -> str:
        if not self.response_times:
            return "unknown"
        first, last = min(self.response_times), max(self.response_times)
        fmt = "%Y-%m-%d %H:%M UTC"
        if first.strftime(fmt) == last.strftime(fmt):
            return first.strftime(fmt)
        return f"{first.strftime(fmt)} to {last.strftime(fmt)}"


@dataclass
class Answer:
    """One STRING answer: its records, and whether and when it came from the cache."""

    body: list[dict[str, Any]]
    from_cache: bool
    created_at: datetime


class StringClient:
    """POSTs to ``<base>/json/<method>``: throttled, retried, cached as JSON.

    ``timeout`` is a total deadline per request (connection, headers and body);
    an answer larger than ``max_answer_mb`` is refused and never cached.
    """

    def __init__(
        self,
        base: str,
        cache_file: str | Path,
        caller_identity: str = "rinec-report",
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 2.0,
        min_interval: float = 1.0,
        max_answer_mb: float = 8.0,
        max_cache_mb: float = 64.0,
    ):
        self.base = base.rstrip("/")
        self.caller_identity = caller_identity
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.min_interval = min_interval
        self.max_answer = int(max_answer_mb * 2**20)
        self.version_tag = ""
        self._last_network = -1e9
        self.cache = JsonCache(cache_file, int(max_cache_mb * 2**20))
        self.responses: list[Answer] = []

    def _key(self, method: str, payload: dict[str, Any], versioned: bool = True) -> str:
        request = json.dumps([self.base, method, sorted((str(k), str(v)) for k, v in payload.items())])
        tag = self.version_tag if versioned else ""
        return hashlib.sha256(f"{tag}|{request}".encode()).hexdigest()[:32]

    def close(self) -> None:
        if self._dirty:
            try:
                self.cache.save()
            except OSError as exc:  # a read-only run directory: the report goes on
                log.debug("STRING cache not saved: %s", exc)

    _dirty = False

    def _throttle(self) -> None:
        wait = self._last_network + self.min_interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        delay = self.backoff * 2**attempt
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), 60.0))
        return delay

    def _post(self, method: str, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        self._throttle()
        try:
            return bounded_http.post(f"{self.base}/json/{method}", payload, self.timeout, self.max_answer)
        finally:
            self._last_network = time.monotonic()

    def call(self, method: str, data: dict[str, Any]) -> Any:
        import requests

        payload = {**data, "caller_identity": self.caller_identity}
        key = self._key(method, payload)
        hit = self.cache.get(key)
        if hit is not None and hit.method == method:
            self.responses.append(Answer(hit.body, True, hit.created))
            return hit.body
        problem = ""
        for attempt in range(self.retries + 1):
            retry_after = None
            try:
                status, headers, content = self._post(method, payload)
            except bounded_http.DeadlinePassed:
                problem = f"no answer within {self.timeout:g} s"
            except bounded_http.AnswerTooLarge as exc:
                raise StringError(f"{method}: {exc}; not used") from None
            except requests.ConnectionError as exc:
                problem = f"cannot connect ({type(exc).__name__})"
            else:
                if status == 429 or status >= 500:
                    problem = f"HTTP {status}"
                    retry_after = headers.get("Retry-After")
                elif status != 200:
                    raise StringError(f"{method}: HTTP {status}: {_error_text(content)}")
                else:
                    body = _decode(method, content)
                    answer = Answer(body, False, datetime.now(tz=UTC))
                    self.cache.put(key, method, body, answer.created_at)
                    self._dirty = True
                    self.responses.append(answer)
                    return body
            log.debug("STRING %s attempt %d: %s", method, attempt + 1, problem)
            if attempt < self.retries:
                time.sleep(self._delay(attempt, retry_after))
        raise StringError(f"{method}: {problem} after {self.retries + 1} attempts")

    def current_version(self) -> str:
        """STRING's version: asked live once (so that a new release is noticed and
        gets new cache keys), else the last answer kept in the cache."""
        import requests

        payload = {"caller_identity": self.caller_identity}
        key = self._key("version", payload, versioned=False)
        problem = ""
        try:
            status, _, content = self._post("version", payload)
            if status != 200:
                problem = f"HTTP {status}"
            else:
                body = _decode("version", content)
                version = parse_version(body)
                answer = Answer(body, False, datetime.now(tz=UTC))
                self.cache.put(key, "version", body, answer.created_at)
                self._dirty = True
                self.responses.append(answer)
                return version
        except bounded_http.DeadlinePassed:
            problem = f"no answer within {self.timeout:g} s"
        except (bounded_http.AnswerTooLarge, requests.ConnectionError, StringError) as exc:
            problem = f"no answer ({exc})" if isinstance(exc, StringError) else f"no answer ({type(exc).__name__})"
        log.debug("STRING version not fetched (%s); trying the cache", problem)
        hit = self.cache.get(key)
        if hit is None or hit.method != "version":
            raise StringError(f"version: {problem}, and no earlier answer is cached")
        self.responses.append(Answer(hit.body, True, hit.created))
        return parse_version(hit.body)


def _decode(method: str, content: bytes) -> list[dict[str, Any]]:
    """STRING's JSON answer as records, or a StringError (a broken answer is never cached)."""
    try:
        body = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise StringError(f"{method}: the answer is not valid JSON") from None
    if isinstance(body, dict) and ("Error" in body or "ErrorMessage" in body):
        message = body.get("ErrorMessage") or body.get("Error")
        raise StringError(f"{method}: STRING says {str(message)[:200]}")
    if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
        raise StringError(f"{method}: unexpected answer shape")
    return body


def _error_text(content: bytes) -> str:
    text = content[:4096].decode("utf-8", errors="replace").strip().splitlines()
    return text[0][:200] if text else "(empty answer)"


def _records(body: Any, method: str) -> list[dict[str, Any]]:
    # STRING's JSON answers are always lists of records (one record for version and
    # ppi_enrichment); anything else is a broken answer, not data.
    if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
        raise StringError(f"{method}: unexpected answer shape")
    return body


def _float(value: Any) -> float:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return float("nan")


def parse_version(body: Any) -> str:
    records = _records(body, "version")
    version = records[0].get("string_version") if records else None
    if not version:
        raise StringError("version: no string_version in the answer")
    return str(version)


def parse_ids(body: Any, genes: list[str]) -> dict[str, tuple[str, str]]:
    """symbol -> (STRING id, preferred name) for every symbol STRING mapped."""
    mapped: dict[str, tuple[str, str]] = {}
    for record in _records(body, "get_string_ids"):
        query = record.get("queryItem")
        if query is None and str(record.get("queryIndex", "")).strip().lstrip("-").isdigit():
            index = int(str(record["queryIndex"]).strip())
            query = genes[index] if 0 <= index < len(genes) else None
        string_id = record.get("stringId")
        if query is None or not string_id or query in mapped:
            continue
        mapped[str(query)] = (str(string_id), str(record.get("preferredName") or query))
    return mapped


def parse_network(body: Any, to_symbol: dict[str, str], source: str) -> pd.DataFrame:
    rows = []
    for record in _records(body, "network"):
        a = record.get("preferredName_A") or record.get("stringId_A")
        b = record.get("preferredName_B") or record.get("stringId_B")
        score = _float(record.get("score"))
        if not a or not b or score != score:
            continue
        rows.append(
            {
                "gene_a": to_symbol.get(str(a), str(a)),
                "gene_b": to_symbol.get(str(b), str(b)),
                "score": round(score, 4),
                "source": source,
            }
        )
    return normalise_edges(pd.DataFrame(rows, columns=NETWORK_COLUMNS))


def parse_enrichment(body: Any, to_symbol: dict[str, str], source: str) -> pd.DataFrame:
    rows = []
    for record in _records(body, "enrichment"):
        names = split_genes(record.get("preferredNames")) or split_genes(record.get("inputGenes"))
        category = str(record.get("category", ""))
        background = _float(record.get("number_of_genes_in_background"))
        overlap = _float(record.get("number_of_genes"))
        rows.append(
            {
                "library": "STRING",
                "category": CATEGORY_NAMES.get(category, category),
                "term_id": str(record.get("term", "")),
                "description": str(record.get("description", "")),
                "set_size": int(background) if background == background else None,
                "overlap": int(overlap) if overlap == overlap else len(names),
                "p_value": _float(record.get("p_value")),
                "fdr": _float(record.get("fdr")),
                "genes": GENE_SEP.join(sorted(to_symbol.get(n, n) for n in names)),
                "source": source,
            }
        )
    terms = pd.DataFrame(rows, columns=TERM_COLUMNS)
    terms["set_size"] = terms["set_size"].astype("Int64")
    return terms


def parse_ppi(body: Any) -> dict[str, float]:
    records = _records(body, "ppi_enrichment")
    if not records:
        raise StringError("ppi_enrichment: empty answer")
    keys = (
        "number_of_nodes",
        "number_of_edges",
        "expected_number_of_edges",
        "average_node_degree",
        "local_clustering_coefficient",
        "p_value",
    )
    return {k: _float(records[0].get(k)) for k in keys if k in records[0]}


def query_string(genes: list[str], options: dict[str, Any], cache_file: str | Path) -> StringOutcome:
    """Ask STRING about ``genes``; never raises (failures land in ``errors``)."""
    params = {
        "API": options["string_api"],
        "species": options["species"],
        "required_score": options["required_score"],
        "network_type": options["network_type"],
        "caller_identity": options["caller_identity"],
    }
    outcome = StringOutcome(parameters=params, cache_file=str(cache_file))
    try:
        client = StringClient(
            params["API"],
            cache_file,
            caller_identity=params["caller_identity"],
            timeout=options["timeout"],
            retries=options["retries"],
            backoff=options["backoff"],
            min_interval=options["min_interval"],
            max_answer_mb=options["max_answer_mb"],
            max_cache_mb=options["max_cache_mb"],
        )
    except Exception as exc:  # a broken cache folder must not stop the report
        outcome.errors.append(f"cannot open the cache {cache_file}: {exc}")
        return outcome
    if client.cache.problem:
        outcome.errors.append(f"STRING cache: {client.cache.problem}")
    try:
        _query(client, genes, params, outcome)
    except Exception as exc:  # whatever goes wrong online, the report goes on offline
        log.debug("STRING query failed", exc_info=True)
        outcome.errors.append(f"unexpected failure: {type(exc).__name__}: {exc}")
    finally:
        for response in client.responses:
            outcome.responses += 1
            outcome.cached_responses += bool(getattr(response, "from_cache", False))
            created = getattr(response, "created_at", None)
            if isinstance(created, datetime):
                created = created if created.tzinfo else created.replace(tzinfo=UTC)
                outcome.response_times.append(created.astimezone(UTC))
        client.close()
    return outcome


def _query(client: StringClient, genes: list[str], params: dict[str, Any], out: StringOutcome) -> None:
    species = params["species"]
    try:
        out.version = client.current_version()
        client.version_tag = out.version
    except StringError as exc:
        out.errors.append(str(exc))
    try:
        body = client.call(
            "get_string_ids",
            {"identifiers": "\r".join(genes), "species": species, "echo_query": 1, "limit": 1},
        )
        out.mapped = parse_ids(body, genes)
    except StringError as exc:
        out.errors.append(str(exc))
        return
    out.unmapped = [g for g in genes if g not in out.mapped]
    if not out.mapped:
        out.errors.append("get_string_ids: STRING mapped none of the genes")
        return
    ids = "\r".join(out.mapped[g][0] for g in genes if g in out.mapped)
    to_symbol = {name: symbol for symbol, (_, name) in out.mapped.items()}
    to_symbol.update({sid: symbol for symbol, (sid, _) in out.mapped.items()})
    source = f"STRING {out.version} API" if out.version else "STRING API"
    score = params["required_score"]
    try:
        body = client.call(
            "network",
            {
                "identifiers": ids,
                "species": species,
                "required_score": score,
                "network_type": params["network_type"],
            },
        )
        out.network = parse_network(body, to_symbol, source)
    except StringError as exc:
        out.errors.append(str(exc))
    try:
        body = client.call("enrichment", {"identifiers": ids, "species": species})
        out.terms = parse_enrichment(body, to_symbol, source)
    except StringError as exc:
        out.errors.append(str(exc))
    try:
        body = client.call("ppi_enrichment", {"identifiers": ids, "species": species, "required_score": score})
        out.ppi = parse_ppi(body)
    except StringError as exc:
        out.errors.append(str(exc))
