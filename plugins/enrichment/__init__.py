"""The enrichment plugin: pathway enrichment of the frequently mutated genes
(offline hypergeometric tests on bundled Reactome sets, STRING on request) and
their protein interaction network.

Kept cheap to import: the work lives in sibling modules imported by the hooks.
"""

from __future__ import annotations

from typing import Any

from rinec_report import Option, Pattern, hookimpl

DEFAULT_API = "https://version-12-0.string-db.org/api"


@hookimpl
def rinec_options() -> list[Option]:
    return [
        Option("genes", "any", None, "A list of symbols, or a gene list file; overrides genes.txt and the "
               "variants plugin's high-frequency genes.", scope="run"),
        Option("gene_sets", "list[str]", [], "Extra GMT files (paths relative to the run directory).", scope="run"),
        Option("reactome", "bool", True, "Use the bundled Reactome human pathways.", scope="run"),
        Option("background", "any", None, "Default: the panel's genes if known, else the libraries' union; or "
               "`library`, a number of genes, a list, or a file.", scope="run"),
        Option("min_size", "int", 5, "Smallest gene set tested.", min=1, scope="run"),
        Option("max_size", "int", 500, "Largest gene set tested.", min=1, scope="run"),
        Option("fdr_threshold", "float", 0.05, "FDR at or below which a term is significant.", min=0, max=1,
               scope="run"),
        Option("top_terms", "int", 15, "Terms in the bar chart.", min=1, scope="run"),
        Option("network_terms", "int", 30, "Terms offered to colour the network.", min=0, scope="run"),
        Option("seed", "int", 7, "Seed of the network layout.", min=0, max=2**32 - 1, scope="run"),
        Option("online", "bool", False, "Ask STRING (string-db.org) for pathway enrichment and the interaction "
               "network; answers are cached in <run_dir>/.rinec_cache/.", cli="--online", scope="user"),
        Option("string_api", "url", DEFAULT_API, "STRING's API address (http or https).", scope="user"),
        Option("species", "int", 9606, "NCBI taxon of the genes.", min=1, scope="run"),
        Option("required_score", "int", 400, "STRING's minimum combined score.", min=0, max=1000, scope="run"),
        Option("network_type", "str", "functional", "STRING's network type.", choices=("functional", "physical"),
               scope="run"),
        Option("caller_identity", "str", "rinec-report", "Sent to STRING with each request.", scope="user"),
        Option("cache", "str", "run", "`run`: <run_dir>/.rinec_cache/, `user`: the user cache folder, or a folder.",
               scope="user"),
        Option("timeout", "float", 30.0, "Seconds a STRING request may take in all (connection, headers, answer).",
               min=0.1, scope="user"),
        Option("retries", "int", 3, "Retries on HTTP 429, 5xx, timeouts and connection errors.", min=0, scope="user"),
        Option("backoff", "float", 2.0, "First retry delay in seconds, doubled each time (a "
               "Retry-After header is honoured up to 60 s).", min=0, scope="user"),
        Option("min_interval", "float", 1.0, "Seconds between two STRING requests.", min=0, scope="user"),
        Option("max_answer_mb", "float", 8.0, "A larger STRING answer is refused, never cached.", min=0.001,
               scope="user"),
        Option("max_cache_mb", "float", 64.0, "Bound of the JSON cache; the oldest answers go first.", min=0.001,
               scope="user"),
    ]


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [
        Pattern("genes", glob=("genes.txt",)),
        Pattern("gmt", glob=("*.gmt",)),
        Pattern(
            "string_enrichment",
            glob=("enrichment*.tsv", "*string*enrichment*.tsv"),
            contents=r"term description",
            max_lines=1,
        ),
        Pattern(
            "string_interactions",
            glob=("string_interactions*.tsv",),
            contents=r"node1\tnode2",
            max_lines=1,
        ),
    ]


@hookimpl
def rinec_parse(file: Any, options: dict[str, Any]) -> Any:
    if file.pattern == "genes":
        from .genes import read_gene_list

        return read_gene_list(file.path)
    if file.pattern == "gmt":
        from .gmt import library_name, read_gmt

        return read_gmt(file.path, library_name(file.relpath.rsplit("/", 1)[-1]), file.relpath)
    if file.pattern == "string_enrichment":
        from .string_files import parse_string_enrichment

        return parse_string_enrichment(file.path, file.relpath)
    if file.pattern == "string_interactions":
        from .string_files import parse_string_interactions

        return parse_string_interactions(file.path, file.relpath)
    return None


@hookimpl
def rinec_subset(files: list[Any]) -> list[Any]:
    """Gene lists and gene-set libraries hold no patient; the default gene list (the
    variants plugin's high-frequency genes) follows the subset by itself. STRING's
    exported tables were made for some gene list, which may hold the genes of patients
    left out: they are left out of a subset report (``--online`` asks for the subset's)."""
    import warnings

    from rinec_report import InputWarning

    kept = [f for f in files if f.file.pattern in ("genes", "gmt")]
    if len(kept) < len(files):
        warnings.warn("STRING's exported tables are left out of a patient subset report: they were made for a "
                      "gene list that may hold genes of the patients left out (--online asks STRING for the "
                      "subset's genes)", InputWarning, stacklevel=2)
    return kept


@hookimpl
def rinec_datasets(
    files: list[Any], options: dict[str, Any], datasets: Any, config: dict[str, Any], run: Any
) -> dict[str, Any] | None:
    from .build import build

    # Files named in the options are read inside the run directory only, unless the
    # config allows reading outside it (the run directory's config is untrusted).
    return build(files, options, datasets, run.run_dir, confine=not config.get("allow_links_outside", False),
                 neutral=bool((config.get("deidentify") or {}).get("enabled")))


@hookimpl
def rinec_identifiers() -> dict[str, str]:
    from .sharing import FIELDS

    return FIELDS


@hookimpl
def rinec_sections(data: dict[str, Any], options: dict[str, Any]) -> list[Any]:
    from .sections import sections

    return sections(data, options)
