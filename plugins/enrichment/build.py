"""Putting the plugin's datasets together: genes, libraries, tests, STRING."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from rinec_report.model import InputError, InputWarning
from rinec_report.shown import shown_of

from . import accounts
from .genes import config_background, config_genes, input_path, resolve_path
from .gmt import GeneSet, GeneSetLibrary, bundled_library, library_name, read_gmt
from .ora import TERM_COLUMNS, run_ora
from .string_api import CATEGORY_ORDER, StringOutcome, query_string
from .string_files import NETWORK_COLUMNS, normalise_edges, split_genes

log = logging.getLogger(__name__)

CACHE_FILE = "string_api.json"


@dataclass
class LibrarySummary:
    name: str
    source: str
    sets: int
    sets_in_limits: int
    tested_terms: int
    query_size: int
    background: str
    background_size: int
    notes: list[str] = field(default_factory=list)


@dataclass
class Info:
    """Everything the sections say besides the tables."""

    gene_source: str
    genes: list[str]
    background: str
    min_size: int
    max_size: int
    fdr_threshold: float
    libraries: list[LibrarySummary] = field(default_factory=list)
    not_in_background: list[str] = field(default_factory=list)
    unannotated: list[str] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    network_source: str = ""
    online_requested: bool = False
    string: StringOutcome | None = None
    notes: list[str] = field(default_factory=list)


def cache_file(options: dict[str, Any], run_dir: str) -> Path:
    """Where STRING answers are kept: the run's .rinec_cache/ by default, the
    user cache directory with ``cache: user``, or any folder given."""
    where = options["cache"]
    if where == "run":
        folder = Path(run_dir) / ".rinec_cache"
    elif where == "user":
        import platformdirs

        folder = Path(platformdirs.user_cache_dir("rinec-report"))
    else:
        folder = resolve_path(str(where), run_dir)
    return folder / CACHE_FILE


def choose_genes(
    files: list[Any], options: dict[str, Any], datasets: Any, run_dir: str, confine: bool = True
) -> tuple[list[str], str]:
    chosen = config_genes(options["genes"], run_dir, confine)
    if chosen is not None:
        accounts.unused_gene_lists(files, None, "the configuration's genes option is used instead")
        return chosen
    lists = [pf for pf in files if pf.file.pattern == "genes"]
    if lists:
        accounts.unused_gene_lists(files, lists[0].file.relpath, "another gene list is used (the first found)")
        if len(lists) > 1:
            others = ", ".join(pf.file.relpath for pf in lists[1:])
            warnings.warn(
                f"several gene lists; using {lists[0].file.relpath}, not {others}",
                InputWarning,
                stacklevel=2,
            )
        return list(lists[0].data), f"gene list {lists[0].file.relpath}"
    high = datasets.get("variants", "high_frequency_genes") if datasets is not None else None
    if high:
        return sorted(high), "high-frequency genes of the variants plugin"
    return [], ""


def gather_libraries(
    files: list[Any], options: dict[str, Any], run_dir: str, confine: bool = True, neutral: bool = False
) -> list[GeneSetLibrary]:
    """The libraries to test; ``neutral`` (a de-identified report) names each one the user
    brought "Gene sets 1", "Gene sets 2"..., since a file's name may name anyone."""
    libraries: list[GeneSetLibrary] = []
    if options["reactome"]:
        libraries.append(bundled_library())
    found = set()
    for pf in files:
        if pf.file.pattern == "gmt":
            libraries.append(pf.data)
            found.add(Path(pf.file.path).resolve())
    for value in options["gene_sets"]:
        path = input_path(str(value), run_dir, "gene_sets", confine)
        if path.resolve() in found:  # named in the config and also found by the scan
            continue
        libraries.append(read_gmt(path, library_name(path.name), f"{value} (config)"))
    # Two files with the same name in different folders stay two libraries.
    seen: dict[str, int] = {}
    for library in libraries:
        seen[library.name] = seen.get(library.name, 0) + 1
    for library in libraries:
        if seen[library.name] > 1 and not library.source.startswith("bundled"):
            library.name = library.source
    if neutral:
        brought = [lib for lib in libraries if not lib.source.startswith("bundled")]
        for n, library in enumerate(brought, start=1):
            library.name = f"Gene sets {n}"
            # A term of the user's own may be named after anyone: it keeps its genes, not its name.
            library.sets = [GeneSet(f"set {n}.{i}", f"Gene set {n}.{i}", s.genes)
                            for i, s in enumerate(library.sets, start=1)]
    return libraries


def _library_notes(library: GeneSetLibrary) -> list[str]:
    notes = []
    if library.empty_sets:
        notes.append(f"{library.empty_sets} empty set(s) skipped")
    if library.duplicate_genes:
        notes.append(f"{library.duplicate_genes} repeated gene(s) within sets ignored")
    if library.merged_sets:
        notes.append(f"{library.merged_sets} repeated set id(s) merged")
    return notes


def _sort_terms(terms: pd.DataFrame, library_order: list[str]) -> pd.DataFrame:
    if terms.empty:
        return terms
    groups = ["STRING", "STRING export", *library_order]
    rank_library = {name: i for i, name in enumerate(groups)}
    rank_category = {name: i for i, name in enumerate(CATEGORY_ORDER)}
    keyed = terms.assign(
        _lib=terms["library"].map(lambda v: rank_library.get(v, len(groups))),
        _cat=terms["category"].map(lambda v: rank_category.get(v, len(CATEGORY_ORDER))),
        _fdr=terms["fdr"].fillna(2.0),
        _p=terms["p_value"].fillna(2.0),
    )
    keyed = keyed.sort_values(["_lib", "library", "_cat", "category", "_fdr", "_p", "term_id"], kind="stable")
    return keyed[TERM_COLUMNS].reset_index(drop=True)


