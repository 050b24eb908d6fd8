"""Conventions every chart follows, and the helpers that implement them.

Patient highlighter: the page has a patient chooser. Every chart spec gets a
top-level Vega-Lite parameter ``rinec_patient`` (``null`` when nobody is chosen)
and the page sets it when the user chooses a patient. A chart that shows
patients makes its marks depend on it, usually through opacity::

    import altair as alt
    from rinec_report.charts import highlight_opacity

    alt.Chart(df).mark_point().encode(x="age", y="tmb", opacity=highlight_opacity())

``highlight_opacity`` assumes the data has a ``patient_id`` column; pass
``field=`` otherwise. Table rows are highlighted by the ``patient_column`` of
:class:`~rinec_report.model.Table`. Name any other Altair parameter explicitly
(``alt.param(name=...)``): Altair's generated names depend on how many charts the
process made before, and the report must be the same bytes for the same input.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PATIENT_SIGNAL = "rinec_patient"


def highlight_test(field: str = "patient_id") -> str:
    """A Vega expression true for marks of the chosen patient, or for all
    marks when no patient is chosen."""
    return f"{PATIENT_SIGNAL} == null || datum[{field!r}] == {PATIENT_SIGNAL}"


def highlight_opacity(field: str = "patient_id", dim: float = 0.15) -> Any:
    """An Altair opacity encoding that dims every patient but the chosen one."""
    import altair as alt

    return alt.condition(highlight_test(field), alt.value(1.0), alt.value(dim))


def to_spec(chart: Any) -> dict[str, Any]:
    """A Vega-Lite dict for an Altair chart or a dict, with the patient
    parameter declared at the top level (the core calls this before embedding)."""
    spec = chart if isinstance(chart, dict) else chart_dict(chart)
    spec = dict(spec)
    params = list(spec.get("params", []))
    if not any(p.get("name") == PATIENT_SIGNAL for p in params):
        params.append({"name": PATIENT_SIGNAL, "value": None})
    spec["params"] = params
    return spec


# Lists longer than this are cut to it for schema validation (see chart_dict).
_VALIDATED_ITEMS = 50


def chart_dict(chart: Any) -> dict[str, Any]:
    """An Altair chart's Vega-Lite dict, validated against the schema at a cost that
    does not grow with the data.

    ``chart.to_dict()`` validates every item of every inline list (data values, sort
    orders, scale domains) with jsonschema: seconds for a chart of a few thousand
    patients, for lists whose items the schema types alike. Here the spec is built
    unvalidated, then validated once with every list cut to its first items; a spec
    that is wrong in its structure fails as before, with Altair's error.
    """
    import jsonschema
    from altair.utils.schemapi import SchemaValidationError

    spec = chart.to_dict(validate=False)
    shape = {k: v for k, v in spec.items() if k != "datasets"}  # Altair does not validate these either
    try:
        type(chart).validate(_cut_lists(shape))
    except jsonschema.ValidationError as err:
        raise SchemaValidationError(chart, err) from None
    return spec


def _cut_lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _cut_lists(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut_lists(v) for v in value[:_VALIDATED_ITEMS]]
    return value


@contextmanager
def altair_settings() -> Iterator[None]:
    """Altair as the core sets it while plugins build their sections.

    No row limit: each plugin decides, by the size of its data, whether to draw every
    mark or an aggregate that says so; a limit in Altair would only turn a large cohort
    into a failed run. And a quicker DataFrame-to-values step: Altair's goes through
    ``DataFrame.to_dict("records")``, which boxes every cell in Python (about 1 s for
    50,000 rows of 4 columns); column lists zipped into records give the same values.
    """
    import altair as alt

    registry = alt.data_transformers
    if "rinec" not in registry.names():
        registry.register("rinec", _values)
    with registry.enable("rinec"):
        yield


def _values(data: Any) -> Any:
    """Altair's ``to_values`` without a row limit, faster on pandas frames."""
    import pandas as pd
    from altair.utils.core import sanitize_pandas_dataframe
    from altair.utils.data import to_values

    if type(data) is not pd.DataFrame:
        return to_values(data)
    # The same sanitising as Altair's (dates as text, NaN as None, categories as text...).
    frame = sanitize_pandas_dataframe(data)
    keys = [str(c) for c in frame.columns]
    columns = [frame[c].tolist() for c in frame.columns]
    return {"values": [dict(zip(keys, row, strict=True)) for row in zip(*columns, strict=True)]}
