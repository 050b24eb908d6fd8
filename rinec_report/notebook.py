"""Plugins given as a notebook cell has them (the report shows itself: Report._repr_html_)."""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

from .results import UsageError


def plugin_mapping(extra: Any) -> dict[str, object] | None:
    """``extra_plugins`` as {name: plugin}: a dict as given, or a list of modules or
    objects named by their module's last part (or their class)."""
    if extra is None:
        return None
    if isinstance(extra, Mapping):
        if not all(isinstance(k, str) and k for k in extra):
            raise UsageError("extra_plugins: a dict's keys must be plugin names (non-empty strings)")
        return dict(extra)
    if isinstance(extra, (list, tuple)):
        named: dict[str, object] = {}
        for plugin in extra:
            if isinstance(plugin, (str, bytes, int, float, bool)) or plugin is None:
                raise UsageError(f"extra_plugins: {plugin!r} is not a plugin (give a module or an object)")
            name = plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__name__
            named[name.rsplit(".", 1)[-1]] = plugin
        return named
    raise UsageError(f"extra_plugins must be a list of modules or objects, or a dict of name -> plugin, "
                     f"not {type(extra).__name__}")

