"""The VAF distribution per sample, as maftools' plotVaf draws it: a box of the
tumour allele fractions (t_vaf) of each sample's calls, samples ordered by their
median VAF (orderByMedian = TRUE), the calls themselves as points over the box."""

from __future__ import annotations

from typing import Any

from rinec_report.charts import chart_dict
from rinec_report.model import Chart, Note, Section, Text

# Up to this many calls every call is a point over its box; beyond, only the boxes
# (computed here: a chart of hundreds of thousands of points would be megabytes).
MAX_POINTS = 5000


def vaf_boxes(mutations: Any) -> Any:
    """One row per sample with a VAF: n, the quartiles, and the whiskers at the
    furthest call within 1.5 IQR of the box (R's boxplot, which plotVaf draws),
    ordered by median, highest first (ties by name)."""
    import pandas as pd

    known = mutations.loc[mutations["t_vaf"].notna(), ["sample", "patient_id", "t_vaf"]]
    known = known.astype({"sample": object})
    rows = []
    for sample, group in known.groupby("sample", sort=True):
        v = group["t_vaf"].astype(float)
        q1, med, q3 = (float(v.quantile(q)) for q in (0.25, 0.5, 0.75))
        iqr = q3 - q1
        lo = float(v[v >= q1 - 1.5 * iqr].min())
        hi = float(v[v <= q3 + 1.5 * iqr].max())
        patient = group["patient_id"].iloc[0]
        rows.append({"sample": str(sample), "patient_id": None if pd.isna(patient) else
                     str(patient), "n": len(v), "q1": q1, "median": med, "q3": q3,
                     "lo": lo, "hi": hi})
    table = pd.DataFrame(rows, columns=["sample", "patient_id", "n", "q1", "median", "q3",
                                        "lo", "hi"])
    return table.sort_values(["median", "sample"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)


def vaf_section(mutations: Any, meta: dict[str, Any]) -> Section | None:
    """The section, or None when no call has a VAF."""
    import altair as alt

    from rinec_report.charts import highlight_opacity

    boxes = vaf_boxes(mutations)
    if not len(boxes):
        return None
    order = boxes["sample"].tolist()
    many = len(order) > 60
    # A long sort list overflows the browser's stack (sections.MAX_SORT_LIST): beyond
    # it the order is a rank field.
    rank = {s: i for i, s in enumerate(order)}
    boxes = boxes.assign(r=range(len(boxes)))
    x = alt.X("sample:N", sort=order if len(order) <= 500 else alt.EncodingSortField(
        field="r", op="min"), title="Sample", axis=None if many else alt.Axis(labelAngle=-45))
    y_scale = alt.Scale(domain=[0, 1])
    opacity = highlight_opacity()
    base = alt.Chart(boxes).encode(x=x)
    tooltip = [alt.Tooltip("sample:N"), alt.Tooltip("patient_id:N", title="patient"),
               alt.Tooltip("n:Q", title="calls with a VAF"),
               alt.Tooltip("median:Q", title="median VAF", format=".2f"),
               alt.Tooltip("q1:Q", title="first quartile", format=".2f"),
               alt.Tooltip("q3:Q", title="third quartile", format=".2f")]
    whisker = base.mark_rule(color="#444444").encode(
        y=alt.Y("lo:Q", title="Tumour VAF", scale=y_scale), y2="hi:Q", opacity=opacity,
        tooltip=tooltip)
    box = base.mark_bar(size=14, color="#9ECAE1", stroke="#444444").encode(
        y="q1:Q", y2="q3:Q", opacity=opacity, tooltip=tooltip)
    median = base.mark_tick(color="#08306B", size=14, thickness=2).encode(
        y="median:Q", opacity=opacity, tooltip=tooltip)
    layers = [whisker, box, median]
    known = mutations.loc[mutations["t_vaf"].notna()]
    points_drawn = len(known) <= MAX_POINTS
    if points_drawn:
        pts = known[["sample", "patient_id", "gene", "hgvsp_short", "t_vaf", "t_alt_count",
                     "t_depth"]].astype({"sample": object, "gene": object})
        pts = pts.assign(t_vaf=pts["t_vaf"].round(4), r=pts["sample"].map(rank))
        layers.append(alt.Chart(pts).mark_circle(size=18, color="#333333").encode(
            x=x, y="t_vaf:Q", opacity=opacity,
            tooltip=[alt.Tooltip("sample:N"), alt.Tooltip("patient_id:N", title="patient"),
                     alt.Tooltip("gene:N"), alt.Tooltip("hgvsp_short:N", title="protein change"),
                     alt.Tooltip("t_vaf:Q", title="VAF", format=".2f"),
                     alt.Tooltip("t_alt_count:Q", title="alternate reads"),
                     alt.Tooltip("t_depth:Q", title="depth")]))
    chart = alt.layer(*layers).properties(
        width=min(900, max(200, 30 * len(order))), height=240).configure_view(stroke=None)
    missing = int(mutations["t_vaf"].isna().sum())
    blocks: list[Any] = [Chart(chart_dict(chart), title="VAF per sample",
                               renderer="canvas" if many else "svg")]
    if not points_drawn:
        blocks.append(Note(f"{len(known):,} calls have a VAF: the boxes are drawn without "
                           f"their points (more than {MAX_POINTS:,})."))
    blocks.append(Text(
        f"{len(known):,} calls in {len(order):,} samples have a tumour VAF; the highest "
        f"median is {boxes['median'].iloc[0]:.2f} ({order[0]}), the lowest "
        f"{boxes['median'].iloc[-1]:.2f} ({order[-1]})."
        + (f" {missing:,} calls have no allele counts and are not drawn." if missing else "")))
    return Section(
        id="vaf",
        title="Allele fractions",
        description="The tumour variant allele fraction of each sample's calls.",
        help=("t_vaf is t_alt_count / (t_ref_count + t_alt_count), as maftools computes it "
              "when a MAF has no t_vaf column (a MAF's own t_vaf is used as it is). The "
              "counts come from the VCF's FORMAT fields by vcf2maf's rules (AD, or the "
              "caller's own fields), or from the MAF's columns. Boxes: quartiles, whiskers "
              "at the furthest call within 1.5 times the box's height; samples ordered by "
              "median VAF, as maftools' plotVaf does."),
        blocks=blocks,
    )
