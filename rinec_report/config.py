"""The configuration in effect: declared defaults, the user's file, the command line.

Later sources win key by key, and every value is checked against its declaration
(:mod:`rinec_report.options`): a wrong value is a usage error that names the key and
the file it came from. Keys nobody declared are warned about by name, since a typo in
a config file otherwise silently does nothing.

Each option has a trust scope. The run directory is filled by others (a sequencing
core, a collaborator's drive), so its own ``rinec_report.yaml``, and a ``-c`` file
inside it, may set only ``run`` options; a ``user`` option there is ignored with a
warning naming the key and the file. ``deidentify:`` is the one mapping a run
directory may set in part: it may make the report more private, never less.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from .options import Option, OptionError, brief, defaults
from .subset import SUBSET_OPTIONS
from .yamltext import MAX_YAML_BYTES, YamlRefused, load_yaml

CONFIG_NAME = "rinec_report.yaml"

# The page's default order: the summary first, the run information last, and the
# built-in plugins in the order a reader of a clinical cohort expects.
DEFAULT_SECTION_ORDER = [
    "report-deidentified",
    "report-summary",
    "cohort-*",
    "survival-*",
    "ihc-*",
    "imaging-*",
    "variants-*",
    "enrichment-*",
    "*",
    "report-run",
]

# The schemes of a Dask scheduler's address that distributed connects to (tcp, tls, and
# ucx and ws/wss where their backends are installed); inproc:// is left out, as it only
# reaches a scheduler that the same process started, which a run never does.
SCHEDULER_SCHEMES = ("tcp", "tls", "ucx", "ws", "wss")

CORE_OPTIONS: list[Option] = [
    Option("title", "str", "rinec-report", "The report's title.", scope="run"),
    Option("comment", "str", "", "A comment shown under the title.", scope="run"),
    Option("patterns", "dict", {}, "Replace plugins' file patterns: `<plugin>/<key>: {glob: [...], contents: REGEX}`.",
           scope="run"),
    Option("ignore", "list[str]", [], "Skip paths matching these globs, whatever pattern took them (like `-x`).",
           scope="run"),
    Option("patients", "dict[str,str]", {}, "Raw patient id -> the id used everywhere.", scope="run"),
    Option("samples", "dict[str,str]", {}, "Sequencing sample id -> patient id, for every plugin.", scope="run"),
    # Limits: raising one is the user's decision, never the shared folder's.
    Option("max_file_size_mb", "float", 20480, "A larger input file is an error (raise this to read it).", min=0,
           scope="user"),
    Option("max_table_size_mb", "float", 1024, "A larger table (.csv, .tsv, .txt, .xlsx, .gmt: read whole into "
           "memory) is an error (raise this to read it).", min=0, scope="user"),
    Option(
        "allow_links_outside",
        "bool",
        False,
        "Follow links that lead out of the run directory (each one followed is listed in the run information).",
        scope="user",
    ),
    # A Dask scheduler runs code in this process (its answers are unpickled): only the
    # user names one.
    Option("executor", "str", "local", "Where files are parsed: `local` processes or a `dask` cluster.",
           choices=("local", "dask"), scope="user"),
    Option("scheduler", "url", None, "The dask scheduler's address (`tcp://HOST:8786`) for `executor: dask`.",
           schemes=SCHEDULER_SCHEMES, scope="user"),
    # "run", with the rule below (DEIDENTIFY_FROM_RUN): a run directory may make the
    # report more private, never less.
    Option("deidentify", "dict", {}, "De-identify the report: `{enabled: true, key_file, dates: relative|year, "
           "keep_columns: [...], age_cap: 89, k: 3}` (docs/deidentify.md); a run directory's config may only make it "
           "stricter.", scope="run"),
    Option(
        "keep_formulas",
        "bool",
        False,
        "Keep text cells that a spreadsheet would run as formulas (`=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...`) "
        "as they are in the exported TSV/CSV tables and the page's CSV downloads; by default they get a leading "
        "apostrophe.",
        scope="user",
    ),
    Option("paper", "str", "auto", "The paper the page prints on, and `--pdf` with it: `A4`, `letter`, or `auto` "
           "(the browser's choice; Chromium's `--pdf` then prints on letter).", choices=("auto", "A4", "letter"),
           scope="run"),
    Option(
        "section_order",
        "list[str]",
        DEFAULT_SECTION_ORDER,
        "The page's order: section anchors (`<plugin>-<id>`) or globs; unmatched sections go where `*` stands.",
        scope="run",
    ),
    *SUBSET_OPTIONS,
]

# What a run directory's ``deidentify:`` may say, rule by rule: a value is taken when it
# is stricter than the one in effect (the user's file, or the default). ``dates`` has no
# stricter value (days from the first event and the year only are two de-identified
# forms), so a run directory may choose it only where the user's config did not; the key
# file (a path, and the secret behind every pseudonym) and ``keep_columns`` (columns
# shared although no plugin declares them safe; ``keep_text`` its former name) are the
# user's alone.
DEIDENTIFY_FROM_RUN: dict[str, Callable[[Any, Any], bool]] = {
    "enabled": lambda now, new: bool(new) and not now,
    "suppress_small_cells": lambda now, new: bool(new) and not now,
    "age_cap": lambda now, new: new < now,
    "k": lambda now, new: new > now,
}
DEIDENTIFY_UNLESS_SET = ("dates",)
DEIDENTIFY_USER_ONLY = ("key_file", "keep_text", "keep_columns")  # and any rule not named above


# How a run is carried out, not what it reports: left out of the page and the manifest,
# so a run on a cluster gives the bytes of a local run.
RUNTIME_KEYS = ("executor", "scheduler")


class ConfigError(ValueError):
    pass


# The loader's bounds (bytes, aliases, expanded values, depth) are yamltext's, shared
# with every other YAML document a run reads.
MAX_CONFIG_BYTES = MAX_YAML_BYTES


def read_config_file(path: Path, *, follow_links: bool = True) -> dict[str, Any]:
    """A config file as a mapping; any problem is a one-line ConfigError. The run
    directory's own file is read with ``follow_links=False``, as every input is."""
    from .safeio import open_regular

    try:
        with open_regular(path, follow_links=follow_links) as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KB; not a config file")
    try:
        data = load_yaml(raw)
    except YamlRefused as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys to values")
    return data


