"""Lollipop plots: a gene's non-synonymous mutations at their protein positions, as
maftools' lollipopPlot draws them (a stem per position, its height the mutations
there, coloured by variant class), over the protein and its domains.

Each mutation is one dot stacked on its position's stem, so that the chart follows
the patient highlighter; a gene with more mutations than :data:`MAX_DOTS` draws one
head per (position, class) instead, which the data folder's tables still detail.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from typing import Any

from rinec_report import InputError, Option

from .classes import nonsynonymous

# Past this many mutations in one gene, one mark per (position, class), not per mutation.
MAX_DOTS = 3000
# At most this many genes drawn (the config may name more): each is a chart of its own.
MAX_GENES = 30
# The amino-acid position of an HGVSp (short or long, with or without "p."): the first
# number after the first residue: p.R273H, p.E746_A750del, p.*394Wext*?, p.X125_splice,
# p.Arg273His, V536L and .E546K (maftools' APL example spells changes so), 579_579V>EYF.
_POSITION = re.compile(r"^p?\.?\(?(?:[A-Z*](?:[a-z]{2})?)?(\d+)")
DOMAIN_COLUMNS = ["gene", "protein_length", "domain", "start", "end", "source"]
SHIPPED_DOMAINS = "protein_domains.tsv"
MAX_DOMAIN_BYTES = 64 * 2**20
# Below this many samples the section says what a handful of samples cannot show.
SMALL_COHORT = 30


def options() -> list[Option]:
    return [
        Option("lollipop_top_genes", "int", 5, "Lollipop plots for this many of the most mutated genes.",
               min=0, max=MAX_GENES, scope="run"),
        Option("lollipop_genes", "list[str]", [], "Genes that get a lollipop plot besides the top genes.",
               scope="run"),
        Option("lollipop_classes", "list[str]", [],
               "Variant classes drawn in the lollipop plots; empty: the variants plugin's "
               "non-synonymous classes (its `nonsynonymous` option).", scope="run"),
        # A file of the run directory, like any input (a path outside it is refused), so
        # the run directory's own config may name it.
        Option("lollipop_domains", "str", None, "A protein domain table in the run directory "
               "(docs/plugins/genomics.md: its columns); its genes' rows replace the shipped table's.",
               scope="run"),
    ]


def identifiers() -> dict[str, str]:
    return {"gene": "category", "protein_change": "category", "protein_position": "measure",
            "protein_length": "measure", "variant_classification": "category", "mutations": "count",
            "samples_mutated": "count", "cohort_samples": "count", "classes": "category", "domain": "category",
            "start": "measure",
            "end": "measure", "source": "category", "without_position": "count", "length_source": "category",
            # The chart's short fields.
            "x": "measure", "y": "measure", "n": "count", "c": "category", "h": "category",
            "s": "sample", "p": "patient", "d": "category", "x2": "measure"}


def protein_positions(hgvsp: Any) -> Any:
    """Each protein change's amino-acid position (float, NaN without one), parsed once
    per distinct spelling."""
    import numpy as np
    import pandas as pd

    codes, words = pd.factorize(pd.Series(hgvsp, dtype=object).fillna(""))
    parsed = np.full(len(words) + 1, np.nan)
    for k, word in enumerate(words):
        m = _POSITION.match(str(word).strip())
        if m:
            parsed[k] = float(m.group(1))
    return parsed[codes]


def chosen_genes(genes_table: Any, top_n: int, named: list[str]) -> list[str]:
    """The top genes by samples mutated (the variants plugin's order), then those the
    config names, each once, at most :data:`MAX_GENES`."""
    out = [str(g) for g in genes_table["gene"].head(top_n)]
    for g in named:
        if str(g) not in out:
            out.append(str(g))
    return out[:MAX_GENES]


def read_domains(path: Any, name: str) -> Any:
    """A domain table (tab-separated, columns :data:`DOMAIN_COLUMNS`): one-line errors
    naming the file and the line."""
    import io

    import pandas as pd

    from rinec_report.safeio import read_small

    try:
        raw = read_small(path, MAX_DOMAIN_BYTES)
    except OSError as exc:
        raise InputError(f"{name}: cannot be read: {exc.strerror or exc}") from None
    try:
        frame = pd.read_csv(io.BytesIO(raw), sep="\t", dtype=str, keep_default_na=False, quoting=3)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: not a tab-separated table: {exc}") from None
    missing = [c for c in DOMAIN_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{name}: the domain table lacks column(s) {', '.join(missing)}")
    out = frame[DOMAIN_COLUMNS].copy()
    for col in ("protein_length", "start", "end"):
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            line = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise InputError(f"{name}, line {line}: {col} {out[col].iloc[line - 2]!r} is not a position")
        out[col] = values.astype(int)
    return out


def shipped_domains() -> Any:
    """The Pfam/CDD domains of the example panel's genes, shipped with the plugin."""
    path = resources.files(__package__).joinpath("data", SHIPPED_DOMAINS)
    with resources.as_file(path) as real:
        return read_domains(real, SHIPPED_DOMAINS)


def _lengths(mutations: Any) -> dict[str, int]:
    """Each gene's protein length as the input's Protein_position wrote it (".../393"):
    the most common where transcripts differ."""
    if "protein_length" not in mutations.columns:
        return {}
    known = mutations.loc[mutations["protein_length"].notna(), ["gene", "protein_length"]]
    if not len(known):
        return {}
    known = known.astype({"gene": object})
    counts = known.groupby(["gene", "protein_length"]).size().reset_index(name="k")
    counts = counts.sort_values(["gene", "k", "protein_length"], ascending=[True, False, False])
    first = counts.drop_duplicates("gene")
    return {str(g): int(v) for g, v in zip(first["gene"], first["protein_length"], strict=True)}


def user_domains(value: str, run_dir: str) -> Any:
    """The domain table the config names: a regular file inside the run directory, read
    as every input is (no link followed, bounded)."""
    from rinec_report.config import in_run_dir

    inside = in_run_dir(os.path.join(run_dir, value), run_dir)
    if inside is None:
        raise InputError(f"genomics option 'lollipop_domains': {value} is outside the run directory; "
                         "copy the file into it")
    return read_domains(inside, value)


def domain_table(options: dict[str, Any], run: Any) -> Any:
    """The shipped domains, with the genes of the user's table (``lollipop_domains``)
    taken from it instead."""
    import pandas as pd

    shipped = shipped_domains()
    if not options.get("lollipop_domains") or run is None:
        return shipped
    mine = user_domains(options["lollipop_domains"], str(run.run_dir))
    return pd.concat([shipped[~shipped["gene"].isin(set(mine["gene"]))], mine], ignore_index=True)


def build(variants: dict[str, Any], datasets: Any, patients: Any, options: dict[str, Any],
          run: Any = None) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    genes = chosen_genes(variants["genes"], options["lollipop_top_genes"], options["lollipop_genes"])
    if not genes:
        return {}
    mutations = variants["mutations"]
    classes = nonsynonymous(variants, options["lollipop_classes"])
    keep = (mutations["gene"].isin(genes) & mutations["variant_classification"].isin(classes)).to_numpy()
    rows = mutations.loc[keep]
    position = protein_positions(rows["hgvsp_short"])
    if "protein_position" in rows.columns:
        # No parseable change: the input's own Protein_position, where it has one.
        given = rows["protein_position"].to_numpy(dtype=float)
        position = np.where(np.isnan(position), given, position)
    table = pd.DataFrame({
        "gene": rows["gene"].astype(object).to_numpy(),
        "sample": rows["sample"].astype(object).to_numpy(),
        "patient_id": rows["patient_id"].astype(object).to_numpy(),
        "protein_change": rows["hgvsp_short"].astype(object).fillna("").to_numpy(),
        "protein_position": pd.array(np.where(np.isnan(position), pd.NA, position), dtype="Int64")
        if len(position) else pd.array([], dtype="Int64"),
        "variant_classification": rows["variant_classification"].astype(object).to_numpy(),
    })
    table["patient_id"] = table["patient_id"].where(table["patient_id"].notna(), None)
    table = table.sort_values(["gene", "protein_position", "protein_change", "sample"],
                              kind="stable", na_position="last").reset_index(drop=True)
    lengths = _lengths(rows)
    domains = domain_table(options, run)
    domains = domains[domains["gene"].isin(genes)].reset_index(drop=True)
    table_length = dict(zip(domains["gene"], domains["protein_length"], strict=True))
    summary = []
    for gene in genes:
        mine = table[table["gene"] == gene]
        placed = mine["protein_position"].dropna()
        top = int(placed.max()) if len(placed) else 0
        if gene in lengths:
            length, source = lengths[gene], "Protein_position of the input"
        elif gene in table_length:
            length, source = int(table_length[gene]), "domain table"
        else:
            length, source = top, "largest position seen"
        summary.append({"gene": gene, "cohort_samples": len(variants["samples"]), "mutations": len(mine),
                        "samples_mutated": int(mine["sample"].nunique()),
                        "without_position": int(mine["protein_position"].isna().sum()),
                        "protein_length": length, "length_source": source})
    placed = table.dropna(subset=["protein_position"])
    keys = ["gene", "protein_position"]
    positions = (placed.groupby(keys, sort=True)
                 .agg(mutations=("sample", "size"), samples_mutated=("sample", "nunique"))
                 .reset_index())
    positions["protein_change"] = joined_per_group(placed, keys, "protein_change")
    positions["classes"] = joined_per_group(placed, keys, "variant_classification")
    return {"lollipop_mutations": table, "lollipop_positions": positions,
            "lollipop_genes": pd.DataFrame(summary), "lollipop_domains": domains}


def joined_per_group(frame: Any, keys: list[str], column: str, first: int | None = None) -> list[str]:
    """Each group's distinct ``column`` values, sorted and joined by ", " (the ``first``
    of them only, when given), in the order of ``frame.groupby(keys, sort=True)``.

    What ``agg(lambda v: ", ".join(sorted(set(v))))`` gives, without a Python call per
    group through pandas: the distinct rows are sorted once, numbered by where the key
    changes and joined by Arrow (a second of a 3,000,000-row MAF's lollipops)."""
    import numpy as np

    from rinec_report.grouped import join_groups

    distinct = frame[[*keys, column]].dropna(subset=keys).drop_duplicates().sort_values([*keys, column], kind="stable")
    changed = np.zeros(len(distinct), dtype=bool)
    changed[:1] = True
    for key in keys:
        values = distinct[key].to_numpy()
        changed[1:] |= values[1:] != values[:-1]
    group = np.cumsum(changed) - 1
    texts = distinct[column].to_numpy(dtype=object)
    if first is not None:  # each value's place in its group
        starts = np.flatnonzero(changed)
        kept = np.arange(len(group)) - starts[group] < first
        group, texts = group[kept], texts[kept]
    return join_groups(group, texts, int(changed.sum()))


def _gene_chart(gene: str, mine: Any, info: dict[str, Any], domains: Any) -> tuple[Any, bool]:
    """The chart of one gene, and whether it is drawn per mutation (follows the highlighter)."""
    import altair as alt
    import pandas as pd

    from rinec_report import palettes
    from rinec_report.charts import highlight_opacity

    placed = mine.dropna(subset=["protein_position"]).copy()
    placed["x"] = placed["protein_position"].astype(int)
    counts = placed.groupby("x").size()
    top_x = int(counts.index.max()) if len(counts) else 0
    length = max(int(info["protein_length"]), top_x, 1)
    x_scale = alt.Scale(domain=[0, length], nice=False)
    n_max = int(counts.max()) if len(counts) else 1
    y_scale = alt.Scale(domain=[0, n_max + 0.5], nice=False)
    class_scale = palettes.scale(sorted(set(placed["variant_classification"])),
                                 fixed=palettes.VARIANT_CLASSES, order=list(palettes.VARIANT_CLASSES))
    stems = pd.DataFrame({"x": counts.index.astype(int), "n": counts.to_numpy().astype(int)})
    stem = alt.Chart(stems).mark_rule(color="#999999").encode(
        x=alt.X("x:Q", scale=x_scale, title=None, axis=None),
        y=alt.Y("n:Q", scale=y_scale, title="Mutations", axis=alt.Axis(tickMinStep=1)),
        y2=alt.datum(0), tooltip=[alt.Tooltip("x:Q", title="position"), alt.Tooltip("n:Q", title="mutations")])
    per_mutation = len(placed) <= MAX_DOTS
    if per_mutation:
        placed = placed.sort_values(["x", "variant_classification", "sample"], kind="stable")
        dots = pd.DataFrame({
            "x": placed["x"].to_numpy(), "y": placed.groupby("x").cumcount().to_numpy() + 1,
            "n": placed["x"].map(counts).to_numpy().astype(int),
            "c": placed["variant_classification"].to_numpy(), "h": placed["protein_change"].to_numpy(),
            "s": placed["sample"].to_numpy(), "p": placed["patient_id"].to_numpy()})
        heads = alt.Chart(dots).mark_circle(size=70, stroke="#333333", strokeWidth=0.5).encode(
            x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale),
            color=alt.Color("c:N", scale=class_scale, title="Variant classification"),
            opacity=highlight_opacity(field="p", dim=0.15),
            tooltip=[alt.Tooltip("h:N", title="protein change"), alt.Tooltip("c:N", title="class"),
                     alt.Tooltip("s:N", title="sample"), alt.Tooltip("p:N", title="patient"),
                     alt.Tooltip("n:Q", title="mutations at this position")])
    else:
        keys = ["x", "variant_classification"]
        grouped = placed.groupby(keys).agg(k=("sample", "size")).reset_index()
        grouped["h"] = joined_per_group(placed, keys, "protein_change", first=5)
        grouped["n"] = grouped["x"].map(counts).astype(int)
        heads = alt.Chart(grouped.rename(columns={"variant_classification": "c"})).mark_circle(
            size=70, stroke="#333333", strokeWidth=0.5, opacity=0.9).encode(
            x=alt.X("x:Q", scale=x_scale), y=alt.Y("n:Q", scale=y_scale),
            color=alt.Color("c:N", scale=class_scale, title="Variant classification"),
            tooltip=[alt.Tooltip("h:N", title="protein changes (first five)"), alt.Tooltip("c:N", title="class"),
                     alt.Tooltip("k:Q", title="mutations of this class"),
                     alt.Tooltip("n:Q", title="mutations at this position")])
    width = 640
    top = alt.layer(stem, heads).properties(width=width, height=160)
    # The protein's own length; the axis may run past it (positions of another isoform).
    protein = pd.DataFrame({"x": [0], "x2": [max(int(info["protein_length"]), 1)]})
    track = [alt.Chart(protein).mark_rect(color="#DDDDDD", stroke="#999999").encode(
        x=alt.X("x:Q", scale=x_scale, title="Amino-acid position"), x2="x2:Q")]
    doms = domains[(domains["gene"] == gene) & (domains["start"] < length)]
    if len(doms):
        drawn = pd.DataFrame({"x": doms["start"].to_numpy(), "x2": doms["end"].clip(upper=length).to_numpy(),
                              "d": doms["domain"].to_numpy()})
        track.append(alt.Chart(drawn).mark_rect(opacity=0.85, stroke="#555555", strokeWidth=0.5).encode(
            x=alt.X("x:Q", scale=x_scale), x2="x2:Q",
            color=alt.Color("d:N", scale=palettes.scale(sorted(set(drawn["d"]))), title="Domain"),
            tooltip=[alt.Tooltip("d:N", title="domain"), alt.Tooltip("x:Q", title="start"),
                     alt.Tooltip("x2:Q", title="end")]))
    bottom = alt.layer(*track).properties(width=width, height=18)
    chart = alt.vconcat(top, bottom, spacing=2).resolve_scale(color="independent", x="shared").configure_view(
        stroke=None)
    return chart, per_mutation


