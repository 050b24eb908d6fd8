"""The report sections and the per-patient summary columns."""

from __future__ import annotations

from typing import Any

from rinec_report import palettes
from rinec_report.charts import chart_dict  # validated with lists cut short, not per data value
from rinec_report.model import Chart, KeyValues, Note, Section, SummaryColumn, Table, Text

from .classify import SNV_CLASSES


def _input_facts(meta: dict[str, Any]) -> tuple[dict[str, Any], str]:
    files = meta["files"]
    records = sum(f["records"] for f in files)
    kept = sum(f["kept"] for f in files)
    reasons: dict[str, int] = {}
    for f in files:
        for k, v in f["filtered"].items():
            reasons[k] = reasons.get(k, 0) + v
    kept_filters = sorted({f["kept_filters"] for f in files})
    annotations = sorted({f["annotation"] for f in files})
    facts = {
        "Files": f"{len(files):,}",
        "Records read": f"{records:,}",
        "Kept (FILTER " + " / ".join(kept_filters) + ")": f"{kept:,} mutation calls",
        "Annotation": ", ".join(annotations),
        "Samples mapped to patients by": meta["mapping"],
    }
    duplicates = meta.get("duplicates", 0)
    facts["Duplicate calls counted once"] = (
        f"{duplicates:,} (same sample, chromosome, start, reference and alternate allele)"
        if duplicates else "none")
    for f in meta.get("depth_filters", []):
        unknown = f" ({f['unknown']:,} without it, kept)" if f["unknown"] else ""
        facts[f"Left out: {f['words']} below {f['limit']:g} ({f['option']})"] = (
            f"{f['removed']:,} calls{unknown}")
    if not meta.get("has_depth", True):
        facts["Read depth"] = "none in the input (no AD or caller depth fields, no t_depth)"
    if reasons:
        total = sum(reasons.values())
        top = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ", ".join(f"{k}: {v:,}" for k, v in top[:10])
        more = f", and {len(top) - 10} other reasons" if len(top) > 10 else ""
        sentence = f"{total:,} records were filtered out by their FILTER value ({shown}{more})."
    else:
        sentence = "No record was filtered out by its FILTER value."
    return facts, sentence


def file_roles(files: list[dict[str, Any]]) -> Any:
    """One row per input file: the column read as the tumour and as the normal, and
    the rule that chose each (a MAF: its Tumor_Sample_Barcode column)."""
    import pandas as pd

    rows = []
    for f in files:
        roles = f.get("roles")
        if roles is None:
            rows.append({"file": f["file"], "tumour_sample": "",
                         "normal_sample": "", "rule": "MAF: one sample per Tumor_Sample_Barcode"})
            continue
        if roles["tumor"] is None:
            left = roles["left_out"]
            rule = (f"no tumour/normal pair: {f['samples']:,} sample columns read as samples"
                    + (f", {len(left):,} left out as normal or control" if left else ""))
            if roles["ambiguous"]:
                rule += " (ambiguous: set variants.tumor_sample and variants.normal_sample)"
            rows.append({"file": f["file"], "tumour_sample": "",
                         "normal_sample": ", ".join(left), "rule": rule})
            continue
        if roles["normal"] is None:
            rule = f"tumour by {roles['rule']}; no normal column"
        elif roles["normal_rule"] == roles["rule"]:
            rule = f"tumour and normal by {roles['rule']}"
        else:
            rule = f"tumour by {roles['rule']}; normal by {roles['normal_rule']}"
        rows.append({"file": f["file"], "tumour_sample": roles["tumor"],
                     "normal_sample": roles["normal"] or "", "rule": rule})
    return pd.DataFrame(rows, columns=["file", "tumour_sample", "normal_sample", "rule"])


def build_sections(data: dict[str, Any], datasets: Any, options: dict[str, Any]) -> list[Section]:
    # No Altair row limit to lift here: the core sets it once for every plugin; the
    # charts keep their data small themselves (short field names, binned samples).
    return _build_sections(data, datasets, options)


