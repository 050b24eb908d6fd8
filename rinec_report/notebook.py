"""The report in a notebook: its page shown in the cell, and plugins given as a cell has them."""

from __future__ import annotations

import html
import types
from collections.abc import Mapping
from pathlib import Path
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


def report_html(html_path: Path | None) -> str:
    """The page in an iframe, inline (srcdoc): a notebook shows it without serving the file."""
    if html_path is None or not Path(html_path).is_file():
        return "<p>rinec-report: no page was written.</p>"
    page = Path(html_path).read_text(encoding="utf-8")
    # srcdoc is an attribute: the page is escaped once, quotes included, and the browser unescapes it.
    return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:80vh;border:0" '
            f'sandbox="allow-scripts allow-popups allow-downloads" title="rinec-report"></iframe>')
