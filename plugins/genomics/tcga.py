"""The cohort's tumour mutation burden beside the 33 TCGA cohorts, as maftools'
``tcgaCompare`` draws it (PoisonAlien/maftools @ c8ff3283, R/tcgacompare.R).

The TCGA values are maftools' ``inst/extdata/tcga_cohort.txt.gz``, shipped unchanged in
``data/``: per MC3 sample, its non-synonymous mutations inside the Agilent SureSelect
target of 35.8 Mb. The cohort's own value is its samples' non-synonymous mutations (the
variants plugin's count, maftools' ``getSampleSummary`` total), samples with none left
out (tcgaCompare's ``rm_zero = TRUE``); both are divided by their territory when the
cohort has a panel size, else both are raw counts, as tcgaCompare does without
``capture_size``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rinec_report import Option
from rinec_report.model import Chart, Note, Section, Table, Text

DATA = Path(__file__).parent / "data" / "tcga_cohort.txt.gz"
TCGA_CAPTURE_MB = 35.8
COHORT = "This cohort"
# Dots drawn per cohort at most: past it, evenly spaced order statistics stand for the
# rest (the median and the counts are computed on every sample).
MAX_DOTS = 2000

FIELDS = {"cohort": "category", "samples": "count", "median": "measure", "rank": "count",
          # the chart's: a dot's value and place, whether it is this cohort's, a median's ends
          "value": "measure", "x": "measure", "x0": "measure",
          "x1": "measure", "xm": "measure"}


def options() -> list[Option]:
    return []


def identifiers() -> dict[str, str]:
    return dict(FIELDS)


def read_tcga() -> Any:
    import pandas as pd

    table = pd.read_csv(DATA, sep="\t", usecols=["cohort", "total"])
    table["total"] = pd.to_numeric(table["total"], errors="coerce")
    return table.dropna()


def medians(values: Any) -> Any:
    """Per cohort: its samples and median, sorted by median as tcgaCompare sorts."""
    out = values.groupby("cohort")["value"].agg(samples="size", median="median").reset_index()
    return out.sort_values(["median", "cohort"], kind="stable").reset_index(drop=True)


def build(variants: dict[str, Any], datasets: Any, patients: Any,
          options: dict[str, Any]) -> dict[str, Any]:
    samples = variants.get("samples")
    if samples is None or not len(samples):
        return {}
    size = variants.get("panel_size_mb")
    tcga = read_tcga()
    tcga["value"] = tcga["total"] / TCGA_CAPTURE_MB if size else tcga["total"]
    own = samples[["sample", "patient_id", "nonsynonymous"]].copy()
    zero = int((own["nonsynonymous"] == 0).sum())
    own = own[own["nonsynonymous"] > 0]
    own["value"] = own["nonsynonymous"] / float(size) if size else own["nonsynonymous"].astype(float)
    own["cohort"] = COHORT
    values = tcga[["cohort", "value"]]
    import pandas as pd

    if len(own):
        values = pd.concat([values, own[["cohort", "value"]]], ignore_index=True)
    table = medians(values)
    table["rank"] = range(1, len(table) + 1)
    return {"_tcga": {"table": table, "own": own, "tcga": tcga, "per_mb": bool(size),
                      "size": size, "zero": zero}}


def _dots(values: Any, x0: int) -> Any:
    """tcgaCompare's dots: a cohort's values sorted, spread evenly across its column."""
    import numpy as np

    values = values.sort_values("value", kind="stable").reset_index(drop=True)
    n = len(values)
    if n > MAX_DOTS:
        values = values.iloc[np.linspace(0, n - 1, MAX_DOTS).round().astype(int)].reset_index(drop=True)
    k = len(values)
    values = values.assign(x=x0 + (np.arange(k) + 0.5) / k * 0.9 + 0.05)
    return values


def sections(data: dict[str, Any], options: dict[str, Any]) -> list[Section]:
    state = data.get("_tcga")
    if state is None:
        return []
    import altair as alt
    import pandas as pd

    from rinec_report import palettes
    from rinec_report.charts import chart_dict, highlight_opacity

    table, own, tcga = state["table"], state["own"], state["tcga"]
    unit = "non-synonymous mutations per Mb" if state["per_mb"] else "non-synonymous mutations"
    positions = {c: i for i, c in enumerate(table["cohort"])}
    # TCGA's dots and this cohort's apart: only ours carry sample and patient fields
    # (10,200 TCGA dots without them keep the page about half a megabyte lighter).
    theirs = pd.concat([_dots(group[["value"]], positions[cohort]).assign(cohort=cohort)
                        for cohort, group in tcga.groupby("cohort")], ignore_index=True)
    sampled = len(own) > MAX_DOTS
    mine = (_dots(own[["value", "sample", "patient_id"]], positions[COHORT]).assign(cohort=COHORT)
            if len(own) else pd.DataFrame(columns=["value", "sample", "patient_id", "x", "cohort"]))

    def tidy(frame: Any) -> Any:
        frame = frame[frame["value"] > 0]  # a log axis has no zero (tcgaCompare drops them too)
        return frame.assign(x=frame["x"].astype(float).round(4),
                            value=frame["value"].astype(float).round(4))

    theirs, mine = tidy(theirs), tidy(mine)
    med = table.assign(x0=table["rank"] - 1 + 0.05, x1=table["rank"] - 0.05, xm=table["rank"] - 0.5)
    med = med[med["median"] > 0]
    ticks = [float(r) - 0.5 for r in table["rank"]]
    y = alt.Y("value:Q", scale=alt.Scale(type="log"), title=unit[0].upper() + unit[1:])
    x = alt.X("x:Q", title=None, scale=alt.Scale(domain=[0, len(table)], nice=False),
              axis=alt.Axis(values=ticks, labels=False, ticks=False, grid=False))
    tooltip = ["cohort:N", alt.Tooltip("value:Q", title=unit)]
    points = alt.Chart(theirs).mark_circle(size=9, color="#9e9e9e").encode(
        x=x, y=y, tooltip=tooltip)
    ours_points = alt.Chart(mine).mark_circle(size=36, color=palettes.BLACK).encode(
        x=x, y=y, opacity=highlight_opacity(), tooltip=[*tooltip, "sample:N", "patient_id:N"])
    rules = alt.Chart(med).mark_rule(color=palettes.VERMILLION, strokeWidth=2).encode(
        x="x0:Q", x2="x1:Q", y=alt.Y("median:Q"), tooltip=["cohort:N", "samples:Q", "median:Q"])
    labels = alt.Chart(table.assign(xm=table["rank"] - 0.5)).mark_text(
        angle=270, align="right", baseline="middle", dy=0, fontSize=10).encode(
        x=alt.X("xm:Q", scale=alt.Scale(domain=[0, len(table)], nice=False), axis=None),
        text="cohort:N",
        color=alt.condition(alt.datum.cohort == COHORT, alt.value(palettes.BLACK), alt.value("#555555")))
    chart = alt.vconcat(alt.layer(points, ours_points, rules).properties(width=820, height=300),
                        labels.properties(width=820, height=80), spacing=2).configure_view(stroke=None)
    blocks: list[Any] = [Chart(chart_dict(chart), title="TMB beside TCGA", renderer="canvas")]
    ours = table[table["cohort"] == COHORT]
    if len(ours):
        row = ours.iloc[0]
        size = f" over the panel's {float(state['size']):.2f} Mb" if state["per_mb"] else ""
        others = table[table["cohort"] != COHORT]["median"]
        below = int((others < row["median"]).sum())
        blocks.append(Text(
            f"This cohort's median is {row['median']:.3g} {unit}{size} ({int(row['samples']):,} "
            f"samples): above the medians of {below} of the {len(others)} TCGA cohorts. With a "
            "handful of samples the "
            "median moves with each one: it places the cohort roughly, it does not type it."
            + (f" {state['zero']:,} samples without a non-synonymous mutation are left out, as "
               "tcgaCompare does." if state["zero"] else "")))
    if sampled:
        blocks.append(Note(f"{len(own):,} samples: the column draws {MAX_DOTS:,} evenly spaced "
                           "of their sorted values; the median is of all of them."))
    if not state["per_mb"]:
        blocks.append(Note("No panel size: raw counts are compared with TCGA's counts in its 35.8 "
                           "Mb exome target, which only fits a whole-exome cohort. Give a panel BED "
                           "or variants: panel_size_mb for mutations per Mb.", level="warning"))
    blocks.append(Table("tcga_medians", table, title="Median per cohort", patient_column=None,
                        page_size=None,
                        column_titles={"median": f"median ({unit})"}))
    return [Section(
        id="tcga-compare", title="TMB beside TCGA",
        description="The cohort's mutation burden beside the 33 TCGA cohorts (MC3 calls).",
        help=("As maftools' tcgaCompare: each column is one cohort, its samples' values sorted "
              "left to right, the red line its median; cohorts sorted by median. TCGA values: "
              "MC3 calls within the Agilent SureSelect exome target (35.8 Mb), maftools' "
              "tcga_cohort.txt.gz (10,200 samples). This cohort: each sample's non-synonymous "
              "mutations over the panel territory. A panel's territory differs from an "
              "exome's in which genes it holds, so the comparison is a rough one."),
        blocks=blocks)]
