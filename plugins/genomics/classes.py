"""Which mutations alter a gene: the variants plugin's non-synonymous classes.

The variants plugin publishes the classes its run counts (its ``nonsynonymous`` option) as
the dataset ``nonsynonymous_classes``; every analysis here uses the same ones, so that a
gene "mutated" in the oncoplot is mutated in the interactions, pathways and lollipops too.
maftools' own default (read.maf's vc_nonSyn) stands in when the dataset has none (a
variants plugin of another version, or a test's hand-made datasets).
"""

from __future__ import annotations

from typing import Any

# maftools' read.maf vc_nonSyn, which is the variants plugin's default.
MAFTOOLS_NONSYNONYMOUS: tuple[str, ...] = (
    "Frame_Shift_Del", "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site",
    "Nonsense_Mutation", "Nonstop_Mutation", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation",
)


def nonsynonymous(variants: dict[str, Any], chosen: list[str] | None = None) -> frozenset[str]:
    """The classes an analysis counts: those its own option names, else the variants
    plugin's non-synonymous classes, else maftools' default."""
    if chosen:
        return frozenset(map(str, chosen))
    published = variants.get("nonsynonymous_classes")
    return frozenset(map(str, published)) if published else frozenset(MAFTOOLS_NONSYNONYMOUS)


def text_in(column: Any, values: Any) -> Any:
    """``column.astype(str).isin(values)``, the same booleans, without turning every row of
    a categorical column into a string: its categories are compared once and the row codes
    look the answer up (a 3,000,000-row MAF's class and gene columns: 1.4 s to 0.03 s).
    A missing value reads as ``"nan"``, as ``astype(str)`` writes it."""
    import numpy as np
    import pandas as pd

    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column.astype(str).isin(values)
    wanted = set(values)
    hit = np.array([str(c) in wanted for c in column.cat.categories] + ["nan" in wanted], dtype=bool)
    return pd.Series(hit[column.cat.codes.to_numpy()], index=column.index, name=column.name)


def mutated_pairs(mutations: Any, genes: list[str], classes: frozenset[str]) -> Any:
    """Each (sample, gene) with a mutation of one of ``classes`` in one of ``genes``, once,
    as text (``sample``, ``gene`` columns). Deduplicated before the text is made: a
    TCGA-sized table holds hundreds of thousands of calls of the chosen genes (the second
    pass: a missing value and a category "nan" are one text)."""
    keep = text_in(mutations["variant_classification"], classes) & text_in(mutations["gene"], genes)
    return mutations.loc[keep, ["sample", "gene"]].drop_duplicates().astype(str).drop_duplicates()
