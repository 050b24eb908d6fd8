"""The cohort plugin's report sections."""

from __future__ import annotations

from typing import Any

from rinec_report.model import Chart, Html, KeyValues, Note, Section, Table, Text

from . import values as V
from .derive import MET, NOT_MET, RIN_COLUMNS, UNKNOWN, Cohort
from .flow import flow_chart, parse_selection, selection_problems
from .table1 import MAX_PATIENT_COLUMNS, build_table1, table1_html
from .timeline import timeline_chart

CRITERIA = {
    "rin_prior_rt_in_field": "1. Irradiated field",
    "rin_latency": "2. Latency",
    "rin_histology": "3. Histology",
}


def build_sections(cohort: Cohort, options: dict[str, Any], images: Any = None,
                   hidden: set[str] | None = None, k: int = 0, age_cap: int | None = None) -> list[Section]:
    sections = [cohort_table_section(cohort, table1_by(options), hidden or set(), k, age_cap)]
    if rin_applies(cohort):
        sections.append(rin_section(cohort))
    if has_timeline(cohort):
        sections.append(timeline_section(cohort, options, images))
    steps, branch = parse_selection(options["selection"])
    if steps or branch:
        sections.append(selection_section(steps, branch))
    return sections


_RIN_INPUTS = ("npc_rt_date", "npc_rt_end_date", "nec_in_rt_field", "npc_histology",
               "nec_histology", "nec_diagnosis_date")


def rin_applies(cohort: Cohort) -> bool:
    """A table without NPC/NEC columns (any other cohort) has no RIN criteria to judge."""
    return cohort.profile == "second_cancer" and any(c in cohort.patients.columns for c in _RIN_INPUTS)


def table1_by(options: dict[str, Any]) -> str | None:
    by = options["table1_by"] or (options["table1"] or {}).get("by")
    return str(by) if by else None


def has_timeline(cohort: Cohort) -> bool:
    if cohort.profile != "second_cancer":
        return False
    df = cohort.patients
    return any(c in df.columns and df[c].notna().any()
               for c in ("npc_diagnosis_date", "nec_diagnosis_date"))


def export_patients(cohort: Cohort) -> Any:
    """cohort_patients.tsv: the published patients frame, latencies rounded for reading."""
    import numpy as np
    import pandas as pd

    rounded = {"latency_years", "latency_rt_years", "os_months", "pfs_months", "dfs_months", "dss_months"}
    # The frame made once from its columns: assigning a column of a frame of many columns
    # splits its block, which made the export quadratic in the columns.
    columns: dict[str, Any] = {}
    for name, series in cohort.patients.items():
        values = series.to_numpy()
        if values.dtype.kind == "f":
            if name in rounded:
                values = values.round(3)
            missing = np.isnan(values)
            given = values[~missing]
            # Whole numbers (ages, doses, events) read as 59, not 59.0, in the file.
            if len(given) and (given == np.round(given)).all() and (np.abs(given) < 2**53).all():
                values = pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)
        columns[name] = values
    return pd.DataFrame(columns, index=cohort.patients.index, copy=False)


def _stratified_blocks(cohort: Cohort, by: str | None, age_cap: int | None = None) -> list[Any]:
    import warnings

    from rinec_report.model import InputWarning

    from .stratified import find_column, stratified_table1
    from .table1 import label_of

    if not by:
        return []
    column = find_column(cohort, by)
    if column is None:
        from rinec_report.widths import listed

        available = listed(c for c in cohort.patients.columns if c != "patient_id")
        warnings.warn(f"cohort: table1_by: no column {by!r}; columns: {available}", InputWarning, stacklevel=2)
        return []
    levels = cohort.patients[column].dropna().map(str).nunique()
    if levels > 10 or levels < 2:
        warnings.warn(f"cohort: table1_by: {by!r} has {levels} values; Table 1 is stratified by a column "
                      "with 2 to 10 values", InputWarning, stacklevel=2)
        return []
    table, notes = stratified_table1(cohort, column)
    if age_cap is not None:  # a shared report's ages were capped: a quartile of 90 is shown as 90+
        from rinec_report.deidentify import is_age_field

        from .table1 import _capped_summary

        ages = table["characteristic"].map(lambda c: is_age_field(str(c)))
        for group in [c for c in table.columns if c not in ("characteristic", "level", "p_value", "test")]:
            table.loc[ages, group] = [_capped_summary(str(v), age_cap) for v in table.loc[ages, group]]
    label = label_of(cohort, column)
    titles = {"characteristic": "Characteristic", "level": "", "p_value": "p", "test": "Test"}
    return [
        Table("table1_by", table, title=f"Table 1 by {label}", patient_column=None, column_titles=titles),
        *[Note(n) for n in notes],
        Text("Numbers: median [IQR], compared with the Mann-Whitney U test (two groups) or the "
             "Kruskal-Wallis test (more); categories: n (% of those with a value), compared with "
             "Pearson's chi-square test, or Fisher's exact test when an expected count is below 5 "
             "(as gtsummary does). Missing values are left out of each comparison."),
    ]


