"""Mutational spectrum: the 96 trinucleotide channels of single-base substitutions,
maftools' APOBEC enrichment and a fit against a signature catalogue the user gives.

The counts follow maftools' ``trinucleotideMatrix`` (PoisonAlien/maftools @ c8ff3283,
R/TrinucleotideMatrix.R): every SNP of the MAF, synonymous ones included (its default
``useSyn = TRUE``); the flanking bases come from the reference, the substitution from
the call's own alleles; a mutated purine is counted as its pyrimidine partner with the
triplet reverse-complemented; a triplet with a base other than A, C, G, T is left out of
the matrix (maftools' factor levels drop it) but still counts in the APOBEC totals.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from rinec_report import InputWarning, Option
from rinec_report.model import Chart, Html, Note, Section, Table, Text

from .classes import text_in

BASES = "ACGT"
SUBSTITUTIONS = ("C>A", "C>G", "C>T", "T>A", "T>C", "T>G")
# maftools' channel order (subtype.levels): substitution, then 5' base, then 3' base.
CHANNELS: tuple[str, ...] = tuple(f"{five}[{sub}]{three}" for sub in SUBSTITUTIONS
                                  for five in BASES for three in BASES)
_COMPLEMENT = str.maketrans("ACGT", "TGCA")
# maftools measures the APOBEC background in the 41 bases around each mutation.
WINDOW = 20
# A catalogue is a small table (COSMIC's SBS file is under 100 KiB); more is not one.
MAX_CATALOGUE_BYTES = 8 * 1024 * 1024
MAX_SIGNATURES = 500
# Per-sample spectra drawn one panel each up to this many samples; past it the cohort's.
MAX_PANELS = 12

FIELDS = {
    "channel": "category", "substitution": "category", "count": "count",
    "n_snvs": "count", "n_mutations": "count", "n_c_to_t_or_g": "count",
    "n_tcw_mutations": "count", "n_bg_c": "count", "n_bg_tcw": "count",
    "apobec_enrichment": "measure", "fraction_apobec_mutations": "measure",
    "fisher_pvalue": "measure", "fdr": "measure", "apobec_enriched": "category",
    "signature": "category", "exposure": "measure", "fraction": "measure",
    "cosine_similarity": "measure",
}


def options() -> list[Option]:
    return [
        Option("reference", "path", None,
               "A reference FASTA with its .fai index (samtools faidx), the genome the calls "
               "were made on: gives the 96-channel spectrum and the APOBEC enrichment.",
               cli="--reference", scope="user"),
        Option("signatures", "path", None,
               "A signature catalogue (96 rows named like A[C>A]A, one column per signature, "
               "e.g. COSMIC's SBS file): each spectrum is fitted to it by non-negative least "
               "squares.", scope="user"),
    ]


def identifiers() -> dict[str, str]:
    return dict(FIELDS)


def channel_of(five: str, ref: str, alt: str, three: str) -> str | None:
    """The pyrimidine-centred channel of a substitution with its flanking bases."""
    triplet = f"{five}{ref}{three}"
    if any(b not in BASES for b in triplet) or alt not in BASES or alt == ref:
        return None
    if ref in "GA":
        triplet = triplet.translate(_COMPLEMENT)[::-1]
        alt = alt.translate(_COMPLEMENT)
    return f"{triplet[0]}[{triplet[1]}>{alt}]{triplet[2]}"


def _open_reference(path: str) -> Any:
    from pyfaidx import Fasta

    path = os.path.expanduser(path)
    if not os.path.exists(path + ".fai"):
        raise ValueError(f"{path}: no index {os.path.basename(path)}.fai beside it "
                         "(make one with samtools faidx)")
    # build_index=False: a user's file is read, never written beside.
    return Fasta(path, as_raw=True, sequence_always_upper=True, build_index=False,
                 read_ahead=0)


def _contig(names: set[str], chrom: str) -> str | None:
    if chrom in names:
        return chrom
    other = chrom[3:] if chrom.lower().startswith("chr") else f"chr{chrom}"
    return other if other in names else None


def _snv_rows(mutations: Any) -> Any:
    """Which rows are SNVs the spectrum reads."""
    # maftools takes Variant_Type SNP (subsetMaf "Variant_Type %in% 'SNP'").
    return (text_in(mutations["variant_type"], ["SNP"]) & text_in(mutations["ref"], list(BASES))
            & text_in(mutations["alt"], list(BASES)) & mutations["pos"].notna()).to_numpy()


def _snvs(mutations: Any, rows: Any) -> Any:
    keep = ["sample", "patient_id", "chrom", "pos", "ref", "alt"]
    # The columns first: filtering the whole table copies every column's kept rows.
    return mutations[keep + (["context"] if "context" in mutations.columns else [])][rows]


def _any_text(column: Any, rows: Any) -> bool:
    """``(column[rows].astype(str) != "").any()`` (a missing value reads as "nan"), through
    ``text_in``, which compares a categorical column's categories once."""
    return bool((~text_in(column, [""])).to_numpy()[rows].any())


