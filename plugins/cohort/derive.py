"""From typed clinical rows to the published ``patients`` dataset: ids, latencies,
survival times, RIN criteria and the checks of event order."""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from rinec_report import collapse
from rinec_report import survival_dates as SD
from rinec_report.model import InputError
from rinec_report.widths import listed

from . import values as V
from .columns import CANONICAL, ENDPOINTS, SECOND_CANCER
from .parse import ClinicalFile

MET, NOT_MET, UNKNOWN = "met", "not met", "unknown"
RIN_COLUMNS = ["rin_prior_rt_in_field", "rin_latency", "rin_histology"]
SURVIVAL_COLUMNS = ["os_months", "os_event", "pfs_months", "pfs_event"]


@dataclass
class Cohort:
    """Everything the cohort sections need, built once."""

    patients: Any  # DataFrame, the published contract
    kinds: dict[str, dict[str, str]]  # patient -> column -> missing kind
    reasons: dict[str, dict[str, str]]  # patient -> rin column -> reason
    approx: dict[str, set[str]]  # patient -> derived columns that are approximate
    survival_source: dict[str, dict[str, str]]  # patient -> endpoint -> how obtained
    survival_rule: str
    problems: list[str] = field(default_factory=list)  # impossible orders, conflicts
    latency_threshold: float = 2.0
    profile: str = "second_cancer"  # or "generic": which sections and columns apply
    labels: dict[str, str] = field(default_factory=dict)  # extra column -> display name
    types: dict[str, str] = field(default_factory=dict)  # extra column -> number, category, ...
    endpoints: list[str] = field(default_factory=lambda: ["os", "pfs"])
    samples: list[dict[str, Any]] = field(default_factory=list)  # one row per sample, when a file has them
    sample_rules: dict[str, str] = field(default_factory=dict)  # column -> how samples make the patient's value
    # endpoint -> reason -> patients left out of it; -> remark -> patients (kept, but said)
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)
    remarks: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what was not derived, and why


@dataclass(frozen=True)
class Settings:
    """The options that shape derived values, checked once."""

    threshold: float
    followup_end: str | None
    start_rule: str
    endpoints: tuple[str, ...] = ("os", "pfs")


def build(
    files: list[ClinicalFile], options: dict[str, Any], patients: Any
) -> Cohort:
    import pandas as pd

    rows, kinds, columns, samples, rules, merge_problems = _merge_files(files, patients)
    named = set(columns)  # looked up per canonical column
    # PFS only from a table that holds progression: derived from deaths alone it would
    # be OS under another name.
    endpoints = tuple(ep for ep in ENDPOINTS if ep == "os" or f"{ep}_months" in named
                      or (ep == "pfs" and has_progression(named)))
    settings = _settings(options, endpoints)
    profile = choose_profile(options, named)
    cohort = Cohort(patients=None, kinds=kinds, reasons={}, approx={}, survival_source={},
                    survival_rule="", latency_threshold=settings.threshold, profile=profile,
                    endpoints=list(endpoints))
    cohort.problems += merge_problems
    cohort.samples = samples
    cohort.sample_rules = rules
    for f in files:
        for column, label in f.labels.items():
            cohort.labels.setdefault(column, label)
        for column, kind in f.types.items():
            cohort.types.setdefault(column, kind)
    if profile == "second_cancer":
        cohort.problems += _preset_gaps(named, files)
    shown = [c for c in columns if CANONICAL.get(c) != "outcome"]
    out_rows = [_derive_patient(row, shown, cohort, settings) for row in rows]

    present = [c for c in CANONICAL if c in named or c == "sample_id"]
    extra = [c for c in columns if c not in CANONICAL]
    # Latencies and RIN criteria belong to the second-cancer study: any other cohort's
    # table gets no column that is empty by construction.
    derived = ["latency_years", "latency_rt_years", *RIN_COLUMNS, "rin_status"] if profile == "second_cancer" else []
    survival_columns = [f"{ep}_{part}" for ep in endpoints for part in ("months", "event")]
    ordered = list(dict.fromkeys([*present, *extra, *derived, *survival_columns]))
    numeric = {*survival_columns, *derived[:2]}
    numeric.update(c for c, kind in CANONICAL.items() if kind == "number")
    numeric.update(c for c, kind in cohort.types.items() if kind == "number")
    # Column by column, each typed before the frame is made: assigning a column of a
    # frame of many columns splits its block, which made the frame quadratic in them.
    data: dict[str, Any] = {}
    for column in ordered:
        try:  # a column every patient's row holds, the usual case, taken without a call per row
            values = list(map(operator.itemgetter(column), out_rows))
        except KeyError:
            values = [row.get(column) for row in out_rows]
        data[column] = _floats(values) if column in numeric else values
    data["patient_id"] = [str(v) for v in data["patient_id"]]
    # Objects even when every patient has none (astype would copy every column).
    data["sample_id"] = pd.array(data["sample_id"], dtype=object)
    cohort.patients = pd.DataFrame(data, columns=ordered)
    if "pfs" not in endpoints:
        cohort.notes.append(NO_PFS)
    cohort.problems += survival_problems(cohort)
    cohort.survival_rule = survival_rule(
        cohort.survival_source, settings.start_rule, settings.followup_end, profile)
    if cohort.notes:
        cohort.survival_rule += " " + " ".join(f"{n}." for n in cohort.notes)
    return cohort