def _sample_blocks(cohort: Cohort, hidden: set[str]) -> list[Any]:
    """The samples, one row each, and how a patient's value was made from them."""
    import pandas as pd

    from .table1 import label_of

    if not cohort.samples:
        return []
    blocks: list[Any] = []
    for column, rule in cohort.sample_rules.items():
        blocks.append(Note(f"{label_of(cohort, column)}: a patient with several samples is shown with {rule} "
                           "(every sample's value is in the samples table)."))
    frame = pd.DataFrame(cohort.samples)
    frame = frame[[c for c in frame.columns if c not in hidden]]
    first = [c for c in ("sample_id", "patient_id") if c in frame.columns]
    frame = frame[[*first, *(c for c in frame.columns if c not in first)]]
    blocks.append(Table("samples", frame, title=f"Samples (one row each, {len(frame)})",
                        column_titles={c: label_of(cohort, c) for c in frame.columns}))
    return blocks


def cohort_table_section(cohort: Cohort, by: str | None = None, hidden: set[str] | None = None,
                         k: int = 0, age_cap: int | None = None) -> Section:
    table = build_table1(cohort, hidden or set(), k, age_cap)
    n = len(cohort.patients)
    titles = {"group": "Group", "characteristic": "Characteristic", "summary": f"All (n={n})"}
    blocks: list[Any] = [
        Html(table1_html(table, n)),
        Table("table1", table, title="Table 1", patient_column=None, show=False,
              column_titles=titles),
        Table("patients", export_patients(cohort), title="Patients (one row each)", show=False),
        *_stratified_blocks(cohort, by, age_cap),
        *_sample_blocks(cohort, hidden or set()),
    ]
    if any(s.startswith("dates") for p in cohort.survival_source.values() for s in p.values()):
        blocks.insert(1, Text(f"* computed from dates. {cohort.survival_rule}"))
    left_out = [f"{ep.upper()}: {n} left out ({reason})" for ep, reasons in cohort.dropped.items()
                for reason, n in reasons.items()]
    if cohort.notes or left_out:
        blocks.insert(1, Note("; ".join([*cohort.notes, *left_out]) + "."))
    if n > MAX_PATIENT_COLUMNS:
        blocks.insert(0, Note(
            f"{n} patients: the table shows the summary column only; every patient's values "
            "are in the exported cohort_patients table."))
    return Section(
        id="table",
        title="Cohort",
        description=(
            f"The {n} patients' characteristics, one column per patient, with a summary "
            "column (median and range, or counts)."
        ),
        help=(
            "Values are shown as the clinical table gives them; dates keep their precision "
            "(a year alone stays a year). 'not performed' (written '-' in the table) is kept "
            "apart from 'unknown' (blank or NA) and from 'yes, no details' (written '*': "
            "performed, details not recorded). Latencies between dates of different precision "
            "are computed at the coarser precision (two years: their difference) and marked ≈. "
            "Survival times marked * were computed from dates, not read from the table: "
            f"{cohort.survival_rule}"
        ),
        blocks=blocks,
    )