def user_config_path() -> Path:
    """The user's own defaults for every run (as MultiQC's ``~/.multiqc_config.yaml``)."""
    import os

    import platformdirs

    return Path(os.environ.get("RINEC_REPORT_USER_CONFIG") or Path(platformdirs.user_config_dir("rinec-report"))
                / CONFIG_NAME)


class Layer(NamedTuple):
    """One source of configuration. ``trusted`` is False for the run directory's own
    file and a ``-c`` file inside the run directory: those set ``run`` options only."""

    source: str
    values: dict[str, Any]
    trusted: bool = True


@dataclass(frozen=True)
class Ignored:
    """A key of an untrusted layer that was not taken, and why."""

    key: str
    source: str
    value: Any
    why: str

    def line(self) -> str:
        return f"config key '{self.key}' ignored: {self.why}"


USER_ONLY = ("a run directory's config may not set it (a user option: the network, the executor, a cache, export "
             "safety, a path outside the run directory or a limit); set it in your own config, a -c file outside "
             "the run directory or on the command line")


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def in_run_dir(path: Path | str, run_dir: Path | str) -> Path | None:
    """``path`` as a link-free path under the run directory's real path when it is in
    the run directory, as written or once its links are resolved; else ``None``. A
    file named through the run directory is the run directory's, wherever a link in
    it leads (and opening it without following links then refuses that link)."""
    root_abs, root_real = os.path.abspath(run_dir), os.path.realpath(run_dir)
    written = os.path.abspath(path)
    if _within(written, root_abs):
        return Path(root_real) / os.path.relpath(written, root_abs)
    real = os.path.realpath(path)
    return Path(real) if _within(real, root_real) else None


