"""Finding plugins and calling them one at a time.

Built-in plugins and third-party ones come through the same door: the
``rinec_report`` entry-point group. Hooks are called per plugin (never across all
plugins in one pluggy call) so that an exception in one plugin is attributed to
it and does not stop the others.
"""

from __future__ import annotations

import importlib.metadata
import re
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


class PluginLoadError(Exception):
    """A plugin cannot be used as written (an unknown hook, a wrong argument name)."""


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
        try:
            pm.load_setuptools_entrypoints(PROJECT)
            for name, plugin in (extra or {}).items():
                pm.register(plugin, name=name)
            # A misspelled ``rinec_section`` would otherwise never be called, silently.
            pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(_validation_message(pm, exc)) from None
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

    def implements(self, plugin: str, hook: str) -> bool:
        target = self.pm.get_plugin(plugin)
        return any(impl.plugin is target for impl in getattr(self.pm.hook, hook).get_hookimpls())

    def call(self, plugin: str, hook: str, **kwargs: Any) -> Any:
        """Call ``hook`` on one plugin only; ``None`` if it does not implement it."""
        key = (plugin, hook)
        if key not in self._callers:
            target = self.pm.get_plugin(plugin)
            if not self.implements(plugin, hook):
                self._callers[key] = None
            else:
                others = [p for p in self.pm.get_plugins() if p is not target]
                self._callers[key] = self.pm.subset_hook_caller(hook, remove_plugins=others)
        caller = self._callers[key]
        if caller is None:
            return None
        # No hook is first-result: pluggy returns a list with this one plugin's answer.
        result = caller(**kwargs)
        return result[0] if result else None

    def options(self) -> dict[str, list[Any]]:
        """Every plugin's declared options (:class:`~rinec_report.Option`), by plugin name."""
        out = {}
        for name in self.names:
            try:
                declared = list(self.call(name, "rinec_options") or [])
            except Exception as exc:
                raise PluginLoadError(f"plugin {name} cannot declare its options: {exc}") from exc
            names = [o.name for o in declared]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise PluginLoadError(f"plugin {name} declares the option {', '.join(twice)} twice")
            out[name] = declared
        return out

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


def _validation_message(pm: pluggy.PluginManager, exc: pluggy.PluginValidationError) -> str:
    import difflib

    name = pm.get_name(exc.plugin) or getattr(exc.plugin, "__name__", None) or type(exc.plugin).__name__
    text = str(exc)
    hook = re.search(r"unknown hook '([^']+)'", text)
    if hook:
        hooks = [h for h in dir(hookspecs) if h.startswith("rinec_")]
        close = difflib.get_close_matches(hook.group(1), hooks, n=1)
        hint = f" (did you mean {close[0]}?)" if close else f" (the hooks are {', '.join(hooks)})"
        return f"plugin {name} implements an unknown hook {hook.group(1)}{hint}"
    return f"plugin {name}: {text}"


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
