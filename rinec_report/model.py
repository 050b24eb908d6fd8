"""The data types that plugins and the core exchange.

Everything here is plain data (dataclasses), cheap to import and picklable, so that
parsing can run in worker processes and a plugin module can import it at load time
without slowing down ``rinec-report --help``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


class InputError(Exception):
    """Bad input: raise it with a one-line message naming what is wrong.

    The core prefixes the file name, so a plugin says only what and where
    (``"row 4, column 'age': 'sixty' is not a number"``). The file is skipped,
    the message is shown in the report and on stderr, and the run exits 1.
    """


class InputWarning(UserWarning):
    """Something in the input is suspicious but usable.

    Plugins call ``warnings.warn("...", InputWarning)`` anywhere in their hooks;
    the core records the warning against the plugin (and the file, while
    parsing) and shows it in the report.
    """


@dataclass(frozen=True)
class Pattern:
    """How to recognise one kind of input file: data, overridable from the config.

    ``key`` names the kind within the plugin (``"clinical"``); the config refers to
    it as ``<plugin>/<key>``. A file matches when its name matches any of
    ``glob`` (case-insensitive, fnmatch syntax; empty means any name) and, when
    ``contents`` is set, that regular expression is found in the first
    ``max_lines`` lines (gzip files are decompressed for this), and its name matches none
    of ``exclude`` (a tool's own files beside its data: MultiQC's software versions start
    like its sample tables).
    """

    key: str
    glob: tuple[str, ...] = ()
    contents: str | None = None
    max_lines: int = 50
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("glob", "exclude"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        if not self.glob and not self.contents:
            raise ValueError(f"pattern {self.key!r} needs a glob or a contents regex")


@dataclass(frozen=True)
class FoundFile:
    """One file the scanner matched to a plugin's pattern."""

    path: str  # absolute, real path (no link in it: links are resolved by the scanner)
    relpath: str  # path relative to the run directory, as shown to users
    plugin: str
    pattern: str  # the Pattern.key that matched
    size: int
    # The bytes its content may hold once decompressed (the size limit that applied to
    # it at the scan), and the config key that raises it; None: no limit.
    limit: int | None = None
    limit_key: str = "max_file_size_mb"


# ---------------------------------------------------------------- report blocks


@dataclass
class Text:
    """A paragraph of plain text; always escaped."""

    text: str


@dataclass
class Note:
    """A highlighted remark: ``level`` is ``info``, ``warning`` or ``error``."""

    text: str
    level: Literal["info", "warning", "error"] = "info"


@dataclass
class KeyValues:
    """A small two-column list of facts (``{"Method": "log-rank"}``); escaped."""

    items: dict[str, Any]
    title: str = ""


@dataclass
class Chart:
    """A Vega-Lite chart: an Altair chart or a Vega-Lite spec as a dict.

    ``renderer="canvas"`` for charts with thousands of marks (no DOM node per
    mark). Charts showing patients follow the highlight convention in
    ``rinec_report.charts``.
    """

    spec: Any
    title: str = ""
    renderer: Literal["svg", "canvas"] = "svg"


@dataclass
class Table:
    """A table shown in the page (sortable, searchable, CSV download) and
    exported as ``<plugin>_<name>.<format>`` in the data folder.

    ``show=False`` exports it without showing it. ``patient_column`` names the
    column that the patient highlighter marks rows by. ``max_rows`` caps what
    the page embeds (the export always has every row).
    """

    name: str
    data: Any  # pandas.DataFrame
    title: str = ""
    show: bool = True
    export: bool = True
    patient_column: str | None = "patient_id"
    max_rows: int = 5000
    column_titles: dict[str, str] = field(default_factory=dict)
    filters: list[str] = field(default_factory=list)  # columns offered as drop-down filters
    page_size: int | None = 25  # rows per page; None shows every row at once


@dataclass
class Code:
    """Preformatted text (configuration, commands); always escaped."""

    text: str
    title: str = ""


@dataclass
class Html:
    """Markup the plugin built itself. The plugin must escape every value that
    came from an input file (``markupsafe.escape``); prefer the other blocks."""

    html: str
    # Large parts written straight into the file, never held as one string: each key is a
    # placeholder in ``html`` (unguessable, e.g. a uuid4), each value a callable giving the
    # text that replaces it in pieces (the imaging plugin's pictures, read from its spool).
    payloads: dict[str, Any] = field(default_factory=dict)


Block = Text | Note | KeyValues | Chart | Table | Code | Html


@dataclass
class Section:
    """One section of the report: the unit of the sidebar.

    ``id`` is unique within the plugin (the anchor is ``<plugin>-<id>``).
    ``description`` is one or two plain sentences under the title; ``help`` is the
    longer text behind the section's help toggle (how to read it, methods).
    """

    id: str
    title: str
    description: str = ""
    help: str = ""
    blocks: list[Block] = field(default_factory=list)


@dataclass
class SummaryColumn:
    """One column of the per-patient summary table.

    ``values`` maps patient id to a value (str, number or None). Columns appear
    plugin by plugin in page order, each plugin's in the order it returns them.
    ``source`` names the plugin's field the values come from (default: ``name``) and
    ``kind`` its kind (default: what the plugin's ``rinec_identifiers`` says of
    ``source``): a de-identified report shares the column only when its source is shared.
    """

    name: str
    title: str
    values: dict[str, Any]
    description: str = ""
    source: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class RunInfo:
    """What a plugin may know about the run as a whole."""

    run_dir: str
    outdir: str
    title: str
    timestamp: str  # ISO 8601, from SOURCE_DATE_EPOCH when set
    version: str
    verbose: bool = False