def rin_frame(cohort: Cohort) -> Any:
    import pandas as pd

    # Column by column: a dict per patient of every column costs seconds at 100,000.
    df = cohort.patients
    pids = df["patient_id"].tolist()
    columns: dict[str, Any] = {"patient_id": pids}
    for column in RIN_COLUMNS:
        columns[column] = df[column].tolist()
        columns[f"{column}_reason"] = [cohort.reasons[pid][column] for pid in pids]
    columns["rin_status"] = df["rin_status"].tolist()
    return pd.DataFrame(columns)


def rin_section(cohort: Cohort) -> Section:
    import altair as alt
    import pandas as pd

    from rinec_report import palettes
    from rinec_report.charts import highlight_opacity

    frame = rin_frame(cohort)
    n = len(frame)
    met = int((frame["rin_status"] == MET).sum())
    not_met = int((frame["rin_status"] == NOT_MET).sum())
    unknown = n - met - not_met
    threshold = V.format_number(cohort.latency_threshold)
    line = f"{met} of {n} patients meet all three criteria"
    extra = []
    if not_met:
        extra.append(f"{not_met} fail at least one")
    if unknown:
        extra.append(f"for {unknown} at least one criterion cannot be judged")
    line += (" (" + "; ".join(extra) + ")" if extra else "") + "."
    drawn = frame if n <= 200 else frame.iloc[:0]  # the chart is drawn for up to 200 patients
    long = pd.DataFrame([
        {"patient_id": r["patient_id"], "criterion": CRITERIA[c], "status": r[c],
         "reason": r[f"{c}_reason"]}
        for r in drawn.to_dict("records") for c in RIN_COLUMNS
    ] + [
        {"patient_id": r["patient_id"], "criterion": "All three", "status": r["rin_status"],
         "reason": f"{r['rin_status']}"}
        for r in drawn.to_dict("records")
    ])
    order = list(drawn["patient_id"])
    criteria = [*CRITERIA.values(), "All three"]
    color = alt.Color("status:N", title="Criterion", scale=alt.Scale(
        domain=[MET, NOT_MET, UNKNOWN], range=[palettes.KNOWN["met"], palettes.KNOWN["not met"],
                                               palettes.MISSING]))
    base = alt.Chart(long).encode(
        x=alt.X("criterion:N", sort=criteria, title=None, axis=alt.Axis(labelAngle=0,
                labelLimit=220)),
        y=alt.Y("patient_id:N", sort=order, title="Patient"),
    )
    tiles = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=color, opacity=highlight_opacity(),
        tooltip=[alt.Tooltip("patient_id:N", title="Patient"),
                 alt.Tooltip("criterion:N", title="Criterion"),
                 alt.Tooltip("status:N", title="Status"),
                 alt.Tooltip("reason:N", title="Reason")])
    labels = base.mark_text(fontSize=12, color="white").encode(
        text="status:N", opacity=highlight_opacity())
    chart = alt.layer(tiles, labels).properties(width=720, height=max(26 * n, 60))
    titles = {"patient_id": "Patient", "rin_status": "All three"}
    for column, title in CRITERIA.items():
        titles[column] = title
        titles[f"{column}_reason"] = "Reason"
    blocks: list[Any] = []
    if n <= 200:
        blocks.append(Chart(chart, title="RIN criteria per patient"))
    blocks.append(Table("rin_criteria", frame, title="Criteria and reasons",
                        column_titles=titles))
    return Section(
        id="rin",
        title="Radiation-induced neoplasm criteria",
        description=line,
        help=(
            "The classic criteria for a radiation-induced neoplasm (Cahan, modified): "
            "(1) radiotherapy for the primary and the second tumour inside the irradiated "
            f"field; (2) a latency of at least {threshold} years (cohort: latency_min_years) "
            "from the end of radiotherapy to the second tumour (from its start when the end "
            "is not recorded); (3) a histology different from the primary's, judged by "
            "histological family (neuroendocrine, squamous or undifferentiated carcinoma, "
            "sarcoma, adenocarcinoma, lymphoma, melanoma). With partial dates a criterion is "
            "met only when every day the dates may mean meets it; 'unknown' says what is "
            "missing or too imprecise."
        ),
        blocks=blocks,
    )


