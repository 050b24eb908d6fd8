"""One run, start to end: scan -> parse -> datasets -> sections -> render and export.

This is the Python API (``rinec_report.run``); the CLI is a thin layer over it.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .charts import to_spec
from .config import ConfigError, effective_config, find_config, read_config_file
from .datasets import DatasetCycle, Datasets, ParsedFile
from .model import Chart, FoundFile, Note, RunInfo, Section
from .parse import ParseTask, default_jobs, guarded, parse_all
from .plugins import PluginHost, PluginInfo
from .progress import Progress, quiet_progress
from .scan import PatternError, PluginPattern, apply_overrides, scan
from .write import OutputError, check_filename, check_writable

log = logging.getLogger("rinec_report")

DATA_DIR_NAME = "rinec_report_data"
DATA_FORMATS = ("tsv", "csv", "json", "parquet")


class UsageError(Exception):
    """The run cannot start as asked (exit status 2)."""


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
    summary_columns: list = field(default_factory=list)
    patient_samples: dict[str, list[str]] = field(default_factory=dict)
    failed: bool = False


@dataclass
class Report:
    """What a run produced. ``exit_status`` is what the CLI exits with."""

    html_path: Path | None
    data_dir: Path | None
    run: RunInfo
    plugins: list[PluginInfo]
    results: list[PluginResult]
    sections: list[tuple[str, Section]]  # (plugin, section) in page order
    messages: list[Message]
    inputs: list[InputRecord]
    skipped: list[tuple[str, str]]
    config: dict[str, Any]
    tables: dict[str, Any]  # exported name -> DataFrame
    exit_status: int = 0
    strict: bool = False

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.level == "error"]

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.level == "warning"]


def timestamp() -> str:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, so rebuilt reports are identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return datetime.now(tz=UTC).replace(microsecond=0).isoformat()
    try:
        moment = datetime.fromtimestamp(int(epoch.strip()), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise UsageError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, not {epoch[:40]!r}"
        ) from None
    return moment.isoformat()


def run(
    run_dir: str | Path,
    outdir: str | Path | None = None,
    filename: str = "rinec_report.html",
    config: str | Path | None = None,
    plugins: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    jobs: int | None = None,
    force: bool = False,
    data_format: str = "tsv",
    data_dir: bool = True,
    cli_options: dict[str, dict[str, Any]] | None = None,
    title: str | None = None,
    comment: str | None = None,
    strict: bool = False,
    verbose: bool = False,
    extra_plugins: dict[str, object] | None = None,
    command_line: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Build the report for ``run_dir`` and write it (and its data folder) to ``outdir``.

    Raises :class:`UsageError` when the run cannot start (missing run directory,
    existing report without ``force``, unknown plugin, bad config) and
    :class:`NothingFound` when no file matched. Plugin failures do not raise:
    they are in ``Report.messages`` and make ``exit_status`` 1.
    ``extra_plugins`` registers plugin objects besides the entry points.
    """
    progress = progress or quiet_progress()
    run_path = Path(run_dir)
    if not run_path.is_dir():
        raise UsageError(f"run directory {run_dir} does not exist or is not a folder")
    if data_format not in DATA_FORMATS:
        raise UsageError(f"data format must be one of {', '.join(DATA_FORMATS)}")
    out_path = Path(outdir) if outdir is not None else Path.cwd()
    try:
        check_filename(filename)
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    html_path = out_path / filename
    if html_path.exists() and not force:
        raise UsageError(f"{html_path} exists; use --force to overwrite it")
    started_at = timestamp()  # a bad SOURCE_DATE_EPOCH is a usage error before any work
    try:
        check_writable(out_path)
    except OutputError as exc:
        raise UsageError(str(exc)) from None
    try:
        host = PluginHost.load(tuple(plugins), tuple(exclude), extra_plugins)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from exc
    messages: list[Message] = []
    plugin_infos = host.info()

    def call(plugin: str, hook: str, file: str | None = None, **kwargs: Any) -> tuple[Any, bool]:
        """Call a hook on one plugin, recording its warnings and errors."""
        started = time.perf_counter()
        result, error, tb, warns = guarded(lambda: host.call(plugin, hook, **kwargs))
        log.debug("%s.%s took %.2f s", plugin, hook, time.perf_counter() - started)
        messages.extend(Message("warning", plugin, w, file) for w in warns)
        if error:
            messages.append(Message("error", plugin, f"{hook} failed: {error}", file, tb))
            if tb:  # a traceback is for developers: shown with -v only
                log.debug("plugin %s, hook %s failed:\n%s", plugin, hook, tb)
        return result, error is None

    # Set-up: options, patterns.
    defaults = {}
    for name in host.names:
        got, _ = call(name, "rinec_config_defaults")
        defaults[name] = got or {}
    try:
        config_path = find_config(run_path, config)
        user = read_config_file(config_path) if config_path else {}
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    overrides: dict[str, Any] = dict(cli_options or {})
    if title is not None:
        overrides["title"] = title
    if comment is not None:
        overrides["comment"] = comment
    cfg, config_warnings = effective_config(user, defaults, overrides, set(host.names) | set(host.excluded))
    messages.extend(Message("warning", "core", w, str(config_path)) for w in config_warnings)

    info = RunInfo(
        run_dir=str(run_path.resolve()),
        outdir=str(out_path.resolve()),
        title=str(cfg.get("title") or "rinec-report"),
        timestamp=started_at,
        version=__version__,
        verbose=verbose,
    )
    patterns: list[PluginPattern] = []
    for name in host.names:
        got, _ = call(name, "rinec_patterns")
        patterns.extend(PluginPattern(name, p) for p in got or [])
    try:
        patterns, pattern_warnings = apply_overrides(patterns, cfg.get("patterns") or {})
    except PatternError as exc:
        raise UsageError(str(exc)) from None
    messages.extend(Message("warning", "core", w) for w in pattern_warnings)

    # Scan.
    with progress.step("Scanning the run directory"):
        try:
            found = scan(
                run_path,
                patterns,
                ignore=[*(cfg.get("ignore") or []), *ignore],
                skip_dirs=[out_path / DATA_DIR_NAME, html_path],
                max_file_size=int(float(cfg["max_file_size_mb"]) * 1e6) if cfg.get("max_file_size_mb") else None,
                allow_links_outside=cfg.get("allow_links_outside") is True,
            )
        except PatternError as exc:
            raise UsageError(str(exc)) from None
    for rel, reason in found.skipped:
        messages.append(Message("warning", "core", f"skipped: {reason}", rel))
        log.warning("skipped %s: %s", rel if verbose else "a file", reason)
    for rel, reason in found.failed:
        messages.append(Message("error", "core", reason, rel))
    for rel, target in found.outside:
        messages.append(Message("warning", "core", f"followed a link out of the run directory to {target}", rel))
    log.info(
        "scanned %d files in %d folders; %d matched",
        found.files_seen,
        found.dirs_seen,
        len(found.found),
    )
    if not found.found:
        raise NothingFound(
            f"no file in {run_dir} matched any plugin's patterns "
            f"({found.files_seen} files looked at; see `rinec-report plugins` for the patterns)"
            + "".join(f"; {rel}: {reason}" for rel, reason in found.failed[:3])
        )

    # Parse: a map over files.
    modules = {p.name: p.module for p in plugin_infos}
    tasks = [ParseTask(modules.get(f.plugin), f, cfg.get(f.plugin, {})) for f in found.found]
    local_callers = {name: _local_parse_caller(host, name) for name in host.names if modules.get(name) is None}
    with progress.step("Parsing input files", total=len(tasks)) as advance:
        outcomes = parse_all(tasks, jobs or default_jobs(), local_callers, lambda o: advance())
    parsed, inputs = _collect(outcomes, messages)

    # Datasets, built on first use so plugins can read each other's.
    failed: set[str] = set()

    def build(name: str) -> dict[str, Any] | None:
        try:
            result, ok = call(
                name,
                "rinec_datasets",
                files=parsed.get(name, []),
                options=cfg.get(name, {}),
                datasets=datasets,
                config=cfg,
                run=info,
            )
        except DatasetCycle as exc:  # pragma: no cover - needs two misbehaving plugins
            messages.append(Message("error", name, str(exc)))
            result, ok = None, False
        if not ok:
            failed.add(name)
        return result or None

    datasets = Datasets(host.names, build)
    with progress.step("Building sections", total=len(host.names)) as advance:
        results = [_contributions(name, datasets, cfg, info, call, messages, failed, advance) for name in host.names]

    from .assemble import assemble

    report = Report(
        html_path=html_path,
        data_dir=out_path / DATA_DIR_NAME if data_dir else None,
        run=info,
        plugins=plugin_infos,
        results=results,
        sections=[],
        messages=messages,
        inputs=inputs,
        skipped=found.skipped + found.failed,
        config=cfg,
        tables={},
        strict=strict,
    )
    assemble(report, command_line or _command_line(), config_path)
    report.exit_status = 1 if report.errors or (strict and report.warnings) else 0

    from .write import write_outputs

    with progress.step("Writing the report"):
        write_outputs(report, data_format)
    return report


