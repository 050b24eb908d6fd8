"""Options declared once, with a type: the same declaration gives the defaults, checks
the config file and the command line, builds ``--help`` and the docs' option tables.

A small dataclass rather than pydantic or JSON Schema: the declarations are read at
``--help`` time (nothing heavy may be imported then), the types a clinical config
needs are few, and the error messages must name the config key and what is allowed.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass, field
from typing import Any

TYPES = ("bool", "int", "float", "str", "date", "path", "url", "list[str]", "list[float]", "dict[str,str]", "dict",
         "any")

# Who may set an option. ``run``: any config, the run directory's own included (what the
# report says and how its data are read). ``user``: only the user's config, a -c file
# outside the run directory, the command line and the Python API, since the run
# directory is filled by others (docs/writing_plugins.md, "Trust scope").
SCOPES = ("run", "user")

# A url option's schemes when the declaration names none.
WEB_SCHEMES = ("http", "https")

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# A name or default that says the option is an address on the network.
_URL_NAME = re.compile(r"(^|_)(url|uri|api|endpoint|server|host|address)(_|$)")
# host:port, the host a name, an IPv4 address or a bracketed IPv6 address.
_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))(?::(?P<port>\d{1,5}))?$")


class OptionError(ValueError):
    """A configured value does not fit its declaration (a usage error: exit status 2)."""


@dataclass(frozen=True)
class Option:
    """One option of a plugin (or of the core).

    ``name`` is the key under the plugin's section of the config; ``type`` one of
    :data:`TYPES`; ``choices`` the allowed values, when they are few; ``min`` and
    ``max`` bound numbers; ``cli`` a command-line flag (``"--tmb-cutoff"``) when the
    option is worth one (a ``bool`` option becomes an on/off flag). ``schemes``: the
    URL schemes a ``url`` option accepts (default http and https; any other scheme
    must be written ``SCHEME://HOST:PORT``).

    ``scope`` is who may set it (:data:`SCOPES`): ``"run"`` for what a run
    directory's own config may say, ``"user"`` for what reaches the network, a path
    outside the run directory, the executor, a cache, the output or export safety,
    or lifts a limit. Left out, it is ``"user"`` for a ``path`` or ``url`` option or
    one whose name or default looks like a network address, else ``"run"``;
    ``scope_declared`` tells whether the declaration said so itself.
    """

    name: str
    type: str
    default: Any
    help: str
    choices: tuple[Any, ...] = ()
    cli: str | None = None
    min: float | None = None
    max: float | None = None
    scope: str | None = None
    schemes: tuple[str, ...] = ()
    scope_declared: bool = field(default=False, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"option {self.name!r}: type must be one of {', '.join(TYPES)}, not {self.type!r}")
        if self.scope is not None and self.scope not in SCOPES:
            raise ValueError(f"option {self.name!r}: scope must be one of {', '.join(SCOPES)}, not {self.scope!r}")
        object.__setattr__(self, "scope_declared", self.scope is not None)
        if self.scope is None:
            object.__setattr__(self, "scope", default_scope(self.name, self.type, self.default))
        object.__setattr__(self, "choices", tuple(self.choices))
        object.__setattr__(self, "schemes", tuple(s.lower() for s in self.schemes) or
                           (WEB_SCHEMES if self.type == "url" else ()))
        if self.default is not None:
            self.check(self.default, f"the default of {self.name}")

    def check(self, value: Any, where: str) -> Any:
        """``value`` converted to the option's type, or :class:`OptionError` naming ``where``."""
        if value is None:
            return None
        converted = _convert(self.type, value, where)
        if self.type == "url":
            _check_url(converted, self.schemes, where)
        if self.choices and converted not in self.choices:
            allowed = ", ".join(str(c) for c in self.choices)
            raise OptionError(f"{where}: {brief(value)} is not one of {allowed}")
        if isinstance(converted, (int, float)) and not isinstance(converted, bool):
            if self.min is not None and converted < self.min:
                raise OptionError(f"{where}: {brief(value)} is below the minimum {self.min:g}")
            if self.max is not None and converted > self.max:
                raise OptionError(f"{where}: {brief(value)} is above the maximum {self.max:g}")
        return converted

    def describe_type(self) -> str:
        """The type as the docs and ``--help`` show it."""
        if self.choices:
            return " | ".join(str(c) for c in self.choices)
        return self.type


def default_scope(name: str, kind: str, default: Any = None) -> str:
    """The scope of an option declared without one: ``user`` when it names a path or a
    network address (by its type, its name or its default), else ``run``."""
    if kind in ("path", "url") or _URL_NAME.search(name.lower()):
        return "user"
    if isinstance(default, str) and "://" in default:
        return "user"
    return "run"


def _check_url(text: str, schemes: tuple[str, ...], where: str) -> None:
    """An address of one of ``schemes``: ``http(s)://host[:port][/path]``, or for any
    other scheme (a Dask scheduler's ``tcp://``) exactly ``SCHEME://HOST:PORT``."""
    from urllib.parse import urlsplit

    allowed = ", ".join(f"{s}://" for s in schemes)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise OptionError(f"{where}: {text[:80]!r} is not an address (it holds a space or a control character)")
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in schemes:
        raise OptionError(f"{where}: {text[:80]!r} is not an address of a known scheme ({allowed})")
    if scheme.lower() in WEB_SCHEMES:
        parts = urlsplit(text)
        try:
            port = parts.port
        except ValueError:
            raise OptionError(f"{where}: {text[:80]!r} has a port that is not a number from 1 to 65535") from None
        if not parts.hostname or parts.username is not None or port == 0:
            raise OptionError(f"{where}: {text[:80]!r} is not an address {scheme}://HOST[:PORT][/PATH]")
        return
    found = _HOST_PORT.match(rest)
    if not found or not found.group("port") or not 1 <= int(found.group("port")) <= 65535:
        raise OptionError(f"{where}: {text[:80]!r} is not an address {scheme.lower()}://HOST:PORT")


def _real_date(text: str, where: str) -> str:
    """A YYYY, YYYY-MM or YYYY-MM-DD that is a day of the calendar."""
    year, month, day = _DATE.match(text).groups()  # type: ignore[union-attr]
    try:
        _dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise OptionError(f"{where}: {text!r} is not a real date ({exc})") from None
    return text


def brief(value: Any) -> str:
    """A value as a message shows it: its repr, cut short (a value may be a whole file)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _finite(number: float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _convert(kind: str, value: Any, where: str) -> Any:
    def bad(expected: str) -> OptionError:
        return OptionError(f"{where}: {brief(value)} is not {expected}")

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
        except OverflowError:  # a whole number past the largest float
            raise bad("a finite number") from None
        if not math.isfinite(number):  # NaN, and 1e400 read as infinity
            raise bad("a finite number")
        return number
    if kind in ("str", "path", "url"):
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
            return _real_date(value.strip(), where)
        raise bad("a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    if kind == "list[str]":
        if isinstance(value, str):
            return [value]  # one glob, one column: the list of one
        if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int, float)) for v in value):
            return [str(v) for v in value]
        raise bad("a list of text values")
    if kind == "list[float]":
        if isinstance(value, (list, tuple)) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and _finite(v) for v in value
        ):
            return [float(v) for v in value]
        raise bad("a list of finite numbers")
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

    lines = ["| option | type | default | command line | scope | what it does |", "|---|---|---|---|---|---|"]
    for o in options:
        kind = "one of " + ", ".join(f"`{c}`" for c in o.choices) if o.choices else o.type
        default = "" if o.default in (None, [], {}, "") else f"`{cell(shown(o.default))}`"
        flag = f"`{o.cli}`" if o.cli else ""
        lines.append(f"| `{o.name}` | {cell(kind)} | {default} | {flag} | {o.scope} | {cell(o.help)} |")
    return "\n".join(lines)