def build(
    files: list[Any], options: dict[str, Any], datasets: Any, run_dir: str, confine: bool = True,
    neutral: bool = False,
) -> dict[str, Any] | None:
    """The ``rinec_datasets`` of the plugin; None when there are no genes."""
    genes, gene_source = choose_genes(files, options, datasets, run_dir, confine)
    if not genes:
        log.debug("enrichment: no genes (no variants data, genes.txt or config list)")
        return None
    min_size = options["min_size"]
    max_size = options["max_size"]
    if min_size < 1 or max_size < min_size:
        raise InputError("enrichment options: need 1 <= min_size <= max_size")

    background: set[str] | int | None
    configured = config_background(options["background"], run_dir, confine)
    panel = datasets.get("variants", "panel_genes") if datasets is not None else None
    if configured is not None and configured[1] != "library":
        background, background_text = configured
    elif configured is None and panel:
        background = set(panel)
        background_text = f"the sequencing panel's {len(background)} genes (variants plugin)"
    else:
        background, background_text = None, "the union of each library's genes"

    info = Info(
        gene_source=gene_source,
        genes=list(genes),
        background=background_text,
        min_size=min_size,
        max_size=max_size,
        fdr_threshold=options["fdr_threshold"],
        online_requested=options["online"],
    )
    term_frames: list[pd.DataFrame] = []
    libraries = gather_libraries(files, options, run_dir, confine, neutral)
    annotated: set[str] = set()
    outside: set[str] = set()
    for library in libraries:
        result = run_ora(genes, library, background, min_size, max_size)
        accounts.sets_outside_limits(files, library, result.sets_in_limits, min_size, max_size)
        annotated |= library.genes
        outside |= set(result.not_in_background)
        term_frames.append(result.terms[TERM_COLUMNS])
        info.libraries.append(
            LibrarySummary(
                name=library.name,
                source=library.source,
                sets=len(library.sets),
                sets_in_limits=result.sets_in_limits,
                tested_terms=len(result.terms),
                query_size=result.query_size,
                background="library genes" if background is None else background_text,
                background_size=result.background_size,
                notes=_library_notes(library),
            )
        )
    if isinstance(background, set):
        info.not_in_background = [g for g in genes if g in outside]
    if libraries:
        info.unannotated = [g for g in genes if g not in annotated]
    accounts.untested_genes(files, gene_source, genes, info.unannotated, info.not_in_background)

    edges = []
    for pf in files:
        if pf.file.pattern == "string_enrichment":
            term_frames.append(pf.data)
            info.exports.append(pf.file.relpath)
        elif pf.file.pattern == "string_interactions":
            edges.append(pf.data)
            info.exports.append(pf.file.relpath)
    network = normalise_edges(pd.concat(edges)) if edges else pd.DataFrame(columns=NETWORK_COLUMNS)
    if edges:
        info.network_source = "STRING web export"
        accounts.edges_in_two_exports(files, network)

    if info.online_requested:
        where = cache_file(options, run_dir)
        outcome = query_string(genes, options, where)
        # Shown relative to the run directory when inside it: the same run, the same page.
        if where.is_relative_to(Path(run_dir)):
            outcome.cache_file = f"{where.relative_to(Path(run_dir)).as_posix()} in the run directory"
        info.string = outcome
        if outcome.terms is not None:
            term_frames.insert(0, outcome.terms)
        if outcome.network is not None:
            network = outcome.network
            info.network_source = "STRING API"
        if outcome.errors:
            warnings.warn("STRING: " + "; ".join(outcome.errors), InputWarning, stacklevel=2)

    frames = [f for f in term_frames if not f.empty]
    terms = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TERM_COLUMNS)
    terms = _sort_terms(terms, [lib.name for lib in libraries])
    return {
        "terms": terms,
        "network": network.reset_index(drop=True),
        "genes": gene_table(genes, terms, info, datasets),
        "info": info,
    }


TERMS_PER_GENE = 8


def _shorten(labels: list[str], limit: int) -> str:
    if len(labels) <= limit:
        return "; ".join(labels)
    return "; ".join(labels[:limit]) + f" ({shown_of(limit, len(labels))}: see the terms table)"


def gene_table(genes: list[str], terms: pd.DataFrame, info: Info, datasets: Any) -> pd.DataFrame:
    """One row per gene: share of samples mutated, and the significant terms with it."""
    share: dict[str, float] = {}
    per_gene = datasets.get("variants", "genes") if datasets is not None else None
    if isinstance(per_gene, pd.DataFrame) and {"gene", "percent_samples"} <= set(per_gene):
        share = dict(zip(per_gene["gene"], per_gene["percent_samples"], strict=True))
    # Best first, so that the cut below keeps the most significant terms.
    significant = terms[terms["fdr"] <= info.fdr_threshold].sort_values(["fdr", "p_value"], kind="stable")
    members: dict[str, list[str]] = {g: [] for g in genes}
    for rec in significant.itertuples():
        label = f"{rec.description} ({rec.category})"
        for gene in split_genes(rec.genes):
            if gene in members:
                members[gene].append(label)
    string_ids = info.string.mapped if info.string else {}
    rows = []
    for gene in genes:
        rows.append(
            {
                "gene": gene,
                "percent_samples": share.get(gene),
                "in_background": "no" if gene in info.not_in_background else "yes",
                "in_gene_sets": "no" if gene in info.unannotated else "yes",
                "string_id": string_ids[gene][0] if gene in string_ids else None,
                "significant_terms": len(members[gene]),
                "terms": _shorten(members[gene], TERMS_PER_GENE),
            }
        )
    frame = pd.DataFrame(rows)
    if not string_ids:
        frame = frame.drop(columns="string_id")
    return frame
