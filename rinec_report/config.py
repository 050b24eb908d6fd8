"""The configuration in effect: declared defaults, the user's file, the command line.

Later sources win key by key, and every value is checked against its declaration
(:mod:`rinec_report.options`): a wrong type is a usage error that names the key.
Keys nobody declared are warned about by name, since a typo in a config file
otherwise silently does nothing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .options import Option, OptionError, validate
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

CORE_OPTIONS: list[Option] = [
    Option("title", "str", "rinec-report", "The report's title."),
    Option("comment", "str", "", "A comment shown under the title."),
    Option("patterns", "dict", {}, "Replace plugins' file patterns: `<plugin>/<key>: {glob: [...], contents: REGEX}`."),
    Option("ignore", "list[str]", [], "Skip paths matching these globs, whatever pattern took them (like `-x`)."),
    Option("patients", "dict[str,str]", {}, "Raw patient id -> the id used everywhere."),
    Option("samples", "dict[str,str]", {}, "Sequencing sample id -> patient id, for every plugin."),
    Option("max_file_size_mb", "float", 20480, "A larger input file is an error (raise this to read it).", min=0),
    Option("max_table_size_mb", "float", 1024, "A larger table (.csv, .tsv, .txt, .xlsx, .gmt: read whole into "
           "memory) is an error (raise this to read it).", min=0),
    Option(
        "allow_links_outside",
        "bool",
        False,
        "Follow links that lead out of the run directory (each one followed is listed in the run information).",
    ),
    Option("executor", "str", "local", "Where files are parsed: `local` processes or a `dask` cluster.",
           choices=("local", "dask")),
    Option("scheduler", "str", None, "The dask scheduler's address (`tcp://HOST:8786`) for `executor: dask`."),
    Option("deidentify", "dict", {}, "De-identify the report: `{enabled: true, key_file, dates: relative|year, "
           "keep_text: [...], age_cap: 89, k: 3}` (docs/deidentify.md)."),
    Option(
        "keep_formulas",
        "bool",
        False,
        "Keep text cells that a spreadsheet would run as formulas (`=HYPERLINK(...)`, `@SUM(...)`, `+cmd|...`) "
        "as they are in the exported TSV/CSV tables and the page's CSV downloads; by default they get a leading "
        "apostrophe.",
    ),
    Option("paper", "str", "auto", "The paper the page prints on, and `--pdf` with it: `A4`, `letter`, or `auto` "
           "(the browser's choice; Chromium's `--pdf` then prints on letter).", choices=("auto", "A4", "letter")),
    Option(
        "section_order",
        "list[str]",
        DEFAULT_SECTION_ORDER,
        "The page's order: section anchors (`<plugin>-<id>`) or globs; unmatched sections go where `*` stands.",
    ),
]


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


def config_layers(run_dir: Path, given: Any) -> list[tuple[str, dict[str, Any]]]:
    """The configuration's sources, each later one winning: the user's file, the run
    directory's ``rinec_report.yaml``, then each ``-c`` file or dict in the order given."""
    layers: list[tuple[str, dict[str, Any]]] = []
    user = user_config_path()
    if user.is_file():
        layers.append((str(user), read_config_file(user)))
    candidate = Path(os.path.realpath(run_dir)) / CONFIG_NAME
    if os.path.lexists(candidate):  # a link or a FIFO there is refused by the checked open, not skipped
        layers.append((str(candidate), read_config_file(candidate, follow_links=False)))
    if given is None:
        return layers
    for item in given if isinstance(given, (list, tuple)) else [given]:
        if isinstance(item, dict):
            layers.append(("the configuration given to run()", dict(item)))
            continue
        path = Path(item)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        if candidate.is_file() and path.resolve() == candidate.resolve():
            continue
        layers.append((str(path), read_config_file(path)))
    return layers


def merge_layers(layers: list[tuple[str, dict[str, Any]]]) -> tuple[dict[str, Any], dict[str, str]]:
    """One configuration from the layers, and where each key (``plugin.option`` for
    mappings) came from. A mapping is merged key by key; any other value is replaced."""
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for source, layer in layers:
        for key, value in layer.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
            if isinstance(value, dict):
                sources.update({f"{key}.{sub}": source for sub in value})
            sources[key] = source
    return merged, sources


def effective_config(
    user: dict[str, Any],
    plugin_options: dict[str, list[Option]],
    overrides: dict[str, Any],
    known_plugins: set[str],
) -> tuple[dict[str, Any], list[str]]:
    """Merge the declared defaults, the user's file and the command line, checking types.

    ``known_plugins`` includes plugins excluded from this run, whose sections in
    the file are legitimate even if unused. Returns the config and warnings about
    unknown keys; raises :class:`ConfigError` for a value of the wrong type.
    """
    warnings: list[str] = []
    core_names = {o.name for o in CORE_OPTIONS}
    core_values: dict[str, Any] = {}
    plugin_values: dict[str, dict[str, Any]] = {name: {} for name in plugin_options}
    loose: dict[str, Any] = {}
    for key, value in user.items():
        if key in plugin_options:
            if not isinstance(value, dict):
                raise ConfigError(f"config key '{key}' must be a mapping of the plugin's options")
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
        else:
            core_values[key] = value
    try:
        config = validate(CORE_OPTIONS, core_values, "")
        for name, options in plugin_options.items():
            config[name] = validate(options, plugin_values[name], f"{name}.")
        from .deidentify import rules_of

        config["deidentify"] = rules_of(config)
    except OptionError as exc:
        raise ConfigError(f"config {exc}") from None
    config.update(loose)
    return config, warnings
