"""Conventions every chart follows, and the helpers that implement them.

Patient highlighter: the page has a patient chooser (several patients at once,
each in a colour of its own, and a "hide" list). Every chart spec gets three
top-level Vega-Lite parameters, which the page sets:

- ``rinec_patient``: ``null`` when nobody is chosen, else the list of chosen ids;
- ``rinec_hidden``: the list of ids the reader hid (``[]`` by default);
- ``rinec_colors``: an object mapping each chosen id to its highlight colour.

A chart that shows patients makes its marks depend on them through opacity::

    import altair as alt
    from rinec_report.charts import highlight_opacity

    alt.Chart(df).mark_point().encode(x="age", y="tmb", opacity=highlight_opacity())

``highlight_opacity`` assumes the data has a ``patient_id`` column; pass
``field=`` otherwise. Marks of a chosen patient keep full opacity, others are
dimmed, hidden ones vanish; points, bars and cells of a chosen patient also get
an outline in that patient's colour (added by :func:`to_spec`, so plugins need
nothing more). Table rows are highlighted by the ``patient_column`` of
:class:`~rinec_report.model.Table`; in an :class:`~rinec_report.model.Html`
block, give every element about one patient a ``data-patient="<id>"``
attribute. Name any other Altair parameter explicitly (``alt.param(name=...)``):
Altair's generated names depend on how many charts the process made before, and
the report must be the same bytes for the same input.

Colours come from :mod:`rinec_report.palettes` (value-keyed, safe under the
common colour-vision deficiencies).

Values from input files never reach Vega as they are: Vega keeps some values as
keys of plain objects (a stack's groups, a lookup's index, ``rinec_colors``), so a
patient called ``constructor`` or a gene called ``__proto__`` stops a chart from
drawing, and a U+2028 inside a value that Vega-Lite turns into an expression (a
custom sort order) is a syntax error there. :func:`to_spec` therefore rewrites
every text of a spec (data, sort orders, domains) the same way: U+2028/U+2029
become spaces, and a text equal to a name of JavaScript's ``Object.prototype``
gets an invisible U+200B at its end. The page applies the same rewrite to the
patients it sends to the charts (``chartValue`` in report.js), so highlighting
still matches. Plugins must still never build a Vega expression from input values.

Column names from input files are field names: Vega-Lite reads ``.`` and ``[`` in a
field as a path into nested data, and its backslash escapes do not reach every place a
name goes (a default tooltip title, an aria description). :func:`prepared` therefore
renames, in one place (:func:`safe_fields`), every data column whose name holds ``.``,
``[``, ``]``, a quote or a backslash, in the data, the field references and the
``datum[...]`` of expressions, and gives each field definition the original name as its
title. Plugins name fields exactly as their data's columns, without escapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PATIENT_SIGNAL = "rinec_patient"
HIDDEN_SIGNAL = "rinec_hidden"
COLORS_SIGNAL = "rinec_colors"

# Filled marks get a coloured outline for a chosen patient. Not lines, text or
# hollow points: their colour is their stroke, and Vega-Lite would drop it.
_OUTLINED = {"circle", "square", "bar", "rect", "arc"}
_FIELD = re.compile(r"datum\[('(?:[^'\\]|\\.)*')\]")

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


def _neutralised(value: Any, owned: bool = False) -> Any:
    """A copy of a spec with every text rewritten by :func:`chart_text`; with ``owned``
    (a spec made here, which nothing else holds) the spec itself when it has no text to
    rewrite."""
    quick = _untouched_copy(value, owned)
    return quick if quick is not None else _rewritten(value)


def _untouched_copy(value: Any, owned: bool = False) -> Any:
    """A fresh copy of a JSON-like spec that holds nothing to rewrite, through the
    json module's C code (a Python walk costs a call per data value: most of a
    second for a chart of a few thousand patients); None when the spec is not plain
    JSON or has a text to rewrite. A hit on the text test only means the walk runs.
    An ``owned`` spec that passes is returned as it is (Altair's dicts, with text keys
    and lists only: the copy would be the same)."""
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    if "\u2028" in text or "\u2029" in text or any(f'"{k}"' in text for k in OBJECT_KEYS):
        return None
    if owned:
        return value
    # Keys that are not texts (numbers) come back as texts, as the page's JSON has them.
    return json.loads(text)


def _rewritten(value: Any) -> Any:
    if isinstance(value, str):
        return chart_text(value)
    if isinstance(value, dict):
        return {chart_text(k) if isinstance(k, str) else k: _rewritten(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rewritten(v) for v in value]
    return value


def _datum(field: str) -> str:
    return f"datum[{field!r}]"


def highlight_test(field: str = "patient_id") -> str:
    """A Vega expression true for marks of a chosen patient, or for all marks
    when no patient is chosen."""
    return f"{PATIENT_SIGNAL} == null || indexof({PATIENT_SIGNAL}, {_datum(field)}) >= 0"


def chosen_test(field: str = "patient_id") -> str:
    """A Vega expression true only for marks of a chosen patient."""
    return f"{PATIENT_SIGNAL} != null && indexof({PATIENT_SIGNAL}, {_datum(field)}) >= 0"


def hidden_test(field: str = "patient_id") -> str:
    """A Vega expression true for marks of a patient the reader hid."""
    return f"indexof({HIDDEN_SIGNAL}, {_datum(field)}) >= 0"


def highlight_opacity(field: str = "patient_id", dim: float = 0.15) -> Any:
    """An opacity encoding: hidden patients vanish, chosen ones stay, others dim."""
    return {
        "condition": [
            {"test": hidden_test(field), "value": 0},
            {"test": highlight_test(field), "value": 1.0},
        ],
        "value": dim,
    }


def to_spec(chart: Any, title: str = "", description: str = "") -> dict[str, Any]:
    """A Vega-Lite dict for an Altair chart or a dict, with the highlighter's
    parameters declared at the top level, the chosen patients' outlines, an
    accessible title and description, and no per-mark ARIA labels (they would
    read out internal field names). The core calls this before embedding:
    :func:`prepared` when the plugin's sections come back, :func:`labelled` on the
    page."""
    return labelled(prepared(chart), title, description)


class PreparedSpec(dict):
    """A spec made by :func:`prepared`: the page only labels it (:func:`labelled`)."""


class AltairSpec(dict):
    """A spec made by :func:`chart_dict` from an Altair chart: plain JSON (text keys,
    lists), so :func:`prepared` tests its texts without copying it. Nothing here
    changes a spec it is given: each step makes the parts it changes anew."""


def prepared(chart: Any) -> PreparedSpec:
    """:func:`to_spec` but the labels: a fresh dict, texts rewritten by
    :func:`chart_text`, the highlighter's parameters and outlines, no per-mark ARIA."""
    if isinstance(chart, AltairSpec):  # made by chart_dict: Altair's text keys and lists
        spec = safe_fields(_neutralised(dict(chart), owned=True))
    elif isinstance(chart, dict):  # the plugin's own dict: copied, never changed
        spec = safe_fields(_neutralised(dict(chart)))
    else:
        spec = safe_fields(_neutralised(chart_dict(chart), owned=True))
    params = list(spec.get("params", []))
    names = {p.get("name") for p in params}
    for name, value in ((PATIENT_SIGNAL, None), (HIDDEN_SIGNAL, []), (COLORS_SIGNAL, {})):
        if name not in names:
            params.append({"name": name, "value": value})
    spec["params"] = params
    for key in ("vconcat", "hconcat", "concat", "layer", "spec"):
        if key in spec:
            spec[key] = _outline(spec[key])
    if "mark" in spec:
        spec = _outline(spec)
    config = dict(spec.get("config", {}))
    mark = dict(config.get("mark", {}))
    mark.setdefault("aria", False)
    config["mark"] = mark
    spec["config"] = config
    return PreparedSpec(fitted(spec))


