"""The per-gene and per-sample tables derived from the mutation table.

Counted on integer codes (the categorical columns' codes, or one factorisation),
with numpy's bincount and unique, and the per-group text ("Missense_Mutation (3),
Nonsense_Mutation (1)", protein changes) joined by Arrow on whole columns (rinec_report.grouped): a
TCGA-sized table has hundreds of thousands of (gene, sample) groups, and pandas'
groupby on text columns, or a Python loop per row, takes seconds.
"""

from __future__ import annotations

from typing import Any

from rinec_report.grouped import join_groups
from rinec_report.shown import shown_of

from .classify import SNV_CLASSES, snv_class
from .frames import GENE_COLUMNS, SAMPLE_COLUMNS


def codes_of(column: Any) -> tuple[Any, list[Any]]:
    """Integer codes per row (-1 where missing) and the values they stand for."""
    import numpy as np
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.int64), list(column.cat.categories)
    codes, uniques = pd.factorize(np.asarray(column, dtype=object))
    return codes.astype(np.int64), list(uniques)


def codes_within(column: Any, rows: Any) -> tuple[Any, list[Any]]:
    """``codes_of`` for the rows selected by the mask ``rows`` (a column that is not
    categorical is factorised on those rows only)."""
    import numpy as np
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        return (column.cat.codes.to_numpy()[rows].astype(np.int64),
                list(column.cat.categories))
    codes, uniques = pd.factorize(np.asarray(column, dtype=object)[rows])
    return codes.astype(np.int64), list(uniques)


def name_ranks(names: list[Any]) -> Any:
    """Each value's place in sorted order (Python's order, as pandas sorts text)."""
    import numpy as np

    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return rank


