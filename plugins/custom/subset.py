"""Custom tables and images cut to a patient subset (``--patients``).

A table keeps the rows of the subset's patients (its patient column, as the plugin
finds it) or samples (a ``sample``/``sample_id`` column). A table with neither is not
about patients row by row; it still loses every row and column that names a patient
or sample left out (a wide table with a column per patient). An image whose name
names a left-out patient is left out."""

from __future__ import annotations

import warnings
from typing import Any

from rinec_report import ParsedFile

from .build import patient_column


def cut(files: list[ParsedFile], subset: Any) -> list[ParsedFile]:
    out = []
    for f in files:
        data = f.data
        if subset.names_excluded(data.get("relpath")):
            continue
        if data.get("kind") != "table":
            out.append(f)
            continue
        frame = data["frame"]
        with warnings.catch_warnings():  # a wrong patient_column is said when the datasets are built
            warnings.simplefilter("ignore")
            patient = patient_column(frame, data["settings"].get("patient_column"), data["relpath"])
        samples = {str(c).strip().lower(): c for c in frame.columns}
        sample = samples.get("sample", samples.get("sample_id"))
        if patient is not None or sample is not None:
            frame = subset.rows(frame, patient=patient, sample=sample)
        else:
            named = frame.astype(str).map(subset.names_excluded).any(axis=1) if len(frame) else None
            if named is not None:
                frame = frame[~named.to_numpy()]
        frame = frame[[c for c in frame.columns if not subset.names_excluded(c)]]
        if frame.shape == data["frame"].shape:
            out.append(f)  # as it was: the core keeps what its reading said
        elif len(frame) and len(frame.columns):
            out.append(ParsedFile(f.file, {**data, "frame": frame}))
    return out