# On a page narrower than this (px, the charts' box) every chart is drawn with
# NARROW_LEGEND over its own legend config: the page holds it once and chooses once.
NARROW_WIDTH = 600
NARROW_LEGEND = {"orient": "bottom", "direction": "horizontal", "columns": 2, "labelLimit": 140, "titleLimit": 260}
_COMPOUND = ("hconcat", "concat", "facet", "repeat")


def fitted(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` sized to the box the page gives it, at any width from 320 px.

    A single or layered view gets Vega-Lite's container width (``width: "container"``,
    autosize ``fit-x`` that counts its axes and legends); each view of a vertical
    concatenation gets the container's width for its plot. A chart whose width is a
    step per category (a long axis) keeps it: the page scrolls it inside its own box.
    Vega-Lite cannot size side-by-side and faceted views to a container; those keep
    their width, and the page scales a drawing (SVG) still wider than its box down to it;
    a canvas, whose pointer positions Vega reads unscaled, scrolls inside its box.

    Legends cannot follow the width through an expression in Vega-Lite: on a page whose
    charts' box is narrower than :data:`NARROW_WIDTH` the page draws every chart with
    :data:`NARROW_LEGEND` (legends below the plot, laid out in rows) over its config's."""
    spec = dict(spec)
    if not any(k in spec for k in _COMPOUND):
        # Rows share their columns only while every one takes the container's width (an
        # oncoplot's matrix beside its bars keeps its width, and so do the rows above it).
        if "vconcat" in spec and all(_sizeable(v) for v in spec["vconcat"]):
            spec["vconcat"] = [_container_width(v) for v in spec["vconcat"]]
        elif _sizeable(spec):
            spec["width"] = "container"
            spec["autosize"] = {"type": "fit-x", "contains": "padding", **(spec.get("autosize") or {})}
    config = dict(spec.get("config", {}))
    # A long category axis in a narrow box thins its labels rather than overprinting them.
    config["axis"] = {"labelOverlap": True, **config.get("axis", {})}
    # Legends beside the plot on a wide page (Vega-Lite's default, stated in the spec);
    # the page puts them below on a narrow one (NARROW_LEGEND).
    config["legend"] = {"orient": "right", **config.get("legend", {})}
    spec["config"] = config
    return spec


def _sizeable(view: Any) -> bool:
    """Whether a unit or layered view may take its container's width."""
    if not isinstance(view, dict) or any(k in view for k in (*_COMPOUND, "vconcat")):
        return False
    width = view.get("width")
    return width is None or isinstance(width, int | float) or width == "container"


def _container_width(view: Any) -> Any:
    if not _sizeable(view) or (isinstance(view, dict) and "autosize" in view):
        return view
    return {**view, "width": "container"}


def is_prepared(spec: Any) -> bool:
    """Whether ``spec`` came from :func:`prepared`."""
    return isinstance(spec, PreparedSpec)


def labelled(spec: dict[str, Any], title: str = "", description: str = "") -> dict[str, Any]:
    """A :func:`prepared` spec with its accessible title and description, as a new
    top-level dict (the nested ones are shared, and left as they are)."""
    spec = dict(spec)
    if description:
        spec["description"] = description
    elif "description" not in spec and title:
        spec["description"] = title
    if title and "title" not in spec:
        spec["usermeta"] = {**spec.get("usermeta", {}), "title": title}
    return spec


def _outline(node: Any) -> Any:
    """Adds the chosen-patient outline to every unit spec that dims by patient."""
    if isinstance(node, list):
        return [_outline(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    for key in ("vconcat", "hconcat", "concat", "layer", "spec"):
        if key in node:
            node[key] = _outline(node[key])
    mark = node.get("mark")
    kind = mark.get("type") if isinstance(mark, dict) else mark
    if kind == "point" and isinstance(mark, dict) and mark.get("filled"):
        kind = "circle"
    encoding = node.get("encoding")
    if kind in _OUTLINED and isinstance(encoding, dict) and "stroke" not in encoding:
        opacity = encoding.get("opacity")
        tests = opacity.get("condition") if isinstance(opacity, dict) else None
        tests = tests if isinstance(tests, list) else [tests] if isinstance(tests, dict) else []
        for cond in tests:
            text = str(cond.get("test", ""))
            found = _FIELD.search(text) if PATIENT_SIGNAL in text else None
            if found:
                field = found.group(1)[1:-1].replace("\\'", "'")
                encoding = dict(encoding)
                test = chosen_test(field)
                # Unchosen marks keep the outline the plugin gave them.
                own = mark if isinstance(mark, dict) else {}
                colour = {"expr": f"{COLORS_SIGNAL}[{_datum(field)}]"}
                encoding["stroke"] = {"condition": {"test": test, "value": colour},
                                      "value": own.get("stroke")}
                encoding["strokeWidth"] = {"condition": {"test": test, "value": 2.5},
                                           "value": own.get("strokeWidth", 1 if own.get("stroke") else 0)}
                node["encoding"] = encoding
                break
    return node


# Vega-Lite reads a field name as a path into nested data: "a.b" is field b of field a,
# "dose [Gy]" element Gy of field "dose ". Its escapes (a backslash before the
# character) do not reach every place a name is used (a backslash is lost, a default
# tooltip title with one breaks the expression it is put in), so a data column whose
# name holds one of these characters is renamed instead.
_PATH_CHARACTERS = re.compile(r"[.\[\]\\\"']")
# Keys whose value names fields: everywhere, and only in the transform that has them.
_FIELD_KEYS = ("field", "groupby", "fields", "fold", "flatten", "as")
_TRANSFORM_FIELDS = {
    "pivot": ("pivot", "value"),
    "impute": ("impute", "key"),
    "lookup": ("lookup",),
    "density": ("density",),
    "loess": ("loess", "on"),
    "regression": ("regression", "on"),
    "quantile": ("quantile",),
    "extent": ("extent",),
    "stack": ("stack",),
}
_DATUM = re.compile(r"""datum\[\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\]""")


def safe_fields(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with every data column whose name Vega-Lite would read as a path (it holds
    ``.``, ``[``, ``]``, ``"``, ``'`` or a backslash) renamed to ``rinec_field_N``: in the
    data, in every field reference, in ``datum[...]`` of expressions; each field
    definition without a title gets the column's name as its title, so axes, legends and
    tooltips still say it. Charts name fields as the data's columns, without escapes.
    The spec itself when no name needs it."""
    records = list(_records(spec))
    keys: set[Any] = set()
    for rows in records:
        for row in rows:
            if isinstance(row, dict):
                keys.update(row)  # the rows' keys gathered in C; each distinct one tested once
    names = {k for k in keys if isinstance(k, str) and _PATH_CHARACTERS.search(k)}
    if not names:
        return spec
    taken = {k for rows in records for row in rows[:1] if isinstance(row, dict) for k in row}
    renamed: dict[str, str] = {}
    for name in sorted(names):
        n = len(renamed)
        while f"rinec_field_{n}" in taken:
            n += 1
        renamed[name] = f"rinec_field_{n}"
        taken.add(renamed[name])
    return _renamed(spec, renamed)


def _records(node: Any) -> Iterator[list[Any]]:
    """The lists of data records of a spec: its named datasets and inline values."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasets" and isinstance(value, dict):
                yield from (rows for rows in value.values() if isinstance(rows, list))
            elif key == "data" and isinstance(value, dict):
                if isinstance(value.get("values"), list):
                    yield value["values"]
            else:
                yield from _records(value)
    elif isinstance(node, list):
        for item in node:
            yield from _records(item)


def _renamed(node: Any, renamed: dict[str, str]) -> Any:
    import ast

    def field(value: Any) -> Any:
        if isinstance(value, str):
            return renamed.get(value, value)
        if isinstance(value, list):
            return [renamed.get(v, v) if isinstance(v, str) else v for v in value]
        return value

    def datum(match: re.Match[str]) -> str:
        try:
            name = ast.literal_eval(match.group(1))
        except (ValueError, SyntaxError):
            return match.group(0)
        return f"datum[{renamed[name]!r}]" if name in renamed else match.group(0)

    def rows(values: list[Any]) -> list[Any]:
        return [{renamed.get(k, k): v for k, v in r.items()} if isinstance(r, dict) else r for r in values]

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return _DATUM.sub(datum, value) if "datum" in value else value
        if isinstance(value, list):
            return [walk(v) for v in value]
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "datasets" and isinstance(item, dict):
                out[key] = {name: rows(v) if isinstance(v, list) else v for name, v in item.items()}
            elif key == "data" and isinstance(item, dict):
                out[key] = {**item, "values": rows(item["values"])} if isinstance(item.get("values"), list) else item
            elif key in _FIELD_KEYS:
                out[key] = field(item)
            else:
                out[key] = walk(item)
        for kind, keys in _TRANSFORM_FIELDS.items():
            if kind in value:
                out.update({key: field(value[key]) for key in keys if key in value})
        source = out.get("from")
        if "lookup" in value and isinstance(source, dict) and "key" in source:
            out["from"] = {**source, "key": field(source["key"])}
        original = value.get("field")
        if isinstance(original, str) and original in renamed and "type" in value and "title" not in value:
            out["title"] = original
        return out

    return walk(node)


# Lists longer than this are cut to it for schema validation (see chart_dict).
_VALIDATED_ITEMS = 50


def chart_dict(chart: Any) -> dict[str, Any]:
    """An Altair chart's Vega-Lite dict, validated against the schema at a cost that
    does not grow with the data.

    ``chart.to_dict()`` validates every item of every inline list (data values, sort
    orders, scale domains) with jsonschema: seconds for a chart of a few thousand
    patients, for lists whose items the schema types alike. Here the spec is built
    unvalidated, then validated once with every list cut to its first items; a spec
    that is wrong in its structure fails as before, with Altair's error (jsonschema-rs
    answers first; Altair is asked only when it refuses, see chart_schema.py).
    """
    import jsonschema
    from altair.utils.schemapi import SchemaValidationError

    from .altair_speed import NamedData
    from .chart_schema import valid

    with NamedData.collecting() as named:
        spec = chart.to_dict(validate=False)
    if named.values:
        spec["datasets"] = {**spec.get("datasets", {}), **named.values}
    # Altair does not validate the datasets either.
    shape = _cut_lists({k: v for k, v in spec.items() if k != "datasets"})
    if valid(type(chart), shape):  # jsonschema-rs: the same verdict in microseconds
        return AltairSpec(spec)
    try:
        type(chart).validate(shape)
    except jsonschema.ValidationError as err:
        raise SchemaValidationError(chart, err) from None
    return AltairSpec(spec)


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

    Altair's debug mode is off: in it, every schema object validates itself when made,
    inline data and all, so a chart is validated once per object that holds it (about
    1 s of a 1,000-sample report). :func:`chart_dict` validates each finished chart once.
    """
    import altair as alt
    from altair.utils.schemapi import debug_mode

    from .altair_speed import faster_altair

    registry = alt.data_transformers
    if "rinec" not in registry.names():
        registry.register("rinec", _values)
    with registry.enable("rinec"), debug_mode(False), faster_altair():
        yield


def _values(data: Any) -> Any:
    """Altair's ``to_values`` without a row limit, faster on pandas frames."""
    import pandas as pd
    from altair.utils.data import to_values

    from .altair_speed import NamedData
    from .chart_values import records

    if type(data) is not pd.DataFrame:
        return to_values(data)
    # The same values as Altair's sanitising (dates as text, NaN as None, categories as text...).
    named = NamedData.current()
    if named is None:
        return {"values": records(data)}
    return {"name": named.name(data, lambda: records(data))}