def distinct(values: Any) -> Any:
    """The sorted distinct integers: sorted, then the repeats dropped (numpy 2.4's
    ``np.unique`` without ``return_*`` hashes instead, ten times slower here)."""
    import numpy as np

    ordered = np.sort(np.asarray(values), kind="stable")
    if not len(ordered):
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def gene_table(mutations: Any, samples: list[str], nonsyn: tuple[str, ...],
               threshold: float) -> Any:
    """Genes by number of samples with a non-synonymous mutation (ties: total
    mutations, then name), with the share of all samples."""
    import numpy as np
    import pandas as pd

    gcodes, gnames = codes_of(mutations["gene"])
    keep = mutations["variant_classification"].isin(nonsyn).to_numpy() & (gcodes >= 0)
    if not keep.any():
        return pd.DataFrame(columns=[*GENE_COLUMNS, "classes", "protein_changes"])
    g = gcodes[keep]
    n_genes = len(gnames)
    scodes, snames = codes_of(mutations["sample"])
    s = scodes[keep]
    width = max(len(snames), 1)
    pairs = distinct(g[s >= 0] * width + s[s >= 0])  # distinct (gene, sample)
    samples_mutated = np.bincount(pairs // width, minlength=n_genes)
    counts = np.bincount(g, minlength=n_genes)
    grank = name_ranks(gnames)
    present = np.flatnonzero(counts > 0)
    present = present[np.argsort(grank[present], kind="stable")]
    slot = np.full(n_genes, -1, dtype=np.int64)  # gene code -> row of the table
    slot[present] = np.arange(len(present))

    vcodes, vnames = codes_of(mutations["variant_classification"])
    classes = _class_counts(slot[g], vcodes[keep], vnames, len(present))
    if "hgvsp_short" in mutations.columns:
        pcodes, pnames = codes_within(mutations["hgvsp_short"], keep)
    else:
        pcodes, pnames = np.full(len(g), -1, dtype=np.int64), []
    proteins = _protein_lists(slot[g], pcodes, pnames, len(present))
    table = pd.DataFrame({
        "gene": pd.Series([gnames[k] for k in present.tolist()], dtype=object),
        "samples_mutated": samples_mutated[present],
        "mutations": counts[present],
        "classes": pd.Series(classes, dtype=object),
        "protein_changes": pd.Series(proteins, dtype=object),
    })
    total = max(len(samples), 1)
    table["percent_samples"] = (100.0 * table["samples_mutated"] / total).round(1)
    table["high_frequency"] = table["samples_mutated"] / total * 100.0 >= threshold - 1e-9
    table = table.sort_values(
        ["samples_mutated", "mutations", "gene"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
    return table[[*GENE_COLUMNS, "classes", "protein_changes"]]


def _class_counts(row: Any, vcodes: Any, vnames: list[str], groups: int) -> list[str]:
    """Per group: its classes by name with their counts ("Missense_Mutation (3),
    Nonsense_Mutation (1)")."""
    import numpy as np

    width = max(len(vnames), 1)
    pairs, n = np.unique(row * width + vcodes, return_counts=True)
    group, cls = pairs // width, pairs % width
    order = np.lexsort((name_ranks(vnames)[cls], group))
    labels = [f"{vnames[c]} ({k})" for c, k in zip(cls[order].tolist(), n[order].tolist(),
                                                     strict=True)]
    return join_groups(group[order], labels, groups)


def _protein_lists(row: Any, pcodes: Any, pnames: list[Any], groups: int,
                   limit: int = 10) -> list[str]:
    """Per group: its protein changes, most frequent first (ties by name), capped so
    that a TCGA-sized gene does not carry thousands into the page."""
    import numpy as np

    given = np.array([n != "" for n in pnames] + [False], dtype=bool)[pcodes]
    if not given.any():
        return [""] * groups
    rank = name_ranks(pnames)
    by_rank = [None] * len(pnames)
    for k, r in enumerate(rank.tolist()):
        by_rank[r] = pnames[k]
    width = len(pnames)
    pairs, n = np.unique(row[given] * width + rank[pcodes[given]], return_counts=True)
    group, p = pairs // width, pairs % width
    order = np.lexsort((p, -n, group))
    group, p, n = group[order], p[order], n[order]
    start = np.searchsorted(group, group, side="left")
    top = (np.arange(len(group)) - start) < limit
    labels = [by_rank[q] if k < 2 else f"{by_rank[q]} ({k})"
              for q, k in zip(p[top].tolist(), n[top].tolist(), strict=True)]
    shown = join_groups(group[top], labels, groups)
    distinct_n = np.bincount(group, minlength=groups)
    return [text + (f" ({shown_of(limit, d)})" if d > limit else "")
            for text, d in zip(shown, distinct_n.tolist(), strict=True)]


def sample_table(mutations: Any, samples: list[str], patients: dict[str, str],
                 nonsyn: tuple[str, ...], territory_mb: float | None,
                 snv_scope: str = "all") -> Any:
    """Per sample: variants, non-synonymous count, TMB, the six SNV classes, Ti/Tv.

    ``snv_scope``: the SNVs the classes and Ti/Tv count, "all" (maftools' titv with
    useSyn = TRUE) or "nonsynonymous" (its default: the classes in ``nonsyn``)."""
    import numpy as np
    import pandas as pd

    table = pd.DataFrame({"sample": samples})
    table["patient_id"] = [patients.get(s) for s in samples]
    distinct = pd.Index(pd.unique(np.asarray(samples, dtype=object)))
    back = distinct.get_indexer(np.asarray(samples, dtype=object))  # table row -> distinct
    scodes, snames = codes_of(mutations["sample"])
    place = distinct.get_indexer(pd.Index(snames, dtype=object)) if snames else \
        np.zeros(0, dtype=np.int64)
    row = np.where(scodes >= 0, place[np.maximum(scodes, 0)] if len(place) else -1, -1)
    known = row >= 0
    nonsyn_rows = mutations["variant_classification"].isin(nonsyn).to_numpy()

    def per_sample(mask: Any) -> Any:
        return np.bincount(row[mask & known], minlength=len(distinct))[back]

    table["variants"] = per_sample(np.ones(len(row), dtype=bool)).astype(int)
    table["nonsynonymous"] = per_sample(nonsyn_rows).astype(int)
    table["tmb_per_mb"] = (
        (table["nonsynonymous"] / territory_mb).round(3) if territory_mb else np.nan
    )
    is_snv = (mutations["variant_type"] == "SNP").to_numpy() & known
    if snv_scope == "nonsynonymous":
        is_snv &= nonsyn_rows
    cls = _snv_classes(*codes_within(mutations["ref"], is_snv),
                       *codes_within(mutations["alt"], is_snv))
    width = len(SNV_CLASSES)
    ok = cls >= 0
    grid = np.bincount(row[is_snv][ok] * width + cls[ok],
                       minlength=len(distinct) * width).reshape(len(distinct), width)[back]
    for k, name in enumerate(SNV_CLASSES):
        table[name] = grid[:, k].astype(int)
    ti = table["C>T"] + table["T>C"]
    tv = table[["C>A", "C>G", "T>A", "T>G"]].sum(axis=1)
    table["ti_tv"] = (ti / tv.where(tv > 0)).round(3)
    return table[SAMPLE_COLUMNS]


def _snv_classes(rc: Any, ru: list[Any], ac: Any, au: list[Any]) -> Any:
    """The index in SNV_CLASSES of each (ref, alt) given as codes and values, -1 for
    none. snv_class only classes single bases: it is called on the small grid of
    single-character refs and alts, and each row looks its pair up there."""
    import numpy as np

    def singles(names: list[Any]) -> tuple[list[int], Any]:
        picked = [k for k, n in enumerate(names) if isinstance(n, str) and len(n) == 1]
        place = np.full(len(names) + 1, -1, dtype=np.int64)  # the extra slot: code -1
        place[picked] = np.arange(len(picked))
        return picked, place

    r_picked, r_place = singles(ru)
    a_picked, a_place = singles(au)
    index = {c: k for k, c in enumerate(SNV_CLASSES)}
    grid = np.array([[index.get(snv_class(ru[r], au[a]), -1) for a in a_picked]
                     for r in r_picked], dtype=np.int64).reshape(len(r_picked), len(a_picked))
    r, a = r_place[rc], a_place[ac]
    ok = (r >= 0) & (a >= 0)
    out = np.full(len(rc), -1, dtype=np.int64)
    out[ok] = grid[r[ok], a[ok]]
    return out
