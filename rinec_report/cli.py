"""The command line: ``rinec-report RUN_DIR`` and ``rinec-report plugins``.

Heavy libraries (pandas, altair, vl-convert) are imported only once a run starts,
so that ``--help`` answers at once.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .options import Option, OptionError
from .plugins import PluginHost, PluginLoadError
from .results import NothingFound, UsageError

log = logging.getLogger("rinec_report")


def _plugin_flags(host: PluginHost) -> list[tuple[str, Option]]:
    """(plugin, Option) for every option a plugin offers on the command line."""
    return [(name, o) for name, options in host.options().items() for o in options if o.cli]


def _setup_logging(verbose: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("rinec-report: %(levelname)s: %(message)s"))
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.INFO)


def build_run_command(host: PluginHost) -> click.Command:
    plugin_flags = _plugin_flags(host)

    @click.command(
        name="rinec-report",
        context_settings={"help_option_names": ["-h", "--help"]},
        epilog="Also: `rinec-report plugins [--json]` lists the loaded plugins.",
    )
    @click.argument("run_dir", type=click.Path(file_okay=False, path_type=str))
    @click.option("-o", "--outdir", type=click.Path(file_okay=False), help="Where to write (default: here).")
    @click.option("-n", "--filename", default="rinec_report.html", show_default=True, help="Report file name.")
    @click.option("-f", "--force", is_flag=True, help="Overwrite an existing report.")
    @click.option(
        "-c",
        "--config",
        "config_file",
        type=click.Path(dir_okay=False),
        multiple=True,
        help="A config file read after the user's and RUN_DIR/rinec_report.yaml (repeatable; later wins). "
        "One outside RUN_DIR may set user options (network, executor, limits); one inside it may not.",
    )
    @click.option("-t", "--title", help="Report title.")
    @click.option("--comment", help="A comment shown under the title.")
    @click.option("-m", "--plugin", "plugins", multiple=True, help="Use only this plugin (repeatable).")
    @click.option("-e", "--exclude", multiple=True, help="Do not use this plugin (repeatable).")
    @click.option(
        "-x",
        "--ignore",
        multiple=True,
        help="Skip paths matching this glob, whatever matched them (repeatable).",
    )
    @click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        help="Parallel parsing processes (default: all cores).",
    )
    @click.option(
        "--executor",
        type=click.Choice(["local", "dask"]),
        help="Parse on local processes (default) or on a Dask cluster (needs rinec-report[dask]).",
    )
    @click.option("--scheduler", metavar="ADDRESS", callback=_checked_core_option,
                  help="The Dask scheduler, e.g. tcp://HOST:8786 (tcp, tls, ucx, ws or wss).")
    @click.option("--deidentify", is_flag=True, help="Write a de-identified report, for sharing outside the care team.")
    @click.option(
        "--deidentify-key",
        type=click.Path(dir_okay=False, exists=True),
        help="A secret key file: pseudonyms become codes shared by every report made with the same key.",
    )
    @click.option("--patients", "include_patients", metavar="IDS", multiple=True,
                  help="Only these patients (P3,P5, or @FILE with one id a line): a true subset, every table, "
                  "chart, count and export covers them only (repeatable).")
    @click.option("--exclude-patients", metavar="IDS", multiple=True,
                  help="Leave these patients out of the report (P1,P4 or @FILE; repeatable), after --patients.")
    @click.option(
        "--data-format",
        type=click.Choice(["tsv", "csv", "json", "parquet"]),
        default="tsv",
        show_default=True,
    )
    @click.option("--no-data-dir", is_flag=True, help="Do not write the data folder.")
    @click.option("--strict", is_flag=True, help="Exit 1 when there were warnings.")
    @click.option("--pdf", is_flag=True,
                  help="Also print the report to <name>.pdf (needs a Chromium installed; paper: the config's `paper`).")
    @click.option("-v", "--verbose", is_flag=True, help="Log details, including file names and identifiers.")
    @click.option("-q", "--quiet", is_flag=True, help="Log only errors.")
    @click.version_option(__version__, "--version", prog_name="rinec-report")
    def command(**kw: Any) -> None:
        from .progress import RichProgress, quiet_progress
        from .runner import OutputExists, Run, RunOptions
        from .subsetting import SubsetError, split_ids
        from .write import OutputError

        _setup_logging(kw["verbose"], kw["quiet"])
        progress = RichProgress() if sys.stderr.isatty() and not kw["quiet"] else quiet_progress()
        try:
            subset = {key: tuple(i for text in kw[key] for i in split_ids(text, kw["run_dir"])) if kw[key] else None
                      for key in ("include_patients", "exclude_patients")}
        except SubsetError as exc:
            _one_line_usage_error(exc)
        options = RunOptions(
            run_dir=Path(kw["run_dir"]),
            outdir=Path(kw["outdir"]) if kw["outdir"] else Path.cwd(),
            filename=kw["filename"],
            config=tuple(kw["config_file"]) or None,
            plugins=kw["plugins"],
            exclude=kw["exclude"],
            ignore=kw["ignore"],
            jobs=kw["jobs"],
            executor=kw["executor"],
            scheduler=kw["scheduler"],
            deidentify=kw["deidentify"],
            deidentify_key=kw["deidentify_key"],
            **subset,
            force=kw["force"],
            data_format=kw["data_format"],
            data_dir=not kw["no_data_dir"],
            plugin_options=_flag_values(plugin_flags, kw),
            title=kw["title"],
            comment=kw["comment"],
            strict=kw["strict"],
            verbose=kw["verbose"],
        )
        try:
            report = Run(options, progress=progress).execute()
        except OutputExists as exc:
            raise click.UsageError(f"{exc.path} exists; use --force to overwrite it") from None
        except SubsetError as exc:
            _one_line_usage_error(exc)
        except UsageError as exc:
            raise click.UsageError(str(exc)) from None
        except (NothingFound, OutputError) as exc:
            click.echo(f"rinec-report: {exc}", err=True)
            sys.exit(1)
        _echo_messages(report, kw["verbose"], kw["quiet"])
        if kw["pdf"]:
            from .pdf import PdfError, print_pdf

            try:
                pdf = print_pdf(report.html_path, report.html_path.with_suffix(".pdf"))
            except PdfError as exc:
                click.echo(f"rinec-report: error: {exc}", err=True)
                sys.exit(1)
            if not kw["quiet"]:
                click.echo(f"rinec-report: wrote {pdf}", err=True)
        sys.exit(report.exit_status)

    for plugin, option in plugin_flags:
        command = click.option(
            option.cli,
            _param_name(plugin, option),
            is_flag=option.type == "bool",
            default=None,
            metavar=_metavar(option),
            help=f"[{plugin}] {option.help}",
        )(command)
    return command


def _checked_core_option(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A core option's flag checked against its declaration when the line is read."""
    from .config import CORE_OPTIONS

    if value is None:
        return None
    option = next(o for o in CORE_OPTIONS if o.name == param.name)
    try:
        return option.check(value, option.name)
    except OptionError as exc:
        raise click.BadParameter(str(exc)) from None