def _collect(outcomes: list, messages: list[Message]) -> tuple[dict[str, list[ParsedFile]], list[InputRecord]]:
    """Sort parse outcomes into each plugin's parsed files and the input records."""
    parsed: dict[str, list[ParsedFile]] = defaultdict(list)
    inputs: list[InputRecord] = []
    for o in outcomes:
        f = o.file
        messages.extend(Message("warning", f.plugin, w, f.relpath) for w in o.warnings)
        for line in o.stderr:
            log.debug("%s: %s", f.relpath, line)
        if o.error:
            messages.append(Message("error", f.plugin, o.error, f.relpath, o.traceback))
            if o.traceback:  # a traceback is for developers: shown with -v only
                log.debug("plugin %s failed on %s:\n%s", f.plugin, f.relpath, o.traceback)
            status = "error"
        elif o.data is None:
            status = "ignored"
        else:
            parsed[f.plugin].append(ParsedFile(f, o.data))
            status = "parsed"
        inputs.append(InputRecord(f, o.sha256, status))
    return parsed, inputs


def _contributions(
    name: str,
    datasets: Datasets,
    cfg: dict[str, Any],
    info: RunInfo,
    call: Callable[..., tuple[Any, bool]],
    messages: list[Message],
    failed: set[str],
    advance: Callable[[], None],
) -> PluginResult:
    """One plugin's sections, summary columns and patient samples, if it has data."""
    result = PluginResult(name)
    if datasets.of(name) is not None:
        kwargs = {"datasets": datasets, "options": cfg.get(name, {}), "config": cfg}
        sections, ok = call(name, "rinec_sections", run=info, **kwargs)
        result.sections = _checked_charts(name, list(sections or []), messages)
        result.failed = not ok
        columns, _ = call(name, "rinec_summary_columns", **kwargs)
        result.summary_columns = list(columns or [])
        samples, _ = call(name, "rinec_patient_samples", **kwargs)
        result.patient_samples = dict(samples or {})
    result.failed = result.failed or name in failed
    advance()
    return result


