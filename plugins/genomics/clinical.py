"""Mutation status against clinical data: a per-patient mutated/wild-type table of the top
genes (which the survival plugin compares, Kaplan-Meier and log-rank, as extra groups), and
maftools' ``clinicalEnrichment``: each level of each clinical category against the rest,
mutated against wild-type, by Fisher's exact test."""

from __future__ import annotations

import math
from typing import Any

from rinec_report import Option

from .classes import MAFTOOLS_NONSYNONYMOUS, mutated_pairs, nonsynonymous
from .interactions import SMALL_COHORT, pair_test, smallest_p, top_genes

MUTATED, WILD_TYPE = "mutated", "wild-type"
STATUS_SUFFIX = "_status"
ENRICHMENT_COLUMNS = ["feature", "level", "gene", "level_mutated", "level_n", "rest_mutated", "rest_n",
                      "odds_ratio", "p_value", "q_value"]
# Columns of the cohort's patients table that are never a clinical category.
_NOT_FEATURES = {"patient_id", "sample_id", "os_event", "pfs_event", "dfs_event", "dss_event"}


def options() -> list[Option]:
    return [
        Option("clinical_top", "int", 5, "Mutation status: the most mutated genes compared against clinical "
               "data (survival, clinical enrichment).", min=0, max=50, scope="run"),
        Option("clinical_genes", "list[str]", [], "Mutation status: genes compared besides the top ones.",
               scope="run"),
        Option("clinical_features", "list[str]", [], "Clinical enrichment: the cohort's columns to test "
               "(default: every categorical column with 2 to `clinical_max_levels` values).", scope="run"),
        Option("clinical_max_levels", "int", 10, "Clinical enrichment: a column with more values is not "
               "taken as a category.", min=2, max=100, scope="run"),
        Option("clinical_max_rows", "int", 30, "Clinical enrichment: rows drawn in the chart (lowest p first).",
               min=1, max=500, scope="run"),
    ]


def identifiers() -> dict[str, str]:
    return {"*_status": "category", "feature": "category", "level": "category", "gene": "category",
            "level_mutated": "count", "level_n": "count", "rest_mutated": "count", "rest_n": "count",
            "odds_ratio": "measure", "p_value": "measure", "q_value": "measure", "mutated": "count",
            "wild_type": "count", "row": "category", "minus_log10_p": "measure", "direction": "category"}


def mutation_status(mutations: Any, samples: Any, genes: list[str],
                    classes: frozenset[str] = frozenset(MAFTOOLS_NONSYNONYMOUS)) -> Any:
    """One row per sequenced patient (a sample of a known patient), ``<GENE>_status``
    mutated when any of the patient's samples has a mutation of the gene of one of
    ``classes`` (the non-synonymous ones)."""
    import pandas as pd

    owners = samples[["sample", "patient_id"]].dropna().astype(str)
    patients = list(dict.fromkeys(owners["patient_id"]))
    owner = dict(zip(owners["sample"], owners["patient_id"], strict=True))
    pairs = mutated_pairs(mutations, genes, classes)
    carriers: dict[str, set[str]] = {g: set() for g in genes}
    for sample, gene in zip(pairs["sample"], pairs["gene"], strict=True):
        if sample in owner:
            carriers[gene].add(owner[sample])
    columns = {gene + STATUS_SUFFIX: [MUTATED if p in carriers[gene] else WILD_TYPE for p in patients]
               for gene in genes}
    return pd.DataFrame({"patient_id": patients, **columns})


def features(cohort: Any, chosen: list[str], max_levels: int) -> list[str]:
    """The cohort's categorical columns: named ones, or every text column (not a date, not an
    id) whose values repeat, with 2 to ``max_levels`` distinct values; free text, where
    nearly every patient writes something of their own, does not qualify."""
    import pandas as pd

    if chosen:
        # a named column of one value has nothing to compare
        return [c for c in chosen if c in cohort.columns and cohort[c].dropna().astype(str).nunique() >= 2]
    out = []
    for col in cohort.columns:
        if col in _NOT_FEATURES or col.endswith("_date") or col.endswith(("_months", "_years")):
            continue
        values = cohort[col].dropna()
        if not len(values) or pd.api.types.is_numeric_dtype(values):
            continue
        levels = values.astype(str).nunique()
        if 2 <= levels <= max_levels and levels < len(values):
            out.append(col)
    return out