NO_PFS = "PFS not derived: no progression column"


def survival_problems(cohort: Cohort) -> list[str]:
    """One warning per endpoint and reason, with its count of patients."""
    out = []
    for endpoint, reasons in cohort.dropped.items():
        out += [f"{endpoint.upper()}: {n} patient(s) left out: {reason}" for reason, n in reasons.items()]
    for endpoint, remarks in cohort.remarks.items():
        for remark, n in remarks.items():
            if remark == SD.CONFLICT:
                out.append(f"{endpoint.upper()}: {n} patient(s) with a date of death before their last "
                           "follow-up date; the death is used")
            else:
                out.append(f"{endpoint.upper()}: {n} patient(s) {remark}")
    return out


def _floats(values: list[Any]) -> Any:
    """A float array (NaN for what is not a number), as pandas' to_numeric(errors='coerce')."""
    import numpy as np
    import pandas as pd

    try:
        return np.array(values, dtype=float)  # None reads as NaN
    except (TypeError, ValueError):
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype(float).to_numpy()


def _merge_files(
    files: list[ClinicalFile], patients: Any
) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]], list[str], list[dict[str, Any]], dict[str, str],
           list[str]]:
    """Every file's rows, patient ids as the core's resolver names them; with the samples,
    the rules that made patients' values from them, and what was merged."""
    rows: list[dict[str, Any]] = []
    kinds: dict[str, dict[str, str]] = {}
    # A dict as an ordered set: a list's membership test made the merge quadratic in the columns.
    columns: dict[str, None] = {}
    for f in files:
        if f.kind == "samples":
            continue
        for row, missing in zip(f.rows, f.kinds, strict=True):
            row = dict(row)
            row["patient_id"] = patients.canonical(row["patient_id"])
            rows.append(row)
            kinds[row["patient_id"]] = dict(missing)
        columns.update(dict.fromkeys(f.columns))
    merged = collapse.merge_rows(rows, list(range(len(rows))))
    problems: list[str] = []
    if merged.duplicated:
        # Two files (or the patients mapping) naming one patient twice: merged as one file's
        # duplicate rows are, and said.
        problems.append(f"clinical tables: {merged.message()}")
        first: dict[str, dict[str, str]] = {}
        for row in rows:
            first.setdefault(row["patient_id"], kinds.get(row["patient_id"], {}))
        rows = merged.rows
        for row in rows:
            kinds[row["patient_id"]] = {c: k for c, k in first[row["patient_id"]].items() if row.get(c) is None}
    samples, rules = _add_sample_files([f for f in files if f.kind == "samples"], rows, kinds, columns, patients)
    for row in rows:
        own = [s.strip() for s in (row.get("sample_id") or "").split(";")]
        row["sample_id"] = ";".join(s for s in dict.fromkeys(own) if s) or None
    return rows, kinds, list(columns), samples, rules, problems