def config_layers(run_dir: Path, given: Any) -> list[Layer]:
    """The configuration's sources, each later one winning: the user's file, the run
    directory's ``rinec_report.yaml``, then each ``-c`` file or dict in the order given.
    The run directory's file, and a file given that lies in the run directory, are
    untrusted layers."""
    layers: list[Layer] = []
    user = user_config_path()
    if user.is_file():
        layers.append(Layer(str(user), read_config_file(user)))
    candidate = Path(os.path.realpath(run_dir)) / CONFIG_NAME
    if os.path.lexists(candidate):  # a link or a FIFO there is refused by the checked open, not skipped
        layers.append(Layer(str(candidate), read_config_file(candidate, follow_links=False), trusted=False))
    if given is None:
        return layers
    for item in given if isinstance(given, (list, tuple)) else [given]:
        if isinstance(item, dict):
            layers.append(Layer("the configuration given to run()", dict(item)))
            continue
        path = Path(item)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        if candidate.is_file() and path.resolve() == candidate.resolve():
            continue
        shared = in_run_dir(path, run_dir)
        if shared is not None:  # in the shared folder: read as its own file is, links not followed
            layers.append(Layer(str(path), read_config_file(shared, follow_links=False), trusted=False))
        else:
            layers.append(Layer(str(path), read_config_file(path)))
    return layers


def merge_layers(
    layers: list[Layer], plugin_options: dict[str, list[Option]]
) -> tuple[dict[str, Any], dict[str, str], list[Ignored]]:
    """One configuration from the layers, where each key (``plugin.option`` for
    mappings) came from, and the keys of untrusted layers that were not taken.
    A mapping is merged key by key; any other value is replaced."""
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    ignored: list[Ignored] = []
    for source, values, trusted in layers:
        layer = values if trusted else _run_scoped(values, source, plugin_options, merged, sources, ignored)
        for key, value in layer.items():
            if value is None and isinstance(merged.get(key), dict):
                continue  # `enrichment:` with nothing under it sets nothing (nor clears the user's options)
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
            if isinstance(value, dict):
                sources.update({f"{key}.{sub}": source for sub in value})
            sources[key] = source
    return merged, sources, ignored


def _run_scoped(
    values: dict[str, Any],
    source: str,
    plugin_options: dict[str, list[Option]],
    merged: dict[str, Any],
    sources: dict[str, str],
    ignored: list[Ignored],
) -> dict[str, Any]:
    """What an untrusted layer may set: its ``run`` options (and keys nobody declared,
    which are warned about later), with every ``user`` option left out and recorded."""
    core = {o.name: o for o in CORE_OPTIONS}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key == "deidentify":
            rules = _stricter_rules(value, source, merged, sources, ignored)
            if rules or not value:
                out[key] = rules
        elif key in core:
            if core[key].scope == "user":
                ignored.append(Ignored(key, source, value, USER_ONLY))
            else:
                out[key] = value
        elif key in plugin_options and isinstance(value, dict):
            declared = {o.name: o for o in plugin_options[key]}
            kept = {}
            for sub, subvalue in value.items():
                option = declared.get(sub)
                if option is not None and option.scope == "user":
                    ignored.append(Ignored(f"{key}.{sub}", source, subvalue, USER_ONLY))
                else:
                    kept[sub] = subvalue
            if kept or not value:
                out[key] = kept
        else:
            out[key] = value  # an unknown key, an excluded plugin's section, a section of the wrong type
    return out


def _stricter_rules(
    value: Any, source: str, merged: dict[str, Any], sources: dict[str, str], ignored: list[Ignored]
) -> dict[str, Any]:
    """The rules of a run directory's ``deidentify:`` that make the report more private
    than the rules in effect so far (see :data:`DEIDENTIFY_FROM_RUN`)."""
    from .deidentify import RULE_OPTIONS

    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: deidentify: {brief(value)} is not a mapping "
                          "(e.g. deidentify: {enabled: true})")
    rules = {o.name: o for o in RULE_OPTIONS}
    earlier = merged.get("deidentify") if isinstance(merged.get("deidentify"), dict) else {}
    now = {**defaults(RULE_OPTIONS), **_checked_values(RULE_OPTIONS, earlier, "deidentify.", sources)}
    taken: dict[str, Any] = {}
    for sub, new in value.items():
        option = rules.get(sub)
        if option is None:
            taken[sub] = new  # warned about as unknown
            continue
        checked = _check(option, new, f"deidentify.{sub}", source)
        stricter = DEIDENTIFY_FROM_RUN.get(sub)
        unset = sub in DEIDENTIFY_UNLESS_SET and f"deidentify.{sub}" not in sources
        if unset or checked == now[sub] or (stricter is not None and stricter(now[sub], checked)):
            taken[sub] = new
        elif sub in DEIDENTIFY_UNLESS_SET:
            why = f"set in {sources[f'deidentify.{sub}']}, which a run directory's config does not override"
            ignored.append(Ignored(f"deidentify.{sub}", source, new, why))
        else:
            why = ("a run directory's config may make the report more private, never less"
                   + ("" if stricter else f"; deidentify.{sub} is the user's to set"))
            ignored.append(Ignored(f"deidentify.{sub}", source, new, why))
    return taken


