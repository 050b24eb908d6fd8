"""Altair as the report runs it: the same Vega-Lite specs, without the costs Altair
pays per value of a chart.

A report of 1,000 samples spent about 3 s of its 16 s in Altair's ``to_dict``, most of
it on work that grows with the lists a chart holds (sort orders and domains of 1,000
samples, inline records) and not with the chart itself:

- :func:`quicker_conversion`: Altair's ``_todict`` asks, of every text and number of
  a spec, whether it is a ``SchemaLike`` (a runtime ``Protocol`` check, about 25 µs
  each), and ``_deep_copy``, run on every ``.properties()`` or ``.encode()``, makes a
  function object per value it copies. Here plain values (exact ``str``, ``int``,
  ``float``, ``bool``, ``None``) and exact lists of them are answered first, as the
  originals answer them; everything else goes to Altair's own functions.
- :class:`NamedData`: a frame's records are put in the spec's ``datasets`` under a
  name, instead of as inline values that Altair walks value by value, then serialises
  to JSON once more to name them by their hash.
- :func:`validation_remembered`: turning a dict into a channel object (every shorthand
  and ``alt.value``) validates it, in Python's jsonschema, against each alternative of
  the channel's schema until one fits; the same dicts come again in every chart. Each
  (dict, schema) verdict is kept for the run.
- :func:`schema_table_once`: Altair's table of schema classes built once per run.

Each is applied only where Altair's internals are as expected, and changes nothing
otherwise. tests/test_altair_speed.py holds the specs made with them to those Altair
makes without them.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from typing import Any

_PLAIN = frozenset({str, int, float, bool, type(None)})


@contextmanager
def faster_altair() -> Iterator[None]:
    """Every speed-up of this module, for the time the sections are built."""
    with ExitStack() as stack:
        stack.enter_context(schema_table_once())
        stack.enter_context(quicker_conversion())
        stack.enter_context(validation_remembered())
        yield


@contextmanager
def quicker_conversion() -> Iterator[None]:
    """Altair's ``_todict`` and ``_deep_copy`` with plain values answered first (see
    the module's docstring)."""
    from altair.utils import schemapi

    todict = getattr(schemapi, "_todict", None)
    deep_copy = getattr(schemapi, "_deep_copy", None)
    if not (_takes(todict, ["obj", "context", "np_opt", "pd_opt"]) and _takes(deep_copy, ["obj", "by_ref"])
            and hasattr(schemapi, "Undefined")):
        yield
        return
    with _swapped(schemapi, "_todict", _plain_todict(todict, schemapi.Undefined)), \
            _swapped(schemapi, "_deep_copy", _plain_deep_copy(deep_copy)):
        yield


@contextmanager
def _swapped(module: Any, name: str, replacement: Any) -> Iterator[None]:
    """``module.name`` is ``replacement`` inside the block, and what it was after."""
    original = getattr(module, name)
    setattr(module, name, replacement)
    try:
        yield
    finally:
        setattr(module, name, original)


def _takes(function: Any, names: list[str]) -> bool:
    try:
        return callable(function) and list(inspect.signature(function).parameters) == names
    except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
        return False


def _plain_todict(original: Any, undefined: Any) -> Any:
    plain = _PLAIN

    def todict(obj: Any, context: Any, np_opt: Any, pd_opt: Any) -> Any:
        kind = type(obj)
        if kind in plain:
            return obj
        if kind is list:
            return [v if type(v) in plain else todict(v, context, np_opt, pd_opt) for v in obj]
        if kind is dict:
            return {k: v if type(v) in plain else todict(v, context, np_opt, pd_opt)
                    for k, v in obj.items() if v is not undefined}
        # Altair's own answer; its recursion comes back here through the module's name.
        return original(obj, context, np_opt, pd_opt)

    return todict


def _plain_deep_copy(original: Any) -> Any:
    plain = _PLAIN

    def deep_copy(obj: Any, by_ref: set[str]) -> Any:
        kind = type(obj)
        if kind in plain:
            return obj
        if kind is list:
            return [v if type(v) in plain else deep_copy(v, by_ref) for v in obj]
        if kind is dict:
            return {k: v if k in by_ref or type(v) in plain else deep_copy(v, by_ref) for k, v in obj.items()}
        return original(obj, by_ref)

    return deep_copy


