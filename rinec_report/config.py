"""The configuration in effect: defaults, the plugins' defaults, the user's file, the command line.

Later sources win key by key. Keys nobody declared are warned about by name, since a
typo in a config file otherwise silently does nothing.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

CONFIG_NAME = "rinec_report.yaml"

CORE_DEFAULTS: dict[str, Any] = {
    "title": "rinec-report",
    "comment": "",
    # <plugin>/<key> -> {glob: [...], contents: "regex", max_lines: N}
    "patterns": {},
    "ignore": [],
    # raw patient id -> canonical patient id, for every plugin
    "patients": {},
    # sequencing sample id -> patient id, for every plugin
    "samples": {},
    "max_file_size_mb": 20480,
    "output_dir_names": ["rinec_report_data"],
    # true: exported TSV/CSV and the page's CSV downloads keep cells like =HYPERLINK(...) raw
    "keep_formulas": False,
}


class ConfigError(ValueError):
    pass


def read_config_file(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys to values")
    return data


def find_config(run_dir: Path, explicit: str | Path | None) -> Path | None:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        return path
    candidate = run_dir / CONFIG_NAME
    return candidate if candidate.is_file() else None


def effective_config(
    user: dict[str, Any],
    plugin_defaults: dict[str, dict[str, Any]],
    overrides: dict[str, Any],
    known_plugins: set[str],
) -> tuple[dict[str, Any], list[str]]:
    """Merge core defaults, plugin defaults, the user's file and the command line.

    ``known_plugins`` includes plugins excluded from this run, whose sections in
    the file are legitimate even if unused. Returns the config and warnings
    about unknown keys.
    """
    config = copy.deepcopy(CORE_DEFAULTS)
    for name, defaults in plugin_defaults.items():
        config[name] = copy.deepcopy(defaults)
    warnings: list[str] = []
    for key, value in user.items():
        if key in plugin_defaults:
            if not isinstance(value, dict):
                warnings.append(f"config key '{key}' should be a mapping of the plugin's options")
                continue
            for sub, subvalue in value.items():
                if sub not in plugin_defaults[key]:
                    warnings.append(f"unknown config key '{key}.{sub}'")
                config[key][sub] = subvalue
        elif key in CORE_DEFAULTS or key in known_plugins:
            config[key] = value
        else:
            warnings.append(f"unknown config key '{key}'")
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key].update(value)
        else:
            config[key] = value
    return config, warnings