def _checked_charts(plugin: str, sections: list[Section], messages: list[Message]) -> list[Section]:
    """Turn every chart into its Vega-Lite dict now, so that an invalid chart
    becomes an error in its place instead of stopping the page from rendering."""
    for section in sections:
        for i, block in enumerate(section.blocks):
            if not isinstance(block, Chart):
                continue
            spec, error, tb, _ = guarded(lambda block=block: to_spec(block.spec))
            if error:
                messages.append(Message("error", plugin, f"chart in '{section.title}' is invalid: {error}", None, tb))
                section.blocks[i] = Note(f"This chart could not be drawn: {error}", level="error")
            else:
                block.spec = spec
    return sections


def _local_parse_caller(host: PluginHost, name: str) -> Any:
    def caller(**kwargs: Any) -> Any:
        return host.call(name, "rinec_parse", **kwargs)

    return caller


def _command_line() -> str:
    return " ".join(shlex.quote(a) for a in ["rinec-report", *sys.argv[1:]]) if sys.argv else ""


def error_section(plugin: str, text: str) -> Section:
    """The card shown in place of a plugin's sections when it failed."""
    return Section(
        id="error",
        title=f"{plugin}: this section could not be built",
        description="The plugin failed; the other sections are not affected.",
        blocks=[Note(text, level="error")],
    )
