"""The canonical clinical columns, their kinds, and how input headers map onto them."""

from __future__ import annotations

import warnings

from rinec_report import InputWarning, headers
from rinec_report.widths import listed

# kind: id, samples, number, sex, date, event, outcome (months, possibly "9 m, died"),
# yesno, treatment (free text where "no"/"none" means not performed), text.
CANONICAL: dict[str, str] = {
    "patient_id": "id",
    "sample_id": "samples",
    "age": "number",
    "sex": "sex",
    "npc_diagnosis_date": "date",
    "npc_stage": "text",
    "npc_histology": "text",
    "npc_rt_date": "date",
    "npc_rt_end_date": "date",
    "npc_rt_dose_gy": "number",
    "npc_rt_fractions": "number",
    "npc_rt_technique": "treatment",
    "npc_chemo": "treatment",
    "nec_diagnosis_date": "date",
    "nec_site": "text",
    "nec_histology": "text",
    "nec_in_rt_field": "yesno",
    "nec_surgery_date": "date",
    "nec_rt_date": "date",
    "nec_rt_dose_gy": "number",
    "nec_rt_fractions": "number",
    "nec_rt_technique": "treatment",
    "nec_chemo": "treatment",
    "progression_date": "date",
    "metastasis_site": "text",
    "metastasis_date": "date",
    "death_date": "date",
    "last_followup_date": "date",
    "pfs_months": "outcome",
    "pfs_event": "event",
    "os_months": "outcome",
    "os_event": "event",
    # any cohort: the diagnosis survival starts from, and cBioPortal's other endpoints
    "diagnosis_date": "date",
    "dfs_months": "outcome",
    "dfs_event": "event",
    "dss_months": "outcome",
    "dss_event": "event",
}

# Endpoints: <ep>_months and <ep>_event. OS is published from times or dates; PFS only
# when the table holds progression information (never made from deaths alone); DFS and
# DSS when the table has them.
ENDPOINTS = ("os", "pfs", "dfs", "dss")
# The columns of the second-cancer study (the preset): a table with any of them is
# that kind of study unless the config says otherwise (cohort: profile).
SECOND_CANCER = tuple(c for c in CANONICAL if c.startswith(("npc_", "nec_")))

# Synonym-table fields (rinec_report/data/synonyms.yaml) -> the cohort's columns, where
# their names differ: the table's time fields are the cohort's months (a time in days is
# converted, its unit read from the header).
FIELDS = {"os_time": "os_months", "pfs_time": "pfs_months", "dfs_time": "dfs_months", "dss_time": "dss_months"}

LABELS: dict[str, str] = {
    "patient_id": "Patient",
    "sample_id": "Sequenced samples",
    "age": "Age (years)",
    "sex": "Sex",
    "npc_diagnosis_date": "Diagnosis",
    "npc_stage": "Stage",
    "npc_histology": "Histology",
    "npc_rt_date": "Radiotherapy",
    "npc_rt_end_date": "Radiotherapy end",
    "npc_rt_dose_gy": "RT dose (Gy)",
    "npc_rt_fractions": "RT fractions",
    "npc_rt_technique": "RT technique",
    "npc_chemo": "Chemotherapy",
    "nec_diagnosis_date": "Diagnosis",
    "nec_site": "Site",
    "nec_histology": "Histology",
    "nec_in_rt_field": "Inside the irradiated field",
    "nec_surgery_date": "Surgery",
    "nec_rt_date": "Re-irradiation",
    "nec_rt_dose_gy": "RT dose (Gy)",
    "nec_rt_fractions": "RT fractions",
    "nec_rt_technique": "RT technique",
    "nec_chemo": "Chemotherapy",
    "progression_date": "Progression",
    "metastasis_site": "Metastasis site",
    "metastasis_date": "Metastasis",
    "death_date": "Death",
    "last_followup_date": "Last follow-up",
    "diagnosis_date": "Diagnosis",
    "dfs_months": "DFS (months)",
    "dss_months": "DSS (months)",
    "pfs_months": "PFS (months)",
    "pfs_event": "PFS event",
    "os_months": "OS (months)",
    "os_event": "OS event",
    "latency_years": "Latency from NPC diagnosis (years)",
    "latency_rt_years": "Latency from end of radiotherapy (years)",
}

