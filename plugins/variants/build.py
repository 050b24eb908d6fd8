"""Combine the parsed files into the published datasets."""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

from rinec_report.model import InputError, InputWarning

log = logging.getLogger("rinec_report.variants.reader")


def build_datasets(files: list[Any], options: dict[str, Any], patients: Any,
                   run: Any) -> dict[str, Any] | None:
    import pandas as pd

    from .arrow import as_frame
    from .frames import MUTATION_COLUMNS, gene_table, sample_table, stack_files
    from .panel import parse_bed

    calls = [f for f in files if f.data and f.data.get("kind") == "calls"]
    panels = [f for f in files if f.data and f.data.get("kind") == "panel"]
    panel = None
    panel_name = None
    if options["panel_bed"]:
        path = options["panel_bed"]
        if not os.path.isabs(path) and run is not None:
            path = os.path.join(run.run_dir, path)
        try:
            panel, panel_name = parse_bed(path), options["panel_bed"]
        except (OSError, InputError) as exc:
            warnings.warn(f"panel_bed {options['panel_bed']}: {exc}", InputWarning, stacklevel=2)
    if panel is None and panels:
        if len(panels) > 1:
            names = ", ".join(p.file.relpath for p in panels)
            warnings.warn(f"several panel BEDs ({names}); using the first", InputWarning,
                          stacklevel=2)
        panel, panel_name = panels[0].data, panels[0].file.relpath
    from .accounts import state_unused_panels

    state_unused_panels(panels, panel_name)
    if not calls:
        return None

    samples: list[str] = []
    seen: dict[str, str] = {}
    frames = []
    per_file = []
    for f in calls:
        d = f.data
        for s in d["samples"]:
            if s in seen:
                warnings.warn(
                    f"sample {s} appears in both {seen[s]} and {f.file.relpath}; "
                    "their mutations are combined",
                    InputWarning,
                    stacklevel=2,
                )
            else:
                seen[s] = f.file.relpath
                samples.append(s)
        if d.get("reader_note"):
            log.debug("%s: VCF read by cyvcf2, not the columnar reader: %s", f.file.relpath,
                      d["reader_note"])
        frames.append(d["mutations"])
        per_file.append({
            "file": f.file.relpath,
            "samples": len(d["samples"]),
            "records": d["records"],
            "kept": len(d["mutations"]),
            "filtered": d["filtered"],
            "kept_filters": d["kept_filters"],
            "annotation": d["annotation"],
            "roles": d.get("roles"),
        })
    if len(frames) > 1:
        mutations = stack_files(frames)
    else:
        # A new frame over the same columns (columns set below replace, never write
        # into, the parsed ones): reset_index would copy every column.
        mutations = as_frame(frames[0]).copy(deep=False)
        mutations.index = pd.RangeIndex(len(mutations))
    for col in ("sample", "gene", "chrom", "variant_classification", "variant_type", "filter"):
        if isinstance(mutations[col].dtype, pd.CategoricalDtype):
            continue
        if len(mutations) > 100_000:
            mutations[col] = mutations[col].astype("category")

    lengths = [len(f) for f in frames]
    mutations, duplicates, unique = drop_duplicates(mutations)
    if duplicates:
        warnings.warn(
            f"{duplicates:,} duplicate mutation call{'s' if duplicates != 1 else ''} (the same "
            "sample, chromosome, start, reference and alternate allele in two rows or files) "
            "counted once, as maftools' read.maf does", InputWarning, stacklevel=2)
    mutations, depth_filters, below = filter_depth(mutations, options)
    from .accounts import state_combined

    state_combined(calls, lengths, unique, below, depth_filters)

    # The core's resolver owns identity: a sample it cannot place stays without a patient.
    owners = {s: patients.patient_of(s) for s in samples}
    mapping_source = "the run's patient resolver (config samples:, the clinical table's sample_id, sample names)"
    mutations["patient_id"] = _patients(mutations["sample"], owners, len(mutations) > 100_000)
    if list(mutations.columns) != MUTATION_COLUMNS:
        mutations = mutations[MUTATION_COLUMNS]

    size_mb = options["panel_size_mb"]
    territory_source = None
    if size_mb:
        territory_source = f"panel_size_mb = {float(size_mb):g} Mb (configuration)"
        size_mb = float(size_mb)
    elif panel:
        size_mb = panel["territory_mb"]
        territory_source = (
            f"{panel_name}: {panel['intervals']:,} intervals, "
            f"{panel['territory_bp']:,} bp merged ({size_mb:.3f} Mb)"
        )
    nonsyn = tuple(options["nonsynonymous"])
    threshold = options["high_frequency_percent"]
    genes = gene_table(mutations, samples, nonsyn, threshold)
    sample_tab = sample_table(mutations, samples, owners, nonsyn, size_mb,
                              options["snv_classes"])
    high = sorted(genes.loc[genes["high_frequency"], "gene"].astype(str))
    return {
        "mutations": mutations,
        "genes": genes[["gene", "samples_mutated", "percent_samples", "mutations",
                        "high_frequency"]],
        "samples": sample_tab,
        "high_frequency_genes": high,
        "panel_genes": panel["genes"] if panel else None,
        "panel_size_mb": size_mb,
        # The classes that count as non-synonymous here (the run's `nonsynonymous` option):
        # the gene ranking, the oncoplot and TMB use them, and so do the cohort analyses.
        "nonsynonymous_classes": list(nonsyn),
        # Private: this plugin's sections only.
        "_gene_details": genes,
        "_meta": {
            "files": per_file,
            "territory": territory_source,
            "mapping": mapping_source,
            "nonsynonymous": nonsyn,
            "threshold": threshold,
            "snv_classes": options["snv_classes"],
            "duplicates": duplicates,
            "depth_filters": depth_filters,
            "has_depth": bool(len(mutations)) and bool(
                mutations["t_depth"].notna().any() or mutations["t_vaf"].notna().any()),
        },
    }


