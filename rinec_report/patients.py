"""Who is who: the one owner of patient and sample identity in a run.

Every plugin asks the same resolver, so that a sample maps to the same patient in
the oncoplot, the summary table and the highlighter. Its sources, in order:

1. the config's ``samples:`` (sample -> patient) and ``patients:`` (raw id -> id);
2. what identity sources declare through ``rinec_patient_samples`` (the clinical
   table's ``sample_id`` column, a cBioPortal sample sheet): asked lazily, on the
   first question that needs them;
3. a sample id equal to a known patient id.

With a patient subset (``--patients``, ``--exclude-patients``), the resolver knows
only the subset's patients: ``ids`` and ``table()`` list them, and a sample of a
patient left out belongs to nobody without being *unmatched* (``patients.subset``
says which patients the report covers, and of how many).

A sample none of these names is *unmatched*: ``patient_of`` returns ``None`` and the
core lists it with a warning, rather than inventing a patient. Only when no source
declares any patient at all (a run of VCFs without a clinical table) does a sample
stand for its own patient.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, Protocol


class Subset(Protocol):
    """What the resolver asks of a patient subset (:class:`rinec_report.subset.Subset`);
    a protocol, so that this low module does not import the subset's."""

    excluded_samples: Any

    def keeps(self, patient: Any) -> bool: ...


def natural_key(value: Any) -> tuple:
    """Sort P2 before P10."""
    return _natural_key(str(value))


# The same ids are sorted by several tables of one run.
@functools.lru_cache(maxsize=1 << 18)
def _natural_key(text: str) -> tuple:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in _DIGITS.split(text) if part)


_DIGITS = re.compile(r"(\d+)")


class Patients:
    """The patient resolver handed to plugins as ``patients``."""

    def __init__(
        self,
        renames: dict[str, str],
        sample_links: dict[str, str],
        declarations: Callable[[], list[dict[str, list[str]]]] = list,
        subset: Subset | None = None,
    ) -> None:
        self.subset = subset
        self._renames = dict(renames)
        self._config_links = {str(s): self.canonical(p) for s, p in sample_links.items()}
        self._declarations = declarations
        self._loaded = False
        self._samples: dict[str, list[str]] = {}  # patient -> samples, declared then seen
        self._links: dict[str, str] = {}  # sample -> patient
        self._unmatched: dict[str, None] = {}
        self._roster = False

    def canonical(self, raw_patient_id: Any) -> str:
        """The id used everywhere for a patient id as a table wrote it."""
        text = str(raw_patient_id).strip()
        return self._renames.get(text, text)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True  # set first: a declaring plugin that asks back sees the config only
        for declared in self._declarations():
            for raw_patient, samples in declared.items():
                patient = self.canonical(raw_patient)
                if not self.keeps(patient):
                    continue
                known = self._samples.setdefault(patient, [])
                for sample in samples:
                    sample = str(sample).strip()
                    if sample and sample not in self._links:
                        self._links[sample] = patient
                    if sample and sample not in known:
                        known.append(sample)
        # A roster exists when a source named patients; without one, samples stand for themselves.
        self._roster = bool(self._samples)
        for sample, patient in self._config_links.items():
            if not self.keeps(patient):
                continue
            previous = self._links.get(sample)
            if previous is not None and previous != patient:
                self._samples[previous].remove(sample)  # the config wins over the tables
            self._links[sample] = patient
            known = self._samples.setdefault(patient, [])
            if sample not in known:
                known.append(sample)

    @property
    def ids(self) -> list[str]:
        """Every declared patient, in natural order (P2 before P10)."""
        self._load()
        return sorted(self._samples, key=natural_key)

    def patient_of(self, sample: Any) -> str | None:
        """The patient a sequencing sample belongs to, or ``None`` when nothing says."""
        self._load()
        sample = str(sample).strip()
        if self.subset is not None and sample in self.subset.excluded_samples:
            return None  # a left-out patient's: nobody's here, and not unmatched either
        patient = self._links.get(sample)
        if patient is None:
            candidate = self.canonical(sample)
            if candidate in self._samples:
                patient = candidate
            elif not self._roster:
                patient = candidate  # no patient list at all: a sample stands for itself
        if patient is not None and not self.keeps(patient):
            return None
        if patient is None:
            self._unmatched[sample] = None
            return None
        known = self._samples.setdefault(patient, [])
        if sample != patient and sample not in known:
            known.append(sample)
        return patient

    def samples_of(self, patient: Any) -> list[str]:
        """The samples known to belong to ``patient`` (declared, then seen)."""
        self._load()
        return list(self._samples.get(self.canonical(patient), []))

    def keeps(self, patient: Any) -> bool:
        """Whether the report covers ``patient`` (an id as a table wrote it): always,
        unless a patient subset was asked for."""
        return self.subset is None or self.subset.keeps(patient)

    @property
    def unmatched(self) -> list[str]:
        """Samples that were asked about and belong to no known patient."""
        return sorted(self._unmatched, key=natural_key)

    def table(self) -> dict[str, list[str]]:
        """``{patient: samples}`` for every patient the run knows of."""
        self._load()
        return {p: list(self._samples[p]) for p in sorted(self._samples, key=natural_key)}