def _check(option: Option, value: Any, key: str, source: str | None) -> Any:
    """``value`` checked against ``option``; a ConfigError naming the key and its source."""
    try:
        return option.check(value, key)
    except OptionError as exc:
        raise ConfigError(f"{source}: {exc}" if source else f"config {exc}") from None


def _checked_values(options: list[Option], values: dict[str, Any], prefix: str,
                    sources: dict[str, str]) -> dict[str, Any]:
    """The declared keys of ``values``, each checked (an error names where it was set)."""
    by_name = {o.name: o for o in options}
    out = {}
    for key, value in values.items():
        if key in by_name and value is not None:  # `key:` with no value in YAML: not set, the default stands
            source = sources.get(f"{prefix}{key}") or sources.get(prefix.rstrip(".") or key)
            out[key] = _check(by_name[key], value, f"{prefix}{key}", source)
    return out


def _validated(options: list[Option], values: dict[str, Any], prefix: str, sources: dict[str, str]) -> dict[str, Any]:
    """Every declared option: its checked value, else its default."""
    return {**defaults(options), **_checked_values(options, values, prefix, sources)}


def effective_config(
    user: dict[str, Any],
    plugin_options: dict[str, list[Option]],
    overrides: dict[str, Any],
    known_plugins: set[str],
    sources: dict[str, str] | None = None,
    overrides_source: str = "the command line",
) -> tuple[dict[str, Any], list[str]]:
    """Merge the declared defaults, the merged config files and the command line,
    checking every value against its declaration.

    ``known_plugins`` includes plugins excluded from this run, whose sections in
    the file are legitimate even if unused. ``sources`` (from :func:`merge_layers`)
    names, in an error, the file a bad value came from. Returns the config and
    warnings about unknown keys; raises :class:`ConfigError` for a bad value.
    """
    from .deidentify import RULE_OPTIONS

    where = dict(sources or {})
    warnings: list[str] = []
    core_names = {o.name for o in CORE_OPTIONS}
    core_values: dict[str, Any] = {}
    plugin_values: dict[str, dict[str, Any]] = {name: {} for name in plugin_options}
    loose: dict[str, Any] = {}
    for key, value in user.items():
        if key in plugin_options:
            if value is None:  # `cohort:` with nothing under it
                continue
            if not isinstance(value, dict):
                raise ConfigError(f"{where.get(key, 'config')}: key '{key}' must be a mapping of the plugin's options")
            declared = {o.name for o in plugin_options[key]}
            for sub, subvalue in value.items():
                if sub not in declared:
                    warnings.append(f"unknown config key '{key}.{sub}'")
                plugin_values[key][sub] = subvalue
        elif key in core_names:
            core_values[key] = value
        elif key in known_plugins:
            loose[key] = value  # an excluded plugin's section: kept, not checked
        else:
            warnings.append(f"unknown config key '{key}'")
    for key, value in overrides.items():
        if key in plugin_options and isinstance(value, dict):
            plugin_values[key].update(value)
            where.update({f"{key}.{sub}": overrides_source for sub in value})
        elif isinstance(value, dict) and isinstance(core_values.get(key), dict):
            core_values[key] = {**core_values[key], **value}  # --deidentify adds to the file's rules
            where.update({f"{key}.{sub}": overrides_source for sub in value})
        elif isinstance(value, dict) and key in core_values:
            pass  # the file's value is not a mapping: its check below names its file
        else:
            core_values[key] = value
            where[key] = overrides_source
    config = _validated(CORE_OPTIONS, core_values, "", where)
    for name, options in plugin_options.items():
        config[name] = _validated(options, plugin_values[name], f"{name}.", where)
    rules = config["deidentify"] or {}
    warnings.extend(f"unknown config key 'deidentify.{sub}'" for sub in rules if sub not in
                    {o.name for o in RULE_OPTIONS})
    config["deidentify"] = _validated(RULE_OPTIONS, rules, "deidentify.", where)
    config.update(loose)
    return config, warnings