DUPLICATE_KEY = ["sample", "chrom", "pos", "ref", "alt"]
# Option, mutation column, and the words the report uses for it.
DEPTH_FILTERS = (("min_depth", "t_depth", "tumour depth"),
                 ("min_alt_count", "t_alt_count", "tumour alternate reads"),
                 ("min_vaf", "t_vaf", "tumour VAF"))


def drop_duplicates(mutations: Any) -> tuple[Any, int, Any]:
    """The first of each (sample, chromosome, start, reference, alternate) call, as
    maftools' read.maf (removeDuplicatedVariants = TRUE) keeps, how many rows went, and
    which rows stayed (None: all)."""
    import pandas as pd

    if len(mutations) < 2:
        return mutations, 0, None
    dup = _duplicated(mutations)
    removed = int(dup.sum())
    if not removed:
        return mutations, 0, None
    out = mutations[~dup]
    out.index = pd.RangeIndex(len(out))
    return out, removed, ~dup


def _duplicated(mutations: Any) -> Any:
    """``mutations.duplicated(subset=DUPLICATE_KEY, keep="first")`` as a numpy array.

    A large table's sample and chromosome are categoricals and its positions integers:
    the three make one int64 per row, and only the rows whose (sample, chromosome,
    position) repeats, a few in a million, are compared on all five columns. pandas'
    own duplicated factorizes the positions, half a second for 3,000,000 rows."""
    import numpy as np
    import pandas as pd

    sample, chrom, pos = (mutations[c] for c in DUPLICATE_KEY[:3])
    if not (isinstance(sample.dtype, pd.CategoricalDtype) and isinstance(chrom.dtype, pd.CategoricalDtype)
            and pos.dtype == np.int64):
        return mutations.duplicated(subset=DUPLICATE_KEY, keep="first").to_numpy()
    positions = pos.to_numpy()
    low, high = (int(positions.min()), int(positions.max())) if len(positions) else (0, 0)
    span, chroms = high - low + 1, len(chrom.cat.categories) + 1
    if low < 0 or (len(sample.cat.categories) + 1) * chroms * span >= 1 << 62:
        return mutations.duplicated(subset=DUPLICATE_KEY, keep="first").to_numpy()
    # Codes are -1 for a missing value: shifted to 0, apart from every category.
    site = ((sample.cat.codes.to_numpy().astype(np.int64) + 1) * chroms
            + chrom.cat.codes.to_numpy().astype(np.int64) + 1) * span + (positions - low)
    again = pd.Series(site).duplicated(keep=False).to_numpy()
    dup = np.zeros(len(mutations), dtype=bool)
    if again.any():
        rows = np.flatnonzero(again)
        dup[rows] = mutations.iloc[rows].duplicated(subset=DUPLICATE_KEY, keep="first").to_numpy()
    return dup


def filter_depth(mutations: Any, options: dict[str, Any]) -> tuple[Any, list[dict[str, Any]], Any]:
    """Calls below the optional min_depth, min_alt_count, min_vaf left out. A call
    without the value (a caller that writes no depth) is kept, and counted as such.
    The third value gives each row's filter that left it out: 1 + its place in
    ``report``, 0 for a kept row (None: every row kept)."""
    import numpy as np
    import pandas as pd

    report = []
    keep = np.ones(len(mutations), dtype=bool)
    why = np.zeros(len(mutations), dtype=np.int8)
    for option, column, words in DEPTH_FILTERS:
        limit = options[option]
        if limit is None:
            continue
        values = mutations[column].to_numpy(dtype=float)
        unknown = ~np.isfinite(values)
        below = ~unknown & (values < float(limit)) & keep
        keep &= ~below
        report.append({"option": option, "limit": float(limit), "words": words,
                       "removed": int(below.sum()), "unknown": int(unknown.sum())})
        why[below] = len(report)
    if keep.all():
        return mutations, report, None
    out = mutations[keep]
    out.index = pd.RangeIndex(len(out))
    return out, report, why


def _patients(sample: Any, owners: dict[str, Any], categorical: bool) -> Any:
    """Each row's patient (missing where the resolver has none); a categorical with
    sorted categories for a large table, mapped once per sample, not once per row."""
    import numpy as np
    import pandas as pd

    if not (categorical and isinstance(sample.dtype, pd.CategoricalDtype)):
        mapped = sample.astype(object).map(owners)
        return mapped.astype("category") if categorical else mapped
    per_sample = np.array([owners.get(s) for s in sample.cat.categories] + [None], dtype=object)
    codes, names = pd.factorize(per_sample, sort=True)
    rows = sample.cat.codes.to_numpy().astype(np.int64)  # -1 (missing) takes the None
    return pd.Categorical.from_codes(codes[rows], categories=pd.Index(names, dtype=object))
