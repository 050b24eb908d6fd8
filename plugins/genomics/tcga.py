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
          "cohort_a": "category", "cohort_b": "category", "p_value": "measure",
          "q_value": "measure", "other_cohort": "category", "direction": "category",
          # the chart's: a dot's value and place, whether it is this cohort's, a median's ends
          "value": "measure", "x": "measure", "x0": "measure", "v": "measure",
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
    tests = pairwise_t_test(values)
    return {"_tcga": {"table": table, "own": own, "tcga": tcga, "per_mb": bool(size),
                      "size": size, "zero": zero, "tests": tests}}


def pairwise_t_test(values: Any) -> Any:
    """tcgaCompare's test: R's ``pairwise.t.test`` over every pair of cohorts (the pooled
    standard deviation of all of them, two-sided), p adjusted by FDR (Benjamini-Hochberg)
    over all pairs. Columns: cohort_a, cohort_b, p_value, q_value; lowest p first.

    A cohort of one sample has no spread: it adds no degree of freedom and gets no test
    (R's pooled SD becomes NA there and no pair at all is tested).
    """
    import numpy as np
    import pandas as pd

    from rinec_report.stats import bh_fdr, t_two_sided

    groups = values.groupby("cohort")["value"].agg(["mean", "var", "size"])
    groups = groups[groups["size"] >= 2]
    columns = ["cohort_a", "cohort_b", "p_value", "q_value"]
    if len(groups) < 2:
        return pd.DataFrame(columns=columns)
    degf = groups["size"] - 1
    total_degf = float(degf.sum())
    pooled = float(np.sqrt((groups["var"] * degf).sum() / total_degf))
    names = list(groups.index)
    mean, size = groups["mean"].to_numpy(), groups["size"].to_numpy(dtype=float)
    i, j = np.triu_indices(len(names), k=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (mean[i] - mean[j]) / (pooled * np.sqrt(1 / size[i] + 1 / size[j]))
    p = t_two_sided(t, total_degf)
    table = pd.DataFrame({"cohort_a": np.array(names, dtype=object)[i],
                          "cohort_b": np.array(names, dtype=object)[j], "p_value": p})
    table = table.dropna(subset=["p_value"])
    table["q_value"] = bh_fdr(table["p_value"].to_numpy()) if len(table) else []
    return table.sort_values(["p_value", "cohort_a", "cohort_b"], kind="stable").reset_index(drop=True)


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


def _test_blocks(state: dict[str, Any], table: Any) -> list[Any]:
    """This cohort's rows of tcgaCompare's pairwise t-test (every pair is exported)."""
    tests = state["tests"]
    mine = tests[(tests["cohort_a"] == COHORT) | (tests["cohort_b"] == COHORT)]
    if not len(mine):
        return [Note("No t-test against TCGA: this cohort has fewer than 2 samples with a "
                     "non-synonymous mutation.")]
    other = mine["cohort_b"].where(mine["cohort_a"] == COHORT, mine["cohort_a"])
    mean = state["own"]["value"].mean()
    means = state["tcga"].groupby("cohort")["value"].mean()
    shown = mine.assign(other_cohort=other.to_numpy())[["other_cohort", "p_value", "q_value"]]
    shown.insert(1, "direction", ["this cohort higher" if mean > means[c] else "this cohort lower"
                                  for c in shown["other_cohort"]])
    significant = int((shown["q_value"] < 0.05).sum())
    return [
        Text(f"tcgaCompare's pairwise t-test (R's pairwise.t.test: the mean {'per Mb ' if state['per_mb'] else ''}"
             "of each pair of cohorts, with the standard deviation pooled over all 34, FDR over all "
             f"{len(tests):,} pairs): this cohort differs from {significant} of the "
             f"{len(shown)} TCGA cohorts at q < 0.05. The test compares means and assumes one "
             "spread for every cohort, and mutation burden is skewed and far more spread in some "
             "cancers than others; with a few samples, one hypermutated sample moves the mean. "
             "Read it as maftools reports it, not as a verdict."),
        Table("tcga_this_cohort_t_test", shown, title="This cohort against each TCGA cohort (t-test)",
              patient_column=None, export=False,
              column_titles={"other_cohort": "TCGA cohort", "p_value": "p", "q_value": "q (FDR)"}),
        # Every pair, as tcgaCompare returns them, in the data folder only.
        Table("tcga_pairwise_t_test", tests, show=False, patient_column=None),
    ]


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
    # TCGA's dots and this cohort's apart: only ours carry sample and patient fields. TCGA's
    # 10,200 go as one sorted list per cohort, spread across its column in the browser
    # (flatten, rank, count): 0.07 MB of page where one row per dot was 0.46 MB.
    theirs = [{"cohort": cohort, "x0": positions[cohort],
               "v": [round(float(v), 4) for v in group["value"].sort_values(kind="stable")]}
              for cohort, group in tcga.groupby("cohort")]
    sampled = len(own) > MAX_DOTS
    mine = (_dots(own[["value", "sample", "patient_id"]], positions[COHORT]).assign(cohort=COHORT)
            if len(own) else pd.DataFrame(columns=["value", "sample", "patient_id", "x", "cohort"]))

    def tidy(frame: Any) -> Any:
        frame = frame[frame["value"] > 0]  # a log axis has no zero (tcgaCompare drops them too)
        return frame.assign(x=frame["x"].astype(float).round(4),
                            value=frame["value"].astype(float).round(4))

    mine = tidy(mine)
    med = table.assign(x0=table["rank"] - 1 + 0.05, x1=table["rank"] - 0.05, xm=table["rank"] - 0.5)
    med = med[med["median"] > 0]
    ticks = [float(r) - 0.5 for r in table["rank"]]
    y = alt.Y("value:Q", scale=alt.Scale(type="log"), title=unit[0].upper() + unit[1:])
    x = alt.X("x:Q", title=None, scale=alt.Scale(domain=[0, len(table)], nice=False),
              axis=alt.Axis(values=ticks, labels=False, ticks=False, grid=False))
    tooltip = ["cohort:N", alt.Tooltip("value:Q", title=unit)]
    # As _dots places a cohort's k sorted values: the i-th (from 1) at x0 + (i - 0.5) / k * 0.9
    # + 0.05; zeros take their places and are not drawn (a log axis has no zero).
    points = alt.Chart(alt.Data(values=theirs)).transform_flatten(["v"], as_=["value"]).transform_window(
        i="row_number()", groupby=["cohort"], sort=[alt.SortField("value")]).transform_joinaggregate(
        k="count()", groupby=["cohort"]).transform_calculate(
        x="datum.x0 + (datum.i - 0.5) / datum.k * 0.9 + 0.05").transform_filter(
        "datum.value > 0").mark_circle(size=9, color="#9e9e9e").encode(x=x, y=y, tooltip=tooltip)
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
    blocks.extend(_test_blocks(state, table))
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