def _metavar(option: Option) -> str | None:
    if option.type == "bool":
        return None
    if option.choices:
        return "[" + "|".join(str(c) for c in option.choices) + "]"
    return {"int": "INTEGER", "float": "NUMBER", "date": "YYYY-MM-DD", "path": "PATH",
            "list[str]": "A,B,..."}.get(option.type, "TEXT")


def _flag_values(flags: list[tuple[str, Option]], kw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The plugin flags given on the command line, checked against their declarations."""
    out: dict[str, dict[str, Any]] = {}
    for plugin, option in flags:
        value = kw.get(_param_name(plugin, option))
        if value is None or (option.type == "bool" and value is False):
            continue  # not given: the config file's value stands
        try:
            out.setdefault(plugin, {})[option.name] = option.check(value, f"{plugin}.{option.name}")
        except OptionError as exc:
            raise click.BadParameter(str(exc), param_hint=f"'{option.cli}'") from None
    return out


def _echo_messages(report: Any, verbose: bool, quiet: bool) -> None:
    """Each error, and each warning unless ``quiet``, as one line; ids masked unless ``verbose``."""
    from .runner import message_lines

    for line in message_lines(report, verbose):
        if line.startswith("error") or not quiet:
            click.echo(f"rinec-report: {line}", err=True)
    if not quiet:
        click.echo(f"rinec-report: wrote {report.html_path}", err=True)


def _param_name(plugin: str, option: Option) -> str:
    return f"{plugin}__{option.name}"


@click.command(name="plugins", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins_command(as_json: bool) -> None:
    """List the loaded plugins: distribution, version, file patterns and hooks."""
    from .scan import PluginPattern

    host = PluginHost.load()
    declared = host.options()
    rows = []
    for info in host.info():
        patterns = [PluginPattern(info.name, p) for p in host.call(info.name, "rinec_patterns") or []]
        rows.append(
            {
                "name": info.name,
                "distribution": info.distribution,
                "version": info.version,
                "module": info.module,
                "hooks": list(info.hooks),
                "options": [
                    {"name": o.name, "type": o.describe_type(), "default": o.default, "cli": o.cli, "scope": o.scope,
                     "help": o.help}
                    for o in declared.get(info.name, [])
                ],
                "patterns": [
                    {
                        "name": p.qualified,
                        "glob": list(p.pattern.glob),
                        "exclude": list(p.pattern.exclude),
                        "contents": p.pattern.contents,
                    }
                    for p in patterns
                ],
            }
        )
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    for row in rows:
        click.echo(f"{row['name']}  ({row['distribution']} {row['version']})")
        for p in row["patterns"]:
            contents = f"  contents ~ /{p['contents']}/" if p["contents"] else ""
            exclude = f"  not {', '.join(p['exclude'])}" if p["exclude"] else ""
            click.echo(f"    pattern {p['name']}: {', '.join(p['glob']) or '(any name)'}{contents}{exclude}")
        click.echo(f"    hooks: {', '.join(row['hooks'])}")
        if row["options"]:
            click.echo(f"    options: {', '.join(o['name'] for o in row['options'])}")


@click.command(name="audit", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("report", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--run-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), required=True,
              help="The run directory the report was made from: its values are looked for.")
@click.option("-c", "--config", "config_file", type=click.Path(dir_okay=False, exists=True),
              help="The config file the report was made with (default: RUN_DIR/rinec_report.yaml).")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Show the value of each finding (it is an identifier).")
def audit_command(report: Path, run_dir: Path, config_file: str | None, as_json: bool, verbose: bool) -> None:
    """List every identifier found in REPORT, its data folder and its PDF: the values of
    RUN_DIR that no plugin declared safe, and the shapes of identifiers (e-mail
    addresses, phone numbers, street addresses, long numbers, dates, ages of 90 or more).
    Exit 1 when there is one, or when a part of the report could not be searched."""
    from .audit import AuditError, audit
    from .write import identity_map_path

    _setup_logging(False, True)
    try:
        result = audit(report, run_dir, config_file)
    except (UsageError, NothingFound, AuditError) as exc:
        raise click.UsageError(str(exc)) from None
    findings, unread = result.findings, result.unread
    for skipped in result.inputs_unread:  # the audit then looks for less: said, not hidden
        click.echo(f"rinec-report audit: warning: {skipped.where}: {skipped.reason}", err=True)
    keep = identity_map_path(report)  # not searched: it is the key, and must stay behind
    kept = f"; keep {keep.name} (beside the page) out of what you send" if keep.exists() else ""
    if as_json:
        click.echo(json.dumps({"report": str(report), "clean": not result.hits,
                               "findings": [h.as_dict(verbose) for h in findings],
                               "not_searched": [h.as_dict(verbose) for h in unread],
                               "looked_for": result.looked_for}, indent=2))
    else:
        for hit in result.hits:
            click.echo(hit.line(verbose))
    counts = ", ".join(f"{v} {k}" for k, v in result.looked_for.items())
    if result.hits:
        click.echo(f"rinec-report audit: {len(findings)} identifier(s) found"
                   + (f", {len({h.where for h in unread})} file(s) not searched (whole or in part)" if unread else "")
                   + f"; looked for {counts} and 6 shapes" + ("" if verbose else " (-v shows the values)") + kept,
                   err=True)
    else:
        click.echo(f"rinec-report audit: no identifier found in {report.name}, its data folder or its PDF; "
                   f"looked for {counts} and 6 shapes{kept}", err=True)
    sys.exit(1 if result.hits else 0)


@click.command(name="config", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("-c", "--config", "config_file", type=click.Path(dir_okay=False, exists=True), multiple=True,
              help="Config files read after RUN_DIR's, as a run would.")
def config_command(run_dir: Path, config_file: tuple[str, ...]) -> None:
    """Print the configuration a run of RUN_DIR would use, and where each key came from."""
    from .config import ConfigError, config_layers, effective_config, merge_layers

    host = PluginHost.load()
    try:
        layers = config_layers(run_dir, tuple(config_file) or None)
        user, sources, ignored = merge_layers(layers, host.options())
        config, warnings = effective_config(user, host.options(), {}, set(host.names), sources)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    for warning in warnings:
        click.echo(f"# warning: {warning}")
    read = [layer.source + ("" if layer.trusted else " (in the run directory: run options only)") for layer in layers]
    click.echo("# files read, later wins: " + (", ".join(read) or "none (the declared defaults)"))
    for skipped in ignored:
        click.echo(f"# ignored: {skipped.key}: {_flow(skipped.value)}  # {skipped.source}: {skipped.why}")
    for key, value in config.items():
        if isinstance(value, dict) and value:
            click.echo(f"{key}:  # {sources.get(key, 'default')}")
            for sub, subvalue in value.items():
                click.echo(f"  {_flow(sub)}: {_flow(subvalue)}  # {sources.get(f'{key}.{sub}', 'default')}")
        else:
            click.echo(f"{key}: {_flow(value)}  # {sources.get(key, 'default')}")


def _one_line_usage_error(exc: Exception) -> None:
    """A patient subset that cannot be applied: one line, exit 2 (click's usage errors
    print the usage first, which buries the ids that were wrong)."""
    click.echo(f"rinec-report: error: {exc}", err=True)
    sys.exit(2)


def _flow(value: Any) -> str:
    """A value as one line of YAML."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6).strip()
    return text.removesuffix("...").strip()


# ``rinec-report export cbioportal RUN_DIR OUTDIR``: the run's report, written as a study.
@click.group(name="export", context_settings={"help_option_names": ["-h", "--help"]})
def export_command() -> None:
    """Write a run's data in another tool's format."""


@export_command.command(name="cbioportal")
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=str))
@click.argument("outdir", type=click.Path(file_okay=False, path_type=str))
@click.option("-c", "--config", "config_file", type=click.Path(dir_okay=False), multiple=True,
              help="A config file read after RUN_DIR/rinec_report.yaml (repeatable).")
