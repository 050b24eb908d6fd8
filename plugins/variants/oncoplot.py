"""The oncoplot: gene x sample matrix with a TMB bar on top, the share of
samples mutated at the side, and clinical tracks below.

Built for thousands of samples: the x axis is the sample's rank (no sort list
in the spec), only mutated cells are marks, the grey of unmutated cells is the
view's background, field names in the data are short, and the chart is
rendered to a canvas.
"""

from __future__ import annotations

import json
from typing import Any

from rinec_report.palettes import VARIANT_CLASSES as CLASS_COLORS

# A binned oncoplot has at most this many columns: about one pixel or more each.
BINNED_COLUMNS = 600
TRACK_TITLES = {"sex": "Sex", "nec_site": "NEC site", "rin_status": "RIN criteria"}


def class_scale(classes: list[str]) -> Any:
    import altair as alt

    from rinec_report import palettes

    known = [c for c in CLASS_COLORS if c in classes]
    others = sorted(c for c in classes if c not in CLASS_COLORS)
    colors = palettes.colors(classes, fixed=CLASS_COLORS)
    domain = known + others
    return alt.Scale(domain=domain, range=[colors[c] for c in domain])


def waterfall_order(cells: Any, genes: list[str], samples: list[str]) -> list[str]:
    """Samples sorted by whether they carry the first gene, then the second...
    (mutated first), then by name; samples without any top-gene mutation last."""
    import numpy as np

    index = {s: i for i, s in enumerate(samples)}
    gindex = {g: j for j, g in enumerate(genes)}
    matrix = np.zeros((len(samples), len(genes)), dtype=np.int8)
    if len(cells):
        rows = np.fromiter((index[s] for s in cells["sample"]), dtype=np.int64, count=len(cells))
        cols = np.fromiter((gindex[g] for g in cells["gene"]), dtype=np.int64, count=len(cells))
        matrix[rows, cols] = 1
    names = np.asarray(samples, dtype=object)
    name_rank = np.argsort(np.argsort(names, kind="stable"), kind="stable")
    # lexsort: last key is primary; negate so mutated (1) sorts before 0.
    keys = [name_rank] + [-matrix[:, j] for j in range(len(genes) - 1, -1, -1)]
    order = np.lexsort(keys) if len(samples) else np.zeros(0, dtype=np.int64)
    return [samples[i] for i in order]


