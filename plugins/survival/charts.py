"""Kaplan-Meier charts: step curve, confidence band, censor ticks, median lines, and
the numbers at risk under the plot on the same time axis."""

from __future__ import annotations

import math
from typing import Any

from .build import SurvivalData
from .km import OVERALL, group_label, risk_times, sorted_levels

WIDTH = 560
HEIGHT = 280
# Individual event marks only while they stay readable; censor ticks are always drawn.
MAX_EVENT_MARKS = 60
# Confidence bands only while they stay readable: more overlap into a muddy blur.
MAX_BANDS = 2
# Above this many patients the censored ones are drawn one tick per censoring time.
MAX_PATIENT_MARKS = 2000
# A vertical bar, like the censor mark of most Kaplan-Meier plots.
CENSOR_SHAPE = "M0,-1L0,1"


def patient_marks(data: SurvivalData, endpoint: str, column: str | None, curves: Any) -> Any:
    """One row per patient: where the patient leaves the curve, to draw and highlight."""
    import numpy as np
    import pandas as pd

    frame = data.patients
    rows = frame[frame[f"{endpoint}_time"].notna() & frame[f"{endpoint}_event"].notna()]
    if column is None:
        labels = pd.Series(OVERALL, index=rows.index, dtype=object)
    else:
        rows = rows[rows[column].notna()]
        labels = rows[column].map(lambda v: group_label(column, v)).astype(object)
    out = pd.DataFrame({
        "patient_id": rows["patient_id"].astype(str),
        "group": labels,
        "time": rows[f"{endpoint}_time"].astype(float),
        "survival": 1.0,
        "status": np.where(rows[f"{endpoint}_event"] == 1, "event", "censored"),
    })
    # The curve's value at each patient's time: the last step at or before it (one
    # sorted search per group, not one scan of the curve per patient).
    for label, at in out.groupby("group", sort=False).groups.items():
        curve = curves[(curves["endpoint"] == endpoint) & (curves["group"] == label)]
        steps = curve["time"].to_numpy(dtype=float)
        values = curve["survival"].to_numpy(dtype=float)
        where = np.searchsorted(steps, out.loc[at, "time"].to_numpy() + 1e-9, side="right") - 1
        out.loc[at, "survival"] = np.where(where >= 0, values[np.maximum(where, 0)], 1.0)
    return out.reset_index(drop=True)[["patient_id", "group", "time", "survival", "status"]]


def curve_steps(curve: Any) -> Any:
    """The curve at its distinct steps only: a point is kept where the survival or its
    band changes (and the first and last of each group). Drawn with step-after
    interpolation the line is the same; thousands of patients censored at their own
    times no longer make thousands of points."""
    import pandas as pd

    if curve.empty:
        return curve
    kept = []
    for _, part in curve.groupby("group", sort=False):
        values = part[["survival", "ci_lower", "ci_upper"]]
        changed = values.ne(values.shift()).any(axis=1)
        changed.iloc[[0, -1]] = True
        kept.append(part[changed])
    return pd.concat(kept)


def band_closed(curve: Any) -> Any:
    """The band's points, each stretch closed where the band ends: Vega drops a point
    whose limits are NA (R's NA once the curve is 0), so the step before it would stop
    at its own time instead of reaching the next. The first NA point of a stretch takes
    the limits of the step before it, drawing that step to its end. Limits R gives as NA
    up to the curve's end (every patient left censored, or the curve at 0) keep the last
    known limits to the curve's last point, so the band reaches the curve's last step."""
    if curve.empty:
        return curve
    out = curve.copy()
    groups = out.groupby("group", sort=False)
    # True from a group's last point with both limits back to its last defined one.
    defined = out["ci_lower"].notna() & out["ci_upper"].notna()
    tail = defined[::-1].astype(int).groupby(out["group"][::-1], sort=False).cummax()[::-1] == 0
    for column in ("ci_lower", "ci_upper"):
        previous = groups[column].shift()
        closing = out[column].isna() & previous.notna()
        filled = groups[column].ffill()
        out[column] = out[column].where(~tail, filled).where(~closing, previous)
    return out


def censor_ticks(marks: Any) -> Any:
    """Censored patients as one tick per group and time, with how many: what a
    Kaplan-Meier plot of thousands of patients can show (the patients are in the data
    table)."""
    censored = marks[marks["status"] == "censored"]
    return (censored.groupby(["group", "time", "survival"], sort=True).size().rename("patients")
            .reset_index())


