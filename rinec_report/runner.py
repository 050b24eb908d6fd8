"""One run, one method per stage: configure -> scan -> parse -> datasets -> sections
-> assemble -> write.

This is the Python API (``rinec_report.run``); the CLI builds the same
:class:`RunOptions` and calls the same :class:`Run`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shlex
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__, collector
from .charts import altair_settings, prepared
from .config import ConfigError, config_layers, effective_config, merge_layers
from .datasets import DatasetCycle, Datasets, ParsedFile
from .executor import Executor, ExecutorError, make_executor
from .ledger_report import Accounts
from .memory import is_memory_failure
from .model import Chart, Note, RunInfo, Section
from .parse import AFTER_THE_WORKERS, BESIDE_THE_WORKERS, ParseOutcome, ParseTask, guarded, parse_all, preload_modules
from .patients import Patients
from .plugins import PluginHost, PluginLoadError
from .progress import Progress, quiet_progress
from .results import InputRecord, Message, NothingFound, PluginResult, Report, UsageError
from .scan import PatternError, PluginPattern, ScanResult, apply_overrides, scan
from .write import (
    OutputError,
    check_destinations,
    check_filename,
    check_writable,
    data_dir_name,
    identity_map_path,
    pdf_path,
)

log = logging.getLogger("rinec_report")

DATA_FORMATS = ("tsv", "csv", "json", "parquet")


class OutputExists(UsageError):
    """The report exists and ``force`` was not given."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} exists; pass force=True to overwrite it")
        self.path = path


@dataclass(frozen=True)
class RunOptions:
    """Everything a run is asked to do; the CLI and :func:`rinec_report.run` build one.

    ``config`` is a config file's path, or the configuration itself as a dict (the
    run directory's ``rinec_report.yaml`` is read when it is ``None``).
    ``plugin_options`` are ``{plugin: {option: value}}`` that win over the config
    (the CLI's plugin flags).
    """

    run_dir: Path
    outdir: Path = field(default_factory=Path.cwd)
    filename: str = "rinec_report.html"
    config: str | Path | Mapping[str, Any] | tuple[str | Path | Mapping[str, Any], ...] | None = None
    plugins: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    jobs: int | None = None
    force: bool = False
    data_format: str = "tsv"
    data_dir: bool = True
    plugin_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    title: str | None = None
    comment: str | None = None
    strict: bool = False
    verbose: bool = False
    command_line: str | None = None
    executor: str | None = None  # "local" or "dask"; None: the config's
    scheduler: str | None = None
    deidentify: bool = False  # True: de-identified whatever the config says
    deidentify_key: str | Path | None = None
    include_patients: tuple[str, ...] | None = None  # a patient subset; None: the config's
    exclude_patients: tuple[str, ...] | None = None

    @property
    def html_path(self) -> Path:
        return Path(self.outdir) / self.filename

    @property
    def data_path(self) -> Path:
        """The data folder follows the page's name: ``cohortB.html`` -> ``cohortB_data/``."""
        return Path(self.outdir) / data_dir_name(self.filename)

    def check(self) -> None:
        """Raise :class:`UsageError` when the run cannot start as asked."""
        if not Path(self.run_dir).is_dir():
            raise UsageError(f"run directory {self.run_dir} does not exist or is not a folder")
        if self.data_format not in DATA_FORMATS:
            raise UsageError(f"data format must be one of {', '.join(DATA_FORMATS)}")
        try:
            check_filename(self.filename)
            if Path(self.outdir).is_dir():
                check_destinations(Path(self.outdir), self.output_files, self.data_path.name)
        except OutputError as exc:
            raise UsageError(str(exc)) from None
        if self.html_path.exists() and not self.force:
            raise OutputExists(self.html_path)
        timestamp()  # a bad SOURCE_DATE_EPOCH is a usage error before any work
        try:
            check_writable(Path(self.outdir))
        except OutputError as exc:
            raise UsageError(str(exc)) from None

    @property
    def output_files(self) -> dict[str, str]:
        """The files a run may write beside its data folder: {what: name}."""
        return {"page": self.filename, "identity map": identity_map_path(self.html_path).name,
                "PDF": pdf_path(self.html_path).name}


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


