"""Which sample columns of a VCF are the tumour and the normal.

In order: the config's ``tumor_sample``/``normal_sample``; the header's
``##tumor_sample=``/``##normal_sample=`` (GATK Mutect2, vcf2maf); its
``##PEDIGREE=<Derived=tumour,Original=normal>`` (SnpEff -cancer, VCF 4.2 spec);
columns named TUMOR/TUMOUR and NORMAL; in a two-sample VCF, one name that reads
as a normal (normal, germline, blood, a -N/_N suffix). A single sample is the
tumour. Otherwise the VCF is a cohort: every sample except a known normal.
A normal sample is never reported as mutated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TUMOR_NAMES = ("TUMOR", "TUMOUR")
NORMAL_NAMES = ("NORMAL",)
_NORMAL_WORDS = re.compile(r"normal|germline|blood|(^|[-_.])N\d*$", re.IGNORECASE)
_TUMOR_WORDS = re.compile(r"tumou?r|somatic|cancer|(^|[-_.])T\d*$", re.IGNORECASE)


@dataclass(frozen=True)
class SampleRoles:
    tumor: str | None  # the tumour column, or None for a cohort VCF
    normal: str | None  # the normal column, if known
    cohort: list[str] = field(default_factory=list)  # reported samples of a cohort VCF
    generic_name: bool = False  # the tumour column is called TUMOR: name it by the file


def header_meta(raw_header: str, key: str) -> str | None:
    m = re.search(rf"^##{key}=(.+)$", raw_header, flags=re.MULTILINE | re.IGNORECASE)
    return m.group(1).strip() if m else None


def pedigree(raw_header: str) -> list[tuple[str, str]]:
    """(derived, original) pairs of the ##PEDIGREE lines that have both."""
    pairs = []
    for m in re.finditer(r"^##PEDIGREE=<([^>]*)>", raw_header, flags=re.MULTILINE):
        fields = dict(kv.split("=", 1) for kv in m.group(1).split(",") if "=" in kv)
        fields = {k.strip().lower(): v.strip() for k, v in fields.items()}
        if "derived" in fields and "original" in fields:
            pairs.append((fields["derived"], fields["original"]))
    return pairs


def pick_samples(samples: list[str], raw_header: str, options: dict[str, Any]) -> SampleRoles:
    """The tumour and normal columns (see the module's docstring for the order)."""
    present = set(samples)
    upper = {s.upper(): s for s in samples}
    pairs = [(d, o) for d, o in pedigree(raw_header) if d in present and o in present]
    tumor = _first_present(present, options["tumor_sample"],
                           header_meta(raw_header, "tumor_sample"))
    normal = _first_present(present, options["normal_sample"],
                            header_meta(raw_header, "normal_sample"))
    if tumor is None and len(pairs) == 1:
        tumor = pairs[0][0]
    if normal is None:
        originals = {o for _, o in pairs if o != tumor}
        normal = next((o for d, o in pairs if d == tumor), None) or (
            originals.pop() if len(originals) == 1 else None)
    if tumor is None:
        tumor = next((upper[n] for n in TUMOR_NAMES if n in upper), None)
    if normal is None:
        normal = next((upper[n] for n in NORMAL_NAMES if n in upper and upper[n] != tumor),
                      None)
    if tumor is None and normal is None and len(samples) == 2:
        normal = _the_one(samples, _NORMAL_WORDS)
        if normal is None:
            tumor = _the_one(samples, _TUMOR_WORDS)
            if tumor is not None:
                normal = next(s for s in samples if s != tumor)
    if tumor is None and normal is not None and len(samples) == 2:
        tumor = next(s for s in samples if s != normal)
    if tumor is None and len(samples) == 1:
        tumor = samples[0]
    if tumor is not None:
        return SampleRoles(tumor, normal, [], tumor.upper() in TUMOR_NAMES)
    normals = {normal} | {o for _, o in pairs}
    return SampleRoles(None, normal, [s for s in samples if s not in normals])


def _first_present(present: set[str], *names: Any) -> str | None:
    for name in names:
        if name and str(name) in present:
            return str(name)
    return None


def _the_one(samples: list[str], pattern: re.Pattern[str]) -> str | None:
    hits = [s for s in samples if pattern.search(s)]
    return hits[0] if len(hits) == 1 else None