GROUPS: list[tuple[str, list[str]]] = [
    ("Demographics", ["age", "sex"]),
    ("Primary NPC", ["npc_diagnosis_date", "npc_stage", "npc_histology"]),
    (
        "NPC treatment",
        [
            "npc_rt_date",
            "npc_rt_end_date",
            "npc_rt_dose_gy",
            "npc_rt_fractions",
            "npc_rt_technique",
            "npc_chemo",
        ],
    ),
    (
        "Second tumour (NEC)",
        [
            "nec_diagnosis_date",
            "latency_years",
            "latency_rt_years",
            "nec_site",
            "nec_histology",
            "nec_in_rt_field",
        ],
    ),
    (
        "NEC treatment",
        [
            "nec_surgery_date",
            "nec_rt_date",
            "nec_rt_dose_gy",
            "nec_rt_fractions",
            "nec_rt_technique",
            "nec_chemo",
        ],
    ),
    (
        "Outcome",
        [
            "progression_date",
            "metastasis_site",
            "metastasis_date",
            "death_date",
            "last_followup_date",
            "pfs_months",
            "os_months",
        ],
    ),
]

DATE_COLUMNS = [c for c, k in CANONICAL.items() if k == "date"]

# Table 1 of any other cohort: what is known of every cohort.
GENERIC_GROUPS: list[tuple[str, list[str]]] = [
    ("Demographics", ["age", "sex"]),
    ("Diagnosis", ["diagnosis_date"]),
    (
        "Outcome",
        ["progression_date", "metastasis_site", "metastasis_date", "death_date",
         "last_followup_date", "os_months", "pfs_months", "dfs_months", "dss_months"],
    ),
]


def normalise(name: object) -> str:
    """Header name as matched (rinec_report.headers.normalise, shared by every reader):
    lower case, any run of other characters read as '_', so that a spreadsheet's
    "PFS (months)" finds pfs_months."""
    return headers.normalise(name)


def map_columns(headers_written: list[str], configured: dict[str, str] | None,
                synonyms: headers.Synonyms | None = None) -> dict[int, str]:
    """Column index -> canonical (or the synonym table's field, or the normalised
    header) name.

    A header spelt as the column's own name wins over a synonym claiming the same
    column (the synonym's header stays a column of its own). Raises ValueError with a
    one-line message when two synonyms claim one name or a configured column is not
    in the file.
    """
    configured = configured or {}
    synonyms = synonyms or headers.synonyms()
    by_header: dict[str, str] = {}
    for canonical, header in configured.items():
        if canonical not in CANONICAL:
            known = ", ".join(CANONICAL)
            raise ValueError(f"cohort: columns: {canonical!r} is not a clinical column ({known})")
        by_header[normalise(header)] = canonical
    normalised = [normalise(h) for h in headers_written]
    known = set(normalised)
    missing = [f"{header!r}" for header in configured.values() if normalise(header) not in known]
    if missing:
        found = listed(headers_written)
        raise ValueError(
            f"configured column {', '.join(missing)} not found; columns found: {found}"
        )
    out: dict[int, str] = {}
    claimed: dict[str, int] = {}
    exact: set[str] = set()
    for i, name in enumerate(normalised):
        if not name:
            continue
        target = by_header.get(name)
        own = target is not None or name in CANONICAL
        if target is None and name in CANONICAL:
            target = name
        if target is None:
            match = synonyms.match(headers_written[i])
            target = FIELDS.get(match.field, match.field) if match else name
        if target in claimed:
            if own and target not in exact:
                # The column's own name wins; the synonym's header keeps its name.
                j = claimed[target]
                out[j] = normalised[j]
                claimed[normalised[j]] = j
            elif not own and target in exact:
                target = name
            elif target == "patient_id":  # two id columns: which rows are whose is not ours to guess
                first = headers_written[claimed[target]]
                raise ValueError(
                    f"columns {first!r} and {headers_written[i]!r} both read as {target!r}; "
                    "rename one or map it with cohort: columns:"
                )
            else:
                # Two spellings of one field (two follow-up dates): the first is read as
                # it, the second is kept under its own name, and named in a warning so
                # that the choice is seen rather than made silently.
                first = headers_written[claimed[target]]
                warnings.warn(
                    f"columns {first!r} and {headers_written[i]!r} both look like {target!r}: {first!r} is "
                    f"read as it and {headers_written[i]!r} is kept as an extra column; map the one to use "
                    "with cohort: columns:", InputWarning, stacklevel=2)
                target = name if name not in claimed else f"{name}_{i + 1}"
                own = False
        if own:
            exact.add(target)
        claimed[target] = i
        out[i] = target
    return out