def _build_sections(data: dict[str, Any], datasets: Any, options: dict[str, Any]) -> list[Section]:
    from .oncoplot import oncoplot_chart
    from .vafplot import vaf_section

    meta = data["_meta"]
    mutations, samples, details = data["mutations"], data["samples"], data["_gene_details"]
    cohort = datasets.of("cohort")
    patients = cohort.get("patients") if cohort else None
    chart, facts = oncoplot_chart(mutations, samples, details, options, data["panel_size_mb"],
                                  patients, {"samples": datasets.get("qc", "sample_qc"),
                                             "patients": datasets.get("qc", "patient_qc")})
    input_facts, filter_sentence = _input_facts(meta)
    nonsyn = ", ".join(meta["nonsynonymous"])
    blocks: list[Any] = []
    if facts.get("binned"):
        blocks.append(Note(
            f"{facts['samples']:,} samples are more than the oncoplot draws one by one "
            f"(option oncoplot_max_samples, {options['oncoplot_max_samples']:,}): each column is "
            f"{facts['binned']:,} consecutive samples of the "
            "waterfall order, coloured by the share of them with a mutation in the gene. Every sample's "
            "cells are in the data folder (variants_oncoplot_cells)."))
        blocks.append(Table("oncoplot_cells", facts["cells"], show=False))
    elif facts["shown"] < facts["samples"]:
        blocks.append(Note(
            f"Showing the first {facts['shown']:,} of {facts['samples']:,} samples in waterfall "
            "order (option oncoplot_max_samples); the tables below have every sample."))
    blocks += [
        Chart(chart_dict(chart), title="Oncoplot", renderer="canvas"),
        Text(f"Altered in {facts['altered']:,} of {facts['samples']:,} samples "
             f"({100 * facts['altered'] / max(facts['samples'], 1):.1f}%) among the top "
             f"{len(facts['genes'])} genes. {filter_sentence}"),
        KeyValues(input_facts, title="Input"),
        Table("files", file_roles(meta["files"]), title="Files: tumour and normal columns",
              patient_column=None, column_titles={"tumour_sample": "tumour column",
                                                  "normal_sample": "normal column"}),
    ]
    sections = [
        Section(
            id="oncoplot",
            title="Oncoplot",
            description=(
                f"The {len(facts['genes'])} genes most often hit by a non-synonymous mutation, "
                "one column per sample, with each sample's TMB on top."
            ),
            help=(
                "Genes are ranked by the number of samples with a non-synonymous mutation "
                "(ties: total mutations, then name); samples are sorted waterfall-style: those "
                "mutated in the first gene first, then the second gene, and so on. A cell's "
                "colour is the mutation's Variant_Classification, black (Multi_Hit) when the "
                "sample has two or more non-synonymous mutations in the gene. The bar on top is "
                "the sample's non-synonymous mutations per Mb of panel territory, stacked by "
                "class; the bar on the right is the share of all samples mutated in the gene. "
                "Tracks under the matrix come from the clinical table. Non-synonymous classes: "
                f"{nonsyn}. Classes follow vcf2maf: the canonical transcript of the most "
                "severely affected gene, then the most severe consequence."
            ),
            blocks=blocks,
        ),
        *([vaf] if (vaf := vaf_section(mutations, meta)) is not None else []),
        _snv_section(samples, meta),
        _tmb_section(samples, meta, data["panel_size_mb"], options["tmb_cutoff"]),
        _genes_section(data, details, meta),
    ]
    return sections


# Up to this many samples a chart lists its sample order; beyond, it sorts by a rank
# column: Vega-Lite turns a sort list into one nested expression, and thousands of
# samples overflow the browser's stack ("Maximum call stack size exceeded").
MAX_SORT_LIST = 500


def _sample_sort(order: list[str], frame: Any, column: str) -> tuple[Any, Any]:
    """The x sort of a per-sample chart and its data, with a rank column ``r`` when
    there are too many samples to list."""
    import altair as alt

    if len(order) <= MAX_SORT_LIST:
        return frame, order
    rank = {s: i for i, s in enumerate(order)}
    return frame.assign(r=frame[column].astype(str).map(rank)), alt.EncodingSortField(field="r", op="min")


# The x of a sample whose patient is not known (it still has its own bar, by sample).
NO_PATIENT = "(no patient)"


def _by_patient(frame: Any, sample: str, patient: str, order: list[str]) -> tuple[Any, list[str]]:
    """A per-sample chart's data with its bars named by patient: ``patient`` filled with
    :data:`NO_PATIENT` where unknown, and the patients in the order of their first sample
    in ``order``. Several samples of one patient stand side by side at the patient's
    place, by an x offset ``i`` (the sample's rank among its patient's, in ``order``); the
    tooltip names the sample."""
    known = frame[patient].where(frame[patient].notna(), NO_PATIENT).astype(str)
    owner = dict(zip(frame[sample].astype(str), known, strict=True))
    patients = list(dict.fromkeys(owner[s] for s in order if s in owner))
    slot: dict[str, int] = {}
    taken: dict[str, int] = {}
    for s in order:
        if s in owner and s not in slot:
            slot[s] = taken.get(owner[s], 0)
            taken[owner[s]] = slot[s] + 1
    return frame.assign(**{patient: known, "i": frame[sample].astype(str).map(slot)}), patients