def _maf_contexts(snvs: Any) -> tuple[list[Any], int]:
    """Per SNV its flanking bases from the MAF's context column (the call's base at its
    centre), or None; and how many contexts do not hold the call's reference base."""
    out: list[Any] = []
    mismatched = 0
    for ref, ctx in zip(snvs["ref"].astype(str), snvs["context"].astype(str), strict=True):
        centre = len(ctx) // 2
        if len(ctx) < 3 or not len(ctx) % 2:
            out.append(None)
        elif ctx[centre] != ref:
            mismatched += 1
            out.append(None)
        else:
            out.append((ctx[centre - 1], ctx[centre + 1], None))
    return out, mismatched


def _read_contexts(snvs: Any, fasta: Any) -> tuple[list[Any], dict[str, int]]:
    """Per SNV: (5' base, 3' base, the 41-base window) or None; and what was left out."""
    names = set(fasta.keys())
    out: list[Any] = []
    missing = mismatched = 0
    for chrom, pos, ref in zip(snvs["chrom"].astype(str), snvs["pos"].astype(int),
                               snvs["ref"].astype(str), strict=True):
        contig = _contig(names, chrom)
        if contig is None or pos < 1 or pos > len(fasta[contig]):
            missing += 1
            out.append(None)
            continue
        length = len(fasta[contig])
        start, end = max(1, pos - WINDOW), min(length, pos + WINDOW)
        window = str(fasta[contig][start - 1:end])
        if len(window) != end - start + 1:
            raise ValueError(f"{contig}: fewer bases than its .fai index says (index it again)")
        at = pos - start
        if window[at] != ref:
            mismatched += 1
        five = window[at - 1] if at >= 1 else "N"
        three = window[at + 1] if at + 1 < len(window) else "N"
        out.append((five, three, window))
    return out, {"missing_contig": missing, "ref_mismatch": mismatched}


def _tri_count(window: str, motifs: tuple[str, ...]) -> int:
    # Overlapping counts (Biostrings' trinucleotideFrequency, step 1): TCTCT holds two TCT.
    return sum(1 for i in range(len(window) - 2) if window[i:i + 3] in motifs)


