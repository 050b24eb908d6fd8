"""The survival sections, the readable tables, and the per-patient summary columns."""

from __future__ import annotations

import math
from typing import Any

from rinec_report import Chart, Note, Section, SummaryColumn, Table, Text

from .build import SurvivalData
from .charts import km_chart
from .km import OVERALL
from .parse import UNIT_ABBREV

EVENT_WORDS = {"os": "died", "pfs": "progressed"}


def fmt_time(value: float, unit: str) -> str:
    """9.0 -> '9', 5.24 -> '5.2' (whole days stay whole; R's midpoint of two days, 9.5,
    is not rounded to 10)."""
    if value is None or math.isnan(value):
        return "NR"
    text = f"{value:.0f}" if unit == "days" and float(value).is_integer() else f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def fmt_limit(value: float, unit: str) -> str:
    """A median's confidence limit: NA (as R prints it) when it does not exist."""
    if value is None or math.isnan(value):
        return "NA"
    return fmt_time(value, unit)


def fmt_pct(value: float) -> str:
    return "NA" if value is None or math.isnan(value) else f"{100 * value:.0f}%"


# A confidence limit R gives as NA (before the first event under log-log, once the
# curve is 0): shown as a dash, never as 100% or 0%.
NO_LIMIT = "\u2014"


def fmt_limit_pct(value: float) -> str:
    return NO_LIMIT if value is None or math.isnan(value) else f"{100 * value:.0f}%"


def fmt_interval_pct(lower: float, upper: float) -> str:
    """'12%\u201396%'; one dash when R gives neither limit."""
    if fmt_limit_pct(lower) == fmt_limit_pct(upper) == NO_LIMIT:
        return NO_LIMIT
    return f"{fmt_limit_pct(lower)}\u2013{fmt_limit_pct(upper)}"


# How the section names each reason a patient is left out of an endpoint.
DROP_WORDS = {
    "no follow-up time": "without a follow-up time",
    "time not readable": "with a time that could not be read",
    "negative time": "with a negative time",
    "no status": "without a status",
    "status code not mapped": "with a status code that survival: event_codes does not map",
    "status codes not mapped": "whose status column holds codes that need survival: event_codes",
    "no start date": "without a start date",
    "no date of death or last follow-up": "without a date of death or of last follow-up",
    "end date before the start date": "with an end date before the start date",
    "date not readable": "with a date that could not be read",
    "not in the survival table": "not in the survival table",
    "no follow-up time or status": "without a follow-up time or status",
    "status not 0 or 1": "with a status other than 0 or 1",
}


def drop_note(data: SurvivalData, endpoint: str) -> str | None:
    """'OS: 3 of 686 patients without a follow-up time are left out.' (None when none are)."""
    reasons = data.dropped.get(endpoint) or {}
    total = data.considered.get(endpoint, len(data.patients))
    parts = [f"{n} of {total} patients {DROP_WORDS.get(reason, f'left out ({reason})')}"
             for reason, n in sorted(reasons.items(), key=lambda item: -item[1]) if n]
    if not parts:
        return None
    return f"{endpoint.upper()}: " + "; ".join(parts) + "; left out of this endpoint."


def fmt_p(value: float) -> str:
    """'p = 0.0013', 'p < 0.0001'."""
    if value is None or math.isnan(value):
        return "p = NA"
    if value < 0.0001:
        return "p < 0.0001"
    return f"p = {value:.2g}" if value < 0.001 else f"p = {value:.4f}"


def group_title(label: str) -> str:
    return "All patients" if label == OVERALL else label.replace("=", ": ", 1)


def patient_text(time: float, event: float, endpoint: str, unit: str) -> str | None:
    """'6 m, progressed' for an event, '5 m+, censored' for a censored time."""
    if time is None or event is None or math.isnan(time) or math.isnan(event):
        return None
    abbrev = UNIT_ABBREV[unit]
    if event == 1:
        return f"{fmt_time(time, unit)} {abbrev}, {EVENT_WORDS.get(endpoint, 'event')}"
    return f"{fmt_time(time, unit)} {abbrev}+, censored"