def enrichment(status: Any, cohort: Any, columns: list[str]) -> Any:
    """Per feature, level and gene: the level against the rest of the sequenced patients with
    a value, mutated against wild-type (maftools' groupwise test); q by Benjamini-Hochberg
    within each feature, as maftools adjusts each clinicalEnrichment call."""
    import pandas as pd

    from rinec_report.stats import bh_fdr

    genes = [c[: -len(STATUS_SUFFIX)] for c in status.columns if c.endswith(STATUS_SUFFIX)]
    merged = status.merge(cohort[["patient_id", *columns]].astype({"patient_id": str}), on="patient_id",
                          how="inner")
    frames = []
    for col in columns:
        known = merged[merged[col].notna()]
        values = known[col].astype(str)
        if values.nunique() < 2:
            continue  # one value among the sequenced patients: no level has a rest to compare with
        rows = []
        for gene in genes:
            mutated = (known[gene + STATUS_SUFFIX] == MUTATED).to_numpy()
            for level in sorted(values.unique()):
                here = (values == level).to_numpy()
                a, b = int((mutated & here).sum()), int((mutated & ~here).sum())
                c, d = int((~mutated & here).sum()), int((~mutated & ~here).sum())
                odds, p = pair_test(a, c, b, d)
                # R's fisher.test on a 2x2 matrix with an empty margin gives p = 1.
                rows.append((col, level, gene, a, a + c, b, b + d, odds, 1.0 if math.isnan(p) else p, math.nan))
        frame = pd.DataFrame(rows, columns=ENRICHMENT_COLUMNS)
        if len(frame):
            frame["q_value"] = bh_fdr(frame["p_value"].to_numpy())
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=ENRICHMENT_COLUMNS)
    return pd.concat(frames, ignore_index=True).sort_values(["p_value", "feature", "level", "gene"],
                                                            kind="stable").reset_index(drop=True)


def build(variants: dict[str, Any], datasets: Any, patients: Any, options: dict[str, Any]) -> dict[str, Any]:
    genes = top_genes(variants, options["clinical_top"], [])
    named = top_genes(variants, 0, list(options["clinical_genes"]), "clinical_genes")
    genes = list(dict.fromkeys([*genes, *named]))
    samples = variants.get("samples")
    if not genes or samples is None or "patient_id" not in samples.columns:
        return {}
    status = mutation_status(variants["mutations"], samples, genes, nonsynonymous(variants))
    if not len(status):
        return {}
    out: dict[str, Any] = {"mutation_status": status}
    cohort = (datasets.of("cohort") or {}).get("patients")
    if cohort is not None and len(cohort):
        cohort = cohort.assign(patient_id=cohort["patient_id"].astype(str))
        columns = features(cohort, list(options["clinical_features"]), options["clinical_max_levels"])
        out["clinical_enrichment"] = enrichment(status, cohort, columns)
        out["_clinical_features"] = columns
        out["_clinical_unsequenced"] = int((~cohort["patient_id"].isin(set(status["patient_id"]))).sum())
    return out


DIRECTIONS = ("more mutated in the level", "fewer mutated in the level", "odds ratio undefined")


def _direction(odds: float) -> str:
    if math.isnan(odds):
        return DIRECTIONS[2]
    return DIRECTIONS[0] if odds > 1 else DIRECTIONS[1]


def enrichment_chart(table: Any) -> dict[str, Any]:
    """-log10(p) per row, lowest p at the top; brown where the level has more mutated
    patients than the rest (odds ratio > 1), a rule at p = 0.05."""
    values = [{"row": f"{r.gene} · {r.feature} = {r.level}", "gene": r.gene, "feature": r.feature,
               "level": r.level, "minus_log10_p": -math.log10(max(r.p_value, 1e-300)), "p_value": r.p_value,
               "q_value": r.q_value, "odds_ratio": None if math.isnan(r.odds_ratio) else r.odds_ratio,
               "direction": _direction(r.odds_ratio),
               "level_mutated": f"{r.level_mutated} of {r.level_n}", "rest_mutated": f"{r.rest_mutated} of {r.rest_n}"}
              for r in table.itertuples(index=False)]
    order = [v["row"] for v in values]
    tooltip = [{"field": "gene"}, {"field": "feature"}, {"field": "level"},
               {"field": "level_mutated", "title": "mutated in the level"},
               {"field": "rest_mutated", "title": "mutated in the rest"},
               {"field": "odds_ratio", "title": "odds ratio", "format": ".3g"},
               {"field": "p_value", "title": "p", "format": ".3g"}, {"field": "q_value", "title": "q (BH)",
                                                                       "format": ".3g"}]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 360, "height": {"step": 16},
        "layer": [
            {"data": {"values": values}, "mark": {"type": "point", "filled": True, "size": 60},
             "encoding": {"y": {"field": "row", "type": "nominal", "sort": order, "title": None,
                                "axis": {"labelLimit": 320}},
                          "x": {"field": "minus_log10_p", "type": "quantitative", "title": "-log10(p)",
                                "scale": {"domainMin": 0}},
                          "color": {"field": "direction", "type": "nominal", "title": None,
                                    "scale": {"domain": list(DIRECTIONS), "range": ["#a6611a", "#018571", "#999999"]}},
                          "tooltip": tooltip}},
            {"data": {"values": [{"minus_log10_p": -math.log10(0.05)}]},
             "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#888"},
             "encoding": {"x": {"field": "minus_log10_p", "type": "quantitative"}}},
        ],
    }


