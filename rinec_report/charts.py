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

Values from input files never reach Vega as they are: Vega keeps some values as
keys of plain objects (a stack's groups, a lookup's index), so a patient called
``constructor`` or a gene called ``__proto__`` stops a chart from drawing, and a
U+2028 inside a value that Vega-Lite turns into an expression (a custom sort
order) is a syntax error there. :func:`to_spec` therefore rewrites every text of
a spec (data, sort orders, domains) the same way: U+2028/U+2029 become spaces,
and a text equal to a name of JavaScript's ``Object.prototype`` gets an
invisible U+200B at its end. The page applies the same rewrite to the patient it
sends to the charts (``chartValue`` in report.js), so highlighting still matches.
Plugins must still never build a Vega expression from input values.
"""

from __future__ import annotations

import json
from typing import Any

PATIENT_SIGNAL = "rinec_patient"

# Object.prototype's own property names in current browsers, and __proto__
# (report.js holds the same list: keep them equal).
OBJECT_KEYS = frozenset(
    {
        "__proto__",
        "__defineGetter__",
        "__defineSetter__",
        "__lookupGetter__",
        "__lookupSetter__",
        "constructor",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "toLocaleString",
        "toString",
        "valueOf",
    }
)
LINE_SEPARATORS = str.maketrans({"\u2028": " ", "\u2029": " "})


def chart_text(text: str) -> str:
    """A text as it may appear in a chart spec (see the module's docstring)."""
    text = text.translate(LINE_SEPARATORS)
    return text + "\u200b" if text in OBJECT_KEYS else text


def _neutralised(value: Any) -> Any:
    if isinstance(value, str):
        return chart_text(value)
    if isinstance(value, dict):
        return {chart_text(k) if isinstance(k, str) else k: _neutralised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_neutralised(v) for v in value]
    return value


def highlight_test(field: str = "patient_id") -> str:
    """A Vega expression true for marks of the chosen patient, or for all
    marks when no patient is chosen."""
    # A JSON string literal is a valid Vega one (and escapes whatever the name holds).
    literal = repr(field) if field.isascii() and field.isidentifier() else json.dumps(field)
    return f"{PATIENT_SIGNAL} == null || datum[{literal}] == {PATIENT_SIGNAL}"


def highlight_opacity(field: str = "patient_id", dim: float = 0.15) -> Any:
    """An Altair opacity encoding that dims every patient but the chosen one."""
    import altair as alt

    return alt.condition(highlight_test(field), alt.value(1.0), alt.value(dim))


def to_spec(chart: Any) -> dict[str, Any]:
    """A Vega-Lite dict for an Altair chart or a dict, with the patient
    parameter declared at the top level (the core calls this before embedding)."""
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    spec = _neutralised(dict(spec))
    params = list(spec.get("params", []))
    if not any(p.get("name") == PATIENT_SIGNAL for p in params):
        params.append({"name": PATIENT_SIGNAL, "value": None})
    spec["params"] = params
    return spec
