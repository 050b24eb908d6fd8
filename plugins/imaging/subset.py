"""Images cut to a patient subset (``--patients``): a picture is the subset's when the
patient it is filed under (the sidecar's row, then its path, then its DICOM tags, as
:func:`build._describe` reads them) is in the subset; the sidecars keep the rows of
the subset's pictures only. A left-out patient's picture is not decoded into the page,
named in a warning or counted by name: the core counts its file as excluded."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

from rinec_report import ParsedFile

from .parse import ParsedImage, Sidecar


def cut(files: list[ParsedFile], subset: Any) -> list[ParsedFile]:
    from .build import _sidecar_rows

    sidecars = [f.data for f in files if isinstance(f.data, Sidecar)]
    with warnings.catch_warnings():  # said again, for the subset's rows only, when the datasets are built
        warnings.simplefilter("ignore")
        rows = _sidecar_rows(sidecars)
    left_out = {relpath for relpath, row in rows.items() if _excluded(row.get("patient_id"), subset)}
    out = []
    for f in files:
        data = f.data
        if isinstance(data, ParsedImage):
            row = rows.get(data.relpath, {})
            raw = next((str(v) for v in (row.get("patient_id"), data.path_info.get("patient_id"),
                                         data.tags.get("patient_id")) if v not in (None, "")), "")
            # An image nobody files under a patient is shown by no report; one whose
            # path or sidecar names a left-out patient is left out with it.
            if data.relpath in left_out or (raw and not subset.keeps(raw)) or subset.names_excluded(data.relpath):
                continue
            out.append(f)
        elif isinstance(data, Sidecar):
            kept = [r for r in data.rows if r.get("file") not in left_out and not _excluded(r.get("patient_id"), subset)
                    and not subset.names_excluded(r.get("file"))]
            if len(kept) == len(data.rows):
                out.append(f)  # as it was: the core keeps what its reading said
            elif kept:
                out.append(ParsedFile(f.file, dataclasses.replace(data, rows=kept)))
        else:
            out.append(f)
    return out


def _excluded(raw: Any, subset: Any) -> bool:
    return raw not in (None, "") and not subset.keeps(raw)