def sections(data: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    from rinec_report.charts import chart_dict
    from rinec_report.model import Chart, Note, Section, Table, Text

    summary = data.get("lollipop_genes")
    if summary is None or not len(summary):
        return []
    table, positions, domains = data["lollipop_mutations"], data["lollipop_positions"], data["lollipop_domains"]
    blocks: list[Any] = []
    for info in summary.to_dict("records"):
        gene = info["gene"]
        mine = table[table["gene"] == gene]
        if not len(mine):
            blocks.append(Note(f"{gene}: no mutation of the classes drawn."))
            continue
        chart, per_mutation = _gene_chart(gene, mine, info, domains)
        blocks.append(Chart(chart_dict(chart), title=f"{gene} mutations along the protein",
                            renderer="svg" if per_mutation and len(mine) < 500 else "canvas"))
        words = [f"{info['mutations']:,} mutation{'s' if info['mutations'] != 1 else ''} in "
                 f"{info['samples_mutated']:,} sample{'s' if info['samples_mutated'] != 1 else ''}"]
        mine_pos = positions[positions["gene"] == gene].sort_values(
            ["mutations", "protein_position"], ascending=[False, True])
        if len(mine_pos) and int(mine_pos["mutations"].iloc[0]) > 1:
            best = mine_pos.iloc[0]
            words.append(f"the most recurrent position is {int(best['protein_position'])} "
                         f"({best['protein_change']}: {int(best['mutations'])} mutations)")
        if info["without_position"]:
            words.append(f"{info['without_position']:,} mutation{'s' if info['without_position'] != 1 else ''} "
                         "without a protein position (splice site or no protein change) not drawn")
        if info["length_source"] == "largest position seen":
            words.append("the protein's length is unknown (no Protein_position length in the input and no "
                         "domain table row): the axis ends at the largest position seen")
        else:
            words.append(f"protein length {info['protein_length']:,} amino acids ({info['length_source']})")
        past = mine["protein_position"].dropna()
        past = int((past > info["protein_length"]).sum())
        if past and info["length_source"] != "largest position seen":
            words.append(f"{past:,} mutation{'s' if past != 1 else ''} past that length (numbered on another "
                         "isoform?): the axis runs to the largest position")
        if not per_mutation:
            words.append(f"more than {MAX_DOTS:,} mutations: one mark per position and class, so the chart "
                         "does not follow the patient highlighter (the table does)")
        blocks.append(Text(f"{gene}: " + "; ".join(words) + "."))
    n_samples = int(summary["cohort_samples"].iloc[0]) if "cohort_samples" in summary.columns else 0
    if 0 < n_samples < SMALL_COHORT:
        blocks.insert(0, Note(
            f"{n_samples} samples: each dot is one mutation of one sample, which a reader can check by name "
            "(its position, protein change and class). A stem of two or three is not a hotspot, and a "
            "position or domain without mutations says nothing of that gene in the disease: hotspots and "
            "clustering need a cohort of hundreds."))
    blocks.append(Table("lollipop_positions", positions, title="Mutations per protein position",
                        patient_column=None, filters=["gene"]))
    blocks.append(Table("lollipop_mutations", table, title="Mutations drawn", filters=["gene"]))
    blocks.append(Table("lollipop_genes", summary, title="Genes drawn", patient_column=None))
    if len(domains):
        blocks.append(Table("lollipop_domains", domains, title="Protein domains", show=False,
                            patient_column=None))
    return [Section(
        "lollipop", "Mutations along the protein",
        description=("Where each gene's non-synonymous mutations fall on the protein: a stem per amino-acid "
                     "position, as high as the mutations there, coloured by variant class, over the "
                     "protein's domains."),
        help=("The position is the first amino-acid number of the protein change (HGVSp_Short: p.R273H is "
              "273, p.E746_A750del 746, a splice site's p.X125_splice 125); a mutation without one "
              "(no protein change) is counted below its chart, not drawn. The protein's length is the "
              "input's Protein_position length (273/393) where it has one, else the domain table's "
              "(Pfam/CDD domains from maftools' protein_domains, longest RefSeq isoform), else the largest "
              "position seen. Genes: the most mutated (genomics.lollipop_top_genes) and those named in "
              "genomics.lollipop_genes; classes: genomics.lollipop_classes. As maftools' lollipopPlot. "
              "Each dot is one mutation: choosing a patient in the highlighter dims the others'."),
        blocks=blocks)]
