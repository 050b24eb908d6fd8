"""Vega-Lite schema checks of finished charts through jsonschema-rs.

Altair validates a spec with the jsonschema package, in Python: about 45 ms a chart
(a second of a report with 20 charts), however small the chart, because Vega-Lite's
schema is a deep tree of alternatives. jsonschema-rs (Rust) answers the same question
in microseconds. It only says yes or no here: a spec it refuses is validated again by
Altair, whose verdict stands and whose error the user reads. The two validators are
held to the same verdicts by tests/test_chart_schema.py, on every chart of the example
report and on broken copies of them.
"""

from __future__ import annotations

import functools
import urllib.parse
from typing import Any


def valid(chart_class: type, spec: dict[str, Any]) -> bool:
    """True when jsonschema-rs finds ``spec`` valid for ``chart_class``'s part of the
    Vega-Lite schema; False when it does not, or cannot say (then ask Altair)."""
    checker = _checker(chart_class)
    if checker is None:
        return False
    try:
        return bool(checker.is_valid(spec))
    except (TypeError, ValueError, OverflowError):  # a value that is not JSON: Altair decides
        return False


@functools.cache
def _checker(chart_class: type) -> Any:
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a dependency; without it Altair validates alone
        return None
    root = getattr(chart_class, "_rootschema", None)
    ref = (getattr(chart_class, "_schema", None) or {}).get("$ref")
    if not isinstance(root, dict) or not isinstance(ref, str) or "definitions" not in root:
        return None
    # Vega-Lite's definition names hold <, >, | and spaces, which a URI reference may not:
    # percent-encoded, as a JSON pointer in a URI fragment is written (RFC 6901, section 6).
    schema = {"definitions": _encoded(root["definitions"]), "allOf": [{"$ref": _encode_ref(ref)}]}
    return jsonschema_rs.Draft7Validator(schema)


def _encode_ref(ref: str) -> str:
    return urllib.parse.quote(ref, safe="#/")


def _encoded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _encode_ref(v) if k == "$ref" and isinstance(v, str) else _encoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encoded(v) for v in value]
    return value