class Run:
    """One report being built. Construction does no work; :meth:`execute` runs the stages."""

    def __init__(
        self,
        options: RunOptions,
        extra_plugins: dict[str, object] | None = None,
        progress: Progress | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.options = options
        self.extra_plugins = extra_plugins
        self.progress = progress or quiet_progress()
        self.executor = executor
        self.messages: list[Message] = []
        self.subset_outcome: Any = None  # what a patient subset cut, when one was asked for
        self.accounts = Accounts()  # what every reader stated of its files

    def execute(self) -> Report:
        """Every stage in order; the report is written and returned."""
        capture = _Capture(logging.DEBUG if self.options.verbose else logging.INFO)
        log.addHandler(capture)
        try:
            with collector.for_a_run():
                return self._stages(capture)
        finally:
            log.removeHandler(capture)

    def _stages(self, capture: _Capture) -> Report:
        self.options.check()
        self.configure()
        found = self.scan()
        parsed, inputs = self.parse(found)
        datasets, patients = self.build_datasets(parsed)
        del parsed  # the datasets hold the parsed files until contribute() has built them all
        results = self.contribute(datasets, patients)
        report = self.assemble(results, inputs, found, patients)
        report.log_lines = [*capture.lines, *message_lines(report, self.options.verbose)]
        if self.subset_outcome is not None:  # the log is in the data folder: the subset's too
            report.log_lines = [line for line in report.log_lines if not self.subset_outcome.names(line)]
        self.write(report)
        return report

    # ------------------------------------------------------------------ stages

    def configure(self) -> None:
        """Load the plugins and settle the configuration in effect."""
        opts = self.options
        try:
            self.host = PluginHost.load(opts.plugins, opts.exclude, self.extra_plugins)
            declared = self.host.options()
        except (KeyError, PluginLoadError) as exc:
            raise UsageError(str(exc.args[0])) from exc
        try:
            # The scope of every option is applied here, once for every plugin: a user
            # option in the run directory's own config is left out (and said so).
            layers = config_layers(Path(opts.run_dir), opts.config)
            user, self.config_sources, ignored = merge_layers(layers, declared)
            self.config_path = "; ".join(layer.source for layer in layers) or None
            overrides: dict[str, Any] = {k: dict(v) for k, v in opts.plugin_options.items()}
            asked = (("title", opts.title), ("comment", opts.comment), ("executor", opts.executor),
                     ("scheduler", opts.scheduler))
            overrides.update({k: v for k, v in asked if v is not None})
            for key in ("include_patients", "exclude_patients"):
                if getattr(opts, key) is not None:
                    overrides[key] = list(getattr(opts, key))
            if opts.deidentify or opts.deidentify_key:
                rules: dict[str, Any] = {"enabled": True}
                if opts.deidentify_key:
                    rules["key_file"] = str(opts.deidentify_key)
                overrides["deidentify"] = rules
            known = set(self.host.names) | set(self.host.excluded)
            self.config, warnings = effective_config(user, declared, overrides, known, self.config_sources,
                                                     "run()'s arguments")
        except ConfigError as exc:
            raise UsageError(str(exc)) from exc
        key_file = (self.config.get("deidentify") or {}).get("key_file")
        if key_file:  # a key that cannot be read is a usage error now, not a traceback at the end
            from .deidentify import read_key

            try:
                read_key(str(key_file))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        self.messages.extend(Message("warning", "core", w, self.config_path) for w in warnings)
        self.messages.extend(Message("warning", "core", skipped.line(), skipped.source) for skipped in ignored)
        self.info = RunInfo(
            run_dir=str(Path(opts.run_dir).resolve()),
            outdir=str(Path(opts.outdir).resolve()),
            title=self.config["title"],
            timestamp=timestamp(),
            version=__version__,
            verbose=opts.verbose,
        )

    def scan(self) -> ScanResult:
        """Walk the run directory once and match files to the plugins' patterns."""
        patterns: list[PluginPattern] = []
        for name in self.host.names:
            got, _ = self._call(name, "rinec_patterns")
            patterns.extend(PluginPattern(name, p) for p in got or [])
        run_path = Path(self.options.run_dir)
        try:
            patterns, warnings = apply_overrides(patterns, self.config["patterns"])
            self.messages.extend(Message("warning", "core", w) for w in warnings)
            with self.progress.step("Scanning the run directory"):
                # The output is skipped by identity (device, inode), not by path: an
                # output folder that is also an input folder is still scanned. The
                # outputs of other runs are skipped by each folder's list of outputs.
                opts = self.options
                found = scan(
                    run_path,
                    patterns,
                    ignore=[*self.config["ignore"], *self.options.ignore],
                    skip_dirs=[opts.data_path, *(Path(opts.outdir) / n for n in opts.output_files.values())],
                    max_file_size=int(self.config["max_file_size_mb"] * 1e6),
                    allow_links_outside=self.config["allow_links_outside"],
                    max_table_size=int(self.config["max_table_size_mb"] * 1e6),
                )
        except PatternError as exc:
            raise UsageError(str(exc)) from None
        for rel, reason in found.skipped:
            self.messages.append(Message("warning", "core", f"skipped: {reason}", rel))
            log.warning("skipped %s: %s", rel if self.options.verbose else "a file", reason)
        for rel, reason in found.failed:  # an input that could not be read: exit 1
            self.messages.append(Message("error", "core", reason, rel))
        # A de-identified report names no path outside the run directory.
        private = bool((self.config.get("deidentify") or {}).get("enabled"))
        for rel, target in found.outside:
            text = "followed a link out of the run directory" + ("" if private else f" to {target}")
            self.messages.append(Message("warning", "core", text, rel))
        log.info("scanned %d files in %d folders; %d matched", found.files_seen, found.dirs_seen, len(found.found))
        if not found.found:
            raise NothingFound(
                f"no file in {self.options.run_dir} matched any plugin's patterns "
                f"({found.files_seen} files looked at; see `rinec-report plugins` for the patterns)"
                + "".join(f"; {rel}: {reason}" for rel, reason in found.failed[:3])
            )
        return found

    def parse(self, found: ScanResult) -> tuple[dict[str, list[ParsedFile]], list[InputRecord]]:
        """Map each plugin's ``rinec_parse`` over its files, on the executor."""
        modules = {p.name: p.module for p in self.host.info()}
        tasks = [ParseTask(modules.get(f.plugin), f, self.config.get(f.plugin, {})) for f in found.found]
        local = {name: _local_parse_caller(self.host, name) for name in self.host.names if modules.get(name) is None}
        try:
            executor = self.executor or make_executor(
                self.config["executor"], self.options.jobs, preload_modules(tasks), self.config["scheduler"],
                beside=BESIDE_THE_WORKERS, later=AFTER_THE_WORKERS)
            executor.check_paths([str(Path(self.options.run_dir).resolve())])
        except ExecutorError as exc:
            raise UsageError(str(exc)) from None
        with self.progress.step("Parsing input files", total=len(tasks)) as advance:
            outcomes = parse_all(tasks, executor, local, lambda o: advance())
        return self._collect(outcomes)

    def build_datasets(self, parsed: dict[str, list[ParsedFile]]) -> tuple[Datasets, Patients]:
        """The lazy datasets of every plugin and the patient resolver over them; with a
        patient subset, over the subset's part of every parsed file only."""
        self.failed: set[str] = set()
        subset = None
        if self.config["include_patients"] or self.config["exclude_patients"]:
            parsed, subset = self._cut_to_subset(parsed)

        def build(name: str) -> dict[str, Any] | None:
            kwargs = {"files": parsed.get(name, []), "options": self.config.get(name, {})}
            try:
                result, ok = self._call(name, "rinec_datasets", datasets=datasets, patients=patients,
                                        config=self.config, run=self.info, **kwargs)
            except DatasetCycle as exc:  # pragma: no cover - needs two misbehaving plugins
                self.messages.append(Message("error", name, str(exc)))
                result, ok = None, False
            if not ok:
                self.failed.add(name)
            return result or None

        def declarations() -> list[dict[str, list[str]]]:
            out = []
            for name in self.host.names:
                if self.host.implements(name, "rinec_patient_samples") and datasets.own(name) is not None:
                    got, _ = self._call(name, "rinec_patient_samples", data=datasets.own(name),
                                        options=self.config.get(name, {}), config=self.config)
                    out.append(dict(got or {}))
            return out

        datasets = Datasets(self.host.names, build)
        patients = Patients(self.config["patients"], self.config["samples"], declarations, subset)
        self.datasets = datasets
        return datasets, patients

    def _cut_to_subset(self, parsed: dict[str, list[ParsedFile]]) -> tuple[dict[str, list[ParsedFile]], Any]:
        """Who the run's patients are (from every parsed file, quietly: the messages
        that count are the subset's own), then each plugin's files cut to the subset."""
        from .subsetting import cut, everyone, resolve

        full = everyone(self.host, parsed, self.config, self.info)
        subset = resolve(list(self.config["include_patients"]), list(self.config["exclude_patients"]), full)
        self.subset_outcome = cut(parsed, subset, self.host, self._call, self.config, self.messages)
        self.messages.extend(self.subset_outcome.messages)
        return self.subset_outcome.parsed, subset

    def contribute(self, datasets: Datasets, patients: Patients) -> list[PluginResult]:
        """Each plugin's sections and summary columns, if it has data."""
        results = []
        with self.progress.step("Building sections", total=len(self.host.names)) as advance, altair_settings():
            for name in self.host.names:
                results.append(self._contributions(name, datasets, patients))
                advance()
        datasets.settle()
        if patients.unmatched:
            shown = ", ".join(patients.unmatched[:20]) + (" ..." if len(patients.unmatched) > 20 else "")
            self.messages.append(Message(
                "warning", "core",
                f"{len(patients.unmatched)} sample(s) belong to no patient of the clinical table "
                f"(map them with the config's samples:): {shown}"))
        return results

    def assemble(self, results: list[PluginResult], inputs: list[InputRecord], found: ScanResult,
                 patients: Patients) -> Report:
        """Put the contributions in page order with the summary and run information."""
        from .assemble import assemble

        opts = self.options
        self._title_from_study()
        self._warn_of_an_earlier_identity_map()
        self.messages.extend(self.accounts.look_alikes())
        report = Report(
            html_path=opts.html_path,
            data_dir=opts.data_path if opts.data_dir else None,
            run=self.info,
            plugins=self.host.info(),
            results=results,
            messages=self.messages,
            inputs=inputs,
            skipped=found.skipped + found.failed,
            config=self.config,
            config_path=self.config_path,
            command_line=opts.command_line or _command_line(),
            patient_samples=patients.table(),
            unmatched_samples=patients.unmatched,
            accounts=self.accounts.records(inputs, bool((self.config.get("deidentify") or {}).get("enabled"))),
        )
        if self.subset_outcome is not None:
            from .subsetting import restrict_report

            restrict_report(report, self.subset_outcome)
        assemble(report, self._identifier_fields)
        report.exit_status = 1 if report.errors or (opts.strict and report.warnings) else 0
        return report

    def _warn_of_an_earlier_identity_map(self) -> None:
        """An identified report written where a de-identified one was leaves that report's
        identity map beside it. It is not deleted, as it may be the only key to a report
        already shared; the run says it is there, so that it is not mailed with the page."""
        opts = self.options
        earlier = identity_map_path(opts.html_path)
        if not opts.deidentify and earlier.exists():
            self.messages.append(Message(
                "warning", "core",
                "the identity map of an earlier de-identified report is beside this page; it was "
                "left in place (it may be the only key to a report already shared): keep it "
                "apart from this report", earlier.name))

    def _title_from_study(self) -> None:
        """A study's own name and description (a cBioPortal ``meta_study.txt``, published by a
        plugin as its ``study`` dataset) title the report unless the configuration does."""
        for name in self.host.names:
            study = (self.datasets.of(name) or {}).get("study")
            if not isinstance(study, dict):
                continue
            updates = {}
            if study.get("name") and "title" not in self.config_sources and self.options.title is None:
                updates["title"] = str(study["name"])
            if study.get("description") and "comment" not in self.config_sources and self.options.comment is None:
                updates["comment"] = str(study["description"])
            self.config.update(updates)
            if "title" in updates:
                self.info = dataclasses.replace(self.info, title=updates["title"])
            return

    def write(self, report: Report) -> None:
        """The page and the data folder, each written atomically."""
        from .write import write_outputs

        with self.progress.step("Writing the report"):
            write_outputs(report, self.options.data_format)

    # ----------------------------------------------------------------- helpers

    def _call(self, plugin: str, hook: str, file: str | None = None, **kwargs: Any) -> tuple[Any, bool]:
        """Call a hook on one plugin, recording its warnings and errors."""
        started = time.perf_counter()
        short: list[BaseException] = []

        def attempt() -> Any:
            try:
                return self.host.call(plugin, hook, **kwargs)
            except Exception as exc:
                if is_memory_failure(exc):
                    short.append(exc)
                raise

        with self.accounts.recording(plugin):
            result, error, tb, warns = guarded(attempt)
        if short:
            # Out of memory in this process is the run's condition, not the plugin's finding
            # about an input: the command ends with its one line (cli._end_with_one_line).
            raise short[0]
        log.debug("%s.%s took %.2f s", plugin, hook, time.perf_counter() - started)
        self.messages.extend(Message("warning", plugin, w, file) for w in warns)
        if error:
            self.messages.append(Message("error", plugin, f"{hook} failed: {error}", file, tb))
            if tb:  # a traceback is for developers: shown with -v only
                log.debug("plugin %s, hook %s failed:\n%s", plugin, hook, tb)
        return result, error is None

    def _identifier_fields(self, plugin: str) -> dict[str, str]:
        """What ``plugin`` declares about its fields for a de-identified report."""
        if plugin not in self.host.names or not self.host.implements(plugin, "rinec_identifiers"):
            return {}
        data = self.datasets.own(plugin)
        if data is None:  # the plugin has nothing in the report
            return {}
        got, _ = self._call(plugin, "rinec_identifiers", data=data, options=self.config.get(plugin, {}))
        return {str(k).lower(): str(v) for k, v in (got or {}).items()}

    def _collect(self, outcomes: list[ParseOutcome]) -> tuple[dict[str, list[ParsedFile]], list[InputRecord]]:
        """Sort parse outcomes into each plugin's parsed files and the input records."""
        parsed: dict[str, list[ParsedFile]] = defaultdict(list)
        inputs: list[InputRecord] = []
        for o in outcomes:
            f = o.file
            self.accounts.add_outcome(o)
            self.messages.extend(Message("warning", f.plugin, w, f.relpath) for w in o.warnings)
            for line in o.stderr:
                log.debug("%s: %s", f.relpath, line)
            status = "parsed"
            if o.error:
                self.messages.append(Message("error", f.plugin, o.error, f.relpath, o.traceback))
                if o.traceback:  # a traceback is for developers: shown with -v only
                    log.debug("plugin %s failed on %s:\n%s", f.plugin, f.relpath, o.traceback)
                status = "error"
            elif o.data is None:
                status = "ignored"
            else:
                parsed[f.plugin].append(ParsedFile(f, o.data))
            inputs.append(InputRecord(f, o.sha256, status))
        return parsed, inputs

    def _contributions(self, name: str, datasets: Datasets, patients: Patients) -> PluginResult:
        result = PluginResult(name)
        data = datasets.own(name)
        if data is not None:
            kwargs = {"data": data, "datasets": datasets, "patients": patients,
                      "options": self.config.get(name, {}), "config": self.config}
            sections, ok = self._call(name, "rinec_sections", run=self.info, **kwargs)
            result.sections = checked_charts(name, list(sections or []), self.messages)
            result.failed = not ok
            columns, _ = self._call(name, "rinec_summary_columns", **kwargs)
            result.summary_columns = list(columns or [])
        result.failed = result.failed or name in self.failed
        return result


class _Capture(logging.Handler):
    """The run's log lines, kept for the data folder's ``rinec_report.log``."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def message_lines(report: Report, verbose: bool) -> list[str]:
    """One line per warning and error; patient and sample ids masked unless ``verbose``."""
    from .logmask import LogPseudonyms as Pseudonyms

    mask = Pseudonyms()
    if not verbose:
        patients = list(report.patient_samples)
        samples = [s for values in report.patient_samples.values() for s in values]
        for frame in report.tables.values():  # ids a plugin shows that the clinical table lacks
            for column, target in (("patient_id", patients), ("sample", samples), ("sample_id", samples)):
                if column in getattr(frame, "columns", ()):
                    target.extend(str(v) for v in frame[column].dropna().unique())
        mask.mask_ids(patients, [*samples, *report.unmatched_samples])
    return [f"{m.level}: {mask.scrub(m.line())}" for m in report.messages]


def checked_charts(plugin: str, sections: list[Section], messages: list[Message]) -> list[Section]:
    """Turn every chart into its Vega-Lite dict now, so that an invalid chart
    becomes an error in its place instead of stopping the page from rendering."""
    for section in sections:
        for i, block in enumerate(section.blocks):
            if not isinstance(block, Chart):
                continue
            spec, error, tb, _ = guarded(lambda block=block: prepared(block.spec))
            if error:
                messages.append(Message("error", plugin, f"chart in '{section.title}' is invalid: {error}", None, tb))
                section.blocks[i] = Note(f"This chart could not be drawn: {error}", level="error")
            else:
                block.spec = spec
    return sections


def _local_parse_caller(host: PluginHost, name: str) -> Callable[..., Any]:
    def caller(**kwargs: Any) -> Any:
        return host.call(name, "rinec_parse", **kwargs)

    return caller


def _command_line() -> str:
    return " ".join(shlex.quote(a) for a in ["rinec-report", *sys.argv[1:]]) if sys.argv else ""


def run(
    run_dir: str | Path,
    *,
    config: str | Path | Mapping[str, Any] | None = None,
    extra_plugins: dict[str, object] | None = None,
    progress: Progress | None = None,
    executor: Executor | str | None = None,
    **options: Any,
) -> Report:
    """Build the report for ``run_dir`` and write it (and its data folder).

    ``config`` is a path or the configuration as a dict; the other keyword
    arguments are the fields of :class:`RunOptions` (``outdir``, ``force``,
    ``plugins``, ``plugin_options`` ...). ``extra_plugins`` registers plugin objects
    besides the installed ones, to try a plugin without installing it. ``executor`` is
    ``"local"``, ``"dask"`` (with ``scheduler="tcp://HOST:8786"``) or an executor object.

    Raises :class:`~rinec_report.UsageError` when the run cannot start and
    :class:`~rinec_report.NothingFound` when no file matched. Plugin failures do not
    raise: they are in ``Report.messages`` and make ``exit_status`` 1.
    """
    if isinstance(executor, str):
        options["executor"], executor = executor, None
    for key in ("plugins", "exclude", "ignore", "include_patients", "exclude_patients"):
        if key in options and not isinstance(options[key], tuple):
            options[key] = (options[key],) if isinstance(options[key], str) else tuple(options[key])
    if options.get("outdir") is None:
        options.pop("outdir", None)
    try:
        run_options = RunOptions(run_dir=Path(run_dir), config=config, **options)
    except TypeError as exc:
        raise UsageError(str(exc)) from None
    return Run(run_options, extra_plugins, progress, executor).execute()