@contextmanager
def validation_remembered() -> Iterator[None]:
    """Altair's ``validate_jsonschema`` with each verdict kept (see the module's
    docstring): the same error, raised or returned as the caller asks."""
    from altair.utils import schemapi

    original = getattr(schemapi, "validate_jsonschema", None)
    if not _takes(original, ["spec", "schema", "rootschema", "raise_error"]):
        yield
        return
    with _swapped(schemapi, "validate_jsonschema", _remembering(original)):
        yield


def _remembering(original: Any) -> Any:
    # The schemas are kept beside their verdicts: their ids stay theirs.
    verdicts: dict[tuple[Any, int, int], tuple[Any, Any, Any]] = {}

    def validate(spec: Any, schema: Any, rootschema: Any = None, *, raise_error: bool = True) -> Any:
        key = _typed_key(spec)
        if key is None:
            return original(spec, schema, rootschema, raise_error=raise_error)
        slot = (key, id(schema), id(rootschema))
        kept = verdicts.get(slot)
        if kept is None:
            kept = verdicts[slot] = (schema, rootschema, original(spec, schema, rootschema, raise_error=False))
        error = kept[2]
        if error is not None and raise_error:
            raise error
        return error

    return validate


def _typed_key(value: Any) -> Any:
    """A key equal for equal JSON values of the same Python types (jsonschema tells a
    tuple from a list, and 1 from True); None for anything else."""
    kind = type(value)
    if kind in _PLAIN:
        return kind, value
    if kind is list:
        items = [_typed_key(v) for v in value]
        return None if None in items else (list, tuple(items))
    if kind is dict:
        pairs = [(k, _typed_key(v)) for k, v in value.items()]
        if any(type(k) is not str or v is None for k, v in pairs):
            return None
        return dict, tuple(sorted(pairs))
    return None


class NamedData:
    """The datasets of the chart :func:`~rinec_report.charts.chart_dict` is converting:
    each frame's records under a name, by the frame's identity (a frame that several
    layers share is one dataset, as in Altair's own naming by content)."""

    _current: ContextVar[NamedData | None] = ContextVar("rinec_named_data", default=None)

    def __init__(self) -> None:
        self.values: dict[str, list[dict[str, Any]]] = {}
        self._names: dict[int, str] = {}
        self._held: list[Any] = []  # the frames named, alive until the spec is made

    @classmethod
    @contextmanager
    def collecting(cls) -> Iterator[NamedData]:
        named = cls()
        token = cls._current.set(named)
        try:
            yield named
        finally:
            cls._current.reset(token)

    @classmethod
    def current(cls) -> NamedData | None:
        return cls._current.get()

    def name(self, frame: Any, values: Any) -> str:
        """The dataset's name for ``frame``; ``values()`` gives its records once."""
        name = self._names.get(id(frame))
        if name is None:
            # The order Altair meets the frames in is the same for the same chart, so
            # are the names: the report's bytes do not depend on the process.
            name = f"rinec-data-{len(self._names)}"
            self._names[id(frame)] = name
            self._held.append(frame)
            self.values[name] = values()
        return name


@contextmanager
def schema_table_once() -> Iterator[None]:
    """Altair's table of schema classes built once, not on every ``from_dict``.

    Every encoding given as a shorthand string (``"time:Q"``) or a dict (``alt.value``,
    ``alt.condition``, :func:`~rinec_report.charts.highlight_opacity`) becomes a channel
    object through ``SchemaBase.from_dict``, and Altair (up to 6.3 at least;
    vega/altair#3547) makes a new ``_FromDict`` each time, hashing the JSON of all ~570
    schema classes: 2-4 ms per encoding, a quarter of a second or more per report. The
    table depends only on the classes, so it is made once and shared; the objects built
    are the same. Where Altair's internals are not as expected, nothing is changed.
    """
    from altair.utils import schemapi

    original = getattr(schemapi, "_FromDict", None)
    if original is None or not hasattr(original, "hash_schema"):
        yield
        return
    with _swapped(schemapi, "_FromDict", _shared_table_class(original)):
        yield


@functools.cache
def _shared_table_class(original: type) -> type:
    tables: dict[tuple[type, ...], Any] = {}

    class SharedTable(original):  # type: ignore[misc, valid-type]
        def __init__(self, wrapper_classes: Any, /) -> None:
            key = tuple(wrapper_classes)
            if key not in tables:
                super().__init__(key)
                tables[key] = self.class_dict
            self.class_dict = tables[key]

    return SharedTable