def sections(data: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    from rinec_report import Chart, Section, Table, Text

    status = data.get("mutation_status")
    if status is None or not len(status):
        return []
    genes = [c[: -len(STATUS_SUFFIX)] for c in status.columns if c.endswith(STATUS_SUFFIX)]
    import pandas as pd

    counts = pd.DataFrame({"gene": genes,
                           "mutated": [int((status[g + STATUS_SUFFIX] == MUTATED).sum()) for g in genes],
                           "wild_type": [int((status[g + STATUS_SUFFIX] == WILD_TYPE).sum()) for g in genes]})
    n = len(status)
    unsequenced = data.get("_clinical_unsequenced", 0)
    left_out = (f" {unsequenced:,} of the clinical table's patients {'has' if unsequenced == 1 else 'have'} no "
                f"sequenced sample: in no comparison." if unsequenced else "")
    blocks: list[Any] = [
        Text(f"{n:,} sequenced patients, each mutated in a gene when any of their samples has a non-synonymous "
             f"mutation of it, wild-type otherwise.{left_out}"),
        Text("Survival of mutated against wild-type patients: the Survival plugin's \"Survival by group\" section "
             "draws a Kaplan-Meier curve pair and a log-rank test per gene (the groups "
             f"{', '.join(g + STATUS_SUFFIX for g in genes)}), computed as its other groups are; a gene mutated "
             "in every sequenced patient with follow-up, or in none, has no comparison."),
        Table("mutation_counts", counts, title="Patients per gene", patient_column=None),
        Table("mutation_status", status, title="Mutation status per patient"),
    ]
    table = data.get("clinical_enrichment")
    if table is not None:
        used = data.get("_clinical_features", [])
        if not len(table):
            blocks.append(Text("Clinical enrichment: no categorical column of the clinical table to test"
                               + (f" ({', '.join(used)} named)" if used else "") + "."))
        else:
            shown = table.head(options["clinical_max_rows"])
            significant = int((table["p_value"] < 0.05).sum())
            reading = (f"{significant} of {len(table)} tests have p < 0.05 (q < 0.05: "
                       f"{int((table['q_value'] < 0.05).sum())})" if significant else
                       f"No test of the {len(table)} reaches p < 0.05")
            small = ""
            if n < SMALL_COHORT:
                best = smallest_p(n)
                small = (f" With {n} sequenced patients the smallest p any test could reach is {best:.2g}: "
                         + ("none can be significant" if best >= 0.05 else "only the most extreme split could be")
                         + ", so the chart describes these patients and tells nothing of an association, for "
                         "or against.")
            blocks += [
                Text(f"Clinical enrichment of {', '.join(used)}: each level against the rest of the patients with "
                     f"a value, mutated against wild-type (Fisher's exact test, two-sided, as maftools' "
                     f"clinicalEnrichment). {reading}.{small} q-values by Benjamini-Hochberg within each column."),
                Chart(enrichment_chart(shown), title="Clinical enrichment"
                      + (f" ({len(shown)} of {len(table)} shown, lowest p first)" if len(shown) < len(table) else "")),
                Table("clinical_enrichment", table, title="Clinical enrichment, lowest p first", patient_column=None,
                      filters=["feature", "gene"], max_rows=options["clinical_max_rows"]),
            ]
    return [Section(
        "clinical", "Mutation status and clinical data",
        description=f"Mutated against wild-type patients for {', '.join(genes)}: survival and clinical enrichment.",
        help="Genes: the most mutated (genomics.clinical_top) and those named in genomics.clinical_genes. The "
             "odds ratio is R's fisher.test estimate (conditional maximum likelihood), undefined where a margin "
             "of the 2x2 table is empty (then p = 1, as R gives).",
        blocks=blocks,
    )]
