"""The ihc plugin: immunohistochemistry readings scored as in the study.

Reads pathologists' readings (long or wide tables; CSV, TSV or XLSX), scores
them as intensity x percentage score, and reports a heat map, the primary
NPC against the second NEC, and a diagnostic panel verdict per NEC. Heavy
imports live in the sibling modules, imported inside the hooks.
"""

from __future__ import annotations

from typing import Any

from rinec_report import Pattern, hookimpl

_EXTENSIONS = ("csv", "tsv", "txt", "xlsx")
_NAMES = ("*ihc*", "*immunohisto*", "*immunostain*")


@hookimpl
def rinec_config_defaults() -> dict[str, Any]:
    return {
        # Inclusive upper edges of percentage scores 1, 2 and 3 (above: 4).
        "percent_bands": [25, 50, 75],
        # Lowest final scores of the categories +, ++ and +++ (below: -).
        "category_bands": [1, 5, 9],
        # The lowest category that counts as positive in the diagnostic panel.
        "positive_from": "+",
        "neuroendocrine_markers": ["CD56", "SYN", "CgA"],
        "squamous_markers": ["CK5/6", "p40"],
        "ebv_markers": ["EBER"],
        # Canonical marker name -> other spellings, added to the built-in ones.
        "marker_synonyms": {},
        # Specimen label -> type (NPC, NEC or any other name), for labels the
        # plugin cannot read the type from.
        "specimen_types": {},
        # Patients drawn in the NPC-versus-NEC chart (the first ones, in table order).
        "comparison_max_patients": 24,
        # Columns of a wide table that are not markers.
        "ignore_columns": ["comment", "comments", "note", "notes", "remarks"],
    }


@hookimpl
def rinec_patterns() -> list[Pattern]:
    return [Pattern("scores", glob=tuple(f"{n}.{e}" for n in _NAMES for e in _EXTENSIONS))]


@hookimpl
def rinec_parse(file: Any, options: dict[str, Any]) -> Any:
    from .parse import parse_file

    return parse_file(file.path, options)


@hookimpl
def rinec_datasets(
    files: list[Any], options: dict[str, Any], datasets: Any, config: dict[str, Any]
) -> dict[str, Any] | None:
    from .combine import combine

    return combine([f.data for f in files if f.data is not None], options, datasets, config)


@hookimpl
def rinec_sections(datasets: Any, options: dict[str, Any]) -> list[Any]:
    from .sections import sections

    return sections(datasets.of("ihc"), options)


@hookimpl
def rinec_summary_columns(datasets: Any, options: dict[str, Any]) -> list[Any]:
    from .sections import summary_columns

    return summary_columns(datasets.of("ihc"), options)
