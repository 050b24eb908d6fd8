"""Comparing Vega-Lite specs whatever their datasets are named."""

from __future__ import annotations

import json
from typing import Any


def canonical(spec: dict[str, Any]) -> Any:
    """The spec with each dataset's name replaced by its content, so that specs that
    name the same data differently compare equal (Altair names a dataset by the hash of
    its JSON, the report by its order; two names of the same content are one here)."""
    datasets = spec.get("datasets", {})
    content = {name: json.dumps(values, sort_keys=True) for name, values in datasets.items()}

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: content.get(v, v) if k == "name" and isinstance(v, str) else walk(v)
                    for k, v in value.items() if k != "datasets"}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(spec), sorted(set(content.values()))
