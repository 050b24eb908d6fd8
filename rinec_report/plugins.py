"""Finding plugins and calling them one at a time.

Built-in plugins and third-party ones come through the same door: the
``rinec_report`` entry-point group. Hooks are called per plugin (never across all
plugins in one pluggy call) so that an exception in one plugin is attributed to
it and does not stop the others.
"""

from __future__ import annotations

import importlib.metadata
import types
from dataclasses import dataclass
from typing import Any

import pluggy

from . import hookspecs

PROJECT = "rinec_report"


@dataclass(frozen=True)
class PluginInfo:
    name: str
    distribution: str
    version: str
    module: str | None  # importable module name, when the plugin is a module
    hooks: tuple[str, ...]


class PluginHost:
    """The loaded plugins, in a stable order, and per-plugin hook calls."""

    def __init__(self, pm: pluggy.PluginManager, excluded: tuple[str, ...] = ()):
        self.pm = pm
        self.excluded = excluded
        self._callers: dict[tuple[str, str], Any] = {}

    @classmethod
    def load(
        cls,
        include: tuple[str, ...] = (),
        exclude: tuple[str, ...] = (),
        extra: dict[str, object] | None = None,
    ) -> PluginHost:
        """Load every plugin of the entry-point group (plus ``extra`` objects,
        for tests and notebooks), keeping only ``include`` when given and
        dropping ``exclude``."""
        pm = new_manager()
        pm.load_setuptools_entrypoints(PROJECT)
        for name, plugin in (extra or {}).items():
            pm.register(plugin, name=name)
        known = {name for name, _ in pm.list_name_plugin()}
        unknown = [n for n in (*include, *exclude) if n not in known]
        if unknown:
            raise KeyError(f"no plugin named {', '.join(unknown)}; loaded: {', '.join(sorted(known))}")
        dropped = tuple(sorted(n for n in known if n in exclude or (include and n not in include)))
        for name in dropped:
            pm.unregister(name=name)
        return cls(pm, dropped)

    @property
    def names(self) -> list[str]:
        return sorted(name for name, _ in self.pm.list_name_plugin())

    def call(self, plugin: str, hook: str, **kwargs: Any) -> Any:
        """Call ``hook`` on one plugin only; ``None`` if it does not implement it."""
        key = (plugin, hook)
        if key not in self._callers:
            target = self.pm.get_plugin(plugin)
            if not any(impl.plugin is target for impl in getattr(self.pm.hook, hook).get_hookimpls()):
                self._callers[key] = None
            else:
                others = [p for p in self.pm.get_plugins() if p is not target]
                self._callers[key] = self.pm.subset_hook_caller(hook, remove_plugins=others)
        caller = self._callers[key]
        if caller is None:
            return None
        result = caller(**kwargs)
        if not caller.spec.opts.get("firstresult"):
            # Non-first-result hooks return a list of results, one per plugin.
            return result[0] if result else None
        return result

    def info(self) -> list[PluginInfo]:
        dists = {id(plugin): dist for plugin, dist in self.pm.list_plugin_distinfo()}
        out = []
        for name in self.names:
            plugin = self.pm.get_plugin(name)
            dist = dists.get(id(plugin))
            hooks = tuple(sorted(caller.name for caller in self.pm.get_hookcallers(plugin) or []))
            out.append(
                PluginInfo(
                    name=name,
                    distribution=dist.project_name if dist else "(registered in code)",
                    version=dist.version if dist else _module_version(plugin),
                    module=plugin.__name__ if isinstance(plugin, types.ModuleType) else None,
                    hooks=hooks,
                )
            )
        return out


def new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _module_version(plugin: object) -> str:
    version = getattr(plugin, "__version__", None)
    if version:
        return str(version)
    try:
        return importlib.metadata.version("rinec-report")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - source tree
        return "unknown"