def summary_columns(published: dict[str, Any]) -> list[SummaryColumn]:
    data: SurvivalData = published["_data"]
    out = []
    for ep in sorted(data.endpoints, key=lambda e: e != "pfs"):
        # Over the columns, not iterrows (a Series per patient: most of a minute at 100,000).
        frame = data.patients
        values = {
            str(pid): patient_text(time, event, ep, data.unit)
            for pid, time, event in zip(frame["patient_id"], frame[f"{ep}_time"], frame[f"{ep}_event"], strict=True)
        }
        out.append(
            SummaryColumn(
                name=ep,
                title=ep.upper(),
                values=values,
                description=f"{data.endpoints[ep]}: time in {data.unit}; '+' marks a censored time",
            )
        )
    return out


def _medians_shown(medians: Any, data: SurvivalData, level: str) -> Any:
    import pandas as pd

    rows = []
    for _, r in medians.iterrows():
        ci = f"{fmt_limit(r['ci_lower'], data.unit)}\u2013{fmt_limit(r['ci_upper'], data.unit)}"
        rows.append(
            {
                "endpoint": data.endpoints[r["endpoint"]],
                "group": group_title(r["group"]),
                "n": int(r["n"]),
                "events": int(r["events"]),
                "censored": int(r["n"] - r["events"]),
                "median": f"{fmt_time(r['median'], data.unit)} ({ci})",
            }
        )
    return Table(
        name="medians_shown",
        data=pd.DataFrame(rows),
        title=f"Median survival ({data.unit}) with {level} confidence interval (NR: not reached)",
        export=False,
        patient_column=None,
        column_titles={
            "endpoint": "Endpoint",
            "group": "Group",
            "n": "Patients",
            "events": "Events",
            "censored": "Censored",
            "median": f"Median ({level} CI)",
        },
    )


def _at_times_shown(at_times: Any, data: SurvivalData, level: str) -> Table | None:
    import pandas as pd

    if at_times.empty:
        return None
    rows = []
    for _, r in at_times.iterrows():
        rows.append(
            {
                "endpoint": data.endpoints[r["endpoint"]],
                "group": group_title(r["group"]),
                "time": f"{fmt_time(r['time'], data.unit)} {UNIT_ABBREV[data.unit]}",
                "survival": "beyond follow-up"
                if math.isnan(r["survival"])
                else f"{fmt_pct(r['survival'])} ({fmt_interval_pct(r['ci_lower'], r['ci_upper'])})",
                "at_risk": int(r["at_risk"]),
            }
        )
    return Table(
        name="at_times_shown",
        data=pd.DataFrame(rows),
        title=f"Survival at chosen times, with {level} confidence interval",
        export=False,
        patient_column=None,
        column_titles={
            "endpoint": "Endpoint",
            "group": "Group",
            "time": "Time",
            "survival": f"Survival ({level} CI)",
            "at_risk": "At risk",
        },
    )


def _patients_table(data: SurvivalData) -> Table:
    frame = data.patients.copy()
    titles = {"patient_id": "Patient"}
    for ep in data.endpoints:
        frame[f"{ep}_event"] = frame[f"{ep}_event"].astype("Int64")
        titles[f"{ep}_time"] = f"{ep.upper()} ({data.unit})"
        titles[f"{ep}_event"] = f"{ep.upper()} event (1 = {EVENT_WORDS.get(ep, 'event')})"
    return Table(
        name="patients",
        data=frame,
        title="Survival times per patient (as analysed)",
        column_titles=titles,
    )


def help_text(data: SurvivalData, level: str, conf_type: str = "log-log") -> str:
    transform = (
        "log(-log) transform (survival: conf_type: log-log, the default; R's survfit(conf.type = "
        "\"log-log\"), lifelines and SAS)"
        if conf_type == "log-log"
        else "log transform (survival: conf_type: log, R's survfit default)"
    )
    return (
        "Kaplan-Meier estimates computed as R's survival package computes them. Censor ticks mark "
        "patients who left follow-up without the event (alive or progression-free at last contact); "
        "dots mark events; choose a patient to find them. The shaded band is the pointwise "
        f"{level} confidence interval by Greenwood's variance with the {transform}. "
        "The median is the first time at which survival is 50% or lower (not reached, NR, when "
        "it stays above; when the curve is exactly 50% over an interval, the interval's midpoint, "
        "as R reports it); its confidence interval is where the band's limits cross 50% "
        "(Brookmeyer-Crowley), NA when a limit does not cross it (as R gives NA, e.g. for a "
        "group of one patient). Once a curve reaches 0 it stays 0 and has no band. "
        "Groups are compared with the log-rank test (chi-square with groups - 1 degrees "
        "of freedom; lifelines' multivariate_logrank_test, equal to R's survdiff); patients "
        "without a value of the grouping column are left out of the comparison. Under each "
        "plot: patients at risk at each time, and the patients censored and the events before it."
    )