def _apobec(snvs: Any, contexts: list[Any]) -> Any:
    """maftools' APOBEC_scores, per sample with at least one C>T or C>G."""
    import numpy as np
    import pandas as pd

    from rinec_report.stats import bh_fdr, fisher_greater

    rows: dict[str, dict[str, Any]] = {}
    for sample, patient, ref, alt, ctx in zip(snvs["sample"].astype(str), snvs["patient_id"],
                                              snvs["ref"].astype(str), snvs["alt"].astype(str),
                                              contexts, strict=True):
        if ctx is None:
            continue
        r = rows.setdefault(sample, {"sample": sample, "patient_id": patient, "n_mutations": 0,
                                     "n_c_to_t_or_g": 0, "n_tcw_mutations": 0, "n_bg_c": 0,
                                     "n_bg_tcw": 0, "_c": 0, "_tcw": 0})
        r["n_mutations"] += 1
        five, three, window = ctx
        pyr = (ref, alt) if ref in "CT" else (ref.translate(_COMPLEMENT), alt.translate(_COMPLEMENT))
        if pyr not in (("C", "T"), ("C", "G")):
            continue
        r["n_c_to_t_or_g"] += 1
        # T[C>T/G]W on the C strand, or its reverse complement W[G>A/C]A.
        if (ref == "C" and five == "T" and three in "AT") or (ref == "G" and five in "AT" and three == "A"):
            r["n_tcw_mutations"] += 1
        c, g = window.count("C"), window.count("G")
        tcw, wga = _tri_count(window, ("TCA", "TCT")), _tri_count(window, ("TGA", "AGA"))
        r["n_bg_c"] += c + g
        r["n_bg_tcw"] += tcw + wga
        r["_c"] += c
        r["_tcw"] += tcw
    table = pd.DataFrame([r for r in rows.values() if r["n_c_to_t_or_g"]])
    if table.empty:
        return table
    with np.errstate(divide="ignore", invalid="ignore"):
        table["apobec_enrichment"] = ((table["n_tcw_mutations"] / table["n_c_to_t_or_g"])
                                      / (table["n_bg_tcw"] / table["n_bg_c"]))
    table["fraction_apobec_mutations"] = (table["n_tcw_mutations"] / table["n_mutations"]).round(3)
    # maftools' one-sided Fisher test, its 2x2 table as written there: the second row is
    # the background's C count plus its TCW count, and the C count less the TCW count
    # (forward-strand C and TCA/TCT only).
    table["fisher_pvalue"] = [
        fisher_greater([[a, n - a], [c + t, c - t]])
        for a, n, c, t in zip(table["n_tcw_mutations"], table["n_c_to_t_or_g"], table["_c"],
                              table["_tcw"], strict=True)]
    table["fdr"] = bh_fdr(table["fisher_pvalue"])
    table["apobec_enriched"] = np.where(table["apobec_enrichment"] > 2, "yes", "no")
    return table.drop(columns=["_c", "_tcw"]).sort_values(["fisher_pvalue", "sample"],
                                                          kind="stable").reset_index(drop=True)


def count_matrix(snvs: Any, contexts: list[Any], samples: list[str]) -> Any:
    """Samples by the 96 channels (maftools' nmf_matrix), in maftools' channel order."""
    from collections import Counter

    import numpy as np
    import pandas as pd

    counts: Counter[tuple[str, str]] = Counter()
    for sample, ref, alt, ctx in zip(snvs["sample"].astype(str), snvs["ref"].astype(str),
                                     snvs["alt"].astype(str), contexts, strict=True):
        if ctx is not None and (channel := channel_of(ctx[0], ref, alt, ctx[1])) is not None:
            counts[sample, channel] += 1
    rows = {s: i for i, s in enumerate(samples)}
    for sample, _ in counts:
        rows.setdefault(sample, len(rows))
    column = {c: j for j, c in enumerate(CHANNELS)}
    values = np.zeros((len(rows), len(CHANNELS)), dtype=np.int64)
    for (sample, channel), n in counts.items():
        values[rows[sample], column[channel]] = n
    return pd.DataFrame(values, index=pd.Index(list(rows), name="sample"), columns=list(CHANNELS))


