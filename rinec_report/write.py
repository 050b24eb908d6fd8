"""Writing the outputs so that nothing is ever half-written.

The page is written to a temporary file beside its destination and renamed over
it; the data folder is built as a temporary folder and swapped in whole.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import describe

if TYPE_CHECKING:
    from .results import Report


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# A text cell a spreadsheet would run as a formula (=HYPERLINK(...), @SUM(...),
# +cmd|...): it starts with = or @ (or a tab or carriage return), or with + or -
# followed by anything but a plain number or more signs (-0.5, +++, - stay as they are).
_FORMULA = re.compile(r"^[=@\t\r]|^[+\-](?![\d.eE%+\-/ ]*$)")


def _neutralised(column: Any) -> Any:
    """``neutralise`` over a column, called only on the cells that start with one of
    the formula characters (a million-row table is mostly plain text)."""
    try:
        first = column.str[:1]  # NaN for cells that are not text
    except AttributeError:  # no text at all in the column (numbers, lists...)
        return column.map(neutralise)
    suspect = first.isin(_FORMULA_STARTS).to_numpy()
    if not suspect.any():
        return column
    out = column.copy()
    out[suspect] = column[suspect].map(neutralise)
    return out


_FORMULA_STARTS = ("=", "@", "\t", "\r", "+", "-")


def neutralise(value: Any) -> Any:
    """A text cell that would be a spreadsheet formula, prefixed with an apostrophe
    (OWASP's advice on CSV injection); anything else unchanged."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def write_table(frame: Any, path: Path, data_format: str, keep_formulas: bool = False) -> None:
    """One table in the data folder. Text cells of TSV and CSV files that a spreadsheet
    would run as formulas are neutralised unless ``keep_formulas`` (config key
    ``keep_formulas: true``); JSON and Parquet keep every value as it is."""
    if data_format in ("tsv", "csv") and not keep_formulas:
        frame = frame.copy()
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = _neutralised(frame[column])
    if data_format == "tsv":
        frame.to_csv(path, sep="\t", index=False, lineterminator="\n")
    elif data_format == "csv":
        frame.to_csv(path, index=False, lineterminator="\n")
    elif data_format == "json":
        frame.to_json(path, orient="records", indent=1, date_format="iso", default_handler=str)
    elif data_format == "parquet":
        # Mixed-type object columns (a plugin's free-text cells) are written as text.
        safe = frame.copy()
        for column in safe.columns:
            if safe[column].dtype == object:
                safe[column] = safe[column].map(lambda v: None if v is None else str(v))
        safe.to_parquet(path, index=False)
    else:  # pragma: no cover - validated by the runner
        raise ValueError(data_format)


def manifest(report: Report, data_format: str) -> dict[str, Any]:
    return {
        "rinec_report_version": report.run.version,
        "created": report.run.timestamp,
        "run_dir": report.run.run_dir or None,
        "deidentified": report.deidentified,
        "title": report.run.title,
        "exit_status": report.exit_status,
        "data_format": data_format,
        "inputs": describe.inputs(report),
        "plugins": describe.plugins(report),
        "tables": [
            {
                "name": name,
                "file": f"{name}.{data_format}",
                "rows": len(frame),
                "columns": [str(c) for c in frame.columns],
            }
            for name, frame in sorted(report.tables.items())
        ],
        "warnings": [m.line() for m in report.warnings],
        "errors": [m.line() for m in report.errors],
    }


def write_data_dir(report: Report, data_format: str) -> None:
    target = report.data_dir
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        for name, frame in sorted(report.tables.items()):
            write_table(frame, staging / f"{name}.{data_format}", data_format,
                        keep_formulas=bool(report.config.get("keep_formulas", False)))
        (staging / "manifest.json").write_text(
            json.dumps(manifest(report, data_format), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        os.chmod(staging, 0o755)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old.{os.getpid()}")
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def identity_map_path(html_path: Path) -> Path:
    """Where a de-identified report's table of pseudonyms goes: beside the page, outside the
    data folder, with a name that says not to share it."""
    return html_path.with_name(f"{html_path.stem}.identity-map.DO-NOT-SHARE.tsv")


def write_identity_map(report: Report) -> None:
    import pandas as pd

    assert report.html_path is not None and report.identity_map is not None
    frame = pd.DataFrame(report.identity_map, columns=["kind", "original", "pseudonym"])
    atomic_write_text(identity_map_path(report.html_path), frame.to_csv(sep="\t", index=False, lineterminator="\n"))


def write_outputs(report: Report, data_format: str) -> None:
    from .render import render_html

    html = render_html(report)
    if report.data_dir is not None:
        write_data_dir(report, data_format)
    assert report.html_path is not None
    if report.identity_map is not None:
        write_identity_map(report)
    atomic_write_text(report.html_path, html)