def _snv_section(samples: Any, meta: dict[str, Any]) -> Section:
    import altair as alt
    import pandas as pd

    from rinec_report.charts import highlight_opacity

    # Short field names: at TCGA scale this chart has tens of thousands of rows.
    long = samples.rename(columns={"sample": "s", "patient_id": "p"}).melt(
        id_vars=["s", "p"], value_vars=list(SNV_CLASSES), var_name="c", value_name="k")
    long = long[long["k"] > 0]
    totals = samples.set_index("sample")[list(SNV_CLASSES)].sum(axis=1)
    long["f"] = (long["k"] / long["s"].map(totals)).round(4)
    order = [str(s) for s in samples["sample"]]
    long, patients = _by_patient(long, "s", "p", order)
    long, x_sort = _sample_sort(patients, long, "p")
    cohort_counts = samples[list(SNV_CLASSES)].sum()
    cohort_total = int(cohort_counts.sum())
    cohort = pd.DataFrame({
        "cls": list(SNV_CLASSES),
        "k": [int(cohort_counts[c]) for c in SNV_CLASSES],
        "f": [round(cohort_counts[c] / cohort_total, 4) if cohort_total else 0.0
              for c in SNV_CLASSES],
    })
    snv_scale = alt.Scale(domain=list(SNV_CLASSES),
                          range=[palettes.SNV_CLASSES[c] for c in SNV_CLASSES])
    many = len(order) > 60
    per_sample = alt.Chart(long).mark_bar().encode(
        x=alt.X("p:N", sort=x_sort, title="Patient", axis=None if many else alt.Axis()),
        xOffset=alt.XOffset("i:O", title="Sample"),
        y=alt.Y("f:Q", title="Fraction of SNVs", stack="zero", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("c:N", title="SNV class", scale=snv_scale),
        order=alt.Order("c:N"),
        opacity=highlight_opacity(field="p"),
        tooltip=[alt.Tooltip("p:N", title="Patient"), alt.Tooltip("s:N", title="Sample"),
                 alt.Tooltip("c:N", title="class"), alt.Tooltip("k:Q", title="SNVs"),
                 alt.Tooltip("f:Q", title="fraction", format=".1%")],
    ).properties(width=min(900, max(200, 40 * len(order))), height=220,
                 title="Per sample")
    cohort_chart = alt.Chart(cohort).mark_bar().encode(
        x=alt.X("cls:N", title="SNV class", sort=list(SNV_CLASSES)),
        y=alt.Y("f:Q", title="Fraction of all SNVs", axis=alt.Axis(format="%")),
        color=alt.Color("cls:N", title="SNV class", scale=snv_scale),
        tooltip=[alt.Tooltip("cls:N", title="class"), alt.Tooltip("k:Q", title="SNVs"),
                 alt.Tooltip("f:Q", title="fraction", format=".1%")],
    ).properties(width=220, height=220, title="Cohort")
    titv = samples[["sample", "patient_id", "ti_tv"]].dropna(subset=["ti_tv"])
    titv, _ = _by_patient(titv, "sample", "patient_id", order)
    titv, titv_sort = _sample_sort(patients, titv, "patient_id")
    titv_chart = alt.Chart(titv).mark_point(filled=True, size=50, color="#444444").encode(
        x=alt.X("patient_id:N", sort=titv_sort, title="Patient", axis=None if many else alt.Axis()),
        xOffset=alt.XOffset("i:O", title="Sample"),
        y=alt.Y("ti_tv:Q", title="Ti/Tv"),
        opacity=highlight_opacity(),
        tooltip=[alt.Tooltip("patient_id:N", title="Patient"), alt.Tooltip("sample:N", title="Sample"),
                 alt.Tooltip("ti_tv:Q", title="Ti/Tv")],
    ).properties(width=min(900, max(200, 40 * len(order))), height=120, title="Ti/Tv")
    dominant = max(SNV_CLASSES, key=lambda c: (cohort_counts[c], c)) if cohort_total else None
    nonsyn_only = meta["snv_classes"] == "nonsynonymous"
    which = ("non-synonymous single-nucleotide variants (the classes counted as "
             "non-synonymous; synonymous and non-coding SNVs left out, as maftools' titv does "
             "by default)" if nonsyn_only else
             "single-nucleotide variants, synonymous and non-coding ones included (as "
             "maftools' titv with useSyn = TRUE)")
    other = "all" if nonsyn_only else "nonsynonymous"
    text = (f"Counted: {cohort_total:,} {which}; the dominant class is {dominant} "
            f"({cohort_counts[dominant] / cohort_total:.0%}). The option "
            f"variants.snv_classes: {other} counts the other way." if dominant else
            f"No {which.split(' (')[0]} was found.")
    chart = alt.vconcat(alt.hconcat(per_sample, cohort_chart), titv_chart).configure_view(
        stroke=None)
    return Section(
        id="snv-classes",
        title="SNV classes",
        description="The six strand-collapsed substitution classes, per sample and for the cohort.",
        help=("Each single-nucleotide variant counted (by default all of them, whatever their "
              "Variant_Classification; with the option snv_classes: nonsynonymous only the "
              "non-synonymous classes, as maftools' titv does by default) is folded onto the "
              "pyrimidine of its base pair: G>A counts as C>T, A>G as T>C, and so on. Ti/Tv is "
              "transitions (C>T, T>C) over transversions (the other four)."),
        blocks=[Chart(chart_dict(chart), renderer="canvas" if many else "svg"), Text(text)],
    )


def _tmb_section(samples: Any, meta: dict[str, Any], territory_mb: float | None,
                 cutoff: float) -> Section:
    import altair as alt

    from rinec_report.charts import highlight_opacity

    nonsyn = ", ".join(meta["nonsynonymous"])
    blocks: list[Any] = []
    if not territory_mb:
        blocks.append(Note(
            "No panel territory: add a panel BED (panel.bed) or set variants: panel_size_mb "
            "to compute TMB per Mb. The counts of non-synonymous mutations are shown instead.",
            level="warning"))
    table = samples.copy()
    value = "tmb_per_mb" if territory_mb else "nonsynonymous"
    above_label, below_label = f"≥ {cutoff:g}/Mb", f"< {cutoff:g}/Mb"
    table["above"] = (table["tmb_per_mb"] >= cutoff) if territory_mb else False
    table["flag"] = table["above"].map({True: above_label, False: below_label})
    order = table.sort_values([value, "sample"], ascending=[False, True])["sample"].tolist()
    many = len(order) > 60
    n_above = int(table["above"].sum())
    table = table[["sample", "patient_id", "nonsynonymous", "tmb_per_mb", "flag"]]
    table, patients = _by_patient(table, "sample", "patient_id", [str(s) for s in order])
    table, x_sort = _sample_sort(patients, table, "patient_id")
    bars = alt.Chart(table).mark_bar().encode(
        x=alt.X("patient_id:N", sort=x_sort, title="Patient", axis=None if many else alt.Axis()),
        xOffset=alt.XOffset("i:O", title="Sample"),
        y=alt.Y(f"{value}:Q", title="TMB (mutations/Mb)" if territory_mb else
                "Non-synonymous mutations"),
        color=alt.Color("flag:N", title="TMB cutoff",
                        scale=alt.Scale(domain=[below_label, above_label],
                                        range=[palettes.BLUE, palettes.VERMILLION])),
        opacity=highlight_opacity(),
        tooltip=[alt.Tooltip("patient_id:N", title="Patient"), alt.Tooltip("sample:N", title="Sample"),
                 alt.Tooltip("nonsynonymous:Q", title="Non-synonymous"),
                 alt.Tooltip("tmb_per_mb:Q", title="TMB /Mb")],
    ).properties(width=min(900, max(200, 40 * len(order))), height=220)
    layers = [bars]
    if territory_mb and float(table["tmb_per_mb"].max() or 0) >= cutoff * 0.5:
        layers.append(alt.Chart({"values": [{"y": cutoff}]}).mark_rule(
            color=palettes.VERMILLION, strokeDash=[4, 4]).encode(y="y:Q"))
    chart = chart_dict(alt.layer(*layers).configure_view(stroke=None))
    if territory_mb:
        blocks.append(Text(
            f"TMB is the number of non-synonymous mutations ({nonsyn}) divided by the panel "
            f"territory, {meta['territory']}. {n_above:,} of {len(table):,} samples are at "
            f"or above {cutoff:g} mutations/Mb; the median is "
            f"{table['tmb_per_mb'].median():.2f}/Mb and the maximum "
            f"{table['tmb_per_mb'].max():.2f}/Mb."))
    blocks.insert(0, Chart(chart, renderer="canvas" if many else "svg"))
    blocks.append(Table("samples", samples, title="Samples",
                        column_titles={"tmb_per_mb": "TMB /Mb", "ti_tv": "Ti/Tv"}))
    return Section(
        id="tmb",
        title="Tumour mutational burden",
        description="Non-synonymous mutations per Mb of sequenced panel territory, per sample.",
        help=(f"Counted: {nonsyn}. Territory: merged intervals of the panel BED, or "
              "panel_size_mb from the configuration. Samples at or above the cutoff "
              "(variants: tmb_cutoff) are red."),
        blocks=blocks,
    )


def _genes_section(data: dict[str, Any], details: Any, meta: dict[str, Any]) -> Section:
    threshold = meta["threshold"]
    high = data["high_frequency_genes"]
    listing = ", ".join(high) if high else "none"
    return Section(
        id="genes",
        title="Genes",
        description=(f"Every gene with a non-synonymous mutation; {len(high)} at or above "
                     f"{threshold:g}% of samples."),
        help=("samples_mutated counts samples with at least one non-synonymous mutation in the "
              "gene; percent_samples divides by all samples read (mutated or not). Genes at or "
              "above the threshold (variants: high_frequency_percent) are the high-frequency "
              "genes that other plugins (enrichment) read."),
        blocks=[
            Text(f"High-frequency genes (≥ {threshold:g}% of samples): {listing}."),
            Table("gene_details", details, title="Genes", export=False, patient_column=None,
                  column_titles={"percent_samples": "% samples",
                                 "protein_changes": "protein changes (HGVSp_Short)"}),
            Table("genes", data["genes"], show=False, patient_column=None),
            Table("mutations", _whole_counts(data["mutations"]), title="Mutations", max_rows=5000),
        ],
    )


def summary_columns(data: dict[str, Any]) -> list[SummaryColumn]:
    samples = data["samples"]
    variants: dict[str, Any] = {}
    nonsyn: dict[str, Any] = {}
    tmb: dict[str, Any] = {}
    snv: dict[str, Any] = {}
    # Plain lists, not iterrows: a Series per row is seconds at 10,000 samples.
    columns = [samples[c].tolist() for c in
               ("patient_id", "variants", "nonsynonymous", "tmb_per_mb", *SNV_CLASSES)]
    for pid, n_variants, n_nonsyn, burden, *per_class in zip(*columns, strict=True):
        if pid is None:
            continue
        pid = str(pid)
        variants[pid] = variants.get(pid, 0) + int(n_variants)
        nonsyn[pid] = nonsyn.get(pid, 0) + int(n_nonsyn)
        if burden == burden:
            # A patient with several samples shows the highest TMB.
            tmb[pid] = max(tmb.get(pid, 0.0), round(float(burden), 2))
        counts = {c: int(k) for c, k in zip(SNV_CLASSES, per_class, strict=True)}
        if sum(counts.values()):
            snv[pid] = max(SNV_CLASSES, key=lambda c: (counts[c], c))
    cols = [
        SummaryColumn("variants", "Variants", variants, "Mutation calls kept"),
        SummaryColumn("nonsynonymous", "Non-synonymous", nonsyn,
                      "Non-synonymous mutations"),
    ]
    if tmb:
        cols.append(SummaryColumn("tmb", "TMB /Mb", tmb, "Tumour mutational burden"))
    cols.append(SummaryColumn("snv_class", "Dominant SNV", snv, "Most frequent SNV class"))
    return cols


# Read counts are whole numbers: shown and exported as such (837, not 837.0), a count
# the input lacks left empty.
COUNT_COLUMNS = ("t_depth", "t_ref_count", "t_alt_count", "n_depth", "n_ref_count", "n_alt_count")


def _whole_counts(mutations: Any) -> Any:
    import numpy as np
    import pandas as pd

    whole: dict[str, Any] = {}
    for column in (c for c in COUNT_COLUMNS if c in mutations.columns):
        values = mutations[column]
        if values.dtype == np.float64:
            # What astype("Int64") makes, from the numbers and their mask at once: the
            # astype took a fifth of a second per column of 3,000,000 rows.
            raw = values.to_numpy()
            given = ~np.isnan(raw)
            x = raw[given]
            if (x == np.round(x)).all() and (np.abs(x) < 2**53).all():
                whole[column] = pd.arrays.IntegerArray(np.where(given, raw, 0).astype(np.int64), ~given)
            continue
        given = values.notna()
        # A value that is no whole number within exact integer range (a MAF's 12.5, or
        # 1e20) keeps the column as it was read, rather than being dropped unseen.
        if (values[given] == values[given].round()).all() and (values[given].abs() < 2**53).all():
            whole[column] = values.astype("Int64").array
    if not whole:
        return mutations
    out = mutations.copy(deep=False)
    for column, array in whole.items():
        out[column] = array
    return out
