"""What a run produces: messages, input records, each plugin's contributions, the report.

Plain data, shared by the stages of a run (assemble, render, write) so that none of
them imports the runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import FoundFile, Note, RunInfo, Section, SummaryColumn
from .plugins import PluginInfo


class UsageError(Exception):
    """The run cannot start as asked: a missing run directory, an existing report
    without ``force``, an unknown plugin, a bad configuration value (exit status 2)."""


class NothingFound(Exception):
    """No file in the run directory matched any pattern (exit status 1)."""


@dataclass
class Message:
    level: str  # "error" or "warning"
    plugin: str  # a plugin name, or "core"
    text: str
    file: str | None = None
    traceback: str | None = None

    def line(self) -> str:
        where = f"{self.file}: " if self.file else ""
        return f"{self.plugin}: {where}{self.text}"


@dataclass
class InputRecord:
    file: FoundFile
    sha256: str
    status: str  # "parsed", "error" or "ignored"


@dataclass
class PluginResult:
    name: str
    sections: list[Section] = field(default_factory=list)
    summary_columns: list[SummaryColumn] = field(default_factory=list)
    failed: bool = False


@dataclass
class Report:
    """What a run produced. ``exit_status`` is what the CLI exits with."""

    html_path: Path | None
    data_dir: Path | None
    run: RunInfo
    plugins: list[PluginInfo]
    results: list[PluginResult]
    messages: list[Message]
    inputs: list[InputRecord]
    skipped: list[tuple[str, str]]
    config: dict[str, Any]
    config_path: str | None = None  # the configuration files read, in order
    command_line: str = ""
    patient_samples: dict[str, list[str]] = field(default_factory=dict)
    unmatched_samples: list[str] = field(default_factory=list)
    sections: list[tuple[str, Section]] = field(default_factory=list)  # (plugin, section) in page order
    tables: dict[str, Any] = field(default_factory=dict)  # exported name -> DataFrame
    files: dict[str, bytes] = field(default_factory=dict)  # data-folder name -> bytes (Html.files)
    exit_status: int = 0
    deidentified: dict[str, Any] | None = None  # the rules applied, when de-identified
    identity_map: list[dict[str, str]] | None = None  # original -> pseudonym, never in the page
    private_config: dict[str, Any] | None = None  # the configuration as a de-identified page shows it
    log_lines: list[str] = field(default_factory=list)  # the run's log, written to the data folder
    subset: dict[str, Any] | None = None  # a patient subset: how many patients, of how many, files left out
    accounts: list[dict[str, Any]] = field(default_factory=list)  # each input's account (ledger_report)

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.level == "error"]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.level == "warning"]

    def _repr_html_(self) -> str:
        """The page in an iframe, inline (srcdoc): a notebook shows it without serving the file."""
        import html

        if self.html_path is None or not Path(self.html_path).is_file():
            return "<p>rinec-report: no page was written.</p>"
        page = Path(self.html_path).read_text(encoding="utf-8")
        # srcdoc is an attribute: the page is escaped once, quotes included, and the browser unescapes it.
        return (f'<iframe srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:80vh;border:0" '
                f'sandbox="allow-scripts allow-popups allow-downloads" title="rinec-report"></iframe>')


def error_section(plugin: str, text: str) -> Section:
    """The card shown in place of a plugin's sections when it failed."""
    return Section(
        id="error",
        title=f"{plugin}: this section could not be built",
        description="The plugin failed; the other sections are not affected.",
        blocks=[Note(text, level="error")],
    )
