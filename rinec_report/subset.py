"""A true subset of the run's patients, for sharing: ``--patients P3,P5``,
``--exclude-patients P1`` (and ``include_patients:`` / ``exclude_patients:`` in the
user's config).

The page's *Hide* control only takes patients off the screen; a subset leaves them
out of the report itself. It is applied once, in the core, between parsing and the
plugins' ``rinec_datasets``: each plugin's parsed files are cut to the subset's
patients (by the plugin's ``rinec_subset`` hook, or by the core for plain tables with
a ``patient_id``, ``sample`` or ``sample_id`` column), so every table, chart, count,
test and export is computed over the subset only. A plugin whose parsed data the core
cannot cut and that does not implement ``rinec_subset`` is left out of a subset
report: its data cannot be shown without the patients left out.

This module holds what the configuration and the hook contract refer to (the options
and :class:`Subset`) and imports nothing of the core but the options, so that the
low modules can name it; applying a subset to a run is :mod:`rinec_report.subsetting`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .options import Option

if TYPE_CHECKING:
    from .patients import Patients

SUBSET_OPTIONS: list[Option] = [
    # A subset changes what every statistic of the report covers: only the person who
    # runs the report chooses it, never the shared run directory (docs/security.md).
    Option("include_patients", "list[str]", [], "Only these patients are in the report (like `--patients`): "
           "a true subset, every table, chart, count and export covers them only.", scope="user"),
    Option("exclude_patients", "list[str]", [], "These patients are left out of the report (like "
           "`--exclude-patients`), after `include_patients`.", scope="user"),
]
SUBSET_KEYS = tuple(o.name for o in SUBSET_OPTIONS)

class Subset:
    """The patients a report covers, handed to ``rinec_subset`` and kept as ``patients.subset``.

    ``kept`` and ``excluded`` are patient ids as the resolver knows them; ``total`` is
    the run's number of patients. ``keeps``/``keeps_sample`` answer for an id as a file
    wrote it (the config's ``patients:`` and ``samples:`` applied).
    """

    def __init__(self, kept: Iterable[str], excluded: Iterable[str], total: int, full: Patients) -> None:
        self.kept = frozenset(kept)
        self.excluded = frozenset(excluded)
        self.total = total
        self._full = full
        self.excluded_samples = frozenset(s for p in self.excluded for s in full.samples_of(p))
        self._names: re.Pattern[str] | None = None
        self._plain: frozenset[str] = frozenset()

    @property
    def n(self) -> int:
        return len(self.kept)

    def keeps(self, patient: Any) -> bool:
        """Whether the patient (an id as written) is in the subset."""
        if patient is None or patient != patient:  # None, NaN
            return False
        return self._full.canonical(patient) in self.kept

    def keeps_sample(self, sample: Any) -> bool:
        """Whether the sequencing sample belongs to a patient of the subset (a sample
        that belongs to no known patient is not in it)."""
        if sample is None or sample != sample:
            return False
        text = str(sample).strip()
        if text in self.excluded_samples:
            return False
        patient = self._full.patient_of(text)
        return patient is not None and patient in self.kept

    def rows(self, frame: Any, patient: str | None = None, sample: str | None = None) -> Any:
        """``frame``'s rows of the subset's patients (by its ``patient`` and/or ``sample``
        column), with the categories of left-out values dropped too: a categorical
        column keeps every category it ever had, and a parquet export or a chart's
        legend would name them."""
        keep = None
        if patient is not None and patient in frame.columns:
            keep = _where(frame[patient], self.keeps)
        if sample is not None and sample in frame.columns:
            by_sample = _where(frame[sample], self.keeps_sample)
            keep = by_sample if keep is None else keep & by_sample
        out = frame if keep is None else frame[keep]
        return without_unused_categories(out)

    def names_excluded(self, text: Any) -> bool:
        """Whether ``text`` names a left-out patient or sample as a whole token
        (``P1`` in ``images/P1/ct.png`` or ``P1_scan``, not in ``P10``)."""
        if text is None or not (self.excluded or self.excluded_samples):
            return False
        text = str(text)
        if self._names is None:
            # An id of letters and digits is a whole token exactly when it is a maximal
            # run of them: a set look-up per run. An alternation of 100,000 ids costs
            # seconds to compile; only ids with other characters need one.
            ids = {*self.excluded, *self.excluded_samples}
            self._plain = frozenset(i for i in ids if _ALNUM.fullmatch(i))
            others = sorted((i for i in ids if i and i not in self._plain), key=len, reverse=True)
            alternatives = "".join(re.escape(i) + "|" for i in others)
            self._names = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives}(?!))(?![A-Za-z0-9])")
        return any(run in self._plain for run in _ALNUM.findall(text)) or bool(self._names.search(text))

    def line(self, private: bool = False) -> str:
        """``"3 of 5 patients"``; a de-identified report does not say how many were left
        out (``"3 patients, a subset of the run's"``), as its numbering does not."""
        if private:
            return f"{self.n} patient{'s' if self.n != 1 else ''}, a subset of the run's"
        return f"{self.n} of {self.total} patients"


_ALNUM = re.compile(r"[A-Za-z0-9]+")


def _where(values: Any, keeps: Any) -> Any:
    """A boolean array: ``keeps`` of each value, asked once per distinct value (a
    mutation table repeats a few hundred samples over millions of rows)."""
    import pandas as pd

    kept = [v for v in pd.unique(values) if keeps(v)]
    return values.isin(kept).to_numpy()


def without_unused_categories(frame: Any) -> Any:
    import pandas as pd

    categorical = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not categorical:
        return frame
    frame = frame.copy(deep=False)
    for column in categorical:
        frame[column] = frame[column].cat.remove_unused_categories()
    return frame


