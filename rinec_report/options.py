"""Options declared once, with a type: the same declaration gives the defaults, checks
the config file and the command line, builds ``--help`` and the docs' option tables.

A small dataclass rather than pydantic or JSON Schema: the declarations are read at
``--help`` time (nothing heavy may be imported then), the types a clinical config
needs are few, and the error messages must name the config key and what is allowed.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any

TYPES = ("bool", "int", "float", "str", "date", "path", "list[str]", "list[float]", "dict[str,str]", "dict", "any")

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class OptionError(ValueError):
    """A configured value does not fit its declaration (a usage error: exit status 2)."""


@dataclass(frozen=True)
class Option:
    """One option of a plugin (or of the core).

    ``name`` is the key under the plugin's section of the config; ``type`` one of
    :data:`TYPES`; ``choices`` the allowed values, when they are few; ``min`` and
    ``max`` bound numbers; ``cli`` a command-line flag (``"--tmb-cutoff"``) when the
    option is worth one (a ``bool`` option becomes an on/off flag).
    """

    name: str
    type: str
    default: Any
    help: str
    choices: tuple[Any, ...] = ()
    cli: str | None = None
    min: float | None = None
    max: float | None = None

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"option {self.name!r}: type must be one of {', '.join(TYPES)}, not {self.type!r}")
        object.__setattr__(self, "choices", tuple(self.choices))
        if self.default is not None:
            self.check(self.default, f"the default of {self.name}")

    def check(self, value: Any, where: str) -> Any:
        """``value`` converted to the option's type, or :class:`OptionError` naming ``where``."""
        if value is None:
            return None
        converted = _convert(self.type, value, where)
        if self.choices and converted not in self.choices:
            allowed = ", ".join(str(c) for c in self.choices)
            raise OptionError(f"{where}: {value!r} is not one of {allowed}")
        if isinstance(converted, (int, float)) and not isinstance(converted, bool):
            if self.min is not None and converted < self.min:
                raise OptionError(f"{where}: {value!r} is below the minimum {self.min:g}")
            if self.max is not None and converted > self.max:
                raise OptionError(f"{where}: {value!r} is above the maximum {self.max:g}")
        return converted

    def describe_type(self) -> str:
        """The type as the docs and ``--help`` show it."""
        if self.choices:
            return " | ".join(str(c) for c in self.choices)
        return self.type


def _convert(kind: str, value: Any, where: str) -> Any:
    def bad(expected: str) -> OptionError:
        return OptionError(f"{where}: {value!r} is not {expected}")

    if kind == "any":
        return value
    if kind == "bool":
        # YAML's true/false only: a string such as 'no' must not switch anything on.
        if isinstance(value, bool):
            return value
        raise bad("true or false")
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise bad("a whole number")
        try:
            return int(value)
        except ValueError:
            raise bad("a whole number") from None
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise bad("a number")
        try:
            number = float(value)
        except ValueError:
            raise bad("a number") from None
        if number != number:
            raise bad("a number")
        return number
    if kind in ("str", "path"):
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise bad("text")
    if kind == "date":
        if isinstance(value, _dt.datetime):
            return value.date().isoformat()
        if isinstance(value, _dt.date):
            return value.isoformat()
        if isinstance(value, int) and 1000 <= value <= 9999:
            return str(value)
        if isinstance(value, str) and _DATE.match(value.strip()):
            return value.strip()
        raise bad("a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    if kind == "list[str]":
        if isinstance(value, str):
            return [value]  # one glob, one column: the list of one
        if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
            return [str(v) for v in value]
        raise bad("a list of text values")
    if kind == "list[float]":
        if isinstance(value, (list, tuple)) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
        ):
            return [float(v) for v in value]
        raise bad("a list of numbers")
    if kind == "dict[str,str]":
        if isinstance(value, dict) and all(isinstance(v, (str, int, float)) for v in value.values()):
            return {str(k): str(v) for k, v in value.items()}
        raise bad("a mapping of text to text")
    if kind == "dict":
        if isinstance(value, dict):
            return value
        raise bad("a mapping")
    raise AssertionError(kind)  # pragma: no cover - guarded in __post_init__


def defaults(options: list[Option]) -> dict[str, Any]:
    """``{name: default}``, with mutable defaults copied."""
    import copy

    return {o.name: copy.deepcopy(o.default) for o in options}


def validate(options: list[Option], values: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Every declared option with the user's value checked and converted, else its default.

    Undeclared keys are left out (the config loader warns about them by name).
    """
    out = defaults(options)
    by_name = {o.name: o for o in options}
    for key, value in values.items():
        option = by_name.get(key)
        if option is not None:
            out[key] = option.check(value, f"{prefix}{key}")
    return out


def with_defaults(declared: list[Option], options: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``options`` completed from the declaration: what a plugin's reader calls when it
    is used on its own (in a notebook, a test) with only some options given."""
    return validate(declared, options, prefix)


def markdown_table(options: list[Option]) -> str:
    """The options as a Markdown table, for ``docs/plugins/<plugin>.md``."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    def shown(value: Any) -> str:
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(str(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
        return str(value).lower() if isinstance(value, bool) else str(value)

    lines = ["| option | type | default | command line | what it does |", "|---|---|---|---|---|"]
    for o in options:
        kind = "one of " + ", ".join(f"`{c}`" for c in o.choices) if o.choices else o.type
        default = "" if o.default in (None, [], {}, "") else f"`{cell(shown(o.default))}`"
        flag = f"`{o.cli}`" if o.cli else ""
        lines.append(f"| `{o.name}` | {cell(kind)} | {default} | {flag} | {cell(o.help)} |")
    return "\n".join(lines)