# More patients than this: the timeline draws the first ones (see timeline_section).
MAX_TIMELINE_PATIENTS = 200


def timeline_section(cohort: Cohort, options: dict[str, Any], images: Any = None) -> Section:
    followup_end = options["followup_end"]
    followup_iso = V.parse_date(V.cell_text(followup_end)) if followup_end else None
    axis_option = options["timeline_axis"]
    if axis_option not in ("years", "calendar"):
        import warnings

        from rinec_report.model import InputWarning

        warnings.warn(f"cohort: timeline_axis: {axis_option!r} is not years or calendar; "
                      "using years", InputWarning, stacklevel=2)
    calendar = axis_option == "calendar"
    n = len(cohort.patients)
    shown = cohort
    limit: list[Note] = []
    if n > MAX_TIMELINE_PATIENTS:
        # Thousands of lanes cannot be read (nor drawn: Vega runs out of stack): the
        # first patients in table order, and where the rest are.
        import dataclasses

        shown = dataclasses.replace(cohort, patients=cohort.patients.head(MAX_TIMELINE_PATIENTS))
        limit = [Note(f"The timeline shows the first {MAX_TIMELINE_PATIENTS} of {n:,} patients in table order; "
                      "every patient's dates are in the data folder (cohort_patients) and the tables above.")]
    chart = timeline_chart(shown, followup_iso, calendar=calendar, images=images)
    axis = "calendar dates" if calendar else "years since NPC diagnosis"
    return Section(
        id="timeline",
        title="Patient timeline",
        description=(
            f"One lane per patient from NPC diagnosis to death or last follow-up ({axis}; "
            "an arrow marks patients alive at last follow-up); right: the months after "
            "NEC diagnosis."
        ),
        help=(
            "Hover a mark for its date as the table gives it and its details. Partial dates "
            "(a year, a month) are drawn at the middle of the period they name. "
            "Chemotherapy has no date in the table: it is drawn just below the lane at "
            "the radiotherapy it accompanied (or at surgery or NEC diagnosis). Progression "
            "and death without a date are drawn at NEC diagnosis plus the PFS or OS months "
            "(marked ≈). Patients alive are followed to their last follow-up or to the "
            "study's follow-up end (cohort: followup_end). Set cohort: timeline_axis: "
            "calendar for calendar dates on the left panel. Images in the imaging sections are "
            "marked just above the lane on their dates."
        ),
        blocks=[*limit, *_timeline_notes(shown, calendar), Chart(chart, title="Swimmer plot")],
    )


def _timeline_notes(cohort: Cohort, calendar: bool) -> list[Note]:
    df = cohort.patients
    notes = []
    column = "nec_diagnosis_date" if calendar else "npc_diagnosis_date"
    if not calendar and column in df:
        missing = [p for p, d in zip(df["patient_id"], df[column], strict=True) if not d]
        if missing:
            notes.append(Note(
                f"Not on the left panel (no NPC diagnosis date): {', '.join(missing)}."))
    if "nec_diagnosis_date" in df:
        missing = [p for p, d in zip(df["patient_id"], df["nec_diagnosis_date"], strict=True)
                   if not d]
        if missing:
            notes.append(Note(
                f"Not on the right panel (no NEC diagnosis date): {', '.join(missing)}."))
    return notes


def selection_section(steps: list, branch: list) -> Section:
    import warnings

    from rinec_report.model import InputWarning

    for problem in selection_problems(steps, branch):
        warnings.warn(f"selection: {problem}", InputWarning, stacklevel=2)
    items = {f"{i + 1}. {s.label}": (f"{s.n:,}" if s.n is not None else "") for i, s in
             enumerate(steps)}
    for s in branch:
        items[f"→ {s.label}"] = f"{s.n:,}" if s.n is not None else ""
    return Section(
        id="selection",
        title="Selection flow",
        description="How the patients were selected, from the config's selection steps.",
        help="Drawn from cohort: selection: in rinec_report.yaml, a list of {label, n} steps "
        "whose last item may be {branch: [...]}, the split at the end.",
        blocks=[Chart(flow_chart(steps, branch), title="Selection flow"),
                KeyValues(items, title="Counts")],
    )
