"""Reading custom tables and images, and their settings (header lines or a sidecar)."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any

from rinec_report import missing, widths
from rinec_report.model import InputError, InputWarning
from rinec_report.safeio import LinkRefused, NotRegularFile, TooLarge, read_content, read_small
from rinec_report.yamltext import MAX_YAML_BYTES, YamlRefused, load_yaml

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
KEYS = ("title", "description", "plot_type", "patient_column", "x", "y", "summary", "section_id")
PLOT_TYPES = ("table", "bar", "line", "scatter", "heatmap")
SIDECARS = (".yaml", ".yml", ".json")


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".tsv", ".csv", ".txt", ".png", ".svg"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def sidecar(path: Path) -> dict[str, Any]:
    """Settings from ``<stem>.yaml`` / ``.yml`` / ``.json`` beside the file, if any.

    A sidecar is opened as every input is (no link followed, a regular file, at most
    the YAML loader's bound); one that is a link or not a file is named in a warning
    and left out, so that nothing from outside the run directory reaches the page."""
    for suffix in SIDECARS:
        candidate = path.with_name(_stem(path) + suffix)
        if not os.path.lexists(candidate):
            continue
        try:
            raw = read_small(candidate, MAX_YAML_BYTES)
        except (LinkRefused, NotRegularFile) as exc:
            warnings.warn(f"sidecar {candidate.name}: {exc.strerror}; left out", InputWarning, stacklevel=2)
            return {}
        except OSError as exc:
            raise InputError(f"sidecar {candidate.name}: not readable ({exc.strerror or exc})") from None
        try:
            found = json.loads(raw) if suffix == ".json" else load_yaml(raw)
        except (ValueError, RecursionError) as exc:
            detail = (str(exc).splitlines() or ["nested too deeply"])[0]
            raise InputError(f"sidecar {candidate.name}: not readable ({detail})") from None
        if found is None:
            return {}
        if not isinstance(found, dict):
            raise InputError(f"sidecar {candidate.name}: must be a mapping of keys to values")
        return found
    return {}


def settings(found: dict[str, Any], where: str) -> dict[str, Any]:
    """Known keys only (others warned about by name); plot_type checked."""
    out: dict[str, Any] = {}
    for key, value in found.items():
        if key not in KEYS:
            warnings.warn(f"{where}: unknown key {key!r} (known: {', '.join(KEYS)})", InputWarning, stacklevel=2)
            continue
        out[key] = value
    plot = str(out.get("plot_type", "table")).strip().lower()
    if plot not in PLOT_TYPES:
        raise InputError(f"{where}: plot_type {out['plot_type']!r} is not one of {', '.join(PLOT_TYPES)}")
    out["plot_type"] = plot
    if "summary" in out and not isinstance(out["summary"], list):
        out["summary"] = [out["summary"]]
    return out


def _header(lines: list[str], where: str) -> tuple[dict[str, Any], int]:
    """``# key: value`` lines at the top, and how many lines they take (read by the
    bounded YAML loader: a header is as untrusted as a config file)."""
    taken = []
    for line in lines:
        if not line.startswith("#"):
            break
        taken.append(line[1:].strip())
    if not taken:
        return {}, 0
    try:
        found = load_yaml("\n".join(t for t in taken if t))
    except YamlRefused as exc:
        raise InputError(f"the '#' header lines (1-{len(taken)}): {exc}") from None
    if found is None:
        return {}, len(taken)
    if not isinstance(found, dict):
        raise InputError("the '#' header lines must be 'key: value' lines")
    return found, len(taken)


def read_table(path: str, relpath: str) -> dict[str, Any]:
    import pandas as pd

    p = Path(path)
    widths.check_header(p, delimiter="," if ".csv" in p.name.lower() else "\t")
    raw = read_content(p)  # checked, and bounded after decompression
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"byte {exc.start}: not UTF-8 text") from exc
    # Only the '#' lines at the top are split here, at real line breaks: str.splitlines
    # would also break at \v, \f and \x1c-\x1e, and the body's quoted cells may hold
    # those (and \r or \n). The body goes to the CSV reader as it is in the file.
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    lines = [text[a:b].rstrip("\r\n") for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    header, skip = _header(lines, relpath)
    found = {**sidecar(p), **header}
    body = text[starts[skip]:] if skip < len(starts) else ""
    if not body.strip():
        raise InputError("no table under the header lines")
    sep = "," if ".csv" in p.name.lower() else "\t"
    try:
        frame = pd.read_csv(io.StringIO(body), sep=sep, dtype=str, keep_default_na=False, na_filter=False)
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(str(exc).strip().splitlines()[-1]) from exc
    widths.check_width(len(frame.columns))
    columns = _typed_columns(frame)
    names = [str(c).strip() for c in frame.columns]
    frame = pd.DataFrame(columns, index=frame.index)
    frame.columns = names  # positions as keys above: two headers may strip to one name
    from rinec_report import account

    account.rows(read=len(frame), used=len(frame))
    for name in names:
        account.column(name, "extra")  # a custom table is drawn as it is
    return {"kind": "table", "relpath": relpath, "stem": _stem(p), "settings": settings(found, relpath),
            "frame": frame}


def _typed_columns(frame: Any) -> dict[int, Any]:
    """Each column (by position) as numbers when every cell given reads as one, else
    as text, missing codes ('.', NA, [Not Available]: the one list every table reader
    applies) as None. The columns are numpy arrays of the read text, the missing codes
    found once for the whole table: pandas' steps per Series cost about a millisecond a
    column, a minute for a 50,000-column expression matrix. The frame is made once by
    the caller: assigning a column of a frame of many columns splits its block."""
    import numpy as np
    import pandas as pd

    values = frame.to_numpy(dtype=object)  # read with dtype=str and no NA filter: every cell is text
    codes = [c for c in pd.unique(values.ravel()) if missing.missing_kind(c) is not None]
    absent = (np.isin(values, codes) if codes else np.zeros(values.shape, dtype=bool)) | pd.isna(values)
    given = len(values) - absent.sum(axis=0)
    columns: dict[int, Any] = {}
    for k in range(values.shape[1]):
        cells = values[:, k]
        if absent[:, k].any():
            cells = cells.copy()
            cells[absent[:, k]] = None
        numbers = pd.to_numeric(cells, errors="coerce")
        parsed = len(numbers) - int(np.isnan(numbers).sum()) if numbers.dtype.kind == "f" else len(numbers)
        columns[k] = numbers if given[k] and parsed == given[k] else cells
    return columns


def read_image(path: str, relpath: str, max_mb: float) -> dict[str, Any] | None:
    p = Path(path)
    try:
        raw = read_small(p, int(max_mb * 1024 * 1024))
    except TooLarge:
        size = p.stat().st_size
        warnings.warn(f"{size / 1048576:.1f} MB is over custom.max_image_mb ({max_mb:g}): left out",
                      InputWarning, stacklevel=2)
        return None
    svg = p.name.lower().endswith(".svg")
    if svg and b"<svg" not in raw[:4096].lower():
        raise InputError("not an SVG image (no <svg element at the start)")
    if not svg and not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InputError("not a PNG image (wrong signature)")
    return {"kind": "image", "relpath": relpath, "stem": _stem(p), "settings": settings(sidecar(p), relpath),
            "mime": "image/svg+xml" if svg else "image/png", "base64": base64.b64encode(raw).decode("ascii")}
