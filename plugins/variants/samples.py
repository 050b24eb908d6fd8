"""Which sample columns of a VCF are the tumour and the normal.

In order: the config's ``tumor_sample``/``normal_sample``; the header's
``##tumor_sample=``/``##normal_sample=`` (GATK Mutect2, vcf2maf); its
``##PEDIGREE=<Derived=tumour,Original=normal>`` (SnpEff -cancer, VCF 4.2 spec);
columns named TUMOR/TUMOUR and NORMAL; TCGA/GDC barcodes, by their sample-type
code (01-09 tumour, 10-19 normal, 20-29 control, read as a normal); in a
two-sample VCF, one name that reads as a normal (normal, germline, blood, a -N/_N
suffix) or, failing that, as a tumour. A single sample is the tumour. Otherwise the
VCF is a cohort: every sample except a known normal (or control).
A normal sample is never reported as mutated. Each choice keeps the rule that made
it (``SampleRoles.rule``), which the report states per file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

TUMOR_NAMES = ("TUMOR", "TUMOUR")
NORMAL_NAMES = ("NORMAL",)
_NORMAL_WORDS = re.compile(r"normal|germline|blood|(^|[-_.])N\d*$", re.IGNORECASE)
_TUMOR_WORDS = re.compile(r"tumou?r|somatic|cancer|(^|[-_.])T\d*$", re.IGNORECASE)
# A TCGA/GDC aliquot or sample barcode: project, tissue source site, participant,
# then the two-digit sample type (TCGA-AB-1234-01A..., TARGET-20-PADZCG-04A...).
_BARCODE = re.compile(r"^[A-Z][A-Z0-9]*-[A-Z0-9]{2}-[A-Z0-9]{4,6}-(\d{2})(?:[A-Z](?:-|$)|-|$)",
                      re.IGNORECASE)

CONFIG = "the config's variants.tumor_sample / variants.normal_sample"
HEADER = "the header's ##tumor_sample / ##normal_sample"
PEDIGREE = "the header's ##PEDIGREE (Derived = tumour, Original = normal)"
NAMES = "the column names TUMOR and NORMAL"
BARCODES = "TCGA/GDC barcode sample-type codes (01-09 tumour, 10-19 normal, 20-29 control)"
WORDS = "words in the column names (normal, germline, blood, -N; tumour, somatic, cancer, -T)"
SINGLE = "the only sample column"
OTHER = "the other of two columns"


@dataclass(frozen=True)
class SampleRoles:
    tumor: str | None  # the tumour column, or None for a cohort VCF
    normal: str | None  # the normal column, if known
    cohort: list[str] = field(default_factory=list)  # reported samples of a cohort VCF
    generic_name: bool = False  # the tumour column is called TUMOR: name it by the file
    rule: str = ""  # how the tumour was chosen ("" for a cohort)
    normal_rule: str = ""  # how the normal was chosen ("" without one)
    left_out: list[str] = field(default_factory=list)  # a cohort's normals and controls
    ambiguous: bool = False  # two columns and no rule said which is the tumour


def sample_type(name: str) -> str | None:
    """'tumour', 'normal' or 'control' from a TCGA/GDC barcode's sample-type code."""
    m = _BARCODE.match(name)
    if not m:
        return None
    code = int(m.group(1))
    if 1 <= code <= 9:
        return "tumour"
    if 10 <= code <= 19:
        return "normal"
    if 20 <= code <= 29:
        return "control"
    return None


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
    _warn_of_names_that_are_not_columns(samples, raw_header, options)
    pairs = [(d, o) for d, o in pedigree(raw_header) if d in present and o in present]
    tumor, t_rule = _first_rule(present, (options["tumor_sample"], CONFIG),
                                (header_meta(raw_header, "tumor_sample"), HEADER))
    normal, n_rule = _first_rule(present, (options["normal_sample"], CONFIG),
                                 (header_meta(raw_header, "normal_sample"), HEADER))
    if tumor is None and len(pairs) == 1:
        tumor, t_rule = pairs[0][0], PEDIGREE
    if normal is None:
        originals = {o for _, o in pairs if o != tumor}
        normal = next((o for d, o in pairs if d == tumor), None) or (
            originals.pop() if len(originals) == 1 else None)
        n_rule = PEDIGREE if normal is not None else ""
    if tumor is None:
        tumor = next((upper[n] for n in TUMOR_NAMES if n in upper), None)
        t_rule = NAMES if tumor is not None else ""
    if normal is None:
        normal = next((upper[n] for n in NORMAL_NAMES if n in upper and upper[n] != tumor),
                      None)
        n_rule = NAMES if normal is not None else ""
    types = {s: sample_type(s) for s in samples}
    tumours = [s for s in samples if types[s] == "tumour"]
    normals = [s for s in samples if types[s] in ("normal", "control")]
    if tumor is None and normal is None and len(tumours) == 1 and normals:
        tumor, t_rule = tumours[0], BARCODES
    if normal is None and tumor is not None and len(normals) == 1 and normals[0] != tumor:
        normal, n_rule = normals[0], BARCODES
    if tumor is None and normal is None and len(samples) == 2 and not (tumours or normals):
        normal = _the_one(samples, _NORMAL_WORDS)
        n_rule = WORDS if normal is not None else ""
        if normal is None:
            tumor = _the_one(samples, _TUMOR_WORDS)
            if tumor is not None:
                t_rule = WORDS
                normal, n_rule = next(s for s in samples if s != tumor), OTHER
    if tumor is None and normal is not None and len(samples) == 2:
        tumor, t_rule = next(s for s in samples if s != normal), OTHER
    if tumor is None and len(samples) == 1:
        tumor, t_rule = samples[0], SINGLE
    if tumor is not None:
        return SampleRoles(tumor, normal, [], tumor.upper() in TUMOR_NAMES, t_rule, n_rule)
    left_out = {normal} | {o for _, o in pairs} | set(normals)
    cohort = [s for s in samples if s not in left_out]
    # Two columns read as two samples, with no code saying both are tumours: most
    # likely an unrecognised tumour/normal pair.
    ambiguous = len(samples) == 2 and len(tumours) < 2
    return SampleRoles(None, normal, cohort, False, "", n_rule,
                       [s for s in samples if s in left_out], ambiguous)


def _warn_of_names_that_are_not_columns(samples: list[str], raw_header: str, options: dict[str, Any]) -> None:
    """A tumour or normal named by the config or the header that no column holds is a
    finding: the next rule decides, and the file says which (never silently)."""
    import warnings

    from rinec_report import InputWarning

    shown = ", ".join(samples[:10]) + (f" ({len(samples)} in all)" if len(samples) > 10 else "")
    for role in ("tumor_sample", "normal_sample"):
        for name, where in ((options[role], f"the config's variants.{role}"),
                            (header_meta(raw_header, role), f"the header's ##{role}")):
            if name and str(name) not in samples:
                warnings.warn(f"{where} {str(name)!r} names no sample column of this file (columns: {shown}); "
                              "the next rule chose the roles", InputWarning, stacklevel=3)


def _first_rule(present: set[str], *candidates: tuple[Any, str]) -> tuple[str | None, str]:
    for name, rule in candidates:
        if name and str(name) in present:
            return str(name), rule
    return None, ""


def _the_one(samples: list[str], pattern: re.Pattern[str]) -> str | None:
    hits = [s for s in samples if pattern.search(s)]
    return hits[0] if len(hits) == 1 else None