def oncoplot_cells(mutations: Any, genes: list[str], nonsyn: tuple[str, ...]) -> Any:
    """One row per (sample, gene) among the top genes, by sample then gene name:
    class (Multi_Hit when two or more non-synonymous mutations, else the class of
    the first by protein change), all classes, protein changes (in name order).
    Counted on integer codes, the text joined by Arrow (summaries.join_groups):
    a TCGA-sized cohort has hundreds of thousands of cells."""
    import numpy as np
    import pandas as pd

    from .summaries import codes_of, codes_within, distinct, join_groups, name_ranks

    gcodes, gnames = codes_of(mutations["gene"])
    wanted = set(genes)
    top = np.array([g in wanted for g in gnames] + [False], dtype=bool)
    scodes, snames = codes_of(mutations["sample"])
    keep = (mutations["variant_classification"].isin(nonsyn).to_numpy() & top[gcodes]
            & (scodes >= 0))
    if not keep.any():
        return pd.DataFrame(columns=["sample", "patient_id", "gene", "n", "cls", "classes",
                                     "protein", "reads"])
    rows = np.flatnonzero(keep)
    srank = name_ranks(snames)[scodes[rows]]
    grank = name_ranks(gnames)[gcodes[rows]]
    hcodes, hnames = codes_within(mutations["hgvsp_short"], keep)
    hrank = np.append(name_ranks(hnames), len(hnames))[hcodes]  # name order; missing last
    order = np.lexsort((hrank, grank, srank))
    rows, hcodes = rows[order], hcodes[order]
    cell_key = srank[order] * max(len(gnames), 1) + grank[order]
    first = np.concatenate([[True], cell_key[1:] != cell_key[:-1]])
    starts = np.flatnonzero(first)
    cell = np.cumsum(first) - 1
    n_cells = len(starts)
    vcodes, vnames = codes_of(mutations["variant_classification"])
    v = vcodes[rows]
    width = max(len(vnames), 1)
    kinds = distinct(cell * width + v)
    kinds = kinds[np.lexsort((name_ranks(vnames)[kinds % width], kinds // width))]
    given = np.array([h != "" for h in hnames] + [False], dtype=bool)[hcodes]
    hgvsp = np.asarray(hnames, dtype=object)[hcodes[given]]
    n = np.diff(np.append(starts, len(rows)))
    first_class = np.array(vnames, dtype=object)[v[starts]]
    patients = np.asarray(mutations["patient_id"], dtype=object)[rows[starts]]
    return pd.DataFrame({
        "sample": pd.Series(np.array(snames, dtype=object)[scodes[rows[starts]]], dtype=object),
        "gene": pd.Series(np.array(gnames, dtype=object)[gcodes[rows[starts]]], dtype=object),
        "patient_id": pd.Series(patients, dtype=object).where(pd.notna(patients), None),
        "n": n.astype(np.int64),
        "classes": pd.Series(join_groups(kinds // width, [vnames[k] for k in (kinds % width).tolist()],
                                         n_cells), dtype=object),
        "protein": pd.Series(join_groups(cell[given], hgvsp, n_cells), dtype=object),
        "reads": pd.Series(_reads(mutations, rows, cell, n_cells), dtype=object),
        "cls": pd.Series(np.where(n < 2, first_class, "Multi_Hit"), dtype=object),
    })


def _reads(mutations: Any, rows: Any, cell: Any, n_cells: int) -> list[str]:
    """Each cell's mutations' tumour reads, in the cell's order: "VAF 0.29 (12 of
    42 reads)", the depth alone when there are no counts; "" without either."""
    import numpy as np

    from .summaries import join_groups

    if "t_depth" not in mutations.columns:
        return [""] * n_cells
    depth = mutations["t_depth"].to_numpy(dtype=float)[rows]
    alt = mutations["t_alt_count"].to_numpy(dtype=float)[rows]
    vaf = mutations["t_vaf"].to_numpy(dtype=float)[rows]
    known = np.isfinite(depth) | np.isfinite(vaf)
    texts = []
    for d, a, f in zip(depth[known].tolist(), alt[known].tolist(), vaf[known].tolist(),
                       strict=True):
        if f == f:
            reads = f" ({a:.0f} of {d:.0f} reads)" if a == a and d == d else ""
            texts.append(f"VAF {f:.2f}{reads}")
        else:
            texts.append(f"depth {d:.0f}")
    return join_groups(cell[known], texts, n_cells, sep="; ")


def oncoplot_chart(
    mutations: Any,
    samples_table: Any,
    gene_details: Any,
    options: dict[str, Any],
    territory_mb: float | None,
    cohort_patients: Any = None,
    qc: dict[str, Any] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """The Altair chart and facts for the text around it. ``qc`` is the qc plugin's published
    ``sample_qc`` and ``patient_qc`` (MultiQC verdicts against the config's thresholds): a
    "Sequencing QC" track under the clinical ones marks each sample pass, fail or unknown."""
    import altair as alt
    import pandas as pd

    from rinec_report.charts import chart_text, highlight_opacity

    nonsyn = tuple(options["nonsynonymous"])
    top_n = options["top_genes"]
    genes = [str(g) for g in gene_details["gene"].head(top_n)]
    samples = [str(s) for s in samples_table["sample"]]
    cells = oncoplot_cells(mutations, genes, nonsyn)
    order = waterfall_order(cells, genes, samples)
    altered = int(cells["sample"].nunique()) if len(cells) else 0
    cap = options["oncoplot_max_samples"]
    if len(order) > cap:
        chart, facts = binned_oncoplot(cells, order, genes, samples_table, gene_details, territory_mb,
                                       min(cap, BINNED_COLUMNS))
        return chart, {**facts, "altered": altered}
    shown = order[:cap]
    rank = {s: i for i, s in enumerate(shown)}
    cells = cells[cells["sample"].isin(rank)]
    patient_of = dict(zip(samples_table["sample"], samples_table["patient_id"], strict=True))

    n = len(shown)
    width = min(700, max(240, 60 * n))
    step_y = 14
    # Data with short field names: this is what makes up the HTML at scale.
    # Sample and patient names live once in a lookup table, not in every cell.
    lookup = alt.LookupData(
        alt.Data(values=[{"i": i, "s": s, "p": None if patient_of.get(s) is None
                          else str(patient_of.get(s))} for i, s in enumerate(shown)]),
        key="i", fields=["s", "p"])
    mat = pd.DataFrame({
        "i": cells["sample"].map(rank).astype(int),
        "g": cells["gene"],
        "c": cells["cls"],
        "a": cells["classes"],
        "h": cells["protein"],
        "r": cells["reads"],
    }).sort_values(["i", "g"], kind="stable")
    present = sorted(set(mat["c"]))
    scale = class_scale(present)
    x_scale = alt.Scale(domain=list(range(n)), paddingInner=0.1)
    x = alt.X("i:O", axis=None, scale=x_scale)
    y = alt.Y("g:N", sort=genes, title=None, scale=alt.Scale(domain=genes),
              axis=alt.Axis(labelFontStyle="italic", labelLimit=120))
    opacity = highlight_opacity(field="p")
    background = {"fill": "#E8E8E8", "stroke": None} if n > 150 else {"stroke": None}
    matrix = alt.Chart(mat).transform_lookup(lookup="i", from_=lookup).mark_rect().encode(
        x=x,
        y=y,
        color=alt.Color("c:N", scale=scale, title="Variant classification",
                        legend=alt.Legend()),
        opacity=opacity,
        tooltip=[alt.Tooltip("g:N", title="gene"), alt.Tooltip("s:N", title="sample"),
                 alt.Tooltip("p:N", title="patient"), alt.Tooltip("a:N", title="classes"),
                 alt.Tooltip("h:N", title="protein change (HGVSp_Short)"),
                 alt.Tooltip("r:N", title="tumour reads")],
    ).properties(width=width, height=step_y * max(len(genes), 1), view=background)
    if n <= 150:
        # Few samples: draw the grey unmutated cells as marks, with white gaps.
        grid = pd.DataFrame([(i, g) for i in range(n) for g in genes], columns=["i", "g"])
        matrix = alt.layer(
            alt.Chart(grid).mark_rect(color="#E8E8E8").encode(x=x, y=y),
            matrix,
        ).properties(width=width, height=step_y * max(len(genes), 1))

    details = gene_details.set_index("gene")
    side = pd.DataFrame({"g": genes,
                         "pct": [float(details.loc[g, "percent_samples"]) for g in genes],
                         "k": [int(details.loc[g, "samples_mutated"]) for g in genes]})
    side_chart = alt.Chart(side).mark_bar(color="#666666").encode(
        y=alt.Y("g:N", sort=genes, axis=None, scale=alt.Scale(domain=genes)),
        x=alt.X("pct:Q", title="% samples", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("g:N", title="gene"), alt.Tooltip("k:Q", title="samples mutated"),
                 alt.Tooltip("pct:Q", title="% of samples")],
    ).properties(width=110, height=step_y * max(len(genes), 1))

    ns_all = mutations[mutations["variant_classification"].isin(nonsyn)
                       & mutations["sample"].isin(rank)]
    counts = (ns_all.astype({"sample": object, "variant_classification": object})
              .groupby(["sample", "variant_classification"]).size().reset_index(name="k"))
    per = territory_mb if territory_mb else 1.0
    bar = pd.DataFrame({
        "i": counts["sample"].map(rank).astype(int),
        "c": counts["variant_classification"],
        "k": counts["k"],
        "t": (counts["k"] / per).round(3),
    }).sort_values(["i", "c"], kind="stable")
    tmb_title = "TMB (/Mb)" if territory_mb else "Mutations"
    per_sample = bar.groupby("i")["t"].sum()
    y_scale = alt.Scale()
    if len(per_sample) >= 20 and per_sample.max() > 10 * max(per_sample.quantile(0.95), 1e-9):
        # A few hypermutators would flatten every other bar: compress the axis.
        y_scale = alt.Scale(type="symlog")
        tmb_title += " (symlog)"
    top = alt.Chart(bar).transform_lookup(lookup="i", from_=lookup).mark_bar().encode(
        x=x,
        y=alt.Y("sum(t):Q", title=tmb_title, axis=alt.Axis(tickCount=3), scale=y_scale),
        color=alt.Color("c:N", scale=class_scale(sorted(set(bar["c"]) | set(present))),
                        legend=None),
        opacity=opacity,
        tooltip=[alt.Tooltip("s:N", title="sample"), alt.Tooltip("p:N", title="patient"),
                 alt.Tooltip("c:N", title="class"), alt.Tooltip("k:Q", title="mutations"),
                 alt.Tooltip("t:Q", title="per Mb" if territory_mb else "count")],
    ).properties(width=width, height=70)

    label_axis = None
    if n <= 60:
        # Few samples: name each column under the last row by its patient (with the sample
        # only for a patient of several), upright so that none runs off the left edge, and
        # thinned where they would overlap (every sample is named in its tooltip).
        owners = [patient_of.get(s) for s in shown]
        # Each name rewritten as the spec's texts are (chart_text): Vega keeps an
        # expression's texts as keys of a plain object, where "constructor" is taken.
        names = [chart_text(s if p in (None, s) else f"{p} ({s})" if owners.count(p) > 1 else str(p))
                 for s, p in zip(shown, owners, strict=True)]
        label_axis = alt.Axis(labelExpr=f"{json.dumps(names)}[datum.value]", title=None,
                              labelAngle=-90, labelAlign="right", labelBaseline="middle",
                              labelOverlap="parity", labelPadding=4, ticks=False, domain=False)
    tracks = _tracks(shown, rank, patient_of, options, cohort_patients, x, width, qc_verdicts(shown, patient_of, qc))
    if label_axis is not None:
        x_named = alt.X("i:O", axis=label_axis, scale=x_scale)
        if tracks:
            tracks[-1] = tracks[-1].encode(x=x_named)
        else:
            matrix = (matrix.encode(x=x_named) if n > 150 else alt.layer(
                *[layer.encode(x=x_named) for layer in matrix.layer]).properties(
                width=width, height=step_y * max(len(genes), 1)))
    rows: list[Any] = [top, alt.hconcat(matrix, side_chart, spacing=6)]
    rows.extend(tracks)
    chart = alt.vconcat(*rows, spacing=4).resolve_scale(color="independent").configure_view(
        stroke=None)
    facts = {"genes": genes, "samples": len(samples), "shown": n, "altered": altered,
             "tracks": len(tracks)}
    return chart, facts


def binned_oncoplot(cells: Any, order: list[str], genes: list[str], samples_table: Any, gene_details: Any,
                    territory_mb: float | None, columns: int) -> tuple[Any, dict[str, Any]]:
    """More samples than columns: consecutive samples of the waterfall order share a
    column, and each cell is the share of its samples carrying a non-synonymous
    mutation of the gene. Every (sample, gene) cell is in the data folder
    (``facts["cells"]``, exported by the sections)."""
    import math

    import altair as alt
    import numpy as np
    import pandas as pd

    n = len(order)
    size = math.ceil(n / columns)
    bins = math.ceil(n / size)
    rank = {s: i for i, s in enumerate(order)}
    b = (cells["sample"].map(rank).to_numpy() // size) if len(cells) else np.zeros(0, dtype=np.int64)
    mat = (pd.DataFrame({"b": b, "g": cells["gene"].to_numpy()}).groupby(["b", "g"], sort=True).size()
           .rename("k").reset_index())
    counts = np.minimum(size, n - mat["b"].to_numpy() * size)
    mat["f"] = (mat["k"] / counts).round(3)
    first = [order[i * size] for i in range(bins)]
    last = [order[min(n, (i + 1) * size) - 1] for i in range(bins)]
    mat["s"] = [f"{first[i]} .. {last[i]}" for i in mat["b"]]
    per = territory_mb if territory_mb else 1.0
    burden = samples_table.set_index(samples_table["sample"].astype(str))["nonsynonymous"] / per
    top = pd.DataFrame({"b": np.arange(n) // size, "t": burden.reindex(order).fillna(0).to_numpy()})
    top = top.groupby("b", sort=True)["t"].mean().round(3).reset_index()
    width = 700
    x = alt.X("b:O", axis=None, scale=alt.Scale(domain=list(range(bins)), paddingInner=0))
    y = alt.Y("g:N", sort=genes, title=None, scale=alt.Scale(domain=genes),
              axis=alt.Axis(labelFontStyle="italic", labelLimit=120))
    matrix = alt.Chart(mat).mark_rect().encode(
        x=x, y=y,
        color=alt.Color("f:Q", title="Samples mutated", scale=alt.Scale(scheme="reds", domain=[0, 1]),
                        legend=alt.Legend(format="%")),
        tooltip=[alt.Tooltip("g:N", title="gene"), alt.Tooltip("s:N", title="samples"),
                 alt.Tooltip("k:Q", title="mutated"), alt.Tooltip("f:Q", title="share", format=".0%")],
    ).properties(width=width, height=14 * max(len(genes), 1), view={"fill": "#F4F4F4", "stroke": None})
    details = gene_details.set_index("gene")
    side = pd.DataFrame({"g": genes, "pct": [float(details.loc[g, "percent_samples"]) for g in genes]})
    side_chart = alt.Chart(side).mark_bar(color="#666666").encode(
        y=alt.Y("g:N", sort=genes, axis=None, scale=alt.Scale(domain=genes)),
        x=alt.X("pct:Q", title="% samples", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("g:N", title="gene"), alt.Tooltip("pct:Q", title="% of samples")],
    ).properties(width=110, height=14 * max(len(genes), 1))
    bars = alt.Chart(top).mark_bar(color="#666666").encode(
        x=x, y=alt.Y("t:Q", title="mean TMB (/Mb)" if territory_mb else "mean mutations",
                     axis=alt.Axis(tickCount=3)),
        tooltip=[alt.Tooltip("t:Q", title="mean per sample")],
    ).properties(width=width, height=70)
    chart = alt.vconcat(bars, alt.hconcat(matrix, side_chart, spacing=6), spacing=4).configure_view(stroke=None)
    return chart, {"genes": genes, "samples": n, "shown": n, "binned": size, "columns": bins, "tracks": 0,
                   "cells": cells}


QC_TITLE = "Sequencing QC"


def qc_verdicts(shown: list[str], patient_of: dict[str, Any], qc: dict[str, Any] | None
                ) -> list[tuple[str, str]] | None:
    """Each shown sample's (verdict, why) from the qc plugin's datasets: by sample name, else
    its patient's worst sample, else "unknown"; None when no QC threshold was set."""
    samples = (qc or {}).get("samples")
    if samples is None:
        return None
    by_sample = {str(s): (str(q), str(r)) for s, q, r in zip(samples["sample"], samples["qc"], samples["reason"],
                                                         strict=True)}
    patients = (qc or {}).get("patients")
    by_patient = {} if patients is None else {
        str(p): (str(q), f"the patient's sample {s}: {r}") for p, q, r, s in
        zip(patients["patient_id"], patients["qc"], patients["reason"], patients["sample"], strict=True)}
    unknown = ("unknown", "not in MultiQC's data")
    return [by_sample.get(str(s)) or by_patient.get(str(patient_of.get(s)), unknown) for s in shown]


def _tracks(shown: list[str], rank: dict[str, int], patient_of: dict[str, Any],
            options: dict[str, Any], cohort_patients: Any, x: Any, width: int,
            qc: list[tuple[str, str]] | None = None) -> list[Any]:
    import altair as alt
    import pandas as pd

    from rinec_report import palettes
    from rinec_report.charts import highlight_opacity

    if not len(shown):
        return []
    wanted = ([c for c in options["clinical_tracks"] if c in cohort_patients.columns]
              if cohort_patients is not None else [])
    if not wanted and qc is None:
        return []
    out = []
    columns = []
    if wanted:
        by_patient = cohort_patients.drop_duplicates("patient_id").set_index(
            cohort_patients.drop_duplicates("patient_id")["patient_id"].astype(str))
    for col in wanted:
        values = []
        for s in shown:
            pid = patient_of.get(s)
            v = by_patient[col].get(str(pid)) if pid is not None else None
            values.append("unknown" if v is None or (isinstance(v, float) and v != v) else str(v))
        columns.append(values)
    titles = [TRACK_TITLES.get(col, col.replace("_", " ")) for col in wanted]
    if qc is not None:
        columns.append([q for q, _r in qc])
        titles.append(QC_TITLE)
    # One meaning per colour across the tracks (male and a site are not both blue).
    mappings = palettes.track_colors(columns)
    for title, values, mapping in zip(titles, columns, mappings, strict=True):
        scale = alt.Scale(domain=list(mapping), range=list(mapping.values()))
        data = pd.DataFrame({"i": [rank[s] for s in shown], "s": shown,
                             "p": [patient_of.get(s) for s in shown], "v": values})
        tooltip = [alt.Tooltip("s:N", title="sample"), alt.Tooltip("p:N", title="patient"),
                   alt.Tooltip("v:N", title=title)]
        if title == QC_TITLE and qc is not None:
            data["w"] = [r for _q, r in qc]
            tooltip.append(alt.Tooltip("w:N", title="why"))
        out.append(
            alt.Chart(data).mark_rect().encode(
                x=x,
                y=alt.Y("t:N", title=None, axis=alt.Axis(labelFontWeight="bold")),
                color=alt.Color("v:N", title=title, scale=scale,
                                legend=alt.Legend()),
                opacity=highlight_opacity(field="p"),
                tooltip=tooltip,
            ).transform_calculate(t=json.dumps(title)).properties(width=width, height=14)
        )
    return out
