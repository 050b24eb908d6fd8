"""The enrichment plugin: pathway enrichment of the frequently mutated genes
(offline hypergeometric tests on bundled Reactome sets, STRING on request) and
their protein interaction network.

Kept cheap to import: the work lives in sibling modules imported by the hooks.
"""

from __future__ import annotations

from typing import Any

from rinec_report import CliOption, Pattern, hookimpl

DEFAULT_API = "https://version-12-0.string-db.org/api"


@hookimpl
def rinec_config_defaults() -> dict[str, Any]:
    return {
        "genes": None,  # list of symbols, or a gene list file; overrides genes.txt / variants
        "gene_sets": [],  # extra GMT files (paths relative to the run directory)
        "reactome": True,  # use the bundled Reactome human pathways
        "background": None,  # None: panel genes if known, else library union; or
        # "library", a number of genes, a list, or a file
        "min_size": 5,
        "max_size": 500,
        "fdr_threshold": 0.05,
        "top_terms": 15,
        "network_terms": 30,
        "seed": 7,
        "online": False,
        "string_api": DEFAULT_API,
        "species": 9606,
        "required_score": 400,
        "network_type": "functional",
        "caller_identity": "rinec-report",
        "cache": "run",  # "run": <run_dir>/.rinec_cache/, "user": user cache dir, or a folder
        "timeout": 30,
        "retries": 3,
        "backoff": 2.0,
        "min_interval": 1.0,
        "max_answer_mb": 8.0,  # a larger STRING answer is refused, never cached
        "max_cache_mb": 64.0,  # the JSON cache's bound; the oldest answers go first
    }


@hookimpl
def rinec_cli_options() -> list[CliOption]:
    return [
        CliOption(
            "--online",
            "online",
            "Ask STRING (string-db.org) for pathway enrichment and the interaction "
            "network; answers are cached in <run_dir>/.rinec_cache/.",
            is_flag=True,
        )
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
def rinec_datasets(
    files: list[Any], options: dict[str, Any], datasets: Any, config: dict[str, Any], run: Any
) -> dict[str, Any] | None:
    from .build import build

    return build(files, options, datasets, config, run.run_dir)


@hookimpl
def rinec_sections(datasets: Any, options: dict[str, Any]) -> list[Any]:
    from .sections import sections

    data = datasets.of("enrichment")
    return sections(data, options) if data else []