def build_sections(published: dict[str, Any]) -> list[Section]:
    data: SurvivalData = published["_data"]
    level = f"{100 * published['confidence']:.0f}%"
    names = " and ".join(t.lower() for t in data.endpoints.values())
    n = len(data.patients)
    # Thousands of censor ticks are lighter on a canvas than as SVG nodes.
    renderer = "canvas" if n > 1000 else "svg"
    blocks: list[Any] = [Text("How the survival times were obtained. " + " ".join(data.rules))]
    for ep in data.endpoints:
        dropped = drop_note(data, ep)
        if dropped:
            blocks.append(Note(dropped, level="warning"))
    for note in published.get("notes", []):
        blocks.append(Note(note, level="info"))
    if published.get("groups_left_out"):
        blocks.append(Note(f"Not compared in this de-identified report: by {', '.join(published['groups_left_out'])} "
                           "(a column no plugin declares safe; deidentify: keep_columns keeps one).", level="info"))
    for ep, title in data.endpoints.items():
        name = f"{title} ({ep.upper()})"
        blocks.append(Chart(km_chart(data, published, ep, None, name), title=name, renderer=renderer))
    blocks.append(_medians_shown(published["medians"], data, level))
    at_times = _at_times_shown(published["at_times"], data, level)
    if at_times is not None:
        blocks.append(at_times)
    blocks.append(_patients_table(data))
    blocks += [
        Table(name="medians", data=published["medians"], title="Medians", show=False, patient_column=None),
        Table(name="curves", data=published["curves"], title="Curves", show=False, patient_column=None),
        Table(name="at_times", data=published["at_times"], title="Survival at times", show=False, patient_column=None),
        Table(name="at_risk", data=published["at_risk"], title="Numbers at risk", show=False, patient_column=None),
    ]
    sections = [
        Section(
            id="km",
            title="Survival",
            description=(
                f"Kaplan-Meier {names} of {n} patients, in {data.unit}, with {level} "
                "confidence bands, censor ticks and median lines."
            ),
            help=help_text(data, level, published.get("conf_type", "log-log")),
            blocks=blocks,
        )
    ]
    tests = published["tests"]
    if not data.group_by:
        sections[0].blocks.append(
            Table(name="tests", data=tests, title="Log-rank tests", show=False, patient_column=None)
        )
        return sections
    group_blocks: list[Any] = [Note(note, level="warning") for note in published.get("group_notes", [])]
    for col in data.group_by:
        for ep, title in data.endpoints.items():
            test = tests[(tests["endpoint"] == ep) & (tests["group_by"] == col)]
            p = f", log-rank {fmt_p(float(test['p_value'].iloc[0]))}" if len(test) else ""
            chart_title = f"{title} by {col}{p}"
            # The block's title names the export: without the p-value, which the chart shows.
            group_blocks.append(Chart(km_chart(data, published, ep, col, chart_title),
                                      title=f"{title} by {col}", renderer=renderer))
    group_blocks.append(
        Table(
            name="tests",
            data=tests,
            title="Log-rank tests",
            patient_column=None,
            column_titles={
                "endpoint": "Endpoint",
                "group_by": "Grouped by",
                "test": "Test",
                "statistic": "Chi-square",
                "p_value": "p",
            },
        )
    )
    sections.append(
        Section(
            id="groups",
            title="Survival by group",
            description=(
                f"Kaplan-Meier curves by {', '.join(data.group_by)}, compared with the "
                "log-rank test. Medians per group are in the table of the Survival section."
            ),
            help=help_text(data, level, published.get("conf_type", "log-log")),
            blocks=group_blocks,
        )
    )
    return sections