def read_catalogue(path: str) -> Any:
    """A catalogue: 96 rows of channels, one column per signature (COSMIC's layout)."""
    import pandas as pd

    path = os.path.expanduser(path)
    if os.path.getsize(path) > MAX_CATALOGUE_BYTES:
        raise ValueError(f"{path}: more than {MAX_CATALOGUE_BYTES // 2**20} MiB, not a catalogue")
    sep = "," if path.lower().endswith(".csv") else "\t"
    try:
        table = pd.read_csv(path, sep=sep, dtype=str)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: not a table ({str(exc).splitlines()[0]})") from None
    if table.shape[1] < 2 or table.shape[1] - 1 > MAX_SIGNATURES:
        raise ValueError(f"{path}: needs a channel column and 1 to {MAX_SIGNATURES} signature columns")
    first = table.columns[0]
    table[first] = table[first].fillna("").str.strip()
    unknown = sorted(set(table[first]) - set(CHANNELS))
    if unknown or table[first].duplicated().any() or len(table) != 96:
        what = f"unknown channel {unknown[0]!r}" if unknown else "not 96 distinct channels"
        raise ValueError(f"{path}: column {first!r}: {what} (rows named like A[C>A]A)")
    table = table.set_index(first).loc[list(CHANNELS)]
    values = table.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any().any():
        column = bad.any()[bad.any()].index[0]
        raise ValueError(f"{path}: column {column!r}: a value that is not a non-negative number")
    return values.astype(float)


def fit(matrix: Any, catalogue: Any) -> Any:
    """Each row of ``matrix`` (counts per channel) as non-negative combination of the
    catalogue's signatures: exposures in mutations, their share, the cosine similarity."""
    import numpy as np
    import pandas as pd
    from scipy.optimize import nnls

    s = catalogue.to_numpy()
    rows = []
    for sample, counts in matrix.iterrows():
        v = counts.to_numpy(dtype=float)
        if not v.sum():
            continue
        x, _ = nnls(s, v)
        rebuilt = s @ x
        norm = np.linalg.norm(rebuilt) * np.linalg.norm(v)
        cosine = float(rebuilt @ v / norm) if norm else 0.0
        total = x.sum()
        for name, e in zip(catalogue.columns, x, strict=True):
            rows.append({"sample": sample, "signature": str(name), "exposure": float(e),
                         "fraction": float(e / total) if total else 0.0,
                         "cosine_similarity": round(cosine, 4)})
    return pd.DataFrame(rows, columns=["sample", "signature", "exposure", "fraction",
                                       "cosine_similarity"])


def build(variants: dict[str, Any], datasets: Any, patients: Any,
          options: dict[str, Any]) -> dict[str, Any]:
    mutations = variants["mutations"]
    rows = _snv_rows(mutations)
    state: dict[str, Any] = {"snvs": int(rows.sum()), "reference": options.get("reference")}
    has_context = "context" in mutations.columns and _any_text(mutations["context"], rows)
    if not options.get("reference") and not has_context:
        return {"_spectrum": state}  # the section says what is missing: no SNV table needed
    snvs = _snvs(mutations, rows)
    samples = [str(s) for s in variants["samples"]["sample"]] if variants.get("samples") is not None \
        else sorted(snvs["sample"].astype(str).unique())
    state["owners"] = dict(zip(mutations["sample"].astype(str), mutations["patient_id"], strict=True))
    if options.get("reference"):
        if not _from_reference(state, snvs, samples, options["reference"]):
            return {"_spectrum": state}
    elif has_context:
        contexts, mismatched = _maf_contexts(snvs)
        if mismatched:
            warnings.warn(f"SNVs whose MAF context (CONTEXT or ref_context) does not hold their "
                          f"reference allele at its centre, left out of the spectrum: {mismatched:,}",
                          InputWarning, stacklevel=2)
        state["source"] = "the MAF's context column (CONTEXT or ref_context)"
        state["matrix"] = count_matrix(snvs, contexts, samples)
        state["apobec"] = None  # needs the 41 bases around each call: a reference
    else:
        return {"_spectrum": state}
    if options.get("signatures"):
        _fit_catalogue(state, options["signatures"])
    return {"_spectrum": state}


