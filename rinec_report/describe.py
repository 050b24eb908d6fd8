"""One description of a run's inputs and plugins, read by both the page's run
information and the data folder's ``manifest.json``, so the two never disagree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .results import Report

INPUT_FIELDS = ("file", "plugin", "pattern", "size_bytes", "sha256", "status")
PLUGIN_FIELDS = ("plugin", "distribution", "version", "hooks")
MESSAGE_FIELDS = ("level", "plugin", "file", "message")


def inputs(report: Report) -> list[dict[str, Any]]:
    """One record per matched input file."""
    return [
        {
            "file": f"input-{r.sha256[:12]}" if report.deidentified else r.file.relpath,
            "plugin": r.file.plugin,
            "pattern": r.file.pattern,
            "size_bytes": r.file.size,
            "sha256": r.sha256,
            "status": r.status,
        }
        for r in report.inputs
    ]


def plugins(report: Report) -> list[dict[str, Any]]:
    """One record per loaded plugin."""
    return [
        {"plugin": p.name, "distribution": p.distribution, "version": p.version, "hooks": ", ".join(p.hooks)}
        for p in report.plugins
    ]


def messages(report: Report) -> list[dict[str, Any]]:
    """One record per warning or error."""
    return [{"level": m.level, "plugin": m.plugin, "file": m.file or "", "message": m.text} for m in report.messages]