def _add_sample_files(
    files: list[ClinicalFile],
    rows: list[dict[str, Any]],
    kinds: dict[str, dict[str, str]],
    columns: dict[str, None],
    patients: Any,
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """cBioPortal's sample files (and tables with one row per sample): each sample joins
    its patient's ``sample_id``; a sample attribute becomes a patient column by the one
    rule every plugin follows (rinec_report.collapse: numbers the maximum, texts the
    sorted set of distinct values); patients only the sample file names are added.

    Returns the samples, one row each (sample_id, patient_id and their own values), and
    the rule of each column summarised from samples."""
    by_id = {r["patient_id"]: r for r in rows}
    samples: list[dict[str, Any]] = []
    gathered: dict[str, dict[str, list[Any]]] = {}  # patient -> column -> samples' values
    for f in files:
        for row, missing in zip(f.rows, f.kinds, strict=True):
            pid = patients.canonical(str(row["patient_id"]))
            samples.append({**row, "patient_id": pid})
            target = by_id.get(pid)
            if target is None:
                target = by_id[pid] = {"patient_id": pid}
                rows.append(target)
                kinds[pid] = {}
            own = gathered.setdefault(pid, {})
            for column, value in row.items():
                if column == "patient_id":
                    continue
                if column == "sample_id":
                    ids = [s for s in (target.get("sample_id") or "").split(";") if s]
                    target["sample_id"] = ";".join(dict.fromkeys([*ids, str(value)]))
                    continue
                if value is None:
                    if target.get(column) is None and column in missing:
                        kinds[pid].setdefault(column, missing[column])
                    continue
                own.setdefault(column, []).append(value)
        columns.update(dict.fromkeys(f.columns))
    rules: dict[str, str] = {}
    for pid, by_column in gathered.items():
        target = by_id[pid]
        for column, values in by_column.items():
            # The patient file's own value stands; the samples fill what it lacks.
            if target.get(column) is None:
                target[column] = collapse.patient_value(values)
                kinds[pid].pop(column, None)
                if len(values) > 1:
                    rules.setdefault(column, collapse.rule_of(values))
    # Only the rows that lack a column (one test per row, not one call per cell).
    for row in rows:
        if not columns.keys() <= row.keys():
            for column in columns:
                row.setdefault(column, None)
    return samples, rules


def _preset_gaps(columns: Collection[str], files: list[ClinicalFile]) -> list[str]:
    """What the second-cancer preset cannot show for want of a column: said once,
    rather than sections vanishing with exit status 0."""
    needs = {
        "nec_diagnosis_date": "the latencies, RIN criterion 2, the timeline and survival from dates",
        "npc_diagnosis_date": "the latency from the first diagnosis and the timeline's left panel",
        "npc_histology": "RIN criterion 3",
        "nec_histology": "RIN criterion 3",
    }
    found = listed(h for f in files for h in f.headers.values()) or "none"
    return [
        f"profile second_cancer: no {column} column, so {what} cannot be shown; columns found: {found}; "
        f"map yours under cohort: columns: {{{column}: \"<your header>\"}}"
        for column, what in needs.items() if column not in columns
    ]


def choose_profile(options: dict[str, Any], columns: Collection[str]) -> str:
    """second_cancer (the example's study: first and second tumour, RIN criteria) when
    the config asks or the table has its columns; generic otherwise."""
    profile = options["profile"]
    if profile != "auto":
        return profile
    return "second_cancer" if any(c in columns for c in SECOND_CANCER) else "generic"


def _settings(options: dict[str, Any], endpoints: tuple[str, ...] = ("os", "pfs")) -> Settings:
    return Settings(options["latency_min_years"], _config_date(options["followup_end"], "followup_end"),
                    options["survival_start"], endpoints)


def _derive_patient(
    row: dict[str, Any], shown: list[str], cohort: Cohort, settings: Settings
) -> dict[str, Any]:
    """One patient's published row (the ``shown`` columns and what is derived);
    reasons, approximations, sources and problems go into ``cohort``."""
    pid = row["patient_id"]
    out: dict[str, Any] = {c: row.get(c) for c in shown}
    out["sample_id"] = row["sample_id"]
    approx = cohort.approx[pid] = set()
    lat = _latency(row, "npc_diagnosis_date")
    rt_start = "npc_rt_end_date" if row.get("npc_rt_end_date") else "npc_rt_date"
    lat_rt = _latency(row, rt_start)
    for column, value in (("latency_years", lat), ("latency_rt_years", lat_rt)):
        out[column] = value[0] if value else None
        if value and value[1]:
            approx.add(column)

    judged = (
        criterion_rt_field(row, cohort.kinds[pid]),
        criterion_latency(row, lat_rt, rt_start, settings.threshold),
        criterion_histology(row),
    )
    cohort.reasons[pid] = {}
    for column, (status, reason) in zip(RIN_COLUMNS, judged, strict=True):
        out[column] = status
        cohort.reasons[pid][column] = reason
    statuses = [status for status, _ in judged]
    out["rin_status"] = (
        MET if all(s == MET for s in statuses) else NOT_MET if NOT_MET in statuses else UNKNOWN
    )

    cohort.survival_source[pid] = {}
    for endpoint in settings.endpoints:
        months, event, source, note = survival_time(
            row, endpoint, settings.start_rule, settings.followup_end)
        out[f"{endpoint}_months"] = months
        out[f"{endpoint}_event"] = event
        cohort.survival_source[pid][endpoint] = source
        if note:
            # Counted, not said per patient: one warning per reason (see _survival_notes).
            counts = cohort.dropped if months is None else cohort.remarks
            counts.setdefault(endpoint, {})[note] = counts.get(endpoint, {}).get(note, 0) + 1
        if source.startswith("dates") and "approximate" in source:
            approx.add(f"{endpoint}_months")
    death, last = SD.day_of(row.get("death_date"))[0], SD.day_of(row.get("last_followup_date"))[0]
    if death and last and death < last:
        cohort.remarks.setdefault("os", {})[SD.CONFLICT] = cohort.remarks.get("os", {}).get(SD.CONFLICT, 0) + 1
    problems = order_problems(row)
    if problems:
        cohort.problems += [f"patient {pid}: {p}" for p in problems]
    return out


def _config_date(value: Any, key: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return V.parse_date(V.cell_text(value))
    except ValueError as err:
        raise InputError(f"cohort: {key}: {err}") from None


def _latency(row: dict[str, Any], start: str) -> tuple[float, bool, float, float] | None:
    if not row.get(start) or not row.get("nec_diagnosis_date"):
        return None
    return V.interval_years(row[start], row["nec_diagnosis_date"])


# ------------------------------------------------------------------ RIN criteria

_RT_FIELDS = ["npc_rt_date", "npc_rt_end_date", "npc_rt_dose_gy", "npc_rt_fractions",
              "npc_rt_technique"]


def criterion_rt_field(row: dict[str, Any], kinds: dict[str, str]) -> tuple[str, str]:
    """(1) Prior radiotherapy, and the second tumour inside the irradiated field."""
    given = [c for c in _RT_FIELDS if row.get(c) is not None or kinds.get(c) == V.NO_DETAILS]
    if not given and kinds.get("npc_rt_date") == V.NOT_PERFORMED:
        return NOT_MET, "no radiotherapy for NPC"
    in_field = row.get("nec_in_rt_field")
    if not given:
        return UNKNOWN, "radiotherapy for NPC not recorded"
    rt = "radiotherapy for NPC"
    if row.get("npc_rt_date"):
        rt += f" ({row['npc_rt_date']})"
    if in_field == "yes":
        return MET, f"{rt}; NEC inside the irradiated field"
    if in_field == "no":
        return NOT_MET, f"{rt}; NEC outside the irradiated field"
    return UNKNOWN, f"{rt}; whether the NEC lies inside the irradiated field is not recorded"


def criterion_latency(
    row: dict[str, Any],
    latency: tuple[float, bool, float, float] | None,
    start: str,
    threshold: float,
) -> tuple[str, str]:
    """(2) At least ``threshold`` years from the end of radiotherapy to the NEC."""
    need = f"≥ {V.format_number(threshold)} years required"
    if latency is None:
        missing = "NEC diagnosis date" if row.get(start) else "radiotherapy date"
        return UNKNOWN, f"{missing} not recorded"
    estimate, approximate, shortest, longest = latency
    frm = "end of radiotherapy" if start == "npc_rt_end_date" else (
        "radiotherapy (its start: end not recorded)")
    shown = V.format_number(round(estimate, 1))
    said = f"{'≈' if approximate else ''}{shown} years from {frm} to NEC"
    if shortest >= threshold:
        return MET, f"{said}; {need}"
    if longest < threshold:
        return NOT_MET, f"{said}; {need}"
    return UNKNOWN, (
        f"{said}; the dates allow {max(shortest, 0):.1f} to {longest:.1f} years, "
        f"too imprecise to tell ({need})"
    )


_FAMILIES = [
    ("neuroendocrine", r"neuroendocrine|\bnec\b|small[- ]cell|large[- ]cell|carcinoid"),
    ("sarcoma", r"sarcoma"),
    ("lymphoma", r"lymphoma"),
    ("melanoma", r"melanoma"),
    ("adenocarcinoma", r"adeno|adenoid|mucoepidermoid|acinic"),
    (
        "squamous or undifferentiated carcinoma",
        r"squamous|keratini[sz]ing|undifferentiated|nasopharyngeal carcinoma|lymphoepitheli",
    ),
]


@functools.lru_cache(maxsize=1 << 12)
def histology_family(text: str | None) -> str | None:
    if not text:
        return None
    low = text.lower()
    for family, pattern in _FAMILIES:
        if re.search(pattern, low):
            return family
    return None


def criterion_histology(row: dict[str, Any]) -> tuple[str, str]:
    """(3) The second tumour's histology differs from the primary's."""
    npc, nec = row.get("npc_histology"), row.get("nec_histology")
    if not npc or not nec:
        which = "NPC" if not npc else "NEC"
        return UNKNOWN, f"{which} histology not recorded"
    a, b = histology_family(npc), histology_family(nec)
    if a and b:
        if a != b:
            return MET, f"{b} after {a}"
        return NOT_MET, f"both {a}"
    if " ".join(npc.lower().split()) == " ".join(nec.lower().split()):
        return NOT_MET, "same histology"
    return UNKNOWN, f"cannot tell whether {nec!r} differs from {npc!r}"


# ------------------------------------------------------------------ survival times


def _first_treatment(row: dict[str, Any]) -> str | None:
    dates = [row.get(c) for c in ("nec_surgery_date", "nec_rt_date")]
    dates = [d for d in dates if d]
    return min(dates, key=V.midpoint) if dates else None


# The columns whose dates are PFS events: progression (recurrence and relapse are its
# spellings in the synonym table) and metastasis, distant progression.
PROGRESSION_DATES = ("progression_date", "metastasis_date")
# Why a derived time is missing, or what was noticed on the way: one short text each,
# without values, counted over the patients (the account and one warning per reason).
NO_DATED_EVENT = "event recorded without a date or a time in months; time unknown"
CENSORED_BUT_DATED = "recorded as censored but an event date is given; the date used"
NOT_FROM_DATES = "no time in the table's months column (DFS and DSS are not derived from dates)"


def has_progression(columns: Collection[str]) -> bool:
    """Whether a table holds progression information (a progression or metastasis date,
    a PFS time or status): without it no PFS can be derived, not even from deaths."""
    return any(c in columns for c in (*PROGRESSION_DATES, "pfs_months", "pfs_event"))


def _start(row: dict[str, Any], start_rule: str) -> tuple[str | None, str]:
    """The date survival starts from, and its name."""
    if row.get("nec_diagnosis_date"):
        start, name = row["nec_diagnosis_date"], "NEC diagnosis"
    else:
        field = next((f for f in SD.START_FIELDS if row.get(f)), None)
        start, name = (row[field], field.replace("_date", "").replace("_", " ")) if field else (None, "")
    if start_rule == "first_treatment":
        first = _first_treatment(row)
        if first:
            start, name = first, "first NEC treatment"
    return start, name


def survival_time(
    row: dict[str, Any], endpoint: str, start_rule: str, followup_end: str | None
) -> tuple[float | None, float | None, str, str | None]:
    """(months, event, source, reason) for an endpoint. ``reason`` says, without the
    patient's values, why the time is missing or what was noticed (a death dated before
    the last follow-up): counted over the patients by the caller.

    From dates, the rule is the core's (rinec_report.survival_dates.dated_os, the
    survival plugin's too): OS ends at death (the event) or at the last follow-up (or
    the study's follow-up end: censored); PFS at the first of progression, metastasis
    and death, censored likewise."""
    cell = row.get(f"{endpoint}_months")
    months, cell_event = cell if cell else (None, None)
    event = row.get(f"{endpoint}_event")
    if event is None:
        event = cell_event
    event_dates = ["death_date"] if endpoint == "os" else [*PROGRESSION_DATES, "death_date"]
    dated = [row[c] for c in event_dates if row.get(c)]
    if len(dated) > 1:  # OS has one event date: nothing to sort
        dated.sort(key=V.midpoint)
    known = float(event) if event is not None else None
    if months is not None:
        if event is None and dated:
            event = 1
        return months, (float(event) if event is not None else None), "table", None
    if endpoint not in ("os", "pfs"):
        return None, known, "unknown", NOT_FROM_DATES
    start, start_name = _start(row, start_rule)
    if not dated and event == 1:
        return None, 1.0, "unknown", NO_DATED_EVENT
    last, what = row.get("last_followup_date"), "last follow-up"
    if not last and followup_end:
        last, what = followup_end, "follow-up end"
    timed = SD.dated_os_of_iso(start, dated[0] if dated else None, last)
    if timed.days is None:
        return None, 1.0 if dated else known, "unknown", timed.reason
    source = f"dates: {start_name} to {'event' if timed.event else what}"
    if timed.approximate:
        source += " (approximate)"
    note = CENSORED_BUT_DATED if timed.event and event == 0 else None
    return timed.days / SD.DAYS_PER_MONTH, float(timed.event), source, note


def survival_rule(
    sources: dict[str, dict[str, str]], start_rule: str, followup_end: str | None,
    profile: str = "second_cancer",
) -> str:
    """One sentence: how the survival times were obtained."""
    table = sorted({p for p, s in sources.items() for e in s.values() if e == "table"})
    dated = sorted({p for p, s in sources.items() for e in s.values() if e.startswith("dates")})
    start = "first NEC treatment (surgery or re-irradiation, else NEC diagnosis)" if (
        start_rule == "first_treatment") else "NEC diagnosis"
    if profile == "generic":
        start = "diagnosis"
    censor = "last follow-up" + (
        f" or, when that is not recorded, at the study's follow-up end {followup_end}"
        if followup_end else "")
    dated_endpoints = {e for s in sources.values() for e, how in s.items() if how.startswith("dates")}
    ends = "progression or death (PFS) or death (OS)" if "pfs" in dated_endpoints else "death (OS)"
    derived = f"computed from dates, from {start} to {ends}, censored at {censor}"
    unit = "months of 30.44 days"

    def who(ids: list[str]) -> str:
        return f"patients {', '.join(ids)}" if len(ids) <= 10 else f"{len(ids)} patients"

    if table and not dated:
        endpoints = sorted({e for s in sources.values() for e, how in s.items() if how == "table"},
                           key=["pfs", "os", "dfs", "dss"].index)
        names = " and ".join(e.upper() for e in endpoints)
        return f"Survival times ({unit}) are the table's {names} months columns."
    if dated and not table:
        return f"Survival times ({unit}) are {derived}."
    if not table and not dated:
        return "No survival times: neither months columns nor usable dates."
    return (
        f"Survival times ({unit}) are the table's months columns where given "
        f"({who(table)}), otherwise {derived} ({who(dated)})."
    )


# ------------------------------------------------------------------ event order

_ORDER = [
    ("nec_diagnosis_date", "npc_diagnosis_date", "NEC diagnosed before NPC diagnosis"),
    ("npc_rt_date", "npc_diagnosis_date", "NPC radiotherapy before NPC diagnosis"),
    ("death_date", "nec_diagnosis_date", "death before NEC diagnosis"),
    ("death_date", "npc_diagnosis_date", "death before NPC diagnosis"),
    ("progression_date", "nec_diagnosis_date", "progression before NEC diagnosis"),
    ("last_followup_date", "nec_diagnosis_date", "last follow-up before NEC diagnosis"),
]


def order_problems(row: dict[str, Any]) -> list[str]:
    """Impossible orders, only when certain whatever day partial dates mean."""
    out = []
    for early, late, message in _ORDER:
        a, b = row.get(early), row.get(late)
        # ISO dates of one precision compare as text; a partial one needs its bounds.
        if a and b and (a < b if len(a) == len(b) == 10 else V.bounds(a)[1] < V.bounds(b)[0]):
            out.append(f"{message} ({a} < {b})")
    return out