def _from_reference(state: dict[str, Any], snvs: Any, samples: list[str], reference: str) -> bool:
    from pyfaidx import FastaIndexingError

    try:
        fasta = _open_reference(reference)
        contexts, left_out = _read_contexts(snvs, fasta)
    except (OSError, ValueError, KeyError, IndexError, UnicodeDecodeError, FastaIndexingError) as exc:
        # pyfaidx's own words (an unreadable .fai is "not enough values to unpack").
        exc = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
        warnings.warn(f"reference {reference}: cannot read it ({exc})",
                      InputWarning, stacklevel=3)
        state["error"] = exc
        return False
    if n := left_out["missing_contig"]:
        warnings.warn(f"reference {reference}: {n:,} SNVs on chromosomes it does not have (or "
                      "past their end) are left out of the spectrum", InputWarning, stacklevel=3)
    if n := left_out["ref_mismatch"]:
        warnings.warn(f"reference {reference}: {n:,} SNVs whose reference allele differs from the "
                      "FASTA's base (another genome build?); counted from their own alleles, as "
                      "maftools does", InputWarning, stacklevel=3)
    state["source"] = os.path.basename(str(reference))
    state["matrix"] = count_matrix(snvs, contexts, samples)
    state["apobec"] = _apobec(snvs, contexts)
    return True


def _fit_catalogue(state: dict[str, Any], path: str) -> None:
    import pandas as pd

    try:
        catalogue = read_catalogue(path)
    except (OSError, ValueError) as exc:
        warnings.warn(f"signatures: {exc}", InputWarning, stacklevel=3)
        state["catalogue_error"] = str(exc)
        return
    matrix = state["matrix"]
    cohort = matrix.sum().to_frame("cohort").T
    state["exposures"] = pd.concat([fit(cohort, catalogue), fit(matrix, catalogue)],
                                   ignore_index=True)


def _long(matrix: Any, owners: dict[str, Any]) -> Any:
    long = matrix.reset_index().melt(id_vars="sample", var_name="channel", value_name="count")
    long.insert(1, "patient_id", long["sample"].map(owners))
    long.insert(3, "substitution", long["channel"].str[2:5])
    return long


def _chart(long: Any, per_sample: bool) -> dict[str, Any]:
    import altair as alt

    from rinec_report import palettes
    from rinec_report.charts import chart_dict, highlight_opacity

    scale = alt.Scale(domain=list(SUBSTITUTIONS),
                      range=[palettes.SNV_CLASSES[c] for c in SUBSTITUTIONS])
    base = alt.Chart(long).mark_bar().encode(
        x=alt.X("channel:N", sort=list(CHANNELS), title=None,
                axis=alt.Axis(labelFontSize=7, labelAngle=-90)),
        y=alt.Y("count:Q", title="SNVs"),
        color=alt.Color("substitution:N", scale=scale, title="Substitution"),
        tooltip=["channel:N", "count:Q"] + (["sample:N", "patient_id:N"] if per_sample else []),
    )
    if per_sample:
        base = base.encode(opacity=highlight_opacity()).properties(width=760, height=90).facet(
            row=alt.Row("sample:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")))
        base = base.resolve_scale(y="independent")
    else:
        base = base.properties(width=760, height=180)
    return chart_dict(base.configure_view(stroke=None))


# Ti/Tv and the six classes are the variants plugin's: linked, not drawn twice.
_SNV_LINK = Html('<p>Ti/Tv and the six SNV classes per sample, which need no reference, are in '
                 'the <a href="#variants-snv-classes">SNV classes</a> section.</p>')


