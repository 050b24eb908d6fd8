"""The datasets that plugins publish, built on first use.

Private names (a leading ``_``) are handed back to their own plugin only.

A plugin asks for another plugin's datasets with ``datasets.of("cohort")``; the
other plugin's ``rinec_datasets`` hook runs then (once) if it has not yet. So
plugins need not declare an order, and a plugin whose input is missing, or
whose build failed, simply reads as ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .model import FoundFile


@dataclass
class ParsedFile:
    """One file and what its plugin's ``rinec_parse`` returned for it."""

    file: FoundFile
    data: Any


class DatasetCycle(RuntimeError):
    pass


class Datasets:
    """Read access to every plugin's published datasets."""

    def __init__(self, names: list[str], build: Callable[[str], dict[str, Any] | None]):
        self._names = list(names)
        self._build = build
        self._built: dict[str, dict[str, Any] | None] = {}
        self._building: list[str] = []

    @property
    def plugins(self) -> list[str]:
        """Names of the loaded plugins."""
        return list(self._names)

    def of(self, plugin: str) -> dict[str, Any] | None:
        """The datasets ``plugin`` published, or ``None`` when it is not loaded,
        found no input, or failed (its failure is reported on its own). Names
        starting with ``_`` are the plugin's private state and are left out."""
        own = self.own(plugin)
        if own is None:
            return None
        return {k: v for k, v in own.items() if not str(k).startswith("_")}

    def own(self, plugin: str) -> dict[str, Any] | None:
        """Everything ``plugin`` returned, private names included: what the core
        hands back to that plugin as ``data``."""
        if plugin not in self._names:
            return None
        if plugin not in self._built:
            if plugin in self._building:
                chain = " -> ".join([*self._building, plugin])
                raise DatasetCycle(f"plugins read each other's datasets in a cycle: {chain}")
            self._building.append(plugin)
            try:
                self._built[plugin] = self._build(plugin)
            finally:
                self._building.pop()
        return self._built[plugin]

    def settle(self) -> None:
        """Build every plugin's datasets that is not built yet, then let go of what
        they were built from (the parsed files: for a large VCF, its whole table as the
        worker sent it). Nothing is built after this."""
        for plugin in self._names:
            self.own(plugin)
        self._build = _settled

    def get(self, plugin: str, name: str, default: Any = None) -> Any:
        """One named dataset of ``plugin``, or ``default``."""
        published = self.of(plugin)
        if not published:
            return default
        return published.get(name, default)


def _settled(plugin: str) -> None:  # pragma: no cover - every plugin is built by settle()
    raise RuntimeError(f"the datasets of {plugin} were asked for after the run settled them")
