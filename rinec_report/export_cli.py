"""``rinec-report export cbioportal RUN_DIR OUTDIR``: the run's report, written as a study."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from .results import NothingFound, UsageError


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