def _limit_text(value: float) -> str:
    """A confidence limit as the tooltip shows it: '45.6%', or a dash where R has NA."""
    return "\u2014" if value is None or math.isnan(value) else f"{100 * value:.1f}%"


def km_chart(
    data: SurvivalData,
    tables: dict[str, Any],
    endpoint: str,
    column: str | None,
    title: str,
) -> Any:
    """The Kaplan-Meier plot of ``endpoint`` (overall or by ``column``) above its
    numbers-at-risk rows."""
    import altair as alt

    from rinec_report.charts import highlight_opacity

    unit = data.unit
    curves = tables["curves"]
    if column is None:
        labels = [OVERALL]
    else:
        levels = sorted_levels(data.patients[column].dropna().unique())
        labels = [group_label(column, v) for v in levels]
    curve = curve_steps(curves[(curves["endpoint"] == endpoint) & curves["group"].isin(labels)])
    labels = [lb for lb in labels if lb in set(curve["group"])]
    curve = curve.assign(**{f"{c}_text": curve[c].map(_limit_text) for c in ("ci_lower", "ci_upper")})
    marks = patient_marks(data, endpoint, column, curves)
    max_time = float(curve["time"].max()) if not curve.empty else 1.0
    step = tables["risk_steps"].get(endpoint, 1.0)
    ticks = risk_times(max_time, step)
    x_max = max(max_time, ticks[-1])
    x_scale = alt.Scale(domain=[0, x_max], nice=False)
    x_title = f"Time ({unit})"
    color = alt.Color(
        "group:N",
        scale=_group_scale(labels),
        legend=None
        if column is None
        else alt.Legend(
            title=column,
            symbolType="stroke",
            symbolOpacity=1,
            symbolStrokeWidth=2.5,
            labelExpr="slice(datum.label, indexof(datum.label, '=') + 1)",
        ),
        sort=labels,
    )
    x = alt.X("time:Q", scale=x_scale, title=x_title, axis=alt.Axis(values=ticks, grid=False, format=",.6~g"))
    y = alt.Y(
        "survival:Q",
        scale=alt.Scale(domain=[0, 1]),
        title="Survival probability",
        axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1]),
    )
    curve_tooltip = [
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("time:Q", title=f"Time ({unit})", format=".4~f"),
        alt.Tooltip("survival:Q", title="Survival", format=".1%"),
        # As text: a limit R gives as NA shows as a dash (a number format would print 0.0%).
        alt.Tooltip("ci_lower_text:N", title="CI lower"),
        alt.Tooltip("ci_upper_text:N", title="CI upper"),
        alt.Tooltip("at_risk:Q", title="At risk"),
    ]
    base = alt.Chart(curve)
    band = alt.Chart(band_closed(curve)).mark_area(interpolate="step-after", opacity=0.15).encode(
        x=x, y=alt.Y("ci_lower:Q", scale=alt.Scale(domain=[0, 1])), y2="ci_upper:Q", color=color
    )
    line = base.mark_line(interpolate="step-after", strokeWidth=2).encode(x=x, y=y, color=color, tooltip=curve_tooltip)
    layers = [band, line] if len(labels) <= MAX_BANDS else [line]
    median_rules = _median_rules(tables["medians"], endpoint, labels)
    if not median_rules.empty:
        layers.append(
            alt.Chart(median_rules)
            .mark_rule(strokeDash=[4, 3], strokeWidth=1)
            .encode(
                x="x:Q",
                x2="x2:Q",
                y="y:Q",
                y2="y2:Q",
                color=color,
                tooltip=[
                    alt.Tooltip("group:N", title="Group"),
                    alt.Tooltip("median:Q", title=f"Median ({unit})", format=".4~f"),
                ],
            )
        )
    patient_tooltip = [
        alt.Tooltip("patient_id:N", title="Patient"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("time:Q", title=f"Time ({unit})", format=".4~f"),
        alt.Tooltip("group:N", title="Group"),
    ]
    censored = marks[marks["status"] == "censored"]
    if len(marks) > MAX_PATIENT_MARKS and not censored.empty:
        # Thousands of patients: one tick per censoring time, not one mark per patient.
        layers.append(
            alt.Chart(censor_ticks(marks))
            .mark_point(shape=CENSOR_SHAPE, size=60, strokeWidth=1, filled=False)
            .encode(x=x, y=y, color=color, tooltip=[
                alt.Tooltip("group:N", title="Group"),
                alt.Tooltip("time:Q", title=f"Time ({unit})", format=".4~f"),
                alt.Tooltip("patients:Q", title="Patients censored"),
            ])
        )
    elif not censored.empty:
        layers.append(
            alt.Chart(censored)
            .mark_point(shape=CENSOR_SHAPE, size=90, strokeWidth=1.6, filled=False)
            .encode(x=x, y=y, color=color, opacity=highlight_opacity(), tooltip=patient_tooltip)
        )
    events = marks[marks["status"] == "event"]
    if not events.empty and len(marks) <= MAX_EVENT_MARKS:
        layers.append(
            alt.Chart(events)
            .mark_point(shape="circle", size=28, filled=True)
            .encode(x=x, y=y, color=color, opacity=highlight_opacity(), tooltip=patient_tooltip)
        )
    # Made whole rather than by chained methods: each of Altair's chart methods copies
    # the whole chart, data and all (four copies of both charts, a third of the time).
    plot = alt.LayerChart(layer=layers, width=WIDTH, height=HEIGHT, title=title)
    risk = _risk_rows(tables["at_risk"], endpoint, labels, x_scale, ticks, column)
    return alt.VConcatChart(
        vconcat=[plot, risk],
        spacing=6,
        resolve=alt.Resolve(scale=alt.ScaleResolveMap(color="shared")),
        config=alt.Config(view=alt.ViewConfig(stroke=None), axis=alt.AxisConfig(labelFontSize=11, titleFontSize=12)),
    )


def _median_rules(medians: Any, endpoint: str, labels: list[str]) -> Any:
    """Dashed lines from the y axis at 50% to the median and down to the x axis."""
    import pandas as pd

    rows = []
    chosen = medians[(medians["endpoint"] == endpoint) & medians["group"].isin(labels)]
    for _, row in chosen.iterrows():
        median = row["median"]
        if median is None or math.isnan(median):
            continue
        rows.append({"group": row["group"], "median": median, "x": 0.0, "x2": median, "y": 0.5, "y2": 0.5})
        rows.append({"group": row["group"], "median": median, "x": median, "x2": median, "y": 0.0, "y2": 0.5})
    return pd.DataFrame(rows, columns=["group", "median", "x", "x2", "y", "y2"])


def _risk_rows(
    at_risk: Any,
    endpoint: str,
    labels: list[str],
    x_scale: Any,
    ticks: list[float],
    column: str | None,
) -> Any:
    import altair as alt
    import pandas as pd

    chosen = at_risk[(at_risk["endpoint"] == endpoint) & at_risk["group"].isin(labels)]
    rows, order = [], []
    for label in labels:
        prefix = "" if column is None else f"{label.split('=', 1)[1]}: "
        of_group = chosen[chosen["group"] == label]
        for key, name in (("at_risk", "at risk"), ("censored", "censored"), ("events", "events")):
            row_name = f"{prefix}{name}" if prefix else name.capitalize()
            order.append(row_name)
            # Over the columns, not iterrows (a Series per row).
            for time, count in zip(of_group["time"].tolist(), of_group[key].tolist(), strict=True):
                rows.append({"row": row_name, "group": label, "time": time, "count": int(count)})
    frame = pd.DataFrame(rows, columns=["row", "group", "time", "count"])
    return (
        alt.Chart(frame)
        .mark_text(fontSize=11)
        .encode(
            x=alt.X("time:Q", scale=x_scale, axis=None),
            y=alt.Y("row:N", sort=order, title=None, axis=alt.Axis(domain=False, ticks=False, labelPadding=14)),
            text="count:Q",
            color=alt.Color("group:N", legend=None, scale=_group_scale(labels)),
        )
        .properties(
            width=WIDTH,
            height=16 * len(order),
            title=alt.TitleParams(
                "Number at risk at each time; censored and events before it",
                fontSize=11,
                anchor="start",
                fontWeight="normal",
            ),
        )
    )


def _group_scale(labels: list[str]) -> Any:
    """The groups' colours (``column=value``), keyed by value so that a group keeps
    its colour in every chart, and colour-blind safe."""
    import altair as alt

    from rinec_report import palettes

    if labels == [OVERALL]:
        return alt.Scale(domain=labels, range=[palettes.NEUTRAL])
    by_value = palettes.colors(lb.split("=", 1)[-1] for lb in labels)
    return alt.Scale(domain=labels, range=[by_value[lb.split("=", 1)[-1]] for lb in labels])