@click.option("--study-id", default="rinec_study", show_default=True, help="cancer_study_identifier.")
@click.option("--cancer-type", default="mixed", show_default=True, help="type_of_cancer (an OncoTree code).")
@click.option("--deidentify", is_flag=True, help="Export the de-identified values, by the report's rules.")
@click.option("--deidentify-key", type=click.Path(dir_okay=False, exists=True),
              help="A secret key file: pseudonyms shared by every export made with the same key.")
@click.option("-f", "--force", is_flag=True, help="Write into a folder that is not empty.")
def cbioportal_command(run_dir: str, outdir: str, config_file: tuple[str, ...], study_id: str, cancer_type: str,
                       deidentify: bool, deidentify_key: str | None, force: bool) -> None:
    """A cBioPortal study folder (meta files, clinical files, MAF, case lists) from RUN_DIR."""
    import tempfile

    from .export_cbioportal import ExportError, export_study
    from .progress import quiet_progress
    from .runner import Run, RunOptions
    from .write import OutputError

    with tempfile.TemporaryDirectory(prefix="rinec-export-") as scratch:
        # The report is built (and de-identified) as usual; its page is discarded.
        options = RunOptions(run_dir=Path(run_dir), outdir=Path(scratch), config=config_file or None,
                             deidentify=deidentify, deidentify_key=deidentify_key, data_dir=False, force=True)
        try:
            report = Run(options, progress=quiet_progress()).execute()
        except UsageError as exc:
            raise click.UsageError(str(exc)) from None
        except (NothingFound, OutputError) as exc:
            click.echo(f"rinec-report: {exc}", err=True)
            sys.exit(1)
    title = report.run.title or "rinec-report study"
    try:
        written = export_study(report.tables, outdir, study_id=study_id, name=title, cancer_type=cancer_type,
                               force=force)
    except (ExportError, OutputError, OSError) as exc:
        click.echo(f"rinec-report: error: {exc}", err=True)
        sys.exit(1)
    for message in report.messages:
        if message.level == "error":
            click.echo(f"rinec-report: {message.level}: {message.text}", err=True)
    click.echo(f"rinec-report: wrote {len(written)} files to {outdir}", err=True)
    sys.exit(1 if report.exit_status else 0)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "plugins":
        plugins_command.main(args[1:], prog_name="rinec-report plugins")
        return
    if args and args[0] == "config":
        config_command.main(args[1:], prog_name="rinec-report config")
        return
    if args and args[0] == "audit":
        audit_command.main(args[1:], prog_name="rinec-report audit")
        return
    if args and args[0] == "export":
        export_command.main(args[1:], prog_name="rinec-report export")
        return
    try:
        try:
            host = PluginHost.load()
            command = build_run_command(host)
        except PluginLoadError as exc:
            click.echo(f"rinec-report: {exc}", err=True)
            sys.exit(2)
        except Exception as exc:  # a broken third-party install must still give a message
            if _out_of_memory(exc):
                raise
            click.echo(f"rinec-report: cannot load plugins: {exc}", err=True)
            sys.exit(1)
        command.main(args, prog_name="rinec-report")
    except Exception as exc:
        _end_with_one_line(exc)