def sections(data: dict[str, Any], options: dict[str, Any]) -> list[Section]:
    state = data.get("_spectrum")
    if state is None:
        return []
    help_text = (
        "Each single-nucleotide variant (Variant_Type SNP, synonymous and non-coding ones "
        "included, as maftools' trinucleotideMatrix with its default useSyn = TRUE) is "
        "named by the pyrimidine of its base pair with the bases 5' and 3' of it, read from "
        "the reference: G>A in A-G-C counts as C>T in G[C>T]T. 6 substitutions x 16 "
        "contexts = 96 channels. APOBEC enrichment is maftools' (Roberts et al. 2013): the "
        "share of C>T and C>G mutations in a TCW motif (W: A or T) over the share of TCW "
        "motifs among the C and G bases of the 41 bases around each of them; above 2 the "
        "sample is called enriched; the p-value is maftools' one-sided Fisher test, with "
        "Benjamini-Hochberg FDR. Ti/Tv and the six SNV classes per sample are in the "
        "variants plugin's SNV classes section.")
    blocks: list[Any] = []
    if "matrix" not in state:
        why = (f"The reference could not be read: {state['error']}" if state.get("error") else
               "The spectrum needs the reference genome the calls were made on: give an indexed "
               "FASTA with --reference (or genomics: reference in the user config).")
        blocks.append(Note(why, level="warning" if state.get("error") else "info"))
        blocks.append(Text(f"{state['snvs']:,} SNVs are waiting for their context. APOBEC "
                           "enrichment needs it too (the 41 bases around each mutation)."))
        blocks.append(_SNV_LINK)
        return [Section(id="spectrum", title="Mutational spectrum", help=help_text, blocks=blocks,
                        description="The 96 trinucleotide channels of single-base substitutions.")]
    matrix, owners = state["matrix"], state["owners"]
    long = _long(matrix, owners)
    total = int(matrix.to_numpy().sum())
    cohort = long.groupby(["channel", "substitution"], as_index=False, observed=True)["count"].sum()
    blocks.append(Chart(_chart(cohort, False), title="Cohort spectrum"))
    shown = matrix[matrix.sum(axis=1) > 0]
    if 0 < len(shown) <= MAX_PANELS:
        blocks.append(Chart(_chart(long[long["sample"].isin(shown.index)], True),
                            title="Spectrum per sample"))
    elif len(shown):
        blocks.append(Note(f"{len(shown):,} samples are more than are drawn one by one "
                           f"({MAX_PANELS}); each sample's 96 counts are in the table."))
    per_sample = matrix.sum(axis=1)
    few = (f" The median sample has {per_sample.median():.0f}: a spectrum of a few dozen SNVs "
           "is noisy (a channel holds one or two of them), and no signature can be told from "
           "another with confidence; a few hundred per sample are the usual minimum."
           if per_sample.median() < 200 else "")
    blocks.append(Text(
        f"{total:,} of {state['snvs']:,} SNVs have a full trinucleotide context in "
        f"{state['source']}.{few}"))
    blocks.append(Table("spectrum_counts", long[long["count"] > 0], title="Counts per channel",
                        column_titles={"count": "SNVs"}))
    blocks.append(_SNV_LINK)
    apobec = state["apobec"]
    if apobec is None:
        blocks.append(Note("APOBEC enrichment is not computed: it counts the TCW motifs among the "
                           "41 bases around each mutation, more than a MAF's context column "
                           "holds (GDC's CONTEXT has 11, ref_context 21). Give the reference "
                           "FASTA (--reference) for it."))
    elif len(apobec):
        blocks.append(Table("apobec", apobec, title="APOBEC enrichment (TCW motif)",
                            column_titles={"n_c_to_t_or_g": "C>T/C>G", "n_tcw_mutations": "in TCW",
                                           "n_bg_c": "background C/G", "n_bg_tcw": "background TCW"}))
    if "exposures" in state:
        blocks.append(Text("Exposures: each spectrum (the cohort's first) as the non-negative "
                           "combination of the catalogue's signatures closest to it (scipy's "
                           "nnls); the cosine similarity says how well it is rebuilt."))
        exposures = state["exposures"].copy()
        exposures.insert(1, "patient_id", exposures["sample"].map(owners))
        blocks.append(Table("signature_exposures", exposures, title="Signature exposures"))
    elif state.get("catalogue_error"):
        blocks.append(Note(f"Signatures not fitted: {state['catalogue_error']}", level="warning"))
    return [Section(id="spectrum", title="Mutational spectrum", help=help_text, blocks=blocks,
                    description="The 96 trinucleotide channels of single-base substitutions, "
                                "APOBEC enrichment and signature exposures.")]