def _out_of_memory(exc: BaseException) -> bool:
    from .memory import is_memory_failure

    return is_memory_failure(exc) or bool(getattr(exc, "memory", False))


def _end_with_one_line(exc: Exception) -> None:
    """A run that ran out of memory (a MemoryError, a library that could not be
    mapped, a thread or a parse worker that could not start) ends with one line, exit
    1, as does a parse that could not go on (a worker that did not start, a Dask task
    that never answered); any other exception goes on as it came."""
    from .executor import ExecutorError
    from .memory import out_of_memory_line
    from .supervise import WorkerStartError

    if _out_of_memory(exc):
        what = "the parse workers" if isinstance(exc, WorkerStartError) else "the report"
        click.echo(f"rinec-report: {out_of_memory_line(what)}", err=True)
        sys.exit(1)
    if isinstance(exc, WorkerStartError | ExecutorError):  # the parse could not go on: said in one line
        click.echo(f"rinec-report: {exc}", err=True)
        sys.exit(1)
    raise exc


def console() -> None:
    """The ``rinec-report`` command: :func:`main`, then the process ends without
    Python's teardown.

    Teardown frees every object of the process one at a time: 0.7-0.9 s after a
    1,000-sample report, for a process about to end. By then the page and the data
    folder are closed and in place (they are written to temporary names and renamed),
    so once the other exit handlers (logging, multiprocessing) have run, the process
    ends with main's status. An uncaught exception still takes the usual way out."""
    status: list[int] = []
    # Registered first, so it runs after every handler registered later.
    atexit.register(_end_now, status)
    _fit_to_an_address_space_limit()
    try:
        main()
    except SystemExit as exc:
        status.append(_exit_status(exc.code))
        raise
    status.append(0)


def _fit_to_an_address_space_limit() -> None:
    """Under an address-space limit (``ulimit -v``), one BLAS thread and Arrow on the
    system allocator, unless the user chose: OpenBLAS gives each thread its buffers
    at import and, when one cannot start, waits for ever rather than fail; jemalloc
    reserves address space by the gigabyte. A report's arithmetic needs neither.
    Arrow's jemalloc still starts at pyarrow's import, and its background thread,
    when it cannot start, prints a line of its own to the terminal: it is not started."""
    from .memory import one_blas_thread, under_a_limit

    if under_a_limit():
        one_blas_thread()
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
        os.environ.setdefault("JE_ARROW_MALLOC_CONF", "background_thread:false")


def _exit_status(code: object) -> int:
    """The process status Python gives ``sys.exit(code)``."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _end_now(status: list[int]) -> None:
    if not status:
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(status[0])


if __name__ == "__main__":  # pragma: no cover
    console()
